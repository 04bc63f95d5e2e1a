#include "go2seccomp/profile/oci_json.h"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <nlohmann/json.hpp>
#include <utility>

#include "go2seccomp/syscalls/table.h"

namespace go2seccomp::profile {
namespace {

using nlohmann::json;
using nlohmann::ordered_json;

constexpr std::uint64_t kMaxRetData = 0xffff;  // SECCOMP_RET_DATA
constexpr std::uint64_t kMaxArgIndex = 5;      // seccomp_data.args[6]

// Every arch name the OCI runtime-spec defines (config-linux.md, "seccomp"),
// so an arch we merely lack a table for is told apart from a typo.
constexpr std::string_view kOciArchNames[] = {
    "SCMP_ARCH_X86",      "SCMP_ARCH_X86_64",      "SCMP_ARCH_X32",
    "SCMP_ARCH_ARM",      "SCMP_ARCH_AARCH64",     "SCMP_ARCH_MIPS",
    "SCMP_ARCH_MIPS64",   "SCMP_ARCH_MIPS64N32",   "SCMP_ARCH_MIPSEL",
    "SCMP_ARCH_MIPSEL64", "SCMP_ARCH_MIPSEL64N32", "SCMP_ARCH_PPC",
    "SCMP_ARCH_PPC64",    "SCMP_ARCH_PPC64LE",     "SCMP_ARCH_S390",
    "SCMP_ARCH_S390X",    "SCMP_ARCH_PARISC",      "SCMP_ARCH_PARISC64",
    "SCMP_ARCH_RISCV64",  "SCMP_ARCH_LOONGARCH64", "SCMP_ARCH_M68K",
    "SCMP_ARCH_SH",       "SCMP_ARCH_SHEB",
};

bool IsOciArchName(std::string_view name) {
  return std::find(std::begin(kOciArchNames), std::end(kOciArchNames), name) !=
         std::end(kOciArchNames);
}

// ---------------------------------------------------------------- writing

void RenderAction(const Action& action, ordered_json& obj) {
  obj["action"] = std::string(ActionName(action.kind));
  if (action.HasErrnoRet() && action.errno_ret != EPERM) {
    obj["errnoRet"] = action.errno_ret;
  }
}

// ---------------------------------------------------------------- reading

// (major, minor) of "6.1", "4.8", "6.1.0-18-amd64"; nullopt if it does not
// start with "<digits>.<digits>".
std::optional<std::pair<int, int>> ParseKernelVersion(std::string_view s) {
  int major = 0;
  int minor = 0;
  auto r1 = std::from_chars(s.data(), s.data() + s.size(), major);
  if (r1.ec != std::errc() || r1.ptr == s.data() + s.size() || *r1.ptr != '.') {
    return std::nullopt;
  }
  auto r2 = std::from_chars(r1.ptr + 1, s.data() + s.size(), minor);
  if (r2.ec != std::errc()) return std::nullopt;
  return std::make_pair(major, minor);
}

std::string NamesForNote(const std::vector<std::string>& names) {
  constexpr std::size_t kShown = 4;
  std::string out;
  for (std::size_t i = 0; i < names.size() && i < kShown; ++i) {
    if (i) out += ", ";
    out += names[i];
  }
  if (names.size() > kShown)
    out += fmt::format(", ... ({} names)", names.size());
  return out;
}

class Reader {
 public:
  Reader(std::string_view origin, const ParseOptions& options)
      : origin_(origin),
        options_(options),
        target_(options.target_arch.value_or(HostArch())) {}

  Result<ParsedProfile> Read(const json& root);

 private:
  std::string PathOf(std::string_view rel) const {
    if (base_.empty()) return std::string(rel);
    if (rel.empty()) return base_;
    return fmt::format("{}.{}", base_, rel);
  }
  template <class... Args>
  tl::unexpected<Error> Fail(ErrorCode code, std::string_view rel,
                             fmt::format_string<Args...> f, Args&&... args) {
    return MakeError(code, "{}: {}: {}", origin_, PathOf(rel),
                     fmt::format(f, std::forward<Args>(args)...));
  }
  template <class... Args>
  void Note(fmt::format_string<Args...> f, Args&&... args) {
    notes_.push_back(fmt::format(f, std::forward<Args>(args)...));
  }

