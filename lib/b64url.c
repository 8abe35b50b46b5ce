#include "b64url.h"

#include <string.h>

/* All ones when lo <= c <= hi, else 0. Written with arithmetic instead of
 * comparisons so that secret characters do not steer branches: the top bit
 * of (lo - 1 - c) is set exactly when c >= lo, that of (c - hi - 1) exactly
 * when c <= hi. All operands are small, so nothing overflows. */
static uint32_t in_range(int c, int lo, int hi) {
  uint32_t ge_lo = (uint32_t)(lo - 1 - c);
  uint32_t le_hi = (uint32_t)(c - hi - 1);
  return 0u - ((ge_lo & le_hi) >> 31);
}

/* The 6-bit value of ch in the alphabet whose last two characters are c62
 * and c63, or -1. */
static int sextet(unsigned char ch, int c62, int c63) {
  int c = ch;
  uint32_t v = 0; /* value + 1; 0 means "not in the alphabet" */
  v |= in_range(c, 'A', 'Z') & (uint32_t)(c - 'A' + 1);
  v |= in_range(c, 'a', 'z') & (uint32_t)(c - 'a' + 27);
  v |= in_range(c, '0', '9') & (uint32_t)(c - '0' + 53);
  v |= in_range(c, c62, c62) & 63u;
  v |= in_range(c, c63, c63) & 64u;
  return (int)v - 1;
}

size_t zt_b64url_decoded_len(size_t n) {
  size_t tail = n % 4;
  return n / 4 * 3 + (tail > 1 ? tail - 1 : 0);
}

size_t zt_b64_decoded_len(size_t n) {
  return n / 4 * 3 + (n % 4 ? 3 : 0);
}

typedef struct alphabet {
  int c62;
  int c63;
} alphabet;

/* Decodes unpadded text whose length is not 4k+1. Returns false on a byte
 * outside the alphabet or non-zero trailing bits. Invalid sextets are -1:
 * their signs are collected in bad and tested once, after the loop. */
static bool decode_body(const char *in, size_t n, uint8_t *out, alphabet ab) {
  int bad = 0;
  size_t o = 0;
  size_t i = 0;
  for (; i + 4 <= n; i += 4) {
    int a = sextet((unsigned char)in[i], ab.c62, ab.c63);
    int b = sextet((unsigned char)in[i + 1], ab.c62, ab.c63);
    int c = sextet((unsigned char)in[i + 2], ab.c62, ab.c63);
    int d = sextet((unsigned char)in[i + 3], ab.c62, ab.c63);
    bad |= a | b | c | d;
    uint32_t w = ((uint32_t)a << 18 | (uint32_t)b << 12 | (uint32_t)c << 6 |
                  (uint32_t)d) &
                 0xffffffu;
    out[o++] = (uint8_t)(w >> 16);
    out[o++] = (uint8_t)(w >> 8);
    out[o++] = (uint8_t)w;
  }
  size_t tail = n - i;
  if (tail == 0)
    return bad >= 0;
  int a = sextet((unsigned char)in[i], ab.c62, ab.c63);
  int b = sextet((unsigned char)in[i + 1], ab.c62, ab.c63);
  int c = tail == 3 ? sextet((unsigned char)in[i + 2], ab.c62, ab.c63) : 0;
  bad |= a | b | c;
  uint32_t w =
      ((uint32_t)a << 18 | (uint32_t)b << 12 | (uint32_t)c << 6) & 0xffffffu;
  out[o++] = (uint8_t)(w >> 16);
  if (tail == 3)
    out[o] = (uint8_t)(w >> 8);
  /* The bits below the last whole byte must be zero (canonical form). */
  uint32_t spare = tail == 2 ? (w & 0xffffu) : (w & 0xffu);
  return bad >= 0 && spare == 0;
}

/* The shared part of both decoders: argument checks, the validate-only
 * form, and clearing out on failure. body is the text without padding. */
static bool decode(const char *in, size_t body, size_t n, uint8_t *out,
                   size_t cap, size_t *out_len, alphabet ab) {
  uint8_t scratch[3];
  if (out_len)
    *out_len = 0;
  if ((!in && n) || (!out && cap) || body % 4 == 1)
    return false;
  size_t need = zt_b64url_decoded_len(body);
  if (out && cap < need)
    return false;
  bool ok = true;
  /* Validate-only: decode one group at a time into scratch. */
  for (size_t i = 0; !out && ok && i < body; i += 4) {
    size_t len = body - i < 4 ? body - i : 4;
    ok = decode_body(in + i, len, scratch, ab);
  }
  if (out)
    ok = decode_body(in, body, out, ab);
  memset(scratch, 0, sizeof scratch);
  if (!ok) {
    if (out && need)
      memset(out, 0, need);
    return false;
  }
  if (out_len)
    *out_len = need;
  return true;
}

bool zt_b64url_decode(const char *in, size_t n, uint8_t *out, size_t cap,
                      size_t *out_len) {
  return decode(in, n, n, out, cap, out_len, (alphabet){'-', '_'});
}

/* base64url values + 1 by byte; 0 is "not in the alphabet". */
#define R10(b) b, b + 1, b + 2, b + 3, b + 4, b + 5, b + 6, b + 7, b + 8, b + 9
static const uint8_t url_value[256] = {['-'] = 63,
                                       ['_'] = 64,
                                       ['0'] = R10(53),
                                       ['A'] = R10(1),
                                       R10(11),
                                       21,
                                       22,
                                       23,
                                       24,
                                       25,
                                       26,
                                       ['a'] = R10(27),
                                       R10(37),
                                       47,
                                       48,
                                       49,
                                       50,
                                       51,
                                       52};
