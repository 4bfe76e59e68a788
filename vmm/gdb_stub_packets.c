/* The gdb stub's answers, one per packet (GDB manual, "Packets",
 * "General Query Packets", "Stop Reply Packets"), while the vCPUs are
 * stopped.  Every number in a packet is parsed bounded; every guest
 * address goes through the guest's page tables (gdb_pagewalk) and the
 * checked guest_memory_ptr.  Unknown packets get the empty reply. */
#include <stdio.h>
#include <string.h>

#include "vmm/exit_status.h"
#include "vmm/gdb_pagewalk.h"
#include "vmm/gdb_regs.h"
#include "vmm/gdb_stub_internal.h"

#define GDB_SUPPORTED "PacketSize=4000;qXfer:features:read+;QStartNoAckMode+;swbreak+;" \
	"hwbreak+;vContSupported+"

static int reply(struct gdb_stub *s, const char *r)
{
	gdb_stub_send(s, r, strlen(r));
	return 0;
}

static bool starts(const char *p, const char *prefix)
{
	return strncmp(p, prefix, strlen(prefix)) == 0;
}

/* The paging registers of the vCPU Hg chose. */
static int paging_of(struct gdb_stub *s, struct gdb_paging *pg)
{
	struct kvm_sregs sr;
	if (kvm_vcpu_get_sregs(&s->m->vcpus[s->g_vcpu].vcpu, &sr, NULL) < 0)
		return -1;
	*pg = (struct gdb_paging){ sr.cr0, sr.cr3, sr.cr4, sr.efer };
	return 0;
}

/* Host pointer for guest-virtual va and how many bytes from it lie in the
 * same page and in RAM (at most want); NULL when untranslatable. */
static uint8_t *guest_va(struct gdb_stub *s, const struct gdb_paging *pg, uint64_t va,
			 uint64_t want, uint64_t *got)
{
	uint64_t pa, left;
	if (gdb_pagewalk(&s->m->vm.mem, pg, va, &pa, &left) < 0)
		return NULL;
	uint64_t n = want < left ? want : left;
	uint8_t *p = guest_memory_ptr(&s->m->vm.mem, pa, n);
	*got = n;
	return p;
}

/* Copies len bytes at va out of (write false) or into guest memory, page
 * by page; returns the bytes done, which stop at the first untranslatable
 * one. */
static uint64_t guest_copy(struct gdb_stub *s, uint64_t va, uint8_t *buf, uint64_t len, bool write)
{
	struct gdb_paging pg;
	if (paging_of(s, &pg) < 0)
		return 0;
	uint64_t done = 0;
	while (done < len) {
		uint64_t n;
		uint8_t *p = guest_va(s, &pg, va + done, len - done, &n);
		if (!p)
			break;
		if (write)
			memcpy(p, buf + done, n);
		else
			memcpy(buf + done, p, n);
		done += n;
	}
	return done;
}

/* "ADDR,LEN" and what follows. */
static int parse_addr_len(const char **p, const char *end, uint64_t *addr, uint64_t *len)
{
	if (gdb_hex_parse_u64(p, end, addr) < 0 || *p >= end || **p != ',')
		return -1;
	(*p)++;
	return gdb_hex_parse_u64(p, end, len);
}

static int packet_m(struct gdb_stub *s, const char *p, const char *end)
{
	uint64_t addr, len;
	if (parse_addr_len(&p, end, &addr, &len) < 0 || p != end)
		return reply(s, "E01");
	if (len > GDB_PACKET_MAX / 2)
		len = GDB_PACKET_MAX / 2;
	uint64_t n = guest_copy(s, addr, s->mem, len, false);
	if (n == 0 && len > 0)
		return reply(s, "E14");
	gdb_hex_encode(s->mem, n, s->reply);
	s->reply[2 * n] = '\0';
	return reply(s, s->reply);
}

