// x86 decoders: Zydis 4.0 behind the Decoder interface, in 64-bit long mode
// (x86-64) or 32-bit protected mode (i386, GOARCH=386).
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
//
// i386 uses the same rules with 4-byte registers, addresses and stack
// slots: EAX..EDI keep the indices 0..7 (ESP is kSp), an absolute
// address is zero-extended from 32 bits, and PUSH/POP move ESP by 4 (a
// CALL's 4-byte push is the analysis's, ArchInfo::call_push_bytes). Its
// native system call entries are INT $0x80 (what Go emits), SYSENTER and
// `CALL *%gs:0x10` (glibc's vsyscall pointer), all Flow::kSyscall with
// the number in EAX; SYSCALL (AMD only in 32-bit code) counts as one too.
#ifndef GO2SECCOMP_DISASM_X86_64_H_
#define GO2SECCOMP_DISASM_X86_64_H_

#include <memory>

#include "go2seccomp/disasm/decoder.h"

namespace go2seccomp::disasm {

std::unique_ptr<Decoder> MakeX86_64Decoder();
std::unique_ptr<Decoder> MakeI386Decoder();

}  // namespace go2seccomp::disasm

#endif  // GO2SECCOMP_DISASM_X86_64_H_
