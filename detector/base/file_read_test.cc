#include "detector/base/file_read.h"

#include <cstdio>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"

namespace phid {
namespace {

std::string WriteTempFile(const std::string& name, const std::string& text) {
  const std::string path = absl::StrCat(::testing::TempDir(), "/", name);
  std::FILE* f = std::fopen(path.c_str(), "wb");
  EXPECT_NE(f, nullptr) << path;
  if (f == nullptr) return path;
  std::fwrite(text.data(), 1, text.size(), f);
  std::fclose(f);
  return path;
}

TEST(ReadFileToStringTest, ReadsTheWholeFileByteForByte) {
  std::string text(10000, 'x');
  text[0] = '\0';
  text[5000] = '\n';
  text.back() = '\xff';
  const std::string path = WriteTempFile("whole", text);
  absl::StatusOr<std::string> read = ReadFileToString(path);
  ASSERT_TRUE(read.ok()) << read.status();
  EXPECT_EQ(*read, text);
}

TEST(ReadFileToStringTest, ReadsAnEmptyFile) {
  absl::StatusOr<std::string> read =
      ReadFileToString(WriteTempFile("empty", ""));
  ASSERT_TRUE(read.ok()) << read.status();
  EXPECT_EQ(*read, "");
}

TEST(ReadFileToStringTest, AMissingFileIsNotFoundAndNamesThePath) {
  absl::StatusOr<std::string> read = ReadFileToString("/no/such/file");
  ASSERT_FALSE(read.ok());
  EXPECT_EQ(read.status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(read.status().message(),
            "cannot read /no/such/file: No such file or directory");
}

TEST(ReadFileToStringTest, ADirectoryIsRefused) {
  absl::StatusOr<std::string> read = ReadFileToString(::testing::TempDir());
  EXPECT_FALSE(read.ok());
}

TEST(ReadFileToStringTest, AFileOverTheLimitIsOutOfRange) {
  const std::string path = WriteTempFile("big", std::string(100, 'a'));
  EXPECT_TRUE(ReadFileToString(path, 100).ok());
  absl::StatusOr<std::string> read = ReadFileToString(path, 99);
  ASSERT_FALSE(read.ok());
  EXPECT_EQ(read.status().code(), absl::StatusCode::kOutOfRange);
  EXPECT_NE(read.status().message().find(path), absl::string_view::npos);
}

}  // namespace
}  // namespace phid
