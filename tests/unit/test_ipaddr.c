/* cmocka.h needs these first. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#include "ipaddr.h"

#define LIT(x) (x), (sizeof(x) - 1)
#define NCASES(t) (sizeof(t) / sizeof((t)[0]))

static zt_ip ip_of(const char *text) {
  zt_ip ip;
  if (!zt_ip_parse(text, strlen(text), &ip))
    fail_msg("fixture \"%s\" does not parse", text);
  return ip;
}

static zt_cidr cidr_of(const char *text) {
  zt_cidr c;
  if (!zt_cidr_parse(text, strlen(text), &c))
    fail_msg("fixture \"%s\" does not parse", text);
  return c;
}

static void assert_formats_as(const zt_ip *ip, const char *want) {
  char buf[ZT_IP_FORMAT_MAX];
  size_t k = zt_ip_format(ip, buf, sizeof buf);
  assert_string_equal(buf, want);
  assert_int_equal(k, strlen(want));
}

/* ---- Parsing ----------------------------------------------------------- */

typedef struct parse_case {
  const char *s;
  size_t n;
  int family;
  const char *canonical;
} parse_case;

static void test_parse_ipv4(void **state) {
  (void)state;
  static const parse_case t[] = {
      {LIT("0.0.0.0"), 4, "0.0.0.0"},
      {LIT("10.0.0.1"), 4, "10.0.0.1"},
      {LIT("192.168.100.200"), 4, "192.168.100.200"},
      {LIT("255.255.255.255"), 4, "255.255.255.255"},
      {LIT("1.20.100.0"), 4, "1.20.100.0"},
  };
  for (size_t i = 0; i < NCASES(t); i++) {
    zt_ip ip;
    memset(&ip, 0xaa, sizeof ip);
    assert_true(zt_ip_parse(t[i].s, t[i].n, &ip));
    assert_int_equal(ip.family, t[i].family);
    assert_formats_as(&ip, t[i].canonical);
  }
  zt_ip ip = ip_of("192.0.2.33");
  static const uint8_t want[16] = {192, 0, 2, 33};
  assert_memory_equal(ip.bytes, want, 16); /* the tail stays zero */
}

static void test_parse_ipv6(void **state) {
  (void)state;
  static const parse_case t[] = {
      {LIT("::"), 6, "::"},
      {LIT("::1"), 6, "::1"},
      {LIT("1::"), 6, "1::"},
      {LIT("2001:DB8::1"), 6, "2001:db8::1"},
      {LIT("2001:0db8:0000:0000:0000:0000:0000:0001"), 6, "2001:db8::1"},
      {LIT("1:2:3:4:5:6:7:8"), 6, "1:2:3:4:5:6:7:8"},
      {LIT("1:2:3:4:5:6:7::"), 6, "1:2:3:4:5:6:7:0"},
      {LIT("::2:3:4:5:6:7:8"), 6, "0:2:3:4:5:6:7:8"},
      {LIT("1:0:0:2:0:0:0:3"), 6, "1:0:0:2::3"},
      {LIT("1:0:0:2:0:0:3:4"), 6, "1::2:0:0:3:4"},
      {LIT("0:0:0:0:0:0:0:0"), 6, "::"},
      {LIT("0:0:0:0:0:0:0:1"), 6, "::1"},
      {LIT("fe80::1"), 6, "fe80::1"},
      {LIT("FE80::ABCD:EF01"), 6, "fe80::abcd:ef01"},
      {LIT("0001:0002::"), 6, "1:2::"},
      {LIT("::ffff:1.2.3.4"), 6, "::ffff:1.2.3.4"},
      {LIT("::FFFF:0102:0304"), 6, "::ffff:1.2.3.4"},
      {LIT("::ffff:0.0.0.0"), 6, "::ffff:0.0.0.0"},
      {LIT("::1.2.3.4"), 6, "::102:304"},
      {LIT("1:2:3:4:5:6:1.2.3.4"), 6, "1:2:3:4:5:6:102:304"},
      {LIT("64:ff9b::192.0.2.33"), 6, "64:ff9b::c000:221"},
      {LIT("1:2:3:4:5::255.255.255.255"), 6, "1:2:3:4:5:0:ffff:ffff"},
      {LIT("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"), 6,
       "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"},
  };
  for (size_t i = 0; i < NCASES(t); i++) {
    zt_ip ip;
    if (!zt_ip_parse(t[i].s, t[i].n, &ip))
      fail_msg("ipv6 case %zu \"%s\" rejected", i, t[i].s);
    assert_int_equal(ip.family, t[i].family);
    assert_formats_as(&ip, t[i].canonical);
  }
  zt_ip ip = ip_of("::ffff:10.1.2.3");
  static const uint8_t mapped[16] = {0, 0, 0,    0,    0,  0, 0, 0,
                                     0, 0, 0xff, 0xff, 10, 1, 2, 3};
  assert_int_equal(ip.family, 6);
  assert_memory_equal(ip.bytes, mapped, 16);
}

