#include "detector/phi.h"

#include <cmath>
#include <limits>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace phid {
namespace {

using ::testing::HasSubstr;

constexpr double kInf = std::numeric_limits<double>::infinity();
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

IntervalDistribution Dist(double mean_ms, double stddev_ms,
                          double pause_ms = 0) {
  IntervalDistribution d;
  d.mean_ms = mean_ms;
  d.stddev_ms = stddev_ms;
  d.acceptable_pause_ms = pause_ms;
  return d;
}

struct Reference {
  double mean_ms;
  double stddev_ms;
  double pause_ms;
  double elapsed_ms;
  double normal_phi;
  double akka_phi;
};

// Computed independently with mpmath 1.3.0 at 60 significant digits:
//
//   from mpmath import mp, mpf, erfc, sqrt, log10, exp
//   mp.dps = 60
//   y = (mpf(elapsed) - (mpf(mean) + mpf(pause))) / mpf(stddev)
//   normal = -log10(erfc(y / sqrt(2)) / 2)
//   akka = log10(1 + exp(y * (mpf('1.5976') + mpf('0.070566') * y * y)))
//
// printed with mp.nstr(..., 20). y spans -10 (phi ~ 1e-24, where only log1p
// keeps digits) through the erfc/asymptotic seam at y = 26 to y ~ 1e15.
const Reference kReferences[] = {
    {1000, 100, 0, 0, 3.309260121306722299e-24, 1.1299813052103756027e-38},
    {1000, 100, 0, 500, 1.244912137388291749e-7, 2.1768922224231430287e-8},
    {1000, 100, 0, 900, 0.075026012957818023238, 0.075033032140939880205},
    {1000, 100, 0, 1000, 0.30102999566398119521, 0.30102999566398119521},
    {1000, 100, 0, 1100, 0.79954554149197050003, 0.79950832083955986853},
    {1000, 100, 0, 1200, 1.643016080140937048, 1.6428278854871122834},
    {1000, 100, 0, 1400, 4.4993349075564788648, 4.7366945827051809049},
    {1000, 100, 0, 1600, 9.0058643274767042092, 10.782600858295706769},
    {1000, 100, 0, 2000, 23.118053405486075894, 37.584713052871219669},
    {1000, 100, 0, 3000, 88.56009534307559192, 259.04797256565165016},
    {1000, 100, 0, 3600, 148.6062382541502366, 556.68110590139856135},
    {1000, 100, 0, 3600.5, 148.66278523040183195, 556.99538955359565361},
    {1000, 100, 0, 3700, 160.13138606279069898, 621.94695099752531433},
    {1000, 100, 0, 5000, 349.43700645934584209, 1989.1243168105769869},
    {1000, 100, 0, 11000, 2173.8715428690343765, 30715.807296413731982},
    {1000, 100, 0, 1e6, 21671320.760351788119, 30554583976.732073653},
    {1000, 100, 500, 1600, 0.79954554149197050003, 0.79950832083955986853},
    {10, 2.5, 0, 37, 26.76421462790167978, 46.099020320668117925},
    {1000, 1e-3, 0, 1e12, 2.171472405173314231e+29, 3.0646424318045593418e+43},
};

std::string Describe(const Reference& r) {
  return absl::StrCat("mean=", r.mean_ms, " stddev=", r.stddev_ms,
                      " pause=", r.pause_ms, " elapsed=", r.elapsed_ms);
}

TEST(PhiTest, NormalModelMatchesHighPrecisionReferences) {
  for (const Reference& r : kReferences) {
    const double phi =
        Phi(PhiModel::kNormal, Dist(r.mean_ms, r.stddev_ms, r.pause_ms),
            r.elapsed_ms);
    EXPECT_NEAR(phi, r.normal_phi, 1e-12 * r.normal_phi) << Describe(r);
  }
}

TEST(PhiTest, AkkaModelMatchesHighPrecisionReferences) {
  for (const Reference& r : kReferences) {
    const double phi =
        Phi(PhiModel::kAkka, Dist(r.mean_ms, r.stddev_ms, r.pause_ms),
            r.elapsed_ms);
    EXPECT_NEAR(phi, r.akka_phi, 1e-12 * r.akka_phi) << Describe(r);
  }
}

// Akka's formula exactly as its PhiAccrualFailureDetector writes it; it
// overflows far in the tail, which is why phid computes it differently.
double AkkaAsWritten(double mean, double stddev, double elapsed) {
  const double y = (elapsed - mean) / stddev;
  const double e = std::exp(-y * (1.5976 + 0.070566 * y * y));
  return elapsed > mean ? -std::log10(e / (1.0 + e))
                        : -std::log10(1.0 - 1.0 / (1.0 + e));
}

TEST(PhiTest, AkkaModelMatchesAkkasPublishedValues) {
  // Akka's documentation: mean 1000 ms, stddev 100 ms.
  const struct {
    double elapsed_ms;
    double published_phi;
  } kCases[] = {{1200, 1.6}, {1400, 4.7}, {1600, 10.8}};
  for (const auto& c : kCases) {
    const double phi = Phi(PhiModel::kAkka, Dist(1000, 100), c.elapsed_ms);
    EXPECT_NEAR(phi, c.published_phi, 0.05) << c.elapsed_ms;
    EXPECT_NEAR(phi, AkkaAsWritten(1000, 100, c.elapsed_ms), 1e-12 * phi)
        << c.elapsed_ms;
  }
}

TEST(PhiTest, AkkaModelAgreesWithAkkasFormulaWhereThatIsFinite) {
  for (double elapsed = 0; elapsed <= 2500; elapsed += 7.5) {
    const double expected = AkkaAsWritten(1000, 100, elapsed);
    const double phi = Phi(PhiModel::kAkka, Dist(1000, 100), elapsed);
    // Akka's 1 - 1/(1+e) loses relative accuracy below phi ~ 1e-14.
    EXPECT_NEAR(phi, expected, 1e-12 * expected + 1e-15) << elapsed;
  }
}

TEST(PhiTest, ExponentialModelGrowsLinearlyOnceThePauseIsOver) {
  // phi = log10(e) * max(0, elapsed - pause) / mean; log10(e) =
  // 0.43429448190325182765 (mpmath, 20 digits).
  const struct {
    double mean_ms, pause_ms, elapsed_ms, expected;
  } kCases[] = {
      {1000, 0, 0, 0},
      {1000, 0, 1000, 0.43429448190325182765},
      {1000, 0, 10000, 4.3429448190325182765},
      {1000, 500, 400, 0},
      {1000, 500, 1500, 0.43429448190325182765},
      {10, 0, 1e12, 4.3429448190325182765e10},
  };
  for (const auto& c : kCases) {
    EXPECT_NEAR(Phi(PhiModel::kExponential, Dist(c.mean_ms, 123, c.pause_ms),
                    c.elapsed_ms),
                c.expected, 1e-14 * c.expected)
        << c.elapsed_ms;
  }
}

TEST(PhiTest, ExponentialModelIgnoresTheStandardDeviation) {
  EXPECT_EQ(Phi(PhiModel::kExponential, Dist(1000, 1), 3000),
            Phi(PhiModel::kExponential, Dist(1000, 1e6), 3000));
}

TEST(PhiTest, PhiAtTheMeanIsLog10OfTwoForTheSymmetricModels) {
  EXPECT_DOUBLE_EQ(Phi(PhiModel::kNormal, Dist(1000, 100), 1000),
                   std::log10(2.0));
  EXPECT_DOUBLE_EQ(Phi(PhiModel::kAkka, Dist(1000, 100), 1000),
                   std::log10(2.0));
}

TEST(PhiTest, AcceptablePauseShiftsTheCurveRight) {
  for (PhiModel model :
       {PhiModel::kNormal, PhiModel::kAkka, PhiModel::kExponential}) {
    EXPECT_DOUBLE_EQ(Phi(model, Dist(1000, 100, 300), 1700),
                     Phi(model, Dist(1000, 100, 0), 1400))
        << PhiModelName(model);
  }
}

const PhiModel kAllModels[] = {PhiModel::kNormal, PhiModel::kAkka,
                               PhiModel::kExponential};

TEST(PhiTest, PhiIsNonDecreasingOverADenseSweepOfElapsed) {
  // y from -10 to 190 in steps of 0.005, across the seam at y = 26.
  const IntervalDistribution dist = Dist(1000, 100);
  for (PhiModel model : kAllModels) {
    double previous = 0;
    for (double elapsed = 0; elapsed <= 20000; elapsed += 0.5) {
      const double phi = Phi(model, dist, elapsed);
      ASSERT_GE(phi, previous) << PhiModelName(model) << " at " << elapsed;
      previous = phi;
    }
  }
}

TEST(PhiTest, NormalPhiIsMonotoneAndContinuousAcrossTheAsymptoticSeam) {
  // With mean 0 and stddev 1, elapsed is y itself. Walk 20000 ulps either
  // side of y = 26, where the exact erfc hands over to the expansion.
  const IntervalDistribution dist = Dist(0, 1);
  double y = 26;
  for (int i = 0; i < 20000; ++i) y = std::nextafter(y, 0.0);
  double previous = Phi(PhiModel::kNormal, dist, y);
  for (int i = 0; i < 40000; ++i) {
    y = std::nextafter(y, kInf);
    const double phi = Phi(PhiModel::kNormal, dist, y);
    ASSERT_GE(phi, previous) << "y=" << y;
    // phi' is ~11.3 per unit y here, so one ulp of y moves phi by ~4e-14;
    // a jump at the seam would show as a larger step.
    ASSERT_LE(phi - previous, 1e-13) << "y=" << y;
    previous = phi;
  }
}

TEST(PhiTest, PhiIsFiniteAndNonNegativeAtExtremes) {
  const double kElapsed[] = {0, -5, 1e-300, 1, 1e6, 1e12, 1e300, kInf, kNaN};
  const IntervalDistribution kDists[] = {
      Dist(1000, 100),     Dist(1000, 1e-3),    Dist(1000, 1e-12),
      Dist(1000, 0),       Dist(1000, -1),      Dist(0, 0),
      Dist(1e-3, 1e-3),    Dist(1e9, 1e9, 1e9), Dist(1000, kNaN),
      Dist(3600000, 1e-3),
  };
  for (PhiModel model : kAllModels) {
    for (const IntervalDistribution& d : kDists) {
      for (double elapsed : kElapsed) {
        const double phi = Phi(model, d, elapsed);
        EXPECT_TRUE(std::isfinite(phi))
            << PhiModelName(model) << " mean=" << d.mean_ms
            << " stddev=" << d.stddev_ms << " elapsed=" << elapsed;
        EXPECT_GE(phi, 0);
      }
    }
  }
}

TEST(PhiTest, NegativeElapsedCountsAsZero) {
  for (PhiModel model : kAllModels) {
    EXPECT_EQ(Phi(model, Dist(10, 5), -100), Phi(model, Dist(10, 5), 0))
        << PhiModelName(model);
  }
}

// Thresholds 0.01 .. 64, log-spaced, 200 of them.
std::vector<double> Thresholds() {
  std::vector<double> out;
  for (int i = 0; i < 200; ++i) {
    out.push_back(0.01 * std::pow(6400.0, i / 199.0));
  }
  return out;
}

TEST(PhiTest, PhiToElapsedInvertsPhiForEveryModelAndDistribution) {
  const IntervalDistribution kDists[] = {
      Dist(1000, 100),
      Dist(1000, 50, 500),
      Dist(10, 2.5),
      Dist(1000, 1e-3),
      Dist(1, 0.01),
      Dist(100000, 20000),
      Dist(3600000, 1e-3 * 3600000),
      Dist(200, 1000),
  };
  for (PhiModel model : kAllModels) {
    for (const IntervalDistribution& d : kDists) {
      for (double threshold : Thresholds()) {
        const double elapsed = PhiToElapsed(model, d, threshold);
        const std::string where =
            absl::StrCat(PhiModelName(model), " mean=", d.mean_ms,
                         " stddev=", d.stddev_ms, " T=", threshold);
        ASSERT_TRUE(std::isfinite(elapsed)) << where;
        if (elapsed == 0) {
          // Only allowed when phi is already there at elapsed 0.
          EXPECT_GE(Phi(model, d, 0), threshold) << where;
          continue;
        }
        EXPECT_NEAR(Phi(model, d, elapsed), threshold, 1e-9 * threshold)
            << where;
      }
    }
  }
}

TEST(PhiTest, PhiToElapsedReachesFarIntoTheTail) {
  for (PhiModel model : kAllModels) {
    for (double threshold : {100.0, 1e3, 1e6, 1e12}) {
      const double elapsed = PhiToElapsed(model, Dist(1000, 100), threshold);
      EXPECT_NEAR(Phi(model, Dist(1000, 100), elapsed), threshold,
                  1e-9 * threshold)
          << PhiModelName(model) << " T=" << threshold;
    }
  }
}

TEST(PhiTest, PhiToElapsedOfAkkasPublishedPhiIsItsElapsedTime) {
  EXPECT_NEAR(
      PhiToElapsed(PhiModel::kAkka, Dist(1000, 100), 4.7366945827051809049),
      1400, 1e-9);
  EXPECT_NEAR(
      PhiToElapsed(PhiModel::kNormal, Dist(1000, 100), 4.4993349075564788648),
      1400, 1e-9);
  // Exponential: elapsed = pause + T * mean * ln 10.
  EXPECT_NEAR(PhiToElapsed(PhiModel::kExponential, Dist(1000, 100, 500), 1),
              500 + 1000 * std::log(10.0), 1e-9);
}

TEST(PhiTest, PhiToElapsedIsZeroWhenPhiIsAlreadyThereAtZero) {
  // Mean 1 ms, stddev 100 ms: phi(0) is just under log10(2).
  const IntervalDistribution wide = Dist(1, 100);
  for (PhiModel model : {PhiModel::kNormal, PhiModel::kAkka}) {
    ASSERT_GT(Phi(model, wide, 0), 0.1);
    EXPECT_EQ(PhiToElapsed(model, wide, 0.1), 0) << PhiModelName(model);
  }
  for (PhiModel model : kAllModels) {
    for (double threshold : {0.0, -1.0, kNaN}) {
      EXPECT_EQ(PhiToElapsed(model, Dist(1000, 100), threshold), 0)
          << PhiModelName(model) << " T=" << threshold;
    }
  }
}

TEST(PhiTest, PhiToElapsedIsInfiniteForUnreachableThresholds) {
  for (PhiModel model : kAllModels) {
    EXPECT_EQ(PhiToElapsed(model, Dist(1000, 100), kInf), kInf)
        << PhiModelName(model);
    EXPECT_EQ(PhiToElapsed(model, Dist(1000, 100), 1e308), kInf)
        << PhiModelName(model);
  }
}

TEST(PhiTest, ModelNamesRoundTrip) {
  for (PhiModel model : kAllModels) {
    absl::StatusOr<PhiModel> parsed = ParsePhiModel(PhiModelName(model));
    ASSERT_TRUE(parsed.ok()) << parsed.status();
    EXPECT_EQ(*parsed, model);
  }
  EXPECT_EQ(*ParsePhiModel("Akka"), PhiModel::kAkka);
}

TEST(PhiTest, ParsePhiModelRejectsUnknownNamesListingTheChoices) {
  absl::StatusOr<PhiModel> parsed = ParsePhiModel("gaussian");
  ASSERT_FALSE(parsed.ok());
  EXPECT_EQ(parsed.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(parsed.status().message(), HasSubstr("gaussian"));
  EXPECT_THAT(parsed.status().message(),
              HasSubstr("normal, akka or exponential"));
}

}  // namespace
}  // namespace phid
