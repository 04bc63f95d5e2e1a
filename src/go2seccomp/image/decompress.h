// Layer compression: OCI image-spec (image-layout, media types
// `application/vnd.oci.image.layer.v1.tar{,+gzip,+zstd}`) and Docker's
// `docker save` layers are plain tar or gzip'd tar. Detected by the magic
// bytes rather than the media type, which registries and tools disagree on.
//
//   G2S_ASSIGN_OR_RETURN(LayerBytes tar, DecompressLayer(blob, "layer 1", 1 <<
//   30)); ParseTar(tar.bytes(), ...);
//
// zstd is kUnsupported (no libzstd here). `max_size` caps the output (a
// small gzip stream can expand a thousandfold).
#ifndef GO2SECCOMP_IMAGE_DECOMPRESS_H_
#define GO2SECCOMP_IMAGE_DECOMPRESS_H_

#include <cstdint>
#include <string_view>
#include <vector>

#include "go2seccomp/base/byte_reader.h"
#include "go2seccomp/base/error.h"

namespace go2seccomp::image {

// A layer's tar bytes: the input itself when it was not compressed, or the
// decompressed copy. Movable; bytes() stays valid while it lives (and, for
// uncompressed input, while the input does).
class LayerBytes {
 public:
  explicit LayerBytes(Bytes borrowed) : view_(borrowed) {}
  explicit LayerBytes(std::vector<std::uint8_t> owned)
      : owned_(std::move(owned)), view_(owned_) {}
  LayerBytes(LayerBytes&& other) noexcept { *this = std::move(other); }
  LayerBytes& operator=(LayerBytes&& other) noexcept {
    const bool owns = other.view_.data() == other.owned_.data();
    owned_ = std::move(other.owned_);
    view_ = owns ? Bytes(owned_) : other.view_;
    return *this;
  }
  Bytes bytes() const { return view_; }

 private:
  std::vector<std::uint8_t> owned_;
  Bytes view_;
};

Result<LayerBytes> DecompressLayer(Bytes blob, std::string_view what,
                                   std::uint64_t max_size);

}  // namespace go2seccomp::image

#endif  // GO2SECCOMP_IMAGE_DECOMPRESS_H_
