/* Large buffers the host fills from start to end (a kernel image read in
 * whole, a payload decompressed): their pages are faulted in with one
 * madvise call instead of one page fault every 4 KiB.  In a VM (the KVM
 * box, any nested CI host) each page fault is an exit and costs more than
 * clearing the page; transparent huge pages are asked for too, since a
 * host with THP "madvise" gives them only so. */
#ifndef MINIVMM_COMMON_PREFAULT_H
#define MINIVMM_COMMON_PREFAULT_H

#include <stddef.h>

/* The whole pages in [p, p + len): huge pages asked for, then written in
 * (MADV_POPULATE_WRITE, Linux 5.14).  Only advice: a kernel without it is
 * left as it is, and so is less than PREFAULT_MIN bytes (not worth the
 * calls; malloc keeps such buffers in its heap anyway). */
#define PREFAULT_MIN (256 * 1024)
void prefault_buffer(void *p, size_t len);

#endif
