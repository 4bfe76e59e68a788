/* --dump: the guest's memory and registers as an ELF vmcore (vmcore.h),
 * written on SIGUSR1 while the guest runs, and when the run ends as
 * --dump-on asks.  A dump of a running guest pauses every vCPU outside
 * KVM_RUN (vcpu_pause in vcpu_loop.c) for as long as the writing takes and
 * changes nothing the guest can see but the time. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "vmm/machine.h"

/* How long a dump waits for the vCPUs to pause.  They leave KVM_RUN at
 * once when kicked; only a vCPU thread blocked on the host (a console
 * write nobody reads) takes longer, and it must not keep the main thread
 * from the timeout and the signals for ever. */
#define MACHINE_PAUSE_WAIT_SEC 5

int machine_pause_init(struct machine_pause *p, int ncpus)
{
	pthread_mutex_init(&p->lock, NULL);
	pthread_cond_init(&p->resume, NULL);
	/* The wait for the vCPUs is timed on the monotonic clock. */
	pthread_condattr_t attr;
	pthread_condattr_init(&attr);
	pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
	pthread_cond_init(&p->paused, &attr);
	pthread_condattr_destroy(&attr);
	p->cpus = ncpus > 0 ? calloc((size_t)ncpus, sizeof(*p->cpus)) : NULL;
	return ncpus > 0 && !p->cpus ? -1 : 0;
}

void machine_pause_destroy(struct machine_pause *p)
{
	free(p->cpus);
	p->cpus = NULL;
	pthread_cond_destroy(&p->paused);
	pthread_cond_destroy(&p->resume);
	pthread_mutex_destroy(&p->lock);
}

/* Asks every running vCPU thread to pause and waits until all have, with
 * their registers in m->pause.cpus.  Gives up when the VM stops meanwhile
 * (the stop wins: the vCPU that stopped it will never pause) or after
 * MACHINE_PAUSE_WAIT_SEC.  Either way machine_resume_vcpus must follow. */
int machine_pause_vcpus(struct machine *m, const char *path, struct error *err)
{
	struct machine_pause *p = &m->pause;
	struct timespec deadline;
	clock_gettime(CLOCK_MONOTONIC, &deadline);
	deadline.tv_sec += MACHINE_PAUSE_WAIT_SEC;

	pthread_mutex_lock(&p->lock);
	p->err.msg[0] = '\0';
	__atomic_store_n(&p->requested, p->requested + 1, __ATOMIC_SEQ_CST);
	pthread_mutex_unlock(&p->lock);
	for (int i = 0; i < m->nvcpus; i++)
		if (m->vcpus[i].running)
			vcpu_kick(&m->vcpus[i]);

	int rc = 0, i = 0;
	bool timed_out = false;
	pthread_mutex_lock(&p->lock);
	while (rc == 0 && i < m->nvcpus) {
		const struct machine_vcpu *v = &m->vcpus[i];
		if (!v->running || v->paused)
			i++;
		else if (vm_stop_requested(&m->stop))
			rc = error_set(err, "%s: the guest stopped before every vCPU paused", path);
		else if (timed_out)
			rc = error_set(err, "%s: vCPU %d did not pause within %d s", path, i,
				       MACHINE_PAUSE_WAIT_SEC);
		else
			timed_out = pthread_cond_timedwait(&p->paused, &p->lock, &deadline) == ETIMEDOUT;
	}
	if (rc == 0 && p->err.msg[0])
		rc = error_set(err, "%s: %s", path, p->err.msg);
	pthread_mutex_unlock(&p->lock);
	return rc;
}

void machine_resume_vcpus(struct machine *m)
{
	struct machine_pause *p = &m->pause;
	pthread_mutex_lock(&p->lock);
	if (p->requested > 0)
		__atomic_store_n(&p->requested, p->requested - 1, __ATOMIC_SEQ_CST);
	if (p->requested == 0)
		pthread_cond_broadcast(&p->resume);
	pthread_mutex_unlock(&p->lock);
}

void machine_pause_hold(struct machine *m)
{
	struct machine_pause *p = &m->pause;
	pthread_mutex_lock(&p->lock);
	__atomic_store_n(&p->requested, p->requested + 1, __ATOMIC_SEQ_CST);
	pthread_mutex_unlock(&p->lock);
}

/* Bytes in MiB, to the nearest. */
static uint64_t machine_mib(uint64_t bytes)
{
	return (bytes + (1U << 19)) >> 20;
}

/* The dump of guest RAM, the registers in m->pause.cpus and the note the
 * guest registered through fw_cfg (read while no vCPU runs), said in one
 * line on stderr. */
static int machine_dump_write(struct machine *m, struct error *err)
{
	struct vmcore_info info;
	bool has_info = fw_cfg_vmcoreinfo(&m->fw_cfg, &info.paddr, &info.size);
	struct vmcore_result res;
	if (vmcore_write(m->cfg->dump_path, &m->vm.mem, m->pause.cpus, m->nvcpus,
			 has_info ? &info : NULL, &res, err) < 0)
		return -1;
	fprintf(stderr, "minivmm: wrote a vmcore of %" PRIu64 " MiB (%" PRIu64 " MiB of RAM) to %s%s%s\n",
		machine_mib(res.file_size), machine_mib(res.ram_written), m->cfg->dump_path,
		res.warning[0] ? "; " : "", res.warning);
	return 0;
}

void machine_dump_running(struct machine *m)
{
	/* The signal came with the stop: the end-of-run dump (if asked) will
	 * do, and a pause now would only fail. */
	if (vm_stop_requested(&m->stop))
		return;
	if (!m->cfg->dump_path) {
		fprintf(stderr, "minivmm: SIGUSR1 asks for a dump, but no --dump PATH was given; "
			"the guest goes on\n");
		return;
	}
	struct error err = { 0 };
	int rc = machine_pause_vcpus(m, m->cfg->dump_path, &err);
	if (rc == 0)
		rc = machine_dump_write(m, &err);
	machine_resume_vcpus(m);
	if (rc < 0)
		fprintf(stderr, "minivmm: dump %s\n", err.msg);
}

int machine_dump_at_end(struct machine *m, struct error *err)
{
	for (int i = 0; i < m->nvcpus; i++) {
		struct error why;
		if (vcpu_read_state(&m->vcpus[i], &why) < 0)
			return error_set(err, "%s: %s", m->cfg->dump_path, why.msg);
	}
	return machine_dump_write(m, err);
}
