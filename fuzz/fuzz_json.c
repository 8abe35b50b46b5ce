/*
 * libFuzzer target for lib/json.c. Every input is parsed under three limit
 * sets, each with lent and with allocated storage; the two storage modes
 * must agree exactly, and every parsed value is walked through every
 * accessor. Any broken invariant aborts.
 */
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_TOKENS 2048u
#define FUZZ_BYTES 65536u

static zt_json_tok lent_toks[FUZZ_TOKENS];
static char lent_buf[FUZZ_BYTES];

static void require(bool ok) {
  if (!ok)
    abort();
}

/* An independent UTF-8 check: decode each code point, then judge it. */
static bool utf8_valid(const unsigned char *p, size_t n) {
  size_t i = 0;
  while (i < n) {
    unsigned c = p[i];
    size_t len = c < 0x80 ? 1 : c >> 5 == 6 ? 2 : c >> 4 == 14 ? 3 : 4;
    if ((c >> 3) == 31 || (c >> 6) == 2 || i + len > n)
      return false;
    uint32_t cp = len == 1 ? c : c & (0x7Fu >> len);
    for (size_t k = 1; k < len; k++) {
      if ((p[i + k] >> 6) != 2)
        return false;
      cp = cp << 6 | (p[i + k] & 0x3Fu);
    }
    static const uint32_t min[] = {0, 0, 0x80, 0x800, 0x10000};
    if (cp < min[len] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
      return false;
    i += len;
  }
  return true;
}

static void check_string(const zt_json_doc *doc, zt_json_val v, size_t size) {
  const char *p;
  size_t n;
  require(zt_json_string(doc, v, &p, &n));
  require(p >= doc->buf && n <= size && n < doc->buf_cap);
  require((size_t)(p - doc->buf) + n < doc->buf_cap);
  require(p[n] == '\0' && memchr(p, '\0', n) == NULL);
  require(utf8_valid((const unsigned char *)p, n));
  require(zt_json_string_eq(doc, v, p, n));
  require(!zt_json_string_eq(doc, v, p, n + 1));
}

static void check_number(const zt_json_doc *doc, zt_json_val v) {
  int64_t i = 0, t = 0;
  double d = 0;
  bool b;
  int ri = zt_json_int64(doc, v, &i);
  int rd = zt_json_double(doc, v, &d);
  require(ri == ZT_OK || ri == ZT_ESCHEMA || ri == ZT_ELIMIT);
  require(rd == ZT_OK || rd == ZT_ELIMIT);
  require(rd != ZT_OK || isfinite(d));
  require(zt_json_bool(doc, v, &b) == ZT_ESCHEMA);
  for (int neg = 0; neg < 2; neg++) {
    int rt = zt_json_numeric_date(doc, v, neg, &t);
    require(rt == ZT_OK || rt == ZT_ELIMIT);
    if (rt == ZT_OK) {
      require(t <= ZT_JSON_NUMERIC_DATE_MAX && t >= -ZT_JSON_NUMERIC_DATE_MAX);
      require(neg || t >= 0);
      require(rd != ZT_OK || fabs(d - (double)t) < 1.0 + fabs(d) * 1e-15);
    }
    /* An exact integer within range is its own NumericDate. */
    if (ri == ZT_OK && i <= ZT_JSON_NUMERIC_DATE_MAX &&
        i >= -ZT_JSON_NUMERIC_DATE_MAX && (neg || i >= 0))
      require(rt == ZT_OK && t == i);
  }
  if (ri == ZT_OK && i <= ZT_JSON_NUMERIC_DATE_MAX &&
      i >= -ZT_JSON_NUMERIC_DATE_MAX)
    require(rd == ZT_OK && d == (double)i);
  /* The wide range agrees with the narrow one wherever both hold. */
  uint64_t u;
  int ru = zt_json_uint64(doc, v, &u);
  require(ru == ZT_OK || ru == ZT_ELIMIT);
  if (zt_json_numeric_date(doc, v, false, &t) == ZT_OK)
    require(ru == ZT_OK && u == (uint64_t)t);
  if (ri == ZT_OK)
    require(i < 0 ? ru == ZT_ELIMIT : ru == ZT_OK && u == (uint64_t)i);
}

static void check_scalar(const zt_json_doc *doc, zt_json_val v,
                         zt_json_type type, size_t size) {
  bool b;
  int64_t i;
  require(zt_json_size(doc, v) == 0);
  if (type == ZT_JSON_STRING)
    check_string(doc, v, size);
  else if (type == ZT_JSON_NUMBER)
    check_number(doc, v);
  else
    require((zt_json_bool(doc, v, &b) == ZT_OK) == (type == ZT_JSON_BOOL));
  if (type != ZT_JSON_NUMBER)
    require(zt_json_int64(doc, v, &i) == ZT_ESCHEMA);
}

/* Visits v and everything below it; returns the number of handles seen. */
static uint32_t walk(const zt_json_doc *doc, zt_json_val v, size_t size,
                     uint32_t depth) {
  zt_json_type type = zt_json_type_of(doc, v);
  require(type != ZT_JSON_INVALID && depth <= ZT_JSON_DEFAULT_MAX_DEPTH);
  require(zt_json_offset(doc, v) < size);
  if (type != ZT_JSON_OBJECT && type != ZT_JSON_ARRAY) {
    check_scalar(doc, v, type, size);
    return 1;
  }
  uint32_t seen = 1, members = 0;
  zt_json_iter it;
  zt_json_val name, val, found;
  zt_json_iter_init(&it, doc, v);
  while (zt_json_iter_next(&it, &name, &val)) {
    members++;
    if (type == ZT_JSON_OBJECT) {
      const char *p;
      size_t n;
      require(zt_json_type_of(doc, name) == ZT_JSON_STRING);
      check_string(doc, name, size);
      require(zt_json_string(doc, name, &p, &n));
      /* Names are unique, so a lookup finds exactly this member. */
      require(zt_json_member(doc, v, p, n, &found) && found == val);
      seen++;
    } else {
      require(name == ZT_JSON_NONE);
    }
    seen += walk(doc, val, size, depth + 1);
  }
  require(members == zt_json_size(doc, v));
  return seen;
}

static void check_doc(const zt_json_doc *doc, size_t size) {
  require(walk(doc, ZT_JSON_ROOT, size, 1) == doc->count);
  require(zt_json_type_of(doc, doc->count) == ZT_JSON_INVALID);
}

/* Parses in both storage modes; they must agree on everything. */
static int parse_both(const char *s, size_t n, const zt_json_limits *lim) {
  zt_json_doc lent, heap;
  zt_json_error e1, e2;
  zt_json_doc_init(&lent, lent_toks, FUZZ_TOKENS, lent_buf, FUZZ_BYTES);
  int r1 = zt_json_parse(&lent, s, n, lim, &e1);
  int r2 = zt_json_parse_alloc(&heap, NULL, s, n, lim, &e2);
  require(r1 == r2);
  if (r1 == ZT_OK) {
    require(lent.count == heap.count && lent.count > 0);
    check_doc(&lent, n);
    check_doc(&heap, n);
  } else {
    require(r1 == ZT_ESYNTAX || r1 == ZT_ELIMIT);
    require(e1.reason && e2.reason && strcmp(e1.reason, e2.reason) == 0);
    require(e1.offset == e2.offset && e1.offset <= n);
    require(lent.count == 0 && zt_json_type_of(&lent, 0) == ZT_JSON_INVALID);
  }
  zt_json_doc_free(&heap);
  return r1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  const char *s = (const char *)data;
  zt_json_limits strict = {FUZZ_BYTES, FUZZ_TOKENS, 0, 0};
  zt_json_limits any = {FUZZ_BYTES, FUZZ_TOKENS, 0, ZT_JSON_ANY_ROOT};
  zt_json_limits shallow = {FUZZ_BYTES, 64, 3, 0};
  int rs = parse_both(s, size, &strict);
  int ra = parse_both(s, size, &any);
  int rh = parse_both(s, size, &shallow);
  /* Looser limits never turn an accepted input into a rejected one. */
  require(rs != ZT_OK || ra == ZT_OK);
  require(rh != ZT_OK || rs == ZT_OK);
  return 0;
}
