#include "core/uid.h"

#include <mutex>
#include <random>

namespace keneya::core {
namespace {

constexpr std::string_view kLetters = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
constexpr std::string_view kAlphanumeric =
    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";

bool IsAsciiLetter(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool IsAsciiDigit(char c) { return c >= '0' && c <= '9'; }

}  // namespace

bool IsValidUid(std::string_view text) {
  if (text.size() != kUidLength || !IsAsciiLetter(text[0])) return false;
  for (char c : text.substr(1)) {
    if (!IsAsciiLetter(c) && !IsAsciiDigit(c)) return false;
  }
  return true;
}

std::string GenerateUid(Random& rng) {
  std::string uid(kUidLength, ' ');
  uid[0] = kLetters[rng.UniformInt(0, kLetters.size() - 1)];
  for (int i = 1; i < kUidLength; ++i) {
    uid[i] = kAlphanumeric[rng.UniformInt(0, kAlphanumeric.size() - 1)];
  }
  return uid;
}

std::string GenerateUid() {
  static std::mutex mutex;
  static Random rng = [] {
    std::random_device device;
    const uint64_t seed = (static_cast<uint64_t>(device()) << 32) ^ device();
    return Random(seed);
  }();
  std::lock_guard<std::mutex> lock(mutex);
  return GenerateUid(rng);
}

}  // namespace keneya::core
