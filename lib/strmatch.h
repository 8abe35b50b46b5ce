/* Istio's generic string patterns (istio-semantics.md §8.1), compiled once
 * at load and matched per request without allocation. */
#ifndef ZT_STRMATCH_H
#define ZT_STRMATCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ztauth.h"

#define ZT_SM_EXACT 0
#define ZT_SM_PREFIX 1  /* "abc*" */
#define ZT_SM_SUFFIX 2  /* "*abc" */
#define ZT_SM_PRESENT 3 /* "*": any non-empty value */

typedef struct zt_strm {
  const char *s; /* the literal part; owned by the compiled policy set */
  uint32_t len;
  uint8_t kind; /* ZT_SM_* */
} zt_strm;

/* Reads a policy value: "*" is PRESENT; a leading '*' makes a suffix, else
 * a trailing '*' a prefix; any other '*' is literal. s must outlive m. */
void zt_strm_compile(zt_strm *m, const char *s, size_t n);

bool zt_strm_match(const zt_strm *m, const char *v, size_t n);
/* ASCII case-insensitive; the pattern must already be lowercase. */
bool zt_strm_match_icase(const zt_strm *m, const char *v, size_t n);

/* A value made of pieces, matched as their concatenation: a joined
 * multi-valued header, or "iss" "/" "sub". */
#define ZT_SEGS_MAX 64
typedef struct zt_segs {
  zt_str part[ZT_SEGS_MAX];
  size_t n;
  size_t total; /* sum of the parts' lengths */
} zt_segs;

/* Empties v; the parts are not touched (an initializer would zero 1 KiB
 * on the per-request path). */
static inline void zt_segs_init(zt_segs *v) {
  v->n = 0;
  v->total = 0;
}

/* Appends a piece; false when ZT_SEGS_MAX pieces are already there. */
bool zt_segs_add(zt_segs *v, const char *s, size_t n);
bool zt_strm_match_segs(const zt_strm *m, const zt_segs *v);

/* ASCII case-insensitive equality of two byte ranges of length n. */
bool zt_mem_ieq(const char *a, const char *b, size_t n);

#endif
