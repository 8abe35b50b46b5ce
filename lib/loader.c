#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "alloc.h"
#include "diag.h"
#include "engine.h"
#include "policy_lint.h"
#include "policy_parse.h"

struct zt_loader {
  zt_engine *engine;
  zt_allocator mem; /* a copy: freeing needs nothing of the engine */
  zt_policyset *ps;
  zt_parse_state st;
  zt_reporter rep;
  bool checked; /* set-level checks done */
};

#define SOURCE_NAME_MAX 255

int zt_loader_new(zt_engine *e, zt_loader **out) {
  if (!e || !out)
    return ZT_EINVAL;
  *out = NULL;
  const zt_allocator *mem = &e->cfg.mem;
  zt_loader *l = zt_calloc(mem, 1, sizeof(*l));
  zt_policyset *ps = zt_alloc(mem, sizeof(*ps));
  if (!l || !ps) {
    zt_free(mem, l);
    zt_free(mem, ps);
    return ZT_ENOMEM;
  }
  zt_policyset_init(ps, mem);
  l->engine = e;
  l->mem = *mem;
  l->ps = ps;
  zt_reporter_init(&l->rep, NULL, NULL);
  *out = l;
  return ZT_OK;
}

void zt_loader_free(zt_loader *l) {
  if (!l)
    return;
  const zt_allocator *mem = &l->mem;
  if (l->ps) {
    zt_policyset_free(l->ps);
    zt_free(mem, l->ps);
  }
  zt_free(mem, l);
}

int zt_loader_set_report(zt_loader *l, zt_report_fn fn, void *ctx) {
  if (!l)
    return ZT_EINVAL;
  l->rep.fn = fn;
  l->rep.ctx = ctx;
  return ZT_OK;
}

uint64_t zt_loader_error_count(const zt_loader *l) {
  return l ? l->rep.errors : 0;
}

/* The result of one call: ZT_OK, or its first error in diag. */
static int call_result(zt_loader *l, uint64_t errors_before, zt_diag *diag) {
  if (l->rep.errors == errors_before)
    return ZT_OK;
  if (diag)
    *diag = l->rep.mark_first;
  return l->rep.mark_first.code ? l->rep.mark_first.code : ZT_EINTERNAL;
}

/* Records a failure of one call in the loader, so that a host that ignores
 * the call's result still cannot commit the set. */
static int source_error(zt_loader *l, const char *source, int code,
                        const char *msg, zt_diag *diag) {
  uint64_t before = l->rep.errors;
  if (!source)
    source = "<input>";
  zt_reporter_mark(&l->rep);
  l->rep.source = source;
  l->rep.document = -1;
  zt_reporter_object(&l->rep, NULL, (zt_sval){0}, (zt_sval){0});
  zt_report(&l->rep, ZT_SEVERITY_ERROR, code, (zt_pos){0, 0}, "%s", msg);
  return call_result(l, before, diag);
}

static const char *intern(zt_loader *l, const char *s, size_t n) {
  if (!s || n == 0) {
    s = "<input>";
    n = 7;
  }
  if (n > SOURCE_NAME_MAX)
    n = SOURCE_NAME_MAX;
  return zt_arena_strndup(&l->ps->arena, s, n);
}

static int add_buffer(zt_loader *l, const char *buf, size_t len,
                      const char *source, zt_diag *diag) {
  uint64_t before = l->rep.errors;
  zt_reporter_mark(&l->rep);
  l->checked = false;
  int rc = zt_policy_parse(l->ps, &l->st, &l->engine->cfg, &l->rep, buf, len,
                           source);
  if (rc != ZT_OK && l->rep.errors == before) {
    /* Fail closed: a failure must never leave a set that looks valid. */
    l->rep.source = source;
    zt_report(&l->rep, ZT_SEVERITY_ERROR, rc, (zt_pos){0, 0}, "%s",
              zt_strerror(rc));
  }
  return call_result(l, before, diag);
}

/* Whether the loader can take more input; a committed loader cannot. */
static int usable(const zt_loader *l, zt_diag *diag) {
  if (!l)
    return zt_diag_fail(diag, ZT_EINVAL, "no loader");
  if (!l->ps)
    return zt_diag_fail(diag, ZT_ESTATE, "loader already committed");
  return ZT_OK;
}

