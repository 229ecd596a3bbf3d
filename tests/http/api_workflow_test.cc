// The workflow of a facility-period over the API, on both engines (docs/WORKFLOW.md): the
// facility head declares a month, the verifier types a gap, verifies and issues the report, the
// head contests it, the verifier corrects and answers, the district validates; a stale step is a
// 409 with the status, an early validation a 412, a step the user's role does not take a 403, a
// facility outside the scope a 404. Each answer is the period's file, as the web app reads it.
#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <cstdlib>
#include <memory>
#include <nlohmann/json.hpp>
#include <thread>

#include "auth/secrets.h"
#include "fbr/jobs.h"
#include "http/api.h"
#include "tests/http/kati_dataset.h"
#include "tests/store/test_database.h"

namespace keneya::http {
namespace {

using nlohmann::json;
using store::testing::Engine;

class ApiWorkflowTest : public ::testing::TestWithParam<Engine> {
 protected:
  void SetUp() override {
    const std::string why = store::testing::Unavailable(GetParam());
    if (!why.empty()) GTEST_SKIP() << why;
    auth::DefaultPasswordCost() = auth::PasswordCost{1, 8u << 10};
    data_ = &testing::SharedDataset(GetParam());
    ASSERT_NE(data_->db, nullptr);
    koko_ = data_->facility(testing::kKokoCode).uid;
    auto pool = store::StorePool::Open(data_->db->location(), 2);
    ASSERT_TRUE(pool.ok()) << pool.error().ToString();
    pool_ = std::move(pool).value();
    authenticator_ = std::make_unique<auth::Authenticator>(auth::AuthOptions{});
    api_ = std::make_unique<Api>(*pool_, *authenticator_, ApiOptions{}, nullptr);
    setenv("KENEYA_TODAY", "2029-02-03", 1);
  }
  void TearDown() override { unsetenv("KENEYA_TODAY"); }

  Response Call(const std::string& user, std::string method, std::string path,
                std::string body = {},
                std::vector<std::pair<std::string, std::string>> query = {}) {
    return api_->Handle(testing::ScriptRequest(user, std::move(method), std::move(path),
                                               std::move(query), std::move(body)));
  }
  Response Form(const std::string& user, const std::string& state) {
    Response form = Call(
        user, "GET", "/api/forms", {},
        {{"dataSet", data_->data_set}, {"orgUnit", koko_}, {"period", "202901"}, {"state", state}});
    EXPECT_EQ(form.status, 200) << form.body;
    return form;
  }
  // January 2029: no test of the dataset writes there.
  std::string PeriodPath() const {
    return "/api/periods/" + data_->data_set + "/" + koko_ + "/202901";
  }
  Response Step(const std::string& user, const std::string& action, int64_t version,
                const std::string& reason = "") {
    json body = {{"version", version}};
    if (!reason.empty()) body["reason"] = reason;
    return Call(user, "POST", PeriodPath() + "/" + action, body.dump());
  }
  Response Save(const std::string& user, const std::string& state, const std::string& value) {
    Response form = Form(user, state);
    int64_t version = 0;
    const json read = json::parse(form.body);
    for (const json& cell : read["cells"]) {
      if (cell["dataElement"] == data_->element) version = cell["version"];
    }
    return Call(user, "PUT", "/api/values",
                json{{"dataElement", data_->element},
                     {"orgUnit", koko_},
                     {"period", "202901"},
                     {"state", state},
                     {"value", value},
                     {"version", version}}
                    .dump());
  }
  static json Body(const Response& r) { return json::parse(r.body); }

