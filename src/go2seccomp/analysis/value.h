// The abstract values of go2seccomp's syscall-number data flow.
//
// A Value is the set of things a register or stack slot may hold at a program
// point, as a small set of atoms, or Top ("could be anything"):
//
//   Const(0x102)      the number 0x102 (mkdirat on x86-64)
//   Entry(reg AX)     whatever AX held when the current function was entered
//                     (a register argument under Go's ABIInternal, Go >= 1.17)
//   Entry(stack +8)   the word at entry SP + 8 (the first stack argument under
//                     ABI0: Go <= 1.16 callers, and every assembly function)
//   StackAddr(-24)    the address entry SP - 24 (a pointer into the frame)
//   Global(0x5a1f40)  the word loaded from that address (a package-level
//                     variable such as internal/syscall/unix.FcntlSyscall);
//                     resolved later only if nothing can write the variable
//
// Joins are set unions, capped at kMaxAtoms (then Top), so a number chosen on
// a branch (`n := SYS_A; if c { n = SYS_B }`) still resolves to both. A
// syscall site whose number is {Entry(...)} makes its function a *wrapper*;
// the site is then resolved at the wrapper's callers.
#ifndef GO2SECCOMP_ANALYSIS_VALUE_H_
#define GO2SECCOMP_ANALYSIS_VALUE_H_

#include <algorithm>
#include <array>
#include <cstdint>
#include <string>

#include "go2seccomp/disasm/instruction.h"

namespace go2seccomp::analysis {

// Where a function receives a value: a register, or a stack word at an offset
// from its entry SP. This is all a caller needs to know to evaluate the
// argument at a call site, whatever the callee's ABI.
struct EntryLoc {
  enum class Kind : std::uint8_t { kReg, kStack };
  Kind kind = Kind::kReg;
  std::int32_t value = 0;  // register index, or entry-SP-relative offset

  static EntryLoc Reg(disasm::Reg r) { return {Kind::kReg, r}; }
  static EntryLoc Stack(std::int32_t off) { return {Kind::kStack, off}; }
  auto operator<=>(const EntryLoc&) const = default;
  std::string ToString() const;
};

// 16 bytes: entry locations are packed into `value` (so a Value of six
// atoms fits in about 100 bytes and a function state in a few KiB).
struct Atom {
  enum class Kind : std::uint8_t { kConst, kEntry, kStackAddr, kGlobal };
  std::int64_t value = 0;  // constant / entry-SP-relative address / global
                           // address / kEntry: the EntryLoc value
  Kind kind = Kind::kConst;
  std::uint8_t size = 0;   // kGlobal: bytes loaded
  EntryLoc::Kind loc_kind = EntryLoc::Kind::kReg;  // kEntry

  static Atom Make(Kind k, std::int64_t v, std::uint8_t size = 0) {
    Atom a;
    a.kind = k;
    a.value = v;
    a.size = size;
    return a;
  }
  static Atom Entry(EntryLoc l) {
    Atom a;
    a.kind = Kind::kEntry;
    a.value = l.value;
    a.loc_kind = l.kind;
    return a;
  }
  // kEntry: the entry value, OR'ed with entry_mask() (the upper 32 bits of
  // `value`; flags added to an argument, clone(2)'s CLONE_SETTLS).
  EntryLoc loc() const { return EntryLoc{loc_kind, static_cast<std::int32_t>(value)}; }
  std::uint32_t entry_mask() const { return static_cast<std::uint32_t>(static_cast<std::uint64_t>(value) >> 32); }
  auto operator<=>(const Atom&) const = default;
};
static_assert(sizeof(Atom) == 16);

class Value {
 public:
  static constexpr int kMaxAtoms = 6;

  // Default: Top.
  Value() = default;
  static Value Top() { return Value(); }
  static Value Bottom() {
    Value v;
    v.top_ = false;
    return v;
  }
  static Value Const(std::int64_t c) { return Single(Atom::Make(Atom::Kind::kConst, c)); }
  static Value Entry(EntryLoc loc) { return Single(Atom::Entry(loc)); }
  static Value StackAddr(std::int64_t off) {
    return Single(Atom::Make(Atom::Kind::kStackAddr, off));
  }
  static Value Global(std::uint64_t addr, int size) {
    return Single(Atom::Make(Atom::Kind::kGlobal, static_cast<std::int64_t>(addr),
                             static_cast<std::uint8_t>(size)));
  }

  bool is_top() const { return top_; }
  bool is_bottom() const { return !top_ && n_ == 0; }
  int size() const { return n_; }
  const Atom& atom(int i) const { return atoms_[i]; }
  const Atom* begin() const { return atoms_.data(); }
  const Atom* end() const { return atoms_.data() + n_; }

