// Acceptance test of docs/ACCESS.md: every route of the API, for every role, on a record inside
// and outside the role's scope, answers as the page's two tables say (the role x resource table
// and the route table). The test reads the page; the server never does: its rules are in auth's
// code. A route missing from the table, or from this walk, fails. Lists, searches, exports and
// explanations are checked for records outside the scope too.
#include <gtest/gtest.h>

#include <chrono>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "auth/accounts.h"
#include "auth/secrets.h"
#include "core/category.h"
#include "core/data_element.h"
#include "core/period.h"
#include "core/timestamp.h"
#include "http/api.h"
#include "tests/http/kati_dataset.h"

namespace keneya::http {
namespace {

using nlohmann::json;
using store::testing::Engine;
using testing::Dataset;
using testing::User;

// ---- The page ----

std::vector<std::vector<std::string>> TableAfter(const std::string& page,
                                                 const std::string& marker) {
  std::vector<std::vector<std::string>> rows;
  size_t at = page.find(marker);
  if (at == std::string::npos) return rows;
  std::istringstream lines(page.substr(at));
  std::string line;
  std::getline(lines, line);  // the marker
  bool started = false;
  while (std::getline(lines, line)) {
    if (line.empty() || line[0] != '|') {
      if (started) break;
      continue;
    }
    started = true;
    if (line.find("---") != std::string::npos) continue;
    std::vector<std::string> cells;
    size_t start = 1;
    while (start < line.size()) {
      size_t end = line.find('|', start);
      if (end == std::string::npos) break;
      std::string cell = line.substr(start, end - start);
      while (!cell.empty() && cell.front() == ' ') cell.erase(0, 1);
      while (!cell.empty() && cell.back() == ' ') cell.pop_back();
      cells.push_back(cell);
      start = end + 1;
    }
    rows.push_back(cells);
  }
  if (!rows.empty()) rows.erase(rows.begin());  // the heading
  return rows;
}

struct Rule {
  std::string resource;  // "-" for none
  std::string action;    // "R", "W", "state", "-"
  std::string where;     // public, signed-in, own, any, national, place, list
};

struct Page {
  std::map<std::string, std::map<std::string, std::set<std::string>>> allows;  // role, resource
  std::map<std::string, Rule> routes;  // "GET /api/..." -> rule
};

Page ReadPage() {
  std::ifstream in(std::string(KENEYA_DOCS) + "/ACCESS.md");
  std::stringstream buffer;
  buffer << in.rdbuf();
  const std::string text = buffer.str();
  Page page;
  const auto roles = TableAfter(text, "<!-- access-table");
  const auto heading_at = text.find("| Role | metadata");
  std::vector<std::string> resources;
  {
    std::string heading = text.substr(heading_at, text.find('\n', heading_at) - heading_at);
    std::stringstream cells(heading);
    std::string cell;
    while (std::getline(cells, cell, '|')) {
      while (!cell.empty() && cell.front() == ' ') cell.erase(0, 1);
      while (!cell.empty() && cell.back() == ' ') cell.pop_back();
      if (!cell.empty() && cell != "Role") resources.push_back(cell);
    }
  }
  for (const auto& row : roles) {
    for (size_t i = 1; i < row.size() && i - 1 < resources.size(); ++i) {
      std::stringstream actions(row[i]);
      std::string action;
      auto& set = page.allows[row[0]][resources[i - 1]];
      while (actions >> action) {
        if (action != "-") set.insert(action);
      }
    }
  }
  for (const auto& row : TableAfter(text, "<!-- route-table")) {
    if (row.size() < 4) continue;
    std::string route = row[0];
    route.erase(std::remove(route.begin(), route.end(), '`'), route.end());
    page.routes[route] = {row[1], row[2], row[3]};
  }
  return page;
}

// ---- The walk ----

class AccessWalkTest : public ::testing::TestWithParam<Engine> {
 protected:
  void SetUp() override {
    const std::string why = store::testing::Unavailable(GetParam());
    if (!why.empty()) GTEST_SKIP() << why;
    auth::DefaultPasswordCost() = auth::PasswordCost{1, 8u << 10};
    data_ = &testing::SharedDataset(GetParam());
    ASSERT_NE(data_->db, nullptr);
    page_ = ReadPage();
    ASSERT_GT(page_.allows.size(), 8u) << "docs/ACCESS.md: no role table";
    ASSERT_GT(page_.routes.size(), 30u) << "docs/ACCESS.md: no route table";
    auto pool = store::StorePool::Open(data_->db->location(), 2);
    ASSERT_TRUE(pool.ok());
    pool_ = std::move(pool).value();
    authenticator_ = std::make_unique<auth::Authenticator>(auth::AuthOptions{});
    api_ = std::make_unique<Api>(*pool_, *authenticator_, ApiOptions{}, nullptr);
  }
  // The jobs the walk queued (no server runs them here) end, so that a later test of the same
  // process that runs jobs does not run them.
  void TearDown() override {
    if (pool_ == nullptr) return;
    auto store = pool_->Acquire(std::chrono::seconds(5));
    ASSERT_TRUE(store.ok());
    while (true) {
      const core::TimestampMs now = core::NowMs();
      auto job = (*store)->ClaimJob("walk", now, now + 60'000);
      ASSERT_TRUE(job.ok());
      if (!job->has_value()) break;
      ASSERT_TRUE((*store)->FinishJob((*job)->id, "walk", "failed", 0, "").ok());
    }
  }

  // A queued job of the national unit's, to read.
  std::string QueuedJob() {
    auto store = pool_->Acquire(std::chrono::seconds(5));
    if (!store.ok()) return "0";
    store::JobRecord job;
    job.kind = "invoice_run";
    job.key = "invoice_run FBR_MALI 2031Q1";
    job.params = R"({"program": "FBR_MALI", "period": "2031Q1"})";
    auto created = (*store)->CreateJob(job, {"cellule", "test"});
    return created.ok() ? std::to_string(created->job.id) : "0";
  }

  // A proposed account of the facility, by someone nobody walks as: its id, to decide.
  std::string ProposedAccount(const std::string& facility_uid) {
    auto store = pool_->Acquire(std::chrono::seconds(5));
    if (!store.ok()) return "0";
    auto waiting = (*store)->PaymentAccounts(data_->OrgUnit(facility_uid)->id, false);
    if (waiting.ok()) {
      for (const store::PaymentAccountRecord& a : *waiting) {
        if (a.state == "proposed") return std::to_string(a.id);
      }
    }
    store::PaymentAccountRecord account;
    account.org_unit = data_->OrgUnit(facility_uid)->id;
    account.kind = "mobile";
    account.institution = "Orange Money";
    account.number = "+22376000000";
    account.holder = "ASACO";
    account.reason = "walk";
    auto proposed = (*store)->ProposeAccount(account, {"seed", "test"});
    return proposed.ok() ? std::to_string(proposed->id) : "0";
  }

  Response Send(const std::string& user, std::string method, std::string path,
                std::vector<std::pair<std::string, std::string>> query = {},
                std::string body = {}) {
    return api_->Handle(testing::ScriptRequest(user, std::move(method), std::move(path),
                                               std::move(query), std::move(body), "10.0.0.3"));
  }

  bool RoleAllows(const User& user, const std::string& resource, const std::string& action) {
    const auto& allowed = page_.allows[std::string(auth::RoleCode(user.role))][resource];
    return allowed.count(action) > 0;
  }

  // Whether the test's own reading of the scope holds `unit`.
  bool InScope(const User& user, const core::OrgUnit& unit) const {
    if (user.scope.kind == auth::ScopeKind::kGroup) {
      return std::find(unit.group_uids.begin(), unit.group_uids.end(), user.scope.uid) !=
             unit.group_uids.end();
    }
    return unit.path.find("/" + user.scope.uid) != std::string::npos;
  }
  // In scope, or an ancestor of a place in scope.
  bool Sees(const User& user, const core::OrgUnit& unit) const {
    if (InScope(user, unit)) return true;
    for (const core::OrgUnit& other : data_->metadata.org_units) {
      if (InScope(user, other) && other.path.find("/" + unit.uid + "/") != std::string::npos) {
        return true;
      }
    }
    return false;
  }

  // A declared number for the data set's element at `facility` and `period`, written as the
  // database's operator would.
  void SeedDeclared(const std::string& facility, const std::string& period) {
    auto store = pool_->Acquire(std::chrono::seconds(5));
    ASSERT_TRUE(store.ok()) << store.error().ToString();
    core::DataValue value;
    int32_t element = 0;
    for (const core::DataElement& e : data_->metadata.data_elements) {
      if (e.uid == data_->element) element = e.id;
    }
    int32_t combo = 0;
    for (const core::CategoryOptionCombo& c : data_->metadata.categories.option_combos) {
      if (c.uid == core::kDefaultCategoryOptionComboUid) combo = c.id;
    }
    value.key = {core::Period::Parse(period)->Code(),
                 data_->OrgUnit(facility)->id,
                 element,
                 combo,
                 combo,
                 core::kStateDeclared};
    value.value = "7";
    ASSERT_TRUE((*store)->PutValue(value, {"seed", "test", ""}).ok());
  }

  // A verification report issued for the month, as the workflow stores one.
  void SeedReport(const std::string& facility, const std::string& period) {
    auto store = pool_->Acquire(std::chrono::seconds(5));
    ASSERT_TRUE(store.ok()) << store.error().ToString();
    int32_t data_set = 0;
    for (const core::DataSet& set : data_->metadata.data_sets) {
      if (set.uid == data_->data_set) data_set = set.id;
    }
    store::PeriodEvent event;
    event.key = {data_set, data_->OrgUnit(facility)->id, core::Period::Parse(period)->Code()};
    event.action = "issue_report";
    event.from = "open";
    event.to = "reported";
    event.detail = json{{"contestUntil", "2030-01-10"},
                        {"lines",
                         {{{"dataElement", data_->element},
                           {"categoryOptionCombo", core::kDefaultCategoryOptionComboUid},
                           {"declared", "7"},
                           {"verified", "6"}}}}}
                       .dump();
    ASSERT_TRUE((*store)->ChangePeriodStatus(event, 0, {"seed", "test", ""}).ok());
  }

  Dataset* data_ = nullptr;
  Page page_;
  std::unique_ptr<store::StorePool> pool_;
  std::unique_ptr<auth::Authenticator> authenticator_;
  std::unique_ptr<Api> api_;
  int counter_ = 0;
  std::string target_;
};

TEST_P(AccessWalkTest, EveryRouteIsInTheTable) {
  std::set<std::string> served;
  for (const RouteInfo& route : Api::Routes()) {
    const std::string key = route.method + " " + route.pattern;
    served.insert(key);
    EXPECT_TRUE(page_.routes.count(key)) << key << " is missing from docs/ACCESS.md's route table";
  }
  for (const auto& [key, rule] : page_.routes) {
    EXPECT_TRUE(served.count(key)) << key << " is in docs/ACCESS.md but not served";
    if (rule.where == "public") {
      bool is_public = false;
      for (const RouteInfo& route : Api::Routes()) {
        if (route.method + " " + route.pattern == key) is_public = route.is_public;
      }
      EXPECT_TRUE(is_public) << key;
    }
  }
}

TEST_P(AccessWalkTest, EveryRoleGetsWhatThePageSaysInsideAndOutsideItsScope) {
  const std::string run = std::to_string(data_->run);
  const std::string job = QueuedJob();
  int checked = 0;
  for (const auto& [key, rule] : page_.routes) {
    const std::string method = key.substr(0, key.find(' '));
    const std::string pattern = key.substr(key.find(' ') + 1);
    // Routes that change accounts are walked by the next test; public ones once.
    if (pattern.rfind("/api/users", 0) == 0 || pattern.rfind("/api/tokens", 0) == 0 ||
        pattern.rfind("/api/auth", 0) == 0) {
      continue;
    }
    for (const User& user : data_->users) {
      for (const bool inside : {true, false}) {
        const std::string code = inside ? user.inside : user.outside;
        if (code.empty()) continue;  // a national scope has no outside
        if (!inside && (rule.where != "place" && rule.where != "list")) continue;
        const testing::Facility& f = data_->facility(code);
        const std::string what = key + " as " + user.name + (inside ? " inside" : " outside");
        ++checked;
        // The request.
        std::string path = pattern;
        std::vector<std::pair<std::string, std::string>> query;
        std::string body;
        auto replace = [&](const std::string& name, const std::string& value) {
          const size_t at = path.find("{" + name + "}");
          if (at != std::string::npos) path.replace(at, name.size() + 2, value);
        };
        replace("id", pattern.rfind("/api/contracts", 0) == 0   ? std::to_string(f.contract)
                      : pattern.rfind("/api/runs", 0) == 0      ? run
                      : pattern.rfind("/api/jobs", 0) == 0      ? job
                      : pattern.rfind("/api/data-sets", 0) == 0 ? data_->data_set
                      : pattern.rfind("/api/accounts", 0) == 0  ? ProposedAccount(f.uid)
                                                                : f.uid);
        replace("number", f.invoice);
        replace("run", run);
        replace("dataSet", data_->data_set);
        replace("orgUnit", f.uid);
        replace("action", pattern.rfind("/api/runs", 0) == 0       ? "approve"
                          : pattern.rfind("/api/accounts", 0) == 0 ? "confirm"
                                                                   : "declare");
        replace("code", "FBR_MALI");
        replace("version", "1");
        // A cell never written for each data entry (version 0): a month of the 2030s.
        const std::string month =
            std::string(counter_ % 12 < 9 ? "0" : "") + std::to_string(counter_ % 12 + 1);
        const std::string fresh_period = std::to_string(2030 + counter_ / 12) + month;
        ++counter_;
        if (pattern.rfind("/api/periods/", 0) == 0) {
          // A month never moved, with a declared number to declare: the step can succeed.
          replace("period", fresh_period);
          if (method == "POST") {
            SeedDeclared(f.uid, fresh_period);
            body = json{{"version", 0}}.dump();
          } else if (pattern.find("report.pdf") != std::string::npos) {
            SeedReport(f.uid, fresh_period);
          }
        }
        if (pattern == "/api/forms" && method == "POST") {
          body =
              json{{"orgUnit", f.uid},
                   {"period", fresh_period},
                   {"state", "declared"},
                   {"cells", {{{"dataElement", data_->element}, {"value", "3"}, {"version", 0}}}}}
                  .dump();
        } else if (pattern == "/api/forms") {
          query = {{"dataSet", data_->data_set}, {"orgUnit", f.uid}, {"period", "202406"}};
        } else if (pattern == "/api/values") {
          body = json{
              {"dataElement", data_->element},
              {"orgUnit", f.uid},
              {"period", fresh_period},
              {"value", "3"},
              {"version",
               0}}.dump();
        } else if (pattern == "/api/values/history") {
          query = {{"dataElement", data_->element}, {"orgUnit", f.uid}, {"period", "202401"}};
        } else if (pattern == "/api/runs" && method == "POST") {
          body = json{{"program", "FBR_MALI"}, {"period", "2024Q1"}}.dump();
        } else if (pattern == "/api/runs/{id}/{action}") {
          body = json{{"version", 0}}.dump();
        } else if (pattern == "/api/facilities/{id}/accounts" && method == "POST") {
          body = json{{"kind", "mobile"},
                      {"institution", "Moov Money"},
                      {"number", "+223 66 00 00 00"},
                      {"holder", "ASACO"},
                      {"reason", "walk"}}
                     .dump();
        } else if (pattern == "/api/accounts/{id}/{action}") {
          body = json::object().dump();
        } else if (pattern == "/api/invoices/{number}/payments" && method == "POST") {
          body = json{{"amount", 1000}, {"paidOn", "2024-05-02"}, {"reference", "walk"}}.dump();
        } else if (pattern.rfind("/api/payments/statement", 0) == 0) {
          // The walk's invoice is a draft run's: a problem of the line, past authorisation.
          body = json{{"csv",
                       "facture,montant,date,reference\n" + f.invoice + ",1000,2024-05-02,walk\n"}}
                     .dump();
        } else if (pattern == "/api/invoices/{number}/recovery") {
          body = json{{"decision", "deduct"}, {"reason", "walk"}}.dump();
        } else if (pattern == "/api/simulations") {
          body = json{{"program", "FBR_MALI"}, {"period", "2024Q1"}}.dump();
        } else if (pattern == "/api/programs" || pattern == "/api/programs/check") {
          // Files with a problem: checked (200) or refused (400) past authorisation.
          body = json{{"files", {{"walk.toml", "[program]\ncode = \"WALK\"\n"}}}}.dump();
        } else if (pattern.find("/export") != std::string::npos) {
          query = {{"format", "csv"}};
        } else if (pattern == "/api/invoices") {
          query = {{"run", run}, {"pageSize", "1000"}, {"q", f.code}};
        } else if (pattern == "/api/org-units" || pattern == "/api/contracts") {
          // A search for the facility by its own name: found inside, nothing outside.
          query = {{"pageSize", "1000"}, {"q", data_->OrgUnit(f.uid)->name}};
        } else if (pattern == "/api/organisationUnits") {
          query = {{"paging", "false"}, {"fields", "id"}};
        } else if (pattern == "/api/dataValueSets" && method == "GET") {
          query = {{"dataSet", data_->data_set}, {"period", "202401"}, {"orgUnit", f.uid}};
        } else if (pattern == "/api/dataValueSets") {
          body = json{{"dataValues",
                       {{{"dataElement", data_->element},
                         {"period", "202407"},
                         {"orgUnit", f.uid},
                         {"value", "4"}}}}}
                     .dump();
        }
        const Response r = Send(rule.where == "public" ? "" : user.name, method, path, query, body);
        const bool ok = r.status >= 200 && r.status < 300;
        const bool reads = RoleAllows(user, rule.resource, "R");
        const bool acts = rule.action == "state" ? RoleAllows(user, rule.resource, "D")
                                                 : RoleAllows(user, rule.resource, rule.action);
        // What the page says.
        if (pattern == "/api/public/results/{run}") {
          // The walk's run is not published: to anyone, a run that does not exist.
          EXPECT_EQ(r.status, 404) << what << ": " << r.body;
        } else if (rule.where == "public" || rule.where == "signed-in") {
          EXPECT_TRUE(ok) << what << ": " << r.status << " " << r.body;
        } else if (rule.where == "any") {
          EXPECT_EQ(r.status, acts ? 200 : 403) << what << ": " << r.body;
        } else if ((rule.where == "national" && acts && user.national &&
                    (method != "GET" || pattern.find("/workflow") != std::string::npos ||
                     pattern.find("/payment-order") != std::string::npos)) ||
                   (rule.where == "place" && acts && inside && method == "POST" &&
                    (pattern.find("/payments") != std::string::npos ||
                     pattern.find("/accounts") != std::string::npos))) {
          // Past authorisation: the step itself may be refused for what the run is (the
          // dataset's run is a draft, nothing is validated; its invoices are never paid; an
          // account waits already), never as unseen or forbidden.
          EXPECT_TRUE(r.status != 401 && r.status != 403 && r.status != 404 && r.status < 500)
              << what << ": " << r.status << " " << r.body;
        } else if (rule.where == "national") {
          EXPECT_EQ(r.status, acts && user.national ? 200 : 403) << what << ": " << r.body;
        } else if (rule.where == "place" && pattern == "/api/dataValueSets") {
          // DHIS2's answer: a summary with the value's conflict, if any.
          const json summary = json::parse(r.body);
          const json conflicts =
              summary.contains("response") ? summary["response"]["conflicts"] : json::array();
          if (!acts) {
            EXPECT_EQ(r.status, 403) << what << ": " << r.body;  // may write it nowhere
          } else if (inside) {
            EXPECT_EQ(r.status, 200) << what << ": " << r.body;
          } else {
            ASSERT_EQ(conflicts.size(), 1u) << what << ": " << r.body;
            EXPECT_EQ(conflicts[0]["errorCode"], inside && reads ? "E7617" : "E7612") << what;
          }
        } else if (rule.where == "place") {
          const int expected = inside && acts ? 200 : inside && reads ? 403 : 404;
          EXPECT_EQ(r.status, expected) << what << ": " << r.body;
        } else if (rule.where == "list") {
          // Rows outside the scope are left out; the records inside are listed.
          const bool shown = reads && inside;
          if (pattern == "/api/runs/{id}/export") {
            EXPECT_EQ(r.status, reads ? 200 : 404) << what << ": " << r.body;
            if (r.status == 200) {
              const std::string text = testing::WholeBody(r);
              EXPECT_EQ(text.find(f.invoice) != std::string::npos, shown) << what;
            }
          } else if (pattern == "/api/dataValueSets") {
            EXPECT_EQ(r.status, shown ? 200 : 409) << what << ": " << r.body;
          } else {
            ASSERT_EQ(r.status, 200) << what << ": " << r.body;
            const json answer = json::parse(r.body);
            std::vector<std::string> places;
            for (const std::string list : {"orgUnits", "organisationUnits"}) {
              if (answer.contains(list)) {
                for (const json& unit : answer[list]) places.push_back(unit["id"]);
              }
            }
            for (const std::string list : {"contracts", "invoices"}) {
              if (answer.contains(list)) {
                for (const json& row : answer[list]) places.push_back(row["facility"]["id"]);
              }
            }
            const bool of_units = pattern == "/api/org-units" ||
                                  pattern == "/api/organisationUnits" || pattern == "/api/metadata";
            for (const std::string& uid : places) {
              const core::OrgUnit* unit = data_->OrgUnit(uid);
              ASSERT_NE(unit, nullptr) << uid;
              EXPECT_TRUE(of_units ? Sees(user, *unit) : (reads && InScope(user, *unit)))
                  << what << ": " << uid << " is outside the scope";
            }
            if (pattern != "/api/metadata") {
              EXPECT_EQ(std::count(places.begin(), places.end(), f.uid) > 0,
                        of_units ? inside : shown)
                  << what << ": the facility " << (inside ? "is missing" : "leaks");
            }
          }
        } else {
          ADD_FAILURE() << key << ": unknown place '" << rule.where << "' in docs/ACCESS.md";
        }
      }
    }
  }
  EXPECT_GT(checked, 300);
}

TEST_P(AccessWalkTest, AccountsAreOnesOwnAndTheAdministratorsAlone) {
  // A target account nobody walks as.
  {
    auto store = data_->db->Open();
    auto metadata = store->LoadMetadata();
    ASSERT_TRUE(metadata.ok());
    auth::Principal op;
    op.name = "operator";
    op.operator_of_database = true;
    const std::string name = "cible" + std::to_string(counter_++);
    auth::NewUser target{name, "Cible", "", "fr", testing::kPassword, {}};
    ASSERT_TRUE(auth::AddUser(*store, *metadata, op, target, {"operator", "cli", "", ""}).ok());
    target_ = name;
  }
  for (const User& user : data_->users) {
    const bool admin = RoleAllows(user, "user", "W");
    const bool audits = RoleAllows(user, "account_audit", "R");
    const std::string role = std::string(auth::RoleCode(user.role));
    auto expect = [&](const Response& r, int allowed, int refused, const std::string& what,
                      bool may) {
      EXPECT_EQ(r.status, may ? allowed : refused) << what << " as " << user.name << ": " << r.body;
    };
    // Own: every user.
    expect(Send(user.name, "GET", "/api/me"), 200, 200, "own /api/me", true);
    expect(Send(user.name, "GET", "/api/users/" + user.name), 200, 200, "own account", true);
    const Response listed = Send(user.name, "GET", "/api/users");
    ASSERT_EQ(listed.status, 200);
    EXPECT_EQ(json::parse(listed.body)["users"].size() > 1, admin) << user.name;
    Response made = Send(user.name, "POST", "/api/users/" + user.name + "/tokens", {},
                         json{{"name", "walk"}}.dump());
    ASSERT_EQ(made.status, 201) << made.body;
    const std::string own_token = std::to_string(json::parse(made.body)["id"].get<int64_t>());
    expect(Send(user.name, "GET", "/api/users/" + user.name + "/tokens"), 200, 200, "own tokens",
           true);
    expect(Send(user.name, "DELETE", "/api/tokens/" + own_token), 200, 200, "own token revoked",
           true);
    // Another's account: administrators alone; to others it does not exist.
    const std::string other = "/api/users/" + target_;
    expect(Send(user.name, "GET", other), 200, 404, "another's account", admin);
    expect(Send(user.name, "GET", other + "/tokens"), 200, 404, "another's tokens", admin);
    Response theirs = Send("admin", "POST", other + "/tokens", {}, json{{"name", "t"}}.dump());
    ASSERT_EQ(theirs.status, 201);
    const std::string their_token = std::to_string(json::parse(theirs.body)["id"].get<int64_t>());
    expect(Send(user.name, "DELETE", "/api/tokens/" + their_token), 200, 404,
           "another's token revoked", admin);
    // Managing another's account: administrators alone (403 to others, who know it exists).
    expect(Send(user.name, "POST", other + "/disable"), 200, 403, "disable", admin);
    expect(Send(user.name, "POST", other + "/enable"), 200, 403, "enable", admin);
    const std::string grant = json{{"role", "viewer"}, {"scope", "subtree:" + data_->kati}}.dump();
    expect(Send(user.name, "POST", other + "/roles", {}, grant), 200, 403, "grant", admin);
    expect(Send(user.name, "DELETE", other + "/roles", {}, grant), 200, 403, "revoke", admin);
    expect(Send(user.name, "POST", other + "/password", {},
                json{{"password", "un-autre-mot-de-passe"}}.dump()),
           200, 404, "another's password", admin);
    expect(Send(user.name, "POST", "/api/users", {},
                json{{"username", "nouveau" + std::to_string(counter_++)},
                     {"password", "mot-de-passe-neuf"}}
                    .dump()),
           201, 403, "a new account", admin);
    expect(Send(user.name, "GET", "/api/audit/accounts"), 200, 403, "the account audit", audits);
    expect(Send(user.name, "GET", "/metrics"), 200, 403, "metrics",
           RoleAllows(user, "system", "R"));
    (void)role;
  }
  // Signing in and out is for anyone with a password.
  Response in = Send("", "POST", "/api/auth/login", {},
                     json{{"username", "chef"}, {"password", testing::kPassword}}.dump());
  EXPECT_EQ(in.status, 200) << in.body;
  EXPECT_EQ(Send("chef", "POST", "/api/auth/logout").status, 200);
  // Last: one's own password, with the current one.
  for (const User& user : data_->users) {
    Response changed = Send(
        user.name, "POST", "/api/users/" + user.name + "/password", {},
        json{{"currentPassword", testing::kPassword}, {"password", testing::kPassword}}.dump());
    EXPECT_EQ(changed.status, 200) << user.name << ": " << changed.body;
  }
}

INSTANTIATE_TEST_SUITE_P(Engines, AccessWalkTest,
                         ::testing::Values(Engine::kSqlite, Engine::kPostgres),
                         [](const auto& param_info) {
                           return store::testing::EngineName(param_info.param);
                         });

}  // namespace
}  // namespace keneya::http
