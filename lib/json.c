/* Strict JSON over jsmn. See json.h for the contract; craft.md §2 lists the
 * tokenizer holes this file closes. */

/* Static so no jsmn symbol leaves this object (hosts may carry their own
 * copy); strict so bare words fail early; parent links so a closing bracket
 * finds its opener in O(depth) instead of scanning every token. */
#define JSMN_STATIC
#define JSMN_STRICT
#define JSMN_PARENT_LINKS
#include <jsmn.h>

/* Other translation units see json.h's compatible copy of the token type;
 * here it is the tokenizer's type itself. */
#define ZT_JSON_TOK_PRIVATE
typedef jsmntok_t zt_json_tok;

#include "json.h"

#include "alloc.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* json.h's copy of the token type must stay compatible with jsmntok_t:
 * same members, and an enum that GCC and Clang make unsigned int. */
_Static_assert(_Generic((jsmntype_t)0, unsigned int : 1, default : 0),
               "jsmntype_t must be compatible with unsigned int");
_Static_assert(sizeof(jsmntok_t) == 5 * sizeof(int), "jsmntok_t layout");
_Static_assert(offsetof(jsmntok_t, parent) == 4 * sizeof(int),
               "jsmntok_t layout");

/* Longest number text zt_json_double() converts. */
#define DOUBLE_TEXT_MAX 512u

/* ---- Errors ----------------------------------------------------------- */

static int fail(zt_json_error *err, int code, size_t off, const char *why) {
  if (err) {
    err->offset = off;
    err->reason = why;
  }
  return code;
}

/* ---- Limits and pre-scan ---------------------------------------------- */

static int resolve_limits(const zt_json_limits *in, zt_json_limits *out) {
  zt_json_limits d = {ZT_JSON_DEFAULT_MAX_BYTES, ZT_JSON_DEFAULT_MAX_TOKENS,
                      ZT_JSON_DEFAULT_MAX_DEPTH, 0};
  if (in) {
    if (in->max_bytes)
      d.max_bytes = in->max_bytes;
    if (in->max_tokens)
      d.max_tokens = in->max_tokens;
    if (in->max_depth)
      d.max_depth = in->max_depth;
    d.flags = in->flags;
  }
  if (d.max_bytes > ZT_JSON_MAX_BYTES_CEILING ||
      d.max_depth > ZT_JSON_MAX_DEPTH_CEILING || (d.flags & ~ZT_JSON_ANY_ROOT))
    return ZT_EINVAL;
  *out = d;
  return ZT_OK;
}

/* Checks done before any storage is touched, cheapest first. */
static int check_input(const char *s, size_t n, const zt_json_limits *lim,
                       zt_json_limits *out, zt_json_error *err) {
  if (!s && n)
    return fail(err, ZT_EINVAL, 0, "input pointer is NULL");
  if (resolve_limits(lim, out) != ZT_OK)
    return fail(err, ZT_EINVAL, 0, "invalid limits");
  if (n > ZT_JSON_MAX_BYTES_CEILING)
    return fail(err, ZT_ELIMIT, ZT_JSON_MAX_BYTES_CEILING, "input too large");
  if (n > out->max_bytes)
    return fail(err, ZT_ELIMIT, out->max_bytes, "input too large");
  return ZT_OK;
}

