// Fuzzes the container image reader (go2seccomp::image): the bytes as a
// tar (possibly gzip'd) applied as a layer to a FileTree, with symlink
// resolution and PATH lookup in the result; as a docker-archive whose
// manifest.json and config are read from the tar's own members; and as an
// image config. Nothing is written to disk. Seeds:
// tests/testdata/corpus/image (layers with whiteouts, links, a docker
// archive, malicious members).
#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>

#include "go2seccomp/image/decompress.h"
#include "go2seccomp/image/layout.h"
#include "go2seccomp/image/tar.h"
#include "go2seccomp/image/tree.h"
#include "tests/fuzz/fuzz_check.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data,
                                      std::size_t size) {
  namespace image = go2seccomp::image;
  const go2seccomp::Bytes bytes(data, size);
  (void)image::ParseImageConfig(bytes, "config");
  auto layer = image::DecompressLayer(bytes, "layer", 1 << 24);
  if (!layer) return 0;
  auto entries = image::ParseTar(layer->bytes(), "layer");
  if (!entries) return 0;
  image::FileTree tree;
  image::Limits limits;
  limits.max_total_size = 1 << 24;
  if (tree.ApplyLayer(*entries, "layer", limits)) {
    for (const auto& [path, node] : tree.nodes()) {
      // No component may climb or be empty ("e..." is a fine name).
      for (std::size_t at = 0; !path.empty() && at <= path.size();) {
        std::size_t end = path.find('/', at);
        if (end == std::string::npos) end = path.size();
        const std::string_view part(path.data() + at, end - at);
        FUZZ_CHECK(!part.empty() && part != "." && part != "..");
        at = end + 1;
      }
      FUZZ_CHECK(!path.starts_with('/'));
      if (auto r = tree.Resolve("/" + path))
        FUZZ_CHECK(tree.Find(*r) != nullptr);
    }
    (void)tree.FindProgram("app", image::kDefaultPath, "/");
  }
  std::map<std::string, go2seccomp::Bytes> files;
  for (const image::TarEntry& e : *entries) {
    if (auto p = image::NormalizeImagePath(e.path)) files[*p] = e.data;
  }
  image::ReadFileFn read =
      [&](const std::string& p) -> go2seccomp::Result<go2seccomp::Bytes> {
    auto it = files.find(p);
    if (it == files.end())
      return go2seccomp::MakeError(go2seccomp::ErrorCode::kNotFound, "{}", p);
    return it->second;
  };
  (void)image::ReadDockerArchive(read, "");
  (void)image::ReadOciLayout(read, "", "amd64");
  return 0;
}
