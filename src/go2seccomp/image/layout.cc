#include "go2seccomp/image/layout.h"

#include <fmt/ranges.h>

#include <algorithm>
#include <cctype>
#include <nlohmann/json.hpp>

#include "go2seccomp/image/tree.h"

namespace go2seccomp::image {
namespace {

using Json = nlohmann::json;

Result<Json> ParseJson(Bytes bytes, std::string_view what) {
  Json j = Json::parse(bytes.begin(), bytes.end(), nullptr,
                       /*allow_exceptions=*/false);
  if (j.is_discarded())
    return MakeError(ErrorCode::kMalformed, "{}: not valid JSON", what);
  return j;
}

// j[key] as a string ("" if absent); kMalformed if present but not one.
Result<std::string> StringField(const Json& j, std::string_view key,
                                std::string_view what) {
  if (!j.is_object())
    return MakeError(ErrorCode::kMalformed, "{}: expected an object", what);
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) return std::string();
  if (!it->is_string()) {
    return MakeError(ErrorCode::kMalformed, "{}: \"{}\" is not a string", what,
                     key);
  }
  return it->get<std::string>();
}

Result<std::vector<std::string>> StringList(const Json& j, std::string_view key,
                                            std::string_view what) {
  std::vector<std::string> out;
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) return out;
  if (!it->is_array()) {
    return MakeError(ErrorCode::kMalformed, "{}: \"{}\" is not an array", what,
                     key);
  }
  for (const Json& v : *it) {
    if (!v.is_string()) {
      return MakeError(ErrorCode::kMalformed,
                       "{}: \"{}\" has a non-string element", what, key);
    }
    out.push_back(v.get<std::string>());
  }
  return out;
}

Result<const Json*> ArrayField(const Json& j, std::string_view key,
                               std::string_view what) {
  auto it = j.is_object() ? j.find(key) : j.end();
  if (!j.is_object() || it == j.end() || !it->is_array()) {
    return MakeError(ErrorCode::kMalformed, "{}: no \"{}\" array", what, key);
  }
  return &*it;
}

bool IsIndexMediaType(std::string_view t) {
  return t == "application/vnd.oci.image.index.v1+json" ||
         t == "application/vnd.docker.distribution.manifest.list.v2+json";
}

// Reads the manifest `desc` points at, descending through image indexes
// (multi-platform images) to the one for linux/`arch`.
Result<ImageManifest> ReadManifest(const ReadFileFn& read, const Json& desc,
                                   std::string_view arch, int depth) {
  G2S_ASSIGN_OR_RETURN(std::string digest,
                       StringField(desc, "digest", "descriptor"));
  G2S_ASSIGN_OR_RETURN(std::string path, BlobPath(digest));
  G2S_ASSIGN_OR_RETURN(Bytes bytes, read(path));
  G2S_ASSIGN_OR_RETURN(Json m, ParseJson(bytes, path));
  G2S_ASSIGN_OR_RETURN(std::string media, StringField(m, "mediaType", path));
  if (media.empty()) {
    G2S_ASSIGN_OR_RETURN(media, StringField(desc, "mediaType", path));
  }
  if (IsIndexMediaType(media) ||
      (m.contains("manifests") && !m.contains("layers"))) {
    if (depth > 4)
      return MakeError(ErrorCode::kMalformed, "{}: image indexes nest too deep",
                       path);
    G2S_ASSIGN_OR_RETURN(const Json* list, ArrayField(m, "manifests", path));
    for (const Json& d : *list) {
      const Json p =
          d.is_object() ? d.value("platform", Json::object()) : Json::object();
      if (p.is_object() && p.value("architecture", "") == arch &&
          p.value("os", "") == "linux") {
        return ReadManifest(read, d, arch, depth + 1);
      }
    }
    return MakeError(ErrorCode::kNotFound,
                     "{}: the image index has no linux/{} image", path, arch);
  }
  ImageManifest out;
  auto cfg = m.is_object() ? m.find("config") : m.end();
  if (!m.is_object() || cfg == m.end()) {
    return MakeError(ErrorCode::kMalformed, "{}: manifest without \"config\"",
                     path);
  }
  G2S_ASSIGN_OR_RETURN(std::string cfg_digest,
                       StringField(*cfg, "digest", path + " config"));
  G2S_ASSIGN_OR_RETURN(out.config_path, BlobPath(cfg_digest));
  G2S_ASSIGN_OR_RETURN(const Json* layers, ArrayField(m, "layers", path));
  for (const Json& l : *layers) {
    G2S_ASSIGN_OR_RETURN(std::string ld,
                         StringField(l, "digest", path + " layer"));
    G2S_ASSIGN_OR_RETURN(std::string lp, BlobPath(ld));
    out.layer_paths.push_back(std::move(lp));
  }
  return out;
}

