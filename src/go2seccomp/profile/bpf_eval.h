// A classic-BPF interpreter for seccomp programs, for tests and `explain`.
//
// It runs an exported filter (runtime/filter.h ExportBpf) on a made-up
// seccomp_data, so a policy can be checked syscall by syscall without loading
// it into the kernel (sandbox2 bpf_evaluator.h, libseccomp's bpf-sim):
//
//   std::vector<sock_filter> prog = ...;             // ExportBpf(filter)
//   seccomp_data d = MakeSeccompData(Arch::kX86_64, 39 /* getpid */);
//   G2S_ASSIGN_OR_RETURN(std::uint32_t ret, EvaluateBpf(prog, d));
//   ActionFromSeccompRet(ret) == Action::Allow();
//
// It accepts what the kernel's seccomp_check_filter() accepts (loads of
// 32-bit words of seccomp_data at aligned offsets, the scratch memory,
// ALU, forward jumps, RET) and rejects everything else as kMalformed with
// the instruction index, as it rejects a program that can fall off its end,
// jumps past the end, or exceeds BPF_MAXINSNS (4096). Pure: no kernel calls.
#ifndef GO2SECCOMP_PROFILE_BPF_EVAL_H_
#define GO2SECCOMP_PROFILE_BPF_EVAL_H_

#include <linux/filter.h>
#include <linux/seccomp.h>

#include <cstdint>
#include <initializer_list>
#include <span>

#include "go2seccomp/base/arch.h"
#include "go2seccomp/base/error.h"
#include "go2seccomp/profile/profile.h"

namespace go2seccomp::profile {

// seccomp_data for `arch` (its AUDIT_ARCH_* value) and syscall `nr`; the
// instruction pointer is 0.
seccomp_data MakeSeccompData(Arch arch, std::uint32_t nr,
                             std::initializer_list<std::uint64_t> args = {});

// The program's return value (SECCOMP_RET_*). seccomp_data is read in host
// byte order, as the kernel lays it out.
Result<std::uint32_t> EvaluateBpf(std::span<const sock_filter> program,
                                  const seccomp_data& data);

// The profile Action a SECCOMP_RET_* value stands for. Unknown action bits
// (which the kernel treats as kill-process) map to kKillProcess.
Action ActionFromSeccompRet(std::uint32_t ret);

}  // namespace go2seccomp::profile

#endif  // GO2SECCOMP_PROFILE_BPF_EVAL_H_