static void test_parse_reject(void **state) {
  (void)state;
  static const struct {
    const char *s;
    size_t n;
  } t[] = {
      {LIT("")},
      {LIT("1")},
      {LIT("abc")},
      {LIT("localhost")},
      {LIT("1.2.3")},
      {LIT("1.2.3.4.5")},
      {LIT("1.2.3.256")},
      {LIT("256.0.0.0")},
      {LIT("1.2.3.1000")},
      {LIT("01.2.3.4")},
      {LIT("1.02.3.4")},
      {LIT("1.2.3.00")},
      {LIT("1..2.3")},
      {LIT(".1.2.3")},
      {LIT("1.2.3.")},
      {LIT("1.2.3.4 ")},
      {LIT(" 1.2.3.4")},
      {LIT("1.2.3.-4")},
      {LIT("1.2.3.+4")},
      {LIT("0x1.2.3.4")},
      {LIT("1.2.3.4/32")},
      {LIT("1.2.3.4:80")},
      {LIT("1234.1.1.1")},
      {LIT("1.2.3.4\0")},
      {LIT(":")},
      {LIT(":::")},
      {LIT("1:::2")},
      {LIT("1::2::3")},
      {LIT(":1::")},
      {LIT(":1:2:3:4:5:6:7")},
      {LIT("1::2:")},
      {LIT("1:2:3:4:5:6:7:8:")},
      {LIT("1:2:3:4:5:6:7")},
      {LIT("1:2:3:4:5:6:7:8:9")},
      {LIT("1:2:3:4:5:6:7:8::")},
      {LIT("::1:2:3:4:5:6:7:8")},
      {LIT("1::2:3:4:5:6:7:8")},
      {LIT("12345::")},
      {LIT("::12345")},
      {LIT("g::")},
      {LIT("fe80::1%eth0")},
      {LIT("fe80::1%")},
      {LIT("[::1]")},
      {LIT("::1 ")},
      {LIT(" ::1")},
      {LIT("::1\0")},
      {LIT("::ffff:1.2.3")},
      {LIT("::ffff:01.2.3.4")},
      {LIT("::ffff:1.2.3.4.5")},
      {LIT("::ffff:1.2.3.256")},
      {LIT("1:2:3:4:5:6:7:1.2.3.4")},
      {LIT("1:2:3:4:5:6::1.2.3.4")},
      {LIT("1.2.3.4::")},
      {LIT("::1.2.3.4:5")},
      {LIT("::1.2.3.4::")},
      {LIT("::ffff:1.2.3.4/96")},
      {LIT("::-1")},
      {LIT("::+1")},
  };
  for (size_t i = 0; i < NCASES(t); i++) {
    zt_ip ip;
    memset(&ip, 0x5a, sizeof ip);
    if (zt_ip_parse(t[i].s, t[i].n, &ip))
      fail_msg("case %zu \"%.*s\" accepted", i, (int)t[i].n, t[i].s);
    assert_int_equal(ip.family, 0x5a); /* untouched on failure */
  }
  assert_false(zt_ip_parse(NULL, 0, NULL));
  assert_true(zt_ip_parse(LIT("::1"), NULL));

  static char buf[4096];
  memset(buf, '1', sizeof buf);
  assert_false(zt_ip_parse(buf, sizeof buf, NULL));
  memset(buf, ':', sizeof buf);
  assert_false(zt_ip_parse(buf, sizeof buf, NULL));
}

