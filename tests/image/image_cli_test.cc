// `go2seccomp image` on a test image in both formats, and its profiles in
// a real runc container (see CMakeLists.txt).
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "tests/common/files.h"
#include "tests/common/process_util.h"
#include "tests/common/profiles.h"

namespace go2seccomp {
namespace {

namespace fs = std::filesystem;
using test_util::RunProgram;
using test_util::RunResult;
using ::testing::HasSubstr;

bool Found(const std::string& p) {
  return RunProgram({"sh", "-c", "command -v " + p}).exited_ok();
}

class ImageCliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    for (const char* tool : {"umoci", "skopeo"}) {
      if (!Found(tool))
        GTEST_SKIP() << tool << " is not installed (builds the test image)";
    }
    const fs::path t = tmp_.path();
    fs::create_directories(t / "s1/usr/bin");
    fs::create_directories(t / "s1/usr/local/bin");
    fs::create_directories(t / "s1/tmp");
    fs::create_directories(t / "s2/opt/app/bin");
    fs::create_directories(t / "s3");
    fs::copy_file(G2S_IMAGETRUE, t / "s1/usr/bin/true");
    fs::copy_file(test_util::Fixture("execproc"),
                  t / "s2/opt/app/bin/execproc");
    fs::create_symlink("usr/bin", t / "s1/bin");  // merged /usr
    std::ofstream(t / "s1/usr/local/bin/junk") << "whited out by layer 3";
    fs::create_symlink("/opt/app/bin/execproc",
                       t / "s3/app");  // symlinked entrypoint
    const std::string img = "--image=" + (t / "L").string() + ":app";
    const std::vector<std::vector<std::string>> steps = {
        {"umoci", "init", "--layout", (t / "L").string()},
        {"umoci", "new", img},
        {"umoci", "insert", img, (t / "s1").string(), "/"},
        {"umoci", "insert", img, (t / "s2/opt").string(), "/opt"},
        {"umoci", "insert", img, "--whiteout", "/usr/local/bin/junk"},
        {"umoci", "insert", img, (t / "s3/app").string(), "/usr/local/bin/app"},
        {"umoci", "config", img, "--config.entrypoint",
         "app",  // found through PATH
         "--config.env", "PATH=/usr/local/bin:/usr/bin:/bin"},
        {"skopeo", "copy", "-q", "oci:" + (t / "L").string() + ":app",
         "docker-archive:" + (t / "A.tar").string() + ":example.com/app:1"},
    };
    for (const auto& s : steps) {
      RunResult r = RunProgram(s);
      ASSERT_TRUE(r.exited_ok()) << s[0] << " " << s[1] << ": " << r.err;
    }
  }

  RunResult Image(const std::vector<std::string>& args) {
    // The temporary tree goes under our own directory, where the test
    // checks that it is gone.
    fs::create_directories(tmp_.path() / "tmp");
    std::vector<std::string> argv = {
        "env", "TMPDIR=" + (tmp_.path() / "tmp").string(), G2S_CLI, "image"};
    argv.insert(argv.end(), args.begin(), args.end());
    return RunProgram(argv);
  }

  // Every name the profile's rules mention, whatever they do with it.
  std::set<std::string> Names(const fs::path& profile) {
    const test_util::AllowedSyscalls names =
        test_util::AllowedNames(test_util::ReadProfile(profile));
    std::set<std::string> out = names.All();
    out.insert(names.denied.begin(), names.denied.end());
    return out;
  }

