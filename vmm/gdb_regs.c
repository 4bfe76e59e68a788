/* The register layout gdb gets: org.gnu.gdb.i386.core, .segments (fs_base,
 * gs_base) and a feature of minivmm's own with the control registers and
 * EFER (GDB manual, "i386 Features": extra features and registers are
 * allowed, named as the target likes).  No SSE feature: gdb accepts a
 * core-only x86-64 description. */
#include <string.h>

#include "vmm/gdb_packet.h"
#include "vmm/gdb_regs.h"

static const char gdb_xml[] =
	"<?xml version=\"1.0\"?>\n"
	"<!DOCTYPE target SYSTEM \"gdb-target.dtd\">\n"
	"<target version=\"1.0\">\n"
	"<architecture>i386:x86-64</architecture>\n"
	"<feature name=\"org.gnu.gdb.i386.core\">\n"
	"<flags id=\"i386_eflags\" size=\"4\">"
	"<field name=\"CF\" start=\"0\" end=\"0\"/><field name=\"PF\" start=\"2\" end=\"2\"/>"
	"<field name=\"AF\" start=\"4\" end=\"4\"/><field name=\"ZF\" start=\"6\" end=\"6\"/>"
	"<field name=\"SF\" start=\"7\" end=\"7\"/><field name=\"TF\" start=\"8\" end=\"8\"/>"
	"<field name=\"IF\" start=\"9\" end=\"9\"/><field name=\"DF\" start=\"10\" end=\"10\"/>"
	"<field name=\"OF\" start=\"11\" end=\"11\"/></flags>\n"
	"<reg name=\"rax\" bitsize=\"64\" type=\"int64\"/>\n"
	"<reg name=\"rbx\" bitsize=\"64\" type=\"int64\"/>\n"
	"<reg name=\"rcx\" bitsize=\"64\" type=\"int64\"/>\n"
	"<reg name=\"rdx\" bitsize=\"64\" type=\"int64\"/>\n"
	"<reg name=\"rsi\" bitsize=\"64\" type=\"int64\"/>\n"
	"<reg name=\"rdi\" bitsize=\"64\" type=\"int64\"/>\n"
	"<reg name=\"rbp\" bitsize=\"64\" type=\"data_ptr\"/>\n"
	"<reg name=\"rsp\" bitsize=\"64\" type=\"data_ptr\"/>\n"
	"<reg name=\"r8\" bitsize=\"64\" type=\"int64\"/>\n"
	"<reg name=\"r9\" bitsize=\"64\" type=\"int64\"/>\n"
	"<reg name=\"r10\" bitsize=\"64\" type=\"int64\"/>\n"
	"<reg name=\"r11\" bitsize=\"64\" type=\"int64\"/>\n"
	"<reg name=\"r12\" bitsize=\"64\" type=\"int64\"/>\n"
	"<reg name=\"r13\" bitsize=\"64\" type=\"int64\"/>\n"
	"<reg name=\"r14\" bitsize=\"64\" type=\"int64\"/>\n"
	"<reg name=\"r15\" bitsize=\"64\" type=\"int64\"/>\n"
	"<reg name=\"rip\" bitsize=\"64\" type=\"code_ptr\"/>\n"
	"<reg name=\"eflags\" bitsize=\"32\" type=\"i386_eflags\"/>\n"
	"<reg name=\"cs\" bitsize=\"32\" type=\"int32\"/>\n"
	"<reg name=\"ss\" bitsize=\"32\" type=\"int32\"/>\n"
	"<reg name=\"ds\" bitsize=\"32\" type=\"int32\"/>\n"
	"<reg name=\"es\" bitsize=\"32\" type=\"int32\"/>\n"
	"<reg name=\"fs\" bitsize=\"32\" type=\"int32\"/>\n"
	"<reg name=\"gs\" bitsize=\"32\" type=\"int32\"/>\n"
	"<reg name=\"st0\" bitsize=\"80\" type=\"i387_ext\"/>\n"
	"<reg name=\"st1\" bitsize=\"80\" type=\"i387_ext\"/>\n"
	"<reg name=\"st2\" bitsize=\"80\" type=\"i387_ext\"/>\n"
	"<reg name=\"st3\" bitsize=\"80\" type=\"i387_ext\"/>\n"
	"<reg name=\"st4\" bitsize=\"80\" type=\"i387_ext\"/>\n"
	"<reg name=\"st5\" bitsize=\"80\" type=\"i387_ext\"/>\n"
	"<reg name=\"st6\" bitsize=\"80\" type=\"i387_ext\"/>\n"
	"<reg name=\"st7\" bitsize=\"80\" type=\"i387_ext\"/>\n"
	"<reg name=\"fctrl\" bitsize=\"32\" type=\"int\" group=\"float\"/>\n"
	"<reg name=\"fstat\" bitsize=\"32\" type=\"int\" group=\"float\"/>\n"
	"<reg name=\"ftag\" bitsize=\"32\" type=\"int\" group=\"float\"/>\n"
	"<reg name=\"fiseg\" bitsize=\"32\" type=\"int\" group=\"float\"/>\n"
	"<reg name=\"fioff\" bitsize=\"32\" type=\"int\" group=\"float\"/>\n"
	"<reg name=\"foseg\" bitsize=\"32\" type=\"int\" group=\"float\"/>\n"
	"<reg name=\"fooff\" bitsize=\"32\" type=\"int\" group=\"float\"/>\n"
	"<reg name=\"fop\" bitsize=\"32\" type=\"int\" group=\"float\"/>\n"
	"</feature>\n"
	"<feature name=\"org.gnu.gdb.i386.segments\">\n"
	"<reg name=\"fs_base\" bitsize=\"64\" type=\"int\"/>\n"
	"<reg name=\"gs_base\" bitsize=\"64\" type=\"int\"/>\n"
	"</feature>\n"
	"<feature name=\"org.minivmm.x86.system\">\n"
	"<reg name=\"cr0\" bitsize=\"64\" type=\"int\" group=\"system\"/>\n"
	"<reg name=\"cr2\" bitsize=\"64\" type=\"int\" group=\"system\"/>\n"
	"<reg name=\"cr3\" bitsize=\"64\" type=\"int\" group=\"system\"/>\n"
	"<reg name=\"cr4\" bitsize=\"64\" type=\"int\" group=\"system\"/>\n"
	"<reg name=\"cr8\" bitsize=\"64\" type=\"int\" group=\"system\"/>\n"
	"<reg name=\"efer\" bitsize=\"64\" type=\"int\" group=\"system\"/>\n"
	"</feature>\n"
	"</target>\n";

