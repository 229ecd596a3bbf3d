// A small, fast, seedable random number generator whose output is the same on every machine.
//
// std::mt19937 is portable but the standard distributions (std::normal_distribution...) are not:
// two standard libraries may turn the same bits into different numbers. The demo dataset must be
// identical for a given seed everywhere, so Keneya draws its own numbers: xoshiro256** (public
// domain, Blackman and Vigna) seeded through splitmix64, with distributions written here.
//
//   Random rng(42);
//   int n = rng.Poisson(12.5);
//   double x = rng.Normal(0.0, 1.0);
#ifndef KENEYA_CORE_RANDOM_H_
#define KENEYA_CORE_RANDOM_H_

#include <cstdint>

namespace keneya::core {

class Random {
 public:
  explicit Random(uint64_t seed);

  // 64 uniformly distributed bits.
  uint64_t Next();
  // Uniform in [0, 1).
  double Uniform();
  // Uniform in [lo, hi).
  double Uniform(double lo, double hi);
  // Uniform integer in [lo, hi], both included. Requires lo <= hi.
  int64_t UniformInt(int64_t lo, int64_t hi);
  // True with probability p.
  bool Bernoulli(double p);
  // Normal (Gaussian) by the Box-Muller transform.
  double Normal(double mean, double stddev);
  // Poisson-distributed count with mean lambda >= 0 (inversion for small means, a rounded
  // normal approximation above 50, where the difference does not matter for demo data).
  int64_t Poisson(double lambda);

  // A generator for a sub-stream: same seed and key give the same stream, different keys give
  // independent ones. Lets the demo draw a facility's numbers regardless of the order in which
  // facilities are processed.
  Random Fork(uint64_t key) const;

 private:
  uint64_t s_[4];
};

}  // namespace keneya::core

#endif  // KENEYA_CORE_RANDOM_H_
