#include "gossip/tags.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace phid {
namespace {

bool ValidKeyChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' ||
         c == '.' || c == '-' || c == '/';
}

bool ValidValueChar(char c) {
  return c >= 0x20 && c < 0x7f && c != ',' && c != '=';
}

}  // namespace

absl::Status ValidateTags(const Tags& tags) {
  if (tags.size() > kMaxTags) {
    return absl::InvalidArgumentError(absl::StrCat(
        "too many tags: ", tags.size(), " (at most ", kMaxTags, ")"));
  }
  size_t total = 0;
  for (const auto& [key, value] : tags) {
    if (key.empty() || key.size() > kMaxKeyBytes) {
      return absl::InvalidArgumentError(absl::StrCat(
          "tag key '", key, "' must be 1 to ", kMaxKeyBytes, " bytes"));
    }
    for (char c : key) {
      if (!ValidKeyChar(c)) {
        return absl::InvalidArgumentError(
            absl::StrCat("tag key '", key,
                         "' may only use lowercase letters, digits and _.-/"));
      }
    }
    if (value.size() > kMaxValueBytes) {
      return absl::InvalidArgumentError(
          absl::StrCat("tag '", key, "' value is ", value.size(),
                       " bytes (at most ", kMaxValueBytes, ")"));
    }
    for (char c : value) {
      if (!ValidValueChar(c)) {
        return absl::InvalidArgumentError(absl::StrCat(
            "tag '", key,
            "' value may only use printable ASCII other than ',' and '='"));
      }
    }
    total += key.size() + value.size();
  }
  if (total > kMaxTotalBytes) {
    return absl::InvalidArgumentError(
        absl::StrCat("tags total ", total, " bytes (at most ", kMaxTotalBytes,
                     ", so a member's record fits one gossip packet)"));
  }
  return absl::OkStatus();
}

absl::StatusOr<Tags> ParseTags(absl::string_view text) {
  Tags tags;
  if (text.empty()) return tags;
  for (absl::string_view part : absl::StrSplit(text, ',')) {
    std::pair<absl::string_view, absl::string_view> kv =
        absl::StrSplit(part, absl::MaxSplits('=', 1));
    if (part.find('=') == absl::string_view::npos) {
      return absl::InvalidArgumentError(
          absl::StrCat("tag '", part, "' is not of the form key=value"));
    }
    std::string key(kv.first);
    if (tags.count(key)) {
      return absl::InvalidArgumentError(
          absl::StrCat("tag key '", key, "' appears twice"));
    }
    tags[key] = std::string(kv.second);
  }
  absl::Status status = ValidateTags(tags);
  if (!status.ok()) return status;
  return tags;
}

std::string FormatTags(const Tags& tags) {
  std::string out;
  for (const auto& [key, value] : tags) {
    if (!out.empty()) out += ",";
    absl::StrAppend(&out, key, "=", value);
  }
  return out;
}

bool IsValidMemberName(const std::string& name) {
  if (name.empty() || name.size() > 128) return false;
  for (char c : name) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
              (c >= '0' && c <= '9') || c == '.' || c == '_' || c == ':' ||
              c == '-';
    if (!ok) return false;
  }
  return true;
}

bool Matches(const TagSelector& selector, const Tags& tags) {
  for (const auto& [key, value] : selector) {
    auto it = tags.find(key);
    if (it == tags.end() || it->second != value) return false;
  }
  return true;
}

}  // namespace phid
