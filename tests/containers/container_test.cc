// go2seccomp profiles in real containers (see CMakeLists.txt). The bundle
// is made the way scripts/measure-runtime-presets.sh makes it (method in
// docs/runtime-presets.md): `runc spec`, then terminal off, the fixture as
// the process, a read-only rootfs holding only that static binary, Docker's
// default capabilities, noNewPrivileges as asked, and the generated
// profile as linux.seccomp (the profile's fields are OCI's, 1:1).
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "tests/common/files.h"
#include "tests/common/process_util.h"

namespace go2seccomp {
namespace {

namespace fs = std::filesystem;
using test_util::RunProgram;
using test_util::RunResult;
using ::testing::HasSubstr;
using ::testing::Not;

const char kHello[] = "hello, world\n";

// moby oci/caps/defaults.go: what Docker gives a container by default.
const std::vector<std::string> kDockerCaps = {
    "CAP_CHOWN",   "CAP_DAC_OVERRIDE", "CAP_FSETID",           "CAP_FOWNER",
    "CAP_MKNOD",   "CAP_NET_RAW",      "CAP_SETGID",           "CAP_SETUID",
    "CAP_SETFCAP", "CAP_SETPCAP",      "CAP_NET_BIND_SERVICE", "CAP_SYS_CHROOT",
    "CAP_KILL",    "CAP_AUDIT_WRITE"};

bool Found(const std::string& program) {
  return RunProgram({"sh", "-c", "command -v " + program}).exited_ok();
}

// crun 1.8 refuses hybrid cgroups whose cgroup2 mount has controllers
// ("cgroups in hybrid mode not supported, drop all controllers from
// cgroupv2"); it then runs in a private mount namespace without that mount,
// as the measurement script does. Nothing changes outside.
bool CrunNeedsPrivateCgroupNs() {
  std::ifstream in("/sys/fs/cgroup/unified/cgroup.controllers");
  std::string controllers;
  std::getline(in, controllers);
  return !controllers.empty();
}

class ContainerTest : public ::testing::TestWithParam<std::string> {
 protected:
  const std::string& runtime() const { return GetParam(); }

  void SetUp() override {
    if (geteuid() != 0) GTEST_SKIP() << "OCI runtimes need root here";
    if (!Found(runtime())) GTEST_SKIP() << runtime() << " is not installed";
    if (!Found("runc")) GTEST_SKIP() << "`runc spec` makes the base config";
    rootfs_ = tmp_.path() / "rootfs";
    fs::create_directories(rootfs_);
    fs::copy_file(test_util::Fixture("hello", "amd64"), rootfs_ / "hello");
    RunResult spec =
        RunProgram({"runc", "spec", "--bundle", tmp_.path().string()});
    ASSERT_TRUE(spec.exited_ok()) << spec.err;
    std::ifstream in(tmp_.path() / "config.json");
    base_ = nlohmann::json::parse(in, nullptr, false);
    ASSERT_FALSE(base_.is_discarded());
    // Can this runtime run a container at all (cgroups, namespaces)?
    RunResult probe = Run(Bundle("probe", nullptr, false));
    if (!probe.exited_ok() || probe.out != kHello) {
      GTEST_SKIP() << runtime() << " cannot run containers here (exit "
                   << probe.exit_code() << "): " << probe.err;
    }
  }

  // A bundle directory with the fixture as its process and `seccomp` (or
  // none) as linux.seccomp.
  fs::path Bundle(const std::string& name, const nlohmann::json* seccomp,
                  bool no_new_privileges) {
    const fs::path dir = tmp_.path() / name;
    fs::create_directories(dir);
    nlohmann::json cfg = base_;
    cfg["root"] = {{"path", rootfs_.string()}, {"readonly", true}};
    cfg["process"]["terminal"] = false;
    cfg["process"]["args"] = {"/hello"};
    cfg["process"]["noNewPrivileges"] = no_new_privileges;
    cfg["process"]["capabilities"] = {{"bounding", kDockerCaps},
                                      {"effective", kDockerCaps},
                                      {"permitted", kDockerCaps}};
    cfg["hostname"] = "g2s-test";
    if (seccomp) {
      cfg["linux"]["seccomp"] = *seccomp;
    } else {
      cfg["linux"].erase("seccomp");
    }
    std::ofstream(dir / "config.json") << cfg.dump(2);
    return dir;
  }

