#include "go2seccomp/disasm/capstone_oracle.h"

#include <capstone/capstone.h>

#include <cstddef>

namespace go2seccomp::disasm::internal {
namespace {

class CapstoneOracle {
 public:
  CapstoneOracle(cs_arch arch, cs_mode mode) {
    if (cs_open(arch, mode, &handle_) != CS_ERR_OK) {
      handle_ = 0;
      return;
    }
    insn_ = cs_malloc(handle_);
  }
  ~CapstoneOracle() {
    if (insn_ != nullptr) cs_free(insn_, 1);
    if (handle_ != 0) cs_close(&handle_);
  }
  CapstoneOracle(const CapstoneOracle&) = delete;
  CapstoneOracle& operator=(const CapstoneOracle&) = delete;

  bool IsValid(const std::uint8_t* bytes, std::uint64_t address) {
    if (insn_ == nullptr) return true;
    const std::uint8_t* p = bytes;
    std::size_t size = 4;
    return cs_disasm_iter(handle_, &p, &size, &address, insn_);
  }

 private:
  csh handle_ = 0;
  cs_insn* insn_ = nullptr;
};

}  // namespace

bool CapstoneValidArm64(const std::uint8_t* bytes, std::uint64_t address) {
  thread_local CapstoneOracle oracle(CS_ARCH_ARM64, CS_MODE_ARM);
  return oracle.IsValid(bytes, address);
}

bool CapstoneValidArm(const std::uint8_t* bytes, std::uint64_t address) {
  thread_local CapstoneOracle oracle(CS_ARCH_ARM, CS_MODE_ARM);
  return oracle.IsValid(bytes, address);
}

}  // namespace go2seccomp::disasm::internal
