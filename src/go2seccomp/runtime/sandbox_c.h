/* go2seccomp's sandbox library for C and cgo: a program confines itself
 * with a seccomp filter. Installed as <go2seccomp/sandbox_c.h>; link with
 * `pkg-config --cflags --libs go2seccomp`. The C++ builder with the same
 * semantics is <go2seccomp/sandbox.h>.
 *
 *   #include <go2seccomp/sandbox_c.h>
 *
 *   const char* names[] = {"read", "write", "openat", "close", "futex"};
 *   if (g2s_allow_names(names, 5, EPERM) != 0) {
 *     fprintf(stderr, "sandbox: %s\n", g2s_last_error());
 *     return 1;
 *   }
 *
 * From Go (cgo):
 *
 *   // #cgo pkg-config: go2seccomp
 *   // #include <go2seccomp/sandbox_c.h>
 *   import "C"
 *   ...
 *   if C.g2s_apply_profile_file(cpath) != 0 {
 *       log.Fatal(C.GoString(C.g2s_last_error()))
 *   }
 *
 * Both functions install a filter on every thread of the process
 * (SECCOMP_FILTER_FLAG_TSYNC: a Go program runs on many OS threads), set
 * PR_SET_NO_NEW_PRIVS, always allow exit, exit_group, rt_sigreturn and
 * restart_syscall, and deny clone3 and syscalls newer than go2seccomp's
 * table (Linux 6.12) with ENOSYS unless allowed (glibc >= 2.34 creates
 * threads with clone3 and falls back to clone only on ENOSYS). They return
 * 0 on success; on failure -1, with errno set (ENOENT: no such file or
 * syscall name; EINVAL: a malformed profile or bad argument; ENOTSUP:
 * unsupported; EIO: unreadable file; EPERM: the kernel refused the filter)
 * and nothing installed. g2s_last_error() then describes the failure; the
 * string belongs to the calling thread and stays valid until its next
 * g2s_* call. A filter cannot be removed; applying twice stacks filters.
 */
#ifndef GO2SECCOMP_RUNTIME_SANDBOX_C_H_
#define GO2SECCOMP_RUNTIME_SANDBOX_C_H_

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Applies a Docker/OCI seccomp profile file (what `go2seccomp BINARY
 * PROFILE --runtime none` writes), for this machine's architecture. */
int g2s_apply_profile_file(const char* path);

/* Allows the `n` named syscalls; every other one fails with `errno_value`
 * (1..4095, e.g. EPERM). */
int g2s_allow_names(const char* const* names, size_t n, int errno_value);

/* The last failure of a g2s_* call on this thread; "" if none. */
const char* g2s_last_error(void);

#ifdef __cplusplus
}
#endif

#endif /* GO2SECCOMP_RUNTIME_SANDBOX_C_H_ */
