#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "value.h"

#define CHUNK 65536

typedef struct chunk {
  struct chunk *next;
  size_t used, cap;
  max_align_t data[];
} chunk;

struct vpool {
  chunk *head;
};

/* A command-line tool has nothing better to do when memory runs out. */
static void *must(void *p) {
  if (!p) {
    fprintf(stderr, "ztauth: out of memory\n");
    exit(CLI_USAGE);
  }
  return p;
}

vpool *vpool_new(void) {
  return must(calloc(1, sizeof(vpool)));
}

void vpool_free(vpool *p) {
  if (!p)
    return;
  for (chunk *c = p->head, *next; c; c = next) {
    next = c->next;
    free(c);
  }
  free(p);
}

static chunk *new_chunk(size_t cap) {
  chunk *c = must(malloc(sizeof(chunk) + cap));
  c->used = 0;
  c->cap = cap;
  return c;
}

void *vpool_alloc(vpool *p, size_t n) {
  size_t align = sizeof(max_align_t);
  n = (n + align - 1) / align * align;
  if (n > CHUNK / 4) {
    /* Big blocks get a chunk of their own behind the current one, so the
     * space left in the current one is not wasted. */
    chunk *c = new_chunk(n);
    c->used = n;
    memset(c->data, 0, n);
    c->next = p->head ? p->head->next : NULL;
    if (p->head)
      p->head->next = c;
    else
      p->head = c;
    return c->data;
  }
  if (!p->head || p->head->cap - p->head->used < n) {
    chunk *c = new_chunk(CHUNK);
    c->next = p->head;
    p->head = c;
  }
  void *r = (char *)p->head->data + p->head->used;
  p->head->used += n;
  memset(r, 0, n);
  return r;
}

char *vpool_strdup(vpool *p, const char *s, size_t n) {
  char *r = vpool_alloc(p, n + 1);
  if (n)
    memcpy(r, s, n);
  r[n] = '\0';
  return r;
}

value *value_new(vpool *p, int kind) {
  value *v = vpool_alloc(p, sizeof(value));
  v->kind = kind;
  return v;
}

value *value_bool(vpool *p, bool b) {
  value *v = value_new(p, V_BOOL);
  v->b = b;
  return v;
}

value *value_int(vpool *p, int64_t n) {
  value *v = value_new(p, V_NUMBER);
  v->num = (double)n;
  return v;
}

value *value_str(vpool *p, const char *s, size_t len) {
  value *v = value_new(p, V_STRING);
  v->s = vpool_strdup(p, s, len);
  v->len = len;
  return v;
}

value *value_cstr(vpool *p, const char *s) {
  return value_str(p, s, strlen(s));
}

/* Makes room for one more item or member (old arrays stay in the pool). */
static void grow(vpool *p, value *v, size_t size) {
  if (v->n < v->cap)
    return;
  size_t cap = v->cap ? v->cap * 2 : 4;
  void *bigger = vpool_alloc(p, cap * size);
  void *old = v->kind == V_ARRAY ? (void *)v->items : (void *)v->members;
  if (v->n)
    memcpy(bigger, old, v->n * size);
  if (v->kind == V_ARRAY)
    v->items = bigger;
  else
    v->members = bigger;
  v->cap = cap;
}

void value_push(vpool *p, value *array, value *item) {
  grow(p, array, sizeof(value *));
  array->items[array->n++] = item;
}

vmember *value_setn(vpool *p, value *object, const char *name, size_t n,
                    value *v) {
  grow(p, object, sizeof(vmember));
  vmember *m = &object->members[object->n++];
  m->name = name;
  m->name_len = n;
  m->v = v;
  m->line = v->line;
  m->col = v->col;
  return m;
}

void value_set(vpool *p, value *object, const char *name, value *v) {
  value_setn(p, object, name, strlen(name), v);
}

const value *value_getn(const value *object, const char *name, size_t n) {
  if (!object || object->kind != V_OBJECT)
    return NULL;
  for (size_t i = 0; i < object->n; i++) {
    const vmember *m = &object->members[i];
    if (m->name_len == n && memcmp(m->name, name, n) == 0)
      return m->v;
  }
  return NULL;
}

const value *value_get(const value *object, const char *name) {
  return value_getn(object, name, strlen(name));
}

static int member_cmp(const void *a, const void *b) {
  const vmember *x = *(const vmember *const *)a;
  const vmember *y = *(const vmember *const *)b;
  size_t n = x->name_len < y->name_len ? x->name_len : y->name_len;
  int c = memcmp(x->name, y->name, n);
  if (c)
    return c;
  return x->name_len < y->name_len ? -1 : x->name_len > y->name_len;
}

/* Sorting keeps this O(n log n): an input may hold many members. */
const vmember *value_duplicate(vpool *p, const value *object) {
  if (object->n < 2)
    return NULL;
  const vmember **order = vpool_alloc(p, object->n * sizeof(*order));
  for (size_t i = 0; i < object->n; i++)
    order[i] = &object->members[i];
  qsort(order, object->n, sizeof(*order), member_cmp);
  for (size_t i = 1; i < object->n; i++)
    if (member_cmp(&order[i - 1], &order[i]) == 0)
      return order[i - 1] < order[i] ? order[i] : order[i - 1];
  return NULL;
}

