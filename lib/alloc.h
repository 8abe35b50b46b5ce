/* Allocation through the host's allocator, and a bump arena for data that
 * lives and dies together (one parsed policy set, one snapshot). */
#ifndef ZT_ALLOC_H
#define ZT_ALLOC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ztauth.h"

/* The default allocator (realloc/free from libc). */
extern const zt_allocator zt_default_allocator;

void *zt_alloc(const zt_allocator *a, size_t size);
/* n * size bytes, zeroed; NULL on overflow. */
void *zt_calloc(const zt_allocator *a, size_t n, size_t size);
void *zt_realloc(const zt_allocator *a, void *ptr, size_t size);
void zt_free(const zt_allocator *a, void *ptr);

/* Grows *items (of elem bytes each) so that it holds at least need
 * elements; *cap is updated. Returns false on overflow or OOM. */
bool zt_grow(const zt_allocator *a, void **items, size_t elem, size_t *cap,
             size_t need);

typedef struct zt_arena_block zt_arena_block;
typedef struct zt_arena {
  const zt_allocator *mem;
  zt_arena_block *head;
  size_t used;     /* bytes handed out, for accounting */
  size_t reserved; /* bytes obtained from the allocator */
} zt_arena;

void zt_arena_init(zt_arena *ar, const zt_allocator *mem);
/* size bytes aligned for any object, zeroed. NULL on OOM. */
void *zt_arena_alloc(zt_arena *ar, size_t size);
/* A NUL-terminated copy of (s, n). */
char *zt_arena_strndup(zt_arena *ar, const char *s, size_t n);
void zt_arena_free(zt_arena *ar);

#endif
