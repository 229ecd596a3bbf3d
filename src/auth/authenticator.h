// Who is asking: sign-in with a password (a session for the browser), API tokens for machines,
// Basic authentication for DHIS2's clients, and throttling of sign-in attempts.
//
//   Authenticator auth(AuthOptions{});
//   KENEYA_ASSIGN_OR_RETURN(SignIn in, auth.Login(store, "aminata", password, client));
//   // the browser keeps in.session_token in an HttpOnly cookie, in.csrf_token for its writes
//   KENEYA_ASSIGN_OR_RETURN(Principal user, auth.FromSession(store, cookie, &csrf_header, client));
//
// Throttling slows guessing without locking anyone out: after a few failures from one address
// for one account, that address must wait before trying that account again (doubling up to a
// minute); an address failing on many accounts waits too. Others, the rightful user from their
// own address included, are not slowed. Failures are audited; so are sign-ins and token uses.
#ifndef KENEYA_AUTH_AUTHENTICATOR_H_
#define KENEYA_AUTH_AUTHENTICATOR_H_

#include <chrono>
#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include "auth/roles.h"
#include "core/result.h"
#include "core/timestamp.h"
#include "store/store.h"

namespace keneya::auth {

struct AuthOptions {
  int64_t session_idle_ms = 12LL * 3600 * 1000;          // a session unused this long ends
  int64_t session_lifetime_ms = 7LL * 24 * 3600 * 1000;  // and any session after this
  int64_t basic_cache_ms = 60'000;  // a verified Basic password is remembered (as a keyed hash)
  int free_failures = 4;            // failures before an address must wait
  int64_t max_delay_ms = 60'000;
  int64_t forget_after_ms = 15LL * 60 * 1000;  // failures older than this are forgotten
  int64_t token_use_audit_ms = 60'000;         // a token's use is audited at most once a minute
};

// Where a request comes from, for the audit and the throttling.
struct Client {
  std::string address;
  std::string user_agent;
  std::string source = "api";
};

struct SignIn {
  std::string session_token;  // for the cookie; stored only as its hash
  std::string csrf_token;
  core::TimestampMs expires = 0;
  Principal principal;
};

// A session's user, with what the browser needs to go on.
struct SessionUser {
  Principal principal;
  std::string csrf_token;
  core::TimestampMs expires = 0;
};

class Authenticator {
 public:
  explicit Authenticator(AuthOptions options);

  // Checks a password and opens a session. A wrong name or password is Unauthenticated with the
  // same words either way; too many failures TooManyRequests (retry_after_ms() says how long).
  core::Result<SignIn> Login(store::Store& store, std::string_view name, std::string_view password,
                             const Client& client);
  // The user of a session cookie. `csrf` is the request's CSRF token for a write (nullptr for a
  // read): a write without the session's token is refused.
  core::Result<SessionUser> FromSession(store::Store& store, std::string_view session_token,
                                        const std::string* csrf, const Client& client);
  // The user of an API token ("kny_..."): unknown, expired, revoked tokens and disabled users are
  // refused alike.
  core::Result<Principal> FromToken(store::Store& store, std::string_view token,
                                    const Client& client);
  // The user of a Basic authorization (DHIS2's clients); throttled like Login.
  core::Result<Principal> FromBasic(store::Store& store, std::string_view name,
                                    std::string_view password, const Client& client);
  // Ends a session.
  core::Status Logout(store::Store& store, std::string_view session_token, const Principal& user,
                      const Client& client);

  // After TooManyRequests: how long the client should wait, in milliseconds.
  int64_t RetryAfterMs(std::string_view name, const Client& client) const;

  const AuthOptions& options() const { return options_; }

 private:
  struct Failures {
    int count = 0;
    core::TimestampMs last = 0;
  };
  // The wait still due for `key`, 0 when none.
  int64_t WaitFor(const std::string& key, core::TimestampMs now) const;
  void Failed(const std::string& key, core::TimestampMs now);
  core::Status Throttle(std::string_view name, const Client& client, core::TimestampMs now) const;
  core::Result<Principal> CheckPassword(store::Store& store, std::string_view name,
                                        std::string_view password, const Client& client,
                                        std::string_view how);

  AuthOptions options_;
  std::string cache_key_;  // random, per process: the Basic cache holds keyed hashes only
  mutable std::mutex mutex_;
  std::map<std::string, Failures> failures_;  // "account|address" and "|address"
  std::map<std::string, std::pair<int64_t, core::TimestampMs>> basic_cache_;  // hash -> user, until
};

}  // namespace keneya::auth

#endif  // KENEYA_AUTH_AUTHENTICATOR_H_
