#include "tests/common/files.h"

#include <fmt/format.h>
#include <stdlib.h>

#include <algorithm>
#include <fstream>
#include <iterator>
#include <sstream>
#include <system_error>

#include "go2seccomp/base/arch.h"
#include "tests/common/process_util.h"

namespace go2seccomp::test_util {

namespace fs = std::filesystem;

std::string Fixture(std::string_view name, std::string_view variant) {
  return fmt::format("{}/{}/{}", G2S_FIXTURE_DIR, variant, name);
}

std::string HostFixture(std::string_view name) {
  return Fixture(name, HostArch() == Arch::kArm64 ? "arm64" : "amd64");
}

std::optional<std::string> BuildGoProgram(std::string_view goarch,
                                          std::string_view name) {
  const std::string out =
      fmt::format("{}/go_extra/{}/{}", G2S_BINARY_DIR, goarch, name);
  // Same environment as tests/GoFixtures.cmake: offline, module mode, the
  // build tree's cache (so only the first run compiles the standard
  // library for this GOARCH).
  const std::string cmd = fmt::format(
      "mkdir -p $(dirname {}) && cd {}/tests/testdata/go && env CGO_ENABLED=0 "
      "GOOS=linux GOARCH={} "
      "GOCACHE={}/gocache GOPATH={}/gopath GOFLAGS=-mod=mod GOPROXY=off "
      "GOTOOLCHAIN=local GO111MODULE=on go build -o {} ./{}",
      out, G2S_SOURCE_DIR, goarch, G2S_BINARY_DIR, G2S_BINARY_DIR, out, name);
  if (RunCommand(cmd).exit_status != 0) return std::nullopt;
  return out;
}

std::string VariantTestName(std::string_view variant) {
  std::string name(variant);
  std::replace(name.begin(), name.end(), '-', '_');
  return name;
}

std::string ReadFile(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

bool ReadFile(const fs::path& path, std::vector<std::uint8_t>* out) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return false;
  std::vector<std::uint8_t> data((std::istreambuf_iterator<char>(in)),
                                 std::istreambuf_iterator<char>());
  if (in.bad()) return false;
  *out = std::move(data);
  return true;
}

bool WriteFile(const fs::path& path, std::string_view text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(text.data(), static_cast<std::streamsize>(text.size()));
  return static_cast<bool>(out);
}

bool WriteFile(const fs::path& path, const std::vector<std::uint8_t>& data) {
  return WriteFile(path,
                   std::string_view(reinterpret_cast<const char*>(data.data()),
                                    data.size()));
}

TempDir::TempDir() {
  std::string tmpl = (fs::temp_directory_path() / "g2s-test-XXXXXX").string();
  if (::mkdtemp(tmpl.data()) != nullptr) path_ = tmpl;
}

TempDir::~TempDir() {
  std::error_code ec;
  if (!path_.empty()) fs::remove_all(path_, ec);
}

}  // namespace go2seccomp::test_util
