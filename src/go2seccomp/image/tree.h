// An image's root filesystem as data: the layers applied in order, with
// OCI whiteouts (image-spec layer.md "Whiteouts": `.wh.NAME` removes NAME
// from the lower layers, `.wh..wh..opq` removes every lower child of its
// directory; neither hides what its own layer adds), symbolic links
// resolved inside the image (an absolute target is relative to the image's
// root, `..` stops at it), and program lookup the way a container runtime
// does it (PATH, WorkingDir, `#!`).
//
//   FileTree tree;
//   for (const auto& layer : layers) G2S_TRY(tree.ApplyLayer(entries, "layer
//   1", limits)); G2S_ASSIGN_OR_RETURN(std::string real,
//   tree.Resolve("/usr/local/bin/app"));
//
// Paths in the tree are normalised: relative to the root, no leading `/`,
// no `.` or empty components ("" is the root). A member whose name has a
// `..` component, whose parent is a symbolic link (writing through it
// could leave the tree), a hard link to a file not in the image, or a
// device node or fifo, is refused with kMalformed/kUnsupported naming the
// layer and the member's offset. Extraction (extract.h) writes exactly
// the tree.
#ifndef GO2SECCOMP_IMAGE_TREE_H_
#define GO2SECCOMP_IMAGE_TREE_H_

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "go2seccomp/base/error.h"
#include "go2seccomp/image/tar.h"

namespace go2seccomp::image {

struct Limits {
  std::uint64_t max_total_size = std::uint64_t{4}
                                 << 30;  // bytes of regular files
  std::uint64_t max_entries = 1 << 20;
};

struct Node {
  enum class Kind { kDirectory, kFile, kSymlink } kind = Kind::kDirectory;
  std::uint32_t mode = 0755;
  Bytes data;        // kFile (borrowed from the layer)
  std::string link;  // kSymlink
};

// `path` normalised (see above), or kMalformed for a `..` component.
Result<std::string> NormalizeImagePath(std::string_view path);

// A program a container would run, found in the image.
struct FoundProgram {
  std::string
      path;  // as the program is named after PATH lookup ("/usr/bin/app")
  std::string resolved;  // the regular file it is, symlinks resolved
                         // ("usr/lib/app/app")
};

class FileTree {
 public:
  // Applies one layer (its members in archive order) on top of the tree.
  Result<void> ApplyLayer(const std::vector<TarEntry>& entries,
                          std::string_view what, const Limits& limits);

  // The node at normalised `path`, not following a final symlink.
  const Node* Find(const std::string& path) const;
  // `path` (absolute, or relative to the root) with every symlink resolved
  // inside the image; kNotFound if a component is missing or not a
  // directory, kMalformed after 40 links (Linux's MAXSYMLINKS).
  Result<std::string> Resolve(std::string_view path) const;
  // What execvp would run for `name` given PATH (":"-separated) and the
  // working directory: a name with a `/` is taken as is (relative to
  // `workdir`), else each PATH entry in turn; the first regular file with
  // an execute bit wins.
  std::optional<FoundProgram> FindProgram(std::string_view name,
                                          std::string_view path_env,
                                          std::string_view workdir) const;

  const std::map<std::string, Node>& nodes() const { return nodes_; }
  std::uint64_t total_size() const { return total_size_; }
  // Forgets the file contents (after extraction, when the layer buffers go).
  void DropData();

 private:
  void EraseBelow(const std::string& dir);
  Result<void> EnsureParents(const std::string& path, const TarEntry& e,
                             std::string_view what);

  std::map<std::string, Node> nodes_ = {{"", Node{}}};
  std::uint64_t total_size_ = 0;
};

// The interpreter of a `#!` script ("/bin/sh" for "#!/bin/sh -e"), or
// nullopt if `data` does not start with "#!".
std::optional<std::string> ShebangInterpreter(Bytes data);

// Docker's default PATH for containers whose image sets none (moby
// oci/defaults.go DefaultPathEnv on Linux).
inline constexpr std::string_view kDefaultPath =
    "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

}  // namespace go2seccomp::image

#endif  // GO2SECCOMP_IMAGE_TREE_H_
