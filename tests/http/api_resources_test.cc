// The API's resources on both engines, on the demo's district of Kati (its facilities, their 2024
// values, the demo program, contracts and a run of 2024Q1): the pyramid as each user sees it, a
// facility's card, data entry cell by cell with versions, the audit trail of a value, programs,
// contracts, runs, invoices shown, explained and exported, simulations, and DHIS2's data value
// sets read and written. What lies outside a user's scope answers 404, as if it did not exist.
#include <gtest/gtest.h>

#include <memory>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <string>

#include "auth/secrets.h"
#include "http/api.h"
#include "tests/http/kati_dataset.h"
#include "tests/store/test_database.h"

namespace keneya::http {
namespace {

using nlohmann::json;
using store::testing::Engine;
using store::testing::TestDatabase;

using testing::Dataset;

class ApiResourcesTest : public ::testing::TestWithParam<Engine> {
 protected:
  void SetUp() override {
    const std::string why = store::testing::Unavailable(GetParam());
    if (!why.empty()) GTEST_SKIP() << why;
    auth::DefaultPasswordCost() = auth::PasswordCost{1, 8u << 10};
    data_ = &testing::SharedDataset(GetParam());
    ASSERT_NE(data_->db, nullptr);
    koko_ = data_->facility(testing::kKokoCode).uid;
    other_ = data_->facility(data_->other_kati).uid;
    koko_invoice_ = data_->facility(testing::kKokoCode).invoice;
    other_invoice_ = data_->facility(data_->other_kati).invoice;
    auto pool = store::StorePool::Open(data_->db->location(), 2);
    ASSERT_TRUE(pool.ok()) << pool.error().ToString();
    pool_ = std::move(pool).value();
    authenticator_ = std::make_unique<auth::Authenticator>(auth::AuthOptions{});
    api_ = std::make_unique<Api>(*pool_, *authenticator_, ApiOptions{}, nullptr);
  }

  // A request by `user` (Basic authentication, as scripts send it).
  Response Call(const std::string& user, std::string method, std::string path,
                std::vector<std::pair<std::string, std::string>> query = {},
                std::string body = {}) {
    return api_->Handle(testing::ScriptRequest(user, std::move(method), std::move(path),
                                               std::move(query), std::move(body)));
  }

