#include "rules/invoice.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <string>

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

namespace {

// Cuts the totals of each zone with an envelope for the period: `before[i]` is the total of
// facility `facilities[i]` before the cut; `after` receives the totals after it. The budgets come
// in the envelopes' order.
std::vector<ZoneBudget> CutBudgets(const std::vector<Envelope>& envelopes, const RunResult& result,
                                   const core::Period& period, std::span<const int> facilities,
                                   std::span<const int64_t> before, std::vector<int64_t>& after) {
  after.assign(before.begin(), before.end());
  std::vector<ZoneBudget> budgets;
  const auto& zones = result.zones();
  for (const Envelope& envelope : envelopes) {
    if (envelope.period != period.Code()) continue;
    ZoneBudget budget;
    budget.zone = envelope.zone;
    budget.envelope = envelope.amount;
    std::vector<size_t> members;
    std::vector<int64_t> totals;
    const auto zone_it = std::find(zones.begin(), zones.end(), envelope.zone);
    if (zone_it != zones.end()) {
      const int zone = static_cast<int>(zone_it - zones.begin());
      for (size_t i = 0; i < facilities.size(); ++i) {
        if (result.zone_of(facilities[i]) == zone) {
          members.push_back(i);
          totals.push_back(before[i]);
        }
      }
    }
    budget.requested = std::accumulate(totals.begin(), totals.end(), int64_t{0});
    const std::vector<int64_t> cut = CutToEnvelope(totals, envelope.amount);
    for (size_t m = 0; m < members.size(); ++m) after[members[m]] = cut[m];
    budget.paid = std::accumulate(cut.begin(), cut.end(), int64_t{0});
    budgets.push_back(std::move(budget));
  }
  return budgets;
}

}  // namespace

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

  std::vector<int> facilities;
  std::vector<int64_t> before, after;
  for (const Invoice& invoice : set.invoices) {
    facilities.push_back(invoice.facility);
    before.push_back(invoice.total_before_envelope);
  }
  set.budgets = CutBudgets(envelopes ? *envelopes : rule.envelopes, result, inputs.period,
                           facilities, before, after);
  for (size_t i = 0; i < set.invoices.size(); ++i) {
    Invoice& invoice = set.invoices[i];
    const int64_t reduction = after[i] - invoice.total_before_envelope;
    if (reduction != 0) {
      const std::string& zone =
          result.zones()[static_cast<size_t>(result.zone_of(invoice.facility))];
      InvoiceLine line;
      line.kind = InvoiceLine::Kind::kEnvelope;
      line.period = inputs.period.ToString();
      line.code = "envelope";
      line.label_text = core::Message("rules.invoice.envelope_cut", {{"zone", zone}});
      line.label = core::Render(line.label_text, core::Language::kFrench);
      line.label_en = core::Render(line.label_text, core::Language::kEnglish);
      line.has_amount = true;
      line.amount = reduction;
      line.display = Display::kMoney;
      invoice.lines.push_back(std::move(line));
    }
    invoice.total = after[i];
  }
  for (const Invoice& invoice : set.invoices) set.total += invoice.total;
  return set;
}

InvoiceTotals ComputeInvoiceTotals(const CompiledProgram& program, int payment,
                                   const RunResult& result, const RunInputs& inputs,
                                   const std::optional<std::vector<Envelope>>& envelopes) {
  const Program& p = program.program();
  const PaymentRule& rule = p.payments[static_cast<size_t>(payment)];
  InvoiceTotals out;
  // Each package instance's amount slot, looked up once (BuildInvoices's lines, without them).
  struct Instance {
    int package = 0;       // index in the program
    int slot_in_rule = 0;  // index in the payment rule's packages
    SlotId amount = kNoSlot;
    int activities = 0;
  };
  std::vector<Instance> instances;
  for (size_t r = 0; r < rule.packages.size(); ++r) {
    const int k_package = program.PackageIndex(rule.packages[r]);
    const Package& package = p.packages[static_cast<size_t>(k_package)];
    if (package.invoice.amount.empty()) continue;
    const auto periods = program.InstancePeriods(payment, k_package, inputs.period);
    if (!periods.ok()) continue;
    for (int k = 0; k < static_cast<int>(periods->size()); ++k) {
      instances.push_back({k_package, static_cast<int>(r),
                           program.FindPackageValue(payment, k_package, k, package.invoice.amount),
                           static_cast<int>(package.activities.size())});
    }
  }
  std::vector<SlotId> payment_lines;
  for (const auto& line : rule.lines) {
    const SlotId slot = program.FindPaymentFormula(payment, line.formula);
    if (slot != kNoSlot) payment_lines.push_back(slot);
  }
  const int F = static_cast<int>(inputs.facilities.size());
  std::vector<int> facilities;
  std::vector<int64_t> before;
  for (int f = 0; f < F; ++f) {
    if (result.missing(f)) {
      out.missing.push_back(f);
      continue;
    }
    InvoiceTotals::Facility facility;
    facility.facility = f;
    facility.packages.assign(rule.packages.size(), 0);
    int64_t total = 0;
    for (const Instance& instance : instances) {
      if (!result.selected(instance.package, f) || instance.amount == kNoSlot) continue;
      int64_t subtotal = 0;
      for (int a = 0; a < instance.activities; ++a) {
        if (result.applies(instance.package, a, f)) {
          subtotal += RoundFrancs(result.Value(instance.amount, f, a));
        }
      }
      facility.packages[static_cast<size_t>(instance.slot_in_rule)] += subtotal;
      total += subtotal;
    }
    for (SlotId slot : payment_lines) {
      const int64_t amount = RoundFrancs(result.Value(slot, f));
      facility.payment_lines += amount;
      total += amount;
    }
    facility.total_before_envelope = total;
    facilities.push_back(f);
    before.push_back(total);
    out.facilities.push_back(std::move(facility));
  }
  std::vector<int64_t> after;
  out.budgets = CutBudgets(envelopes ? *envelopes : rule.envelopes, result, inputs.period,
                           facilities, before, after);
  for (size_t i = 0; i < out.facilities.size(); ++i) {
    out.facilities[i].total = after[i];
    out.total += after[i];
  }
  return out;
}

}  // namespace keneya::rules
