/* A small JSON-shaped value tree shared by `check` (JSON in, JSON out) and
 * `test` (YAML in, results compared): one request builder serves both. */
#ifndef ZTAUTH_CLI_VALUE_H
#define ZTAUTH_CLI_VALUE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Every value and string of a tree lives in one pool, freed at once: a
 * tree is built, used and dropped as a whole. */
typedef struct vpool vpool;

vpool *vpool_new(void);
void vpool_free(vpool *p);
/* Never returns NULL: the command exits (status 2) when memory runs out. */
void *vpool_alloc(vpool *p, size_t n);
/* A NUL-terminated copy of n bytes. */
char *vpool_strdup(vpool *p, const char *s, size_t n);

#define V_NULL 0
#define V_BOOL 1
#define V_NUMBER 2
#define V_STRING 3
#define V_ARRAY 4
#define V_OBJECT 5

typedef struct value value;

typedef struct vmember {
  const char *name; /* decoded, NUL-terminated */
  size_t name_len;
  value *v;
  uint32_t line, col; /* where the name is (set by the parsers) */
} vmember;

struct value {
  int kind;
  bool b;
  double num;
  /* V_STRING: the decoded bytes (NUL-terminated, may hold NULs);
   * V_NUMBER: the literal as written, NULL when computed. */
  const char *s;
  size_t len;
  value **items;    /* V_ARRAY */
  vmember *members; /* V_OBJECT, in document order */
  size_t n, cap;
  /* The value's JSON text in its source (NULL when not parsed from JSON),
   * and where it starts (1-based; 0 = unknown). */
  const char *raw;
  size_t raw_len;
  uint32_t line, col;
  /* A YAML literal block scalar (|): its text starts on the next line. */
  bool literal;
};

value *value_new(vpool *p, int kind);
value *value_bool(vpool *p, bool b);
value *value_int(vpool *p, int64_t n);
value *value_str(vpool *p, const char *s, size_t len);
value *value_cstr(vpool *p, const char *s);
void value_push(vpool *p, value *array, value *item);
/* Appends a member; names are not checked for duplicates here (the
 * name is not copied). */
void value_set(vpool *p, value *object, const char *name, value *v);
vmember *value_setn(vpool *p, value *object, const char *name, size_t n,
                    value *v);

/* The member called name (n bytes), or NULL. */
const value *value_getn(const value *object, const char *name, size_t n);
const value *value_get(const value *object, const char *name);
/* A member name that occurs twice, or NULL. */
const vmember *value_duplicate(vpool *p, const value *object);

/* Deep equality; numbers by value, object members in any order. */
bool value_equal(const value *a, const value *b);
/* Whether a number is an integer within [lo, hi]. */
bool value_is_int(const value *v, int64_t lo, int64_t hi);
const char *value_kind_name(int kind);

/* A growable byte buffer. */
typedef struct vbuf {
  char *p;
  size_t len, cap;
} vbuf;

void vbuf_add(vbuf *b, const char *s, size_t n);
void vbuf_free(vbuf *b);

/* Appends v as JSON text; spaced puts a space after ':' and ','. Strings are
 * escaped as JSON needs; bytes >= 0x80 pass through unchanged. */
void value_write(vbuf *out, const value *v, bool spaced);
/* Appends a JSON string literal. */
void json_write_string(vbuf *out, const char *s, size_t n);

/* Whether s is a number as JSON writes it. */
bool json_is_number(const char *s, size_t n);

/* Parses JSON text strictly (RFC 8259 grammar, no duplicate member names,
 * nothing after the value) whose root is an object or an array. On failure
 * returns NULL with *line, *col and a message in err. */
value *json_parse(vpool *p, const char *text, size_t len, uint32_t *line,
                  uint32_t *col, char *err, size_t errlen);

/* Parses a YAML stream holding one document into a tree: plain true/false
 * become booleans, null/~/empty become null, plain numbers numbers, every
 * other scalar a string. Mapping keys are names (duplicates refused). */
value *yaml_parse(vpool *p, const char *text, size_t len, uint32_t *line,
                  uint32_t *col, char *err, size_t errlen);

#endif
