#include "ipaddr.h"

#include <string.h>

#include "syntax.h"

#define NO_GAP SIZE_MAX

static bool is_digit(char c) {
  return c >= '0' && c <= '9';
}

/* One IPv4 octet: 1..3 digits, at most 255, no leading zero unless "0".
 * Go's netip rejects leading zeros because other parsers read them as
 * octal, which would make "010.0.0.1" mean different hosts to different
 * tools. */
static bool parse_octet(const char *s, size_t n, size_t *pos, uint8_t *out) {
  size_t start = *pos;
  unsigned v = 0;
  while (*pos < n && *pos - start < 3 && is_digit(s[*pos]))
    v = v * 10u + (unsigned)(s[(*pos)++] - '0');
  size_t len = *pos - start;
  if (len == 0 || v > 255u || (len > 1 && s[start] == '0'))
    return false;
  *out = (uint8_t)v;
  return true;
}

static bool parse_v4(const char *s, size_t n, uint8_t out[4]) {
  size_t pos = 0;
  for (size_t part = 0; part < 4; part++) {
    if (part > 0) {
      if (pos >= n || s[pos] != '.')
        return false;
      pos++;
    }
    if (!parse_octet(s, n, &pos, &out[part]))
      return false;
  }
  return pos == n;
}

/* 1..4 hex digits; a fifth digit is an error, not the next group. */
static bool parse_hex_group(const char *s, size_t n, size_t *pos,
                            uint32_t *out) {
  size_t start = *pos;
  uint32_t v = 0;
  while (*pos < n && *pos - start < 4 && zt_syn_hex_digit(s[*pos]) >= 0)
    v = (v << 4) | (uint32_t)zt_syn_hex_digit(s[(*pos)++]);
  if (*pos == start || (*pos < n && zt_syn_hex_digit(s[*pos]) >= 0))
    return false;
  *out = v;
  return true;
}

/* Moves the groups written after "::" to the end and zero-fills the gap.
 * "::" must stand for at least one group. */
static bool expand_gap(uint8_t b[16], size_t nb, size_t gap) {
  if (gap == NO_GAP)
    return nb == 16;
  if (nb >= 16)
    return false;
  size_t tail = nb - gap;
  memmove(b + 16 - tail, b + gap, tail);
  memset(b + gap, 0, 16 - tail - gap);
  return true;
}

/* After a group: ':' continues, "::" marks the gap (once), end of input
 * stops. Sets *done at the end of input. */
static bool parse_v6_separator(const char *s, size_t n, size_t *pos, size_t nb,
                               size_t *gap, bool *done) {
  if (*pos == n) {
    *done = true;
    return true;
  }
  if (s[*pos] != ':')
    return false;
  (*pos)++;
  if (*pos < n && s[*pos] == ':') {
    if (*gap != NO_GAP)
      return false;
    *gap = nb;
    (*pos)++;
    *done = *pos == n;
    return true;
  }
  return *pos < n; /* a lone trailing ':' */
}

static bool parse_v6(const char *s, size_t n, uint8_t out[16]) {
  uint8_t b[16] = {0};
  size_t nb = 0, pos = 0, gap = NO_GAP;
  bool done = n == 2 && s[0] == ':' && s[1] == ':';
  if (n >= 2 && s[0] == ':' && s[1] == ':') {
    gap = 0;
    pos = 2;
  }
  while (!done) {
    size_t start = pos;
    uint32_t v;
    if (!parse_hex_group(s, n, &pos, &v))
      return false;
    if (pos < n && s[pos] == '.') {
      /* A dotted IPv4 may only fill the last 32 bits. */
      if (nb > 12 || !parse_v4(s + start, n - start, b + nb))
        return false;
      nb += 4;
      break;
    }
    if (nb > 14)
      return false;
    b[nb++] = (uint8_t)(v >> 8);
    b[nb++] = (uint8_t)(v & 0xffu);
    if (!parse_v6_separator(s, n, &pos, nb, &gap, &done))
      return false;
  }
  if (!expand_gap(b, nb, gap))
    return false;
  memcpy(out, b, 16);
  return true;
}

bool zt_ip_parse(const char *s, size_t n, zt_ip *out) {
  zt_ip ip;
  memset(&ip, 0, sizeof ip);
  /* The first separator decides the family, as in netip.ParseAddr;
   * anything else (zones, brackets, spaces) fails in the parsers. */
  for (size_t i = 0; i < n; i++) {
    if (s[i] == '.') {
      ip.family = 4;
      break;
    }
    if (s[i] == ':') {
      ip.family = 6;
      break;
    }
  }
  if (ip.family == 4 && !parse_v4(s, n, ip.bytes))
    return false;
  if (ip.family == 6 && !parse_v6(s, n, ip.bytes))
    return false;
  if (ip.family == 0)
    return false;
  if (out)
    *out = ip;
  return true;
}

static unsigned max_bits(const zt_ip *ip) {
  return ip->family == 4 ? 32u : 128u;
}

/* Prefix length: digits only, no leading zero except "0". */
static bool parse_bits(const char *s, size_t n, unsigned max, unsigned *out) {
  if (n == 0 || n > 3 || (n > 1 && s[0] == '0'))
    return false;
  unsigned v = 0;
  for (size_t i = 0; i < n; i++) {
    if (!is_digit(s[i]))
      return false;
    v = v * 10u + (unsigned)(s[i] - '0');
  }
  if (v > max)
    return false;
  *out = v;
  return true;
}

