#include "go2seccomp/disasm/test_util.h"

#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iterator>
#include <sstream>

namespace go2seccomp::disasm::test {
namespace {

template <class T>
T Load(const std::vector<std::uint8_t>& b, std::size_t off) {
  T v{};
  if (off + sizeof(T) <= b.size()) std::memcpy(&v, b.data() + off, sizeof(T));
  return v;
}

std::vector<std::string> SplitTabs(const std::string& line) {
  std::vector<std::string> out;
  std::string cur;
  for (char c : line) {
    if (c == '\t') {
      if (!cur.empty()) out.push_back(cur);
      cur.clear();
    } else {
      cur.push_back(c);
    }
  }
  if (!cur.empty()) out.push_back(cur);
  return out;
}

std::string Trim(const std::string& s) {
  const auto b = s.find_first_not_of(" \t");
  if (b == std::string::npos) return "";
  const auto e = s.find_last_not_of(" \t");
  return s.substr(b, e - b + 1);
}

}  // namespace

std::optional<Section> ReadElfSection(const std::string& path,
                                      const std::string& name) {
  std::ifstream f(path, std::ios::binary);
  if (!f) return std::nullopt;
  const std::vector<std::uint8_t> b((std::istreambuf_iterator<char>(f)),
                                    std::istreambuf_iterator<char>());
  if (b.size() < 0x34 ||
      std::memcmp(b.data(),
                  "\x7f"
                  "ELF",
                  4) != 0 ||
      (b[4] != 1 && b[4] != 2) || b[5] != 1) {
    return std::nullopt;
  }
  const bool is64 = b[4] == 2;
  // Elf64_Ehdr: e_shoff (0x28, 8 bytes), e_shentsize (0x3a), e_shnum
  // (0x3c), e_shstrndx (0x3e). Elf32_Ehdr: e_shoff (0x20, 4 bytes),
  // e_shentsize (0x2e), e_shnum (0x30), e_shstrndx (0x32).
  const std::uint64_t shoff =
      is64 ? Load<std::uint64_t>(b, 0x28) : Load<std::uint32_t>(b, 0x20);
  const auto shentsize = Load<std::uint16_t>(b, is64 ? 0x3a : 0x2e);
  const auto shnum = Load<std::uint16_t>(b, is64 ? 0x3c : 0x30);
  const auto shstrndx = Load<std::uint16_t>(b, is64 ? 0x3e : 0x32);
  if (shentsize < (is64 ? 0x40 : 0x28) || shstrndx >= shnum ||
      shoff + std::uint64_t{shnum} * shentsize > b.size()) {
    return std::nullopt;
  }
  // Elf64_Shdr: sh_name, sh_type, sh_flags, sh_addr (0x10), sh_offset
  // (0x18), sh_size (0x20). Elf32_Shdr: sh_addr (0x0c), sh_offset (0x10),
  // sh_size (0x14), all 4 bytes.
  auto sh = [&](unsigned i) { return shoff + std::uint64_t{i} * shentsize; };
  auto word = [&](std::uint64_t at64, std::uint64_t at32, unsigned i) {
    return is64 ? Load<std::uint64_t>(b, sh(i) + at64)
                : std::uint64_t{Load<std::uint32_t>(b, sh(i) + at32)};
  };
  const std::uint64_t strtab_off = word(0x18, 0x10, shstrndx);
  for (unsigned i = 0; i < shnum; ++i) {
    const auto name_off = Load<std::uint32_t>(b, sh(i));
    const std::uint64_t at = strtab_off + name_off;
    if (at >= b.size()) continue;
    if (std::strncmp(reinterpret_cast<const char*>(b.data() + at), name.c_str(),
                     b.size() - at) != 0) {
      continue;
    }
    const std::uint64_t addr = word(0x10, 0x0c, i);
    const std::uint64_t off = word(0x18, 0x10, i);
    const std::uint64_t size = word(0x20, 0x14, i);
    if (off > b.size() || size > b.size() - off) return std::nullopt;
    return Section{addr, std::vector<std::uint8_t>(b.begin() + off,
                                                   b.begin() + off + size)};
  }
  return std::nullopt;
}

RefListing ParseGoObjdump(const std::string& text) {
  RefListing r;
  std::istringstream in(text);
  std::string line;
  std::string func;
  while (std::getline(in, line)) {
    if (line.rfind("TEXT ", 0) == 0) {
      const auto end = line.find("(SB)");
      func = line.substr(5, end == std::string::npos ? end : end - 5);
      continue;
    }
    const std::vector<std::string> f = SplitTabs(line);
    if (f.size() < 3 || f[1].rfind("0x", 0) != 0) continue;
    RefInsn insn;
    insn.addr = std::strtoull(f[1].c_str(), nullptr, 16);
    insn.len = static_cast<std::uint32_t>(f[2].size() / 2);
    insn.text = f.size() > 3 ? Trim(f[3]) : "";
    insn.func = func;
    if (r.func_addr.count(func) == 0) r.func_addr[func] = insn.addr;
    r.insns.push_back(std::move(insn));
  }
  return r;
}

RefListing ParseGnuObjdump(const std::string& text) {
  RefListing r;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    // GNU: "  401000:\t49 3b 66 10   \tcmp    0x10(%r14),%rsp"
    // LLVM: "   11000: 90 0b 40 f9  \tldr\tx16, [x28, #16]"
    if (line.empty() || line[0] != ' ') continue;
    const auto colon = line.find(':');
    if (colon == std::string::npos) continue;
    const std::string addr = Trim(line.substr(0, colon));
    if (addr.empty() ||
        addr.find_first_not_of("0123456789abcdef") != std::string::npos) {
      continue;
    }
    std::string rest = line.substr(colon + 1);
    const auto b = rest.find_first_not_of(" \t");
    if (b == std::string::npos) continue;
    rest = rest.substr(b);
    const auto tab = rest.find('\t');
    RefInsn insn;
    insn.addr = std::strtoull(addr.c_str(), nullptr, 16);
    std::istringstream bytes(rest.substr(0, tab));
    std::string byte;
    while (bytes >> byte) ++insn.len;
    if (tab != std::string::npos) {
      std::string t = rest.substr(tab + 1);
      for (char& c : t) {
        if (c == '\t') c = ' ';
      }
      insn.text = Trim(t);
    }
    r.insns.push_back(std::move(insn));
  }
  return r;
}

std::map<std::uint32_t, std::uint64_t> UniqueWords(const std::vector<std::string>& paths) {
  std::map<std::uint32_t, std::uint64_t> words;
  for (const std::string& path : paths) {
    auto text = ReadElfSection(path, ".text");
    if (!text) return {};
    for (std::size_t off = 0; off + 4 <= text->bytes.size(); off += 4) {
      std::uint32_t w;
      std::memcpy(&w, text->bytes.data() + off, 4);
      words.emplace(w, text->addr + off);
    }
  }
  return words;
}

std::set<std::uint8_t> OurWrites(const Instruction& insn, std::uint8_t link_register) {
  std::set<std::uint8_t> w;
  for (int i = 0; i < insn.num_ops; ++i) {
    const Operand& d = insn.ops[i].dst;
    if (d.kind == Operand::Kind::kReg) w.insert(d.reg);
  }
  if (insn.flow == Flow::kCall || insn.flow == Flow::kIndirectCall) w.insert(link_register);
  return w;
}

}  // namespace go2seccomp::disasm::test
