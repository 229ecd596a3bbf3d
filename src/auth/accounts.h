// Accounts: users, their roles over places, their passwords and API tokens. The command line
// (`keneya user ...`) and the API call these functions; each takes who acts (a Principal) and
// refuses what that user may not do: only an administrator (or the database's operator on the
// command line) manages accounts; any user reads their own account and changes their own
// password. Every change is audited by the store (docs/ACCESS.md lists the events).
//
//   NewUser user{.name = "aminata", .full_name = "Aminata Traoré", .password = "..."};
//   user.grants.push_back({Role::kDistrictTeam, {ScopeKind::kSubtree, segou_uid}});
//   KENEYA_ASSIGN_OR_RETURN(UserAccount made, AddUser(store, metadata, admin, user, actor));
#ifndef KENEYA_AUTH_ACCOUNTS_H_
#define KENEYA_AUTH_ACCOUNTS_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "auth/roles.h"
#include "core/metadata.h"
#include "core/result.h"
#include "store/store.h"

namespace keneya::auth {

struct NewUser {
  std::string name;  // sign-in name: 2 to 64 of a-z 0-9 . _ - (upper case is lowered)
  std::string full_name;
  std::string email;
  std::string language = "fr";
  std::string password;  // empty: no password yet (no sign-in until one is set)
  std::vector<Grant> grants;
};

// A user as shown: the record without its hash, with its grants.
struct UserAccount {
  store::UserRecord user;  // password_hash cleared
  std::vector<store::RoleGrantRecord> grants;
  bool has_password = false;
};

// A token as created: `token` is shown once and never stored.
struct NewToken {
  store::ApiTokenRecord record;
  std::string token;  // "kny_" followed by 43 random characters
};

// The normalised sign-in name ("Aminata" -> "aminata"), or InvalidArgument.
core::Result<std::string> NormalizeUserName(std::string_view name);
// A scope from its text: "subtree:<org unit uid or code>" or "group:<group uid or code>", or an org
// unit's uid or code alone (a subtree). Checked against the metadata.
core::Result<Scope> ParseScope(std::string_view text, const core::MetadataBundle& metadata);
// The scope's place in words ("Ségou (subtree)").
std::string ScopeName(const Scope& scope, const core::MetadataBundle& metadata);

core::Result<UserAccount> AddUser(store::Store& store, const core::MetadataBundle& metadata,
                                  const Principal& by, const NewUser& user,
                                  const store::Actor& actor);
// Every account (administrators), or the user's own (anyone else).
core::Result<std::vector<UserAccount>> ListUsers(store::Store& store, const Principal& by);
core::Result<UserAccount> GetUser(store::Store& store, const Principal& by, std::string_view name);
// Sets a password. Users changing their own give their current password; an administrator
// resetting another's does not. Every session of the user ends.
core::Status SetPassword(store::Store& store, const Principal& by, std::string_view name,
                         std::string_view new_password,
                         std::optional<std::string_view> current_password,
                         const store::Actor& actor);
// Disables (or enables again) an account; a disabled account's sessions end and its tokens stop
// working. Administrators may not disable themselves.
core::Status SetDisabled(store::Store& store, const Principal& by, std::string_view name,
                         bool disabled, const store::Actor& actor);
core::Result<store::RoleGrantRecord> GrantRole(store::Store& store,
                                               const core::MetadataBundle& metadata,
                                               const Principal& by, std::string_view name,
                                               const Grant& grant, const store::Actor& actor);
core::Status RevokeRole(store::Store& store, const Principal& by, std::string_view name,
                        const Grant& grant, const store::Actor& actor);
// A new API token for `name`, valid `days` days (1 to 730).
core::Result<NewToken> CreateToken(store::Store& store, const Principal& by, std::string_view name,
                                   std::string_view token_name, int days,
                                   const store::Actor& actor);
// The tokens of a user (administrators: of anyone; others: their own).
core::Result<std::vector<store::ApiTokenRecord>> ListTokens(store::Store& store,
                                                            const Principal& by,
                                                            std::string_view name);
core::Status RevokeToken(store::Store& store, const Principal& by, int64_t token_id,
                         const store::Actor& actor);

// The acting user of a stored account: its grants as roles and scopes (grants of unknown roles,
// written by a newer Keneya, are left out).
core::Result<Principal> LoadPrincipal(store::Store& store, const store::UserRecord& user);

}  // namespace keneya::auth

#endif  // KENEYA_AUTH_ACCOUNTS_H_
