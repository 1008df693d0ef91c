// The API over TLS: a daemon started with a certificate and key serves
// ListPeers to a client that trusts that certificate, and refuses a
// plaintext client. The certificate is made at test time with the openssl
// command-line tool (Debian package openssl).
#include <cstdlib>
#include <fstream>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "server/test_daemons.h"

namespace phid {
namespace {

std::string ReadAll(const std::string& path) {
  std::ifstream in(path);
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

TEST(TlsTest, TheApiServesTlsClientsAndRefusesPlaintextOnes) {
  const char* tmp = std::getenv("TEST_TMPDIR");
  std::string dir = tmp != nullptr ? tmp : "/tmp";
  std::string cert = dir + "/phid-cert.pem";
  std::string key = dir + "/phid-key.pem";
  std::string command = absl::StrCat(
      "openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=localhost "
      "-addext subjectAltName=IP:127.0.0.1 -keyout ",
      key, " -out ", cert, " 2>/dev/null");
  ASSERT_EQ(std::system(command.c_str()), 0)
      << "openssl could not make a certificate: " << command;

  DaemonOptions options = TestDaemonOptions("tls-node");
  options.tls_cert = cert;
  options.tls_key = key;
  std::unique_ptr<Daemon> daemon = StartTestDaemon(options);
  std::string target = absl::StrCat("127.0.0.1:", daemon->grpc_port());

  grpc::SslCredentialsOptions trust;
  trust.pem_root_certs = ReadAll(cert);
  auto secure = phi::v1::FailureDetector::NewStub(
      grpc::CreateChannel(target, grpc::SslCredentials(trust)));
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() +
                       std::chrono::seconds(10));
  phi::v1::ListPeersResponse response;
  grpc::Status status =
      secure->ListPeers(&context, phi::v1::ListPeersRequest(), &response);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(response.self(), "tls-node");

  auto plain = phi::v1::FailureDetector::NewStub(
      grpc::CreateChannel(target, grpc::InsecureChannelCredentials()));
  grpc::ClientContext plain_context;
  plain_context.set_deadline(std::chrono::system_clock::now() +
                             std::chrono::seconds(3));
  grpc::Status refused =
      plain->ListPeers(&plain_context, phi::v1::ListPeersRequest(), &response);
  EXPECT_FALSE(refused.ok());
}

}  // namespace
}  // namespace phid
