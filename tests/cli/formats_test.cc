// `go2seccomp analyze --format ...` on a Go fixture: every format is read
// back by what consumes it (or the closest thing here) and compiled with
// libseccomp, and the BPF ones are evaluated.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <seccomp.h>

#include <cstdlib>
#include <cstring>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "go2seccomp/profile/bpf_eval.h"
#include "go2seccomp/profile/bpf_text.h"
#include "go2seccomp/profile/oci_json.h"
#include "go2seccomp/profile/renderers.h"
#include "go2seccomp/runtime/filter.h"
#include "go2seccomp/syscalls/table.h"
#include "tests/cli/cli_util.h"
#include "tests/common/files.h"
#if G2S_HAVE_LIBYAML
#include "tests/cli/yaml_json.h"
#endif

namespace go2seccomp {
namespace {

using test_util::Cli;
using test_util::Fixture;
using test_util::RunResult;
using ::testing::HasSubstr;

// `go2seccomp analyze BIN --format F [extra]` to stdout.
std::string Render(const std::string& format,
                   std::vector<std::string> extra = {},
                   const std::string& bin = Fixture("mkdir")) {
  std::vector<std::string> args = {"analyze", "-q", bin, "--format", format};
  args.insert(args.end(), extra.begin(), extra.end());
  RunResult r = Cli(args);
  EXPECT_TRUE(r.exited_ok()) << format << ": " << r.err;
  return r.out;
}

profile::Profile ParseOci(const std::string& text, const std::string& origin) {
  auto p = profile::ParseOciJson(text, origin);
  EXPECT_TRUE(p) << origin << ": " << (p ? "" : p.error().message);
  return p ? *p : profile::Profile{};
}

void ExpectCompiles(const profile::Profile& p, const std::string& what) {
  auto f = runtime::CompileFilter(p, runtime::FilterOptions{});
  ASSERT_TRUE(f) << what << ": " << f.error().message;
  EXPECT_TRUE(f->notes().empty()) << what;
}

TEST(Formats, DefaultIsTheClassicProfile) {
  test_util::TempDir tmp;
  const std::string classic = (tmp.path() / "classic.json").string();
  ASSERT_TRUE(Cli({Fixture("mkdir"), classic, "-q"}).exited_ok());
  const std::string text = test_util::ReadFile(classic);
  EXPECT_EQ(Render("oci"), text);
  EXPECT_EQ(Cli({"analyze", "-q", Fixture("mkdir")}).out, text);
  // The classic form takes --format too.
  const std::string spo = (tmp.path() / "p.yaml").string();
  ASSERT_TRUE(
      Cli({Fixture("mkdir"), spo, "-q", "--format", "spo"}).exited_ok());
  EXPECT_EQ(test_util::ReadFile(spo), Render("spo"));
  RunResult bad = Cli({"analyze", "-q", Fixture("mkdir"), "--format", "xml"});
  EXPECT_EQ(bad.exit_code(), 2);
}

TEST(Formats, OciLinuxBlockIsTheSameProfile) {
  const profile::Profile oci = ParseOci(Render("oci"), "oci");
  const std::string text = Render("oci-linux");
  const auto j = nlohmann::json::parse(text);
  ASSERT_EQ(j.size(), 1u);
  ASSERT_EQ(j["linux"].size(), 1u);
  // runtime-spec config-linux.md LinuxSeccomp fields only.
  const std::set<std::string> spec_fields = {
      "defaultAction", "defaultErrnoRet",  "architectures", "flags",
      "listenerPath",  "listenerMetadata", "syscalls"};
  for (const auto& [k, v] : j["linux"]["seccomp"].items())
    EXPECT_TRUE(spec_fields.count(k)) << k;
  for (const auto& rule : j["linux"]["seccomp"]["syscalls"]) {
    for (const auto& [k, v] : rule.items()) {
      EXPECT_TRUE(
          (std::set<std::string>{"names", "action", "errnoRet", "args"}.count(
              k)))
          << k;
    }
  }
  const profile::Profile linux = ParseOci(text, "oci-linux");
  EXPECT_EQ(linux, oci);
  ExpectCompiles(linux, "oci-linux");
}

#if G2S_HAVE_LIBYAML
// The SeccompProfile v1beta1 schema from the Security Profiles Operator's
// CRD (kubernetes-sigs/security-profiles-operator deploy/base-crds/crds/
// seccompprofile.yaml), cut down to what decides validity: properties,
// types, enums, required, limits. Kubernetes prunes fields a structural
// schema does not list, so an unknown field would silently vanish: the
// validator below treats one as an error.
constexpr const char* kSpoCrdSchema = R"({
  "type": "object", "required": ["apiVersion", "kind", "metadata", "spec"],
  "properties": {
    "apiVersion": {"type": "string", "enum": ["security-profiles-operator.x-k8s.io/v1beta1"]},
    "kind": {"type": "string", "enum": ["SeccompProfile"]},
    "metadata": {"type": "object", "required": ["name"], "properties": {
      "name": {"type": "string"}, "namespace": {"type": "string"},
      "labels": {"type": "object"}, "annotations": {"type": "object"}}},
    "spec": {"type": "object", "required": ["defaultAction"], "properties": {
      "architectures": {"type": "array", "items": {"type": "string", "enum": [
        "SCMP_ARCH_NATIVE", "SCMP_ARCH_X86", "SCMP_ARCH_X86_64", "SCMP_ARCH_X32",
        "SCMP_ARCH_ARM", "SCMP_ARCH_AARCH64", "SCMP_ARCH_MIPS", "SCMP_ARCH_MIPS64",
        "SCMP_ARCH_MIPS64N32", "SCMP_ARCH_MIPSEL", "SCMP_ARCH_MIPSEL64",
        "SCMP_ARCH_MIPSEL64N32", "SCMP_ARCH_PPC", "SCMP_ARCH_PPC64", "SCMP_ARCH_PPC64LE",
        "SCMP_ARCH_S390", "SCMP_ARCH_S390X", "SCMP_ARCH_PARISC", "SCMP_ARCH_PARISC64",
        "SCMP_ARCH_RISCV64"]}},
      "baseProfileName": {"type": "string"},
      "defaultAction": {"type": "string", "enum": ["SCMP_ACT_KILL", "SCMP_ACT_KILL_PROCESS",
        "SCMP_ACT_KILL_THREAD", "SCMP_ACT_TRAP", "SCMP_ACT_ERRNO", "SCMP_ACT_TRACE",
        "SCMP_ACT_ALLOW", "SCMP_ACT_LOG", "SCMP_ACT_NOTIFY"]},
      "flags": {"type": "array", "items": {"type": "string", "enum": [
        "SECCOMP_FILTER_FLAG_TSYNC", "SECCOMP_FILTER_FLAG_LOG",
        "SECCOMP_FILTER_FLAG_SPEC_ALLOW", "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV"]}},
      "listenerMetadata": {"type": "string"},
      "listenerPath": {"type": "string"},
      "syscalls": {"type": "array", "items": {"type": "object",
        "required": ["action", "names"], "properties": {
        "action": {"type": "string", "enum": ["SCMP_ACT_KILL", "SCMP_ACT_KILL_PROCESS",
          "SCMP_ACT_KILL_THREAD", "SCMP_ACT_TRAP", "SCMP_ACT_ERRNO", "SCMP_ACT_TRACE",
          "SCMP_ACT_ALLOW", "SCMP_ACT_LOG", "SCMP_ACT_NOTIFY"]},
        "args": {"type": "array", "maxItems": 6, "items": {"type": "object",
          "required": ["index", "op"], "properties": {
          "index": {"type": "integer", "minimum": 0},
          "op": {"type": "string", "enum": ["SCMP_CMP_NE", "SCMP_CMP_LT", "SCMP_CMP_LE",
            "SCMP_CMP_EQ", "SCMP_CMP_GE", "SCMP_CMP_GT", "SCMP_CMP_MASKED_EQ"]},
          "value": {"type": "integer", "minimum": 0},
          "valueTwo": {"type": "integer", "minimum": 0}}}},
        "errnoRet": {"type": "string"},
        "names": {"type": "array", "items": {"type": "string"}}}}}}}}
})";

