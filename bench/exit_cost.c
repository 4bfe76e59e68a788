/* exit-cost [ROUNDS [EXITS]] — what one port-I/O exit costs through
 * minivmm's device bus, against a bare KVM_RUN loop that answers the exit
 * itself.
 *
 * The VM is set up with raw ioctls (api.rst 4.: KVM_CREATE_VM, one memory
 * slot, one vCPU in real mode at CS:IP 0:0), and its 16-bit guest reads the
 * serial line status register (port 0x3fd) EXITS times, then halts: the
 * polled LSR read is the exit a Linux boot makes most often (the 8250
 * console waits for THRE before each byte).
 *
 *   bare loop  KVM_RUN; on KVM_EXIT_IO put a constant in the data byte
 *   bus loop   KVM_RUN; every KVM_EXIT_IO goes through vcpu_io_exit() (the
 *              very function minivmm's vCPU threads call) to a struct io_bus
 *              carrying the real 16550A (vmm/devices/serial.c) at 0x3f8
 *
 * Both stop on KVM_EXIT_HLT.  The two alternate, round by round (which one
 * goes first alternates too), so a drift of the host's speed hits both.
 * Every exit is checked to be the expected one (a 1-byte read of 0x3fd):
 * anything else ends the program with status 1 and one line on stderr.
 *
 * Prints one line per round (ns per exit: the round's time over EXITS; the
 * final HLT exit and the register reset are in both loops alike), the
 * fastest round of each loop, the time of vcpu_io_exit alone (a million
 * calls without KVM_RUN: what the bus itself costs, which the noise of a
 * whole exit on a busy host can hide), and last
 *
 *   median: bare B ns/exit, bus U ns/exit, bus/bare R
 *
 * which scripts/bench.sh reads: B and U the medians of the rounds, R the
 * median of the rounds' own bus/bare ratios (each round's two loops run
 * back to back, so it is steadier than U / B on a busy host). */
#include <errno.h>
#include <fcntl.h>
#include <linux/kvm.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "vmm/devices/serial.h"
#include "vmm/io_bus.h"
#include "vmm/machine.h"

#define EXIT_PORT        0x3fd   /* COM1 base 0x3f8 + LSR (5) */
#define SERIAL_BASE      0x3f8
#define GUEST_RAM_SIZE   0x10000 /* the code needs a few bytes; one small slot */
#define BARE_IN_VALUE    0x60    /* what the bare loop answers: an idle LSR */
#define DEFAULT_ROUNDS   9
#define DEFAULT_EXITS    20000
#define MAX_ROUNDS       1001

struct bench_vm {
	int kvm_fd, vm_fd, vcpu_fd;
	struct kvm_run *run;
	size_t run_size;
	uint8_t *ram;
};

