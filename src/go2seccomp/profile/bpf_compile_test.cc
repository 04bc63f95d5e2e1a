#include "go2seccomp/profile/bpf_compile.h"

#include <fmt/format.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <linux/audit.h>
#include <seccomp.h>

#include <algorithm>
#include <array>
#include <cstdlib>
#include <map>
#include <set>

#include "go2seccomp/profile/allowance.h"
#include "go2seccomp/profile/bpf_eval.h"
#include "go2seccomp/profile/builder.h"
#include "go2seccomp/profile/groups.h"
#include "go2seccomp/syscalls/table.h"

namespace go2seccomp::profile {
// gtest prints Actions as "SCMP_ACT_ERRNO(1)".
inline void PrintTo(const Action& a, std::ostream* os) { *os << ToString(a); }
}  // namespace go2seccomp::profile

namespace go2seccomp::profile {
namespace {

using ::testing::Contains;
using ::testing::HasSubstr;

constexpr std::uint32_t kX32Bit = 0x40000000;  // __X32_SYSCALL_BIT

// What the exported filter answers for (arch, nr, args).
Action Verdict(const std::vector<sock_filter>& prog, Arch arch,
               std::uint32_t nr,
               std::initializer_list<std::uint64_t> args = {}) {
  seccomp_data d = MakeSeccompData(arch, nr, args);
  Result<std::uint32_t> ret = EvaluateBpf(prog, d);
  EXPECT_TRUE(ret) << ret.error().message;
  return ActionFromSeccompRet(ret.value_or(0xdeadbeef));
}

std::vector<sock_filter> Compile(const Profile& p,
                                 std::vector<std::string>* notes = nullptr) {
  Result<Filter> f = CompileFilter(p, FilterOptions{});
  EXPECT_TRUE(f) << f.error().message;
  if (!f) return {};
  if (notes) *notes = f->notes();
  Result<std::vector<sock_filter>> prog = ExportBpf(*f);
  EXPECT_TRUE(prog) << prog.error().message;
  return prog.value_or(std::vector<sock_filter>{});
}

// A profile for `arch`: every third syscall of our table, the always-allowed
// group, and two errno rules, so the sweep sees allowed, errno'd and
// default numbers interleaved.
Profile SweepProfile(Arch arch) {
  std::vector<std::string> names;
  auto table = syscalls::Table(arch);
  for (std::size_t i = 0; i < table.size(); i += 3) {
    names.emplace_back(table[i].name);
  }
  Result<Profile> p =
      ProfileBuilder()
          .Arches({arch})
          .DefaultAction(Action::Errno(EPERM))
          .Allow(names)
          .Allow(AlwaysAllowed())
          .Add(Rule::Make({std::string(table[1].name)}, Action::Errno(38)))
          .Add(Rule::Make({std::string(table[table.size() - 2].name)},
                          Action::Errno(22)))
          .Build();
  EXPECT_TRUE(p) << p.error().message;
  return p.value_or(Profile{});
}

// Numbers libseccomp (the host's) cannot express for a foreign `arch`.
std::set<int> InexpressibleOn(Arch arch) {
  static const std::uint32_t kTokens[] = {SCMP_ARCH_X86_64, SCMP_ARCH_AARCH64,
                                          SCMP_ARCH_X86, SCMP_ARCH_ARM};
  std::uint32_t token = kTokens[static_cast<int>(arch)];
  std::set<int> out;
  if (token == seccomp_arch_native()) return out;
  for (const auto& e : syscalls::Table(arch)) {
    char* name = seccomp_syscall_resolve_num_arch(token, e.nr);
    if (name == nullptr) out.insert(e.nr);
    std::free(name);
  }
  return out;
}

class FilterSweepTest : public ::testing::TestWithParam<Arch> {};

// libseccomp bpf-sim-fuzz idea: for every number, the compiled program's
// verdict is the profile's set semantics.
TEST_P(FilterSweepTest, VerdictEqualsProfileSemantics) {
  const Arch arch = GetParam();
  Profile p = SweepProfile(arch);
  std::vector<std::string> notes;
  std::vector<sock_filter> prog = Compile(p, &notes);
  ASSERT_FALSE(prog.empty());
  std::set<int> inexpressible = InexpressibleOn(arch);

  auto table = syscalls::Table(arch);
  std::set<std::uint32_t> numbers;
  // Regular numbers up to 50 past the largest one below the arm private
  // range, every table entry, and the start of the arm private range.
  int max_regular = 0;
  for (const auto& e : table) {
    if (e.nr < 0xf0000) max_regular = std::max(max_regular, e.nr);
    numbers.insert(static_cast<std::uint32_t>(e.nr));
  }
  for (int nr = 0; nr <= max_regular + 50; ++nr) numbers.insert(nr);
  for (int nr = 0xf0000; nr < 0xf0000 + 16; ++nr) numbers.insert(nr);

  int checked = 0;
  for (std::uint32_t nr : numbers) {
    std::optional<std::string_view> name =
        syscalls::NameOf(arch, static_cast<int>(nr));
    Action want = name ? p.ActionFor(*name) : p.default_action;
    if (name && inexpressible.count(static_cast<int>(nr)) &&
        want != p.default_action) {
      // Beyond the host libseccomp's tables for a foreign arch: left out
      // (hence the default action), and said so.
      want = p.default_action;
      EXPECT_THAT(notes, Contains(HasSubstr(std::string(*name) + " (")));
    }
    EXPECT_EQ(Verdict(prog, arch, nr), want)
        << GetArchInfo(arch).name << " nr " << nr << " (" << name.value_or("-")
        << ")";
    ++checked;
  }
  EXPECT_GT(checked, static_cast<int>(table.size()));

  // Other arches' calls never get through.
  for (const ArchInfo& other : AllArchInfos()) {
    if (other.arch == arch) continue;
    for (std::uint32_t nr : {0u, 1u, 3u, 39u, 59u, 221u}) {
      EXPECT_EQ(Verdict(prog, other.arch, nr), Action::KillProcess())
          << other.name << " nr " << nr;
    }
  }
}

INSTANTIATE_TEST_SUITE_P(AllArches, FilterSweepTest,
                         ::testing::Values(Arch::kX86_64, Arch::kArm64,
                                           Arch::kI386, Arch::kArm),
                         [](const auto& param_info) {
                           return std::string(
                               GetArchInfo(param_info.param).name);
                         });

TEST(FilterTest, X32NumbersAreKilledOnX86_64) {
  Profile p = SweepProfile(Arch::kX86_64);
  std::vector<sock_filter> prog = Compile(p);
  ASSERT_TRUE(p.Allows("getpid"));
  EXPECT_EQ(Verdict(prog, Arch::kX86_64, 39), Action::Allow());
  for (std::uint32_t nr : {0u, 39u, 512u, 547u, 0x3fffffffu}) {
    EXPECT_EQ(Verdict(prog, Arch::kX86_64, kX32Bit | nr), Action::KillProcess())
        << "x32 nr " << nr;
  }
  // libseccomp's guard as it appears in the program: A >= 0x40000000 right
  // after loading seccomp_data.nr. (nr == -1 is let through to the default
  // action: ptracers use it to skip a syscall.)
  bool has_guard = false;
  for (std::size_t i = 0; i + 1 < prog.size(); ++i) {
    if (prog[i].code == (BPF_LD | BPF_W | BPF_ABS) && prog[i].k == 0 &&
        prog[i + 1].code == (BPF_JMP | BPF_JGE | BPF_K) &&
        prog[i + 1].k == kX32Bit) {
      has_guard = true;
    }
  }
  EXPECT_TRUE(has_guard);
  EXPECT_EQ(Verdict(prog, Arch::kX86_64, 0xffffffffu), p.default_action);
}

TEST(FilterTest, MultiArchUsesEachArchsNumbers) {
  Result<Profile> p = ProfileBuilder()
                          .Arches({Arch::kX86_64, Arch::kI386})
                          .Allow({"getpid", "socketcall", "arch_prctl"})
                          .Build();
  ASSERT_TRUE(p);
  std::vector<sock_filter> prog = Compile(*p);
  EXPECT_EQ(Verdict(prog, Arch::kX86_64, 39), Action::Allow());   // getpid
  EXPECT_EQ(Verdict(prog, Arch::kI386, 20), Action::Allow());     // getpid
  EXPECT_EQ(Verdict(prog, Arch::kI386, 102), Action::Allow());    // socketcall
  EXPECT_EQ(Verdict(prog, Arch::kI386, 384), Action::Allow());    // arch_prctl
  EXPECT_EQ(Verdict(prog, Arch::kX86_64, 158), Action::Allow());  // arch_prctl
  // i386 getpid's number (20) is writev on x86_64; x86_64 getpid's (39) is
  // umount on i386: neither allowed.
  EXPECT_EQ(Verdict(prog, Arch::kX86_64, 20), Action::Errno());
  EXPECT_EQ(Verdict(prog, Arch::kI386, 39), Action::Errno());
  EXPECT_EQ(Verdict(prog, Arch::kX86_64, kX32Bit | 39), Action::KillProcess());
  EXPECT_EQ(Verdict(prog, Arch::kArm64, 172), Action::KillProcess());
}

TEST(FilterTest, ArgumentConditions) {
  Profile p;
  p.arches = {Arch::kX86_64};
  p.default_action = Action::Errno(EPERM);
  p.rules = {
      Rule::Make({"personality"}, Action::Allow(),
                 {ArgCondition::Make(0, ArgCondition::Op::kEqual, 0xffffffff)}),
      // moby's clone rule: no namespace flags.
      Rule::Make({"clone"}, Action::Allow(),
                 {ArgCondition::Make(0, ArgCondition::Op::kMaskedEqual,
                                     0x7e020000, 0)}),
      Rule::Make({"socket"}, Action::Errno(EINVAL),
                 {ArgCondition::Make(0, ArgCondition::Op::kEqual, 40)}),
      Rule::Make({"socket"}, Action::Allow(),
                 {ArgCondition::Make(0, ArgCondition::Op::kLessThan, 40)}),
  };
  std::vector<sock_filter> prog = Compile(p);
  constexpr std::uint32_t kPersonality = 135, kClone = 56, kSocket = 41;
  EXPECT_EQ(Verdict(prog, Arch::kX86_64, kPersonality, {0xffffffff}),
            Action::Allow());
  EXPECT_EQ(Verdict(prog, Arch::kX86_64, kPersonality, {8}), Action::Errno());
  // 64-bit comparison: the high word counts.
  EXPECT_EQ(Verdict(prog, Arch::kX86_64, kPersonality, {0x1'ffffffff}),
            Action::Errno());
  EXPECT_EQ(Verdict(prog, Arch::kX86_64, kClone, {0x3d0f00}), Action::Allow());
  EXPECT_EQ(Verdict(prog, Arch::kX86_64, kClone, {0x10000000 /* NEWUSER */}),
            Action::Errno());
  EXPECT_EQ(Verdict(prog, Arch::kX86_64, kSocket, {40 /* AF_VSOCK */}),
            Action::Errno(EINVAL));
  EXPECT_EQ(Verdict(prog, Arch::kX86_64, kSocket, {2}), Action::Allow());
  EXPECT_EQ(Verdict(prog, Arch::kX86_64, kSocket, {41}), Action::Errno());
}

// For one syscall an unconditional rule wins over conditional ones, and the
// first unconditional rule wins: libseccomp's behaviour, and
// Profile::ActionFor()'s.
TEST(FilterTest, PrecedenceMatchesProfileSemantics) {
  Profile p;
  p.arches = {Arch::kX86_64};
  p.rules = {
      Rule::Make({"socket"}, Action::Errno(EINVAL),
                 {ArgCondition::Make(0, ArgCondition::Op::kEqual, 40)}),
      Rule::Make({"socket"}, Action::Allow()),
      Rule::Make({"openat"}, Action::Errno(EACCES)),
      Rule::Make({"openat"}, Action::Allow()),
  };
  std::vector<sock_filter> prog = Compile(p);
  EXPECT_EQ(p.ActionFor("socket"), Action::Allow());
  EXPECT_EQ(Verdict(prog, Arch::kX86_64, 41, {40}), Action::Allow());
  EXPECT_EQ(p.ActionFor("openat"), Action::Errno(EACCES));
  EXPECT_EQ(Verdict(prog, Arch::kX86_64, 257), Action::Errno(EACCES));
}

// Values on both sides of each condition of `rules` naming `name`, for the
// arguments the conditions test: every combination of them (other
// arguments 0), so AND'ed conditions are probed together.
std::vector<std::array<std::uint64_t, 6>> Probes(const Profile& p,
                                                 const std::string& name) {
  std::map<std::uint32_t, std::set<std::uint64_t>> values;
  for (const Rule& r : p.rules) {
    if (std::find(r.names.begin(), r.names.end(), name) == r.names.end())
      continue;
    for (const ArgCondition& c : r.args) {
      for (std::uint64_t v :
           {c.value - 1, c.value, c.value + 1, c.value_two,
            c.value_two | ~c.value, std::uint64_t{0}, ~std::uint64_t{0}}) {
        values[c.index].insert(v);
      }
    }
  }
  std::vector<std::array<std::uint64_t, 6>> out = {{}};
  for (const auto& [index, vs] : values) {
    std::vector<std::array<std::uint64_t, 6>> next;
    for (const auto& args : out) {
      for (std::uint64_t v : vs) {
        next.push_back(args);
        next.back()[index] = v;
      }
    }
    out = std::move(next);
  }
  return out;
}

// AllowanceOf() (what explain, diff, compare and merge use) gives every
// call the action the compiled filter gives it, conditional rules included.
TEST(FilterTest, AllowanceAgreesWithTheCompiledFilter) {
  using Op = ArgCondition::Op;
  Profile deny_default;
  deny_default.arches = {Arch::kX86_64};
  deny_default.rules = {
      Rule::Make({"read", "write"}, Action::Allow()),
      Rule::Make({"fcntl"}, Action::Allow(),
                 {ArgCondition::Make(1, Op::kEqual, 2)}),
      Rule::Make({"fcntl"}, Action::Allow(),
                 {ArgCondition::Make(1, Op::kEqual, 4)}),
      Rule::Make({"clone"}, Action::Allow(),
                 {ArgCondition::Make(0, Op::kMaskedEqual, 0x7e020000, 0)}),
      Rule::Make({"socket"}, Action::Allow(),
                 {ArgCondition::Make(0, Op::kLessThan, 11),
                  ArgCondition::Make(1, Op::kGreaterOrEqual, 2)}),
      Rule::Make({"ioctl"}, Action::Errno(ENOTTY),
                 {ArgCondition::Make(1, Op::kNotEqual, 0x5401)}),
      Rule::Make({"prctl"}, Action::Errno(EINVAL)),
      Rule::Make({"prctl"}, Action::Allow(),
                 {ArgCondition::Make(0, Op::kEqual, 1)}),
  };
  Profile allow_default;
  allow_default.default_action = Action::Allow();
  allow_default.arches = {Arch::kX86_64};
  allow_default.rules = {
      Rule::Make({"ptrace"}, Action::KillProcess()),
      Rule::Make({"socket"}, Action::Errno(EACCES),
                 {ArgCondition::Make(0, Op::kEqual, 16),
                  ArgCondition::Make(2, Op::kLessOrEqual, 9)}),
      Rule::Make({"kill"}, Action::Errno(),
                 {ArgCondition::Make(1, Op::kGreaterThan, 9)}),
  };
  // Like the launcher's own exception (runtime/launch.h WithLauncherExec):
  // conditional rules of two actions on one syscall.
  Profile launcher = deny_default;
  launcher.rules.push_back(
      Rule::Make({"execve"}, Action::Allow(),
                 {ArgCondition::Make(0, Op::kEqual, 0x7ffd1000)}));
  launcher.rules.push_back(
      Rule::Make({"execve"}, Action::Errno(EACCES),
                 {ArgCondition::Make(0, Op::kNotEqual, 0x7ffd1000)}));
  int probed = 0;
  for (const Profile* p : {&deny_default, &allow_default, &launcher}) {
    std::vector<sock_filter> prog = Compile(*p);
    ASSERT_FALSE(prog.empty());
    for (const std::string name :
         {"read", "fcntl", "clone", "socket", "ioctl", "prctl", "ptrace",
          "kill", "execve", "mkdirat"}) {
      const Allowance a = AllowanceOf(*p, name);
      const auto nr =
          static_cast<std::uint32_t>(*syscalls::NumberOf(Arch::kX86_64, name));
      for (const auto& args : Probes(*p, name)) {
        seccomp_data d = MakeSeccompData(Arch::kX86_64, nr);
        std::copy(args.begin(), args.end(), d.args);
        Result<std::uint32_t> ret = EvaluateBpf(prog, d);
        ASSERT_TRUE(ret) << ret.error().message;
        std::uint64_t call[6];
        std::copy(args.begin(), args.end(), call);
        EXPECT_EQ(a.ActionForCall(call), ActionFromSeccompRet(*ret))
            << name << " args " << fmt::format("{:#x}", fmt::join(args, ", "));
        ++probed;
      }
    }
  }
  EXPECT_GT(probed, 100);
}

// i386 socket calls with argument conditions (moby's default profile has
// such rules): libseccomp cannot condition the socketcall form.
TEST(FilterTest, I386ConditionalSocketRules) {
  Profile p;
  p.arches = {Arch::kX86_64, Arch::kI386};
  p.default_action = Action::Allow();
  p.rules = {
      Rule::Make({"socket"}, Action::Errno(EINVAL),
                 {ArgCondition::Make(0, ArgCondition::Op::kEqual, 40)}),
  };
  std::vector<std::string> notes;
  std::vector<sock_filter> prog = Compile(p, &notes);
  constexpr std::uint32_t kI386Socket = 359, kI386Socketcall = 102;
  constexpr std::uint64_t kSysSocket = 1;
  EXPECT_EQ(Verdict(prog, Arch::kI386, kI386Socket, {40}),
            Action::Errno(EINVAL));
  EXPECT_EQ(Verdict(prog, Arch::kI386, kI386Socket, {2}), Action::Allow());
  // socketcall(SYS_SOCKET, ...): denied whatever the family.
  EXPECT_EQ(Verdict(prog, Arch::kI386, kI386Socketcall, {kSysSocket}),
            Action::Errno(EINVAL));
  EXPECT_EQ(Verdict(prog, Arch::kX86_64, 41, {2}), Action::Allow());
  EXPECT_THAT(notes, Contains(HasSubstr("i386: the conditional "
                                        "SCMP_ACT_ERRNO(22) rule for socket "
                                        "also applies")));

  // An allowing conditional rule is left out on i386 instead.
  p.default_action = Action::Errno();
  p.rules = {Rule::Make({"socket"}, Action::Allow(),
                        {ArgCondition::Make(0, ArgCondition::Op::kEqual, 2)})};
  prog = Compile(p, &notes);
  EXPECT_EQ(Verdict(prog, Arch::kI386, kI386Socket, {2}), Action::Errno());
  EXPECT_EQ(Verdict(prog, Arch::kI386, kI386Socketcall, {kSysSocket}),
            Action::Errno());
  EXPECT_EQ(Verdict(prog, Arch::kX86_64, 41, {2}), Action::Allow());
  EXPECT_THAT(notes, Contains(HasSubstr("rule for socket is left out")));
}

TEST(FilterTest, ActionsAndDefaults) {
  Profile p;
  p.arches = {Arch::kX86_64};
  p.default_action = Action::KillProcess();
  p.rules = {Rule::Make({"read"}, Action::Allow()),
             Rule::Make({"ptrace"}, Action::Errno(1234)),
             Rule::Make({"kill"}, Action::Trap()),
             Rule::Make({"getpid"}, Action::Log()),
             Rule::Make({"getppid"}, Action::Trace(7)),
             Rule::Make({"gettid"}, Action::KillThread()),
             // Same as the default: a no-op, left out without an error.
             Rule::Make({"write"}, Action::KillProcess())};
  std::vector<sock_filter> prog = Compile(p);
  EXPECT_EQ(Verdict(prog, Arch::kX86_64, 0), Action::Allow());
  EXPECT_EQ(Verdict(prog, Arch::kX86_64, 101), Action::Errno(1234));
  EXPECT_EQ(Verdict(prog, Arch::kX86_64, 62), Action::Trap());
  EXPECT_EQ(Verdict(prog, Arch::kX86_64, 39), Action::Log());
  EXPECT_EQ(Verdict(prog, Arch::kX86_64, 110), Action::Trace(7));
  EXPECT_EQ(Verdict(prog, Arch::kX86_64, 186), Action::KillThread());
  EXPECT_EQ(Verdict(prog, Arch::kX86_64, 1), Action::KillProcess());
}

TEST(FilterTest, BadArchActionIsConfigurable) {
  Profile p;
  p.arches = {Arch::kX86_64};
  p.rules = {Rule::Make({"read"}, Action::Allow())};
  FilterOptions options;
  options.bad_arch_action = Action::Errno(ENOSYS);
  Result<Filter> f = CompileFilter(p, options);
  ASSERT_TRUE(f);
  std::vector<sock_filter> prog = ExportBpf(*f).value();
  EXPECT_EQ(Verdict(prog, Arch::kI386, 3), Action::Errno(ENOSYS));
}

TEST(FilterTest, PfcText) {
  Result<Profile> p = ProfileBuilder()
                          .Arches({Arch::kX86_64})
                          .Allow({"getpid", "write"})
                          .Build();
  Result<Filter> f = CompileFilter(*p, FilterOptions{});
  ASSERT_TRUE(f);
  Result<std::string> pfc = ExportPfc(*f);
  ASSERT_TRUE(pfc) << pfc.error().message;
  EXPECT_THAT(*pfc, HasSubstr("# filter for arch x86_64 (3221225534)"));
  EXPECT_THAT(*pfc, HasSubstr("if ($syscall == 39)"));
  EXPECT_THAT(*pfc, HasSubstr("action ERRNO(1);"));
  EXPECT_THAT(*pfc, HasSubstr("# invalid architecture action\naction "
                              "KILL_PROCESS;"));
}

TEST(FilterTest, Errors) {
  Profile no_arches;
  Result<Filter> f = CompileFilter(no_arches, FilterOptions{});
  ASSERT_FALSE(f);
  EXPECT_EQ(f.error().code, ErrorCode::kInvalidArgument);

  Profile big;
  big.arches = {Arch::kX86_64};
  big.default_action = Action::Errno(0x10000);
  f = CompileFilter(big, FilterOptions{});
  ASSERT_FALSE(f);
  EXPECT_EQ(f.error().code, ErrorCode::kInvalidArgument);

  Profile notify;
  notify.arches = {Arch::kX86_64};
  notify.rules = {Rule::Make({"openat"}, Action::Notify())};
  f = CompileFilter(notify, FilterOptions{});
  ASSERT_FALSE(f);
  EXPECT_EQ(f.error().code, ErrorCode::kUnsupported);
  EXPECT_THAT(f.error().message, HasSubstr("SCMP_ACT_NOTIFY"));
}

TEST(FilterTest, MoveOnlyOwnership) {
  Result<Profile> p =
      ProfileBuilder().Arches({Arch::kX86_64}).Allow({"read"}).Build();
  Result<Filter> f = CompileFilter(*p, FilterOptions{});
  ASSERT_TRUE(f);
  Filter moved = std::move(*f);
  EXPECT_EQ(f->ctx(), nullptr);
  EXPECT_NE(moved.ctx(), nullptr);
  EXPECT_TRUE(ExportBpf(moved));
}

// --- WithUnknownEnosys / RouteToListener ----------------------------------

TEST(UnknownEnosysTest, HighestKnownNumbers) {
  EXPECT_EQ(HighestKnownNumber(Arch::kX86_64), 462);  // mseal, Linux 6.10
  EXPECT_EQ(HighestKnownNumber(Arch::kArm64), 462);
  EXPECT_EQ(HighestKnownNumber(Arch::kI386), 462);
  // arm's private calls (0x0f0000 + n) are not "the highest".
  EXPECT_EQ(HighestKnownNumber(Arch::kArm), 462);
}

TEST(UnknownEnosysTest, NumbersAboveTheTableGetEnosys) {
  for (Arch arch : {Arch::kX86_64, Arch::kArm64}) {
    Profile p = SweepProfile(arch);
    p.default_action = Action::KillProcess();
    const std::vector<sock_filter> plain = Compile(p);
    const std::vector<sock_filter> prog = WithUnknownEnosys(plain, p.arches);
    const auto top = static_cast<std::uint32_t>(HighestKnownNumber(arch));
    // Every known number: exactly what the plain program says.
    for (std::uint32_t nr = 0; nr <= top; ++nr) {
      ASSERT_EQ(Verdict(prog, arch, nr), Verdict(plain, arch, nr))
          << GetArchInfo(arch).name << " nr " << nr;
    }
    for (std::uint32_t nr : {top + 1, top + 2, 1000u, kX32Bit - 1}) {
      EXPECT_EQ(Verdict(prog, arch, nr), Action::Errno(ENOSYS)) << nr;
      EXPECT_EQ(Verdict(plain, arch, nr), Action::KillProcess()) << nr;
    }
    // -1 (what a tracer's "skip" leaves) and, on x86_64, x32 numbers still
    // reach libseccomp's own handling.
    EXPECT_EQ(Verdict(prog, arch, 0xffffffff),
              Verdict(plain, arch, 0xffffffff));
    EXPECT_EQ(Verdict(prog, arch, kX32Bit | 39),
              Verdict(plain, arch, kX32Bit | 39));
  }
  // Another arch than the profile's: the bad-arch action, untouched.
  Profile p = SweepProfile(Arch::kX86_64);
  const std::vector<sock_filter> prog = WithUnknownEnosys(Compile(p), p.arches);
  EXPECT_EQ(Verdict(prog, Arch::kI386, 500), Action::KillProcess());
}

TEST(UnknownEnosysTest, ArmPrivateCallsAreLeftAlone) {
  Profile p = SweepProfile(Arch::kArm);
  p.rules.push_back(Rule::Make({"set_tls"}, Action::Allow()));
  const std::vector<sock_filter> plain = Compile(p);
  const std::vector<sock_filter> prog = WithUnknownEnosys(plain, p.arches);
  const auto set_tls =
      static_cast<std::uint32_t>(*syscalls::NumberOf(Arch::kArm, "set_tls"));
  EXPECT_EQ(Verdict(prog, Arch::kArm, set_tls),
            Verdict(plain, Arch::kArm, set_tls));
  EXPECT_EQ(Verdict(prog, Arch::kArm, 463), Action::Errno(ENOSYS));
}

TEST(RouteToListenerTest, OnlyChosenReturnsChange) {
  Profile p = SweepProfile(Arch::kX86_64);
  const std::vector<sock_filter> plain = Compile(p);
  const std::vector<sock_filter> routed =
      RouteToListener(plain, [](std::uint32_t ret) {
        return (ret & SECCOMP_RET_ACTION_FULL) == SECCOMP_RET_ERRNO;
      });
  ASSERT_EQ(routed.size(), plain.size());
  for (const syscalls::SyscallEntry& e : syscalls::Table(Arch::kX86_64)) {
    const auto nr = static_cast<std::uint32_t>(e.nr);
    const Action before = Verdict(plain, Arch::kX86_64, nr);
    const Action after = Verdict(routed, Arch::kX86_64, nr);
    if (before.kind == Action::Kind::kErrno) {
      EXPECT_EQ(after, Action::Notify()) << e.name;
    } else {
      EXPECT_EQ(after, before) << e.name;  // allowed calls stay in the kernel
    }
  }
  EXPECT_EQ(Verdict(routed, Arch::kI386, 20), Action::KillProcess());
}

}  // namespace
}  // namespace go2seccomp::profile