// The names an index.json entry answers to: its ref.name annotation (a
// tag, what skopeo and umoci write) and containerd's full image name.
std::vector<std::string> RefNames(const Json& desc) {
  std::vector<std::string> out;
  if (!desc.is_object()) return out;
  const Json a = desc.value("annotations", Json::object());
  if (!a.is_object()) return out;
  for (const char* key :
       {"org.opencontainers.image.ref.name", "io.containerd.image.name"}) {
    auto it = a.find(key);
    if (it != a.end() && it->is_string()) out.push_back(it->get<std::string>());
  }
  return out;
}

}  // namespace

std::string ImageConfig::PathEnv() const {
  for (const std::string& e : env) {
    if (e.starts_with("PATH=")) return e.substr(5);
  }
  return std::string(kDefaultPath);
}

std::vector<std::string> ImageConfig::Argv() const {
  std::vector<std::string> argv = entrypoint;
  argv.insert(argv.end(), cmd.begin(), cmd.end());
  return argv;
}

Result<ImageConfig> ParseImageConfig(Bytes json, std::string_view what) {
  G2S_ASSIGN_OR_RETURN(Json j, ParseJson(json, what));
  ImageConfig c;
  G2S_ASSIGN_OR_RETURN(c.architecture, StringField(j, "architecture", what));
  G2S_ASSIGN_OR_RETURN(c.os, StringField(j, "os", what));
  auto it = j.find("config");
  if (it == j.end() || it->is_null())
    return c;  // config.md: "config" is optional
  const std::string sub = std::string(what) + " config";
  G2S_ASSIGN_OR_RETURN(c.entrypoint, StringList(*it, "Entrypoint", sub));
  G2S_ASSIGN_OR_RETURN(c.cmd, StringList(*it, "Cmd", sub));
  G2S_ASSIGN_OR_RETURN(c.env, StringList(*it, "Env", sub));
  G2S_ASSIGN_OR_RETURN(c.working_dir, StringField(*it, "WorkingDir", sub));
  return c;
}

Result<std::string> BlobPath(std::string_view digest) {
  // image-spec descriptor.md: algorithm [a-z0-9]+([+._-][a-z0-9]+)*,
  // encoded [a-zA-Z0-9=_-]+. Neither can contain '/' or "..".
  const std::size_t colon = digest.find(':');
  auto ok = [](std::string_view s, std::string_view extra) {
    if (s.empty()) return false;
    for (char ch : s) {
      if (!std::isalnum(static_cast<unsigned char>(ch)) &&
          extra.find(ch) == std::string_view::npos)
        return false;
    }
    return s.find("..") == std::string_view::npos;
  };
  if (colon == std::string_view::npos || !ok(digest.substr(0, colon), "+._-") ||
      !ok(digest.substr(colon + 1), "=_-")) {
    return MakeError(ErrorCode::kMalformed, "bad digest \"{}\"", digest);
  }
  return fmt::format("blobs/{}/{}", digest.substr(0, colon),
                     digest.substr(colon + 1));
}

