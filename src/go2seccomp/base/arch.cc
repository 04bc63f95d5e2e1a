#include "go2seccomp/base/arch.h"

namespace go2seccomp {

std::optional<Arch> ArchFromElfMachine(std::uint16_t e_machine,
                                       int elf_class) {
  for (const ArchInfo& info : kArchInfos) {
    if (info.e_machine == e_machine && info.elf_class == elf_class) {
      return info.arch;
    }
  }
  return std::nullopt;
}

std::optional<Arch> ArchFromName(std::string_view name) {
  if (name == "aarch64") return Arch::kArm64;
  if (name == "x86" || name == "i686") return Arch::kI386;
  for (const ArchInfo& info : kArchInfos) {
    if (name == info.name || name == info.go_arch || name == info.oci_name) {
      return info.arch;
    }
  }
  return std::nullopt;
}

Arch HostArch() {
#if defined(__x86_64__)
  return Arch::kX86_64;
#elif defined(__aarch64__)
  return Arch::kArm64;
#elif defined(__i386__)
  return Arch::kI386;
#elif defined(__arm__)
  return Arch::kArm;
#else
#error "unsupported host architecture"
#endif
}

}  // namespace go2seccomp
