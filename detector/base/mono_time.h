// MonoTime: a point on a monotonic clock, as the time since the clock's
// arbitrary origin. Only differences mean anything: compare and subtract.
//
// The type on its own, apart from the Clock that reads one (clock.h), so
// the pure detector math takes times without depending on anything that
// reads them. A value; thread-compatible.
#ifndef PHID_DETECTOR_BASE_MONO_TIME_H_
#define PHID_DETECTOR_BASE_MONO_TIME_H_

#include "absl/time/time.h"

namespace phid {

using MonoTime = absl::Duration;

}  // namespace phid

#endif  // PHID_DETECTOR_BASE_MONO_TIME_H_
