#include "cli/fbr_commands.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>

#include "cli/cli_util.h"
#include "cli/progress.h"
#include "core/format.h"
#include "core/message.h"
#include "core/period.h"
#include "fbr/contracts.h"
#include "fbr/exports.h"
#include "fbr/invoice_run.h"
#include "fbr/programs.h"
#include "fbr/resolver.h"
#include "fbr/stored_invoices.h"
#include "fbr/text.h"
#include "io/readable.h"
#include "rules/program_file.h"
#include "store/fbr_records.h"

namespace keneya::cli {

using core::FormatInteger;
using core::Grouped;
using core::Language;
using core::Message;
using core::Result;
using core::Text;

namespace {

// ---- Options ----

struct CheckOptions {
  std::string program;  // a directory or .toml file
  bool with_db = false;
  std::string period;  // with the database: also compute this period (nothing stored)
};

struct ProgramOptions {
  std::string path;
  std::string code;
};

struct ContractOptions {
  std::string program;
  std::vector<std::string> facilities;
  std::string group;
  std::string start, end, equity, date, reason;
  int64_t id = 0;
};

struct ComputeOptions {
  std::string program;  // a code, or a directory / .toml file (stored first)
  std::string period;
  std::string payment;
  int version = 0;
  bool dry_run = false;
  int threads = 0;
};

struct ExplainOptions {
  std::string number;
  std::string program, period, facility;  // a fresh computation instead of a stored invoice
  std::string formula, activity, of_period;
  int depth = 12;
  int version = 0;  // a fresh computation: the program's version (0: the one in force)
};

struct SimulateOptions {
  std::string program, period, payment;
  int version = 0;
  std::vector<std::string> sets;
  std::vector<std::string> envelopes;
  bool districts = false;
};

struct InvoicesOptions {
  std::string period, program, number, format, out;
  std::string zone, facility_type;  // invoices list --run: which invoices
  int64_t run = 0;
  bool superseded = false;
};

// ---- Helpers ----

Result<core::Period> ParsePeriod(const std::string& text) {
  auto period = core::Period::Parse(text);
  if (!period.ok()) return period.error().In("--period");
  return period;
}

std::optional<int> Version(int version) {
  return version > 0 ? std::optional<int>(version) : std::nullopt;
}

void PrintProblems(const Context& c, const std::vector<rules::ProgramProblem>& problems) {
  *c.err << Text(c.language, problems.size() == 1 ? "cli.check.problems_one" : "cli.check.problems",
                 {{"count", problems.size()}})
         << "\n";
  for (const rules::ProgramProblem& p : problems) {
    *c.err << "  " << p.Describe(c.language) << "\n";
  }
}

std::string ZoneName(const fbr::Resolver& resolver, const std::string& code) {
  const core::OrgUnit* unit = resolver.OrgUnit(code);
  return unit == nullptr ? code : unit->name;
}

// Totals by region (and district) of a run.
struct ZoneTotals {
  std::map<std::string, int64_t> region, district;
  std::map<std::string, std::string> region_of_district;
};

ZoneTotals Totals(const fbr::ComputedRun& run) {
  ZoneTotals t;
  for (const rules::Invoice& invoice : run.invoices.invoices) {
    const rules::FacilityFacts& f = run.inputs->facilities[static_cast<size_t>(invoice.facility)];
    t.region[f.region] += invoice.total;
    t.district[f.district] += invoice.total;
    t.region_of_district[f.district] = f.region;
  }
  return t;
}

std::string Pad(const std::string& text, size_t width, bool right = false) {
  return core::PadText(text, width, right);
}

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
  const ZoneTotals totals = Totals(run);
  out << "  " << Text(l, "cli.compute.by_region") << "\n";
  for (const auto& [region, total] : totals.region) {
    out << "    " << Pad(core::Shorten(ZoneName(resolver, region), 31), 32)
        << Pad(FormatInteger(total, l), 18, true) << "\n";
  }
  for (const rules::ZoneBudget& b : run.invoices.budgets) {
    out << "  "
        << Text(l, b.requested > b.envelope ? "cli.compute.envelope_cut" : "cli.compute.envelope",
                {{"zone", ZoneName(resolver, b.zone)},
                 Grouped("requested", b.requested),
                 Grouped("envelope", b.envelope),
                 Grouped("paid", b.paid)})
        << "\n";
  }
  out << "  " << Text(l, "cli.compute.total", {Grouped("total", run.invoices.total)}) << "\n";
}

// A code stored in the database that has no name in the catalogue: shown as it is.
Message AsStored(std::string_view code) { return Message("cli.fbr.as_stored", {{"text", code}}); }

Message StatusName(store::ContractStatus status) {
  switch (status) {
    case store::ContractStatus::kActive:
      return Message("cli.contract.status_active");
    case store::ContractStatus::kSuspended:
      return Message("cli.contract.status_suspended");
    case store::ContractStatus::kEnded:
      return Message("cli.contract.status_ended");
  }
  return AsStored(store::ContractStatusCode(status));
}

Message RunStatusName(const std::string& status) {
  if (status == "draft") return Message("cli.invoices.status_draft");
  if (status == "superseded") return Message("cli.invoices.status_superseded");
  return AsStored(status);
}

// The audit's action of a contract change.
Message ActionName(const std::string& action) {
  if (action == "create") return Message("cli.contract.action_create");
  if (action == "update") return Message("cli.contract.action_update");
  if (action == "delete") return Message("cli.contract.action_delete");
  return AsStored(action);
}

Message NoInvoice(const std::string& number) {
  return Message("cli.invoices.no_invoice", {{"number", number}});
}

// "ATTENTION : facture remplacée..." for a superseded invoice; nothing otherwise.
std::string SupersededWarning(const std::optional<fbr::Successor>& successor, Language l) {
  if (!successor) return "";
  if (successor->run == 0) return Text(l, "cli.invoices.superseded", {{"successor", ""}}) + "\n";
  const Message next = successor->number.empty()
                           ? Message("cli.invoices.no_longer_invoiced", {{"run", successor->run}})
                           : Message("cli.invoices.superseded_by",
                                     {{"number", successor->number}, {"run", successor->run}});
  return Text(l, "cli.invoices.superseded", {{"successor", next}}) + "\n";
}

// ---- Commands ----

int RunCheck(const Context& c, const CheckOptions& o) {
  const Language l = c.language;
  auto source = rules::ReadProgramSource(o.program);
  if (!source.ok()) return Fail(c, source.error());
  std::optional<core::MetadataBundle> metadata;
  std::optional<std::vector<core::State>> states;
  std::unique_ptr<store::Store> store;
  if (o.with_db || !o.period.empty()) {
    auto opened = Open(c);
    if (!opened.ok()) return Fail(c, opened.error());
    store = std::move(opened).value();
    auto loaded = store->LoadMetadata();
    if (!loaded.ok()) return Fail(c, loaded.error());
    metadata = std::move(loaded).value();
    auto s = store->States();
    if (!s.ok()) return Fail(c, s.error());
    states = std::move(s).value();
  }
  fbr::CheckedProgram checked =
      fbr::CheckProgram(*source, metadata ? &*metadata : nullptr, states ? &*states : nullptr);
  if (!checked.ok()) {
    *c.err << Text(l, "cli.check.refused", {{"file", source->toml_name}}) << "\n";
    PrintProblems(c, checked.problems);
    return 1;
  }
  const size_t packages = checked.program.packages.size();
  const size_t payments = checked.program.payments.size();
  const Message contents(
      metadata ? "cli.check.contents_names_checked" : "cli.check.contents",
      {{"packages", Message(packages == 1 ? "cli.check.packages_one" : "cli.check.packages",
                            {{"count", packages}})},
       {"payments",
        Message(payments == 1 ? "cli.check.payment_rules_one" : "cli.check.payment_rules",
                {{"count", payments}})}});
  *c.out << Text(l, o.period.empty() ? "cli.check.no_problem" : "cli.check.no_problem_in_files",
                 {{"code", checked.program.code},
                  {"version", checked.program.version},
                  {"contents", contents}})
         << "\n";
  if (!o.period.empty()) {
    auto period = ParsePeriod(o.period);
    if (!period.ok()) return Fail(c, period.error());
    auto run =
        fbr::Compute(*store, *metadata, fbr::ToRecord(*source, checked.program), *period, {});
    if (!run.ok()) {
      *c.err << Text(l, "cli.check.compute_failed", {{"period", o.period}}) << "\n";
      return Fail(c, run.error());
    }
    *c.out << Text(l, "cli.check.computed",
                   {{"period", o.period},
                    Grouped("invoices", static_cast<int64_t>(run->invoices.invoices.size())),
                    Grouped("total", run->invoices.total)})
           << "\n";
  }
  return 0;
}

// The newest version takes a date (ProgramFor): the first newer version of `p` valid on one of
// its days, and the days it takes (to: open when both are). Nothing when none overlaps it.
struct Replaced {
  int version = 0;
  core::Date from;
  std::optional<core::Date> to;
};
std::optional<Replaced> Replacement(const std::vector<store::ProgramRecord>& all,
                                    const store::ProgramRecord& p) {
  std::optional<Replaced> first;
  for (const store::ProgramRecord& q : all) {
    if (q.code != p.code || q.version <= p.version) continue;
    if (!core::RangesOverlap(p.valid_from, p.valid_to, q.valid_from, q.valid_to)) continue;
    Replaced r{q.version, std::max(p.valid_from, q.valid_from), q.valid_to};
    if (p.valid_to && (!r.to || *p.valid_to < *r.to)) r.to = p.valid_to;
    if (!first || r.from < first->from) first = r;
  }
  return first;
}

// "à partir du 2024-04-01", "du 2022-01-01 au 2022-12-31".
Message Days(const core::Date& from, const std::optional<core::Date>& to) {
  if (!to) return Message("cli.program.days_from", {{"from", from.ToString()}});
  return Message("cli.program.days_between", {{"from", from.ToString()}, {"to", to->ToString()}});
}

int RunProgramLoad(const Context& c, const ProgramOptions& o) {
  auto source = rules::ReadProgramSource(o.path);
  if (!source.ok()) return Fail(c, source.error());
  auto opened = Open(c);
  if (!opened.ok()) return Fail(c, opened.error());
  auto record = fbr::LoadProgram(**opened, *source, CliActor(c, "keneya program load"));
  if (!record.ok()) return Fail(c, record.error());
  *c.out << Text(c.language, "cli.program.stored",
                 {{"code", record->code},
                  {"version", record->version},
                  {"days", Days(record->valid_from, record->valid_to)}})
         << "\n";
  // Say which earlier versions it replaces, and from when: runs already stored keep theirs.
  auto programs = (*opened)->Programs();
  if (!programs.ok()) return Fail(c, programs.error());
  for (const store::ProgramRecord& p : *programs) {
    if (p.code != record->code || p.version >= record->version) continue;
    const auto newer = Replacement(*programs, p);
    if (!newer || newer->version != record->version) continue;
    *c.out << Text(c.language, "cli.program.replaces",
                   {{"version", p.version}, {"days", Days(newer->from, newer->to)}})
           << "\n";
  }
  return 0;
}

int RunProgramList(const Context& c) {
  auto opened = Open(c);
  if (!opened.ok()) return Fail(c, opened.error());
  auto programs = (*opened)->Programs();
  if (!programs.ok()) return Fail(c, programs.error());
  if (programs->empty()) *c.out << Text(c.language, "cli.program.none") << "\n";
  for (const store::ProgramRecord& p : *programs) {
    *c.out << Text(c.language, "cli.program.list_row",
                   {{"code", p.code},
                    {"version", p.version},
                    {"name", p.name},
                    {"from", p.valid_from.ToString()},
                    {"to", p.valid_to ? p.valid_to->ToString() : ""},
                    {"user", p.loaded_by}});
    if (auto newer = Replacement(*programs, p)) {
      *c.out << "  "
             << Text(c.language, "cli.program.replaced_by",
                     {{"version", newer->version}, {"days", Days(newer->from, newer->to)}});
    }
    *c.out << "\n";
  }
  return 0;
}

int RunContractSign(const Context& c, const ContractOptions& o) {
  const Language l = c.language;
  auto opened = Open(c);
  if (!opened.ok()) return Fail(c, opened.error());
  store::Store& store = **opened;
  auto metadata = store.LoadMetadata();
  if (!metadata.ok()) return Fail(c, metadata.error());
  auto start = core::Date::Parse(o.start);
  if (!start.ok()) return Fail(c, start.error().In("--start"));
  fbr::SignOptions sign;
  sign.program_code = o.program;
  sign.start = *start;
  if (!o.end.empty()) {
    auto end = core::Date::Parse(o.end);
    if (!end.ok()) return Fail(c, end.error().In("--end"));
    sign.end = *end;
  }
  if (!o.equity.empty()) sign.equity = o.equity;
  sign.facilities = o.facilities;
  sign.group = o.group;
  auto result = fbr::SignContracts(store, *metadata, sign, CliActor(c, o.reason));
  if (!result.ok()) return Fail(c, result.error());
  *c.out << Text(l, "cli.contract.signed",
                 {Grouped("count", result->signed_count), {"program", o.program}})
         << "\n";
  for (const Message& refused : result->refused_messages) {
    *c.err << Text(l, "cli.contract.refused", {{"reason", refused}}) << "\n";
  }
  return result->refused_messages.empty() ? 0 : 1;
}

int RunContractList(const Context& c, const ContractOptions& o) {
  auto opened = Open(c);
  if (!opened.ok()) return Fail(c, opened.error());
  store::Store& store = **opened;
  auto metadata = store.LoadMetadata();
  if (!metadata.ok()) return Fail(c, metadata.error());
  const fbr::Resolver resolver(*metadata);
  auto contracts = store.Contracts(o.program);
  if (!contracts.ok()) return Fail(c, contracts.error());
  const core::OrgUnit* only = nullptr;
  if (!o.facilities.empty()) {
    only = resolver.OrgUnit(o.facilities.front());
    if (only == nullptr) {
      return Fail(
          c, core::NotFound(Message("cli.contract.no_org_unit", {{"code", o.facilities.front()}}),
                            "--facility"));
    }
  }
  int64_t shown = 0;
  for (const store::Contract& k : *contracts) {
    if (only != nullptr && k.org_unit != only->id) continue;
    const core::OrgUnit* unit = resolver.OrgUnitById(k.org_unit);
    *c.out << k.id << "  " << (unit ? (unit->code.empty() ? unit->uid : unit->code) : "?") << "  "
           << k.program_code << "  " << k.start.ToString() << ".."
           << (k.end ? k.end->ToString() : "") << "  " << k.equity_category
           << (k.equity_explicit ? "*" : "") << "  "
           << core::Render(StatusName(k.status), c.language) << "\n";
    ++shown;
  }
  *c.err << Text(c.language, "cli.contract.count", {Grouped("count", shown)}) << "\n";
  return 0;
}

int RunContractChange(const Context& c, const ContractOptions& o, fbr::ContractAction action) {
  const Language l = c.language;
  auto date = core::Date::Parse(o.date);
  if (!date.ok()) return Fail(c, date.error().In("--date"));
  auto opened = Open(c);
  if (!opened.ok()) return Fail(c, opened.error());
  auto changed = fbr::ChangeContract(**opened, o.id, action, *date, CliActor(c, o.reason));
  if (!changed.ok()) return Fail(c, changed.error());
  if (changed->started) {
    *c.out << Text(l, "cli.contract.closed_and_started",
                   {{"id", o.id},
                    {"end", changed->closed.end->ToString()},
                    {"next", changed->started->id},
                    {"status", StatusName(changed->started->status)},
                    {"date", date->ToString()}})
           << "\n";
  } else {
    *c.out << Text(l, "cli.contract.ended",
                   {{"id", o.id}, {"end", changed->closed.end->ToString()}})
           << "\n";
  }
  if (!changed->stale_periods.empty()) {
    std::string stale;
    for (const std::string& p : changed->stale_periods) stale += (stale.empty() ? "" : ", ") + p;
    *c.out << Text(l, "cli.contract.stale_runs", {{"periods", stale}}) << "\n";
  }
  return 0;
}

int RunContractHistory(const Context& c, const ContractOptions& o) {
  auto opened = Open(c);
  if (!opened.ok()) return Fail(c, opened.error());
  auto history = (*opened)->ContractHistory(o.id);
  if (!history.ok()) return Fail(c, history.error());
  const Language l = c.language;
  for (const store::ContractChange& h : *history) {
    *c.out << core::FormatTimestamp(h.at) << "  " << core::Render(ActionName(h.action), l) << "  "
           << h.user << "  "
           << (h.old_terms.empty()
                   ? ""
                   : core::Render(store::ContractTermsText(h.old_terms), l) + " -> ")
           << core::Render(store::ContractTermsText(h.new_terms), l)
           << (h.reason.empty() ? "" : "  (" + h.reason + ")") << "\n";
  }
  return 0;
}

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
  if (run->invoices.invoices.empty()) {
    // A run without a single invoice is a period whose data has not come in yet (or the wrong
    // period): storing it would only supersede a good run.
    *c.err << Text(l, "cli.compute.no_report_at_all", {{"period", period->ToString()}}) << "\n";
    return 1;
  }
  auto saved = fbr::SaveRun(store, *run, CliActor(c, "keneya compute"), progress.AsFunction());
  progress.Finish();
  if (!saved.ok()) return Fail(c, saved.error());
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
    // The invoice and its run, read once for the explanation, the warning and the total.
    auto invoice = store.GetInvoice(o.number);
    if (!invoice.ok()) return Fail(c, invoice.error());
    if (!*invoice) {
      return Fail(c, core::NotFound(NoInvoice(o.number), Message("cli.invoices.place_invoice")));
    }
    auto run = fbr::LoadRun(store, (*invoice)->run_id);
    if (!run.ok()) return Fail(c, run.error());
    auto explained = fbr::ExplainInvoice(*run, **invoice, request, l);
    if (!explained.ok()) return Fail(c, explained.error());
    auto successor = fbr::SuccessorOf(store, **invoice);
    if (!successor.ok()) return Fail(c, successor.error());
    *c.out << SupersededWarning(*successor, l);
    *c.out << Text(l, "cli.explain.invoice_head", {{"number", o.number}}) << "\n"
           << fbr::ExplanationText(*explained, l);
    if (o.formula.empty()) {
      // From the payment's total to what the invoice pays: its lines rounded to the franc, and
      // the envelope's cut.
      auto view = fbr::ViewOf(*run, **invoice, l);
      if (!view.ok()) return Fail(c, view.error());
      int64_t cut = 0;
      for (const rules::InvoiceLine& line : view->lines) {
        if (line.kind == rules::InvoiceLine::Kind::kEnvelope) cut += line.amount;
      }
      std::vector<core::MessageArg> amounts = {Grouped("amount", view->total - cut),
                                               Grouped("total", view->total)};
      if (cut != 0) amounts.push_back(Grouped("cut", cut));
      *c.out << "\n"
             << Text(l, cut != 0 ? "cli.explain.rounded_cut" : "cli.explain.rounded", amounts)
             << "\n";
    }
    return 0;
  }
  if (o.program.empty() || o.period.empty() || o.facility.empty()) {
    return Fail(c, core::InvalidArgument(Message("cli.explain.give_invoice_or_facility")));
  }
  auto period = ParsePeriod(o.period);
  if (!period.ok()) return Fail(c, period.error());
  auto metadata = store.LoadMetadata();
  if (!metadata.ok()) return Fail(c, metadata.error());
  auto record = fbr::ProgramToUse(store, *metadata, o.program, *period, Version(o.version), false);
  if (!record.ok()) return Fail(c, record.error());
  auto run = fbr::Compute(store, *metadata, *record, *period, {});
  if (!run.ok()) return Fail(c, run.error());
  int facility = -1;
  for (size_t f = 0; f < run->inputs->facilities.size(); ++f) {
    const rules::FacilityFacts& facts = run->inputs->facilities[f];
    if (facts.code == o.facility || facts.uid == o.facility) facility = static_cast<int>(f);
  }
  if (facility < 0) {
    return Fail(
        c, core::NotFound(Message("cli.explain.not_under_contract", {{"facility", o.facility}}),
                          "--facility"));
  }
  int activity = 0;
  auto slot = fbr::FindSlot(run->compiled, run->payment, *period, request, &activity,
                            run->inputs->facilities[static_cast<size_t>(facility)].type);
  if (!slot.ok()) return Fail(c, slot.error());
  *c.out << Text(l, "cli.explain.computed_now") << "\n"
         << fbr::ExplanationText(
                run->compiled.Explain(run->payment, run->result, *slot, facility, activity,
                                      l == Language::kEnglish ? "en" : "fr", o.depth),
                l);
  return 0;
}

