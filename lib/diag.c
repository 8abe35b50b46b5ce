#include "diag.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

void zt_diag_copy(char *dst, size_t cap, const char *s, size_t n) {
  if (cap == 0)
    return;
  if (!s)
    n = 0;
  if (n >= cap)
    n = cap - 1;
  if (n)
    memcpy(dst, s, n);
  dst[n] = '\0';
}

void zt_diag_clear(zt_diag *d) {
  if (!d)
    return;
  memset(d, 0, sizeof(*d));
  d->document = -1;
}

int zt_diag_fail(zt_diag *d, int code, const char *fmt, ...) {
  if (!d)
    return code;
  zt_diag_clear(d);
  d->code = code;
  d->severity = ZT_SEVERITY_ERROR;
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(d->message, sizeof(d->message), fmt, ap);
  va_end(ap);
  return code;
}

void zt_reporter_init(zt_reporter *r, zt_report_fn fn, void *ctx) {
  memset(r, 0, sizeof(*r));
  r->fn = fn;
  r->ctx = ctx;
  r->document = -1;
  zt_diag_clear(&r->first);
  zt_diag_clear(&r->mark_first);
}

void zt_reporter_mark(zt_reporter *r) {
  zt_diag_clear(&r->mark_first);
}

void zt_reporter_object(zt_reporter *r, const char *kind, zt_sval ns,
                        zt_sval name) {
  r->kind = kind;
  r->ns = ns;
  r->name = name;
}

void zt_report(zt_reporter *r, int severity, int code, zt_pos pos,
               const char *fmt, ...) {
  zt_diag d;
  zt_diag_clear(&d);
  d.code = severity == ZT_SEVERITY_ERROR ? code : ZT_OK;
  d.severity = severity;
  d.line = pos.line;
  d.column = pos.col;
  d.document = r->document;
  zt_diag_copy(d.file, sizeof(d.file), r->source,
               r->source ? strlen(r->source) : 0);
  zt_diag_copy(d.kind, sizeof(d.kind), r->kind, r->kind ? strlen(r->kind) : 0);
  zt_diag_copy(d.ns, sizeof(d.ns), r->ns.s, r->ns.len);
  zt_diag_copy(d.name, sizeof(d.name), r->name.s, r->name.len);
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(d.message, sizeof(d.message), fmt, ap);
  va_end(ap);
  if (severity == ZT_SEVERITY_ERROR) {
    if (r->errors++ == 0)
      r->first = d;
    if (r->mark_first.code == ZT_OK)
      r->mark_first = d;
  } else if (severity == ZT_SEVERITY_WARNING) {
    r->warnings++;
  }
  if (r->fn && r->reported < ZT_REPORT_MAX) {
    r->reported++;
    r->fn(r->ctx, &d);
  }
}

void zt_path_fmt(char *buf, size_t cap, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(buf, cap, fmt, ap);
  va_end(ap);
}
