#include "fbr/payments.h"

#include <algorithm>
#include <cctype>
#include <fstream>
#include <map>
#include <tuple>

#include "auth/roles.h"
#include "core/csv.h"
#include "core/date.h"
#include "fbr/stored_invoices.h"
#include "io/xlsx_workbook.h"

namespace keneya::fbr {

using core::Message;
using core::Result;
using core::Status;

namespace {

constexpr size_t kMaxName = 200;
constexpr size_t kMaxReason = 1000;
constexpr size_t kMaxReference = 100;

std::string Trimmed(std::string_view text) {
  size_t first = 0, last = text.size();
  while (first < last && std::isspace(static_cast<unsigned char>(text[first]))) ++first;
  while (last > first && std::isspace(static_cast<unsigned char>(text[last - 1]))) --last;
  return std::string(text.substr(first, last - first));
}

// A required text field, trimmed: InvalidArgument (where: `field`) when empty or too long.
Result<std::string> Required(std::string_view text, std::string_view field, size_t max) {
  std::string value = Trimmed(text);
  if (value.empty()) {
    return core::InvalidArgument(Message("fbr.payment.field_missing", {{"field", field}}),
                                 std::string(field));
  }
  if (value.size() > max) {
    return core::InvalidArgument(
        Message("fbr.payment.field_too_long", {{"field", field}, {"max", max}}),
        std::string(field));
  }
  return value;
}

// An IBAN's check digits hold: the number moved and read as digits (letters 10..35) is 1 mod 97.
bool IbanChecks(const std::string& iban) {
  const std::string moved = iban.substr(4) + iban.substr(0, 4);
  int remainder = 0;
  for (char c : moved) {
    const int value = std::isdigit(static_cast<unsigned char>(c)) ? c - '0' : c - 'A' + 10;
    remainder = value >= 10 ? (remainder * 100 + value) % 97 : (remainder * 10 + value) % 97;
  }
  return remainder == 1;
}

const core::OrgUnit* FacilityOf(const Sight& sight, int32_t org_unit) {
  return sight.directory().OrgUnitById(org_unit);
}

// The facility (uid or code) when the user may do `action` on its payments: NotFound outside the
// scope, PermissionDenied inside it without the action.
Result<const core::OrgUnit*> PaymentPlace(const Sight& sight, std::string_view key,
                                          auth::Action action, std::string_view where) {
  const core::OrgUnit* unit = sight.directory().OrgUnit(key);
  if (unit == nullptr || !sight.Allows(*unit, auth::Resource::kPayment)) {
    return UnknownOrUnseen(key, where);
  }
  if (action != auth::Action::kRead) {
    KENEYA_RETURN_IF_ERROR(auth::Authorize(sight.user(), auth::Resource::kPayment, action, unit));
  }
  return unit;
}

core::Error NoInvoice(std::string_view number) {
  return core::NotFound(Message("fbr.invoice.no_invoice", {{"number", number}}),
                        Message("fbr.place.invoice"));
}

// Everything standings are computed from, for one facility or all of them.
struct LedgerData {
  std::vector<store::InvoiceRecord> invoices;
  std::map<int64_t, store::InvoiceRunRecord> runs;
  std::map<int64_t, store::RunWorkflowRecord> workflows;
  std::vector<store::PaymentRecord> payments;
  std::vector<store::RecoveryDecisionRecord> decisions;
};

// org_unit 0: every facility.
Result<LedgerData> LoadLedgerData(store::Store& store, int32_t org_unit) {
  LedgerData data;
  KENEYA_ASSIGN_OR_RETURN(data.invoices, store.InvoiceList(0, org_unit));
  KENEYA_ASSIGN_OR_RETURN(std::vector<store::RunWorkflowRecord> workflows, store.RunWorkflows());
  for (store::RunWorkflowRecord& w : workflows) data.workflows.emplace(w.run_id, std::move(w));
  KENEYA_ASSIGN_OR_RETURN(std::vector<store::InvoiceRunRecord> runs, store.InvoiceRuns());
  for (store::InvoiceRunRecord& r : runs) {
    if (data.workflows.count(r.id) != 0) data.runs.emplace(r.id, std::move(r));
  }
  KENEYA_ASSIGN_OR_RETURN(data.payments, store.Payments(org_unit));
  KENEYA_ASSIGN_OR_RETURN(data.decisions, store.RecoveryDecisions(org_unit));
  return data;
}

// Every invoice of a run in the workflow, with its standing, by invoice id.
std::vector<InvoiceStanding> Standings(const LedgerData& data) {
  std::map<int64_t, int64_t> paid, recovered;
  for (const store::PaymentRecord& p : data.payments) {
    paid[p.invoice_id] += p.amount;
    if (p.kind == "offset") recovered[p.from_invoice] += p.amount;
  }
  std::map<int64_t, const store::RecoveryDecisionRecord*> decision;
  for (const store::RecoveryDecisionRecord& d : data.decisions) decision[d.invoice_id] = &d;

  // Chains: one facility, program, payment rule and period; oldest run first.
  using ChainKey = std::tuple<int32_t, std::string, std::string, int32_t>;
  std::map<ChainKey, std::vector<const store::InvoiceRecord*>> chains;
  for (const store::InvoiceRecord& invoice : data.invoices) {
    auto run = data.runs.find(invoice.run_id);
    if (run == data.runs.end()) continue;  // a draft run's: never paid
    chains[{invoice.org_unit, run->second.program_code, run->second.payment_code,
            run->second.period}]
        .push_back(&invoice);
  }
  std::vector<InvoiceStanding> out;
  for (auto& [key, chain] : chains) {
    std::sort(chain.begin(), chain.end(),
              [](const auto* a, const auto* b) { return a->run_id < b->run_id; });
    std::vector<int64_t> ids;
    for (const store::InvoiceRecord* invoice : chain) ids.push_back(invoice->id);
    int64_t before = 0;
    for (size_t i = 0; i < chain.size(); ++i) {
      const store::InvoiceRecord& invoice = *chain[i];
      InvoiceStanding s;
      s.invoice = invoice;
      s.invoice.lines_json.clear();
      s.invoice.snapshot_json.clear();
      s.run = data.runs.at(invoice.run_id);
      const store::RunWorkflowRecord& workflow = data.workflows.at(invoice.run_id);
      s.run_status = workflow.status;
      s.approved_by = workflow.approved_by;
      s.paid_before = before;
      s.paid = paid[invoice.id];
      s.recovered = recovered[invoice.id];
      s.balance = invoice.total - s.paid_before - s.paid + s.recovered;
      s.chain = ids;
      if (auto d = decision.find(invoice.id); d != decision.end()) s.decision = *d->second;
      if (i + 1 < chain.size()) {
        s.state = PaymentState::kReplaced;
      } else if (s.run_status != "approved") {
        s.state = PaymentState::kNotPayable;
      } else if (s.balance < 0) {
        s.state = s.decision && s.decision->decision == "waive" ? PaymentState::kWaived
                                                                : PaymentState::kToRecover;
      } else if (s.balance == 0) {
        s.state = PaymentState::kPaid;
      } else {
        s.state = s.paid_before + s.paid - s.recovered == 0 ? PaymentState::kUnpaid
                                                            : PaymentState::kPartlyPaid;
      }
      before += s.paid - s.recovered;
      out.push_back(std::move(s));
    }
  }
  std::sort(out.begin(), out.end(),
            [](const auto& a, const auto& b) { return a.invoice.id < b.invoice.id; });
  return out;
}

// A facility's ledger from its data (payments not yet stored included: a statement's earlier
// lines), what it saw of its payments and decisions, and its confirmed account.
FacilityLedger LedgerFrom(const LedgerData& data,
                          const std::optional<store::PaymentAccountRecord>& account) {
  FacilityLedger ledger;
  ledger.invoices = Standings(data);
  ledger.payments = data.payments;
  for (const store::PaymentRecord& p : ledger.payments) {
    ledger.seen.payment = std::max(ledger.seen.payment, p.id);
  }
  for (const store::RecoveryDecisionRecord& d : data.decisions) {
    ledger.seen.decision = std::max(ledger.seen.decision, d.id);
  }
  ledger.account = account;
  return ledger;
}

Result<std::optional<store::PaymentAccountRecord>> ConfirmedAccount(store::Store& store,
                                                                    int32_t org_unit) {
  KENEYA_ASSIGN_OR_RETURN(std::vector<store::PaymentAccountRecord> accounts,
                          store.PaymentAccounts(org_unit, /*confirmed_only=*/true));
  if (accounts.empty()) return std::optional<store::PaymentAccountRecord>();
  return std::optional<store::PaymentAccountRecord>(accounts.front());
}

Result<FacilityLedger> LoadLedger(store::Store& store, int32_t org_unit) {
  KENEYA_ASSIGN_OR_RETURN(LedgerData data, LoadLedgerData(store, org_unit));
  KENEYA_ASSIGN_OR_RETURN(auto account, ConfirmedAccount(store, org_unit));
  return LedgerFrom(data, account);
}

// What a payment of `standing` would first recover from the facility's other invoices.
int64_t Deduction(const FacilityLedger& ledger, const InvoiceStanding& standing) {
  if (standing.balance <= 0) return 0;
  int64_t owed = 0;
  for (const InvoiceStanding* other : ledger.ToRecover()) owed -= other->balance;
  return std::min(owed, standing.balance);
}

bool Payable(const InvoiceStanding& s) {
  return s.state == PaymentState::kUnpaid || s.state == PaymentState::kPartlyPaid;
}

Result<InvoicePayments> PaymentsOf(store::Store& store, const Sight& sight,
                                   const store::InvoiceRecord& invoice,
                                   const core::OrgUnit* facility) {
  KENEYA_ASSIGN_OR_RETURN(FacilityLedger ledger, LoadLedger(store, invoice.org_unit));
  InvoicePayments out;
  out.facility = facility;
  const InvoiceStanding* standing = ledger.Find(invoice.id);
  if (standing == nullptr) {
    // A draft run's invoice: shown as it is, never payable.
    out.standing.invoice = invoice;
    KENEYA_ASSIGN_OR_RETURN(out.standing.run, FindRun(store, invoice.run_id));
    out.standing.run_status = "draft";
    out.standing.balance = invoice.total;
    out.standing.chain = {invoice.id};
    out.chain_numbers = {invoice.number};
    out.numbers[invoice.id] = invoice.number;
    return out;
  }
  out.standing = *standing;
  for (int64_t id : standing->chain) {
    const InvoiceStanding* link = ledger.Find(id);
    if (link != nullptr) out.chain_numbers.push_back(link->invoice.number);
  }
  for (const store::PaymentRecord& p : ledger.payments) {
    const bool on_chain = std::find(standing->chain.begin(), standing->chain.end(), p.invoice_id) !=
                          standing->chain.end();
    const bool recovers = std::find(standing->chain.begin(), standing->chain.end(),
                                    p.from_invoice) != standing->chain.end();
    if (on_chain || recovers) out.payments.push_back(p);
  }
  for (const InvoiceStanding& s : ledger.invoices) out.numbers[s.invoice.id] = s.invoice.number;
  out.account = ledger.account;
  if (Payable(*standing)) {
    out.deduction = Deduction(ledger, *standing);
    out.due_now = standing->balance - out.deduction;
  }
  out.may_pay = Payable(*standing) && ledger.account.has_value() &&
                sight.Allows(*facility, auth::Resource::kPayment, auth::Action::kWrite) &&
                standing->approved_by != sight.user().name;
  out.may_decide =
      (standing->state == PaymentState::kToRecover || standing->state == PaymentState::kWaived) &&
      sight.Everywhere(auth::Resource::kInvoiceRun, auth::Action::kWrite);
  return out;
}

// The invoice and its facility, when the user may read the facility's payments.
Result<std::pair<store::InvoiceRecord, const core::OrgUnit*>> PaymentInvoice(
    store::Store& store, const Sight& sight, std::string_view number) {
  KENEYA_ASSIGN_OR_RETURN(std::optional<store::InvoiceRecord> invoice, store.GetInvoice(number));
  if (!invoice) return NoInvoice(number);
  const core::OrgUnit* facility = FacilityOf(sight, invoice->org_unit);
  if (facility == nullptr || !sight.Allows(*facility, auth::Resource::kPayment)) {
    return NoInvoice(number);
  }
  invoice->lines_json.clear();
  invoice->snapshot_json.clear();
  return std::make_pair(*std::move(invoice), facility);
}

}  // namespace

// ---- Accounts ----

Result<std::string> NormaliseAccountNumber(std::string_view kind, std::string_view number) {
  std::string compact;
  for (char c : number) {
    if (c == ' ' || c == '-' || c == '.') continue;
    compact += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  }
  if (kind == "bank") {
    auto all = [&](size_t from, size_t to, int (*test)(int)) {
      for (size_t i = from; i < to; ++i) {
        if (!test(static_cast<unsigned char>(compact[i]))) return false;
      }
      return true;
    };
    // A RIB of the UEMOA: a bank code of 5 letters or digits, then 19 digits (branch, account,
    // key).
    if (compact.size() == 24 && all(0, 5, std::isalnum) && all(5, 24, std::isdigit)) {
      return compact;
    }
    // An IBAN: a country's two letters, two check digits, then the RIB.
    if (compact.size() == 28 && all(0, 2, std::isalpha) && all(2, 4, std::isdigit) &&
        all(4, 9, std::isalnum) && all(9, 28, std::isdigit)) {
      if (!IbanChecks(compact)) {
        return core::InvalidArgument(Message("fbr.payment.bad_iban", {{"number", number}}),
                                     "number");
      }
      return compact;
    }
    return core::InvalidArgument(Message("fbr.payment.bad_rib", {{"number", number}}), "number");
  }
  if (kind == "mobile") {
    std::string digits = compact;
    if (digits.starts_with("+223")) {
      digits = digits.substr(4);
    } else if (digits.starts_with("00223")) {
      digits = digits.substr(5);
    }
    if (digits.size() == 8 && std::all_of(digits.begin(), digits.end(), [](char c) {
          return std::isdigit(static_cast<unsigned char>(c));
        })) {
      return "+223" + digits;
    }
    return core::InvalidArgument(Message("fbr.payment.bad_phone", {{"number", number}}), "number");
  }
  return core::InvalidArgument(Message("fbr.payment.bad_kind", {{"kind", kind}}), "kind");
}

Result<store::PaymentAccountRecord> ProposeAccount(store::Store& store, const Sight& sight,
                                                   const AccountProposal& proposal,
                                                   const store::Actor& actor) {
  KENEYA_ASSIGN_OR_RETURN(const core::OrgUnit* facility,
                          PaymentPlace(sight, proposal.facility, auth::Action::kWrite, "facility"));
  store::PaymentAccountRecord account;
  account.org_unit = facility->id;
  account.kind = Trimmed(proposal.kind);
  KENEYA_ASSIGN_OR_RETURN(account.number, NormaliseAccountNumber(account.kind, proposal.number));
  KENEYA_ASSIGN_OR_RETURN(account.institution,
                          Required(proposal.institution, "institution", kMaxName));
  KENEYA_ASSIGN_OR_RETURN(account.holder, Required(proposal.holder, "holder", kMaxName));
  KENEYA_ASSIGN_OR_RETURN(account.reason, Required(proposal.reason, "reason", kMaxReason));
  return store.ProposeAccount(account, actor);
}

Result<store::PaymentAccountRecord> DecideAccount(store::Store& store, const Sight& sight,
                                                  int64_t account_id, bool confirm,
                                                  std::string_view reason,
                                                  const store::Actor& actor) {
  const auto unknown = [&] {
    return core::NotFound(Message("fbr.payment.no_account_change", {{"account", account_id}}),
                          Message("store.account_place"));
  };
  KENEYA_ASSIGN_OR_RETURN(std::optional<store::PaymentAccountRecord> account,
                          store.GetPaymentAccount(account_id));
  if (!account) return unknown();
  const core::OrgUnit* facility = FacilityOf(sight, account->org_unit);
  if (facility == nullptr || !sight.Allows(*facility, auth::Resource::kPayment)) return unknown();
  KENEYA_RETURN_IF_ERROR(
      auth::Authorize(sight.user(), auth::Resource::kPayment, auth::Action::kWrite, facility));
  if (account->proposed_by == actor.user) {
    return core::PermissionDenied(Message("fbr.payment.account_own", {{"account", account_id}}),
                                  Message("store.account_place"));
  }
  std::string why = Trimmed(reason);
  if (!confirm && why.empty()) {
    return core::InvalidArgument(Message("fbr.payment.reject_reason"), "reason");
  }
  if (why.size() > kMaxReason) {
    return core::InvalidArgument(
        Message("fbr.payment.field_too_long", {{"field", "reason"}, {"max", kMaxReason}}),
        "reason");
  }
  return store.DecideAccount(account_id, confirm, why, actor);
}

Result<FacilityAccounts> GetAccounts(store::Store& store, const Sight& sight,
                                     std::string_view facility) {
  FacilityAccounts out;
  KENEYA_ASSIGN_OR_RETURN(out.facility,
                          PaymentPlace(sight, facility, auth::Action::kRead, "facility"));
  KENEYA_ASSIGN_OR_RETURN(out.history, store.PaymentAccounts(out.facility->id, false));
  for (const store::PaymentAccountRecord& a : out.history) {
    if (a.state == "confirmed") out.confirmed = a;
    if (a.state == "proposed") out.proposed = a;
  }
  return out;
}

// ---- Invoices' payments ----

std::string_view PaymentStateCode(PaymentState state) {
  switch (state) {
    case PaymentState::kNotPayable:
      return "not_payable";
    case PaymentState::kUnpaid:
      return "unpaid";
    case PaymentState::kPartlyPaid:
      return "partly_paid";
    case PaymentState::kPaid:
      return "paid";
    case PaymentState::kToRecover:
      return "to_recover";
    case PaymentState::kWaived:
      return "waived";
    case PaymentState::kReplaced:
      return "replaced";
  }
  return "not_payable";
}

Message PaymentStateText(PaymentState state) {
  switch (state) {
    case PaymentState::kNotPayable:
      return Message("fbr.payment.state.not_payable");
    case PaymentState::kUnpaid:
      return Message("fbr.payment.state.unpaid");
    case PaymentState::kPartlyPaid:
      return Message("fbr.payment.state.partly_paid");
    case PaymentState::kPaid:
      return Message("fbr.payment.state.paid");
    case PaymentState::kToRecover:
      return Message("fbr.payment.state.to_recover");
    case PaymentState::kWaived:
      return Message("fbr.payment.state.waived");
    case PaymentState::kReplaced:
      return Message("fbr.payment.state.replaced");
  }
  return Message("fbr.payment.state.not_payable");
}

const InvoiceStanding* FacilityLedger::Find(int64_t invoice_id) const {
  for (const InvoiceStanding& s : invoices) {
    if (s.invoice.id == invoice_id) return &s;
  }
  return nullptr;
}

std::vector<const InvoiceStanding*> FacilityLedger::ToRecover() const {
  std::vector<const InvoiceStanding*> out;
  for (const InvoiceStanding& s : invoices) {
    if (s.state == PaymentState::kToRecover) out.push_back(&s);
  }
  return out;
}

Result<InvoicePayments> GetInvoicePayments(store::Store& store, const Sight& sight,
                                           std::string_view number) {
  KENEYA_ASSIGN_OR_RETURN(auto found, PaymentInvoice(store, sight, number));
  return PaymentsOf(store, sight, found.first, found.second);
}

Result<FacilityLedger> GetFacilityLedger(store::Store& store, const Sight& sight,
                                         const core::OrgUnit& facility) {
  KENEYA_RETURN_IF_ERROR(auth::Authorize(sight.user(), auth::Resource::kPayment,
                                         auth::Action::kRead, &facility, facility.uid));
  return LoadLedger(store, facility.id);
}

namespace {

// What recording `request` on an invoice of the facility's ledger writes (the amounts to recover
// deducted first, then the transfer), after RecordPayment's checks but the user's rights.
Result<std::vector<store::PaymentRecord>> PaymentWrites(const FacilityLedger& ledger,
                                                        const store::InvoiceRecord& invoice,
                                                        const core::OrgUnit* facility,
                                                        const PaymentRequest& request,
                                                        const store::Actor& actor) {
  const InvoiceStanding* standing = ledger.Find(invoice.id);
  if (standing == nullptr || standing->run_status != "approved" ||
      standing->state == PaymentState::kReplaced) {
    if (standing != nullptr && standing->state == PaymentState::kReplaced) {
      const InvoiceStanding* newest = ledger.Find(standing->chain.back());
      return core::FailedPrecondition(
          Message("fbr.payment.replaced",
                  {{"number", invoice.number},
                   {"successor", newest != nullptr ? newest->invoice.number : ""}}),
          Message("fbr.place.invoice"));
    }
    return core::FailedPrecondition(
        Message("fbr.payment.not_approved",
                {{"number", invoice.number},
                 {"status", standing != nullptr ? standing->run_status : "draft"}}),
        Message("fbr.place.invoice"));
  }
  if (standing->approved_by == actor.user) {
    return core::PermissionDenied(Message("fbr.payment.approver", {{"run", standing->run.id}}),
                                  Message("store.payment_place"));
  }
  if (!ledger.account) {
    return core::FailedPrecondition(
        Message("fbr.payment.no_account", {{"facility", facility->name}}),
        Message("store.account_place"));
  }
  auto paid_on = core::Date::Parse(Trimmed(request.paid_on));
  if (!paid_on.ok()) return core::InvalidArgument(paid_on.error().text, "paidOn");
  if (core::Today() < *paid_on) {
    return core::InvalidArgument(
        Message("fbr.payment.future_date",
                {{"date", paid_on->ToString()}, {"today", core::Today().ToString()}}),
        "paidOn");
  }
  KENEYA_ASSIGN_OR_RETURN(std::string reference,
                          Required(request.reference, "reference", kMaxReference));
  if (!Payable(*standing)) {
    return core::FailedPrecondition(
        Message("fbr.payment.nothing_due",
                {{"number", invoice.number}, {"state", PaymentStateText(standing->state)}}),
        Message("fbr.place.invoice"));
  }
  const int64_t deduction = Deduction(ledger, *standing);
  const int64_t due = standing->balance - deduction;
  if (request.amount < 0 || (request.amount == 0 && deduction == 0)) {
    return core::InvalidArgument(
        Message("fbr.payment.not_positive", {core::Grouped("amount", request.amount)}), "amount");
  }
  if (request.amount > due) {
    return core::InvalidArgument(
        Message("fbr.payment.too_much",
                {core::Grouped("amount", request.amount), core::Grouped("due", due),
                 core::Grouped("deduction", deduction)}),
        "amount");
  }
  std::vector<store::PaymentRecord> writes;
  int64_t left = deduction;
  for (const InvoiceStanding* owed : ledger.ToRecover()) {
    if (left == 0) break;
    store::PaymentRecord offset;
    offset.invoice_id = invoice.id;
    offset.kind = "offset";
    offset.amount = std::min(left, -owed->balance);
    offset.paid_on = paid_on->ToString();
    offset.reference = owed->invoice.number;
    offset.from_invoice = owed->invoice.id;
    left -= offset.amount;
    writes.push_back(std::move(offset));
  }
  if (request.amount > 0) {
    store::PaymentRecord transfer;
    transfer.invoice_id = invoice.id;
    transfer.kind = "transfer";
    transfer.amount = request.amount;
    transfer.paid_on = paid_on->ToString();
    transfer.reference = reference;
    transfer.account_id = ledger.account->id;
    writes.push_back(std::move(transfer));
  }
  return writes;
}

}  // namespace

Result<InvoicePayments> RecordPayment(store::Store& store, const Sight& sight,
                                      const PaymentRequest& request, const store::Actor& actor) {
  KENEYA_ASSIGN_OR_RETURN(auto found, PaymentInvoice(store, sight, request.number));
  const auto& [invoice, facility] = found;
  KENEYA_RETURN_IF_ERROR(
      auth::Authorize(sight.user(), auth::Resource::kPayment, auth::Action::kWrite, facility));
  KENEYA_ASSIGN_OR_RETURN(FacilityLedger ledger, LoadLedger(store, invoice.org_unit));
  KENEYA_ASSIGN_OR_RETURN(std::vector<store::PaymentRecord> writes,
                          PaymentWrites(ledger, invoice, facility, request, actor));
  KENEYA_RETURN_IF_ERROR(store.RecordPayments(invoice.org_unit, writes, ledger.seen, actor));
  return PaymentsOf(store, sight, invoice, facility);
}

// ---- Bank statements ----

namespace {

// "250 000", "250000" (spaces, no-break spaces): whole francs, not negative.
std::optional<int64_t> StatementAmount(std::string_view text) {
  std::string digits;
  for (size_t i = 0; i < text.size(); ++i) {
    const unsigned char c = static_cast<unsigned char>(text[i]);
    if (c == ' ') continue;
    if (text.substr(i, 2) == "\xC2\xA0") {  // U+00A0
      ++i;
      continue;
    }
    if (text.substr(i, 3) == "\xE2\x80\xAF") {  // U+202F
      i += 2;
      continue;
    }
    if (!std::isdigit(c)) return std::nullopt;
    digits += static_cast<char>(c);
  }
  if (digits.empty() || digits.size() > 15) return std::nullopt;
  return std::stoll(digits);
}

// 2025-02-14 or 14/02/2025, as ISO; nullopt otherwise.
std::optional<std::string> StatementDate(std::string_view text) {
  std::string date = Trimmed(text);
  if (date.size() == 10 && date[2] == '/' && date[5] == '/') {
    date = date.substr(6, 4) + "-" + date.substr(3, 2) + "-" + date.substr(0, 2);
  }
  auto parsed = core::Date::Parse(date);
  if (!parsed.ok()) return std::nullopt;
  return parsed->ToString();
}

std::string Lower(std::string_view text) {
  std::string out = Trimmed(text);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// The statement's column a payment's field is read from (its error's `where`).
std::string ColumnOf(const std::string& where, const std::map<std::string, std::string>& names) {
  if (where == "amount") return names.at("amount");
  if (where == "paidOn") return names.at("date");
  if (where == "reference") return names.at("reference");
  return names.at("invoice");
}

}  // namespace

Result<Statement> ReadStatement(store::Store& store, const Sight& sight, std::string_view csv,
                                bool record, const store::Actor& actor) {
  if (!sight.Everywhere(auth::Resource::kPayment, auth::Action::kWrite)) {
    return auth::Authorize(auth::Principal{}, auth::Resource::kPayment, auth::Action::kWrite,
                           nullptr)
        .error();
  }
  Statement out;
  core::CsvParser parser(csv, "");
  std::vector<std::string_view> fields;
  auto problem = [&](int line, std::string column, Message text) {
    out.problems.push_back({line, std::move(column), std::move(text)});
  };
  // The header: each field's column, by the names French or English.
  KENEYA_ASSIGN_OR_RETURN(bool any, parser.Next(fields));
  const std::map<std::string, std::string> aliases = {
      {"facture", "invoice"},     {"invoice", "invoice"}, {"montant", "amount"},
      {"amount", "amount"},       {"date", "date"},       {"reference", "reference"},
      {"référence", "reference"}, {"ref", "reference"}};
  std::map<std::string, size_t> column;      // field -> index
  std::map<std::string, std::string> names;  // field -> the header's name
  std::string header;
  for (size_t i = 0; any && i < fields.size(); ++i) {
    header += (i > 0 ? ", " : "") + Trimmed(fields[i]);
    const auto alias = aliases.find(Lower(fields[i]));
    if (alias != aliases.end() && !column.contains(alias->second)) {
      column[alias->second] = i;
      names[alias->second] = Trimmed(fields[i]);
    }
  }
  for (const char* field : {"invoice", "amount", "date", "reference"}) {
    if (!column.contains(field)) {
      problem(1, "",
              Message("fbr.statement.missing_column",
                      {{"column", std::string(field) == "invoice"  ? "facture"
                                  : std::string(field) == "amount" ? "montant"
                                                                   : field},
                       {"columns", header}}));
    }
  }
  if (!out.problems.empty()) return out;

  // Each facility's ledger, read once and carried from line to line.
  struct Facility {
    LedgerData data;
    std::optional<store::PaymentAccountRecord> account;
    store::PaymentsSeen seen;
    std::vector<store::PaymentRecord> writes;
  };
  std::map<int32_t, Facility> facilities;
  std::vector<int32_t> order;  // facilities in the order of their first line
  while (true) {
    auto more = parser.Next(fields);
    if (!more.ok()) {
      problem(parser.line(), "", more.error().text);
      break;
    }
    if (!*more) break;
    const int line = parser.line();
    if (fields.size() == 1 && Trimmed(fields[0]).empty()) continue;  // a blank line
    if (out.lines.size() + out.problems.size() >= kMaxStatementLines) {
      problem(line, "", Message("fbr.statement.too_long", {{"max", kMaxStatementLines}}));
      break;
    }
    auto field = [&](const char* name) {
      const size_t i = column.at(name);
      return i < fields.size() ? Trimmed(fields[i]) : std::string();
    };
    StatementLine entry;
    entry.line = line;
    entry.request.number = field("invoice");
    entry.request.reference = field("reference");
    const std::string amount_text = field("amount"), date_text = field("date");
    const std::optional<int64_t> amount = StatementAmount(amount_text);
    if (!amount) {
      problem(line, names.at("amount"),
              Message("fbr.statement.bad_amount", {{"text", amount_text}}));
      continue;
    }
    entry.request.amount = *amount;
    const std::optional<std::string> date = StatementDate(date_text);
    if (!date) {
      problem(line, names.at("date"), Message("fbr.statement.bad_date", {{"text", date_text}}));
      continue;
    }
    entry.request.paid_on = *date;
    auto found = PaymentInvoice(store, sight, entry.request.number);
    if (!found.ok()) {
      problem(line, names.at("invoice"), found.error().text);
      continue;
    }
    const auto& [invoice, facility] = *found;
    entry.facility = facility;
    Status allowed =
        auth::Authorize(sight.user(), auth::Resource::kPayment, auth::Action::kWrite, facility);
    if (!allowed.ok()) {
      problem(line, names.at("invoice"), allowed.error().text);
      continue;
    }
    auto [it, fresh] = facilities.try_emplace(invoice.org_unit);
    Facility& f = it->second;
    if (fresh) {
      KENEYA_ASSIGN_OR_RETURN(f.data, LoadLedgerData(store, invoice.org_unit));
      KENEYA_ASSIGN_OR_RETURN(f.account, ConfirmedAccount(store, invoice.org_unit));
      f.seen = LedgerFrom(f.data, f.account).seen;
      order.push_back(invoice.org_unit);
    }
    // A transfer already recorded: the same statement read again.
    const auto recorded = std::find_if(
        f.data.payments.begin(), f.data.payments.end(), [&](const store::PaymentRecord& p) {
          return p.kind == "transfer" && p.invoice_id == invoice.id &&
                 p.reference == entry.request.reference;
        });
    if (recorded != f.data.payments.end()) {
      problem(line, names.at("reference"),
              Message("fbr.statement.already_recorded", {{"number", invoice.number},
                                                         {"reference", entry.request.reference},
                                                         {"date", recorded->paid_on}}));
      continue;
    }
    const FacilityLedger ledger = LedgerFrom(f.data, f.account);
    auto writes = PaymentWrites(ledger, invoice, facility, entry.request, actor);
    if (!writes.ok()) {
      problem(line, ColumnOf(writes.error().where, names), writes.error().text);
      continue;
    }
    for (const store::PaymentRecord& w : *writes) {
      if (w.kind == "offset") entry.deduction += w.amount;
      f.data.payments.push_back(w);
      f.writes.push_back(w);
    }
    const InvoiceStanding* after = LedgerFrom(f.data, f.account).Find(invoice.id);
    entry.balance = after != nullptr ? after->balance : 0;
    out.total += entry.request.amount;
    out.lines.push_back(std::move(entry));
  }
  if (out.lines.empty() && out.problems.empty()) {
    problem(0, "", Message("fbr.statement.empty"));
  }
  if (!record || !out.problems.empty()) return out;
  std::vector<store::FacilityPayments> batch;
  for (int32_t org_unit : order) {
    Facility& f = facilities.at(org_unit);
    if (!f.writes.empty()) batch.push_back({org_unit, std::move(f.writes), f.seen});
  }
  KENEYA_ASSIGN_OR_RETURN(std::vector<store::PaymentRecord> written,
                          store.RecordPaymentBatch(batch, actor));
  (void)written;
  out.recorded = true;
  return out;
}

Result<InvoicePayments> DecideRecovery(store::Store& store, const Sight& sight,
                                       std::string_view number, std::string_view decision,
                                       std::string_view reason, const store::Actor& actor) {
  if (!sight.Everywhere(auth::Resource::kInvoiceRun, auth::Action::kWrite)) {
    return auth::Authorize(auth::Principal{}, auth::Resource::kInvoiceRun, auth::Action::kWrite,
                           nullptr)
        .error();
  }
  KENEYA_ASSIGN_OR_RETURN(auto found, PaymentInvoice(store, sight, number));
  const auto& [invoice, facility] = found;
  if (decision != "deduct" && decision != "waive") {
    return core::InvalidArgument(Message("fbr.payment.bad_decision", {{"decision", decision}}),
                                 "decision");
  }
  std::string why = Trimmed(reason);
  if (why.empty()) return core::InvalidArgument(Message("fbr.payment.decision_reason"), "reason");
  if (why.size() > kMaxReason) {
    return core::InvalidArgument(
        Message("fbr.payment.field_too_long", {{"field", "reason"}, {"max", kMaxReason}}),
        "reason");
  }
  KENEYA_ASSIGN_OR_RETURN(FacilityLedger ledger, LoadLedger(store, invoice.org_unit));
  const InvoiceStanding* standing = ledger.Find(invoice.id);
  if (standing == nullptr ||
      (standing->state != PaymentState::kToRecover && standing->state != PaymentState::kWaived)) {
    return core::FailedPrecondition(
        Message("fbr.payment.nothing_to_recover", {{"number", invoice.number}}),
        Message("fbr.place.invoice"));
  }
  store::RecoveryDecisionRecord record;
  record.invoice_id = invoice.id;
  record.decision = std::string(decision);
  record.reason = why;
  KENEYA_RETURN_IF_ERROR(store.DecideRecovery(invoice.org_unit, record, ledger.seen, actor));
  return PaymentsOf(store, sight, invoice, facility);
}

Result<std::optional<InvoicedPeriod>> InvoicedPeriodOf(store::Store& store, int32_t org_unit,
                                                       const core::Period& period) {
  KENEYA_ASSIGN_OR_RETURN(LedgerData data, LoadLedgerData(store, org_unit));
  std::optional<InvoicedPeriod> out;
  for (const InvoiceStanding& s : Standings(data)) {
    if (s.state == PaymentState::kReplaced || s.run_status == "reopened") continue;
    auto run_period = core::Period::FromCode(s.run.period);
    if (!run_period.ok() || period.start() < run_period->start() ||
        run_period->end() < period.end()) {
      continue;
    }
    out = InvoicedPeriod{s.invoice.number, s.run_status, s.state};  // by id: the newest last
  }
  return out;
}

// ---- Payment orders ----

Result<PaymentOrder> GetPaymentOrder(store::Store& store, const Sight& sight, int64_t run_id) {
  if (!sight.Everywhere(auth::Resource::kPayment)) {
    return auth::Authorize(auth::Principal{}, auth::Resource::kPayment, auth::Action::kRead,
                           nullptr)
        .error();
  }
  KENEYA_ASSIGN_OR_RETURN(LedgerData data, LoadLedgerData(store, 0));
  PaymentOrder order;
  auto run = data.runs.find(run_id);
  const std::string status = run == data.runs.end() ? "draft" : data.workflows.at(run_id).status;
  if (run == data.runs.end() || status != "approved") {
    KENEYA_ASSIGN_OR_RETURN(std::vector<store::InvoiceRunRecord> all, store.InvoiceRuns());
    const bool known =
        std::any_of(all.begin(), all.end(), [&](const auto& r) { return r.id == run_id; });
    if (!known) {
      return core::NotFound(Message("fbr.invoice.no_run", {{"run", run_id}}),
                            Message("fbr.place.run"));
    }
    return core::FailedPrecondition(
        Message("fbr.payment.order_not_approved", {{"run", run_id}, {"status", status}}),
        Message("fbr.place.run"));
  }
  order.run = run->second;
  std::vector<InvoiceStanding> standings = Standings(data);
  KENEYA_ASSIGN_OR_RETURN(std::vector<store::PaymentAccountRecord> accounts,
                          store.PaymentAccounts(0, /*confirmed_only=*/true));
  std::map<int32_t, store::PaymentAccountRecord> account_of;
  for (store::PaymentAccountRecord& a : accounts) account_of.emplace(a.org_unit, std::move(a));
  // What each facility owes back, oldest first: deducted from its line.
  std::map<int32_t, int64_t> owed;
  for (const InvoiceStanding& s : standings) {
    if (s.state == PaymentState::kToRecover) owed[s.invoice.org_unit] -= s.balance;
  }
  std::map<int64_t, std::string> catch_up_of;  // the run's catch-ups, with their periods
  for (const auto& [id, workflow] : data.workflows) {
    if (workflow.catch_up_for != run_id) continue;
    auto period = core::Period::FromCode(data.runs.at(id).period);
    catch_up_of[id] = period.ok() ? period->ToString() : "";
  }
  for (const InvoiceStanding& s : standings) {
    const bool catch_up = catch_up_of.count(s.invoice.run_id) != 0;
    if ((s.invoice.run_id != run_id && !catch_up) || !Payable(s)) continue;
    PaymentOrderLine line;
    if (catch_up) line.catch_up_of = catch_up_of[s.invoice.run_id];
    line.facility = FacilityOf(sight, s.invoice.org_unit);
    if (line.facility == nullptr) continue;
    line.district = sight.directory().Ancestor(*line.facility, 3);
    line.invoice = s.invoice.number;
    line.total = s.invoice.total;
    line.paid = s.paid_before + s.paid - s.recovered;
    line.deduction = std::min(owed[s.invoice.org_unit], s.balance);
    line.amount = s.balance - line.deduction;
    if (auto a = account_of.find(s.invoice.org_unit); a != account_of.end()) {
      line.account = a->second;
      order.total += line.amount;
    } else {
      order.withheld += line.amount;
    }
    order.lines.push_back(std::move(line));
  }
  auto name = [](const core::OrgUnit* unit) { return unit != nullptr ? unit->name : ""; };
  std::sort(order.lines.begin(), order.lines.end(), [&](const auto& a, const auto& b) {
    return std::forward_as_tuple(name(a.district), a.facility->name) <
           std::forward_as_tuple(name(b.district), b.facility->name);
  });
  return order;
}

namespace {

std::vector<std::string> OrderHeadings(core::Language l) {
  std::vector<std::string> out;
  for (const char* id :
       {"fbr.payment.order.district", "fbr.payment.order.facility_code",
        "fbr.payment.order.facility", "fbr.payment.order.invoice", "fbr.payment.order.total",
        "fbr.payment.order.paid", "fbr.payment.order.deduction", "fbr.payment.order.amount",
        "fbr.payment.order.kind", "fbr.payment.order.institution", "fbr.payment.order.number",
        "fbr.payment.order.holder", "fbr.payment.order.note"}) {
    out.push_back(core::Text(l, id));
  }
  return out;
}

std::string KindText(const std::optional<store::PaymentAccountRecord>& a, core::Language l) {
  if (!a) return "";
  return core::Text(l, a->kind == "bank" ? "fbr.payment.kind.bank" : "fbr.payment.kind.mobile");
}

std::string NoteText(const PaymentOrderLine& line, core::Language l) {
  std::string note;
  auto add = [&](const std::string& text) { note += (note.empty() ? "" : " ; ") + text; };
  if (!line.catch_up_of.empty()) {
    add(core::Text(l, "fbr.payment.order.catch_up", {{"period", line.catch_up_of}}));
  }
  if (!line.account) add(core::Text(l, "fbr.payment.order.withheld"));
  if (line.deduction > 0) add(core::Text(l, "fbr.payment.order.deducted"));
  return note;
}

}  // namespace

Status WritePaymentOrder(const PaymentOrder& order, std::string_view format,
                         core::Language language, const std::string& path) {
  const std::vector<std::string> headings = OrderHeadings(language);
  auto text = [](const core::OrgUnit* unit) { return unit != nullptr ? unit->name : ""; };
  if (format == "csv") {
    std::ofstream out(path, std::ios::binary);
    for (size_t i = 0; i < headings.size(); ++i)
      out << (i ? "," : "") << core::CsvField(headings[i]);
    out << "\n";
    for (const PaymentOrderLine& line : order.lines) {
      const auto& a = line.account;
      out << core::CsvField(text(line.district)) << "," << core::CsvField(line.facility->code)
          << "," << core::CsvField(line.facility->name) << "," << core::CsvField(line.invoice)
          << "," << line.total << "," << line.paid << "," << line.deduction << "," << line.amount
          << "," << core::CsvField(KindText(a, language)) << ","
          << core::CsvField(a ? a->institution : "") << "," << core::CsvField(a ? a->number : "")
          << "," << core::CsvField(a ? a->holder : "") << ","
          << core::CsvField(NoteText(line, language)) << "\n";
    }
    out << ","
        << "," << core::CsvField(core::Text(language, "fbr.payment.order.total_line")) << ",,,,,"
        << order.total << ",,,,,\n";
    out.close();
    if (!out) {
      return core::Unavailable(core::Message("fbr.export.cannot_write_file"), path);
    }
    return core::OkStatus();
  }
  if (format != "xlsx") {
    return core::InvalidArgument(Message("fbr.payment.order.bad_format", {{"format", format}}),
                                 "format");
  }
  using Style = io::XlsxWorkbook::Style;
  KENEYA_ASSIGN_OR_RETURN(std::unique_ptr<io::XlsxWorkbook> book, io::XlsxWorkbook::Create(path));
  io::XlsxWorkbook::Sheet sheet = book->AddSheet(core::Text(language, "fbr.payment.order.sheet"));
  sheet.Headings(headings);
  int row = 1;
  for (const PaymentOrderLine& line : order.lines) {
    const auto& a = line.account;
    sheet.WriteText(row, 0, text(line.district));
    sheet.WriteText(row, 1, line.facility->code);
    sheet.WriteText(row, 2, line.facility->name);
    sheet.WriteText(row, 3, line.invoice);
    sheet.WriteNumber(row, 4, static_cast<double>(line.total), Style::kMoney);
    sheet.WriteNumber(row, 5, static_cast<double>(line.paid), Style::kMoney);
    sheet.WriteNumber(row, 6, static_cast<double>(line.deduction), Style::kMoney);
    sheet.WriteNumber(row, 7, static_cast<double>(line.amount), Style::kMoneyBold);
    sheet.WriteText(row, 8, KindText(a, language));
    sheet.WriteText(row, 9, a ? a->institution : "");
    sheet.WriteText(row, 10, a ? a->number : "");
    sheet.WriteText(row, 11, a ? a->holder : "");
    sheet.WriteText(row, 12, NoteText(line, language));
    ++row;
  }
  sheet.WriteText(row, 2, core::Text(language, "fbr.payment.order.total_line"), Style::kBold);
  sheet.WriteNumber(row, 7, static_cast<double>(order.total), Style::kMoneyBold);
  sheet.SetWidth(0, 0, 22);
  sheet.SetWidth(1, 1, 24);
  sheet.SetWidth(2, 2, 32);
  sheet.SetWidth(3, 3, 26);
  sheet.SetWidth(4, 7, 14);
  sheet.SetWidth(8, 12, 24);
  sheet.Freeze(1, 3);
  sheet.Filter(row - 1, 12);
  return book->Close();
}

}  // namespace keneya::fbr
