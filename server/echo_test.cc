#include "server/echo.h"

#include <string>

#include "gtest/gtest.h"
#include "proto/api_limits.h"

namespace phid {
namespace {

TEST(EchoTest, QuotesAShortPrintableValueAsItIs) {
  EXPECT_EQ(Echo("node-1"), "\"node-1\"");
  EXPECT_EQ(Echo(""), "\"\"");
  EXPECT_EQ(Echo("zürich-1"), "\"zürich-1\"");
}

TEST(EchoTest, EscapesControlCharactersQuotesAndBackslashes) {
  EXPECT_EQ(Echo(std::string("a\0b", 3)), "\"a\\x00b\"");
  EXPECT_EQ(Echo("\x1b[2J"), "\"\\x1b[2J\"");
  EXPECT_EQ(Echo("a\nb\tc\r"), "\"a\\nb\\tc\\r\"");
  EXPECT_EQ(Echo("say \"hi\" \\"), "\"say \\\"hi\\\" \\\\\"");
  EXPECT_EQ(Echo("\x7f"), "\"\\x7f\"");
  // U+009B, a terminal's CSI in UTF-8 mode.
  EXPECT_EQ(Echo("\xc2\x9b"
                 "31m"),
            "\"\\u009b31m\"");
}

TEST(EchoTest, EscapesBytesThatAreNotUtf8) {
  EXPECT_EQ(Echo("\xff\xfe"), "\"\\xff\\xfe\"");
  EXPECT_EQ(Echo("\xc0\xaf"), "\"\\xc0\\xaf\"");  // overlong '/'
  EXPECT_EQ(Echo("\xe2\x82"), "\"\\xe2\\x82\"");  // cut short
}

TEST(EchoTest, CutsALongValueShortAtTheLimit) {
  const std::string long_name(1 << 20, 'a');
  const std::string echoed = Echo(long_name);
  EXPECT_EQ(echoed, "\"" + std::string(kMaxEchoedBytes, 'a') + "\"…");
  // Exactly at the limit nothing is cut.
  EXPECT_EQ(Echo(std::string(kMaxEchoedBytes, 'b')),
            "\"" + std::string(kMaxEchoedBytes, 'b') + "\"");
}

TEST(EchoTest, NeverCutsAUtf8SequenceInTwo) {
  // 63 ASCII bytes, then a 2-byte character that would end at byte 65.
  const std::string value = std::string(kMaxEchoedBytes - 1, 'a') + "ü";
  EXPECT_EQ(Echo(value), "\"" + std::string(kMaxEchoedBytes - 1, 'a') + "\"…");
  EXPECT_TRUE(IsValidUtf8(Echo(value)));
}

TEST(EchoTest, SanitizeMessageEscapesAndCutsAWholeMessage) {
  EXPECT_EQ(SanitizeMessage("tag 'a\x1b' bad", 100), "tag 'a\\x1b' bad");
  EXPECT_EQ(SanitizeMessage("abcdef", 3), "abc…");
  EXPECT_EQ(SanitizeMessage("no member named \"a\\x1b\"", 100),
            "no member named \"a\\x1b\"");
}

TEST(Utf8Test, TellsValidFromInvalid) {
  EXPECT_TRUE(IsValidUtf8(""));
  EXPECT_TRUE(IsValidUtf8("plain"));
  EXPECT_TRUE(IsValidUtf8("\xf0\x9f\x98\x80"));  // U+1F600
  EXPECT_FALSE(IsValidUtf8("\xff"));
  EXPECT_FALSE(IsValidUtf8("\xed\xa0\x80"));      // a surrogate
  EXPECT_FALSE(IsValidUtf8("\xf4\x90\x80\x80"));  // past U+10FFFF
  EXPECT_FALSE(IsValidUtf8("\xe0\x80\x80"));      // overlong
}

}  // namespace
}  // namespace phid
