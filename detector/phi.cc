// The three phi models work on the standardized delay
//   y = (elapsed - (mean + acceptable_pause)) / stddev
// and return -log10 of a tail probability. Internally everything is computed
// as a natural log ("-ln tail") and divided by ln 10 at the end.
#include "detector/phi.h"

#include <cmath>
#include <limits>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"

namespace phid {
namespace {

constexpr double kLn10 = 2.30258509299404568402;
constexpr double kLog10E = 0.43429448190325182765;
constexpr double kPi = 3.14159265358979323846;
constexpr double kSqrt2 = 1.41421356237309504880;
constexpr double kLnSqrt2Pi = 0.91893853320467274178;   // ln(sqrt(2 pi))
constexpr double kInvSqrt2Pi = 0.39894228040143267794;  // 1 / sqrt(2 pi)
constexpr double kInfinity = std::numeric_limits<double>::infinity();

// Scales (stddev, and mean for the exponential model) are floored here so a
// zero or negative input cannot divide by zero. Callers floor far higher
// (DetectorOptions::min_stddev), this only keeps the math finite.
constexpr double kMinScaleMs = 1e-9;

// |y| is clamped so y^2 (normal) and y^3 (akka) stay finite; phi is then
// flat beyond the clamp, which no real elapsed time reaches (1e12 ms over a
// 1e-9 ms stddev is y = 1e21).
constexpr double kMaxAbsYNormal = 1e150;
constexpr double kMaxAbsYAkka = 1e100;

// Up to here Q(y) = erfc(y / sqrt 2) / 2 is used directly (it is ~1e-149 at
// 26, far from underflow); beyond, the asymptotic expansion, whose truncation
// error there (2027025 / y^16 ~ 5e-17 relative) is below erfc's rounding, so
// the seam is continuous to an ulp or two of phi.
constexpr double kAsymptoticFromY = 26;

// Akka's logistic fit: z = y * (kAkkaB + kAkkaA * y^2).
constexpr double kAkkaA = 0.070566;
constexpr double kAkkaB = 1.5976;

double Clamp(double y, double limit) {
  if (y > limit) return limit;
  if (y < -limit) return -limit;
  return y;
}

double FlooredScale(double scale_ms) {
  // Also maps NaN to the floor.
  return scale_ms > kMinScaleMs ? scale_ms : kMinScaleMs;
}

// The mean delay phi is centred on: y = (elapsed - Centre) / stddev.
double Centre(const IntervalDistribution& dist) {
  return dist.mean_ms + dist.acceptable_pause_ms;
}

double StandardizedDelay(const IntervalDistribution& dist, double elapsed_ms,
                         double limit) {
  if (!(elapsed_ms > 0)) elapsed_ms = 0;  // also NaN
  return Clamp((elapsed_ms - Centre(dist)) / FlooredScale(dist.stddev_ms),
               limit);
}

// 1 - 1/y^2 + 3/y^4 - ... - 135135/y^14: the series in
// Q(y) ~ pdf(y) / y * series(y), terms (-1)^k (2k-1)!! / y^(2k). It ends on a
// negative term, so it underestimates Q and the asymptotic branch lies just
// above the exact one: phi stays monotone across the seam.
double MillsSeries(double y) {
  constexpr double kTerms[] = {1, -1, 3, -15, 105, -945, 10395, -135135};
  const double t = 1 / (y * y);
  double sum = 0;
  for (int i = 7; i >= 0; --i) sum = sum * t + kTerms[i];  // Horner in t
  return sum;
}

// -ln Q(y), Q the standard normal upper tail. Non-decreasing, >= 0.
double NormalNegLnTail(double y) {
  if (y < 0) {
    // Q(y) = 1 - Q(|y|) is close to 1: log1p keeps the small result exact.
    return -std::log1p(-0.5 * std::erfc(-y / kSqrt2));
  }
  if (y <= kAsymptoticFromY) return -std::log(0.5 * std::erfc(y / kSqrt2));
  return 0.5 * y * y + std::log(y) + kLnSqrt2Pi - std::log(MillsSeries(y));
}

// d/dy of NormalNegLnTail: pdf(y) / Q(y), the hazard rate.
double NormalHazard(double y) {
  if (y > kAsymptoticFromY) return y / MillsSeries(y);
  const double pdf = kInvSqrt2Pi * std::exp(-0.5 * y * y);
  return pdf / (0.5 * std::erfc(y / kSqrt2));
}

double AkkaZ(double y) { return y * (kAkkaB + kAkkaA * y * y); }

// ln(1 + e^z) without overflow for large z or loss for small.
double Softplus(double z) {
  return z > 0 ? z + std::log1p(std::exp(-z)) : std::log1p(std::exp(z));
}

// The inverse of Softplus for s > 0: ln(e^s - 1).
double InverseSoftplus(double s) {
  return s > 1 ? s + std::log1p(-std::exp(-s)) : std::log(std::expm1(s));
}

// The real root of kAkkaA y^3 + kAkkaB y = z (the cubic is increasing, so
// there is exactly one). Cardano for y^3 + p y + q = 0, with p = b/a > 0 and
// q = -z/a, written as y = sign(z) r u^2 / (u^4 + u^2 p/3 + (p/3)^2) with
// r = |q| and u^3 = r/2 + sqrt(r^2/4 + (p/3)^3): algebraically equal to
// Cardano's u - (p/3)/u but free of its cancellation near z = 0. Newton then
// removes the last rounding.
double SolveAkkaCubic(double z) {
  const double p3 = kAkkaB / kAkkaA / 3;
  const double r = std::fabs(z) / kAkkaA;
  double y;
  if (r > 1e100) {
    y = std::cbrt(r);  // p is negligible; also keeps r^2 finite
  } else {
    const double u =
        std::cbrt(0.5 * r + std::sqrt(0.25 * r * r + p3 * p3 * p3));
    const double u2 = u * u;
    y = r * u2 / (u2 * u2 + u2 * p3 + p3 * p3);
  }
  if (z < 0) y = -y;
  for (int i = 0; i < 3; ++i) {
    const double f = AkkaZ(y) - z;
    const double df = kAkkaB + 3 * kAkkaA * y * y;
    y -= f / df;
  }
  return y;
}

// The y at which NormalNegLnTail reaches `target`, given NormalNegLnTail(lo)
// < target. Newton on a convex increasing function: a start below the root
// overshoots once above it, and from above it descends monotonically;
// bisection guards anything else (a zero slope far below the mean).
double SolveNormalTail(double target, double lo) {
  // Q(y) <= exp(-y^2/2) / 2 for y >= 0, so -ln Q(sqrt(2 target)) >= target.
  double hi = target <= std::log(2.0) ? 0 : kSqrt2 * std::sqrt(target);
  if (hi > kMaxAbsYNormal) {
    if (NormalNegLnTail(kMaxAbsYNormal) < target) return kInfinity;
    hi = kMaxAbsYNormal;
  }
  if (hi <= lo) return lo;  // only through rounding at the very bottom
  // Start near the root: -ln Q(y) ~ y^2/2 + ln(y sqrt(2 pi)) with y^2 ~ 2L.
  double y = hi;
  if (target > 2) {
    const double guess = std::sqrt(2 * target - std::log(4 * kPi * target));
    if (guess > lo && guess < hi) y = guess;
  }
  for (int i = 0; i < 200; ++i) {
    const double f = NormalNegLnTail(y) - target;
    if (f == 0) break;
    if (f > 0) {
      hi = y;
    } else {
      lo = y;
    }
    const double tolerance = 1e-15 * std::fmax(1.0, std::fabs(y));
    const double slope = NormalHazard(y);
    if (slope > 0) {
      const double step = f / slope;
      // Converged: the step is at rounding level (it may even round y onto
      // the bracket, which must not count as leaving it).
      if (std::fabs(step) <= tolerance) return y - step;
      if (y - step > lo && y - step < hi) {
        y -= step;
        continue;
      }
    }
    y = 0.5 * (lo + hi);
    if (hi - lo <= tolerance) break;
  }
  return y;
}

}  // namespace

absl::string_view PhiModelName(PhiModel model) {
  switch (model) {
    case PhiModel::kNormal:
      return "normal";
    case PhiModel::kAkka:
      return "akka";
    case PhiModel::kExponential:
      return "exponential";
  }
  return "unknown";
}

absl::StatusOr<PhiModel> ParsePhiModel(absl::string_view name) {
  const std::string lower = absl::AsciiStrToLower(name);
  for (PhiModel model :
       {PhiModel::kNormal, PhiModel::kAkka, PhiModel::kExponential}) {
    if (lower == PhiModelName(model)) return model;
  }
  return absl::InvalidArgumentError(
      absl::StrCat("unknown phi model \"", name,
                   "\"; expected normal, akka or exponential"));
}

double Phi(PhiModel model, const IntervalDistribution& dist,
           double elapsed_ms) {
  double neg_ln_tail = 0;
  switch (model) {
    case PhiModel::kNormal:
      neg_ln_tail =
          NormalNegLnTail(StandardizedDelay(dist, elapsed_ms, kMaxAbsYNormal));
      break;
    case PhiModel::kAkka:
      neg_ln_tail =
          Softplus(AkkaZ(StandardizedDelay(dist, elapsed_ms, kMaxAbsYAkka)));
      break;
    case PhiModel::kExponential: {
      if (!(elapsed_ms > 0)) elapsed_ms = 0;
      const double late = elapsed_ms - dist.acceptable_pause_ms;
      // Clamped like y so an infinite elapsed time stays finite.
      const double y = Clamp(late / FlooredScale(dist.mean_ms), 1e300);
      return y > 0 ? kLog10E * y : 0.0;
    }
  }
  // fmax also turns the -0 of log1p(-0) into +0.
  return std::fmax(0.0, neg_ln_tail / kLn10);
}

double PhiToElapsed(PhiModel model, const IntervalDistribution& dist,
                    double threshold) {
  if (!(threshold > Phi(model, dist, 0))) return 0;  // also NaN
  if (std::isinf(threshold)) return kInfinity;
  const double target = threshold * kLn10;  // -ln of the tail
  if (std::isinf(target)) return kInfinity;
  double y = 0;
  switch (model) {
    case PhiModel::kNormal:
      y = SolveNormalTail(target, StandardizedDelay(dist, 0, kMaxAbsYNormal));
      break;
    case PhiModel::kAkka: {
      const double z = InverseSoftplus(target);
      if (z > AkkaZ(kMaxAbsYAkka)) return kInfinity;
      y = SolveAkkaCubic(z);
      break;
    }
    case PhiModel::kExponential:
      return dist.acceptable_pause_ms + target * FlooredScale(dist.mean_ms);
  }
  if (std::isinf(y)) return kInfinity;
  const double elapsed = Centre(dist) + y * FlooredScale(dist.stddev_ms);
  return elapsed > 0 ? elapsed : 0;
}

}  // namespace phid
