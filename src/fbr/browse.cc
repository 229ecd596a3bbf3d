#include "fbr/browse.h"

#include <algorithm>
#include <deque>
#include <map>
#include <mutex>
#include <tuple>

#include "fbr/invoice_json.h"
#include "fbr/programs.h"
#include "fbr/stored_invoices.h"
#include "fbr/text.h"

namespace keneya::fbr {

using core::Message;
using core::Result;

namespace {

core::Error NoInvoice(std::string_view number) {
  return core::NotFound(Message("fbr.invoice.no_invoice", {{"number", number}}),
                        Message("fbr.place.invoice"));
}

// Place-less records national in scope (runs, simulations): a role over the whole country.
core::Status RequireEverywhere(const Sight& sight, auth::Resource resource, auth::Action action) {
  if (sight.Everywhere(resource, action)) return core::OkStatus();
  // The message auth gives for a place-less record the user's roles do not allow.
  core::Status denied = auth::Authorize(auth::Principal{}, resource, action, nullptr);
  return denied;
}

// An org unit given as a filter: seen by the user, else NotFound.
Result<const core::OrgUnit*> Within(const Sight& sight, std::string_view key,
                                    std::string_view where) {
  if (key.empty()) return static_cast<const core::OrgUnit*>(nullptr);
  const core::OrgUnit* unit = sight.directory().OrgUnit(key);
  if (unit == nullptr || !sight.Sees(*unit)) return UnknownOrUnseen(key, where);
  return unit;
}

template <typename T>
Page<T> Paginate(std::vector<T> all, int64_t page, int64_t page_size) {
  Page<T> out;
  out.total = static_cast<int64_t>(all.size());
  out.page = page;
  out.page_size = page_size;
  const int64_t first = (page - 1) * page_size;
  for (int64_t i = first; i < out.total && i < first + page_size; ++i) {
    out.items.push_back(std::move(all[static_cast<size_t>(i)]));
  }
  return out;
}

// An invoice the user may read, with its facility; NoInvoice otherwise.
Result<std::pair<store::InvoiceRecord, const core::OrgUnit*>> ReadableInvoice(
    store::Store& store, const Sight& sight, std::string_view number) {
  KENEYA_ASSIGN_OR_RETURN(std::optional<store::InvoiceRecord> invoice, store.GetInvoice(number));
  if (!invoice) return NoInvoice(number);
  const core::OrgUnit* facility = sight.directory().OrgUnitById(invoice->org_unit);
  if (facility == nullptr || !sight.Allows(*facility, auth::Resource::kInvoice)) {
    return NoInvoice(number);
  }
  return std::make_pair(*std::move(invoice), facility);
}

// Objects computed from immutable stored content (an invoice's lines and snapshot never change),
// kept by what they depend on for the next request that asks the same: a few pages of invoices
// being read at once.
template <typename T>
class Kept {
 public:
  explicit Kept(size_t capacity) : capacity_(capacity) {}

  std::shared_ptr<const T> Find(const std::string& key) {
    std::lock_guard<std::mutex> lock(mutex_);
    for (const auto& [k, object] : kept_) {
      if (k == key) return object;
    }
    return nullptr;
  }

  std::shared_ptr<const T> Keep(const std::string& key, T object) {
    auto shared = std::make_shared<const T>(std::move(object));
    std::lock_guard<std::mutex> lock(mutex_);
    kept_.emplace_back(key, shared);
    if (kept_.size() > capacity_) kept_.pop_front();
    return shared;
  }

