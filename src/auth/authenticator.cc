#include "auth/authenticator.h"

#include <algorithm>

#include "auth/accounts.h"
#include "auth/secrets.h"

namespace keneya::auth {

using core::Message;
using core::Result;
using core::Status;

namespace {

// An address may fail this many times over all accounts before it waits.
constexpr int kAddressFreeFailures = 20;
// The throttling table never grows beyond this; the oldest entries go first.
constexpr size_t kMaxTracked = 100'000;

core::Error WrongCredentials() { return core::Unauthenticated(Message("auth.wrong_credentials")); }

core::Error NotSignedIn() { return core::Unauthenticated(Message("auth.not_signed_in")); }

// A hash to verify against when the account does not exist, so that an unknown name costs the
// same time as a wrong password.
const std::string& DecoyHash() {
  static const std::string hash = HashPassword(RandomToken(16)).value();
  return hash;
}

}  // namespace

Authenticator::Authenticator(AuthOptions options)
    : options_(options), cache_key_(RandomToken(32)) {}

int64_t Authenticator::WaitFor(const std::string& key, core::TimestampMs now) const {
  auto it = failures_.find(key);
  if (it == failures_.end()) return 0;
  const bool address_only = key.front() == '|';
  const int free = address_only ? kAddressFreeFailures : options_.free_failures;
  if (it->second.count < free) return 0;
  const int doublings = std::min(it->second.count - free, 16);
  const int64_t delay = std::min<int64_t>(options_.max_delay_ms, int64_t{1000} << doublings);
  return std::max<int64_t>(0, it->second.last + delay - now);
}

void Authenticator::Failed(const std::string& key, core::TimestampMs now) {
  if (failures_.size() >= kMaxTracked) {
    // Forget the stalest entry (a linear pass; rare, and only under a flood).
    auto oldest = std::min_element(
        failures_.begin(), failures_.end(),
        [](const auto& a, const auto& b) { return a.second.last < b.second.last; });
    failures_.erase(oldest);
  }
  Failures& f = failures_[key];
  if (f.last != 0 && now - f.last > options_.forget_after_ms) f.count = 0;
  ++f.count;
  f.last = now;
}

Status Authenticator::Throttle(std::string_view name, const Client& client,
                               core::TimestampMs now) const {
  const int64_t wait = std::max(WaitFor(std::string(name) + "|" + client.address, now),
                                WaitFor("|" + client.address, now));
  if (wait <= 0) return core::OkStatus();
  return core::TooManyRequests(
      Message("auth.too_many_attempts", {{"seconds", (wait + 999) / 1000}}), "password");
}

int64_t Authenticator::RetryAfterMs(std::string_view name, const Client& client) const {
  std::lock_guard<std::mutex> lock(mutex_);
  const core::TimestampMs now = core::NowMs();
  return std::max(WaitFor(std::string(name) + "|" + client.address, now),
                  WaitFor("|" + client.address, now));
}

Result<Principal> Authenticator::CheckPassword(store::Store& store, std::string_view name,
                                               std::string_view password, const Client& client,
                                               std::string_view how) {
  const core::TimestampMs now = core::NowMs();
  core::Result<std::string> normalized = NormalizeUserName(name);
  const std::string normal = normalized.ok() ? *normalized : std::string(name.substr(0, 64));
  {
    std::lock_guard<std::mutex> lock(mutex_);
    // Forget what is stale now and then, so that the table holds only recent failures.
    for (auto it = failures_.begin(); it != failures_.end() && failures_.size() > 1000;) {
      it = now - it->second.last > options_.forget_after_ms ? failures_.erase(it) : std::next(it);
    }
    KENEYA_RETURN_IF_ERROR(Throttle(normal, client, now));
  }
  KENEYA_ASSIGN_OR_RETURN(std::optional<store::UserRecord> user, store.FindUser(normal));
  const bool matches = VerifyPassword(user ? user->password_hash : DecoyHash(), password);
  if (!user || !matches || user->disabled) {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      Failed(normal + "|" + client.address, now);
      Failed("|" + client.address, now);
    }
    const std::string why = !user ? "unknown user" : !matches ? "wrong password" : "disabled";
    KENEYA_RETURN_IF_ERROR(
        store.RecordAuthEvent(store::AuthEvent{0, now, "", "login_failed", normal, client.address,
                                               client.source, std::string(how) + ": " + why}));
    return WrongCredentials();
  }
  {
    std::lock_guard<std::mutex> lock(mutex_);
    failures_.erase(normal + "|" + client.address);
  }
  return LoadPrincipal(store, *user);
}

