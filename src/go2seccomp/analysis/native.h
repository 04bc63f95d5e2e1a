// Syscalls reachable through the C side of a dynamically linked program:
// its interpreter (ld.so) and its DT_NEEDED libraries (libc, ...).
//
//   NativeOptions o;  o.root = "/";           // or a container image's rootfs
//   G2S_ASSIGN_OR_RETURN(NativeClosure c, AnalyzeNativeDependencies(bin.elf(), o));
//   c.syscalls  // numbers, with the C functions that make them
//
// A call graph over every image the loader maps:
//  - functions come from .symtab/.dynsym and, in stripped libraries, from
//    the .eh_frame FDEs (elf/eh_frame.h);
//  - syscall sites and their numbers come from the same analysis as Go code
//    (analyzer.h) run over each image: glibc's `syscall(2)` is found as a
//    wrapper of its first argument by data flow, like syscall.Syscall;
//  - edges are direct calls/jumps, PLT calls resolved by symbol name across
//    the images in load order, and IFUNC resolvers;
//  - roots are ld.so's entry, every image's init and fini functions, libc's
//    __libc_early_init (called by ld.so by name), and every function the
//    program imports;
//  - an indirect call or jump anywhere reachable is assumed to reach every
//    address-taken function of every image (conservative).
// What cannot be analysed is a Finding: a library that cannot be found, an
// unresolved site in a reachable function, code loaded with dlopen.
//
// A statically linked program (main_path, no PT_INTERP) is one image: roots
// are its ELF entry (_start -> __libc_start_main: TLS set-up, IRELATIVE
// resolvers, init arrays), its .init/.fini and .preinit/.init/.fini_array
// sections; a non-PIE executable's function pointers are plain words in its
// data (no relocation says so), so every aligned data word that is a
// function's entry makes that function address-taken.
#ifndef GO2SECCOMP_ANALYSIS_NATIVE_H_
#define GO2SECCOMP_ANALYSIS_NATIVE_H_

#include <map>
#include <string>
#include <vector>

#include "go2seccomp/base/arch.h"
#include "go2seccomp/base/error.h"
#include "go2seccomp/elf/elf_file.h"

namespace go2seccomp::analysis {

struct NativeOptions {
  // Libraries and the interpreter are resolved inside this directory (a
  // container image's root filesystem); "/" for the host.
  std::string root = "/";
  // Extra library directories (LD_LIBRARY_PATH: after DT_RPATH, before
  // DT_RUNPATH and the system directories).
  std::vector<std::string> library_path;
  // Set for a program that is not Go (a C program a Go program executes):
  // the program's own code is analysed as one more image, from its entry
  // point, instead of taking all of its imports as called.
  std::string main_path;
  // The program's path (else main_path), for $ORIGIN in its DT_RUNPATH and
  // DT_RPATH.
  std::string program_path;
  // With main_path: a statically linked Go program with C code in it (cgo
  // under -linkmode=external -extldflags=-static, glibc's libc.a or musl).
  // These are its Go functions' address ranges (pclntab), analysed by the
  // Go side: the C analysis covers every other executable byte. Go enters C
  // only through pointers (runtime.cgocall/asmcgocall on the _cgo_* and
  // _cgo_<hash>_Cfunc_* variables), so every C function whose address the
  // program's data or code holds is a root, besides the ELF entry and the
  // init/fini arrays.
  std::vector<std::pair<std::uint64_t, std::uint64_t>> go_code;
  // The library cache's directory (native_cache.h: entries in
  // cache_dir/libs); empty for no cache. The program itself is never cached.
  std::string cache_dir;
};

struct NativeUse {
  std::string image;     // path of the library
  std::string function;  // symbol name, or "fn@0x1234" for unnamed code
  // How the function is reached: "root (why) -> caller -> ... -> function",
  // naming, for a call through a pointer, where the address was taken and
  // which indirect call made it callable.
  std::string chain;
};

struct NativeClosure {
  std::vector<std::string> images;  // loaded, in load order (interp first)
  std::vector<std::string> nss_modules;  // of those, NSS modules from nsswitch.conf
  std::map<int, std::vector<NativeUse>> syscalls;
  std::vector<std::string> findings;
  std::size_t functions = 0;        // in all images
  std::size_t reachable_functions = 0;
  // Wall time of the two halves (--stats): mapping the images and building
  // their call graphs, then their syscall analysis and reachability.
  double graph_ms = 0;
  double analysis_ms = 0;
  // With NativeOptions::cache_dir: libraries whose analysis came from the
  // cache, those analysed afresh, and entries written for them.
  std::size_t cache_hits = 0, cache_misses = 0, cache_writes = 0;
};

// `main` is the program (a Go binary linked against libc); its PT_INTERP and
// DT_NEEDED are followed. An error only for a broken library file; a missing
// one is a finding.
Result<NativeClosure> AnalyzeNativeDependencies(const elf::ElfFile& main, Arch arch,
                                                const NativeOptions& options);

}  // namespace go2seccomp::analysis

#endif  // GO2SECCOMP_ANALYSIS_NATIVE_H_
