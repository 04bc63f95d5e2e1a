// Loads a binary from disk into the analysis' Program view: maps the file,
// parses ELF, finds and parses pclntab (by section or by magic), reads the
// Go build info or, failing that, the runtime's version string.
//
//   G2S_ASSIGN_OR_RETURN(LoadedBinary bin, LoadedBinary::Open("/usr/bin/go"));
//   Report r = Analyze(bin.program(), {});
//
// Errors carry the path and the offset: "/x/bin: section 12 (.gopclntab):
// ...". A file that is ELF but has no Go symbol table is kUnsupported with a
// message that says so; OpenGoOrElf() instead hands such a file back as an
// ElfProgram, for callers that analyse C programs too (generate/), so they
// branch on what the file is rather than on an error's text.
#ifndef GO2SECCOMP_ANALYSIS_LOADER_H_
#define GO2SECCOMP_ANALYSIS_LOADER_H_

#include <memory>
#include <optional>
#include <string>
#include <variant>

#include "go2seccomp/analysis/program.h"
#include "go2seccomp/base/error.h"
#include "go2seccomp/base/file_io.h"
#include "go2seccomp/elf/elf_file.h"
#include "go2seccomp/gosym/buildinfo.h"
#include "go2seccomp/gosym/pclntab.h"

namespace go2seccomp::analysis {

class LoadedBinary;

// An ELF file with no Go line table: a C program (or a library), mapped
// and parsed. `elf` reads `file`'s bytes, which stay where they are when
// this moves.
struct ElfProgram {
  MappedFile file;
  elf::ElfFile elf;
};

class LoadedBinary {
 public:
  static Result<LoadedBinary> Open(const std::string& path);
  // A Go binary, or the parsed ELF when the file has no Go line table. Every
  // other failure (not ELF, an unsupported machine, a corrupt table) is an
  // error, as from Open().
  static Result<std::variant<LoadedBinary, ElfProgram>> OpenGoOrElf(const std::string& path);
  // `image` must outlive the result; `name` is used in messages.
  static Result<LoadedBinary> FromBytes(Bytes image, std::string name);

  const std::string& name() const { return state_->name; }
  const Program& program() const { return state_->program; }
  const elf::ElfFile& elf() const { return *state_->elf; }
  const gosym::LineTable& lines() const { return *state_->lines; }
  const std::optional<gosym::BuildInfo>& build_info() const { return state_->build_info; }
  const std::optional<gosym::GoVersion>& go_version() const { return state_->go_version; }
  // "go1.19.8" or "unknown Go version".
  std::string GoVersionString() const;

 private:
  // FromBytes(), or nullopt with the parsed ELF in `*not_go` and the
  // table search's message in `*why` when the file has no Go line table.
  static Result<std::optional<LoadedBinary>> Load(Bytes image, std::string name,
                                                  std::optional<elf::ElfFile>* not_go,
                                                  std::string* why);
  // Heap-allocated so Program::line_for can point at the line table and the
  // whole thing can move.
  struct State {
    std::string name;
    MappedFile file;
    std::optional<elf::ElfFile> elf;
    std::optional<gosym::LineTable> lines;
    std::optional<gosym::BuildInfo> build_info;
    std::optional<gosym::GoVersion> go_version;
    Program program;
  };
  std::unique_ptr<State> state_;
};

}  // namespace go2seccomp::analysis

#endif  // GO2SECCOMP_ANALYSIS_LOADER_H_
