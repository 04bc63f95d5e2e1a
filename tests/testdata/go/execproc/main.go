// execproc: runs /bin/true with os/exec (clone/vfork, execve in the child,
// wait4/waitid in the parent, pipes).
package main

import (
	"fmt"
	"os"
	"os/exec"
)

func main() {
	prog := "/bin/true"
	if len(os.Args) > 1 {
		prog = os.Args[1]
	}
	if err := exec.Command(prog).Run(); err != nil {
		fmt.Fprintln(os.Stderr, "run:", err)
		os.Exit(1)
	}
	fmt.Println("ran", prog)
}