  testing::Dataset* data_ = nullptr;
  std::string koko_;
  std::unique_ptr<store::StorePool> pool_;
  std::unique_ptr<auth::Authenticator> authenticator_;
  std::unique_ptr<Api> api_;
};

TEST_P(ApiWorkflowTest, AMonthIsDeclaredVerifiedContestedAnsweredAndValidated) {
  Response file = Call("chef", "GET", PeriodPath());
  ASSERT_EQ(file.status, 200) << file.body;
  EXPECT_EQ(Body(file)["status"], "open");
  EXPECT_EQ(Body(file)["due"], "2029-02-05");
  EXPECT_EQ(Body(file)["allowed"], json::array({"declare"}));
  EXPECT_EQ(Call("chef", "GET",
                 "/api/periods/" + data_->data_set + "/" + data_->facility(data_->other_kati).uid +
                     "/202901")
                .status,
            404);

  EXPECT_EQ(Step("chef", "declare", 0).status, 412);  // nothing declared yet
  ASSERT_EQ(Save("chef", "declared", "25").status, 200);
  EXPECT_EQ(Step("verif", "declare", 0).status, 403);
  EXPECT_EQ(Step("chef", "fly", 0).status, 404);
  Response declared = Step("chef", "declare", 0);
  ASSERT_EQ(declared.status, 200) << declared.body;
  EXPECT_EQ(Body(declared)["status"], "declared");
  EXPECT_EQ(Body(declared)["statusLabel"], "déclarée");
  const int64_t v1 = Body(declared)["version"];
  // The declared number is the facility's word now; a stale step changes nothing.
  Response locked = Save("chef", "declared", "26");
  EXPECT_EQ(locked.status, 409) << locked.body;
  EXPECT_EQ(Body(locked)["message_id"], "fbr.workflow.value_locked");
  // An import of the same number is refused as DHIS2 refuses a closed period, nothing written.
  Response imported = Call("chef", "POST", "/api/dataValueSets",
                           json{{"dataValues",
                                 {{{"dataElement", data_->element},
                                   {"period", "202901"},
                                   {"orgUnit", koko_},
                                   {"value", "27"}}}}}
                               .dump());
  ASSERT_EQ(imported.status, 409) << imported.body;
  const json summary = Body(imported);
  ASSERT_EQ(summary["response"]["conflicts"].size(), 1u) << imported.body;
  EXPECT_EQ(summary["response"]["conflicts"][0]["errorCode"], "E7643");
  EXPECT_EQ(summary["response"]["importCount"]["imported"], 0);
  Response stale = Step("chef", "declare", 0);
  EXPECT_EQ(stale.status, 409) << stale.body;
  EXPECT_EQ(Body(stale)["message_id"], "fbr.workflow.moved_since");

  ASSERT_EQ(Save("verif", "verified", "21").status, 200);
  Response verified = Step("verif", "verify", v1);
  ASSERT_EQ(verified.status, 200) << verified.body;
  Response reported = Step("verif", "issue_report", Body(verified)["version"]);
  ASSERT_EQ(reported.status, 200) << reported.body;
  const json report = Body(reported)["report"];
  EXPECT_EQ(report["verifier"], "verif");
  EXPECT_EQ(report["contestUntil"], "2029-02-13");
  EXPECT_EQ(report["gaps"], 1);
  EXPECT_EQ(report["lines"][0]["declared"], "25");
  EXPECT_EQ(report["lines"][0]["verified"], "21");
  EXPECT_EQ(Step("district", "validate", Body(reported)["version"]).status, 412);  // too early

  EXPECT_EQ(Step("chef", "contest", Body(reported)["version"]).status, 400);  // no reason
  Response contested = Step("chef", "contest", Body(reported)["version"], "25 au registre, p. 14");
  ASSERT_EQ(contested.status, 200) << contested.body;
  Response corrected = Save("verif", "verified", "25");
  ASSERT_EQ(corrected.status, 200) << corrected.body;
  Response answered =
      Step("verif", "answer", Body(contested)["version"], "Recompté : 25, le registre a raison");
  ASSERT_EQ(answered.status, 200) << answered.body;
  EXPECT_EQ(Body(answered)["report"]["answer"]["corrected"], true);
  EXPECT_EQ(Body(answered)["report"]["gaps"], 0);
  // The report as a PDF, for who may read the period.
  Response pdf = Call("chef", "GET", PeriodPath() + "/report.pdf");
  ASSERT_EQ(pdf.status, 200) << pdf.body;
  EXPECT_EQ(testing::WholeBody(pdf).rfind("%PDF-", 0), 0u);
  EXPECT_EQ(
      Call("chef", "GET", "/api/periods/" + data_->data_set + "/" + koko_ + "/202902/report.pdf")
          .status,
      404);  // no report yet
  EXPECT_EQ(Step("verif", "validate", Body(answered)["version"]).status, 403);
  Response validated = Step("district", "validate", Body(answered)["version"]);
  ASSERT_EQ(validated.status, 200) << validated.body;
  const json done = Body(validated);
  EXPECT_EQ(done["status"], "validated");
  ASSERT_EQ(done["history"].size(), 6u);
  EXPECT_EQ(done["history"][3]["reason"], "25 au registre, p. 14");
  EXPECT_EQ(done["history"][5]["user"], "district");
  EXPECT_EQ(done["history"][5]["source"], "api");
  EXPECT_EQ(done["allowed"], json::array());
  // The form says the numbers no longer change.
  Response form = Form("verif", "verified");
  EXPECT_EQ(Body(form)["status"], "validated");
  EXPECT_EQ(Body(form)["editable"], false);
}

TEST_P(ApiWorkflowTest, ARunIsAJobFollowedByPollingOrByEventsAndOnlyOneRunsAtATime) {
  // Nobody validated 2029Q1: the job is queued (202), runs and fails, saying why.
  const json request = {{"program", "FBR_MALI"}, {"period", "2029Q1"}};
  EXPECT_EQ(Call("district", "POST", "/api/runs", request.dump()).status, 403);
  Response queued = Call("cellule", "POST", "/api/runs", request.dump());
  ASSERT_EQ(queued.status, 202) << queued.body;
  const int64_t id = Body(queued)["id"];
  EXPECT_EQ(Body(queued)["state"], "queued");
  EXPECT_EQ(Body(queued)["params"]["period"], "2029Q1");
  bool located = false;
  for (const auto& [name, value] : queued.headers) {
    if (name == "Location") located = value == "/api/jobs/" + std::to_string(id);
  }
  EXPECT_TRUE(located);
  // One at a time per program and period: the second request gets the first job.
  Response second = Call("paiement", "POST", "/api/runs", request.dump());
  EXPECT_EQ(second.status, 403);  // the payment officer computes nothing
  second = Call("cellule", "POST", "/api/runs", request.dump());
  ASSERT_EQ(second.status, 409) << second.body;
  EXPECT_EQ(Body(second)["job"]["id"], id);
  EXPECT_EQ(Body(second)["message_id"], "http.run_job_active");

  // Its events, read as the transport reads them, start with where it stands.
  Response events = Call("cellule", "GET", "/api/jobs/" + std::to_string(id) + "/events");
  ASSERT_EQ(events.status, 200) << events.body;
  EXPECT_EQ(events.content_type.rfind("text/event-stream", 0), 0u);
  ASSERT_TRUE(events.pull);
  std::optional<std::string> piece = events.pull();
  ASSERT_TRUE(piece.has_value());
  EXPECT_EQ(piece->rfind("event: progress\n", 0), 0u) << *piece;

  // A server runs it (here, by hand: the test's Api runs no jobs).
  fbr::JobRunner runner(
      *pool_,
      [](store::Store& store) -> core::Result<std::shared_ptr<const fbr::Directory>> {
        KENEYA_ASSIGN_OR_RETURN(core::MetadataBundle bundle, store.LoadMetadata());
        return std::make_shared<const fbr::Directory>(std::move(bundle));
      },
      {"test-server"});
  for (int i = 0; i < 10; ++i) {
    auto ran = runner.RunOne();
    ASSERT_TRUE(ran.ok()) << ran.error().ToString();
    if (!*ran) break;
  }
  Response failed = Call("cellule", "GET", "/api/jobs/" + std::to_string(id));
  ASSERT_EQ(failed.status, 200) << failed.body;
  EXPECT_EQ(Body(failed)["state"], "failed");
  EXPECT_EQ(Body(failed)["attempts"], 1);
  EXPECT_EQ(Body(failed)["error"]["message_id"], "fbr.run.nobody_validated");
  EXPECT_NE(Body(failed)["error"]["message"].get<std::string>().find("aucune formation"),
            std::string::npos)
      << failed.body;
  // The stream ends with the job.
  std::string rest;
  for (int i = 0; i < 200; ++i) {
    piece = events.pull();
    if (!piece) break;
    rest += *piece;
    if (piece->empty()) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  EXPECT_FALSE(piece.has_value()) << "the stream did not end";
  EXPECT_NE(rest.find("event: end\n"), std::string::npos) << rest;
  EXPECT_NE(rest.find("\"state\":\"failed\""), std::string::npos) << rest;
  // Jobs are the national unit's; an unknown one is not found.
  EXPECT_EQ(Call("district", "GET", "/api/jobs/" + std::to_string(id)).status, 403);
  EXPECT_EQ(Call("cellule", "GET", "/api/jobs/999999").status, 404);
  // The key is free again.
  Response again = Call("cellule", "POST", "/api/runs", request.dump());
  EXPECT_EQ(again.status, 202) << again.body;
  for (int i = 0; i < 10; ++i) {
    auto ran = runner.RunOne();
    ASSERT_TRUE(ran.ok());
    if (!*ran) break;
  }
}

TEST_P(ApiWorkflowTest, AFormIsSavedCellByCellAndAStaleCellNeverCostsTheOthers) {
  // Two number cells of March 2029's declared form.
  const json empty = Body(Call("chef", "GET", "/api/forms", {},
                               {{"dataSet", data_->data_set},
                                {"orgUnit", koko_},
                                {"period", "202903"},
                                {"state", "declared"}}));
  std::vector<json> cells;
  for (const json& element : empty["dataElements"]) {
    if (cells.size() < 2 && element["valueType"] == "INTEGER_ZERO_OR_POSITIVE") {
      cells.push_back({{"dataElement", element["id"]},
                       {"categoryOptionCombo", element["categoryOptionCombos"][0]["id"]}});
    }
  }
  ASSERT_EQ(cells.size(), 2u) << empty.dump();
  auto form = [&](const std::string& user, const std::string& a, int64_t va, const std::string& b,
                  int64_t vb) {
    json ca = cells[0], cb = cells[1];
    ca["value"] = a;
    ca["version"] = va;
    cb["value"] = b;
    cb["version"] = vb;
    return Call(
        user, "POST", "/api/forms",
        json{{"orgUnit", koko_}, {"period", "202903"}, {"state", "declared"}, {"cells", {ca, cb}}}
            .dump());
  };
  Response first = form("chef", "5", 0, "6", 0);
  ASSERT_EQ(first.status, 200) << first.body;
  EXPECT_EQ(Body(first)["saved"], 2);
  const int64_t a1 = Body(first)["cells"][0]["cell"]["version"];
  const int64_t b1 = Body(first)["cells"][1]["cell"]["version"];
  // The district changes the first cell meanwhile.
  json by_district = cells[0];
  by_district.update({{"orgUnit", koko_},
                      {"period", "202903"},
                      {"state", "declared"},
                      {"value", "50"},
                      {"version", a1}});
  ASSERT_EQ(Call("district", "PUT", "/api/values", by_district.dump()).status, 200);
  // Saved against what the head read: the first cell is a conflict, the second is saved.
  Response stale = form("chef", "7", a1, "8", b1);
  ASSERT_EQ(stale.status, 200) << stale.body;
  const json outcome = Body(stale);
  EXPECT_EQ(outcome["saved"], 1);
  EXPECT_EQ(outcome["conflicts"], 1);
  EXPECT_EQ(outcome["cells"][0]["outcome"], "conflict");
  EXPECT_EQ(outcome["cells"][0]["cell"]["value"], "50");
  EXPECT_EQ(outcome["cells"][1]["outcome"], "updated");
  // A value that does not fit is refused on its own.
  const int64_t a2 = outcome["cells"][0]["cell"]["version"];
  const int64_t b2 = outcome["cells"][1]["cell"]["version"];
  Response bad = form("chef", "beaucoup", a2, "9", b2);
  ASSERT_EQ(bad.status, 200) << bad.body;
  EXPECT_EQ(Body(bad)["refused"], 1);
  EXPECT_EQ(Body(bad)["saved"], 1);
  EXPECT_EQ(Body(bad)["cells"][0]["outcome"], "refused");
  // Who may: the verifier writes no declared number; another facility is not found.
  EXPECT_EQ(form("verif", "1", 0, "1", 0).status, 403);
  Response other = Call("chef", "POST", "/api/forms",
                        json{{"orgUnit", data_->facility(data_->other_kati).uid},
                             {"period", "202903"},
                             {"cells", json::array()}}
                            .dump());
  EXPECT_EQ(other.status, 404);

  // The version as an entity tag: a stale If-Match is a failed precondition (412).
  json cell = cells[1];
  cell.update({{"orgUnit", koko_}, {"period", "202903"}, {"state", "declared"}, {"value", "10"}});
  Request put = testing::ScriptRequest("chef", "PUT", "/api/values", {}, cell.dump());
  put.headers["if-match"] = "\"" + std::to_string(b1) + "\"";
  Response precondition = api_->Handle(put);
  EXPECT_EQ(precondition.status, 412) << precondition.body;
  EXPECT_EQ(Body(precondition)["cell"]["value"], "9");
  const int64_t b3 = Body(precondition)["cell"]["version"];
  Request fresh = testing::ScriptRequest("chef", "PUT", "/api/values", {}, cell.dump());
  fresh.headers["if-match"] = "\"" + std::to_string(b3) + "\"";
  Response saved = api_->Handle(fresh);
  ASSERT_EQ(saved.status, 200) << saved.body;
  bool tagged = false;
  for (const auto& [name, value] : saved.headers) {
    tagged = tagged ||
             (name == "ETag" &&
              value == "\"" + std::to_string(Body(saved)["cell"]["version"].get<int64_t>()) + "\"");
  }
  EXPECT_TRUE(tagged);
}

// What waits for each user (GET /api/tasks), as the workflow moves: the facility head's
// declarations, late first; the district's; the verifier's numbers to verify once declared and
// the quality scores it enters alone; nothing outside the user's scope.
TEST_P(ApiWorkflowTest, TasksFollowTheWorkflowWithinEachUsersScope) {
  setenv("KENEYA_TODAY", "2030-02-03", 1);  // 2029-11 to 2030-01: no other test writes there
  auto group = [](const json& tasks, const std::string& action) {
    for (const json& g : tasks["groups"]) {
      if (g["action"] == action) return g;
    }
    return json();
  };
  Response chef = Call("chef", "GET", "/api/tasks");
  ASSERT_EQ(chef.status, 200) << chef.body;
  json tasks = Body(chef);
  EXPECT_EQ(tasks["today"], "2030-02-03");
  json declare = group(tasks, "declare");
  ASSERT_TRUE(declare.is_object()) << chef.body;
  EXPECT_EQ(declare["count"], 3);  // Koko II's three months
  ASSERT_EQ(declare["items"].size(), 3u);
  EXPECT_EQ(declare["items"][0]["period"], "202911");  // the most days late first
  EXPECT_EQ(declare["items"][0]["daysLate"], 60);
  EXPECT_EQ(declare["items"][0]["periodLabel"], "novembre 2029");
  EXPECT_EQ(declare["items"][2]["period"], "203001");
  EXPECT_EQ(declare["items"][2]["daysLate"], 0);  // due on 5 February
  for (const json& item : declare["items"]) EXPECT_EQ(item["facility"]["id"], koko_);
  EXPECT_TRUE(group(tasks, "verify").is_null());  // quality scores are the evaluators'
  EXPECT_EQ(tasks["runsToApprove"], json::array());
  EXPECT_EQ(tasks["accountsToConfirm"], json::array());

  // The district sees its district's facilities, none other.
  const json district = Body(Call("district", "GET", "/api/tasks"));
  const json district_declare = group(district, "declare");
  ASSERT_TRUE(district_declare.is_object());
  const int64_t facilities = district_declare["count"].get<int64_t>() / 3;
  EXPECT_GT(facilities, 1);
  for (const json& item : district_declare["items"]) {
    EXPECT_NE(item["facility"]["code"], data_->kalaban_cscom);
  }

  // Koko II declares January: the head has two months left, the verifier one more to verify
  // (beside the quality scores of the open quarters, which it may enter too).
  auto verify_count = [&] {
    const json verify = group(Body(Call("verif", "GET", "/api/tasks")), "verify");
    for (const json& item : verify["items"]) {
      EXPECT_NE(item["facility"]["code"], data_->kalaban_cscom);
    }
    return verify.is_object() ? verify["count"].get<int64_t>() : 0;
  };
  const int64_t to_verify = verify_count();
  EXPECT_EQ(to_verify, 2 * facilities);  // the quality quarters
  const std::string january = "/api/periods/" + data_->data_set + "/" + koko_ + "/203001";
  const Response saved = Call("chef", "PUT", "/api/values",
                              json{{"dataElement", data_->element},
                                   {"orgUnit", koko_},
                                   {"period", "203001"},
                                   {"state", "declared"},
                                   {"value", "12"},
                                   {"version", 0}}
                                  .dump());
  ASSERT_EQ(saved.status, 200) << saved.body;
  ASSERT_EQ(Call("chef", "POST", january + "/declare", json{{"version", 0}}.dump()).status, 200);
  EXPECT_EQ(group(Body(Call("chef", "GET", "/api/tasks")), "declare")["count"], 2);
  EXPECT_EQ(verify_count(), to_verify + 1);
  // The quality evaluator enters the CSRéf's scores alone: its open quarters wait for it.
  const json evaluator = group(Body(Call("qualite", "GET", "/api/tasks")), "verify");
  ASSERT_TRUE(evaluator.is_object());
  EXPECT_EQ(evaluator["count"], 2);  // the CSRéf of Kati, 2029Q3 and 2029Q4
  for (const json& item : evaluator["items"]) {
    EXPECT_EQ(item["facility"]["code"], data_->csref_kati);
    EXPECT_EQ(item["dataSet"]["code"], "FBR_QUALITE");
  }
  EXPECT_EQ(Call("", "GET", "/api/tasks").status, 401);
}

// The largest declared/verified gaps (GET /api/gaps) of the last three months, within each
// user's scope, largest relative gap first, each as the verified form shows it.
TEST_P(ApiWorkflowTest, TheLargestGapsAreThoseOfTheUsersScopeLargestFirst) {
  setenv("KENEYA_TODAY", "2025-01-10", 1);  // October to December 2024
  Response answer = Call("district", "GET", "/api/gaps");
  ASSERT_EQ(answer.status, 200) << answer.body;
  const json district = Body(answer);
  ASSERT_GT(district["cells"].get<int64_t>(), 0);
  const json& gaps = district["gaps"];
  ASSERT_FALSE(gaps.empty());
  ASSERT_LE(gaps.size(), 15u);
  double previous = 1e9;
  for (const json& gap : gaps) {
    EXPECT_NE(gap["facility"]["code"], data_->kalaban_cscom);
    const double relative = gap["relative"];
    EXPECT_LE(std::abs(relative), previous + 1e-12);
    previous = std::abs(relative);
    EXPECT_GE(gap["declared"].get<double>(), 5);
    EXPECT_NEAR(relative,
                (gap["verified"].get<double>() - gap["declared"].get<double>()) /
                    gap["declared"].get<double>(),
                1e-12);
  }
  // The first one, as the verified form shows it.
  const json& first = gaps[0];
  Response form = Call("district", "GET", "/api/forms", {},
                       {{"dataSet", first["dataSet"]["id"]},
                        {"orgUnit", first["facility"]["id"]},
                        {"period", first["period"]},
                        {"state", "verified"}});
  ASSERT_EQ(form.status, 200) << form.body;
  bool found = false;
  const json cells = Body(form)["cells"];
  for (const json& cell : cells) {
    if (cell["dataElement"] != first["dataElement"]["id"]) continue;
    found = true;
    EXPECT_EQ(std::stod(cell["value"].get<std::string>()), first["verified"].get<double>());
    EXPECT_EQ(std::stod(cell["compared"].get<std::string>()), first["declared"].get<double>());
  }
  EXPECT_TRUE(found) << first.dump();
  // The head of Koko II sees Koko II's gaps only.
  const json koko = Body(Call("chef", "GET", "/api/gaps"))["gaps"];
  for (const json& gap : koko) EXPECT_EQ(gap["facility"]["id"], koko_);
  EXPECT_EQ(Call("", "GET", "/api/gaps").status, 401);
}

// The home page's figures (GET /api/overview): the last quarters ended, each counted from approved
// runs only (this dataset has none yet: nothing counted, no latest quarter), the query checked.
TEST_P(ApiWorkflowTest, TheOverviewCountsApprovedRunsOnlyOverTheQuartersAsked) {
  setenv("KENEYA_TODAY", "2025-01-10", 1);
  Response answer = Call("district", "GET", "/api/overview", {}, {{"quarters", "4"}});
  ASSERT_EQ(answer.status, 200) << answer.body;
  const json overview = Body(answer);
  ASSERT_EQ(overview["quarters"].size(), 4u);
  EXPECT_EQ(overview["quarters"][0]["period"], "2024Q1");
  EXPECT_EQ(overview["quarters"][3]["period"], "2024Q4");
  EXPECT_EQ(overview["quarters"][3]["periodLabel"], "4e trimestre 2024");
  for (const json& q : overview["quarters"]) {
    EXPECT_EQ(q["facilities"], 0);
    EXPECT_TRUE(q["score"].is_null());
  }
  EXPECT_TRUE(overview["latest"].is_null());
  EXPECT_EQ(overview["ranked"], 0);
  EXPECT_EQ(Call("district", "GET", "/api/overview", {}, {{"quarters", "0"}}).status, 400);
  EXPECT_EQ(Call("district", "GET", "/api/overview", {}, {{"limit", "many"}}).status, 400);
  EXPECT_EQ(Call("", "GET", "/api/overview").status, 401);
}

INSTANTIATE_TEST_SUITE_P(Engines, ApiWorkflowTest,
                         ::testing::Values(Engine::kSqlite, Engine::kPostgres),
                         [](const auto& param_info) {
                           return store::testing::EngineName(param_info.param);
                         });

}  // namespace
}  // namespace keneya::http
