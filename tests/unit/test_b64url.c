/* cmocka.h needs these first. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <string.h>

#include "b64url.h"

#define LIT(x) (x), (sizeof(x) - 1)
#define NCASES(t) (sizeof(t) / sizeof((t)[0]))

static const char url_alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
static const char std_alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

typedef struct vec {
  const char *plain;
  size_t plen;
  const char *url; /* unpadded base64url */
  const char *std; /* padded base64 */
} vec;

/* RFC 4648 §10, plus bytes that reach the last two characters. */
static const vec vectors[] = {
    {LIT(""), "", ""},
    {LIT("f"), "Zg", "Zg=="},
    {LIT("fo"), "Zm8", "Zm8="},
    {LIT("foo"), "Zm9v", "Zm9v"},
    {LIT("foob"), "Zm9vYg", "Zm9vYg=="},
    {LIT("fooba"), "Zm9vYmE", "Zm9vYmE="},
    {LIT("foobar"), "Zm9vYmFy", "Zm9vYmFy"},
    {LIT("\xfb\xff"), "-_8", "+/8="},
    {LIT("\xff\xff\xff"), "____", "////"},
    {LIT("\xfb\xef\xbe"), "----", "++++"},
    {LIT("\x00\x00\x00"), "AAAA", "AAAA"},
    {LIT("\x00"), "AA", "AA=="},
};

/* ---- Known answers ------------------------------------------------------- */

static void test_url_vectors(void **state) {
  (void)state;
  for (size_t i = 0; i < NCASES(vectors); i++) {
    const vec *v = &vectors[i];
    size_t plen = v->plen;
    uint8_t out[16];
    size_t len = 99;
    assert_true(
        zt_b64url_decode(v->url, strlen(v->url), out, sizeof out, &len));
    assert_int_equal(len, plen);
    if (plen)
      assert_memory_equal(out, v->plain, plen);
    assert_int_equal(zt_b64url_decoded_len(strlen(v->url)), plen);
    char enc[16];
    assert_int_equal(
        zt_b64url_encode((const uint8_t *)v->plain, plen, enc, sizeof enc),
        strlen(v->url));
    assert_string_equal(enc, v->url);
    assert_int_equal(zt_b64url_encoded_len(plen), strlen(v->url));
  }
}

static void test_std_vectors(void **state) {
  (void)state;
  for (size_t i = 0; i < NCASES(vectors); i++) {
    const vec *v = &vectors[i];
    size_t plen = v->plen;
    uint8_t out[16];
    size_t len = 99;
    assert_true(zt_b64_decode(v->std, strlen(v->std), out, sizeof out, &len));
    assert_int_equal(len, plen);
    if (plen)
      assert_memory_equal(out, v->plain, plen);
    assert_true(zt_b64_decoded_len(strlen(v->std)) >= plen);
  }
}

static void test_lengths(void **state) {
  (void)state;
  static const size_t dec[][2] = {{0, 0}, {1, 0}, {2, 1}, {3, 2},
                                  {4, 3}, {5, 3}, {6, 4}, {8, 6}};
  for (size_t i = 0; i < NCASES(dec); i++)
    assert_int_equal(zt_b64url_decoded_len(dec[i][0]), dec[i][1]);
  static const size_t enc[][2] = {{0, 0}, {1, 2}, {2, 3}, {3, 4},
                                  {4, 6}, {5, 7}, {6, 8}, {48, 64}};
  for (size_t i = 0; i < NCASES(enc); i++)
    assert_int_equal(zt_b64url_encoded_len(enc[i][0]), enc[i][1]);
  assert_int_equal(zt_b64url_encoded_len(SIZE_MAX), SIZE_MAX);
  assert_int_equal(zt_b64url_encoded_len(SIZE_MAX / 4 * 3 + 3), SIZE_MAX);
  assert_int_equal(zt_b64_decoded_len(0), 0);
  assert_int_equal(zt_b64_decoded_len(4), 3);
  assert_int_equal(zt_b64_decoded_len(8), 6);
}

/* ---- Rejections ---------------------------------------------------------- */

typedef struct bad {
  const char *s;
  size_t n;
} bad;

