// What the store keeps for accounts: users, the roles granted to them over a place of the
// pyramid, sign-in sessions, API tokens, and the audit of every account event. The rules (who may
// do what, how passwords are hashed, how long a session lasts) are in src/auth; these are the
// stored forms. Secrets are never stored: passwords as argon2id hashes, session and API tokens as
// SHA-256 hashes.
#ifndef KENEYA_STORE_AUTH_RECORDS_H_
#define KENEYA_STORE_AUTH_RECORDS_H_

#include <cstdint>
#include <optional>
#include <string>

#include "core/timestamp.h"

namespace keneya::store {

struct UserRecord {
  int64_t id = 0;
  std::string name;       // the sign-in name: lower case, unique
  std::string full_name;  // "Aminata Traoré"
  std::string email;
  std::string language = "fr";  // "fr" or "en"
  std::string password_hash;    // argon2id, encoded; "" when no password is set (no sign-in)
  bool disabled = false;
  core::TimestampMs password_changed = 0;
  core::TimestampMs created = 0;       // set by the store
  core::TimestampMs last_updated = 0;  // set by the store
};

// A role granted to a user over a scope: a subtree of the pyramid (the org unit with this uid and
// everything below it) or an org unit group (its members, a verification zone say).
struct RoleGrantRecord {
  int64_t id = 0;
  int64_t user_id = 0;
  std::string role;               // "district_team"... (auth::RoleCode)
  std::string scope_kind;         // "subtree" or "group"
  std::string scope_uid;          // the org unit's or the group's uid
  core::TimestampMs granted = 0;  // set by the store
  std::string granted_by;         // set by the store
};

struct SessionRecord {
  std::string token_hash;  // hex SHA-256 of the session token the browser holds
  int64_t user_id = 0;
  std::string csrf_token;  // sent back with every write made with the session's cookie
  core::TimestampMs created = 0;
  core::TimestampMs last_seen = 0;
  core::TimestampMs expires = 0;  // absolute end; idleness is judged from last_seen
  std::string address;
  std::string user_agent;
};

struct ApiTokenRecord {
  int64_t id = 0;
  int64_t user_id = 0;
  std::string name;               // what it is for: "dhis2-sync"
  std::string token_hash;         // hex SHA-256 of the token
  std::string prefix;             // its first characters, to tell tokens apart in a list
  core::TimestampMs created = 0;  // set by the store
  std::string created_by;         // set by the store
  core::TimestampMs expires = 0;
  std::optional<core::TimestampMs> last_used;
  std::optional<core::TimestampMs> revoked;
};

// One audited account event: a sign-in or its failure, a sign-out, a user created or changed, a
// password set, a role granted or revoked, a token created, used or revoked.
struct AuthEvent {
  int64_t id = 0;
  core::TimestampMs at = 0;  // set by the store when 0
  std::string actor;         // who acted; "" for an unknown user (a failed sign-in)
  std::string action;        // "login", "login_failed", "role_grant"... (docs/ACCESS.md)
  std::string subject;       // the user acted on
  std::string address;       // where from
  std::string source;        // "api", "cli"...
  std::string detail;        // what changed, in the stored form ("district_team subtree:Ab3...")
};

// Which account events to list, newest first. Empty fields match anything.
struct AuthEventQuery {
  std::string subject;
  std::string actor;
  std::string action;
  core::TimestampMs from = 0;  // inclusive; 0: no bound
  core::TimestampMs to = 0;    // exclusive; 0: no bound
  int64_t before_id = 0;       // for the next page: events older than this id; 0: from the newest
  int64_t limit = 100;
};

}  // namespace keneya::store

#endif  // KENEYA_STORE_AUTH_RECORDS_H_
