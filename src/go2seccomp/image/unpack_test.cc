#include "go2seccomp/image/unpack.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>

#include "go2seccomp/image/testing/tar_builder.h"
#include "tests/common/files.h"
#include "tests/common/process_util.h"

namespace go2seccomp::image {
namespace {

namespace fs = std::filesystem;
using testing::Gzip;
using ::testing::HasSubstr;
using testing::TarBuilder;

const char kConfig[] =
    R"({"architecture":"amd64","os":"linux","config":{"Entrypoint":["app"],)"
    R"("Env":["PATH=/usr/local/bin:/usr/bin"]}})";

// A `docker save` archive of one image tagged app:1 with these layers.
std::string DockerArchive(const std::vector<std::string>& layers) {
  std::string list;
  TarBuilder outer;
  for (std::size_t i = 0; i < layers.size(); ++i) {
    list += (i ? "," : "") + ("\"l" + std::to_string(i) + "/layer.tar\"");
  }
  outer.File("manifest.json",
             R"([{"Config":"config.json","RepoTags":["app:1"],"Layers":[)" +
                 list + "]}]",
             0644);
  outer.File("config.json", kConfig, 0644);
  for (std::size_t i = 0; i < layers.size(); ++i) {
    outer.Dir("l" + std::to_string(i));
    outer.File("l" + std::to_string(i) + "/layer.tar", layers[i], 0644);
  }
  return outer.Finish();
}

bool IsEmptyDir(const fs::path& p) { return fs::is_empty(p); }

class UnpackTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_FALSE(tmp_.path().empty());
    dir_ = tmp_.path();
    temp_parent_ = dir_ / "tmp";
    outside_ = dir_ / "outside";
    fs::create_directories(temp_parent_);
    fs::create_directories(outside_);
    options_.temp_parent = temp_parent_.string();
  }

  std::string Write(const std::string& name, const std::string& bytes) {
    const fs::path p = dir_ / name;
    std::ofstream(p, std::ios::binary) << bytes;
    return p.string();
  }

  test_util::TempDir tmp_;  // removed with the fixture
  fs::path dir_, temp_parent_, outside_;
  UnpackOptions options_;
};

TEST_F(UnpackTest, DockerArchiveLayersWhiteoutsAndSymlinks) {
  const std::string l1 = TarBuilder()
                             .File("usr/bin/app",
                                   "\x7f"
                                   "ELF",
                                   0755)
                             .File("etc/old", "x", 0644)
                             .File("usr/bin/suid", "x", 04755)
                             .Finish();
  const std::string l2 = Gzip(TarBuilder()
                                  .File("etc/.wh.old", "")
                                  .Symlink("usr/local/bin/app", "/usr/bin/app")
                                  .Finish());
  const std::string archive = Write("a.tar", DockerArchive({l1, l2}));
  fs::path root;
  {
    auto img = OpenImage(*ParseImageRef("docker-archive:" + archive + ":app:1"),
                         options_);
    ASSERT_TRUE(img) << img.error().message;
    root = img->root();
    EXPECT_EQ(img->name(), "app:1");
    EXPECT_EQ(img->layers(), 2u);
    EXPECT_TRUE(fs::is_regular_file(root / "usr/bin/app"));
    EXPECT_FALSE(fs::exists(root / "etc/old"));
    EXPECT_TRUE(fs::is_directory(root / "etc"));
    EXPECT_EQ(fs::read_symlink(root / "usr/local/bin/app"), "/usr/bin/app");
    struct stat st;
    ASSERT_EQ(lstat((root / "usr/bin/suid").c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 07777, 0755u);  // setuid dropped
    auto found = img->FindProgram("app");
    ASSERT_TRUE(found);
    EXPECT_EQ(found->path, "/usr/local/bin/app");
    EXPECT_EQ(*img->HostPath(found->path), root / "usr/bin/app");
    EXPECT_EQ(*img->ReadHead(*found, 2),
              "\x7f"
              "E");
    EXPECT_FALSE(img->HostPath("/etc"));
  }
  EXPECT_FALSE(fs::exists(root));
  EXPECT_TRUE(IsEmptyDir(temp_parent_));
}

TEST_F(UnpackTest, OciLayoutDirectory) {
  const fs::path layout = dir_ / "layout";
  const std::string a(64, 'a'), c(64, 'c'), l(64, 'd');
  fs::create_directories(layout / "blobs/sha256");
  std::ofstream(layout / "oci-layout") << R"({"imageLayoutVersion":"1.0.0"})";
  std::ofstream(layout / "index.json")
      << R"({"schemaVersion":2,"manifests":[{"digest":"sha256:)" << a
      << R"(","annotations":{"org.opencontainers.image.ref.name":"v1"}}]})";
  std::ofstream(layout / "blobs/sha256" / a)
      << R"({"config":{"digest":"sha256:)" << c
      << R"("},"layers":[{"digest":"sha256:)" << l << R"("}]})";
  std::ofstream(layout / "blobs/sha256" / c) << kConfig;
  std::ofstream(layout / "blobs/sha256" / l, std::ios::binary)
      << Gzip(TarBuilder().File("usr/bin/app", "#!/bin/sh\n", 0755).Finish());
  auto img = OpenImage(*ParseImageRef("oci:" + layout.string()), options_);
  ASSERT_TRUE(img) << img.error().message;
  EXPECT_EQ(img->name(), "layout:v1");
  EXPECT_EQ(img->config().Argv(), std::vector<std::string>{"app"});
  EXPECT_TRUE(fs::is_regular_file(img->root() / "usr/bin/app"));
}

