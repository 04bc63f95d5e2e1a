// cstatic: C code inside a Go program, built to be linked statically
// (-linkmode=external -extldflags=-static) against glibc's libc.a or musl.
// Given a directory, the Go side writes a file there; the C side opens and
// reads it (open/read and stdio), makes a socket and calls getpid through
// libc; a C constructor runs from .init_array before Go starts.
package main

/*
#include <fcntl.h>
#include <stdlib.h>
#include <netinet/in.h>
#include <stdio.h>
#include <sys/socket.h>
#include <unistd.h>

static int init_ppid;

// Runs from .init_array, before any Go code.
__attribute__((constructor)) static void cstatic_init(void) { init_ppid = getppid(); }

static int c_work(const char* path) {
  int fd = open(path, O_RDONLY);
  if (fd < 0) return -1;
  char buf[64];
  ssize_t n = read(fd, buf, sizeof buf);
  close(fd);
  FILE* f = fopen(path, "r");
  if (f == NULL) return -2;
  int c = fgetc(f);
  fclose(f);
  int s = socket(AF_INET, SOCK_DGRAM, 0);
  if (s < 0) return -3;
  close(s);
  if (getpid() <= 0 || init_ppid <= 0 || c == EOF) return -4;
  return (int)n;
}
*/
import "C"

import (
	"fmt"
	"os"
	"path/filepath"
	"unsafe"
)

func main() {
	dir := os.TempDir()
	if len(os.Args) > 1 {
		dir = os.Args[1]
	}
	path := filepath.Join(dir, "cstatic.txt")
	if err := os.WriteFile(path, []byte("written by Go, read by C\n"), 0o644); err != nil {
		fmt.Fprintln(os.Stderr, "cstatic:", err)
		os.Exit(1)
	}
	cpath := C.CString(path)
	defer C.free(unsafe.Pointer(cpath))
	n := C.c_work(cpath)
	if n < 0 {
		fmt.Fprintln(os.Stderr, "cstatic: C side failed:", n)
		os.Exit(1)
	}
	fmt.Println("cstatic ok", n > 0)
}
