// The library's whole job through its public header alone
// (include/go2seccomp/generate.h), linked without the CLI: make a profile for
// real Go fixtures, explain it, diff two, render it; and explain/diff agree
// with the BPF the same profile compiles to on --args' conditional rules.
#include "go2seccomp/generate.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <string>
#include <vector>

// Only to evaluate the rendered BPF: not part of the public API.
#include "go2seccomp/profile/bpf_eval.h"
// The tests' own helpers (fixture paths).
#include "tests/common/files.h"

namespace go2seccomp::generate {
namespace {

using ::testing::Contains;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;

using test_util::Fixture;

// A private library cache, so the test neither reads nor leaves the
// user's.
std::string TempCache() {
  const auto dir = std::filesystem::temp_directory_path() /
                   ("g2s-generate-test-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  return dir.string();
}

Generated Make(Generator g) {
  Result<Generated> r = g.CacheDir(TempCache()).Run();
  EXPECT_TRUE(r) << r.error().message;
  return r ? std::move(*r) : Generated{};
}

TEST(Generate, MakesExplainsAndDiffsThroughThePublicHeader) {
  const std::string mkdir = Fixture("mkdir", "amd64");
  const std::string hello = Fixture("hello", "amd64");
  Generated g = Make(Generator().Binary(mkdir).Runtime("none"));
  ASSERT_EQ(g.inputs.size(), 1u);
  EXPECT_TRUE(g.inputs[0].is_go);
  EXPECT_THAT(g.inputs[0].go_version, HasSubstr("go1."));
  EXPECT_EQ(g.arch, Arch::kX86_64);
  EXPECT_THAT(g.findings, IsEmpty());

  // Explain: mkdirat is allowed for every call, because of a Go call site
  // (its function named) and not because of a group.
  auto targets = ResolveSyscalls(g, {"mkdirat", "kexec_load"});
  ASSERT_TRUE(targets) << targets.error().message;
  const Explanation mk = Explain(g, (*targets)[0]);
  EXPECT_EQ(mk.allowance.kind, profile::Allowance::Kind::kUnconditional);
  ASSERT_FALSE(mk.sites.empty());
  const std::string why = DescribeUse(g.binaries[mk.sites[0].binary],
                                      *mk.sites[0].use, mk.syscall.nr);
  EXPECT_THAT(why, HasSubstr("Mkdir"));
  const Explanation pt = Explain(g, (*targets)[1]);
  EXPECT_EQ(pt.allowance.kind, profile::Allowance::Kind::kDenied);
  EXPECT_THAT(pt.sites, IsEmpty());
  EXPECT_FALSE(ResolveSyscalls(g, {"no_such_call"}));

  // The always-allowed names come with their group as the reason.
  const Explanation eg = Explain(g, SyscallTarget{"exit_group", 231});
  ASSERT_FALSE(eg.sources.empty());
  EXPECT_THAT(DescribeSource(eg.sources.back()), HasSubstr("always-allowed"));

  // Render: the OCI JSON names what the profile allows.
  auto json = RenderProfile(g.profile, OutputFormat::kOci, "mkdir");
  ASSERT_TRUE(json) << json.error().message;
  EXPECT_THAT(json->content, HasSubstr("\"mkdirat\""));
  EXPECT_THAT(json->content, Not(HasSubstr("\"kexec_load\"")));

  // Diff: hello -> mkdir adds mkdirat, introduced by a Go function; the
  // other way it is removed and nothing is added.
  Generated h = Make(Generator().Binary(hello).Runtime("none"));
  const ProfileDiff grow = DiffProfiles({&h.profile, &h}, {&g.profile, &g});
  EXPECT_TRUE(grow.allows_more);
  ASSERT_EQ(grow.arches.size(), 1u);
  auto added =
      std::find_if(grow.arches[0].added.begin(), grow.arches[0].added.end(),
                   [](const SyscallChange& c) { return c.name == "mkdirat"; });
  ASSERT_NE(added, grow.arches[0].added.end());
  EXPECT_THAT(added->introduced_by, Contains(HasSubstr("Mkdir")));
  const ProfileDiff shrink =
      DiffProfiles({&g.profile, &g}, {&h.profile, nullptr});
  EXPECT_FALSE(shrink.allows_more);
  EXPECT_THAT(shrink.arches[0].added, IsEmpty());
  EXPECT_FALSE(shrink.arches[0].removed.empty());
}

TEST(Generate, SetterErrorsAreStickyAndNamed) {
  auto r =
      Generator().Binary(Fixture("hello", "amd64")).Runtime("podman-9").Run();
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::kInvalidArgument);
  EXPECT_THAT(r.error().message, HasSubstr("podman-9"));
  r = Generator()
          .Binary(Fixture("hello", "amd64"))
          .DefaultAction("errno", 0)
          .Run();
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::kInvalidArgument);
  // Another architecture in With() is refused, naming both files.
  r = Generator()
          .Binary(Fixture("hello", "amd64"))
          .With(Fixture("hello", "arm64"))
          .CacheDir("")
          .Run();
  ASSERT_FALSE(r);
  EXPECT_THAT(r.error().message,
              HasSubstr("one profile covers one architecture"));
  // A file that is not ELF names itself.
  const std::string not_elf = std::string(G2S_SOURCE_DIR) + "/README.md";
  r = Generator().Binary(not_elf).Run();
  ASSERT_FALSE(r);
  EXPECT_THAT(r.error().message, HasSubstr(not_elf));
}

// The Go fixture execs a C program (/bin/true): an ELF without a Go line
// table is analysed as C, told apart by what the file is (not by an error
// message), and its syscalls come with the C function as their source.
TEST(Generate, AnElfWithoutGoIsAnalysedAsC) {
  const std::string c_program = "/bin/true";
  if (!std::filesystem::exists(c_program)) GTEST_SKIP() << "no /bin/true";
  Generated g = Make(Generator()
                         .Binary(Fixture("hello", "amd64"))
                         .With(c_program)
                         .Runtime("none"));
  ASSERT_EQ(g.inputs.size(), 2u);
  EXPECT_FALSE(g.inputs[1].is_go);
  EXPECT_THAT(g.inputs[1].c_images, Contains(HasSubstr("libc.so")));
  EXPECT_EQ(g.binaries.size(), 1u);  // Go reports are kept for Go inputs only
  bool some_c_source = false;
  for (const auto& [name, sources] : g.sources) {
    for (const NameSource& s : sources) {
      some_c_source |=
          s.kind == NameSource::Kind::kNativeCode && s.binary == c_program;
    }
  }
  EXPECT_TRUE(some_c_source);
}

// --args: every conditional allowance explain reports is what the compiled
// BPF does, for a call that matches each rule and for one that matches none;
// and diff sees dropping the conditions as allowing more.
TEST(Generate, ExplainAndDiffAgreeWithTheCompiledFilterOnConditionalRules) {
  const std::string bin = Fixture("httpsrv", "amd64");
  Generated with_args =
      Make(Generator().Binary(bin).Runtime("none").ArgumentFilters(true));
  Generated plain = Make(Generator().Binary(bin).Runtime("none"));
  auto bpf = RenderProfile(with_args.profile, OutputFormat::kBpf, "httpsrv");
  ASSERT_TRUE(bpf) << bpf.error().message;
  std::vector<sock_filter> prog(bpf->content.size() / sizeof(sock_filter));
  std::memcpy(prog.data(), bpf->content.data(),
              prog.size() * sizeof(sock_filter));

  auto all = ResolveSyscalls(with_args, {});
  ASSERT_TRUE(all);
  int conditional = 0;
  for (const SyscallTarget& t : *all) {
    const Explanation e = Explain(with_args, t);
    const auto nr = static_cast<std::uint32_t>(t.nr);
    auto verdict = [&](const std::vector<std::uint64_t>& a) {
      const seccomp_data d = profile::MakeSeccompData(
          Arch::kX86_64, nr, {a[0], a[1], a[2], a[3], a[4], a[5]});
      auto ret = profile::EvaluateBpf(prog, d);
      EXPECT_TRUE(ret) << ret.error().message;
      return ret ? profile::ActionFromSeccompRet(*ret)
                 : profile::Action::KillProcess();
    };
    if (e.allowance.kind == profile::Allowance::Kind::kUnconditional) {
      EXPECT_EQ(verdict({0, 0, 0, 0, 0, 0}), profile::Action::Allow())
          << t.name;
      continue;
    }
    ASSERT_EQ(e.allowance.kind, profile::Allowance::Kind::kConditional)
        << t.name;
    ++conditional;
    std::vector<std::uint64_t> other(6, 0);
    for (const profile::Allowance::When& w : e.allowance.when) {
      std::vector<std::uint64_t> call(6, 0);
      for (const profile::ArgCondition& c : w.args) {
        const bool masked = c.op == profile::ArgCondition::Op::kMaskedEqual;
        ASSERT_TRUE(masked || c.op == profile::ArgCondition::Op::kEqual);
        call[c.index] = masked ? c.value_two : c.value;
        other[c.index] = masked ? (c.value | c.value_two) : 0xdead0000;
      }
      EXPECT_EQ(verdict(call), w.action)
          << t.name << " " << profile::DescribeConditions(e.allowance);
    }
    EXPECT_EQ(verdict(other), e.allowance.otherwise) << t.name;
    EXPECT_NE(e.allowance.otherwise, profile::Action::Allow()) << t.name;
  }
  EXPECT_GT(conditional, 0) << "httpsrv has constant socket/fcntl arguments";

  // Plain -> --args narrows (each conditional name "changed", which diff
  // counts as allowing more: conditions cannot be ordered); nothing is
  // added either way.
  const ProfileDiff d =
      DiffProfiles({&with_args.profile, &with_args}, {&plain.profile, &plain});
  EXPECT_THAT(d.arches[0].added, IsEmpty());
  EXPECT_EQ(static_cast<int>(d.arches[0].changed.size()), conditional);
  for (const SyscallChange& c : d.arches[0].changed) {
    EXPECT_EQ(c.new_conditions, "") << c.name;
    EXPECT_NE(c.old_conditions, "") << c.name;
  }
  EXPECT_TRUE(d.allows_more);
}

}  // namespace
}  // namespace go2seccomp::generate
