#include "go2seccomp/generate/symbolize.h"

#include <fmt/format.h>

#include <cstring>

#include "go2seccomp/elf/elf_file.h"

namespace go2seccomp::generate {
namespace {

// The link-time address of file offset `off`, through the PT_LOAD segment
// that maps it.
std::optional<std::uint64_t> VaddrOfFileOffset(const elf::ElfFile& elf,
                                               std::uint64_t off) {
  for (const elf::Segment& s : elf.segments()) {
    if (s.type != elf::kPtLoad) continue;
    if (off >= s.offset && off - s.offset < s.filesz) {
      return s.vaddr + (off - s.offset);
    }
  }
  return std::nullopt;
}

// How many frames to follow at most; Go's syscall paths are 4 to 8 deep.
constexpr int kMaxFrames = 32;

}  // namespace

bool IsStdFunction(const std::string& name) {
  // "github.com/x/y.F": the package path ends at the first '.' after the
  // last '/'; its first element has a dot for anything go-gettable.
  const std::size_t slash = name.rfind('/', name.find('('));
  const std::size_t dot =
      name.find('.', slash == std::string::npos ? 0 : slash);
  const std::string pkg = name.substr(0, dot);
  if (pkg == "main") return false;
  const std::string first = pkg.substr(0, pkg.find('/'));
  return first.find('.') == std::string::npos;
}

const analysis::LoadedBinary* Symbolizer::Load(const std::string& path) {
  auto it = cache_.find(path);
  if (it != cache_.end()) return it->second.get();
  std::unique_ptr<analysis::LoadedBinary> bin;
  if (!path.empty() && path[0] == '/') {
    if (auto opened = analysis::LoadedBinary::Open(path)) {
      bin = std::make_unique<analysis::LoadedBinary>(std::move(*opened));
    }
  }
  const analysis::LoadedBinary* out = bin.get();
  cache_.emplace(path, std::move(bin));
  return out;
}

std::vector<GoFrame> Symbolizer::Frames(const runtime::Denial& d) {
  std::vector<GoFrame> frames;
  const analysis::LoadedBinary* bin = Load(d.mapping.path);
  if (bin == nullptr || d.pc < d.mapping.start) return frames;
  const analysis::Program& prog = bin->program();
  const std::optional<std::uint64_t> vaddr =
      VaddrOfFileOffset(bin->elf(), d.pc - d.mapping.start + d.mapping.offset);
  if (!vaddr) return frames;
  const std::uint64_t bias = d.pc - *vaddr;
  std::uint64_t pc = *vaddr;
  std::uint64_t sp = d.sp;
  for (int i = 0; i < kMaxFrames; ++i) {
    // pc is a return address (or the address after SYSCALL): the calling
    // instruction ends just before it.
    const std::optional<std::size_t> f = prog.FuncAt(pc - 1);
    if (!f) break;
    GoFrame frame;
    frame.function = std::string(prog.funcs[*f].name);
    if (prog.line_for) {
      if (auto pos = prog.line_for(pc - 1)) {
        frame.file = pos->file;
        frame.line = pos->line;
      }
      if (auto pos = prog.line_for(prog.funcs[*f].entry)) {
        frame.function_file = pos->file;
      }
    }
    frames.push_back(std::move(frame));
    if (prog.arch != Arch::kX86_64 || sp == 0 || !prog.sp_delta_for) break;
    const std::optional<std::int64_t> delta = prog.sp_delta_for(pc);
    if (!delta || *delta < 0) break;
    const std::uint64_t slot = sp + static_cast<std::uint64_t>(*delta);
    if (slot < d.sp || slot - d.sp + 8 > d.stack.size()) break;
    std::uint64_t ret;
    std::memcpy(&ret, d.stack.data() + (slot - d.sp), sizeof(ret));
    if (ret < bias) break;
    pc = ret - bias;
    sp = slot + 8;
  }
  return frames;
}

std::string Symbolizer::Where(const runtime::Denial& d) {
  const std::vector<GoFrame> frames = Frames(d);
  if (!frames.empty()) {
    const GoFrame* pick = &frames.front();
    for (const GoFrame& f : frames) {
      if (!IsStdFunction(f.function)) {
        pick = &f;
        break;
      }
    }
    if (pick->file.empty()) return fmt::format("in {}", pick->function);
    if (pick->inlined()) {
      return fmt::format("in {} ({}), in code inlined from {}:{}",
                         pick->function, pick->function_file, pick->file,
                         pick->line);
    }
    return fmt::format("in {} ({}:{})", pick->function, pick->file, pick->line);
  }
  if (!d.mapping.path.empty() && d.pc >= d.mapping.start) {
    return fmt::format("at {:#x} ({}+{:#x})", d.pc, d.mapping.path,
                       d.pc - d.mapping.start + d.mapping.offset);
  }
  return fmt::format("at {:#x}", d.pc);
}

std::string Symbolizer::Via(const runtime::Denial& d) {
  const std::vector<GoFrame> frames = Frames(d);
  std::size_t user = frames.size();
  for (std::size_t i = 0; i < frames.size(); ++i) {
    if (!IsStdFunction(frames[i].function)) {
      user = i;
      break;
    }
  }
  if (user == frames.size() || user == 0) return {};
  std::string out;
  for (std::size_t i = user; i-- > 0;) {
    out += fmt::format("{}{}", out.empty() ? "" : " > ", frames[i].function);
  }
  return out;
}

}  // namespace go2seccomp::generate
