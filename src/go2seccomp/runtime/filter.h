// Installing seccomp filters: the kernel-facing half of filter handling.
// Compiling a Profile is pure and lives in profile/bpf_compile.h; this file
// changes the calling thread (or process) for good.
//
//   G2S_ASSIGN_OR_RETURN(Filter f, CompileFilter(profile, FilterOptions{}));
//   G2S_TRY(InstallFilter(f));  // no_new_privs + seccomp(2), this thread
//
//   G2S_ASSIGN_OR_RETURN(auto prog, ExportBpf(f));
//   G2S_TRY(LoadProgram(WithUnknownEnosys(prog, profile.arches),
//                       {.all_threads = true}));
//
// The compiler's names are also declared here, in runtime::, so code that
// compiled and installed in one place before the split reads the same.
#ifndef GO2SECCOMP_RUNTIME_FILTER_H_
#define GO2SECCOMP_RUNTIME_FILTER_H_

#include <linux/filter.h>

#include <span>

#include "go2seccomp/base/error.h"
#include "go2seccomp/profile/bpf_compile.h"

namespace go2seccomp::runtime {

using profile::CompileFilter;
using profile::ExportBpf;
using profile::ExportPfc;
using profile::Filter;
using profile::FilterOptions;
using profile::HighestKnownNumber;
using profile::RouteToListener;
using profile::WithUnknownEnosys;

// Loads the filter into the kernel for the calling thread (seccomp_load),
// setting PR_SET_NO_NEW_PRIVS first (libseccomp's default), as the kernel
// requires without CAP_SYS_ADMIN. Irreversible. Not async-signal-safe: after
// fork() use the launcher (launch.h), which installs an exported program.
Result<void> InstallFilter(const Filter& filter);

struct LoadOptions {
  // SECCOMP_FILTER_FLAG_TSYNC: every thread of the process gets the filter
  // (and no_new_privs), not only the calling one. What a process that
  // sandboxes itself wants: a Go program has many OS threads.
  bool all_threads = false;
};

// Sets PR_SET_NO_NEW_PRIVS and loads `program` with seccomp(2), for the
// calling thread or, with all_threads, the whole process. kSystem if the
// kernel refuses (the message names the thread that could not be
// synchronised); kUnsupported beyond BPF_MAXINSNS. Irreversible.
Result<void> LoadProgram(std::span<const sock_filter> program,
                         const LoadOptions& options);

}  // namespace go2seccomp::runtime

#endif  // GO2SECCOMP_RUNTIME_FILTER_H_
