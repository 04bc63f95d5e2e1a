// A container image unpacked for analysis: ParseImageRef() reads
// `oci:DIR[:TAG]`, `docker-archive:FILE[:REF]` or `dir:DIR`; OpenImage()
// reads the config, applies the layers in order (tree.h) and writes the
// result into a private temporary directory (mode 0700 under $TMPDIR),
// which the returned UnpackedImage removes when it goes out of scope, on
// every path (an error part way through removes what was written).
//
//   G2S_ASSIGN_OR_RETURN(ImageRef ref, ParseImageRef("oci:/tmp/app:v1"));
//   G2S_ASSIGN_OR_RETURN(UnpackedImage img, OpenImage(ref, {}));
//   img.root();  // "/tmp/go2seccomp-image-1a2b3c/rootfs"
//   img.HostPath("/usr/bin/app");  // the file, symlinks resolved in the image
//
// Writing never follows a symbolic link: each path is walked from a
// directory fd with O_NOFOLLOW and files are created O_EXCL, so even a
// tree the checks in tree.h missed cannot write outside the directory.
// Owners are not restored and setuid/setgid bits are dropped; nothing in
// the tree is executed. `dir:DIR` is used in place (read only, nothing
// copied).
#ifndef GO2SECCOMP_IMAGE_UNPACK_H_
#define GO2SECCOMP_IMAGE_UNPACK_H_

#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "go2seccomp/base/error.h"
#include "go2seccomp/image/layout.h"
#include "go2seccomp/image/tree.h"

namespace go2seccomp::image {

struct ImageRef {
  enum class Kind {
    kOciLayout,
    kDockerArchive,
    kDirectory
  } kind = Kind::kOciLayout;
  std::string path;  // the layout directory, the archive, the root directory
  std::string tag;   // oci: TAG, docker-archive: REF (may be empty)
};

Result<ImageRef> ParseImageRef(std::string_view ref);

struct UnpackOptions {
  Limits limits;
  std::string temp_parent;     // empty: $TMPDIR or /tmp
  std::string arch = "amd64";  // GOARCH of the image to pick from an index
};

// A private temporary directory, removed (without following links) by the
// destructor.
class TempTree {
 public:
  static Result<TempTree> Create(const std::string& parent);
  TempTree() = default;
  TempTree(TempTree&& o) noexcept : path_(std::move(o.path_)) {
    o.path_.clear();
  }
  TempTree& operator=(TempTree&& o) noexcept;
  TempTree(const TempTree&) = delete;
  TempTree& operator=(const TempTree&) = delete;
  ~TempTree();
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

// Writes `tree` below the existing, empty directory `dir`.
Result<void> ExtractTree(const FileTree& tree,
                         const std::filesystem::path& dir);

// The tree of an unpacked root filesystem on disk (no data: kinds, modes
// and link targets), for dir:DIR. Other file types are left out.
Result<FileTree> ScanDirectory(const std::filesystem::path& dir);

class UnpackedImage {
 public:
  const std::filesystem::path& root() const { return root_; }
  const ImageConfig& config() const { return config_; }
  const std::string& name() const { return name_; }
  const FileTree& tree() const { return tree_; }
  std::size_t layers() const { return layers_; }

  // The host file behind `image_path` (absolute in the image), with every
  // symlink resolved inside the image; nullopt if it is not a regular file.
  std::optional<std::filesystem::path> HostPath(
      std::string_view image_path) const;
  // The program a container would run for `name` (PATH lookup etc., tree.h).
  std::optional<FoundProgram> FindProgram(std::string_view name) const;
  // The first bytes of a file of the image (for `#!`).
  Result<std::string> ReadHead(const FoundProgram& program,
                               std::size_t max) const;

 private:
  friend Result<UnpackedImage> OpenImage(const ImageRef& ref,
                                         const UnpackOptions& options);
  TempTree temp_;
  std::filesystem::path root_;
  ImageConfig config_;
  std::string name_;
  FileTree tree_;
  std::size_t layers_ = 0;
};

Result<UnpackedImage> OpenImage(const ImageRef& ref,
                                const UnpackOptions& options);

}  // namespace go2seccomp::image

#endif  // GO2SECCOMP_IMAGE_UNPACK_H_
