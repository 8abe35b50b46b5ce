/* Collecting problems: every error, warning and note goes to the host's
 * report callback with its position and the object it belongs to; the first
 * error is kept for the call's zt_diag. */
#ifndef ZT_DIAG_H
#define ZT_DIAG_H

#include <stdint.h>

#include "policy.h"
#include "ztauth.h"

/* Past this many reports per loader only the counts grow. */
#define ZT_REPORT_MAX 1000

typedef struct zt_reporter {
  zt_report_fn fn;
  void *ctx;
  zt_diag first; /* first error; code == ZT_OK while there is none */
  uint64_t errors;
  uint64_t warnings;
  uint64_t reported;
  zt_diag mark_first; /* first error since zt_reporter_mark */
  /* What the problems being reported belong to. */
  const char *source;
  int32_t document;
  const char *kind;
  zt_sval ns;
  zt_sval name;
} zt_reporter;

void zt_reporter_init(zt_reporter *r, zt_report_fn fn, void *ctx);
/* Starts a new call: mark_first then receives that call's first error. */
void zt_reporter_mark(zt_reporter *r);
/* Sets the current object (kind/ns/name may be NULL or absent). */
void zt_reporter_object(zt_reporter *r, const char *kind, zt_sval ns,
                        zt_sval name);

#if defined(__GNUC__)
#define ZT_PRINTF(f, a) __attribute__((format(printf, f, a)))
#else
#define ZT_PRINTF(f, a)
#endif

void zt_report(zt_reporter *r, int severity, int code, zt_pos pos,
               const char *fmt, ...) ZT_PRINTF(5, 6);

/* Fills a caller's diag (which may be NULL) for a failure without a
 * document position. Returns code. */
int zt_diag_fail(zt_diag *d, int code, const char *fmt, ...) ZT_PRINTF(3, 4);
void zt_diag_clear(zt_diag *d);
/* Formats a field path such as spec.rules[0].from[1] into buf, truncating
 * when it does not fit (paths are short; the bound is for safety). */
void zt_path_fmt(char *buf, size_t cap, const char *fmt, ...) ZT_PRINTF(3, 4);
/* Copies a bounded string into a fixed diag field. */
void zt_diag_copy(char *dst, size_t cap, const char *s, size_t n);

#endif
