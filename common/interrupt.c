#include <signal.h>
#include <stddef.h>
#include <unistd.h>

#include "common/interrupt.h"

static volatile sig_atomic_t interrupt_caught;

/* A signal that lands between a caller's look at interrupt_signal() and
 * its blocking call interrupts nothing, and the call would wait on.  So
 * once a signal was caught, SIGALRM comes back every second (alarm(2) is
 * async-signal-safe, POSIX.1-2017 2.4.3) and interrupts the call again,
 * until interrupt_hold. */
static void interrupt_handler(int sig)
{
	if (sig != SIGALRM && interrupt_caught == 0)
		interrupt_caught = sig;
	if (interrupt_caught != 0)
		alarm(1);
}

static const int interrupt_signals[] = { SIGINT, SIGTERM, SIGHUP, SIGALRM };

void interrupt_catch(void)
{
	struct sigaction sa = { .sa_handler = interrupt_handler };
	sigemptyset(&sa.sa_mask);
	for (size_t i = 0; i < sizeof(interrupt_signals) / sizeof(interrupt_signals[0]); i++)
		sigaction(interrupt_signals[i], &sa, NULL);
}

int interrupt_signal(void)
{
	return interrupt_caught;
}

const char *interrupt_signal_name(int sig)
{
	switch (sig) {
	case SIGINT: return "SIGINT";
	case SIGTERM: return "SIGTERM";
	case SIGHUP: return "SIGHUP";
	}
	return "a signal";
}

void interrupt_hold(void)
{
	sigset_t set;
	sigemptyset(&set);
	for (size_t i = 0; i < sizeof(interrupt_signals) / sizeof(interrupt_signals[0]); i++)
		sigaddset(&set, interrupt_signals[i]);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	alarm(0);
}
