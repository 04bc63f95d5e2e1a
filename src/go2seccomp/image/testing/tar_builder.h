// Test helper: writes tar archives member by member (ustar headers, GNU
// 'L' long names, raw headers with any type and claimed size for malicious
// cases) and gzips them, so tests state the archive they feed the reader.
//
//   std::string layer = TarBuilder().Dir("etc").File("etc/x",
//   "hi").Symlink("l", "/etc").Finish();
#ifndef GO2SECCOMP_IMAGE_TESTING_TAR_BUILDER_H_
#define GO2SECCOMP_IMAGE_TESTING_TAR_BUILDER_H_

#include <zlib.h>

#include <cstdint>
#include <cstdio>
#include <cstring>
#include <string>
#include <string_view>

namespace go2seccomp::image::testing {

class TarBuilder {
 public:
  TarBuilder& File(std::string_view path, std::string_view data,
                   unsigned mode = 0755) {
    return Member(path, '0', data, mode, "", data.size());
  }
  TarBuilder& Dir(std::string_view path, unsigned mode = 0755) {
    return Member(path, '5', "", mode, "", 0);
  }
  TarBuilder& Symlink(std::string_view path, std::string_view target) {
    return Member(path, '2', "", 0777, target, 0);
  }
  TarBuilder& HardLink(std::string_view path, std::string_view target) {
    return Member(path, '1', "", 0644, target, 0);
  }
  // A member with any type flag; `claimed_size` goes into the header (in
  // base-256 when it does not fit in octal), `data` after it.
  TarBuilder& Member(std::string_view path, char type, std::string_view data,
                     unsigned mode, std::string_view link,
                     std::uint64_t claimed_size) {
    if (path.size() > 99) {
      std::string name(path);
      name.push_back('\0');
      Member("././@LongLink", 'L', name, 0644, "", name.size());
      path = path.substr(0, 99);
    }
    std::string h(512, '\0');
    std::memcpy(&h[0], path.data(), path.size());
    std::snprintf(&h[100], 8, "%07o", mode);
    std::snprintf(&h[108], 8, "%07o", 0u);
    std::snprintf(&h[116], 8, "%07o", 0u);
    if (claimed_size < (std::uint64_t{1} << 33)) {
      std::snprintf(&h[124], 12, "%011llo",
                    static_cast<unsigned long long>(claimed_size));
    } else {
      h[124] = static_cast<char>(0x80);
      for (int i = 0; i < 8; ++i)
        h[135 - i] = static_cast<char>((claimed_size >> (8 * i)) & 0xff);
    }
    std::snprintf(&h[136], 12, "%011o", 0u);
    h[156] = type;
    std::memcpy(&h[157], link.data(), std::min<std::size_t>(link.size(), 100));
    std::memcpy(&h[257],
                "ustar\0"
                "00",
                8);
    std::memset(&h[148], ' ', 8);
    unsigned sum = 0;
    for (unsigned char c : h) sum += c;
    std::snprintf(&h[148], 8, "%06o", sum);
    out_ += h;
    out_ += data;
    out_.append((512 - data.size() % 512) % 512, '\0');
    return *this;
  }
  // A pax extended header ('x') with the given records for the next member.
  TarBuilder& Pax(std::string_view key, std::string_view value) {
    std::string rec = " " + std::string(key) + "=" + std::string(value) + "\n";
    std::size_t len = rec.size() + 1;
    while (std::to_string(len).size() + rec.size() != len) ++len;
    rec = std::to_string(len) + rec;
    return Member("PaxHeaders/x", 'x', rec, 0644, "", rec.size());
  }
  std::string Finish() const { return out_ + std::string(1024, '\0'); }
  const std::string& body() const { return out_; }

 private:
  std::string out_;
};

inline std::string Gzip(std::string_view data) {
  z_stream zs{};
  deflateInit2(&zs, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 16 + MAX_WBITS, 8,
               Z_DEFAULT_STRATEGY);
  std::string out(deflateBound(&zs, data.size()) + 64, '\0');
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  zs.avail_in = static_cast<uInt>(data.size());
  zs.next_out = reinterpret_cast<Bytef*>(out.data());
  zs.avail_out = static_cast<uInt>(out.size());
  deflate(&zs, Z_FINISH);
  out.resize(zs.total_out);
  deflateEnd(&zs);
  return out;
}

}  // namespace go2seccomp::image::testing

#endif  // GO2SECCOMP_IMAGE_TESTING_TAR_BUILDER_H_
