#include "yamltree.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "alloc.h"

/* One open collection: its node and where its children start on the shared
 * child stack. */
typedef struct frame {
  zt_ynode *node;
  size_t first;
} frame;

typedef struct builder {
  const zt_yaml_limits *lim;
  const zt_allocator *mem;
  zt_arena arena;
  frame *frames;
  size_t nframes, cap_frames;
  zt_ynode **kids; /* children of every open collection, in order */
  size_t nkids, cap_kids;
  uint32_t nodes;
  zt_ynode *root;
  zt_yaml_error *err;
  int32_t doc;
} builder;

#if defined(__GNUC__)
__attribute__((format(printf, 4, 5)))
#endif
static int
fail(builder *b, int code, const yaml_mark_t *m, const char *fmt, ...) {
  zt_yaml_error *e = b->err;
  e->code = code;
  e->line = m ? (uint32_t)m->line + 1 : 0;
  e->col = m ? (uint32_t)m->column + 1 : 0;
  e->document = b->doc;
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(e->message, sizeof(e->message), fmt, ap);
  va_end(ap);
  return code;
}

static int push_kid(builder *b, zt_ynode *n) {
  if (b->nframes == 0) {
    b->root = n;
    return 0;
  }
  if (!zt_grow(b->mem, (void **)&b->kids, sizeof(*b->kids), &b->cap_kids,
               b->nkids + 1))
    return fail(b, ZT_ENOMEM, NULL, "out of memory");
  b->kids[b->nkids++] = n;
  return 0;
}

static zt_ynode *new_node(builder *b, int type, const yaml_mark_t *m) {
  if (b->nodes >= b->lim->max_nodes) {
    fail(b, ZT_ELIMIT, m, "document has more than %u YAML nodes",
         b->lim->max_nodes);
    return NULL;
  }
  zt_ynode *n = zt_arena_alloc(&b->arena, sizeof(*n));
  if (!n) {
    fail(b, ZT_ENOMEM, m, "out of memory");
    return NULL;
  }
  b->nodes++;
  n->type = (uint8_t)type;
  n->line = (uint32_t)m->line + 1;
  n->col = (uint32_t)m->column + 1;
  return n;
}

static int no_anchor(builder *b, const yaml_char_t *anchor,
                     const yaml_mark_t *m) {
  if (anchor)
    return fail(b, ZT_ESYNTAX, m,
                "YAML anchors and aliases are not allowed in policies");
  return 0;
}

static int check_tag(builder *b, const yaml_char_t *tag, const char *allowed,
                     const yaml_mark_t *m) {
  if (!tag || strcmp((const char *)tag, "!") == 0 ||
      strcmp((const char *)tag, allowed) == 0)
    return 0;
  return fail(b, ZT_ESYNTAX, m, "unsupported YAML tag %.64s",
              (const char *)tag);
}

static int on_scalar(builder *b, const yaml_event_t *ev) {
  const yaml_mark_t *m = &ev->start_mark;
  int rc = no_anchor(b, ev->data.scalar.anchor, m);
  if (!rc)
    rc = check_tag(b, ev->data.scalar.tag, YAML_STR_TAG, m);
  if (rc)
    return rc;
  size_t len = ev->data.scalar.length;
  if (len > b->lim->max_scalar) {
    return fail(b, ZT_ELIMIT, m, "scalar of %zu bytes exceeds the limit of %u",
                len, b->lim->max_scalar);
  }
  const char *v = (const char *)ev->data.scalar.value;
  if (memchr(v, '\0', len))
    return fail(b, ZT_ESYNTAX, m, "NUL characters are not allowed");
  zt_ynode *n = new_node(b, ZT_YNODE_SCALAR, m);
  if (!n)
    return b->err->code;
  n->str = zt_arena_strndup(&b->arena, v, len);
  if (!n->str)
    return fail(b, ZT_ENOMEM, m, "out of memory");
  n->len = (uint32_t)len;
  n->style = ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE
                 ? ZT_YSTYLE_PLAIN
                 : ZT_YSTYLE_QUOTED;
  n->str_tag = ev->data.scalar.tag &&
               strcmp((const char *)ev->data.scalar.tag, YAML_STR_TAG) == 0;
  if (n->style == ZT_YSTYLE_PLAIN && strcmp(n->str, "<<") == 0 && b->nframes &&
      b->frames[b->nframes - 1].node->type == ZT_YNODE_MAP &&
      ((b->nkids - b->frames[b->nframes - 1].first) % 2) == 0)
    return fail(b, ZT_ESYNTAX, m, "YAML merge keys (<<) are not allowed");
  return push_kid(b, n);
}

