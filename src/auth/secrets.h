// Passwords and tokens, with libsodium: argon2id password hashes, random tokens, SHA-256 digests
// and comparisons that take the same time whatever the input.
//
//   KENEYA_ASSIGN_OR_RETURN(std::string hash, HashPassword("correct horse battery"));
//   VerifyPassword(hash, "correct horse battery");   // true
#ifndef KENEYA_AUTH_SECRETS_H_
#define KENEYA_AUTH_SECRETS_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "core/result.h"

namespace keneya::auth {

// The cost of one argon2id hash. The default is libsodium's "interactive" level (2 passes over
// 64 MiB, about 0.1 s on the reference machine); tests may lower it.
struct PasswordCost {
  uint64_t passes = 2;
  size_t memory_bytes = 64u << 20;
};
// The cost new hashes are made with (the default, unless a test changed it).
PasswordCost& DefaultPasswordCost();

// A password's argon2id hash in libsodium's encoded form ("$argon2id$v=19$m=65536,t=2,...").
core::Result<std::string> HashPassword(std::string_view password);
// Whether `password` matches `hash`; false for an empty or malformed hash.
bool VerifyPassword(std::string_view hash, std::string_view password);
// Refuses a password shorter than 10 characters, or equal to the user's name.
core::Status CheckPasswordStrength(std::string_view password, std::string_view user_name);

// `bytes` random bytes as URL-safe base64 without padding (32 bytes: 43 characters).
std::string RandomToken(size_t bytes = 32);
// Lower-case hexadecimal SHA-256 of `text`.
std::string Sha256Hex(std::string_view text);
// Compares two secrets in a time that does not depend on where they differ.
bool SameSecret(std::string_view a, std::string_view b);

}  // namespace keneya::auth

#endif  // KENEYA_AUTH_SECRETS_H_