int RunSimulate(const Context& c, const SimulateOptions& o) {
  const Language l = c.language;
  auto period = ParsePeriod(o.period);
  if (!period.ok()) return Fail(c, period.error());
  fbr::Overrides overrides;
  for (const std::string& s : o.sets) {
    core::Status status = fbr::ParseSetting(s, overrides);
    if (!status.ok()) return Fail(c, status.error());
  }
  for (const std::string& e : o.envelopes) {
    core::Status status = fbr::ParseEnvelope(e, overrides);
    if (!status.ok()) return Fail(c, status.error());
  }
  auto opened = Open(c);
  if (!opened.ok()) return Fail(c, opened.error());
  store::Store& store = **opened;
  auto metadata = store.LoadMetadata();
  if (!metadata.ok()) return Fail(c, metadata.error());
  auto record = fbr::ProgramToUse(store, *metadata, o.program, *period, Version(o.version), false);
  if (!record.ok()) return Fail(c, record.error());
  fbr::ComputeOptions options;
  options.payment = o.payment;
  auto base = fbr::Compute(store, *metadata, *record, *period, options);
  if (!base.ok()) return Fail(c, base.error());
  const auto start = std::chrono::steady_clock::now();
  auto scenario = fbr::Recompute(*base, overrides);
  if (!scenario.ok()) return Fail(c, scenario.error());
  const double simulation = SecondsSince(start);
  const fbr::Resolver resolver(*metadata);
  const ZoneTotals before = Totals(*base), after = Totals(*scenario);
  std::ostream& out = *c.out;
  out << Text(l, "cli.simulate.head",
              {{"program", record->code},
               {"version", record->version},
               {"period_label", io::PeriodLabel(period->ToString(), l)}})
      << "\n";
  for (const std::string& s : o.sets) out << "  --set " << s << "\n";
  for (const std::string& e : o.envelopes) out << "  --envelope " << e << "\n";
  out << "  "
      << Text(l, "cli.simulate.times",
              {{"simulation_time", Seconds(simulation, l)},
               {"read_time", Seconds(base->read_seconds, l)}})
      << "\n\n";
  // The zone column is as wide as its longest name: district names differ at their end
  // ("... de la Commune III", "... de la Commune IV").
  size_t name_width = 36;
  for (const auto& [region, total] : before.region)
    name_width = std::max(name_width, core::TextWidth(ZoneName(resolver, region)) + 2);
  if (o.districts) {
    for (const auto& [district, total] : before.district)
      name_width = std::max(name_width, core::TextWidth(ZoneName(resolver, district)) + 4);
  }
  out << Pad(Text(l, "cli.simulate.column_zone"), name_width)
      << Pad(Text(l, "cli.simulate.column_baseline"), 18, true)
      << Pad(Text(l, "cli.simulate.column_simulation"), 18, true)
      << Pad(Text(l, "cli.simulate.column_difference"), 16, true)
      << Pad(Text(l, "cli.simulate.column_envelope"), 16, true) << "\n";
  std::map<std::string, int64_t> envelopes;
  for (const rules::ZoneBudget& b : scenario->invoices.budgets) envelopes[b.zone] = b.envelope;
  auto row = [&](const std::string& name, int64_t a, int64_t b, const std::string& zone) {
    const auto envelope = envelopes.find(zone);
    out << Pad(name, name_width) << Pad(FormatInteger(a, l), 18, true)
        << Pad(FormatInteger(b, l), 18, true)
        << Pad((b - a > 0 ? "+" : "") + FormatInteger(b - a, l), 16, true)
        << Pad(envelope == envelopes.end() ? "" : FormatInteger(envelope->second, l), 16, true)
        << "\n";
  };
  for (const auto& [region, total] : before.region) {
    row(ZoneName(resolver, region), total, after.region.count(region) ? after.region.at(region) : 0,
        region);
    if (!o.districts) continue;
    for (const auto& [district, d_total] : before.district) {
      if (before.region_of_district.at(district) != region) continue;
      row("  " + ZoneName(resolver, district), d_total,
          after.district.count(district) ? after.district.at(district) : 0, district);
    }
  }
  row(Text(l, "cli.simulate.total"), base->invoices.total, scenario->invoices.total, "");
  for (const rules::ZoneBudget& b : scenario->invoices.budgets) {
    if (b.requested > b.envelope) {
      out << "  "
          << Text(l, "cli.simulate.over_envelope",
                  {{"zone", ZoneName(resolver, b.zone)},
                   Grouped("requested", b.requested),
                   Grouped("envelope", b.envelope)})
          << "\n";
    }
  }
  return 0;
}