int zt_loader_add_yaml(zt_loader *l, const char *yaml, size_t len,
                       const char *source, size_t source_len, zt_diag *diag) {
  zt_diag_clear(diag);
  int rc = usable(l, diag);
  if (rc)
    return rc;
  if ((!yaml && len) || (!source && source_len))
    return source_error(l, NULL, ZT_EINVAL, "invalid argument", diag);
  const char *name = intern(l, source, source_len);
  if (!name)
    return source_error(l, NULL, ZT_ENOMEM, "out of memory", diag);
  return add_buffer(l, yaml, len, name, diag);
}

/* Reads a whole regular file, refusing one over the source limit before
 * reading it. */
static int read_file(zt_loader *l, const char *path, char **out, size_t *len,
                     const char **why) {
  const zt_allocator *mem = &l->mem;
  uint64_t max = l->engine->cfg.limits[ZT_LIMIT_SOURCE_BYTES];
  int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
  struct stat st;
  *why = NULL;
  if (fd < 0 || fstat(fd, &st) != 0) {
    *why = strerror(errno);
    if (fd >= 0)
      close(fd);
    return ZT_EIO;
  }
  int rc = ZT_OK;
  if (!S_ISREG(st.st_mode))
    rc = ZT_EIO, *why = "not a regular file";
  else if ((uint64_t)st.st_size > max)
    rc = ZT_ELIMIT, *why = "file exceeds the source size limit";
  char *buf = rc ? NULL : zt_alloc(mem, (size_t)st.st_size + 1);
  if (!rc && !buf)
    rc = ZT_ENOMEM, *why = "out of memory";
  size_t got = 0;
  while (!rc && got < (size_t)st.st_size) {
    ssize_t n = read(fd, buf + got, (size_t)st.st_size - got);
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0) {
      rc = ZT_EIO, *why = n < 0 ? strerror(errno) : "file shrank while read";
      break;
    }
    got += (size_t)n;
  }
  close(fd);
  if (rc) {
    zt_free(mem, buf);
    return rc;
  }
  *out = buf;
  *len = got;
  return ZT_OK;
}

static int add_file(zt_loader *l, const char *path, zt_diag *diag) {
  const char *name = intern(l, path, strlen(path));
  if (!name)
    return source_error(l, NULL, ZT_ENOMEM, "out of memory", diag);
  char *buf = NULL;
  size_t len = 0;
  const char *why;
  int rc = read_file(l, path, &buf, &len, &why);
  if (rc)
    return source_error(l, name, rc, why, diag);
  rc = add_buffer(l, buf, len, name, diag);
  zt_free(&l->mem, buf);
  return rc;
}

static bool yaml_name(const char *n) {
  size_t len = strlen(n);
  if (n[0] == '.')
    return false;
  return (len > 5 && strcmp(n + len - 5, ".yaml") == 0) ||
         (len > 4 && strcmp(n + len - 4, ".yml") == 0);
}

/* Subdirectories and other non-files named *.yaml are not policy files. */
static bool regular_entry(const char *dir, const char *name) {
  char path[PATH_MAX];
  struct stat st;
  if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, name) >= sizeof(path))
    return false;
  return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

