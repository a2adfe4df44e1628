/*
 * lazy_protobuf_c.c - the protobuf-c functions the generated BuildKit
 * decoder (buildkit.pb-c.c) calls, forwarded to protobuf-c opened on
 * first use (see lazy.h): only a BuildKit build decodes anything.
 */
#include "lazy.h"

#include <protobuf-c/protobuf-c.h>

#define PROTOBUF_C_FUNCS(F, V, H)                                           \
	F(ProtobufCMessage *, protobuf_c_message_unpack,                    \
	  (const ProtobufCMessageDescriptor *descriptor,                    \
	   ProtobufCAllocator *allocator, size_t len, const uint8_t *data), \
	  (descriptor, allocator, len, data), NULL)                         \
	V(void, protobuf_c_message_free_unpacked,                           \
	  (ProtobufCMessage *message, ProtobufCAllocator *allocator),       \
	  (message, allocator), )                                           \
	F(size_t, protobuf_c_message_get_packed_size,                       \
	  (const ProtobufCMessage *message), (message), 0)                  \
	F(size_t, protobuf_c_message_pack,                                  \
	  (const ProtobufCMessage *message, uint8_t *out), (message, out), 0) \
	F(size_t, protobuf_c_message_pack_to_buffer,                        \
	  (const ProtobufCMessage *message, ProtobufCBuffer *buffer),       \
	  (message, buffer), 0)

AIS_LAZY_LIBRARY(PROTOBUF_C_FUNCS, "protobuf-c", AIS_PROTOBUF_C_SONAME)

/*
 * The generated code's default for proto3 strings.  protobuf-c itself
 * never refers to its own copy: it compares strings with the defaults the
 * generated descriptors point to, which is this one.
 */
const char protobuf_c_empty_string[] = "";

int ais_protobuf_c_ready(void)
{
	return ais_lazy_ready(&lib);
}