  // `RUNTIME run` of the bundle, bounded in time, then its state removed.
  RunResult Run(const fs::path& bundle) {
    const std::string id =
        "g2s-" + std::to_string(getpid()) + "-" + bundle.filename().string();
    const std::string state = (tmp_.path() / "state").string();
    std::vector<std::string> cmd = {"timeout", "60"};
    if (runtime() == "crun" && CrunNeedsPrivateCgroupNs()) {
      cmd.insert(
          cmd.end(),
          {"unshare", "-m", "--propagation", "private", "sh", "-c",
           "umount -l /sys/fs/cgroup/unified 2>/dev/null; exec \"$@\"", "sh"});
    }
    std::vector<std::string> run = cmd;
    run.insert(run.end(), {runtime(), "--root", state, "run", "--bundle",
                           bundle.string(), id});
    RunResult r = RunProgram(run);
    std::vector<std::string> del = cmd;
    del.insert(del.end(), {runtime(), "--root", state, "delete", "-f", id});
    RunProgram(del);
    return r;
  }

  // `go2seccomp hello P.json --runtime R`, parsed.
  nlohmann::json Profile(const std::string& preset) {
    const fs::path out = tmp_.path() / ("profile-" + preset + ".json");
    RunResult r = RunProgram({G2S_CLI, test_util::Fixture("hello", "amd64"),
                              out.string(), "--runtime", preset, "-q"});
    EXPECT_TRUE(r.exited_ok()) << r.err;
    std::ifstream in(out);
    nlohmann::json p = nlohmann::json::parse(in, nullptr, false);
    EXPECT_FALSE(p.is_discarded());
    return p;
  }

  test_util::TempDir tmp_;
  fs::path rootfs_;
  nlohmann::json base_;
};

// With the measured preset the container starts and the program runs, for
// Docker's noNewPrivileges=false (the filter is loaded before the runtime
// drops capabilities) and for true.
TEST_P(ContainerTest, GeneratedProfileWithRuntimePresetWorks) {
  const nlohmann::json p = Profile(runtime());
  for (bool nnp : {false, true}) {
    RunResult r = Run(Bundle(nnp ? "preset-nnp" : "preset", &p, nnp));
    EXPECT_TRUE(r.exited_ok()) << "noNewPrivileges=" << nnp << ": exit "
                               << r.exit_code() << ": " << r.err;
    EXPECT_EQ(r.out, kHello) << "noNewPrivileges=" << nnp;
  }
}

// The program's own syscalls are not enough: the runtime's tail after
// loading the filter (runc's exec fifo and fd sweep, crun's capset/prctl)
// is denied, and the container never runs the program.
TEST_P(ContainerTest, SameProfileWithoutThePresetFails) {
  const nlohmann::json p = Profile("none");
  RunResult r = Run(Bundle("none", &p, false));
  EXPECT_FALSE(r.exited_ok()) << r.out;
  EXPECT_THAT(r.out, Not(HasSubstr("hello")));
  // runc: "operation not permitted" from runc init (or a SIGSEGV when its
  // signal return is what is missing); crun: "Operation not permitted".
  if (r.exit_code() != 128 + 11) {
    EXPECT_THAT(r.err, ::testing::ContainsRegex("[Oo]peration not permitted"));
  }
}

INSTANTIATE_TEST_SUITE_P(Runtimes, ContainerTest,
                         ::testing::Values("runc", "crun"),
                         [](const auto& p) { return p.param; });

}  // namespace
}  // namespace go2seccomp
