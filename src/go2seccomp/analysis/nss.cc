#include "go2seccomp/analysis/nss.h"

#include <sstream>
#include <utility>

namespace go2seccomp::analysis {
namespace {

struct EntryPoints {
  std::string_view prefix;  // of the exported names
  std::vector<std::string> databases;
};

// glibc's public NSS entry points by name prefix (nss/databases.def and
// the getXXbyYY / getXXent families that use them). Broader than needed on
// purpose: a name that matches for nothing only loads modules that might
// not be used; a missing one would leave a loaded module unanalysed.
const std::vector<EntryPoints>& Table() {
  static const std::vector<EntryPoints> table = {
      {"getpw", {"passwd"}},
      {"setpw", {"passwd"}},
      {"endpw", {"passwd"}},
      // getgrouplist and initgroups read "initgroups", which falls back to
      // the group line (nss/initgroups.c).
      {"getgr", {"group", "initgroups"}},
      {"setgr", {"group"}},
      {"endgr", {"group"}},
      {"initgroups", {"group", "initgroups"}},
      {"getsp", {"shadow"}},
      {"setsp", {"shadow"}},
      {"endsp", {"shadow"}},
      {"getsg", {"gshadow"}},
      {"setsg", {"gshadow"}},
      {"endsg", {"gshadow"}},
      // getaddrinfo looks up a service name too (sysdeps/posix/getaddrinfo.c
      // gaih_inet_serv); getnameinfo a port's name.
      {"getaddrinfo", {"hosts", "services"}},
      {"getnameinfo", {"hosts", "services"}},
      {"gethostby", {"hosts"}},
      {"gethostent", {"hosts"}},
      {"sethost", {"hosts"}},
      {"endhost", {"hosts"}},
      {"getipnodeby", {"hosts"}},
      // gethostid without /etc/hostid resolves the host name
      // (sysdeps/unix/sysv/linux/gethostid.c).
      {"gethostid", {"hosts"}},
      // rcmd/ruserok check the user's .rhosts (inet/rcmd.c: getpwnam).
      {"rcmd", {"hosts", "passwd"}},
      {"rexec", {"hosts", "passwd", "services"}},
      {"ruserok", {"hosts", "passwd"}},
      {"iruserok", {"hosts", "passwd"}},
      {"getserv", {"services"}},
      {"setserv", {"services"}},
      {"endserv", {"services"}},
      {"getproto", {"protocols"}},
      {"setproto", {"protocols"}},
      {"endproto", {"protocols"}},
      // getnetgrent before getnet: both are prefixes of it.
      {"getnetgrent", {"netgroup"}},
      {"setnetgrent", {"netgroup"}},
      {"endnetgrent", {"netgroup"}},
      {"innetgr", {"netgroup"}},
      {"getnet", {"networks"}},
      {"setnet", {"networks"}},
      {"endnet", {"networks"}},
      {"getrpc", {"rpc"}},
      {"setrpc", {"rpc"}},
      {"endrpc", {"rpc"}},
      {"ether_ntohost", {"ethers"}},
      {"ether_hostton", {"ethers"}},
      {"getalias", {"aliases"}},
      {"setalias", {"aliases"}},
      {"endalias", {"aliases"}},
      {"getpublickey", {"publickey"}},
      {"getsecretkey", {"publickey"}},
      {"netname2user", {"publickey"}},
  };
  return table;
}

}  // namespace

std::vector<std::string> NssDatabasesOf(std::string_view name) {
  for (const EntryPoints& e : Table()) {
    if (name.starts_with(e.prefix)) return e.databases;
  }
  return {};
}

NssConfig ParseNsswitchConf(std::istream& in) {
  NssConfig conf;
  std::string line;
  while (std::getline(in, line)) {
    line = line.substr(0, line.find('#'));
    const auto colon = line.find(':');
    if (colon == std::string::npos) continue;
    std::istringstream db_words(line.substr(0, colon));
    std::string db;
    if (!(db_words >> db)) continue;
    std::vector<std::string>& services = conf[db];
    services.clear();  // a later line for the same database wins
    std::istringstream words(line.substr(colon + 1));
    bool in_action = false;
    for (std::string w; words >> w;) {
      // "[NOTFOUND=return]" and "[ !UNAVAIL = return ]" are actions.
      if (w.starts_with('[')) in_action = true;
      if (!in_action) services.push_back(w);
      if (w.ends_with(']')) in_action = false;
    }
  }
  return conf;
}

std::set<std::string> NssServicesFor(const NssConfig& conf,
                                     const std::set<std::string>& databases) {
  std::set<std::string> out;
  for (const std::string& db : databases) {
    auto it = conf.find(db);
    if (it == conf.end() && db == "initgroups") it = conf.find("group");
    std::set<std::string> services;
    if (it != conf.end()) {
      services.insert(it->second.begin(), it->second.end());
    } else {
      services = {"files", "compat", "nis"};
      if (db == "hosts") services.insert("dns");
    }
    if (services.count("compat")) {
      auto c = conf.find(db + "_compat");
      if (c != conf.end()) {
        services.insert(c->second.begin(), c->second.end());
      } else {
        services.insert("nis");  // nss_compat's default for "+" entries
      }
    }
    out.insert(services.begin(), services.end());
  }
  return out;
}

}  // namespace go2seccomp::analysis
