#include "go2seccomp/disasm/decoder.h"

#include "go2seccomp/disasm/arm.h"
#include "go2seccomp/disasm/arm64.h"
#include "go2seccomp/disasm/x86_64.h"

namespace go2seccomp::disasm {

Result<std::unique_ptr<Decoder>> MakeDecoder(Arch arch) {
  switch (arch) {
    case Arch::kX86_64:
      return MakeX86_64Decoder();
    case Arch::kArm64:
      return MakeArm64Decoder();
    case Arch::kI386:
      return MakeI386Decoder();
    case Arch::kArm:
      return MakeArmDecoder();
  }
  return MakeError(ErrorCode::kUnsupported,
                   "no instruction decoder for arch {}",
                   GetArchInfo(arch).name);
}

}  // namespace go2seccomp::disasm
