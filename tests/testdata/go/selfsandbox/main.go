// selfsandbox: the blog's mkdir program, confining itself through
// go2seccomp's C API (libgo2seccomp, found with pkg-config) instead of
// being launched under a profile. After g2s_allow_names it can still create
// its folder, but running another program is denied: the list has no
// execve, so os/exec fails with "operation not permitted".
//
//	selfsandbox DIR [PROG ARGS...]
//
// Built with CGO_ENABLED=1 by tests/sandbox (never by GoFixtures.cmake).
package main

/*
#cgo pkg-config: go2seccomp
#include <stdlib.h>
#include <go2seccomp/sandbox_c.h>
*/
import "C"

import (
	"fmt"
	"os"
	"os/exec"
	"syscall"
	"unsafe"
)

// What this program needs once it runs: the Go runtime (memory, signals,
// threads through glibc's pthread_create because of cgo: clone3 gets
// ENOSYS from the library so glibc falls back to clone, and glibc >= 2.35
// aborts a new thread whose rseq registration fails), printing, mkdirat,
// and os/exec up to the execve it must not get.
var allowed = []string{
	// Go runtime and glibc threads.
	"brk", "mmap", "munmap", "mprotect", "madvise", "futex", "clone",
	"rt_sigaction", "rt_sigprocmask", "sigaltstack", "gettid", "getpid",
	"tgkill", "nanosleep", "sched_yield", "sched_getaffinity",
	"set_robust_list", "rseq", "getrandom", "prlimit64",
	// Files and the poller.
	"read", "write", "openat", "close", "fcntl", "fstat", "newfstatat",
	"lseek", "epoll_create1", "epoll_ctl", "epoll_pwait", "pipe2",
	// What the program is for.
	"mkdirat",
	// os/exec: fork, wait, the child's fd set-up. No execve.
	"dup3", "wait4", "waitid", "getuid", "geteuid", "getgid", "getegid",
}

func sandbox() error {
	names := make([]*C.char, len(allowed))
	for i, n := range allowed {
		names[i] = C.CString(n)
		defer C.free(unsafe.Pointer(names[i]))
	}
	if C.g2s_allow_names(&names[0], C.size_t(len(names)), C.int(syscall.EPERM)) != 0 {
		return fmt.Errorf("%s", C.GoString(C.g2s_last_error()))
	}
	return nil
}

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: selfsandbox DIR [PROG ARGS...]")
		os.Exit(2)
	}
	if err := sandbox(); err != nil {
		fmt.Fprintln(os.Stderr, "sandbox:", err)
		os.Exit(4)
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
