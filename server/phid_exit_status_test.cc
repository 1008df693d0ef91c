// Runs the real phid binary on bad command lines: each must exit 2 (the
// systemd unit's RestartPreventExitStatus) with a message naming what is
// wrong, and --only_check_args must refuse what a start refuses. Also
// --help, --helpfull and --version. Nothing here binds a socket: every case
// ends before phid would.
#include <sys/stat.h>
#include <sys/wait.h>

#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace phid {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

struct PhidRun {
  int status = -1;     // exit status
  std::string output;  // stdout and stderr
};

// The binary from the test's runfiles (data = [":phid"]).
PhidRun Phid(const std::vector<std::string>& args) {
  std::string command = "server/phid";
  for (const std::string& arg : args) absl::StrAppend(&command, " '", arg, "'");
  absl::StrAppend(&command, " 2>&1 </dev/null");
  PhidRun run;
  std::FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) return run;
  char buffer[4096];
  size_t n;
  while ((n = std::fread(buffer, 1, sizeof buffer, pipe)) > 0) {
    run.output.append(buffer, n);
  }
  const int wait_status = pclose(pipe);
  if (WIFEXITED(wait_status)) run.status = WEXITSTATUS(wait_status);
  return run;
}

std::string TestDir() {
  const char* dir = std::getenv("TEST_TMPDIR");
  return dir != nullptr ? dir : "/tmp";
}

std::string WriteFile(const std::string& name, const std::string& text) {
  const std::string path = absl::StrCat(TestDir(), "/", name);
  std::FILE* f = std::fopen(path.c_str(), "w");
  std::fputs(text.c_str(), f);
  std::fclose(f);
  return path;
}

// A self-signed certificate and its key, made with the openssl tool.
bool MakeCertificate(const std::string& stem) {
  const std::string command = absl::StrCat(
      "openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=localhost "
      "-keyout ",
      TestDir(), "/", stem, "-key.pem -out ", TestDir(), "/", stem,
      "-cert.pem 2>/dev/null");
  return std::system(command.c_str()) == 0;
}

struct BadCase {
  std::vector<std::string> args;
  std::string named;  // the message must contain this
};

// Every case runs once as given (a real start, stopped by the bad option
// before it binds anything) and once with --only_check_args.
void ExpectRefused(const BadCase& c) {
  for (bool check_only : {false, true}) {
    std::vector<std::string> args = c.args;
    if (check_only) args.push_back("--only_check_args");
    const PhidRun run = Phid(args);
    const std::string what = absl::StrJoin(args, " ");
    EXPECT_EQ(run.status, 2) << what << "\n" << run.output;
    EXPECT_THAT(run.output, HasSubstr(c.named)) << what;
    EXPECT_THAT(run.output, Not(HasSubstr("started"))) << what;
  }
}

TEST(PhidExitStatusTest, AnUnknownFlagExits2NamingIt) {
  ExpectRefused({{"--no_such_flag=1"}, "'no_such_flag'"});
  ExpectRefused({{"--grpc_adress=127.0.0.1:7070"}, "'grpc_adress'"});
}

TEST(PhidExitStatusTest, AMissingFlagfileExits2NamingIt) {
  ExpectRefused(
      {{"--flagfile=/nonexistent/phid.flags"}, "/nonexistent/phid.flags"});
}

TEST(PhidExitStatusTest, AnUnknownFlagInAFlagfileExits2NamingIt) {
  const std::string flags =
      WriteFile("typo.flags", "# a comment\n--bind=127.0.0.1:0\n--seeds_=x\n");
  ExpectRefused({{"--flagfile=" + flags}, "'seeds_'"});
}

TEST(PhidExitStatusTest, AValueOfTheWrongTypeExits2NamingTheFlag) {
  ExpectRefused({{"--v=abc"}, "flag 'v'"});
  ExpectRefused({{"--default_threshold=abc"}, "flag 'default_threshold'"});
  ExpectRefused({{"--gossip_interval=fast"}, "flag 'gossip_interval'"});
  ExpectRefused({{"--model=magic"}, "flag 'model'"});
}

