// The money after approval over the API, on both engines (docs/PAYMENTS.md): a facility's
// account proposed by one payment officer and confirmed by another person; a run approved by a
// member of the national unit who is also a payment officer, and who therefore may not record
// its payments; a partial payment, the payment order, a reopening and a recomputation whose new
// invoice shows what was already paid and the balance, to the franc; a correction that leaves the
// facility paid beyond its amount, what the national unit decides about it, and the next
// quarter's payment that deducts it.
#include <gtest/gtest.h>

#include <algorithm>
#include <nlohmann/json.hpp>

#include "auth/accounts.h"
#include "auth/secrets.h"
#include "demo/demo_program.h"
#include "fbr/invoice_run.h"
#include "fbr/jobs.h"
#include "fbr/programs.h"
#include "http/api.h"
#include "tests/http/kati_dataset.h"
#include "tests/io/fake_dhis2.h"
#include "tests/store/test_database.h"

namespace keneya::http {
namespace {

using nlohmann::json;
using store::testing::Engine;

constexpr char kApprover[] = "cellule.paie";  // national unit and payment officer

class ApiSettlementTest : public ::testing::TestWithParam<Engine> {
 protected:
  void SetUp() override {
    const std::string why = store::testing::Unavailable(GetParam());
    if (!why.empty()) GTEST_SKIP() << why;
    auth::DefaultPasswordCost() = auth::PasswordCost{1, 8u << 10};
    dataset_ = testing::NewDataset(GetParam());  // its runs and accounts are its own
    ASSERT_NE(dataset_, nullptr);
    data_ = dataset_.get();
    store_ = data_->db->Open();
    facility_ = data_->other_kati;  // a CSCOM of Kati
    unit_ = data_->facility(facility_).uid;
    auto pool = store::StorePool::Open(data_->db->location(), 2);
    ASSERT_TRUE(pool.ok()) << pool.error().ToString();
    pool_ = std::move(pool).value();
    authenticator_ = std::make_unique<auth::Authenticator>(auth::AuthOptions{});
    api_ = std::make_unique<Api>(*pool_, *authenticator_, ApiOptions{}, nullptr);
    // A member of the national unit who is also a payment officer.
    auth::Principal op;
    op.name = "operator";
    op.operator_of_database = true;
    const auth::Scope mali{auth::ScopeKind::kSubtree, data_->mali};
    auth::NewUser user{kApprover,
                       "Aminata Keïta",
                       "",
                       "fr",
                       testing::kPassword,
                       {{auth::Role::kNationalUnit, mali}, {auth::Role::kPaymentOfficer, mali}}};
    auto added = auth::AddUser(*store_, data_->metadata, op, user, {"operator", "cli", "", ""});
    ASSERT_TRUE(added.ok() || added.error().code == core::ErrorCode::kAlreadyExists)
        << added.error().ToString();
    setenv("KENEYA_TODAY", "2025-01-20", 1);
  }
  void TearDown() override { unsetenv("KENEYA_TODAY"); }

  Response Call(const std::string& user, std::string method, std::string path,
                const json& body = nullptr,
                std::vector<std::pair<std::string, std::string>> query = {}) {
    return api_->Handle(testing::ScriptRequest(user, std::move(method), std::move(path),
                                               std::move(query),
                                               body.is_null() ? std::string() : body.dump()));
  }
  static json Body(const Response& r) { return json::parse(r.body); }

  // Runs the queued jobs here (the test's Api runs none).
  void RunJobs(std::optional<io::Dhis2ClientOptions> dhis2 = std::nullopt) {
    fbr::JobOptions options;
    options.owner = "test-server";
    options.dhis2 = std::move(dhis2);
    fbr::JobRunner runner(
        *pool_,
        [](store::Store& store) -> core::Result<std::shared_ptr<const fbr::Directory>> {
          KENEYA_ASSIGN_OR_RETURN(core::MetadataBundle bundle, store.LoadMetadata());
          return std::make_shared<const fbr::Directory>(std::move(bundle));
        },
        options);
    while (true) {
      auto ran = runner.RunOne();
      EXPECT_TRUE(ran.ok());
      if (!ran.ok() || !*ran) break;
    }
  }

  // A run of `quarter` queued by the national unit, run here, and approved by kApprover.
  int64_t ApprovedRun(const std::string& quarter) {
    Response queued =
        Call("cellule", "POST", "/api/runs", json{{"program", "FBR_MALI"}, {"period", quarter}});
    EXPECT_EQ(queued.status, 202) << queued.body;
    if (queued.status != 202) return 0;
    const int64_t job = Body(queued)["id"];
    RunJobs();
    Response done = Call("cellule", "GET", "/api/jobs/" + std::to_string(job));
    EXPECT_EQ(Body(done)["state"], "succeeded") << done.body;
    const int64_t run = Body(done)["result"]["run"];
    const std::string path = "/api/runs/" + std::to_string(run);
    Response state = Call(kApprover, "GET", path + "/workflow");
    Response approved =
        Call(kApprover, "POST", path + "/approve", json{{"version", Body(state)["version"]}});
    EXPECT_EQ(approved.status, 200) << approved.body;
    return run;
  }
  std::string FacilityInvoice(int64_t run) {
    auto invoices = store_->InvoiceList(run, data_->OrgUnit(facility_)->id);
    EXPECT_TRUE(invoices.ok() && invoices->size() == 1u);
    return invoices.ok() && invoices->size() == 1u ? (*invoices)[0].number : "";
  }
  Response Pay(const std::string& user, const std::string& number, int64_t amount,
               const std::string& on = "2025-01-15", const std::string& reference = "VIR-001") {
    return Call(user, "POST", "/api/invoices/" + number + "/payments",
                json{{"amount", amount}, {"paidOn", on}, {"reference", reference}});
  }
  json Payments(const std::string& number, const std::string& user = "paiement") {
    Response r = Call(user, "GET", "/api/invoices/" + number + "/payments");
    EXPECT_EQ(r.status, 200) << r.body;
    return r.status == 200 ? Body(r) : json();
  }
  Response Reopen(int64_t run) {
    const std::string path = "/api/runs/" + std::to_string(run);
    Response state = Call("cellule", "GET", path + "/workflow");
    return Call("cellule", "POST", path + "/reopen",
                json{{"version", Body(state)["version"]},
                     {"reason", "Recomptage des accouchements demandé par le district"}});
  }

  // The facility's account, proposed by the payment officer and confirmed by kApprover.
  void ConfirmedAccount() {
    const std::string accounts = "/api/facilities/" + unit_ + "/accounts";
    Response proposed = Call("paiement", "POST", accounts,
                             json{{"kind", "mobile"},
                                  {"institution", "Orange Money"},
                                  {"number", "76 12 34 56"},
                                  {"holder", "ASACO du CSCOM"},
                                  {"reason", "Portefeuille de l'ASACO"}});
    ASSERT_EQ(proposed.status, 201) << proposed.body;
    EXPECT_EQ(Body(proposed)["number"], "+22376123456");
    Response confirmed =
        Call(kApprover, "POST",
             "/api/accounts/" + std::to_string(Body(proposed)["id"].get<int64_t>()) + "/confirm",
             json::object());
    ASSERT_EQ(confirmed.status, 200) << confirmed.body;
  }
  // A correction behind the workflow's back: the facility's first verified number of `month`
  // halved, so that a run computed again pays less.
  void LowerAVerifiedNumber(const std::string& month) {
    store::ValueQuery query;
    query.periods = {core::Period::Parse(month)->Code()};
    query.org_units = {data_->OrgUnit(facility_)->id};
    query.states = {core::kStateVerified};
    std::optional<core::DataValue> lowered;
    ASSERT_TRUE(store_
                    ->ScanValues(query,
                                 [&](const core::DataValueKey& key, std::string_view value) {
                                   const int number = std::atoi(std::string(value).c_str());
                                   if (lowered || number < 4) return;
                                   lowered = core::DataValue{};
                                   lowered->key = key;
                                   lowered->value = std::to_string(number / 2);
                                 })
                    .ok());
    ASSERT_TRUE(lowered.has_value());
    ASSERT_TRUE(store_->PutValue(*lowered, {"correction", "test"}).ok());
  }