  static json Body(const Response& r) { return json::parse(r.body); }
  Dataset* data_ = nullptr;
  std::string koko_, other_, koko_invoice_, other_invoice_;
  std::unique_ptr<store::StorePool> pool_;
  std::unique_ptr<auth::Authenticator> authenticator_;
  std::unique_ptr<Api> api_;
};

TEST_P(ApiResourcesTest, EachUserSeesThePyramidDownToTheirPlace) {
  // The facility head sees the path from Mali to the facility, and the facility alone in scope.
  Response mine = Call("chef", "GET", "/api/org-units");
  ASSERT_EQ(mine.status, 200) << mine.body;
  json body = Body(mine);
  EXPECT_EQ(body["pager"]["total"], 4);  // Mali, its region, Kati, Koko II
  for (const json& unit : body["orgUnits"]) {
    EXPECT_EQ(unit["inScope"], unit["id"] == koko_) << unit.dump();
    if (unit["inScope"] == false) {
      EXPECT_FALSE(unit.contains("path"));
    }
  }
  // Outside the scope: as if it did not exist.
  Response other = Call("chef", "GET", "/api/org-units/" + other_);
  EXPECT_EQ(other.status, 404);
  Response unknown = Call("chef", "GET", "/api/org-units/Nothing0001");
  EXPECT_EQ(unknown.status, 404);
  EXPECT_EQ(Body(other)["message_id"], Body(unknown)["message_id"]);
  // The district sees all its facilities; a search ignores case and accents.
  Response kati = Call("district", "GET", "/api/org-units/" + data_->kati);
  ASSERT_EQ(kati.status, 200);
  EXPECT_GT(Body(kati)["children"].size(), 5u);
  EXPECT_EQ(Body(kati)["ancestors"].size(), 2u);
  Response found = Call("district", "GET", "/api/org-units", {{"q", "KOKO"}, {"level", "4"}});
  ASSERT_EQ(found.status, 200);
  EXPECT_GE(Body(found)["pager"]["total"], 1);
  Response paged = Call("district", "GET", "/api/org-units", {{"pageSize", "2"}, {"page", "2"}});
  EXPECT_EQ(Body(paged)["orgUnits"].size(), 2u);
  EXPECT_EQ(Call("district", "GET", "/api/org-units", {{"pageSize", "5000"}}).status, 400);
}

TEST_P(ApiResourcesTest, AFacilityCardHasItsContractItsMonthsAndItsInvoices) {
  // The months that end with December 2024 (other tests of this binary write later months).
  Response card = Call("district", "GET", "/api/facilities/" + std::string(testing::kKokoCode),
                       {{"period", "202412"}});
  ASSERT_EQ(card.status, 200) << card.body;
  json body = Body(card);
  EXPECT_EQ(body["id"], koko_);
  ASSERT_EQ(body["months"].size(), 12u);
  EXPECT_EQ(body["months"].back()["period"], "202412");
  EXPECT_EQ(body["months"].front()["label"], "janvier 2024");
  int64_t declared = 0;
  for (const json& month : body["months"]) declared += month["declared"].get<int64_t>();
  EXPECT_GT(declared, 0);
  ASSERT_EQ(body["contracts"].size(), 1u);
  EXPECT_EQ(body["contracts"][0]["program"], "FBR_MALI");
  // The contract's history, as its own page lists it.
  const json contract =
      Body(Call("district", "GET",
                "/api/contracts/" + std::to_string(body["contracts"][0]["id"].get<int64_t>())));
  ASSERT_FALSE(contract["history"].empty());
  EXPECT_EQ(body["contracts"][0]["history"], contract["history"]);
  // Each month's step in the workflow, for the monthly data set: nothing moved it here.
  for (const json& month : body["months"]) {
    ASSERT_EQ(month["steps"].size(), 1u) << month.dump();
    EXPECT_EQ(month["steps"][0]["dataSet"], data_->data_set);
    EXPECT_EQ(month["steps"][0]["status"], "open");
    EXPECT_EQ(month["steps"][0]["statusLabel"], "ouverte");
  }
  ASSERT_EQ(body["invoices"].size(), 1u);
  EXPECT_EQ(body["invoices"][0]["number"], koko_invoice_);
  // Its quality history counts approved runs only (this one is a draft).
  EXPECT_TRUE(body["quality"]["quarters"].empty());
  // A verifier reads the facility's numbers but not its invoices or contract.
  json verifier = Body(Call("verif", "GET", "/api/facilities/" + std::string(testing::kKokoCode)));
  EXPECT_TRUE(verifier.contains("months"));
  EXPECT_FALSE(verifier.contains("invoices"));
  EXPECT_FALSE(verifier.contains("contracts"));
  // Another facility's card, to the head of Koko II: not found.
  EXPECT_EQ(Call("chef", "GET", "/api/facilities/" + other_).status, 404);
  // A district is not a facility.
  EXPECT_EQ(Call("district", "GET", "/api/facilities/" + data_->kati).status, 404);
}

TEST_P(ApiResourcesTest, CellsAreSavedOneByOneAgainstTheVersionTheirWriterSaw) {
  auto form = [&](const std::string& user, const std::string& state) {
    return Call(
        user, "GET", "/api/forms",
        {{"dataSet", data_->data_set}, {"orgUnit", koko_}, {"period", "202411"}, {"state", state}});
  };
  Response read = form("chef", "declared");
  ASSERT_EQ(read.status, 200) << read.body;
  json body = Body(read);
  EXPECT_EQ(body["editable"], true);
  EXPECT_EQ(body["periodLabel"], "novembre 2024");
  int64_t version = -1;
  for (const json& cell : body["cells"]) {
    if (cell["dataElement"] == data_->element) version = cell["version"].get<int64_t>();
  }
  ASSERT_GE(version, 0);
  auto save = [&](const std::string& user, const std::string& value, int64_t seen,
                  const std::string& state = "declared") {
    return Call(user, "PUT", "/api/values", {},
                json{{"dataElement", data_->element},
                     {"orgUnit", koko_},
                     {"period", "202411"},
                     {"state", state},
                     {"value", value},
                     {"comment", "registre p. 12"},
                     {"version", seen}}
                    .dump());
  };
  Response saved = save("chef", "4321", version);
  ASSERT_EQ(saved.status, 200) << saved.body;
  const int64_t next = Body(saved)["cell"]["version"].get<int64_t>();
  EXPECT_GT(next, version);
  EXPECT_EQ(Body(saved)["cell"]["value"], "4321");
  // Someone saving over a version that is no longer the stored one: 409 with what is stored.
  Response late = save("district", "1111", version);
  ASSERT_EQ(late.status, 409) << late.body;
  EXPECT_EQ(Body(late)["cell"]["value"], "4321");
  EXPECT_EQ(Body(late)["cell"]["version"], next);
  // Not a number; a state the user may not write; a place outside the scope.
  EXPECT_EQ(save("chef", "beaucoup", next).status, 400);
  EXPECT_EQ(save("chef", "12", 0, "verified").status, 403);
  Response outside = Call("chef", "PUT", "/api/values", {},
                          json{{"dataElement", data_->element},
                               {"orgUnit", other_},
                               {"period", "202411"},
                               {"value", "1"},
                               {"version", 0}}
                              .dump());
  EXPECT_EQ(outside.status, 404);
  // The verifier's form shows the declared number beside the verified one.
  json verified = Body(form("verif", "verified"));
  EXPECT_EQ(verified["comparedState"]["code"], "declared");
  for (const json& cell : verified["cells"]) {
    if (cell["dataElement"] == data_->element) {
      EXPECT_EQ(cell["compared"], "4321");
    }
  }
  // The value's audit trail names who changed it, from where.
  Response history =
      Call("district", "GET", "/api/values/history",
           {{"dataElement", data_->element}, {"orgUnit", koko_}, {"period", "202411"}});
  ASSERT_EQ(history.status, 200) << history.body;
  const json changes = Body(history)["changes"];
  ASSERT_FALSE(changes.empty());
  EXPECT_EQ(changes.back()["user"], "chef");
  EXPECT_EQ(changes.back()["newValue"], "4321");
  EXPECT_EQ(Call("chef", "GET", "/api/values/history",
                 {{"dataElement", data_->element}, {"orgUnit", other_}, {"period", "202411"}})
                .status,
            404);
}

TEST_P(ApiResourcesTest, InvoicesAreListedShownExplainedAndExportedWithinTheScope) {
  Response list = Call("chef", "GET", "/api/invoices", {{"run", std::to_string(data_->run)}});
  ASSERT_EQ(list.status, 200) << list.body;
  ASSERT_EQ(Body(list)["invoices"].size(), 1u);
  EXPECT_EQ(Body(list)["invoices"][0]["number"], koko_invoice_);
  Response district =
      Call("district", "GET", "/api/invoices",
           {{"program", "FBR_MALI"}, {"period", "2024Q1"}, {"within", data_->kati}});
  ASSERT_EQ(district.status, 200) << district.body;
  EXPECT_GT(Body(district)["pager"]["total"], 5);

  Response shown = Call("chef", "GET", "/api/invoices/" + koko_invoice_);
  ASSERT_EQ(shown.status, 200) << shown.body;
  json invoice = Body(shown);
  EXPECT_EQ(invoice["facility"]["id"], koko_);
  EXPECT_EQ(invoice["amounts"]["total"], invoice["total"]);
  EXPECT_FALSE(invoice["lines"].empty());
  EXPECT_EQ(Call("chef", "GET", "/api/invoices/" + other_invoice_).status, 404);
  EXPECT_EQ(Body(Call("chef", "GET", "/api/invoices/" + other_invoice_))["message_id"],
            Body(Call("chef", "GET", "/api/invoices/NOTHING-1"))["message_id"]);

  Response explained = Call("chef", "GET", "/api/invoices/" + koko_invoice_ + "/explanation");
  ASSERT_EQ(explained.status, 200) << explained.body;
  EXPECT_FALSE(Body(explained)["explanation"]["inputs"].empty());
  // Kept once computed: the same answer again; another language, its own.
  EXPECT_EQ(Call("chef", "GET", "/api/invoices/" + koko_invoice_ + "/explanation").body,
            explained.body);
  Request english =
      testing::ScriptRequest("chef", "GET", "/api/invoices/" + koko_invoice_ + "/explanation");
  english.headers["accept-language"] = "en";
  const Response in_english = api_->Handle(english);
  ASSERT_EQ(in_english.status, 200);
  EXPECT_NE(in_english.body, explained.body);
  EXPECT_EQ(Body(in_english)["explanation"]["value"], Body(explained)["explanation"]["value"]);
  EXPECT_EQ(Call("chef", "GET", "/api/invoices/" + other_invoice_ + "/explanation").status, 404);

  Response pdf =
      Call("chef", "GET", "/api/invoices/" + koko_invoice_ + "/export", {{"format", "pdf"}});
  ASSERT_EQ(pdf.status, 200) << pdf.body;
  EXPECT_EQ(pdf.content_type, "application/pdf");
  EXPECT_EQ(testing::WholeBody(pdf).substr(0, 5), "%PDF-");
  // The district's export of the run holds its facilities' invoices only.
  Response csv = Call("district", "GET", "/api/runs/" + std::to_string(data_->run) + "/export",
                      {{"format", "csv"}});
  ASSERT_EQ(csv.status, 200) << csv.body;
  const std::string text = testing::WholeBody(csv);
  EXPECT_NE(text.find(koko_invoice_), std::string::npos);
  Response chef_csv = Call("chef", "GET", "/api/runs/" + std::to_string(data_->run) + "/export",
                           {{"format", "csv"}});
  ASSERT_EQ(chef_csv.status, 200);
  EXPECT_EQ(testing::WholeBody(chef_csv).find(other_invoice_), std::string::npos);
  EXPECT_EQ(Call("chef", "GET", "/api/invoices/" + koko_invoice_ + "/export", {{"format", "docx"}})
                .status,
            400);
}

// A program's files sent back changed: checked as `keneya program load` checks them (every
// problem with its place, nothing stored), then stored as a new version by the national unit
// alone.
TEST_P(ApiResourcesTest, AProgramVersionIsCheckedThenStoredFromItsFiles) {
  const json stored = Body(Call("cellule", "GET", "/api/programs/FBR_MALI/versions/1"));
  ASSERT_TRUE(stored.contains("files")) << stored.dump().substr(0, 300);
  json files = stored["files"];
  std::string toml;
  std::string toml_name;
  for (auto it = files.begin(); it != files.end(); ++it) {
    if (it.key().ends_with(".toml")) {
      toml_name = it.key();
      toml = it.value().get<std::string>();
    }
  }
  ASSERT_FALSE(toml.empty());
  const size_t at = toml.find("version = 1");
  ASSERT_NE(at, std::string::npos);
  std::string next = toml;
  next.replace(at, 11, "version = 2");
  // A formula naming what does not exist: the problem and its place, nothing stored.
  json broken = files;
  broken[toml_name] = next + "\n[[payment.formula]]\ncode = \"x\"\nexpression = \"nowhere + 1\"\n";
  Response checked =
      Call("cellule", "POST", "/api/programs/check", {}, json{{"files", broken}}.dump());
  ASSERT_EQ(checked.status, 200) << checked.body;
  const json check = Body(checked);
  EXPECT_EQ(check["ok"], false);
  ASSERT_FALSE(check["problems"].empty());
  EXPECT_NE(check["problems"][0]["text"].get<std::string>().find(toml_name), std::string::npos)
      << check.dump();
  EXPECT_EQ(Call("cellule", "POST", "/api/programs", {}, json{{"files", broken}}.dump()).status,
            400);
  EXPECT_EQ(Body(Call("cellule", "GET", "/api/programs"))["programs"].size(), 1u);
  // Sound files: checked clean, then stored as version 2, by the national unit only.
  json sound = files;
  sound[toml_name] = next;
  const json clean =
      Body(Call("cellule", "POST", "/api/programs/check", {}, json{{"files", sound}}.dump()));
  EXPECT_EQ(clean["ok"], true) << clean.dump();
  EXPECT_EQ(clean["version"], 2);
  EXPECT_EQ(Call("district", "POST", "/api/programs", {}, json{{"files", sound}}.dump()).status,
            403);
  Response saved = Call("cellule", "POST", "/api/programs", {}, json{{"files", sound}}.dump());
  ASSERT_EQ(saved.status, 201) << saved.body;
  EXPECT_EQ(Body(saved)["version"], 2);
  EXPECT_EQ(Body(Call("chef", "GET", "/api/programs"))["programs"].size(), 2u);
  // A file that is not a plain .toml or .csv name: refused.
  json odd = sound;
  odd["../secret.csv"] = "a,b\n";
  EXPECT_EQ(Call("cellule", "POST", "/api/programs", {}, json{{"files", odd}}.dump()).status, 400);
}

TEST_P(ApiResourcesTest, RunsAndSimulationsAreForTheNationalLevel) {
  EXPECT_EQ(Call("district", "GET", "/api/runs").status, 403);
  Response runs = Call("cellule", "GET", "/api/runs");
  ASSERT_EQ(runs.status, 200) << runs.body;
  ASSERT_EQ(Body(runs)["runs"].size(), 1u);
  Response run = Call("paiement", "GET", "/api/runs/" + std::to_string(data_->run));
  ASSERT_EQ(run.status, 200) << run.body;
  json body = Body(run);
  int64_t total = 0;
  for (const json& region : body["regions"]) total += region["total"].get<int64_t>();
  EXPECT_EQ(total, body["total"].get<int64_t>());

  Response programs = Call("chef", "GET", "/api/programs");
  ASSERT_EQ(programs.status, 200);
  const json program = Body(programs)["programs"][0];
  Response files =
      Call("chef", "GET",
           "/api/programs/FBR_MALI/versions/" + std::to_string(program["version"].get<int>()));
  ASSERT_EQ(files.status, 200) << files.body;
  EXPECT_FALSE(Body(files)["files"].empty());
  // The rules as read: each formula with the line its table starts on, whose first
  // `expression =` line is the formula's (what the program page's editor rewrites).
  const json version = Body(files);
  ASSERT_TRUE(version["rules"]["problems"].empty()) << files.body;
  ASSERT_FALSE(version["rules"]["packages"].empty());
  const json& quantity = version["rules"]["packages"][0];
  EXPECT_EQ(quantity["code"], "quantite");
  EXPECT_FALSE(quantity["activities"].empty());
  int formulas_seen = 0;
  for (const json& package : version["rules"]["packages"]) {
    for (const json& formula : package["formulas"]) {
      const std::string toml = version["files"][formula["file"].get<std::string>()];
      std::istringstream lines(toml);
      std::string line;
      for (int n = 1; std::getline(lines, line); ++n) {
        if (n < formula["line"].get<int>() || line.find("expression") == std::string::npos) {
          continue;
        }
        EXPECT_NE(line.find(formula["expression"].get<std::string>()), std::string::npos)
            << formula.dump() << " line " << n << ": " << line;
        ++formulas_seen;
        break;
      }
    }
  }
  EXPECT_GT(formulas_seen, 5);
  EXPECT_EQ(version["rules"]["payments"][0]["packages"], json({"quantite", "qualite"}));

  const std::string simulation =
      json{{"program", "FBR_MALI"}, {"period", "2024Q1"}, {"set", {"tariff[accouchement]=9000"}}}
          .dump();
  EXPECT_EQ(Call("district", "POST", "/api/simulations", {}, simulation).status, 403);
  Response simulated = Call("cellule", "POST", "/api/simulations", {}, simulation);
  ASSERT_EQ(simulated.status, 200) << simulated.body;
  const json result = Body(simulated);
  EXPECT_GT(result["difference"].get<int64_t>(), 0);
  // Deliveries cost more: the quantity package carries the change before its bonuses.
  ASSERT_EQ(result["packages"].size(), 2u);
  EXPECT_EQ(result["packages"][0]["code"], "quantite");
  EXPECT_EQ(result["packages"][0]["name"], "Quantité");
  EXPECT_GT(result["packages"][0]["difference"].get<int64_t>(), 0);
  EXPECT_EQ(result["packages"][1]["difference"].get<int64_t>(), 0);
  EXPECT_EQ(result["regions"][0]["packages"][0]["difference"], result["packages"][0]["difference"]);
  ASSERT_FALSE(result["mostAffected"].empty());
  const json& first = result["mostAffected"][0];
  EXPECT_EQ(first["difference"].get<int64_t>(),
            first["simulation"].get<int64_t>() - first["baseline"].get<int64_t>());
  EXPECT_FALSE(first["orgUnit"]["name"].get<std::string>().empty());
  EXPECT_FALSE(first["district"]["name"].get<std::string>().empty());
  EXPECT_TRUE(result.contains("reference"));
  EXPECT_GE(result["milliseconds"].get<int64_t>(), 0);
  // Only stored programs: never files of the server.
  const std::string files_program = json{{"program", "/etc/passwd"}, {"period", "2024Q1"}}.dump();
  EXPECT_EQ(Call("cellule", "POST", "/api/simulations", {}, files_program).status, 404);

  Response contracts = Call("chef", "GET", "/api/contracts");
  ASSERT_EQ(contracts.status, 200);
  ASSERT_EQ(Body(contracts)["contracts"].size(), 1u);
  const int64_t id = Body(contracts)["contracts"][0]["id"].get<int64_t>();
  Response contract = Call("chef", "GET", "/api/contracts/" + std::to_string(id));
  ASSERT_EQ(contract.status, 200) << contract.body;
  EXPECT_FALSE(Body(contract)["history"].empty());
}

TEST_P(ApiResourcesTest, Dhis2DataValueSetsAreReadAndWrittenWithinTheScope) {
  const json set = {{"dataValues",
                     {{{"dataElement", data_->element},
                       {"period", "202410"},
                       {"orgUnit", koko_},
                       {"value", "77"}},
                      {{"dataElement", data_->element},
                       {"period", "202410"},
                       {"orgUnit", other_},
                       {"value", "88"}}}}};
  Response posted = Call("chef", "POST", "/api/40/dataValueSets", {}, set.dump());
  ASSERT_EQ(posted.status, 409) << posted.body;
  json summary = Body(posted);
  EXPECT_EQ(summary["response"]["importCount"]["imported"].get<int>() +
                summary["response"]["importCount"]["updated"].get<int>(),
            1);
  ASSERT_EQ(summary["response"]["conflicts"].size(), 1u);
  EXPECT_EQ(summary["response"]["conflicts"][0]["errorCode"], "E7612");

  Response csv = Call("district", "GET", "/api/dataValueSets.csv",
                      {{"dataSet", data_->data_set}, {"period", "202410"}, {"orgUnit", koko_}});
  ASSERT_EQ(csv.status, 200) << csv.body;
  const std::string text = testing::WholeBody(csv);
  EXPECT_NE(text.find(data_->element), std::string::npos);
  EXPECT_NE(text.find(",77"), std::string::npos) << text.substr(0, 500);
  // Out of scope: DHIS2's answer for an org unit it does not know.
  EXPECT_EQ(Call("chef", "GET", "/api/dataValueSets.json",
                 {{"dataSet", data_->data_set}, {"period", "202410"}, {"orgUnit", other_}})
                .status,
            409);
  Response units = Call("chef", "GET", "/api/organisationUnits", {{"fields", "id,name,level"}});
  ASSERT_EQ(units.status, 200) << units.body;
  EXPECT_EQ(Body(units)["organisationUnits"].size(), 4u);
  Response info = Call("chef", "GET", "/api/40/system/info");
  ASSERT_EQ(info.status, 200);
  EXPECT_EQ(Body(info)["version"], "2.40.0");
}

INSTANTIATE_TEST_SUITE_P(Engines, ApiResourcesTest,
                         ::testing::Values(Engine::kSqlite, Engine::kPostgres),
                         [](const auto& param_info) {
                           return store::testing::EngineName(param_info.param);
                         });

}  // namespace
}  // namespace keneya::http
