// ztauth.h compiles alone as C++ and declares C linkage.
#include "ztauth.h"

int main() {
  zt_diag d = {};
  const char *(*fn)(int) = &zt_strerror;
  (void)fn;
  return d.code;
}
