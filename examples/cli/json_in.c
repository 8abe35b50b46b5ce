/* JSON text to a value tree. jsmn finds the tokens; it is lenient (it
 * accepts "[1 2]", "{"a":1,}", bare words as primitives), so the walk below
 * checks every byte between tokens and every literal against the JSON
 * grammar: requests are security input and must mean one thing. */
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define JSMN_STATIC
#define JSMN_STRICT
#define JSMN_PARENT_LINKS
#include <jsmn.h>

#include "value.h"

#define MAX_DEPTH 256

typedef struct jwalk {
  vpool *p;
  const char *text;
  size_t len;
  const jsmntok_t *tok;
  int ntok, next;
  size_t pos;    /* the first byte not yet checked */
  size_t lc_off; /* positions are counted from here on (values come in */
  uint32_t lc_line, lc_col; /* text order, so counting never restarts) */
  int depth;
  bool failed;
  size_t err_off;
  char *err;
  size_t errlen;
} jwalk;

/* Keeps the first problem only: later ones are consequences. */
__attribute__((format(printf, 3, 4))) static value *fail(jwalk *w, size_t off,
                                                         const char *fmt, ...) {
  if (w->failed)
    return NULL;
  w->failed = true;
  w->err_off = off;
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(w->err, w->errlen, fmt, ap);
  va_end(ap);
  return NULL;
}

static void locate(jwalk *w, size_t off, uint32_t *line, uint32_t *col) {
  if (off < w->lc_off || w->lc_line == 0) {
    w->lc_off = 0;
    w->lc_line = w->lc_col = 1;
  }
  for (size_t i = w->lc_off; i < off; i++) {
    if (w->text[i] == '\n') {
      w->lc_line++;
      w->lc_col = 1;
    } else {
      w->lc_col++;
    }
  }
  w->lc_off = off;
  *line = w->lc_line;
  *col = w->lc_col;
}

