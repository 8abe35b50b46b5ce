/* cmocka.h needs these first. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <pthread.h>

#include "test_threads.h"

typedef struct worker {
  void *ctx;
  test_hammer_fn *step;
  int id, ops;
  unsigned long hits;
} worker;

static void *work(void *arg) {
  worker *w = arg;
  for (int i = 0; i < w->ops; i++)
    w->hits += w->step(w->ctx, (i * 7 + w->id) % 97);
  return NULL;
}

unsigned long test_hammer(void *ctx, test_hammer_fn *step, int threads,
                          int ops) {
  pthread_t t[TEST_MAX_THREADS];
  worker w[TEST_MAX_THREADS];
  assert_true(threads > 0 && threads <= TEST_MAX_THREADS);
  for (int i = 0; i < threads; i++) {
    w[i] = (worker){ctx, step, i, ops, 0};
    assert_int_equal(pthread_create(&t[i], NULL, work, &w[i]), 0);
  }
  unsigned long hits = 0;
  for (int i = 0; i < threads; i++) {
    pthread_join(t[i], NULL);
    hits += w[i].hits;
  }
  return hits;
}
