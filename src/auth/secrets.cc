#include "auth/secrets.h"

#include <sodium.h>

#include <mutex>
#include <vector>

namespace keneya::auth {

using core::Message;

namespace {

void InitSodium() {
  static std::once_flag once;
  std::call_once(once, [] {
    if (sodium_init() < 0) std::abort();  // no source of randomness: nothing is safe
  });
}

// The number of characters (code points) of UTF-8 text.
size_t Characters(std::string_view text) {
  size_t n = 0;
  for (unsigned char c : text) n += (c & 0xC0) != 0x80;
  return n;
}

}  // namespace

PasswordCost& DefaultPasswordCost() {
  static PasswordCost cost;
  return cost;
}

core::Result<std::string> HashPassword(std::string_view password) {
  InitSodium();
  const PasswordCost cost = DefaultPasswordCost();
  std::vector<char> out(crypto_pwhash_STRBYTES);
  if (crypto_pwhash_str_alg(out.data(), password.data(), password.size(), cost.passes,
                            cost.memory_bytes, crypto_pwhash_ALG_ARGON2ID13) != 0) {
    return core::Internal(Message("auth.hash_failed"));
  }
  return std::string(out.data());
}

bool VerifyPassword(std::string_view hash, std::string_view password) {
  InitSodium();
  if (hash.empty() || hash.size() >= crypto_pwhash_STRBYTES) return false;
  const std::string terminated(hash);
  return crypto_pwhash_str_verify(terminated.c_str(), password.data(), password.size()) == 0;
}

core::Status CheckPasswordStrength(std::string_view password, std::string_view user_name) {
  constexpr size_t kMinimum = 10;
  if (Characters(password) < kMinimum) {
    return core::InvalidArgument(Message("auth.password_too_short", {{"minimum", kMinimum}}),
                                 "password");
  }
  if (password == user_name) {
    return core::InvalidArgument(Message("auth.password_is_name"), "password");
  }
  return core::OkStatus();
}

std::string RandomToken(size_t bytes) {
  InitSodium();
  std::vector<unsigned char> raw(bytes);
  randombytes_buf(raw.data(), raw.size());
  std::vector<char> text(
      sodium_base64_ENCODED_LEN(bytes, sodium_base64_VARIANT_URLSAFE_NO_PADDING));
  sodium_bin2base64(text.data(), text.size(), raw.data(), raw.size(),
                    sodium_base64_VARIANT_URLSAFE_NO_PADDING);
  return std::string(text.data());
}

std::string Sha256Hex(std::string_view text) {
  InitSodium();
  unsigned char digest[crypto_hash_sha256_BYTES];
  crypto_hash_sha256(digest, reinterpret_cast<const unsigned char*>(text.data()), text.size());
  char hex[crypto_hash_sha256_BYTES * 2 + 1];
  sodium_bin2hex(hex, sizeof hex, digest, sizeof digest);
  return std::string(hex);
}

bool SameSecret(std::string_view a, std::string_view b) {
  InitSodium();
  // Compare digests: equal lengths whatever the inputs, so that the length does not leak either.
  const std::string da = Sha256Hex(a);
  const std::string db = Sha256Hex(b);
  return sodium_memcmp(da.data(), db.data(), da.size()) == 0;
}

}  // namespace keneya::auth
