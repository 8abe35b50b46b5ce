#!/bin/sh
# Compares the dynamic symbols a library exports with the committed list.
# Usage: abi_check.sh LIBRARY EXPECTED_LIST
lib=$1 expected=$2
actual=$(nm -D --defined-only "$lib" | awk '{print $3}' | sed 's/@.*//' |
  grep -v '^ZTAUTH_' | sort -u)
if [ "$actual" = "$(sort -u "$expected")" ]; then
  echo "exports match $(wc -l <"$expected") symbols"
  exit 0
fi
echo "exported symbols differ from $expected:"
printf '%s\n' "$actual" | diff "$expected" - || true
exit 1
