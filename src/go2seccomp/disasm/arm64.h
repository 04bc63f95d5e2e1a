// arm64 decoder: our own decoder of the A64 encoding classes, with
// Capstone 4.0.2 as the oracle for which words are valid instructions.
//
//   std::unique_ptr<Decoder> dec = disasm::MakeArm64Decoder();
//   Instruction insn;
//   dec->Decode(code, 0x11f10, &insn);   // fe0f1af8: STR X30, [SP, #-96]!
//                                        // "add sp <- sp + -0x60; mov [sp]:8
//                                        <- r30:8"
//
// Why not Capstone's operands: Capstone 4.0.2 reports ARM64 operands of the
// printed alias, not of the encoding, and its access flags follow suit:
// `cmp x0, #1` (SUBS XZR, X0, #1) reports X0 as *written*, `svc #0` reports
// X30 written and not X0, MOVZ reports its destination read. Deriving the
// written registers from the encoding fields (Rd, Rt, Rt2, Rs, writeback Rn)
// is both exact and checkable against the ARM ARM, and the decode-class
// table is small. Capstone (detail off) only answers "is this word an
// allocated instruction?" for words outside the precisely modeled subset.
//
// Modeled precisely: MOVZ/MOVN/MOVK, ORR-with-ZR (MOV bitmask imm, MOV reg),
// ADD/SUB(S) immediate (incl. SP), ADR/ADRP, CSEL, LDR/STR/LDUR/STUR
// (unsigned offset, pre/post-index writeback, register offset with a
// 64-bit index), LDP/STP (offset/pre/post), LDR literal, branches, SVC.
// Everything else: a Clobber of every general register the encoding class
// writes, and of the memory a store writes; clobbers_all_registers for a
// valid word whose class we do not know.
#ifndef GO2SECCOMP_DISASM_ARM64_H_
#define GO2SECCOMP_DISASM_ARM64_H_

#include <memory>

#include "go2seccomp/disasm/decoder.h"

namespace go2seccomp::disasm {

std::unique_ptr<Decoder> MakeArm64Decoder();

}  // namespace go2seccomp::disasm

#endif  // GO2SECCOMP_DISASM_ARM64_H_
