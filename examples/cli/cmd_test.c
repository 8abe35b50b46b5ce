/* ztauth test: runs policy test files (YAML: policies, then cases of a
 * request and the expected result) and reports TAP. The plan comes last,
 * since the number of cases is known only once every file is read. Each
 * file gets a fresh engine, so files never see each other's policies. */
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "request.h"

typedef struct tap {
  int n, failed;
} tap;

/* The engine clock of a file: its `now`, a case's own `now`, or the real
 * time when neither is given. */
typedef struct test_clock {
  bool fixed;
  int64_t now;
} test_clock;

/* One test file, checked before anything runs. */
typedef struct test_file {
  const char *path;
  const value *mesh, *options, *policies, *cases, *jwks, *bundles, *now;
  test_clock clock;
} test_file;

/* Diagnostics gathered for the "# " lines under a "not ok". */
typedef struct notes {
  FILE *out;
  char *text;
  size_t len;
} notes;

static bool notes_open(notes *n) {
  n->text = NULL;
  n->len = 0;
  n->out = open_memstream(&n->text, &n->len);
  return n->out != NULL;
}

__attribute__((format(printf, 2, 3))) static void note(notes *n,
                                                       const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vfprintf(n->out, fmt, ap);
  va_end(ap);
}

/* Prints the gathered lines as TAP comments and empties the notes. */
static void notes_flush(notes *n) {
  fflush(n->out);
  const char *line = n->text;
  for (size_t left = n->len; left > 0;) {
    const char *nl = memchr(line, '\n', left);
    size_t len = nl ? (size_t)(nl - line) : left;
    printf("#   %.*s\n", (int)len, line);
    left -= nl ? len + 1 : len;
    line += nl ? len + 1 : len;
  }
  rewind(n->out);
  fflush(n->out);
  n->len = 0;
}

static void notes_close(notes *n) {
  fclose(n->out);
  free(n->text);
}

/* TAP descriptions end at a newline, and '#' would start a directive. */
static void tap_line(tap *t, bool ok, const char *file, const value *name) {
  t->n++;
  t->failed += !ok;
  printf("%sok %d - %s", ok ? "" : "not ", t->n, file);
  if (name) {
    fputs(": ", stdout);
    for (size_t i = 0; i < name->len; i++) {
      char c = name->s[i];
      if (c == '#')
        fputs("\\#", stdout);
      else
        putchar(c == '\n' || c == '\r' ? ' ' : c);
    }
  }
  putchar('\n');
}

static bool file_error(notes *n, const test_file *f, const value *at,
                       const char *what) {
  note(n, "%s:%u:%u: error: %s\n", f->path, at ? at->line : 0, at ? at->col : 0,
       what);
  return false;
}

static bool known(const value *obj, const char *const *names, notes *n,
                  const test_file *f) {
  for (size_t i = 0; i < obj->n; i++) {
    const vmember *m = &obj->members[i];
    const char *const *k = names;
    while (*k && strcmp(*k, m->name) != 0)
      k++;
    if (!*k) {
      note(n, "%s:%u:%u: error: unknown key \"%s\"\n", f->path, m->line, m->col,
           m->name);
      return false;
    }
  }
  return true;
}

/* A member that must have a kind; absent is fine unless required. */
static bool member(notes *n, const test_file *f, const value *obj,
                   const char *name, int kind, bool required,
                   const value **out) {
  char what[160];
  *out = value_get(obj, name);
  if (!*out && required) {
    snprintf(what, sizeof(what), "missing \"%s\"", name);
    return file_error(n, f, obj, what);
  }
  /* An optional text block left empty ("policies:") is null in YAML. */
  bool empty_text =
      kind == V_STRING && !required && *out && (*out)->kind == V_NULL;
  if (*out && (*out)->kind != kind && !empty_text) {
    snprintf(what, sizeof(what), "\"%s\": expected %s, got %s", name,
             value_kind_name(kind), value_kind_name((*out)->kind));
    return file_error(n, f, *out, what);
  }
  return true;
}

