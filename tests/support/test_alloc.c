#include "test_alloc.h"

#include <stdlib.h>

/* Each block carries its size in front, aligned for any object. */
typedef struct hdr {
  size_t size;
  max_align_t data[];
} hdr;

static void *counting_realloc(void *ctx, void *ptr, size_t size) {
  test_alloc *t = ctx;
  hdr *h = ptr ? (hdr *)((char *)ptr - offsetof(hdr, data)) : NULL;
  size_t old = h ? h->size : 0;
  if (size == 0) {
    if (h) {
      t->live--;
      t->bytes -= old;
      free(h);
    }
    return NULL;
  }
  if (++t->calls == t->fail_at)
    return NULL;
  hdr *n = realloc(h, sizeof(hdr) + size);
  if (!n)
    return NULL;
  if (!h)
    t->live++;
  n->size = size;
  t->bytes = t->bytes - old + size;
  if (t->bytes > t->peak)
    t->peak = t->bytes;
  return n->data;
}

zt_allocator test_allocator(test_alloc *t) {
  zt_allocator a = {counting_realloc, t};
  return a;
}