/* M (hex) and X (binary) writes. */
static int packet_write(struct gdb_stub *s, char *p, char *end, bool binary)
{
	const char *q = p;
	uint64_t addr, len;
	if (parse_addr_len(&q, end, &addr, &len) < 0 || q >= end || *q != ':')
		return reply(s, "E01");
	q++;
	size_t avail = (size_t)(end - q);
	if (len > sizeof(s->mem))
		return reply(s, "E01");
	if (binary) {
		long n = gdb_binary_unescape((uint8_t *)q, avail);
		if (n < 0 || (uint64_t)n != len)
			return reply(s, "E01");
		memcpy(s->mem, q, len);
	} else if (avail != 2 * len || gdb_hex_decode(q, len, s->mem) < 0) {
		return reply(s, "E01");
	}
	if (len == 0)
		return reply(s, "OK");
	return reply(s, guest_copy(s, addr, s->mem, len, true) == len ? "OK" : "E14");
}

static int regs_of(struct gdb_stub *s, struct kvm_regs *r, struct kvm_sregs *sr)
{
	struct kvm_vcpu *v = &s->m->vcpus[s->g_vcpu].vcpu;
	if (kvm_vcpu_get_regs(v, r, NULL) < 0 || kvm_vcpu_get_sregs(v, sr, NULL) < 0)
		return -1;
	return 0;
}

static int regs_put(struct gdb_stub *s, const struct kvm_regs *r0, const struct kvm_sregs *s0,
		    const struct kvm_regs *r, const struct kvm_sregs *sr)
{
	struct kvm_vcpu *v = &s->m->vcpus[s->g_vcpu].vcpu;
	if (memcmp(r0, r, sizeof(*r)) && kvm_vcpu_set_regs(v, r, NULL) < 0)
		return -1;
	if (memcmp(s0, sr, sizeof(*sr)) && kvm_vcpu_set_sregs(v, sr, NULL) < 0)
		return -1;
	return 0;
}

static int packet_regs(struct gdb_stub *s, char *p, char *end)
{
	struct kvm_regs r, r0;
	struct kvm_sregs sr, s0;
	if (regs_of(s, &r, &sr) < 0)
		return reply(s, "E01");
	r0 = r;
	s0 = sr;
	if (p[0] == 'g') {
		if (end - p != 1)
			return reply(s, "E01");
		gdb_regs_format(&r, &sr, s->reply);
		return reply(s, s->reply);
	}
	const char *q = p + 1;
	uint64_t n;
	if (p[0] == 'p') {
		if (gdb_hex_parse_u64(&q, end, &n) < 0 || q != end || gdb_reg_size((int)(n & 0xff)) < 0 ||
		    n >= GDB_REG_COUNT)
			return reply(s, "E01");
		gdb_reg_format(&r, &sr, (int)n, s->reply);
		return reply(s, s->reply);
	}
	struct error err;
	if (p[0] == 'G') {
		if (gdb_regs_parse(&r, &sr, p + 1, (size_t)(end - p - 1), &err) < 0)
			return reply(s, "E01");
	} else {   /* P n=value */
		uint8_t val[10];
		if (gdb_hex_parse_u64(&q, end, &n) < 0 || n >= GDB_REG_COUNT || q >= end || *q != '=')
			return reply(s, "E01");
		q++;
		int size = gdb_reg_size((int)n);
		if (end - q != 2 * size || gdb_hex_decode(q, (size_t)size, val) < 0 ||
		    gdb_reg_store(&r, &sr, (int)n, val, &err) < 0)
			return reply(s, "E01");
	}
	return reply(s, regs_put(s, &r0, &s0, &r, &sr) < 0 ? "E01" : "OK");
}

void gdb_stub_remove_sw(struct gdb_stub *s, uint64_t addr)
{
	struct gdb_sw_breakpoint bp;
	if (gdb_sw_remove(&s->bps, addr, &bp) < 0)
		return;
	/* Put the byte back only over our int3: the guest may have
	 * rewritten the code meanwhile (QEMU does the same). */
	uint8_t *p = guest_memory_ptr(&s->m->vm.mem, bp.gpa, 1);
	if (p && *p == 0xcc)
		*p = bp.saved;
}

