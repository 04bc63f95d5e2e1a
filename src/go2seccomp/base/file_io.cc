#include "go2seccomp/base/file_io.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <utility>

namespace go2seccomp {
namespace {

// Reading a missing file is kNotFound; every failure to produce output is
// kIo, whatever errno says (mkstemp in a missing directory gives ENOENT).
Error IoError(const std::string& path, std::string_view what, int err,
              bool reading = false) {
  return Error{reading && err == ENOENT ? ErrorCode::kNotFound : ErrorCode::kIo,
               fmt::format("{}: {}: {}", path, what, std::strerror(err))};
}

}  // namespace

Result<MappedFile> MappedFile::Open(const std::string& path) {
  // O_NONBLOCK: opening a FIFO for reading otherwise waits for a writer
  // forever; it is refused below as not a regular file. (No effect on
  // regular files.)
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0) return Unexpected(IoError(path, "cannot open", errno, /*reading=*/true));
  struct stat st;
  if (::fstat(fd, &st) != 0) {
    const int err = errno;
    ::close(fd);
    return Unexpected(IoError(path, "cannot stat", err));
  }
  if (!S_ISREG(st.st_mode)) {
    ::close(fd);
    return MakeError(ErrorCode::kIo, "{}: not a regular file", path);
  }
  MappedFile f;
  f.path_ = path;
  f.size_ = static_cast<std::size_t>(st.st_size);
  if (f.size_ > 0) {
    void* p = ::mmap(nullptr, f.size_, PROT_READ, MAP_PRIVATE, fd, 0);
    if (p == MAP_FAILED) {
      const int err = errno;
      ::close(fd);
      return Unexpected(IoError(path, "cannot map", err));
    }
    f.data_ = static_cast<const std::uint8_t*>(p);
  }
  ::close(fd);
  return f;
}

MappedFile::MappedFile(MappedFile&& other) noexcept
    : path_(std::move(other.path_)),
      data_(std::exchange(other.data_, nullptr)),
      size_(std::exchange(other.size_, 0)) {}

MappedFile& MappedFile::operator=(MappedFile&& other) noexcept {
  if (this != &other) {
    if (data_ != nullptr) ::munmap(const_cast<std::uint8_t*>(data_), size_);
    path_ = std::move(other.path_);
    data_ = std::exchange(other.data_, nullptr);
    size_ = std::exchange(other.size_, 0);
  }
  return *this;
}

MappedFile::~MappedFile() {
  if (data_ != nullptr) ::munmap(const_cast<std::uint8_t*>(data_), size_);
}

namespace {

Result<void> WriteAll(int fd, std::string_view content,
                      const std::string& path) {
  while (!content.empty()) {
    const ssize_t n = ::write(fd, content.data(), content.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return Unexpected(IoError(path, "cannot write", errno));
    }
    content.remove_prefix(static_cast<std::size_t>(n));
  }
  return {};
}

}  // namespace

Result<void> WriteFileAtomically(const std::string& path,
                                 std::string_view content) {
  if (path == "-") {
    G2S_TRY(WriteAll(STDOUT_FILENO, content, "<stdout>"));
    return {};
  }
  // An existing non-regular destination (/dev/null, /dev/stdout, a FIFO)
  // is written in place: renaming a temporary file over it would replace
  // the device node itself.
  struct stat st;
  if (::stat(path.c_str(), &st) == 0 && !S_ISREG(st.st_mode)) {
    if (S_ISDIR(st.st_mode)) return MakeError(ErrorCode::kIo, "{}: is a directory", path);
    const int out = ::open(path.c_str(), O_WRONLY | O_CLOEXEC);
    if (out < 0) return Unexpected(IoError(path, "cannot open output", errno));
    auto r = WriteAll(out, content, path);
    ::close(out);
    return r;
  }
  // The temporary file sits in the destination's directory so rename(2) is
  // atomic (same filesystem).
  std::string tmpl = path + ".tmp.XXXXXX";
  const int fd = ::mkstemp(tmpl.data());
  if (fd < 0) return Unexpected(IoError(path, "cannot create output", errno));
  auto fail = [&](Error e) -> Result<void> {
    ::close(fd);
    ::unlink(tmpl.c_str());
    return Unexpected(std::move(e));
  };
  if (auto r = WriteAll(fd, content, path); !r) return fail(r.error());
  // mkstemp creates 0600; profiles are not secret, give them the usual
  // 0644 minus umask.
  const mode_t mask = ::umask(0);
  ::umask(mask);
  ::fchmod(fd, 0666 & ~mask);
  if (::fsync(fd) != 0) return fail(IoError(path, "cannot sync", errno));
  if (::close(fd) != 0) {
    const int err = errno;
    ::unlink(tmpl.c_str());
    return Unexpected(IoError(path, "cannot close", err));
  }
  if (::rename(tmpl.c_str(), path.c_str()) != 0) {
    const int err = errno;
    ::unlink(tmpl.c_str());
    return Unexpected(IoError(path, "cannot rename into place", err));
  }
  return {};
}

Result<std::string> ReadTextFile(const std::string& path) {
  G2S_ASSIGN_OR_RETURN(MappedFile f, MappedFile::Open(path));
  return std::string(reinterpret_cast<const char*>(f.bytes().data()),
                     f.bytes().size());
}

}  // namespace go2seccomp