static int cmp_names(const void *a, const void *b) {
  return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The directory's YAML file names, sorted; *names is owned by the caller. */
static int list_dir(zt_loader *l, const char *dir, char ***names,
                    size_t *count) {
  const zt_allocator *mem = &l->mem;
  DIR *d = opendir(dir);
  if (!d)
    return ZT_EIO;
  size_t cap = 0;
  int rc = ZT_OK;
  struct dirent *ent;
  while (rc == ZT_OK && (ent = readdir(d)) != NULL) {
    if (!yaml_name(ent->d_name) || !regular_entry(dir, ent->d_name))
      continue;
    if (*count >= l->engine->cfg.limits[ZT_LIMIT_DOCUMENTS]) {
      rc = ZT_ELIMIT;
      break;
    }
    size_t n = strlen(ent->d_name);
    char *copy = zt_alloc(mem, n + 1);
    if (!copy ||
        !zt_grow(mem, (void **)names, sizeof(**names), &cap, *count + 1)) {
      zt_free(mem, copy);
      rc = ZT_ENOMEM;
      break;
    }
    memcpy(copy, ent->d_name, n + 1);
    (*names)[(*count)++] = copy;
  }
  closedir(d);
  if (*count)
    qsort(*names, *count, sizeof(**names), cmp_names);
  return rc;
}

static void free_names(const zt_allocator *mem, char **names, size_t n) {
  for (size_t i = 0; i < n; i++)
    zt_free(mem, names[i]);
  zt_free(mem, names);
}

static int add_dir(zt_loader *l, const char *dir, zt_diag *diag) {
  char **names = NULL;
  size_t count = 0;
  int rc = list_dir(l, dir, &names, &count);
  if (rc) {
    /* A directory that cannot be listed whole is not loaded at all. */
    free_names(&l->mem, names, count);
    const char *why = rc == ZT_EIO ? "cannot read directory"
                      : rc == ZT_ELIMIT
                          ? "more YAML files than the object limit"
                          : "out of memory";
    return source_error(l, intern(l, dir, strlen(dir)), rc, why, diag);
  }
  char path[PATH_MAX];
  zt_diag first;
  zt_diag_clear(&first);
  size_t dl = strlen(dir);
  const char *sep = dl && dir[dl - 1] == '/' ? "" : "/";
  for (size_t i = 0; i < count; i++) {
    int r;
    if ((size_t)snprintf(path, sizeof(path), "%s%s%s", dir, sep, names[i]) >=
        sizeof(path))
      r = source_error(l, intern(l, names[i], strlen(names[i])), ZT_EINVAL,
                       "path too long", diag);
    else
      r = add_file(l, path, diag);
    if (r && !rc) {
      rc = r;
      if (diag)
        first = *diag;
    }
  }
  free_names(&l->mem, names, count);
  if (rc && diag)
    *diag = first;
  return rc;
}

int zt_loader_add_path(zt_loader *l, const char *path, size_t path_len,
                       zt_diag *diag) {
  zt_diag_clear(diag);
  int rc = usable(l, diag);
  if (rc)
    return rc;
  if (!path || path_len == 0)
    return source_error(l, NULL, ZT_EINVAL, "a path is required", diag);
  char p[PATH_MAX];
  if (path_len >= sizeof(p) || memchr(path, '\0', path_len))
    return source_error(l, NULL, ZT_EINVAL, "invalid path", diag);
  memcpy(p, path, path_len);
  p[path_len] = '\0';
  struct stat st;
  if (stat(p, &st) != 0) {
    const char *name = intern(l, p, path_len);
    return source_error(l, name ? name : "<path>", ZT_EIO, strerror(errno),
                        diag);
  }
  if (S_ISDIR(st.st_mode))
    return add_dir(l, p, diag);
  return add_file(l, p, diag);
}

static int check_set(zt_loader *l, zt_diag *diag) {
  if (!l->checked) {
    zt_reporter_mark(&l->rep);
    zt_policy_lint_set(l->ps, &l->engine->cfg, &l->rep);
    l->checked = true;
  }
  if (l->rep.errors == 0)
    return ZT_OK;
  if (diag)
    *diag = l->rep.first;
  return l->rep.first.code ? l->rep.first.code : ZT_EINTERNAL;
}

int zt_loader_validate(zt_loader *l, zt_diag *diag) {
  zt_diag_clear(diag);
  int rc = usable(l, diag);
  return rc ? rc : check_set(l, diag);
}

int zt_engine_commit(zt_engine *e, zt_loader *l, zt_diag *diag) {
  zt_diag_clear(diag);
  if (!e || !l || l->engine != e)
    return zt_diag_fail(diag, ZT_EINVAL, "loader of another engine");
  if (!l->ps)
    return zt_diag_fail(diag, ZT_ESTATE, "loader already committed");
  int rc = check_set(l, diag);
  if (rc)
    return rc;
  rc = zt_engine_publish(e, l->ps);
  if (rc)
    return zt_diag_fail(diag, rc,
                        rc == ZT_ENOMEM ? "out of memory"
                                        : "policies could not be compiled");
  l->ps = NULL;
  return ZT_OK;
}
