#!/usr/bin/env python3
"""Adds up the results of every test run and prints "N passed, M failed".

Arguments are LABEL=PATH. A meson testlog JSON counts each TAP subtest
(cmocka prints TAP) and each other test once; a fuzz results file counts
each PASS/FAIL line.
"""
import json
import re
import sys

TAP = re.compile(r"^(not ok|ok)\b(.*)$")


def meson_counts(path):
    passed = failed = skipped = 0
    with open(path, encoding="utf-8", errors="replace") as f:
        for line in f:
            if not line.strip():
                continue
            t = json.loads(line)
            result = t.get("result", "")
            sub = [TAP.match(l) for l in (t.get("stdout") or "").splitlines()]
            sub = [m for m in sub if m]
            if sub and result != "TIMEOUT":
                for m in sub:
                    if "# SKIP" in m.group(2):
                        skipped += 1
                    elif m.group(1) == "ok":
                        passed += 1
                    else:
                        failed += 1
                if result not in ("OK", "SKIP", "EXPECTEDFAIL") and all(
                        m.group(1) == "ok" for m in sub):
                    failed += 1  # the binary failed after its subtests
            elif result in ("OK", "EXPECTEDFAIL"):
                passed += 1
            elif result == "SKIP":
                skipped += 1
            else:
                failed += 1
    return passed, failed, skipped


def fuzz_counts(path):
    passed = failed = 0
    with open(path, encoding="utf-8", errors="replace") as f:
        for line in f:
            if line.startswith("PASS "):
                passed += 1
            elif line.startswith("FAIL "):
                failed += 1
    return passed, failed, 0


def main():
    total = [0, 0, 0]
    for arg in sys.argv[1:]:
        label, _, path = arg.partition("=")
        try:
            counts = fuzz_counts(path) if label == "fuzz" else meson_counts(path)
        except OSError as e:
            print(f"{label}: no results ({e})")
            counts = (0, 1, 0)
        print(f"{label}: {counts[0]} passed, {counts[1]} failed, {counts[2]} skipped")
        total = [a + b for a, b in zip(total, counts)]
    line = f"{total[0]} passed, {total[1]} failed"
    if total[2]:
        line += f", {total[2]} skipped"
    print(line)
    return 0 if total[1] == 0 and total[0] > 0 else 1


if __name__ == "__main__":
    sys.exit(main())