/* `now`: Unix seconds, an integer. */
static bool check_now(notes *n, const test_file *f, const value *now) {
  if (!now || value_is_int(now, 0, INT64_C(253402300799)))
    return true;
  return file_error(n, f, now,
                    "\"now\": expected Unix seconds (an integer, 0 or more)");
}

static bool check_case(notes *n, const test_file *f, const value *c) {
  static const char *const keys[] = {"name", "request", "expect", "now", NULL};
  const value *v;
  if (c->kind != V_OBJECT)
    return file_error(n, f, c, "a case must be a mapping");
  return known(c, keys, n, f) && member(n, f, c, "name", V_STRING, true, &v) &&
         member(n, f, c, "request", V_OBJECT, true, &v) &&
         member(n, f, c, "expect", V_OBJECT, true, &v) &&
         member(n, f, c, "now", V_NUMBER, false, &v) && check_now(n, f, v);
}

/* `jwks`: {URI: document}, the document as JSON text or as a mapping. */
static bool check_jwks(notes *n, const test_file *f) {
  for (size_t i = 0; f->jwks && i < f->jwks->n; i++) {
    const vmember *m = &f->jwks->members[i];
    if (m->name_len == 0 ||
        (m->v->kind != V_STRING && m->v->kind != V_OBJECT)) {
      note(n,
           "%s:%u:%u: error: jwks: expected URI: JWKS (JSON text or a "
           "mapping)\n",
           f->path, m->line, m->col);
      return false;
    }
  }
  return true;
}

/* `trust_bundles`: {TRUST_DOMAIN: PATH}, the path relative to the file. */
static bool check_bundles(notes *n, const test_file *f) {
  for (size_t i = 0; f->bundles && i < f->bundles->n; i++) {
    const vmember *m = &f->bundles->members[i];
    if (m->name_len == 0 || m->v->kind != V_STRING || m->v->len == 0) {
      note(n,
           "%s:%u:%u: error: trust_bundles: expected TRUST_DOMAIN: PATH "
           "(relative to the test file)\n",
           f->path, m->line, m->col);
      return false;
    }
  }
  return true;
}

static bool check_options(notes *n, const test_file *f) {
  for (size_t i = 0; f->options && i < f->options->n; i++) {
    const vmember *m = &f->options->members[i];
    const cli_switch *s = cli_switches;
    while (s < cli_switches + CLI_SWITCHES && strcmp(s->key, m->name) != 0)
      s++;
    if (s == cli_switches + CLI_SWITCHES) {
      note(n, "%s:%u:%u: error: options: unknown key \"%s\"\n", f->path,
           m->line, m->col, m->name);
      return false;
    }
    uint64_t x;
    const char *text =
        m->v->kind == V_BOOL ? (m->v->b ? "true" : "false") : m->v->s;
    if (m->v->kind == V_NULL || m->v->kind > V_STRING ||
        !cli_switch_value(s->id, text, &x)) {
      note(n, "%s:%u:%u: error: options.%s: expected %s\n", f->path, m->v->line,
           m->v->col, m->name, s->values);
      return false;
    }
  }
  return true;
}

static bool check_file(notes *n, test_file *f, const value *root) {
  static const char *const keys[] = {"description", "mesh",          "options",
                                     "policies",    "jwks",          "now",
                                     "cases",       "trust_bundles", NULL};
  const value *v;
  if (root->kind != V_OBJECT)
    return file_error(n, f, root, "a test file is one mapping");
  if (!known(root, keys, n, f) ||
      !member(n, f, root, "description", V_STRING, false, &v) ||
      !member(n, f, root, "mesh", V_STRING, false, &f->mesh) ||
      !member(n, f, root, "options", V_OBJECT, false, &f->options) ||
      !member(n, f, root, "policies", V_STRING, false, &f->policies) ||
      !member(n, f, root, "jwks", V_OBJECT, false, &f->jwks) ||
      !member(n, f, root, "trust_bundles", V_OBJECT, false, &f->bundles) ||
      !member(n, f, root, "now", V_NUMBER, false, &f->now) ||
      !member(n, f, root, "cases", V_ARRAY, true, &f->cases) ||
      !check_options(n, f) || !check_jwks(n, f) || !check_bundles(n, f) ||
      !check_now(n, f, f->now))
    return false;
  for (size_t i = 0; i < f->cases->n; i++)
    if (!check_case(n, f, f->cases->items[i]))
      return false;
  return true;
}