/* ---- CIDR -------------------------------------------------------------- */

typedef struct cidr_case {
  const char *s;
  size_t n;
  const char *addr;
  unsigned bits;
} cidr_case;

static void test_cidr_parse(void **state) {
  (void)state;
  static const cidr_case t[] = {
      {LIT("10.0.0.0/8"), "10.0.0.0", 8},
      {LIT("10.0.0.1/24"), "10.0.0.0", 24}, /* host bits masked */
      {LIT("10.0.0.0/32"), "10.0.0.0", 32},
      {LIT("10.9.8.7/0"), "0.0.0.0", 0},
      {LIT("10.255.255.255/9"), "10.128.0.0", 9},
      {LIT("255.255.255.255/1"), "128.0.0.0", 1},
      {LIT("255.255.255.255/31"), "255.255.255.254", 31},
      {LIT("10.1.2.3"), "10.1.2.3", 32},
      {LIT("::1"), "::1", 128},
      {LIT("::/0"), "::", 0},
      {LIT("::1/128"), "::1", 128},
      {LIT("2001:db8::1/32"), "2001:db8::", 32},
      {LIT("2001:db8:abcd::/48"), "2001:db8:abcd::", 48},
      {LIT("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff/65"),
       "ffff:ffff:ffff:ffff:8000::", 65},
      {LIT("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff/127"),
       "ffff:ffff:ffff:ffff:ffff:ffff:ffff:fffe", 127},
      {LIT("::ffff:10.0.0.0/104"), "::ffff:10.0.0.0", 104},
      {LIT("::ffff:10.1.2.3/100"), "::ffff:0.0.0.0", 100},
  };
  for (size_t i = 0; i < NCASES(t); i++) {
    zt_cidr c;
    if (!zt_cidr_parse(t[i].s, t[i].n, &c))
      fail_msg("cidr case %zu \"%s\" rejected", i, t[i].s);
    assert_formats_as(&c.addr, t[i].addr);
    assert_int_equal(c.bits, t[i].bits);
  }
  assert_int_equal(cidr_of("::ffff:10.0.0.0/104").addr.family, 6);
  assert_true(zt_cidr_parse(LIT("10.0.0.0/8"), NULL));
}

static void test_cidr_reject(void **state) {
  (void)state;
  static const struct {
    const char *s;
    size_t n;
  } t[] = {
      {LIT("")},
      {LIT("/")},
      {LIT("/8")},
      {LIT("10.0.0.0/")},
      {LIT("10.0.0.0/33")},
      {LIT("10.0.0.0/64")},
      {LIT("10.0.0.0/128")},
      {LIT("10.0.0.0/08")},
      {LIT("10.0.0.0/00")},
      {LIT("10.0.0.0/+8")},
      {LIT("10.0.0.0/-1")},
      {LIT("10.0.0.0/ 8")},
      {LIT("10.0.0.0/8 ")},
      {LIT("10.0.0.0 /8")},
      {LIT("10.0.0.0/8/8")},
      {LIT("10.0.0.0//8")},
      {LIT("10.0.0.0/0x8")},
      {LIT("10.0.0.0/8.0")},
      {LIT("10.0.0.0/0000000000000000000008")},
      {LIT("10.0.0.0/99999999999999999999")},
      {LIT("10.0.0.0/4294967304")}, /* 2^32 + 8 must not wrap */
      {LIT("10.0.0/8")},
      {LIT("010.0.0.0/8")},
      {LIT("::/129")},
      {LIT("::1/0128")},
      {LIT("2001:db8::/1000")},
      {LIT("fe80::1%eth0/64")},
      {LIT("[::1]/128")},
      {LIT("10.0.0.0/8\0")},
      {LIT("10.0.0.0\0/8")},
  };
  for (size_t i = 0; i < NCASES(t); i++) {
    zt_cidr c;
    if (zt_cidr_parse(t[i].s, t[i].n, &c))
      fail_msg("cidr case %zu \"%.*s\" accepted", i, (int)t[i].n, t[i].s);
  }
  assert_false(zt_cidr_parse(NULL, 0, NULL));
}