static void test_url_rejects(void **state) {
  (void)state;
  static const bad t[] = {
      {LIT("Zg==")},       {LIT("Zg=")},      {LIT("Zm8=")},
      {LIT("=")},          {LIT("Zm9v=")},    {LIT("Zm+v")},
      {LIT("Zm/v")},       {LIT("+/8")},      {LIT("Zm9v Zg")},
      {LIT(" Zm9v")},      {LIT("Zm9v\n")},   {LIT("Zm9v\r\nYmFy")},
      {LIT("Zm9\tv")},     {LIT("Zm9v\0Zg")}, {LIT("Zm9v\x80Zg")},
      {LIT("Zm9v\xffZg")}, {LIT("Zm.v")},     {LIT("Z!9v")},
      {LIT("A")},          {LIT("AAAAA")},    {LIT("Zm9vY")},
      {LIT("Zh")},         {LIT("Zm9")},      {LIT("Zm9vYh")},
      {LIT("Zm9vYmF")},    {LIT("_-")},       {LIT("AB")},
  };
  for (size_t i = 0; i < NCASES(t); i++) {
    uint8_t out[16];
    size_t len = 99;
    assert_false(zt_b64url_decode(t[i].s, t[i].n, out, sizeof out, &len));
    assert_int_equal(len, 0);
    len = 99;
    assert_false(zt_b64url_decode(t[i].s, t[i].n, NULL, 0, &len));
    assert_int_equal(len, 0);
  }
}

static void test_std_rejects(void **state) {
  (void)state;
  static const bad t[] = {
      {LIT("Zg")},           {LIT("Zg=")},      {LIT("Zm8")},
      {LIT("Zm9vY")},        {LIT("====")},     {LIT("Z===")},
      {LIT("Zg=a")},         {LIT("Z=g=")},     {LIT("Zg==Zg==")},
      {LIT("-_8=")},         {LIT("Zm9v Zg=")}, {LIT("Zm9v\nZg==")},
      {LIT("Zm9\r")},        {LIT("Zh==")},     {LIT("Zm9=")},
      {LIT("Zm9v\0\0\0\0")},
  };
  for (size_t i = 0; i < NCASES(t); i++) {
    uint8_t out[16];
    size_t len = 99;
    assert_false(zt_b64_decode(t[i].s, t[i].n, out, sizeof out, &len));
    assert_int_equal(len, 0);
    assert_false(zt_b64_decode(t[i].s, t[i].n, NULL, 0, NULL));
  }
}

/* Every byte value, in every position of a group, is accepted exactly when
 * it is in the alphabet: this pins the branch-free classifier. */
static void test_every_byte(void **state) {
  (void)state;
  for (int c = 0; c < 256; c++) {
    bool in_url = c != 0 && strchr(url_alphabet, c) != NULL;
    bool in_std = c != 0 && strchr(std_alphabet, c) != NULL;
    for (int pos = 0; pos < 4; pos++) {
      /* "AAA=" is padding, not a character out of place. */
      bool std_ok = in_std || (c == '=' && pos == 3);
      char s[4] = {'A', 'A', 'A', 'A'};
      s[pos] = (char)c;
      uint8_t out[3];
      assert_int_equal(zt_b64url_decode(s, 4, out, sizeof out, NULL), in_url);
      assert_int_equal(zt_b64_decode(s, 4, out, sizeof out, NULL), std_ok);
    }
  }
}

/* The value of each alphabet character, and the canonical-tail rule: a
 * 2-character tail leaves 4 spare bits, a 3-character tail 2. */
static void test_values_and_tails(void **state) {
  (void)state;
  for (int v = 0; v < 64; v++) {
    char s[4] = {'A', 'A', 'A', url_alphabet[v]};
    uint8_t out[3];
    assert_true(zt_b64url_decode(s, 4, out, sizeof out, NULL));
    assert_int_equal(out[2], v);
    char two[2] = {'A', url_alphabet[v]};
    assert_int_equal(zt_b64url_decode(two, 2, out, sizeof out, NULL),
                     (v & 0x0f) == 0);
    char three[3] = {'A', 'A', url_alphabet[v]};
    assert_int_equal(zt_b64url_decode(three, 3, out, sizeof out, NULL),
                     (v & 0x03) == 0);
    char pad2[4] = {'A', std_alphabet[v], '=', '='};
    assert_int_equal(zt_b64_decode(pad2, 4, out, sizeof out, NULL),
                     (v & 0x0f) == 0);
    char pad1[4] = {'A', 'A', std_alphabet[v], '='};
    assert_int_equal(zt_b64_decode(pad1, 4, out, sizeof out, NULL),
                     (v & 0x03) == 0);
  }
}

/* ---- Buffers and arguments ----------------------------------------------- */

