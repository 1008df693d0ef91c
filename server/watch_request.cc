#include "server/watch_request.h"

#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "proto/duration.h"
#include "server/echo.h"

namespace phid {
namespace {

namespace v1 = ::phi::v1;

}  // namespace

bool WatchSpec::Matches(const MemberRecord& record) const {
  if (!names.empty() && names.count(record.name) == 0) return false;
  return phid::Matches(tag_selector, record.tags);
}

absl::StatusOr<double> ResolveThreshold(double requested,
                                        double default_threshold,
                                        absl::string_view field) {
  if (requested == 0) return default_threshold;
  if (!(requested > 0 && requested <= kMaxPhiThreshold)) {
    return absl::InvalidArgumentError(
        absl::StrFormat("%s must be in (0, %g], got %g (0 = the daemon's "
                        "default, %g)",
                        field, kMaxPhiThreshold, requested, default_threshold));
  }
  return requested;
}

absl::Status ValidateMemberName(absl::string_view name,
                                absl::string_view field) {
  if (name.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat(field,
                     " must be set to a member name; ListPeers shows the "
                     "known names"));
  }
  if (!IsValidMemberName(std::string(name))) {
    return absl::InvalidArgumentError(absl::StrCat(
        field,
        " must be a member name (1 to 128 bytes of [A-Za-z0-9._:-]), got ",
        Echo(name), " (", name.size(), " bytes)"));
  }
  return absl::OkStatus();
}

absl::StatusOr<TagSelector> ParseTagSelector(absl::string_view text) {
  absl::StatusOr<Tags> selector = ParseTags(text);
  if (selector.ok()) return *std::move(selector);
  const std::string echoed = Echo(text);
  // ParseTags' reason quotes parts of `text` as they are: keep it only when
  // the whole text needed no escaping or cutting.
  const bool plain = echoed == absl::StrCat("\"", text, "\"");
  return absl::InvalidArgumentError(absl::StrCat(
      "tag_selector must be k=v,k2=v2, got ", echoed,
      plain ? absl::StrCat(": ", selector.status().message()) : ""));
}

absl::StatusOr<WatchSpec> ParseWatchRequest(const v1::WatchRequest& request,
                                            double default_threshold) {
  WatchSpec spec;
  absl::StatusOr<double> threshold = ResolveThreshold(
      request.phi_threshold(), default_threshold, "phi_threshold");
  if (!threshold.ok()) return threshold.status();
  spec.threshold = *threshold;

  double recovery = request.recovery_threshold();
  if (recovery == 0) {
    spec.recovery_threshold = spec.threshold;
  } else if (!(recovery > 0 && recovery <= spec.threshold)) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "recovery_threshold must be in (0, phi_threshold] = (0, %g], got %g "
        "(0 = phi_threshold itself)",
        spec.threshold, recovery));
  } else {
    spec.recovery_threshold = recovery;
  }

  if (static_cast<size_t>(request.names_size()) > kMaxWatchNames) {
    return absl::InvalidArgumentError(absl::StrCat(
        "names holds ", request.names_size(), " names; at most ",
        kMaxWatchNames,
        " (watch every member with no names, or select them by tag_selector)"));
  }
  for (int i = 0; i < request.names_size(); ++i) {
    const std::string& name = request.names(i);
    if (absl::Status s =
            ValidateMemberName(name, absl::StrCat("names[", i, "]"));
        !s.ok()) {
      return s;
    }
    spec.names.insert(name);
  }

  absl::StatusOr<TagSelector> selector =
      ParseTagSelector(request.tag_selector());
  if (!selector.ok()) return selector.status();
  spec.tag_selector = *std::move(selector);

  if (request.has_level_interval()) {
    absl::StatusOr<absl::Duration> level =
        ParseProtoDuration(request.level_interval(), "level_interval");
    if (!level.ok()) return level.status();
    if (*level != absl::ZeroDuration() && *level < kMinLevelInterval) {
      return absl::InvalidArgumentError(
          absl::StrCat("level_interval must be 0 (no levels) or at least ",
                       absl::FormatDuration(kMinLevelInterval), ", got ",
                       absl::FormatDuration(*level)));
    }
    spec.level_interval = *level;
  }

  if (request.has_idle_interval()) {
    absl::StatusOr<absl::Duration> idle =
        ParseProtoDuration(request.idle_interval(), "idle_interval");
    if (!idle.ok()) return idle.status();
    if (*idle != absl::ZeroDuration() &&
        (*idle < kMinIdleInterval || *idle > kMaxIdleInterval)) {
      return absl::InvalidArgumentError(
          absl::StrCat("idle_interval must be 0 (default ",
                       absl::FormatDuration(kDefaultIdleInterval), ") or in [",
                       absl::FormatDuration(kMinIdleInterval), ", ",
                       absl::FormatDuration(kMaxIdleInterval), "], got ",
                       absl::FormatDuration(*idle)));
    }
    if (*idle != absl::ZeroDuration()) spec.idle_interval = *idle;
  }
  return spec;
}

}  // namespace phid