/* Z/z TYPE,ADDR,KIND (GDB manual, "Packets" z0-z4). */
static int packet_z(struct gdb_stub *s, const char *p, const char *end)
{
	bool insert = p[0] == 'Z';
	const char *q = p + 1;
	uint64_t type, addr, kind;
	if (gdb_hex_parse_u64(&q, end, &type) < 0 || q >= end || *q++ != ',' ||
	    parse_addr_len(&q, end, &addr, &kind) < 0)
		return reply(s, "E01");
	if (type == 0) {
		if (!insert) {
			gdb_stub_remove_sw(s, addr);
			return reply(s, "OK");
		}
		if (gdb_sw_find(&s->bps, addr) >= 0)
			return reply(s, "OK");
		struct gdb_paging pg;
		uint64_t pa, left;
		if (paging_of(s, &pg) < 0 || gdb_pagewalk(&s->m->vm.mem, &pg, addr, &pa, &left) < 0)
			return reply(s, "E14");
		uint8_t *b = guest_memory_ptr(&s->m->vm.mem, pa, 1);
		if (!b || gdb_sw_add(&s->bps, addr, pa, *b) < 0)
			return reply(s, "E14");
		*b = 0xcc;
		return reply(s, "OK");
	}
	if (type > 4)
		return reply(s, "");
	if (!insert)
		return reply(s, gdb_hw_remove(&s->bps, (enum gdb_hw_kind)type, addr, (unsigned)kind) == 0
			     ? "OK" : "E01");
	if (type == GDB_HW_READ)
		return reply(s, "");   /* x86 cannot: gdb then uses an access watchpoint */
	return reply(s, gdb_hw_add(&s->bps, (enum gdb_hw_kind)type, addr, (unsigned)kind) >= 0
		     ? "OK" : "E01");
}

/* A thread id: -1 all, 0 any, else vCPU index + 1; -2 when bad. */
static int parse_thread(struct gdb_stub *s, const char *p, const char *end)
{
	if (end - p == 2 && p[0] == '-' && p[1] == '1')
		return -1;
	uint64_t t;
	if (gdb_hex_parse_u64(&p, end, &t) < 0 || p != end || t > (uint64_t)s->m->nvcpus)
		return -2;
	return t == 0 ? 0 : (int)t;
}

/* vCont;ACTION[:TID];... (GDB manual, "Packets" vCont): a step of one
 * vCPU, everything else continues; all-stop means all of them run. */
static int packet_vcont(struct gdb_stub *s, const char *p, const char *end)
{
	int step = -1;
	while (p < end && *p == ';') {
		p++;
		char action = p < end ? *p++ : 0;
		if (action == 'C' || action == 'S') {   /* the signal is ignored */
			uint64_t sig;
			if (gdb_hex_parse_u64(&p, end, &sig) < 0)
				return reply(s, "E01");
		} else if (action != 'c' && action != 's') {
			return reply(s, "E01");
		}
		int t = 0;
		if (p < end && *p == ':') {
			const char *e = ++p;
			while (e < end && *e != ';')
				e++;
			t = parse_thread(s, p, e);
			if (t == -2)
				return reply(s, "E01");
			p = e;
		}
		if ((action == 's' || action == 'S') && step < 0)
			step = t > 0 ? t - 1 : s->g_vcpu;
	}
	if (p != end)
		return reply(s, "E01");
	gdb_stub_resume(s, step);
	return 0;
}

static int packet_qxfer(struct gdb_stub *s, const char *p, const char *end)
{
	const char *prefix = "qXfer:features:read:target.xml:";
	if (!starts(p, prefix))
		return reply(s, "E00");
	p += strlen(prefix);
	uint64_t off, len;
	if (parse_addr_len(&p, end, &off, &len) < 0 || p != end)
		return reply(s, "E01");
	const char *xml = gdb_target_xml();
	size_t total = strlen(xml);
	/* Room for every byte escaped, and the m/l. */
	if (len > GDB_PACKET_MAX / 2 - 1)
		len = GDB_PACKET_MAX / 2 - 1;
	if (off > total)
		return reply(s, "E01");
	size_t n = total - off < len ? total - off : len;
	s->reply[0] = off + n < total ? 'm' : 'l';
	memcpy(s->reply + 1, xml + off, n);
	gdb_stub_send(s, s->reply, n + 1);
	return 0;
}

