#include "rules/invoice.h"

#include <algorithm>
#include <cmath>
#include <numeric>

namespace keneya::rules {

int64_t RoundFrancs(double amount) {
  // A half computed in binary may come out a hair below it (1,789,500 x 0.25 x 0.572 is
  // 255,898.4999999...): within 1e-11 of the amount, a half is a half.
  const double whole = std::trunc(amount);
  const double fraction = std::fabs(amount - whole);
  if (std::fabs(fraction - 0.5) <= 1e-11 * std::max(1.0, std::fabs(amount))) {
    return static_cast<int64_t>(whole) + (amount < 0 ? -1 : 1);
  }
  return static_cast<int64_t>(std::llround(amount));
}

std::vector<int64_t> CutToEnvelope(std::span<const int64_t> totals, int64_t envelope) {
  std::vector<int64_t> out(totals.begin(), totals.end());
  // Only what is owed (positive totals) is cut; a facility that owes money keeps its total.
  __int128 sum = 0;
  for (int64_t t : totals) sum += t > 0 ? t : 0;
  if (sum <= envelope || sum == 0) return out;
  std::vector<std::pair<__int128, size_t>> remainders;
  int64_t paid = 0;
  for (size_t i = 0; i < totals.size(); ++i) {
    if (totals[i] <= 0) continue;
    const __int128 share = static_cast<__int128>(totals[i]) * envelope;
    out[i] = static_cast<int64_t>(share / sum);
    paid += out[i];
    remainders.push_back({share % sum, i});
  }
  // The francs left, one each, to the largest remainders; ties to the earlier.
  std::stable_sort(remainders.begin(), remainders.end(),
                   [](const auto& a, const auto& b) { return a.first > b.first; });
  for (size_t k = 0; paid < envelope && k < remainders.size(); ++k, ++paid) {
    ++out[remainders[k].second];
  }
  return out;
}

InvoiceSet BuildInvoices(const CompiledProgram& program, int payment, const RunResult& result,
                         const RunInputs& inputs,
                         const std::optional<std::vector<Envelope>>& envelopes) {
  const Program& p = program.program();
  const PaymentRule& rule = p.payments[static_cast<size_t>(payment)];
  InvoiceSet set;
  const int F = static_cast<int>(inputs.facilities.size());
  std::vector<int> packages;
  for (const std::string& code : rule.packages) packages.push_back(program.PackageIndex(code));

  for (int f = 0; f < F; ++f) {
    if (result.missing(f)) {
      set.missing.push_back(f);
      continue;
    }
    Invoice invoice;
    invoice.facility = f;
    int64_t total = 0;
    for (int k_package : packages) {
      const Package& package = p.packages[static_cast<size_t>(k_package)];
      if (!result.selected(k_package, f)) continue;
      const auto periods = program.InstancePeriods(payment, k_package, inputs.period);
      if (!periods.ok()) continue;
      for (int k = 0; k < static_cast<int>(periods->size()); ++k) {
        const std::string period = (*periods)[static_cast<size_t>(k)].ToString();
        std::vector<SlotId> columns;
        for (const std::string& column : package.invoice.columns) {
          columns.push_back(program.FindPackageValue(payment, k_package, k, column));
        }
        const SlotId amount_slot =
            package.invoice.amount.empty()
                ? kNoSlot
                : program.FindPackageValue(payment, k_package, k, package.invoice.amount);
        int64_t subtotal = 0;
        for (int a = 0; a < static_cast<int>(package.activities.size()); ++a) {
          if (!result.applies(k_package, a, f)) continue;
          const Activity& activity = package.activities[static_cast<size_t>(a)];
          InvoiceLine line;
          line.kind = InvoiceLine::Kind::kActivity;
          line.package = package.code;
          line.period = period;
          line.code = activity.code;
          line.label = activity.name;
          line.label_en = activity.name;
          for (SlotId slot : columns) {
            line.columns.push_back(slot == kNoSlot ? 0.0 : result.Value(slot, f, a));
          }
          for (int i = 0; i < static_cast<int>(package.inputs.size()); ++i) {
            if (!result.present(k_package, k, i, a, f)) line.missing = true;
          }
          if (amount_slot != kNoSlot) {
            line.has_amount = true;
            line.amount = RoundFrancs(result.Value(amount_slot, f, a));
            line.display = Display::kMoney;
            subtotal += line.amount;
          }
          invoice.lines.push_back(std::move(line));
        }
        if (amount_slot != kNoSlot) {
          InvoiceLine line;
          line.kind = InvoiceLine::Kind::kSubtotal;
          line.package = package.code;
          line.period = period;
          line.code = package.code;
          line.label = package.name;
          line.label_en = package.name_en.empty() ? package.name : package.name_en;
          line.has_amount = true;
          line.amount = subtotal;
          line.display = Display::kMoney;
          invoice.lines.push_back(std::move(line));
          total += subtotal;
        }
        for (const std::string& show : package.invoice.show) {
          const SlotId slot = program.FindPackageValue(payment, k_package, k, show);
          if (slot == kNoSlot) continue;
          InvoiceLine line;
          line.kind = InvoiceLine::Kind::kInfo;
          line.package = package.code;
          line.period = period;
          line.code = show;
          for (const FormulaSpec& spec : package.formulas) {
            if (spec.code != show) continue;
            line.label = spec.label.empty() ? spec.code : spec.label;
            line.label_en = spec.label_en.empty() ? line.label : spec.label_en;
            line.display = spec.display;
          }
          line.value = result.Value(slot, f);
          invoice.lines.push_back(std::move(line));
        }
      }
    }
    for (const auto& payment_line : rule.lines) {
      const SlotId slot = program.FindPaymentFormula(payment, payment_line.formula);
      if (slot == kNoSlot) continue;
      InvoiceLine line;
      line.kind = InvoiceLine::Kind::kPayment;
      line.period = inputs.period.ToString();
      line.code = payment_line.formula;
      line.label = payment_line.label;
      line.label_en = payment_line.label_en.empty() ? payment_line.label : payment_line.label_en;
      line.has_amount = true;
      line.amount = RoundFrancs(result.Value(slot, f));
      line.display = Display::kMoney;
      total += line.amount;
      invoice.lines.push_back(std::move(line));
    }
    invoice.total_before_envelope = total;
    invoice.total = total;
    set.invoices.push_back(std::move(invoice));
  }

  // Budget envelopes of the period, by zone.
  const std::vector<Envelope>& zone_envelopes = envelopes ? *envelopes : rule.envelopes;
  for (const Envelope& envelope : zone_envelopes) {
    if (envelope.period != inputs.period.Code()) continue;
    const auto& zones = result.zones();
    const auto zone_it = std::find(zones.begin(), zones.end(), envelope.zone);
    ZoneBudget budget;
    budget.zone = envelope.zone;
    budget.envelope = envelope.amount;
    std::vector<size_t> members;
    std::vector<int64_t> totals;
    if (zone_it != zones.end()) {
      const int zone = static_cast<int>(zone_it - zones.begin());
      for (size_t i = 0; i < set.invoices.size(); ++i) {
        if (result.zone_of(set.invoices[i].facility) == zone) {
          members.push_back(i);
          totals.push_back(set.invoices[i].total_before_envelope);
        }
      }
    }
    budget.requested = std::accumulate(totals.begin(), totals.end(), int64_t{0});
    const std::vector<int64_t> cut = CutToEnvelope(totals, envelope.amount);
    for (size_t m = 0; m < members.size(); ++m) {
      Invoice& invoice = set.invoices[members[m]];
      const int64_t reduction = cut[m] - invoice.total_before_envelope;
      if (reduction != 0) {
        InvoiceLine line;
        line.kind = InvoiceLine::Kind::kEnvelope;
        line.period = inputs.period.ToString();
        line.code = "envelope";
        line.label_text = core::Message("rules.invoice.envelope_cut", {{"zone", envelope.zone}});
        line.label = core::Render(line.label_text, core::Language::kFrench);
        line.label_en = core::Render(line.label_text, core::Language::kEnglish);
        line.has_amount = true;
        line.amount = reduction;
        line.display = Display::kMoney;
        invoice.lines.push_back(std::move(line));
      }
      invoice.total = cut[m];
    }
    budget.paid = std::accumulate(cut.begin(), cut.end(), int64_t{0});
    set.budgets.push_back(std::move(budget));
  }
  for (const Invoice& invoice : set.invoices) set.total += invoice.total;
  return set;
}

}  // namespace keneya::rules