// Appends one message per violation of `schema` by `v`, at JSON path `at`.
void Validate(const nlohmann::json& v, const nlohmann::json& schema,
              const std::string& at, std::vector<std::string>* errors) {
  const std::string type = schema["type"];
  if (type == "object") {
    if (!v.is_object()) return errors->push_back(at + ": not an object");
    for (const auto& r : schema.value("required", nlohmann::json::array())) {
      if (!v.contains(r.get<std::string>()))
        errors->push_back(at + ": missing " + r.dump());
    }
    if (!schema.contains("properties"))
      return;  // free-form (labels, annotations)
    for (const auto& [k, child] : v.items()) {
      if (!schema["properties"].contains(k)) {
        errors->push_back(at + "." + k + ": not a field of the CRD");
      } else {
        Validate(child, schema["properties"][k], at + "." + k, errors);
      }
    }
  } else if (type == "array") {
    if (!v.is_array()) return errors->push_back(at + ": not an array");
    if (schema.contains("maxItems") &&
        v.size() > schema["maxItems"].get<std::size_t>()) {
      errors->push_back(at + ": too many items");
    }
    for (std::size_t i = 0; i < v.size(); ++i) {
      Validate(v[i], schema["items"], at + "[" + std::to_string(i) + "]",
               errors);
    }
  } else if (type == "string") {
    if (!v.is_string())
      return errors->push_back(at + ": not a string: " + v.dump());
    if (schema.contains("enum")) {
      bool ok = false;
      for (const auto& e : schema["enum"]) ok = ok || e == v;
      if (!ok) errors->push_back(at + ": " + v.dump() + " not in the enum");
    }
  } else if (type == "integer") {
    if (!v.is_number_integer())
      return errors->push_back(at + ": not an integer");
  }
}