static void mask_host_bits(zt_ip *ip, unsigned bits) {
  for (unsigned k = 0; k < 16; k++) {
    unsigned keep = bits > k * 8u ? bits - k * 8u : 0u;
    if (keep < 8u)
      ip->bytes[k] &= (uint8_t)(0xffu << (8u - keep));
  }
}

bool zt_cidr_parse(const char *s, size_t n, zt_cidr *out) {
  size_t slash = n;
  for (size_t i = n; i > 0; i--) {
    if (s[i - 1] == '/') {
      slash = i - 1;
      break;
    }
  }
  zt_cidr c;
  if (!zt_ip_parse(s, slash, &c.addr))
    return false;
  unsigned bits = max_bits(&c.addr);
  if (slash < n &&
      !parse_bits(s + slash + 1, n - slash - 1, max_bits(&c.addr), &bits))
    return false;
  mask_host_bits(&c.addr, bits);
  c.bits = (uint8_t)bits;
  if (out)
    *out = c;
  return true;
}

bool zt_cidr_contains(const zt_cidr *c, const zt_ip *ip) {
  if (!c || !ip || c->addr.family != ip->family ||
      (ip->family != 4 && ip->family != 6) || c->bits > max_bits(ip))
    return false;
  unsigned full = c->bits / 8u, rest = c->bits % 8u;
  if (memcmp(c->addr.bytes, ip->bytes, full) != 0)
    return false;
  if (rest == 0)
    return true;
  uint8_t m = (uint8_t)(0xffu << (8u - rest));
  return (c->addr.bytes[full] & m) == (ip->bytes[full] & m);
}

/* ---- Formatting ------------------------------------------------------ */

typedef struct out_buf {
  char text[ZT_IP_FORMAT_MAX];
  size_t len;
} out_buf;

static void put_char(out_buf *o, char c) {
  if (o->len + 1 < sizeof o->text)
    o->text[o->len++] = c;
}

static void put_decimal(out_buf *o, unsigned v) {
  if (v >= 100u)
    put_char(o, (char)('0' + v / 100u));
  if (v >= 10u)
    put_char(o, (char)('0' + v / 10u % 10u));
  put_char(o, (char)('0' + v % 10u));
}

static void put_hex(out_buf *o, unsigned v) {
  static const char digits[] = "0123456789abcdef";
  bool started = false;
  for (int shift = 12; shift >= 0; shift -= 4) {
    unsigned d = (v >> (unsigned)shift) & 0xfu;
    if (d != 0 || started || shift == 0) {
      put_char(o, digits[d]);
      started = true;
    }
  }
}

static void put_v4(out_buf *o, const uint8_t b[4]) {
  for (size_t i = 0; i < 4; i++) {
    if (i > 0)
      put_char(o, '.');
    put_decimal(o, b[i]);
  }
}

static bool is_v4_mapped(const uint8_t b[16]) {
  static const uint8_t prefix[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
  return memcmp(b, prefix, sizeof prefix) == 0;
}

/* RFC 5952 4.2: the longest run of two or more zero groups, the first one
 * on ties. *start is 8 when there is none. */
static void zero_run(const unsigned g[8], size_t *start, size_t *len) {
  *start = 8;
  *len = 1;
  for (size_t i = 0; i < 8;) {
    size_t j = i;
    while (j < 8 && g[j] == 0)
      j++;
    if (j - i > *len) {
      *start = i;
      *len = j - i;
    }
    i = j > i ? j : i + 1;
  }
}

static void put_v6(out_buf *o, const uint8_t b[16]) {
  if (is_v4_mapped(b)) {
    for (const char *p = "::ffff:"; *p; p++)
      put_char(o, *p);
    put_v4(o, b + 12);
    return;
  }
  unsigned g[8];
  for (size_t i = 0; i < 8; i++)
    g[i] = (unsigned)b[2 * i] << 8 | b[2 * i + 1];
  size_t zs, zl;
  zero_run(g, &zs, &zl);
  for (size_t i = 0; i < 8; i++) {
    if (i == zs) {
      put_char(o, ':');
      put_char(o, ':');
      i += zl - 1;
      continue;
    }
    if (i > 0 && i != zs + zl)
      put_char(o, ':');
    put_hex(o, g[i]);
  }
}

size_t zt_ip_format(const zt_ip *ip, char *buf, size_t len) {
  out_buf o = {.len = 0};
  if (ip && ip->family == 4)
    put_v4(&o, ip->bytes);
  else if (ip && ip->family == 6)
    put_v6(&o, ip->bytes);
  if (!buf || len == 0)
    return 0;
  size_t k = o.len < len ? o.len : len - 1;
  memcpy(buf, o.text, k);
  buf[k] = '\0';
  return k;
}

/* ---- X-Forwarded-For -------------------------------------------------- */

static bool is_ows(char c) {
  return c == ' ' || c == '\t';
}

bool zt_xff_client(const char *xff, size_t n, uint32_t hops, zt_ip *out) {
  if (hops == 0 || xff == NULL)
    return false;
  /* Envoy cuts at the last ',' hops - 1 times, then reads the text after
   * the last ',' left; an empty entry is simply not an address. */
  size_t end = n;
  for (uint32_t k = 1; k < hops; k++) {
    while (end > 0 && xff[end - 1] != ',')
      end--;
    if (end == 0)
      return false;
    end--;
  }
  size_t start = end;
  while (start > 0 && xff[start - 1] != ',')
    start--;
  while (start < end && is_ows(xff[start]))
    start++;
  while (end > start && is_ows(xff[end - 1]))
    end--;
  return zt_ip_parse(xff + start, end - start, out);
}
