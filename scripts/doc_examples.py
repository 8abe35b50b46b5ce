#!/usr/bin/env python3
"""Checks docs/api: every public function of the header has a page named
after it, and every page's EXAMPLE block compiles with -Wall -Wextra
-Werror and links against the library. Prints TAP.

usage: doc_examples.py --cc CC --include DIR --lib LIBPATH --header H DOCDIR
"""
import argparse
import os
import re
import subprocess
import sys
import tempfile

FENCE = re.compile(r"^```c\n(.*?)^```", re.S | re.M)


def public_functions(header):
    text = open(header, encoding="utf-8").read()
    names = set(re.findall(r"\b(zt_[a-z0-9_]+)\s*\(", text))
    return sorted(n for n in names if not n.endswith("_fn"))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--cc", required=True)
    ap.add_argument("--include", required=True)
    ap.add_argument("--lib", required=True)
    ap.add_argument("--header", required=True)
    ap.add_argument("docdir")
    a = ap.parse_args()
    pages = sorted(p for p in os.listdir(a.docdir) if p.endswith(".md"))
    funcs = public_functions(a.header)
    results = []
    for f in funcs:
        results.append((f"{f} has a page", f"{f}.md" in pages, ""))
    libdir = os.path.dirname(a.lib)
    with tempfile.TemporaryDirectory() as tmp:
        for page in pages:
            text = open(os.path.join(a.docdir, page), encoding="utf-8").read()
            if not page.startswith("zt_"):
                continue
            blocks = FENCE.findall(text.split("## EXAMPLE", 1)[-1]) \
                if "## EXAMPLE" in text else []
            if not blocks:
                results.append((f"{page} has an example", False, "no ```c block under ## EXAMPLE"))
                continue
            src = os.path.join(tmp, page[:-3] + ".c")
            with open(src, "w", encoding="utf-8") as out:
                out.write(blocks[0])
            exe = src[:-2]
            cmd = [a.cc, "-std=c11", "-Wall", "-Wextra", "-Werror",
                   "-D_POSIX_C_SOURCE=200809L", "-I", a.include, src,
                   "-o", exe, "-L", libdir, "-lztauth",
                   "-Wl,-rpath," + libdir]
            p = subprocess.run(cmd, capture_output=True, text=True)
            results.append((f"{page} example compiles", p.returncode == 0,
                            p.stderr.strip()))
    print(f"1..{len(results)}")
    bad = 0
    for i, (name, ok, why) in enumerate(results, 1):
        print(f"{'ok' if ok else 'not ok'} {i} - {name}")
        if not ok:
            bad += 1
            for line in why.splitlines()[:20]:
                print("# " + line)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
