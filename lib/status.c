#include "ztauth.h"

#define ZT_STR2(x) #x
#define ZT_STR(x) ZT_STR2(x)

const char *zt_version(void) {
  return ZT_STR(ZT_VERSION_MAJOR) "." ZT_STR(ZT_VERSION_MINOR) "." ZT_STR(
      ZT_VERSION_PATCH);
}

uint32_t zt_version_number(void) {
  return ZT_VERSION_NUMBER;
}

const char *zt_strerror(int code) {
  switch (code) {
  case ZT_OK:
    return "success";
  case ZT_EINVAL:
    return "invalid argument";
  case ZT_ENOMEM:
    return "out of memory";
  case ZT_ELIMIT:
    return "input exceeds a limit";
  case ZT_ESYNTAX:
    return "malformed input";
  case ZT_ESCHEMA:
    return "document does not match the schema";
  case ZT_EPOLICY:
    return "policy breaks a validation rule";
  case ZT_EIO:
    return "file could not be read";
  case ZT_EDUPLICATE:
    return "duplicate object";
  case ZT_ESTATE:
    return "call does not fit the object's state";
  case ZT_EINTERNAL:
    return "internal error";
  case ZT_EIDENTITY:
    return "not a valid SVID";
  default:
    return "unknown status code";
  }
}
