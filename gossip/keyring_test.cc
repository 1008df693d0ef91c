#include "gossip/keyring.h"

#include <fstream>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace phid {
namespace {

using ::testing::HasSubstr;

std::string Key(char fill) { return std::string(Keyring::kKeyBytes, fill); }

Keyring Ring(std::vector<std::string> keys) {
  absl::StatusOr<Keyring> ring = Keyring::FromKeys(std::move(keys));
  EXPECT_TRUE(ring.ok()) << ring.status();
  return *std::move(ring);
}

TEST(KeyringTest, SealedDataOpensWithTheSameKeyring) {
  const Keyring ring = Ring({Key('a')});
  const std::string sealed = ring.Seal("heartbeat", "cluster-1");
  absl::StatusOr<std::string> opened = ring.Open(sealed, "cluster-1");
  ASSERT_TRUE(opened.ok()) << opened.status();
  EXPECT_EQ(*opened, "heartbeat");
}

TEST(KeyringTest, EmptyPlaintextAndEmptyAssociatedDataRoundTrip) {
  const Keyring ring = Ring({Key('a')});
  absl::StatusOr<std::string> opened = ring.Open(ring.Seal("", ""), "");
  ASSERT_TRUE(opened.ok()) << opened.status();
  EXPECT_EQ(*opened, "");
}

TEST(KeyringTest, SealedDataIsNonceCiphertextAndTag) {
  const Keyring ring = Ring({Key('a')});
  const std::string plaintext = "some plaintext";
  const std::string sealed = ring.Seal(plaintext, "");
  EXPECT_EQ(sealed.size(),
            Keyring::kNonceBytes + plaintext.size() + Keyring::kTagBytes);
  EXPECT_THAT(sealed, ::testing::Not(HasSubstr(plaintext)));
}

TEST(KeyringTest, EverySealUsesAFreshNonce) {
  const Keyring ring = Ring({Key('a')});
  const std::string first = ring.Seal("same", "");
  const std::string second = ring.Seal("same", "");
  EXPECT_NE(first.substr(0, Keyring::kNonceBytes),
            second.substr(0, Keyring::kNonceBytes));
  EXPECT_NE(first, second);
}

TEST(KeyringTest, OpenFailsWithAWrongKey) {
  const std::string sealed = Ring({Key('a')}).Seal("secret", "");
  absl::StatusOr<std::string> opened = Ring({Key('b')}).Open(sealed, "");
  EXPECT_EQ(opened.status().code(), absl::StatusCode::kPermissionDenied);
}

TEST(KeyringTest, RotatedRingStillOpensDataSealedWithTheOldKey) {
  const Keyring old_ring = Ring({Key('o')});
  const Keyring rotated = Ring({Key('n'), Key('o')});  // new primary, old kept

  absl::StatusOr<std::string> opened =
      rotated.Open(old_ring.Seal("from an old node", "ad"), "ad");
  ASSERT_TRUE(opened.ok()) << opened.status();
  EXPECT_EQ(*opened, "from an old node");

  // The rotated ring seals with the new key: only rings holding it open it.
  const std::string sealed_by_new = rotated.Seal("from a new node", "ad");
  EXPECT_FALSE(old_ring.Open(sealed_by_new, "ad").ok());
  EXPECT_TRUE(Ring({Key('o'), Key('n')}).Open(sealed_by_new, "ad").ok());
}

TEST(KeyringTest, FlippingAnyByteMakesOpenFail) {
  const Keyring ring = Ring({Key('a')});
  const std::string sealed = ring.Seal("a gossip packet of some length", "ad");
  for (size_t i = 0; i < sealed.size(); ++i) {
    for (unsigned char bit : {0x01, 0x80}) {
      std::string tampered = sealed;
      tampered[i] = static_cast<char>(tampered[i] ^ bit);
      EXPECT_EQ(ring.Open(tampered, "ad").status().code(),
                absl::StatusCode::kPermissionDenied)
          << "byte " << i << " bit " << static_cast<int>(bit);
    }
  }
}

TEST(KeyringTest, TruncatedOrExtendedDataFails) {
  const Keyring ring = Ring({Key('a')});
  const std::string sealed = ring.Seal("payload", "");
  for (size_t length = 0; length < sealed.size(); ++length) {
    EXPECT_FALSE(ring.Open(sealed.substr(0, length), "").ok())
        << "length " << length;
  }
  EXPECT_FALSE(ring.Open(sealed + "x", "").ok());
}

TEST(KeyringTest, DifferentAssociatedDataFails) {
  const Keyring ring = Ring({Key('a')});
  const std::string sealed = ring.Seal("payload", "cluster-1");
  EXPECT_FALSE(ring.Open(sealed, "cluster-2").ok());
  EXPECT_FALSE(ring.Open(sealed, "").ok());
  EXPECT_FALSE(ring.Open(ring.Seal("payload", ""), "cluster-1").ok());
}

TEST(KeyringTest, FromKeysRejectsNoKeysAndWrongSizes) {
  EXPECT_THAT(Keyring::FromKeys({}).status().message(), HasSubstr("no keys"));
  absl::Status status = Keyring::FromKeys({Key('a'), "short"}).status();
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(status.message(), HasSubstr("key 1 is 5 bytes"));
}

// The same 32 bytes written three ways.
const std::string kRaw = "0123456789abcdefghijklmnopqrstuv";

TEST(KeyringTest, ParseAcceptsHexAndBase64KeysSkippingCommentsAndBlanks) {
  const std::string text = absl::StrCat(
      "# cluster keys, primary first\n", "\n", "  ",
      absl::BytesToHexString(Key('p')), "  \r\n",                 // hex, CRLF
      absl::AsciiStrToUpper(absl::BytesToHexString(kRaw)), "\n",  // HEX
      absl::Base64Escape(Key('b')),                               // no final \n
      "");
  absl::StatusOr<Keyring> ring = Keyring::Parse(text);
  ASSERT_TRUE(ring.ok()) << ring.status();
  EXPECT_EQ(ring->size(), 3u);
  // The first key is primary: a ring of only that key opens what it seals.
  EXPECT_TRUE(Ring({Key('p')}).Open(ring->Seal("x", ""), "").ok());
  // The others decrypt.
  EXPECT_TRUE(ring->Open(Ring({kRaw}).Seal("x", ""), "").ok());
  EXPECT_TRUE(ring->Open(Ring({Key('b')}).Seal("x", ""), "").ok());
}

TEST(KeyringTest, ParseAcceptsUnpaddedBase64) {
  std::string unpadded = absl::Base64Escape(kRaw);
  while (!unpadded.empty() && unpadded.back() == '=') unpadded.pop_back();
  absl::StatusOr<Keyring> ring = Keyring::Parse(unpadded);
  ASSERT_TRUE(ring.ok()) << ring.status();
  EXPECT_TRUE(ring->Open(Ring({kRaw}).Seal("x", ""), "").ok());
}

TEST(KeyringTest, ParseErrorsNameTheLine) {
  const std::string good = absl::BytesToHexString(Key('a'));
  struct Case {
    std::string text;
    std::string want;
  };
  const std::vector<Case> cases = {
      {absl::StrCat("# comment\n\nnot a key!\n"), "line 3: not 64 hex digits"},
      {absl::StrCat(good, "\n", good.substr(1), "\n"), "line 2: base64 key"},
      {absl::StrCat(good, "\n", absl::Base64Escape("sixteen bytes..."), "\n"),
       "line 2: base64 key decodes to 16 bytes"},
      {absl::StrCat(good, "0\n"), "line 1:"},
  };
  for (const Case& c : cases) {
    absl::Status status = Keyring::Parse(c.text).status();
    EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << c.text;
    EXPECT_THAT(status.message(), HasSubstr(c.want)) << c.text;
  }
}

TEST(KeyringTest, ParseRejectsTextWithoutKeys) {
  EXPECT_THAT(Keyring::Parse("").status().message(), HasSubstr("no keys"));
  EXPECT_THAT(Keyring::Parse("# only a comment\n\n").status().message(),
              HasSubstr("no keys"));
}

std::string WriteFile(const std::string& name, const std::string& contents) {
  const std::string path = absl::StrCat(::testing::TempDir(), "/", name);
  std::ofstream(path, std::ios::binary) << contents;
  return path;
}

TEST(KeyringTest, LoadFileReadsAKeyringFile) {
  const std::string path = WriteFile(
      "keyring_ok", absl::StrCat("# test\n", absl::BytesToHexString(kRaw), "\n",
                                 absl::Base64Escape(Key('z')), "\n"));
  absl::StatusOr<Keyring> ring = Keyring::LoadFile(path);
  ASSERT_TRUE(ring.ok()) << ring.status();
  EXPECT_EQ(ring->size(), 2u);
  EXPECT_TRUE(Ring({kRaw}).Open(ring->Seal("x", ""), "").ok());
}

TEST(KeyringTest, LoadFileErrorsNameThePathAndTheLine) {
  const std::string path = WriteFile("keyring_bad", "\n\nxyz\n");
  absl::Status status = Keyring::LoadFile(path).status();
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(status.message(), HasSubstr(path));
  EXPECT_THAT(status.message(), HasSubstr("line 3"));
}

TEST(KeyringTest, LoadFileOfAMissingFileSaysSo) {
  const std::string path = ::testing::TempDir() + "/no_such_keyring";
  absl::Status status = Keyring::LoadFile(path).status();
  EXPECT_EQ(status.code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(status.message(), HasSubstr(path));
  EXPECT_THAT(status.message(), HasSubstr("No such file"));
}

TEST(KeyringTest, OpenSaysWhichKeyOpenedTheData) {
  const Keyring old_ring = Ring({Key('o')});
  const Keyring rotating = Ring({Key('n'), Key('o')});
  size_t index = 99;
  ASSERT_TRUE(rotating.Open(rotating.Seal("x", ""), "", &index).ok());
  EXPECT_EQ(index, 0u);
  ASSERT_TRUE(rotating.Open(old_ring.Seal("x", ""), "", &index).ok());
  EXPECT_EQ(index, 1u);
}

TEST(KeyringTest, GeneratedKeysAreFullLengthAndDiffer) {
  absl::StatusOr<std::string> first = Keyring::GenerateKey();
  absl::StatusOr<std::string> second = Keyring::GenerateKey();
  ASSERT_TRUE(first.ok()) << first.status();
  ASSERT_TRUE(second.ok()) << second.status();
  EXPECT_EQ(first->size(), Keyring::kKeyBytes);
  EXPECT_NE(*first, *second);
}

TEST(KeyringTest, AKeyFileParsesBackToItsKeyAndNamesItsIdNotItsBytes) {
  const std::string key = Key('q');
  const std::string text = Keyring::KeyFileText(key);
  absl::StatusOr<Keyring> ring = Keyring::Parse(text);
  ASSERT_TRUE(ring.ok()) << ring.status();
  EXPECT_EQ(ring->KeyIds(), std::vector<std::string>{Keyring::KeyId(key)});
  EXPECT_TRUE(Ring({key}).Open(ring->Seal("x", ""), "").ok());
  EXPECT_THAT(text, HasSubstr("key id " + Keyring::KeyId(key)));
}

TEST(KeyringTest, AKeyIdIsEightHexDigitsOfTheKeysHashNotOfItsBytes) {
  const std::string id = Keyring::KeyId(Key('a'));
  EXPECT_EQ(id.size(), 8u);
  for (char c : id) EXPECT_TRUE(absl::ascii_isxdigit(c)) << id;
  EXPECT_NE(id, Keyring::KeyId(Key('b')));
  EXPECT_EQ(id, Keyring::KeyId(Key('a')));
  EXPECT_THAT(absl::BytesToHexString(Key('a')), ::testing::Not(HasSubstr(id)));
}

TEST(KeyringTest, KeyIdsListThePrimaryFirst) {
  const Keyring ring = Ring({Key('n'), Key('o')});
  EXPECT_EQ(ring.KeyIds(),
            (std::vector<std::string>{Keyring::KeyId(Key('n')),
                                      Keyring::KeyId(Key('o'))}));
  EXPECT_EQ(ring.primary_id(), Keyring::KeyId(Key('n')));
}

TEST(KeyringTest, DescribeKeyringChangeNamesEachStepOfARotationByKeyId) {
  const std::string o = Keyring::KeyId(Key('o'));
  const std::string n = Keyring::KeyId(Key('n'));
  const Keyring old_only = Ring({Key('o')});
  const Keyring added = Ring({Key('o'), Key('n')});
  const Keyring promoted = Ring({Key('n'), Key('o')});
  const Keyring new_only = Ring({Key('n')});
  EXPECT_EQ(DescribeKeyringChange(old_only, old_only),
            absl::StrCat("unchanged (1 keys, primary ", o, ")"));
  EXPECT_EQ(DescribeKeyringChange(old_only, added),
            absl::StrCat("added [", n, "], removed [], primary ", o,
                         " (unchanged); now 2 keys [", o, ",", n, "]"));
  EXPECT_EQ(DescribeKeyringChange(added, promoted),
            absl::StrCat("added [], removed [], primary ", o, " -> ", n,
                         "; now 2 keys [", n, ",", o, "]"));
  EXPECT_EQ(DescribeKeyringChange(promoted, new_only),
            absl::StrCat("added [], removed [", o, "], primary ", n,
                         " (unchanged); now 1 keys [", n, "]"));
}

}  // namespace
}  // namespace phid