Result<SignIn> Authenticator::Login(store::Store& store, std::string_view name,
                                    std::string_view password, const Client& client) {
  KENEYA_ASSIGN_OR_RETURN(Principal principal,
                          CheckPassword(store, name, password, client, "password"));
  const core::TimestampMs now = core::NowMs();
  SignIn in;
  in.session_token = RandomToken(32);
  in.csrf_token = RandomToken(24);
  in.expires = now + options_.session_lifetime_ms;
  store::SessionRecord session{Sha256Hex(in.session_token),
                               principal.user_id,
                               in.csrf_token,
                               now,
                               now,
                               in.expires,
                               client.address,
                               client.user_agent.substr(0, 300)};
  KENEYA_RETURN_IF_ERROR(store.CreateSession(
      session, store::Actor{principal.name, client.source, "", client.address}));
  in.principal = std::move(principal);
  return in;
}

Result<SessionUser> Authenticator::FromSession(store::Store& store, std::string_view session_token,
                                               const std::string* csrf, const Client& client) {
  if (session_token.empty()) return NotSignedIn();
  const std::string hash = Sha256Hex(session_token);
  KENEYA_ASSIGN_OR_RETURN(std::optional<store::SessionRecord> session, store.FindSession(hash));
  const core::TimestampMs now = core::NowMs();
  if (!session || now >= session->expires || now - session->last_seen > options_.session_idle_ms) {
    return NotSignedIn();
  }
  if (csrf != nullptr && !SameSecret(*csrf, session->csrf_token)) {
    return core::PermissionDenied(Message("auth.csrf_missing"), "X-CSRF-Token");
  }
  KENEYA_ASSIGN_OR_RETURN(std::optional<store::UserRecord> user,
                          store.FindUserById(session->user_id));
  if (!user || user->disabled) return NotSignedIn();
  // Record the use at most once a minute: a read must not write on every request.
  if (now - session->last_seen > 60'000) {
    KENEYA_RETURN_IF_ERROR(store.TouchSession(hash, now));
  }
  (void)client;
  KENEYA_ASSIGN_OR_RETURN(Principal principal, LoadPrincipal(store, *user));
  return SessionUser{std::move(principal), session->csrf_token, session->expires};
}

Result<Principal> Authenticator::FromToken(store::Store& store, std::string_view token,
                                           const Client& client) {
  if (token.empty()) return NotSignedIn();
  KENEYA_ASSIGN_OR_RETURN(std::optional<store::ApiTokenRecord> record,
                          store.FindToken(Sha256Hex(token)));
  const core::TimestampMs now = core::NowMs();
  if (!record || record->revoked || now >= record->expires) {
    return core::Unauthenticated(Message("auth.token_not_valid"));
  }
  KENEYA_ASSIGN_OR_RETURN(std::optional<store::UserRecord> user,
                          store.FindUserById(record->user_id));
  if (!user || user->disabled) return core::Unauthenticated(Message("auth.token_not_valid"));
  if (!record->last_used || now - *record->last_used >= options_.token_use_audit_ms) {
    KENEYA_RETURN_IF_ERROR(store.TokenUsed(
        record->id, now, store::Actor{user->name, client.source, "", client.address}));
  }
  return LoadPrincipal(store, *user);
}

Result<Principal> Authenticator::FromBasic(store::Store& store, std::string_view name,
                                           std::string_view password, const Client& client) {
  // The cache holds a keyed hash of name and password, never the password: a match proves the
  // same pair was verified within basic_cache_ms.
  const std::string key =
      Sha256Hex(cache_key_ + "\n" + std::string(name) + "\n" + std::string(password));
  const core::TimestampMs now = core::NowMs();
  {
    std::lock_guard<std::mutex> lock(mutex_);
    auto it = basic_cache_.find(key);
    if (it != basic_cache_.end() && it->second.second > now) {
      const int64_t user_id = it->second.first;
      KENEYA_ASSIGN_OR_RETURN(std::optional<store::UserRecord> user, store.FindUserById(user_id));
      if (user && !user->disabled) return LoadPrincipal(store, *user);
      basic_cache_.erase(it);
    }
  }
  KENEYA_ASSIGN_OR_RETURN(Principal principal,
                          CheckPassword(store, name, password, client, "basic"));
  std::lock_guard<std::mutex> lock(mutex_);
  if (basic_cache_.size() > 10'000) basic_cache_.clear();
  basic_cache_[key] = {principal.user_id, now + options_.basic_cache_ms};
  return principal;
}

Status Authenticator::Logout(store::Store& store, std::string_view session_token,
                             const Principal& user, const Client& client) {
  return store.DeleteSessions(user.user_id, Sha256Hex(session_token),
                              store::Actor{user.name, client.source, "", client.address});
}

}  // namespace keneya::auth