static void test_capacity(void **state) {
  (void)state;
  uint8_t out[8];
  size_t len = 99;
  memset(out, 0x5a, sizeof out);
  assert_false(zt_b64url_decode(LIT("Zm9vYmFy"), out, 5, &len));
  assert_int_equal(len, 0);
  assert_int_equal(out[0], 0x5a); /* nothing written */
  assert_true(zt_b64url_decode(LIT("Zm9vYmFy"), out, 6, &len));
  assert_int_equal(len, 6);
  assert_false(zt_b64_decode(LIT("Zm9vYg=="), out, 3, &len));
  assert_true(zt_b64_decode(LIT("Zm9vYg=="), out, 4, &len));
  assert_int_equal(len, 4);
  assert_true(zt_b64url_decode(LIT("Zm9vYmFy"), out, sizeof out, NULL));
}

static void test_failure_clears_output(void **state) {
  (void)state;
  uint8_t out[12];
  memset(out, 0x5a, sizeof out);
  /* The bad byte comes after two good groups that were decoded. */
  assert_false(zt_b64url_decode(LIT("Zm9vYmFy!AAA"), out, sizeof out, NULL));
  for (size_t i = 0; i < 9; i++)
    assert_int_equal(out[i], 0);
  memset(out, 0x5a, sizeof out);
  assert_false(zt_b64url_decode(LIT("Zm9vYh"), out, sizeof out, NULL));
  for (size_t i = 0; i < 4; i++)
    assert_int_equal(out[i], 0);
}

static void test_validate_only(void **state) {
  (void)state;
  size_t len = 99;
  assert_true(zt_b64url_decode(LIT("Zm9vYmE"), NULL, 0, &len));
  assert_int_equal(len, 5);
  assert_true(zt_b64_decode(LIT("Zm9vYmE="), NULL, 0, &len));
  assert_int_equal(len, 5);
  assert_false(zt_b64url_decode(LIT("Zm9vYmE"), NULL, 8, &len));
  assert_false(zt_b64_decode(LIT("Zm9vYmE="), NULL, 8, &len));
  /* A long text validated in place, one group at a time. */
  char big[400];
  memset(big, 'A', sizeof big);
  assert_true(zt_b64url_decode(big, sizeof big, NULL, 0, &len));
  assert_int_equal(len, 300);
  big[397] = '=';
  assert_false(zt_b64url_decode(big, sizeof big, NULL, 0, &len));
}

static void test_empty_and_null(void **state) {
  (void)state;
  size_t len = 99;
  uint8_t out[1];
  assert_true(zt_b64url_decode(NULL, 0, NULL, 0, &len));
  assert_int_equal(len, 0);
  assert_true(zt_b64url_decode("", 0, out, 0, &len));
  assert_true(zt_b64_decode(NULL, 0, NULL, 0, &len));
  assert_int_equal(len, 0);
  assert_false(zt_b64url_decode(NULL, 4, out, sizeof out, &len));
  assert_false(zt_b64_decode(NULL, 4, out, sizeof out, &len));
  char enc[4] = "xyz";
  assert_int_equal(zt_b64url_encode(NULL, 0, enc, sizeof enc), 0);
  assert_string_equal(enc, "");
  assert_int_equal(zt_b64url_encode(NULL, 2, enc, sizeof enc), 0);
  assert_int_equal(zt_b64url_encode((const uint8_t *)"f", 1, NULL, 8), 0);
}

static void test_encode_capacity(void **state) {
  (void)state;
  char enc[9];
  memset(enc, 'x', sizeof enc);
  const uint8_t *foobar = (const uint8_t *)"foobar";
  assert_int_equal(zt_b64url_encode(foobar, 6, enc, 8), 0); /* no NUL room */
  assert_string_equal(enc, "");
  assert_int_equal(zt_b64url_encode(foobar, 6, enc, 9), 8);
  assert_string_equal(enc, "Zm9vYmFy");
  enc[0] = 'x';
  assert_int_equal(zt_b64url_encode(foobar, 6, enc, 0), 0);
  assert_int_equal(enc[0], 'x'); /* cap 0: untouched */
}

/* ---- Round trips --------------------------------------------------------- */

static uint32_t next_rand(uint32_t *s) {
  *s ^= *s << 13;
  *s ^= *s >> 17;
  *s ^= *s << 5;
  return *s;
}

/* Standard base64 of the same bytes, from the base64url text. */
static size_t to_std(const char *url, size_t n, char *out) {
  for (size_t i = 0; i < n; i++)
    out[i] = url[i] == '-' ? '+' : url[i] == '_' ? '/' : url[i];
  while (n % 4)
    out[n++] = '=';
  return n;
}

