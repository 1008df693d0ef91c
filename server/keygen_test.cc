#include "server/keygen.h"

#include <sys/stat.h>
#include <unistd.h>

#include <fstream>
#include <sstream>
#include <string>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gossip/keyring.h"
#include "gtest/gtest.h"

namespace phid {
namespace {

using ::testing::HasSubstr;

std::string Path(const std::string& name) {
  const std::string path = absl::StrCat(::testing::TempDir(), "/", name);
  unlink(path.c_str());
  return path;
}

std::string Read(const std::string& path) {
  std::ifstream file(path);
  std::ostringstream text;
  text << file.rdbuf();
  return text.str();
}

TEST(KeygenTest, WritesAKeyringFilePhidLoadsWithModeSixHundred) {
  const std::string path = Path("new.key");
  absl::StatusOr<std::string> id = WriteNewKeyFile(path, false);
  ASSERT_TRUE(id.ok()) << id.status();
  struct stat info;
  ASSERT_EQ(stat(path.c_str(), &info), 0);
  EXPECT_EQ(info.st_mode & 0777, 0600);
  absl::StatusOr<Keyring> ring = Keyring::LoadFile(path);
  ASSERT_TRUE(ring.ok()) << ring.status();
  EXPECT_EQ(ring->KeyIds(), std::vector<std::string>{*id});
}

TEST(KeygenTest, EveryKeyIsNew) {
  absl::StatusOr<std::string> first = WriteNewKeyFile(Path("one.key"), false);
  absl::StatusOr<std::string> second = WriteNewKeyFile(Path("two.key"), false);
  ASSERT_TRUE(first.ok() && second.ok());
  EXPECT_NE(*first, *second);
}

TEST(KeygenTest, AnExistingFileIsKeptUnlessOverwriteIsAsked) {
  const std::string path = Path("existing.key");
  std::ofstream(path) << "precious\n";
  absl::StatusOr<std::string> refused = WriteNewKeyFile(path, false);
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kAlreadyExists);
  EXPECT_THAT(refused.status().message(), HasSubstr(path));
  EXPECT_THAT(refused.status().message(), HasSubstr("--keygen_overwrite"));
  EXPECT_EQ(Read(path), "precious\n");

  absl::StatusOr<std::string> replaced = WriteNewKeyFile(path, true);
  ASSERT_TRUE(replaced.ok()) << replaced.status();
  absl::StatusOr<Keyring> ring = Keyring::LoadFile(path);
  ASSERT_TRUE(ring.ok()) << ring.status();
  EXPECT_EQ(ring->primary_id(), *replaced);
  struct stat info;
  ASSERT_EQ(stat(path.c_str(), &info), 0);
  EXPECT_EQ(info.st_mode & 0777, 0600);
}

TEST(KeygenTest, AnUnwritableDirectoryIsNamedAndLeavesNothing) {
  const std::string path = Path("no/such/dir/new.key");
  absl::StatusOr<std::string> id = WriteNewKeyFile(path, false);
  EXPECT_FALSE(id.ok());
  EXPECT_THAT(id.status().message(), HasSubstr(path));
}

TEST(KeygenTest, TheNextStepsNameTheFileTheKeyIdAndTheThreeSteps) {
  const std::string steps = KeygenNextSteps("/etc/phid/new.key", "0a1b2c3d");
  EXPECT_THAT(steps, HasSubstr("wrote key 0a1b2c3d to /etc/phid/new.key"));
  EXPECT_THAT(steps, HasSubstr("cat OLD /etc/phid/new.key > KEYRING"));
  EXPECT_THAT(steps, HasSubstr("cat /etc/phid/new.key OLD > KEYRING"));
  EXPECT_THAT(steps, HasSubstr("systemctl reload phid"));
  EXPECT_THAT(steps, HasSubstr("key_id=\"0a1b2c3d\""));
}

}  // namespace
}  // namespace phid