static bool is_ws(unsigned char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

typedef struct scan {
  size_t first;    /* offset of the first non-whitespace byte */
  size_t end;      /* one past the last non-whitespace byte */
  uint32_t tokens; /* tokens the input needs (exact when it is valid) */
} scan;

typedef struct scan_state {
  uint32_t depth;
  uint32_t tokens;
  bool in_str;
  bool escaped;
  bool in_prim;
} scan_state;

/* One byte outside any string. Runs of bare bytes count as one primitive. */
static int scan_structural(scan_state *st, unsigned char c, size_t i,
                           const zt_json_limits *lim, uint32_t tok_cap,
                           zt_json_error *err) {
  bool starts_token = false;
  bool prim = false;
  switch (c) {
  case '"':
    st->in_str = true;
    starts_token = true;
    break;
  case '{':
  case '[':
    if (++st->depth > lim->max_depth)
      return fail(err, ZT_ELIMIT, i, "nesting too deep");
    starts_token = true;
    break;
  case '}':
  case ']':
    if (st->depth == 0)
      return fail(err, ZT_ESYNTAX, i, "unbalanced closing bracket");
    st->depth--;
    break;
  case ',':
  case ':':
    break;
  default:
    prim = true;
    starts_token = !st->in_prim;
    break;
  }
  st->in_prim = prim;
  if (starts_token && ++st->tokens > tok_cap)
    return fail(err, ZT_ELIMIT, i, "too many tokens");
  return ZT_OK;
}

/* Printable ASCII other than the backslash: inside a string it needs no
 * look (scanning) and no decoding (copied as it is). */
static bool plain_byte(unsigned char ch) {
  return ch >= 0x20 && ch < 0x80 && ch != '\\';
}

/*
 * One linear pass before the tokenizer runs: rejects NUL bytes (jsmn stops
 * at them silently), enforces depth and token caps so hostile input fails
 * fast, and sizes the token array exactly for valid input.
 */
static int prescan(const char *s, size_t n, const zt_json_limits *lim,
                   uint32_t tok_cap, scan *sc, zt_json_error *err) {
  scan_state st = {0, 0, false, false, false};
  size_t first = n, end = 0;
  for (size_t i = 0; i < n; i++) {
    unsigned char c = (unsigned char)s[i];
    if (c == 0)
      return fail(err, ZT_ESYNTAX, i, "NUL byte in input");
    if (!st.in_str && is_ws(c)) {
      st.in_prim = false;
      continue;
    }
    if (first == n)
      first = i;
    end = i + 1;
    if (st.in_str) {
      if (st.escaped)
        st.escaped = false;
      else if (c == '\\')
        st.escaped = true;
      else if (c == '"')
        st.in_str = false;
      else /* skip the rest of a plain run at once */
        while (i + 1 < n && plain_byte((unsigned char)s[i + 1]) &&
               s[i + 1] != '"')
          end = ++i + 1;
      continue;
    }
    int rc = scan_structural(&st, c, i, lim, tok_cap, err);
    if (rc != ZT_OK)
      return rc;
  }
  if (first == n)
    return fail(err, ZT_ESYNTAX, n, "empty input");
  if (st.in_str)
    return fail(err, ZT_ESYNTAX, n, "unterminated string");
  if (st.depth)
    return fail(err, ZT_ESYNTAX, n, "unclosed object or array");
  if (s[first] != '{' && s[first] != '[' && !(lim->flags & ZT_JSON_ANY_ROOT))
    return fail(err, ZT_ESYNTAX, first, "root is not an object or array");
  if (st.tokens == 0) /* only separators */
    return fail(err, ZT_ESYNTAX, first, "unexpected character");
  sc->first = first;
  sc->end = end;
  sc->tokens = st.tokens;
  return ZT_OK;
}

/* ---- Tokenizing ------------------------------------------------------- */

typedef struct ctx {
  const char *s;
  size_t n;
  jsmntok_t *t;
  uint32_t r;    /* tokens produced */
  uint32_t next; /* next token the walk visits */
  char *buf;
  zt_json_error *err;
} ctx;

static int tokenize(ctx *c, const scan *sc) {
  char c0 = c->s[sc->first];
  if (c0 != '{' && c0 != '[' && c0 != '"') {
    /* Strict jsmn refuses a bare primitive root (it wants a delimiter after
     * it), so the trimmed input becomes one primitive that the walk checks
     * like any other. */
    c->t[0] = (jsmntok_t){JSMN_PRIMITIVE, (int)sc->first, (int)sc->end, 0, -1};
    c->r = 1;
    return ZT_OK;
  }
  jsmn_parser p;
  jsmn_init(&p);
  int r = jsmn_parse(&p, c->s, c->n, c->t, sc->tokens);
  size_t at = p.pos < c->n ? p.pos : c->n;
  if (r == JSMN_ERROR_PART)
    return fail(c->err, ZT_ESYNTAX, at, "truncated input");
  if (r < 1)
    return fail(c->err, ZT_ESYNTAX, at, "invalid JSON");
  c->r = (uint32_t)r;
  return ZT_OK;
}

/* ---- Token geometry --------------------------------------------------- */

static bool is_container(const jsmntok_t *t) {
  return t->type == JSMN_OBJECT || t->type == JSMN_ARRAY;
}

/* First byte of a token's text, counting a string's opening quote. */
static size_t ext_start(const jsmntok_t *t) {
  return (size_t)t->start - (t->type == JSMN_STRING);
}

/* One past the last byte, counting a string's closing quote. */
static size_t ext_end(const jsmntok_t *t) {
  return (size_t)t->end + (t->type == JSMN_STRING);
}

/* The next sibling of value v. A container's is recorded when it closes. */
static uint32_t next_of(const jsmntok_t *t, uint32_t v) {
  return is_container(&t[v]) ? (uint32_t)t[v].parent : v + 1;
}

/* Every offset is checked against the input before any byte is read, and
 * every delimiter jsmn reported is re-read, so the walk trusts nothing. */
static bool span_ok(const ctx *c, const jsmntok_t *t) {
  if (t->start < 0 || t->end < t->start || (size_t)t->end > c->n)
    return false;
  const char *s = c->s;
  switch (t->type) {
  case JSMN_STRING:
    return t->start >= 1 && (size_t)t->end < c->n && s[t->start - 1] == '"' &&
           s[t->end] == '"';
  case JSMN_OBJECT:
    return t->end - t->start >= 2 && s[t->start] == '{' && s[t->end - 1] == '}';
  case JSMN_ARRAY:
    return t->end - t->start >= 2 && s[t->start] == '[' && s[t->end - 1] == ']';
  case JSMN_PRIMITIVE:
    return t->end > t->start;
  default:
    return false;
  }
}

/*
 * The bytes in [a, b) between two tokens must be whitespace around exactly
 * one sep (or only whitespace when sep is 0). This is what catches the
 * missing, doubled and trailing commas and colons jsmn lets through.
 */
static int check_gap(const ctx *c, size_t a, size_t b, char sep) {
  if (a > b)
    return fail(c->err, ZT_ESYNTAX, b, "malformed structure");
  bool seen = sep == 0;
  for (size_t i = a; i < b; i++) {
    char ch = c->s[i];
    if (is_ws((unsigned char)ch))
      continue;
    if (ch == sep && !seen) {
      seen = true;
      continue;
    }
    if (ch == ',')
      return fail(c->err, ZT_ESYNTAX, i, "unexpected ','");
    if (ch == ':')
      return fail(c->err, ZT_ESYNTAX, i, "unexpected ':'");
    return fail(c->err, ZT_ESYNTAX, i, "unexpected character");
  }
  if (!seen)
    return fail(c->err, ZT_ESYNTAX, b,
                sep == ',' ? "missing ','" : "missing ':'");
  return ZT_OK;
}

/* ---- Strings ---------------------------------------------------------- */

static bool hex4(const char *p, uint32_t *out) {
  uint32_t v = 0;
  for (int i = 0; i < 4; i++) {
    char h = p[i];
    uint32_t d;
    if (h >= '0' && h <= '9')
      d = (uint32_t)(h - '0');
    else if (h >= 'a' && h <= 'f')
      d = (uint32_t)(h - 'a' + 10);
    else if (h >= 'A' && h <= 'F')
      d = (uint32_t)(h - 'A' + 10);
    else
      return false;
    v = v << 4 | d;
  }
  *out = v;
  return true;
}

static size_t put_utf8(char *out, uint32_t cp) {
  if (cp < 0x80) {
    out[0] = (char)cp;
    return 1;
  }
  if (cp < 0x800) {
    out[0] = (char)(0xC0 | cp >> 6);
    out[1] = (char)(0x80 | (cp & 0x3F));
    return 2;
  }
  if (cp < 0x10000) {
    out[0] = (char)(0xE0 | cp >> 12);
    out[1] = (char)(0x80 | (cp >> 6 & 0x3F));
    out[2] = (char)(0x80 | (cp & 0x3F));
    return 3;
  }
  out[0] = (char)(0xF0 | cp >> 18);
  out[1] = (char)(0x80 | (cp >> 12 & 0x3F));
  out[2] = (char)(0x80 | (cp >> 6 & 0x3F));
  out[3] = (char)(0x80 | (cp & 0x3F));
  return 4;
}

/*
 * Length of the well-formed UTF-8 sequence at p (Unicode table 3-7), or 0.
 * The narrowed second-byte ranges exclude overlongs (E0, F0), UTF-16
 * surrogates (ED) and code points above U+10FFFF (F4).
 */
static size_t utf8_seq(const unsigned char *p, size_t avail) {
  unsigned lo = 0x80, hi = 0xBF;
  size_t len;
  if (p[0] >= 0xC2 && p[0] <= 0xDF) {
    len = 2;
  } else if (p[0] >= 0xE0 && p[0] <= 0xEF) {
    len = 3;
    lo = p[0] == 0xE0 ? 0xA0 : lo;
    hi = p[0] == 0xED ? 0x9F : hi;
  } else if (p[0] >= 0xF0 && p[0] <= 0xF4) {
    len = 4;
    lo = p[0] == 0xF0 ? 0x90 : lo;
    hi = p[0] == 0xF4 ? 0x8F : hi;
  } else {
    return 0;
  }
  if (avail < len || p[1] < lo || p[1] > hi)
    return 0;
  for (size_t i = 2; i < len; i++)
    if (p[i] < 0x80 || p[i] > 0xBF)
      return 0;
  return len;
}

/* \uXXXX at p, with its low half when it is a high surrogate. Surrogate
 * halves never stand alone: that is not Unicode and other parsers would
 * each repair it differently. */
static int unescape_u(const ctx *c, size_t p, size_t end, uint32_t *cp,
                      size_t *used) {
  uint32_t lo;
  if (end - p < 6 || !hex4(c->s + p + 2, cp))
    return fail(c->err, ZT_ESYNTAX, p, "invalid \\u escape");
  *used = 6;
  if (*cp >= 0xDC00 && *cp <= 0xDFFF)
    return fail(c->err, ZT_ESYNTAX, p, "lone low surrogate");
  if (*cp >= 0xD800 && *cp <= 0xDBFF) {
    if (end - p < 12 || c->s[p + 6] != '\\' || c->s[p + 7] != 'u' ||
        !hex4(c->s + p + 8, &lo) || lo < 0xDC00 || lo > 0xDFFF)
      return fail(c->err, ZT_ESYNTAX, p, "lone high surrogate");
    *cp = 0x10000 + ((*cp - 0xD800) << 10) + (lo - 0xDC00);
    *used = 12;
  }
  if (*cp == 0)
    return fail(c->err, ZT_ESYNTAX, p, "\\u0000 in string");
  return ZT_OK;
}

/* The escape at s[*p] ('\\'); appends its bytes at out + *o. Output never
 * outgrows input: 2 -> 1, 6 -> at most 3, 12 -> 4 bytes. */
static int unescape(const ctx *c, size_t *p, size_t end, char *out, size_t *o) {
  static const char from[] = "\"\\/bfnrt";
  static const char to[] = "\"\\/\b\f\n\r\t";
  if (end - *p < 2)
    return fail(c->err, ZT_ESYNTAX, *p, "invalid escape");
  char e = c->s[*p + 1];
  if (e == 'u') {
    uint32_t cp;
    size_t used;
    int rc = unescape_u(c, *p, end, &cp, &used);
    if (rc != ZT_OK)
      return rc;
    *o += put_utf8(out + *o, cp);
    *p += used;
    return ZT_OK;
  }
  const char *hit = e ? strchr(from, e) : NULL;
  if (!hit)
    return fail(c->err, ZT_ESYNTAX, *p, "invalid escape");
  out[(*o)++] = to[hit - from];
  *p += 2;
  return ZT_OK;
}

/* Decodes string token i into buf at the token's own offset: decoded text
 * is never longer, so strings cannot collide. The NUL lands at most on the
 * closing quote's offset, still inside buf. */
static int decode_string(const ctx *c, jsmntok_t *t) {
  size_t p = (size_t)t->start, end = (size_t)t->end, o = 0;
  char *out = c->buf + t->start;
  while (p < end) {
    /* Most text is plain: copy runs of it at once. */
    size_t q = p;
    while (q < end && plain_byte((unsigned char)c->s[q]))
      q++;
    if (q > p) {
      memcpy(out + o, c->s + p, q - p);
      o += q - p;
      p = q;
      continue;
    }
    unsigned char ch = (unsigned char)c->s[p];
    int rc = ZT_OK;
    if (ch == '\\') {
      rc = unescape(c, &p, end, out, &o);
    } else if (ch < 0x20) {
      rc = fail(c->err, ZT_ESYNTAX, p, "control character in string");
    } else if (ch < 0x80) {
      out[o++] = (char)ch;
      p++;
    } else {
      size_t len = utf8_seq((const unsigned char *)c->s + p, end - p);
      if (!len)
        return fail(c->err, ZT_ESYNTAX, p, "invalid UTF-8");
      memcpy(out + o, c->s + p, len);
      o += len;
      p += len;
    }
    if (rc != ZT_OK)
      return rc;
  }
  out[o] = '\0';
  t->size = (int)o; /* from here on, size holds the decoded length */
  return ZT_OK;
}

/* ---- Numbers and literals --------------------------------------------- */

static bool is_digit(char ch) {
  return ch >= '0' && ch <= '9';
}

static size_t skip_digits(const char *p, size_t i, size_t n) {
  while (i < n && is_digit(p[i]))
    i++;
  return i;
}

/* RFC 8259 §6: -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)? */
static bool number_ok(const char *p, size_t n) {
  size_t i = 0;
  if (i < n && p[i] == '-')
    i++;
  if (i < n && p[i] == '0')
    i++;
  else if (i < n && p[i] >= '1' && p[i] <= '9')
    i = skip_digits(p, i, n);
  else
    return false;
  if (i < n && p[i] == '.') {
    if (++i >= n || !is_digit(p[i]))
      return false;
    i = skip_digits(p, i, n);
  }
  if (i < n && (p[i] == 'e' || p[i] == 'E')) {
    if (++i < n && (p[i] == '+' || p[i] == '-'))
      i++;
    if (i >= n || !is_digit(p[i]))
      return false;
    i = skip_digits(p, i, n);
  }
  return i == n;
}

static bool literal_is(const char *p, size_t n, const char *lit) {
  return n == strlen(lit) && memcmp(p, lit, n) == 0;
}

/* Copies the primitive into buf too, so the doc never needs the input. */
static int check_primitive(const ctx *c, const jsmntok_t *t) {
  const char *p = c->s + t->start;
  size_t n = (size_t)(t->end - t->start);
  bool ok;
  const char *why = "invalid literal";
  switch (p[0]) {
  case 't':
    ok = literal_is(p, n, "true");
    break;
  case 'f':
    ok = literal_is(p, n, "false");
    break;
  case 'n':
    ok = literal_is(p, n, "null");
    break;
  default:
    ok = number_ok(p, n);
    why = (p[0] == '-' || is_digit(p[0])) ? "invalid number"
                                          : "unexpected character";
    break;
  }
  if (!ok)
    return fail(c->err, ZT_ESYNTAX, (size_t)t->start, why);
  memcpy(c->buf + t->start, p, n);
  return ZT_OK;
}

/* ---- Duplicate member names ------------------------------------------- */

/* Names are sorted, then neighbours compared: O(m log m) without memory.
 * The list links live in the name tokens' parent fields, which nothing else
 * reads (a name's successor is always its value). */

static int key_cmp(const ctx *c, int a, int b) {
  const jsmntok_t *ta = &c->t[a], *tb = &c->t[b];
  if (ta->size != tb->size)
    return ta->size < tb->size ? -1 : 1;
  return memcmp(c->buf + ta->start, c->buf + tb->start, (size_t)ta->size);
}

static int merge(const ctx *c, int a, int b) {
  int head = -1;
  int *tail = &head;
  while (a != -1 && b != -1) {
    int *pick = key_cmp(c, a, b) <= 0 ? &a : &b;
    *tail = *pick;
    tail = &c->t[*pick].parent;
    *pick = *tail;
  }
  *tail = a != -1 ? a : b;
  return head;
}

/* Bottom-up merge sort of a linked list: bin i holds 2^i sorted names. */
static int sort_names(const ctx *c, int list) {
  int bins[32];
  for (size_t i = 0; i < 32; i++)
    bins[i] = -1;
  while (list != -1) {
    int x = list;
    list = c->t[x].parent;
    c->t[x].parent = -1;
    size_t i = 0;
    for (; i < 31 && bins[i] != -1; i++) {
      x = merge(c, bins[i], x);
      bins[i] = -1;
    }
    bins[i] = merge(c, bins[i], x);
  }
  int out = -1;
  for (size_t i = 0; i < 32; i++)
    out = merge(c, bins[i], out);
  return out;
}

static int check_duplicates(const ctx *c, uint32_t obj) {
  uint32_t m = (uint32_t)c->t[obj].size;
  if (m < 2)
    return ZT_OK;
  int head = -1;
  int *tail = &head;
  uint32_t k = obj + 1;
  for (uint32_t i = 0; i < m; i++) {
    *tail = (int)k;
    tail = &c->t[k].parent;
    k = next_of(c->t, k + 1);
  }
  *tail = -1;
  for (int a = sort_names(c, head); c->t[a].parent != -1; a = c->t[a].parent) {
    int b = c->t[a].parent;
    if (key_cmp(c, a, b) == 0) {
      int later = c->t[a].start > c->t[b].start ? a : b;
      return fail(c->err, ZT_ESYNTAX, ext_start(&c->t[later]),
                  "duplicate member name");
    }
  }
  return ZT_OK;
}

/* ---- The walk --------------------------------------------------------- */

typedef struct frame {
  uint32_t tok;
  uint32_t left; /* children not visited yet */
  size_t cursor; /* first byte not checked yet */
  bool first;    /* no child visited yet: no ',' expected */
} frame;

typedef struct walker {
  ctx *c;
  frame stack[ZT_JSON_MAX_DEPTH_CEILING];
  uint32_t depth;
  uint32_t max_depth;
} walker;

/* Takes the next token, checks its span and the gap in front of it. */
static int take(ctx *c, size_t from, char sep, jsmntok_t **out) {
  if (c->next >= c->r)
    return fail(c->err, ZT_ESYNTAX, from, "malformed structure");
  jsmntok_t *t = &c->t[c->next];
  if (!span_ok(c, t))
    return fail(c->err, ZT_ESYNTAX, from, "malformed structure");
  int rc = check_gap(c, from, ext_start(t), sep);
  if (rc != ZT_OK)
    return rc;
  c->next++;
  *out = t;
  return ZT_OK;
}

/* A member name: a string with exactly one value after it. */
static int take_name(ctx *c, size_t from, char sep, size_t *after) {
  jsmntok_t *t;
  int rc = take(c, from, sep, &t);
  if (rc != ZT_OK)
    return rc;
  if (t->type != JSMN_STRING)
    return fail(c->err, ZT_ESYNTAX, ext_start(t),
                "member name is not a string");
  if (t->size != 1)
    return fail(c->err, ZT_ESYNTAX, ext_end(t),
                t->size ? "missing ','" : "member name without a value");
  *after = ext_end(t);
  return decode_string(c, t);
}

/* Visits a value: scalars are checked (*after receives their end), objects
 * and arrays are pushed and finished by leave(). */
static int enter(walker *w, size_t from, char sep, size_t *after) {
  ctx *c = w->c;
  uint32_t i = c->next;
  jsmntok_t *t;
  int rc = take(c, from, sep, &t);
  if (rc != ZT_OK)
    return rc;
  if (is_container(t)) {
    if (w->depth >= w->max_depth)
      return fail(c->err, ZT_ELIMIT, ext_start(t), "nesting too deep");
    w->stack[w->depth++] =
        (frame){i, (uint32_t)t->size, (size_t)t->start + 1, true};
    return ZT_OK;
  }
  if (t->size != 0)
    return fail(c->err, ZT_ESYNTAX, ext_end(t), "unexpected ':'");
  *after = ext_end(t);
  if (t->type == JSMN_STRING)
    return decode_string(c, t);
  return check_primitive(c, t);
}

/* Closes the innermost container: only whitespace before its bracket. */
static int leave(walker *w) {
  ctx *c = w->c;
  frame *f = &w->stack[--w->depth];
  jsmntok_t *t = &c->t[f->tok];
  int rc = check_gap(c, f->cursor, (size_t)t->end - 1, 0);
  if (rc == ZT_OK && t->type == JSMN_OBJECT)
    rc = check_duplicates(c, f->tok);
  t->parent = (int)c->next; /* from here on: index of the next sibling */
  if (w->depth)
    w->stack[w->depth - 1].cursor = (size_t)t->end;
  return rc;
}

/* Visits the next child of the innermost container. */
static int step(walker *w) {
  frame *f = &w->stack[w->depth - 1];
  char sep = f->first ? 0 : ',';
  size_t from = f->cursor, after = SIZE_MAX;
  uint32_t depth = w->depth;
  f->first = false;
  f->left--;
  if (w->c->t[f->tok].type == JSMN_OBJECT) {
    int rc = take_name(w->c, from, sep, &from);
    if (rc != ZT_OK)
      return rc;
    sep = ':';
  }
  int rc = enter(w, from, sep, &after);
  if (rc == ZT_OK && w->depth == depth)
    f->cursor = after;
  return rc;
}

static int walk(ctx *c, uint32_t max_depth, const scan *sc) {
  walker w;
  w.c = c;
  w.depth = 0;
  w.max_depth = max_depth;
  size_t after = SIZE_MAX;
  int rc = enter(&w, sc->first, 0, &after);
  while (rc == ZT_OK && w.depth > 0) {
    if (w.stack[w.depth - 1].left == 0)
      rc = leave(&w);
    else
      rc = step(&w);
  }
  if (rc != ZT_OK)
    return rc;
  size_t end = ext_end(&c->t[0]);
  while (end < sc->end && is_ws((unsigned char)c->s[end]))
    end++;
  if (end != sc->end)
    return fail(c->err, ZT_ESYNTAX, end, "trailing data");
  /* Defence in depth: the byte checks above already cover every token. */
  if (c->next != c->r)
    return fail(c->err, ZT_ESYNTAX, sc->end, "malformed structure");
  return ZT_OK;
}

/* ---- Parsing ---------------------------------------------------------- */

static int parse_into(zt_json_doc *doc, const char *s, size_t n,
                      const zt_json_limits *lim, const scan *sc,
                      zt_json_error *err) {
  ctx c = {s, n, doc->toks, 0, 0, doc->buf, err};
  int rc = tokenize(&c, sc);
  if (rc == ZT_OK)
    rc = walk(&c, lim->max_depth, sc);
  if (rc == ZT_OK)
    doc->count = c.r;
  return rc;
}

static void clear_error(zt_json_error *err) {
  if (err) {
    err->offset = 0;
    err->reason = NULL;
  }
}

void zt_json_doc_init(zt_json_doc *doc, zt_json_tok *toks, size_t toks_cap,
                      char *buf, size_t buf_cap) {
  if (!doc)
    return;
  doc->toks = toks;
  doc->toks_cap = toks ? toks_cap : 0;
  doc->buf = buf;
  doc->buf_cap = buf ? buf_cap : 0;
  doc->count = 0;
  doc->mem = NULL;
}

int zt_json_parse(zt_json_doc *doc, const char *s, size_t n,
                  const zt_json_limits *lim, zt_json_error *err) {
  zt_json_limits l;
  scan sc;
  clear_error(err);
  if (!doc)
    return fail(err, ZT_EINVAL, 0, "doc is NULL");
  doc->count = 0;
  int rc = check_input(s, n, lim, &l, err);
  if (rc != ZT_OK)
    return rc;
  size_t buf_cap = doc->buf ? doc->buf_cap : 0;
  size_t toks_cap = doc->toks ? doc->toks_cap : 0;
  if (n > buf_cap)
    return fail(err, ZT_ELIMIT, buf_cap, "scratch buffer too small");
  uint32_t cap = toks_cap < l.max_tokens ? (uint32_t)toks_cap : l.max_tokens;
  rc = prescan(s, n, &l, cap, &sc, err);
  if (rc != ZT_OK)
    return rc;
  return parse_into(doc, s, n, &l, &sc, err);
}

int zt_json_parse_alloc(zt_json_doc *doc, const zt_allocator *mem,
                        const char *s, size_t n, const zt_json_limits *lim,
                        zt_json_error *err) {
  zt_json_limits l;
  scan sc;
  clear_error(err);
  if (!doc)
    return fail(err, ZT_EINVAL, 0, "doc is NULL");
  zt_json_doc_init(doc, NULL, 0, NULL, 0);
  int rc = check_input(s, n, lim, &l, err);
  if (rc == ZT_OK)
    rc = prescan(s, n, &l, l.max_tokens, &sc, err);
  if (rc != ZT_OK)
    return rc;
  doc->mem = mem ? mem : &zt_default_allocator;
  doc->toks = zt_calloc(doc->mem, sc.tokens, sizeof(zt_json_tok));
  doc->buf = zt_alloc(doc->mem, n);
  if (!doc->toks || !doc->buf) {
    zt_json_doc_free(doc);
    return fail(err, ZT_ENOMEM, 0, "out of memory");
  }
  doc->toks_cap = sc.tokens;
  doc->buf_cap = n;
  rc = parse_into(doc, s, n, &l, &sc, err);
  if (rc != ZT_OK)
    zt_json_doc_free(doc);
  return rc;
}

void zt_json_doc_free(zt_json_doc *doc) {
  if (!doc)
    return;
  if (doc->mem) {
    zt_free(doc->mem, doc->toks);
    zt_free(doc->mem, doc->buf);
    zt_json_doc_init(doc, NULL, 0, NULL, 0);
  }
  doc->count = 0;
}

size_t zt_json_doc_bytes(const zt_json_doc *doc) {
  size_t end = 0;
  for (uint32_t i = 0; doc && i < doc->count; i++)
    if ((size_t)doc->toks[i].end + 1 > end)
      end = (size_t)doc->toks[i].end + 1;
  return doc && end > doc->buf_cap ? doc->buf_cap : end;
}

uint32_t zt_json_doc_tokens(const zt_json_doc *doc) {
  return doc ? doc->count : 0;
}

int zt_json_doc_copy(zt_json_doc *dst, zt_json_tok *toks, size_t toks_cap,
                     char *buf, size_t buf_cap, const zt_json_doc *src) {
  if (!dst || !src)
    return ZT_EINVAL;
  size_t bytes = zt_json_doc_bytes(src);
  zt_json_doc_init(dst, toks, toks_cap, buf, buf_cap);
  if (src->count > toks_cap || bytes > buf_cap || (src->count && !toks) ||
      (bytes && !buf))
    return ZT_ELIMIT;
  if (src->count)
    memcpy(toks, src->toks, src->count * sizeof(*toks));
  if (bytes)
    memcpy(buf, src->buf, bytes);
  dst->count = src->count;
  return ZT_OK;
}

/* ---- Accessors -------------------------------------------------------- */

static const jsmntok_t *tok(const zt_json_doc *doc, zt_json_val v) {
  return doc && v < doc->count ? &doc->toks[v] : NULL;
}

/* Text of a primitive (its copy in buf) and its length. */
static const char *prim_text(const zt_json_doc *doc, zt_json_val v,
                             size_t *len) {
  const jsmntok_t *t = tok(doc, v);
  if (!t || t->type != JSMN_PRIMITIVE)
    return NULL;
  *len = (size_t)(t->end - t->start);
  return doc->buf + t->start;
}

zt_json_type zt_json_type_of(const zt_json_doc *doc, zt_json_val v) {
  const jsmntok_t *t = tok(doc, v);
  if (!t)
    return ZT_JSON_INVALID;
  switch (t->type) {
  case JSMN_OBJECT:
    return ZT_JSON_OBJECT;
  case JSMN_ARRAY:
    return ZT_JSON_ARRAY;
  case JSMN_STRING:
    return ZT_JSON_STRING;
  case JSMN_PRIMITIVE:
    break;
  default:
    return ZT_JSON_INVALID;
  }
  char c0 = doc->buf[t->start];
  if (c0 == 't' || c0 == 'f')
    return ZT_JSON_BOOL;
  return c0 == 'n' ? ZT_JSON_NULL : ZT_JSON_NUMBER;
}

uint32_t zt_json_size(const zt_json_doc *doc, zt_json_val v) {
  const jsmntok_t *t = tok(doc, v);
  return t && is_container(t) ? (uint32_t)t->size : 0;
}

size_t zt_json_offset(const zt_json_doc *doc, zt_json_val v) {
  const jsmntok_t *t = tok(doc, v);
  return t ? ext_start(t) : 0;
}

void zt_json_iter_init(zt_json_iter *it, const zt_json_doc *doc,
                       zt_json_val v) {
  const jsmntok_t *t = tok(doc, v);
  it->doc = doc;
  it->next = ZT_JSON_NONE;
  it->left = 0;
  it->object = false;
  if (t && is_container(t) && t->size > 0) {
    it->next = v + 1;
    it->left = (uint32_t)t->size;
    it->object = t->type == JSMN_OBJECT;
  }
}

bool zt_json_iter_next(zt_json_iter *it, zt_json_val *name, zt_json_val *val) {
  if (!it || it->left == 0)
    return false;
  zt_json_val k = ZT_JSON_NONE, v = it->next;
  if (it->object) {
    k = v;
    v = k + 1;
  }
  if (name)
    *name = k;
  if (val)
    *val = v;
  it->left--;
  it->next = it->left ? next_of(it->doc->toks, v) : ZT_JSON_NONE;
  return true;
}

bool zt_json_string(const zt_json_doc *doc, zt_json_val v, const char **ptr,
                    size_t *len) {
  const jsmntok_t *t = tok(doc, v);
  if (!t || t->type != JSMN_STRING)
    return false;
  *ptr = doc->buf + t->start;
  *len = (size_t)t->size;
  return true;
}

bool zt_json_string_eq(const zt_json_doc *doc, zt_json_val v, const char *s,
                       size_t len) {
  const char *p;
  size_t n;
  if (!zt_json_string(doc, v, &p, &n) || n != len)
    return false;
  return len == 0 || memcmp(p, s, len) == 0;
}

bool zt_json_member(const zt_json_doc *doc, zt_json_val obj, const char *name,
                    size_t len, zt_json_val *out) {
  zt_json_iter it;
  zt_json_val k, v;
  *out = ZT_JSON_NONE;
  if (zt_json_type_of(doc, obj) != ZT_JSON_OBJECT)
    return false;
  zt_json_iter_init(&it, doc, obj);
  while (zt_json_iter_next(&it, &k, &v)) {
    if (zt_json_string_eq(doc, k, name, len)) {
      *out = v;
      return true;
    }
  }
  return false;
}

int zt_json_bool(const zt_json_doc *doc, zt_json_val v, bool *out) {
  if (zt_json_type_of(doc, v) != ZT_JSON_BOOL)
    return ZT_ESCHEMA;
  *out = doc->buf[doc->toks[v].start] == 't';
  return ZT_OK;
}

/* ---- Number accessors ------------------------------------------------- */

int zt_json_int64(const zt_json_doc *doc, zt_json_val v, int64_t *out) {
  size_t n = 0, i = 0;
  if (zt_json_type_of(doc, v) != ZT_JSON_NUMBER)
    return ZT_ESCHEMA;
  const char *p = prim_text(doc, v, &n);
  bool neg = p[0] == '-';
  i = neg;
  if (skip_digits(p, i, n) != n)
    return ZT_ESCHEMA; /* fraction or exponent */
  /* The magnitude is built unsigned so INT64_MIN needs no special case. */
  uint64_t limit = neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX;
  uint64_t acc = 0;
  for (; i < n; i++) {
    uint64_t d = (uint64_t)(p[i] - '0');
    if (acc > (limit - d) / 10)
      return ZT_ELIMIT;
    acc = acc * 10 + d;
  }
  *out = neg && acc ? -(int64_t)(acc - 1) - 1 : (int64_t)acc;
  return ZT_OK;
}

/* A number's digits D (integer then fraction part) and the power of ten E
 * that scales them: value = D * 10^E. */
typedef struct decimal {
  bool neg;
  const char *ip, *fp;
  size_t il, fl;
  int64_t e;
} decimal;

static void split_number(const char *p, size_t n, decimal *d) {
  size_t i = 0;
  d->neg = p[0] == '-';
  i = d->neg;
  d->ip = p + i;
  i = skip_digits(p, i, n);
  d->il = (size_t)(p + i - d->ip);
  d->fp = p + i;
  d->fl = 0;
  if (i < n && p[i] == '.') {
    d->fp = p + i + 1;
    i = skip_digits(p, i + 1, n);
    d->fl = (size_t)(p + i - d->fp);
  }
  int64_t e = 0;
  bool eneg = false;
  if (i < n) { /* 'e' or 'E' */
    i++;
    eneg = p[i] == '-';
    i += p[i] == '-' || p[i] == '+';
    /* Saturates: past 10^9 nothing changes the outcome. */
    for (; i < n; i++)
      e = e < 1000000000 ? e * 10 + (p[i] - '0') : e;
  }
  d->e = (eneg ? -e : e) - (int64_t)d->fl;
}

static char digit_at(const decimal *d, size_t j) {
  return j < d->il ? d->ip[j] : d->fp[j - d->il];
}

/* Number v truncated toward zero, exactly from its digits: its magnitude
 * (ZT_ELIMIT above max) and whether it is below zero (-0.5 is, -0 is not). */
static int truncated(const zt_json_doc *doc, zt_json_val v, uint64_t max,
                     uint64_t *mag, bool *neg) {
  size_t n = 0;
  decimal d;
  if (zt_json_type_of(doc, v) != ZT_JSON_NUMBER)
    return ZT_ESCHEMA;
  const char *p = prim_text(doc, v, &n);
  split_number(p, n, &d);
  int64_t k = (int64_t)(d.il + d.fl);
  int64_t take = k + d.e < k ? k + d.e : k; /* digits left of the point */
  uint64_t acc = 0;
  bool nonzero = false;
  for (int64_t j = 0; j < k; j++)
    nonzero |= digit_at(&d, (size_t)j) != '0';
  *neg = d.neg && nonzero;
  for (int64_t j = 0; j < take; j++) {
    uint64_t dg = (uint64_t)(digit_at(&d, (size_t)j) - '0');
    if (acc > (max - dg) / 10)
      return ZT_ELIMIT;
    acc = acc * 10 + dg;
  }
  for (int64_t z = 0; acc && z < d.e; z++) {
    if (acc > max / 10)
      return ZT_ELIMIT;
    acc *= 10;
  }
  *mag = acc;
  return ZT_OK;
}

int zt_json_numeric_date(const zt_json_doc *doc, zt_json_val v,
                         bool allow_negative, int64_t *out) {
  uint64_t mag;
  bool neg;
  int rc = truncated(doc, v, (uint64_t)ZT_JSON_NUMERIC_DATE_MAX, &mag, &neg);
  if (rc != ZT_OK)
    return rc;
  if (neg && !allow_negative)
    return ZT_ELIMIT;
  *out = neg ? -(int64_t)mag : (int64_t)mag;
  return ZT_OK;
}

int zt_json_uint64(const zt_json_doc *doc, zt_json_val v, uint64_t *out) {
  uint64_t mag;
  bool neg;
  int rc = truncated(doc, v, UINT64_MAX, &mag, &neg);
  if (rc == ZT_OK && neg)
    rc = ZT_ELIMIT;
  if (rc == ZT_OK)
    *out = mag;
  return rc;
}

/* strtod follows the host's LC_NUMERIC, which may want ',' for the point;
 * printing 1.5 reveals the current radix without touching locale state. */
static size_t radix_text(char *out, size_t cap) {
  char tmp[16];
  int len = snprintf(tmp, sizeof(tmp), "%.1f", 1.5);
  if (len < 3 || (size_t)len - 2 >= cap)
    return 0;
  memcpy(out, tmp + 1, (size_t)len - 2);
  return (size_t)len - 2;
}

int zt_json_double(const zt_json_doc *doc, zt_json_val v, double *out) {
  char text[DOUBLE_TEXT_MAX + 16], radix[8];
  size_t n = 0, o = 0;
  if (zt_json_type_of(doc, v) != ZT_JSON_NUMBER)
    return ZT_ESCHEMA;
  const char *p = prim_text(doc, v, &n);
  size_t rl = radix_text(radix, sizeof(radix));
  if (n > DOUBLE_TEXT_MAX || rl == 0)
    return ZT_ELIMIT;
  for (size_t i = 0; i < n; i++) {
    if (p[i] == '.') {
      memcpy(text + o, radix, rl);
      o += rl;
    } else {
      text[o++] = p[i];
    }
  }
  text[o] = '\0';
  char *end;
  double x = strtod(text, &end);
  if (end != text + o)
    return ZT_EINTERNAL;
  if (isinf(x))
    return ZT_ELIMIT;
  *out = x;
  return ZT_OK;
}

/* ---- Writing ------------------------------------------------------------ */

typedef struct wbuf {
  char *p;
  size_t cap, n;
  bool full;
} wbuf;

static void wput(wbuf *w, const char *s, size_t n) {
  if (w->full || n > w->cap - w->n) {
    w->full = true;
    return;
  }
  memcpy(w->p + w->n, s, n);
  w->n += n;
}

static void wstring(wbuf *w, const char *s, size_t n) {
  static const char hex[] = "0123456789abcdef";
  wput(w, "\"", 1);
  for (size_t i = 0; i < n; i++) {
    unsigned char c = (unsigned char)s[i];
    if (c == '"' || c == '\\') {
      char e[2] = {'\\', (char)c};
      wput(w, e, 2);
    } else if (c < 0x20) {
      char e[6] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 15]};
      wput(w, e, 6);
    } else {
      wput(w, (const char *)&s[i], 1);
    }
  }
  wput(w, "\"", 1);
}

