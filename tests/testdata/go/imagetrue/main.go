// imagetrue: the /usr/bin/true of the test container images
// (tests/image). It exits 0 after sysinfo(2), a syscall the program that
// runs it (execproc) never makes, so a profile that does not cover it too
// makes it, and the container, fail.
package main

import (
	"fmt"
	"os"
	"syscall"
)

func main() {
	var si syscall.Sysinfo_t
	if err := syscall.Sysinfo(&si); err != nil {
		fmt.Fprintln(os.Stderr, "sysinfo:", err)
		os.Exit(1)
	}
}
