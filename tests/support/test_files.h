/* Reading test data: whole files, and the shared vectors directory. */
#ifndef ZT_TEST_FILES_H
#define ZT_TEST_FILES_H

#include <stdbool.h>
#include <stddef.h>

/* The vectors directory: $ZT_VECTORS, else ../shared/vectors. */
const char *test_vectors_dir(void);
/* Whether that directory exists (tests that need it skip otherwise). */
bool test_vectors_present(void);
/* A whole file, NUL-terminated, malloc'ed; NULL if it cannot be read. */
char *test_read_file(const char *path, size_t *len);

/* The test PKI made at build time (tests/pki/make_pki.sh): $ZT_PKI, set
 * by meson; NULL when unset. */
const char *test_pki_dir(void);
/* A file of that directory as test_read_file() reads it; NULL without
 * the PKI or the file. */
char *test_pki_read(const char *name, size_t *len);

#endif