static int on_start(builder *b, const yaml_event_t *ev, int type) {
  const yaml_mark_t *m = &ev->start_mark;
  const yaml_char_t *anchor = type == ZT_YNODE_MAP
                                  ? ev->data.mapping_start.anchor
                                  : ev->data.sequence_start.anchor;
  const yaml_char_t *tag = type == ZT_YNODE_MAP ? ev->data.mapping_start.tag
                                                : ev->data.sequence_start.tag;
  int rc = no_anchor(b, anchor, m);
  if (!rc)
    rc = check_tag(b, tag, type == ZT_YNODE_MAP ? YAML_MAP_TAG : YAML_SEQ_TAG,
                   m);
  if (rc)
    return rc;
  if (b->nframes >= b->lim->max_depth) {
    return fail(b, ZT_ELIMIT, m, "nesting deeper than %u levels",
                b->lim->max_depth);
  }
  zt_ynode *n = new_node(b, type, m);
  if (!n)
    return b->err->code;
  if (!zt_grow(b->mem, (void **)&b->frames, sizeof(*b->frames), &b->cap_frames,
               b->nframes + 1))
    return fail(b, ZT_ENOMEM, m, "out of memory");
  b->frames[b->nframes].node = n;
  b->frames[b->nframes].first = b->nkids;
  b->nframes++;
  return 0;
}

static int cmp_key(const void *a, const void *b) {
  const zt_ynode *x = *(zt_ynode *const *)a, *y = *(zt_ynode *const *)b;
  if (x->len != y->len)
    return x->len < y->len ? -1 : 1;
  int c = memcmp(x->str, y->str, x->len);
  if (c)
    return c;
  /* Equal keys sort by position so the report names the second one. */
  if (x->line != y->line)
    return x->line < y->line ? -1 : 1;
  return x->col < y->col ? -1 : (x->col > y->col);
}

/* Keys must be scalars and distinct. Sorting keeps hostile maps with many
 * keys at n log n. */
static int check_keys(builder *b, zt_ynode *map) {
  size_t n = map->len;
  for (size_t i = 0; i < n; i++) {
    const zt_ynode *k = map->kids[2 * i];
    if (k->type != ZT_YNODE_SCALAR) {
      yaml_mark_t m = {0, k->line - 1, k->col - 1};
      return fail(b, ZT_ESYNTAX, &m, "mapping keys must be scalars");
    }
  }
  if (n < 2)
    return 0;
  zt_ynode **keys = zt_calloc(b->mem, n, sizeof(*keys));
  if (!keys)
    return fail(b, ZT_ENOMEM, NULL, "out of memory");
  for (size_t i = 0; i < n; i++)
    keys[i] = map->kids[2 * i];
  qsort(keys, n, sizeof(*keys), cmp_key);
  int rc = 0;
  for (size_t i = 1; i < n && !rc; i++) {
    if (keys[i]->len == keys[i - 1]->len &&
        memcmp(keys[i]->str, keys[i - 1]->str, keys[i]->len) == 0) {
      yaml_mark_t m = {0, keys[i]->line - 1, keys[i]->col - 1};
      rc = fail(b, ZT_ESYNTAX, &m, "duplicate key \"%.100s\"", keys[i]->str);
    }
  }
  zt_free(b->mem, keys);
  return rc;
}

