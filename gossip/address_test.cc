#include "gossip/address.h"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <initializer_list>
#include <string>

#include "absl/status/status.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace phid {
namespace {

using ::testing::HasSubstr;

TEST(ParseAddressTest, ParsesIpv4WithPort) {
  absl::StatusOr<sockaddr_storage> parsed = ParseAddress("1.2.3.4:5");
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  ASSERT_EQ(parsed->ss_family, AF_INET);
  const auto* in4 = reinterpret_cast<const sockaddr_in*>(&*parsed);
  EXPECT_EQ(ntohl(in4->sin_addr.s_addr), 0x01020304u);
  EXPECT_EQ(ntohs(in4->sin_port), 5);
  EXPECT_EQ(AddressLength(*parsed), sizeof(sockaddr_in));
}

TEST(ParseAddressTest, ParsesBracketedIpv6WithPort) {
  absl::StatusOr<sockaddr_storage> parsed = ParseAddress("[::1]:5");
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  ASSERT_EQ(parsed->ss_family, AF_INET6);
  const auto* in6 = reinterpret_cast<const sockaddr_in6*>(&*parsed);
  EXPECT_TRUE(IN6_IS_ADDR_LOOPBACK(&in6->sin6_addr));
  EXPECT_EQ(ntohs(in6->sin6_port), 5);
  EXPECT_EQ(AddressLength(*parsed), sizeof(sockaddr_in6));
}

TEST(ParseAddressTest, AcceptsPortZeroAndPortMax) {
  EXPECT_TRUE(ParseAddress("127.0.0.1:0").ok());
  EXPECT_TRUE(ParseAddress("127.0.0.1:65535").ok());
}

TEST(ParseAddressTest, RejectsMalformedAddressesNamingThem) {
  for (const char* bad :
       {"", "1.2.3.4", "1.2.3.4:", ":7946", "1.2.3.4:65536", "1.2.3.4:-1",
        "1.2.3.4:+5", "1.2.3.4:80x", "1.2.3:80", "256.1.1.1:80",
        "localhost:7946", "::1:7946", "[::1]", "[::1]7946", "[::1:7946",
        "[1.2.3.4]:80", "[fe80::1%eth0]:80", " 1.2.3.4:80"}) {
    absl::Status status = ParseAddress(bad).status();
    EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << bad;
    EXPECT_THAT(status.message(), HasSubstr(std::string("\"") + bad + "\""));
  }
}

TEST(FormatAddressTest, RoundTripsWhatParseAccepts) {
  for (const char* text : {"1.2.3.4:5", "127.0.0.2:7946", "0.0.0.0:0",
                           "[::1]:5", "[2001:db8::7]:65535", "[::]:7946"}) {
    absl::StatusOr<sockaddr_storage> parsed = ParseAddress(text);
    ASSERT_TRUE(parsed.ok()) << parsed.status();
    EXPECT_EQ(FormatAddress(*parsed), text);
  }
}

TEST(FormatAddressTest, PrintsIpv4MappedIpv6AsIpv4) {
  absl::StatusOr<sockaddr_storage> parsed =
      ParseAddress("[::ffff:10.0.0.1]:80");
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  EXPECT_EQ(FormatAddress(*parsed), "10.0.0.1:80");
}

TEST(IsUnspecifiedAddressTest, IsTrueOnlyForTheWildcardAddresses) {
  EXPECT_TRUE(IsUnspecifiedAddress(*ParseAddress("0.0.0.0:7946")));
  EXPECT_TRUE(IsUnspecifiedAddress(*ParseAddress("[::]:7946")));
  EXPECT_FALSE(IsUnspecifiedAddress(*ParseAddress("127.0.0.1:7946")));
  EXPECT_FALSE(IsUnspecifiedAddress(*ParseAddress("[::1]:7946")));
}

TEST(ValidateSeedTest, AcceptsNumericAddressesAndDnsNamesWithAPort) {
  for (const char* seed : {"10.0.0.1:7946", "[::1]:7946", "localhost:7946",
                           "phid-seeds.phid.svc.cluster.local:7946", "db-1:1",
                           "absolute.name.:80", "0host:65535"}) {
    EXPECT_TRUE(ValidateSeed(seed).ok()) << seed << ": " << ValidateSeed(seed);
  }
}

TEST(ValidateSeedTest, RefusesBadNamesAndPortsWithoutResolvingAnything) {
  const struct {
    const char* seed;
    const char* why;
  } cases[] = {
      {"localhost", "no ':port'"},
      {"localhost:0", "no ':port'"},
      {"localhost:65536", "no ':port'"},
      {"localhost:+5", "no ':port'"},
      {"db_1:7946", "only letters, digits"},
      {"a..b:7946", "empty"},
      {"-a:7946", "starts or ends with '-'"},
      {"1.2.3.999:7946", "not a valid IPv4"},
      {":7946", "no ':port'"},
  };
  for (const auto& c : cases) {
    absl::Status s = ValidateSeed(c.seed);
    EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument) << c.seed;
    EXPECT_THAT(s.message(), HasSubstr(c.why)) << c.seed;
    EXPECT_THAT(s.message(), HasSubstr(std::string("'") + c.seed + "'"));
  }
  std::string long_name;
  while (long_name.size() < 254) long_name += "abc.";
  EXPECT_THAT(ValidateSeed(long_name + "b:1").message(),
              HasSubstr("over 253 bytes"));
  EXPECT_THAT(ValidateSeed(std::string(64, 'a') + ":1").message(),
              HasSubstr("over 63 bytes"));
}