static bool is_ws(char c) {
  return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static void skip_ws(jwalk *w) {
  while (w->pos < w->len && is_ws(w->text[w->pos]))
    w->pos++;
}

/* Checks that only whitespace, and the separator punct when not 0, come
 * before offset until. */
static bool gap(jwalk *w, char punct, size_t until) {
  skip_ws(w);
  if (punct) {
    if (w->pos >= w->len || w->text[w->pos] != punct) {
      fail(w, w->pos, "expected '%c'", punct);
      return false;
    }
    w->pos++;
    skip_ws(w);
  }
  if (w->pos != until) {
    fail(w, w->pos, "unexpected character");
    return false;
  }
  return true;
}

static size_t tok_begin(const jsmntok_t *t) {
  return (size_t)t->start - (t->type == JSMN_STRING);
}

static size_t tok_end(const jsmntok_t *t) {
  return (size_t)t->end + (t->type == JSMN_STRING);
}

bool json_is_number(const char *s, size_t n) {
  size_t i = 0;
#define DIGIT (i < n && s[i] >= '0' && s[i] <= '9')
  if (i < n && s[i] == '-')
    i++;
  if (i < n && s[i] == '0')
    i++;
  else if (DIGIT)
    while (DIGIT)
      i++;
  else
    return false;
  if (i < n && s[i] == '.') {
    i++;
    if (!DIGIT)
      return false;
    while (DIGIT)
      i++;
  }
  if (i < n && (s[i] == 'e' || s[i] == 'E')) {
    i++;
    if (i < n && (s[i] == '+' || s[i] == '-'))
      i++;
    if (!DIGIT)
      return false;
    while (DIGIT)
      i++;
  }
#undef DIGIT
  return i == n;
}

static int hex4(const char *s) {
  int v = 0;
  for (int i = 0; i < 4; i++) {
    char c = s[i];
    int d = c >= '0' && c <= '9'   ? c - '0'
            : c >= 'a' && c <= 'f' ? c - 'a' + 10
            : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                   : -1;
    if (d < 0)
      return -1;
    v = v * 16 + d;
  }
  return v;
}

static size_t put_utf8(char *out, uint32_t cp) {
  if (cp < 0x80) {
    out[0] = (char)cp;
    return 1;
  }
  if (cp < 0x800) {
    out[0] = (char)(0xc0 | cp >> 6);
    out[1] = (char)(0x80 | (cp & 0x3f));
    return 2;
  }
  if (cp < 0x10000) {
    out[0] = (char)(0xe0 | cp >> 12);
    out[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
    out[2] = (char)(0x80 | (cp & 0x3f));
    return 3;
  }
  out[0] = (char)(0xf0 | cp >> 18);
  out[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
  out[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
  out[3] = (char)(0x80 | (cp & 0x3f));
  return 4;
}

/* Reads the \uXXXX escape at text[i] (the backslash), joining a surrogate
 * pair; returns the bytes consumed, 0 when invalid. */
static size_t unicode_escape(jwalk *w, size_t i, size_t end, uint32_t *cp) {
  const char *s = w->text;
  int hi = i + 6 <= end ? hex4(s + i + 2) : -1;
  if (hi < 0 || (hi >= 0xdc00 && hi <= 0xdfff))
    return 0;
  if (hi < 0xd800 || hi > 0xdbff) {
    *cp = (uint32_t)hi;
    return 6;
  }
  int lo = i + 12 <= end && s[i + 6] == '\\' && s[i + 7] == 'u'
               ? hex4(s + i + 8)
               : -1;
  if (lo < 0xdc00 || lo > 0xdfff)
    return 0;
  *cp = 0x10000 + (((uint32_t)hi - 0xd800) << 10) + ((uint32_t)lo - 0xdc00);
  return 12;
}

static char simple_escape(char c) {
  switch (c) {
  case '"':
  case '\\':
  case '/':
    return c;
  case 'b':
    return '\b';
  case 'f':
    return '\f';
  case 'n':
    return '\n';
  case 'r':
    return '\r';
  case 't':
    return '\t';
  default:
    return 0;
  }
}

/* Decodes the string between the quotes; escapes never grow the text. */
static bool decode(jwalk *w, const jsmntok_t *t, value *v) {
  size_t start = (size_t)t->start, end = (size_t)t->end, n = 0;
  char *out = vpool_alloc(w->p, end - start + 1);
  for (size_t i = start; i < end; i++) {
    unsigned char c = (unsigned char)w->text[i];
    if (c < 0x20) {
      fail(w, i, "control character in a string");
      return false;
    }
    if (c != '\\') {
      out[n++] = (char)c;
      continue;
    }
    char simple = i + 1 < end ? simple_escape(w->text[i + 1]) : 0;
    if (simple) {
      out[n++] = simple;
      i++;
      continue;
    }
    uint32_t cp;
    size_t used = unicode_escape(w, i, end, &cp);
    if (!used) {
      fail(w, i, "invalid escape (a lone surrogate?)");
      return false;
    }
    n += put_utf8(out + n, cp);
    i += used - 1;
  }
  out[n] = '\0';
  v->s = out;
  v->len = n;
  return true;
}

static value *build(jwalk *w);

static value *new_at(jwalk *w, int kind, const jsmntok_t *t) {
  value *v = value_new(w->p, kind);
  v->raw = w->text + tok_begin(t);
  v->raw_len = tok_end(t) - tok_begin(t);
  locate(w, tok_begin(t), &v->line, &v->col);
  return v;
}

static const jsmntok_t *next_tok(jwalk *w) {
  if (w->next >= w->ntok) {
    fail(w, w->len, "unexpected end of input");
    return NULL;
  }
  return &w->tok[w->next];
}

static value *build_member(jwalk *w, value *obj, size_t index) {
  const jsmntok_t *key = next_tok(w);
  if (!key || !gap(w, index ? ',' : 0, tok_begin(key)))
    return NULL;
  if (key->type != JSMN_STRING || key->size != 1)
    return fail(w, tok_begin(key), "expected a member name and ':'");
  w->next++;
  value name = {0};
  if (!decode(w, key, &name))
    return NULL;
  locate(w, tok_begin(key), &name.line, &name.col);
  w->pos = tok_end(key);
  const jsmntok_t *t = next_tok(w);
  if (!t || !gap(w, ':', tok_begin(t)))
    return NULL;
  value *v = build(w);
  if (!v)
    return NULL;
  vmember *m = value_setn(w->p, obj, name.s, name.len, v);
  m->line = name.line;
  m->col = name.col;
  return v;
}

static value *build_container(jwalk *w, const jsmntok_t *t) {
  bool is_obj = t->type == JSMN_OBJECT;
  value *v = new_at(w, is_obj ? V_OBJECT : V_ARRAY, t);
  if (++w->depth > MAX_DEPTH)
    return fail(w, tok_begin(t), "nesting deeper than %d", MAX_DEPTH);
  w->pos = (size_t)t->start + 1;
  for (int i = 0; i < t->size; i++) {
    if (is_obj) {
      if (!build_member(w, v, (size_t)i))
        return NULL;
      continue;
    }
    const jsmntok_t *item = next_tok(w);
    if (!item || !gap(w, i ? ',' : 0, tok_begin(item)))
      return NULL;
    value *x = build(w);
    if (!x)
      return NULL;
    value_push(w->p, v, x);
  }
  if (!gap(w, 0, (size_t)t->end - 1))
    return NULL;
  w->pos = (size_t)t->end;
  w->depth--;
  const vmember *dup = is_obj ? value_duplicate(w->p, v) : NULL;
  if (dup)
    return fail(w, (size_t)(dup->v->raw - w->text),
                "duplicate member name \"%s\"", dup->name);
  return v;
}

static value *build_primitive(jwalk *w, const jsmntok_t *t) {
  const char *s = w->text + t->start;
  size_t n = (size_t)(t->end - t->start);
  value *v = new_at(w, V_NULL, t);
  if (n == 4 && memcmp(s, "true", 4) == 0) {
    v->kind = V_BOOL;
    v->b = true;
  } else if (n == 5 && memcmp(s, "false", 5) == 0) {
    v->kind = V_BOOL;
  } else if (json_is_number(s, n)) {
    v->kind = V_NUMBER;
    v->s = vpool_strdup(w->p, s, n);
    v->num = strtod(v->s, NULL);
  } else if (n != 4 || memcmp(s, "null", 4) != 0) {
    return fail(w, (size_t)t->start, "invalid literal \"%.*s\"",
                (int)(n > 40 ? 40 : n), s);
  }
  return v;
}

static value *build(jwalk *w) {
  const jsmntok_t *t = next_tok(w);
  if (!t)
    return NULL;
  w->next++;
  if (t->type == JSMN_OBJECT || t->type == JSMN_ARRAY)
    return build_container(w, t);
  if (t->size != 0) /* jsmn lets a scalar own a value: "a":"b":"c" */
    return fail(w, tok_end(t), "unexpected ':'");
  value *v;
  if (t->type == JSMN_STRING) {
    v = new_at(w, V_STRING, t);
    if (!decode(w, t, v))
      return NULL;
  } else {
    v = build_primitive(w, t);
  }
  w->pos = tok_end(t);
  return v;
}

static int tokenize(const char *text, size_t len, jsmntok_t **out,
                    size_t *err_off) {
  jsmn_parser ps;
  jsmn_init(&ps);
  unsigned cap = 64;
  jsmntok_t *tok = NULL;
  for (;;) {
    jsmntok_t *bigger = realloc(tok, cap * sizeof(*tok));
    if (!bigger) {
      free(tok);
      return JSMN_ERROR_NOMEM;
    }
    tok = bigger;
    int r = jsmn_parse(&ps, text, len, tok, cap);
    if (r != JSMN_ERROR_NOMEM || cap > UINT_MAX / 4) {
      *out = tok;
      *err_off = ps.pos;
      return r;
    }
    cap *= 2; /* jsmn resumes where it ran out of tokens */
  }
}

static value *walk(jwalk *w) {
  const jsmntok_t *first = next_tok(w);
  if (!first || !gap(w, 0, tok_begin(first)))
    return NULL;
  value *v = build(w);
  if (!v)
    return NULL;
  skip_ws(w);
  if (w->pos != w->len || w->next != w->ntok)
    return fail(w, w->pos, "unexpected text after the JSON value");
  return v;
}

/* jsmn only says where: name what it found there. */
static void invalid(jwalk *w, size_t off) {
  char c = off < w->len ? w->text[off] : 0;
  if (c == '"')
    fail(w, off, "invalid escape in a string");
  else if (c > ' ' && c < 0x7f)
    fail(w, off, "unexpected character '%c'", c);
  else
    fail(w, off, "invalid JSON");
}

/* jsmn stops at a NUL and counts offsets in an int. */
static bool check_input(jwalk *w) {
  const char *nul = memchr(w->text, '\0', w->len);
  if (nul)
    fail(w, (size_t)(nul - w->text), "NUL byte in JSON text");
  else if (w->len >= INT_MAX)
    fail(w, 0, "JSON text too large");
  return !w->failed;
}

/* Requests are objects or arrays of them; jsmn's strict mode also cannot
 * end the input on a bare literal. */
static bool root_is_container(jwalk *w) {
  size_t i = 0;
  while (i < w->len && is_ws(w->text[i]))
    i++;
  if (i < w->len && (w->text[i] == '{' || w->text[i] == '['))
    return true;
  fail(w, i, i < w->len ? "expected a JSON object or array" : "no JSON value");
  return false;
}

value *json_parse(vpool *p, const char *text, size_t len, uint32_t *line,
                  uint32_t *col, char *err, size_t errlen) {
  jwalk w = {.p = p, .text = text, .len = len, .err = err, .errlen = errlen};
  jsmntok_t *tok = NULL;
  value *v = NULL;
  if (check_input(&w) && root_is_container(&w)) {
    size_t off = 0;
    int r = tokenize(text, len, &tok, &off);
    if (r == 0)
      fail(&w, len, "no JSON value");
    else if (r == JSMN_ERROR_PART)
      fail(&w, len, "unexpected end of input");
    else if (r == JSMN_ERROR_NOMEM)
      fail(&w, off, "too many JSON tokens");
    else if (r < 0)
      invalid(&w, off);
    w.tok = tok;
    w.ntok = r;
    if (r > 0)
      v = walk(&w);
  }
  free(tok);
  if (w.failed) {
    locate(&w, w.err_off < len ? w.err_off : len, line, col);
    return NULL;
  }
  return v;
}