 private:
  size_t capacity_;
  std::mutex mutex_;
  std::deque<std::pair<std::string, std::shared_ptr<const T>>> kept_;
};

// What an invoice's view or explanation depends on besides the request: the invoice's stored
// lines and snapshot (by their hash: the same content reads the same) and the language.
std::string ContentKey(const store::InvoiceRecord& invoice, core::Language language) {
  return invoice.number + '\n' + std::to_string(std::hash<std::string>{}(invoice.lines_json)) +
         '\n' + std::to_string(std::hash<std::string>{}(invoice.snapshot_json)) + '\n' +
         (language == core::Language::kEnglish ? "en" : "fr");
}

}  // namespace

// ---- Programs ----

Result<std::vector<store::ProgramRecord>> ListPrograms(store::Store& store, const Sight& sight) {
  KENEYA_RETURN_IF_ERROR(
      auth::Authorize(sight.user(), auth::Resource::kProgram, auth::Action::kRead, nullptr));
  KENEYA_ASSIGN_OR_RETURN(std::vector<store::ProgramRecord> programs, store.Programs());
  for (store::ProgramRecord& program : programs) {
    program.toml.clear();
    program.files_json.clear();
  }
  return programs;
}

Result<ProgramVersion> GetProgramVersion(store::Store& store, const Sight& sight,
                                         std::string_view code, int version) {
  KENEYA_RETURN_IF_ERROR(
      auth::Authorize(sight.user(), auth::Resource::kProgram, auth::Action::kRead, nullptr));
  KENEYA_ASSIGN_OR_RETURN(std::vector<store::ProgramRecord> programs, store.Programs());
  for (store::ProgramRecord& program : programs) {
    if (program.code != code || program.version != version) continue;
    ProgramVersion out;
    out.record = std::move(program);
    KENEYA_ASSIGN_OR_RETURN(rules::ProgramSource source, FromRecord(out.record));
    rules::ParsedProgram parsed = rules::ParseProgram(source);
    out.rules = std::move(parsed.program);
    out.problems = std::move(parsed.problems);
    return out;
  }
  const std::string what = std::string(code) + " v" + std::to_string(version);
  return UnknownOrUnseen(what, "program");
}

namespace {

Result<rules::ProgramSource> SourceOf(
    const std::vector<std::pair<std::string, std::string>>& files) {
  std::vector<std::pair<std::string_view, std::string_view>> views;
  views.reserve(files.size());
  for (const auto& [name, text] : files) views.emplace_back(name, text);
  return rules::ProgramSourceFromFiles(views);
}

}  // namespace

Result<ProgramFilesCheck> CheckProgramFiles(
    store::Store& store, const Sight& sight,
    const std::vector<std::pair<std::string, std::string>>& files) {
  KENEYA_RETURN_IF_ERROR(RequireEverywhere(sight, auth::Resource::kProgram, auth::Action::kWrite));
  KENEYA_ASSIGN_OR_RETURN(rules::ProgramSource source, SourceOf(files));
  KENEYA_ASSIGN_OR_RETURN(std::vector<core::State> states, store.States());
  CheckedProgram checked = CheckProgram(source, &sight.directory().bundle(), &states);
  ProgramFilesCheck out;
  out.problems = std::move(checked.problems);
  if (out.problems.empty()) out.record = ToRecord(source, checked.program);
  return out;
}

Result<store::ProgramRecord> SaveProgramFiles(
    store::Store& store, const Sight& sight,
    const std::vector<std::pair<std::string, std::string>>& files, const store::Actor& actor) {
  KENEYA_RETURN_IF_ERROR(RequireEverywhere(sight, auth::Resource::kProgram, auth::Action::kWrite));
  KENEYA_ASSIGN_OR_RETURN(rules::ProgramSource source, SourceOf(files));
  KENEYA_ASSIGN_OR_RETURN(store::ProgramRecord record,
                          CheckedRecord(store, sight.directory().bundle(), source));
  return store.SaveProgram(record, actor);
}

// ---- Contracts ----

Result<Page<ContractRow>> FindContracts(store::Store& store, const Sight& sight,
                                        const ContractQuery& query) {
  KENEYA_ASSIGN_OR_RETURN(const core::OrgUnit* within, Within(sight, query.within, "within"));
  std::optional<store::ContractStatus> status;
  if (!query.status.empty()) {
    status = store::ParseContractStatus(query.status);
    if (!status) {
      return core::InvalidArgument(Message("fbr.browse.unknown_status", {{"status", query.status}}),
                                   "status");
    }
  }
  KENEYA_ASSIGN_OR_RETURN(std::vector<store::Contract> contracts, store.Contracts(query.program));
  std::vector<ContractRow> rows;
  for (store::Contract& contract : contracts) {
    const core::OrgUnit* facility = sight.directory().OrgUnitById(contract.org_unit);
    if (facility == nullptr || !sight.Allows(*facility, auth::Resource::kContract)) continue;
    if (!IsWithin(*facility, within)) continue;
    if (status && contract.status != *status) continue;
    rows.push_back({std::move(contract), facility});
  }
  std::stable_sort(rows.begin(), rows.end(), [](const ContractRow& a, const ContractRow& b) {
    if (a.facility->name != b.facility->name) return a.facility->name < b.facility->name;
    return a.facility->uid < b.facility->uid;
  });
  return Paginate(std::move(rows), query.page, query.page_size);
}

Result<ContractDetail> GetContract(store::Store& store, const Sight& sight, int64_t id) {
  const std::string what = std::to_string(id);
  KENEYA_ASSIGN_OR_RETURN(std::vector<store::Contract> contracts, store.Contracts(""));
  for (store::Contract& contract : contracts) {
    if (contract.id != id) continue;
    const core::OrgUnit* facility = sight.directory().OrgUnitById(contract.org_unit);
    if (facility == nullptr || !sight.Allows(*facility, auth::Resource::kContract)) break;
    ContractDetail detail;
    detail.row = {std::move(contract), facility};
    KENEYA_ASSIGN_OR_RETURN(detail.history, store.ContractHistory(id));
    return detail;
  }
  return UnknownOrUnseen("contract " + what, "contract");
}

// ---- Runs ----

Result<std::vector<store::InvoiceRunRecord>> ListRuns(store::Store& store, const Sight& sight) {
  KENEYA_RETURN_IF_ERROR(
      RequireEverywhere(sight, auth::Resource::kInvoiceRun, auth::Action::kRead));
  return AllRuns(store);
}

Result<std::vector<store::InvoiceRunRecord>> AllRuns(store::Store& store) {
  KENEYA_ASSIGN_OR_RETURN(std::vector<store::InvoiceRunRecord> runs, store.InvoiceRuns());
  KENEYA_ASSIGN_OR_RETURN(std::vector<store::RunWorkflowRecord> workflows, store.RunWorkflows());
  std::map<int64_t, std::string> status;
  for (store::RunWorkflowRecord& w : workflows) status[w.run_id] = std::move(w.status);
  for (store::InvoiceRunRecord& run : runs) {
    if (auto w = status.find(run.id); w != status.end()) run.status = w->second;
  }
  return runs;
}

namespace {

Result<RunDetail> DetailOf(store::Store& store, const Directory& directory, int64_t id) {
  RunDetail detail;
  KENEYA_ASSIGN_OR_RETURN(detail.run, FindRun(store, id));
  KENEYA_ASSIGN_OR_RETURN(std::optional<store::RunWorkflowRecord> workflow,
                          store.GetRunWorkflow(id));
  if (workflow) detail.run.status = workflow->status;  // as ListRuns says it
  KENEYA_ASSIGN_OR_RETURN(std::vector<store::ProgramRecord> programs, store.Programs());
  detail.program_name = detail.run.program_code;
  for (const store::ProgramRecord& program : programs) {
    if (program.code == detail.run.program_code && program.version == detail.run.program_version)
      detail.program_name = program.name;
  }
  KENEYA_ASSIGN_OR_RETURN(std::vector<store::InvoiceRecord> invoices, store.InvoiceList(id, 0));
  std::map<const core::OrgUnit*, std::map<const core::OrgUnit*, RunDetail::Zone>> zones;
  for (const store::InvoiceRecord& invoice : invoices) {
    const core::OrgUnit* facility = directory.OrgUnitById(invoice.org_unit);
    if (facility == nullptr) continue;
    const core::OrgUnit* region = directory.Ancestor(*facility, 2);
    const core::OrgUnit* district = directory.Ancestor(*facility, 3);
    RunDetail::Zone& zone = zones[region][district];
    zone.unit = district;
    ++zone.invoices;
    zone.total += invoice.total;
  }
  for (auto& [region, districts] : zones) {
    RunDetail::Zone zone;
    zone.unit = region;
    for (auto& [district, totals] : districts) {
      zone.invoices += totals.invoices;
      zone.total += totals.total;
      zone.districts.push_back(totals);
    }
    auto by_name = [](const RunDetail::Zone& a, const RunDetail::Zone& b) {
      const std::string none;
      return (a.unit ? a.unit->name : none) < (b.unit ? b.unit->name : none);
    };
    std::sort(zone.districts.begin(), zone.districts.end(), by_name);
    detail.regions.push_back(std::move(zone));
  }
  std::sort(detail.regions.begin(), detail.regions.end(),
            [](const RunDetail::Zone& a, const RunDetail::Zone& b) {
              const std::string none;
              return (a.unit ? a.unit->name : none) < (b.unit ? b.unit->name : none);
            });
  KENEYA_ASSIGN_OR_RETURN(std::vector<int32_t> missing, store.MissingFacilities(id));
  KENEYA_ASSIGN_OR_RETURN(std::vector<int32_t> suspended, store.SuspendedFacilities(id));
  for (int32_t unit : missing) {
    if (const core::OrgUnit* facility = directory.OrgUnitById(unit))
      detail.missing.push_back(facility);
  }
  for (int32_t unit : suspended) {
    if (const core::OrgUnit* facility = directory.OrgUnitById(unit))
      detail.suspended.push_back(facility);
  }
  return detail;
}

}  // namespace

Result<RunDetail> GetRun(store::Store& store, const Sight& sight, int64_t id) {
  KENEYA_RETURN_IF_ERROR(
      RequireEverywhere(sight, auth::Resource::kInvoiceRun, auth::Action::kRead));
  return DetailOf(store, sight.directory(), id);
}

namespace {

// A published run as the public page shows it: its totals by region and district, no facility
// named.
Result<PublishedRun> PublishedOf(store::Store& store, const Directory& directory,
                                 const store::RunWorkflowRecord& workflow) {
  KENEYA_ASSIGN_OR_RETURN(RunDetail detail, DetailOf(store, directory, workflow.run_id));
  detail.missing.clear();
  detail.suspended.clear();
  return PublishedRun{std::move(detail), workflow.published_at, workflow.catch_up_for};
}

// Published and standing: a run reopened since is no longer its period's result.
bool Published(const store::RunWorkflowRecord& workflow) {
  return workflow.status == "approved" && workflow.published_at != 0;
}

}  // namespace

Result<std::vector<PublishedRun>> PublishedResults(store::Store& store, const Directory& directory,
                                                   std::string_view program,
                                                   std::string_view period) {
  std::optional<int32_t> period_code;
  if (!period.empty()) {
    auto parsed = core::Period::Parse(period);
    if (!parsed.ok()) return core::InvalidArgument(parsed.error().text, "period");
    period_code = parsed->Code();
  }
  KENEYA_ASSIGN_OR_RETURN(std::vector<store::RunWorkflowRecord> workflows, store.RunWorkflows());
  std::vector<PublishedRun> out;
  for (const store::RunWorkflowRecord& w : workflows) {
    if (!Published(w)) continue;
    KENEYA_ASSIGN_OR_RETURN(PublishedRun published, PublishedOf(store, directory, w));
    const store::InvoiceRunRecord& run = published.detail.run;
    if (!program.empty() && run.program_code != program) continue;
    if (period_code && run.period != *period_code) continue;
    out.push_back(std::move(published));
  }
  std::sort(out.begin(), out.end(), [](const PublishedRun& a, const PublishedRun& b) {
    return std::tie(b.detail.run.period, a.detail.run.id) <
           std::tie(a.detail.run.period, b.detail.run.id);
  });
  return out;
}

Result<PublishedRunResults> PublishedRunResultsOf(store::Store& store, const Directory& directory,
                                                  int64_t run_id, core::Language language) {
  KENEYA_ASSIGN_OR_RETURN(std::optional<store::RunWorkflowRecord> workflow,
                          store.GetRunWorkflow(run_id));
  if (!workflow || !Published(*workflow)) {
    return core::NotFound(Message("fbr.invoice.no_run", {{"run", run_id}}),
                          Message("fbr.place.run"));
  }
  PublishedRunResults out;
  KENEYA_ASSIGN_OR_RETURN(out.run, PublishedOf(store, directory, *workflow));
  KENEYA_ASSIGN_OR_RETURN(StoredRun stored, LoadRun(store, run_id));
  KENEYA_ASSIGN_OR_RETURN(std::vector<store::InvoiceRecord> invoices, store.Invoices(run_id));
  std::map<std::string, size_t> label_index;
  for (const store::InvoiceRecord& invoice : invoices) {
    PublishedFacility row;
    row.facility = directory.OrgUnitById(invoice.org_unit);
    if (row.facility == nullptr) continue;
    row.district = directory.Ancestor(*row.facility, 3);
    row.region = directory.Ancestor(*row.facility, 2);
    row.total = invoice.total;
    KENEYA_ASSIGN_OR_RETURN(std::vector<rules::InvoiceLine> lines,
                            LinesOf(invoice, stored.compiled().program()));
    for (const rules::InvoiceLine& line : lines) {
      if (line.kind != rules::InvoiceLine::Kind::kInfo) continue;
      const std::string label = language == core::Language::kEnglish && !line.label_en.empty()
                                    ? line.label_en
                                    : line.label;
      auto [at, added] = label_index.emplace(label, out.shown_labels.size());
      if (added) out.shown_labels.push_back(label);
      if (row.shown.size() <= at->second) row.shown.resize(at->second + 1);
      row.shown[at->second] = FormatValue(line.value, line.display, language);
    }
    out.facilities.push_back(std::move(row));
  }
  for (PublishedFacility& row : out.facilities) row.shown.resize(out.shown_labels.size());
  auto name = [](const core::OrgUnit* unit) { return unit != nullptr ? unit->name : ""; };
  std::sort(out.facilities.begin(), out.facilities.end(), [&](const auto& a, const auto& b) {
    return std::make_tuple(name(a.region), name(a.district), name(a.facility)) <
           std::make_tuple(name(b.region), name(b.district), name(b.facility));
  });
  return out;
}

// ---- Invoices ----

Result<Page<InvoiceListRow>> FindInvoices(store::Store& store, const Sight& sight,
                                          const InvoiceQuery& query) {
  const Directory& directory = sight.directory();
  KENEYA_ASSIGN_OR_RETURN(const core::OrgUnit* within, Within(sight, query.within, "within"));
  std::optional<core::OrgUnitType> type;
  if (!query.facility_type.empty()) {
    auto parsed = core::ParseOrgUnitType(query.facility_type);
    if (!parsed.ok()) return core::InvalidArgument(parsed.error().text, "type");
    type = *parsed;
  }
  KENEYA_ASSIGN_OR_RETURN(std::vector<store::InvoiceRunRecord> runs,
                          AllRuns(store));  // with their workflow status
  // Runs are national records: to others, a run that does not exist is a run without their
  // invoices, so that runs cannot be counted by trying numbers.
  const bool national = sight.Everywhere(auth::Resource::kInvoiceRun);
  auto nothing = [&] {
    Page<InvoiceListRow> empty;
    empty.page = query.page;
    empty.page_size = query.page_size;
    return empty;
  };
  std::map<int64_t, const store::InvoiceRunRecord*> chosen;
  if (query.run != 0) {
    for (const store::InvoiceRunRecord& run : runs) {
      if (run.id == query.run) chosen.emplace(run.id, &run);
    }
    if (chosen.empty() && !national) return nothing();
    if (chosen.empty()) {
      return core::NotFound(Message("fbr.invoice.no_run", {{"run", query.run}}),
                            Message("fbr.place.run"));
    }
  } else if (!query.period.empty()) {
    auto period = core::Period::Parse(query.period);
    if (!period.ok()) return core::InvalidArgument(period.error().text, "period");
    for (const store::InvoiceRunRecord& run : runs) {  // newest first: the newest of each program
      if (run.period != period->Code()) continue;
      if (!query.program.empty() && run.program_code != query.program) continue;
      if (std::any_of(chosen.begin(), chosen.end(), [&](const auto& c) {
            return c.second->program_code == run.program_code &&
                   c.second->payment_code == run.payment_code;
          })) {
        continue;
      }
      chosen.emplace(run.id, &run);
    }
    if (chosen.empty() && !national) return nothing();
    if (chosen.empty()) {
      return core::NotFound(
          query.program.empty()
              ? Message("fbr.invoice.no_run_for", {{"period", period->ToString()}})
              : Message("fbr.invoice.no_run_for_program",
                        {{"period", period->ToString()}, {"program", query.program}}),
          "period");
    }
  } else {
    for (const store::InvoiceRunRecord& run : runs) {
      // Runs computed again since: their invoices are replaced.
      if (run.status == "superseded" || run.status == "reopened") continue;
      if (!query.program.empty() && run.program_code != query.program) continue;
      chosen.emplace(run.id, &run);
    }
  }
  // The facilities below `within` that the user may read invoices of, read by the store's
  // index; without `within`, the run's (or every run's) invoices.
  std::vector<int32_t> facilities;
  if (within != nullptr) {
    for (const core::OrgUnit& unit : directory.bundle().org_units) {
      if (core::IsFacility(unit.type) && IsWithin(unit, within) &&
          sight.Allows(unit, auth::Resource::kInvoice)) {
        facilities.push_back(unit.id);
      }
    }
    if (facilities.empty()) return nothing();
  }
  const int64_t run_id = chosen.size() == 1 ? chosen.begin()->first : 0;
  KENEYA_ASSIGN_OR_RETURN(std::vector<store::InvoiceRecord> invoices,
                          store.InvoiceList(run_id, facilities));
  const std::string text = FoldForSearch(query.text);
  std::vector<InvoiceListRow> rows;
  for (store::InvoiceRecord& invoice : invoices) {
    auto run = chosen.find(invoice.run_id);
    if (run == chosen.end()) continue;
    const core::OrgUnit* facility = directory.OrgUnitById(invoice.org_unit);
    if (facility == nullptr || !sight.Allows(*facility, auth::Resource::kInvoice)) continue;
    if (!IsWithin(*facility, within)) continue;
    if (type && facility->type != *type) continue;
    if (!text.empty() && FoldForSearch(facility->name).find(text) == std::string::npos &&
        FoldForSearch(facility->code).find(text) == std::string::npos &&
        FoldForSearch(invoice.number).find(text) == std::string::npos) {
      continue;
    }
    rows.push_back({std::move(invoice), *run->second, facility, directory.Ancestor(*facility, 3)});
  }
  return Paginate(std::move(rows), query.page, query.page_size);
}

Result<InvoiceDetail> GetInvoice(store::Store& store, const Sight& sight, std::string_view number,
                                 core::Language language) {
  KENEYA_ASSIGN_OR_RETURN(auto found, ReadableInvoice(store, sight, number));
  auto& [invoice, facility] = found;
  KENEYA_ASSIGN_OR_RETURN(StoredRun run, LoadRun(store, invoice.run_id));
  InvoiceDetail detail;
  static Kept<InvoiceView> views(64);
  const std::string key = ContentKey(invoice, language);
  detail.view = views.Find(key);
  if (detail.view == nullptr) {
    KENEYA_ASSIGN_OR_RETURN(InvoiceView view, ViewOf(run, invoice, language));
    detail.view = views.Keep(key, std::move(view));
  }
  for (const rules::InvoiceLine& line : detail.view->lines) {
    if (line.kind == rules::InvoiceLine::Kind::kEnvelope) detail.amounts.cut += line.amount;
  }
  detail.amounts.total = invoice.total;
  detail.amounts.rounded = invoice.total - detail.amounts.cut;
  KENEYA_ASSIGN_OR_RETURN(detail.successor, SuccessorOf(store, invoice));
  invoice.lines_json.clear();
  invoice.snapshot_json.clear();
  detail.row = {std::move(invoice), run.run, facility, sight.directory().Ancestor(*facility, 3)};
  // As lists give it: the workflow's status for a run in the workflow.
  KENEYA_ASSIGN_OR_RETURN(std::optional<store::RunWorkflowRecord> workflow,
                          store.GetRunWorkflow(detail.row.run.id));
  if (workflow) detail.row.run.status = workflow->status;
  return detail;
}

Result<SharedExplanation> ExplainInvoiceFor(store::Store& store, const Sight& sight,
                                            std::string_view number, const ExplainRequest& request,
                                            core::Language language) {
  KENEYA_ASSIGN_OR_RETURN(auto found, ReadableInvoice(store, sight, number));
  const store::InvoiceRecord& invoice = found.first;
  static Kept<InvoiceExplanation> explanations(64);
  const std::string key = ContentKey(invoice, language) + '\n' + request.formula + '\n' +
                          request.activity + '\n' + request.period + '\n' +
                          std::to_string(request.depth);
  SharedExplanation out;
  out.explained = explanations.Find(key);
  if (out.explained == nullptr) {
    KENEYA_ASSIGN_OR_RETURN(InvoiceExplanation computed,
                            ExplainStoredInvoice(store, number, request, language));
    computed.successor.reset();
    out.explained = explanations.Keep(key, std::move(computed));
  }
  KENEYA_ASSIGN_OR_RETURN(out.successor, SuccessorOf(store, invoice));
  return out;
}

Result<ExportResult> ExportInvoices(store::Store& store, const Sight& sight,
                                    const InvoiceExport& request, const std::string& path) {
  if (request.format != "pdf" && request.format != "xlsx" && request.format != "csv") {
    return core::InvalidArgument(Message("fbr.export.unknown_format", {{"format", request.format}}),
                                 "format");
  }
  ExportOptions options;
  options.format = request.format;
  options.path = path;
  options.language = request.language;
  options.allow_superseded = true;  // marked "replaced, do not pay" in the document
  int64_t run_id = request.run;
  if (!request.number.empty()) {
    KENEYA_ASSIGN_OR_RETURN(auto found, ReadableInvoice(store, sight, request.number));
    run_id = found.first.run_id;
    const int32_t facility = found.first.org_unit;
    options.include = [facility](int32_t unit) { return unit == facility; };
  } else {
    KENEYA_ASSIGN_OR_RETURN(const core::OrgUnit* within, Within(sight, request.within, "within"));
    KENEYA_ASSIGN_OR_RETURN(store::InvoiceRunRecord run, FindRun(store, run_id));
    KENEYA_ASSIGN_OR_RETURN(std::vector<store::InvoiceRecord> invoices,
                            store.InvoiceList(run.id, 0));
    const Directory& directory = sight.directory();
    auto include = [&sight, &directory, within](int32_t unit) {
      const core::OrgUnit* facility = directory.OrgUnitById(unit);
      return facility != nullptr && sight.Allows(*facility, auth::Resource::kInvoice) &&
             IsWithin(*facility, within);
    };
    if (std::none_of(invoices.begin(), invoices.end(),
                     [&](const store::InvoiceRecord& r) { return include(r.org_unit); })) {
      return core::NotFound(Message("fbr.invoice.no_run", {{"run", run_id}}),
                            Message("fbr.place.run"));
    }
    options.include = include;
  }
  KENEYA_ASSIGN_OR_RETURN(StoredRun run, LoadRun(store, run_id));
  return ExportRun(store, sight.directory().bundle(), run, options);
}

// ---- Simulation ----

Result<Simulation> SimulateFor(store::Store& store, const Sight& sight, const core::Period& period,
                               const SimulationRequest& request) {
  KENEYA_RETURN_IF_ERROR(
      RequireEverywhere(sight, auth::Resource::kSimulation, auth::Action::kRead));
  // Over the API a program is a stored one, never files of the server.
  KENEYA_ASSIGN_OR_RETURN(std::vector<store::ProgramRecord> programs, store.Programs());
  if (std::none_of(programs.begin(), programs.end(),
                   [&](const store::ProgramRecord& p) { return p.code == request.program; })) {
    return UnknownOrUnseen(request.program, "program");
  }
  SimulationRequest stored = request;
  stored.stored_only = true;
  KENEYA_ASSIGN_OR_RETURN(
      std::shared_ptr<const SimulationBase> base,
      ProcessSimulationCache().Get(store, sight.directory().bundle(), period, stored));
  return SimulateOn(*base, request.overrides);
}

}  // namespace keneya::fbr