std::vector<std::string> CrdErrors(const std::string& yaml) {
  std::string error;
  auto j = test_util::YamlToJson(yaml, &error);
  if (!j) return {"YAML: " + error};
  std::vector<std::string> errors;
  Validate(*j, nlohmann::json::parse(kSpoCrdSchema), "", &errors);
  // metadata.name: a DNS-1123 subdomain.
  const std::string name = (*j)["metadata"].value("name", "");
  if (name.empty() ||
      name.find_first_not_of("abcdefghijklmnopqrstuvwxyz0123456789-.") !=
          std::string::npos) {
    errors.push_back("metadata.name: " + name);
  }
  return errors;
}

TEST(Formats, SpoResourceMatchesTheCrdAndIsTheSameProfile) {
  const std::string yaml = Render("spo");
  EXPECT_THAT(CrdErrors(yaml), ::testing::IsEmpty()) << yaml;
  std::string error;
  const auto j = test_util::YamlToJson(yaml, &error).value();
  EXPECT_EQ(j["metadata"]["name"], "mkdir");
  // The spec has the OCI fields: the operator writes it out as the node's
  // profile JSON, which is what ParseOciJson reads.
  const profile::Profile spo = ParseOci(j["spec"].dump(), "spo spec");
  EXPECT_EQ(spo, ParseOci(Render("oci"), "oci"));
  ExpectCompiles(spo, "spo");
  // --name, and names Kubernetes refuses.
  EXPECT_THAT(Render("spo", {"--name", "my-app.v2"}),
              HasSubstr("\n  name: my-app.v2\n"));
  EXPECT_EQ(Cli({"analyze", "-q", Fixture("mkdir"), "--format", "spo", "--name",
                 "My_App"})
                .exit_code(),
            2);
}

