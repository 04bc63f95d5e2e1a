// rawsys: direct syscall.Syscall/RawSyscall/Syscall6 calls with constant
// numbers, a number chosen on a branch, and a wrapper of our own that
// passes its parameter on (a wrapper of a wrapper).
package main

import (
	"fmt"
	"os"
	"syscall"
	"unsafe"
)

//go:noinline
func mySyscall(trap uintptr, a1 uintptr) uintptr {
	r, _, _ := syscall.Syscall(trap, a1, 0, 0)
	return r
}

//go:noinline
func myOuter(trap uintptr) uintptr {
	return mySyscall(trap, 0)
}

func main() {
	pid, _, _ := syscall.RawSyscall(syscall.SYS_GETPID, 0, 0, 0)
	ppid := myOuter(syscall.SYS_GETPPID)
	nr := uintptr(syscall.SYS_GETUID)
	if len(os.Args) > 5 {
		nr = syscall.SYS_GETEUID
	}
	uid := mySyscall(nr, 0)
	var ts syscall.Timespec
	syscall.Syscall6(syscall.SYS_CLOCK_GETTIME, 1, uintptr(unsafe.Pointer(&ts)), 0, 0, 0, 0)
	// uint64: 1<<32 does not fit a 32-bit uintptr (GOARCH=386, arm).
	fmt.Println(pid > 0, ppid > 0, uint64(uid) < 1<<32)
}
