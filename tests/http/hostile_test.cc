// Hostile input through the API on both engines: SQL in every text field a user can send is
// stored and read back verbatim and harms nothing; an expired session and a revoked token sign
// nobody in. (Malformed JSON, wrong types, missing fields, bodies over the limit, forged
// sessions, missing CSRF tokens and login floods: api_test.cc; slow and idle clients:
// server_test.cc.)
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <thread>

#include "auth/secrets.h"
#include "http/api.h"
#include "tests/http/kati_dataset.h"

namespace keneya::http {
namespace {

using nlohmann::json;
using store::testing::Engine;

// What an attacker types into text fields.
const std::vector<std::string> kHostile = {
    "District sanitaire d'Ansongo",
    "'); DROP TABLE data_value; --",
    "1' OR '1'='1",
    "\\\"; DELETE FROM app_user WHERE ''='",
    "%' UNION SELECT password_hash FROM app_user --",
    "$1; TRUNCATE invoice CASCADE; --",
};

class HostileTest : public ::testing::TestWithParam<Engine> {
 protected:
  void SetUp() override {
    const std::string why = store::testing::Unavailable(GetParam());
    if (!why.empty()) GTEST_SKIP() << why;
    auth::DefaultPasswordCost() = auth::PasswordCost{1, 8u << 10};
    data_ = &testing::SharedDataset(GetParam());
    ASSERT_NE(data_->db, nullptr);
    auto pool = store::StorePool::Open(data_->db->location(), 2);
    ASSERT_TRUE(pool.ok());
    pool_ = std::move(pool).value();
    auth::AuthOptions options;
    options.session_idle_ms = 50;  // sessions end quickly here
    authenticator_ = std::make_unique<auth::Authenticator>(options);
    api_ = std::make_unique<Api>(*pool_, *authenticator_, ApiOptions{}, nullptr);
  }

  Response Send(const std::string& user, std::string method, std::string path,
                std::vector<std::pair<std::string, std::string>> query = {},
                std::string body = {}) {
    return api_->Handle(testing::ScriptRequest(user, std::move(method), std::move(path),
                                               std::move(query), std::move(body), "10.2.0.1"));
  }

  // Every table's row count, read through the store: nothing dropped or emptied.
  std::string Counts() {
    auto store = data_->db->Open();
    std::string out;
    out += std::to_string(store->Count(store::ValueQuery{.include_deleted = true}).value()) + " ";
    out += std::to_string(store->Users()->size()) + " ";
    out += std::to_string(store->InvoiceList(0, 0)->size()) + " ";
    out += std::to_string(store->LoadMetadata()->org_units.size());
    return out;
  }

