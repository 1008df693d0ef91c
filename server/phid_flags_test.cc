#include "server/phid_flags.h"

#include <cstdio>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "absl/flags/declare.h"
#include "absl/flags/flag.h"
#include "absl/flags/reflection.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "detector/phi.h"
#include "gtest/gtest.h"

ABSL_DECLARE_FLAG(std::string, name);
ABSL_DECLARE_FLAG(std::string, bind);
ABSL_DECLARE_FLAG(std::string, advertise);
ABSL_DECLARE_FLAG(std::vector<std::string>, seeds);
ABSL_DECLARE_FLAG(std::string, preset);
ABSL_DECLARE_FLAG(std::optional<absl::Duration>, gossip_interval);
ABSL_DECLARE_FLAG(std::optional<int>, fanout);
ABSL_DECLARE_FLAG(std::optional<phid::PhiModel>, model);
ABSL_DECLARE_FLAG(std::optional<absl::Duration>, acceptable_pause);
ABSL_DECLARE_FLAG(std::optional<absl::Duration>, min_stddev);
ABSL_DECLARE_FLAG(std::string, tags);
ABSL_DECLARE_FLAG(std::string, cluster);
ABSL_DECLARE_FLAG(std::string, grpc_address);
ABSL_DECLARE_FLAG(std::string, metrics_address);
ABSL_DECLARE_FLAG(std::string, keyring);
ABSL_DECLARE_FLAG(double, default_threshold);
ABSL_DECLARE_FLAG(std::string, tls_cert);
ABSL_DECLARE_FLAG(std::string, tls_key);
ABSL_DECLARE_FLAG(absl::Duration, write_timeout);
ABSL_DECLARE_FLAG(absl::Duration, shutdown_timeout);
ABSL_DECLARE_FLAG(absl::Duration, added_delay);
ABSL_DECLARE_FLAG(double, drop_probability);
ABSL_DECLARE_FLAG(int, max_watchers);
ABSL_DECLARE_FLAG(size_t, max_queued_messages);

namespace phid {
namespace {

std::string TempFile(absl::string_view name, absl::string_view text) {
  const char* dir = std::getenv("TEST_TMPDIR");
  std::string path = absl::StrCat(dir != nullptr ? dir : "/tmp", "/", name);
  std::FILE* f = std::fopen(path.c_str(), "w");
  std::fwrite(text.data(), 1, text.size(), f);
  std::fclose(f);
  return path;
}

class PhidFlagsTest : public ::testing::Test {
 protected:
  absl::FlagSaver saver_;

  // The error DaemonOptionsFromFlags, or else CheckFiles, gives.
  absl::Status Check() {
    absl::StatusOr<DaemonOptions> o = DaemonOptionsFromFlags("host", "");
    if (!o.ok()) return o.status();
    return o->CheckFiles();
  }

