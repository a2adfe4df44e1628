/*
 * lock.h - one advisory lock (flock) per image tag.
 *
 * Every aishell that may build or re-tag `<repo>:<tag>` holds that tag's
 * lock from its final staleness check until the tag has moved, so
 * concurrent runs build once and the rest find the image fresh.  The kernel
 * drops the lock when the process dies, so Ctrl-C or a crash never leaves
 * one behind.
 */
#ifndef AIS_LOCK_H
#define AIS_LOCK_H

#include "event.h"

#include <signal.h>

typedef struct {
	int fd;
} ais_lock;

#define AIS_LOCK_INIT { -1 }

/* Take the lock for `tag` in directory `dir` (created mode 0700 if needed;
 * refused when it is another user's or writable by others), waiting
 * for another holder; reports AIS_EVENT_WAIT once before waiting.  While
 * waiting, a non-zero *cancel gives AIS_EINTERRUPTED. */
int ais_lock_acquire(ais_lock *lock, const char *dir, const char *tag,
		     const volatile sig_atomic_t *cancel, ais_event_cb on_event,
		     void *payload);

void ais_lock_release(ais_lock *lock);

#endif
