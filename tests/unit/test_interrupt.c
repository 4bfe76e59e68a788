/* SIGINT, SIGTERM and SIGHUP during setup (common/interrupt.h).  Each check
 * runs in a child of its own: the handlers and the signal mask are
 * process-wide, and the child dies with the check (PR_SET_PDEATHSIG) if it
 * should ever block for good. */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <unistd.h>

#include <check.h>

#include "common/interrupt.h"
#include "tests/unit/unit.h"

/* The signal comes before the blocking call (between a caller's look at
 * interrupt_signal() and its read): the read is interrupted all the same. */
static int signal_before_read(void)
{
	int p[2];
	if (pipe(p) < 0)
		return 10;
	interrupt_catch();
	raise(SIGTERM);
	char byte;
	ssize_t n = read(p[0], &byte, 1);   /* nobody writes: waits for the kick */
	if (n >= 0 || errno != EINTR)
		return 11;
	return interrupt_signal() == SIGTERM ? 0 : 12;
}

START_TEST(signal_before_a_blocking_call_still_interrupts_it)
{
	ck_assert_int_eq(test_run_in_child(signal_before_read), 0);
}
END_TEST

/* The first signal is the one reported. */
static int first_signal_wins(void)
{
	interrupt_catch();
	if (interrupt_signal() != 0)
		return 10;
	raise(SIGHUP);
	raise(SIGINT);
	return interrupt_signal() == SIGHUP ? 0 : 11;
}

START_TEST(first_signal_is_reported)
{
	ck_assert_int_eq(test_run_in_child(first_signal_wins), 0);
	ck_assert_str_eq(interrupt_signal_name(SIGINT), "SIGINT");
	ck_assert_str_eq(interrupt_signal_name(SIGTERM), "SIGTERM");
	ck_assert_str_eq(interrupt_signal_name(SIGHUP), "SIGHUP");
}
END_TEST

/* After interrupt_hold a signal waits, pending, for machine_run's
 * signalfd: it is neither handled nor lost. */
static int held_signal_waits(void)
{
	interrupt_catch();
	interrupt_hold();
	raise(SIGINT);
	sigset_t pending;
	if (sigpending(&pending) < 0 || !sigismember(&pending, SIGINT))
		return 10;
	return interrupt_signal() == 0 ? 0 : 11;
}

START_TEST(held_signal_stays_pending)
{
	ck_assert_int_eq(test_run_in_child(held_signal_waits), 0);
}
END_TEST

/* A SIG_IGN inherited from a shell's background job does not keep a
 * signal from ending setup. */
static int ignored_signal_is_caught(void)
{
	signal(SIGINT, SIG_IGN);
	interrupt_catch();
	raise(SIGINT);
	return interrupt_signal() == SIGINT ? 0 : 10;
}

START_TEST(inherited_ignore_is_overridden)
{
	ck_assert_int_eq(test_run_in_child(ignored_signal_is_caught), 0);
}
END_TEST

Suite *interrupt_suite(void)
{
	Suite *s = suite_create("interrupt");
	TCase *t = tcase_create("interrupt");
	tcase_add_test(t, signal_before_a_blocking_call_still_interrupts_it);
	tcase_add_test(t, first_signal_is_reported);
	tcase_add_test(t, held_signal_stays_pending);
	tcase_add_test(t, inherited_ignore_is_overridden);
	suite_add_tcase(s, t);
	return s;
}