// A run's invoices, one a line: number, facility, district, type, total.
int RunInvoicesOfRun(const Context& c, const InvoicesOptions& o) {
  const Language l = c.language;
  auto opened = Open(c);
  if (!opened.ok()) return Fail(c, opened.error());
  store::Store& store = **opened;
  auto metadata = store.LoadMetadata();
  if (!metadata.ok()) return Fail(c, metadata.error());
  auto rows = fbr::RunInvoices(store, *metadata, o.run, {o.zone, o.facility_type});
  if (!rows.ok()) return Fail(c, rows.error());
  size_t number_width = 8, name_width = 10, district_width = 10;
  for (const fbr::InvoiceRow& r : *rows) {
    number_width = std::max(number_width, core::TextWidth(r.number));
    name_width = std::max(name_width, core::TextWidth(r.facility_name));
    district_width = std::max(district_width, core::TextWidth(r.district_name));
  }
  int64_t total = 0;
  for (const fbr::InvoiceRow& r : *rows) {
    *c.out << Pad(r.number, number_width + 2) << Pad(r.facility_name, name_width + 2)
           << Pad(r.district_name, district_width + 2)
           << Pad(std::string(core::OrgUnitTypeCode(r.facility_type)), 17)
           << Pad(FormatInteger(r.total, l), 14, true) << " FCFA\n";
    total += r.total;
  }
  *c.out << Text(l, rows->size() == 1 ? "cli.invoices.run_total_one" : "cli.invoices.run_total",
                 {Grouped("count", static_cast<int64_t>(rows->size())), Grouped("total", total)})
         << "\n";
  return 0;
}

