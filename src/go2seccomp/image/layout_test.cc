#include "go2seccomp/image/layout.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <map>

namespace go2seccomp::image {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

const std::string kA(64, 'a'), kB(64, 'b'), kC(64, 'c'), kD(64, 'd'),
    kE(64, 'e');

class FakeFiles {
 public:
  void Put(const std::string& path, std::string text) {
    files_[path] = std::move(text);
  }
  ReadFileFn Reader() {
    return [this](const std::string& p) -> Result<Bytes> {
      auto it = files_.find(p);
      if (it == files_.end())
        return MakeError(ErrorCode::kNotFound, "no {}", p);
      return Bytes(reinterpret_cast<const std::uint8_t*>(it->second.data()),
                   it->second.size());
    };
  }

 private:
  std::map<std::string, std::string> files_;
};

std::string Manifest(const std::string& config,
                     const std::vector<std::string>& layers) {
  std::string l;
  for (const std::string& d : layers) {
    if (!l.empty()) l += ",";
    l +=
        R"({"mediaType":"application/vnd.oci.image.layer.v1.tar+gzip","digest":"sha256:)" +
        d + R"(","size":1})";
  }
  return R"({"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json",)"
         R"("config":{"digest":"sha256:)" +
         config + R"(","size":1},"layers":[)" + l + "]}";
}

TEST(LayoutTest, OciLayoutByTagThroughAnImageIndex) {
  FakeFiles f;
  f.Put("oci-layout", R"({"imageLayoutVersion":"1.0.0"})");
  f.Put(
      "index.json",
      R"({"schemaVersion":2,"manifests":[
      {"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"sha256:)" +
          kA +
          R"(","annotations":{"org.opencontainers.image.ref.name":"v1"}},
      {"mediaType":"application/vnd.oci.image.index.v1+json","digest":"sha256:)" +
          kB +
          R"(","annotations":{"org.opencontainers.image.ref.name":"multi"}}]})");
  f.Put("blobs/sha256/" + kA, Manifest(kC, {kD, kE}));
  f.Put("blobs/sha256/" + kB,
        R"({"mediaType":"application/vnd.oci.image.index.v1+json",
      "manifests":[{"digest":"sha256:)" +
            kC + R"(","platform":{"architecture":"arm64","os":"linux"}},
                   {"digest":"sha256:)" +
            kA + R"(","platform":{"architecture":"amd64","os":"linux"}}]})");
  auto m = ReadOciLayout(f.Reader(), "v1", "amd64");
  ASSERT_TRUE(m) << m.error().message;
  EXPECT_EQ(m->config_path, "blobs/sha256/" + kC);
  EXPECT_THAT(m->layer_paths,
              ElementsAre("blobs/sha256/" + kD, "blobs/sha256/" + kE));
  EXPECT_EQ(m->name, "v1");
  auto multi = ReadOciLayout(f.Reader(), "multi", "amd64");
  ASSERT_TRUE(multi) << multi.error().message;
  EXPECT_EQ(multi->config_path, "blobs/sha256/" + kC);
  auto missing = ReadOciLayout(f.Reader(), "v2", "amd64");
  ASSERT_FALSE(missing);
  EXPECT_THAT(missing.error().message,
              HasSubstr("no image tagged \"v2\" (tags: v1, multi)"));
  auto ambiguous = ReadOciLayout(f.Reader(), "", "amd64");
  ASSERT_FALSE(ambiguous);
  EXPECT_THAT(ambiguous.error().message,
              HasSubstr("name one with oci:DIR:TAG"));
  EXPECT_FALSE(ReadOciLayout(f.Reader(), "multi", "riscv64"));
}

TEST(LayoutTest, DigestsCannotNameFilesOutsideTheLayout) {
  EXPECT_EQ(*BlobPath("sha256:" + kA), "blobs/sha256/" + kA);
  for (const char* bad : {"sha256:../../etc/passwd", "sha256:a/b", "../x:abc",
                          "sha256:", ":a", "noalgorithm", "sha256:a..b"}) {
    EXPECT_FALSE(BlobPath(bad)) << bad;
  }
}

TEST(LayoutTest, DockerArchiveManifest) {
  FakeFiles f;
  f.Put("manifest.json",
        R"([{"Config":"cfg.json","RepoTags":["example.com/app:1.0"],
      "Layers":["l1/layer.tar","./l2/layer.tar"]},
      {"Config":"other.json","RepoTags":["other:latest"],"Layers":[]}])");
  auto m = ReadDockerArchive(f.Reader(), "example.com/app:1.0");
  ASSERT_TRUE(m) << m.error().message;
  EXPECT_EQ(m->config_path, "cfg.json");
  EXPECT_THAT(m->layer_paths, ElementsAre("l1/layer.tar", "l2/layer.tar"));
  EXPECT_EQ(m->name, "example.com/app:1.0");
  EXPECT_EQ(ReadDockerArchive(f.Reader(), "other")->config_path, "other.json");
  EXPECT_THAT(ReadDockerArchive(f.Reader(), "").error().message,
              HasSubstr("lists 2 images; name one"));
  FakeFiles evil;
  evil.Put("manifest.json",
           R"([{"Config":"c","RepoTags":[],"Layers":["../../etc/shadow"]}])");
  auto r = ReadDockerArchive(evil.Reader(), "");
  ASSERT_FALSE(r);
  EXPECT_THAT(r.error().message, HasSubstr("path traversal refused"));
  FakeFiles broken;
  broken.Put("manifest.json", R"({"not":"an array"})");
  EXPECT_EQ(ReadDockerArchive(broken.Reader(), "").error().code,
            ErrorCode::kMalformed);
}

TEST(LayoutTest, ImageConfig) {
  const std::string json = R"({"architecture":"amd64","os":"linux","config":{
      "Entrypoint":["/app"],"Cmd":["-v"],"Env":["HOME=/","PATH=/opt/bin:/bin"],
      "WorkingDir":"/srv"}})";
  auto c = ParseImageConfig(
      Bytes(reinterpret_cast<const std::uint8_t*>(json.data()), json.size()),
      "config");
  ASSERT_TRUE(c) << c.error().message;
  EXPECT_THAT(c->Argv(), ElementsAre("/app", "-v"));
  EXPECT_EQ(c->PathEnv(), "/opt/bin:/bin");
  EXPECT_EQ(c->working_dir, "/srv");
  const std::string bare = R"({"architecture":"amd64"})";
  auto b = ParseImageConfig(
      Bytes(reinterpret_cast<const std::uint8_t*>(bare.data()), bare.size()),
      "config");
  ASSERT_TRUE(b);
  EXPECT_EQ(b->PathEnv(),
            "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
  const std::string wrong = R"({"config":{"Entrypoint":"/app"}})";
  auto w = ParseImageConfig(
      Bytes(reinterpret_cast<const std::uint8_t*>(wrong.data()), wrong.size()),
      "config");
  ASSERT_FALSE(w);
  EXPECT_THAT(w.error().message, HasSubstr("\"Entrypoint\" is not an array"));
}

}  // namespace
}  // namespace go2seccomp::image
