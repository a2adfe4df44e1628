/*
 * lazy_nghttp2.c - the nghttp2 functions the BuildKit session (session.c)
 * calls, forwarded to nghttp2 opened on first use (see lazy.h): only a
 * build that sends its context through a session speaks HTTP/2.
 */
#include "lazy.h"

#include <nghttp2/nghttp2.h>

#define NGHTTP2_FUNCS(F, V, H)                                              \
	F(int, nghttp2_session_callbacks_new,                               \
	  (nghttp2_session_callbacks **callbacks_ptr), (callbacks_ptr),     \
	  NGHTTP2_ERR_FATAL)                                                \
	V(void, nghttp2_session_callbacks_del,                              \
	  (nghttp2_session_callbacks *callbacks), (callbacks), )            \
	V(void, nghttp2_session_callbacks_set_send_callback,                \
	  (nghttp2_session_callbacks *cbs, nghttp2_send_callback cb),       \
	  (cbs, cb), )                                                      \
	V(void, nghttp2_session_callbacks_set_on_frame_recv_callback,       \
	  (nghttp2_session_callbacks *cbs,                                  \
	   nghttp2_on_frame_recv_callback cb), (cbs, cb), )                 \
	V(void, nghttp2_session_callbacks_set_on_data_chunk_recv_callback,  \
	  (nghttp2_session_callbacks *cbs,                                  \
	   nghttp2_on_data_chunk_recv_callback cb), (cbs, cb), )            \
	V(void, nghttp2_session_callbacks_set_on_stream_close_callback,     \
	  (nghttp2_session_callbacks *cbs,                                  \
	   nghttp2_on_stream_close_callback cb), (cbs, cb), )               \
	V(void, nghttp2_session_callbacks_set_on_header_callback,           \
	  (nghttp2_session_callbacks *cbs, nghttp2_on_header_callback cb),  \
	  (cbs, cb), )                                                      \
	V(void, nghttp2_session_callbacks_set_on_begin_headers_callback,    \
	  (nghttp2_session_callbacks *cbs,                                  \
	   nghttp2_on_begin_headers_callback cb), (cbs, cb), )              \
	F(int, nghttp2_session_server_new,                                  \
	  (nghttp2_session **session_ptr,                                   \
	   const nghttp2_session_callbacks *callbacks, void *user_data),    \
	  (session_ptr, callbacks, user_data), NGHTTP2_ERR_FATAL)           \
	V(void, nghttp2_session_del, (nghttp2_session *session), (session), ) \
	F(int, nghttp2_submit_settings,                                     \
	  (nghttp2_session *session, uint8_t flags,                         \
	   const nghttp2_settings_entry *iv, size_t niv),                   \
	  (session, flags, iv, niv), NGHTTP2_ERR_FATAL)                     \
	F(ssize_t, nghttp2_session_mem_recv,                                \
	  (nghttp2_session *session, const uint8_t *in, size_t inlen),      \
	  (session, in, inlen), NGHTTP2_ERR_FATAL)                          \
	F(int, nghttp2_session_send, (nghttp2_session *session), (session), \
	  NGHTTP2_ERR_FATAL)                                                \
	F(int, nghttp2_session_want_read, (nghttp2_session *session),       \
	  (session), 0)                                                     \
	F(int, nghttp2_session_want_write, (nghttp2_session *session),      \
	  (session), 0)                                                     \
	F(int, nghttp2_submit_response,                                     \
	  (nghttp2_session *session, int32_t stream_id,                     \
	   const nghttp2_nv *nva, size_t nvlen,                             \
	   const nghttp2_data_provider *data_prd),                          \
	  (session, stream_id, nva, nvlen, data_prd), NGHTTP2_ERR_FATAL)    \
	F(int, nghttp2_submit_trailer,                                      \
	  (nghttp2_session *session, int32_t stream_id,                     \
	   const nghttp2_nv *nva, size_t nvlen),                            \
	  (session, stream_id, nva, nvlen), NGHTTP2_ERR_FATAL)              \
	F(int, nghttp2_session_resume_data,                                 \
	  (nghttp2_session *session, int32_t stream_id),                    \
	  (session, stream_id), NGHTTP2_ERR_FATAL)                          \
	F(int, nghttp2_session_set_stream_user_data,                        \
	  (nghttp2_session *session, int32_t stream_id,                     \
	   void *stream_user_data), (session, stream_id, stream_user_data), \
	  NGHTTP2_ERR_FATAL)                                                \
	F(void *, nghttp2_session_get_stream_user_data,                     \
	  (nghttp2_session *session, int32_t stream_id),                    \
	  (session, stream_id), NULL)                                       \
	F(int, nghttp2_session_terminate_session,                           \
	  (nghttp2_session *session, uint32_t error_code),                  \
	  (session, error_code), NGHTTP2_ERR_FATAL)                         \
	F(const char *, nghttp2_strerror, (int lib_error_code),             \
	  (lib_error_code), "nghttp2 is not loaded")

AIS_LAZY_LIBRARY(NGHTTP2_FUNCS, "nghttp2", AIS_NGHTTP2_SONAME)

int ais_nghttp2_ready(void)
{
	return ais_lazy_ready(&lib);
}
