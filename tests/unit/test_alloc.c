/* The allocator wrapper and the arena. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <string.h>

#include "alloc.h"

static void test_calloc_overflow(void **state) {
  (void)state;
  assert_null(zt_calloc(&zt_default_allocator, SIZE_MAX / 2, 4));
  unsigned char *p = zt_calloc(&zt_default_allocator, 16, 4);
  assert_non_null(p);
  for (int i = 0; i < 64; i++)
    assert_int_equal(p[i], 0);
  zt_free(&zt_default_allocator, p);
  zt_free(&zt_default_allocator, NULL);
}

static void test_grow(void **state) {
  (void)state;
  int *v = NULL;
  size_t cap = 0;
  assert_true(zt_grow(&zt_default_allocator, (void **)&v, sizeof(*v), &cap, 1));
  assert_int_equal(cap, 8);
  assert_true(zt_grow(&zt_default_allocator, (void **)&v, sizeof(*v), &cap, 9));
  assert_int_equal(cap, 16);
  assert_true(zt_grow(&zt_default_allocator, (void **)&v, sizeof(*v), &cap, 3));
  assert_int_equal(cap, 16);
  assert_false(zt_grow(&zt_default_allocator, (void **)&v, sizeof(*v), &cap,
                       SIZE_MAX / 2));
  assert_int_equal(cap, 16); /* unchanged on failure */
  zt_free(&zt_default_allocator, v);
}

static void test_arena(void **state) {
  (void)state;
  zt_arena ar;
  zt_arena_init(&ar, &zt_default_allocator);
  char *a = zt_arena_strndup(&ar, "hello world", 5);
  assert_string_equal(a, "hello");
  void *big = zt_arena_alloc(&ar, 100000); /* its own block */
  assert_non_null(big);
  memset(big, 0xab, 100000);
  char *b = zt_arena_strndup(&ar, "x", 1); /* still the small block */
  assert_string_equal(b, "x");
  assert_string_equal(a, "hello");
  for (int i = 0; i < 10000; i++) {
    uint64_t *p = zt_arena_alloc(&ar, sizeof(*p) * 3);
    assert_non_null(p);
    assert_int_equal((uintptr_t)p % _Alignof(max_align_t), 0);
    assert_int_equal(p[0] | p[1] | p[2], 0);
  }
  assert_true(ar.used >= 100000 + 10000 * 24);
  assert_null(zt_arena_alloc(&ar, SIZE_MAX));
  assert_null(zt_arena_strndup(&ar, "", SIZE_MAX));
  zt_arena_free(&ar);
  assert_int_equal(ar.used, 0);
  assert_null(ar.head);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_calloc_overflow),
      cmocka_unit_test(test_grow),
      cmocka_unit_test(test_arena),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
