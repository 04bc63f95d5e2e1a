#include "go2seccomp/runtime/sandbox.h"

#include <fmt/format.h>

#include <algorithm>
#include <exception>
#include <optional>
#include <utility>

#include "go2seccomp/base/error.h"
#include "go2seccomp/base/file_io.h"
#include "go2seccomp/profile/builder.h"
#include "go2seccomp/profile/deny_actions.h"
#include "go2seccomp/profile/groups.h"
#include "go2seccomp/profile/oci_json.h"
#include "go2seccomp/profile/profile.h"
#include "go2seccomp/runtime/filter.h"
#include "go2seccomp/runtime/sandbox_internal.h"

namespace go2seccomp {

using profile::Action;
using profile::Profile;

struct Sandbox::Impl {
  std::optional<Error> error;
  std::string error_text;  // error->message, for error()
  std::optional<Profile> loaded;
  std::vector<std::string> names;
  std::optional<Action> default_action;
  bool unknown_enosys = true;
  bool all_threads = true;

  void SetError(Error e) {
    if (error) return;  // the first one wins
    error_text = e.message;
    error = std::move(e);
  }
};

namespace internal {

Result<Profile> BuildSandboxProfile(const std::optional<Profile>& loaded,
                                    std::span<const std::string> names,
                                    const std::optional<Action>& default_action,
                                    bool unknown_enosys) {
  const Arch host = HostArch();
  Profile p;
  if (loaded) {
    p = *loaded;
    if (std::find(p.arches.begin(), p.arches.end(), host) == p.arches.end()) {
      return MakeError(ErrorCode::kInvalidArgument,
                       "the profile does not cover this machine's "
                       "architecture {}",
                       GetArchInfo(host).oci_name);
    }
  } else {
    p.default_action = Action::Errno(EPERM);
    p.arches = {host};
  }
  if (default_action) p.default_action = *default_action;
  G2S_ASSIGN_OR_RETURN(Profile allows, profile::ProfileBuilder()
                                           .DefaultAction(p.default_action)
                                           .Arches(p.arches)
                                           .Allow(profile::AlwaysAllowed())
                                           .Allow(names)
                                           .Build());
  p = loaded ? profile::Merge(p, allows) : std::move(allows);
  if (unknown_enosys) profile::AddEnosysFallbacks(p);
  return p;
}

Result<void> ApplySandboxProfile(const Profile& p, bool unknown_enosys,
                                 bool all_threads) {
  G2S_ASSIGN_OR_RETURN(runtime::Filter filter,
                       runtime::CompileFilter(p, runtime::FilterOptions{}));
  G2S_ASSIGN_OR_RETURN(std::vector<sock_filter> prog,
                       runtime::ExportBpf(filter));
  const Action::Kind d = p.default_action.kind;
  if (unknown_enosys && d != Action::Kind::kAllow && d != Action::Kind::kLog) {
    prog = runtime::WithUnknownEnosys(prog, p.arches);
  }
  return runtime::LoadProgram(prog, runtime::LoadOptions{all_threads});
}

Result<Profile> LoadSandboxProfileFile(const std::string& path) {
  G2S_ASSIGN_OR_RETURN(std::string text, ReadTextFile(path));
  profile::ParseOptions options;
  options.target_arch = HostArch();
  G2S_ASSIGN_OR_RETURN(profile::ParsedProfile parsed,
                       profile::ParseOciJson(text, path, options));
  return std::move(parsed.profile);
}

}  // namespace internal

Sandbox::Sandbox() : impl_(std::make_unique<Impl>()) {}
Sandbox::~Sandbox() = default;
Sandbox::Sandbox(Sandbox&& other) noexcept = default;
Sandbox& Sandbox::operator=(Sandbox&& other) noexcept = default;

Sandbox& Sandbox::Allow(std::initializer_list<std::string_view> names) {
  if (impl_->error) return *this;
  for (std::string_view n : names) impl_->names.emplace_back(n);
  return *this;
}

Sandbox& Sandbox::Allow(const std::vector<std::string>& names) {
  if (impl_->error) return *this;
  impl_->names.insert(impl_->names.end(), names.begin(), names.end());
  return *this;
}

Sandbox& Sandbox::LoadProfile(const std::string& path) {
  if (impl_->error) return *this;
  if (impl_->loaded) {
    impl_->SetError(Error{ErrorCode::kInvalidArgument,
                          "LoadProfile: a profile was already loaded"});
    return *this;
  }
  Result<Profile> p = internal::LoadSandboxProfileFile(path);
  if (!p) {
    impl_->SetError(std::move(p).error());
  } else {
    impl_->loaded = std::move(*p);
  }
  return *this;
}

Sandbox& Sandbox::DefaultErrno(int errno_value) {
  if (impl_->error) return *this;
  // Errno 0 would make every denied call "succeed" without running; above
  // 4095 the kernel no longer returns it as an error (MAX_ERRNO).
  if (errno_value < 1 || errno_value > 4095) {
    impl_->SetError(Error{ErrorCode::kInvalidArgument,
                          fmt::format("DefaultErrno({}): the errno must be "
                                      "1..4095",
                                      errno_value)});
    return *this;
  }
  impl_->default_action =
      Action::Errno(static_cast<std::uint32_t>(errno_value));
  return *this;
}

Sandbox& Sandbox::DefaultKillProcess() {
  if (!impl_->error) impl_->default_action = Action::KillProcess();
  return *this;
}

Sandbox& Sandbox::DefaultTrap() {
  if (!impl_->error) impl_->default_action = Action::Trap();
  return *this;
}

Sandbox& Sandbox::DefaultLog() {
  if (!impl_->error) impl_->default_action = Action::Log();
  return *this;
}

Sandbox& Sandbox::UnknownEnosys(bool on) {
  impl_->unknown_enosys = on;
  return *this;
}

Sandbox& Sandbox::AllThreads(bool on) {
  impl_->all_threads = on;
  return *this;
}

bool Sandbox::Apply() {
  if (impl_->error) return false;
  // Allocation failure is the only exception the code below can raise; it
  // must not cross into the caller (nor through the C API into C or Go).
  try {
    Result<Profile> p = internal::BuildSandboxProfile(
        impl_->loaded, impl_->names, impl_->default_action,
        impl_->unknown_enosys);
    if (!p) {
      impl_->SetError(std::move(p).error());
      return false;
    }
    Result<void> applied = internal::ApplySandboxProfile(
        *p, impl_->unknown_enosys, impl_->all_threads);
    if (!applied) {
      impl_->SetError(std::move(applied).error());
      return false;
    }
  } catch (const std::exception& e) {
    impl_->SetError(Error{ErrorCode::kSystem, e.what()});
    return false;
  }
  return true;
}

bool Sandbox::ok() const { return !impl_->error; }

const std::string& Sandbox::error() const { return impl_->error_text; }

std::string Sandbox::ProfileJson() const {
  if (impl_->error) return {};
  try {
    Result<Profile> p = internal::BuildSandboxProfile(
        impl_->loaded, impl_->names, impl_->default_action,
        impl_->unknown_enosys);
    return p ? profile::ToOciJson(*p) : std::string();
  } catch (const std::exception&) {
    return {};
  }
}

}  // namespace go2seccomp
