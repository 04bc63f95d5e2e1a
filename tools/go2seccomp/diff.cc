// `go2seccomp diff OLD NEW`: what NEW allows that OLD does not, and back.
//
// OLD and NEW are Go binaries (analysed with the same flags as `analyze`,
// by the same generate::Generator, so each added syscall comes with the
// functions that use it and the group or runtime preset that adds it) or
// profiles in any form ParseOciJson reads (Docker/OCI JSON, a config.json or
// its linux.seccomp block; names only). Exit 1 when NEW allows something OLD
// does not, so CI can catch a release that widens its sandbox; 0 otherwise.
// generate/diff.h decides what changed (profile::AllowanceOf's "allowed").
#include <fmt/format.h>

#include <algorithm>
#include <fstream>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "go2seccomp/base/file_io.h"
#include "go2seccomp/profile/allowance.h"
#include "go2seccomp/profile/oci_json.h"
#include "go2seccomp/syscalls/table.h"
#include "tools/go2seccomp/commands.h"

namespace go2seccomp::cli {
namespace {

struct DiffFlags {
  std::string old_path;
  std::string new_path;
  AnalyzeSettings settings;
  bool json = false;
};

struct Side {
  std::string path;
  std::optional<generate::Generated> built;  // when the input is a binary
  profile::Profile profile;
};

bool IsElf(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  char magic[4] = {};
  in.read(magic, sizeof(magic));
  return in.gcount() == 4 && magic[0] == 0x7f && magic[1] == 'E' &&
         magic[2] == 'L' && magic[3] == 'F';
}

Result<Side> Load(const std::string& path, const AnalyzeSettings& settings,
                  std::optional<Arch> arch, std::vector<std::string>* lines) {
  Side side;
  side.path = path;
  if (IsElf(path)) {
    G2S_ASSIGN_OR_RETURN(generate::Generated built, Generate(path, settings));
    for (std::string& l : SummaryLines(built, settings))
      lines->push_back(std::move(l));
    side.profile = built.profile;
    side.built = std::move(built);
    return side;
  }
  G2S_ASSIGN_OR_RETURN(std::string text, ReadTextFile(path));
  profile::ParseOptions options;
  options.target_arch = arch ? *arch : HostArch();
  G2S_ASSIGN_OR_RETURN(profile::ParsedProfile parsed,
                       profile::ParseOciJson(text, path, options));
  side.profile = std::move(parsed.profile);
  return side;
}

using Change = generate::SyscallChange;

generate::DiffSide DiffSideOf(const Side& s) {
  return generate::DiffSide{&s.profile, s.built ? &*s.built : nullptr};
}

std::string Abbreviate(const std::vector<std::string>& items, std::size_t max) {
  std::string out;
  for (std::size_t i = 0; i < items.size() && i < max; ++i) {
    out += (i ? ", " : "") + items[i];
  }
  if (items.size() > max) out += fmt::format(", +{} more", items.size() - max);
  return out;
}

// Both sides, binaries first: their arch is what a profile on the other
// side is read for. Summary lines of the analysed sides go to *lines.
Result<std::pair<Side, Side>> LoadSides(const DiffFlags& flags,
                                        std::vector<std::string>* lines) {
  const bool old_elf = IsElf(flags.old_path);
  const bool new_elf = IsElf(flags.new_path);
  std::optional<Side> old_side;
  std::optional<Side> new_side;
  std::optional<Arch> arch;
  for (int pass = 0; pass < 2; ++pass) {
    const bool want_elf = pass == 0;
    if (old_elf == want_elf) {
      G2S_ASSIGN_OR_RETURN(Side s,
                           Load(flags.old_path, flags.settings, arch, lines));
      if (s.built) arch = s.built->arch;
      old_side = std::move(s);
    }
    if (new_elf == want_elf) {
      G2S_ASSIGN_OR_RETURN(Side s,
                           Load(flags.new_path, flags.settings, arch, lines));
      if (s.built) arch = s.built->arch;
      new_side = std::move(s);
    }
  }
  return std::pair<Side, Side>(std::move(*old_side), std::move(*new_side));
}

nlohmann::ordered_json ChangesJson(const std::vector<Change>& changes,
                                   bool with_conditions) {
  nlohmann::ordered_json arr = nlohmann::ordered_json::array();
  for (const Change& c : changes) {
    nlohmann::ordered_json j = nlohmann::ordered_json::object();
    j["name"] = c.name;
    j["number"] = c.nr;
    j["introduced_by"] = c.introduced_by;
    if (with_conditions) {
      j["old_conditions"] = c.old_conditions;
      j["new_conditions"] = c.new_conditions;
    } else if (!c.new_conditions.empty() || !c.old_conditions.empty()) {
      j["conditions"] =
          c.new_conditions.empty() ? c.old_conditions : c.new_conditions;
    }
    arr.push_back(std::move(j));
  }
  return arr;
}

std::string DiffJson(const Side& old_side, const Side& new_side,
                     const generate::ProfileDiff& diff) {
  auto side_json = [](const Side& s) {
    return nlohmann::ordered_json{{"path", s.path},
                                  {"kind", s.built ? "binary" : "profile"}};
  };
  nlohmann::ordered_json root = nlohmann::ordered_json::object();
  root["old"] = side_json(old_side);
  root["new"] = side_json(new_side);
  root["allows_more"] = diff.allows_more;
  root["old_default_action"] = profile::ToString(diff.old_default);
  root["new_default_action"] = profile::ToString(diff.new_default);
  nlohmann::ordered_json arr = nlohmann::ordered_json::array();
  for (const generate::ArchDiff& d : diff.arches) {
    arr.push_back({{"arch", std::string(GetArchInfo(d.arch).name)},
                   {"added", ChangesJson(d.added, false)},
                   {"removed", ChangesJson(d.removed, false)},
                   {"changed", ChangesJson(d.changed, true)}});
  }
  root["arches"] = std::move(arr);
  return root.dump(2) + "\n";
}

// "+ name (nr): introduced by [if conditions]", one per change.
std::string ChangeLine(char sign, const Change& c) {
  std::string out = fmt::format("{} {} ({})", sign, c.name, c.nr);
  if (!c.introduced_by.empty()) out += ": " + Abbreviate(c.introduced_by, 4);
  if (sign != '~' && !(c.new_conditions.empty() && c.old_conditions.empty())) {
    out += fmt::format(" [if {}]", c.new_conditions.empty() ? c.old_conditions
                                                            : c.new_conditions);
  }
  return out + '\n';
}

std::string DiffText(const DiffFlags& flags,
                     const generate::ProfileDiff& diff) {
  std::string out;
  for (const generate::ArchDiff& d : diff.arches) {
    out += fmt::format(
        "{} -> {} ({}): {} added, {} removed{}\n", flags.old_path,
        flags.new_path, GetArchInfo(d.arch).name, d.added.size(),
        d.removed.size(),
        d.changed.empty() ? "" : fmt::format(", {} changed", d.changed.size()));
    for (const Change& c : d.added) out += ChangeLine('+', c);
    for (const Change& c : d.removed) out += ChangeLine('-', c);
    for (const Change& c : d.changed) {
      out += ChangeLine('~', c);
      out += fmt::format(
          "    was: {}\n    now: {}\n",
          c.old_conditions.empty() ? "unconditional" : c.old_conditions,
          c.new_conditions.empty() ? "unconditional" : c.new_conditions);
    }
  }
  if (diff.old_default != diff.new_default) {
    out += fmt::format("default action: {} -> {}\n",
                       profile::ToString(diff.old_default),
                       profile::ToString(diff.new_default));
  }
  out += diff.allows_more ? fmt::format("{} allows more than {}\n",
                                        flags.new_path, flags.old_path)
                          : fmt::format("{} allows nothing {} does not\n",
                                        flags.new_path, flags.old_path);
  return out;
}

int RunDiff(const DiffFlags& flags) {
  std::vector<std::string> lines;
  Result<std::pair<Side, Side>> sides = LoadSides(flags, &lines);
  if (!sides) return ReportError(sides.error());
  const auto& [old_side, new_side] = *sides;
  if (!flags.settings.quiet) {
    for (const std::string& l : lines) std::fprintf(stderr, "%s\n", l.c_str());
  }
  const generate::ProfileDiff diff =
      generate::DiffProfiles(DiffSideOf(old_side), DiffSideOf(new_side));
  // --strict: findings in an analysed side make the exit code 1 too.
  bool strict_refused = false;
  for (const Side* s : {&old_side, &new_side}) {
    if (s->built && StrictRefuses(flags.settings, *s->built, "exit code 1")) {
      strict_refused = true;
    }
  }
  const std::string out =
      flags.json ? DiffJson(old_side, new_side, diff) : DiffText(flags, diff);
  std::fputs(out.c_str(), stdout);
  return diff.allows_more || strict_refused ? 1 : 0;
}

}  // namespace

void AddDiffCommand(CLI::App& app, Runner* run) {
  auto flags = std::make_shared<DiffFlags>();
  CLI::App* cmd =
      app.add_subcommand("diff",
                         "Compare two binaries or profiles: the syscalls NEW "
                         "allows that OLD does not (with "
                         "the functions or presets that introduce them) and "
                         "those it no longer allows. Exit 1 "
                         "when NEW allows more, for CI.");
  cmd->add_option("old", flags->old_path,
                  "The old binary or profile (OCI JSON)")
      ->required()
      ->check(CLI::ExistingFile);
  cmd->add_option("new", flags->new_path,
                  "The new binary or profile (OCI JSON)")
      ->required()
      ->check(CLI::ExistingFile);
  cmd->add_flag("--json", flags->json,
                "Print JSON: {old, new, allows_more, old_default_action, "
                "new_default_action, arches: [{arch, added, removed, "
                "changed: [{name, number, introduced_by, ...}]}]}");
  AddSettingsOptions(cmd, &flags->settings);
  cmd->callback([flags, run] { *run = [flags] { return RunDiff(*flags); }; });
}

}  // namespace go2seccomp::cli
