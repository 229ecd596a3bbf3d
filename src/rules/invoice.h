// Invoices from a run of the engine: per facility, a line per activity (its columns: declared,
// verified, gap, tariff, amount...), the package totals, the payment rule's lines (bonuses,
// penalties), a budget envelope's cut, and the total. DESIGN.md's money rules: each line amount
// is rounded to whole francs, half away from zero; totals are the sums of the lines shown, so
// every invoice adds up to the franc. docs/RULES.md says how envelopes cut.
#ifndef KENEYA_RULES_INVOICE_H_
#define KENEYA_RULES_INVOICE_H_

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "rules/engine.h"

namespace keneya::rules {

struct InvoiceLine {
  enum class Kind : uint8_t {
    kActivity,  // an activity of a package, for one period
    kSubtotal,  // a package's total for one period: the sum of its activity amounts
    kInfo,      // a package value shown (a quality score): no amount
    kPayment,   // a payment rule's line (a bonus, a penalty): its amount
    kEnvelope,  // the budget envelope's cut (negative)
  };
  Kind kind = Kind::kActivity;
  std::string package;  // package code (activity, subtotal, info lines)
  std::string period;   // the period of the values ("202401")
  std::string code;     // activity code, or formula code
  std::string label;    // French
  std::string label_en;
  // The label by id when Keneya writes it (the envelope's cut); empty when it is the
  // program's (an activity's name, a package's, a payment line's).
  core::Message label_text;
  std::vector<double> columns;  // activity lines: the package's invoice columns
  bool missing = false;         // activity lines: an input was not reported (counts as 0)
  bool has_amount = false;
  int64_t amount = 0;  // francs
  double value = 0;    // info lines
  Display display = Display::kNumber;
};

struct Invoice {
  int facility = 0;  // index in the run's facilities
  std::vector<InvoiceLine> lines;
  int64_t total_before_envelope = 0;
  int64_t total = 0;
};

// A zone's budget for the period, when it has an envelope.
struct ZoneBudget {
  std::string zone;
  int64_t envelope = 0;
  int64_t requested = 0;  // the invoices' totals before the cut
  int64_t paid = 0;       // after it: at most the envelope
};

struct InvoiceSet {
  std::vector<Invoice> invoices;  // facilities with an invoice, in the run's order
  std::vector<int> missing;       // facilities that reported nothing: no invoice
  std::vector<ZoneBudget> budgets;
  int64_t total = 0;
};

// The invoices of a run. `envelopes`: the zones' envelopes for the run's period (the payment
// rule's own when empty is passed as std::nullopt).
InvoiceSet BuildInvoices(const CompiledProgram& program, int payment, const RunResult& result,
                         const RunInputs& inputs,
                         const std::optional<std::vector<Envelope>>& envelopes = std::nullopt);

// What a run's invoices add up to, without building them: the totals BuildInvoices gives (each
// line rounded as on the invoice, the envelopes' cuts), for a simulation recomputed as one types.
struct InvoiceTotals {
  struct Facility {
    int facility = 0;  // index in the run's facilities
    // Each package's amount for the payment (the payment rule's packages, in order; 0 for a
    // package without amounts), the payment rule's lines together, and the totals.
    std::vector<int64_t> packages;
    int64_t payment_lines = 0;
    int64_t total_before_envelope = 0;
    int64_t total = 0;
  };
  std::vector<Facility> facilities;  // facilities with an invoice, in the run's order
  std::vector<int> missing;          // facilities that reported nothing
  std::vector<ZoneBudget> budgets;
  int64_t total = 0;
};
InvoiceTotals ComputeInvoiceTotals(
    const CompiledProgram& program, int payment, const RunResult& result, const RunInputs& inputs,
    const std::optional<std::vector<Envelope>>& envelopes = std::nullopt);

// Cuts totals to an envelope, pro rata: each gets floor(total x envelope / sum), then the francs
// left go one each to the largest remainders (ties: the earlier in `order`), so that the cut
// totals add up to the envelope exactly. Totals are left as they are when their sum is within
// the envelope. Returns the totals after the cut.
std::vector<int64_t> CutToEnvelope(std::span<const int64_t> totals, int64_t envelope);

// Half away from zero, to whole francs. A half that binary arithmetic left a hair below or
// above (within 1e-11 of the amount) counts as a half.
int64_t RoundFrancs(double amount);

}  // namespace keneya::rules

#endif  // KENEYA_RULES_INVOICE_H_