  // The single StackAddr this value denotes, if it is exactly that.
  bool IsSingleStackAddr(std::int64_t* off) const {
    if (top_ || n_ != 1 || atoms_[0].kind != Atom::Kind::kStackAddr) return false;
    *off = atoms_[0].value;
    return true;
  }
  bool HasStackAddr() const {
    for (const Atom& a : *this) {
      if (a.kind == Atom::Kind::kStackAddr) return true;
    }
    return false;
  }

  // this := this ∪ other. Returns true if this changed.
  bool Join(const Value& other) {
    if (top_) return false;
    if (other.top_) {
      *this = Top();
      return true;
    }
    bool changed = false;
    for (const Atom& a : other) changed |= Insert(a);
    return changed;
  }

  // The value OR'ed with a constant: exact for constants, and for entry
  // values as long as the mask fits the 32 bits kept beside the location.
  Value Or(std::int64_t imm) const {
    if (top_) return *this;
    Value r = Bottom();
    for (const Atom& a : *this) {
      if (a.kind == Atom::Kind::kConst) {
        r.Insert(Atom::Make(Atom::Kind::kConst, a.value | imm));
      } else if (a.kind == Atom::Kind::kEntry &&
                 (static_cast<std::uint64_t>(imm) >> 32) == 0) {
        Atom b = a;
        b.value = static_cast<std::int64_t>(
            (static_cast<std::uint64_t>(a.entry_mask() | static_cast<std::uint32_t>(imm)) << 32) |
            static_cast<std::uint32_t>(a.loc().value));
        r.Insert(b);
      } else {
        return Top();
      }
    }
    return r;
  }

  // The value plus a constant: constants and stack addresses shift; an
  // unknown entry value plus something is no longer that entry value.
  Value Plus(std::int64_t imm) const {
    if (top_ || imm == 0) return *this;
    Value r = Bottom();
    for (const Atom& a : *this) {
      if (a.kind == Atom::Kind::kEntry || a.kind == Atom::Kind::kGlobal) return Top();
      Atom b = a;
      b.value = static_cast<std::int64_t>(static_cast<std::uint64_t>(a.value) +
                                          static_cast<std::uint64_t>(imm));
      r.Insert(b);
    }
    return r;
  }

  // The value as seen through a `bytes`-wide register or memory access:
  // constants are truncated (4-byte writes zero-extend on x86-64 and arm64);
  // 1- and 2-byte views are only kept for constants.
  Value Truncated(int bytes) const {
    if (top_ || bytes >= 8) return *this;
    Value r = Bottom();
    for (const Atom& a : *this) {
      if (a.kind == Atom::Kind::kConst) {
        const std::uint64_t mask = (std::uint64_t{1} << (bytes * 8)) - 1;
        r.Insert(Atom::Make(Atom::Kind::kConst,
                            static_cast<std::int64_t>(static_cast<std::uint64_t>(a.value) & mask)));
      } else if (bytes >= 4 && a.kind == Atom::Kind::kGlobal) {
        // The low bytes of a little-endian word are the word at the same
        // address, narrower.
        Atom b = a;
        b.size = static_cast<std::uint8_t>(std::min<int>(a.size, bytes));
        r.Insert(b);
      } else if (bytes >= 4 && a.kind == Atom::Kind::kEntry) {
        // A 32-bit view of an argument still carries the argument: syscall
        // numbers are 32-bit (seccomp_data.nr is an int).
        r.Insert(a);
      } else if (bytes >= 4 && a.kind == Atom::Kind::kStackAddr) {
        // A frame address in a 4-byte register or slot is the whole
        // pointer on i386 and arm; on 64-bit targets keeping it only makes
        // the escape rules more careful.
        r.Insert(a);
      } else {
        return Top();
      }
    }
    return r;
  }

  bool operator==(const Value& o) const {
    return top_ == o.top_ && n_ == o.n_ &&
           std::equal(begin(), end(), o.begin());
  }

  std::string ToString() const;

 private:
  static Value Single(Atom a) {
    Value v = Bottom();
    v.atoms_[0] = a;
    v.n_ = 1;
    return v;
  }
  // Keeps atoms sorted and unique; overflow turns the value into Top.
  bool Insert(const Atom& a) {
    if (top_) return false;
    Atom* pos = std::lower_bound(atoms_.data(), atoms_.data() + n_, a);
    if (pos != atoms_.data() + n_ && *pos == a) return false;
    if (n_ == kMaxAtoms) {
      *this = Top();
      return true;
    }
    std::move_backward(pos, atoms_.data() + n_, atoms_.data() + n_ + 1);
    *pos = a;
    ++n_;
    return true;
  }

  bool top_ = true;
  std::uint8_t n_ = 0;
  std::array<Atom, kMaxAtoms> atoms_{};
};

}  // namespace go2seccomp::analysis

#endif  // GO2SECCOMP_ANALYSIS_VALUE_H_