const char *gdb_target_xml(void)
{
	return gdb_xml;
}

/* gdb's order (rbp before rsp) to the context API's registers; -1: x87. */
static const int gdb_reg_map[GDB_REG_COUNT] = {
	VCPU_REG_RAX, VCPU_REG_RBX, VCPU_REG_RCX, VCPU_REG_RDX,
	VCPU_REG_RSI, VCPU_REG_RDI, VCPU_REG_RBP, VCPU_REG_RSP,
	VCPU_REG_R8, VCPU_REG_R9, VCPU_REG_R10, VCPU_REG_R11,
	VCPU_REG_R12, VCPU_REG_R13, VCPU_REG_R14, VCPU_REG_R15,
	VCPU_REG_RIP, VCPU_REG_RFLAGS,
	VCPU_REG_CS, VCPU_REG_SS, VCPU_REG_DS, VCPU_REG_ES, VCPU_REG_FS, VCPU_REG_GS,
	-1, -1, -1, -1, -1, -1, -1, -1,
	-1, -1, -1, -1, -1, -1, -1, -1,
	VCPU_REG_FS_BASE, VCPU_REG_GS_BASE,
	VCPU_REG_CR0, VCPU_REG_CR2, VCPU_REG_CR3, VCPU_REG_CR4, VCPU_REG_CR8, VCPU_REG_EFER,
};

