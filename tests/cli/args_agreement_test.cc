// explain, diff and compare on `--args` profiles agree with the compiled
// filter: a syscall they call allowed (for every call, or under the
// conditions they print) is what the BPF that `analyze --args` would
// install allows, evaluated on fake seccomp_data, and the rest is denied.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <vector>

#include "go2seccomp/profile/bpf_eval.h"
#include "go2seccomp/profile/oci_json.h"
#include "go2seccomp/runtime/filter.h"
#include "go2seccomp/syscalls/table.h"
#include "tests/cli/cli_util.h"
#include "tests/common/files.h"
#include "tests/common/profiles.h"

namespace go2seccomp {
namespace {

using test_util::Cli;
using test_util::Fixture;
using test_util::RunResult;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using Json = nlohmann::json;

// What explain says about one syscall.
struct Explained {
  std::string allowance;  // unconditional, conditional, denied
  std::string conditions;
  // Argument vectors that satisfy one allowing rule each, and one that
  // satisfies none of them (built from the "when" rules, EQ and MASKED_EQ
  // being what --args writes).
  std::vector<std::vector<std::uint64_t>> allowed_calls;
  std::vector<std::uint64_t> other_call;
};

std::map<std::string, Explained> ExplainAll(const std::string& bin) {
  RunResult r =
      Cli({"explain", "-q", "--json", "--args", "--runtime", "none", bin});
  EXPECT_TRUE(r.exited_ok()) << r.err;
  std::map<std::string, Explained> out;
  const Json explained = Json::parse(r.out);
  for (const Json& s : explained["syscalls"]) {
    Explained e;
    e.allowance = s["allowance"].get<std::string>();
    if (e.allowance == "conditional") {
      e.conditions = s["conditions"].get<std::string>();
      e.other_call.assign(6, 0);
      for (const Json& w : s["when"]) {
        if (w["action"] != "SCMP_ACT_ALLOW") continue;
        std::vector<std::uint64_t> call(6, 0);
        for (const Json& a : w["args"]) {
          const std::uint64_t value = a["value"];
          const std::uint64_t two = a["value_two"];
          const bool masked = a["op"] == "SCMP_CMP_MASKED_EQ";
          EXPECT_TRUE(masked || a["op"] == "SCMP_CMP_EQ") << a.dump();
          call[a["index"]] = masked ? two : value;
          // A value no rule allows: outside the mask's allowed bits, or
          // one no EQ rule names (--args values are small constants).
          e.other_call[a["index"]] = masked ? (two | value) : 0xdead0000;
        }
        e.allowed_calls.push_back(call);
      }
    }
    out[s["name"].get<std::string>()] = e;
  }
  return out;
}

class Bpf {
 public:
  explicit Bpf(const std::string& profile_path) {
    const profile::Profile p = test_util::ReadProfile(profile_path);
    auto f = runtime::CompileFilter(p, runtime::FilterOptions{});
    EXPECT_TRUE(f) << f.error().message;
    auto prog = runtime::ExportBpf(*f);
    EXPECT_TRUE(prog);
    prog_ = prog.value_or(std::vector<sock_filter>{});
  }
  bool Allows(const std::string& name,
              const std::vector<std::uint64_t>& args) const {
    seccomp_data d = profile::MakeSeccompData(
        Arch::kX86_64,
        static_cast<std::uint32_t>(*syscalls::NumberOf(Arch::kX86_64, name)));
    for (std::size_t i = 0; i < args.size() && i < 6; ++i) d.args[i] = args[i];
    auto ret = profile::EvaluateBpf(prog_, d);
    EXPECT_TRUE(ret);
    return ret &&
           profile::ActionFromSeccompRet(*ret) == profile::Action::Allow();
  }

