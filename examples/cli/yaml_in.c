/* A YAML document to a value tree, so `ztauth test` files reuse the
 * request builder of `ztauth check`. Only the plain scalars that YAML 1.2
 * resolves to booleans, null and numbers get those types: anything quoted
 * stays a string, as a reader of the file expects. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "value.h"

#define MAX_DEPTH 64
#define MAX_NODES 1000000 /* aliases can make a small file expand */

typedef struct ywalk {
  vpool *p;
  yaml_document_t *doc;
  size_t nodes;
  bool failed;
  uint32_t line, col;
  char *err;
  size_t errlen;
} ywalk;

static value *fail(ywalk *w, const yaml_node_t *n, const char *msg) {
  if (w->failed)
    return NULL;
  w->failed = true;
  w->line = (uint32_t)n->start_mark.line + 1;
  w->col = (uint32_t)n->start_mark.column + 1;
  snprintf(w->err, w->errlen, "%s", msg);
  return NULL;
}

static bool one_of(const char *s, const char *const *words) {
  for (; *words; words++)
    if (strcmp(s, *words) == 0)
      return true;
  return false;
}

static value *scalar(ywalk *w, const yaml_node_t *n) {
  static const char *const yes[] = {"true", "True", "TRUE", NULL};
  static const char *const no[] = {"false", "False", "FALSE", NULL};
  static const char *const null[] = {"null", "Null", "NULL", "~", "", NULL};
  const char *s = (const char *)n->data.scalar.value;
  size_t len = n->data.scalar.length;
  if (n->data.scalar.style != YAML_PLAIN_SCALAR_STYLE) {
    value *v = value_str(w->p, s, len);
    v->literal = n->data.scalar.style == YAML_LITERAL_SCALAR_STYLE;
    return v;
  }
  if (one_of(s, yes) || one_of(s, no))
    return value_bool(w->p, one_of(s, yes));
  if (one_of(s, null))
    return value_new(w->p, V_NULL);
  if (!json_is_number(s, len))
    return value_str(w->p, s, len);
  value *v = value_new(w->p, V_NUMBER);
  v->s = vpool_strdup(w->p, s, len);
  v->num = strtod(v->s, NULL);
  return v;
}

static value *convert(ywalk *w, const yaml_node_t *n, int depth);

static value *sequence(ywalk *w, const yaml_node_t *n, int depth) {
  value *v = value_new(w->p, V_ARRAY);
  for (const yaml_node_item_t *i = n->data.sequence.items.start;
       i < n->data.sequence.items.top; i++) {
    value *item = convert(w, yaml_document_get_node(w->doc, *i), depth + 1);
    if (!item)
      return NULL;
    value_push(w->p, v, item);
  }
  return v;
}

static value *mapping(ywalk *w, const yaml_node_t *n, int depth) {
  value *v = value_new(w->p, V_OBJECT);
  for (const yaml_node_pair_t *i = n->data.mapping.pairs.start;
       i < n->data.mapping.pairs.top; i++) {
    const yaml_node_t *key = yaml_document_get_node(w->doc, i->key);
    if (key->type != YAML_SCALAR_NODE)
      return fail(w, key, "a mapping key must be a scalar");
    value *item =
        convert(w, yaml_document_get_node(w->doc, i->value), depth + 1);
    if (!item)
      return NULL;
    const char *name = vpool_strdup(w->p, (const char *)key->data.scalar.value,
                                    key->data.scalar.length);
    vmember *m = value_setn(w->p, v, name, key->data.scalar.length, item);
    m->line = (uint32_t)key->start_mark.line + 1;
    m->col = (uint32_t)key->start_mark.column + 1;
  }
  const vmember *dup = value_duplicate(w->p, v);
  if (dup) {
    w->failed = true;
    w->line = dup->line;
    w->col = dup->col;
    snprintf(w->err, w->errlen, "duplicate key \"%s\"", dup->name);
    return NULL;
  }
  return v;
}

static value *convert(ywalk *w, const yaml_node_t *n, int depth) {
  if (!n || w->failed)
    return NULL;
  if (depth > MAX_DEPTH)
    return fail(w, n, "nesting deeper than 64 levels");
  if (++w->nodes > MAX_NODES)
    return fail(w, n, "more than a million nodes");
  value *v = n->type == YAML_SCALAR_NODE     ? scalar(w, n)
             : n->type == YAML_SEQUENCE_NODE ? sequence(w, n, depth)
             : n->type == YAML_MAPPING_NODE  ? mapping(w, n, depth)
                                             : NULL;
  if (v) {
    v->line = (uint32_t)n->start_mark.line + 1;
    v->col = (uint32_t)n->start_mark.column + 1;
  }
  return v;
}

static void parser_error(const yaml_parser_t *ps, ywalk *w) {
  w->failed = true;
  w->line = (uint32_t)ps->problem_mark.line + 1;
  w->col = (uint32_t)ps->problem_mark.column + 1;
  snprintf(w->err, w->errlen, "%s%s%s", ps->context ? ps->context : "",
           ps->context ? ": " : "", ps->problem ? ps->problem : "bad YAML");
}

/* Refuses a second document: the rest of the file would be ignored. */
static void expect_end(yaml_parser_t *ps, ywalk *w) {
  yaml_document_t more;
  if (!yaml_parser_load(ps, &more)) {
    parser_error(ps, w);
    return;
  }
  yaml_node_t *root = yaml_document_get_root_node(&more);
  if (root)
    fail(w, root, "a second YAML document");
  yaml_document_delete(&more);
}

value *yaml_parse(vpool *p, const char *text, size_t len, uint32_t *line,
                  uint32_t *col, char *err, size_t errlen) {
  ywalk w = {.p = p, .err = err, .errlen = errlen, .line = 1, .col = 1};
  yaml_parser_t ps;
  yaml_document_t doc;
  value *v = NULL;
  if (!yaml_parser_initialize(&ps)) {
    snprintf(err, errlen, "out of memory");
    *line = *col = 0;
    return NULL;
  }
  yaml_parser_set_input_string(&ps, (const unsigned char *)text, len);
  if (yaml_parser_load(&ps, &doc)) {
    w.doc = &doc;
    yaml_node_t *root = yaml_document_get_root_node(&doc);
    if (!root)
      snprintf(err, errlen, "no YAML document");
    v = root ? convert(&w, root, 0) : NULL;
    if (v)
      expect_end(&ps, &w);
    yaml_document_delete(&doc);
  } else {
    parser_error(&ps, &w);
  }
  yaml_parser_delete(&ps);
  *line = w.line;
  *col = w.col;
  return w.failed ? NULL : v;
}
