#include "alloc.h"

#include <stdlib.h>
#include <string.h>

static void *libc_realloc(void *ctx, void *ptr, size_t size) {
  (void)ctx;
  if (size == 0) {
    free(ptr);
    return NULL;
  }
  return realloc(ptr, size);
}

const zt_allocator zt_default_allocator = {libc_realloc, NULL};

void *zt_alloc(const zt_allocator *a, size_t size) {
  if (size == 0)
    size = 1;
  return a->realloc(a->ctx, NULL, size);
}

void *zt_calloc(const zt_allocator *a, size_t n, size_t size) {
  if (size != 0 && n > SIZE_MAX / size)
    return NULL;
  void *p = zt_alloc(a, n * size);
  if (p)
    memset(p, 0, n * size);
  return p;
}

void *zt_realloc(const zt_allocator *a, void *ptr, size_t size) {
  if (size == 0)
    size = 1;
  return a->realloc(a->ctx, ptr, size);
}

void zt_free(const zt_allocator *a, void *ptr) {
  if (ptr)
    a->realloc(a->ctx, ptr, 0);
}

bool zt_grow(const zt_allocator *a, void **items, size_t elem, size_t *cap,
             size_t need) {
  if (need <= *cap)
    return true;
  size_t ncap = *cap ? *cap : 8;
  while (ncap < need) {
    if (ncap > SIZE_MAX / 2)
      return false;
    ncap *= 2;
  }
  if (elem != 0 && ncap > SIZE_MAX / elem)
    return false;
  void *p = zt_realloc(a, *items, ncap * elem);
  if (!p)
    return false;
  *items = p;
  *cap = ncap;
  return true;
}

struct zt_arena_block {
  zt_arena_block *next;
  size_t size;
  size_t off;
  max_align_t data[];
};

#define ARENA_BLOCK 16384u
#define ARENA_ALIGN (sizeof(max_align_t))

void zt_arena_init(zt_arena *ar, const zt_allocator *mem) {
  ar->mem = mem;
  ar->head = NULL;
  ar->used = 0;
  ar->reserved = 0;
}

void *zt_arena_alloc(zt_arena *ar, size_t size) {
  if (size > SIZE_MAX - 2 * ARENA_ALIGN)
    return NULL;
  size_t need = (size + ARENA_ALIGN - 1) & ~(size_t)(ARENA_ALIGN - 1);
  zt_arena_block *b = ar->head;
  if (!b || b->size - b->off < need) {
    /* Large requests get a block of their own so small ones keep using
     * the current block. */
    size_t bsize = need > ARENA_BLOCK / 4 ? need : ARENA_BLOCK;
    zt_arena_block *nb = zt_alloc(ar->mem, sizeof(*nb) + bsize);
    if (!nb)
      return NULL;
    nb->size = bsize;
    nb->off = 0;
    if (b && need > ARENA_BLOCK / 4) {
      nb->next = b->next;
      b->next = nb;
    } else {
      nb->next = b;
      ar->head = nb;
    }
    ar->reserved += sizeof(*nb) + bsize;
    b = nb;
  }
  void *p = (char *)b->data + b->off;
  b->off += need;
  ar->used += need;
  memset(p, 0, need);
  return p;
}

char *zt_arena_strndup(zt_arena *ar, const char *s, size_t n) {
  if (n == SIZE_MAX)
    return NULL;
  char *p = zt_arena_alloc(ar, n + 1);
  if (!p)
    return NULL;
  if (n)
    memcpy(p, s, n);
  p[n] = '\0';
  return p;
}

void zt_arena_free(zt_arena *ar) {
  zt_arena_block *b = ar->head;
  while (b) {
    zt_arena_block *next = b->next;
    zt_free(ar->mem, b);
    b = next;
  }
  ar->head = NULL;
  ar->used = 0;
  ar->reserved = 0;
}