static void wvalue(wbuf *w, const zt_json_doc *doc, zt_json_val v,
                   uint32_t depth) {
  const char *s;
  size_t n;
  zt_json_type t = zt_json_type_of(doc, v);
  if (depth > ZT_JSON_MAX_DEPTH_CEILING) {
    w->full = true;
  } else if (t == ZT_JSON_STRING && zt_json_string(doc, v, &s, &n)) {
    wstring(w, s, n);
  } else if (t == ZT_JSON_OBJECT || t == ZT_JSON_ARRAY) {
    zt_json_iter it;
    zt_json_val name, val;
    bool first = true;
    wput(w, t == ZT_JSON_OBJECT ? "{" : "[", 1);
    zt_json_iter_init(&it, doc, v);
    while (zt_json_iter_next(&it, &name, &val)) {
      if (!first)
        wput(w, ",", 1);
      first = false;
      if (t == ZT_JSON_OBJECT && zt_json_string(doc, name, &s, &n)) {
        wstring(w, s, n);
        wput(w, ":", 1);
      }
      wvalue(w, doc, val, depth + 1);
    }
    wput(w, t == ZT_JSON_OBJECT ? "}" : "]", 1);
  } else if ((s = prim_text(doc, v, &n)) != NULL) {
    wput(w, s, n);
  } else {
    w->full = true;
  }
}

size_t zt_json_write(const zt_json_doc *doc, zt_json_val v, char *buf,
                     size_t cap) {
  wbuf w = {buf, cap, 0, false};
  if (!buf || cap == 0)
    return SIZE_MAX;
  wvalue(&w, doc, v, 0);
  if (w.full || w.n == cap)
    return SIZE_MAX;
  buf[w.n] = '\0';
  return w.n;
}
