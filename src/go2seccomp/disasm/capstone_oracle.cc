#include "go2seccomp/disasm/capstone_oracle.h"

#include <capstone/capstone.h>
#include <dlfcn.h>

#include <cstddef>
#include <cstdio>

namespace go2seccomp::disasm::internal {
namespace {

// Capstone is loaded with dlopen on first use rather than linked: linked,
// its ~77k relocations (Capstone 4.0.2) are processed at every start of
// every go2seccomp process -- exec, trace, amd64-only analyses -- and keep
// ~3 MB resident, for a library that only arm64 and arm code needs.
struct CapstoneApi {
  decltype(&cs_open) open;
  decltype(&cs_malloc) malloc;
  decltype(&cs_free) free;
  decltype(&cs_close) close;
  decltype(&cs_disasm_iter) disasm_iter;
};

// The library's functions, or nullptr (said once on stderr) if it cannot
// be loaded.
const CapstoneApi* Capstone() {
  static const CapstoneApi* const api = []() -> const CapstoneApi* {
    void* lib = ::dlopen(G2S_CAPSTONE_SONAME, RTLD_NOW | RTLD_LOCAL);
    static CapstoneApi a{};
    if (lib != nullptr) {
      a.open = reinterpret_cast<decltype(&cs_open)>(::dlsym(lib, "cs_open"));
      a.malloc = reinterpret_cast<decltype(&cs_malloc)>(::dlsym(lib, "cs_malloc"));
      a.free = reinterpret_cast<decltype(&cs_free)>(::dlsym(lib, "cs_free"));
      a.close = reinterpret_cast<decltype(&cs_close)>(::dlsym(lib, "cs_close"));
      a.disasm_iter =
          reinterpret_cast<decltype(&cs_disasm_iter)>(::dlsym(lib, "cs_disasm_iter"));
      if (a.open && a.malloc && a.free && a.close && a.disasm_iter) return &a;
    }
    const char* why = ::dlerror();
    std::fprintf(stderr,
                 "go2seccomp: cannot load %s (%s): arm64/arm words are all taken "
                 "as valid instructions (sound, less precise)\n",
                 G2S_CAPSTONE_SONAME, why ? why : "missing symbols");
    return nullptr;
  }();
  return api;
}

class CapstoneOracle {
 public:
  CapstoneOracle(cs_arch arch, cs_mode mode) : api_(Capstone()) {
    if (api_ == nullptr || api_->open(arch, mode, &handle_) != CS_ERR_OK) {
      handle_ = 0;
      return;
    }
    insn_ = api_->malloc(handle_);
  }
  ~CapstoneOracle() {
    if (insn_ != nullptr) api_->free(insn_, 1);
    if (handle_ != 0) api_->close(&handle_);
  }
  CapstoneOracle(const CapstoneOracle&) = delete;
  CapstoneOracle& operator=(const CapstoneOracle&) = delete;

  bool IsValid(const std::uint8_t* bytes, std::uint64_t address) {
    if (insn_ == nullptr) return true;
    const std::uint8_t* p = bytes;
    std::size_t size = 4;
    return api_->disasm_iter(handle_, &p, &size, &address, insn_);
  }

 private:
  const CapstoneApi* api_;
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