static void test_round_trips(void **state) {
  (void)state;
  uint32_t seed = 0x9e3779b9u;
  uint8_t in[300] = {0}, out[300];
  char enc[402], std[404];
  for (size_t n = 0; n <= sizeof in; n++) {
    for (size_t i = 0; i < n; i++)
      in[i] = (uint8_t)next_rand(&seed);
    size_t elen = zt_b64url_encode(in, n, enc, sizeof enc);
    assert_int_equal(elen, zt_b64url_encoded_len(n));
    assert_int_equal(strlen(enc), elen);
    size_t len = 0;
    assert_true(zt_b64url_decode(enc, elen, out, sizeof out, &len));
    assert_int_equal(len, n);
    assert_int_equal(zt_b64url_decoded_len(elen), n);
    if (n)
      assert_memory_equal(in, out, n);
    size_t slen = to_std(enc, elen, std);
    assert_true(zt_b64_decode(std, slen, out, sizeof out, &len));
    assert_int_equal(len, n);
    if (n)
      assert_memory_equal(in, out, n);
  }
}

/* Decoding all 64 characters and encoding the bytes back is the identity. */
static void test_alphabet_round_trip(void **state) {
  (void)state;
  uint8_t bytes[48];
  char enc[65];
  size_t len = 0;
  assert_true(zt_b64url_decode(url_alphabet, 64, bytes, sizeof bytes, &len));
  assert_int_equal(len, 48);
  assert_int_equal(zt_b64url_encode(bytes, len, enc, sizeof enc), 64);
  assert_string_equal(enc, url_alphabet);
  assert_true(zt_b64_decode(std_alphabet, 64, bytes, sizeof bytes, &len));
  assert_int_equal(len, 48);
}

/* Standard base64 with padding (RFC 4648 §10), for claim headers. */
static void test_std_encode(void **state) {
  (void)state;
  static const char *const want[] = {"",         "Zg==",     "Zm8=",    "Zm9v",
                                     "Zm9vYg==", "Zm9vYmE=", "Zm9vYmFy"};
  char out[16];
  for (size_t n = 0; n <= 6; n++) {
    assert_int_equal(
        zt_b64_encode((const uint8_t *)"foobar", n, out, sizeof(out)),
        strlen(want[n]));
    assert_string_equal(out, want[n]);
  }
  static const uint8_t hi[2] = {0xfb, 0xff};
  assert_int_equal(zt_b64_encode(hi, 2, out, sizeof(out)), 4);
  assert_string_equal(out, "+/8=");
  assert_int_equal(zt_b64_encode(hi, 2, out, 4), 0); /* no room for NUL */
  assert_string_equal(out, "");
}

/* The table decoder for public text agrees with the constant-time one on
 * every string of up to 4 characters over a set that holds every class:
 * both alphabets' extra characters, padding, space, NUL and high bytes. */
static void test_public_decoder_agrees(void **state) {
  (void)state;
  static const char set[] = "AZaz09-_+/= \0\x80\xff.";
  const size_t k = sizeof(set) - 1;
  char in[4];
  unsigned long checked = 0;
  for (size_t n = 0; n <= 4; n++) {
    size_t total = 1;
    for (size_t i = 0; i < n; i++)
      total *= k;
    for (size_t idx = 0; idx < total; idx++) {
      size_t x = idx;
      for (size_t i = 0; i < n; i++, x /= k)
        in[i] = set[x % k];
      uint8_t a[3] = {1, 1, 1}, b[3] = {1, 1, 1};
      size_t la = 99, lb = 99;
      bool ra = zt_b64url_decode(in, n, a, sizeof a, &la);
      bool rb = zt_b64url_decode_public(in, n, b, sizeof b, &lb);
      assert_int_equal(ra, rb);
      assert_int_equal(la, lb);
      assert_memory_equal(a, b, sizeof a);
      checked++;
    }
  }
  assert_true(checked > 20000);
  uint8_t out[3];
  assert_false(zt_b64url_decode_public("QUJD", 4, NULL, 0, NULL));
  assert_false(zt_b64url_decode_public("QUJD", 4, out, 2, NULL));
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_std_encode),
      cmocka_unit_test(test_public_decoder_agrees),
      cmocka_unit_test(test_url_vectors),
      cmocka_unit_test(test_std_vectors),
      cmocka_unit_test(test_lengths),
      cmocka_unit_test(test_url_rejects),
      cmocka_unit_test(test_std_rejects),
      cmocka_unit_test(test_every_byte),
      cmocka_unit_test(test_values_and_tails),
      cmocka_unit_test(test_capacity),
      cmocka_unit_test(test_failure_clears_output),
      cmocka_unit_test(test_validate_only),
      cmocka_unit_test(test_empty_and_null),
      cmocka_unit_test(test_encode_capacity),
      cmocka_unit_test(test_round_trips),
      cmocka_unit_test(test_alphabet_round_trip),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
