#include "pathnorm.h"

#include <stdbool.h>
#include <string.h>

#include "syntax.h"

#include "ztauth.h"

/*
 * Envoy normalizes with Chromium's path canonicalizer, then merges
 * slashes. That canonicalizer walks the path once and backs its output up
 * on "..", which needs the whole intermediate text in memory: a path whose
 * removed segments do not fit in the caller's buffer would then fail even
 * though its result fits. So the path is cut into segments and walked from
 * the right, where a count of pending ".." decides which segments survive;
 * a first walk measures the result, a second writes it from the end of the
 * buffer. Each surviving segment is canonicalized on its own, which gives
 * Chromium's output because nothing in its rules crosses a '/'.
 */

#define NO_PCT ((size_t)-1)

static bool is_hex(unsigned char c) {
  return zt_syn_hex_digit((char)c) >= 0;
}

static unsigned hex_value(unsigned char c) {
  return (unsigned)zt_syn_hex_digit((char)c);
}

/* RFC 3986 unreserved: the characters Chromium decodes from "%XX". */
static bool is_unreserved(unsigned char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
         (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_' || c == '~';
}

/* Raw characters Chromium's path table percent-encodes. Envoy forwards
 * and matches the encoded form, so "/a b" must compare as "/a%20b". */
static bool needs_escape(unsigned char c) {
  if (c <= 0x20 || c >= 0x7f)
    return true;
  return c == '"' || c == '<' || c == '>' || c == '^' || c == '`' || c == '{' ||
         c == '|' || c == '}';
}

/* ---- The input stream ------------------------------------------------- */

typedef struct src {
  const char *s;
  size_t n;
  bool slashes; /* "%2F" and "%5C" are separators (DECODE_AND_MERGE) */
} src;

static bool is_escaped_sep(const char *s) {
  return s[0] == '%' && ((s[1] == '2' && (s[2] | 0x20) == 'f') ||
                         (s[1] == '5' && (s[2] | 0x20) == 'c'));
}

/* The length of the separator that starts at i, 0 if none. '\' counts:
 * Chromium turns it into '/'. */
static size_t sep_at(const src *in, size_t i) {
  if (i >= in->n)
    return 0;
  if (in->s[i] == '/' || in->s[i] == '\\')
    return 1;
  if (in->slashes && in->n - i >= 3 && is_escaped_sep(in->s + i))
    return 3;
  return 0;
}

/* The length of the separator that ends just before `end`, 0 if none. A
 * '%' never sits inside another escape (the second and third characters
 * are hex digits), so a match found from the right is a real separator. */
static size_t sep_before(const src *in, size_t end) {
  if (end >= 1 && (in->s[end - 1] == '/' || in->s[end - 1] == '\\'))
    return 1;
  if (in->slashes && end >= 3 && is_escaped_sep(in->s + end - 3))
    return 3;
  return 0;
}

/* ---- One segment ------------------------------------------------------ */

/* 1 for '.', 3 for "%2e" (Chromium reads an encoded dot as a dot even
 * where it would keep other escapes), 0 otherwise. */
static size_t dot_at(const char *s, size_t n, size_t i) {
  if (i < n && s[i] == '.')
    return 1;
  if (i < n && n - i >= 3 && s[i] == '%' && s[i + 1] == '2' &&
      (s[i + 2] | 0x20) == 'e')
    return 3;
  return 0;
}

enum seg_kind { SEG_NORMAL, SEG_CUR, SEG_UP };

static enum seg_kind seg_kind(const char *s, size_t n) {
  size_t d1 = dot_at(s, n, 0);
  if (d1 == 0)
    return SEG_NORMAL;
  if (d1 == n)
    return SEG_CUR;
  size_t d2 = dot_at(s, n, d1);
  return d2 != 0 && d1 + d2 == n ? SEG_UP : SEG_NORMAL;
}

/* The state lives for one segment. Chromium keeps the index of a stray
 * '%' even after ".." has removed it, and may then rewrite whatever text
 * later lands there ("/a%/../bc%345" gives "/bc2545"); here a removed '%'
 * is forgotten ("/bc45"). */
typedef struct canon {
  char *dst; /* NULL: only count */
  size_t len;
  size_t pct;     /* output index of the last '%' that began no escape */
  char after_pct; /* the output character right after it */
} canon;

static void put(canon *c, char ch) {
  if (c->pct != NO_PCT && c->len == c->pct + 1)
    c->after_pct = ch;
  if (c->dst)
    c->dst[c->len] = ch;
  c->len++;
}

static void put_escaped(canon *c, unsigned char ch) {
  static const char digits[] = "0123456789ABCDEF";
  put(c, '%');
  put(c, digits[ch >> 4]);
  put(c, digits[ch & 0xfu]);
}

/* Decoding may complete an escape with a stray '%' written earlier:
 * "%%34%31" would read "%41" once decoded, and a second normalization
 * (upstream, or a proxy behind us) would decode it again. Chromium then
 * writes that '%' as "%25"; so does this. `next` is the input character
 * after the escape just decoded (0 at the end of the segment). */
static void put_decoded(canon *c, unsigned char ch, unsigned char next) {
  size_t k = c->len;
  bool first = c->pct != NO_PCT && c->pct + 1 == k;
  bool second = c->pct != NO_PCT && c->pct + 2 == k;
  if (!is_hex(ch) ||
      !(first ? is_hex(next) : second && is_hex((unsigned char)c->after_pct))) {
    put(c, (char)ch);
    return;
  }
  size_t at = c->pct + 1;
  if (c->dst) {
    if (second)
      c->dst[at + 2] = c->after_pct;
    c->dst[at] = '2';
    c->dst[at + 1] = '5';
    c->dst[at + (second ? 3 : 2)] = (char)ch;
  }
  c->len = at + (second ? 4 : 3);
  c->pct = NO_PCT;
}

/* A segment that is neither "." nor "..", in Chromium's canonical form;
 * returns its length, writing it to dst unless dst is NULL. The caller
 * has already rejected "%00" and raw NULs. */
static size_t seg_canon(const char *s, size_t n, char *dst) {
  canon c = {dst, 0, NO_PCT, 0};
  for (size_t i = 0; i < n; i++) {
    unsigned char ch = (unsigned char)s[i];
    size_t dot = dot_at(s, n, i);
    if (dot != 0) {
      put(&c, '.');
      i += dot - 1;
    } else if (ch == '%' && n - i >= 3 && is_hex((unsigned char)s[i + 1]) &&
               is_hex((unsigned char)s[i + 2])) {
      unsigned char v =
          (unsigned char)(hex_value((unsigned char)s[i + 1]) << 4 |
                          hex_value((unsigned char)s[i + 2]));
      if (is_unreserved(v)) {
        put_decoded(&c, v, i + 3 < n ? (unsigned char)s[i + 3] : 0);
      } else {
        /* Kept as written: the hex case may matter to the server. */
        put(&c, '%');
        put(&c, s[i + 1]);
        put(&c, s[i + 2]);
      }
      i += 2;
    } else if (ch == '%') {
      c.pct = c.len;
      put(&c, '%');
    } else if (needs_escape(ch)) {
      put_escaped(&c, ch);
    } else {
      put(&c, (char)ch);
    }
  }
  return c.len;
}

/* ---- The whole path --------------------------------------------------- */

typedef struct plan {
  size_t survivors; /* segments left after "." and ".." */
  size_t nonempty;  /* survivors with text */
  size_t text;      /* total canonical length of the survivors */
  bool open_end;    /* the last segment is a name: no trailing '/' */
  bool empty_end;   /* ... and an empty one (the path ends with '/') */
  bool double_sep;  /* the canonical path has "//" */
} plan;

/* Visits the segments from the last to the first, calling fn for each
 * one that survives dot-segment removal, with `last` set for the final
 * segment of the path. Returns whether the final segment is a name. */
typedef void (*seg_fn)(void *ctx, const char *s, size_t n, bool last);

static bool walk(const src *in, seg_fn fn, void *ctx) {
  /* Chromium prepends '/' to a path that lacks one: without a leading
   * separator, the first segment starts at 0 after an implied '/'. */
  size_t base = sep_at(in, 0), end = in->n, pending = 0;
  bool last = true, open_end = false;
  for (;;) {
    size_t start = end;
    while (start > base && sep_before(in, start) == 0)
      start--;
    enum seg_kind k = seg_kind(in->s + start, end - start);
    if (last)
      open_end = k == SEG_NORMAL;
    if (k == SEG_UP)
      pending++;
    else if (k == SEG_NORMAL && pending > 0)
      pending--;
    else if (k == SEG_NORMAL)
      fn(ctx, in->s + start, end - start, last);
    last = false;
    if (start == base)
      return open_end;
    end = start - sep_before(in, start);
  }
}

static void measure(void *ctx, const char *s, size_t n, bool last) {
  plan *p = ctx;
  size_t len = seg_canon(s, n, NULL);
  p->survivors++;
  p->nonempty += len != 0;
  p->text += len;
  if (last)
    p->empty_end = len == 0;
  else if (len == 0)
    p->double_sep = true;
}

typedef struct writer {
  char *out;
  size_t w; /* writes go before this index */
  bool skip_empty;
} writer;

static void write_seg(void *ctx, const char *s, size_t n, bool last) {
  (void)last;
  writer *wr = ctx;
  if (wr->skip_empty && n == 0)
    return;
  size_t len = seg_canon(s, n, NULL);
  wr->w -= len;
  seg_canon(s, n, wr->out + wr->w);
  wr->out[--wr->w] = '/';
}

/* "%00" and a raw NUL: Chromium fails the path and Envoy answers 400,
 * wherever they are (even in a segment that ".." removes). */
static bool has_nul(const char *s, size_t n) {
  for (size_t i = 0; i < n; i++) {
    if (s[i] == '\0' ||
        (s[i] == '%' && n - i >= 3 && s[i + 1] == '0' && s[i + 2] == '0'))
      return true;
  }
  return false;
}

static size_t cut_query(const char *s, size_t n) {
  for (size_t i = 0; i < n; i++) {
    if (s[i] == '?' || s[i] == '#')
      return i;
  }
  return n;
}

int zt_pathnorm(uint32_t mode, const char *path, size_t n, char *out,
                size_t cap, size_t *out_len) {
  if (out_len)
    *out_len = 0;
  if (path == NULL) { /* (NULL, 0) is ""; NULL + 0 would be undefined */
    path = "";
    n = 0;
  }
  n = cut_query(path, n);
  if (mode > ZT_PATH_DECODE_AND_MERGE_SLASHES)
    return ZT_PATHNORM_REJECT;
  if (mode == ZT_PATH_NONE) {
    if (n > cap)
      return ZT_PATHNORM_TOO_LONG;
    if (n > 0)
      memcpy(out, path, n);
    if (out_len)
      *out_len = n;
    return ZT_PATHNORM_OK;
  }
  if (has_nul(path, n))
    return ZT_PATHNORM_REJECT;

  src in = {path, n, mode == ZT_PATH_DECODE_AND_MERGE_SLASHES};
  plan p;
  memset(&p, 0, sizeof p);
  p.open_end = walk(&in, measure, &p);
  bool merge = mode != ZT_PATH_BASE && p.double_sep;
  /* Envoy's merge keeps one leading and one trailing '/' around the
   * non-empty segments, so a path of slashes only becomes "//". */
  bool trailing = merge ? !p.open_end || p.empty_end : !p.open_end;
  size_t len;
  if (p.survivors == 0)
    len = 1;
  else if (merge && p.nonempty == 0)
    len = 2;
  else if (merge)
    len = p.text + p.nonempty + trailing;
  else
    len = p.text + p.survivors + trailing;
  if (len > cap)
    return ZT_PATHNORM_TOO_LONG;

  if (p.survivors == 0 || (merge && p.nonempty == 0)) {
    memcpy(out, "//", len); /* "/" or Envoy's "//" */
  } else {
    writer wr = {out, len, merge};
    if (trailing)
      out[--wr.w] = '/';
    walk(&in, write_seg, &wr);
  }
  if (out_len)
    *out_len = len;
  return ZT_PATHNORM_OK;
}