static const value *read_test(notes *n, vpool *p, test_file *f) {
  size_t len;
  char *text = cli_read_file(f->path, &len);
  if (!text) {
    note(n, "%s: error: %s\n", f->path, strerror(errno));
    return NULL;
  }
  char err[256];
  uint32_t line, col;
  value *root = yaml_parse(p, text, len, &line, &col, err, sizeof(err));
  free(text);
  if (!root)
    note(n, "%s:%u:%u: error: %s\n", f->path, line, col, err);
  return root && check_file(n, f, root) ? root : NULL;
}

static void on_report(void *ctx, const zt_diag *d) {
  if (d->severity == ZT_SEVERITY_ERROR)
    cli_print_diag(((notes *)ctx)->out, d);
}

static bool apply_options(notes *n, const test_file *f, zt_config *cfg) {
  for (size_t i = 0; f->options && i < f->options->n; i++) {
    const vmember *m = &f->options->members[i];
    const value *v = m->v;
    const cli_switch *s = cli_switches;
    while (strcmp(s->key, m->name) != 0)
      s++;
    uint64_t x = 0;
    (void)cli_switch_value(
        s->id, v->kind == V_BOOL ? (v->b ? "true" : "false") : v->s, &x);
    int rc = zt_config_set_option(cfg, s->id, x);
    if (rc != ZT_OK) {
      note(n, "%s: error: options.%s: %s\n", f->path, m->name, zt_strerror(rc));
      return false;
    }
  }
  return true;
}

/* Sources are named FILE:mesh and FILE:policies: their positions count
 * from the start of that block, not of the file. Says where it starts. */
static void block_hint(notes *n, const test_file *f, const char *key,
                       const value *block) {
  if (block && block->literal)
    note(n,
         "(positions in %s:%s count from the %s block; its line 1 is "
         "line %u of the file)\n",
         f->path, key, key, block->line + 1);
}

static int64_t test_now(void *ctx) {
  const test_clock *c = ctx;
  return c->fixed ? c->now : (int64_t)time(NULL);
}

static zt_config *configure(notes *n, test_file *f) {
  zt_config *cfg = NULL;
  if (zt_config_new(&cfg, NULL) != ZT_OK) {
    note(n, "ztauth: out of memory\n");
    return NULL;
  }
  char source[1024];
  snprintf(source, sizeof(source), "%s:mesh", f->path);
  zt_diag d;
  if (f->mesh && f->mesh->kind == V_STRING &&
      zt_config_load_mesh(cfg, f->mesh->s, f->mesh->len, source, strlen(source),
                          &d) != ZT_OK) {
    cli_print_diag(n->out, &d);
    block_hint(n, f, "mesh", f->mesh);
    zt_config_free(cfg);
    return NULL;
  }
  if (!apply_options(n, f, cfg) ||
      zt_config_set_clock(cfg, test_now, &f->clock) != ZT_OK) {
    zt_config_free(cfg);
    return NULL;
  }
  return cfg;
}

static int load_policies(notes *n, const test_file *f, zt_engine *engine,
                         zt_loader *loader) {
  char source[1024];
  snprintf(source, sizeof(source), "%s:policies", f->path);
  zt_diag d;
  const value *p = f->policies;
  bool text = p && p->kind == V_STRING;
  (void)zt_loader_add_yaml(loader, text ? p->s : NULL, text ? p->len : 0,
                           source, strlen(source), &d);
  int rc = zt_engine_commit(engine, loader, &d);
  if (rc != ZT_OK) {
    if (ftell(n->out) == 0) /* a failure the report did not see */
      cli_print_diag(n->out, &d);
    block_hint(n, f, "policies", p);
  }
  return rc;
}

