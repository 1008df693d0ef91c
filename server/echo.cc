#include "server/echo.h"

#include <cstdint>

#include "absl/strings/str_format.h"
#include "proto/api_limits.h"

namespace phid {
namespace {

// The length of the valid UTF-8 sequence at the start of `text` and its
// code point, or 0 if it does not start with one.
size_t Utf8Sequence(absl::string_view text, uint32_t* code_point) {
  const auto byte = [&](size_t i) { return static_cast<uint8_t>(text[i]); };
  const uint8_t lead = byte(0);
  size_t length;
  uint32_t cp;
  uint32_t min;
  if (lead < 0x80) {
    *code_point = lead;
    return 1;
  } else if ((lead & 0xe0) == 0xc0) {
    length = 2, cp = lead & 0x1f, min = 0x80;
  } else if ((lead & 0xf0) == 0xe0) {
    length = 3, cp = lead & 0x0f, min = 0x800;
  } else if ((lead & 0xf8) == 0xf0) {
    length = 4, cp = lead & 0x07, min = 0x10000;
  } else {
    return 0;
  }
  if (text.size() < length) return 0;
  for (size_t i = 1; i < length; ++i) {
    if ((byte(i) & 0xc0) != 0x80) return 0;
    cp = (cp << 6) | (byte(i) & 0x3f);
  }
  if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return 0;
  *code_point = cp;
  return length;
}

// Appends `text` escaped, stopping before `max_bytes` of input are used;
// returns whether all of it fitted.
bool AppendEscaped(absl::string_view text, size_t max_bytes, bool escape_quotes,
                   std::string* out) {
  size_t i = 0;
  while (i < text.size()) {
    uint32_t cp = 0;
    size_t length = Utf8Sequence(text.substr(i), &cp);
    if (i + (length == 0 ? 1 : length) > max_bytes) return false;
    if (length == 0) {
      absl::StrAppendFormat(out, "\\x%02x", static_cast<uint8_t>(text[i]));
      i += 1;
      continue;
    }
    if (cp == '\n') {
      out->append("\\n");
    } else if (cp == '\t') {
      out->append("\\t");
    } else if (cp == '\r') {
      out->append("\\r");
    } else if (escape_quotes && cp == '"') {
      out->append("\\\"");
    } else if (escape_quotes && cp == '\\') {
      out->append("\\\\");
    } else if (cp < 0x20 || cp == 0x7f) {
      absl::StrAppendFormat(out, "\\x%02x", cp);
    } else if (cp >= 0x80 && cp < 0xa0) {
      // C1 controls: U+009B is a terminal's CSI.
      absl::StrAppendFormat(out, "\\u%04x", cp);
    } else {
      out->append(text.data() + i, length);
    }
    i += length;
  }
  return true;
}

}  // namespace

std::string Echo(absl::string_view value) {
  std::string out = "\"";
  const bool whole =
      AppendEscaped(value, kMaxEchoedBytes, /*escape_quotes=*/true, &out);
  out += '"';
  if (!whole) out += "…";
  return out;
}

std::string SanitizeMessage(absl::string_view message, size_t max_bytes) {
  std::string out;
  if (!AppendEscaped(message, max_bytes, /*escape_quotes=*/false, &out))
    out += "…";
  return out;
}

bool IsValidUtf8(absl::string_view text) {
  size_t i = 0;
  while (i < text.size()) {
    uint32_t cp;
    const size_t length = Utf8Sequence(text.substr(i), &cp);
    if (length == 0) return false;
    i += length;
  }
  return true;
}

}  // namespace phid