typedef struct contains_case {
  const char *cidr;
  const char *ip;
  bool in;
} contains_case;

static void test_cidr_contains(void **state) {
  (void)state;
  static const contains_case t[] = {
      {"10.0.0.0/8", "10.1.2.3", true},
      {"10.0.0.0/8", "10.255.255.255", true},
      {"10.0.0.0/8", "11.0.0.0", false},
      {"10.0.0.0/8", "9.255.255.255", false},
      {"10.0.0.1/24", "10.0.0.200", true},
      {"10.0.0.1/24", "10.0.0.0", true},
      {"10.0.0.1/24", "10.0.1.0", false},
      {"10.0.0.0/25", "10.0.0.127", true},
      {"10.0.0.0/25", "10.0.0.128", false},
      {"192.168.1.2/31", "192.168.1.3", true},
      {"192.168.1.2/31", "192.168.1.4", false},
      {"1.2.3.4", "1.2.3.4", true},
      {"1.2.3.4", "1.2.3.5", false},
      {"1.2.3.4/32", "1.2.3.4", true},
      {"0.0.0.0/0", "255.255.255.255", true},
      {"0.0.0.0/0", "::", false},
      {"::/0", "::ffff:1.2.3.4", true},
      {"::/0", "1.2.3.4", false},
      /* IPv4 and IPv6 are separate families, even for mapped addresses. */
      {"10.0.0.0/8", "::ffff:10.0.0.1", false},
      {"::ffff:10.0.0.0/104", "10.0.0.1", false},
      {"::ffff:10.0.0.0/104", "::ffff:10.9.9.9", true},
      {"2001:db8::/33", "2001:db8:7fff:ffff::1", true},
      {"2001:db8::/33", "2001:db8:8000::", false},
      {"2001:db8::/32", "2001:db9::", false},
      {"::1", "::1", true},
      {"::1", "::2", false},
      {"::1/128", "::", false},
      {"fe80::/10", "febf:ffff::1", true},
      {"fe80::/10", "fec0::", false},
  };
  for (size_t i = 0; i < NCASES(t); i++) {
    zt_cidr c = cidr_of(t[i].cidr);
    zt_ip ip = ip_of(t[i].ip);
    if (zt_cidr_contains(&c, &ip) != t[i].in)
      fail_msg("contains case %zu: %s in %s", i, t[i].ip, t[i].cidr);
  }
}

static void test_cidr_contains_hostile(void **state) {
  (void)state;
  zt_cidr c = cidr_of("10.0.0.0/8");
  zt_ip ip = ip_of("10.0.0.1");
  assert_false(zt_cidr_contains(NULL, &ip));
  assert_false(zt_cidr_contains(&c, NULL));
  /* Hand-made values never read past the 16 bytes. */
  zt_cidr bad = c;
  bad.bits = 33;
  assert_false(zt_cidr_contains(&bad, &ip));
  bad.bits = 255;
  bad.addr.family = 6;
  zt_ip ip6 = ip_of("::1");
  assert_false(zt_cidr_contains(&bad, &ip6));
  zt_cidr zero;
  memset(&zero, 0, sizeof zero);
  zt_ip zero_ip;
  memset(&zero_ip, 0, sizeof zero_ip);
  assert_false(zt_cidr_contains(&zero, &zero_ip)); /* family 0 */
  /* Every IPv6 prefix length: flipping the last prefix bit leaves the
   * range, flipping the first host bit does not. */
  zt_ip all = ip_of("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff");
  for (unsigned bits = 0; bits <= 128; bits++) {
    zt_cidr p = {all, (uint8_t)bits};
    assert_true(zt_cidr_contains(&p, &all));
    if (bits > 0) {
      zt_ip out = all;
      out.bytes[(bits - 1) / 8] ^= (uint8_t)(0x80u >> ((bits - 1) % 8));
      assert_false(zt_cidr_contains(&p, &out));
    }
    if (bits < 128) {
      zt_ip in = all;
      in.bytes[bits / 8] ^= (uint8_t)(0x80u >> (bits % 8));
      assert_true(zt_cidr_contains(&p, &in));
    }
  }
}

