#include "bench_util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#ifdef HAVE_CALLGRIND_H
#include <valgrind/callgrind.h>
#else
#define CALLGRIND_TOGGLE_COLLECT
#endif

void bench_die(const char *what) {
  fprintf(stderr, "%s: %s\n", bench_prog, what);
  exit(1);
}

void *bench_xmalloc(size_t n) {
  void *p = malloc(n ? n : 1);
  if (!p)
    bench_die("out of memory");
  return p;
}

double bench_now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

double bench_median(double *v, int n) {
  qsort(v, (size_t)n, sizeof(double), cmp_double);
  return v[n / 2];
}

int bench_rounds(const char *arg, int def) {
  int rounds = arg ? atoi(arg) : def;
  return rounds < 1 || rounds > BENCH_MAX_ROUNDS ? def : rounds;
}

long bench_calibrate(double (*time_op)(void *arg, long n), void *arg,
                     long start) {
  long it = start;
  while (time_op(arg, it) * (double)it < BENCH_MIN_REP_NS && it < (1L << 30))
    it *= 2;
  return it;
}

/* ---- Rows ---------------------------------------------------------------- */

void bench_check_floors(const bench_table *t) {
  for (size_t i = 0; i < t->n; i++) {
    const bench_row *r = &t->rows[i];
    size_t n = strlen(r->name);
    if (r->floor >= 0 && ((size_t)r->floor >= t->n ||
                          strncmp(t->rows[r->floor].name, r->name, n) != 0 ||
                          strcmp(t->rows[r->floor].name + n, "-floor") != 0))
      bench_die("a row names the wrong floor");
  }
}

bench_row *bench_find(const bench_table *t, const char *name) {
  for (size_t i = 0; i < t->n; i++)
    if (strcmp(t->rows[i].name, name) == 0)
      return &t->rows[i];
  return NULL;
}

void bench_list(const bench_table *t) {
  for (size_t i = 0; i < t->n; i++)
    printf("%-*s %s\n", t->name_w, t->rows[i].name, t->rows[i].what);
}

int bench_count_ir(const bench_table *t, const char *name) {
  const bench_row *r = bench_find(t, name);
  if (!r) {
    fprintf(stderr, "%s: no row \"%s\" (see --list)\n", bench_prog, name);
    return 2;
  }
  if (r->skip) {
    fprintf(stderr, "%s: %s skipped: %s\n", bench_prog, name, r->skip);
    return 3;
  }
  int rc = t->before_ir ? t->before_ir(r) : 0;
  if (rc != 0)
    return rc;
  CALLGRIND_TOGGLE_COLLECT;
  long bad = r->loop(r, BENCH_IR_OPS);
  CALLGRIND_TOGGLE_COLLECT;
  if (bad) {
    fprintf(stderr, "%s: %s: %ld of %d operations failed\n", bench_prog, name,
            bad, BENCH_IR_OPS);
    return 1;
  }
  fprintf(stderr, "%s: %d operations of %s collected\n", bench_prog,
          BENCH_IR_OPS, name);
  return 0;
}

/* ns per operation of n operations of the row (a bench_row *). */
static double run(void *row, long n) {
  const bench_row *r = row;
  double t0 = bench_now_ns();
  long bad = r->loop(r, n);
  double dt = bench_now_ns() - t0;
  if (bad) {
    fprintf(stderr, "%s: %s: %ld of %ld operations failed\n", bench_prog,
            r->name, bad, n);
    exit(1);
  }
  return dt / (double)n;
}

void bench_time_rows(const bench_table *t, int rounds) {
  for (size_t i = 0; i < t->n; i++)
    if (!t->rows[i].skip)
      t->rows[i].iters = bench_calibrate(run, &t->rows[i], 1);
  for (int k = 0; k < rounds; k++)
    for (size_t i = 0; i < t->n; i++)
      if (!t->rows[i].skip)
        t->rows[i].ns[k] = run(&t->rows[i], t->rows[i].iters);
}

static const char *verdict(double v, double goal) {
  return v <= goal ? "met" : "MISSED";
}

/* The columns after a row's times: its floor and the ratios to it, or its
 * goal per operation. The times are sorted. */
static void print_goal(const bench_table *t, const bench_row *r, int rounds) {
  double med = r->ns[rounds / 2], mn = r->ns[0];
  if (r->floor >= 0) {
    const bench_row *f = &t->rows[r->floor];
    double xm = med / f->ns[rounds / 2], xn = mn / f->ns[0];
    printf("  %-*s %7.3f %7.3f", t->floor_w, f->name, xm, xn);
    if (r->goal_x > 0)
      printf("  <= %.2fx: med %s, min %s", r->goal_x, verdict(xm, r->goal_x),
             verdict(xn, r->goal_x));
    else
      printf("  (no goal)");
  } else if (r->goal_ns > 0) {
    printf("  %-*s %7s %7s  <= %.0f ns: med %s, min %s", t->floor_w, "", "", "",
           r->goal_ns, verdict(med, r->goal_ns), verdict(mn, r->goal_ns));
    if (r->goal_ir > 0)
      printf(" (and <= %ld Ir)", r->goal_ir);
  }
}

void bench_print(const bench_table *t, int rounds) {
  for (size_t i = 0; i < t->n; i++)
    if (!t->rows[i].skip)
      bench_median(t->rows[i].ns, rounds);
  printf("%-*s %13s %13s  %-*s %7s %7s  %s\n", t->name_w, "row", "median ns",
         "min ns", t->floor_w, "floor", "x med", "x min", "goal (wall time)");
  for (size_t i = 0; i < t->n; i++) {
    const bench_row *r = &t->rows[i];
    if (r->skip) {
      printf("%-*s %13s %13s  (skipped: %s)\n", t->name_w, r->name, "-", "-",
             r->skip);
      continue;
    }
    printf("%-*s %13.1f %13.1f", t->name_w, r->name, r->ns[rounds / 2],
           r->ns[0]);
    print_goal(t, r, rounds);
    printf("\n");
  }
}
