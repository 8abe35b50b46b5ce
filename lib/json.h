/*
 * Strict JSON (RFC 8259) for untrusted input: JOSE headers, JWT claims,
 * JWKS documents.
 *
 * jsmn tokenizes; this layer adds everything jsmn leaves out (craft.md
 * §2.3): size, token and depth caps checked before tokenizing, no NUL
 * bytes, exactly one root spanning the input, a structural walk that checks
 * every byte between tokens, the number grammar, exact literals, strict
 * string decoding (escapes, surrogate pairs, UTF-8) and rejection of
 * duplicate member names (compared after decoding).
 *
 * Memory: parsing never allocates unless zt_json_parse_alloc() is used. The
 * caller lends a token array and a scratch buffer through zt_json_doc_init();
 * decoded strings and copies of numbers live in the scratch buffer, so once
 * parsed a document no longer refers to its input.
 *
 * Values are named by handles (indexes). ZT_JSON_ROOT is the root value.
 * A parsed document is read-only: any number of threads may read it at once.
 * Nothing here keeps global state or prints.
 */
#ifndef ZT_JSON_H
#define ZT_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ztauth.h"

/* ---- Limits ----------------------------------------------------------- */

#define ZT_JSON_DEFAULT_MAX_BYTES 65536u /* input bytes */
#define ZT_JSON_DEFAULT_MAX_TOKENS 4096u /* values plus member names */
#define ZT_JSON_DEFAULT_MAX_DEPTH 32u    /* nested objects and arrays */

/* Hard ceilings: limits above them are refused with ZT_EINVAL. The depth
 * ceiling sizes the walker's stack; the byte ceiling keeps the tokenizer's
 * int offsets from overflowing. */
#define ZT_JSON_MAX_DEPTH_CEILING 256u
#define ZT_JSON_MAX_BYTES_CEILING ((size_t)0x7ffffffe)

/* Flags for zt_json_limits.flags. ANY_ROOT lets the root be a string,
 * number or literal instead of an object or array. */
#define ZT_JSON_ANY_ROOT 0x1u

/*
 * Caps on one input. A zero field selects its default. The token count of
 * an input is the number of values plus the number of member names
 * ({"a":[1,2]} has 5). Depth counts open objects and arrays: [[1]] has
 * depth 2. Duplicate detection costs O(m log m) per object of m members.
 */
typedef struct zt_json_limits {
  size_t max_bytes;
  uint32_t max_tokens;
  uint32_t max_depth;
  uint32_t flags; /* ZT_JSON_* flags */
} zt_json_limits;

/* ---- Documents -------------------------------------------------------- */

/*
 * Storage for one token. The member list repeats the tokenizer's own token
 * type so that the two are compatible types (C11 6.2.7): the tokenizer
 * writes the caller's array directly, without type punning. json.c checks
 * the correspondence at compile time. The members are private: read values
 * through the accessors.
 */
#ifndef ZT_JSON_TOK_PRIVATE
typedef struct {
  unsigned int type;
  int start;
  int end;
  int size;
  int parent;
} zt_json_tok;
#endif

/*
 * A document: storage plus, after a successful parse, the parsed tree. The
 * fields are private; set them with zt_json_doc_init() or let
 * zt_json_parse_alloc() do it.
 */
typedef struct zt_json_doc {
  zt_json_tok *toks;
  size_t toks_cap;
  char *buf;
  size_t buf_cap;
  uint32_t count;          /* tokens parsed; 0 when nothing is parsed */
  const zt_allocator *mem; /* non-NULL when the doc owns toks and buf */
} zt_json_doc;

/* Where and why a parse failed. reason is a static English phrase that
 * never quotes the input; offset is the byte offset of the problem. */
typedef struct zt_json_error {
  size_t offset;
  const char *reason;
} zt_json_error;

/*
 * Lends storage to doc: toks holds toks_cap tokens, buf holds buf_cap bytes.
 * Both stay owned by the caller and must outlive every use of the doc. buf
 * must hold at least as many bytes as the input (decoded strings are never
 * longer than their source) and must not overlap it. Any previous parse in
 * doc is forgotten.
 */