TEST(PhidExitStatusTest, ABadListenAddressExits2NamingTheFlag) {
  ExpectRefused({{"--grpc_address=garbage"}, "--grpc_address: 'garbage'"});
  ExpectRefused(
      {{"--grpc_address=host:70000"}, "--grpc_address: 'host:70000'"});
  ExpectRefused(
      {{"--metrics_address=127.0.0.1:99999"}, "--metrics_address: '127.0.0.1"});
}

TEST(PhidExitStatusTest, WhatARealStartRefusesOnlyCheckArgsRefusesToo) {
  ExpectRefused({{"--seeds=db_1:7946"}, "--seeds: 'db_1:7946'"});
  ExpectRefused(
      {{"--preset=prod"}, "--preset: must be lan, wan, local or lean"});
  ExpectRefused({{"--keyring=/nonexistent"}, "--keyring: "});
  ExpectRefused({{"--keyring=" + WriteFile("bad.keyring", "not-a-key\n")},
                 "keyring line 1: not 64 hex digits"});
  ExpectRefused({{"--default_threshold=100"},
                 "--default_threshold: must be in (0, 64], got 100"});
  ExpectRefused({{"--name=has space"}, "--name must be"});
}

TEST(PhidExitStatusTest, APositionalArgumentExits2) {
  ExpectRefused({{"start"}, "unexpected argument \"start\""});
}

TEST(PhidExitStatusTest, KeygenWritesAKeyOnceAndReplacesItOnlyIfAsked) {
  const std::string path = absl::StrCat(TestDir(), "/keygen.key");
  std::remove(path.c_str());
  const PhidRun first = Phid({"keygen", path});
  EXPECT_EQ(first.status, 0) << first.output;
  EXPECT_THAT(first.output, HasSubstr(absl::StrCat("to ", path)));
  EXPECT_THAT(first.output, HasSubstr("systemctl reload phid"));
  struct stat info;
  ASSERT_EQ(stat(path.c_str(), &info), 0);
  EXPECT_EQ(info.st_mode & 0777, 0600);
  const PhidRun again = Phid({"keygen", path});
  EXPECT_EQ(again.status, 1) << again.output;
  EXPECT_THAT(again.output, HasSubstr("exists; not overwriting"));
  const PhidRun forced = Phid({"keygen", path, "--keygen_overwrite"});
  EXPECT_EQ(forced.status, 0) << forced.output;
  EXPECT_NE(forced.output, first.output);  // another key id
  // The key it wrote is one a start accepts.
  const PhidRun check = Phid({"--keyring=" + path, "--only_check_args"});
  EXPECT_EQ(check.status, 0) << check.output;
}

TEST(PhidExitStatusTest, KeygenWithoutAFileExits2) {
  const PhidRun run = Phid({"keygen"});
  EXPECT_EQ(run.status, 2) << run.output;
  EXPECT_THAT(run.output, HasSubstr("keygen takes one argument"));
}

TEST(PhidExitStatusTest, ABadCertificateIsBlamedOnTheTlsFlags) {
  ASSERT_TRUE(MakeCertificate("a"));
  ASSERT_TRUE(MakeCertificate("b"));
  const std::string dir = TestDir();
  const std::string garbage = WriteFile("garbage.pem", "not a certificate\n");
  for (const BadCase& c : std::vector<BadCase>{
           {{"--tls_cert=" + garbage, "--tls_key=" + dir + "/a-key.pem"},
            "--tls_cert: "},
           {{"--tls_cert=" + dir + "/a-cert.pem", "--tls_key=" + garbage},
            "--tls_key: "},
           {{"--tls_cert=" + dir + "/a-cert.pem",
             "--tls_key=" + dir + "/b-key.pem"},
            "is not the key of the certificate"},
           {{"--tls_cert=" + dir + "/a-cert.pem"}, "go together"},
       }) {
    ExpectRefused(c);
    EXPECT_THAT(Phid(c.args).output, Not(HasSubstr("grpc_address")));
  }
  // The matching pair passes.
  const PhidRun good =
      Phid({"--tls_cert=" + dir + "/a-cert.pem",
            "--tls_key=" + dir + "/a-key.pem", "--only_check_args"});
  EXPECT_EQ(good.status, 0) << good.output;
}