TEST(Formats, SpoRendererCoversTheCrdTypes) {
  // What the CLI does not produce yet: argument conditions and errnoRet.
  profile::Profile p = ParseOci(Render("oci"), "oci");
  p.rules.push_back(profile::Rule::Make(
      {"socket"}, profile::Action::Allow(),
      {profile::ArgCondition::Make(0, profile::ArgCondition::Op::kEqual, 1),
       profile::ArgCondition::Make(1, profile::ArgCondition::Op::kMaskedEqual,
                                   0xf, 1)}));
  p.rules.push_back(
      profile::Rule::Make({"clone3"}, profile::Action::Errno(38)));
  const std::string yaml = profile::ToSpoYaml(p, "args").value();
  EXPECT_THAT(CrdErrors(yaml), ::testing::IsEmpty()) << yaml;
  // The check itself catches what the CRD would prune or refuse.
  EXPECT_THAT(
      CrdErrors(yaml + "  defaultErrnoRet: 38\n"),
      ::testing::Contains(HasSubstr(".spec.defaultErrnoRet: not a field")));
  std::string unquoted = yaml;
  unquoted.replace(unquoted.find("errnoRet: \"38\""), 14, "errnoRet: 38");
  EXPECT_THAT(CrdErrors(unquoted),
              ::testing::Contains(HasSubstr("errnoRet: not a string")));
}
#else
TEST(Formats, SpoResourceMatchesTheCrdAndIsTheSameProfile) {
  GTEST_SKIP() << "libyaml-dev is not installed: cannot parse the SPO YAML";
}
#endif

// The names of SystemCallFilter= in a drop-in.
std::set<std::string> SystemdNames(const std::string& unit) {
  std::set<std::string> names;
  std::istringstream in(unit);
  for (std::string line; std::getline(in, line);) {
    if (line.rfind("SystemCallFilter=", 0) != 0) continue;
    std::istringstream words(line.substr(std::strlen("SystemCallFilter=")));
    for (std::string w; words >> w;) names.insert(w);
  }
  return names;
}

TEST(Formats, SystemdDropIn) {
  const std::string unit = Render("systemd");
  EXPECT_THAT(unit, HasSubstr("\n[Service]\nSystemCallFilter="));
  EXPECT_THAT(
      unit,
      HasSubstr(
          "\nSystemCallErrorNumber=EPERM\nSystemCallArchitectures=native\n"));
  // systemd implies --runtime none: the names are exactly that profile's.
  const profile::Profile none =
      ParseOci(Render("oci", {"--runtime", "none"}), "oci");
  const auto allowed = none.AllowedNames(Arch::kX86_64);
  const std::set<std::string> names = SystemdNames(unit);
  EXPECT_EQ(names, std::set<std::string>(allowed.begin(), allowed.end()));
  // systemd resolves the names with libseccomp, as this does.
  for (const std::string& n : names) {
    EXPECT_NE(seccomp_syscall_resolve_name(n.c_str()), __NR_SCMP_ERROR) << n;
  }
  ExpectCompiles(none, "systemd");
  // An explicit --runtime is kept.
  EXPECT_TRUE(
      SystemdNames(Render("systemd", {"--runtime", "docker"})).count("capset"));
}

TEST(Formats, SystemdAnalyzeVerifiesTheDropIn) {
  // systemd's own parser, where systemd-analyze exists: it warns "Failed to
  // parse system call, ignoring" for a name it does not know.
  if (std::system("command -v systemd-analyze >/dev/null 2>&1") != 0) {
    GTEST_SKIP() << "systemd-analyze not installed";
  }
  test_util::TempDir tmp;
  const std::string unit_path =
      (tmp.path() / "g2s-mkdir-test.service").string();
  std::ofstream(unit_path)
      << "[Unit]\nDescription=go2seccomp test\n[Service]\nExecStart="
      << Fixture("mkdir") << " /tmp/x\n"
      << Render("systemd");
  RunResult r = test_util::RunProgram({"systemd-analyze", "verify", unit_path});
  EXPECT_THAT(r.err, ::testing::Not(HasSubstr("Failed to parse"))) << r.err;
  EXPECT_THAT(r.err, ::testing::Not(HasSubstr("ignoring"))) << r.err;
}

std::vector<sock_filter> ReadBpf(const std::string& bytes) {
  std::vector<sock_filter> prog(bytes.size() / sizeof(sock_filter));
  std::memcpy(prog.data(), bytes.data(), prog.size() * sizeof(sock_filter));
  return prog;
}