  // `runc run` of the image unpacked by umoci, with `profile` as its
  // linux.seccomp.
  RunResult RunInRunc(const fs::path& profile, const std::string& name) {
    const fs::path bundle = tmp_.path() / ("bundle-" + name);
    RunResult u =
        RunProgram({"umoci", "unpack", "--image",
                    (tmp_.path() / "L").string() + ":app", bundle.string()});
    EXPECT_TRUE(u.exited_ok()) << u.err;
    std::ifstream in(bundle / "config.json");
    nlohmann::json cfg = nlohmann::json::parse(in, nullptr, false);
    std::ifstream pin(profile);
    cfg["process"]["terminal"] = false;
    cfg["linux"]["seccomp"] = nlohmann::json::parse(pin, nullptr, false);
    std::ofstream(bundle / "config.json") << cfg.dump();
    const std::string id = "g2s-image-" + std::to_string(getpid()) + "-" + name;
    const std::string state = (tmp_.path() / "state").string();
    RunResult r = RunProgram({"timeout", "60", "runc", "--root", state, "run",
                              "--bundle", bundle.string(), id});
    RunProgram({"runc", "--root", state, "delete", "-f", id});
    return r;
  }

  test_util::TempDir tmp_;
};

TEST_F(ImageCliTest, BothFormatsFollowTheEntrypointsExec) {
  for (const std::string& ref :
       {"oci:" + (tmp_.path() / "L").string() + ":app",
        "docker-archive:" + (tmp_.path() / "A.tar").string()}) {
    const fs::path out = tmp_.path() / "p.json";
    RunResult r = Image({ref, "-o", out.string()});
    ASSERT_TRUE(r.exited_ok()) << ref << ": " << r.err;
    EXPECT_THAT(r.out, HasSubstr("4 layer(s)"));
    EXPECT_THAT(r.out, HasSubstr("/opt/app/bin/execproc: go1."));
    EXPECT_THAT(r.out, HasSubstr("--follow-exec: also covering /bin/true"));
    EXPECT_THAT(r.out, HasSubstr("/usr/bin/true: go1."));
    EXPECT_TRUE(Names(out).count("sysinfo")) << ref;  // only imagetrue makes it
    RunResult n = Image({ref, "--no-follow-exec", "-o", out.string()});
    ASSERT_TRUE(n.exited_ok()) << n.err;
    EXPECT_THAT(n.out, HasSubstr("may execute /bin/true"));
    EXPECT_FALSE(Names(out).count("sysinfo"));
  }
  RunResult spo = Image({"docker-archive:" + (tmp_.path() / "A.tar").string(),
                         "--format", "spo"});
  ASSERT_TRUE(spo.exited_ok()) << spo.err;
  EXPECT_THAT(spo.out, HasSubstr("name: example.com-app-1"));
  // No temporary tree left behind (in the TMPDIR the CLI was given).
  EXPECT_TRUE(fs::is_empty(tmp_.path() / "tmp"));
}

// Ctrl-C, kill or a hang-up while the image is unpacked or analysed: the
// process still dies of that signal, and the temporary tree is gone. The
// image gets a 256 MiB layer (zeros: small compressed, slow to write out)
// so the tree exists long enough to be seen; the signal is sent once it is.
TEST_F(ImageCliTest, SignalsRemoveTheTemporaryTree) {
  const fs::path big = tmp_.path() / "s4/big";
  fs::create_directories(big.parent_path());
  {
    std::ofstream out(big, std::ios::binary);
    const std::string mib(1 << 20, '\0');
    for (int i = 0; i < 256; ++i) out << mib;
  }
  const std::string img = "--image=" + (tmp_.path() / "L").string() + ":app";
  ASSERT_TRUE(RunProgram({"umoci", "insert", img, big.string(), "/srv/big"})
                  .exited_ok());
  const fs::path tmpdir = tmp_.path() / "sigtmp";
  const std::string ref = "oci:" + (tmp_.path() / "L").string() + ":app";
  for (int sig : {SIGINT, SIGTERM, SIGHUP}) {
    fs::create_directories(tmpdir);
    const pid_t pid = fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      setenv("TMPDIR", tmpdir.c_str(), 1);
      execl(G2S_CLI, G2S_CLI, "image", ref.c_str(), "-q", "-o", "/dev/null",
            static_cast<char*>(nullptr));
      _exit(127);
    }
    // Wait until the tree has content (the private directory and the
    // image's own inside it), then signal.
    bool seen = false;
    for (int i = 0; i < 20000 && !seen; ++i) {
      std::error_code ec;
      for (auto it = fs::recursive_directory_iterator(tmpdir, ec);
           !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
        if (it->path().filename() == "rootfs") seen = true;
      }
      if (!seen) usleep(500);
    }
    ASSERT_TRUE(seen) << "no temporary tree appeared in " << tmpdir;
    kill(pid, sig);
    int status = 0;
    ASSERT_EQ(waitpid(pid, &status, 0), pid);
    EXPECT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == sig)
        << "signal " << sig << ": status " << status;
    EXPECT_TRUE(fs::is_empty(tmpdir)) << "signal " << sig << " left "
                                      << fs::directory_iterator(tmpdir)->path();
    fs::remove_all(tmpdir);
  }
}

