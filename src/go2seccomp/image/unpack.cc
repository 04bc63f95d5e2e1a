#include "go2seccomp/image/unpack.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <map>

#include "go2seccomp/base/file_io.h"
#include "go2seccomp/image/decompress.h"
#include "go2seccomp/image/tar.h"

namespace go2seccomp::image {
namespace {

namespace fs = std::filesystem;

class Fd {
 public:
  explicit Fd(int fd = -1) : fd_(fd) {}
  Fd(Fd&& o) noexcept : fd_(o.fd_) { o.fd_ = -1; }
  Fd& operator=(Fd&& o) noexcept {
    std::swap(fd_, o.fd_);
    return *this;
  }
  ~Fd() {
    if (fd_ >= 0) ::close(fd_);
  }
  int get() const { return fd_; }

 private:
  int fd_;
};

Error SysError(std::string_view what, const std::string& path) {
  return Error{ErrorCode::kIo,
               fmt::format("{}: {}: {}", path, what, std::strerror(errno))};
}

// The directory fd of `dir` (a normalised tree path) below `root`, walked
// one component at a time with O_NOFOLLOW: a symlink anywhere on the way
// fails with ELOOP/ENOTDIR instead of being followed.
Result<Fd> OpenDirIn(int root, const std::string& dir) {
  Fd cur(::fcntl(root, F_DUPFD_CLOEXEC, 0));
  std::size_t start = 0;
  while (start < dir.size()) {
    std::size_t slash = dir.find('/', start);
    if (slash == std::string::npos) slash = dir.size();
    const std::string comp = dir.substr(start, slash - start);
    Fd next(::openat(cur.get(), comp.c_str(),
                     O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
    if (next.get() < 0)
      return Unexpected(SysError("cannot open directory in the tree", dir));
    cur = std::move(next);
    start = slash + 1;
  }
  return cur;
}

Result<void> WriteAll(int fd, Bytes data, const std::string& path) {
  while (!data.empty()) {
    const ssize_t n =
        ::write(fd, data.data(), std::min<std::size_t>(data.size(), 1 << 30));
    if (n < 0) {
      if (errno == EINTR) continue;
      return Unexpected(SysError("write", path));
    }
    data = data.subspan(static_cast<std::size_t>(n));
  }
  return {};
}

Result<void> WriteNode(int root, const std::string& path, const Node& node) {
  const std::size_t slash = path.rfind('/');
  const std::string dir =
      slash == std::string::npos ? "" : path.substr(0, slash);
  const std::string name =
      slash == std::string::npos ? path : path.substr(slash + 1);
  G2S_ASSIGN_OR_RETURN(Fd parent, OpenDirIn(root, dir));
  switch (node.kind) {
    case Node::Kind::kDirectory:
      // Owner rwx so later members can be written below it.
      if (::mkdirat(parent.get(), name.c_str(), 0700) != 0) {
        return Unexpected(SysError("mkdir", path));
      }
      if (::fchmodat(parent.get(), name.c_str(), (node.mode & 0777) | 0700,
                     0) != 0) {
        return Unexpected(SysError("chmod", path));
      }
      return {};
    case Node::Kind::kSymlink:
      if (::symlinkat(node.link.c_str(), parent.get(), name.c_str()) != 0) {
        return Unexpected(SysError("symlink", path));
      }
      return {};
    case Node::Kind::kFile: {
      Fd fd(::openat(parent.get(), name.c_str(),
                     O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
                     0600));
      if (fd.get() < 0) return Unexpected(SysError("create", path));
      G2S_TRY(WriteAll(fd.get(), node.data, path));
      // No setuid/setgid/sticky: nothing here is meant to run as another user.
      if (::fchmod(fd.get(), node.mode & 0777) != 0)
        return Unexpected(SysError("chmod", path));
      return {};
    }
  }
  return {};
}

// The files of a layout directory, mapped on first use and kept for the
// reader's lifetime (ImageManifest paths are relative and `..`-free).
class DirectoryFiles {
 public:
  explicit DirectoryFiles(fs::path dir) : dir_(std::move(dir)) {}
  Result<Bytes> Read(const std::string& path) {
    auto it = files_.find(path);
    if (it == files_.end()) {
      auto f = MappedFile::Open((dir_ / path).string());
      if (!f) return Unexpected(f.error());
      it = files_.emplace(path, std::move(*f)).first;
    }
    return it->second.bytes();
  }

 private:
  fs::path dir_;
  std::map<std::string, MappedFile> files_;
};

// The members of a docker-archive tar by normalised path.
Result<std::map<std::string, Bytes>> ArchiveFiles(Bytes archive,
                                                  const std::string& what) {
  G2S_ASSIGN_OR_RETURN(std::vector<TarEntry> entries, ParseTar(archive, what));
  std::map<std::string, Bytes> out;
  std::map<std::string, std::string> links;
  for (const TarEntry& e : entries) {
    auto p = NormalizeImagePath(e.path);
    if (!p) continue;  // never looked up: manifest paths are normalised too
    if (e.type == TarType::kFile) out[*p] = e.data;
    // docker save (>= 25) and podman link duplicate layers.
    if (e.type == TarType::kSymlink || e.type == TarType::kHardLink)
      links[*p] = e.link;
  }
  for (const auto& [from, to] : links) {
    // A symlink's target is relative to its directory (older `docker save`
    // links a repeated layer as ../<id>/layer.tar); a hard link's is the
    // member name. Lexically: these are names inside the archive.
    const std::size_t slash = from.rfind('/');
    const std::string dir =
        slash == std::string::npos ? "" : from.substr(0, slash + 1);
    const std::string target =
        fs::path(out.count(to) ? to : dir + to).lexically_normal().string();
    auto norm = NormalizeImagePath(target);
    if (norm && out.count(*norm)) out[from] = out[*norm];
  }
  return out;
}

Result<void> ApplyLayers(const ReadFileFn& read, const ImageManifest& m,
                         const Limits& limits, FileTree* tree,
                         std::vector<LayerBytes>* keep) {
  for (std::size_t i = 0; i < m.layer_paths.size(); ++i) {
    const std::string what =
        fmt::format("layer {} ({})", i + 1, m.layer_paths[i]);
    G2S_ASSIGN_OR_RETURN(Bytes blob, read(m.layer_paths[i]));
    const std::uint64_t room = limits.max_total_size - tree->total_size();
    // Room for tar headers as well as the files.
    G2S_ASSIGN_OR_RETURN(
        LayerBytes tar,
        DecompressLayer(blob, what, room + (room >> 4) + 65536));
    G2S_ASSIGN_OR_RETURN(std::vector<TarEntry> entries,
                         ParseTar(tar.bytes(), what));
    G2S_TRY(tree->ApplyLayer(entries, what, limits));
    keep->push_back(std::move(tar));
  }
  return {};
}

}  // namespace

Result<ImageRef> ParseImageRef(std::string_view ref) {
  // containers/image: the path ends at the first ':' after the transport
  // (SplitPathAndImage), the rest is the tag or reference.
  ImageRef out;
  std::string_view rest;
  if (ref.starts_with("oci:")) {
    out.kind = ImageRef::Kind::kOciLayout;
    rest = ref.substr(4);
  } else if (ref.starts_with("docker-archive:")) {
    out.kind = ImageRef::Kind::kDockerArchive;
    rest = ref.substr(15);
  } else if (ref.starts_with("dir:")) {
    out.kind = ImageRef::Kind::kDirectory;
    out.path = std::string(ref.substr(4));
    if (out.path.empty())
      return MakeError(ErrorCode::kInvalidArgument, "{}: no directory", ref);
    return out;
  } else {
    return MakeError(
        ErrorCode::kInvalidArgument,
        "\"{}\": expected oci:DIR[:TAG], docker-archive:FILE[:REF] or dir:DIR",
        ref);
  }
  const std::size_t colon = rest.find(':');
  out.path = std::string(rest.substr(0, colon));
  if (colon != std::string_view::npos)
    out.tag = std::string(rest.substr(colon + 1));
  if (out.path.empty())
    return MakeError(ErrorCode::kInvalidArgument, "\"{}\": no path", ref);
  return out;
}

TempTree& TempTree::operator=(TempTree&& o) noexcept {
  std::swap(path_, o.path_);
  return *this;
}

TempTree::~TempTree() {
  if (path_.empty()) return;
  std::error_code ec;
  fs::remove_all(path_, ec);  // does not follow symlinks (it lstat()s)
}

Result<TempTree> TempTree::Create(const std::string& parent) {
  std::string base = parent;
  if (base.empty()) {
    const char* t = std::getenv("TMPDIR");
    base = t && *t ? t : "/tmp";
  }
  std::string tmpl = base + "/go2seccomp-image-XXXXXX";
  if (::mkdtemp(tmpl.data()) == nullptr) {  // mode 0700
    return Unexpected(SysError("cannot create a temporary directory", tmpl));
  }
  TempTree t;
  t.path_ = tmpl;
  return t;
}

Result<void> ExtractTree(const FileTree& tree, const fs::path& dir) {
  Fd root(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
  if (root.get() < 0) return Unexpected(SysError("cannot open", dir.string()));
  // std::map order puts every directory before what is in it.
  for (const auto& [path, node] : tree.nodes()) {
    if (path.empty()) continue;
    G2S_TRY(WriteNode(root.get(), path, node));
  }
  return {};
}

Result<FileTree> ScanDirectory(const fs::path& dir) {
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) {
    return MakeError(
        fs::exists(dir, ec) ? ErrorCode::kIo : ErrorCode::kNotFound,
        "{}: not a directory", dir.string());
  }
  std::vector<TarEntry> entries;
  for (auto it = fs::recursive_directory_iterator(
           dir, fs::directory_options::skip_permission_denied, ec);
       !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
    const fs::file_status st = it->symlink_status(ec);
    if (ec) break;
    TarEntry e;
    e.path = it->path()
                 .lexically_relative(dir)
                 .string();  // fs::relative follows links
    e.mode = static_cast<std::uint32_t>(st.permissions()) & 07777;
    if (fs::is_symlink(st)) {
      e.type = TarType::kSymlink;
      e.link = fs::read_symlink(it->path(), ec).string();
    } else if (fs::is_directory(st)) {
      e.type = TarType::kDirectory;
    } else if (fs::is_regular_file(st)) {
      e.type = TarType::kFile;
    } else {
      continue;  // /dev nodes, sockets: not programs
    }
    if (!ec) entries.push_back(std::move(e));
  }
  if (ec)
    return MakeError(ErrorCode::kIo, "{}: cannot list: {}", dir.string(),
                     ec.message());
  FileTree tree;
  Limits unlimited;
  unlimited.max_entries = ~std::uint64_t{0};
  G2S_TRY(tree.ApplyLayer(entries, dir.string(), unlimited));
  return tree;
}

std::optional<fs::path> UnpackedImage::HostPath(
    std::string_view image_path) const {
  auto resolved = tree_.Resolve(image_path);
  if (!resolved) return std::nullopt;
  const Node* n = tree_.Find(*resolved);
  if (!n || n->kind != Node::Kind::kFile) return std::nullopt;
  return root_ / *resolved;
}

std::optional<FoundProgram> UnpackedImage::FindProgram(
    std::string_view name) const {
  return tree_.FindProgram(name, config_.PathEnv(), config_.working_dir);
}

Result<std::string> UnpackedImage::ReadHead(const FoundProgram& program,
                                            std::size_t max) const {
  const fs::path p = root_ / program.resolved;
  Fd fd(::open(p.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC));
  if (fd.get() < 0) return Unexpected(SysError("open", p.string()));
  std::string out(max, '\0');
  const ssize_t n = ::read(fd.get(), out.data(), max);
  if (n < 0) return Unexpected(SysError("read", p.string()));
  out.resize(static_cast<std::size_t>(n));
  return out;
}

Result<UnpackedImage> OpenImage(const ImageRef& ref,
                                const UnpackOptions& options) {
  UnpackedImage img;
  if (ref.kind == ImageRef::Kind::kDirectory) {
    img.root_ = ref.path;
    G2S_ASSIGN_OR_RETURN(img.tree_, ScanDirectory(ref.path));
    fs::path base = fs::path(ref.path).lexically_normal();
    if (base.filename().empty()) base = base.parent_path();
    img.name_ = base.filename().string();
    return img;
  }
  std::optional<DirectoryFiles> dir_files;
  std::optional<MappedFile> archive;
  std::map<std::string, Bytes> archive_files;
  ReadFileFn read;
  ImageManifest m;
  if (ref.kind == ImageRef::Kind::kOciLayout) {
    std::error_code ec;
    if (!fs::is_directory(ref.path, ec)) {
      return MakeError(
          fs::exists(ref.path, ec) ? ErrorCode::kIo : ErrorCode::kNotFound,
          "{}: not an OCI layout directory", ref.path);
    }
    dir_files.emplace(ref.path);
    read = [&](const std::string& p) { return dir_files->Read(p); };
    auto r = ReadOciLayout(read, ref.tag, options.arch);
    if (!r) return Unexpected(r.error().Wrap(ref.path));
    m = std::move(*r);
    // A bare tag (what skopeo and umoci annotate) names the image with
    // the layout directory: "app:v1" for oci:/images/app:v1.
    fs::path base = fs::path(ref.path).lexically_normal();
    if (base.filename().empty()) base = base.parent_path();
    if (m.name.find_first_of("/:") == std::string::npos) {
      m.name = base.filename().string() + (m.name.empty() ? "" : ":" + m.name);
    }
  } else {
    G2S_ASSIGN_OR_RETURN(archive, MappedFile::Open(ref.path));
    auto files = ArchiveFiles(archive->bytes(), ref.path);
    if (!files) return Unexpected(files.error());
    archive_files = std::move(*files);
    read = [&](const std::string& p) -> Result<Bytes> {
      auto it = archive_files.find(p);
      if (it == archive_files.end()) {
        return MakeError(ErrorCode::kNotFound, "{}: no member \"{}\"", ref.path,
                         p);
      }
      return it->second;
    };
    auto r = ReadDockerArchive(read, ref.tag);
    if (!r) return Unexpected(r.error().Wrap(ref.path));
    m = std::move(*r);
  }
  G2S_ASSIGN_OR_RETURN(Bytes cfg_bytes, read(m.config_path));
  auto cfg = ParseImageConfig(cfg_bytes, m.config_path);
  if (!cfg) return Unexpected(cfg.error().Wrap(ref.path));
  img.config_ = std::move(*cfg);
  img.name_ = m.name;
  img.layers_ = m.layer_paths.size();
  std::vector<LayerBytes> keep;
  if (auto r = ApplyLayers(read, m, options.limits, &img.tree_, &keep); !r) {
    return Unexpected(r.error().Wrap(ref.path));
  }
  // Only now, with every layer checked, is anything written.
  G2S_ASSIGN_OR_RETURN(img.temp_, TempTree::Create(options.temp_parent));
  img.root_ = img.temp_.path() / "rootfs";
  if (::mkdir(img.root_.c_str(), 0755) != 0) {
    return Unexpected(SysError("mkdir", img.root_.string()));
  }
  G2S_TRY(ExtractTree(img.tree_, img.root_));
  img.tree_.DropData();  // the layer buffers go with `keep`
  return img;
}

}  // namespace go2seccomp::image
