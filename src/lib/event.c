#include "event.h"

#include "buf.h"

#include <stdarg.h>

void ais_event_emitf(ais_event_cb cb, void *payload, ais_event_type type,
		     const char *tag, const char *fmt, ...)
{
	ais_buf text = AIS_BUF_INIT;
	ais_event ev = { 0 };
	va_list ap;

	if (!cb)
		return;
	va_start(ap, fmt);
	ais_buf_vprintf(&text, fmt, ap);
	va_end(ap);
	ev.type = type;
	ev.tag = tag;
	ev.text = ais_buf_cstr(&text);
	cb(&ev, payload);
	ais_buf_dispose(&text);
}
