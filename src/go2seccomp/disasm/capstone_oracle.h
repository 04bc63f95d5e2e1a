// Capstone 4.0.2 as the oracle for "is this 4-byte word an allocated
// instruction?", for the words the arm64 and arm decoders do not model
// precisely. Our decoders derive the registers an instruction writes from
// the encoding fields themselves (see arm64.h for why Capstone's operand
// lists are not used); Capstone only tells valid from UNDEFINED encodings.
//
//   if (!internal::CapstoneValidArm(bytes, address)) insn->flow = kInvalid;
//
// Capstone is dlopen'ed on the first call (not linked: see the .cc). One
// Capstone handle per thread and arch, opened on that thread's first
// call (detail off; cs_disasm_iter into a cs_malloc'd buffer does not
// allocate per call), so callers stay const and thread-safe. If Capstone
// cannot be opened every word counts as valid: the decoders' catch-all then
// clobbers conservatively, which stays sound.
#ifndef GO2SECCOMP_DISASM_CAPSTONE_ORACLE_H_
#define GO2SECCOMP_DISASM_CAPSTONE_ORACLE_H_

#include <cstdint>

namespace go2seccomp::disasm::internal {

// A64 (CS_ARCH_ARM64).
bool CapstoneValidArm64(const std::uint8_t* bytes, std::uint64_t address);
// A32, little-endian ARM state (CS_ARCH_ARM, CS_MODE_ARM).
bool CapstoneValidArm(const std::uint8_t* bytes, std::uint64_t address);

}  // namespace go2seccomp::disasm::internal

#endif  // GO2SECCOMP_DISASM_CAPSTONE_ORACLE_H_
