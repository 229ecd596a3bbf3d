#include "core/random.h"

#include <cmath>
#include <numbers>

namespace keneya::core {
namespace {

uint64_t SplitMix64(uint64_t& state) {
  uint64_t z = (state += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

uint64_t Rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

}  // namespace

Random::Random(uint64_t seed) {
  uint64_t state = seed;
  for (uint64_t& word : s_) word = SplitMix64(state);
}

uint64_t Random::Next() {
  const uint64_t result = Rotl(s_[1] * 5, 7) * 9;
  const uint64_t t = s_[1] << 17;
  s_[2] ^= s_[0];
  s_[3] ^= s_[1];
  s_[1] ^= s_[2];
  s_[0] ^= s_[3];
  s_[2] ^= t;
  s_[3] = Rotl(s_[3], 45);
  return result;
}

double Random::Uniform() {
  // The top 53 bits make an exactly representable double in [0, 1).
  return static_cast<double>(Next() >> 11) * 0x1.0p-53;
}

double Random::Uniform(double lo, double hi) { return lo + (hi - lo) * Uniform(); }

int64_t Random::UniformInt(int64_t lo, int64_t hi) {
  const uint64_t span = static_cast<uint64_t>(hi - lo) + 1;
  if (span == 0) return static_cast<int64_t>(Next());  // the whole 64-bit range
  // Rejection sampling removes the modulo bias.
  const uint64_t limit = UINT64_MAX - UINT64_MAX % span;
  uint64_t x = Next();
  while (x >= limit) x = Next();
  return lo + static_cast<int64_t>(x % span);
}

bool Random::Bernoulli(double p) { return Uniform() < p; }

double Random::Normal(double mean, double stddev) {
  double u1 = Uniform();
  while (u1 <= 0.0) u1 = Uniform();
  const double u2 = Uniform();
  const double z = std::sqrt(-2.0 * std::log(u1)) * std::cos(2.0 * std::numbers::pi * u2);
  return mean + stddev * z;
}

int64_t Random::Poisson(double lambda) {
  if (lambda <= 0.0) return 0;
  if (lambda > 50.0) {
    const double x = std::round(Normal(lambda, std::sqrt(lambda)));
    return x < 0.0 ? 0 : static_cast<int64_t>(x);
  }
  // Knuth's multiplication method.
  const double limit = std::exp(-lambda);
  int64_t k = 0;
  double p = Uniform();
  while (p > limit) {
    ++k;
    p *= Uniform();
  }
  return k;
}

Random Random::Fork(uint64_t key) const {
  uint64_t state = s_[0] ^ Rotl(s_[2], 17) ^ (key * 0xd1342543de82ef95ULL);
  return Random(SplitMix64(state) ^ key);
}

}  // namespace keneya::core
