/* libFuzzer target: fw_cfg alone (QEMU docs/specs/fw_cfg.rst), its
 * selector, data and DMA ports, with DMA descriptors and buffers in a fake
 * guest RAM that the input fills: fuzz_portio.c with every operation sent
 * to one of fw_cfg's 12 ports.  See tests/fuzz/fuzz.mk. */
#define FUZZ_PORTIO_FW_CFG_ONLY 1
#include "tests/fuzz/fuzz_portio.c"
