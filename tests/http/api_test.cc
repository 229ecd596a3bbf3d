// The API as a function from request to response, on both engines: routing, errors in the
// request's language, signing in (sessions and their CSRF token, API tokens, Basic), accounts,
// throttling, hostile bodies, the web app's static files. The transport is tested in
// server_test.cc.
#include "http/api.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "auth/accounts.h"
#include "auth/secrets.h"
#include "http/metrics.h"
#include "tests/http/kati_dataset.h"
#include "tests/store/test_database.h"
#include "tests/store/test_metadata.h"

namespace keneya::http {
namespace {

using nlohmann::json;
using store::testing::Engine;
using store::testing::TestDatabase;
namespace tm = store::testing;

constexpr char kPassword[] = "mot-de-passe-2024";

Request Get(std::string path) {
  Request r;
  r.method = "GET";
  r.path = std::move(path);
  r.remote_address = "10.0.0.1";
  return r;
}

Request Post(std::string path, std::string body, std::string method = "POST") {
  Request r = Get(std::move(path));
  r.method = std::move(method);
  r.body = std::move(body);
  r.headers["content-type"] = "application/json";
  return r;
}

std::string Header(const Response& r, std::string_view name) {
  for (const auto& [key, value] : r.headers) {
    if (key == name) return value;
  }
  return "";
}

json Body(const Response& r) { return json::parse(r.body); }

class ApiTest : public ::testing::TestWithParam<Engine> {
 protected:
  void SetUp() override {
    const std::string why = store::testing::Unavailable(GetParam());
    if (!why.empty()) GTEST_SKIP() << why;
    auth::DefaultPasswordCost() = auth::PasswordCost{1, 8u << 10};
    db_ = std::make_unique<TestDatabase>(GetParam());
    {
      auto store = db_->Open();
      ASSERT_TRUE(store->SaveMetadata(tm::TestMetadata(), {"test", "test", "", ""}).ok());
      auto metadata = store->LoadMetadata();
      auth::Principal op;
      op.name = "operator";
      op.operator_of_database = true;
      const store::Actor cli{"operator", "cli", "", ""};
      for (auto [name, role, scope] : {std::tuple{"admin", auth::Role::kAdministrator, tm::kMali},
                                       std::tuple{"district", auth::Role::kDistrictTeam, tm::kKati},
                                       std::tuple{"chef", auth::Role::kFacilityHead, tm::kKoko}}) {
        auth::NewUser user{name,      std::string("Nom ") + name,
                           "",        "fr",
                           kPassword, {{role, {auth::ScopeKind::kSubtree, scope}}}};
        ASSERT_TRUE(auth::AddUser(*store, *metadata, op, user, cli).ok());
      }
    }
    auto pool = store::StorePool::Open(db_->location(), 3);
    ASSERT_TRUE(pool.ok()) << pool.error().ToString();
    pool_ = std::move(pool).value();
    authenticator_ = std::make_unique<auth::Authenticator>(auth::AuthOptions{});
    ApiOptions options;
    options.info = {"1.2.3", "test.db"};
    api_ = std::make_unique<Api>(*pool_, *authenticator_, options, &metrics_);
  }

  // Signs in; returns the session cookie and the CSRF token.
  std::pair<std::string, std::string> SignIn(const std::string& name) {
    Response r = api_->Handle(
        Post("/api/auth/login", json{{"username", name}, {"password", kPassword}}.dump()));
    EXPECT_EQ(r.status, 200) << r.body;
    const std::string cookie = Header(r, "Set-Cookie");
    return {cookie.substr(0, cookie.find(';')), Body(r).value("csrfToken", "")};
  }

  Request As(Request request, const std::pair<std::string, std::string>& session) {
    request.headers["cookie"] = session.first;
    if (request.method != "GET") request.headers["x-csrf-token"] = session.second;
    return request;
  }

