#include "go2seccomp/analysis/nss.h"

#include <gtest/gtest.h>

#include <sstream>

namespace go2seccomp::analysis {
namespace {

using Set = std::set<std::string>;

TEST(NssDatabases, EntryPointsMapToTheirDatabases) {
  EXPECT_EQ(NssDatabasesOf("getaddrinfo"),
            (std::vector<std::string>{"hosts", "services"}));
  EXPECT_EQ(NssDatabasesOf("getpwuid_r"), std::vector<std::string>{"passwd"});
  EXPECT_EQ(NssDatabasesOf("getgrouplist"),
            (std::vector<std::string>{"group", "initgroups"}));
  // getnetgrent is a netgroup lookup although "getnet" starts networks ones.
  EXPECT_EQ(NssDatabasesOf("getnetgrent_r"),
            std::vector<std::string>{"netgroup"});
  EXPECT_EQ(NssDatabasesOf("getnetbyname"),
            std::vector<std::string>{"networks"});
  for (const char* n :
       {"gethostname", "write", "getpid", "__libc_start_main", "fgetpwent"}) {
    EXPECT_TRUE(NssDatabasesOf(n).empty()) << n;
  }
}

TEST(NssDatabases, ParsesServicesWithoutActionsAndComments) {
  std::istringstream in(
      "# comment\n"
      "passwd:   files systemd   # trailing\n"
      "hosts: files mdns4_minimal [NOTFOUND=return] dns\n"
      "group: files [ !UNAVAIL = return ] ldap\n"
      "netgroup:\n");
  const NssConfig conf = ParseNsswitchConf(in);
  EXPECT_EQ(conf.at("passwd"), (std::vector<std::string>{"files", "systemd"}));
  EXPECT_EQ(conf.at("hosts"),
            (std::vector<std::string>{"files", "mdns4_minimal", "dns"}));
  EXPECT_EQ(conf.at("group"), (std::vector<std::string>{"files", "ldap"}));
  EXPECT_TRUE(conf.at("netgroup").empty());
}

TEST(NssDatabases, ServicesFollowTheDatabasesAsked) {
  std::istringstream in(
      "passwd: files systemd\nhosts: files dns\ngroup: files ldap\n");
  const NssConfig conf = ParseNsswitchConf(in);
  EXPECT_EQ(NssServicesFor(conf, {"hosts"}), (Set{"files", "dns"}));
  EXPECT_EQ(NssServicesFor(conf, {"passwd", "hosts"}),
            (Set{"files", "dns", "systemd"}));
  // initgroups without a line of its own uses the group line.
  EXPECT_EQ(NssServicesFor(conf, {"initgroups"}), (Set{"files", "ldap"}));
  // A database without a line: glibc's defaults and older releases'.
  EXPECT_EQ(NssServicesFor(conf, {"services"}),
            (Set{"files", "compat", "nis"}));
  EXPECT_EQ(NssServicesFor(NssConfig{}, {"hosts"}),
            (Set{"files", "dns", "compat", "nis"}));
  // compat reads DATABASE_compat.
  std::istringstream compat("passwd: compat\npasswd_compat: sss\n");
  EXPECT_EQ(NssServicesFor(ParseNsswitchConf(compat), {"passwd"}),
            (Set{"compat", "sss"}));
}

}  // namespace
}  // namespace go2seccomp::analysis