  Result<std::string> String(const json& j, std::string_view rel);
  Result<std::vector<std::string>> Strings(const json& j, std::string_view rel);
  Result<std::uint64_t> Unsigned(const json& j, std::string_view rel);
  Result<Action> ActionOf(const json& obj, std::string_view action_key,
                          std::string_view errno_key, std::string_view rel);
  Result<void> ReadArches(const json& obj);
  Result<std::optional<Rule>> ReadRule(const json& entry, std::string_view rel);
  Result<bool> Applies(const json& entry, std::string_view rel,
                       const std::vector<std::string>& names);
  bool ArchListMatches(const std::vector<std::string>& list) const;

  std::string_view origin_;
  const ParseOptions& options_;
  Arch target_;
  std::string base_;
  Profile profile_;
  std::vector<std::string> notes_;
  // Names unknown to every arch, with the path where each first appeared.
  std::vector<std::pair<std::string, std::string>> unknown_;
};

Result<std::string> Reader::String(const json& j, std::string_view rel) {
  if (!j.is_string()) {
    return Fail(ErrorCode::kInvalidArgument, rel, "expected a string, got {}",
                j.type_name());
  }
  return j.get<std::string>();
}

Result<std::vector<std::string>> Reader::Strings(const json& j,
                                                 std::string_view rel) {
  if (j.is_null()) return std::vector<std::string>{};  // Go's nil slice
  if (!j.is_array()) {
    return Fail(ErrorCode::kInvalidArgument, rel,
                "expected an array of strings, got {}", j.type_name());
  }
  std::vector<std::string> out;
  for (std::size_t i = 0; i < j.size(); ++i) {
    G2S_ASSIGN_OR_RETURN(std::string s,
                         String(j[i], fmt::format("{}[{}]", rel, i)));
    out.push_back(std::move(s));
  }
  return out;
}

Result<std::uint64_t> Reader::Unsigned(const json& j, std::string_view rel) {
  if (!j.is_number_unsigned()) {
    return Fail(ErrorCode::kInvalidArgument, rel,
                "expected a non-negative integer, got {}",
                j.is_number() ? j.dump() : std::string(j.type_name()));
  }
  return j.get<std::uint64_t>();
}

Result<Action> Reader::ActionOf(const json& obj, std::string_view action_key,
                                std::string_view errno_key,
                                std::string_view rel) {
  auto join = [&](std::string_view key) {
    return rel.empty() ? std::string(key) : fmt::format("{}.{}", rel, key);
  };
  auto it = obj.find(action_key);
  if (it == obj.end()) {
    return Fail(ErrorCode::kInvalidArgument, join(action_key),
                "missing (required)");
  }
  G2S_ASSIGN_OR_RETURN(std::string name, String(*it, join(action_key)));
  std::optional<Action::Kind> kind = ActionKindFromName(name);
  if (!kind) {
    return Fail(ErrorCode::kInvalidArgument, join(action_key),
                "unknown action \"{}\"", name);
  }
  Action action{*kind, 0};
  if (action.HasErrnoRet()) action.errno_ret = EPERM;  // runc's default
  auto e = obj.find(errno_key);
  if (e != obj.end() && !e->is_null()) {
    G2S_ASSIGN_OR_RETURN(std::uint64_t v, Unsigned(*e, join(errno_key)));
    if (v > kMaxRetData) {
      return Fail(ErrorCode::kInvalidArgument, join(errno_key),
                  "{} does not fit the kernel's 16-bit SECCOMP_RET_DATA", v);
    }
    if (action.HasErrnoRet()) {
      action.errno_ret = static_cast<std::uint32_t>(v);
    } else {
      Note("{}: ignored: {} takes no errno", PathOf(join(errno_key)), name);
    }
  }
  return action;
}

Result<void> Reader::ReadArches(const json& obj) {
  auto archs = obj.find("architectures");
  auto map = obj.find("archMap");
  bool has_archs = archs != obj.end() && !archs->is_null() &&
                   !(archs->is_array() && archs->empty());
  bool has_map =
      map != obj.end() && !map->is_null() && !(map->is_array() && map->empty());
  // moby seccomp_linux.go refuses this combination; so do we.
  if (has_archs && has_map) {
    return Fail(ErrorCode::kInvalidArgument, "archMap",
                "both \"architectures\" and \"archMap\" are given; use one");
  }

  std::vector<std::string> names;
  std::string rel = "architectures";
  if (has_map) {
    if (!map->is_array()) {
      return Fail(ErrorCode::kInvalidArgument, "archMap",
                  "expected an array, got {}", map->type_name());
    }
    bool found = false;
    for (std::size_t i = 0; i < map->size() && !found; ++i) {
      std::string at = fmt::format("archMap[{}]", i);
      const json& entry = (*map)[i];
      if (!entry.is_object()) {
        return Fail(ErrorCode::kInvalidArgument, at,
                    "expected an object, got {}", entry.type_name());
      }
      auto a = entry.find("architecture");
      if (a == entry.end()) {
        return Fail(ErrorCode::kInvalidArgument, at + ".architecture",
                    "missing (required)");
      }
      G2S_ASSIGN_OR_RETURN(std::string arch, String(*a, at + ".architecture"));
      if (ArchFromName(arch) != target_) continue;
      found = true;
      names.push_back(arch);
      auto subs = entry.find("subArchitectures");
      if (subs != entry.end()) {
        G2S_ASSIGN_OR_RETURN(std::vector<std::string> s,
                             Strings(*subs, at + ".subArchitectures"));
        names.insert(names.end(), s.begin(), s.end());
      }
      rel = at;
    }
    if (!found) {
      Note(
          "archMap has no entry for the target arch {}; the profile is "
          "used for {} alone",
          GetArchInfo(target_).oci_name, GetArchInfo(target_).oci_name);
      profile_.arches = {target_};
      return {};
    }
  } else if (has_archs) {
    G2S_ASSIGN_OR_RETURN(names, Strings(*archs, "architectures"));
  } else {
    // OCI: no architectures means the native one only (runc, crun).
    profile_.arches = {target_};
    return {};
  }

  for (const std::string& n : names) {
    std::optional<Arch> a = ArchFromName(n);
    if (a && n.starts_with("SCMP_ARCH_")) {
      if (std::find(profile_.arches.begin(), profile_.arches.end(), *a) ==
          profile_.arches.end()) {
        profile_.arches.push_back(*a);
      }
    } else if (IsOciArchName(n)) {
      Note(
          "{}: {} left out: go2seccomp has no syscall table for it, so its "
          "syscalls get the bad-arch action",
          PathOf(rel), n);
    } else {
      return Fail(ErrorCode::kInvalidArgument, rel,
                  "unknown architecture \"{}\"", n);
    }
  }
  return {};
}

bool Reader::ArchListMatches(const std::vector<std::string>& list) const {
  // moby compares with runtime.GOARCH ("amd64", "arm64", ...); we also take
  // the kernel and OCI spellings. "x32", "s390x", ... match nothing of ours.
  return std::any_of(list.begin(), list.end(), [&](const std::string& s) {
    return ArchFromName(s) == target_;
  });
}

// Evaluates includes/excludes; false if the rule does not apply to the
// target (with a note when that is a policy decision, not an arch filter).
Result<bool> Reader::Applies(const json& entry, std::string_view rel,
                             const std::vector<std::string>& names) {
  std::optional<std::pair<int, int>> kernel;
  if (!options_.kernel_release.empty()) {
    kernel = ParseKernelVersion(options_.kernel_release);
  }
  for (bool include : {true, false}) {
    std::string key = include ? "includes" : "excludes";
    auto it = entry.find(key);
    if (it == entry.end() || it->is_null()) continue;
    std::string at = fmt::format("{}.{}", rel, key);
    if (!it->is_object()) {
      return Fail(ErrorCode::kInvalidArgument, at, "expected an object, got {}",
                  it->type_name());
    }
    if (auto a = it->find("arches"); a != it->end()) {
      G2S_ASSIGN_OR_RETURN(std::vector<std::string> arches,
                           Strings(*a, at + ".arches"));
      if (!arches.empty() && ArchListMatches(arches) != include) return false;
    }
    if (auto c = it->find("caps"); c != it->end()) {
      G2S_ASSIGN_OR_RETURN(std::vector<std::string> caps,
                           Strings(*c, at + ".caps"));
      auto granted = [&](const std::string& cap) {
        return std::find(options_.capabilities.begin(),
                         options_.capabilities.end(),
                         cap) != options_.capabilities.end();
      };
      if (include && !std::all_of(caps.begin(), caps.end(), granted)) {
        Note("{} ({}) left out: it needs {}, which is not granted", PathOf(rel),
             NamesForNote(names), fmt::join(caps, ", "));
        return false;
      }
      if (!include && std::any_of(caps.begin(), caps.end(), granted)) {
        Note("{} ({}) left out: excluded when {} is granted", PathOf(rel),
             NamesForNote(names), fmt::join(caps, ", "));
        return false;
      }
    }
    if (auto k = it->find("minKernel"); k != it->end() && !k->is_null()) {
      G2S_ASSIGN_OR_RETURN(std::string min, String(*k, at + ".minKernel"));
      std::optional<std::pair<int, int>> want = ParseKernelVersion(min);
      if (!want) {
        return Fail(ErrorCode::kInvalidArgument, at + ".minKernel",
                    "expected \"<major>.<minor>\", got \"{}\"", min);
      }
      if (kernel && (*kernel >= *want) != include) {
        Note("{} ({}) left out: kernel {} is {} {}", PathOf(rel),
             NamesForNote(names), options_.kernel_release,
             include ? "older than" : "at least", min);
        return false;
      }
    }
  }
  return true;
}

Result<std::optional<Rule>> Reader::ReadRule(const json& entry,
                                             std::string_view rel) {
  if (!entry.is_object()) {
    return Fail(ErrorCode::kInvalidArgument, rel, "expected an object, got {}",
                entry.type_name());
  }
  Rule rule;
  auto names = entry.find("names");
  auto name = entry.find("name");
  bool has_names = names != entry.end() && !names->is_null();
  bool has_name = name != entry.end() && !name->is_null();
  if (has_names && has_name) {
    // moby: "use either 'name' or 'names'".
    return Fail(ErrorCode::kInvalidArgument, rel,
                "both \"name\" and \"names\" are given; use one");
  }
  if (has_names) {
    G2S_ASSIGN_OR_RETURN(rule.names,
                         Strings(*names, fmt::format("{}.names", rel)));
  } else if (has_name) {
    G2S_ASSIGN_OR_RETURN(std::string n,
                         String(*name, fmt::format("{}.name", rel)));
    rule.names.push_back(std::move(n));
  }
  G2S_ASSIGN_OR_RETURN(rule.action, ActionOf(entry, "action", "errnoRet", rel));

  if (auto args = entry.find("args"); args != entry.end() && !args->is_null()) {
    std::string at = fmt::format("{}.args", rel);
    if (!args->is_array()) {
      return Fail(ErrorCode::kInvalidArgument, at, "expected an array, got {}",
                  args->type_name());
    }
    for (std::size_t i = 0; i < args->size(); ++i) {
      std::string ai = fmt::format("{}[{}]", at, i);
      const json& a = (*args)[i];
      if (!a.is_object()) {
        return Fail(ErrorCode::kInvalidArgument, ai,
                    "expected an object, got {}", a.type_name());
      }
      ArgCondition c;
      for (const char* key : {"index", "op"}) {
        if (!a.contains(key)) {
          return Fail(ErrorCode::kInvalidArgument,
                      fmt::format("{}.{}", ai, key), "missing (required)");
        }
      }
      G2S_ASSIGN_OR_RETURN(std::uint64_t index,
                           Unsigned(a["index"], ai + ".index"));
      if (index > kMaxArgIndex) {
        return Fail(ErrorCode::kInvalidArgument, ai + ".index",
                    "{} is not an argument index (0..5)", index);
      }
      c.index = static_cast<std::uint32_t>(index);
      if (a.contains("value")) {
        G2S_ASSIGN_OR_RETURN(c.value, Unsigned(a["value"], ai + ".value"));
      }
      if (a.contains("valueTwo")) {
        G2S_ASSIGN_OR_RETURN(c.value_two,
                             Unsigned(a["valueTwo"], ai + ".valueTwo"));
      }
      G2S_ASSIGN_OR_RETURN(std::string op, String(a["op"], ai + ".op"));
      std::optional<ArgCondition::Op> parsed = OpFromName(op);
      if (!parsed) {
        return Fail(ErrorCode::kInvalidArgument, ai + ".op",
                    "unknown operator \"{}\"", op);
      }
      c.op = *parsed;
      rule.args.push_back(c);
    }
  }
  if (auto c = entry.find("comment"); c != entry.end() && !c->is_null()) {
    G2S_ASSIGN_OR_RETURN(rule.comment,
                         String(*c, fmt::format("{}.comment", rel)));
  }

  G2S_ASSIGN_OR_RETURN(bool applies, Applies(entry, rel, rule.names));
  if (!applies) return std::optional<Rule>();

  std::vector<std::string> kept;
  std::vector<std::string> skipped;
  for (std::string& n : rule.names) {
    bool here = std::any_of(
        profile_.arches.begin(), profile_.arches.end(),
        [&](Arch a) { return syscalls::NumberOf(a, n).has_value(); });
    if (here) {
      kept.push_back(std::move(n));
    } else if (syscalls::IsKnownName(n)) {
      skipped.push_back(std::move(n));
    } else {
      unknown_.emplace_back(std::move(n), PathOf(rel));
    }
  }
  if (!skipped.empty()) {
    Note("{}: {} skipped: not a syscall on this profile's architectures",
         PathOf(rel), fmt::join(skipped, ", "));
  }
  rule.names = std::move(kept);
  if (rule.names.empty()) return std::optional<Rule>();
  return std::optional<Rule>(std::move(rule));
}

Result<ParsedProfile> Reader::Read(const json& root) {
  if (!root.is_object()) {
    return MakeError(ErrorCode::kInvalidArgument,
                     "{}: expected a JSON object at the top, got {}", origin_,
                     root.type_name());
  }
  const json* obj = &root;
  if (!root.contains("defaultAction") && root.contains("linux")) {
    // An OCI runtime-spec config.json.
    const json& linux = root["linux"];
    if (!linux.is_object() || !linux.contains("seccomp") ||
        linux["seccomp"].is_null()) {
      return MakeError(ErrorCode::kNotFound,
                       "{}: an OCI config without linux.seccomp", origin_);
    }
    obj = &linux["seccomp"];
    base_ = "linux.seccomp";
    if (!obj->is_object()) {
      return Fail(ErrorCode::kInvalidArgument, "", "expected an object, got {}",
                  obj->type_name());
    }
  }
  if (!obj->contains("defaultAction")) {
    return MakeError(ErrorCode::kInvalidArgument,
                     "{}: not a seccomp profile: no \"defaultAction\" (nor an "
                     "OCI config.json with linux.seccomp)",
                     origin_);
  }
  G2S_ASSIGN_OR_RETURN(profile_.default_action,
                       ActionOf(*obj, "defaultAction", "defaultErrnoRet", ""));
  G2S_TRY(ReadArches(*obj));
  for (const char* key : {"flags", "listenerPath", "listenerMetadata"}) {
    auto it = obj->find(key);
    if (it != obj->end() && !it->is_null() &&
        !(it->is_array() && it->empty()) &&
        !(it->is_string() && it->get_ref<const std::string&>().empty())) {
      Note("{}: ignored (go2seccomp installs plain filters)", PathOf(key));
    }
  }

  if (auto sc = obj->find("syscalls"); sc != obj->end() && !sc->is_null()) {
    if (!sc->is_array()) {
      return Fail(ErrorCode::kInvalidArgument, "syscalls",
                  "expected an array, got {}", sc->type_name());
    }
    for (std::size_t i = 0; i < sc->size(); ++i) {
      G2S_ASSIGN_OR_RETURN(std::optional<Rule> rule,
                           ReadRule((*sc)[i], fmt::format("syscalls[{}]", i)));
      if (rule) profile_.rules.push_back(std::move(*rule));
    }
  }
  if (!unknown_.empty()) {
    std::string list;
    for (const auto& [name, where] : unknown_) {
      if (!list.empty()) list += ", ";
      list += fmt::format("\"{}\" ({})", name, where);
    }
    // kInvalidArgument, not kNotFound: the CLI maps kNotFound to "file not
    // found" (exit 4), and a misspelt name is a bad profile (exit 2).
    return MakeError(ErrorCode::kInvalidArgument,
                     "{}: unknown syscall{} (not in the Linux {} tables of any "
                     "architecture): {}",
                     origin_, unknown_.size() > 1 ? "s" : "",
                     syscalls::KernelVersion(), list);
  }
  return ParsedProfile{std::move(profile_), std::move(notes_)};
}

}  // namespace

namespace {

// The profile object shared by the Docker file and the OCI runtime-spec
// `linux.seccomp` block; `comments` adds Docker's per-rule "comment", which
// the runtime-spec's LinuxSyscall does not have.
ordered_json SeccompObject(const Profile& profile, bool comments) {
  ordered_json root = ordered_json::object();
  root["defaultAction"] = std::string(ActionName(profile.default_action.kind));
  if (profile.default_action.HasErrnoRet() &&
      profile.default_action.errno_ret != EPERM) {
    root["defaultErrnoRet"] = profile.default_action.errno_ret;
  }
  ordered_json arches = ordered_json::array();
  for (Arch a : profile.arches) {
    arches.push_back(std::string(GetArchInfo(a).oci_name));
  }
  root["architectures"] = std::move(arches);
  ordered_json rules = ordered_json::array();
  for (const Rule& r : profile.rules) {
    ordered_json obj = ordered_json::object();
    obj["names"] = r.names;
    RenderAction(r.action, obj);
    if (!r.args.empty()) {
      ordered_json args = ordered_json::array();
      for (const ArgCondition& c : r.args) {
        ordered_json a = ordered_json::object();
        a["index"] = c.index;
        a["value"] = c.value;
        a["valueTwo"] = c.value_two;
        a["op"] = std::string(OpName(c.op));
        args.push_back(std::move(a));
      }
      obj["args"] = std::move(args);
    }
    if (comments && !r.comment.empty()) obj["comment"] = r.comment;
    rules.push_back(std::move(obj));
  }
  root["syscalls"] = std::move(rules);
  return root;
}

// Names are syscall names and comments are ours or a file's: dump with
// replacement so an invalid UTF-8 byte cannot make dump() throw.
std::string Dump(const ordered_json& root) {
  return root.dump(4, ' ', false, ordered_json::error_handler_t::replace) +
         "\n";
}

}  // namespace

std::string ToOciJson(const Profile& profile) {
  return Dump(SeccompObject(profile, /*comments=*/true));
}

std::string ToOciLinuxJson(const Profile& profile) {
  ordered_json linux_obj = ordered_json::object();
  linux_obj["seccomp"] = SeccompObject(profile, /*comments=*/false);
  ordered_json root = ordered_json::object();
  root["linux"] = std::move(linux_obj);
  return Dump(root);
}

Result<ParsedProfile> ParseOciJson(std::string_view text,
                                   std::string_view origin,
                                   const ParseOptions& options) {
  json root;
  try {
    root = json::parse(text.begin(), text.end());
  } catch (const json::parse_error& e) {
    // e.byte is 1-based and points just past the offending character.
    std::size_t byte = e.byte == 0 ? 0 : e.byte - 1;
    byte = std::min(byte, text.size());
    std::size_t line = 1;
    std::size_t column = 1;
    for (std::size_t i = 0; i < byte; ++i) {
      if (text[i] == '\n') {
        ++line;
        column = 1;
      } else {
        ++column;
      }
    }
    std::string_view what = e.what();
    // "[json.exception.parse_error.101] parse error at line 1, column 2:
    // syntax error ..." -> keep the part after the position.
    if (auto p = what.find(": "); p != std::string_view::npos) {
      what.remove_prefix(p + 2);
    }
    return MakeError(
        ErrorCode::kMalformed,
        "{}: JSON syntax error at line {}, column {} (byte {}): {}", origin,
        line, column, byte, what);
  } catch (const json::exception& e) {
    // Not a syntax error but still thrown by parse(): a number that does not
    // fit a double ("1e309", out_of_range.406). Found by oci_json_fuzzer.
    std::string_view what = e.what();
    if (auto p = what.find("] "); p != std::string_view::npos) {
      what.remove_prefix(p + 2);
    }
    return MakeError(ErrorCode::kMalformed, "{}: invalid JSON: {}", origin,
                     what);
  }
  try {
    return Reader(origin, options).Read(root);
  } catch (const json::exception& e) {
    // Every access above checks types first; this is a safety net so no
    // exception leaves the library.
    return MakeError(ErrorCode::kMalformed, "{}: {}", origin, e.what());
  }
}

Result<Profile> ParseOciJson(std::string_view text, std::string_view origin) {
  G2S_ASSIGN_OR_RETURN(ParsedProfile parsed,
                       ParseOciJson(text, origin, ParseOptions{}));
  return std::move(parsed.profile);
}

}  // namespace go2seccomp::profile