Result<ImageManifest> ReadOciLayout(const ReadFileFn& read,
                                    std::string_view tag,
                                    std::string_view arch) {
  G2S_ASSIGN_OR_RETURN(Bytes layout_bytes, read("oci-layout"));
  G2S_ASSIGN_OR_RETURN(Json layout, ParseJson(layout_bytes, "oci-layout"));
  G2S_ASSIGN_OR_RETURN(std::string version,
                       StringField(layout, "imageLayoutVersion", "oci-layout"));
  if (version.empty()) {
    return MakeError(ErrorCode::kMalformed,
                     "oci-layout: no imageLayoutVersion");
  }
  G2S_ASSIGN_OR_RETURN(Bytes index_bytes, read("index.json"));
  G2S_ASSIGN_OR_RETURN(Json index, ParseJson(index_bytes, "index.json"));
  G2S_ASSIGN_OR_RETURN(const Json* list,
                       ArrayField(index, "manifests", "index.json"));
  std::vector<std::string> known;
  for (const Json& d : *list) {
    const std::vector<std::string> names = RefNames(d);
    known.insert(known.end(), names.begin(), names.end());
    const bool match =
        tag.empty() ? list->size() == 1
                    : std::find(names.begin(), names.end(), tag) != names.end();
    if (!match) continue;
    G2S_ASSIGN_OR_RETURN(ImageManifest m, ReadManifest(read, d, arch, 0));
    m.name =
        tag.empty() ? (names.empty() ? "" : names.front()) : std::string(tag);
    return m;
  }
  if (tag.empty()) {
    return MakeError(
        ErrorCode::kInvalidArgument,
        "index.json lists {} images; name one with oci:DIR:TAG (tags: {})",
        list->size(), fmt::join(known, ", "));
  }
  return MakeError(ErrorCode::kNotFound,
                   "index.json: no image tagged \"{}\" (tags: {})", tag,
                   fmt::join(known, ", "));
}

Result<ImageManifest> ReadDockerArchive(const ReadFileFn& read,
                                        std::string_view ref) {
  G2S_ASSIGN_OR_RETURN(Bytes bytes, read("manifest.json"));
  G2S_ASSIGN_OR_RETURN(Json list, ParseJson(bytes, "manifest.json"));
  if (!list.is_array() || list.empty()) {
    return MakeError(ErrorCode::kMalformed,
                     "manifest.json: expected a non-empty array");
  }
  std::vector<std::string> known;
  const std::string with_latest = ref.find(':') == std::string_view::npos
                                      ? std::string(ref) + ":latest"
                                      : std::string(ref);
  for (const Json& entry : list) {
    G2S_ASSIGN_OR_RETURN(std::vector<std::string> tags,
                         StringList(entry, "RepoTags", "manifest.json"));
    known.insert(known.end(), tags.begin(), tags.end());
    std::string chosen;
    for (const std::string& t : tags) {
      // "localhost/app:1" (podman) and "docker.io/library/app:1" name the
      // same image as "app:1".
      if (t == ref || t == with_latest || t.ends_with("/" + with_latest))
        chosen = t;
    }
    if (ref.empty() ? list.size() != 1 : chosen.empty()) continue;
    ImageManifest m;
    m.name = ref.empty() ? (tags.empty() ? "" : tags.front()) : chosen;
    G2S_ASSIGN_OR_RETURN(std::string cfg,
                         StringField(entry, "Config", "manifest.json"));
    G2S_ASSIGN_OR_RETURN(m.config_path, NormalizeImagePath(cfg));
    G2S_ASSIGN_OR_RETURN(std::vector<std::string> layers,
                         StringList(entry, "Layers", "manifest.json"));
    for (const std::string& l : layers) {
      G2S_ASSIGN_OR_RETURN(std::string p, NormalizeImagePath(l));
      m.layer_paths.push_back(std::move(p));
    }
    if (m.config_path.empty()) {
      return MakeError(ErrorCode::kMalformed,
                       "manifest.json: image without \"Config\"");
    }
    return m;
  }
  if (ref.empty()) {
    return MakeError(
        ErrorCode::kInvalidArgument,
        "manifest.json lists {} images; name one with docker-archive:FILE:REF "
        "(tags: {})",
        list.size(), fmt::join(known, ", "));
  }
  return MakeError(ErrorCode::kNotFound,
                   "manifest.json: no image tagged \"{}\" (tags: {})", ref,
                   fmt::join(known, ", "));
}

}  // namespace go2seccomp::image