TEST(SplitHostPortTest, SplitsAtTheLastColon) {
  std::string host;
  uint16_t port = 0;
  ASSERT_TRUE(SplitHostPort("phid-seeds:7946", &host, &port));
  EXPECT_EQ(host, "phid-seeds");
  EXPECT_EQ(port, 7946);
  EXPECT_FALSE(SplitHostPort("phid-seeds", &host, &port));
}

TEST(CheckUnicastAddressTest, AcceptsOneHostWithAPort) {
  for (const char* ok :
       {"10.0.0.1:7946", "127.0.0.2:1", "192.168.1.255:80",
        "[2001:db8::7]:7946", "[::1]:7946", "[::ffff:10.0.0.1]:80"}) {
    EXPECT_TRUE(CheckUnicastAddress(*ParseAddress(ok)).ok()) << ok;
  }
}

TEST(CheckUnicastAddressTest, RefusesEachKindOfNonUnicastNamingIt) {
  struct Case {
    const char* address;
    const char* why;
  };
  for (const Case& c : std::initializer_list<Case>{
           {"10.0.0.1:0", "port 0"},
           {"[2001:db8::7]:0", "port 0"},
           {"255.255.255.255:7946", "broadcast"},
           {"[::ffff:255.255.255.255]:7946", "broadcast"},
           {"224.0.0.1:7946", "multicast"},
           {"239.255.255.250:1900", "multicast"},
           {"[ff02::1]:7946", "multicast"},
           {"0.0.0.0:7946", "unspecified"},
           {"0.1.2.3:7946", "unspecified"},
           {"[::]:7946", "unspecified"},
           {"240.0.0.1:7946", "reserved"},
       }) {
    absl::Status status = CheckUnicastAddress(*ParseAddress(c.address));
    EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << c.address;
    EXPECT_THAT(status.message(), HasSubstr(c.why)) << c.address;
  }
}

TEST(CheckAnnouncedAddressTest, LoopbackOnlyFromLoopback) {
  EXPECT_TRUE(CheckAnnouncedAddress("127.0.0.5:7946", "127.0.0.9:7946").ok());
  EXPECT_TRUE(CheckAnnouncedAddress("[::1]:7946", "[::1]:5000").ok());
  EXPECT_TRUE(CheckAnnouncedAddress("10.0.0.5:7946", "127.0.0.9:7946").ok());
  EXPECT_TRUE(CheckAnnouncedAddress("10.0.0.5:7946", "10.0.0.9:7946").ok());
  absl::Status status =
      CheckAnnouncedAddress("127.0.0.5:7946", "10.0.0.9:7946");
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(status.message(), HasSubstr("loopback"));
  EXPECT_FALSE(CheckAnnouncedAddress("[::1]:7946", "10.0.0.9:7946").ok());
  EXPECT_FALSE(CheckAnnouncedAddress("127.0.0.5:7946", "garbage").ok());
  EXPECT_FALSE(CheckAnnouncedAddress("10.0.0.5:0", "10.0.0.9:7946").ok());
  EXPECT_FALSE(CheckAnnouncedAddress("not an address", "10.0.0.9:7946").ok());
}

}  // namespace
}  // namespace phid
