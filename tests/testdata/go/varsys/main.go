// varsys: a syscall whose number comes from program input. No analysis can
// resolve it; go2seccomp must report it as a finding (function and
// file:line), never skip it silently.
package main

import (
	"fmt"
	"os"
	"strconv"
	"syscall"
)

func main() {
	n := 39 // getpid
	if len(os.Args) > 1 {
		n, _ = strconv.Atoi(os.Args[1])
	}
	r, _, errno := syscall.Syscall(uintptr(n), 0, 0, 0)
	fmt.Println(r > 0, errno == 0)
}
