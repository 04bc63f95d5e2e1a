// go2seccomp's public entry point: everything a program needs to make,
// explain, diff and render a seccomp profile for a Go binary, without the
// CLI. Link the library target go2seccomp::generate.
//
//   #include "go2seccomp/generate.h"
//   using namespace go2seccomp;
//
//   Result<generate::Generated> g = generate::Generator()
//       .Binary("/usr/bin/server").Runtime("none").Run();
//   if (!g) { fmt::print(stderr, "{}\n", g.error().message); return 1; }
//
//   // Make: the profile, rendered for its consumer.
//   auto json = generate::RenderProfile(
//       g->profile, generate::OutputFormat::kOci, "server");
//
//   // Explain: why fcntl is allowed (with ArgumentFilters(), for which
//   // arguments).
//   auto targets = generate::ResolveSyscalls(*g, {"fcntl"});
//   generate::Explanation e = generate::Explain(*g, targets->front());
//   e.allowance.kind;  // denied, unconditional, conditional
//   profile::DescribeConditions(e.allowance);
//
//   // Diff: what a new build allows that the old one did not.
//   generate::ProfileDiff d = generate::DiffProfiles(
//       {&old_g->profile, &*old_g}, {&g->profile, &*g});
//   if (d.allows_more) ...
//
// Findings (sites whose syscall could not be resolved) are in g->findings;
// a caller that wants --strict's behaviour refuses the profile when there
// are any. Errors are Result<T> (base/error.h): branch on Error::code.
#ifndef GO2SECCOMP_GENERATE_H_
#define GO2SECCOMP_GENERATE_H_

#include "go2seccomp/base/error.h"           // IWYU pragma: export
#include "go2seccomp/generate/diff.h"        // IWYU pragma: export
#include "go2seccomp/generate/explain.h"     // IWYU pragma: export
#include "go2seccomp/generate/generator.h"   // IWYU pragma: export
#include "go2seccomp/generate/provenance.h"  // IWYU pragma: export
#include "go2seccomp/generate/render.h"      // IWYU pragma: export
#include "go2seccomp/generate/symbolize.h"   // IWYU pragma: export
#include "go2seccomp/profile/allowance.h"    // IWYU pragma: export
#include "go2seccomp/profile/profile.h"      // IWYU pragma: export

#endif  // GO2SECCOMP_GENERATE_H_
