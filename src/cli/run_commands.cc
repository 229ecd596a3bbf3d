// keneya compute, explain and simulate: a period's invoices computed and stored, a value
// explained down to the data, other tariffs, rates or envelopes tried without storing anything.
#include <algorithm>
#include <string>
#include <vector>

#include "cli/cli_util.h"
#include "cli/fbr_commands_internal.h"
#include "cli/progress.h"
#include "core/format.h"
#include "core/message.h"
#include "fbr/invoice_run.h"
#include "fbr/programs.h"
#include "fbr/resolver.h"
#include "fbr/run_approval.h"
#include "fbr/simulation.h"
#include "fbr/stored_invoices.h"
#include "fbr/text.h"
#include "io/readable.h"

namespace keneya::cli {

using core::FormatInteger;
using core::Grouped;
using core::Language;
using core::Message;
using core::Text;

namespace {

// "CSCOM_A, CSCOM_B, ...": at most `most` codes.
std::string FirstCodes(const std::vector<std::string>& codes, size_t most) {
  std::string list;
  for (size_t i = 0; i < codes.size() && i < most; ++i) list += (i ? ", " : "") + codes[i];
  return codes.size() > most ? list + ", ..." : list;
}

void PrintRunSummary(const Context& c, const fbr::ComputedRun& run, const fbr::Resolver& resolver) {
  const Language l = c.language;
  std::ostream& out = *c.out;
  const rules::Program& program = run.program();
  const rules::PaymentRule& rule = run.payment_rule();
  const std::string period = run.inputs->period.ToString();
  out << Text(l, "cli.compute.summary_head",
              {{"program", program.code},
               {"version", run.record.version},
               {"payment", rule.code},
               {"period_label", io::PeriodLabel(period, l)},
               {"period", period}})
      << "\n";
  out << "  "
      << Text(l, "cli.compute.summary_counts",
              {Grouped("facilities", static_cast<int64_t>(run.inputs->facilities.size())),
               Grouped("invoices", static_cast<int64_t>(run.invoices.invoices.size())),
               Grouped("missing", static_cast<int64_t>(run.invoices.missing.size())),
               Grouped("suspended", static_cast<int64_t>(run.suspended.size()))})
      << "\n";
  out << "  "
      << Text(l, "cli.compute.summary_times",
              {Grouped("values", run.values_read),
               {"read_time", Seconds(run.read_seconds, l)},
               {"compute_time", Seconds(run.compute_seconds, l)}})
      << "\n";
  for (const Message& w : run.warning_messages) {
    out << "  " << Text(l, "cli.compute.warning", {{"warning", w}}) << "\n";
  }
  if (!run.invoices.missing.empty()) {
    std::vector<std::string> missing;
    for (int f : run.invoices.missing) {
      missing.push_back(run.inputs->facilities[static_cast<size_t>(f)].code);
    }
    out << "  " << Text(l, "cli.compute.no_report", {{"facilities", FirstCodes(missing, 10)}})
        << "\n";
  }
  if (!run.suspended.empty()) {
    out << "  " << Text(l, "cli.compute.suspended", {{"facilities", FirstCodes(run.suspended, 10)}})
        << "\n";
  }
  out << "  " << Text(l, "cli.compute.by_region") << "\n";
  for (const auto& [region, total] : fbr::TotalsByZone(run).region) {
    out << "    " << Pad(core::Shorten(resolver.OrgUnitName(region), 31), 32)
        << Pad(FormatInteger(total, l), 18, true) << "\n";
  }
  for (const rules::ZoneBudget& b : run.invoices.budgets) {
    out << "  "
        << Text(l, b.requested > b.envelope ? "cli.compute.envelope_cut" : "cli.compute.envelope",
                {{"zone", resolver.OrgUnitName(b.zone)},
                 Grouped("requested", b.requested),
                 Grouped("envelope", b.envelope),
                 Grouped("paid", b.paid)})
        << "\n";
  }
  out << "  " << Text(l, "cli.compute.total", {Grouped("total", run.invoices.total)}) << "\n";
}

// An explanation of a stored invoice: the warning of a superseded invoice first, then the tree,
// then (for the payment's total) the invoice's rounding and the envelope's cut.
void PrintInvoiceExplanation(const Context& c, const std::string& number,
                             const fbr::InvoiceExplanation& explained) {
  const Language l = c.language;
  *c.out << SupersededWarning(explained.successor, l);
  *c.out << Text(l, "cli.explain.invoice_head", {{"number", number}}) << "\n"
         << fbr::ExplanationText(explained.explanation, l);
  if (!explained.amounts) return;
  const fbr::InvoiceAmounts& a = *explained.amounts;
  std::vector<core::MessageArg> amounts = {Grouped("amount", a.rounded), Grouped("total", a.total)};
  if (a.cut != 0) amounts.push_back(Grouped("cut", a.cut));
  *c.out << "\n"
         << Text(l, a.cut != 0 ? "cli.explain.rounded_cut" : "cli.explain.rounded", amounts)
         << "\n";
}

// The simulation against the baseline, a row per region (and district), then the zones over
// their envelope.
void PrintSimulation(const Context& c, const SimulateOptions& o, const fbr::Simulation& s,
                     const core::Period& period) {
  const Language l = c.language;
  std::ostream& out = *c.out;
  out << Text(l, "cli.simulate.head",
              {{"program", s.program.code},
               {"version", s.program.version},
               {"period_label", io::PeriodLabel(period.ToString(), l)}})
      << "\n";
  for (const std::string& set : o.sets) out << "  --set " << set << "\n";
  for (const std::string& e : o.envelopes) out << "  --envelope " << e << "\n";
  out << "  "
      << Text(l, "cli.simulate.times",
              {{"simulation_time", Seconds(s.simulation_seconds, l)},
               {"read_time", Seconds(s.read_seconds, l)}})
      << "\n  ";
  if (s.reference) {
    out << Text(l, "cli.simulate.reference",
                {Grouped("facilities", s.facilities),
                 {"run", s.reference->id},
                 {"status", core::Render(fbr::RunStatusText(s.reference->status), l)},
                 {"version", s.reference->program_version},
                 Grouped("total", s.reference->total)});
  } else {
    out << Text(l, "cli.simulate.no_reference", {Grouped("facilities", s.facilities)});
  }
  out << "\n\n";
  // The zone column is as wide as its longest name: district names differ at their end
  // ("... de la Commune III", "... de la Commune IV").
  size_t name_width = 36;
  for (const fbr::SimulatedZone& region : s.regions) {
    name_width = std::max(name_width, core::TextWidth(region.name) + 2);
    if (!o.districts) continue;
    for (const fbr::SimulatedZone& district : region.districts) {
      name_width = std::max(name_width, core::TextWidth(district.name) + 4);
    }
  }
  out << Pad(Text(l, "cli.simulate.column_zone"), name_width)
      << Pad(Text(l, "cli.simulate.column_baseline"), 18, true)
      << Pad(Text(l, "cli.simulate.column_simulation"), 18, true)
      << Pad(Text(l, "cli.simulate.column_difference"), 16, true)
      << Pad(Text(l, "cli.simulate.column_envelope"), 16, true) << "\n";
  auto row = [&](const std::string& name, int64_t a, int64_t b, std::optional<int64_t> envelope) {
    out << Pad(name, name_width) << Pad(FormatInteger(a, l), 18, true)
        << Pad(FormatInteger(b, l), 18, true)
        << Pad((b - a > 0 ? "+" : "") + FormatInteger(b - a, l), 16, true)
        << Pad(envelope ? FormatInteger(*envelope, l) : "", 16, true) << "\n";
  };
  for (const fbr::SimulatedZone& region : s.regions) {
    row(region.name, region.baseline, region.simulation, region.envelope);
    if (!o.districts) continue;
    for (const fbr::SimulatedZone& district : region.districts) {
      row("  " + district.name, district.baseline, district.simulation, district.envelope);
    }
  }
  row(Text(l, "cli.simulate.total"), s.baseline_total, s.simulation_total, std::nullopt);
  for (const fbr::OverEnvelope& over : s.over_envelope) {
    out << "  "
        << Text(l, "cli.simulate.over_envelope",
                {{"zone", over.name},
                 Grouped("requested", over.requested),
                 Grouped("envelope", over.envelope)})
        << "\n";
  }
}

}  // namespace

int RunCompute(const Context& c, const ComputeOptions& o) {
  const Language l = c.language;
  auto period = ParsePeriod(o.period);
  if (!period.ok()) return Fail(c, period.error());
  auto opened = Open(c);
  if (!opened.ok()) return Fail(c, opened.error());
  store::Store& store = **opened;
  auto metadata = store.LoadMetadata();
  if (!metadata.ok()) return Fail(c, metadata.error());
  auto record =
      fbr::ProgramToUse(store, *metadata, o.program, *period, Version(o.version), !o.dry_run);
  if (!record.ok()) {
    *c.err << Text(l, "cli.compute.nothing_stored") << "\n";
    return Fail(c, record.error());
  }
  ProgressPrinter progress(*c.err, l, c.interactive);
  fbr::ComputeOptions options;
  options.payment = o.payment;
  options.threads = o.threads;
  options.progress = progress.AsFunction();
  auto run = fbr::Compute(store, *metadata, *record, *period, options);
  progress.Finish();
  if (!run.ok()) {
    *c.err << Text(l, "cli.compute.nothing_stored") << "\n";
    return Fail(c, run.error());
  }
  const fbr::Resolver resolver(*metadata);
  PrintRunSummary(c, *run, resolver);
  if (o.dry_run) {
    *c.out << Text(l, "cli.compute.dry_run") << "\n";
    return 0;
  }
  auto saved = fbr::SaveRun(store, *run, CliActor(c, "keneya compute"), progress.AsFunction());
  progress.Finish();
  if (!saved.ok()) {
    // A run without a single invoice: fbr's refusal is the whole sentence, "nothing was
    // stored" included, printed as it is.
    if (saved.error().text.id() == "fbr.run.no_report_at_all") {
      *c.err << core::Describe(saved.error(), l) << "\n";
      return 1;
    }
    return Fail(c, saved.error());
  }
  *c.out << Text(l, "cli.compute.stored",
                 {{"run", saved->id}, Grouped("count", saved->invoice_count)})
         << "\n";
  return 0;
}

int RunExplain(const Context& c, const ExplainOptions& o) {
  const Language l = c.language;
  auto opened = Open(c);
  if (!opened.ok()) return Fail(c, opened.error());
  store::Store& store = **opened;
  fbr::ExplainRequest request;
  request.formula = o.formula;
  request.activity = o.activity;
  request.period = o.of_period;
  request.depth = o.depth;
  if (!o.activity.empty() && o.formula.empty()) {
    return Fail(
        c, core::InvalidArgument(Message("cli.explain.activity_without_formula"), "--activity"));
  }
  if (!o.number.empty()) {
    if (!o.program.empty() || !o.period.empty() || !o.facility.empty() || o.version != 0) {
      return Fail(c, core::InvalidArgument(Message("cli.explain.invoice_is_enough")));
    }
    auto explained = fbr::ExplainStoredInvoice(store, o.number, request, l);
    if (!explained.ok()) return Fail(c, explained.error());
    PrintInvoiceExplanation(c, o.number, *explained);
    return 0;
  }
  if (o.program.empty() || o.period.empty() || o.facility.empty()) {
    return Fail(c, core::InvalidArgument(Message("cli.explain.give_invoice_or_facility")));
  }
  auto period = ParsePeriod(o.period);
  if (!period.ok()) return Fail(c, period.error());
  auto metadata = store.LoadMetadata();
  if (!metadata.ok()) return Fail(c, metadata.error());
  auto explained = fbr::ExplainFacility(store, *metadata, o.program, Version(o.version), *period,
                                        o.facility, request, l);
  if (!explained.ok()) return Fail(c, explained.error());
  *c.out << Text(l, "cli.explain.computed_now") << "\n" << fbr::ExplanationText(*explained, l);
  return 0;
}

int RunSimulate(const Context& c, const SimulateOptions& o) {
  auto period = ParsePeriod(o.period);
  if (!period.ok()) return Fail(c, period.error());
  fbr::SimulationRequest request;
  request.program = o.program;
  request.version = Version(o.version);
  request.payment = o.payment;
  for (const std::string& s : o.sets) {
    core::Status status = fbr::ParseSetting(s, request.overrides);
    if (!status.ok()) return Fail(c, status.error());
  }
  for (const std::string& e : o.envelopes) {
    core::Status status = fbr::ParseEnvelope(e, request.overrides);
    if (!status.ok()) return Fail(c, status.error());
  }
  auto opened = Open(c);
  if (!opened.ok()) return Fail(c, opened.error());
  store::Store& store = **opened;
  auto metadata = store.LoadMetadata();
  if (!metadata.ok()) return Fail(c, metadata.error());
  auto simulation = fbr::Simulate(store, *metadata, *period, request);
  if (!simulation.ok()) return Fail(c, simulation.error());
  PrintSimulation(c, o, *simulation, *period);
  return 0;
}

}  // namespace keneya::cli