void zt_json_doc_init(zt_json_doc *doc, zt_json_tok *toks, size_t toks_cap,
                      char *buf, size_t buf_cap);

/*
 * Parses (s, n) into doc's lent storage. lim may be NULL (defaults); err may
 * be NULL. Returns ZT_OK; ZT_ESYNTAX for malformed input; ZT_ELIMIT when a
 * cap is exceeded or the storage is too small (fewer tokens than the input
 * has, or buf_cap < n); ZT_EINVAL for bad arguments. On failure the doc
 * holds no values. Never allocates; uses about 7 KiB of stack. The input is
 * not retained.
 */
ZT_NODISCARD int zt_json_parse(zt_json_doc *doc, const char *s, size_t n,
                               const zt_json_limits *lim, zt_json_error *err);

/*
 * Like zt_json_parse(), but obtains exactly the storage the input needs from
 * mem (NULL: the default allocator), after the caps have been checked. Meant
 * for large documents such as a JWKS. Returns ZT_ENOMEM if the allocator
 * fails. On success release the doc with zt_json_doc_free(); on failure
 * nothing stays allocated.
 */
ZT_NODISCARD int zt_json_parse_alloc(zt_json_doc *doc, const zt_allocator *mem,
                                     const char *s, size_t n,
                                     const zt_json_limits *lim,
                                     zt_json_error *err);

/* Frees storage that zt_json_parse_alloc() obtained and empties the doc.
 * Lent storage is left alone. Accepts NULL. */
void zt_json_doc_free(zt_json_doc *doc);

/* The scratch bytes and tokens a parsed doc uses (what a copy needs). */
size_t zt_json_doc_bytes(const zt_json_doc *doc);
uint32_t zt_json_doc_tokens(const zt_json_doc *doc);

/*
 * Copies parsed src into lent storage (toks_cap tokens, buf_cap bytes, at
 * least what the two functions above report). The copy reads exactly like
 * src and refers to nothing of it. Returns ZT_OK, ZT_ELIMIT when the
 * storage is too small, ZT_EINVAL for NULL docs.
 */
ZT_NODISCARD int zt_json_doc_copy(zt_json_doc *dst, zt_json_tok *toks,
                                  size_t toks_cap, char *buf, size_t buf_cap,
                                  const zt_json_doc *src);

/* ---- Values ----------------------------------------------------------- */

typedef uint32_t zt_json_val;

#define ZT_JSON_ROOT ((zt_json_val)0)
#define ZT_JSON_NONE ((zt_json_val)UINT32_MAX) /* no value */

typedef enum zt_json_type {
  ZT_JSON_INVALID = 0, /* not a value of this document */
  ZT_JSON_OBJECT,
  ZT_JSON_ARRAY,
  ZT_JSON_STRING,
  ZT_JSON_NUMBER,
  ZT_JSON_BOOL,
  ZT_JSON_NULL
} zt_json_type;

/* The type of v; ZT_JSON_INVALID for a handle the document does not have
 * (including any handle of an unparsed or failed document). */
zt_json_type zt_json_type_of(const zt_json_doc *doc, zt_json_val v);

/* Members of an object or elements of an array; 0 for anything else. */
uint32_t zt_json_size(const zt_json_doc *doc, zt_json_val v);

/* Byte offset of v in the parsed input (a string's opening quote), for
 * diagnostics. 0 for an invalid handle. */
size_t zt_json_offset(const zt_json_doc *doc, zt_json_val v);

/*
 * Looks up the member of object obj whose decoded name is exactly
 * (name, len): same length and same bytes, never a prefix. Names are
 * unique, so at most one member matches. Returns true and stores its value
 * in *out; false (and ZT_JSON_NONE) if obj is not an object or has no such
 * member.
 */
bool zt_json_member(const zt_json_doc *doc, zt_json_val obj, const char *name,
                    size_t len, zt_json_val *out);