/* ---- Formatting -------------------------------------------------------- */

static void test_format_buffer(void **state) {
  (void)state;
  zt_ip ip = ip_of("10.0.0.1");
  char buf[16];
  memset(buf, 'x', sizeof buf);
  assert_int_equal(zt_ip_format(&ip, buf, 0), 0);
  assert_int_equal(buf[0], 'x'); /* len 0: nothing written */
  assert_int_equal(zt_ip_format(&ip, buf, 1), 0);
  assert_string_equal(buf, "");
  assert_int_equal(zt_ip_format(&ip, buf, 5), 4);
  assert_string_equal(buf, "10.0");
  assert_int_equal(zt_ip_format(&ip, buf, 9), 8);
  assert_string_equal(buf, "10.0.0.1");
  assert_int_equal(zt_ip_format(&ip, NULL, 0), 0);

  zt_ip bad;
  memset(&bad, 0, sizeof bad);
  bad.family = 5;
  assert_int_equal(zt_ip_format(&bad, buf, sizeof buf), 0);
  assert_string_equal(buf, "");
  assert_int_equal(zt_ip_format(NULL, buf, sizeof buf), 0);
  assert_string_equal(buf, "");

  char big[ZT_IP_FORMAT_MAX];
  zt_ip longest = ip_of("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff");
  assert_int_equal(zt_ip_format(&longest, big, sizeof big), 39);
}

/* xorshift64: deterministic, so failures reproduce. The masks drop the
 * bits the shifts discard anyway, which keeps -fsanitize=integer quiet. */
static uint64_t next_rand(uint64_t *x) {
  *x ^= (*x & (UINT64_MAX >> 13)) << 13;
  *x ^= *x >> 7;
  *x ^= (*x & (UINT64_MAX >> 17)) << 17;
  return *x;
}

/* Random addresses, biased towards zero groups so that "::" placement is
 * exercised: the text must parse back to the same bytes, and agree with
 * glibc's inet_ntop except where glibc prints the deprecated
 * IPv4-compatible form "::a.b.c.d". */
static void test_format_roundtrip(void **state) {
  (void)state;
  uint64_t seed = 0x9e3779b97f4a7c15u;
  static const uint8_t zero12[12] = {0};
  for (int iter = 0; iter < 20000; iter++) {
    zt_ip ip;
    memset(&ip, 0, sizeof ip);
    ip.family = (iter % 4 == 0) ? 4 : 6;
    for (size_t g = 0; g < 8; g++) {
      uint64_t r = next_rand(&seed);
      if (r % 3 == 0)
        continue;
      ip.bytes[2 * g] = (uint8_t)(r >> 8);
      ip.bytes[2 * g + 1] = (uint8_t)(r >> 16);
    }
    if (iter % 7 == 0) {
      memset(ip.bytes, 0, 10);
      ip.bytes[10] = ip.bytes[11] = 0xff;
    }
    if (ip.family == 4)
      memset(ip.bytes + 4, 0, 12);

    char text[ZT_IP_FORMAT_MAX];
    size_t k = zt_ip_format(&ip, text, sizeof text);
    assert_int_equal(k, strlen(text));
    zt_ip back;
    if (!zt_ip_parse(text, k, &back))
      fail_msg("\"%s\" does not parse back", text);
    assert_int_equal(back.family, ip.family);
    assert_memory_equal(back.bytes, ip.bytes, 16);

    char want[64];
    int af = ip.family == 4 ? AF_INET : AF_INET6;
    assert_non_null(inet_ntop(af, ip.bytes, want, sizeof want));
    if (ip.family == 6 && memcmp(ip.bytes, zero12, 12) == 0)
      continue;
    assert_string_equal(text, want);
  }
}