  std::unique_ptr<TestDatabase> db_;
  std::unique_ptr<store::StorePool> pool_;
  std::unique_ptr<auth::Authenticator> authenticator_;
  Metrics metrics_;
  std::unique_ptr<Api> api_;
};

TEST_P(ApiTest, HealthIsPublicAndNamesTheDatabase) {
  Response r = api_->Handle(Get("/api/health"));
  EXPECT_EQ(r.status, 200);
  json body = Body(r);
  EXPECT_EQ(body["status"], "ok");
  EXPECT_EQ(body["version"], "1.2.3");
  EXPECT_EQ(body["database"]["reachable"], true);
  EXPECT_EQ(body["database"]["pool_size"], 3);
  EXPECT_EQ(r.route, "/api/health");
}

TEST_P(ApiTest, ErrorsAreJsonInTheRequestsLanguage) {
  Response missing = api_->Handle(Get("/api/nothing"));
  EXPECT_EQ(missing.status, 404);
  json body = Body(missing);
  EXPECT_EQ(body["code"], "not_found");
  EXPECT_EQ(body["message_id"], "http.no_resource");
  EXPECT_EQ(body["params"]["path"], "/api/nothing");
  EXPECT_EQ(body["message"], "aucune ressource : /api/nothing");
  Request english = Get("/api/nothing");
  english.headers["accept-language"] = "en-GB,en;q=0.9,fr;q=0.5";
  EXPECT_EQ(Body(api_->Handle(english))["message"], "no such resource: /api/nothing");
  EXPECT_EQ(api_->Handle(Post("/api/health", "{}")).status, 405);
  Response anonymous = api_->Handle(Get("/api/users"));
  EXPECT_EQ(anonymous.status, 401);
  EXPECT_EQ(Body(anonymous)["code"], "unauthenticated");
}

TEST_P(ApiTest, SessionsNeedTheirCsrfTokenToWrite) {
  Response wrong = api_->Handle(
      Post("/api/auth/login", json{{"username", "chef"}, {"password", "faux"}}.dump()));
  EXPECT_EQ(wrong.status, 401);
  EXPECT_EQ(Body(wrong)["message"], "nom d'utilisateur ou mot de passe incorrect");
  Response in = api_->Handle(
      Post("/api/auth/login", json{{"username", "chef"}, {"password", kPassword}}.dump()));
  ASSERT_EQ(in.status, 200) << in.body;
  const std::string cookie = Header(in, "Set-Cookie");
  EXPECT_NE(cookie.find("HttpOnly"), std::string::npos);
  EXPECT_NE(cookie.find("SameSite=Strict"), std::string::npos);
  EXPECT_EQ(cookie.find("Secure"), std::string::npos) << "no TLS here";
  const auto session = SignIn("chef");
  Response me = api_->Handle(As(Get("/api/me"), session));
  ASSERT_EQ(me.status, 200) << me.body;
  EXPECT_EQ(Body(me)["username"], "chef");
  EXPECT_EQ(Body(me)["roles"][0]["role"], "facility_head");
  EXPECT_EQ(Body(me)["csrfToken"], session.second);
  EXPECT_EQ(me.user, "chef");
  // A write with the cookie but without the token is refused, and writes nothing.
  Request no_token =
      Post("/api/users/chef/password",
           json{{"password", "nouveau-2025-mot"}, {"currentPassword", kPassword}}.dump());
  no_token.headers["cookie"] = session.first;
  EXPECT_EQ(api_->Handle(no_token).status, 403);
  EXPECT_EQ(api_->Handle(As(Get("/api/me"), session)).status, 200) << "still signed in";
  // A forged cookie is no session.
  Request forged = Get("/api/me");
  forged.headers["cookie"] = "keneya_session=" + auth::RandomToken();
  EXPECT_EQ(api_->Handle(forged).status, 401);
  // Signing out ends the session.
  EXPECT_EQ(api_->Handle(As(Post("/api/auth/logout", "{}"), session)).status, 200);
  EXPECT_EQ(api_->Handle(As(Get("/api/me"), session)).status, 401);
}

TEST_P(ApiTest, MachinesUseApiTokensOrBasicAuthentication) {
  const auto admin = SignIn("admin");
  Response made = api_->Handle(
      As(Post("/api/users/district/tokens", json{{"name", "dhis2"}, {"days", 30}}.dump()), admin));
  ASSERT_EQ(made.status, 201) << made.body;
  const std::string token = Body(made)["token"];
  const int64_t id = Body(made)["id"];
  Request with_token = Get("/api/me");
  with_token.headers["authorization"] = "ApiToken " + token;
  EXPECT_EQ(Body(api_->Handle(with_token))["username"], "district");
  Request bearer = Get("/api/me");
  bearer.headers["authorization"] = "Bearer " + token;
  EXPECT_EQ(api_->Handle(bearer).status, 200);
  // Revoked: refused.
  EXPECT_EQ(api_->Handle(As(Post("/api/tokens/" + std::to_string(id), "", "DELETE"), admin)).status,
            200);
  EXPECT_EQ(api_->Handle(with_token).status, 401);
  // Basic, as DHIS2's clients send it ("chef:mot-de-passe-2024").
  Request basic = Get("/api/me");
  basic.headers["authorization"] = "Basic Y2hlZjptb3QtZGUtcGFzc2UtMjAyNA==";
  EXPECT_EQ(Body(api_->Handle(basic))["username"], "chef");
  basic.headers["authorization"] = "Basic Y2hlZjpmYXV4";  // chef:faux
  Response refused = api_->Handle(basic);
  EXPECT_EQ(refused.status, 401);
  EXPECT_NE(Header(refused, "WWW-Authenticate").find("Basic"), std::string::npos);
  // The web app's requests are a page's own: refused without asking the browser for a password.
  Request from_page = Get("/api/me");
  from_page.headers["x-requested-with"] = "XMLHttpRequest";
  Response unsigned_page = api_->Handle(from_page);
  EXPECT_EQ(unsigned_page.status, 401);
  EXPECT_EQ(Header(unsigned_page, "WWW-Authenticate"), "");
}

TEST_P(ApiTest, AccountsAreManagedByAdministratorsAndSeenByNobodyElse) {
  const auto admin = SignIn("admin");
  const std::string name = "District sanitaire d'Ansongo'); DROP TABLE app_user;--";
  Response made = api_->Handle(
      As(Post("/api/users", json{{"username", "segou"},
                                 {"name", name},
                                 {"password", "Segou-2024-long"},
                                 {"roles", {{{"role", "district_team"}, {"scope", tm::kKati}}}}}
                                .dump()),
         admin));
  ASSERT_EQ(made.status, 201) << made.body;
  EXPECT_EQ(Body(made)["name"], name) << "stored verbatim";
  EXPECT_EQ(Body(made)["roles"][0]["scope"]["id"], tm::kKati);
  const auto district = SignIn("district");
  Response list = api_->Handle(As(Get("/api/users"), district));
  ASSERT_EQ(list.status, 200);
  ASSERT_EQ(Body(list)["users"].size(), 1u);
  EXPECT_EQ(Body(list)["users"][0]["username"], "district");
  EXPECT_EQ(api_->Handle(As(Get("/api/users/admin"), district)).status, 404);
  EXPECT_EQ(api_->Handle(As(Get("/api/users/segou"), district)).status, 404);
  EXPECT_EQ(api_->Handle(As(Post("/api/users", json{{"username", "x"}}.dump()), district)).status,
            403);
  EXPECT_EQ(api_->Handle(As(Get("/api/audit/accounts"), district)).status, 403);
  Request for_segou = Get("/api/audit/accounts");
  for_segou.query = {{"subject", "segou"}};
  Response audit = api_->Handle(As(for_segou, admin));
  ASSERT_EQ(audit.status, 200) << audit.body;
  EXPECT_EQ(Body(audit)["events"][1]["action"], "user_create");
  EXPECT_EQ(Body(audit)["events"][1]["actor"], "admin");
  EXPECT_EQ(Body(audit)["events"][1]["address"], "10.0.0.1");
}

TEST_P(ApiTest, HostileBodiesAreRefusedWithTheirPlaceAndWriteNothing) {
  const auto admin = SignIn("admin");
  const std::string before = db_->Dump();
  Response malformed =
      api_->Handle(As(Post("/api/users", "{\"username\": \"x\",\n  oops}"), admin));
  EXPECT_EQ(malformed.status, 400);
  EXPECT_EQ(Body(malformed)["message_id"], "http.body_malformed");
  EXPECT_EQ(Body(malformed)["where"], "body:2:3");
  Response wrong_type = api_->Handle(As(Post("/api/users", R"({"username": 42})"), admin));
  EXPECT_EQ(wrong_type.status, 400);
  EXPECT_EQ(Body(wrong_type)["where"], "body.username");
  Response missing = api_->Handle(As(Post("/api/users", R"({"name": "x"})"), admin));
  EXPECT_EQ(missing.status, 400);
  EXPECT_EQ(Body(missing)["message_id"], "http.field_missing");
  Request form = As(Post("/api/users", "username=x"), admin);
  form.headers["content-type"] = "application/x-www-form-urlencoded";
  EXPECT_EQ(api_->Handle(form).status, 400);
  Response bad_utf8 =
      api_->Handle(As(Post("/api/users", "{\"username\": \"\xED\xA0\x80\"}"), admin));
  EXPECT_EQ(bad_utf8.status, 400);
  Response bad_scope = api_->Handle(As(
      Post("/api/users",
           json{{"username", "nulle"}, {"roles", {{{"role", "viewer"}, {"scope", "NoSuchUnit1"}}}}}
               .dump()),
      admin));
  EXPECT_EQ(bad_scope.status, 404);
  // The sign-ins above write their sessions; nothing of the refused requests is written.
  EXPECT_EQ(db_->Dump(), before);
}

TEST_P(ApiTest, ALoginFloodIsSlowedForItsAddressOnly) {
  Request attempt = Post("/api/auth/login", json{{"username", "admin"}, {"password", "x"}}.dump());
  attempt.remote_address = "203.0.113.7";
  int throttled = 0;
  for (int i = 0; i < 8; ++i) {
    Response r = api_->Handle(attempt);
    if (r.status == 429) {
      ++throttled;
      EXPECT_FALSE(Header(r, "Retry-After").empty());
    }
  }
  EXPECT_GT(throttled, 0);
  // Another address signs in at once.
  Request office =
      Post("/api/auth/login", json{{"username", "admin"}, {"password", kPassword}}.dump());
  office.remote_address = "10.9.9.9";
  EXPECT_EQ(api_->Handle(office).status, 200);
}

TEST_P(ApiTest, MetricsAreForAdministrators) {
  EXPECT_EQ(api_->Handle(Get("/metrics")).status, 401);
  EXPECT_EQ(api_->Handle(As(Get("/metrics"), SignIn("chef"))).status, 403);
  Response r = api_->Handle(As(Get("/metrics"), SignIn("admin")));
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.content_type.rfind("text/plain", 0), 0u);
}

TEST_P(ApiTest, BodyLimitsAreByRoute) {
  EXPECT_EQ(api_->BodyLimit("POST", "/api/users"), ApiOptions{}.body_limit);
  EXPECT_EQ(api_->BodyLimit("GET", "/api/anything"), ApiOptions{}.body_limit);
}

INSTANTIATE_TEST_SUITE_P(Engines, ApiTest, ::testing::Values(Engine::kSqlite, Engine::kPostgres),
                         [](const auto& param_info) {
                           return store::testing::EngineName(param_info.param);
                         });

// The web app's files: served from their directory, the app's own routes answered with its
// index, and nothing outside the directory ever read, however the path is written.
TEST_P(ApiTest, ServesTheWebAppsFilesAndNothingOutsideThem) {
  namespace fs = std::filesystem;
  const fs::path base = fs::temp_directory_path() / ("keneya-static-" + std::to_string(getpid()));
  fs::remove_all(base);
  fs::create_directories(base / "web" / "assets");
  auto write = [](const fs::path& path, const std::string& text) {
    std::ofstream out(path, std::ios::binary);
    out << text;
  };
  write(base / "web" / "index.html", "<!doctype html><title>Keneya</title>");
  write(base / "web" / "assets" / "app-3f9a.js", "console.log('keneya')");
  write(base / "web" / ".env", "SECRET=1");
  write(base / "secret.txt", "the password file");
  fs::create_symlink(base / "secret.txt", base / "web" / "link.txt");
  fs::create_directory_symlink(base, base / "web" / "up");
  ApiOptions options;
  options.static_dir = (base / "web").string();
  Api api(*pool_, *authenticator_, options, nullptr);
  auto get = [&](const std::string& path) {
    Response r = api.Handle(Get(path));
    std::string body = testing::WholeBody(r);
    return std::make_pair(r, body);
  };
  auto [index, index_body] = get("/");
  EXPECT_EQ(index.status, 200);
  EXPECT_EQ(index.content_type, "text/html; charset=utf-8");
  EXPECT_EQ(index_body, "<!doctype html><title>Keneya</title>");
  EXPECT_EQ(Header(index, "Cache-Control"), "no-cache");
  auto [script, script_body] = get("/assets/app-3f9a.js");
  EXPECT_EQ(script.status, 200);
  EXPECT_EQ(script.content_type, "text/javascript; charset=utf-8");
  EXPECT_EQ(Header(script, "Cache-Control"), "public, max-age=31536000, immutable");
  EXPECT_EQ(script_body, "console.log('keneya')");
  // The app's own routes get its index, a dot in a name too (a sign-in name, an invoice).
  EXPECT_EQ(get("/district/DS_KATI/factures").second, index_body);
  EXPECT_EQ(get("/utilisateurs/cellule.kone").second, index_body);
  EXPECT_EQ(get("/factures/FBR_MALI-2024Q4-00012-R2").second, index_body);
  // Traversal, hidden files, links out, backslashes: not found, and never the file's text.
  for (const char* path : {"/../secret.txt", "/assets/../../secret.txt", "/./../secret.txt", "/..",
                           "/.env", "/link.txt", "/up/secret.txt", "/assets\\..\\..\\secret.txt",
                           "/missing.png", "/assets/missing.js"}) {
    auto [r, body] = get(path);
    EXPECT_EQ(r.status, 404) << path;
    EXPECT_EQ(body.find("password"), std::string::npos) << path;
    EXPECT_EQ(body.find("SECRET"), std::string::npos) << path;
  }
  // The API keeps its own answers.
  EXPECT_EQ(api.Handle(Get("/api/nothing")).content_type, "application/json; charset=utf-8");
  EXPECT_EQ(api.Handle(Get("/api/health")).status, 200);
  fs::remove_all(base);
}

TEST(HttpStatusTest, MapsEveryErrorCode) {
  EXPECT_EQ(HttpStatus(core::ErrorCode::kInvalidArgument), 400);
  EXPECT_EQ(HttpStatus(core::ErrorCode::kUnauthenticated), 401);
  EXPECT_EQ(HttpStatus(core::ErrorCode::kPermissionDenied), 403);
  EXPECT_EQ(HttpStatus(core::ErrorCode::kNotFound), 404);
  EXPECT_EQ(HttpStatus(core::ErrorCode::kConflict), 409);
  EXPECT_EQ(HttpStatus(core::ErrorCode::kAlreadyExists), 409);
  EXPECT_EQ(HttpStatus(core::ErrorCode::kFailedPrecondition), 412);
  EXPECT_EQ(HttpStatus(core::ErrorCode::kTooManyRequests), 429);
  EXPECT_EQ(HttpStatus(core::ErrorCode::kUnavailable), 503);
  EXPECT_EQ(HttpStatus(core::ErrorCode::kInternal), 500);
}

TEST(RequestLanguageTest, PrefersWhatTheClientAsksBetweenFrenchAndEnglish) {
  Request r;
  EXPECT_EQ(RequestLanguage(r), core::Language::kFrench);
  r.headers["accept-language"] = "en-US,en;q=0.8";
  EXPECT_EQ(RequestLanguage(r), core::Language::kEnglish);
  r.headers["accept-language"] = "en;q=0.4, fr-ML;q=0.9";
  EXPECT_EQ(RequestLanguage(r), core::Language::kFrench);
  r.headers["accept-language"] = "bm, de";
  EXPECT_EQ(RequestLanguage(r), core::Language::kFrench);
}

}  // namespace
}  // namespace keneya::http
