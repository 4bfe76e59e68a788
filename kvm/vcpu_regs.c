/* The vCPU register context: general and special registers (api.rst 4.11-4.14)
 * and a readable dump for crash reports. */
#include <errno.h>
#include <string.h>
#include <sys/ioctl.h>

#include "kvm/kvm.h"

static int vcpu_ioctl(struct kvm_vcpu *vcpu, unsigned long req, void *arg, const char *what,
		      struct error *err)
{
	if (ioctl(vcpu->fd, req, arg) < 0)
		return error_set(err, "vCPU %d: %s failed: %s", vcpu->index, what, strerror(errno));
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
	return vcpu_ioctl(vcpu, KVM_SET_SREGS, (void *)sregs, "KVM_SET_SREGS", err);
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
	fprintf(f, "  rip=0x%016llx rsp=0x%016llx rflags=0x%016llx\n",
		(unsigned long long)r.rip, (unsigned long long)r.rsp, (unsigned long long)r.rflags);
	fprintf(f, "  rax=0x%016llx rbx=0x%016llx rcx=0x%016llx rdx=0x%016llx\n",
		(unsigned long long)r.rax, (unsigned long long)r.rbx,
		(unsigned long long)r.rcx, (unsigned long long)r.rdx);
	fprintf(f, "  rsi=0x%016llx rdi=0x%016llx rbp=0x%016llx r8 =0x%016llx\n",
		(unsigned long long)r.rsi, (unsigned long long)r.rdi,
		(unsigned long long)r.rbp, (unsigned long long)r.r8);
	fprintf(f, "  r9 =0x%016llx r10=0x%016llx r11=0x%016llx r12=0x%016llx\n",
		(unsigned long long)r.r9, (unsigned long long)r.r10,
		(unsigned long long)r.r11, (unsigned long long)r.r12);
	fprintf(f, "  r13=0x%016llx r14=0x%016llx r15=0x%016llx\n",
		(unsigned long long)r.r13, (unsigned long long)r.r14, (unsigned long long)r.r15);
	fprintf(f, "  cr0=0x%016llx cr2=0x%016llx cr3=0x%016llx cr4=0x%016llx efer=0x%llx\n",
		(unsigned long long)s.cr0, (unsigned long long)s.cr2, (unsigned long long)s.cr3,
		(unsigned long long)s.cr4, (unsigned long long)s.efer);
	dump_segment(f, "cs", &s.cs);
	dump_segment(f, "ss", &s.ss);
	dump_segment(f, "ds", &s.ds);
	dump_segment(f, "tr", &s.tr);
	fprintf(f, "  gdt base=0x%016llx limit=0x%04x idt base=0x%016llx limit=0x%04x\n",
		(unsigned long long)s.gdt.base, s.gdt.limit, (unsigned long long)s.idt.base,
		s.idt.limit);
}
