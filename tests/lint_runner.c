/*
 * Data-driven validation conformance: every file under tests/lint/ is a
 * policy stream whose comments state exactly what loading it must report:
 *
 *   # expect: LINE:COL error: TEXT      an error at that place whose message
 *   # expect: LINE:COL warning: TEXT    (with kind/ns/name) contains TEXT
 *   # expect: 0:0 error: TEXT           a problem without a position
 *   # expect-valid                      no errors and no warnings at all
 *   # mesh: rootNamespace: NS           optional mesh settings (one line)
 *
 * Every reported error and warning must match one expectation and every
 * expectation one report, so a missing or an extra diagnostic fails.
 * Output is TAP, one test per file.
 */
#include <dirent.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ztauth.h"

#define MAX_ITEMS 256

typedef struct expect {
  unsigned line, col;
  int severity;
  char text[256];
  bool used;
} expect;

typedef struct run {
  expect want[MAX_ITEMS];
  int n_want;
  zt_diag got[MAX_ITEMS];
  int n_got;
  bool valid_expected;
} run;

static void on_report(void *ctx, const zt_diag *d) {
  run *r = ctx;
  if (d->severity == ZT_SEVERITY_NOTE)
    return;
  if (r->n_got < MAX_ITEMS)
    r->got[r->n_got++] = *d;
}

static char *slurp(const char *path, size_t *len) {
  FILE *f = fopen(path, "rb");
  if (!f)
    return NULL;
  fseek(f, 0, SEEK_END);
  long n = ftell(f);
  fseek(f, 0, SEEK_SET);
  char *buf = malloc((size_t)n + 1);
  if (buf && fread(buf, 1, (size_t)n, f) != (size_t)n) {
    free(buf);
    buf = NULL;
  }
  fclose(f);
  if (buf) {
    buf[n] = '\0';
    *len = (size_t)n;
  }
  return buf;
}

static bool parse_expect(const char *line, expect *e) {
  char sev[16];
  int used = 0;
  if (sscanf(line, "%u:%u %15[a-z]:%n", &e->line, &e->col, sev, &used) != 3)
    return false;
  e->severity = strcmp(sev, "error") == 0     ? ZT_SEVERITY_ERROR
                : strcmp(sev, "warning") == 0 ? ZT_SEVERITY_WARNING
                                              : -1;
  const char *t = line + used;
  while (*t == ' ')
    t++;
  size_t n = strcspn(t, "\n");
  if (n >= sizeof(e->text))
    n = sizeof(e->text) - 1;
  memcpy(e->text, t, n);
  e->text[n] = '\0';
  return e->severity >= 0;
}

/* Reads the expectations and the optional mesh line from the comments. */
static bool read_header(const char *buf, run *r, char *mesh, size_t mcap) {
  const char *p = buf;
  mesh[0] = '\0';
  while (p && *p) {
    const char *eol = strchr(p, '\n');
    if (strncmp(p, "# expect: ", 10) == 0) {
      if (r->n_want >= MAX_ITEMS || !parse_expect(p + 10, &r->want[r->n_want]))
        return false;
      r->n_want++;
    } else if (strncmp(p, "# expect-valid", 14) == 0) {
      r->valid_expected = true;
    } else if (strncmp(p, "# mesh: ", 8) == 0) {
      size_t n = eol ? (size_t)(eol - p - 8) : strlen(p + 8);
      snprintf(mesh, mcap, "%.*s\n", (int)n, p + 8);
    }
    p = eol ? eol + 1 : NULL;
  }
  return r->valid_expected != (r->n_want > 0);
}

static bool matches(const expect *e, const zt_diag *d) {
  char full[1024];
  snprintf(full, sizeof(full), "%s %s/%s: %s", d->kind, d->ns, d->name,
           d->message);
  return e->line == d->line && e->col == d->column &&
         e->severity == d->severity && strstr(full, e->text) != NULL;
}

