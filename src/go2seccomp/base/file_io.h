// Reading whole files (mmap'd, read-only) and writing output files
// atomically.
//
//   G2S_ASSIGN_OR_RETURN(MappedFile f, MappedFile::Open("/usr/bin/go"));
//   Bytes image = f.bytes();   // valid while f lives
//   G2S_TRY(WriteFileAtomically("profile.json", text));
//
// Errors name the path: "/tmp/x: cannot open: No such file or directory".
#ifndef GO2SECCOMP_BASE_FILE_IO_H_
#define GO2SECCOMP_BASE_FILE_IO_H_

#include <string>
#include <string_view>

#include "go2seccomp/base/byte_reader.h"
#include "go2seccomp/base/error.h"

namespace go2seccomp {

class MappedFile {
 public:
  // kNotFound if the path does not exist, kIo for other failures
  // (permission, a directory, ...). An empty file maps to empty bytes.
  static Result<MappedFile> Open(const std::string& path);

  MappedFile() = default;
  MappedFile(MappedFile&& other) noexcept;
  MappedFile& operator=(MappedFile&& other) noexcept;
  MappedFile(const MappedFile&) = delete;
  MappedFile& operator=(const MappedFile&) = delete;
  ~MappedFile();

  Bytes bytes() const { return Bytes(data_, size_); }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
  const std::uint8_t* data_ = nullptr;
  std::size_t size_ = 0;
};

// Writes `content` to a temporary file next to `path` and renames it over
// `path`, so readers never see a partial file and a failure leaves no output
// behind. `path` "-" writes to standard output instead.
Result<void> WriteFileAtomically(const std::string& path,
                                 std::string_view content);

// Reads a small text file (profiles, configs) into a string.
Result<std::string> ReadTextFile(const std::string& path);

}  // namespace go2seccomp

#endif  // GO2SECCOMP_BASE_FILE_IO_H_