// dir: with --entrypoint, a `#!` script: its interpreter is analysed, and
// the user is told that what the script runs needs --with.
TEST_F(ImageCliTest, ScriptEntrypointInARootfsDirectory) {
  const fs::path bundle = tmp_.path() / "dir-bundle";
  ASSERT_TRUE(
      RunProgram({"umoci", "unpack", "--image",
                  (tmp_.path() / "L").string() + ":app", bundle.string()})
          .exited_ok());
  fs::create_directories(bundle / "rootfs/srv");
  std::ofstream(bundle / "rootfs/srv/run.sh") << "#!/usr/local/bin/app\n";
  fs::permissions(bundle / "rootfs/srv/run.sh", fs::perms::owner_all);
  RunResult r = Image({"dir:" + (bundle / "rootfs").string(), "--entrypoint",
                       "/srv/run.sh", "--with", "/bin/true", "-o",
                       (tmp_.path() / "s.json").string()});
  ASSERT_TRUE(r.exited_ok()) << r.err;
  EXPECT_THAT(
      r.out,
      HasSubstr("entrypoint /srv/run.sh is a script (#!/usr/local/bin/app): "
                "analysing /usr/local/bin/app"));
  EXPECT_THAT(r.out, HasSubstr("/usr/bin/true: go1."));
  RunResult missing =
      Image({"dir:" + (bundle / "rootfs").string(), "--entrypoint", "nope"});
  EXPECT_EQ(missing.exit_code(), 4) << missing.err;
  EXPECT_THAT(
      missing.err,
      HasSubstr("entrypoint \"nope\" is not an executable file in the image"));
}

TEST_F(ImageCliTest, ProfilesRunTheImageInRunc) {
  if (geteuid() != 0) GTEST_SKIP() << "runc needs root here";
  if (!Found("runc")) GTEST_SKIP() << "runc is not installed";
  const std::string ref = "oci:" + (tmp_.path() / "L").string() + ":app";
  const fs::path follow = tmp_.path() / "follow.json",
                 plain = tmp_.path() / "plain.json";
  ASSERT_TRUE(
      Image({ref, "-o", follow.string(), "--runtime", "runc"}).exited_ok());
  ASSERT_TRUE(Image({ref, "-o", plain.string(), "--runtime", "runc",
                     "--no-follow-exec"})
                  .exited_ok());
  RunResult ok = RunInRunc(follow, "follow");
  if (!ok.exited_ok() && ok.err.find("cgroup") != std::string::npos) {
    GTEST_SKIP() << "runc cannot run containers here: " << ok.err;
  }
  EXPECT_TRUE(ok.exited_ok()) << ok.err;
  EXPECT_EQ(ok.out, "ran /bin/true\n");
  // Without the exec'd program covered, its sysinfo is denied: it fails,
  // and so does the entrypoint.
  RunResult bad = RunInRunc(plain, "plain");
  EXPECT_FALSE(bad.exited_ok()) << bad.out;
  EXPECT_THAT(bad.err, HasSubstr("run: exit status 1"));
}

}  // namespace
}  // namespace go2seccomp