static int packet_query(struct gdb_stub *s, char *p, char *end)
{
	if (starts(p, "qSupported"))
		return reply(s, GDB_SUPPORTED);
	if (starts(p, "qXfer:"))
		return packet_qxfer(s, p, end);
	if (strcmp(p, "qAttached") == 0)
		return reply(s, "1");
	if (strcmp(p, "qC") == 0) {
		snprintf(s->reply, 32, "QC%x", s->g_vcpu + 1);
		return reply(s, s->reply);
	}
	if (strcmp(p, "qfThreadInfo") == 0) {
		size_t o = 0;
		s->reply[o++] = 'm';
		for (int i = 0; i < s->m->nvcpus && o < sizeof(s->reply) - 16; i++)
			o += (size_t)snprintf(s->reply + o, 16, "%s%x", i ? "," : "", i + 1);
		return reply(s, s->reply);
	}
	if (strcmp(p, "qsThreadInfo") == 0)
		return reply(s, "l");
	if (strcmp(p, "QStartNoAckMode") == 0) {
		reply(s, "OK");
		s->no_ack = true;
		return 0;
	}
	return reply(s, "");
}

int gdb_stub_packet(struct gdb_stub *s, char *p, size_t len)
{
	char *end = p + len;
	p[len] = '\0';
	if (len == 0)
		return reply(s, "");
	/* While the guest runs only Ctrl-C (not a packet) is expected; gdb
	 * sends nothing else in all-stop mode.  Answer errors, touch nothing. */
	if (!s->stopped)
		return reply(s, "E01");
	switch (p[0]) {
	case '?':
		return reply(s, s->last_stop);
	case 'g': case 'G': case 'p': case 'P':
		return packet_regs(s, p, end);
	case 'm':
		return packet_m(s, p + 1, end);
	case 'M':
		return packet_write(s, p + 1, end, false);
	case 'X':
		return packet_write(s, p + 1, end, true);
	case 'c': case 's': {
		/* An address to resume at is not supported. */
		if (len != 1)
			return reply(s, "E01");
		gdb_stub_resume(s, p[0] == 's' ? (s->c_vcpu >= 0 ? s->c_vcpu : s->g_vcpu) : -1);
		return 0;
	}
	case 'Z': case 'z':
		return packet_z(s, p, end);
	case 'H': {
		int t = len >= 2 ? parse_thread(s, p + 2, end) : -2;
		if (t == -2 || (p[1] != 'g' && p[1] != 'c'))
			return reply(s, "E01");
		if (p[1] == 'g')
			s->g_vcpu = t > 0 ? t - 1 : 0;
		else
			s->c_vcpu = t > 0 ? t - 1 : -1;
		return reply(s, "OK");
	}
	case 'T': {
		int t = parse_thread(s, p + 1, end);
		return reply(s, t > 0 ? "OK" : "E01");
	}
	case 'q': case 'Q':
		return packet_query(s, p, end);
	case 'D':
		reply(s, "OK");
		gdb_stub_detach(s);
		return -1;
	case 'k':
		vm_stop_request(&s->m->stop, EXIT_INTERRUPTED, "killed by gdb");
		gdb_stub_detach(s);
		return -1;
	case 'v':
		if (strcmp(p, "vCont?") == 0)
			return reply(s, "vCont;c;C;s;S");
		if (starts(p, "vCont;"))
			return packet_vcont(s, p + 5, end);
		if (starts(p, "vKill")) {
			reply(s, "OK");
			vm_stop_request(&s->m->stop, EXIT_INTERRUPTED, "killed by gdb");
			gdb_stub_detach(s);
			return -1;
		}
		return reply(s, "");
	default:
		return reply(s, "");
	}
}