TEST(Formats, BpfAllowsExactlyTheProfile) {
  test_util::TempDir tmp;
  const std::string path = (tmp.path() / "p.bpf").string();
  ASSERT_TRUE(
      Cli({"analyze", "-q", Fixture("mkdir"), "--format", "bpf", "-o", path})
          .exited_ok());
  const std::string bytes = test_util::ReadFile(path);
  ASSERT_EQ(bytes.size() % sizeof(sock_filter), 0u);
  const std::vector<sock_filter> prog = ReadBpf(bytes);
  ASSERT_FALSE(prog.empty());
  // The same program the launcher would install from the OCI profile.
  const profile::Profile oci = ParseOci(Render("oci"), "oci");
  auto f = runtime::CompileFilter(oci, runtime::FilterOptions{});
  ASSERT_TRUE(f);
  auto exported = runtime::ExportBpf(*f);
  ASSERT_TRUE(exported);
  ASSERT_EQ(exported->size(), prog.size());
  EXPECT_EQ(std::memcmp(exported->data(), prog.data(), bytes.size()), 0);
  // Evaluated: every allowed syscall is allowed, a few others get EPERM,
  // and another arch is killed.
  const auto allowed = oci.AllowedNames(Arch::kX86_64);
  ASSERT_GT(allowed.size(), 40u);
  for (const std::string& name : allowed) {
    const int nr = *syscalls::NumberOf(Arch::kX86_64, name);
    auto ret =
        profile::EvaluateBpf(prog, profile::MakeSeccompData(Arch::kX86_64, nr));
    ASSERT_TRUE(ret);
    EXPECT_EQ(profile::ActionFromSeccompRet(*ret), profile::Action::Allow())
        << name;
  }
  for (const char* name : {"reboot", "kexec_load", "init_module", "bpf",
                           "open_by_handle_at", "pivot_root"}) {
    auto nr = syscalls::NumberOf(Arch::kX86_64, name);
    ASSERT_TRUE(nr) << name;
    EXPECT_FALSE(allowed.count(name));
    auto ret = profile::EvaluateBpf(
        prog, profile::MakeSeccompData(Arch::kX86_64, *nr));
    ASSERT_TRUE(ret);
    EXPECT_EQ(profile::ActionFromSeccompRet(*ret),
              profile::Action::Errno(EPERM))
        << name;
  }
  auto i386 =
      profile::EvaluateBpf(prog, profile::MakeSeccompData(Arch::kI386, 1));
  ASSERT_TRUE(i386);
  EXPECT_EQ(profile::ActionFromSeccompRet(*i386),
            profile::Action::KillProcess());
  // x32 numbers (bit 30) never reach the allow list.
  auto x32 = profile::EvaluateBpf(
      prog, profile::MakeSeccompData(Arch::kX86_64, 0x40000000 | 1));
  ASSERT_TRUE(x32);
  EXPECT_EQ(profile::ActionFromSeccompRet(*x32),
            profile::Action::KillProcess());

  // bpf-text is the same program, disassembled.
  const std::string text = Render("bpf-text");
  EXPECT_THAT(text, HasSubstr(profile::RenderBpfText(prog)));
  EXPECT_THAT(text, HasSubstr(": if A == 0x102 goto "));  // mkdirat
  EXPECT_THAT(text, HasSubstr("# mkdirat\n"));
  EXPECT_THAT(text, HasSubstr("# AUDIT_ARCH_X86_64\n"));
}

TEST(Formats, Arm64Binary) {
  // A cross-arch profile: rendered and compiled on this (x86_64) host.
  const std::string bin = Fixture("mkdir", "arm64");
  const profile::Profile oci = ParseOci(Render("oci", {}, bin), "oci");
  EXPECT_EQ(oci.arches, std::vector<Arch>{Arch::kArm64});
  ExpectCompiles(oci, "arm64 oci");
  EXPECT_THAT(Render("bpf-text", {}, bin), HasSubstr("# AUDIT_ARCH_AARCH64\n"));
  EXPECT_THAT(Render("spo", {}, bin), HasSubstr("  - SCMP_ARCH_AARCH64\n"));
}

}  // namespace
}  // namespace go2seccomp
