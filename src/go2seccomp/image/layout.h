// Where an image's config and layers are: an OCI image layout (image-spec
// image-layout.md: `oci-layout`, `index.json`, `blobs/<alg>/<hex>`, what
// `skopeo copy ... oci:DIR:TAG`, `buildah push oci:` and umoci write) or a
// `docker save` / `podman save` archive (`manifest.json` listing each
// image's Config and Layers, paths inside the tar), and the image config's
// process fields (image-spec config.md: Entrypoint, Cmd, Env, WorkingDir).
//
//   ReadFileFn read = ...;  // a file of the layout directory or archive
//   G2S_ASSIGN_OR_RETURN(ImageManifest m, ReadOciLayout(read, "v1", "amd64"));
//   G2S_ASSIGN_OR_RETURN(Bytes cfg, read(m.config_path));
//   G2S_ASSIGN_OR_RETURN(ImageConfig c, ParseImageConfig(cfg, m.config_path));
//
// Pure: reading goes through `read`. Blob paths are built only from
// digests of the form ALG:HEX (letters, digits), and archive paths are
// normalised with `..` refused, so neither can name a file outside the
// layout or archive. Digests are not verified (the image is the user's own
// input, not something fetched).
#ifndef GO2SECCOMP_IMAGE_LAYOUT_H_
#define GO2SECCOMP_IMAGE_LAYOUT_H_

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "go2seccomp/base/byte_reader.h"
#include "go2seccomp/base/error.h"

namespace go2seccomp::image {

struct ImageConfig {
  std::vector<std::string> entrypoint;
  std::vector<std::string> cmd;
  std::vector<std::string> env;  // "KEY=VALUE"
  std::string working_dir;
  std::string architecture;  // GOARCH spelling, "amd64"
  std::string os;

  // The value of PATH in env, or Docker's default when the image sets none.
  std::string PathEnv() const;
  // What the container runs: Entrypoint then Cmd (config.md: Cmd is the
  // default arguments to the Entrypoint, or the command if there is none).
  std::vector<std::string> Argv() const;
};

Result<ImageConfig> ParseImageConfig(Bytes json, std::string_view what);

// A file of the layout directory or archive, by its relative path.
using ReadFileFn = std::function<Result<Bytes>(const std::string& path)>;

struct ImageManifest {
  std::string config_path;
  std::vector<std::string> layer_paths;  // lowest first
  std::string name;  // the reference the image was chosen by, if any
};

// `tag`: the org.opencontainers.image.ref.name to pick (empty: the only
// image in index.json). An image index (multi-platform) picks `arch` on
// linux.
Result<ImageManifest> ReadOciLayout(const ReadFileFn& read,
                                    std::string_view tag,
                                    std::string_view arch);

// `ref`: a RepoTags entry ("name:tag", ":latest" implied; empty: the only
// image in the archive).
Result<ImageManifest> ReadDockerArchive(const ReadFileFn& read,
                                        std::string_view ref);

// "blobs/sha256/<hex>" for "sha256:<hex>", or kMalformed.
Result<std::string> BlobPath(std::string_view digest);

}  // namespace go2seccomp::image

#endif  // GO2SECCOMP_IMAGE_LAYOUT_H_
