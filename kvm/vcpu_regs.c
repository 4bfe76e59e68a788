/* The register context of a live vCPU: general and special registers
 * (api.rst 4.11-4.14), one register at a time through kvm/vcpu_context.c,
 * single MSRs (api.rst 4.18 KVM_GET_MSRS, 4.19 KVM_SET_MSRS) and a readable
 * dump for crash reports. */
#include <errno.h>
#include <string.h>
#include <sys/ioctl.h>

#include "kvm/kvm.h"

static int vcpu_ioctl(struct kvm_vcpu *vcpu, unsigned long req, void *arg, const char *what,
		      struct error *err)
{
	if (ioctl(vcpu->fd, req, arg) < 0)
		return error_set_host(err, "vCPU %d: %s failed: %s", vcpu->index, what, strerror(errno));
	return 0;
}

int kvm_vcpu_get_regs(struct kvm_vcpu *vcpu, struct kvm_regs *regs, struct error *err)
{
	return vcpu_ioctl(vcpu, KVM_GET_REGS, regs, "KVM_GET_REGS", err);
}

int kvm_vcpu_set_regs(struct kvm_vcpu *vcpu, const struct kvm_regs *regs, struct error *err)
{
	return vcpu_ioctl(vcpu, KVM_SET_REGS, (void *)regs, "KVM_SET_REGS", err);
}

int kvm_vcpu_get_sregs(struct kvm_vcpu *vcpu, struct kvm_sregs *sregs, struct error *err)
{
	return vcpu_ioctl(vcpu, KVM_GET_SREGS, sregs, "KVM_GET_SREGS", err);
}

int kvm_vcpu_set_sregs(struct kvm_vcpu *vcpu, const struct kvm_sregs *sregs, struct error *err)
{
	struct error why;
	if (vcpu_context_check_sregs(sregs, &why) < 0)
		return error_set(err, "vCPU %d: %s", vcpu->index, why.msg);
	return vcpu_ioctl(vcpu, KVM_SET_SREGS, (void *)sregs, "KVM_SET_SREGS", err);
}

int kvm_vcpu_get_reg(struct kvm_vcpu *vcpu, enum vcpu_reg reg, uint64_t *value,
		     struct error *err)
{
	struct kvm_regs r;
	struct kvm_sregs s;
	if (kvm_vcpu_get_regs(vcpu, &r, err) < 0 || kvm_vcpu_get_sregs(vcpu, &s, err) < 0)
		return -1;
	return vcpu_context_get_reg(&r, &s, reg, value, err);
}

int kvm_vcpu_set_reg(struct kvm_vcpu *vcpu, enum vcpu_reg reg, uint64_t value,
		     struct error *err)
{
	struct kvm_regs r, old_r;
	struct kvm_sregs s, old_s;
	if (kvm_vcpu_get_regs(vcpu, &r, err) < 0 || kvm_vcpu_get_sregs(vcpu, &s, err) < 0)
		return -1;
	old_r = r;
	old_s = s;
	if (vcpu_context_set_reg(&r, &s, reg, value, err) < 0)
		return -1;
	if (memcmp(&r, &old_r, sizeof(r)) != 0 && kvm_vcpu_set_regs(vcpu, &r, err) < 0)
		return -1;
	if (memcmp(&s, &old_s, sizeof(s)) != 0 && kvm_vcpu_set_sregs(vcpu, &s, err) < 0)
		return -1;
	return 0;
}

/* struct kvm_msrs ends in a flexible array: room for exactly one entry. */
union vcpu_one_msr {
	struct kvm_msrs msrs;
	uint8_t room[sizeof(struct kvm_msrs) + sizeof(struct kvm_msr_entry)];
};

/* KVM_GET/SET_MSRS return how many entries they processed: 0 of 1 means KVM
 * does not handle that MSR (or refused the value). */
static int vcpu_msr_ioctl(struct kvm_vcpu *vcpu, unsigned long req, union vcpu_one_msr *m,
			  const char *what, struct error *err)
{
	int n = ioctl(vcpu->fd, req, &m->msrs);
	if (n < 0)
		return error_set_host(err, "vCPU %d: %s of MSR 0x%x failed: %s", vcpu->index, what,
				 m->msrs.entries[0].index, strerror(errno));
	if (n != 1)
		return error_set_host(err, "vCPU %d: KVM refused %s of MSR 0x%x", vcpu->index, what,
				 m->msrs.entries[0].index);
	return 0;
}

int kvm_vcpu_get_msr(struct kvm_vcpu *vcpu, uint32_t index, uint64_t *value,
		     struct error *err)
{
	union vcpu_one_msr m;
	memset(&m, 0, sizeof(m));
	m.msrs.nmsrs = 1;
	m.msrs.entries[0].index = index;
	if (vcpu_msr_ioctl(vcpu, KVM_GET_MSRS, &m, "KVM_GET_MSRS", err) < 0)
		return -1;
	*value = m.msrs.entries[0].data;
	return 0;
}

int kvm_vcpu_set_msr(struct kvm_vcpu *vcpu, uint32_t index, uint64_t value,
		     struct error *err)
{
	union vcpu_one_msr m;
	memset(&m, 0, sizeof(m));
	m.msrs.nmsrs = 1;
	m.msrs.entries[0].index = index;
	m.msrs.entries[0].data = value;
	return vcpu_msr_ioctl(vcpu, KVM_SET_MSRS, &m, "KVM_SET_MSRS", err);
}

static void dump_segment(FILE *f, const char *name, const struct kvm_segment *s)
{
	fprintf(f, "  %-4s sel=0x%04x base=0x%016llx limit=0x%08x type=%u p=%u dpl=%u db=%u l=%u g=%u\n",
		name, s->selector, (unsigned long long)s->base, s->limit, s->type, s->present,
		s->dpl, s->db, s->l, s->g);
}

void kvm_vcpu_dump(struct kvm_vcpu *vcpu, FILE *f)
{
	struct kvm_regs r;
	struct kvm_sregs s;
	struct error err;
	if (kvm_vcpu_get_regs(vcpu, &r, &err) < 0 || kvm_vcpu_get_sregs(vcpu, &s, &err) < 0) {
		fprintf(f, "minivmm: cannot read registers: %s\n", err.msg);
		return;
	}
	fprintf(f, "vCPU %d registers:\n", vcpu->index);
	for (int i = 0; i < VCPU_REG_COUNT; i++) {
		uint64_t v = 0;
		vcpu_context_get_reg(&r, &s, (enum vcpu_reg)i, &v, NULL);
		fprintf(f, "%s%s=0x%016llx", i % 4 ? " " : "  ", vcpu_reg_name((enum vcpu_reg)i),
			(unsigned long long)v);
		if (i % 4 == 3 || i == VCPU_REG_COUNT - 1)
			fputc('\n', f);
	}
	/* The descriptor caches the table leaves out: mode and privilege. */
	dump_segment(f, "cs", &s.cs);
	dump_segment(f, "ss", &s.ss);
	dump_segment(f, "ds", &s.ds);
	dump_segment(f, "tr", &s.tr);
}
