#include "test.h"

#include "error.h"
#include "lock.h"

#include <signal.h>
#include <stdio.h>
#include <sys/stat.h>

static int waits;

static void count_wait(const ais_event *ev, void *payload)
{
	(void)payload;
	if (ev->type == AIS_EVENT_WAIT)
		waits++;
}

TEST(lock_excludes_second_holder)
{
	ais_lock a = AIS_LOCK_INIT, b = AIS_LOCK_INIT;
	volatile sig_atomic_t cancel = 1;
	char dir[600];
	struct stat st;

	snprintf(dir, sizeof(dir), "%s/state/aishell/locks", test_tmpdir());
	CHECK_INT(ais_lock_acquire(&a, dir, "aistest:ext-abc", NULL, NULL, NULL), 0);
	CHECK(stat(dir, &st) == 0 && S_ISDIR(st.st_mode));
	/* A second open file description conflicts; with cancel set it gives up. */
	waits = 0;
	CHECK_INT(ais_lock_acquire(&b, dir, "aistest:ext-abc", &cancel, count_wait, NULL),
		  AIS_EINTERRUPTED);
	CHECK_INT(waits, 1);
	/* Another tag is independent. */
	CHECK_INT(ais_lock_acquire(&b, dir, "aistest:base", NULL, NULL, NULL), 0);
	ais_lock_release(&b);
	ais_lock_release(&a);
	CHECK_INT(ais_lock_acquire(&b, dir, "aistest:ext-abc", &cancel, NULL, NULL), 0);
	ais_lock_release(&b);
}

TEST(lock_name_with_slash_stays_in_dir)
{
	ais_lock a = AIS_LOCK_INIT;
	char dir[600], path[700];
	struct stat st;

	snprintf(dir, sizeof(dir), "%s/locks", test_tmpdir());
	CHECK_INT(ais_lock_acquire(&a, dir, "reg.example:5000/team/ai:base", NULL, NULL, NULL), 0);
	snprintf(path, sizeof(path), "%s/reg.example:5000%%team%%ai:base.lock", dir);
	CHECK(stat(path, &st) == 0);
	ais_lock_release(&a);
}