TEST(PhidExitStatusTest, OnlyCheckArgsPassesGoodOptionsAndBindsNothing) {
  const std::string flags =
      WriteFile("good.flags",
                "--bind=127.0.0.1:7946\n--seeds=10.0.0.4:7946,10.0.0.5:7946\n"
                "--preset=wan\n--gossip_interval=250ms\n--model=exponential\n");
  const PhidRun run =
      Phid({"--flagfile=" + flags, "--name=db-1", "--only_check_args"});
  EXPECT_EQ(run.status, 0) << run.output;
  EXPECT_THAT(run.output, HasSubstr("options OK (member 'db-1'"));
  EXPECT_THAT(run.output, Not(HasSubstr("started")));
}

TEST(PhidExitStatusTest, OnlyCheckArgsChecksADnsSeedsSyntaxWithoutALookup) {
  // .invalid never resolves (RFC 6761): the check must not need a lookup.
  const PhidRun run = Phid(
      {"--name=db-1", "--seeds=phid-seeds.invalid:7946", "--only_check_args"});
  EXPECT_EQ(run.status, 0) << run.output;
  EXPECT_THAT(run.output, HasSubstr("options OK"));
}

TEST(PhidExitStatusTest, HelpListsPhidsFlagsWithTheirDefaults) {
  const PhidRun run = Phid({"--help"});
  EXPECT_EQ(run.status, 0);
  EXPECT_THAT(run.output, HasSubstr("phid: a phi-accrual"));
  EXPECT_THAT(run.output, HasSubstr("phid keygen FILE"));
  EXPECT_THAT(run.output, HasSubstr("SIGHUP"));
  EXPECT_THAT(run.output, Not(HasSubstr("phid: phid:")));
  EXPECT_THAT(run.output, Not(HasSubstr("No flags matched")));
  for (const char* flag :
       {"--name", "--bind", "--seeds", "--grpc_address", "--preset",
        "--gossip_interval", "--default_threshold", "--tls_cert",
        "--shutdown_timeout", "--keyring", "--keygen_overwrite", "--v "}) {
    EXPECT_THAT(run.output, HasSubstr(flag)) << flag;
  }
  EXPECT_THAT(run.output, HasSubstr("default: \"127.0.0.1:7070\""));
  EXPECT_THAT(run.output, HasSubstr("default: 10s"));
  // The libraries' flags wait for --helpfull.
  EXPECT_THAT(run.output, Not(HasSubstr("--fromenv")));
  const PhidRun full = Phid({"--helpfull"});
  EXPECT_EQ(full.status, 0);
  EXPECT_THAT(full.output, HasSubstr("--fromenv"));
  EXPECT_THAT(full.output, HasSubstr("--grpc_address ("));
}

TEST(PhidExitStatusTest, VersionSaysVersionCommitAndBuildMode) {
  const PhidRun run = Phid({"--version"});
  EXPECT_EQ(run.status, 0);
  EXPECT_THAT(run.output,
              ::testing::MatchesRegex("phid [0-9]+\\.[0-9]+\\.[0-9]+\n"
                                      "commit ([0-9a-f]{12}(-dirty)?|unknown)\n"
                                      "build (opt|dbg|fastbuild) \\(assertions "
                                      "(on|off)\\)\n"));
}

}  // namespace
}  // namespace phid
