// Target architectures and the facts about them that every layer needs.
//
// The target arch is only known after reading a binary's e_machine, so it is
// a plain enum plus one constexpr row of facts per arch (libseccomp's
// arch_def, mold's per-target trait structs), not a template parameter:
//
//   const ArchInfo& info = GetArchInfo(Arch::kX86_64);
//   info.oci_name   // "SCMP_ARCH_X86_64"
//
// These are facts about *targets*; nothing here looks at the host.
#ifndef GO2SECCOMP_BASE_ARCH_H_
#define GO2SECCOMP_BASE_ARCH_H_

#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

namespace go2seccomp {

enum class Arch : std::uint8_t { kX86_64, kArm64, kI386, kArm };

struct ArchInfo {
  Arch arch;
  std::string_view name;      // kernel/libseccomp name: "x86_64"
  std::string_view go_arch;   // GOARCH: "amd64"
  std::string_view oci_name;  // OCI/Docker: "SCMP_ARCH_X86_64"
  std::uint16_t e_machine;    // ELF e_machine
  int elf_class;              // 32 or 64
  std::uint32_t audit_arch;   // AUDIT_ARCH_*, seccomp_data.arch
  int ptr_size;
  // pclntab pc quantum: instruction alignment (Go runtime/symtab.go minLC).
  int pc_quantum;
  // Bytes a CALL pushes (return address on x86; 0 where it goes to a link
  // register). A callee's entry SP is the caller's SP minus this.
  int call_push_bytes;
  // Offset from the entry SP of the first stack argument under Go's ABI0:
  // 0(SP) holds the return address on x86; on arm/arm64 0(RSP) is the slot
  // the callee saves LR into (cmd/internal/obj/arm64 "FixedFrameSize").
  int first_stack_arg_offset;
  std::string_view syscall_instruction;  // as Go's assembler spells it
  std::string_view syscall_nr_register;  // where the number goes
  std::string_view audit_arch_name;      // <linux/audit.h>: "AUDIT_ARCH_X86_64"
  // systemd.exec(5) SystemCallArchitectures= (src/basic/architecture.c).
  std::string_view systemd_name;
};

inline constexpr ArchInfo kArchInfos[] = {
    {Arch::kX86_64, "x86_64", "amd64", "SCMP_ARCH_X86_64", 62, 64, 0xC000003E,
     8, 1, 8, 8, "SYSCALL", "AX", "AUDIT_ARCH_X86_64", "x86-64"},
    {Arch::kArm64, "arm64", "arm64", "SCMP_ARCH_AARCH64", 183, 64, 0xC00000B7,
     8, 4, 0, 8, "SVC $0", "R8", "AUDIT_ARCH_AARCH64", "arm64"},
    {Arch::kI386, "i386", "386", "SCMP_ARCH_X86", 3, 32, 0x40000003, 4, 1, 4,
     4, "INT $0x80", "AX", "AUDIT_ARCH_I386", "x86"},
    {Arch::kArm, "arm", "arm", "SCMP_ARCH_ARM", 40, 32, 0x40000028, 4, 4, 0, 4,
     "SWI $0", "R7", "AUDIT_ARCH_ARM", "arm"},
};

constexpr const ArchInfo& GetArchInfo(Arch arch) {
  return kArchInfos[static_cast<int>(arch)];
}

inline std::span<const ArchInfo> AllArchInfos() { return kArchInfos; }

// Lookups; std::nullopt when unknown.
std::optional<Arch> ArchFromElfMachine(std::uint16_t e_machine, int elf_class);
// Accepts the kernel name, GOARCH or OCI name ("x86_64", "amd64",
// "SCMP_ARCH_X86_64"), plus "aarch64".
std::optional<Arch> ArchFromName(std::string_view name);
// The arch this program was compiled for.
Arch HostArch();

}  // namespace go2seccomp

#endif  // GO2SECCOMP_BASE_ARCH_H_
