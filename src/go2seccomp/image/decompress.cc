#include "go2seccomp/image/decompress.h"

#include <zlib.h>

#include <algorithm>

namespace go2seccomp::image {

Result<LayerBytes> DecompressLayer(Bytes blob, std::string_view what,
                                   std::uint64_t max_size) {
  if (blob.size() >= 4 && blob[0] == 0x28 && blob[1] == 0xb5 &&
      blob[2] == 0x2f && blob[3] == 0xfd) {
    return MakeError(ErrorCode::kUnsupported,
                     "{}: zstd-compressed layer; only plain and gzip'd tar "
                     "layers are supported "
                     "(re-push the image with gzip, e.g. skopeo copy "
                     "--dest-compress-format gzip)",
                     what);
  }
  if (blob.size() < 2 || blob[0] != 0x1f || blob[1] != 0x8b)
    return LayerBytes(blob);
  z_stream zs{};
  // 16 + MAX_WBITS: gzip wrapper only (zlib.h inflateInit2).
  if (inflateInit2(&zs, 16 + MAX_WBITS) != Z_OK) {
    return MakeError(ErrorCode::kSystem, "{}: inflateInit2 failed", what);
  }
  std::vector<std::uint8_t> out;
  out.resize(std::min<std::uint64_t>(
      std::max<std::uint64_t>(blob.size() * 4, 1 << 16), max_size));
  zs.next_in = const_cast<Bytef*>(blob.data());
  std::uint64_t in_left = blob.size();
  std::uint64_t produced = 0;
  int rc = Z_OK;
  while (true) {
    if (zs.avail_in == 0 && in_left > 0) {
      zs.avail_in =
          static_cast<uInt>(std::min<std::uint64_t>(in_left, 1u << 30));
      in_left -= zs.avail_in;
    }
    if (produced == out.size()) {
      if (out.size() >= max_size) {
        inflateEnd(&zs);
        return MakeError(
            ErrorCode::kUnsupported,
            "{}: decompresses to more than the size limit ({} bytes); refused",
            what, max_size);
      }
      out.resize(std::min<std::uint64_t>(out.size() * 2, max_size));
    }
    zs.next_out = out.data() + produced;
    zs.avail_out = static_cast<uInt>(
        std::min<std::uint64_t>(out.size() - produced, 1u << 30));
    const uInt before = zs.avail_out;
    rc = inflate(&zs, Z_NO_FLUSH);
    produced += before - zs.avail_out;
    if (rc == Z_STREAM_END) {
      // Concatenated gzip members (pigz, some layer writers) continue.
      if (zs.avail_in == 0 && in_left == 0) break;
      if (inflateReset(&zs) != Z_OK) break;
      continue;
    }
    if (rc == Z_BUF_ERROR && zs.avail_in == 0 && in_left == 0) {
      inflateEnd(&zs);
      return MakeError(ErrorCode::kMalformed,
                       "{}: gzip stream truncated after {} bytes of output",
                       what, produced);
    }
    if (rc != Z_OK && rc != Z_BUF_ERROR) {
      const std::string msg = zs.msg ? zs.msg : "error";
      inflateEnd(&zs);
      return MakeError(ErrorCode::kMalformed,
                       "{}: gzip: {} at input offset {:#x}", what, msg,
                       zs.total_in);
    }
  }
  inflateEnd(&zs);
  out.resize(produced);
  return LayerBytes(std::move(out));
}

}  // namespace go2seccomp::image
