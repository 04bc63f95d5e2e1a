// Which NSS modules a C program can load, by database.
//
// glibc's name service switch loads a module (libnss_SERVICE.so.2) the
// first time a lookup in a database whose /etc/nsswitch.conf line names
// SERVICE needs it: glibc 2.34+ nss/nss_database.c parses the file into
// per-database action lists, and nss/nss_module.c dlopen()s a module only
// from __nss_module_get_function, i.e. on a lookup (glibc < 2.34's
// nss/nsswitch.c nss_load_library is as lazy). So a program that only
// resolves host names loads the "hosts" modules and never the "passwd"
// ones: the modules to analyse follow the databases whose public entry
// points (getaddrinfo, getpwnam_r, ...) are reachable.
#ifndef GO2SECCOMP_ANALYSIS_NSS_H_
#define GO2SECCOMP_ANALYSIS_NSS_H_

#include <istream>
#include <map>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace go2seccomp::analysis {

// The NSS databases a call to libc's exported function `name` may look
// up (glibc's nss/databases.def names): getaddrinfo -> {hosts, services},
// getpwuid_r -> {passwd}, initgroups -> {initgroups, group}; empty for a
// function that is not an NSS entry point.
std::vector<std::string> NssDatabasesOf(std::string_view name);

// nsswitch.conf: database -> the services on its line, in order, without
// the [STATUS=action] items and comments.
using NssConfig = std::map<std::string, std::vector<std::string>, std::less<>>;
NssConfig ParseNsswitchConf(std::istream& in);

// The services a lookup in any of `databases` may load. A database the
// file does not list gets glibc's defaults (nss_database.c: "dns files"
// for hosts, "files" otherwise; initgroups falls back to the group line),
// plus "compat" and "nis", the defaults of older glibc releases, so a
// root filesystem with an old libc is covered too. "compat" reads the
// DATABASE_compat line (nss/nss_compat), whose services it loads.
std::set<std::string> NssServicesFor(const NssConfig& conf,
                                     const std::set<std::string>& databases);

}  // namespace go2seccomp::analysis

#endif  // GO2SECCOMP_ANALYSIS_NSS_H_
