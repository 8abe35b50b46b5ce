#include "test_files.h"

#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>

const char *test_vectors_dir(void) {
  const char *d = getenv("ZT_VECTORS");
  return d && *d ? d : "../shared/vectors";
}

bool test_vectors_present(void) {
  struct stat st;
  return stat(test_vectors_dir(), &st) == 0 && S_ISDIR(st.st_mode);
}

char *test_read_file(const char *path, size_t *len) {
  FILE *f = fopen(path, "rb");
  if (!f)
    return NULL;
  char *p = NULL;
  long n = -1;
  if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) >= 0 &&
      fseek(f, 0, SEEK_SET) == 0 && (p = malloc((size_t)n + 1)) != NULL &&
      fread(p, 1, (size_t)n, f) != (size_t)n) {
    free(p);
    p = NULL;
  }
  fclose(f);
  if (p) {
    p[n] = '\0';
    *len = (size_t)n;
  }
  return p;
}

const char *test_pki_dir(void) {
  const char *d = getenv("ZT_PKI");
  return d && *d ? d : NULL;
}

char *test_pki_read(const char *name, size_t *len) {
  const char *dir = test_pki_dir();
  char path[4096];
  if (!dir)
    return NULL;
  snprintf(path, sizeof path, "%s/%s", dir, name);
  return test_read_file(path, len);
}
