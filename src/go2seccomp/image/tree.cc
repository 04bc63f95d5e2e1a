#include "go2seccomp/image/tree.h"

#include <algorithm>

namespace go2seccomp::image {
namespace {

// OCI image-spec layer.md: a whiteout is `.wh.` + the name it hides; the
// opaque marker `.wh..wh..opq` hides all lower children of its directory.
constexpr std::string_view kWhiteoutPrefix = ".wh.";
constexpr std::string_view kOpaqueWhiteout = ".wh..wh..opq";
// Linux fs/namei.c MAXSYMLINKS.
constexpr int kMaxSymlinks = 40;

std::vector<std::string_view> Split(std::string_view path, char sep = '/') {
  std::vector<std::string_view> out;
  while (!path.empty()) {
    const std::size_t slash = path.find(sep);
    out.push_back(path.substr(0, slash));
    if (slash == std::string_view::npos) break;
    path.remove_prefix(slash + 1);
  }
  return out;
}

std::string Join(std::string_view dir, std::string_view name) {
  if (dir.empty()) return std::string(name);
  return std::string(dir) + "/" + std::string(name);
}

std::pair<std::string, std::string> SplitLast(const std::string& path) {
  const std::size_t slash = path.rfind('/');
  if (slash == std::string::npos) return {"", path};
  return {path.substr(0, slash), path.substr(slash + 1)};
}

Error AtMember(Error e, std::string_view what, const TarEntry& entry) {
  return std::move(e).Wrap(fmt::format("{}: member \"{}\" at offset {:#x}",
                                       what, entry.path, entry.offset));
}

}  // namespace

Result<std::string> NormalizeImagePath(std::string_view path) {
  std::string out;
  for (std::string_view c : Split(path)) {
    if (c.empty() || c == ".") continue;
    if (c == "..") {
      return MakeError(ErrorCode::kMalformed,
                       "path traversal refused: \"{}\" has a \"..\" component",
                       path);
    }
    if (!out.empty()) out += '/';
    out += c;
  }
  return out;
}

const Node* FileTree::Find(const std::string& path) const {
  auto it = nodes_.find(path);
  return it == nodes_.end() ? nullptr : &it->second;
}

void FileTree::EraseBelow(const std::string& dir) {
  // Children of "a" sort in ["a/", "a0"): '0' follows '/' in ASCII. The
  // root's children are everything but "".
  if (dir.empty()) {
    nodes_.erase(std::next(nodes_.begin()), nodes_.end());
    return;
  }
  nodes_.erase(nodes_.lower_bound(dir + "/"), nodes_.lower_bound(dir + "0"));
}

void FileTree::DropData() {
  for (auto& [path, node] : nodes_) node.data = {};
}

Result<void> FileTree::EnsureParents(const std::string& path, const TarEntry& e,
                                     std::string_view what) {
  std::string prefix;
  const std::vector<std::string_view> parts = Split(path);
  for (std::size_t i = 0; i + 1 < parts.size(); ++i) {
    prefix = Join(prefix, parts[i]);
    auto it = nodes_.find(prefix);
    if (it == nodes_.end()) {
      nodes_.emplace(prefix, Node{});  // implied directory, as tar creates it
      continue;
    }
    if (it->second.kind == Node::Kind::kSymlink) {
      // Writing through a link would land wherever it points, possibly
      // outside the tree (the classic "symlink, then a member below it").
      return Unexpected(AtMember(
          Error{ErrorCode::kMalformed,
                fmt::format("symlink escape refused: its parent \"{}\" is "
                            "a symbolic link (to \"{}\")",
                            prefix, it->second.link)},
          what, e));
    }
    if (it->second.kind != Node::Kind::kDirectory) {
      return Unexpected(AtMember(
          Error{ErrorCode::kMalformed,
                fmt::format("its parent \"{}\" is a regular file in the image",
                            prefix)},
          what, e));
    }
  }
  return {};
}

Result<void> FileTree::ApplyLayer(const std::vector<TarEntry>& entries,
                                  std::string_view what, const Limits& limits) {
  std::vector<std::string> paths;
  paths.reserve(entries.size());
  for (const TarEntry& e : entries) {
    auto p = NormalizeImagePath(e.path);
    if (!p) return Unexpected(AtMember(p.error(), what, e));
    paths.push_back(std::move(*p));
  }
  // Whiteouts first: they hide what the lower layers have, never what
  // this layer adds, whatever the member order.
  for (const std::string& p : paths) {
    auto [dir, base] = SplitLast(p);
    if (!base.starts_with(kWhiteoutPrefix)) continue;
    if (base == kOpaqueWhiteout) {
      EraseBelow(dir);
      continue;
    }
    const std::string hidden =
        Join(dir, std::string_view(base).substr(kWhiteoutPrefix.size()));
    if (hidden == dir || base == kWhiteoutPrefix)
      continue;  // ".wh." alone: nothing to hide
    nodes_.erase(hidden);
    EraseBelow(hidden);
  }
  for (std::size_t i = 0; i < entries.size(); ++i) {
    const TarEntry& e = entries[i];
    const std::string& p = paths[i];
    if (SplitLast(p).second.starts_with(kWhiteoutPrefix)) continue;
    if (nodes_.size() >= limits.max_entries) {
      return Unexpected(
          AtMember(Error{ErrorCode::kUnsupported,
                         fmt::format("more than {} files in the image; refused",
                                     limits.max_entries)},
                   what, e));
    }
    G2S_TRY(EnsureParents(p, e, what));
    Node n;
    n.mode = e.mode & 07777;
    switch (e.type) {
      case TarType::kDirectory:
        n.kind = Node::Kind::kDirectory;
        break;
      case TarType::kFile:
        n.kind = Node::Kind::kFile;
        n.data = e.data;
        break;
      case TarType::kSymlink:
        if (e.link.empty()) {
          return Unexpected(
              AtMember(Error{ErrorCode::kMalformed,
                             "symbolic link with an empty target"},
                       what, e));
        }
        n.kind = Node::Kind::kSymlink;
        n.link = e.link;
        break;
      case TarType::kHardLink: {
        // A hard link names an earlier member; it becomes a copy of that
        // file, so a link to something outside the image has nothing to
        // copy and is refused.
        auto target = NormalizeImagePath(e.link);
        if (!target) return Unexpected(AtMember(target.error(), what, e));
        const Node* t = Find(*target);
        if (!t || t->kind != Node::Kind::kFile) {
          return Unexpected(
              AtMember(Error{ErrorCode::kMalformed,
                             fmt::format("hard link to \"{}\" refused: not a "
                                         "regular file in the image",
                                         e.link)},
                       what, e));
        }
        n = *t;
        break;
      }
      case TarType::kCharDevice:
      case TarType::kBlockDevice:
      case TarType::kFifo:
        return Unexpected(AtMember(
            Error{ErrorCode::kUnsupported,
                  fmt::format("{} refused: the analysis needs only files, "
                              "and a device node in a temporary tree "
                              "would be one to the host's devices",
                              TarTypeName(e.type))},
            what, e));
    }
    if (n.kind == Node::Kind::kFile) {
      total_size_ += n.data.size();
      if (total_size_ > limits.max_total_size) {
        return Unexpected(
            AtMember(Error{ErrorCode::kUnsupported,
                           fmt::format("{} bytes: the image's files exceed the "
                                       "size limit ({} bytes; "
                                       "--max-size); refused before writing",
                                       n.data.size(), limits.max_total_size)},
                     what, e));
      }
    }
    if (p.empty()) {  // "./": the root's own mode
      if (n.kind == Node::Kind::kDirectory) nodes_[""].mode = n.mode;
      continue;
    }
    auto it = nodes_.find(p);
    if (it != nodes_.end() && it->second.kind == Node::Kind::kDirectory &&
        n.kind != Node::Kind::kDirectory) {
      EraseBelow(
          p);  // a file or link replaces a lower directory and its contents
    }
    nodes_[p] = std::move(n);
  }
  return {};
}

Result<std::string> FileTree::Resolve(std::string_view path) const {
  std::vector<std::string> todo;  // components still to walk, next last
  for (std::string_view c : Split(path)) todo.emplace_back(c);
  std::reverse(todo.begin(), todo.end());
  std::vector<std::string> cur;
  std::string joined;
  int links = 0;
  while (!todo.empty()) {
    const std::string c = std::move(todo.back());
    todo.pop_back();
    if (c.empty() || c == ".") continue;
    if (c == "..") {  // at the root, ".." is the root (path_resolution(7))
      if (!cur.empty()) cur.pop_back();
      continue;
    }
    cur.push_back(c);
    joined.clear();
    for (const std::string& s : cur) joined = Join(joined, s);
    const Node* node = Find(joined);
    if (!node)
      return MakeError(ErrorCode::kNotFound, "{}: no such file in the image",
                       path);
    if (node->kind == Node::Kind::kSymlink) {
      if (++links > kMaxSymlinks) {
        return MakeError(ErrorCode::kMalformed,
                         "{}: more than {} symbolic links", path, kMaxSymlinks);
      }
      cur.pop_back();
      if (node->link.starts_with('/'))
        cur.clear();  // absolute: from the image's root
      std::vector<std::string_view> parts = Split(node->link);
      for (auto it = parts.rbegin(); it != parts.rend(); ++it)
        todo.emplace_back(*it);
    } else if (node->kind == Node::Kind::kFile) {
      const bool rest = std::any_of(
          todo.begin(), todo.end(),
          [](const std::string& s) { return !s.empty() && s != "."; });
      if (rest)
        return MakeError(ErrorCode::kNotFound,
                         "{}: not a directory in the image", path);
    }
  }
  joined.clear();
  for (const std::string& s : cur) joined = Join(joined, s);
  return joined;
}

std::optional<FoundProgram> FileTree::FindProgram(
    std::string_view name, std::string_view path_env,
    std::string_view workdir) const {
  auto try_path =
      [&](const std::string& candidate) -> std::optional<FoundProgram> {
    auto resolved = Resolve(candidate);
    if (!resolved) return std::nullopt;
    const Node* n = Find(*resolved);
    if (!n || n->kind != Node::Kind::kFile || (n->mode & 0111) == 0)
      return std::nullopt;
    // ".." is allowed in a name a program is given (it is clamped at the
    // root); keep the name as written then.
    auto norm = NormalizeImagePath(candidate);
    return FoundProgram{norm ? "/" + *norm : candidate, *resolved};
  };
  if (name.empty()) return std::nullopt;
  if (name.find('/') != std::string_view::npos) {
    if (name.starts_with('/')) return try_path(std::string(name));
    return try_path(Join(workdir.empty() ? "/" : workdir, name));
  }
  for (std::string_view dir : Split(path_env, ':')) {
    if (dir.empty()) continue;
    if (auto found = try_path(Join(dir, name))) return found;
  }
  return std::nullopt;
}

std::optional<std::string> ShebangInterpreter(Bytes data) {
  const std::string_view text(reinterpret_cast<const char*>(data.data()),
                              std::min<std::size_t>(data.size(), 256));
  if (!text.starts_with("#!")) return std::nullopt;
  std::size_t b = 2;
  while (b < text.size() && (text[b] == ' ' || text[b] == '\t')) ++b;
  std::size_t e = b;
  while (e < text.size() && text[e] != ' ' && text[e] != '\t' &&
         text[e] != '\n' && text[e] != '\r')
    ++e;
  if (e == b) return std::nullopt;
  return std::string(text.substr(b, e - b));
}

}  // namespace go2seccomp::image