static bool objects_equal(const value *a, const value *b) {
  if (a->n != b->n)
    return false;
  for (size_t i = 0; i < a->n; i++) {
    const vmember *m = &a->members[i];
    const value *other = value_getn(b, m->name, m->name_len);
    if (!other || !value_equal(m->v, other))
      return false;
  }
  return true;
}

bool value_equal(const value *a, const value *b) {
  if (a->kind != b->kind)
    return false;
  switch (a->kind) {
  case V_BOOL:
    return a->b == b->b;
  case V_NUMBER:
    return a->num == b->num;
  case V_STRING:
    return a->len == b->len && memcmp(a->s, b->s, a->len) == 0;
  case V_ARRAY:
    if (a->n != b->n)
      return false;
    for (size_t i = 0; i < a->n; i++)
      if (!value_equal(a->items[i], b->items[i]))
        return false;
    return true;
  case V_OBJECT:
    return objects_equal(a, b);
  default:
    return true;
  }
}

bool value_is_int(const value *v, int64_t lo, int64_t hi) {
  return v && v->kind == V_NUMBER && v->num == floor(v->num) &&
         v->num >= (double)lo && v->num <= (double)hi;
}

const char *value_kind_name(int kind) {
  static const char *const names[] = {"null",     "a boolean", "a number",
                                      "a string", "an array",  "an object"};
  return kind >= 0 && kind <= V_OBJECT ? names[kind] : "?";
}

void vbuf_add(vbuf *b, const char *s, size_t n) {
  if (b->cap - b->len < n + 1) {
    size_t cap = b->cap ? b->cap : 256;
    while (cap - b->len < n + 1)
      cap *= 2;
    b->p = must(realloc(b->p, cap));
    b->cap = cap;
  }
  memcpy(b->p + b->len, s, n);
  b->len += n;
  b->p[b->len] = '\0';
}

void vbuf_free(vbuf *b) {
  free(b->p);
  b->p = NULL;
  b->len = b->cap = 0;
}

static void add_str(vbuf *b, const char *s) {
  vbuf_add(b, s, strlen(s));
}

void json_write_string(vbuf *out, const char *s, size_t n) {
  vbuf_add(out, "\"", 1);
  size_t run = 0; /* bytes copied as they are, flushed in one call */
  for (size_t i = 0; i < n; i++) {
    unsigned char c = (unsigned char)s[i];
    if (c >= 0x20 && c != '"' && c != '\\')
      continue;
    vbuf_add(out, s + run, i - run);
    run = i + 1;
    char esc[8];
    const char *named = c == '"'    ? "\\\""
                        : c == '\\' ? "\\\\"
                        : c == '\n' ? "\\n"
                        : c == '\r' ? "\\r"
                        : c == '\t' ? "\\t"
                        : c == '\b' ? "\\b"
                        : c == '\f' ? "\\f"
                                    : NULL;
    if (!named) {
      snprintf(esc, sizeof(esc), "\\u%04x", c);
      named = esc;
    }
    add_str(out, named);
  }
  vbuf_add(out, s + run, n - run);
  vbuf_add(out, "\"", 1);
}

static void write_number(vbuf *out, const value *v) {
  char num[64];
  if (v->s) {
    add_str(out, v->s);
    return;
  }
  if (v->num == floor(v->num) && fabs(v->num) < 9007199254740992.0)
    snprintf(num, sizeof(num), "%lld", (long long)v->num);
  else if (isfinite(v->num))
    snprintf(num, sizeof(num), "%.17g", v->num);
  else
    snprintf(num, sizeof(num), "null"); /* JSON has no NaN or infinity */
  add_str(out, num);
}

static void write_container(vbuf *out, const value *v, bool spaced) {
  bool obj = v->kind == V_OBJECT;
  vbuf_add(out, obj ? "{" : "[", 1);
  for (size_t i = 0; i < v->n; i++) {
    if (i)
      add_str(out, spaced ? ", " : ",");
    if (obj) {
      json_write_string(out, v->members[i].name, v->members[i].name_len);
      add_str(out, spaced ? ": " : ":");
    }
    value_write(out, obj ? v->members[i].v : v->items[i], spaced);
  }
  vbuf_add(out, obj ? "}" : "]", 1);
}

void value_write(vbuf *out, const value *v, bool spaced) {
  switch (v->kind) {
  case V_BOOL:
    add_str(out, v->b ? "true" : "false");
    break;
  case V_NUMBER:
    write_number(out, v);
    break;
  case V_STRING:
    json_write_string(out, v->s, v->len);
    break;
  case V_ARRAY:
  case V_OBJECT:
    write_container(out, v, spaced);
    break;
  default:
    add_str(out, "null");
  }
}