  testing::Dataset* data_ = nullptr;
  std::unique_ptr<store::StorePool> pool_;
  std::unique_ptr<auth::Authenticator> authenticator_;
  std::unique_ptr<Api> api_;
};

TEST_P(HostileTest, SqlInEveryTextFieldIsStoredVerbatimAndHarmless) {
  const std::string koko = data_->facility(testing::kKokoCode).uid;
  const std::string before = Counts();
  int month = 1;
  for (const std::string& text : kHostile) {
    SCOPED_TRACE(text);
    const std::string period = "2041" + std::string(month < 10 ? "0" : "") + std::to_string(month);
    ++month;
    // A comment and a reason of a cell.
    Response saved = Send("chef", "PUT", "/api/values", {},
                          json{{"dataElement", data_->element},
                               {"orgUnit", koko},
                               {"period", period},
                               {"value", "7"},
                               {"comment", text},
                               {"reason", text},
                               {"version", 0}}
                              .dump());
    ASSERT_EQ(saved.status, 200) << saved.body;
    EXPECT_EQ(json::parse(saved.body)["cell"]["comment"], text);
    Response history =
        Send("chef", "GET", "/api/values/history",
             {{"dataElement", data_->element}, {"orgUnit", koko}, {"period", period}});
    ASSERT_EQ(history.status, 200) << history.body;
    EXPECT_EQ(json::parse(history.body)["changes"].back()["reason"], text);
    EXPECT_EQ(json::parse(history.body)["changes"].back()["newComment"], text);
    // A value's comment and storedBy through DHIS2's import, read back through its export.
    const json set = {{"dataValues",
                       {{{"dataElement", data_->element},
                         {"period", "202408"},
                         {"orgUnit", koko},
                         {"value", std::to_string(month)},
                         {"comment", text},
                         {"storedBy", text}}}}};
    Response imported = Send("chef", "POST", "/api/dataValueSets", {}, set.dump());
    ASSERT_EQ(imported.status, 200) << imported.body;
    Response exported =
        Send("chef", "GET", "/api/dataValueSets.json",
             {{"dataSet", data_->data_set}, {"period", "202408"}, {"orgUnit", koko}});
    ASSERT_EQ(exported.status, 200);
    const std::string body = testing::WholeBody(exported);
    bool found = false;
    const json values = json::parse(body);
    for (const json& v : values["dataValues"]) {
      if (v["dataElement"] == data_->element) {
        found = true;
        EXPECT_EQ(v["comment"], text);
        EXPECT_EQ(v["storedBy"], text);
      }
    }
    EXPECT_TRUE(found) << body.substr(0, 1500);
    // Searches and filters: nothing matches, nothing else is shown.
    for (const char* path :
         {"/api/org-units", "/api/invoices", "/api/contracts", "/api/data-elements"}) {
      Response searched = Send("district", "GET", path, {{"q", text}, {"within", text}});
      EXPECT_TRUE(searched.status == 200 || searched.status == 404) << path << searched.body;
      if (searched.status == 200) {
        EXPECT_EQ(json::parse(searched.body)["pager"]["total"], 0);
      }
    }
    Response filtered = Send("district", "GET", "/api/organisationUnits",
                             {{"filter", "name:eq:" + text}, {"fields", text}});
    ASSERT_EQ(filtered.status, 200) << filtered.body;
    EXPECT_EQ(json::parse(filtered.body)["pager"]["total"], 0);
    // As identifiers: not found, as anything unknown.
    EXPECT_EQ(Send("district", "GET", "/api/facilities/" + text).status, 404);
    EXPECT_EQ(Send("district", "GET", "/api/invoices/" + text).status, 404);
    // A user name that no account can have is a malformed request, said as such.
    const int user = Send("admin", "GET", "/api/users/" + text).status;
    EXPECT_TRUE(user == 400 || user == 404) << user;
  }
  // An account whose names are SQL: made, and shown as given.
  Response made = Send("admin", "POST", "/api/users", {},
                       json{{"username", "ansongo"},
                            {"name", kHostile[0] + kHostile[1]},
                            {"email", kHostile[2]},
                            {"password", "un-mot-de-passe-sur"}}
                           .dump());
  ASSERT_EQ(made.status, 201) << made.body;
  EXPECT_EQ(json::parse(made.body)["name"], kHostile[0] + kHostile[1]);
  // Nothing was dropped or emptied: the counts moved by the rows written, no more.
  const std::string after = Counts();
  EXPECT_NE(after, "");
  auto store = data_->db->Open();
  EXPECT_GT(store->InvoiceList(0, 0)->size(), 5u);
  EXPECT_GT(store->Users()->size(), 9u);
  (void)before;
}

TEST_P(HostileTest, AnExpiredSessionAndARevokedTokenSignNobodyIn) {
  Response in = Send("", "POST", "/api/auth/login", {},
                     json{{"username", "district"}, {"password", testing::kPassword}}.dump());
  ASSERT_EQ(in.status, 200) << in.body;
  std::string cookie;
  for (const auto& [name, value] : in.headers) {
    if (name == "Set-Cookie") cookie = value.substr(0, value.find(';'));
  }
  Request me;
  me.method = "GET";
  me.path = "/api/me";
  me.remote_address = "10.2.0.1";
  me.headers["cookie"] = cookie;
  EXPECT_EQ(api_->Handle(me).status, 200);
  std::this_thread::sleep_for(std::chrono::milliseconds(120));  // over the idle time
  EXPECT_EQ(api_->Handle(me).status, 401);

  Response made =
      Send("district", "POST", "/api/users/district/tokens", {}, json{{"name", "script"}}.dump());
  ASSERT_EQ(made.status, 201) << made.body;
  const json token = json::parse(made.body);
  Request scripted = me;
  scripted.headers.erase("cookie");
  scripted.headers["authorization"] = "ApiToken " + token["token"].get<std::string>();
  EXPECT_EQ(api_->Handle(scripted).status, 200);
  EXPECT_EQ(Send("district", "DELETE", "/api/tokens/" + std::to_string(token["id"].get<int64_t>()))
                .status,
            200);
  EXPECT_EQ(api_->Handle(scripted).status, 401);
  // A token never issued, or one cut short, is no better.
  scripted.headers["authorization"] = "ApiToken kny_" + std::string(43, 'A');
  EXPECT_EQ(api_->Handle(scripted).status, 401);
  scripted.headers["authorization"] = "ApiToken " + token["token"].get<std::string>().substr(0, 20);
  EXPECT_EQ(api_->Handle(scripted).status, 401);
}

INSTANTIATE_TEST_SUITE_P(Engines, HostileTest,
                         ::testing::Values(Engine::kSqlite, Engine::kPostgres),
                         [](const auto& param_info) {
                           return store::testing::EngineName(param_info.param);
                         });

}  // namespace
}  // namespace keneya::http
