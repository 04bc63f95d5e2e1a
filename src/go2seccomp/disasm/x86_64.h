// x86-64 decoder: Zydis 4.0 (64-bit long mode) behind the Decoder interface.
//
//   std::unique_ptr<Decoder> dec = disasm::MakeX86_64Decoder();
//   Instruction insn;
//   dec->Decode(code, 0x401000, &insn);   // e.g. "mov r0:4 <- #0x102"
//
// What is modeled precisely (see instruction.h for the IR): MOV in all
// forms, LEA base+disp / rip-relative, XOR/SUB r,r (zeroing), ADD/SUB r,imm,
// INC/DEC r, PUSH/POP/PUSHFQ/POPFQ/LEAVE, CMOVcc, control flow, SYSCALL and
// the foreign i386 entries (INT $0x80, SYSENTER). Every other instruction
// becomes a Clobber of each general register and memory operand it writes,
// explicit or implicit, as Zydis lists them; writes to flags, segment,
// vector, x87 and control registers are not part of the IR and are dropped.
#ifndef GO2SECCOMP_DISASM_X86_64_H_
#define GO2SECCOMP_DISASM_X86_64_H_

#include <memory>

#include "go2seccomp/disasm/decoder.h"

namespace go2seccomp::disasm {

std::unique_ptr<Decoder> MakeX86_64Decoder();

}  // namespace go2seccomp::disasm

#endif  // GO2SECCOMP_DISASM_X86_64_H_
