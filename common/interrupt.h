/* SIGINT, SIGTERM and SIGHUP before the guest runs.  Setup may wait for
 * ever (an image read from a FIFO nobody writes, a console FIFO nobody
 * reads); these signals must end it with the exit status they give a
 * running guest, and with the --result-json report written, which their
 * default action (death) would not do.
 *
 * vmm/main.c calls interrupt_catch first thing and interrupt_hold once
 * setup is over; from then on the signals wait, blocked, for the run's
 * signalfd.  In between, a blocking call that one of them interrupts fails
 * with EINTR, and library code that retries EINTR stops retrying once
 * interrupt_signal() says so.  Only main decides what the run's status is. */
#ifndef MINIVMM_COMMON_INTERRUPT_H
#define MINIVMM_COMMON_INTERRUPT_H

/* Installs the handlers (without SA_RESTART, so that blocking calls return
 * EINTR), also over a SIG_IGN inherited from a shell's background job: a
 * running guest takes these signals whatever their disposition. */
void interrupt_catch(void);

/* The first of the signals caught, or 0. */
int interrupt_signal(void);

/* "SIGINT", "SIGTERM", "SIGHUP" (or "a signal"). */
const char *interrupt_signal_name(int sig);

/* Blocks the signals in the calling thread (and the threads it starts
 * later): from now on they stay pending, for a signalfd to read. */
void interrupt_hold(void);

#endif