static int on_end(builder *b) {
  frame *f = &b->frames[--b->nframes];
  zt_ynode *n = f->node;
  size_t count = b->nkids - f->first;
  if (count) {
    n->kids = zt_arena_alloc(&b->arena, count * sizeof(*n->kids));
    if (!n->kids)
      return fail(b, ZT_ENOMEM, NULL, "out of memory");
    memcpy(n->kids, b->kids + f->first, count * sizeof(*n->kids));
  }
  b->nkids = f->first;
  n->len = (uint32_t)(n->type == ZT_YNODE_MAP ? count / 2 : count);
  if (n->type == ZT_YNODE_MAP) {
    int rc = check_keys(b, n);
    if (rc)
      return rc;
  }
  return push_kid(b, n);
}

static void reset_doc(builder *b) {
  zt_arena_free(&b->arena);
  zt_arena_init(&b->arena, b->mem);
  b->nframes = 0;
  b->nkids = 0;
  b->nodes = 0;
  b->root = NULL;
}

static int parser_error(builder *b, const yaml_parser_t *p) {
  const char *what = p->problem ? p->problem : "invalid YAML";
  int code = p->error == YAML_MEMORY_ERROR ? ZT_ENOMEM : ZT_ESYNTAX;
  fail(b, code, &p->problem_mark, "%s%s%s", what, p->context ? " " : "",
       p->context ? p->context : "");
  return code;
}

/* Feeds one event to the builder; *done is set at the end of the stream. */
static int on_event(builder *b, const yaml_event_t *ev, zt_yaml_doc_fn fn,
                    void *ctx, bool *done) {
  switch (ev->type) {
  case YAML_STREAM_END_EVENT:
    *done = true;
    return 0;
  case YAML_DOCUMENT_START_EVENT:
    b->doc++;
    reset_doc(b);
    return 0;
  case YAML_DOCUMENT_END_EVENT: {
    const zt_ynode *root = b->root;
    if (root && root->type == ZT_YNODE_SCALAR && zt_ynode_is_null(root))
      root = NULL;
    return fn(ctx, root, (uint32_t)b->doc);
  }
  case YAML_ALIAS_EVENT:
    return fail(b, ZT_ESYNTAX, &ev->start_mark,
                "YAML anchors and aliases are not allowed in policies");
  case YAML_SCALAR_EVENT:
    return on_scalar(b, ev);
  case YAML_SEQUENCE_START_EVENT:
    return on_start(b, ev, ZT_YNODE_SEQ);
  case YAML_MAPPING_START_EVENT:
    return on_start(b, ev, ZT_YNODE_MAP);
  case YAML_SEQUENCE_END_EVENT:
  case YAML_MAPPING_END_EVENT:
    return on_end(b);
  default:
    return 0;
  }
}

int zt_yaml_parse(const char *buf, size_t len, const zt_yaml_limits *lim,
                  const zt_allocator *mem, zt_yaml_doc_fn fn, void *ctx,
                  zt_yaml_error *err) {
  memset(err, 0, sizeof(*err));
  err->document = -1;
  if (len > lim->max_bytes) {
    err->code = ZT_ELIMIT;
    snprintf(err->message, sizeof(err->message),
             "input of %zu bytes exceeds the limit of %llu", len,
             (unsigned long long)lim->max_bytes);
    return ZT_ELIMIT;
  }
  builder b = {.lim = lim, .mem = mem, .err = err, .doc = -1};
  zt_arena_init(&b.arena, mem);
  yaml_parser_t p;
  if (!yaml_parser_initialize(&p)) {
    err->code = ZT_ENOMEM;
    snprintf(err->message, sizeof(err->message), "out of memory");
    return ZT_ENOMEM;
  }
  static const unsigned char empty[1];
  yaml_parser_set_input_string(&p, buf ? (const unsigned char *)buf : empty,
                               buf ? len : 0);
  int rc = 0;
  bool done = false;
  while (!rc && !done) {
    yaml_event_t ev;
    if (!yaml_parser_parse(&p, &ev)) {
      rc = parser_error(&b, &p);
      break;
    }
    rc = on_event(&b, &ev, fn, ctx, &done);
    yaml_event_delete(&ev);
  }
  if (rc && err->code == 0)
    err->code = rc;
  yaml_parser_delete(&p);
  zt_arena_free(&b.arena);
  zt_free(mem, b.frames);
  zt_free(mem, b.kids);
  return rc;
}