int RunInvoicesList(const Context& c, const InvoicesOptions& o) {
  if (o.run > 0) return RunInvoicesOfRun(c, o);
  auto opened = Open(c);
  if (!opened.ok()) return Fail(c, opened.error());
  auto runs = (*opened)->InvoiceRuns();
  if (!runs.ok()) return Fail(c, runs.error());
  const Language l = c.language;
  if (runs->empty()) *c.out << Text(l, "cli.invoices.no_run") << "\n";
  for (const store::InvoiceRunRecord& r : *runs) {
    const Message suspended(
        r.suspended_count > 1 ? "cli.invoices.suspended" : "cli.invoices.suspended_one",
        {Grouped("count", r.suspended_count)});
    *c.out << Text(l, "cli.invoices.run_row",
                   {{"run", r.id},
                    {"program", r.program_code},
                    {"version", r.program_version},
                    {"payment", r.payment_code},
                    {"period", core::Period::FromCode(r.period)->ToString()},
                    {"status", RunStatusName(r.status)},
                    Grouped("invoices", r.invoice_count),
                    Grouped("missing", r.missing_count),
                    {"suspended", suspended},
                    Grouped("total", r.total),
                    {"created", core::FormatTimestamp(r.created)},
                    {"user", r.created_by}})
           << "\n";
  }
  return 0;
}

