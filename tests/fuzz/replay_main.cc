// Runs a fuzz target's LLVMFuzzerTestOneInput over files, as an ordinary
// program any compiler builds (bloaty's tests/fuzz_driver.cc): the committed
// corpus and past crashers become a plain ctest (label fuzz-replay) under
// GCC, and under the ASan build a sanitized one.
//
//   elf_fuzzer_replay tests/testdata/corpus/elf [build/fixtures/amd64 ...]
//
// Each argument is a file or a directory (its regular files, recursively,
// in name order). A missing argument is an error, so a moved corpus cannot
// turn the test into a no-op. The file being run is printed first, so a
// crash in the log names its input.
#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <system_error>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data,
                                      std::size_t size);

namespace {

namespace fs = std::filesystem;

bool Collect(const fs::path& arg, std::vector<fs::path>* out) {
  std::error_code ec;
  if (fs::is_regular_file(arg, ec)) {
    out->push_back(arg);
    return true;
  }
  if (!fs::is_directory(arg, ec)) {
    std::fprintf(stderr, "replay: %s: no such file or directory\n",
                 arg.c_str());
    return false;
  }
  std::vector<fs::path> found;
  for (const auto& e : fs::recursive_directory_iterator(arg, ec)) {
    if (e.is_regular_file()) found.push_back(e.path());
  }
  if (ec) {
    std::fprintf(stderr, "replay: %s: %s\n", arg.c_str(), ec.message().c_str());
    return false;
  }
  std::sort(found.begin(), found.end());
  out->insert(out->end(), found.begin(), found.end());
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<fs::path> files;
  bool ok = true;
  for (int i = 1; i < argc; ++i) ok = Collect(argv[i], &files) && ok;
  if (!ok) return 1;
  if (files.empty()) {
    std::fprintf(stderr, "replay: no inputs\n");
    return 1;
  }
  const auto t0 = std::chrono::steady_clock::now();
  for (const fs::path& path : files) {
    std::ifstream in(path, std::ios::binary);
    if (!in) {
      std::fprintf(stderr, "replay: %s: cannot read\n", path.c_str());
      return 1;
    }
    // A copy in its own heap block, as libFuzzer passes it: ASan then flags
    // a read one byte past the input.
    const std::vector<char> bytes((std::istreambuf_iterator<char>(in)),
                                  std::istreambuf_iterator<char>());
    std::fprintf(stderr, "replay: %s (%zu bytes)\n", path.c_str(),
                 bytes.size());
    std::vector<std::uint8_t> data(bytes.begin(), bytes.end());
    LLVMFuzzerTestOneInput(data.data(), data.size());
  }
  const double s =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - t0)
          .count();
  std::printf("replay: %zu inputs in %.2f s, no crash\n", files.size(), s);
  return 0;
}
