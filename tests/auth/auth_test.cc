// The auth module on both engines: accounts (who may manage them, what is audited), sign-in,
// sessions and their CSRF token, API tokens, Basic authentication, throttling; and the rules of
// roles over scopes.
#include <gtest/gtest.h>

#include <memory>
#include <set>
#include <string>

#include "auth/accounts.h"
#include "auth/authenticator.h"
#include "auth/roles.h"
#include "auth/secrets.h"
#include "tests/store/test_database.h"
#include "tests/store/test_metadata.h"

namespace keneya::auth {
namespace {

using store::testing::Engine;
using store::testing::TestDatabase;
namespace tm = store::testing;

const store::Actor kCli{"operator", "cli", "", ""};

Principal Operator() {
  Principal p;
  p.name = "operator";
  p.operator_of_database = true;
  return p;
}

core::OrgUnit Place(const core::MetadataBundle& metadata, std::string_view uid) {
  for (const core::OrgUnit& ou : metadata.org_units) {
    if (ou.uid == uid) return ou;
  }
  ADD_FAILURE() << "no org unit " << uid;
  return {};
}

TEST(SecretsTest, HashesWithArgon2idAndVerifies) {
  auto hash = HashPassword("un mot de passe solide");
  ASSERT_TRUE(hash.ok());
  EXPECT_EQ(hash->rfind("$argon2id$", 0), 0u) << *hash;
  EXPECT_TRUE(VerifyPassword(*hash, "un mot de passe solide"));
  EXPECT_FALSE(VerifyPassword(*hash, "un mot de passe solidE"));
  EXPECT_FALSE(VerifyPassword("", ""));
  EXPECT_FALSE(VerifyPassword("$argon2id$garbage", "x"));
  // Two hashes of one password differ (salted).
  EXPECT_NE(*hash, *HashPassword("un mot de passe solide"));
}

TEST(SecretsTest, TokensAreRandomAndDigestsKnown) {
  std::set<std::string> seen;
  for (int i = 0; i < 100; ++i) seen.insert(RandomToken());
  EXPECT_EQ(seen.size(), 100u);
  EXPECT_EQ(RandomToken().size(), 43u);
  EXPECT_EQ(Sha256Hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_TRUE(SameSecret("abc", "abc"));
  EXPECT_FALSE(SameSecret("abc", "abd"));
  EXPECT_FALSE(SameSecret("abc", "abcd"));
}

TEST(SecretsTest, RefusesWeakPasswords) {
  EXPECT_FALSE(CheckPasswordStrength("court", "aminata").ok());
  EXPECT_FALSE(CheckPasswordStrength("aminata.traore", "aminata.traore").ok());
  EXPECT_TRUE(CheckPasswordStrength("Ségou-2024-été", "aminata").ok());
  // Characters, not bytes: ten accented letters are ten.
  EXPECT_TRUE(CheckPasswordStrength("éééééééééé", "aminata").ok());
  EXPECT_FALSE(CheckPasswordStrength("ééééé", "aminata").ok());
}

TEST(RolesTest, ScopesHoldTheirSubtreeOrGroupOnly) {
  const core::MetadataBundle m = tm::TestMetadata();
  const Scope kati{ScopeKind::kSubtree, tm::kKati};
  EXPECT_TRUE(kati.Contains(Place(m, tm::kKati)));
  EXPECT_TRUE(kati.Contains(Place(m, tm::kKoko)));
  EXPECT_TRUE(kati.Contains(Place(m, tm::kAscSite)));
  EXPECT_FALSE(kati.Contains(Place(m, tm::kKoulikoro)));
  EXPECT_FALSE(kati.Contains(Place(m, tm::kMali)));
  // A uid that is a prefix of a segment is not that segment.
  core::OrgUnit other = Place(m, tm::kKoko);
  other.path = "/MaliRoot001/RegKoulik01/DisKati0001X/CscKokoII01";
  EXPECT_FALSE(kati.Contains(other));
  const Scope group{ScopeKind::kGroup, tm::kEquity20};
  const core::OrgUnit koko = Place(m, tm::kKoko);
  EXPECT_EQ(group.Contains(koko), std::find(koko.group_uids.begin(), koko.group_uids.end(),
                                            tm::kEquity20) != koko.group_uids.end());
}

TEST(RolesTest, OutsideTheScopeIsNotFoundInsideIsForbidden) {
  const core::MetadataBundle m = tm::TestMetadata();
  Principal head;
  head.name = "chef";
  head.grants.push_back({Role::kFacilityHead, {ScopeKind::kSubtree, tm::kKoko}});
  const core::OrgUnit koko = Place(m, tm::kKoko);
  const core::OrgUnit sanoubougou = Place(m, tm::kSanoubougou);
  EXPECT_TRUE(Authorize(head, Resource::kDataValue, Action::kDeclare, &koko).ok());
  EXPECT_EQ(Authorize(head, Resource::kDataValue, Action::kVerify, &koko).error().code,
            core::ErrorCode::kPermissionDenied);
  EXPECT_EQ(Authorize(head, Resource::kDataValue, Action::kRead, &sanoubougou).error().code,
            core::ErrorCode::kNotFound);
  EXPECT_EQ(Authorize(head, Resource::kDataValue, Action::kDeclare, &sanoubougou).error().code,
            core::ErrorCode::kNotFound);
  EXPECT_TRUE(Authorize(head, Resource::kMetadata, Action::kRead, nullptr).ok());
  EXPECT_EQ(Authorize(head, Resource::kUser, Action::kWrite, nullptr).error().code,
            core::ErrorCode::kPermissionDenied);
  EXPECT_FALSE(AllowsEverywhere(head, Resource::kInvoiceRun, Action::kRead, tm::kMali));
  Principal unit;
  unit.grants.push_back({Role::kNationalUnit, {ScopeKind::kSubtree, tm::kMali}});
  EXPECT_TRUE(AllowsEverywhere(unit, Resource::kInvoiceRun, Action::kWrite, tm::kMali));
  EXPECT_TRUE(Allows(unit, Resource::kInvoice, Action::kRead, sanoubougou));
  EXPECT_FALSE(Allows(unit, Resource::kDataValue, Action::kDeclare, sanoubougou));
}

TEST(RolesTest, EveryRoleHasACodeThatParsesBack) {
  for (Role role : AllRoles()) EXPECT_EQ(ParseRole(RoleCode(role)), role);
  EXPECT_FALSE(ParseRole("superuser").has_value());
  EXPECT_EQ(WriteValue("declared"), Action::kDeclare);
  EXPECT_EQ(WriteValue("verified"), Action::kVerify);
  EXPECT_EQ(WriteValue("validated"), Action::kValidate);
}

class AccountsTest : public ::testing::TestWithParam<Engine> {
 protected:
  void SetUp() override {
    const std::string why = store::testing::Unavailable(GetParam());
    if (!why.empty()) GTEST_SKIP() << why;
    // Tests hash many passwords: a lighter cost, the same algorithm.
    DefaultPasswordCost() = PasswordCost{1, 8u << 10};
    db_ = std::make_unique<TestDatabase>(GetParam());
    store_ = db_->Open();
    metadata_ = tm::TestMetadata();
    ASSERT_TRUE(store_->SaveMetadata(metadata_, kCli).ok());
    auto loaded = store_->LoadMetadata();
    ASSERT_TRUE(loaded.ok());
    metadata_ = *loaded;
  }

  UserAccount Add(const std::string& name, Role role, Scope scope,
                  const std::string& password = "mot-de-passe-2024") {
    NewUser user{name, "Nom " + name, "", "fr", password, {{role, scope}}};
    auto made = AddUser(*store_, metadata_, Operator(), user, kCli);
    EXPECT_TRUE(made.ok()) << made.error().ToString();
    return made.ok() ? *made : UserAccount{};
  }

  Principal As(const std::string& name) {
    auto user = store_->FindUser(name);
    EXPECT_TRUE(user.ok() && user->has_value());
    return LoadPrincipal(*store_, **user).value();
  }

  std::vector<std::string> Events(const std::string& subject) {
    store::AuthEventQuery query;
    query.subject = subject;
    std::vector<std::string> out;
    const std::vector<store::AuthEvent> events = store_->AuthEvents(query).value();
    for (const store::AuthEvent& e : events) out.push_back(e.action);
    return out;  // newest first
  }

  std::unique_ptr<TestDatabase> db_;
  std::unique_ptr<store::Store> store_;
  core::MetadataBundle metadata_;
};

TEST_P(AccountsTest, TheOperatorMakesTheFirstAdministratorWhoManagesTheRest) {
  UserAccount admin = Add("Admin", Role::kAdministrator, {ScopeKind::kSubtree, tm::kMali});
  EXPECT_EQ(admin.user.name, "admin");
  EXPECT_TRUE(admin.has_password);
  EXPECT_TRUE(admin.user.password_hash.empty()) << "a hash is never shown";
  ASSERT_EQ(admin.grants.size(), 1u);
  EXPECT_EQ(admin.grants[0].role, "administrator");
  EXPECT_EQ(admin.grants[0].granted_by, "operator");

  const Principal by = As("admin");
  NewUser aminata{
      "aminata", "Aminata Traoré", "",
      "fr",      "Kati-2024-juin", {{Role::kDistrictTeam, {ScopeKind::kSubtree, tm::kKati}}}};
  ASSERT_TRUE(AddUser(*store_, metadata_, by, aminata, {"admin", "api", "", "10.0.0.1"}).ok());
  // The district team cannot make accounts, nor see others'.
  const Principal district = As("aminata");
  NewUser other{"moussa", "Moussa", "", "fr", "Kati-2024-juin", {}};
  EXPECT_EQ(AddUser(*store_, metadata_, district, other, kCli).error().code,
            core::ErrorCode::kPermissionDenied);
  auto seen = ListUsers(*store_, district);
  ASSERT_TRUE(seen.ok());
  ASSERT_EQ(seen->size(), 1u);
  EXPECT_EQ((*seen)[0].user.name, "aminata");
  EXPECT_EQ(GetUser(*store_, district, "admin").error().code, core::ErrorCode::kNotFound);
  EXPECT_EQ(ListUsers(*store_, by)->size(), 2u);
  // Audited with who, where from and what.
  store::AuthEventQuery query;
  query.subject = "aminata";
  auto events = store_->AuthEvents(query);
  ASSERT_TRUE(events.ok());
  ASSERT_EQ(events->size(), 2u);
  EXPECT_EQ((*events)[0].action, "role_grant");
  EXPECT_EQ((*events)[0].detail, std::string("district_team subtree:") + tm::kKati);
  EXPECT_EQ((*events)[1].action, "user_create");
  EXPECT_EQ((*events)[1].actor, "admin");
  EXPECT_EQ((*events)[1].address, "10.0.0.1");
}

TEST_P(AccountsTest, RefusesBadNamesScopesPasswordsAndDuplicates) {
  const Principal op = Operator();
  NewUser bad{"a b", "", "", "fr", "", {}};
  EXPECT_EQ(AddUser(*store_, metadata_, op, bad, kCli).error().code,
            core::ErrorCode::kInvalidArgument);
  NewUser nowhere{"nowhere", "", "",
                  "fr",      "", {{Role::kViewer, {ScopeKind::kSubtree, "NoSuchUnit1"}}}};
  EXPECT_EQ(AddUser(*store_, metadata_, op, nowhere, kCli).error().code,
            core::ErrorCode::kNotFound);
  EXPECT_FALSE(store_->FindUser("nowhere")->has_value()) << "nothing written";
  NewUser weak{"weak", "", "", "fr", "court", {}};
  EXPECT_EQ(AddUser(*store_, metadata_, op, weak, kCli).error().code,
            core::ErrorCode::kInvalidArgument);
  Add("twice", Role::kViewer, {ScopeKind::kSubtree, tm::kMali});
  NewUser again{"TWICE", "", "", "fr", "", {}};
  EXPECT_EQ(AddUser(*store_, metadata_, op, again, kCli).error().code,
            core::ErrorCode::kAlreadyExists);
  // Scopes by code or uid, subtree or group.
  EXPECT_EQ(ParseScope(tm::kKati, metadata_)->uid, tm::kKati);
  EXPECT_EQ(ParseScope(std::string("group:") + tm::kEquity20, metadata_)->kind, ScopeKind::kGroup);
  EXPECT_FALSE(ParseScope("zone:x", metadata_).ok());
  // Text stays itself: quotes and SQL are data.
  NewUser odd{"odd", "District sanitaire d'Ansongo'); DROP TABLE app_user;--", "", "fr", "", {}};
  auto made = AddUser(*store_, metadata_, op, odd, kCli);
  ASSERT_TRUE(made.ok());
  EXPECT_EQ(store_->FindUser("odd").value()->full_name, odd.full_name);
}

TEST_P(AccountsTest, SignsInWithSessionsThatEndAndNeedTheirCsrfTokenToWrite) {
  Add("chef", Role::kFacilityHead, {ScopeKind::kSubtree, tm::kKoko});
  Authenticator auth(AuthOptions{});
  const Client client{"10.1.1.1", "Firefox", "api"};
  EXPECT_EQ(auth.Login(*store_, "chef", "mauvais-mot-de-passe", client).error().code,
            core::ErrorCode::kUnauthenticated);
  EXPECT_EQ(auth.Login(*store_, "personne", "mot-de-passe-2024", client).error().message,
            auth.Login(*store_, "chef", "mauvais-mot-de-passe", client).error().message)
      << "an unknown name and a wrong password say the same";
  auto in = auth.Login(*store_, "CHEF", "mot-de-passe-2024", client);
  ASSERT_TRUE(in.ok()) << in.error().ToString();
  EXPECT_EQ(in->principal.name, "chef");
  ASSERT_EQ(in->principal.grants.size(), 1u);
  // Reading needs the cookie only; writing needs the CSRF token too.
  EXPECT_TRUE(auth.FromSession(*store_, in->session_token, nullptr, client).ok());
  const std::string wrong = "not-the-token";
  EXPECT_EQ(auth.FromSession(*store_, in->session_token, &wrong, client).error().code,
            core::ErrorCode::kPermissionDenied);
  EXPECT_TRUE(auth.FromSession(*store_, in->session_token, &in->csrf_token, client).ok());
  // A forged session is no session; the store keeps only the hash.
  EXPECT_EQ(auth.FromSession(*store_, in->session_token + "x", nullptr, client).error().code,
            core::ErrorCode::kUnauthenticated);
  EXPECT_FALSE(store_->FindSession(in->session_token)->has_value());
  // Signing out ends it.
  ASSERT_TRUE(auth.Logout(*store_, in->session_token, in->principal, client).ok());
  EXPECT_EQ(auth.FromSession(*store_, in->session_token, nullptr, client).error().code,
            core::ErrorCode::kUnauthenticated);
  const std::vector<std::string> events = Events("chef");
  ASSERT_GE(events.size(), 4u);
  EXPECT_EQ(events[0], "logout");
  EXPECT_EQ(events[1], "login");
  EXPECT_EQ(events[2], "login_failed");
}

TEST_P(AccountsTest, AnExpiredOrIdleSessionHasEnded) {
  Add("chef", Role::kFacilityHead, {ScopeKind::kSubtree, tm::kKoko});
  AuthOptions options;
  options.session_idle_ms = -1;  // any use is too late
  Authenticator auth(options);
  auto in = auth.Login(*store_, "chef", "mot-de-passe-2024", Client{});
  ASSERT_TRUE(in.ok());
  EXPECT_EQ(auth.FromSession(*store_, in->session_token, nullptr, Client{}).error().code,
            core::ErrorCode::kUnauthenticated);
}

TEST_P(AccountsTest, PasswordChangesAndDisablingEndSessions) {
  Add("admin", Role::kAdministrator, {ScopeKind::kSubtree, tm::kMali});
  Add("chef", Role::kFacilityHead, {ScopeKind::kSubtree, tm::kKoko});
  Authenticator auth(AuthOptions{});
  auto in = auth.Login(*store_, "chef", "mot-de-passe-2024", Client{});
  ASSERT_TRUE(in.ok());
  const Principal chef = As("chef");
  // One's own password needs the current one.
  EXPECT_EQ(SetPassword(*store_, chef, "chef", "nouveau-mot-2025", "faux", kCli).error().code,
            core::ErrorCode::kPermissionDenied);
  EXPECT_EQ(
      SetPassword(*store_, chef, "admin", "nouveau-mot-2025", std::nullopt, kCli).error().code,
      core::ErrorCode::kNotFound);
  ASSERT_TRUE(
      SetPassword(*store_, chef, "chef", "nouveau-mot-2025", "mot-de-passe-2024", kCli).ok());
  EXPECT_FALSE(auth.FromSession(*store_, in->session_token, nullptr, Client{}).ok());
  EXPECT_FALSE(auth.Login(*store_, "chef", "mot-de-passe-2024", Client{}).ok());
  auto again = auth.Login(*store_, "chef", "nouveau-mot-2025", Client{});
  ASSERT_TRUE(again.ok());
  // Disabled: sessions end, sign-in refused with the same words as a wrong password.
  const Principal admin = As("admin");
  EXPECT_EQ(SetDisabled(*store_, admin, "admin", true, kCli).error().code,
            core::ErrorCode::kFailedPrecondition);
  ASSERT_TRUE(SetDisabled(*store_, admin, "chef", true, kCli).ok());
  EXPECT_FALSE(auth.FromSession(*store_, again->session_token, nullptr, Client{}).ok());
  EXPECT_EQ(auth.Login(*store_, "chef", "nouveau-mot-2025", Client{}).error().code,
            core::ErrorCode::kUnauthenticated);
  ASSERT_TRUE(SetDisabled(*store_, admin, "chef", false, kCli).ok());
  EXPECT_TRUE(auth.Login(*store_, "chef", "nouveau-mot-2025", Client{}).ok());
}

TEST_P(AccountsTest, ApiTokensWorkUntilRevokedOrExpiredAndTheirUseIsAudited) {
  Add("sync", Role::kNationalUnit, {ScopeKind::kSubtree, tm::kMali});
  Add("admin", Role::kAdministrator, {ScopeKind::kSubtree, tm::kMali});
  const Principal sync = As("sync");
  auto token = CreateToken(*store_, sync, "sync", "dhis2", 30, kCli);
  ASSERT_TRUE(token.ok()) << token.error().ToString();
  EXPECT_EQ(token->token.rfind("kny_", 0), 0u);
  EXPECT_EQ(token->record.token_hash, Sha256Hex(token->token));
  Authenticator auth(AuthOptions{});
  const Client client{"10.2.2.2", "dhis2", "api"};
  auto user = auth.FromToken(*store_, token->token, client);
  ASSERT_TRUE(user.ok()) << user.error().ToString();
  EXPECT_EQ(user->name, "sync");
  EXPECT_EQ(Events("sync")[0], "token_use");
  EXPECT_FALSE(auth.FromToken(*store_, token->token + "x", client).ok());
  // Another user's token is not theirs to revoke (and does not exist for them).
  Add("chef", Role::kFacilityHead, {ScopeKind::kSubtree, tm::kKoko});
  EXPECT_EQ(RevokeToken(*store_, As("chef"), token->record.id, kCli).error().code,
            core::ErrorCode::kNotFound);
  ASSERT_TRUE(RevokeToken(*store_, As("admin"), token->record.id, kCli).ok());
  EXPECT_EQ(auth.FromToken(*store_, token->token, client).error().code,
            core::ErrorCode::kUnauthenticated);
  EXPECT_EQ(Events("sync")[0], "token_revoke");
  EXPECT_FALSE(CreateToken(*store_, sync, "sync", "x", 0, kCli).ok());
  EXPECT_FALSE(CreateToken(*store_, sync, "sync", "x", 731, kCli).ok());
}

TEST_P(AccountsTest, SignInFailuresSlowThatAddressNotTheRightfulUser) {
  Add("unite", Role::kNationalUnit, {ScopeKind::kSubtree, tm::kMali});
  AuthOptions options;
  options.free_failures = 3;
  Authenticator auth(options);
  const Client attacker{"203.0.113.9", "bot", "api"};
  const Client office{"10.0.0.5", "Firefox", "api"};
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(auth.Login(*store_, "unite", "devine-" + std::to_string(i), attacker).error().code,
              core::ErrorCode::kUnauthenticated);
  }
  // Now the attacker waits, even with the right password...
  auto refused = auth.Login(*store_, "unite", "mot-de-passe-2024", attacker);
  EXPECT_EQ(refused.error().code, core::ErrorCode::kTooManyRequests);
  EXPECT_GT(auth.RetryAfterMs("unite", attacker), 0);
  // ...while the national unit's office signs in at once: no lock-out.
  EXPECT_TRUE(auth.Login(*store_, "unite", "mot-de-passe-2024", office).ok());
  // Basic authentication is throttled alike, and a verified pair is served from the cache.
  EXPECT_EQ(auth.FromBasic(*store_, "unite", "mot-de-passe-2024", attacker).error().code,
            core::ErrorCode::kTooManyRequests);
  EXPECT_TRUE(auth.FromBasic(*store_, "unite", "mot-de-passe-2024", office).ok());
  EXPECT_TRUE(auth.FromBasic(*store_, "unite", "mot-de-passe-2024", office).ok());
  EXPECT_FALSE(auth.FromBasic(*store_, "unite", "mot-de-passe-2025", office).ok());
}

TEST_P(AccountsTest, RolesAreGrantedAndRevokedByAdministratorsOnly) {
  Add("admin", Role::kAdministrator, {ScopeKind::kSubtree, tm::kMali});
  Add("verif", Role::kVerifier, {ScopeKind::kGroup, tm::kEquity20});
  const Principal admin = As("admin");
  const Grant kati{Role::kVerifier, {ScopeKind::kSubtree, tm::kKati}};
  EXPECT_EQ(GrantRole(*store_, metadata_, As("verif"), "verif", kati, kCli).error().code,
            core::ErrorCode::kPermissionDenied);
  ASSERT_TRUE(GrantRole(*store_, metadata_, admin, "verif", kati, kCli).ok());
  EXPECT_EQ(GrantRole(*store_, metadata_, admin, "verif", kati, kCli).error().code,
            core::ErrorCode::kAlreadyExists);
  EXPECT_EQ(As("verif").grants.size(), 2u);
  ASSERT_TRUE(RevokeRole(*store_, admin, "verif", kati, kCli).ok());
  EXPECT_EQ(RevokeRole(*store_, admin, "verif", kati, kCli).error().code,
            core::ErrorCode::kNotFound);
  EXPECT_EQ(As("verif").grants.size(), 1u);
  const Grant own{Role::kAdministrator, {ScopeKind::kSubtree, tm::kMali}};
  EXPECT_EQ(RevokeRole(*store_, admin, "admin", own, kCli).error().code,
            core::ErrorCode::kFailedPrecondition);
  const std::vector<std::string> events = Events("verif");
  EXPECT_EQ(events[0], "role_revoke");
  EXPECT_EQ(events[1], "role_grant");
}

INSTANTIATE_TEST_SUITE_P(Engines, AccountsTest,
                         ::testing::Values(Engine::kSqlite, Engine::kPostgres),
                         [](const auto& param_info) {
                           return store::testing::EngineName(param_info.param);
                         });

}  // namespace
}  // namespace keneya::auth
