/* A counting allocator for tests and benchmarks: live blocks and bytes,
 * the peak, and an allocation that can be made to fail. */
#ifndef ZT_TEST_ALLOC_H
#define ZT_TEST_ALLOC_H

#include <stddef.h>

#include "ztauth.h"

typedef struct test_alloc {
  long live;    /* blocks allocated and not freed */
  size_t bytes; /* bytes allocated and not freed */
  size_t peak;  /* most bytes live at once */
  long calls;   /* allocations and reallocations attempted */
  long fail_at; /* 1-based attempt that fails; 0: none */
} test_alloc;

/* An allocator that counts into t (which must outlive its use). */
zt_allocator test_allocator(test_alloc *t);

#endif
