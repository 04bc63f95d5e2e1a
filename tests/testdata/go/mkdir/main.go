// mkdir: the blog example. syscall.Mkdir is mkdirat(AT_FDCWD, ...) since
// Go 1.?? on linux/amd64 and always on arm64; on Go >= 1.17 amd64 the number
// reaches syscall.Syscall in AX, which the objdump-scraping tool missed.
// With a second argument it then runs that program (os/exec), which a
// profile made for this binary alone must deny.
package main

import (
	"fmt"
	"os"
	"os/exec"
	"syscall"
)

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: mkdir DIR [PROG ARGS...]")
		os.Exit(2)
	}
	if err := syscall.Mkdir(os.Args[1], 0o755); err != nil {
		fmt.Fprintln(os.Stderr, "mkdir:", err)
		os.Exit(1)
	}
	fmt.Println("created", os.Args[1])
	if len(os.Args) > 2 {
		cmd := exec.Command(os.Args[2], os.Args[3:]...)
		cmd.Stdout = os.Stdout
		cmd.Stderr = os.Stderr
		if err := cmd.Run(); err != nil {
			fmt.Fprintln(os.Stderr, "exec:", err)
			os.Exit(3)
		}
	}
}
