// arm (32-bit) decoder: our own decoder of the A32 encoding classes (ARM
// state, little-endian; what Go emits for GOARCH=arm, which never uses
// Thumb), with Capstone 4.0.2 as the oracle for which words are valid
// instructions outside the modeled subset.
//
//   std::unique_ptr<Decoder> dec = disasm::MakeArmDecoder();
//   Instruction insn;
//   dec->Decode(code, 0x96f48, &insn);   // 2ce02de5: MOVW.W R14, -0x2c(R13)
//                                        // "add sp:4 <- sp:4 + -0x2c;
//                                        //  mov [sp]:4 <- r14:4"
//
// Registers: R0..R12 and R14 (LR) are indices 0..12 and 14, R13 is kSp,
// all 4 bytes. R15 (PC) is never an IR register: reading it gives the
// constant address + 8, writing it is control flow.
//
// Modeled precisely (ARM ARM DDI 0406C, A5 "ARM instruction set
// encoding"): MOV/MVN with a rotated immediate, MOVW (imm16), MOV
// (register), ADD/SUB immediate (incl. SP, and ADR from PC), LDR/STR and
// LDRB/STRB/STRH/LDRD/STRD with offset, pre-index and post-index
// writeback (Go's prologue `MOVW.W R14, -N(R13)` is STR LR, [SP, #-N]!),
// LDR (literal) with literal_address set (Go's assembler puts literal pools
// after a function's code), LDM/STM (PUSH/POP) with writeback, VFP
// loads/stores (writeback, and the memory a store writes), B/BL/BLX (imm),
// BX/BLX (register), SVC (kSyscall, number in R7, trap_imm = imm24) and
// every write of PC: BX LR, MOV PC, LR, ADD PC, LR, #0 (Go's leaf RET), LDR
// PC, [SP], #N (Go's RET) and POP {..., PC} are returns, any other write of
// PC an indirect jump.
//
// An LDR (literal) whose literal lies inside the bytes handed to Decode()
// loads that word as a constant: the pool is in the read-only text, so the
// value cannot change (Go materialises syscall numbers too large for an
// immediate and every address this way: `MOVW $sym(SB), R11`).
//
// Conditional execution (cond != AL): a Move becomes a MoveMaybe, any
// other register update (AddImm, writeback) a Clobber; B<c> is kCondJump,
// a conditional return falls through (kNext); a conditional indirect jump
// stays kIndirectJump (see arm.cc for why).
//
// Everything else is the sound catch-all: a Clobber of every general
// register the encoding class may write (Rd, RdHi/RdLo, Rt/Rt2, the
// writeback base) and of the memory a store writes; a valid word of a
// class we do not know sets clobbers_all_registers and clobbers memory.
// arm_test.cc checks the written registers against Capstone's on every
// word of the arm fixtures.
#ifndef GO2SECCOMP_DISASM_ARM_H_
#define GO2SECCOMP_DISASM_ARM_H_

#include <memory>

#include "go2seccomp/disasm/decoder.h"

namespace go2seccomp::disasm {

std::unique_ptr<Decoder> MakeArmDecoder();

}  // namespace go2seccomp::disasm

#endif  // GO2SECCOMP_DISASM_ARM_H_
