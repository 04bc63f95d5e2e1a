#!/usr/bin/env python3
"""Writes the source of a synthetic, large, static Go program.

    bench/gen_big_go.py DIR [PACKAGES] [FUNCS_PER_PACKAGE]

The benchmark target is "a 100 MB binary"; the biggest Go binaries on a
Debian machine (dockerd 75 MB, hugo 53 MB) are dynamically linked and
smaller, so bench/run.sh builds this one (go build in DIR) when asked to.
Every function is reachable from main (the linker keeps it) and does
ordinary Go work -- formatting, maps, closures, interface calls -- and some
packages make system calls through os, net, os/exec and syscall, so the
binary has the usual runtime, syscall package and wrapper structure.
"""
import os
import sys

def main():
    out = sys.argv[1]
    npkg = int(sys.argv[2]) if len(sys.argv) > 2 else 200
    nfunc = int(sys.argv[3]) if len(sys.argv) > 3 else 200
    os.makedirs(out, exist_ok=True)
    with open(os.path.join(out, "go.mod"), "w") as f:
        f.write("module biggo\n\ngo 1.19\n")
    for p in range(npkg):
        d = os.path.join(out, "p%03d" % p)
        os.makedirs(d, exist_ok=True)
        lines = ["package p%03d" % p, "", "import (", '\t"fmt"', '\t"os"', '\t"sort"',
                 '\t"strconv"', '\t"strings"']
        if p % 10 == 0:
            lines += ['\t"net"', '\t"os/exec"', '\t"syscall"']
        lines += [")", "", "type T struct{ a, b int; s string; m map[string]int }", "",
                  "func (t *T) String() string { return fmt.Sprintf(\"%d/%d/%s\", t.a, t.b, t.s) }", ""]
        for i in range(nfunc):
            k = p * nfunc + i
            lines += [
                "func F%d(n int) int {" % i,
                "\tt := &T{a: n, b: %d, s: strconv.Itoa(n), m: map[string]int{}}" % k,
                "\tvar parts []string",
                "\tfor j := 0; j < n%%%d+3; j++ {" % (i % 7 + 2),
                "\t\tkey := fmt.Sprintf(\"k%d-%%d-%%s\", j, t.s)" % k,
                "\t\tt.m[key] += j * %d" % (k % 97 + 1),
                "\t\tparts = append(parts, strings.ToUpper(key))",
                "\t}",
                "\tsort.Strings(parts)",
                "\tswitch n %% %d {" % (i % 5 + 3),
                "\tcase 0:",
                "\t\tt.b += len(strings.Join(parts, \",\"))",
                "\tcase 1:",
                "\t\tt.b -= strings.Count(t.String(), \"%d\")" % (k % 10),
                "\tcase 2:",
                "\t\tif v, err := strconv.Atoi(t.s); err == nil { t.b ^= v }",
                "\tdefault:",
                "\t\tf := func(x int) int { return x*%d + len(parts) }" % (k % 13 + 1),
                "\t\tt.b = f(t.b)",
                "\t}",
            ]
            if p % 10 == 0 and i % 50 == 0:
                lines += [
                    "\tif n < 0 {",
                    "\t\t_ = os.MkdirAll(t.s, 0o755)",
                    "\t\tif c, err := net.Dial(\"tcp\", t.s); err == nil { c.Close() }",
                    "\t\t_ = exec.Command(\"/bin/true\", t.s).Run()",
                    "\t\t_, _, _ = syscall.Syscall(syscall.SYS_GETPID, 0, 0, 0)",
                    "\t}",
                ]
            lines += ["\tif n > 1<<30 { fmt.Fprintln(os.Stderr, t) }", "\treturn t.b + len(t.m)", "}", ""]
        lines.append("var All = []func(int) int{" +
                     ", ".join("F%d" % i for i in range(nfunc)) + "}")
        with open(os.path.join(d, "p.go"), "w") as f:
            f.write("\n".join(lines) + "\n")
    with open(os.path.join(out, "main.go"), "w") as f:
        f.write("package main\n\nimport (\n\t\"fmt\"\n\t\"os\"\n")
        for p in range(npkg):
            f.write('\t"biggo/p%03d"\n' % p)
        f.write(")\n\nfunc main() {\n\tsum := 0\n\tn := len(os.Args)\n")
        for p in range(npkg):
            f.write("\tfor _, fn := range p%03d.All { sum += fn(n) }\n" % p)
        f.write("\tfmt.Println(sum)\n}\n")

if __name__ == "__main__":
    main()
