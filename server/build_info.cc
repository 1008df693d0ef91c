#include "server/build_info.h"

#include "absl/strings/str_cat.h"

// Written by the :build_stamp genrule from Bazel's stable-status.txt.
extern const char kPhidBuildCommit[];

#ifndef PHID_COMPILATION_MODE
#define PHID_COMPILATION_MODE "unknown"
#endif

namespace phid {

absl::string_view BuildCommit() { return kPhidBuildCommit; }

absl::string_view BuildMode() { return PHID_COMPILATION_MODE; }

std::string BuildInfoText() {
#ifdef NDEBUG
  constexpr absl::string_view kAssertions = "assertions off";
#else
  constexpr absl::string_view kAssertions = "assertions on";
#endif
  return absl::StrCat("phid ", kPhidVersion, "\ncommit ", BuildCommit(),
                      "\nbuild ", BuildMode(), " (", kAssertions, ")\n");
}

}  // namespace phid