#undef R10

/* The same grammar as decode_body() for base64url, by table: public text
 * only (the table lookup is indexed by the character). */
static bool decode_public(const char *in, size_t n, uint8_t *out) {
  const unsigned char *p = (const unsigned char *)in;
  uint32_t bad = 0;
  size_t o = 0, i = 0;
  for (; i + 4 <= n; i += 4) {
    uint32_t a = url_value[p[i]], b = url_value[p[i + 1]],
             c = url_value[p[i + 2]], d = url_value[p[i + 3]];
    bad |= (a - 1) | (b - 1) | (c - 1) | (d - 1);
    uint32_t w = (a - 1) << 18 | (b - 1) << 12 | (c - 1) << 6 | (d - 1);
    out[o++] = (uint8_t)(w >> 16);
    out[o++] = (uint8_t)(w >> 8);
    out[o++] = (uint8_t)w;
  }
  size_t tail = n - i;
  if (tail == 0)
    return bad < 64;
  uint32_t a = url_value[p[i]], b = url_value[p[i + 1]];
  uint32_t c = tail == 3 ? url_value[p[i + 2]] : 1;
  bad |= (a - 1) | (b - 1) | (c - 1);
  uint32_t w = (a - 1) << 18 | (b - 1) << 12 | (c - 1) << 6;
  out[o++] = (uint8_t)(w >> 16);
  if (tail == 3)
    out[o] = (uint8_t)(w >> 8);
  uint32_t spare = tail == 2 ? (w & 0xffffu) : (w & 0xffu);
  return bad < 64 && spare == 0;
}

bool zt_b64url_decode_public(const char *in, size_t n, uint8_t *out, size_t cap,
                             size_t *out_len) {
  if (out_len)
    *out_len = 0;
  size_t need = zt_b64url_decoded_len(n);
  if ((!in && n) || !out || n % 4 == 1 || cap < need)
    return false;
  if (!decode_public(in, n, out)) {
    if (need)
      memset(out, 0, need);
    return false;
  }
  if (out_len)
    *out_len = need;
  return true;
}

bool zt_b64_decode(const char *in, size_t n, uint8_t *out, size_t cap,
                   size_t *out_len) {
  if (out_len)
    *out_len = 0;
  if (n % 4 != 0 || (!in && n))
    return false;
  size_t pad = 0;
  if (n && in[n - 1] == '=')
    pad = in[n - 2] == '=' ? 2 : 1;
  /* A '=' anywhere else is outside the alphabet and fails in decode(). */
  return decode(in, n - pad, n, out, cap, out_len, (alphabet){'+', '/'});
}

/* The base64url character for v (0..63), by the same branch-free arithmetic:
 * start from 'A' + v and shift each later range onto its characters. The
 * offsets are negative for some ranges; unsigned wrap-around makes the sum
 * land on the right byte. */
static char url_char(uint32_t v) {
  int c = (int)v;
  uint32_t ch = 'A' + v;
  ch += in_range(c, 26, 63) & (uint32_t)('a' - 'A' - 26);
  ch += in_range(c, 52, 63) & (uint32_t)('0' - 'a' - 26);
  ch += in_range(c, 62, 63) & (uint32_t)('-' - '0' - 10);
  ch += in_range(c, 63, 63) & (uint32_t)('_' - '-' - 1);
  return (char)(ch & 0x7fu);
}

size_t zt_b64url_encoded_len(size_t n) {
  if (n / 3 > (SIZE_MAX - 3) / 4)
    return SIZE_MAX;
  size_t tail = n % 3;
  return n / 3 * 4 + (tail ? tail + 1 : 0);
}

/* Encodes (in, n) with the alphabet of url (base64url, unpadded) or
 * standard base64 with '=' padding; len is the output length. */
static size_t encode(const uint8_t *in, size_t n, char *out, size_t cap,
                     size_t len, bool url) {
  if ((!in && n) || !out || len == SIZE_MAX || cap <= len) {
    if (out && cap)
      out[0] = '\0';
    return 0;
  }
  size_t o = 0;
  for (size_t i = 0; i < n; i += 3) {
    uint32_t w = (uint32_t)in[i] << 16;
    if (i + 1 < n)
      w |= (uint32_t)in[i + 1] << 8;
    if (i + 2 < n)
      w |= in[i + 2];
    size_t chars = n - i >= 3 ? 4 : n - i + 1;
    for (size_t k = 0; k < chars; k++) {
      uint32_t v = (w >> (18 - 6 * k)) & 63u;
      out[o++] = url       ? url_char(v)
                 : v == 62 ? '+'
                 : v == 63 ? '/'
                           : url_char(v);
    }
    for (size_t k = chars; !url && k < 4; k++)
      out[o++] = '=';
  }
  out[o] = '\0';
  return o;
}

size_t zt_b64url_encode(const uint8_t *in, size_t n, char *out, size_t cap) {
  return encode(in, n, out, cap, zt_b64url_encoded_len(n), true);
}

size_t zt_b64_encode(const uint8_t *in, size_t n, char *out, size_t cap) {
  size_t len = n / 3 > (SIZE_MAX - 8) / 4 ? SIZE_MAX : (n + 2) / 3 * 4;
  return encode(in, n, out, cap, len, false);
}