/* ---- scalar resolution (YAML 1.1 as Kubernetes' YAML reader does) ------ */

static bool in_list(const char *s, const char *const *list) {
  for (; *list; list++)
    if (strcmp(s, *list) == 0)
      return true;
  return false;
}

static bool digits(const char *s, const char *set) {
  bool any = false;
  for (; *s; s++) {
    if (*s == '_')
      continue;
    if (!strchr(set, *s))
      return false;
    any = true;
  }
  return any;
}

static bool is_int(const char *s) {
  if (*s == '+' || *s == '-')
    s++;
  if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))
    return digits(s + 2, "0123456789abcdefABCDEF");
  if (s[0] == '0' && (s[1] == 'o' || s[1] == 'O'))
    return digits(s + 2, "01234567");
  if (s[0] == '0' && (s[1] == 'b' || s[1] == 'B'))
    return digits(s + 2, "01");
  return *s != '_' && digits(s, "0123456789");
}

/* [-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)? or .inf/.nan */
static bool is_float(const char *s) {
  static const char *const special[] = {
      ".inf",  ".Inf",  ".INF", "+.inf", "+.Inf", "+.INF", "-.inf",
      "-.Inf", "-.INF", ".nan", ".NaN",  ".NAN",  NULL};
  if (in_list(s, special))
    return true;
  if (*s == '+' || *s == '-')
    s++;
  size_t intd = strspn(s, "0123456789");
  s += intd;
  size_t frac = 0;
  if (*s == '.') {
    s++;
    frac = strspn(s, "0123456789");
    s += frac;
    if (!intd && !frac)
      return false;
  } else if (!intd) {
    return false;
  }
  if (*s == 'e' || *s == 'E') {
    s++;
    if (*s == '+' || *s == '-')
      s++;
    size_t e = strspn(s, "0123456789");
    if (!e)
      return false;
    s += e;
  }
  return *s == '\0';
}

int zt_yscalar_kind(const zt_ynode *n) {
  static const char *const nulls[] = {"", "~", "null", "Null", "NULL", NULL};
  static const char *const bools[] = {
      "y",  "Y",  "yes",  "Yes",  "YES",  "n",     "N",     "no",
      "No", "NO", "true", "True", "TRUE", "false", "False", "FALSE",
      "on", "On", "ON",   "off",  "Off",  "OFF",   NULL};
  if (n->type != ZT_YNODE_SCALAR || n->style != ZT_YSTYLE_PLAIN || n->str_tag)
    return ZT_YS_STR;
  if (in_list(n->str, nulls))
    return ZT_YS_NULL;
  if (in_list(n->str, bools))
    return ZT_YS_BOOL;
  if (is_int(n->str))
    return ZT_YS_INT;
  if (is_float(n->str))
    return ZT_YS_FLOAT;
  return ZT_YS_STR;
}

bool zt_ynode_is_null(const zt_ynode *n) {
  return n->type == ZT_YNODE_SCALAR && zt_yscalar_kind(n) == ZT_YS_NULL;
}

const char *zt_ynode_describe(const zt_ynode *n) {
  if (n->type == ZT_YNODE_MAP)
    return "a mapping";
  if (n->type == ZT_YNODE_SEQ)
    return "a list";
  switch (zt_yscalar_kind(n)) {
  case ZT_YS_NULL:
    return "null";
  case ZT_YS_BOOL:
    return "a boolean";
  case ZT_YS_INT:
    return "an integer";
  case ZT_YS_FLOAT:
    return "a number";
  default:
    return "a string";
  }
}

const zt_ynode *zt_ymap_get(const zt_ynode *map, const char *key) {
  if (!map || map->type != ZT_YNODE_MAP)
    return NULL;
  for (uint32_t i = 0; i < map->len; i++)
    if (strcmp(map->kids[2 * i]->str, key) == 0)
      return map->kids[2 * i + 1];
  return NULL;
}