/* ---- X-Forwarded-For ---------------------------------------------------- */

typedef struct xff_case {
  const char *xff;
  size_t n;
  uint32_t hops;
  const char *want; /* canonical text; NULL: no client */
} xff_case;

static void test_xff(void **state) {
  (void)state;
  static const xff_case t[] = {
      /* istio-semantics.md §8.13. */
      {LIT("56.5.6.7, 72.9.5.6, 98.1.2.3"), 2, "72.9.5.6"},
      {LIT("56.5.6.7, 72.9.5.6, 98.1.2.3"), 1, "98.1.2.3"},
      {LIT("56.5.6.7, 72.9.5.6, 98.1.2.3"), 3, "56.5.6.7"},
      {LIT("56.5.6.7, 72.9.5.6, 98.1.2.3"), 4, NULL},
      {LIT("56.5.6.7, 72.9.5.6, 98.1.2.3"), 0, NULL},
      {LIT("56.5.6.7, 72.9.5.6, 98.1.2.3"), UINT32_MAX, NULL},
      {LIT("1.2.3.4"), 1, "1.2.3.4"},
      {LIT("1.2.3.4"), 2, NULL},
      {LIT("1.2.3.4"), 0, NULL},
      {LIT("1.2.3.4,5.6.7.8"), 1, "5.6.7.8"},
      {LIT("1.2.3.4,5.6.7.8"), 2, "1.2.3.4"},
      /* Optional spaces and tabs around entries. */
      {LIT(" 1.2.3.4 "), 1, "1.2.3.4"},
      {LIT("\t1.2.3.4\t,\t 5.6.7.8 \t"), 2, "1.2.3.4"},
      {LIT("1.2.3.4 ,  5.6.7.8"), 1, "5.6.7.8"},
      {LIT("1.2.3.4\r"), 1, NULL},
      {LIT("1.2.3.4\n"), 1, NULL},
      /* IPv6. */
      {LIT("2001:db8::1, ::ffff:1.2.3.4"), 1, "::ffff:1.2.3.4"},
      {LIT("2001:db8::1, ::ffff:1.2.3.4"), 2, "2001:db8::1"},
      {LIT("2001:DB8:0:0:0:0:0:1"), 1, "2001:db8::1"},
      {LIT("::1,10.0.0.1"), 2, "::1"},
      /* Empty entries are entries, and not addresses. */
      {LIT(""), 1, NULL},
      {LIT(" "), 1, NULL},
      {LIT(","), 1, NULL},
      {LIT(","), 2, NULL},
      {LIT(","), 3, NULL},
      {LIT("1.2.3.4,,5.6.7.8"), 2, NULL},
      {LIT("1.2.3.4,,5.6.7.8"), 3, "1.2.3.4"},
      {LIT("1.2.3.4, ,5.6.7.8"), 2, NULL},
      {LIT("1.2.3.4,"), 1, NULL},
      {LIT("1.2.3.4,"), 2, "1.2.3.4"},
      {LIT(",1.2.3.4"), 1, "1.2.3.4"},
      {LIT(",1.2.3.4"), 2, NULL},
      /* The chosen entry must be an address; others are not looked at. */
      {LIT("garbage, 1.2.3.4"), 1, "1.2.3.4"},
      {LIT("garbage, 1.2.3.4"), 2, NULL},
      {LIT("unknown"), 1, NULL},
      {LIT("1.2.3.4:80"), 1, NULL},
      {LIT("[2001:db8::1]"), 1, NULL},
      {LIT("[2001:db8::1]:443"), 1, NULL},
      {LIT("fe80::1%eth0"), 1, NULL},
      {LIT("1.2.3.04"), 1, NULL},
      {LIT("1.2.3"), 1, NULL},
      {LIT("1.2.3.4 5.6.7.8"), 1, NULL},
      {LIT("1.2.3.4;5.6.7.8"), 1, NULL},
      {LIT("1.2.3.4\0"), 1, NULL},
      {LIT("\"1.2.3.4\""), 1, NULL},
      {LIT("for=1.2.3.4"), 1, NULL},
  };
  for (size_t i = 0; i < NCASES(t); i++) {
    zt_ip ip;
    memset(&ip, 0xaa, sizeof ip);
    zt_ip before = ip;
    bool ok = zt_xff_client(t[i].xff, t[i].n, t[i].hops, &ip);
    if (ok != (t[i].want != NULL))
      fail_msg("case %zu \"%.*s\" hops %u: expected %s", i, (int)t[i].n,
               t[i].xff, t[i].hops, t[i].want ? t[i].want : "no client");
    if (ok) {
      assert_formats_as(&ip, t[i].want);
    } else if (memcmp(&ip, &before, sizeof ip) != 0) {
      fail_msg("case %zu: out written on failure", i);
    }
  }
  /* The family is kept: an IPv4-mapped IPv6 address is not IPv4. */
  zt_ip ip;
  assert_true(zt_xff_client(LIT("::ffff:10.0.0.1"), 1, &ip));
  assert_int_equal(ip.family, 6);
  assert_true(zt_xff_client(LIT("10.0.0.1"), 1, &ip));
  assert_int_equal(ip.family, 4);
  /* The length bounds the value. */
  assert_true(zt_xff_client("1.2.3.4,5.6.7.8", 7, 1, &ip));
  assert_formats_as(&ip, "1.2.3.4");
  assert_false(zt_xff_client("1.2.3.4,5.6.7.8", 8, 1, &ip));
  assert_true(zt_xff_client("1.2.3.4,5.6.7.8", 8, 2, &ip));
  /* NULL is the empty value. */
  assert_false(zt_xff_client(NULL, 0, 1, &ip));
  assert_false(zt_xff_client(NULL, 0, 0, &ip));
}

