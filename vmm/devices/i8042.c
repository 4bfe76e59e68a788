/* i8042 commands from the IBM PC/AT Technical Reference, "Keyboard
 * Controller", as Linux's drivers/input/serio/i8042.h names them. */
#include <string.h>

#include "vmm/devices/i8042.h"
#include "vmm/exit_status.h"

#define STATUS_OBF  0x01   /* output buffer full */
#define STATUS_SYS  0x04   /* system flag: passed self test */
#define STATUS_UNLOCKED 0x10   /* keyboard not inhibited by the key lock */

#define CMD_READ_CTR   0x20
#define CMD_WRITE_CTR  0x60
#define CMD_SELF_TEST  0xaa
#define CMD_KBD_TEST   0xab
#define CMD_AUX_TEST   0xa9
#define CMD_READ_OUTP  0xd0
#define CMD_WRITE_OUTP 0xd1
#define CMD_RESET_CPU  0xfe

#define SELF_TEST_OK 0x55
#define CTR_DEFAULT  0x45   /* keyboard interrupt, system flag, translation */

void i8042_init(struct i8042 *k, struct vm_stop *stop)
{
	memset(k, 0, sizeof(*k));
	k->ctr = CTR_DEFAULT;
	k->stop = stop;
}

static void i8042_reply(struct i8042 *k, uint8_t byte)
{
	k->out = byte;
	k->out_full = true;
}

static void i8042_command(struct i8042 *k, uint8_t cmd)
{
	switch (cmd) {
	case CMD_READ_CTR: i8042_reply(k, k->ctr); break;
	case CMD_SELF_TEST: i8042_reply(k, SELF_TEST_OK); break;
	case CMD_KBD_TEST:
	case CMD_AUX_TEST: i8042_reply(k, 0x00); break;   /* 0: interface OK */
	case CMD_READ_OUTP: i8042_reply(k, 0x01); break;  /* bit 0: not in reset */
	case CMD_WRITE_CTR:
	case CMD_WRITE_OUTP: k->pending_cmd = cmd; break;
	case CMD_RESET_CPU:
		vm_stop_request(k->stop, EXIT_GUEST_OFF, "guest asked for a reset (i8042)");
		break;
	default: break;   /* enable/disable ports and the like: nothing to do */
	}
}

static void i8042_data_write(struct i8042 *k, uint8_t v)
{
	uint8_t cmd = k->pending_cmd;
	k->pending_cmd = 0;
	if (cmd == CMD_WRITE_CTR)
		k->ctr = v;
	else if (cmd == CMD_WRITE_OUTP && !(v & 0x01))
		/* Output port bit 0 low pulses the CPU reset line. */
		vm_stop_request(k->stop, EXIT_GUEST_OFF, "guest asked for a reset (i8042)");
	/* Bytes for the (absent) keyboard are dropped. */
}

void i8042_data_io(void *opaque, uint64_t offset, bool is_write, uint8_t *data, uint32_t size)
{
	struct i8042 *k = opaque;
	(void)offset;
	if (is_write) {
		i8042_data_write(k, data[0]);
		return;
	}
	memset(data, 0, size);
	data[0] = k->out;
	k->out_full = false;
}

void i8042_command_io(void *opaque, uint64_t offset, bool is_write, uint8_t *data, uint32_t size)
{
	struct i8042 *k = opaque;
	(void)offset;
	if (is_write) {
		i8042_command(k, data[0]);
		return;
	}
	memset(data, 0, size);
	data[0] = (uint8_t)(STATUS_SYS | STATUS_UNLOCKED | (k->out_full ? STATUS_OBF : 0));
}
