// Turning the raw facts the launcher's supervisor records about a denied
// syscall (runtime/supervisor.h Denial: pc, sp, the mapping the pc lies in,
// the first bytes of the stack) into words: the Go function and file:line
// that made the call. The runtime library cannot do this itself -- it must
// not link the ELF/pclntab code (ARCHITECTURE.md) -- so this library, which
// links both, does:
//
//   Symbolizer s;
//   std::string where = s.Where(denial);   // "in main.main (/src/m.go:19)"
//   s.Frames(denial);                       // the Go call chain, callee first
//
// How a runtime pc becomes a link-time address: the /proc/PID/maps entry
// gives the file offset of the pc (pc - start + offset); the PT_LOAD
// segment holding that offset gives the address the linker assigned
// (segment vaddr + offset into it). The difference is the load bias (zero
// for ET_EXEC, the ASLR base for PIE) and applies to every return address
// found on the stack in the same binary.
//
// Go frames (amd64): pclntab's pcsp gives, for each pc, how far SP is below
// the function's entry SP; on amd64 the return address sits at the entry
// SP (CALL pushed it). So from (pc, sp) the caller is at *(sp + delta) with
// sp + delta + 8 as its SP. That is Go's own unwinder (runtime/traceback.go
// with funcspdelta) restricted to what the stack snapshot holds. arm64
// keeps the return address in LR, which the supervisor cannot read, so
// there only the syscall's own function is named.
#ifndef GO2SECCOMP_GENERATE_SYMBOLIZE_H_
#define GO2SECCOMP_GENERATE_SYMBOLIZE_H_

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "go2seccomp/analysis/loader.h"
#include "go2seccomp/runtime/supervisor.h"

namespace go2seccomp::generate {

struct GoFrame {
  std::string function;  // "main.main"
  std::string file;      // of the pc; "" when unknown
  int line = 0;
  // The file of the function's entry. When it differs from `file`, the pc
  // is in code the compiler inlined from another function (syscall.Mkdir
  // inlined into main.main); pclntab's file:line is then the inlined
  // code's, and the call site's line would need the inline tree
  // (FUNCDATA_InlTree), which go2seccomp does not read.
  std::string function_file;
  bool inlined() const {
    return !function_file.empty() && !file.empty() && file != function_file;
  }
};

class Symbolizer {
 public:
  // The Go frames from the syscall instruction outwards (callee first),
  // as far as the stack snapshot reaches; empty for non-Go code.
  std::vector<GoFrame> Frames(const runtime::Denial& denial);

  // One phrase for messages: "in main.main (/src/mkdir/main.go:19)" for the
  // first frame outside the standard library (or the syscall's own frame),
  // else "at 0x4011e4 (/usr/bin/prog+0x11e4)".
  std::string Where(const runtime::Denial& denial);
  // The standard-library frames between the syscall and Where()'s frame,
  // caller first: "syscall.Mkdir > syscall.Mkdirat > ... > Syscall6".
  std::string Via(const runtime::Denial& denial);

 private:
  const analysis::LoadedBinary* Load(const std::string& path);
  std::map<std::string, std::unique_ptr<analysis::LoadedBinary>> cache_;
};

// True for functions of Go's standard library ("os.Mkdir",
// "internal/poll.(*FD).Read", "runtime.futex"): their package path's first
// element has no dot, and the package is not main.
bool IsStdFunction(const std::string& name);

}  // namespace go2seccomp::generate

#endif  // GO2SECCOMP_GENERATE_SYMBOLIZE_H_