static void __attribute__((noreturn, format(printf, 1, 2))) die(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fputs("exit-cost: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	exit(1);
}

static int kvm_ioctl(int fd, unsigned long req, void *arg, const char *what)
{
	int r = ioctl(fd, req, arg);
	if (r < 0)
		die("%s: %s", what, strerror(errno));
	return r;
}

/* The guest, 16-bit code at guest-physical 0:
 *	mov  $exits, %cx
 *	mov  $0x3fd, %dx
 * 1:	in   (%dx), %al
 *	loop 1b
 *	hlt */
static void bench_vm_write_guest(struct bench_vm *vm, unsigned exits)
{
	const uint8_t code[] = {
		0xb9, (uint8_t)exits, (uint8_t)(exits >> 8),
		0xba, EXIT_PORT & 0xff, EXIT_PORT >> 8,
		0xec,
		0xe2, 0xfd,   /* -3: back to the in */
		0xf4,
	};
	memcpy(vm->ram, code, sizeof(code));
}

static void bench_vm_create(struct bench_vm *vm)
{
	vm->kvm_fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (vm->kvm_fd < 0)
		die("/dev/kvm: %s", strerror(errno));
	if (ioctl(vm->kvm_fd, KVM_GET_API_VERSION, 0) != KVM_API_VERSION)
		die("/dev/kvm: KVM API version is not %d", KVM_API_VERSION);
	vm->vm_fd = kvm_ioctl(vm->kvm_fd, KVM_CREATE_VM, 0, "KVM_CREATE_VM");

	vm->ram = mmap(NULL, GUEST_RAM_SIZE, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (vm->ram == MAP_FAILED)
		die("guest RAM: %s", strerror(errno));
	struct kvm_userspace_memory_region slot = {
		.slot = 0,
		.guest_phys_addr = 0,
		.memory_size = GUEST_RAM_SIZE,
		.userspace_addr = (uintptr_t)vm->ram,
	};
	kvm_ioctl(vm->vm_fd, KVM_SET_USER_MEMORY_REGION, &slot, "KVM_SET_USER_MEMORY_REGION");

	vm->vcpu_fd = kvm_ioctl(vm->vm_fd, KVM_CREATE_VCPU, 0, "KVM_CREATE_VCPU");
	int size = kvm_ioctl(vm->kvm_fd, KVM_GET_VCPU_MMAP_SIZE, 0, "KVM_GET_VCPU_MMAP_SIZE");
	if ((size_t)size < sizeof(struct kvm_run))
		die("KVM_GET_VCPU_MMAP_SIZE: %d is smaller than struct kvm_run", size);
	vm->run_size = (size_t)size;
	vm->run = mmap(NULL, vm->run_size, PROT_READ | PROT_WRITE, MAP_SHARED, vm->vcpu_fd, 0);
	if (vm->run == MAP_FAILED)
		die("mmap kvm_run: %s", strerror(errno));

	/* Real mode with CS base 0, not the reset vector's 0xffff0000. */
	struct kvm_sregs sregs;
	kvm_ioctl(vm->vcpu_fd, KVM_GET_SREGS, &sregs, "KVM_GET_SREGS");
	sregs.cs.base = 0;
	sregs.cs.selector = 0;
	kvm_ioctl(vm->vcpu_fd, KVM_SET_SREGS, &sregs, "KVM_SET_SREGS");
}

/* Back to IP 0 for the next round; the guest sets CX and DX itself. */
static void bench_vm_rewind(struct bench_vm *vm)
{
	struct kvm_regs regs = { .rip = 0, .rflags = 0x2 };
	kvm_ioctl(vm->vcpu_fd, KVM_SET_REGS, &regs, "KVM_SET_REGS");
}

static void bench_check_exit(const struct kvm_run *run, const char *loop)
{
	if (run->exit_reason != KVM_EXIT_IO)
		die("%s loop: exit reason %u where a port read (KVM_EXIT_IO) or the final "
		    "hlt was expected", loop, run->exit_reason);
	if (run->io.port != EXIT_PORT || run->io.direction != KVM_EXIT_IO_IN ||
	    run->io.size != 1 || run->io.count != 1)
		die("%s loop: unexpected port exit: port 0x%x %s size %u count %u "
		    "(want a 1-byte read of 0x%x)", loop, run->io.port,
		    run->io.direction == KVM_EXIT_IO_IN ? "in" : "out", run->io.size,
		    run->io.count, EXIT_PORT);
}

static double bench_now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

/* One round; returns ns per port exit.  bus NULL: the bare loop. */
static double bench_round(struct bench_vm *vm, struct io_bus *bus, unsigned exits)
{
	const char *loop = bus ? "bus" : "bare";
	unsigned seen = 0;
	bench_vm_rewind(vm);
	double start = bench_now_ns();
	for (;;) {
		if (ioctl(vm->vcpu_fd, KVM_RUN, 0) < 0) {
			if (errno == EINTR)
				continue;
			die("%s loop: KVM_RUN: %s", loop, strerror(errno));
		}
		struct kvm_run *run = vm->run;
		if (run->exit_reason == KVM_EXIT_HLT)
			break;
		bench_check_exit(run, loop);
		if (bus) {
			if (vcpu_io_exit(bus, run, vm->run_size) < 0)
				die("bus loop: vcpu_io_exit refused the exit (data offset %llu)",
				    (unsigned long long)run->io.data_offset);
		} else {
			*((uint8_t *)run + run->io.data_offset) = BARE_IN_VALUE;
		}
		seen++;
	}
	double elapsed = bench_now_ns() - start;
	if (seen != exits)
		die("%s loop: %u port exits where the guest makes %u", loop, seen, exits);
	/* The last answer reached the guest: AL holds an idle LSR (THRE|TEMT),
	 * from the serial device in the bus loop. */
	struct kvm_regs regs;
	kvm_ioctl(vm->vcpu_fd, KVM_GET_REGS, &regs, "KVM_GET_REGS");
	if ((regs.rax & 0xff) != BARE_IN_VALUE)
		die("%s loop: the guest read 0x%02llx from port 0x%x, not 0x%02x", loop,
		    (unsigned long long)(regs.rax & 0xff), EXIT_PORT, BARE_IN_VALUE);
	return elapsed / exits;
}

/* vcpu_io_exit alone, without KVM_RUN: what the bus adds to each exit,
 * far below the noise of a whole exit on a loaded host.  A kvm_run-sized
 * buffer holding the same 1-byte read of the LSR stands in for KVM's. */
static double bench_bus_alone(struct io_bus *bus, size_t run_size, unsigned calls)
{
	struct kvm_run *run = calloc(1, run_size);
	if (!run)
		die("out of memory");
	run->exit_reason = KVM_EXIT_IO;
	run->io.direction = KVM_EXIT_IO_IN;
	run->io.size = 1;
	run->io.port = EXIT_PORT;
	run->io.count = 1;
	run->io.data_offset = sizeof(*run);
	if (run->io.data_offset >= run_size)
		die("kvm_run mapping too small for a data byte");
	double start = bench_now_ns();
	for (unsigned i = 0; i < calls; i++) {
		if (vcpu_io_exit(bus, run, run_size) < 0)
			die("bus alone: vcpu_io_exit refused the access");
	}
	double elapsed = bench_now_ns() - start;
	uint8_t lsr = *((uint8_t *)run + run->io.data_offset);
	free(run);
	if (lsr != BARE_IN_VALUE)
		die("bus alone: the serial LSR reads 0x%02x, not 0x%02x", lsr, BARE_IN_VALUE);
	return elapsed / calls;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

static double median(const double *v, int n)
{
	double sorted[MAX_ROUNDS];
	memcpy(sorted, v, sizeof(double) * (size_t)n);
	qsort(sorted, (size_t)n, sizeof(double), cmp_double);
	return n % 2 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
}

static void serial_irq_none(void *opaque, int level)
{
	(void)opaque;
	(void)level;
}

static void serial_output_none(void *opaque, uint8_t byte)
{
	(void)opaque;
	(void)byte;
}

static unsigned parse_count(const char *s, unsigned min, unsigned max, const char *what)
{
	char *end;
	errno = 0;
	unsigned long v = strtoul(s, &end, 10);
	if (errno || end == s || *end || v < min || v > max)
		die("%s must be a number from %u to %u, not '%s'", what, min, max, s);
	return (unsigned)v;
}

int main(int argc, char **argv)
{
	if (argc > 3) {
		fprintf(stderr, "usage: exit-cost [ROUNDS [EXITS]]\n");
		return 2;
	}
	/* The guest counts in CX: at most 65535 exits a round. */
	unsigned rounds = argc > 1 ? parse_count(argv[1], 1, MAX_ROUNDS, "ROUNDS") : DEFAULT_ROUNDS;
	unsigned exits = argc > 2 ? parse_count(argv[2], 1, 65535, "EXITS") : DEFAULT_EXITS;

	struct bench_vm vm;
	bench_vm_create(&vm);
	bench_vm_write_guest(&vm, exits);

	struct serial serial;
	struct io_bus bus;
	serial_init(&serial, serial_irq_none, serial_output_none, NULL);
	io_bus_init(&bus, IO_BUS_PORTS_END);
	if (io_bus_add(&bus, SERIAL_BASE, SERIAL_PORTS, serial_io, &serial, "serial") < 0)
		die("io_bus_add: cannot add the serial port");

	/* A warm-up round of each: page faults, caches, the CPU's clock. */
	bench_round(&vm, NULL, exits);
	bench_round(&vm, &bus, exits);

	static double bare[MAX_ROUNDS], viabus[MAX_ROUNDS], ratio[MAX_ROUNDS];
	printf("exit-cost: %u rounds of %u exits (1-byte in from port 0x%x), ns per exit\n",
	       rounds, exits, EXIT_PORT);
	printf("round   bare    bus  bus/bare\n");
	for (unsigned r = 0; r < rounds; r++) {
		if (r % 2 == 0) {
			bare[r] = bench_round(&vm, NULL, exits);
			viabus[r] = bench_round(&vm, &bus, exits);
		} else {
			viabus[r] = bench_round(&vm, &bus, exits);
			bare[r] = bench_round(&vm, NULL, exits);
		}
		ratio[r] = viabus[r] / bare[r];
		printf("%5u %7.1f %7.1f %8.3f\n", r + 1, bare[r], viabus[r], ratio[r]);
	}
	double min_bare = bare[0], min_bus = viabus[0];
	for (unsigned r = 1; r < rounds; r++) {
		min_bare = bare[r] < min_bare ? bare[r] : min_bare;
		min_bus = viabus[r] < min_bus ? viabus[r] : min_bus;
	}
	printf("fastest round: bare %.1f ns/exit, bus %.1f ns/exit\n", min_bare, min_bus);
	printf("vcpu_io_exit alone (no KVM_RUN): %.1f ns per call\n",
	       bench_bus_alone(&bus, vm.run_size, 1000000));
	/* The ratio is the median of the rounds' own ratios: the two loops of
	 * a round run back to back, so a slow spell of a shared host hits both
	 * of them, where it would shift one median and not the other. */
	printf("median: bare %.1f ns/exit, bus %.1f ns/exit, bus/bare %.3f\n",
	       median(bare, (int)rounds), median(viabus, (int)rounds), median(ratio, (int)rounds));

	io_bus_destroy(&bus);
	serial_destroy(&serial);
	return 0;
}
