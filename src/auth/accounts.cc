#include "auth/accounts.h"

#include <algorithm>

#include "auth/secrets.h"

namespace keneya::auth {

using core::Message;
using core::Result;
using core::Status;

namespace {

constexpr int64_t kDayMs = 24LL * 3600 * 1000;

bool IsAdministrator(const Principal& by) {
  return by.operator_of_database || by.Has(Role::kAdministrator);
}

// Only administrators manage others' accounts; the refusal does not say whether the account
// exists.
Status RequireAdministrator(const Principal& by) {
  if (IsAdministrator(by)) return core::OkStatus();
  return core::PermissionDenied(Message("auth.accounts_for_administrators"));
}

// The stored user `name`, or NotFound. Non-administrators may only name themselves (another
// name answers NotFound as if it did not exist).
Result<store::UserRecord> FindAccount(store::Store& store, const Principal& by,
                                      std::string_view name) {
  KENEYA_ASSIGN_OR_RETURN(std::string normal, NormalizeUserName(name));
  if (!IsAdministrator(by) && normal != by.name) {
    return core::NotFound(Message("auth.no_user", {{"name", normal}}), "user");
  }
  KENEYA_ASSIGN_OR_RETURN(std::optional<store::UserRecord> user, store.FindUser(normal));
  if (!user) return core::NotFound(Message("auth.no_user", {{"name", normal}}), "user");
  return *user;
}

Result<UserAccount> Shown(store::Store& store, store::UserRecord user) {
  UserAccount account;
  KENEYA_ASSIGN_OR_RETURN(account.grants, store.RoleGrants(user.id));
  account.has_password = !user.password_hash.empty();
  user.password_hash.clear();
  account.user = std::move(user);
  return account;
}

Status CheckScope(const Scope& scope, const core::MetadataBundle& metadata) {
  const core::MetadataIndex index(metadata);
  if (scope.kind == ScopeKind::kSubtree ? index.org_unit(scope.uid) == nullptr
                                        : index.org_unit_group(scope.uid) == nullptr) {
    return core::NotFound(
        Message("auth.no_scope",
                {{"scope", std::string(ScopeKindCode(scope.kind)) + ":" + scope.uid}}),
        "scope");
  }
  return core::OkStatus();
}

store::RoleGrantRecord GrantRecord(int64_t user_id, const Grant& grant) {
  return store::RoleGrantRecord{0,
                                user_id,
                                std::string(RoleCode(grant.role)),
                                std::string(ScopeKindCode(grant.scope.kind)),
                                grant.scope.uid,
                                0,
                                ""};
}

}  // namespace

Result<std::string> NormalizeUserName(std::string_view name) {
  std::string out;
  for (char c : name) {
    const char lower = (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
    const bool allowed = (lower >= 'a' && lower <= 'z') || (lower >= '0' && lower <= '9') ||
                         lower == '.' || lower == '_' || lower == '-';
    if (!allowed) {
      return core::InvalidArgument(Message("auth.bad_user_name", {{"name", name}}), "name");
    }
    out.push_back(lower);
  }
  if (out.size() < 2 || out.size() > 64) {
    return core::InvalidArgument(Message("auth.bad_user_name", {{"name", name}}), "name");
  }
  return out;
}

Result<Scope> ParseScope(std::string_view text, const core::MetadataBundle& metadata) {
  ScopeKind kind = ScopeKind::kSubtree;
  std::string_view key = text;
  if (const size_t colon = text.find(':'); colon != std::string_view::npos) {
    std::optional<ScopeKind> parsed = ParseScopeKind(text.substr(0, colon));
    if (!parsed) {
      return core::InvalidArgument(Message("auth.bad_scope", {{"scope", text}}), "scope");
    }
    kind = *parsed;
    key = text.substr(colon + 1);
  }
  if (kind == ScopeKind::kSubtree) {
    for (const core::OrgUnit& ou : metadata.org_units) {
      if (ou.uid == key || (!ou.code.empty() && ou.code == key)) return Scope{kind, ou.uid};
    }
  } else {
    for (const core::OrgUnitGroup& group : metadata.org_unit_groups) {
      if (group.uid == key || (!group.code.empty() && group.code == key)) {
        return Scope{kind, group.uid};
      }
    }
  }
  return core::NotFound(Message("auth.no_scope", {{"scope", text}}), "scope");
}

std::string ScopeName(const Scope& scope, const core::MetadataBundle& metadata) {
  const core::MetadataIndex index(metadata);
  if (scope.kind == ScopeKind::kSubtree) {
    if (const core::OrgUnit* ou = index.org_unit(scope.uid)) return ou->name;
  } else if (const core::OrgUnitGroup* group = index.org_unit_group(scope.uid)) {
    return group->name;
  }
  return scope.uid;
}

Result<UserAccount> AddUser(store::Store& store, const core::MetadataBundle& metadata,
                            const Principal& by, const NewUser& user, const store::Actor& actor) {
  KENEYA_RETURN_IF_ERROR(RequireAdministrator(by));
  store::UserRecord record;
  KENEYA_ASSIGN_OR_RETURN(record.name, NormalizeUserName(user.name));
  record.full_name = user.full_name.empty() ? record.name : user.full_name;
  record.email = user.email;
  if (user.language != "fr" && user.language != "en") {
    return core::InvalidArgument(Message("auth.bad_language", {{"language", user.language}}),
                                 "language");
  }
  record.language = user.language;
  for (const Grant& grant : user.grants) KENEYA_RETURN_IF_ERROR(CheckScope(grant.scope, metadata));
  if (!user.password.empty()) {
    KENEYA_RETURN_IF_ERROR(CheckPasswordStrength(user.password, record.name));
    KENEYA_ASSIGN_OR_RETURN(record.password_hash, HashPassword(user.password));
    record.password_changed = core::NowMs();
  }
  KENEYA_ASSIGN_OR_RETURN(store::UserRecord stored, store.CreateUser(record, actor));
  for (const Grant& grant : user.grants) {
    KENEYA_RETURN_IF_ERROR(store.GrantRole(GrantRecord(stored.id, grant), actor));
  }
  return Shown(store, std::move(stored));
}

Result<std::vector<UserAccount>> ListUsers(store::Store& store, const Principal& by) {
  std::vector<UserAccount> out;
  if (!IsAdministrator(by)) {
    KENEYA_ASSIGN_OR_RETURN(store::UserRecord own, FindAccount(store, by, by.name));
    KENEYA_ASSIGN_OR_RETURN(UserAccount shown, Shown(store, std::move(own)));
    out.push_back(std::move(shown));
    return out;
  }
  KENEYA_ASSIGN_OR_RETURN(std::vector<store::UserRecord> users, store.Users());
  KENEYA_ASSIGN_OR_RETURN(std::vector<store::RoleGrantRecord> grants, store.RoleGrants(0));
  for (store::UserRecord& user : users) {
    UserAccount account;
    for (const store::RoleGrantRecord& grant : grants) {
      if (grant.user_id == user.id) account.grants.push_back(grant);
    }
    account.has_password = !user.password_hash.empty();
    user.password_hash.clear();
    account.user = std::move(user);
    out.push_back(std::move(account));
  }
  return out;
}

Result<UserAccount> GetUser(store::Store& store, const Principal& by, std::string_view name) {
  KENEYA_ASSIGN_OR_RETURN(store::UserRecord user, FindAccount(store, by, name));
  return Shown(store, std::move(user));
}

Status SetPassword(store::Store& store, const Principal& by, std::string_view name,
                   std::string_view new_password, std::optional<std::string_view> current_password,
                   const store::Actor& actor) {
  KENEYA_ASSIGN_OR_RETURN(store::UserRecord user, FindAccount(store, by, name));
  const bool own = !by.operator_of_database && user.name == by.name;
  if (own || !IsAdministrator(by)) {
    // One's own password: the current one proves that the hand on the keyboard is the user's.
    if (!current_password || !VerifyPassword(user.password_hash, *current_password)) {
      return core::PermissionDenied(Message("auth.current_password_wrong"), "current_password");
    }
  }
  KENEYA_RETURN_IF_ERROR(CheckPasswordStrength(new_password, user.name));
  KENEYA_ASSIGN_OR_RETURN(user.password_hash, HashPassword(new_password));
  user.password_changed = core::NowMs();
  KENEYA_RETURN_IF_ERROR(store.UpdateUser(user, "password_change", own ? "own" : "reset", actor));
  return store.DeleteSessions(user.id, "", store::Actor{});
}

Status SetDisabled(store::Store& store, const Principal& by, std::string_view name, bool disabled,
                   const store::Actor& actor) {
  KENEYA_RETURN_IF_ERROR(RequireAdministrator(by));
  KENEYA_ASSIGN_OR_RETURN(store::UserRecord user, FindAccount(store, by, name));
  if (disabled && !by.operator_of_database && user.name == by.name) {
    return core::FailedPrecondition(Message("auth.cannot_disable_self"), "user");
  }
  if (user.disabled == disabled) return core::OkStatus();
  user.disabled = disabled;
  KENEYA_RETURN_IF_ERROR(
      store.UpdateUser(user, disabled ? "user_disable" : "user_enable", "", actor));
  if (disabled) return store.DeleteSessions(user.id, "", store::Actor{});
  return core::OkStatus();
}

Result<store::RoleGrantRecord> GrantRole(store::Store& store, const core::MetadataBundle& metadata,
                                         const Principal& by, std::string_view name,
                                         const Grant& grant, const store::Actor& actor) {
  KENEYA_RETURN_IF_ERROR(RequireAdministrator(by));
  KENEYA_ASSIGN_OR_RETURN(store::UserRecord user, FindAccount(store, by, name));
  KENEYA_RETURN_IF_ERROR(CheckScope(grant.scope, metadata));
  return store.GrantRole(GrantRecord(user.id, grant), actor);
}

Status RevokeRole(store::Store& store, const Principal& by, std::string_view name,
                  const Grant& grant, const store::Actor& actor) {
  KENEYA_RETURN_IF_ERROR(RequireAdministrator(by));
  KENEYA_ASSIGN_OR_RETURN(store::UserRecord user, FindAccount(store, by, name));
  KENEYA_ASSIGN_OR_RETURN(std::vector<store::RoleGrantRecord> grants, store.RoleGrants(user.id));
  for (const store::RoleGrantRecord& held : grants) {
    if (held.role == RoleCode(grant.role) && held.scope_kind == ScopeKindCode(grant.scope.kind) &&
        held.scope_uid == grant.scope.uid) {
      if (!by.operator_of_database && user.name == by.name && grant.role == Role::kAdministrator) {
        return core::FailedPrecondition(Message("auth.cannot_revoke_own_administration"), "role");
      }
      return store.RevokeRole(held.id, actor);
    }
  }
  return core::NotFound(
      Message("auth.no_such_grant",
              {{"name", user.name}, {"role", RoleText(grant.role)}, {"scope", grant.scope.uid}}),
      "role");
}

Result<NewToken> CreateToken(store::Store& store, const Principal& by, std::string_view name,
                             std::string_view token_name, int days, const store::Actor& actor) {
  KENEYA_ASSIGN_OR_RETURN(store::UserRecord user, FindAccount(store, by, name));
  if (days < 1 || days > 730) {
    return core::InvalidArgument(Message("auth.bad_token_days", {{"days", days}}), "days");
  }
  if (token_name.empty() || token_name.size() > 100) {
    return core::InvalidArgument(Message("auth.bad_token_name"), "name");
  }
  NewToken made;
  made.token = "kny_" + RandomToken(32);
  made.record.user_id = user.id;
  made.record.name = std::string(token_name);
  made.record.token_hash = Sha256Hex(made.token);
  made.record.prefix = made.token.substr(0, 10);
  made.record.expires = core::NowMs() + days * kDayMs;
  KENEYA_ASSIGN_OR_RETURN(made.record, store.CreateToken(made.record, actor));
  return made;
}

Result<std::vector<store::ApiTokenRecord>> ListTokens(store::Store& store, const Principal& by,
                                                      std::string_view name) {
  KENEYA_ASSIGN_OR_RETURN(store::UserRecord user, FindAccount(store, by, name));
  KENEYA_ASSIGN_OR_RETURN(std::vector<store::ApiTokenRecord> tokens, store.Tokens(user.id));
  for (store::ApiTokenRecord& token : tokens) token.token_hash.clear();
  return tokens;
}

Status RevokeToken(store::Store& store, const Principal& by, int64_t token_id,
                   const store::Actor& actor) {
  if (!IsAdministrator(by)) {
    // One's own tokens only; another's answers as a token that does not exist.
    KENEYA_ASSIGN_OR_RETURN(std::vector<store::ApiTokenRecord> own, store.Tokens(by.user_id));
    const bool mine = std::any_of(own.begin(), own.end(),
                                  [token_id](const auto& token) { return token.id == token_id; });
    if (!mine) return core::NotFound(Message("store.no_token", {{"id", token_id}}), "token");
  }
  return store.RevokeToken(token_id, actor);
}

Result<Principal> LoadPrincipal(store::Store& store, const store::UserRecord& user) {
  Principal principal;
  principal.user_id = user.id;
  principal.name = user.name;
  principal.full_name = user.full_name;
  principal.language = user.language;
  KENEYA_ASSIGN_OR_RETURN(std::vector<store::RoleGrantRecord> grants, store.RoleGrants(user.id));
  for (const store::RoleGrantRecord& grant : grants) {
    std::optional<Role> role = ParseRole(grant.role);
    std::optional<ScopeKind> kind = ParseScopeKind(grant.scope_kind);
    if (!role || !kind) continue;
    principal.grants.push_back(Grant{*role, Scope{*kind, grant.scope_uid}});
  }
  return principal;
}

}  // namespace keneya::auth