int RunInvoicesShow(const Context& c, const InvoicesOptions& o) {
  auto opened = Open(c);
  if (!opened.ok()) return Fail(c, opened.error());
  store::Store& store = **opened;
  auto invoice = store.GetInvoice(o.number);
  if (!invoice.ok()) return Fail(c, invoice.error());
  if (!*invoice) {
    return Fail(c, core::NotFound(NoInvoice(o.number), Message("cli.invoices.place_number")));
  }
  auto run = fbr::LoadRun(store, (*invoice)->run_id);
  if (!run.ok()) return Fail(c, run.error());
  auto view = fbr::ViewOf(*run, **invoice, c.language);
  if (!view.ok()) return Fail(c, view.error());
  // Said first and plainly: a superseded invoice must not be paid.
  auto successor = fbr::SuccessorOf(store, **invoice);
  if (!successor.ok()) return Fail(c, successor.error());
  const std::string warning = SupersededWarning(*successor, c.language);
  if (!warning.empty()) *c.out << warning << "\n";
  *c.out << fbr::InvoiceText(*view, c.language);
  return 0;
}

int RunInvoicesExport(const Context& c, const InvoicesOptions& o) {
  const Language l = c.language;
  auto opened = Open(c);
  if (!opened.ok()) return Fail(c, opened.error());
  store::Store& store = **opened;
  // The run given, or the newest of the period.
  Result<fbr::StoredRun> run = [&]() -> Result<fbr::StoredRun> {
    if (o.run > 0) return fbr::LoadRun(store, o.run);
    auto period = ParsePeriod(o.period);
    if (!period.ok()) return period.error();
    return fbr::LatestRun(store, o.program, *period);
  }();
  if (!run.ok()) return Fail(c, run.error());
  auto metadata = store.LoadMetadata();
  if (!metadata.ok()) return Fail(c, metadata.error());
  ProgressPrinter progress(*c.err, l, c.interactive);
  fbr::ExportOptions options;
  options.format = o.format;
  options.path = o.out;
  options.language = l;
  options.progress = progress.AsFunction();
  options.allow_superseded = o.superseded;
  auto written = fbr::ExportRun(store, *metadata, *run, options);
  progress.Finish();
  if (!written.ok()) return Fail(c, written.error());
  *c.out << Text(l, "cli.invoices.exported",
                 {Grouped("count", written->invoices), {"path", written->path}})
         << "\n";
  return 0;
}

}  // namespace

