// Payments (docs/PAYMENTS.md): each facility's account, the payments of its invoices, what an
// invoice still owes or is owed after a run is reopened and computed again, and a run's payment
// order for the bank.
//
// An invoice belongs to a chain: the invoices of one facility for one program's payment rule and
// period, one per run of that period in the workflow, the newest current. A payment stays with
// the invoice it paid; the next invoice of the chain counts it as already paid:
//
//   balance = total - paid before (on the chain's earlier invoices, net) - paid on it
//             + what its over-payment already recovered on later payments
//
// A positive balance is due; a negative one is an amount to recover, which the facility's next
// payment deducts ("offset") unless the national unit waives it.
//
//   KENEYA_ASSIGN_OR_RETURN(InvoicePayments paid,
//                           RecordPayment(store, sight, {"FBR_MALI-2024Q4-00012", 250000,
//                                                        "2025-02-14", "VIR-BDM-0042"}, actor));
#ifndef KENEYA_FBR_PAYMENTS_H_
#define KENEYA_FBR_PAYMENTS_H_

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/period.h"
#include "core/result.h"
#include "fbr/directory.h"
#include "store/store.h"

namespace keneya::fbr {

// ---- Accounts ----

struct AccountProposal {
  std::string facility;     // uid or code
  std::string kind;         // "bank" or "mobile"
  std::string institution;  // the bank or the operator
  std::string number;       // a RIB (24 characters) or IBAN; a phone number (+223 and 8 digits)
  std::string holder;       // whose account
  std::string reason;       // why it changes
};

// A RIB or IBAN, or a Malian phone number, written the one way Keneya stores it ("ML016 01201
// 020100000234 37" -> "ML01601201020100000234 37" without spaces; "76 12 34 56" ->
// "+22376123456"). InvalidArgument (where: "number") when it is neither.
core::Result<std::string> NormaliseAccountNumber(std::string_view kind, std::string_view number);

// Proposes a facility's account: payment W at the facility. InvalidArgument for a bad field
// (where: its name), Conflict when a proposal already waits.
core::Result<store::PaymentAccountRecord> ProposeAccount(store::Store& store, const Sight& sight,
                                                         const AccountProposal& proposal,
                                                         const store::Actor& actor);

// Confirms or rejects a proposed account: payment W at the facility, by another person than the
// one who proposed it (PermissionDenied). A rejection needs a reason. NotFound for an unknown
// account or one outside the user's scope; Conflict when it was decided already.
core::Result<store::PaymentAccountRecord> DecideAccount(store::Store& store, const Sight& sight,
                                                        int64_t account_id, bool confirm,
                                                        std::string_view reason,
                                                        const store::Actor& actor);

struct FacilityAccounts {
  const core::OrgUnit* facility = nullptr;
  std::optional<store::PaymentAccountRecord> confirmed;
  std::optional<store::PaymentAccountRecord> proposed;
  std::vector<store::PaymentAccountRecord> history;  // newest first, the two above included
};
// A facility's accounts: payment R at the facility (NotFound outside the scope).
core::Result<FacilityAccounts> GetAccounts(store::Store& store, const Sight& sight,
                                           std::string_view facility);

// ---- Invoices' payments ----

enum class PaymentState {
  kNotPayable,  // its run is not approved yet (or was reopened before anything was paid)
  kUnpaid,
  kPartlyPaid,
  kPaid,
  kToRecover,  // paid beyond its amount: the excess is deducted from the next payments
  kWaived,     // paid beyond its amount, and the national unit decided not to recover it
  kReplaced,   // a newer invoice of its chain replaces it: its payments count there
};
std::string_view PaymentStateCode(PaymentState state);  // "partly_paid"...
core::Message PaymentStateText(PaymentState state);

struct InvoiceStanding {
  store::InvoiceRecord invoice;  // without its lines and snapshot
  store::InvoiceRunRecord run;
  std::string run_status;   // "computed", "approved", "reopened"
  std::string approved_by;  // who approved the run
  int64_t paid_before = 0;  // net, on the chain's earlier invoices
  int64_t paid = 0;         // transfers and offsets received on this invoice
  int64_t recovered = 0;    // its over-payment set against later payments
  int64_t balance = 0;      // > 0 due, < 0 to recover
  PaymentState state = PaymentState::kNotPayable;
  std::optional<store::RecoveryDecisionRecord> decision;  // the last about this invoice
  std::vector<int64_t> chain;  // the chain's invoice ids, oldest first (this one included)
};

// One facility's invoices in the workflow with their standing, and the rest of what its payments
// need.
struct FacilityLedger {
  std::vector<InvoiceStanding> invoices;               // by invoice id
  std::vector<store::PaymentRecord> payments;          // by id
  std::optional<store::PaymentAccountRecord> account;  // the confirmed account
  store::PaymentsSeen seen;
  const InvoiceStanding* Find(int64_t invoice_id) const;
  // Amounts to recover, oldest first: current invoices of approved runs paid beyond their
  // amount, not waived.
  std::vector<const InvoiceStanding*> ToRecover() const;
};

// What an invoice's payments page shows: its standing, the payments of its chain, the facility's
// account, what the next payment would deduct, and what the user may do.
struct InvoicePayments {
  const core::OrgUnit* facility = nullptr;
  InvoiceStanding standing;
  std::vector<store::PaymentRecord> payments;  // on the chain's invoices, by id
  std::vector<std::string> chain_numbers;      // the chain's invoice numbers, oldest first
  std::map<int64_t, std::string> numbers;      // the facility's invoices' numbers, by id
  std::optional<store::PaymentAccountRecord> account;
  int64_t deduction = 0;    // what a payment now would first recover from other invoices
  int64_t due_now = 0;      // balance - deduction, when payable (0 otherwise)
  bool may_pay = false;     // the user may record a payment now
  bool may_decide = false;  // the user may decide about an amount to recover
};

// An invoice's payments: payment R at its facility (NotFound otherwise, as for its invoice).
core::Result<InvoicePayments> GetInvoicePayments(store::Store& store, const Sight& sight,
                                                 std::string_view number);

// A facility's invoices in the workflow with their standing (paid, balance) and its payments,
// for its card: payment R at the facility (PermissionDenied otherwise).
core::Result<FacilityLedger> GetFacilityLedger(store::Store& store, const Sight& sight,
                                               const core::OrgUnit& facility);

struct PaymentRequest {
  std::string number;     // the invoice
  int64_t amount = 0;     // francs CFA sent now (0: only the deduction, when there is one)
  std::string paid_on;    // "2025-02-14", not after today
  std::string reference;  // the bank's or operator's reference
};

// Records a payment of an invoice: payment W at the facility, never by the one who approved its
// run (PermissionDenied: separation of duties). The invoice must be the current one of an
// approved run (FailedPrecondition otherwise), the facility must have a confirmed account, and
// the amount may not exceed what is due once amounts to recover are deducted (InvalidArgument,
// where: "amount"). The deduction is recorded with it, in one transaction.
core::Result<InvoicePayments> RecordPayment(store::Store& store, const Sight& sight,
                                            const PaymentRequest& request,
                                            const store::Actor& actor);

// What the national unit decides about an invoice paid beyond its amount: "deduct" it from the
// next payments (the rule) or "waive" it (with a reason). invoice_run W everywhere.
core::Result<InvoicePayments> DecideRecovery(store::Store& store, const Sight& sight,
                                             std::string_view number, std::string_view decision,
                                             std::string_view reason, const store::Actor& actor);

// Where the money of a facility's period stands: the newest current invoice whose run's period
// holds `period` (a month or quarter), in a run not reopened; nullopt when none. What the
// workflow shows past validation: invoiced, approved, paid.
struct InvoicedPeriod {
  std::string number;
  std::string run_status;  // "computed" or "approved"
  PaymentState state = PaymentState::kNotPayable;
  bool paid() const {
    return state == PaymentState::kPaid || state == PaymentState::kToRecover ||
           state == PaymentState::kWaived;
  }
};
core::Result<std::optional<InvoicedPeriod>> InvoicedPeriodOf(store::Store& store, int32_t org_unit,
                                                             const core::Period& period);

// ---- Bank statements ----

// A statement of the transfers the bank made, as CSV (UTF-8, comma-separated, a header line): the
// columns "facture" (or "invoice": the number the payment order gave as the transfer's label),
// "montant" ("amount": whole francs, spaces between thousands allowed), "date" (2025-02-14 or
// 14/02/2025) and "reference" ("référence": the bank's); other columns are ignored. Each line is
// a payment recorded as RecordPayment records one, with its checks, in the file's order (a
// facility's earlier line counts for its next one); a transfer already recorded (same invoice and
// reference) is refused: a statement read twice pays nothing twice. All the lines or none.
struct StatementLine {
  int line = 0;  // in the file
  PaymentRequest request;
  const core::OrgUnit* facility = nullptr;
  int64_t deduction = 0;  // recovered from the facility's other invoices with it
  int64_t balance = 0;    // what the invoice still owes once it is recorded
};
struct StatementProblem {
  int line = 0;        // 0: the file as a whole
  std::string column;  // as the header names it; empty for the whole line
  core::Message text;
};
struct Statement {
  std::vector<StatementLine> lines;
  std::vector<StatementProblem> problems;  // none: the statement can be recorded
  int64_t total = 0;                       // transferred
  bool recorded = false;
};
inline constexpr size_t kMaxStatementLines = 10'000;

// Reads and checks a statement: for users with payment W over the whole country (PermissionDenied
// otherwise). With `record` and no problem, records every line in one transaction (Conflict,
// nothing recorded, when another officer recorded a payment of one of its facilities meanwhile). A
// line of a facility where the user may not write payments, or whose invoice is unknown or unseen,
// is a problem of that line.
core::Result<Statement> ReadStatement(store::Store& store, const Sight& sight, std::string_view csv,
                                      bool record, const store::Actor& actor);

// ---- Payment orders ----

struct PaymentOrderLine {
  const core::OrgUnit* facility = nullptr;
  const core::OrgUnit* district = nullptr;
  std::string invoice;
  int64_t total = 0;
  int64_t paid = 0;       // already paid, on this invoice and its chain
  int64_t deduction = 0;  // amounts to recover deducted now
  int64_t amount = 0;     // to transfer now
  std::optional<store::PaymentAccountRecord> account;  // none: withheld until one is confirmed
  std::string catch_up_of;  // a catch-up the run brings: the earlier period it pays ("2024Q4")
};

struct PaymentOrder {
  store::InvoiceRunRecord run;
  // Facilities with something to transfer, by district: the run's invoices and its catch-ups'.
  std::vector<PaymentOrderLine> lines;
  int64_t total = 0;     // to transfer, accounts confirmed
  int64_t withheld = 0;  // due to facilities without a confirmed account
};

// A run's payment order: payment R everywhere; the run must be approved (FailedPrecondition).
core::Result<PaymentOrder> GetPaymentOrder(store::Store& store, const Sight& sight, int64_t run_id);

// The order as a file: "csv" (one line per facility, UTF-8) or "xlsx", in `language`.
core::Status WritePaymentOrder(const PaymentOrder& order, std::string_view format,
                               core::Language language, const std::string& path);

}  // namespace keneya::fbr

#endif  // KENEYA_FBR_PAYMENTS_H_