static int load(const char *path, const char *mesh, run *r) {
  zt_config *cfg = NULL;
  zt_engine *engine = NULL;
  zt_loader *loader = NULL;
  zt_diag d;
  if (zt_config_new(&cfg, NULL) != ZT_OK)
    return -1;
  if (mesh[0] &&
      zt_config_load_mesh(cfg, mesh, strlen(mesh), "mesh", 4, &d) != ZT_OK) {
    printf("# bad mesh line: %s\n", d.message);
    zt_config_free(cfg);
    return -1;
  }
  int rc = zt_engine_new(&engine, cfg, &d);
  zt_config_free(cfg);
  if (rc == ZT_OK)
    rc = zt_loader_new(engine, &loader);
  if (rc == ZT_OK) {
    (void)zt_loader_set_report(loader, on_report, r);
    (void)zt_loader_add_path(loader, path, strlen(path), &d);
    rc = zt_engine_commit(engine, loader, &d);
    /* A commit succeeds exactly when no error was expected. */
    bool want_error = false;
    for (int i = 0; i < r->n_want; i++)
      want_error |= r->want[i].severity == ZT_SEVERITY_ERROR;
    if ((rc == ZT_OK) == want_error) {
      printf("# commit returned %d\n", rc);
      rc = -1;
    } else {
      rc = 0;
    }
  }
  zt_loader_free(loader);
  zt_engine_free(engine);
  return rc;
}

static bool check_file(const char *path) {
  static run r;
  memset(&r, 0, sizeof(r));
  size_t len;
  char *buf = slurp(path, &len);
  char mesh[256];
  if (!buf || !read_header(buf, &r, mesh, sizeof(mesh))) {
    printf("# %s: unreadable or no expectations\n", path);
    free(buf);
    return false;
  }
  free(buf);
  bool ok = load(path, mesh, &r) == 0;
  for (int g = 0; g < r.n_got; g++) {
    bool found = false;
    for (int w = 0; w < r.n_want && !found; w++)
      if (!r.want[w].used && matches(&r.want[w], &r.got[g]))
        found = r.want[w].used = true;
    if (!found) {
      ok = false;
      printf("# unexpected: %u:%u %s: %s %s/%s: %s\n", r.got[g].line,
             r.got[g].column,
             r.got[g].severity == ZT_SEVERITY_ERROR ? "error" : "warning",
             r.got[g].kind, r.got[g].ns, r.got[g].name, r.got[g].message);
    }
  }
  for (int w = 0; w < r.n_want; w++)
    if (!r.want[w].used) {
      ok = false;
      printf("# missing: %u:%u %s: %s\n", r.want[w].line, r.want[w].col,
             r.want[w].severity == ZT_SEVERITY_ERROR ? "error" : "warning",
             r.want[w].text);
    }
  return ok;
}

static int cmp(const void *a, const void *b) {
  return strcmp(*(char *const *)a, *(char *const *)b);
}

int main(int argc, char **argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: lint_runner DIR\n");
    return 2;
  }
  DIR *d = opendir(argv[1]);
  if (!d) {
    perror(argv[1]);
    return 2;
  }
  char *names[2048];
  int n = 0;
  struct dirent *e;
  while ((e = readdir(d)) != NULL && n < 2048) {
    size_t l = strlen(e->d_name);
    if (l > 5 && strcmp(e->d_name + l - 5, ".yaml") == 0)
      names[n++] = strdup(e->d_name);
  }
  closedir(d);
  qsort(names, (size_t)n, sizeof(*names), cmp);
  printf("1..%d\n", n);
  int failed = 0;
  for (int i = 0; i < n; i++) {
    char path[4096];
    snprintf(path, sizeof(path), "%s/%s", argv[1], names[i]);
    bool ok = check_file(path);
    printf("%s %d - %s\n", ok ? "ok" : "not ok", i + 1, names[i]);
    failed += !ok;
    free(names[i]);
  }
  return failed ? 1 : 0;
}