TEST_F(UnpackTest, RootfsDirectoryInPlace) {
  fs::create_directories(dir_ / "rootfs/usr/bin");
  std::ofstream(dir_ / "rootfs/usr/bin/app") << "x";
  fs::permissions(dir_ / "rootfs/usr/bin/app", fs::perms::owner_all);
  fs::create_directory_symlink("usr/bin", dir_ / "rootfs/bin");
  auto img =
      OpenImage(*ParseImageRef("dir:" + (dir_ / "rootfs").string()), options_);
  ASSERT_TRUE(img) << img.error().message;
  EXPECT_EQ(img->root(), dir_ / "rootfs");
  EXPECT_EQ(*img->HostPath("/bin/app"), dir_ / "rootfs/usr/bin/app");
  EXPECT_EQ(img->FindProgram("app")->path, "/usr/bin/app");
  EXPECT_TRUE(IsEmptyDir(temp_parent_));
}

TEST_F(UnpackTest, MaliciousLayersWriteNothing) {
  const std::string out = outside_.string();
  struct Case {
    const char* name;
    std::string layer;
    const char* message;
  } cases[] = {
      {"traversal",
       TarBuilder()
           .File("ok", "1")
           .File("../../../../" + out + "/pwned", "x")
           .Finish(),
       "path traversal refused"},
      {"symlink escape",
       TarBuilder().Symlink("escape", out).File("escape/pwned", "x").Finish(),
       "symlink escape refused"},
      {"hard link outside", TarBuilder().HardLink("pw", out + "/x").Finish(),
       "hard link to"},
      {"device", TarBuilder().Member("dev/kmem", '3', "", 0666, "", 0).Finish(),
       "character device refused"},
      {"gzip bomb cut off",
       Gzip(TarBuilder().File("big", std::string(1 << 20, '\0')).Finish()),
       "size limit"},
  };
  options_.limits.max_total_size = 100000;
  for (const Case& c : cases) {
    const std::string archive =
        Write(std::string(c.name) + ".tar", DockerArchive({c.layer}));
    auto img = OpenImage(*ParseImageRef("docker-archive:" + archive), options_);
    ASSERT_FALSE(img) << c.name;
    EXPECT_THAT(img.error().message, HasSubstr(c.message)) << c.name;
    EXPECT_THAT(img.error().message, HasSubstr("layer 1 (l0/layer.tar)"))
        << c.name;
    EXPECT_TRUE(IsEmptyDir(temp_parent_)) << c.name;
    EXPECT_TRUE(IsEmptyDir(outside_)) << c.name;
  }
}

// A 10 GiB member in a sparse archive file: refused by the size limit
// from its header, before a byte is written (the test's disk use is a few
// blocks).
TEST_F(UnpackTest, TenGigabyteSparseMemberIsRefused) {
  const std::uint64_t big = std::uint64_t{10} << 30;
  const std::string inner =
      TarBuilder().Member("big", '0', "", 0644, "", big).body();
  const std::uint64_t layer_size = inner.size() + big + 1024;
  TarBuilder outer;
  outer
      .File("manifest.json",
            R"([{"Config":"config.json","Layers":["layer.tar"]}])", 0644)
      .File("config.json", kConfig, 0644)
      .Member("layer.tar", '0', "", 0644, "", layer_size);
  const std::string head = outer.body() + inner;
  const fs::path path = dir_ / "sparse.tar";
  std::ofstream(path, std::ios::binary) << head;
  fs::resize_file(path, outer.body().size() + layer_size + 1024);
  auto img =
      OpenImage(*ParseImageRef("docker-archive:" + path.string()), options_);
  ASSERT_FALSE(img);
  EXPECT_EQ(img.error().code, ErrorCode::kUnsupported);
  EXPECT_THAT(img.error().message,
              HasSubstr("member \"big\" at offset 0x0: 10737418240 bytes"));
  EXPECT_THAT(img.error().message, HasSubstr("refused before writing"));
  EXPECT_TRUE(IsEmptyDir(temp_parent_));
}

// An error half way through writing (a name longer than NAME_MAX, which
// only the kernel refuses) removes what was already written.
TEST_F(UnpackTest, TreeRemovedWhenExtractionFails) {
  const std::string layer = TarBuilder()
                                .File("a/first", "1")
                                .File("z/" + std::string(300, 'n'), "2")
                                .Finish();
  const std::string archive = Write("long.tar", DockerArchive({layer}));
  auto img = OpenImage(*ParseImageRef("docker-archive:" + archive), options_);
  ASSERT_FALSE(img);
  EXPECT_THAT(img.error().message, HasSubstr("create"));
  EXPECT_TRUE(IsEmptyDir(temp_parent_));
}

TEST(ImageRefTest, Parse) {
  auto oci = ParseImageRef("oci:/tmp/lay:v1");
  ASSERT_TRUE(oci);
  EXPECT_EQ(oci->kind, ImageRef::Kind::kOciLayout);
  EXPECT_EQ(oci->path, "/tmp/lay");
  EXPECT_EQ(oci->tag, "v1");
  auto da = ParseImageRef("docker-archive:a.tar:example.com/app:1.0");
  ASSERT_TRUE(da);
  EXPECT_EQ(da->path, "a.tar");
  EXPECT_EQ(da->tag, "example.com/app:1.0");
  EXPECT_EQ(ParseImageRef("dir:/r")->kind, ImageRef::Kind::kDirectory);
  EXPECT_EQ(ParseImageRef("docker://x").error().code,
            ErrorCode::kInvalidArgument);
  EXPECT_FALSE(ParseImageRef("oci:"));
}

}  // namespace
}  // namespace go2seccomp::image