  std::unique_ptr<testing::Dataset> dataset_;
  testing::Dataset* data_ = nullptr;
  std::unique_ptr<store::Store> store_;
  std::string facility_;  // its code
  std::string unit_;      // its uid
  std::unique_ptr<store::StorePool> pool_;
  std::unique_ptr<auth::Authenticator> authenticator_;
  std::unique_ptr<Api> api_;
};

TEST_P(ApiSettlementTest, AccountsAreConfirmedByASecondPersonAndRunsPaidByAnother) {
  // 2024Q3: the run, approved by the member of the national unit who also pays.
  testing::ValidateQuarter(*data_, *store_, facility_, "2024Q3");
  ASSERT_FALSE(HasFatalFailure());
  const int64_t run = ApprovedRun("2024Q3");
  ASSERT_NE(run, 0);
  const std::string number = FacilityInvoice(run);
  ASSERT_FALSE(number.empty());
  Response invoice = Call("paiement", "GET", "/api/invoices/" + number);
  const int64_t total = Body(invoice)["total"];
  ASSERT_GT(total, 100'000);
  json paid = Payments(number);
  EXPECT_EQ(paid["state"], "unpaid");
  // The facility's months say where their money stands.
  const std::string july = "/api/periods/FBR_QUANTITE/" + unit_ + "/202407";
  const json approved = Body(Call("district", "GET", july));
  EXPECT_EQ(approved["status"], "approved") << approved.dump();
  EXPECT_EQ(approved["invoice"], number);
  EXPECT_EQ(paid["balance"], total);
  EXPECT_FALSE(paid["mayPay"]);  // no account yet

  // No account: the whole amount is withheld from the order.
  const std::string order_path = "/api/runs/" + std::to_string(run) + "/payment-order";
  Response order = Call("paiement", "GET", order_path);
  ASSERT_EQ(order.status, 200) << order.body;
  EXPECT_EQ(Body(order)["withheld"], total);
  EXPECT_EQ(Pay("paiement", number, 1000).status, 412);

  // The account: proposed by one, confirmed by another.
  const std::string accounts = "/api/facilities/" + unit_ + "/accounts";
  json account = {{"kind", "bank"},
                  {"institution", "BDM-SA"},
                  {"number", "ML016 01201 020100000234 37x"},
                  {"holder", "ASACO du CSCOM"},
                  {"reason", "Compte de l'ASACO ouvert en 2023"}};
  Response bad = Call("paiement", "POST", accounts, account);
  EXPECT_EQ(bad.status, 400) << bad.body;
  EXPECT_EQ(Body(bad)["message_id"], "fbr.payment.bad_rib");
  account["number"] = "ML016 01201 020100000234 37";
  EXPECT_EQ(Call("district", "POST", accounts, account).status, 403);
  EXPECT_EQ(Call("verif", "GET", accounts).status, 404);
  Response proposed = Call("paiement", "POST", accounts, account);
  ASSERT_EQ(proposed.status, 201) << proposed.body;
  EXPECT_EQ(Body(proposed)["number"], "ML0160120102010000023437");  // as the bank writes it
  EXPECT_EQ(Body(proposed)["state"], "proposed");
  EXPECT_EQ(Call("paiement", "POST", accounts, account).status, 409);  // one waits already
  const std::string decide = "/api/accounts/" + std::to_string(Body(proposed)["id"].get<int64_t>());
  Response own = Call("paiement", "POST", decide + "/confirm", json::object());
  EXPECT_EQ(own.status, 403) << own.body;
  EXPECT_EQ(Body(own)["message_id"], "fbr.payment.account_own");
  Response confirmed = Call(kApprover, "POST", decide + "/confirm", json::object());
  ASSERT_EQ(confirmed.status, 200) << confirmed.body;
  EXPECT_EQ(Body(confirmed)["state"], "confirmed");
  EXPECT_EQ(Body(confirmed)["decidedBy"], kApprover);
  EXPECT_EQ(Call("chef", "GET", accounts).status, 404);  // another facility's head
  Response seen = Call("district", "GET", accounts);     // its district sees its account
  ASSERT_EQ(seen.status, 200);
  EXPECT_EQ(Body(seen)["confirmed"]["holder"], "ASACO du CSCOM");
  EXPECT_EQ(Body(seen)["history"].size(), 1u);

  // The approver may not pay; the payment officer pays part, never more than is due.
  Response approver = Pay(kApprover, number, 100'000);
  EXPECT_EQ(approver.status, 403) << approver.body;
  EXPECT_EQ(Body(approver)["message_id"], "fbr.payment.approver");
  EXPECT_EQ(Pay("paiement", number, total + 1).status, 400);
  EXPECT_EQ(Pay("paiement", number, 100'000, "2025-01-21").status, 400);  // tomorrow
  EXPECT_EQ(Pay("district", number, 100'000).status, 403);
  Response part = Pay("paiement", number, 100'000);
  ASSERT_EQ(part.status, 201) << part.body;
  EXPECT_EQ(Body(part)["state"], "partly_paid");
  EXPECT_EQ(Body(part)["balance"], total - 100'000);
  EXPECT_EQ(Body(part)["payments"][0]["reference"], "VIR-001");
  EXPECT_EQ(Body(part)["payments"][0]["recordedBy"], "paiement");

  // The payment order: the rest, to the confirmed account; as a CSV for the bank.
  order = Call("paiement", "GET", order_path);
  json line;
  const json ordered = Body(order);
  for (const json& l : ordered["lines"]) {
    if (l["invoice"] == number) line = l;
  }
  ASSERT_FALSE(line.is_null()) << order.body;
  EXPECT_EQ(line["invoice"], number);
  EXPECT_EQ(line["paid"], 100'000);
  EXPECT_EQ(line["amount"], total - 100'000);
  EXPECT_EQ(line["account"]["number"], "ML0160120102010000023437");
  Response csv = Call("paiement", "GET", order_path, nullptr, {{"format", "csv"}});
  ASSERT_EQ(csv.status, 200) << csv.body;
  const std::string text = testing::WholeBody(csv);
  EXPECT_NE(text.find("ML0160120102010000023437"), std::string::npos) << text;
  EXPECT_NE(text.find(std::to_string(total - 100'000)), std::string::npos) << text;
  EXPECT_NE(text.find("Total à payer"), std::string::npos) << text;
  EXPECT_EQ(Call("district", "GET", order_path).status, 403);
  Response xlsx = Call("paiement", "GET", order_path, nullptr, {{"format", "xlsx"}});
  EXPECT_EQ(xlsx.status, 200);
  EXPECT_EQ(testing::WholeBody(xlsx).substr(0, 2), "PK");

  // Reopened and computed again: the new invoice counts what the old one received.
  EXPECT_EQ(Body(Call("district", "GET", july))["status"], "approved");  // paid in part
  ASSERT_EQ(Reopen(run).status, 200);
  EXPECT_EQ(Payments(number)["state"], "not_payable");
  EXPECT_EQ(Body(Call("district", "GET", july))["status"], "validated");
  const int64_t again = ApprovedRun("2024Q3");
  const std::string renumbered = FacilityInvoice(again);
  ASSERT_NE(renumbered, number);
  EXPECT_EQ(renumbered.rfind(number, 0), 0u) << renumbered;  // "...-00001-R2"
  json now = Payments(renumbered);
  EXPECT_EQ(now["total"], total);
  EXPECT_EQ(now["paidBefore"], 100'000);
  EXPECT_EQ(now["paid"], 0);
  EXPECT_EQ(now["balance"], total - 100'000);
  EXPECT_EQ(now["state"], "partly_paid");
  EXPECT_EQ(now["chain"], json::array({number, renumbered}));
  EXPECT_EQ(now["payments"].size(), 1u);
  EXPECT_EQ(Payments(number)["state"], "replaced");
  Response stale = Pay("paiement", number, 1000);
  EXPECT_EQ(stale.status, 412) << stale.body;
  EXPECT_EQ(Body(stale)["message_id"], "fbr.payment.replaced");
  Response rest = Pay("paiement", renumbered, total - 100'000, "2025-01-18", "VIR-002");
  ASSERT_EQ(rest.status, 201) << rest.body;
  EXPECT_EQ(Body(rest)["state"], "paid");
  EXPECT_EQ(Body(Call("district", "GET", july))["status"], "paid");
  EXPECT_EQ(Body(Call("district", "GET", july))["invoice"], renumbered);
  EXPECT_EQ(Body(rest)["balance"], 0);
  EXPECT_EQ(Pay("paiement", renumbered, 1).status, 412);  // nothing due
  const json after =
      Body(Call("paiement", "GET", "/api/runs/" + std::to_string(again) + "/payment-order"));
  for (const json& l : after["lines"]) {
    EXPECT_NE(l["invoice"], renumbered);  // nothing left to transfer
  }
}

TEST_P(ApiSettlementTest, ABankStatementIsRecordedWholeOrNotAtAllAndNeverTwice) {
  testing::ValidateQuarter(*data_, *store_, facility_, "2024Q3");
  ASSERT_FALSE(HasFatalFailure());
  ConfirmedAccount();
  ASSERT_FALSE(HasFatalFailure());
  const std::string number = FacilityInvoice(ApprovedRun("2024Q3"));
  const int64_t total = Payments(number)["total"];
  ASSERT_GT(total, 10);
  const int64_t half = total / 2;
  auto statement = [&](const std::string& lines) {
    return json{{"csv", "Date,Facture,Montant,Reference,Libellé\n" + lines}};
  };

  // Each problem with its line and column; the earlier line of the same invoice counts.
  const json troubled = statement("14/01/2025," + number + "," + std::to_string(half) +
                                  ",VIR-1,ok\n"
                                  "15/01/2025," +
                                  number +
                                  ",12a,VIR-2,\n"
                                  "15/01/2025,FBR_MALI-2024Q3-99999,1000,VIR-3,\n"
                                  "2025-01-16," +
                                  number + "," + std::to_string(total - half + 1) +
                                  ",VIR-4,\n"
                                  "31/02/2025," +
                                  number + ",1,VIR-5,\n");
  Response checked = Call("paiement", "POST", "/api/payments/statement/check", troubled);
  ASSERT_EQ(checked.status, 200) << checked.body;
  const json check = Body(checked);
  EXPECT_FALSE(check["ok"]);
  EXPECT_FALSE(check["recorded"]);
  ASSERT_EQ(check["lines"].size(), 1u) << checked.body;
  EXPECT_EQ(check["lines"][0]["line"], 2);
  EXPECT_EQ(check["lines"][0]["balance"], total - half);
  EXPECT_EQ(check["lines"][0]["paidOn"], "2025-01-14");
  ASSERT_EQ(check["problems"].size(), 4u) << checked.body;
  const std::vector<std::pair<int, std::string>> where = {
      {3, "Montant"}, {4, "Facture"}, {5, "Montant"}, {6, "Date"}};
  for (size_t i = 0; i < where.size(); ++i) {
    EXPECT_EQ(check["problems"][i]["line"], where[i].first) << checked.body;
    EXPECT_EQ(check["problems"][i]["column"], where[i].second) << checked.body;
  }
  EXPECT_EQ(check["problems"][0]["message"], "« 12a » n'est pas un montant en francs entiers");
  Response refused = Call("paiement", "POST", "/api/payments/statement", troubled);
  EXPECT_EQ(refused.status, 400) << refused.body;
  EXPECT_NE(refused.body.find("ligne 3, colonne Montant"), std::string::npos) << refused.body;
  EXPECT_EQ(Payments(number)["paid"], 0) << "nothing recorded";

  // A clean statement: both lines recorded, the invoice paid.
  const json clean =
      statement("14/01/2025," + number + ",\"" + std::to_string(half) + "\",VIR-1,\n2025-01-16," +
                number + "," + std::to_string(total - half) + ",VIR-2,\n");
  Response recorded = Call("paiement", "POST", "/api/payments/statement", clean);
  ASSERT_EQ(recorded.status, 201) << recorded.body;
  EXPECT_TRUE(Body(recorded)["recorded"]);
  EXPECT_EQ(Body(recorded)["total"], total);
  EXPECT_EQ(Body(recorded)["lines"][1]["balance"], 0);
  const json paid = Payments(number);
  EXPECT_EQ(paid["state"], "paid");
  ASSERT_EQ(paid["payments"].size(), 2u);
  EXPECT_EQ(paid["payments"][0]["reference"], "VIR-1");
  EXPECT_EQ(paid["payments"][0]["paidOn"], "2025-01-14");

  // The same statement again pays nothing twice; only the national level records statements.
  Response again = Call("paiement", "POST", "/api/payments/statement/check", clean);
  ASSERT_EQ(again.status, 200);
  ASSERT_EQ(Body(again)["problems"].size(), 2u) << again.body;
  EXPECT_EQ(Body(again)["problems"][0]["column"], "Reference");
  EXPECT_EQ(Call("paiement", "POST", "/api/payments/statement", clean).status, 400);
  EXPECT_EQ(Payments(number)["payments"].size(), 2u);
  EXPECT_EQ(Call("chef", "POST", "/api/payments/statement/check", clean).status, 403);
  const json headless = json{{"csv", "Date,Montant\n2025-01-16,5\n"}};
  const json missing = Body(Call("paiement", "POST", "/api/payments/statement/check", headless));
  ASSERT_EQ(missing["problems"].size(), 2u);
  EXPECT_EQ(missing["problems"][0]["line"], 1);
}

TEST_P(ApiSettlementTest, TheAuditTrailShowsEveryKindOfChangeNewestFirstWithItsFilters) {
  testing::ValidateQuarter(*data_, *store_, facility_, "2024Q3");
  ASSERT_FALSE(HasFatalFailure());
  ConfirmedAccount();
  ASSERT_FALSE(HasFatalFailure());
  const int64_t run = ApprovedRun("2024Q3");
  const std::string number = FacilityInvoice(run);
  ASSERT_EQ(Pay("paiement", number, 1000, "2025-01-15", "VIR-A").status, 201);
  auto trail = [&](std::vector<std::pair<std::string, std::string>> query,
                   const std::string& user = "cellule") {
    Response r = Call(user, "GET", "/api/audit", nullptr, std::move(query));
    EXPECT_EQ(r.status, 200) << r.body;
    return r.status == 200 ? Body(r) : json();
  };

  // Everything the national unit may read, newest first.
  const json all = trail({});
  EXPECT_EQ(all["kinds"],
            json({"value", "period", "run", "payment", "recovery", "account", "contract"}))
      << "not the accounts' audit: the administrator's";
  ASSERT_GE(all["events"].size(), 5u);
  for (size_t i = 1; i < all["events"].size(); ++i) {
    EXPECT_GE(all["events"][i - 1]["at"].get<std::string>(),
              all["events"][i]["at"].get<std::string>());
  }
  // The test's day (KENEYA_TODAY): its last change is the payment (the approval just before
  // may fall in the same millisecond).
  const json today = trail({{"from", "2025-01-20"}, {"to", "2025-01-20"}});
  ASSERT_FALSE(today["events"].empty());
  const auto payment = std::find_if(today["events"].begin(), today["events"].end(),
                                    [](const json& e) { return e["kind"] == "payment"; });
  ASSERT_NE(payment, today["events"].end()) << today.dump();
  EXPECT_EQ((*payment)["at"], today["events"][0]["at"]) << today.dump();

  // Each kind with what it says.
  const json payments = trail({{"kind", "payment"}});
  ASSERT_EQ(payments["events"].size(), 1u);
  const json& paid = payments["events"][0];
  EXPECT_EQ(paid["user"], "paiement");
  EXPECT_EQ(paid["action"], "transfer");
  EXPECT_EQ(paid["after"], "1000");
  EXPECT_EQ(paid["reason"], "VIR-A");
  EXPECT_EQ(paid["subject"], number);
  EXPECT_EQ(paid["place"]["id"], unit_);
  const json accounts = trail({{"kind", "account"}});
  ASSERT_EQ(accounts["events"].size(), 2u);
  EXPECT_EQ(accounts["events"][0]["action"], "confirm");
  EXPECT_EQ(accounts["events"][0]["user"], kApprover);
  EXPECT_EQ(accounts["events"][1]["action"], "propose");
  EXPECT_EQ(accounts["events"][1]["user"], "paiement");
  const json runs = trail({{"kind", "run"}});
  bool approved = false;
  for (const json& e : runs["events"]) {
    if (e["action"] == "approve" && e["run"] == run) approved = e["user"] == kApprover;
  }
  EXPECT_TRUE(approved) << runs.dump();

  // A value corrected behind the workflow: its data element, period and state by code.
  LowerAVerifiedNumber("202407");
  ASSERT_FALSE(HasFatalFailure());
  const json values = trail({{"kind", "value"}});
  ASSERT_EQ(values["events"].size(), 1u) << values.dump();
  const json& value = values["events"][0];
  EXPECT_EQ(value["user"], "correction");
  EXPECT_EQ(value["action"], "update");
  EXPECT_EQ(value["state"], "verified");
  EXPECT_EQ(value["period"], "202407");
  EXPECT_TRUE(value.contains("dataElement")) << value.dump();
  EXPECT_EQ(value["place"]["id"], unit_);
  EXPECT_EQ(std::stoi(value["after"].get<std::string>()),
            std::stoi(value["before"].get<std::string>()) / 2);

  // Filters: where, who, when; several kinds at once.
  const json here = trail({{"kind", "period,payment"}, {"place", unit_}});
  ASSERT_FALSE(here["events"].empty());
  for (const json& e : here["events"]) {
    EXPECT_EQ(e["place"]["id"], unit_) << e.dump();
    EXPECT_TRUE(e["kind"] == "period" || e["kind"] == "payment") << e.dump();
    if (e["kind"] == "period") {
      EXPECT_TRUE(e.contains("dataSet") && e.contains("period"));
    }
  }
  const json theirs = trail({{"user", kApprover}});
  ASSERT_FALSE(theirs["events"].empty());
  for (const json& e : theirs["events"]) EXPECT_EQ(e["user"], kApprover);
  EXPECT_TRUE(trail({{"from", "2099-01-01"}})["events"].empty());
  const json page = trail({{"pageSize", "2"}});
  EXPECT_EQ(page["events"].size(), 2u);
  EXPECT_TRUE(page["more"]);
  EXPECT_EQ(trail({{"pageSize", "2"}, {"page", "2"}})["events"][0], all["events"][2]);

  // Refused: a kind not readable everywhere, a facility's head, nonsense.
  EXPECT_EQ(Call("cellule", "GET", "/api/audit", nullptr, {{"kind", "user"}}).status, 403);
  EXPECT_EQ(Call("chef", "GET", "/api/audit").status, 403);
  EXPECT_EQ(Call("cellule", "GET", "/api/audit", nullptr, {{"kind", "nothing"}}).status, 400);
  EXPECT_EQ(Call("cellule", "GET", "/api/audit", nullptr, {{"from", "2025-13-01"}}).status, 400);
  EXPECT_EQ(
      Call("cellule", "GET", "/api/audit", nullptr, {{"page", "100"}, {"pageSize", "500"}}).status,
      400);
}

TEST_P(ApiSettlementTest, AnOverPaymentIsDeductedFromTheNextPaymentUnlessTheNationalUnitWaivesIt) {
  testing::ValidateQuarter(*data_, *store_, facility_, "2024Q3");
  ASSERT_FALSE(HasFatalFailure());
  ConfirmedAccount();
  ASSERT_FALSE(HasFatalFailure());
  const int64_t run = ApprovedRun("2024Q3");
  const std::string first = FacilityInvoice(run);
  const int64_t total = Payments(first)["total"];
  ASSERT_EQ(Pay("paiement", first, total).status, 201);
  EXPECT_EQ(Payments(first)["state"], "paid");

  // Reopened, a verified number corrected down, computed again: paid beyond the new amount.
  ASSERT_EQ(Reopen(run).status, 200);
  LowerAVerifiedNumber("202407");
  ASSERT_FALSE(HasFatalFailure());
  const std::string second = FacilityInvoice(ApprovedRun("2024Q3"));
  json over = Payments(second);
  const int64_t lower = over["total"];
  ASSERT_LT(lower, total);
  const int64_t excess = total - lower;
  EXPECT_EQ(over["paidBefore"], total);
  EXPECT_EQ(over["balance"], -excess);
  EXPECT_EQ(over["state"], "to_recover");
  EXPECT_EQ(over["dueNow"], 0);
  EXPECT_FALSE(over["mayDecide"]);  // the payment officer does not decide it
  EXPECT_EQ(Pay("paiement", second, 1).status, 412);

  // The national unit decides: first to waive it, then to recover it after all.
  const std::string recovery = "/api/invoices/" + second + "/recovery";
  EXPECT_EQ(Call("paiement", "POST", recovery, json{{"decision", "waive"}, {"reason", "x"}}).status,
            403);
  EXPECT_EQ(Call("cellule", "POST", recovery, json{{"decision", "waive"}, {"reason", " "}}).status,
            400);
  EXPECT_TRUE(Payments(second, "cellule")["mayDecide"]);
  Response waived = Call("cellule", "POST", recovery,
                         json{{"decision", "waive"}, {"reason", "Erreur de saisie du district"}});
  ASSERT_EQ(waived.status, 200) << waived.body;
  EXPECT_EQ(Body(waived)["state"], "waived");
  EXPECT_EQ(Body(waived)["decision"]["decidedBy"], "cellule");

  // The next quarter: nothing deducted while waived...
  testing::ValidateQuarter(*data_, *store_, facility_, "2024Q4");
  ASSERT_FALSE(HasFatalFailure());
  const int64_t q4 = ApprovedRun("2024Q4");
  const std::string next = FacilityInvoice(q4);
  json due = Payments(next);
  const int64_t q4_total = due["total"];
  ASSERT_GT(q4_total, excess);
  EXPECT_EQ(due["deduction"], 0);
  EXPECT_EQ(due["dueNow"], q4_total);
  // ...deducted once the decision is to recover it, on the order and on the payment.
  Response deduct =
      Call("cellule", "POST", recovery,
           json{{"decision", "deduct"}, {"reason", "Décision du comité du 15 janvier"}});
  ASSERT_EQ(deduct.status, 200) << deduct.body;
  EXPECT_EQ(Body(deduct)["state"], "to_recover");
  due = Payments(next);
  EXPECT_EQ(due["deduction"], excess);
  EXPECT_EQ(due["dueNow"], q4_total - excess);
  const json order =
      Body(Call("paiement", "GET", "/api/runs/" + std::to_string(q4) + "/payment-order"));
  bool listed = false;
  for (const json& line : order["lines"]) {
    if (line["invoice"] != next) continue;
    listed = true;
    EXPECT_EQ(line["deduction"], excess);
    EXPECT_EQ(line["amount"], q4_total - excess);
  }
  EXPECT_TRUE(listed) << order.dump();
  EXPECT_EQ(Pay("paiement", next, q4_total).status, 400);  // the deduction is not paid out
  Response paid = Pay("paiement", next, q4_total - excess, "2025-01-19", "OM-7781");
  ASSERT_EQ(paid.status, 201) << paid.body;
  EXPECT_EQ(Body(paid)["state"], "paid");
  const json payments = Body(paid)["payments"];
  ASSERT_EQ(payments.size(), 2u) << paid.body;
  EXPECT_EQ(payments[0]["kind"], "offset");
  EXPECT_EQ(payments[0]["amount"], excess);
  EXPECT_EQ(payments[0]["fromInvoice"], second);
  EXPECT_EQ(payments[1]["kind"], "transfer");
  EXPECT_EQ(payments[1]["amount"], q4_total - excess);
  // The over-paid invoice is settled by the deduction.
  json settled = Payments(second);
  EXPECT_EQ(settled["recovered"], excess);
  EXPECT_EQ(settled["balance"], 0);
  EXPECT_EQ(settled["state"], "paid");
}

TEST_P(ApiSettlementTest, AFacilityLeftOutIsPaidInTheNextRunAsACatchUpCutAtItsRunsRate) {
  // A second version of the program whose Kati envelope for 2024Q3 is small: the 2024Q3 run
  // cuts Koko II's invoice, and the catch-up is cut at the same rate.
  auto source = demo::DemoProgramSource();
  ASSERT_TRUE(source.ok());
  const size_t at = source->toml.find("version = 1");
  ASSERT_NE(at, std::string::npos);
  source->toml.replace(at, 11, "version = 2");
  std::string& envelopes = source->files.at("enveloppes.csv");
  const size_t kati = envelopes.find("DS_KATI,2024Q3,130000000");
  ASSERT_NE(kati, std::string::npos);
  envelopes.replace(kati, 24, "DS_KATI,2024Q3,1000000");
  ASSERT_TRUE(fbr::LoadProgram(*store_, *source, {"tester", "test"}).ok());

  // 2024Q3: Koko II validated, the other CSCOM not declared: left out.
  testing::ValidateQuarter(*data_, *store_, testing::kKokoCode, "2024Q3");
  ASSERT_FALSE(HasFatalFailure());
  const int64_t q3 = ApprovedRun("2024Q3");
  const json q3_state =
      Body(Call("cellule", "GET", "/api/runs/" + std::to_string(q3) + "/workflow"));
  bool left_out = false;
  for (const json& left : q3_state["leftOut"]) {
    left_out = left_out || left["facility"]["code"] == facility_;
  }
  EXPECT_TRUE(left_out) << q3_state.dump();
  EXPECT_TRUE(q3_state["catchUps"].empty());
  // Koko II's invoice, cut to the envelope: what it asked, what it got.
  auto koko = store_->InvoiceList(q3, data_->OrgUnit(testing::kKokoCode)->id);
  ASSERT_TRUE(koko.ok() && koko->size() == 1u);
  const json koko_lines = json::parse((*store_->GetInvoice((*koko)[0].number))->lines_json);
  int64_t koko_cut = 0;
  for (const json& line : koko_lines) {
    if (line["kind"] == "envelope") koko_cut += line["amount"].get<int64_t>();
  }
  const int64_t koko_paid = (*koko)[0].total;
  const int64_t koko_asked = koko_paid - koko_cut;
  ASSERT_EQ(koko_paid, 1'000'000);
  ASSERT_GT(koko_asked, koko_paid);

  // The other CSCOM's quarter comes in late, and is validated.
  testing::ValidateQuarter(*data_, *store_, facility_, "2024Q3");
  ASSERT_FALSE(HasFatalFailure());
  // What it asks for 2024Q3, computed alone with the same version (a draft, nothing stored).
  auto metadata = store_->LoadMetadata();
  ASSERT_TRUE(metadata.ok());
  auto version =
      fbr::ProgramToUse(*store_, *metadata, "FBR_MALI", *core::Period::Parse("2024Q3"), 2, false);
  ASSERT_TRUE(version.ok()) << version.error().ToString();
  fbr::ComputeOptions alone;
  const int32_t unit_id = data_->OrgUnit(facility_)->id;
  alone.include = [unit_id](int32_t org_unit) { return org_unit == unit_id; };
  auto computed = fbr::Compute(*store_, *metadata, *version, *core::Period::Parse("2024Q3"), alone);
  ASSERT_TRUE(computed.ok()) << computed.error().ToString();
  ASSERT_EQ(computed->invoices.invoices.size(), 1u);
  const int64_t asked = computed->invoices.invoices[0].total_before_envelope;
  // Cut at the rate Koko II was: 1,000,000 of what it asked.
  const int64_t expected =
      static_cast<int64_t>(static_cast<__int128>(asked) * koko_paid / koko_asked);
  ASSERT_LT(expected, asked);

  // 2024Q4 brings the catch-up of 2024Q3, as its own invoice, approved with it.
  testing::ValidateQuarter(*data_, *store_, testing::kKokoCode, "2024Q4");
  ASSERT_FALSE(HasFatalFailure());
  const int64_t q4 = ApprovedRun("2024Q4");
  const json q4_state =
      Body(Call("cellule", "GET", "/api/runs/" + std::to_string(q4) + "/workflow"));
  EXPECT_EQ(q4_state["status"], "approved");
  ASSERT_EQ(q4_state["catchUps"].size(), 1u) << q4_state.dump();
  const json catch_up = q4_state["catchUps"][0];
  EXPECT_EQ(catch_up["period"], "2024Q3");
  EXPECT_EQ(catch_up["programVersion"], 2);
  EXPECT_EQ(catch_up["invoices"], 1);
  EXPECT_EQ(catch_up["total"], expected);
  const int64_t catch_up_run = catch_up["run"];
  const json followed =
      Body(Call("cellule", "GET", "/api/runs/" + std::to_string(catch_up_run) + "/workflow"));
  EXPECT_EQ(followed["status"], "approved");  // approved with its run
  EXPECT_EQ(followed["catchUpFor"], q4);
  Response own_step =
      Call("cellule", "POST", "/api/runs/" + std::to_string(catch_up_run) + "/publish",
           json{{"version", followed["version"]}});
  EXPECT_EQ(own_step.status, 412) << own_step.body;

  // Its invoice: a number of 2024Q3, the cut shown as its own line, the month approved.
  const std::string number = FacilityInvoice(catch_up_run);
  EXPECT_EQ(number.rfind("FBR_MALI-2024Q3-", 0), 0u) << number;
  json invoice = Body(Call("paiement", "GET", "/api/invoices/" + number));
  EXPECT_EQ(invoice["total"], expected);
  const json july = Body(Call("district", "GET", "/api/periods/FBR_QUANTITE/" + unit_ + "/202407"));
  EXPECT_EQ(july["status"], "approved");
  EXPECT_EQ(july["invoice"], number);
  // On the 2024Q4 payment order, as its own line; paid like any invoice.
  ConfirmedAccount();
  ASSERT_FALSE(HasFatalFailure());
  const json order =
      Body(Call("paiement", "GET", "/api/runs/" + std::to_string(q4) + "/payment-order"));
  bool listed = false;
  for (const json& line : order["lines"]) {
    if (line["invoice"] != number) continue;
    listed = true;
    EXPECT_EQ(line["catchUpOf"], "2024Q3");
    EXPECT_EQ(line["amount"], expected);
  }
  EXPECT_TRUE(listed) << order.dump();
  Response paid = Pay("paiement", number, expected);
  ASSERT_EQ(paid.status, 201) << paid.body;
  EXPECT_EQ(Body(paid)["state"], "paid");
  // 2024Q4 reopened (its catch-up with it) and computed again: the catch-up comes again, less
  // what was already paid on it.
  ASSERT_EQ(Reopen(q4).status, 200);
  EXPECT_EQ(Body(Call("cellule", "GET",
                      "/api/runs/" + std::to_string(catch_up_run) + "/workflow"))["status"],
            "reopened");
  const int64_t again = ApprovedRun("2024Q4");
  const json again_state =
      Body(Call("cellule", "GET", "/api/runs/" + std::to_string(again) + "/workflow"));
  ASSERT_EQ(again_state["catchUps"].size(), 1u) << again_state.dump();
  const std::string renumbered = FacilityInvoice(again_state["catchUps"][0]["run"]);
  const json settled = Payments(renumbered);
  EXPECT_EQ(settled["total"], expected);
  EXPECT_EQ(settled["paidBefore"], expected);
  EXPECT_EQ(settled["balance"], 0);
  EXPECT_EQ(settled["state"], "paid");
}

// Acceptance 1 of the workflow: the whole chain over the API.
TEST_P(ApiSettlementTest, TheWholeChainFromDeclarationToPaymentAndCatchUp) {
  const std::string koko = data_->facility(testing::kKokoCode).uid;
  const std::string set = "FBR_QUANTITE";
  auto path = [&](const std::string& unit, const std::string& period) {
    return "/api/periods/" + set + "/" + unit + "/" + period;
  };
  auto step = [&](const std::string& user, const std::string& unit, const std::string& period,
                  const std::string& action, const std::string& reason = "") {
    const json file = Body(Call(user, "GET", path(unit, period)));
    json body = {{"version", file["version"]}};
    if (!reason.empty()) body["reason"] = reason;
    return Call(user, "POST", path(unit, period) + "/" + action, body);
  };
  // September 2024: Koko II declares on time; the district types the other CSCOM's paper
  // report three days late.
  setenv("KENEYA_TODAY", "2024-10-03", 1);
  Response on_time = step("chef", koko, "202409", "declare");
  ASSERT_EQ(on_time.status, 200) << on_time.body;
  EXPECT_EQ(Body(on_time)["daysLate"], 0);
  setenv("KENEYA_TODAY", "2024-10-08", 1);
  Response late = step("district", unit_, "202409", "declare");
  ASSERT_EQ(late.status, 200) << late.body;
  EXPECT_EQ(Body(late)["daysLate"], 3);
  EXPECT_TRUE(Body(late)["declaredOnBehalf"]);
  // The verifier finds a gap at Koko II: two fewer than declared.
  const json form = Body(
      Call("verif", "GET", "/api/forms", nullptr,
           {{"dataSet", set}, {"orgUnit", koko}, {"period", "202409"}, {"state", "verified"}}));
  json gap_cell;
  for (const json& cell : form["cells"]) {
    if (gap_cell.is_null() && cell["value"].is_string() &&
        std::atoi(cell["value"].get<std::string>().c_str()) > 5) {
      gap_cell = cell;
    }
  }
  ASSERT_FALSE(gap_cell.is_null()) << form.dump();
  const int verified = std::atoi(gap_cell["value"].get<std::string>().c_str()) - 2;
  Response typed = Call("verif", "PUT", "/api/values",
                        json{{"dataElement", gap_cell["dataElement"]},
                             {"categoryOptionCombo", gap_cell["categoryOptionCombo"]},
                             {"orgUnit", koko},
                             {"period", "202409"},
                             {"state", "verified"},
                             {"value", std::to_string(verified)},
                             {"version", gap_cell["version"]}});
  ASSERT_EQ(typed.status, 200) << typed.body;
  for (const std::string& unit : {koko, unit_}) {
    ASSERT_EQ(step("verif", unit, "202409", "verify").status, 200) << unit;
    ASSERT_EQ(step("verif", unit, "202409", "issue_report").status, 200) << unit;
  }
  const json report = Body(Call("chef", "GET", path(koko, "202409")))["report"];
  EXPECT_GE(report["gaps"].get<int>(), 1) << report.dump();
  // Koko II contests, the verifier answers; the other's window runs out: accepted.
  setenv("KENEYA_TODAY", "2024-10-10", 1);
  ASSERT_EQ(step("chef", koko, "202409", "contest", "Le registre montre le nombre déclaré").status,
            200);
  ASSERT_EQ(step("verif", koko, "202409", "answer", "Recompté : deux doublons").status, 200);
  setenv("KENEYA_TODAY", "2024-10-25", 1);
  EXPECT_EQ(Body(Call("district", "GET", path(unit_, "202409")))["status"], "accepted");
  for (const std::string& unit : {koko, unit_}) {
    Response validated = step("district", unit, "202409", "validate");
    ASSERT_EQ(validated.status, 200) << validated.body;
  }
  // The rest of the quarter: Koko II's whole; the other CSCOM's August never declared.
  testing::ValidateQuarter(*data_, *store_, testing::kKokoCode, "2024Q3", {"202409"});
  ASSERT_FALSE(HasFatalFailure());
  testing::ValidateQuarter(*data_, *store_, facility_, "2024Q3", {"202408", "202409"});
  ASSERT_FALSE(HasFatalFailure());
  setenv("KENEYA_TODAY", "2025-01-20", 1);

  // The run: started by one, approval refused to them, approved by another, published.
  Response queued =
      Call("cellule", "POST", "/api/runs", json{{"program", "FBR_MALI"}, {"period", "2024Q3"}});
  ASSERT_EQ(queued.status, 202) << queued.body;
  RunJobs();
  const int64_t run =
      Body(Call("cellule", "GET",
                "/api/jobs/" + std::to_string(Body(queued)["id"].get<int64_t>())))["result"]["run"];
  const std::string workflow = "/api/runs/" + std::to_string(run) + "/workflow";
  json state = Body(Call("cellule", "GET", workflow));
  EXPECT_FALSE(state["mayApprove"]);
  // The other CSCOM is left out, for its August (every other facility never declared).
  json held;
  for (const json& left : state["leftOut"]) {
    if (left["facility"]["code"] == facility_) held = left;
    EXPECT_NE(left["facility"]["code"], testing::kKokoCode);
  }
  ASSERT_FALSE(held.is_null());
  EXPECT_EQ(held["reason"], "not_declared");
  EXPECT_EQ(held["period"], "202408");
  const std::string run_path = "/api/runs/" + std::to_string(run);
  Response own =
      Call("cellule", "POST", run_path + "/approve", json{{"version", state["version"]}});
  EXPECT_EQ(own.status, 403) << own.body;
  Response approved =
      Call(kApprover, "POST", run_path + "/approve", json{{"version", state["version"]}});
  ASSERT_EQ(approved.status, 200) << approved.body;
  Response published =
      Call("cellule", "POST", run_path + "/publish", json{{"version", Body(approved)["version"]}});
  ASSERT_EQ(published.status, 200) << published.body;
  EXPECT_TRUE(Body(published)["published"]);

  // Locked: an edit and an import of a value the run read are refused, naming the run.
  const json locked_form = Body(
      Call("verif", "GET", "/api/forms", nullptr,
           {{"dataSet", set}, {"orgUnit", koko}, {"period", "202409"}, {"state", "verified"}}));
  Response edit = Call("verif", "PUT", "/api/values",
                       json{{"dataElement", gap_cell["dataElement"]},
                            {"categoryOptionCombo", gap_cell["categoryOptionCombo"]},
                            {"orgUnit", koko},
                            {"period", "202409"},
                            {"state", "verified"},
                            {"value", "1"},
                            {"version", gap_cell["version"]}});
  EXPECT_EQ(edit.status, 409) << edit.body;
  Response import = api_->Handle(
      testing::ScriptRequest("cellule", "POST", "/api/dataValueSets", {{"state", "validated"}},
                             json{{"dataValues",
                                   {{{"dataElement", gap_cell["dataElement"]},
                                     {"period", "202409"},
                                     {"orgUnit", koko},
                                     {"value", "1"}}}}}
                                 .dump()));
  EXPECT_EQ(import.status, 409) << import.body;
  EXPECT_EQ(Body(import)["response"]["conflicts"][0]["errorCode"], "E7642") << import.body;

  // A stale edit is refused with the current value: two hands on one January cell.
  const json cell_key = {{"dataElement", data_->element},
                         {"orgUnit", koko},
                         {"period", "202501"},
                         {"state", "declared"}};
  json first = cell_key;
  first["value"] = "14";
  first["version"] = 0;
  ASSERT_EQ(Call("chef", "PUT", "/api/values", first).status, 200);
  json second = cell_key;
  second["value"] = "15";
  second["version"] = 0;  // read before the first save
  Response stale = Call("district", "PUT", "/api/values", second);
  EXPECT_EQ(stale.status, 409) << stale.body;
  EXPECT_EQ(Body(stale)["cell"]["value"], "14");
  EXPECT_EQ(Body(stale)["cell"]["storedBy"], "chef");

  // Paid in part, then in full; the approver may not pay.
  ConfirmedAccount();
  ASSERT_FALSE(HasFatalFailure());
  const std::string number = [&] {
    auto invoices = store_->InvoiceList(run, data_->OrgUnit(testing::kKokoCode)->id);
    return invoices.ok() && invoices->size() == 1u ? (*invoices)[0].number : std::string();
  }();
  ASSERT_FALSE(number.empty());
  const int64_t total = Payments(number)["total"];
  EXPECT_EQ(Pay(kApprover, number, 1000).status, 403);
  // (Koko II has no account: the payment waits for one.)
  EXPECT_EQ(Pay("paiement", number, 1000).status, 412);
  {
    const std::string accounts = "/api/facilities/" + koko + "/accounts";
    Response proposed = Call("paiement", "POST", accounts,
                             json{{"kind", "bank"},
                                  {"institution", "BNDA"},
                                  {"number", "ML102 01001 000123456789 55"},
                                  {"holder", "ASACO de Koko II"},
                                  {"reason", "RIB fourni par le trésorier"}});
    ASSERT_EQ(proposed.status, 201) << proposed.body;
    ASSERT_EQ(
        Call(kApprover, "POST",
             "/api/accounts/" + std::to_string(Body(proposed)["id"].get<int64_t>()) + "/confirm",
             json::object())
            .status,
        200);
  }
  ASSERT_EQ(Pay("paiement", number, total / 2).status, 201);
  Response full = Pay("paiement", number, total - total / 2, "2025-01-19", "VIR-002");
  ASSERT_EQ(full.status, 201) << full.body;
  EXPECT_EQ(Body(full)["state"], "paid");
  EXPECT_EQ(Body(Call("chef", "GET", path(koko, "202409")))["status"], "paid");

  // Reopened with a reason, kept in the run's trail.
  ASSERT_EQ(Reopen(run).status, 200);
  bool reason_kept = false;
  const json reopened = Body(Call("cellule", "GET", workflow));
  for (const json& event : reopened["events"]) {
    reason_kept = reason_kept ||
                  (event["action"] == "reopen" && event["reason"] ==
                                                      "Recomptage des accouchements demandé par "
                                                      "le district");
  }
  EXPECT_TRUE(reason_kept);
  const int64_t recomputed = ApprovedRun("2024Q3");
  const std::string renumbered = [&] {
    auto invoices = store_->InvoiceList(recomputed, data_->OrgUnit(testing::kKokoCode)->id);
    return invoices.ok() && invoices->size() == 1u ? (*invoices)[0].number : std::string();
  }();
  const json after = Payments(renumbered);
  EXPECT_EQ(after["paidBefore"], total);
  EXPECT_EQ(after["balance"], after["total"].get<int64_t>() - total);

  // August comes in late for the other CSCOM: paid in the next run as a catch-up, as computed
  // alone (Kati's envelope cut nobody in 2024Q3: nothing is cut).
  testing::ValidateQuarter(*data_, *store_, facility_, "2024Q3", {"202407", "202409", "2024Q3"});
  ASSERT_FALSE(HasFatalFailure());
  auto metadata = store_->LoadMetadata();
  ASSERT_TRUE(metadata.ok());
  auto version = fbr::ProgramToUse(*store_, *metadata, "FBR_MALI", *core::Period::Parse("2024Q3"),
                                   std::nullopt, false);
  ASSERT_TRUE(version.ok());
  fbr::ComputeOptions alone;
  const int32_t unit_id = data_->OrgUnit(facility_)->id;
  alone.include = [unit_id](int32_t org_unit) { return org_unit == unit_id; };
  auto computed = fbr::Compute(*store_, *metadata, *version, *core::Period::Parse("2024Q3"), alone);
  ASSERT_TRUE(computed.ok()) << computed.error().ToString();
  const int64_t asked = computed->invoices.invoices.at(0).total;
  testing::ValidateQuarter(*data_, *store_, testing::kKokoCode, "2024Q4");
  ASSERT_FALSE(HasFatalFailure());
  const int64_t next = ApprovedRun("2024Q4");
  const json next_state =
      Body(Call("cellule", "GET", "/api/runs/" + std::to_string(next) + "/workflow"));
  ASSERT_EQ(next_state["catchUps"].size(), 1u) << next_state.dump();
  EXPECT_EQ(next_state["catchUps"][0]["period"], "2024Q3");
  EXPECT_EQ(next_state["catchUps"][0]["total"], asked);
  const std::string caught = FacilityInvoice(next_state["catchUps"][0]["run"]);
  const json caught_payments = Payments(caught);
  EXPECT_EQ(caught_payments["balance"], asked);
  EXPECT_EQ(Body(Call("district", "GET", path(unit_, "202408")))["status"], "approved");
}

TEST_P(ApiSettlementTest, ApprovalSendsTheRunsResultsToTheNationalDhis2AsAJob) {
  io::testing::FakeDhis2 dhis2;
  ASSERT_TRUE(dhis2.Start().ok());
  io::Dhis2ClientOptions connection;
  connection.base_url = dhis2.url();
  connection.credentials = io::Dhis2Credentials::Basic("admin", "district");
  testing::ValidateQuarter(*data_, *store_, testing::kKokoCode, "2024Q3");
  ASSERT_FALSE(HasFatalFailure());
  Response queued =
      Call("cellule", "POST", "/api/runs", json{{"program", "FBR_MALI"}, {"period", "2024Q3"}});
  ASSERT_EQ(queued.status, 202);
  RunJobs();
  const int64_t run =
      Body(Call("cellule", "GET",
                "/api/jobs/" + std::to_string(Body(queued)["id"].get<int64_t>())))["result"]["run"];
  const std::string run_path = "/api/runs/" + std::to_string(run);
  // Not before approval.
  EXPECT_EQ(Call("cellule", "POST", run_path + "/push", json::object()).status, 412);
  const json state = Body(Call(kApprover, "GET", run_path + "/workflow"));
  Response approved = Call(kApprover, "POST", run_path + "/approve",
                           json{{"version", state["version"]}, {"pushToDhis2", true}});
  ASSERT_EQ(approved.status, 200) << approved.body;
  const int64_t push = Body(approved)["pushJob"]["id"];
  EXPECT_EQ(Body(approved)["pushJob"]["kind"], "dhis2_push");
  const std::string job_path = "/api/jobs/" + std::to_string(push);
  // A server without a national DHIS2 fails the job, saying so; the push is asked again.
  RunJobs();
  json failed = Body(Call("cellule", "GET", job_path));
  EXPECT_EQ(failed["state"], "failed");
  EXPECT_EQ(failed["error"]["message_id"], "fbr.job.no_dhis2");
  Response again = Call("cellule", "POST", run_path + "/push", json::object());
  ASSERT_EQ(again.status, 202) << again.body;
  EXPECT_EQ(Call("district", "POST", run_path + "/push", json::object()).status, 403);
  RunJobs(connection);
  const json pushed =
      Body(Call("cellule", "GET", "/api/jobs/" + std::to_string(Body(again)["id"].get<int64_t>())));
  EXPECT_EQ(pushed["state"], "succeeded") << pushed.dump();
  // DHIS2 holds Koko II's results: its total among them, to the franc.
  const std::string number =
      [&] {
        auto invoices = store_->InvoiceList(run, data_->OrgUnit(testing::kKokoCode)->id);
        return invoices.ok() && invoices->size() == 1u ? (*invoices)[0] : store::InvoiceRecord{};
      }()
          .number;
  const int64_t total = Body(Call("cellule", "GET", "/api/invoices/" + number))["total"];
  bool found = false;
  for (const io::testing::FakeValue& v : dhis2.values()) {
    found = found || (v.org_unit == data_->facility(testing::kKokoCode).uid &&
                      v.period == "2024Q3" && v.value == std::to_string(total));
  }
  EXPECT_TRUE(found) << dhis2.values().size() << " values received";
}

TEST_P(ApiSettlementTest, OnlyPublishedResultsArePublic) {
  testing::ValidateQuarter(*data_, *store_, testing::kKokoCode, "2024Q3");
  ASSERT_FALSE(HasFatalFailure());
  const int64_t run = ApprovedRun("2024Q3");
  auto published = [&](const std::string& query_period) {
    Response r = Call("", "GET", "/api/public/results", nullptr, {{"period", query_period}});
    EXPECT_EQ(r.status, 200) << r.body;
    return Body(r)["runs"];
  };
  EXPECT_TRUE(published("2024Q3").empty());  // approved, not published
  const std::string one = "/api/public/results/" + std::to_string(run);
  EXPECT_EQ(Call("", "GET", one).status, 404);  // as a run that does not exist
  const std::string path = "/api/runs/" + std::to_string(run);
  const json state = Body(Call("cellule", "GET", path + "/workflow"));
  ASSERT_EQ(Call("cellule", "POST", path + "/publish", json{{"version", state["version"]}}).status,
            200);
  const json runs = published("2024Q3");
  ASSERT_EQ(runs.size(), 1u);
  const json& result = runs[0];
  EXPECT_EQ(result["run"], run);
  const int64_t total = Body(Call("cellule", "GET", path))["total"];
  EXPECT_EQ(result["total"], total);
  int64_t by_region = 0;
  for (const json& region : result["regions"]) by_region += region["total"].get<int64_t>();
  EXPECT_EQ(by_region, total);
  EXPECT_EQ(result.dump().find(testing::kKokoCode), std::string::npos);  // no facility listed
  // Facility by facility: each invoice's total and the quality score it shows.
  Response detail = Call("", "GET", one);
  ASSERT_EQ(detail.status, 200) << detail.body;
  const json facilities = Body(detail)["facilities"];
  ASSERT_EQ(Body(detail)["shownLabels"], json::array({"Score qualité (%)"}));
  int64_t by_facility = 0;
  bool koko = false;
  for (const json& row : facilities) {
    by_facility += row["total"].get<int64_t>();
    if (row["facility"]["code"] != testing::kKokoCode) continue;
    koko = true;
    const std::string number = [&] {
      auto invoices = store_->InvoiceList(run, data_->OrgUnit(testing::kKokoCode)->id);
      return invoices.ok() && invoices->size() == 1u ? (*invoices)[0].number : std::string();
    }();
    const json invoice = Body(Call("cellule", "GET", "/api/invoices/" + number));
    EXPECT_EQ(row["total"], invoice["total"]);
    for (const json& line : invoice["lines"]) {
      if (line["kind"] == "info") {
        EXPECT_EQ(row["shown"][0], line["shown"]);
      }
    }
  }
  EXPECT_TRUE(koko);
  EXPECT_EQ(by_facility, total);
  EXPECT_TRUE(published("2024Q2").empty());
  EXPECT_EQ(Call("", "GET", "/api/public/results", nullptr, {{"period", "2024Q9"}}).status, 400);
  // Reopened: no longer the period's result.
  ASSERT_EQ(Reopen(run).status, 200);
  EXPECT_TRUE(published("2024Q3").empty());
  EXPECT_EQ(Call("", "GET", one).status, 404);
}

INSTANTIATE_TEST_SUITE_P(Engines, ApiSettlementTest,
                         ::testing::Values(Engine::kSqlite, Engine::kPostgres),
                         [](const auto& param_info) {
                           return store::testing::EngineName(param_info.param);
                         });

}  // namespace
}  // namespace keneya::http
