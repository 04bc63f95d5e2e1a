// `go2seccomp image REF`: a profile for a container image. The image is
// read and unpacked by go2seccomp::image (unpack.h) into a private
// temporary tree that is removed on every exit path; its entrypoint is
// found the way the runtime finds it (Entrypoint + Cmd, the image's PATH
// and WorkingDir, symlinks inside the image) and analysed with the image
// as --root. --follow-exec is on: programs of the image that the binary
// names by constant path are covered too. This file only parses flags and
// prints.
#include <fmt/format.h>
#include <fmt/ranges.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include "go2seccomp/base/file_io.h"
#include "go2seccomp/image/unpack.h"
#include "go2seccomp/profile/renderers.h"
#include "tools/go2seccomp/commands.h"
#include "tools/go2seccomp/remove_on_signal.h"

namespace go2seccomp::cli {
namespace {

struct ImageFlags {
  std::string ref;
  std::string output = "-";
  OutputFormat format = OutputFormat::kOci;
  std::string name;
  std::string entrypoint;
  std::vector<std::string> with;  // paths inside the image
  bool no_follow_exec = false;
  std::uint64_t max_size = std::uint64_t{4} << 30;
  AnalyzeSettings settings;
};

// The host path of the program the image runs as `name`, or an error
// saying where it was looked for.
Result<image::FoundProgram> FindInImage(const image::UnpackedImage& img,
                                        const std::string& name,
                                        std::string_view role) {
  auto found = img.FindProgram(name);
  if (!found) {
    return MakeError(
        ErrorCode::kNotFound,
        "{} \"{}\" is not an executable file in the image (PATH={}, "
        "WorkingDir={})",
        role, name, img.config().PathEnv(),
        img.config().working_dir.empty() ? "/" : img.config().working_dir);
  }
  return *found;
}

// The binary to analyse for the entrypoint: the program itself, or for a
// `#!` script its interpreter (what the script runs is not known).
Result<image::FoundProgram> EntrypointBinary(const image::UnpackedImage& img,
                                             const std::string& name,
                                             std::vector<std::string>* lines) {
  G2S_ASSIGN_OR_RETURN(image::FoundProgram prog,
                       FindInImage(img, name, "entrypoint"));
  G2S_ASSIGN_OR_RETURN(std::string head, img.ReadHead(prog, 256));
  const auto interp = image::ShebangInterpreter(
      Bytes(reinterpret_cast<const std::uint8_t*>(head.data()), head.size()));
  if (!interp) return prog;
  G2S_ASSIGN_OR_RETURN(image::FoundProgram sh,
                       FindInImage(img, *interp, "interpreter"));
  lines->push_back(
      fmt::format("note: entrypoint {} is a script (#!{}): analysing {}; what "
                  "the script runs is not "
                  "known: name each program it runs with --with PATH (a path "
                  "inside the image)",
                  prog.path, *interp, sh.path));
  return sh;
}

int RunImage(ImageFlags f) {
  auto ref = image::ParseImageRef(f.ref);
  if (!ref) return ReportError(ref.error());
  // The unpacked image goes into a private directory of our own, removed
  // by its destructor on every return and by `cleanup` on Ctrl-C, kill or
  // hang-up (constructed before any analysis thread starts).
  auto temp = image::TempTree::Create("");
  if (!temp) return ReportError(temp.error());
  RemoveOnSignal cleanup(temp->path());
  image::UnpackOptions options;
  options.limits.max_total_size = f.max_size;
  options.temp_parent = temp->path().string();
  const auto t0 = std::chrono::steady_clock::now();
  auto img = image::OpenImage(*ref, options);
  if (!img) return ReportError(img.error());
  const double unpack_ms = std::chrono::duration<double, std::milli>(
                               std::chrono::steady_clock::now() - t0)
                               .count();
  std::vector<std::string> argv = img->config().Argv();
  if (!f.entrypoint.empty()) argv = {f.entrypoint};
  if (argv.empty()) {
    return ReportError(
        Error{ErrorCode::kInvalidArgument,
              fmt::format("{}: the image has no Entrypoint or Cmd; name the "
                          "program with --entrypoint PATH",
                          f.ref)});
  }
  std::vector<std::string> lines;
  lines.push_back(
      fmt::format("{}: {} layer(s), {} files, unpacked in {:.0f} ms; runs {}",
                  img->name(), img->layers(), img->tree().nodes().size(),
                  unpack_ms, fmt::join(argv, " ")));
  auto main_prog = EntrypointBinary(*img, argv[0], &lines);
  if (!main_prog) return ReportError(main_prog.error());
  AnalyzeSettings s = f.settings;
  s.root = img->root().string();
  s.follow_exec = !f.no_follow_exec;
  const image::UnpackedImage* image = &*img;
  s.find_program =
      [image](const std::string& path) -> std::optional<std::string> {
    auto found = image->tree().FindProgram(path, "", "/");
    if (!found) return std::nullopt;
    return (image->root() / found->resolved).string();
  };
  for (const std::string& w : f.with) {
    auto found = FindInImage(*img, w, "--with");
    if (!found) return ReportError(found.error());
    s.with.push_back((img->root() / found->resolved).string());
  }
  // Paths inside the image, not in the temporary tree.
  const std::string root = img->root().string();
  auto g = Generate((img->root() / main_prog->resolved).string(), s, root);
  if (!g) return ReportError(g.error());
  const bool to_stdout = f.output == "-";
  if (!s.quiet) {
    for (std::string& l : SummaryLines(*g, s)) lines.push_back(std::move(l));
    for (std::string l : lines) {
      HidePrefix(&l, root);
      std::fprintf(to_stdout ? stderr : stdout, "%s\n", l.c_str());
    }
  }
  if (StrictRefuses(s, *g, "no profile written")) return 1;
  const std::string name =
      f.name.empty() ? profile::SpoObjectName(img->name()) : f.name;
  auto rendered = RenderProfile(g->profile, f.format, name);
  if (!rendered) return ReportError(rendered.error().Wrap(f.ref));
  for (const std::string& note : rendered->notes) {
    std::fprintf(stderr, "go2seccomp: note: %s\n", note.c_str());
  }
  if (auto w = WriteFileAtomically(f.output, rendered->content); !w)
    return ReportError(w.error());
  if (!s.quiet && !to_stdout)
    std::printf("Saved seccomp profile at %s\n", f.output.c_str());
  return 0;
}

}  // namespace

void AddImageCommand(CLI::App& app, Runner* run) {
  static ImageFlags flags;
  CLI::App* cmd =
      app.add_subcommand("image",
                         "Write a seccomp profile for a container image: its "
                         "entrypoint and the programs of "
                         "the image it runs (REF: oci:DIR[:TAG], "
                         "docker-archive:FILE[:REF] or dir:ROOTFS).");
  cmd->add_option(
         "ref", flags.ref,
         "oci:DIR[:TAG] (an OCI image layout: skopeo copy ... oci:DIR:TAG, "
         "buildah "
         "push), docker-archive:FILE[:REF] (docker save / podman save), or "
         "dir:ROOTFS (an unpacked root filesystem; needs --entrypoint)")
      ->required();
  cmd->add_option("-o,--output", flags.output,
                  "Where to write the profile (- for stdout)")
      ->default_val("-");
  cmd->add_option("--format", flags.format,
                  "Output format: oci (default), oci-linux, spo (named after "
                  "the image), "
                  "systemd, bpf, bpf-text; see `go2seccomp analyze --help`")
      ->transform(
          CLI::CheckedTransformer(OutputFormatNames(), CLI::ignore_case));
  cmd->add_option("--name", flags.name,
                  "metadata.name of the spo SeccompProfile (default: the "
                  "image's name, e.g. "
                  "app:1.0 -> app-1.0)");
  cmd->add_option(
      "--entrypoint", flags.entrypoint,
      "The program the container runs, instead of the image's Entrypoint/Cmd "
      "(looked up in the image's PATH unless it has a /)");
  AddSettingsOptions(cmd, &flags.settings);
  // --with and --root mean paths inside the image here; --follow-exec is on.
  cmd->remove_option(cmd->get_option("--with"));
  cmd->remove_option(cmd->get_option("--root"));
  cmd->remove_option(cmd->get_option("--follow-exec"));
  cmd->add_option("--with", flags.with,
                  "Also cover this program of the image (a path inside it, or "
                  "a name looked up "
                  "in its PATH): what a script entrypoint runs. Repeatable.")
      ->expected(1)
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll)
      ->allow_extra_args(false);
  cmd->add_flag("--no-follow-exec", flags.no_follow_exec,
                "Do not cover the programs of the image that the binary names "
                "by constant "
                "path (only list them)");
  cmd->add_option(
      "--max-size", flags.max_size,
      "Refuse images whose files add up to more than this many bytes (default "
      "4 "
      "GiB); checked from the layers' headers before anything is written");
  cmd->callback([run] { *run = [] { return RunImage(flags); }; });
}

}  // namespace go2seccomp::cli
