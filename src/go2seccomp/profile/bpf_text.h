// The one readable text form of a seccomp BPF program: what
// `go2seccomp analyze --format bpf-text` prints, and what test failures show.
//
//   G2S_ASSIGN_OR_RETURN(std::vector<sock_filter> prog, ExportBpf(f));
//   std::fputs(RenderBpfText(prog).c_str(), stdout);
//
// One instruction per line, numbered, in the style of sandbox2's
// bpfdisassembler and the kernel's bpf_dbg ("A := arch", "if A == K goto N"),
// with every jump target an absolute instruction number (forward only, as
// the kernel requires):
//
//     0: A := arch
//     1: if A != 0xc000003e goto 5                # AUDIT_ARCH_X86_64
//     2: A := nr
//     3: if A == 0x27 goto 6                      # getpid
//     4: return ERRNO(13)
//     5: return KILL_PROCESS
//     6: return ALLOW
//
// Comments name what a constant means where the program makes that clear:
// AUDIT_ARCH_* values compared with the arch word, and syscall names for
// numbers compared with the nr word on paths where the arch is known (a
// forward pass over the program tracks which seccomp_data field A holds and
// which arch check the path has passed). Instructions seccomp would reject
// are still printed ("??? code 0x...") so a broken program can be read.
// Pure: no kernel calls.
#ifndef GO2SECCOMP_PROFILE_BPF_TEXT_H_
#define GO2SECCOMP_PROFILE_BPF_TEXT_H_

#include <linux/filter.h>

#include <span>
#include <string>

namespace go2seccomp::profile {

std::string RenderBpfText(std::span<const sock_filter> program);

}  // namespace go2seccomp::profile

#endif  // GO2SECCOMP_PROFILE_BPF_TEXT_H_
