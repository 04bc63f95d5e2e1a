#include "go2seccomp/profile/runtime_presets.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <seccomp.h>

#include <map>
#include <set>
#include <string>
#include <vector>

#include "go2seccomp/syscalls/table.h"

namespace go2seccomp::profile {
namespace {

using ::testing::Contains;
using ::testing::IsEmpty;
using ::testing::Not;

constexpr ContainerRuntime kRuntimes[] = {ContainerRuntime::kRunc,
                                          ContainerRuntime::kCrun,
                                          ContainerRuntime::kDocker};
// The arches a preset is listed for (see runtime_presets.h).
constexpr Arch kPresetArches[] = {Arch::kX86_64, Arch::kArm64};

std::vector<std::string> Names(std::span<const PresetEntry> preset) {
  std::vector<std::string> out;
  for (const PresetEntry& e : preset) out.emplace_back(e.name);
  return out;
}

uint32_t ScmpArch(Arch a) {
  return a == Arch::kX86_64 ? SCMP_ARCH_X86_64 : SCMP_ARCH_AARCH64;
}

// x86_64-only syscalls and their generic-ABI (arm64) equivalents: the rule by
// which the unmeasured arm64 preset is derived from the measured x86_64 one.
std::string GenericName(std::string_view x86_64_name) {
  static const std::map<std::string_view, std::string_view> kMap = {
      {"open", "openat"},         {"creat", "openat"},
      {"stat", "newfstatat"},     {"lstat", "newfstatat"},
      {"access", "faccessat"},    {"epoll_wait", "epoll_pwait"},
      {"select", "pselect6"},     {"poll", "ppoll"},
      {"dup2", "dup3"},           {"pipe", "pipe2"},
      {"fork", "clone"},          {"vfork", "clone"},
      {"getdents", "getdents64"}, {"readlink", "readlinkat"},
      {"unlink", "unlinkat"},     {"mkdir", "mkdirat"},
      {"chown", "fchownat"},      {"chmod", "fchmodat"},
  };
  auto it = kMap.find(x86_64_name);
  return std::string(it == kMap.end() ? x86_64_name : it->second);
}

class RuntimePresetTest
    : public ::testing::TestWithParam<std::tuple<ContainerRuntime, Arch>> {};

TEST_P(RuntimePresetTest, EveryNameIsInOurTableAndLibseccomp) {
  auto [runtime, arch] = GetParam();
  auto preset = RuntimePreset(runtime, arch);
  ASSERT_THAT(preset, Not(IsEmpty()));
  for (const PresetEntry& e : preset) {
    EXPECT_TRUE(syscalls::NumberOf(arch, e.name).has_value())
        << e.name << " is not a syscall on " << GetArchInfo(arch).name;
    // runc and crun compile the profile with libseccomp; it must know the name.
    EXPECT_GE(seccomp_syscall_resolve_name_arch(ScmpArch(arch),
                                                std::string(e.name).c_str()),
              0)
        << e.name << " unknown to libseccomp for " << GetArchInfo(arch).name;
  }
}

TEST_P(RuntimePresetTest, SortedUniqueWithReasons) {
  auto [runtime, arch] = GetParam();
  auto preset = RuntimePreset(runtime, arch);
  for (std::size_t i = 0; i < preset.size(); ++i) {
    EXPECT_FALSE(preset[i].reason.empty()) << preset[i].name;
    if (i > 0) {
      EXPECT_LT(preset[i - 1].name, preset[i].name);
    }
  }
}

TEST_P(RuntimePresetTest, IncludesTheContainerExecve) {
  auto [runtime, arch] = GetParam();
  EXPECT_THAT(Names(RuntimePreset(runtime, arch)), Contains("execve"));
}

INSTANTIATE_TEST_SUITE_P(
    AllRuntimes, RuntimePresetTest,
    ::testing::Combine(::testing::ValuesIn(kRuntimes),
                       ::testing::ValuesIn(kPresetArches)),
    [](const auto& param_info) {
      return std::string(ContainerRuntimeName(std::get<0>(param_info.param))) +
             "_" + std::string(GetArchInfo(std::get<1>(param_info.param)).name);
    });

// Only x86_64 was measured; arm64 must be exactly the x86_64 set mapped to
// the generic syscall ABI (runtime_presets.h).
TEST(RuntimePresetsTest, Arm64IsX86_64MappedToTheGenericAbi) {
  for (ContainerRuntime rt : kRuntimes) {
    std::set<std::string> derived;
    for (const PresetEntry& e : RuntimePreset(rt, Arch::kX86_64)) {
      derived.insert(GenericName(e.name));
    }
    auto names = Names(RuntimePreset(rt, Arch::kArm64));
    EXPECT_EQ(std::set<std::string>(names.begin(), names.end()), derived)
        << ContainerRuntimeName(rt);
  }
}

TEST(RuntimePresetsTest, DockerIsRunc) {
  for (Arch arch : kPresetArches) {
    EXPECT_EQ(Names(RuntimePreset(ContainerRuntime::kDocker, arch)),
              Names(RuntimePreset(ContainerRuntime::kRunc, arch)));
  }
}

// Timing-dependent members (seen in only some runs) are the ones a later
// "clean-up" would drop by mistake; denied, they make runc init fail at
// random (docs/runtime-presets.md, elimination table).
TEST(RuntimePresetsTest, RuncKeepsItsTimingDependentMembers) {
  auto names = Names(RuntimePreset(ContainerRuntime::kRunc, Arch::kX86_64));
  EXPECT_THAT(names, Contains("futex"));
  EXPECT_THAT(names, Contains("rt_sigreturn"));
}

TEST(RuntimePresetsTest, NoneIsEmptyEverywhere) {
  for (const ArchInfo& info : AllArchInfos()) {
    EXPECT_EQ(RuntimeHostArch(ContainerRuntime::kNone, info.arch),
              std::nullopt);
    EXPECT_THAT(RuntimePreset(ContainerRuntime::kNone, info.arch), IsEmpty());
    EXPECT_TRUE(RuntimePresetAvailable(ContainerRuntime::kNone, info.arch));
  }
  EXPECT_EQ(RuntimePresetMeasuredWith(ContainerRuntime::kNone), "");
}

// 32-bit containers run on 64-bit hosts, whose runtime makes the preset's
// syscalls with the host's arch: the same sets.
TEST(RuntimePresetsTest, ThirtyTwoBitTargetsGetTheHostsPreset) {
  for (ContainerRuntime rt : kRuntimes) {
    for (Arch arch : {Arch::kI386, Arch::kArm}) {
      EXPECT_TRUE(RuntimePresetAvailable(rt, arch));
      EXPECT_EQ(RuntimePreset(rt, arch).data(),
                RuntimePreset(rt, Arch::kX86_64).data());
    }
    EXPECT_EQ(RuntimeHostArch(rt, Arch::kI386), Arch::kX86_64);
    EXPECT_EQ(RuntimeHostArch(rt, Arch::kArm), Arch::kArm64);
    EXPECT_EQ(RuntimeHostArch(rt, Arch::kX86_64), std::nullopt);
    EXPECT_EQ(RuntimeHostArch(rt, Arch::kArm64), std::nullopt);
    EXPECT_EQ(ProfileArches(rt, Arch::kI386),
              (std::vector<Arch>{Arch::kI386, Arch::kX86_64}));
    EXPECT_EQ(ProfileArches(rt, Arch::kArm64),
              (std::vector<Arch>{Arch::kArm64}));
    for (Arch arch : kPresetArches) {
      EXPECT_TRUE(RuntimePresetAvailable(rt, arch));
    }
  }
}

TEST(RuntimePresetsTest, MeasuredWithNamesTheVersion) {
  EXPECT_THAT(std::string(RuntimePresetMeasuredWith(ContainerRuntime::kRunc)),
              ::testing::HasSubstr("runc 1.1.5"));
  EXPECT_THAT(std::string(RuntimePresetMeasuredWith(ContainerRuntime::kCrun)),
              ::testing::HasSubstr("crun 1.8.1"));
  EXPECT_THAT(std::string(RuntimePresetMeasuredWith(ContainerRuntime::kDocker)),
              ::testing::HasSubstr("runc 1.1.5"));
}

TEST(ContainerRuntimeNameTest, Lookups) {
  EXPECT_EQ(ContainerRuntimeFromName("none"), ContainerRuntime::kNone);
  EXPECT_EQ(ContainerRuntimeFromName("runc"), ContainerRuntime::kRunc);
  EXPECT_EQ(ContainerRuntimeFromName("crun"), ContainerRuntime::kCrun);
  EXPECT_EQ(ContainerRuntimeFromName("docker"), ContainerRuntime::kDocker);
  // Podman runs crun or runc: the caller must say which (kPodmanHint).
  EXPECT_EQ(ContainerRuntimeFromName("podman"), std::nullopt);
  EXPECT_EQ(ContainerRuntimeFromName("Docker"), std::nullopt);
  EXPECT_EQ(ContainerRuntimeFromName(""), std::nullopt);
  EXPECT_EQ(ContainerRuntimeFromName("containerd"), std::nullopt);
  for (ContainerRuntime rt :
       {ContainerRuntime::kNone, ContainerRuntime::kRunc,
        ContainerRuntime::kCrun, ContainerRuntime::kDocker}) {
    EXPECT_EQ(ContainerRuntimeFromName(ContainerRuntimeName(rt)), rt);
  }
  EXPECT_THAT(std::string(kPodmanHint), ::testing::HasSubstr("OCIRuntime"));
}

}  // namespace
}  // namespace go2seccomp::profile
