/* The input layout of fuzz_portio.c and fuzz_fw_cfg.c, shared with the
 * seed writer (fuzz_seeds.c). */
#ifndef MINIVMM_TESTS_FUZZ_PORTIO_H
#define MINIVMM_TESTS_FUZZ_PORTIO_H

/* The first bytes of the input fill guest RAM from address 0. */
#define FUZZ_PORTIO_RAM_FILL 512
/* Then operations: port le16, flags, value le32. */
#define FUZZ_PORTIO_OP       7
#define FUZZ_PORTIO_SIZE1    0x00
#define FUZZ_PORTIO_SIZE2    0x01
#define FUZZ_PORTIO_SIZE4    0x02
#define FUZZ_PORTIO_WRITE    0x04
#define FUZZ_PORTIO_COALESCED 0x40   /* a write left in KVM's coalesced ring */
#define FUZZ_PORTIO_COUNT(n) ((((n) - 1) & 7) << 3)   /* rep count 1-8 */

#endif