/* The file's key sets for jwksUri, before its policies are committed. */
static bool supply_jwks(notes *n, const test_file *f, zt_engine *engine) {
  for (size_t i = 0; f->jwks && i < f->jwks->n; i++) {
    const vmember *m = &f->jwks->members[i];
    vbuf text = {0};
    if (m->v->kind == V_STRING)
      vbuf_add(&text, m->v->s, m->v->len);
    else
      value_write(&text, m->v, false);
    zt_diag d;
    int rc = zt_engine_set_jwks(engine, m->name, m->name_len,
                                text.p ? text.p : "", text.len, &d);
    vbuf_free(&text);
    if (rc != ZT_OK) {
      note(n, "%s:%u:%u: error: jwks: %s\n", f->path, m->line, m->col,
           d.message);
      return false;
    }
  }
  return true;
}

/* One trust bundle of the file, read from its path beside the file. */
static bool supply_bundle(notes *n, const test_file *f, zt_engine *engine,
                          const vmember *m) {
  char *path = cli_path_beside(f->path, m->v->s);
  size_t len = 0;
  char *text = path ? cli_read_file(path, &len) : NULL;
  zt_diag d;
  memset(&d, 0, sizeof(d));
  int rc = ZT_EIO;
  if (!text)
    snprintf(d.message, sizeof(d.message), "%s: %s", path ? path : m->v->s,
             strerror(path ? errno : ENOMEM));
  else if (len == 0) /* would withdraw the bundle */
    snprintf(d.message, sizeof(d.message), "%s: empty file", path);
  else
    rc =
        zt_engine_set_trust_bundle(engine, m->name, m->name_len, text, len, &d);
  if (rc != ZT_OK)
    note(n, "%s:%u:%u: error: trust_bundles.%s: %s\n", f->path, m->line, m->col,
         m->name, d.message[0] ? d.message : zt_strerror(rc));
  free(text);
  free(path);
  return rc == ZT_OK;
}

/* The file's key sets and trust bundles, before its policies commit. */
static bool supply_documents(notes *n, const test_file *f, zt_engine *engine) {
  if (!supply_jwks(n, f, engine))
    return false;
  for (size_t i = 0; f->bundles && i < f->bundles->n; i++)
    if (!supply_bundle(n, f, engine, &f->bundles->members[i]))
      return false;
  return true;
}

/* A fresh engine holding the file's policies, or NULL (problems noted). */
static zt_engine *open_engine(notes *n, test_file *f, zt_snapshot **snap) {
  zt_engine *engine = NULL;
  zt_loader *loader = NULL;
  zt_config *cfg = configure(n, f);
  bool opened = cfg && cli_open_config(cfg, on_report, n, &engine, &loader);
  zt_config_free(cfg);
  if (!opened)
    return NULL;
  bool keys = supply_documents(n, f, engine);
  int rc = keys ? load_policies(n, f, engine, loader) : ZT_ESCHEMA;
  if (rc == ZT_OK)
    rc = zt_engine_acquire(engine, snap);
  zt_loader_free(loader);
  if (rc != ZT_OK) {
    if (keys)
      note(n, "%s: error: policies not loaded: %s\n", f->path, zt_strerror(rc));
    zt_engine_free(engine);
    return NULL;
  }
  return engine;
}

static void write_value(notes *n, const value *v) {
  vbuf b = {0};
  if (v)
    value_write(&b, v, true);
  fputs(v ? b.p : "(absent)", n->out);
  vbuf_free(&b);
}

