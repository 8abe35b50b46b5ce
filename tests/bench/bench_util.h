/*
 * The harness of the benchmarks: wall-time rounds and medians, and for
 * the benchmarks made of rows (bench_jwt, bench_svid) the rows themselves:
 * each row is timed in repetitions of at least BENCH_MIN_REP_NS,
 * interleaved across rows, compared with its floor row and its goals, and
 * counted under callgrind (--ir ROW: exactly BENCH_IR_OPS operations with
 * collection on, so "Collected" / BENCH_IR_OPS is the count per op).
 * Every message starts with the program's name, bench_prog.
 */
#ifndef ZT_BENCH_UTIL_H
#define ZT_BENCH_UTIL_H

#include <stddef.h>

#define BENCH_IR_OPS 1000
#define BENCH_MAX_ROUNDS 32
#define BENCH_MIN_REP_NS 30e6

/* Defined by each benchmark: "bench_jwt", ... */
extern const char bench_prog[];

/* Prints "bench_prog: what" and exits with status 1. */
_Noreturn void bench_die(const char *what);
/* malloc (of at least one byte) that dies rather than fail. */
void *bench_xmalloc(size_t n);

/* The monotonic clock in ns. */
double bench_now_ns(void);
/* Sorts v[0..n) and returns its median: v[0] is then the minimum. */
double bench_median(double *v, int n);
/* The ROUNDS argument; def when arg is NULL or not in 1..BENCH_MAX_ROUNDS. */
int bench_rounds(const char *arg, int def);
/* The iterations of one repetition: start, doubled until timing them
 * (time_op returns ns per operation) lasts BENCH_MIN_REP_NS. */
long bench_calibrate(double (*time_op)(void *arg, long n), void *arg,
                     long start);

/* ---- Rows ---------------------------------------------------------------- */

typedef struct bench_row bench_row;
/* n operations of the row; returns how many failed. */
typedef long (*bench_loop_fn)(const bench_row *r, long n);

struct bench_row {
  const char *name, *what;
  bench_loop_fn loop;
  void *arg;        /* what loop works on */
  int floor;        /* index of the row "NAME-floor"; -1: none */
  double goal_x;    /* wall-time ratio goal to the floor; 0: none */
  double goal_ns;   /* wall-time goal per op; 0: none */
  long goal_ir;     /* Ir goal printed beside goal_ns; 0: none */
  const char *skip; /* why the row is not run; NULL: it is */
  long iters;
  double ns[BENCH_MAX_ROUNDS];
};

typedef struct bench_table {
  bench_row *rows;
  size_t n;
  int name_w, floor_w; /* widths of the row and floor columns */
  /* Prepares r for --ir outside the count: 0, or the exit status after
   * printing why r cannot be counted. NULL: nothing to prepare. */
  int (*before_ir)(const bench_row *r);
} bench_table;

/* Dies unless each row that names a floor names "ITS-NAME-floor". */
void bench_check_floors(const bench_table *t);
/* The row called name, or NULL. */
bench_row *bench_find(const bench_table *t, const char *name);
/* --list: each row's name and what it runs. */
void bench_list(const bench_table *t);
/* --ir ROW: the exit status (2: no such row, 3: skipped, 1: failed). */
int bench_count_ir(const bench_table *t, const char *name);
/* Times every row that runs, rounds times, interleaved; dies if an
 * operation fails. */
void bench_time_rows(const bench_table *t, int rounds);
/* The table of medians, minimums, floor ratios and goals. Sorts each
 * row's times: ns[rounds / 2] is then its median, ns[0] its minimum. */
void bench_print(const bench_table *t, int rounds);

#endif