  void ExpectError(const std::string& flag, const std::string& what) {
    absl::Status s = Check();
    ASSERT_FALSE(s.ok()) << flag;
    EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
    // "--fanout must be ..." or "--bind: bad address ...".
    EXPECT_TRUE(absl::StartsWith(s.message(), "--" + flag + " ") ||
                absl::StartsWith(s.message(), "--" + flag + ": "))
        << s;
    EXPECT_TRUE(absl::StrContains(s.message(), what)) << s;
  }
};

TEST_F(PhidFlagsTest, DefaultsGiveALanDaemonNamedAfterTheHost) {
  absl::StatusOr<DaemonOptions> o =
      DaemonOptionsFromFlags("host-1", "10.1.2.3");
  ASSERT_TRUE(o.ok()) << o.status();
  EXPECT_EQ(o->gossip.name, "host-1");
  EXPECT_EQ(o->gossip.gossip_interval, absl::Milliseconds(100));
  EXPECT_EQ(o->udp.bind_address, "0.0.0.0:7946");
  // A wildcard bind advertises the interface address with the bound port.
  EXPECT_EQ(o->udp.advertise_address, "10.1.2.3:0");
  EXPECT_EQ(o->grpc_address, "127.0.0.1:7070");
  EXPECT_EQ(o->metrics_address, "127.0.0.1:9470");
  EXPECT_EQ(o->default_threshold, 8);
  EXPECT_EQ(o->max_watchers, 10000);
  EXPECT_EQ(o->write_timeout, absl::Seconds(10));
  EXPECT_EQ(o->shutdown_timeout, absl::Seconds(3));
  EXPECT_TRUE(o->CheckFiles().ok());
}

TEST_F(PhidFlagsTest, PresetThenExplicitFlagsWin) {
  absl::SetFlag(&FLAGS_preset, "wan");
  absl::StatusOr<DaemonOptions> o = DaemonOptionsFromFlags("h", "");
  ASSERT_TRUE(o.ok()) << o.status();
  EXPECT_EQ(o->gossip.gossip_interval, absl::Milliseconds(500));
  EXPECT_EQ(o->gossip.detector.acceptable_pause, absl::Seconds(2));

  absl::SetFlag(&FLAGS_gossip_interval, absl::Milliseconds(200));
  absl::SetFlag(&FLAGS_fanout, 5);
  absl::SetFlag(&FLAGS_model, PhiModel::kExponential);
  absl::SetFlag(&FLAGS_acceptable_pause, absl::Seconds(1));
  absl::SetFlag(&FLAGS_seeds, std::vector<std::string>{"10.0.0.1:7946",
                                                       " 10.0.0.2:7946", ""});
  absl::SetFlag(&FLAGS_tags, "role=db,zone=eu");
  o = DaemonOptionsFromFlags("h", "");
  ASSERT_TRUE(o.ok()) << o.status();
  EXPECT_EQ(o->gossip.gossip_interval, absl::Milliseconds(200));
  // Derived from the interval, as --gossip_interval's help says.
  EXPECT_EQ(o->gossip.detector.min_stddev, absl::Milliseconds(100));
  EXPECT_EQ(o->gossip.detector.acceptable_pause, absl::Seconds(1));
  EXPECT_EQ(o->gossip.detector.model, PhiModel::kExponential);
  EXPECT_EQ(o->gossip.fanout, 5);
  EXPECT_EQ(o->gossip.seeds,
            (std::vector<std::string>{"10.0.0.1:7946", "10.0.0.2:7946"}));
  EXPECT_EQ(o->gossip.tags.at("zone"), "eu");
}

TEST_F(PhidFlagsTest, TypedFlagsParseOnceAndRefuseWhatIsNotTheirType) {
  struct Case {
    const char* flag;
    const char* good;
    const char* bad;
  };
  for (const Case& c : std::vector<Case>{
           {"gossip_interval", "250ms", "fast"},
           {"acceptable_pause", "1.5s", "1.5"},
           {"min_stddev", "50ms", "-"},
           {"write_timeout", "2s", "soon"},
           {"shutdown_timeout", "500ms", "3"},
           {"added_delay", "0", "x"},
           {"fanout", "4", "many"},
           {"model", "akka", "magic"},
           {"default_threshold", "3.5", "abc"},
           {"max_queued_messages", "100", "-5"},
           {"v", "2", "abc"},
       }) {
    absl::CommandLineFlag* flag = absl::FindCommandLineFlag(c.flag);
    ASSERT_NE(flag, nullptr) << c.flag;
    std::string error;
    EXPECT_TRUE(flag->ParseFrom(c.good, &error)) << c.flag << ": " << error;
    EXPECT_FALSE(flag->ParseFrom(c.bad, &error)) << c.flag << "=" << c.bad;
  }
  // An optional flag set to "" is unset again: the preset's value.
  std::string error;
  ASSERT_TRUE(absl::FindCommandLineFlag("model")->ParseFrom("", &error));
  EXPECT_EQ(absl::GetFlag(FLAGS_model), std::nullopt);
}

TEST_F(PhidFlagsTest, EveryBadValueNamesItsFlag) {
  struct Case {
    std::function<void()> set;
    std::string flag;
    std::string what;  // a part of the message
  };
  std::vector<Case> cases = {
      {[] { absl::SetFlag(&FLAGS_preset, "moon"); }, "preset", "'moon'"},
      {[] { absl::SetFlag(&FLAGS_name, "bad name"); }, "name", "[A-Za-z0-9"},
      {[] { absl::SetFlag(&FLAGS_cluster, ""); }, "cluster", "1 to 64"},
      {[] { absl::SetFlag(&FLAGS_bind, "nowhere"); }, "bind", "nowhere"},
      {[] { absl::SetFlag(&FLAGS_advertise, "0.0.0.0:1"); }, "advertise",
       "wildcard"},
      {[] {
         absl::SetFlag(&FLAGS_seeds, std::vector<std::string>{"db_1:7946"});
       },
       "seeds", "'db_1:7946'"},
      {[] { absl::SetFlag(&FLAGS_gossip_interval, absl::Milliseconds(1)); },
       "gossip_interval", "[10ms, 10s]"},
      {[] { absl::SetFlag(&FLAGS_fanout, 0); }, "fanout", "[1, 16]"},
      {[] { absl::SetFlag(&FLAGS_acceptable_pause, absl::Seconds(-1)); },
       "acceptable_pause", "got -1s"},
      {[] { absl::SetFlag(&FLAGS_min_stddev, absl::ZeroDuration()); },
       "min_stddev", "(0, 1h]"},
      {[] { absl::SetFlag(&FLAGS_tags, "Role=x"); }, "tags", "Role"},
      {[] { absl::SetFlag(&FLAGS_tags, "role"); }, "tags", "key=value"},
      // Tags that would not fit a gossip packet are refused, not truncated.
      {[] {
         std::string big;
         for (int i = 0; i < 10; ++i) {
           big += (i ? "," : "") + std::string("k") + std::to_string(i) + "=" +
                  std::string(60, 'v');
         }
         absl::SetFlag(&FLAGS_tags, big);
       },
       "tags", "total"},
      {[] { absl::SetFlag(&FLAGS_grpc_address, "garbage"); }, "grpc_address",
       "'garbage' has no port"},
      {[] { absl::SetFlag(&FLAGS_grpc_address, "host:70000"); }, "grpc_address",
       "[0, 65535]"},
      {[] { absl::SetFlag(&FLAGS_grpc_address, "bad host:7070"); },
       "grpc_address", "host 'bad host'"},
      {[] { absl::SetFlag(&FLAGS_grpc_address, "unix:relative.sock"); },
       "grpc_address", "unix:/absolute/path"},
      {[] { absl::SetFlag(&FLAGS_metrics_address, "127.0.0.1:-1"); },
       "metrics_address", "[0, 65535]"},
      {[] { absl::SetFlag(&FLAGS_metrics_address, "unix:/run/m.sock"); },
       "metrics_address", "unix sockets are not supported"},
      {[] { absl::SetFlag(&FLAGS_default_threshold, 65); }, "default_threshold",
       "(0, 64], got 65"},
      {[] { absl::SetFlag(&FLAGS_default_threshold, 0); }, "default_threshold",
       "(0, 64], got 0"},
      {[] { absl::SetFlag(&FLAGS_tls_cert, "/tmp/cert.pem"); }, "tls_key",
       "go together"},
      {[] { absl::SetFlag(&FLAGS_write_timeout, absl::Milliseconds(1)); },
       "write_timeout", "[10ms, 1h], got 1ms"},
      {[] { absl::SetFlag(&FLAGS_shutdown_timeout, absl::Minutes(2)); },
       "shutdown_timeout", "got 2m"},
      {[] { absl::SetFlag(&FLAGS_drop_probability, 2); }, "drop_probability",
       "[0, 1]"},
      {[] { absl::SetFlag(&FLAGS_added_delay, absl::Seconds(-1)); },
       "added_delay", ">= 0"},
      {[] { absl::SetFlag(&FLAGS_max_watchers, 0); }, "max_watchers",
       "[1, 1000000]"},
      {[] { absl::SetFlag(&FLAGS_max_queued_messages, 15); },
       "max_queued_messages", "got 15"},
      // The files a start reads are read by the check too.
      {[] { absl::SetFlag(&FLAGS_keyring, "/nonexistent/keyring"); }, "keyring",
       "/nonexistent/keyring"},
      {[] {
         absl::SetFlag(&FLAGS_keyring, TempFile("bad.keyring", "not a key\n"));
       },
       "keyring", "line 1"},
      {[] {
         absl::SetFlag(&FLAGS_tls_cert, "/nonexistent/cert.pem");
         absl::SetFlag(&FLAGS_tls_key, "/nonexistent/key.pem");
       },
       "tls_cert", "cannot read /nonexistent/cert.pem"},
      {[] {
         absl::SetFlag(&FLAGS_tls_cert, TempFile("cert.pem", "garbage\n"));
         absl::SetFlag(&FLAGS_tls_key, TempFile("key.pem", "garbage\n"));
       },
       "tls_cert", "no PEM certificate"},
  };
  for (const Case& c : cases) {
    absl::FlagSaver saver;
    c.set();
    ExpectError(c.flag, c.what);
  }
}

TEST(PhidFlagsHelpTest, HelpListsPhidsOwnFlagsOnly) {
  EXPECT_TRUE(IsPhidFlagsFile("server/phid_flags.cc"));
  EXPECT_FALSE(IsPhidFlagsFile("./absl/flags/parse.cc"));
  EXPECT_FALSE(IsPhidFlagsFile("server/phid_flags_test.cc"));
  // Every phid flag has its help text, and it lives in that file.
  for (const char* name : {"name",
                           "bind",
                           "advertise",
                           "seeds",
                           "grpc_address",
                           "metrics_address",
                           "cluster",
                           "keyring",
                           "preset",
                           "gossip_interval",
                           "fanout",
                           "model",
                           "acceptable_pause",
                           "min_stddev",
                           "default_threshold",
                           "tags",
                           "tls_cert",
                           "tls_key",
                           "max_watchers",
                           "write_timeout",
                           "max_queued_messages",
                           "drop_probability",
                           "added_delay",
                           "shutdown_timeout",
                           "v"}) {
    absl::CommandLineFlag* flag = absl::FindCommandLineFlag(name);
    ASSERT_NE(flag, nullptr) << name;
    EXPECT_TRUE(IsPhidFlagsFile(flag->Filename())) << name;
    EXPECT_GT(flag->Help().size(), 10u) << name;
  }
}

}  // namespace
}  // namespace phid