static void test_xff_long(void **state) {
  (void)state;
  size_t entries = 20000;
  char *xff = malloc(entries * 12 + 16);
  assert_non_null(xff);
  size_t n = 0;
  memcpy(xff, "192.0.2.1", 9);
  n = 9;
  for (size_t i = 1; i < entries; i++) {
    memcpy(xff + n, ", 10.0.0.2", 10);
    n += 10;
  }
  zt_ip ip;
  assert_true(zt_xff_client(xff, n, (uint32_t)entries, &ip));
  assert_formats_as(&ip, "192.0.2.1");
  assert_true(zt_xff_client(xff, n, (uint32_t)entries - 1, &ip));
  assert_formats_as(&ip, "10.0.0.2");
  assert_false(zt_xff_client(xff, n, (uint32_t)entries + 1, &ip));
  assert_false(zt_xff_client(xff, n, UINT32_MAX, &ip));
  /* Commas only. */
  memset(xff, ',', n);
  assert_false(zt_xff_client(xff, n, 1, &ip));
  assert_false(zt_xff_client(xff, n, (uint32_t)n + 1, &ip));
  assert_false(zt_xff_client(xff, n, UINT32_MAX, &ip));
  free(xff);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_parse_ipv4),
      cmocka_unit_test(test_parse_ipv6),
      cmocka_unit_test(test_parse_reject),
      cmocka_unit_test(test_cidr_parse),
      cmocka_unit_test(test_cidr_reject),
      cmocka_unit_test(test_cidr_contains),
      cmocka_unit_test(test_cidr_contains_hostile),
      cmocka_unit_test(test_format_buffer),
      cmocka_unit_test(test_format_roundtrip),
      cmocka_unit_test(test_xff),
      cmocka_unit_test(test_xff_long),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