static bool result_member(const char *name) {
  static const char *const names[] = {"decision",
                                      "status",
                                      "reason",
                                      "policy",
                                      "principal",
                                      "request_principal",
                                      "audit",
                                      "dry_run",
                                      "headers",
                                      "mtls_mode",
                                      "svid_error",
                                      "message",
                                      "response_headers",
                                      "provider",
                                      NULL};
  for (const char *const *k = names; *k; k++)
    if (strcmp(*k, name) == 0)
      return true;
  return false;
}

/* Compares the members expect names; an optional member that is absent
 * (svid_error, message, response_headers, provider) compares as null. */
static bool compare(notes *n, vpool *p, const value *expect,
                    const value *result) {
  bool ok = true;
  value *null = value_new(p, V_NULL);
  for (size_t i = 0; i < expect->n; i++) {
    const vmember *m = &expect->members[i];
    if (!result_member(m->name)) {
      note(n, "expect.%s: not a member of the result\n", m->name);
      ok = false;
      continue;
    }
    const value *got = value_get(result, m->name);
    if (value_equal(m->v, got ? got : null))
      continue;
    ok = false;
    note(n, "%s: expected ", m->name);
    write_value(n, m->v);
    note(n, ", got ");
    write_value(n, got);
    note(n, "\n");
  }
  return ok;
}

static void explain(notes *n, const value *result, const value *trace) {
  note(n, "result: ");
  write_value(n, result);
  note(n, "\n");
  for (size_t i = 0; trace && i < trace->n; i++)
    note(n, "trace: %.*s\n", (int)trace->items[i]->len, trace->items[i]->s);
}

static void run_case(tap *t, notes *n, vpool *p, test_file *f, const value *c,
                     const zt_snapshot *snap) {
  const value *name = value_get(c, "name");
  const value *now = value_get(c, "now");
  if (!now)
    now = f->now;
  f->clock.fixed = now != NULL;
  f->clock.now = now ? (int64_t)now->num : 0;
  cli_error e;
  cli_request *r = cli_request_build(p, value_get(c, "request"), f->path, &e);
  bool ok = false;
  if (!r) {
    note(n, "%s:%u:%u: error: %s\n", f->path, e.line, e.col, e.msg);
  } else {
    r->trace = value_new(p, V_ARRAY);
    value *result = cli_request_decide(r, snap);
    ok = compare(n, p, value_get(c, "expect"), result);
    if (!ok)
      explain(n, result, r->trace);
  }
  tap_line(t, ok, f->path, name);
  notes_flush(n);
}

static void run_file(tap *t, notes *n, const char *path) {
  vpool *p = vpool_new();
  test_file f = {.path = path};
  zt_snapshot *snap = NULL;
  zt_engine *engine = read_test(n, p, &f) ? open_engine(n, &f, &snap) : NULL;
  if (!engine) {
    tap_line(t, false, path, NULL);
    notes_flush(n);
  }
  for (size_t i = 0; engine && i < f.cases->n; i++)
    run_case(t, n, p, &f, f.cases->items[i], snap);
  zt_snapshot_release(snap);
  zt_engine_free(engine);
  vpool_free(p);
}

int cmd_test(int argc, char **argv) {
  static const struct option opts[] = {{"help", no_argument, NULL, 'h'},
                                       {NULL, 0, NULL, 0}};
  optind = 1;
  int c = getopt_long(argc, argv, "h", opts, NULL);
  if (c != -1 || optind >= argc) {
    fprintf(c == 'h' ? stdout : stderr, "usage: ztauth test FILE...\n");
    return c == 'h' ? CLI_OK : CLI_USAGE;
  }
  tap t = {0, 0};
  notes n;
  if (!notes_open(&n)) {
    fprintf(stderr, "ztauth: %s\n", strerror(errno));
    return CLI_USAGE;
  }
  for (int i = optind; i < argc; i++)
    run_file(&t, &n, argv[i]);
  notes_close(&n);
  printf("1..%d\n", t.n);
  return t.failed ? CLI_DENIED : CLI_OK;
}
