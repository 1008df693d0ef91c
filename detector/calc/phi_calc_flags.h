// The phi calculator's flags, defined once for the two command lines that
// run it (phi_calc and `phictl phi`), with PhiCalcFlags' defaults: --model,
// --mean, --stddev, --intervals, --acceptable_pause, --min_stddev and
// --elapsed. --threshold is each binary's own: phi_calc's is a string,
// phictl's a number its other commands share.
//
// A binary that links these calls AddPhiCalcFlagsToHelp so its --help lists
// them (Abseil lists only the flags of the binary's main file by default).
// Thread safety: call from main() before starting threads.
#ifndef PHID_DETECTOR_CALC_PHI_CALC_FLAGS_H_
#define PHID_DETECTOR_CALC_PHI_CALC_FLAGS_H_

#include <string>

#include "absl/flags/declare.h"
#include "absl/strings/string_view.h"
#include "detector/calc/phi_calc.h"

ABSL_DECLARE_FLAG(std::string, model);
ABSL_DECLARE_FLAG(std::string, mean);
ABSL_DECLARE_FLAG(std::string, stddev);
ABSL_DECLARE_FLAG(std::string, intervals);
ABSL_DECLARE_FLAG(std::string, acceptable_pause);
ABSL_DECLARE_FLAG(std::string, min_stddev);
ABSL_DECLARE_FLAG(std::string, elapsed);

namespace phid {

// The flags' values, with `threshold` as typed.
PhiCalcFlags PhiCalcFlagsFromCommandLine(std::string threshold);

// Makes --help and --helpshort list the calculator's flags and those
// defined in the binary's own `main_file` (e.g. "tools/phi_calc.cc").
void AddPhiCalcFlagsToHelp(absl::string_view main_file);

}  // namespace phid

#endif  // PHID_DETECTOR_CALC_PHI_CALC_FLAGS_H_
