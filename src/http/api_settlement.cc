// The API's routes over the money once a run is approved (docs/PAYMENTS.md): facilities'
// accounts, proposed by one person and confirmed by another; the payments of an invoice and
// what remains due or to recover; a run's payment order for the bank. Each parses the request,
// calls one function of fbr/payments.h (which checks who may see and do what) and renders.
#include "core/text.h"
#include "core/timestamp.h"
#include "fbr/payments.h"
#include "http/api_internal.h"

namespace keneya::http {

using core::Message;
using core::Result;

namespace {

Json At(core::TimestampMs ms) { return ms == 0 ? Json(nullptr) : Json(core::FormatTimestamp(ms)); }

Json AccountJson(const store::PaymentAccountRecord& a, const fbr::Directory& directory,
                 core::Language language) {
  return {{"id", a.id},
          {"facility", BriefUnit(directory.OrgUnitById(a.org_unit))},
          {"kind", a.kind},
          {"kindLabel", core::Text(language, a.kind == "bank" ? "fbr.payment.kind.bank"
                                                              : "fbr.payment.kind.mobile")},
          {"institution", a.institution},
          {"number", a.number},
          {"holder", a.holder},
          {"state", a.state},
          {"reason", a.reason},
          {"proposedBy", a.proposed_by},
          {"proposedAt", At(a.proposed_at)},
          {"decidedBy", a.decided_by.empty() ? Json(nullptr) : Json(a.decided_by)},
          {"decidedAt", At(a.decided_at)},
          {"decidedReason", a.decided_reason}};
}

Json OptionalAccount(const std::optional<store::PaymentAccountRecord>& a,
                     const fbr::Directory& directory, core::Language language) {
  return a ? AccountJson(*a, directory, language) : Json(nullptr);
}

Result<Response> GetAccounts(Api::Call& call) {
  KENEYA_ASSIGN_OR_RETURN(const fbr::Sight* sight, call.Sight());
  KENEYA_ASSIGN_OR_RETURN(fbr::FacilityAccounts accounts,
                          fbr::GetAccounts(call.db(), *sight, call.Path("id")));
  const fbr::Directory& directory = sight->directory();
  Json history = Json::array();
  for (const auto& a : accounts.history)
    history.push_back(AccountJson(a, directory, call.language));
  return JsonResponse(200,
                      {{"facility", BriefUnit(accounts.facility)},
                       {"confirmed", OptionalAccount(accounts.confirmed, directory, call.language)},
                       {"proposed", OptionalAccount(accounts.proposed, directory, call.language)},
                       {"history", history}});
}

// {"kind": "bank", "institution": "BDM-SA", "number": "ML016...", "holder": "ASACO de Koko II",
//  "reason": "nouveau compte ouvert en janvier"}
Result<Response> ProposeAccount(Api::Call& call) {
  KENEYA_ASSIGN_OR_RETURN(const fbr::Sight* sight, call.Sight());
  KENEYA_ASSIGN_OR_RETURN(Json body, JsonBody(call));
  fbr::AccountProposal proposal;
  proposal.facility = call.Path("id");
  KENEYA_ASSIGN_OR_RETURN(proposal.kind, RequiredString(body, "kind"));
  KENEYA_ASSIGN_OR_RETURN(proposal.institution, RequiredString(body, "institution"));
  KENEYA_ASSIGN_OR_RETURN(proposal.number, RequiredString(body, "number"));
  KENEYA_ASSIGN_OR_RETURN(proposal.holder, RequiredString(body, "holder"));
  KENEYA_ASSIGN_OR_RETURN(proposal.reason, RequiredString(body, "reason"));
  KENEYA_ASSIGN_OR_RETURN(store::PaymentAccountRecord account,
                          fbr::ProposeAccount(call.db(), *sight, proposal, call.Actor()));
  return JsonResponse(201, AccountJson(account, sight->directory(), call.language));
}

// POST /api/accounts/{id}/confirm or /reject, {"reason": "..."}.
Result<Response> DecideAccount(Api::Call& call) {
  KENEYA_ASSIGN_OR_RETURN(const fbr::Sight* sight, call.Sight());
  KENEYA_ASSIGN_OR_RETURN(int64_t id, PathId(call, "id"));
  const std::string& action = call.Path("action");
  if (action != "confirm" && action != "reject") {
    return core::NotFound(Message("http.unknown_account_action", {{"action", action}}), "action");
  }
  KENEYA_ASSIGN_OR_RETURN(Json body, JsonBody(call));
  KENEYA_ASSIGN_OR_RETURN(auto reason, OptionalString(body, "reason"));
  KENEYA_ASSIGN_OR_RETURN(store::PaymentAccountRecord account,
                          fbr::DecideAccount(call.db(), *sight, id, action == "confirm",
                                             reason.value_or(""), call.Actor()));
  return JsonResponse(200, AccountJson(account, sight->directory(), call.language));
}

}  // namespace

Json PaymentJson(const store::PaymentRecord& p, const std::map<int64_t, std::string>& numbers) {
  auto number = [&](int64_t id) -> Json {
    auto it = id == 0 ? numbers.end() : numbers.find(id);
    return it != numbers.end() ? Json(it->second) : Json(nullptr);
  };
  return {{"id", p.id},
          {"invoice", number(p.invoice_id)},
          {"kind", p.kind},
          {"amount", p.amount},
          {"paidOn", p.paid_on},
          {"reference", p.reference},
          {"account", p.account_id == 0 ? Json(nullptr) : Json(p.account_id)},
          {"fromInvoice", number(p.from_invoice)},
          {"recordedBy", p.recorded_by},
          {"recordedAt", At(p.recorded_at)}};
}

namespace {

Json PaymentsJson(const fbr::InvoicePayments& paid, const fbr::Directory& directory,
                  core::Language language) {
  const fbr::InvoiceStanding& s = paid.standing;
  Json payments = Json::array();
  for (const store::PaymentRecord& p : paid.payments)
    payments.push_back(PaymentJson(p, paid.numbers));
  Json decision = nullptr;
  if (s.decision) {
    decision = {{"decision", s.decision->decision},
                {"reason", s.decision->reason},
                {"decidedBy", s.decision->decided_by},
                {"decidedAt", At(s.decision->decided_at)}};
  }
  return {{"number", s.invoice.number},
          {"facility", BriefUnit(paid.facility)},
          {"run", s.run.id},
          {"runStatus", s.run_status},
          {"total", s.invoice.total},
          {"paidBefore", s.paid_before},
          {"paid", s.paid},
          {"recovered", s.recovered},
          {"balance", s.balance},
          {"state", fbr::PaymentStateCode(s.state)},
          {"stateLabel", core::Render(fbr::PaymentStateText(s.state), language)},
          {"deduction", paid.deduction},
          {"dueNow", paid.due_now},
          {"decision", decision},
          {"chain", paid.chain_numbers},
          {"payments", payments},
          {"account", OptionalAccount(paid.account, directory, language)},
          {"mayPay", paid.may_pay},
          {"mayDecide", paid.may_decide}};
}

Result<Response> GetPayments(Api::Call& call) {
  KENEYA_ASSIGN_OR_RETURN(const fbr::Sight* sight, call.Sight());
  KENEYA_ASSIGN_OR_RETURN(fbr::InvoicePayments paid,
                          fbr::GetInvoicePayments(call.db(), *sight, call.Path("number")));
  return JsonResponse(200, PaymentsJson(paid, sight->directory(), call.language));
}

// {"amount": 250000, "paidOn": "2025-02-14", "reference": "VIR-BDM-0042"}
Result<Response> RecordPayment(Api::Call& call) {
  KENEYA_ASSIGN_OR_RETURN(const fbr::Sight* sight, call.Sight());
  KENEYA_ASSIGN_OR_RETURN(Json body, JsonBody(call));
  fbr::PaymentRequest request;
  request.number = call.Path("number");
  KENEYA_ASSIGN_OR_RETURN(auto amount, OptionalInteger(body, "amount"));
  if (!amount) {
    return core::InvalidArgument(Message("http.field_missing", {{"field", "amount"}}),
                                 "body.amount");
  }
  request.amount = *amount;
  KENEYA_ASSIGN_OR_RETURN(request.paid_on, RequiredString(body, "paidOn"));
  KENEYA_ASSIGN_OR_RETURN(request.reference, RequiredString(body, "reference"));
  KENEYA_ASSIGN_OR_RETURN(fbr::InvoicePayments paid,
                          fbr::RecordPayment(call.db(), *sight, request, call.Actor()));
  return JsonResponse(201, PaymentsJson(paid, sight->directory(), call.language));
}

// A bank statement's lines and problems, as POST /api/payments/statement[/check] answer them.
Json StatementJson(const fbr::Statement& statement, core::Language language) {
  Json lines = Json::array();
  for (const fbr::StatementLine& line : statement.lines) {
    lines.push_back({{"line", line.line},
                     {"invoice", line.request.number},
                     {"facility", BriefUnit(line.facility)},
                     {"amount", line.request.amount},
                     {"paidOn", line.request.paid_on},
                     {"reference", line.request.reference},
                     {"deduction", line.deduction},
                     {"balance", line.balance}});
  }
  Json problems = Json::array();
  for (const fbr::StatementProblem& problem : statement.problems) {
    problems.push_back({{"line", problem.line},
                        {"column", problem.column},
                        {"message", core::Render(problem.text, language)}});
  }
  return {{"ok", statement.problems.empty()},
          {"recorded", statement.recorded},
          {"total", statement.total},
          {"lines", lines},
          {"problems", problems}};
}

// {"csv": "facture,montant,date,reference\n..."}
Result<std::string> StatementText(Api::Call& call) {
  KENEYA_ASSIGN_OR_RETURN(Json body, JsonBody(call));
  return RequiredString(body, "csv");
}

// POST /api/payments/statement/check: every line checked as its payment would be, nothing
// recorded.
Result<Response> CheckStatement(Api::Call& call) {
  KENEYA_ASSIGN_OR_RETURN(const fbr::Sight* sight, call.Sight());
  KENEYA_ASSIGN_OR_RETURN(std::string csv, StatementText(call));
  KENEYA_ASSIGN_OR_RETURN(fbr::Statement statement,
                          fbr::ReadStatement(call.db(), *sight, csv, false, call.Actor()));
  return JsonResponse(200, StatementJson(statement, call.language));
}

// POST /api/payments/statement: every line recorded, or none (400 with the first problem).
Result<Response> RecordStatement(Api::Call& call) {
  KENEYA_ASSIGN_OR_RETURN(const fbr::Sight* sight, call.Sight());
  KENEYA_ASSIGN_OR_RETURN(std::string csv, StatementText(call));
  KENEYA_ASSIGN_OR_RETURN(fbr::Statement statement,
                          fbr::ReadStatement(call.db(), *sight, csv, true, call.Actor()));
  if (!statement.problems.empty()) {
    const fbr::StatementProblem& first = statement.problems.front();
    const Message place =
        first.column.empty()
            ? Message("fbr.statement.place_line", {{"line", first.line}})
            : Message("fbr.statement.place", {{"line", first.line}, {"column", first.column}});
    return core::MakeError(core::ErrorCode::kInvalidArgument,
                           Message("fbr.statement.problems",
                                   {{"count", static_cast<int64_t>(statement.problems.size())},
                                    {"first", core::Render(first.text, call.language)}}),
                           {place});
  }
  return JsonResponse(201, StatementJson(statement, call.language));
}

// {"decision": "waive", "reason": "..."}
Result<Response> DecideRecovery(Api::Call& call) {
  KENEYA_ASSIGN_OR_RETURN(const fbr::Sight* sight, call.Sight());
  KENEYA_ASSIGN_OR_RETURN(Json body, JsonBody(call));
  KENEYA_ASSIGN_OR_RETURN(std::string decision, RequiredString(body, "decision"));
  KENEYA_ASSIGN_OR_RETURN(auto reason, OptionalString(body, "reason"));
  KENEYA_ASSIGN_OR_RETURN(fbr::InvoicePayments paid,
                          fbr::DecideRecovery(call.db(), *sight, call.Path("number"), decision,
                                              reason.value_or(""), call.Actor()));
  return JsonResponse(200, PaymentsJson(paid, sight->directory(), call.language));
}

// GET /api/runs/{id}/payment-order?format=json|csv|xlsx
Result<Response> PaymentOrder(Api::Call& call) {
  KENEYA_ASSIGN_OR_RETURN(const fbr::Sight* sight, call.Sight());
  KENEYA_ASSIGN_OR_RETURN(int64_t id, PathId(call, "id"));
  std::string format = QueryText(call.request, "format");
  if (format.empty()) format = "json";
  if (format != "json" && format != "csv" && format != "xlsx") {
    return core::InvalidArgument(Message("fbr.payment.order.bad_format", {{"format", format}}),
                                 "format");
  }
  KENEYA_ASSIGN_OR_RETURN(fbr::PaymentOrder order, fbr::GetPaymentOrder(call.db(), *sight, id));
  if (format == "json") {
    Json lines = Json::array();
    for (const fbr::PaymentOrderLine& line : order.lines) {
      lines.push_back(
          {{"facility", BriefUnit(line.facility)},
           {"district", BriefUnit(line.district)},
           {"invoice", line.invoice},
           {"total", line.total},
           {"paid", line.paid},
           {"deduction", line.deduction},
           {"amount", line.amount},
           {"catchUpOf", line.catch_up_of.empty() ? Json(nullptr) : Json(line.catch_up_of)},
           {"account", OptionalAccount(line.account, sight->directory(), call.language)}});
    }
    return JsonResponse(200, {{"run", order.run.id},
                              {"period", core::Period::FromCode(order.run.period).ok()
                                             ? core::Period::FromCode(order.run.period)->ToString()
                                             : ""},
                              {"total", order.total},
                              {"withheld", order.withheld},
                              {"lines", lines}});
  }
  KENEYA_ASSIGN_OR_RETURN(std::string path, TemporaryFile("." + format));
  const RemoveOnExit remove(path);
  KENEYA_RETURN_IF_ERROR(fbr::WritePaymentOrder(order, format, call.language, path));
  return FileResponse(path,
                      format == "csv" ? "text/csv; charset=utf-8"
                                      : "application/vnd.openxmlformats-officedocument."
                                        "spreadsheetml.sheet",
                      "ordre-de-paiement-" + std::to_string(id) + "." + format);
}

}  // namespace

void AddSettlementRoutes(std::vector<Api::Route>& routes) {
  using Who = Api::Route::Who;
  using Body = Api::Route::Body;
  routes.insert(
      routes.end(),
      {
          {"GET", "/api/facilities/{id}/accounts", Who::kSignedIn, Body::kSmall, GetAccounts},
          {"POST", "/api/facilities/{id}/accounts", Who::kSignedIn, Body::kSmall, ProposeAccount},
          {"POST", "/api/accounts/{id}/{action}", Who::kSignedIn, Body::kSmall, DecideAccount},
          {"GET", "/api/invoices/{number}/payments", Who::kSignedIn, Body::kSmall, GetPayments},
          {"POST", "/api/invoices/{number}/payments", Who::kSignedIn, Body::kSmall, RecordPayment},
          {"POST", "/api/invoices/{number}/recovery", Who::kSignedIn, Body::kSmall, DecideRecovery},
          {"GET", "/api/runs/{id}/payment-order", Who::kSignedIn, Body::kSmall, PaymentOrder},
          {"POST", "/api/payments/statement/check", Who::kSignedIn, Body::kSmall, CheckStatement},
          {"POST", "/api/payments/statement", Who::kSignedIn, Body::kSmall, RecordStatement},
      });
}

}  // namespace keneya::http
