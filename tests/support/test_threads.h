/* Several threads at one shared structure, for the caches' tests. */
#ifndef ZT_TEST_THREADS_H
#define ZT_TEST_THREADS_H

#include <stdbool.h>

#define TEST_MAX_THREADS 16

/* One operation on key (0..96) of the structure ctx: look it up, check
 * and give back what is held, or insert it; true on a hit. */
typedef bool test_hammer_fn(void *ctx, int key);

/* Runs threads threads (at most TEST_MAX_THREADS) at once, each making ops
 * calls of step over the 97 keys in its own order, so that lookups,
 * inserts and evictions of the same keys race. Fails the test when a
 * thread cannot start; returns the hits of all threads. */
unsigned long test_hammer(void *ctx, test_hammer_fn *step, int threads,
                          int ops);

#endif