int gdb_reg_size(int n)
{
	if (n < 0 || n >= GDB_REG_COUNT)
		return -1;
	if (n < GDB_REG_EFLAGS)
		return 8;
	if (n < GDB_REG_ST0)
		return 4;
	if (n < GDB_REG_FCTRL)
		return 10;
	if (n < GDB_REG_FS_BASE)
		return 4;
	return 8;
}

int gdb_reg_offset(int n)
{
	if (n < 0 || n >= GDB_REG_COUNT)
		return -1;
	int off = 0;
	for (int i = 0; i < n; i++)
		off += gdb_reg_size(i);
	return off;
}

int gdb_reg_format(const struct kvm_regs *regs, const struct kvm_sregs *sregs, int n, char *out)
{
	int size = gdb_reg_size(n);
	if (size < 0)
		return -1;
	uint64_t v = 0;
	if (gdb_reg_map[n] < 0 ||
	    vcpu_context_get_reg(regs, sregs, (enum vcpu_reg)gdb_reg_map[n], &v, NULL) < 0) {
		memset(out, 'x', (size_t)size * 2);
	} else {
		uint8_t le[8];
		for (int i = 0; i < 8; i++)
			le[i] = (uint8_t)(v >> (8 * i));
		gdb_hex_encode(le, (size_t)size, out);
	}
	out[size * 2] = '\0';
	return 0;
}

void gdb_regs_format(const struct kvm_regs *regs, const struct kvm_sregs *sregs, char *out)
{
	for (int n = 0; n < GDB_REG_COUNT; n++)
		gdb_reg_format(regs, sregs, n, out + 2 * gdb_reg_offset(n));
}

int gdb_reg_store(struct kvm_regs *regs, struct kvm_sregs *sregs, int n, const uint8_t *value,
		  struct error *err)
{
	int size = gdb_reg_size(n);
	if (size < 0)
		return error_set(err, "no register %d", n);
	if (gdb_reg_map[n] < 0)
		return 0;
	uint64_t v = 0;
	for (int i = 0; i < size; i++)
		v |= (uint64_t)value[i] << (8 * i);
	return vcpu_context_set_reg(regs, sregs, (enum vcpu_reg)gdb_reg_map[n], v, err);
}

int gdb_regs_parse(struct kvm_regs *regs, struct kvm_sregs *sregs, const char *hex, size_t len,
		   struct error *err)
{
	if (len != 2 * GDB_REGS_BYTES)
		return error_set(err, "G: %zu hex digits, expected %d", len, 2 * GDB_REGS_BYTES);
	uint8_t bytes[GDB_REGS_BYTES];
	/* x87 bytes may be "xx"; only the registers we store must be hex. */
	struct kvm_regs r = *regs;
	struct kvm_sregs s = *sregs;
	for (int n = 0; n < GDB_REG_COUNT; n++) {
		int off = gdb_reg_offset(n), size = gdb_reg_size(n);
		if (gdb_reg_map[n] < 0)
			continue;
		if (gdb_hex_decode(hex + 2 * off, (size_t)size, bytes + off) < 0)
			return error_set(err, "G: register %d is not hex", n);
		uint64_t old = 0, v = 0;
		vcpu_context_get_reg(&r, &s, (enum vcpu_reg)gdb_reg_map[n], &old, NULL);
		for (int i = 0; i < size; i++)
			v |= (uint64_t)bytes[off + i] << (8 * i);
		if (size == 4)
			old &= 0xffffffffULL;
		if (v != old && gdb_reg_store(&r, &s, n, bytes + off, err) < 0)
			return -1;
	}
	*regs = r;
	*sregs = s;
	return 0;
}