/* Walks an object's members or an array's elements in document order. */
typedef struct zt_json_iter {
  const zt_json_doc *doc;
  zt_json_val next; /* the next member name or element */
  uint32_t left;    /* members or elements not returned yet */
  bool object;
} zt_json_iter;

/* Starts a walk over v. A v that is neither object nor array gives an empty
 * walk. */
void zt_json_iter_init(zt_json_iter *it, const zt_json_doc *doc, zt_json_val v);

/*
 * Advances the walk. Returns false when done. For an object *name receives
 * the member name (a string value: read it with zt_json_string()); for an
 * array it receives ZT_JSON_NONE. name may be NULL.
 */
bool zt_json_iter_next(zt_json_iter *it, zt_json_val *name, zt_json_val *val);

/*
 * The decoded bytes of string v (a value or a member name): valid UTF-8,
 * no NUL inside, NUL-terminated at (*ptr)[*len]. The bytes belong to the
 * doc's storage. Returns false if v is not a string.
 */
bool zt_json_string(const zt_json_doc *doc, zt_json_val v, const char **ptr,
                    size_t *len);

/* True when v is a string equal to (s, len) byte for byte. */
bool zt_json_string_eq(const zt_json_doc *doc, zt_json_val v, const char *s,
                       size_t len);

/*
 * A number written as an integer (-?digits, no fraction or exponent) that
 * fits int64_t. Returns ZT_OK, ZT_ESCHEMA if v is not such a number (also
 * 1.0 and 1e3), or ZT_ELIMIT if it is out of range.
 */
ZT_NODISCARD int zt_json_int64(const zt_json_doc *doc, zt_json_val v,
                               int64_t *out);

/* Largest magnitude zt_json_numeric_date() accepts: 2^53, the last integer
 * every JSON implementation represents exactly. */
#define ZT_JSON_NUMERIC_DATE_MAX ((int64_t)9007199254740992)

/*
 * A JWT NumericDate (RFC 7519 §2): any JSON number, its fraction truncated
 * toward zero (1.9 -> 1, 1.5e3 -> 1500), computed exactly from the digits.
 * Returns ZT_ESCHEMA if v is not a number; ZT_ELIMIT if the truncated value
 * exceeds ZT_JSON_NUMERIC_DATE_MAX in magnitude, or if the value is below
 * zero (even -0.5) and allow_negative is false.
 */
ZT_NODISCARD int zt_json_numeric_date(const zt_json_doc *doc, zt_json_val v,
                                      bool allow_negative, int64_t *out);

/*
 * Any JSON number truncated toward zero into [0, 2^64), exactly from its
 * digits (no rounding through a double: 18446744073709551615 stays itself,
 * 1.9 is 1, 1e3 is 1000). Returns ZT_ESCHEMA if v is not a number, ZT_ELIMIT
 * at 2^64 and above or below zero (even -0.5; -0 is 0).
 */
ZT_NODISCARD int zt_json_uint64(const zt_json_doc *doc, zt_json_val v,
                                uint64_t *out);

/*
 * Number v as the nearest double. Returns ZT_ESCHEMA if v is not a number,
 * ZT_ELIMIT if it overflows (1E400) or is written with more than 512 bytes.
 * Values too small for a double become 0 or a subnormal.
 */
ZT_NODISCARD int zt_json_double(const zt_json_doc *doc, zt_json_val v,
                                double *out);

/*
 * Writes value v as compact JSON (no whitespace; strings re-escaped,
 * numbers as written) to buf with a NUL. Returns its length, or SIZE_MAX
 * when it does not fit in cap bytes or v is not a value.
 */
size_t zt_json_write(const zt_json_doc *doc, zt_json_val v, char *buf,
                     size_t cap);

/* Boolean v. Returns ZT_OK or ZT_ESCHEMA if v is not true or false. */
ZT_NODISCARD int zt_json_bool(const zt_json_doc *doc, zt_json_val v, bool *out);

#endif
