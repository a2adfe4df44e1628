/*
 * event.h - progress and log reporting from the library to its caller.
 *
 * The library never prints.  Long operations report through an
 * ais_event_cb; the CLI decides what reaches the terminal.
 */
#ifndef AIS_EVENT_H
#define AIS_EVENT_H

typedef enum {
	AIS_EVENT_NOTE,        /* a status line: what is being checked or done */
	AIS_EVENT_WARN,        /* something the user should know about */
	AIS_EVENT_BUILD_START, /* `tag` is about to be built */
	AIS_EVENT_BUILD_STEP,  /* a new Dockerfile step: step/steps, text */
	AIS_EVENT_BUILD_LINE,  /* one line of build output */
	AIS_EVENT_BUILD_SENT,  /* `bytes` of build context sent so far */
	AIS_EVENT_BUILD_DONE,  /* `tag` built; text is the image id */
	AIS_EVENT_WAIT,        /* waiting for another aishell's lock on `tag` */
	AIS_EVENT_TRANSFER_START, /* a pull or push of `tag` begins; text says which */
	AIS_EVENT_TRANSFER_STEP,  /* one status line of it; step is 1 for a
				     progress update ("Downloading"), else 0 */
	AIS_EVENT_TRANSFER_DONE   /* `tag` pulled or pushed; text says which */
} ais_event_type;

typedef struct {
	ais_event_type type;
	const char *tag;          /* image the event concerns, or NULL */
	const char *text;         /* the line, without trailing newline */
	int step, steps;          /* BUILD_STEP: "Step step/steps" */
	unsigned long long bytes; /* BUILD_SENT */
} ais_event;

typedef void (*ais_event_cb)(const ais_event *ev, void *payload);

/* Report a NOTE, WARN or WAIT line made from a printf format (nothing when
 * cb is NULL). */
void ais_event_emitf(ais_event_cb cb, void *payload, ais_event_type type,
		     const char *tag, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));

#endif