std::function<std::optional<int>()> AddFbrCommands(CLI::App& app, Context& context) {
  const Language l = context.language;
  auto t = [l](std::string_view id) { return Text(l, id); };
  auto check = std::make_shared<CheckOptions>();
  auto program = std::make_shared<ProgramOptions>();
  auto contract = std::make_shared<ContractOptions>();
  auto compute = std::make_shared<ComputeOptions>();
  auto explain = std::make_shared<ExplainOptions>();
  auto simulate = std::make_shared<SimulateOptions>();
  auto invoices = std::make_shared<InvoicesOptions>();

  CLI::App* check_command = app.add_subcommand("check", t("cli.check.help"));
  check_command->add_option("program", check->program, t("cli.fbr.help_program_files"))->required();
  check_command->add_flag("--with-db", check->with_db, t("cli.check.help_with_db"));
  check_command->add_option("--period", check->period, t("cli.check.help_period"));

  CLI::App* program_command = app.add_subcommand("program", t("cli.program.help"));
  program_command->require_subcommand(1);
  CLI::App* program_load = program_command->add_subcommand("load", t("cli.program.help_load"));
  program_load->add_option("path", program->path, t("cli.fbr.help_program_files"))->required();
  CLI::App* program_list = program_command->add_subcommand("list", t("cli.program.help_list"));

  CLI::App* contract_command = app.add_subcommand("contract", t("cli.contract.help"));
  contract_command->require_subcommand(1);
  CLI::App* contract_sign = contract_command->add_subcommand("sign", t("cli.contract.help_sign"));
  contract_sign->add_option("--program", contract->program, t("cli.contract.help_program"))
      ->required();
  contract_sign->add_option("--facility", contract->facilities, t("cli.contract.help_facility"));
  contract_sign->add_option("--group", contract->group, t("cli.contract.help_group"));
  contract_sign->add_option("--start", contract->start, t("cli.contract.help_start"))->required();
  contract_sign->add_option("--end", contract->end, t("cli.contract.help_end"));
  contract_sign->add_option("--equity", contract->equity, t("cli.contract.help_equity"));
  contract_sign->add_option("--reason", contract->reason, t("cli.contract.help_reason"));
  CLI::App* contract_list = contract_command->add_subcommand("list", t("cli.contract.help_list"));
  contract_list->add_option("--program", contract->program, t("cli.contract.help_program"));
  contract_list->add_option("--facility", contract->facilities,
                            t("cli.contract.help_list_facility"));
  CLI::App* contract_end =
      contract_command->add_subcommand("end", t("cli.contract.help_end_command"));
  CLI::App* contract_suspend =
      contract_command->add_subcommand("suspend", t("cli.contract.help_suspend"));
  CLI::App* contract_resume =
      contract_command->add_subcommand("resume", t("cli.contract.help_resume"));
  for (CLI::App* sub : {contract_end, contract_suspend, contract_resume}) {
    sub->add_option("id", contract->id, t("cli.contract.help_id"))->required();
    sub->add_option("--date", contract->date,
                    sub == contract_end ? t("cli.contract.help_end_date")
                                        : t("cli.contract.help_change_date"))
        ->required();
    sub->add_option("--reason", contract->reason, t("cli.contract.help_reason"));
  }
  CLI::App* contract_history =
      contract_command->add_subcommand("history", t("cli.contract.help_history"));
  contract_history->add_option("id", contract->id, t("cli.contract.help_id"))->required();

  CLI::App* compute_command = app.add_subcommand("compute", t("cli.compute.help"));
  compute_command->add_option("--program", compute->program, t("cli.compute.help_program"))
      ->required();
  compute_command->add_option("--period", compute->period, t("cli.compute.help_period"))
      ->required();
  compute_command->add_option("--payment", compute->payment, t("cli.compute.help_payment"));
  compute_command->add_option("--version", compute->version, t("cli.fbr.help_version"))
      ->check(CLI::Range(1, 1'000'000));
  compute_command->add_option("--threads", compute->threads, t("cli.compute.help_threads"));
  compute_command->add_flag("--dry-run", compute->dry_run, t("cli.compute.help_dry_run"));

  CLI::App* explain_command = app.add_subcommand("explain", t("cli.explain.help"));
  explain_command->add_option("number", explain->number, t("cli.fbr.help_invoice_number"));
  explain_command->add_option("--formula", explain->formula, t("cli.explain.help_formula"));
  explain_command->add_option("--activity", explain->activity, t("cli.explain.help_activity"));
  explain_command->add_option("--of-period", explain->of_period, t("cli.explain.help_of_period"));
  explain_command->add_option("--depth", explain->depth, t("cli.explain.help_depth"))
      ->capture_default_str()
      ->check(CLI::Range(0, 100));
  explain_command->add_option("--version", explain->version, t("cli.explain.help_version"))
      ->check(CLI::Range(1, 1'000'000));
  explain_command->add_option("--program", explain->program, t("cli.explain.help_program"));
  explain_command->add_option("--period", explain->period, t("cli.explain.help_period"));
  explain_command->add_option("--facility", explain->facility, t("cli.explain.help_facility"));

  CLI::App* simulate_command = app.add_subcommand("simulate", t("cli.simulate.help"));
  simulate_command->add_option("--program", simulate->program, t("cli.simulate.help_program"))
      ->required();
  simulate_command->add_option("--period", simulate->period, t("cli.simulate.help_period"))
      ->required();
  simulate_command->add_option("--payment", simulate->payment, t("cli.simulate.help_payment"));
  simulate_command->add_option("--version", simulate->version, t("cli.fbr.help_version"))
      ->check(CLI::Range(1, 1'000'000));
  simulate_command->add_option("--set", simulate->sets, t("cli.simulate.help_set"));
  simulate_command->add_option("--envelope", simulate->envelopes, t("cli.simulate.help_envelope"));
  simulate_command->add_flag("--districts", simulate->districts, t("cli.simulate.help_districts"));

  CLI::App* invoices_command = app.add_subcommand("invoices", t("cli.invoices.help"));
  invoices_command->require_subcommand(1);
  CLI::App* invoices_list = invoices_command->add_subcommand("list", t("cli.invoices.help_list"));
  invoices_list->add_option("--run", invoices->run, t("cli.invoices.help_list_run"));
  invoices_list->add_option("--zone", invoices->zone, t("cli.invoices.help_zone"))
      ->needs(invoices_list->get_option("--run"));
  invoices_list->add_option("--type", invoices->facility_type, t("cli.invoices.help_type"))
      ->needs(invoices_list->get_option("--run"));
  CLI::App* invoices_show = invoices_command->add_subcommand("show", t("cli.invoices.help_show"));
  invoices_show->add_option("number", invoices->number, t("cli.fbr.help_invoice_number"))
      ->required();
  CLI::App* invoices_export =
      invoices_command->add_subcommand("export", t("cli.invoices.help_export"));
  CLI::Option* export_run =
      invoices_export->add_option("--run", invoices->run, t("cli.invoices.help_export_run"));
  CLI::Option* export_period = invoices_export->add_option("--period", invoices->period,
                                                           t("cli.invoices.help_export_period"));
  invoices_export->add_option("--program", invoices->program, t("cli.invoices.help_export_program"))
      ->excludes(export_run);
  export_period->excludes(export_run);
  invoices_export->add_option("--format", invoices->format, t("cli.invoices.help_format"))
      ->required()
      ->check(CLI::IsMember({"csv", "xlsx", "pdf", "dhis2"}));
  invoices_export->add_option("--out", invoices->out, t("cli.invoices.help_out"))->required();
  invoices_export->add_flag("--superseded", invoices->superseded,
                            t("cli.invoices.help_superseded"));

  Context* c = &context;
  return [=]() -> std::optional<int> {
    if (check_command->parsed()) return RunCheck(*c, *check);
    if (program_load->parsed()) return RunProgramLoad(*c, *program);
    if (program_list->parsed()) return RunProgramList(*c);
    if (contract_sign->parsed()) return RunContractSign(*c, *contract);
    if (contract_list->parsed()) return RunContractList(*c, *contract);
    if (contract_end->parsed()) return RunContractChange(*c, *contract, fbr::ContractAction::kEnd);
    if (contract_suspend->parsed())
      return RunContractChange(*c, *contract, fbr::ContractAction::kSuspend);
    if (contract_resume->parsed())
      return RunContractChange(*c, *contract, fbr::ContractAction::kResume);
    if (contract_history->parsed()) return RunContractHistory(*c, *contract);
    if (compute_command->parsed()) return RunCompute(*c, *compute);
    if (explain_command->parsed()) return RunExplain(*c, *explain);
    if (simulate_command->parsed()) return RunSimulate(*c, *simulate);
    if (invoices_list->parsed()) return RunInvoicesList(*c, *invoices);
    if (invoices_show->parsed()) return RunInvoicesShow(*c, *invoices);
    if (invoices_export->parsed()) {
      if (invoices->run == 0 && invoices->period.empty()) {
        *c->err << Text(c->language, "cli.error",
                        {{"message", Message("cli.invoices.give_run_or_period")}})
                << "\n";
        return 2;
      }
      return RunInvoicesExport(*c, *invoices);
    }
    return std::nullopt;
  };
}

}  // namespace keneya::cli
