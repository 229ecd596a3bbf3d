#include "fbr/stored_invoices.h"

#include <algorithm>
#include <map>
#include <mutex>

#include "fbr/invoice_json.h"
#include "fbr/invoice_run.h"
#include "fbr/programs.h"
#include "fbr/resolver.h"

namespace keneya::fbr {

using core::Result;

namespace {

// Names as an argument: "a", "a or b", "a or b or c" in the reader's language.
core::MessageArg OneOf(std::string_view arg_name, const std::vector<std::string>& names) {
  if (names.size() == 1) return core::MessageArg(arg_name, names.front());
  core::Message out("fbr.explain.or", {{"first", names[0]}, {"second", names[1]}});
  for (size_t i = 2; i < names.size(); ++i) {
    out = core::Message("fbr.explain.or", {{"first", out}, {"second", names[i]}});
  }
  return core::MessageArg(arg_name, out);
}

Result<StoredRun> Complete(store::Store& store, const store::InvoiceRunRecord& run) {
  StoredRun out;
  out.run = run;
  KENEYA_ASSIGN_OR_RETURN(core::Period period, core::Period::FromCode(run.period));
  KENEYA_ASSIGN_OR_RETURN(out.program,
                          ProgramFor(store, run.program_code, period, run.program_version));
  KENEYA_ASSIGN_OR_RETURN(out.compiled_program, CompiledVersion(out.program));
  out.payment = out.compiled().PaymentIndex(run.payment_code);
  if (out.payment < 0) {
    return core::Internal(
        core::Message("fbr.invoice.program_lost_payment_rule", {{"payment", run.payment_code}}));
  }
  return out;
}

}  // namespace

Result<std::shared_ptr<const rules::CompiledProgram>> CompiledVersion(
    const store::ProgramRecord& program) {
  static std::mutex mutex;
  static std::map<std::pair<int64_t, std::string>, std::shared_ptr<const rules::CompiledProgram>>
      compiled;
  const auto key = std::make_pair(program.id, program.checksum);
  {
    std::lock_guard<std::mutex> lock(mutex);
    if (auto it = compiled.find(key); it != compiled.end()) return it->second;
  }
  KENEYA_ASSIGN_OR_RETURN(rules::ProgramSource source, FromRecord(program));
  rules::ParsedProgram parsed = rules::ParseProgram(source);
  std::vector<rules::ProgramProblem> problems = parsed.problems;
  auto made = std::make_shared<const rules::CompiledProgram>(
      rules::CompiledProgram::Compile(parsed.program, problems));
  if (!problems.empty()) {
    return core::Internal(core::Message("fbr.invoice.program_no_longer_compiles",
                                        {{"program", program.code},
                                         {"version", program.version},
                                         {"problems", ProblemsMessage(problems)}}));
  }
  std::lock_guard<std::mutex> lock(mutex);
  if (compiled.size() >= 16) compiled.clear();  // a few versions are in use at once
  compiled.emplace(key, made);
  return made;
}

Result<store::InvoiceRunRecord> FindRun(store::Store& store, int64_t run_id) {
  KENEYA_ASSIGN_OR_RETURN(std::vector<store::InvoiceRunRecord> runs, store.InvoiceRuns());
  for (store::InvoiceRunRecord& run : runs) {
    if (run.id == run_id) return std::move(run);
  }
  return core::NotFound(core::Message("fbr.invoice.no_run", {{"run", run_id}}),
                        core::Message("fbr.place.run"));
}

Result<StoredRun> LoadRun(store::Store& store, int64_t run_id) {
  KENEYA_ASSIGN_OR_RETURN(store::InvoiceRunRecord run, FindRun(store, run_id));
  return Complete(store, run);
}

Result<StoredRun> LatestRun(store::Store& store, std::string_view program_code,
                            const core::Period& period) {
  KENEYA_ASSIGN_OR_RETURN(std::vector<store::InvoiceRunRecord> runs, store.InvoiceRuns());
  for (const store::InvoiceRunRecord& run : runs) {  // newest first
    if (run.period == period.Code() && (program_code.empty() || run.program_code == program_code)) {
      return Complete(store, run);
    }
  }
  return core::NotFound(
      program_code.empty()
          ? core::Message("fbr.invoice.no_run_for", {{"period", period.ToString()}})
          : core::Message("fbr.invoice.no_run_for_program",
                          {{"period", period.ToString()}, {"program", program_code}}),
      core::Message("fbr.place.period"));
}

Result<InvoiceView> ViewOf(const StoredRun& run, const store::InvoiceRecord& invoice,
                           core::Language language) {
  const rules::Program& program = run.compiled().program();
  InvoiceView view;
  view.number = invoice.number;
  view.program_code = program.code;
  view.program_version = run.program.version;
  view.program_name = language == core::Language::kEnglish && !program.name_en.empty()
                          ? program.name_en
                          : program.name;
  const rules::PaymentRule& rule = program.payments[static_cast<size_t>(run.payment)];
  view.payment_name =
      language == core::Language::kEnglish && !rule.name_en.empty() ? rule.name_en : rule.name;
  view.period = core::Period::FromCode(run.run.period)->ToString();
  KENEYA_ASSIGN_OR_RETURN(Snapshot snapshot, SnapshotOf(invoice));
  view.facility_code = snapshot.facility.code;
  view.facility_name = snapshot.facility.name;
  view.district = snapshot.facility.district;
  view.region = snapshot.facility.region;
  view.equity = snapshot.facility.equity;
  KENEYA_ASSIGN_OR_RETURN(view.lines, LinesOf(invoice, program));
  view.total = invoice.total;
  FillColumns(program, language, view);
  return view;
}

Result<rules::SlotId> FindSlot(const rules::CompiledProgram& program, int payment,
                               const core::Period& period, const ExplainRequest& request,
                               int* activity, std::string_view facility_type) {
  const rules::Program& p = program.program();
  const rules::PaymentRule& rule = p.payments[static_cast<size_t>(payment)];
  *activity = 0;
  std::string formula = request.formula;
  if (formula.empty()) {
    if (rule.formulas.empty()) {
      return core::NotFound(core::Message("fbr.explain.payment_without_formula"));
    }
    formula = rule.formulas.back().code;
  }
  const size_t dot = formula.find('.');
  if (dot == std::string::npos) {
    const rules::SlotId slot = program.FindPaymentFormula(payment, formula);
    if (slot != rules::kNoSlot) return slot;
    std::string known;
    for (const rules::FormulaSpec& f : rule.formulas) known += (known.empty() ? "" : ", ") + f.code;
    // The same name in a package: say which.
    std::vector<std::string> in_packages;
    for (const rules::Package& pk : p.packages) {
      bool has = false;
      for (const auto* formulas : {&pk.activity_formulas, &pk.formulas, &pk.zone_formulas}) {
        for (const rules::FormulaSpec& f : *formulas) has = has || f.code == formula;
      }
      for (const rules::PackageInput& input : pk.inputs) has = has || input.name == formula;
      if (has) in_packages.push_back(pk.code + "." + formula);
    }
    if (in_packages.empty()) {
      return core::NotFound(
          core::Message("fbr.explain.no_payment_formula",
                        {{"payment", rule.code}, {"formula", formula}, {"known", known}}),
          "--formula");
    }
    return core::NotFound(core::Message("fbr.explain.no_payment_formula_did_you_mean",
                                        {{"payment", rule.code},
                                         {"formula", formula},
                                         {"known", known},
                                         OneOf("suggestion", in_packages)}),
                          "--formula");
  }
  const std::string package_code = formula.substr(0, dot);
  const std::string name = formula.substr(dot + 1);
  const int package = program.PackageIndex(package_code);
  if (package < 0) {
    std::string known;
    for (const rules::Package& pk : p.packages) known += (known.empty() ? "" : ", ") + pk.code;
    return core::NotFound(
        core::Message("fbr.explain.no_package", {{"package", package_code}, {"known", known}}),
        "--formula");
  }
  KENEYA_ASSIGN_OR_RETURN(std::vector<core::Period> periods,
                          program.InstancePeriods(payment, package, period));
  int instance = 0;
  if (!request.period.empty()) {
    instance = -1;
    for (size_t k = 0; k < periods.size(); ++k) {
      if (periods[k].ToString() == request.period) instance = static_cast<int>(k);
    }
    if (instance < 0) {
      std::string known;
      for (const core::Period& q : periods) known += (known.empty() ? "" : ", ") + q.ToString();
      return core::NotFound(
          core::Message("fbr.explain.no_values_for_period",
                        {{"package", package_code}, {"period", request.period}, {"known", known}}),
          "--of-period");
    }
  }
  const rules::SlotId slot = program.FindPackageValue(payment, package, instance, name);
  if (slot == rules::kNoSlot) {
    return core::NotFound(
        core::Message("fbr.explain.no_value", {{"package", package_code}, {"name", name}}),
        "--formula");
  }
  if (program.slot(payment, slot).level == rules::Level::kActivity) {
    const rules::Package& pk = p.packages[static_cast<size_t>(package)];
    *activity = -1;
    std::string known;
    for (size_t a = 0; a < pk.activities.size(); ++a) {
      if (pk.activities[a].code == request.activity) *activity = static_cast<int>(a);
      known += (known.empty() ? "" : ", ") + pk.activities[a].code;
    }
    if (*activity < 0) {
      return core::NotFound(
          request.activity.empty()
              ? core::Message("fbr.explain.give_activity", {{"name", name}, {"known", known}})
              : core::Message(
                    "fbr.explain.no_activity",
                    {{"package", package_code}, {"activity", request.activity}, {"known", known}}),
          "--activity");
    }
    const std::vector<std::string>& types =
        pk.activities[static_cast<size_t>(*activity)].facility_types;
    if (!facility_type.empty() && !types.empty() &&
        std::find(types.begin(), types.end(), facility_type) == types.end()) {
      std::string paid;
      for (const std::string& t : types) paid += (paid.empty() ? "" : ", ") + t;
      return core::NotFound(
          core::Message("fbr.explain.activity_not_paid",
                        {{"activity", request.activity}, {"type", facility_type}, {"paid", paid}}),
          "--activity");
    }
  }
  return slot;
}

namespace {

// A stored invoice by number; kNotFound when there is none.
Result<store::InvoiceRecord> FindInvoice(store::Store& store, std::string_view number) {
  KENEYA_ASSIGN_OR_RETURN(std::optional<store::InvoiceRecord> invoice, store.GetInvoice(number));
  if (!invoice) {
    return core::NotFound(core::Message("fbr.invoice.no_invoice", {{"number", number}}),
                          core::Message("fbr.place.invoice"));
  }
  return *std::move(invoice);
}

}  // namespace

Result<rules::CompiledProgram::Explanation> ExplainInvoice(store::Store& store,
                                                           std::string_view number,
                                                           const ExplainRequest& request,
                                                           core::Language language) {
  KENEYA_ASSIGN_OR_RETURN(store::InvoiceRecord invoice, FindInvoice(store, number));
  KENEYA_ASSIGN_OR_RETURN(StoredRun run, LoadRun(store, invoice.run_id));
  return ExplainInvoice(run, invoice, request, language);
}

Result<rules::CompiledProgram::Explanation> ExplainInvoice(const StoredRun& run,
                                                           const store::InvoiceRecord& invoice,
                                                           const ExplainRequest& request,
                                                           core::Language language) {
  KENEYA_ASSIGN_OR_RETURN(Snapshot snapshot, SnapshotOf(invoice));
  KENEYA_ASSIGN_OR_RETURN(core::Period period, core::Period::FromCode(run.run.period));
  KENEYA_ASSIGN_OR_RETURN(rules::RunInputs inputs,
                          InputsFromSnapshot(run.compiled(), run.payment, period, snapshot));
  rules::RunOptions options;
  options.threads = 1;
  options.zone_values = snapshot.zones;
  KENEYA_ASSIGN_OR_RETURN(rules::RunResult result,
                          run.compiled().Run(run.payment, inputs, options));
  int activity = 0;
  KENEYA_ASSIGN_OR_RETURN(
      rules::SlotId slot,
      FindSlot(run.compiled(), run.payment, period, request, &activity,
               inputs.facilities.empty() ? std::string_view() : inputs.facilities.front().type));
  return run.compiled().Explain(run.payment, result, slot, 0, activity, language, request.depth);
}

Result<std::optional<Successor>> SuccessorOf(store::Store& store,
                                             const store::InvoiceRecord& invoice) {
  KENEYA_ASSIGN_OR_RETURN(std::vector<store::InvoiceRunRecord> runs, store.InvoiceRuns());
  const store::InvoiceRunRecord* own = nullptr;
  for (const store::InvoiceRunRecord& r : runs) {
    if (r.id == invoice.run_id) own = &r;
  }
  if (own == nullptr || own->status != "superseded") return std::optional<Successor>();
  const store::InvoiceRunRecord* latest = nullptr;
  for (const store::InvoiceRunRecord& r : runs) {
    if (r.program_code == own->program_code && r.payment_code == own->payment_code &&
        r.period == own->period && r.status != "superseded" &&
        (latest == nullptr || r.id > latest->id)) {
      latest = &r;
    }
  }
  Successor successor;
  if (latest != nullptr) {
    successor.run = latest->id;
    KENEYA_ASSIGN_OR_RETURN(
        auto numbers, store.InvoiceNumbers(own->program_code, own->payment_code, own->period));
    // The facility's number in the latest run: the last one listed (runs oldest first), if that
    // invoice belongs to the latest run.
    for (const auto& [org_unit, number] : numbers) {
      if (org_unit == invoice.org_unit) successor.number = number;
    }
    KENEYA_ASSIGN_OR_RETURN(std::optional<store::InvoiceRecord> current,
                            store.GetInvoice(successor.number));
    if (!current || current->run_id != latest->id) successor.number.clear();
  }
  return std::optional<Successor>(successor);
}

Result<InvoiceExplanation> ExplainStoredInvoice(store::Store& store, std::string_view number,
                                                const ExplainRequest& request,
                                                core::Language language) {
  KENEYA_ASSIGN_OR_RETURN(store::InvoiceRecord invoice, FindInvoice(store, number));
  KENEYA_ASSIGN_OR_RETURN(StoredRun run, LoadRun(store, invoice.run_id));
  InvoiceExplanation out;
  KENEYA_ASSIGN_OR_RETURN(out.explanation, ExplainInvoice(run, invoice, request, language));
  KENEYA_ASSIGN_OR_RETURN(out.successor, SuccessorOf(store, invoice));
  if (request.formula.empty()) {
    KENEYA_ASSIGN_OR_RETURN(std::vector<rules::InvoiceLine> lines,
                            LinesOf(invoice, run.compiled().program()));
    InvoiceAmounts amounts;
    for (const rules::InvoiceLine& line : lines) {
      if (line.kind == rules::InvoiceLine::Kind::kEnvelope) amounts.cut += line.amount;
    }
    amounts.total = invoice.total;
    amounts.rounded = amounts.total - amounts.cut;
    out.amounts = amounts;
  }
  return out;
}

Result<rules::CompiledProgram::Explanation> ExplainFacility(
    store::Store& store, const core::MetadataBundle& metadata, std::string_view program,
    std::optional<int> version, const core::Period& period, std::string_view facility,
    const ExplainRequest& request, core::Language language) {
  KENEYA_ASSIGN_OR_RETURN(
      store::ProgramRecord record,
      ProgramToUse(store, metadata, program, period, version, /*to_store=*/false));
  KENEYA_ASSIGN_OR_RETURN(ComputedRun run, Compute(store, metadata, record, period, {}));
  // The run's facilities are those under contract for the period.
  int row = -1;
  for (size_t f = 0; f < run.inputs->facilities.size() && row < 0; ++f) {
    const rules::FacilityFacts& facts = run.inputs->facilities[f];
    if (facts.code == facility || facts.uid == facility) row = static_cast<int>(f);
  }
  if (row < 0) {
    return core::NotFound(core::Message("fbr.explain.not_under_contract", {{"facility", facility}}),
                          "--facility");
  }
  int activity = 0;
  KENEYA_ASSIGN_OR_RETURN(rules::SlotId slot,
                          FindSlot(run.compiled, run.payment, period, request, &activity,
                                   run.inputs->facilities[static_cast<size_t>(row)].type));
  return run.compiled.Explain(run.payment, run.result, slot, row, activity, language,
                              request.depth);
}

Result<std::vector<InvoiceRow>> RunInvoices(store::Store& store,
                                            const core::MetadataBundle& metadata, int64_t run_id,
                                            const InvoiceFilter& filter) {
  const Resolver resolver(metadata);
  const core::OrgUnit* zone = nullptr;
  if (!filter.zone.empty()) {
    zone = resolver.OrgUnit(filter.zone);
    if (zone == nullptr) {
      return core::NotFound(core::Message("fbr.invoice.no_zone", {{"zone", filter.zone}}),
                            "--zone");
    }
    if (zone->level != 2 && zone->level != 3) {
      return core::InvalidArgument(
          core::Message("fbr.invoice.not_a_zone", {{"zone", filter.zone}, {"level", zone->level}}),
          "--zone");
    }
  }
  std::optional<core::OrgUnitType> type;
  if (!filter.facility_type.empty()) {
    KENEYA_ASSIGN_OR_RETURN(core::OrgUnitType parsed, core::ParseOrgUnitType(filter.facility_type));
    type = parsed;
  }
  KENEYA_ASSIGN_OR_RETURN(std::vector<store::InvoiceRunRecord> runs, store.InvoiceRuns());
  if (std::none_of(runs.begin(), runs.end(),
                   [&](const store::InvoiceRunRecord& r) { return r.id == run_id; })) {
    return core::NotFound(core::Message("fbr.invoice.no_run", {{"run", run_id}}), "--run");
  }
  KENEYA_ASSIGN_OR_RETURN(std::vector<store::InvoiceRecord> invoices, store.Invoices(run_id));
  std::vector<InvoiceRow> rows;
  for (const store::InvoiceRecord& invoice : invoices) {
    const core::OrgUnit* unit = resolver.OrgUnitById(invoice.org_unit);
    if (unit == nullptr) continue;  // check-db reports an invoice of an unknown org unit
    if (zone != nullptr) {
      const core::OrgUnit* ancestor = resolver.Ancestor(*unit, zone->level);
      if (ancestor == nullptr || ancestor->id != zone->id) continue;
    }
    if (type && unit->type != *type) continue;
    const core::OrgUnit* district = resolver.Ancestor(*unit, 3);
    rows.push_back({invoice.number, unit->code.empty() ? unit->uid : unit->code, unit->name,
                    district == nullptr ? std::string() : district->name, unit->type,
                    invoice.total});
  }
  std::sort(rows.begin(), rows.end(),
            [](const InvoiceRow& a, const InvoiceRow& b) { return a.number < b.number; });
  return rows;
}

namespace {

// A damaged row as check-db lists it: its place, then what is wrong.
core::Message ProblemAt(const core::Error& error) {
  const core::Message place = PlaceMessage(error.place);
  if (place.empty()) return error.text;
  return core::Message("fbr.check_db.problem_at", {{"place", place}, {"problem", error.text}});
}

// A run whose program version cannot be read: "run 3: not found: ... (program)".
core::Message RunProblem(int64_t run, const core::Error& error) {
  const core::Message place = PlaceMessage(error.place);
  return core::Message(
      "fbr.check_db.run_problem",
      {{"run", run},
       {"code", core::ErrorCodeText(error.code)},
       {"problem", place.empty() ? error.text
                                 : core::Message("core.message_at",
                                                 {{"message", error.text}, {"where", place}})}});
}

}  // namespace

Result<std::vector<core::Message>> RunDatabaseChecks(store::Store& store) {
  auto integrity = store.RunIntegrityChecks();
  std::vector<core::Message> problems;
  KENEYA_ASSIGN_OR_RETURN(std::vector<store::InvoiceRunRecord> runs, store.InvoiceRuns());
  std::map<std::string, std::optional<rules::Program>> programs;  // by "code:version"
  for (const store::InvoiceRunRecord& run : runs) {
    KENEYA_ASSIGN_OR_RETURN(std::vector<store::InvoiceRecord> invoices, store.Invoices(run.id));
    // The lines are read with their program version's labels; a version that cannot be read is
    // a problem of its own, told once.
    const std::string key = run.program_code + ":" + std::to_string(run.program_version);
    if (!programs.count(key)) {
      auto period = core::Period::FromCode(run.period);
      auto record = period.ok() ? ProgramFor(store, run.program_code, *period, run.program_version)
                                : Result<store::ProgramRecord>(period.error());
      auto source =
          record.ok() ? FromRecord(*record) : Result<rules::ProgramSource>(record.error());
      if (source.ok()) {
        programs[key] = rules::ParseProgram(*source).program;
      } else {
        programs[key] = std::nullopt;
        problems.push_back(RunProblem(run.id, source.error()));
      }
    }
    for (const store::InvoiceRecord& invoice : invoices) {
      auto snapshot = SnapshotOf(invoice);
      if (!snapshot.ok()) problems.push_back(ProblemAt(snapshot.error()));
      if (!programs[key]) continue;
      auto lines = LinesOf(invoice, *programs[key]);
      if (!lines.ok()) problems.push_back(ProblemAt(lines.error()));
    }
  }
  if (integrity.ok() && problems.empty()) {
    std::vector<core::Message> checks = std::move(integrity).value();
    checks.push_back(core::Message("fbr.check_db.invoices_read_back"));
    return checks;
  }
  // The store's problems (its message lists them), then the invoices', one a line.
  core::Message message =
      integrity.ok() ? core::Message("fbr.check_db.not_consistent") : integrity.error().text;
  for (core::Message& p : problems) {
    message = core::Message("core.list_item", {{"list", message}, {"item", std::move(p)}});
  }
  return core::MakeError(core::ErrorCode::kDataError, std::move(message),
                         integrity.ok() ? std::vector<core::Message>() : integrity.error().place);
}

}  // namespace keneya::fbr