 private:
  std::vector<sock_filter> prog_;
};

class ArgsAgreement : public ::testing::TestWithParam<std::string> {};

TEST_P(ArgsAgreement, ExplainAndDiffMatchTheCompiledFilter) {
  test_util::TempDir tmp;
  const std::string bin = Fixture(GetParam());
  const std::string prof = (tmp.path() / "args.json").string();
  RunResult r =
      Cli({"analyze", "-q", "--args", "--runtime", "none", bin, "-o", prof});
  ASSERT_TRUE(r.exited_ok()) << r.err;
  const Bpf bpf(prof);
  const std::map<std::string, Explained> explained = ExplainAll(bin);
  int conditional = 0;
  for (const syscalls::SyscallEntry& e : syscalls::Table(Arch::kX86_64)) {
    const std::string name(e.name);
    const std::vector<std::uint64_t> zeros(6, 0), ones(6, ~std::uint64_t{0});
    auto it = explained.find(name);
    if (it == explained.end()) {
      EXPECT_FALSE(bpf.Allows(name, zeros) || bpf.Allows(name, ones))
          << name << ": allowed by the filter, not listed by explain";
      continue;
    }
    const Explained& x = it->second;
    if (x.allowance == "unconditional") {
      EXPECT_TRUE(bpf.Allows(name, zeros) && bpf.Allows(name, ones)) << name;
      continue;
    }
    ASSERT_EQ(x.allowance, "conditional") << name;
    ++conditional;
    ASSERT_FALSE(x.allowed_calls.empty()) << name;
    for (const auto& call : x.allowed_calls)
      EXPECT_TRUE(bpf.Allows(name, call)) << name;
    EXPECT_FALSE(bpf.Allows(name, x.other_call))
        << name << " if " << x.conditions;
  }
  EXPECT_GT(conditional, 0) << "the fixture has no --args rule";

  // diff from an empty profile: every allowed name is added, with the
  // conditions explain prints.
  const std::string empty = (tmp.path() / "empty.json").string();
  std::ofstream(empty) << R"({"defaultAction": "SCMP_ACT_ERRNO",
                              "architectures": ["SCMP_ARCH_X86_64"], "syscalls": []})";
  r = Cli({"diff", "-q", "--json", "--args", "--runtime", "none", empty, bin});
  EXPECT_EQ(r.exit_code(), 1) << r.err;
  const Json diff = Json::parse(r.out);
  std::set<std::string> added;
  for (const Json& c : diff["arches"][0]["added"]) {
    const std::string name = c["name"];
    added.insert(name);
    ASSERT_TRUE(explained.count(name)) << name;
    EXPECT_EQ(c.value("conditions", ""), explained.at(name).conditions) << name;
  }
  EXPECT_EQ(added.size(), explained.size());
}

// compare: a trace records names only, so the names the static --args
// profile allows under conditions are listed apart and are not gaps.
TEST(ArgsAgreement, CompareListsConditionalNamesApart) {
  test_util::TempDir tmp;
  const std::string args = (tmp.path() / "args.json").string();
  const std::string plain = (tmp.path() / "plain.json").string();
  ASSERT_TRUE(Cli({"analyze", "-q", "--args", "--runtime", "none",
                   Fixture("hello"), "-o", args})
                  .exited_ok());
  ASSERT_TRUE(
      Cli({"analyze", "-q", "--runtime", "none", Fixture("hello"), "-o", plain})
          .exited_ok());
  RunResult r =
      Cli({"compare", "--json", "--static", args, "--observed", plain});
  EXPECT_EQ(r.exit_code(), 0) << r.out << r.err;
  const Json j = Json::parse(r.out);
  EXPECT_TRUE(j["covered"]);
  EXPECT_THAT(j["arches"][0]["observed_not_allowed"], IsEmpty());
  std::set<std::string> conditional = j["arches"][0]["observed_allowed_if"];
  EXPECT_EQ(conditional, (std::set<std::string>{"clone", "fcntl"}));

  // explain prints the conditions (it used to call both "not allowed").
  r = Cli({"explain", "-q", "--args", "--runtime", "none", Fixture("hello"),
           "fcntl", "clone"});
  EXPECT_TRUE(r.exited_ok()) << r.out;
  EXPECT_THAT(r.out,
              HasSubstr("\nfcntl (72)\n  allowed only if args[1] == 0x"));
  EXPECT_THAT(r.out,
              HasSubstr("\nclone (56)\n  allowed only if (args[0] & 0x"));
  EXPECT_THAT(r.out, HasSubstr("(otherwise SCMP_ACT_ERRNO(1))"));
}

INSTANTIATE_TEST_SUITE_P(Fixtures, ArgsAgreement,
                         ::testing::Values("hello", "execproc", "httpsrv"));

}  // namespace
}  // namespace go2seccomp
