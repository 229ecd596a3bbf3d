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
#include "core/i18n.h"
#include "core/period.h"
#include "fbr/contracts.h"
#include "fbr/exports.h"
#include "fbr/invoice_run.h"
#include "fbr/programs.h"
#include "fbr/resolver.h"
#include "fbr/stored_invoices.h"
#include "fbr/text.h"
#include "rules/program_file.h"

namespace keneya::cli {

using core::FormatInteger;
using core::Language;
using core::Result;
using core::Tr;

namespace {

std::string T(Language l, const char* fr, const char* en) { return std::string(Tr(l, fr, en)); }

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
  *c.err << problems.size() << T(c.language, " problème", " problem")
         << (problems.size() == 1 ? "" : "s") << T(c.language, " :\n", ":\n");
  for (const rules::ProgramProblem& p : problems) {
    *c.err << "  " << core::Localize(p.ToString(), c.language) << "\n";
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

void PrintRunSummary(const Context& c, const fbr::ComputedRun& run, const fbr::Resolver& resolver) {
  const Language l = c.language;
  std::ostream& out = *c.out;
  const rules::Program& program = run.program();
  const rules::PaymentRule& rule = run.payment_rule();
  const std::string period = run.inputs->period.ToString();
  out << T(l, "Programme ", "Program ") << program.code << " version " << run.record.version
      << T(l, ", paiement « ", ", payment \"") << rule.code << T(l, " », ", "\", ")
      << fbr::PeriodLabel(period, l) << " (" << period << ")\n";
  out << "  " << T(l, "formations sous contrat : ", "facilities under contract: ")
      << FormatInteger(static_cast<int64_t>(run.inputs->facilities.size()), l)
      << T(l, " ; factures : ", "; invoices: ")
      << FormatInteger(static_cast<int64_t>(run.invoices.invoices.size()), l)
      << T(l, " ; sans déclaration : ", "; without a report: ")
      << FormatInteger(static_cast<int64_t>(run.invoices.missing.size()), l)
      << T(l, " ; contrats suspendus : ", "; suspended contracts: ")
      << FormatInteger(static_cast<int64_t>(run.suspended.size()), l) << "\n";
  out << "  " << T(l, "valeurs lues : ", "values read: ") << FormatInteger(run.values_read, l)
      << " (" << Seconds(run.read_seconds, l) << T(l, ") ; calcul : ", "); computation: ")
      << Seconds(run.compute_seconds, l) << "\n";
  for (const std::string& w : run.warnings)
    out << "  " << T(l, "attention : ", "warning: ") << w << "\n";
  if (!run.invoices.missing.empty()) {
    out << "  " << T(l, "sans déclaration (pas de facture) : ", "no report (no invoice): ");
    size_t shown = 0;
    for (int f : run.invoices.missing) {
      if (shown++ == 10) {
        out << T(l, ", ...", ", ...");
        break;
      }
      out << (shown > 1 ? ", " : "") << run.inputs->facilities[static_cast<size_t>(f)].code;
    }
    out << "\n";
  }
  if (!run.suspended.empty()) {
    out << "  " << T(l, "contrats suspendus (pas de facture) : ", "suspended (no invoice): ");
    for (size_t i = 0; i < run.suspended.size() && i < 10; ++i)
      out << (i ? ", " : "") << run.suspended[i];
    out << (run.suspended.size() > 10 ? ", ...\n" : "\n");
  }
  const ZoneTotals totals = Totals(run);
  out << "  " << T(l, "par région (FCFA) :", "by region (FCFA):") << "\n";
  for (const auto& [region, total] : totals.region) {
    out << "    " << Pad(core::Shorten(ZoneName(resolver, region), 31), 32)
        << Pad(FormatInteger(total, l), 18, true) << "\n";
  }
  for (const rules::ZoneBudget& b : run.invoices.budgets) {
    out << "  " << T(l, "enveloppe ", "envelope ") << ZoneName(resolver, b.zone) << " : "
        << T(l, "demandé ", "requested ") << FormatInteger(b.requested, l)
        << T(l, ", enveloppe ", ", envelope ") << FormatInteger(b.envelope, l)
        << T(l, ", payé ", ", paid ") << FormatInteger(b.paid, l)
        << (b.requested > b.envelope ? T(l, " (réduction au prorata)", " (pro rata cut)") : "")
        << "\n";
  }
  out << "  " << T(l, "TOTAL : ", "TOTAL: ") << FormatInteger(run.invoices.total, l) << " FCFA\n";
}

// "name=value" and "output[activity]=value".
std::string StatusName(store::ContractStatus status, Language l) {
  switch (status) {
    case store::ContractStatus::kActive:
      return T(l, "actif", "active");
    case store::ContractStatus::kSuspended:
      return T(l, "suspendu", "suspended");
    case store::ContractStatus::kEnded:
      return T(l, "terminé", "ended");
  }
  return "?";
}

std::string RunStatusName(const std::string& status, Language l) {
  if (status == "draft") return T(l, "brouillon", "draft");
  if (status == "superseded") return T(l, "remplacé", "superseded");
  return status;
}

// The audit's action of a contract change, in the reader's language.
std::string ActionName(const std::string& action, Language l) {
  if (action == "create") return T(l, "création", "create");
  if (action == "update") return T(l, "modification", "update");
  if (action == "delete") return T(l, "suppression", "delete");
  return action;
}

// "ATTENTION : facture remplacée..." for a superseded invoice; nothing otherwise.
std::string SupersededWarning(const std::optional<fbr::Successor>& successor, Language l) {
  if (!successor) return "";
  std::string out = T(l, "ATTENTION : facture remplacée, à ne pas payer. ",
                      "WARNING: superseded invoice, not to be paid. ");
  if (successor->run == 0) return out + "\n";
  if (successor->number.empty()) {
    return out + T(l, "Le lot ", "Run ") + std::to_string(successor->run) +
           T(l, " ne facture plus cette formation.\n", " no longer invoices this facility.\n");
  }
  return out + T(l, "Elle est remplacée par ", "It is replaced by ") + successor->number +
         T(l, " (lot ", " (run ") + std::to_string(successor->run) + ").\n";
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
    *c.err << T(l, "Programme refusé : ", "Program refused: ") << source->toml_name << "\n";
    PrintProblems(c, checked.problems);
    return 1;
  }
  *c.out << T(l, "Programme ", "Program ") << checked.program.code << " version "
         << checked.program.version
         << (o.period.empty()
                 ? T(l, " : aucun problème (", ": no problem (")
                 : T(l, " : aucun problème dans les fichiers (", ": no problem in the files ("))
         << checked.program.packages.size()
         << (checked.program.packages.size() == 1 ? T(l, " paquet, ", " package, ")
                                                  : T(l, " paquets, ", " packages, "))
         << checked.program.payments.size()
         << (checked.program.payments.size() == 1 ? T(l, " règle de paiement", " payment rule")
                                                  : T(l, " règles de paiement", " payment rules"))
         << (metadata ? T(l, ", noms vérifiés dans la base", ", names checked in the database")
                      : "")
         << ")\n";
  if (!o.period.empty()) {
    auto period = ParsePeriod(o.period);
    if (!period.ok()) return Fail(c, period.error());
    auto run =
        fbr::Compute(*store, *metadata, fbr::ToRecord(*source, checked.program), *period, {});
    if (!run.ok()) {
      *c.err << T(l, "Calcul de ", "Computing ") << o.period
             << T(l, " impossible :\n", " failed:\n");
      return Fail(c, run.error());
    }
    *c.out << T(l, "Calcul de ", "Computing ") << o.period
           << T(l, " sans erreur : ", " without error: ")
           << FormatInteger(static_cast<int64_t>(run->invoices.invoices.size()), l)
           << T(l, " factures, total ", " invoices, total ")
           << FormatInteger(run->invoices.total, l)
           << T(l, " FCFA (rien n'est enregistré)\n", " FCFA (nothing stored)\n");
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
std::string Days(const core::Date& from, const std::optional<core::Date>& to, Language l) {
  if (!to) return T(l, "à partir du ", "from ") + from.ToString();
  return T(l, "du ", "from ") + from.ToString() + T(l, " au ", " to ") + to->ToString();
}

int RunProgramLoad(const Context& c, const ProgramOptions& o) {
  auto source = rules::ReadProgramSource(o.path);
  if (!source.ok()) return Fail(c, source.error());
  auto opened = Open(c);
  if (!opened.ok()) return Fail(c, opened.error());
  auto record = fbr::LoadProgram(**opened, *source, CliActor(c, "keneya program load"));
  if (!record.ok()) return Fail(c, record.error());
  *c.out << T(c.language, "Programme ", "Program ") << record->code << " version "
         << record->version << T(c.language, " enregistré (valable ", " stored (valid ")
         << Days(record->valid_from, record->valid_to, c.language) << ")\n";
  // Say which earlier versions it replaces, and from when: runs already stored keep theirs.
  auto programs = (*opened)->Programs();
  if (!programs.ok()) return Fail(c, programs.error());
  for (const store::ProgramRecord& p : *programs) {
    if (p.code != record->code || p.version >= record->version) continue;
    const auto newer = Replacement(*programs, p);
    if (!newer || newer->version != record->version) continue;
    *c.out << T(c.language, "Cette version remplace la version ", "It replaces version ")
           << p.version << " " << Days(newer->from, newer->to, c.language)
           << T(c.language,
                " : les prochains calculs de ces périodes l'utiliseront ; les lots déjà "
                "enregistrés gardent leur version.\n",
                ": the next computations of those periods will use it; stored runs keep their "
                "version.\n");
  }
  return 0;
}

int RunProgramList(const Context& c) {
  auto opened = Open(c);
  if (!opened.ok()) return Fail(c, opened.error());
  auto programs = (*opened)->Programs();
  if (!programs.ok()) return Fail(c, programs.error());
  if (programs->empty()) {
    *c.out << T(c.language, "Aucun programme enregistré.\n", "No program stored.\n");
  }
  for (const store::ProgramRecord& p : *programs) {
    *c.out << p.code << " v" << p.version << "  " << p.name << "  " << p.valid_from.ToString()
           << ".." << (p.valid_to ? p.valid_to->ToString() : "") << "  "
           << T(c.language, "chargé par ", "loaded by ") << p.loaded_by;
    if (auto newer = Replacement(*programs, p)) {
      *c.out << T(c.language, "  (remplacé par v", "  (replaced by v") << newer->version << " "
             << Days(newer->from, newer->to, c.language) << ")";
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
  *c.out << FormatInteger(result->signed_count, l)
         << T(l, " contrat(s) signé(s) avec ", " contract(s) signed with ") << o.program << "\n";
  for (const std::string& r : result->refused)
    *c.err << T(l, "refusé : ", "refused: ") << core::Localize(r, l) << "\n";
  return result->refused.empty() ? 0 : 1;
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
    if (only == nullptr)
      return Fail(c, core::NotFound("no org unit '" + o.facilities.front() + "'", "--facility"));
  }
  int64_t shown = 0;
  for (const store::Contract& k : *contracts) {
    if (only != nullptr && k.org_unit != only->id) continue;
    const core::OrgUnit* unit = resolver.OrgUnitById(k.org_unit);
    *c.out << k.id << "  " << (unit ? (unit->code.empty() ? unit->uid : unit->code) : "?") << "  "
           << k.program_code << "  " << k.start.ToString() << ".."
           << (k.end ? k.end->ToString() : "") << "  " << k.equity_category
           << (k.equity_explicit ? "*" : "") << "  " << StatusName(k.status, c.language) << "\n";
    ++shown;
  }
  *c.err << FormatInteger(shown, c.language) << T(c.language, " contrat(s)\n", " contract(s)\n");
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
    *c.out << T(l, "Contrat ", "Contract ") << o.id << T(l, " clos le ", " closed on ")
           << changed->closed.end->ToString() << T(l, " ; contrat ", "; contract ")
           << changed->started->id << " " << StatusName(changed->started->status, l)
           << T(l, " à partir du ", " from ") << date->ToString() << "\n";
  } else {
    *c.out << T(l, "Contrat ", "Contract ") << o.id << T(l, " terminé le ", " ended on ")
           << changed->closed.end->ToString() << "\n";
  }
  if (!changed->stale_periods.empty()) {
    std::string stale;
    for (const std::string& p : changed->stale_periods) stale += (stale.empty() ? "" : ", ") + p;
    *c.out << T(l, "Attention : les lots déjà calculés de ", "Note: the runs already computed for ")
           << stale
           << T(l,
                " gardent les anciennes conditions ; recalculez-les (keneya compute) pour en "
                "tenir compte.\n",
                " keep the old terms; compute them again (keneya compute) to apply the change.\n");
  }
  return 0;
}

int RunContractHistory(const Context& c, const ContractOptions& o) {
  auto opened = Open(c);
  if (!opened.ok()) return Fail(c, opened.error());
  auto history = (*opened)->ContractHistory(o.id);
  if (!history.ok()) return Fail(c, history.error());
  for (const store::ContractChange& h : *history) {
    *c.out << core::FormatTimestamp(h.at) << "  " << ActionName(h.action, c.language) << "  "
           << h.user << "  "
           << (h.old_terms.empty() ? "" : core::Localize(h.old_terms, c.language) + " -> ")
           << core::Localize(h.new_terms, c.language)
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
    *c.err << T(l, "Rien n'a été enregistré.\n", "Nothing was stored.\n");
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
    *c.err << T(l, "Rien n'a été enregistré.\n", "Nothing was stored.\n");
    return Fail(c, run.error());
  }
  const fbr::Resolver resolver(*metadata);
  PrintRunSummary(c, *run, resolver);
  if (o.dry_run) {
    *c.out << T(l, "[essai à blanc : rien n'a été enregistré]\n", "[dry run: nothing stored]\n");
    return 0;
  }
  if (run->invoices.invoices.empty()) {
    // A run without a single invoice is a period whose data has not come in yet (or the wrong
    // period): storing it would only supersede a good run.
    *c.err << T(l, "Aucune formation sous contrat n'a de déclaration pour ",
                "No facility under contract has a report for ")
           << period->ToString()
           << T(l, " : rien n'a été enregistré.\n", ": nothing was stored.\n");
    return 1;
  }
  auto saved = fbr::SaveRun(store, *run, CliActor(c, "keneya compute"), progress.AsFunction());
  progress.Finish();
  if (!saved.ok()) return Fail(c, saved.error());
  *c.out << T(l, "Lot de facturation ", "Invoice run ") << saved->id
         << T(l, " enregistré : ", " stored: ") << FormatInteger(saved->invoice_count, l)
         << T(l, " factures", " invoices") << "\n";
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
    return Fail(c, core::InvalidArgument(T(l,
                                           "--activity va avec --formula (quantite.montant, "
                                           "par exemple)",
                                           "--activity goes with --formula (quantite.montant, "
                                           "for instance)"),
                                         "--activity"));
  }
  if (!o.number.empty()) {
    if (!o.program.empty() || !o.period.empty() || !o.facility.empty() || o.version != 0) {
      return Fail(c, core::InvalidArgument(
                         T(l,
                           "une facture se suffit : --program, --period, --facility et "
                           "--version sont pour un calcul sans facture",
                           "an invoice is enough: --program, --period, --facility and --version "
                           "are for a computation without one")));
    }
    // The invoice and its run, read once for the explanation, the warning and the total.
    auto invoice = store.GetInvoice(o.number);
    if (!invoice.ok()) return Fail(c, invoice.error());
    if (!*invoice) return Fail(c, core::NotFound("no invoice " + o.number, "invoice"));
    auto run = fbr::LoadRun(store, (*invoice)->run_id);
    if (!run.ok()) return Fail(c, run.error());
    auto explained = fbr::ExplainInvoice(*run, **invoice, request, l);
    if (!explained.ok()) return Fail(c, explained.error());
    auto successor = fbr::SuccessorOf(store, **invoice);
    if (!successor.ok()) return Fail(c, successor.error());
    *c.out << SupersededWarning(*successor, l);
    *c.out << T(l, "Facture ", "Invoice ") << o.number
           << T(l, " (données enregistrées avec la facture)\n", " (data stored with the invoice)\n")
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
      *c.out << T(l, "\nSur la facture, chaque ligne est arrondie au franc : ",
                  "\nOn the invoice, each line is rounded to the franc: ")
             << FormatInteger(view->total - cut, l) << " FCFA";
      if (cut != 0) {
        *c.out << T(l, " ; réduction au prorata de l'enveloppe budgétaire : ",
                    "; pro rata cut to the budget envelope: ")
               << FormatInteger(cut, l) << " FCFA";
      }
      *c.out << T(l, " ; total à payer : ", "; total to pay: ") << FormatInteger(view->total, l)
             << " FCFA\n";
    }
    return 0;
  }
  if (o.program.empty() || o.period.empty() || o.facility.empty()) {
    return Fail(c, core::InvalidArgument(
                       T(l, "donnez un numéro de facture, ou --program, --period et --facility",
                         "give an invoice number, or --program, --period and --facility")));
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
    return Fail(c, core::NotFound(o.facility + T(l, " n'est pas sous contrat pour cette période",
                                                 " is not under contract for this period"),
                                  "--facility"));
  }
  int activity = 0;
  auto slot = fbr::FindSlot(run->compiled, run->payment, *period, request, &activity,
                            run->inputs->facilities[static_cast<size_t>(facility)].type);
  if (!slot.ok()) return Fail(c, slot.error());
  *c.out << T(l, "Calcul sur les données actuelles (rien n'est enregistré)\n",
              "Computed on the current data (nothing stored)\n")
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
  out << T(l, "Simulation (rien n'est enregistré) : ", "Simulation (nothing stored): ")
      << record->code << " version " << record->version << ", "
      << fbr::PeriodLabel(period->ToString(), l) << "\n";
  for (const std::string& s : o.sets) out << "  --set " << s << "\n";
  for (const std::string& e : o.envelopes) out << "  --envelope " << e << "\n";
  out << "  " << T(l, "calcul de la simulation : ", "simulation computed in ")
      << Seconds(simulation, l) << T(l, " (données lues une fois : ", " (data read once: ")
      << Seconds(base->read_seconds, l) << ")\n\n";
  // The zone column is as wide as its longest name: district names differ at their end
  // ("... de la Commune III", "... de la Commune IV").
  size_t name_width = 36;
  for (const auto& [region, total] : before.region)
    name_width = std::max(name_width, core::TextWidth(ZoneName(resolver, region)) + 2);
  if (o.districts) {
    for (const auto& [district, total] : before.district)
      name_width = std::max(name_width, core::TextWidth(ZoneName(resolver, district)) + 4);
  }
  out << Pad(T(l, "Zone", "Zone"), name_width) << Pad(T(l, "Référence", "Baseline"), 18, true)
      << Pad(T(l, "Simulation", "Simulation"), 18, true)
      << Pad(T(l, "Écart", "Difference"), 16, true) << Pad(T(l, "Enveloppe", "Envelope"), 16, true)
      << "\n";
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
  row(T(l, "TOTAL", "TOTAL"), base->invoices.total, scenario->invoices.total, "");
  for (const rules::ZoneBudget& b : scenario->invoices.budgets) {
    if (b.requested > b.envelope) {
      out << T(l, "  dépassement d'enveloppe, réduction au prorata : ",
               "  over the envelope, pro rata cut: ")
          << ZoneName(resolver, b.zone) << " (" << FormatInteger(b.requested, l) << " > "
          << FormatInteger(b.envelope, l) << ")\n";
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
  *c.out << FormatInteger(static_cast<int64_t>(rows->size()), l)
         << (rows->size() == 1 ? T(l, " facture, total ", " invoice, total ")
                               : T(l, " factures, total ", " invoices, total "))
         << FormatInteger(total, l) << " FCFA\n";
  return 0;
}

int RunInvoicesList(const Context& c, const InvoicesOptions& o) {
  if (o.run > 0) return RunInvoicesOfRun(c, o);
  auto opened = Open(c);
  if (!opened.ok()) return Fail(c, opened.error());
  auto runs = (*opened)->InvoiceRuns();
  if (!runs.ok()) return Fail(c, runs.error());
  const Language l = c.language;
  if (runs->empty()) *c.out << T(l, "Aucun lot de facturation.\n", "No invoice run.\n");
  for (const store::InvoiceRunRecord& r : *runs) {
    *c.out << r.id << "  " << r.program_code << " v" << r.program_version << "  " << r.payment_code
           << "  " << core::Period::FromCode(r.period)->ToString() << "  "
           << RunStatusName(r.status, l) << "  " << FormatInteger(r.invoice_count, l)
           << T(l, " factures  ", " invoices  ") << FormatInteger(r.missing_count, l)
           << T(l, " sans déclaration  ", " without a report  ")
           << FormatInteger(r.suspended_count, l)
           << (r.suspended_count > 1 ? T(l, " suspendus  ", " suspended  ")
                                     : T(l, " suspendu  ", " suspended  "))
           << FormatInteger(r.total, l) << " FCFA  " << core::FormatTimestamp(r.created) << "  "
           << r.created_by << "\n";
  }
  return 0;
}

int RunInvoicesShow(const Context& c, const InvoicesOptions& o) {
  auto opened = Open(c);
  if (!opened.ok()) return Fail(c, opened.error());
  store::Store& store = **opened;
  auto invoice = store.GetInvoice(o.number);
  if (!invoice.ok()) return Fail(c, invoice.error());
  if (!*invoice) return Fail(c, core::NotFound("no invoice " + o.number, "NUMBER"));
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
  Result<fbr::StoredRun> run = core::Internal("no run");
  if (o.run > 0) {
    run = fbr::LoadRun(store, o.run);
  } else {
    auto period = ParsePeriod(o.period);
    if (!period.ok()) return Fail(c, period.error());
    run = fbr::LatestRun(store, o.program, *period);
  }
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
  *c.out << FormatInteger(written->invoices, l)
         << T(l, " factures exportées vers ", " invoices exported to ") << written->path << "\n";
  return 0;
}

}  // namespace

std::function<std::optional<int>()> AddFbrCommands(CLI::App& app, Context& context) {
  const Language l = context.language;
  auto t = [l](const char* fr, const char* en) { return T(l, fr, en); };
  auto check = std::make_shared<CheckOptions>();
  auto program = std::make_shared<ProgramOptions>();
  auto contract = std::make_shared<ContractOptions>();
  auto compute = std::make_shared<ComputeOptions>();
  auto explain = std::make_shared<ExplainOptions>();
  auto simulate = std::make_shared<SimulateOptions>();
  auto invoices = std::make_shared<InvoicesOptions>();

  CLI::App* check_command = app.add_subcommand(
      "check", t("vérifie un programme FBR (TOML et tables CSV) : tous les problèmes d'un coup",
                 "checks an FBR program (TOML and CSV tables): every problem at once"));
  check_command
      ->add_option("program", check->program,
                   t("répertoire ou fichier .toml", "directory or .toml file"))
      ->required();
  check_command->add_flag(
      "--with-db", check->with_db,
      t("vérifie aussi les noms dans la base (éléments, combinaisons, états, groupes)",
        "also checks names in the database (elements, combos, states, groups)"));
  check_command->add_option("--period", check->period,
                            t("calcule aussi cette période sur la base, sans rien enregistrer",
                              "also computes this period on the database, storing nothing"));

  CLI::App* program_command =
      app.add_subcommand("program", t("programmes FBR enregistrés", "stored FBR programs"));
  program_command->require_subcommand(1);
  CLI::App* program_load = program_command->add_subcommand(
      "load",
      t("vérifie et enregistre une version de programme", "checks and stores a program version"));
  program_load
      ->add_option("path", program->path,
                   t("répertoire ou fichier .toml", "directory or .toml file"))
      ->required();
  CLI::App* program_list =
      program_command->add_subcommand("list", t("versions enregistrées", "stored versions"));

  CLI::App* contract_command = app.add_subcommand("contract", t("contrats FBR", "FBR contracts"));
  contract_command->require_subcommand(1);
  CLI::App* contract_sign = contract_command->add_subcommand(
      "sign", t("signe des contrats (catégorie d'équité : celle de l'éloignement, sauf --equity)",
                "signs contracts (equity category: the remoteness group's, unless --equity)"));
  contract_sign->add_option("--program", contract->program, t("code du programme", "program code"))
      ->required();
  contract_sign->add_option(
      "--facility", contract->facilities,
      t("formation (code ou uid), répétable", "facility (code or uid), repeatable"));
  contract_sign->add_option("--group", contract->group,
                            t("toutes les formations d'un groupe", "every facility of a group"));
  contract_sign
      ->add_option("--start", contract->start,
                   t("premier jour (AAAA-MM-JJ)", "first day (YYYY-MM-DD)"))
      ->required();
  contract_sign->add_option("--end", contract->end,
                            t("dernier jour (AAAA-MM-JJ)", "last day (YYYY-MM-DD)"));
  contract_sign->add_option(
      "--equity", contract->equity,
      t("catégorie d'équité imposée (EQUITE_20)", "equity category set (EQUITE_20)"));
  contract_sign->add_option("--reason", contract->reason,
                            t("motif (journal d'audit)", "reason (audit trail)"));
  CLI::App* contract_list = contract_command->add_subcommand(
      "list", t("contrats et leur historique", "contracts and their history"));
  contract_list->add_option("--program", contract->program, t("code du programme", "program code"));
  contract_list->add_option("--facility", contract->facilities, t("une formation", "one facility"));
  CLI::App* contract_end =
      contract_command->add_subcommand("end", t("termine un contrat", "ends a contract"));
  CLI::App* contract_suspend = contract_command->add_subcommand(
      "suspend", t("suspend un contrat à partir d'une date (pas de facture)",
                   "suspends a contract from a date (no invoice)"));
  CLI::App* contract_resume = contract_command->add_subcommand(
      "resume", t("reprend un contrat suspendu", "resumes a suspended contract"));
  for (CLI::App* sub : {contract_end, contract_suspend, contract_resume}) {
    sub->add_option("id", contract->id, t("numéro du contrat", "contract number"))->required();
    sub->add_option("--date", contract->date,
                    sub == contract_end ? t("dernier jour du contrat (AAAA-MM-JJ)",
                                            "the contract's last day (YYYY-MM-DD)")
                                        : t("premier jour du changement (AAAA-MM-JJ)",
                                            "first day of the change (YYYY-MM-DD)"))
        ->required();
    sub->add_option("--reason", contract->reason,
                    t("motif (journal d'audit)", "reason (audit trail)"));
  }
  CLI::App* contract_history = contract_command->add_subcommand(
      "history", t("historique d'un contrat", "a contract's history"));
  contract_history->add_option("id", contract->id, t("numéro du contrat", "contract number"))
      ->required();

  CLI::App* compute_command =
      app.add_subcommand("compute", t("calcule et enregistre les factures d'une période",
                                      "computes and stores a period's invoices"));
  compute_command
      ->add_option("--program", compute->program,
                   t("code d'un programme enregistré, ou ses fichiers",
                     "a stored program's code, or its files"))
      ->required();
  compute_command
      ->add_option("--period", compute->period,
                   t("période de paiement (2024Q1, 202401)", "payment period (2024Q1, 202401)"))
      ->required();
  compute_command->add_option(
      "--payment", compute->payment,
      t("règle de paiement (défaut : la première)", "payment rule (default: the first)"));
  compute_command
      ->add_option("--version", compute->version,
                   t("version du programme (défaut : celle en vigueur)",
                     "program version (default: the one in force)"))
      ->check(CLI::Range(1, 1'000'000));
  compute_command->add_option(
      "--threads", compute->threads,
      t("fils d'exécution (0 : tous les cœurs)", "threads (0: every core)"));
  compute_command->add_flag("--dry-run", compute->dry_run,
                            t("calcule sans rien enregistrer", "computes without storing"));

  CLI::App* explain_command =
      app.add_subcommand("explain", t("explique un montant : formules, entrées et valeurs",
                                      "explains an amount: formulas, inputs and values"));
  explain_command->add_option("number", explain->number, t("numéro de facture", "invoice number"));
  explain_command->add_option(
      "--formula", explain->formula,
      t("formule de paiement, ou paquet.formule (défaut : la dernière du paiement)",
        "payment formula, or package.formula (default: the payment's last)"));
  explain_command->add_option(
      "--activity", explain->activity,
      t("activité, pour une valeur par activité", "activity, for a value per activity"));
  explain_command->add_option("--of-period", explain->of_period,
                              t("mois du paquet (202401)", "the package's month (202401)"));
  explain_command
      ->add_option("--depth", explain->depth, t("profondeur de l'arbre", "depth of the tree"))
      ->capture_default_str()
      ->check(CLI::Range(0, 100));
  explain_command
      ->add_option("--version", explain->version,
                   t("sans facture : version du programme (défaut : celle en vigueur)",
                     "without an invoice: program version (default: the one in force)"))
      ->check(CLI::Range(1, 1'000'000));
  explain_command->add_option("--program", explain->program,
                              t("sans facture : programme", "without an invoice: program"));
  explain_command->add_option("--period", explain->period,
                              t("sans facture : période", "without an invoice: period"));
  explain_command->add_option("--facility", explain->facility,
                              t("sans facture : formation", "without an invoice: facility"));

  CLI::App* simulate_command =
      app.add_subcommand("simulate", t("simule d'autres tarifs, taux ou enveloppes : totaux et "
                                       "écarts par région, rien n'est enregistré",
                                       "simulates other tariffs, rates or envelopes: totals and "
                                       "differences by region, nothing stored"));
  simulate_command
      ->add_option("--program", simulate->program,
                   t("code ou fichiers du programme", "program code or files"))
      ->required();
  simulate_command
      ->add_option("--period", simulate->period, t("période de paiement", "payment period"))
      ->required();
  simulate_command->add_option("--payment", simulate->payment,
                               t("règle de paiement", "payment rule"));
  simulate_command
      ->add_option("--version", simulate->version,
                   t("version du programme (défaut : celle en vigueur)",
                     "program version (default: the one in force)"))
      ->check(CLI::Range(1, 1'000'000));
  simulate_command->add_option(
      "--set", simulate->sets,
      t("constante=valeur ou sortie[activité]=valeur (tariff[accouchement]=6000), répétable",
        "constant=value or output[activity]=value (tariff[accouchement]=6000), repeatable"));
  simulate_command->add_option("--envelope", simulate->envelopes,
                               t("ZONE=montant, répétable", "ZONE=amount, repeatable"));
  simulate_command->add_flag("--districts", simulate->districts,
                             t("détail par district", "detail by district"));

  CLI::App* invoices_command =
      app.add_subcommand("invoices", t("factures enregistrées", "stored invoices"));
  invoices_command->require_subcommand(1);
  CLI::App* invoices_list = invoices_command->add_subcommand(
      "list", t("lots de facturation ; avec --run, les factures d'un lot",
                "invoice runs; with --run, a run's invoices"));
  invoices_list->add_option(
      "--run", invoices->run,
      t("numéro du lot dont lister les factures", "the run whose invoices to list"));
  invoices_list
      ->add_option("--zone", invoices->zone,
                   t("avec --run : une région ou un district (code ou uid)",
                     "with --run: a region or district (code or uid)"))
      ->needs(invoices_list->get_option("--run"));
  invoices_list
      ->add_option("--type", invoices->facility_type,
                   t("avec --run : un type de formation (CSCOM, CSREF, ...)",
                     "with --run: a facility type (CSCOM, CSREF, ...)"))
      ->needs(invoices_list->get_option("--run"));
  CLI::App* invoices_show =
      invoices_command->add_subcommand("show", t("affiche une facture", "shows an invoice"));
  invoices_show->add_option("number", invoices->number, t("numéro de facture", "invoice number"))
      ->required();
  CLI::App* invoices_export = invoices_command->add_subcommand(
      "export",
      t("exporte un lot : csv, xlsx, pdf (chaque facture à partir d'une nouvelle page) ou dhis2 "
        "(valeurs des résultats)",
        "exports a run: csv, xlsx, pdf (each invoice from a new page) or dhis2 (the results' "
        "values)"));
  CLI::Option* export_run =
      invoices_export->add_option("--run", invoices->run, t("numéro du lot", "run number"));
  CLI::Option* export_period = invoices_export->add_option(
      "--period", invoices->period,
      t("ou : la période (le lot le plus récent)", "or: the period (the newest run)"));
  invoices_export
      ->add_option("--program", invoices->program,
                   t("programme, avec --period", "program, with --period"))
      ->excludes(export_run);
  export_period->excludes(export_run);
  invoices_export->add_option("--format", invoices->format, "csv, xlsx, pdf, dhis2")
      ->required()
      ->check(CLI::IsMember({"csv", "xlsx", "pdf", "dhis2"}));
  invoices_export->add_option("--out", invoices->out, t("fichier écrit", "file written"))
      ->required();
  invoices_export->add_flag("--superseded", invoices->superseded,
                            t("exporte un lot remplacé, pour archive (marqué « ne pas payer »)",
                              "exports a superseded run, to archive it (marked not to be paid)"));

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
        *c->err << T(c->language, "erreur : donnez --run ou --period\n",
                     "error: give --run or --period\n");
        return 2;
      }
      return RunInvoicesExport(*c, *invoices);
    }
    return std::nullopt;
  };
}

}  // namespace keneya::cli
