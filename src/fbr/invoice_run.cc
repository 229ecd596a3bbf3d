#include "fbr/invoice_run.h"

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <unordered_map>

#include "fbr/contracts.h"
#include "fbr/invoice_json.h"
#include "fbr/programs.h"
#include "fbr/resolver.h"

namespace keneya::fbr {

core::Status ParseSetting(std::string_view text_view, Overrides& overrides) {
  const std::string text(text_view);
  const size_t eq = text.find('=');
  if (eq == std::string::npos || eq == 0) {
    return core::InvalidArgument(core::Message("fbr.simulation.bad_setting", {{"text", text}}),
                                 "--set");
  }
  const std::string name = text.substr(0, eq);
  const std::string value_text = text.substr(eq + 1);
  char* end = nullptr;
  const double value = std::strtod(value_text.c_str(), &end);
  if (value_text.empty() || end == nullptr || *end != '\0') {
    return core::InvalidArgument(
        core::Message("fbr.simulation.not_a_number", {{"value", value_text}}), "--set " + text);
  }
  if (!std::isfinite(value)) {
    return core::InvalidArgument(
        core::Message("fbr.simulation.not_finite", {{"value", value_text}}), "--set " + text);
  }
  const size_t open = name.find('[');
  const bool inserted = open != std::string::npos && name.back() == ']'
                            ? overrides.activity_outputs
                                  .emplace(std::pair{name.substr(0, open),
                                                     name.substr(open + 1, name.size() - open - 2)},
                                           value)
                                  .second
                            : overrides.constants.emplace(name, value).second;
  if (!inserted) {
    return core::InvalidArgument(core::Message("fbr.simulation.set_twice", {{"name", name}}),
                                 "--set " + text);
  }
  return core::OkStatus();
}

core::Status ParseEnvelope(std::string_view text_view, Overrides& overrides) {
  const std::string text(text_view);
  const size_t eq = text.find('=');
  char* end = nullptr;
  errno = 0;
  const long long amount =
      eq == std::string::npos ? -1 : std::strtoll(text.c_str() + eq + 1, &end, 10);
  if (eq == std::string::npos || eq == 0 || amount < 0 || errno == ERANGE || end == nullptr ||
      end == text.c_str() + eq + 1 || *end != '\0') {
    return core::InvalidArgument(core::Message("fbr.simulation.bad_envelope", {{"text", text}}),
                                 "--envelope");
  }
  if (!overrides.envelopes.emplace(text.substr(0, eq), amount).second) {
    return core::InvalidArgument(
        core::Message("fbr.simulation.envelope_twice", {{"zone", text.substr(0, eq)}}),
        "--envelope");
  }
  return core::OkStatus();
}

using core::Result;
using core::Status;

Status ApplyOverrides(const Overrides& overrides, const core::Period& period,
                      rules::Program& program) {
  for (const auto& [name, value] : overrides.constants) {
    auto it = std::find_if(program.constants.begin(), program.constants.end(),
                           [&](const rules::Constant& c) { return c.name == name; });
    if (it == program.constants.end()) {
      std::string known;
      for (const rules::Constant& c : program.constants)
        known += (known.empty() ? "" : ", ") + c.name;
      return core::InvalidArgument(
          core::Message("fbr.simulation.no_constant", {{"name", name}, {"known", known}}), "--set");
    }
    it->value = value;
  }
  for (const auto& [key, value] : overrides.activity_outputs) {
    // output[key]: the rows of the tables giving `output` whose inputs name `key` (an activity,
    // an equity category, a facility type, a zone...). An activity covered only by `*` rows
    // gets a row of its own, first in the table.
    const auto& [output, match] = key;
    bool is_activity = false;
    for (const rules::Package& p : program.packages) {
      for (const rules::Activity& a : p.activities) is_activity = is_activity || a.code == match;
    }
    bool has_output = false, changed = false;
    for (rules::DecisionTable& table : program.tables) {
      const auto out = std::find(table.outputs.begin(), table.outputs.end(), output);
      if (out == table.outputs.end()) continue;
      has_output = true;
      const size_t o = static_cast<size_t>(out - table.outputs.begin());
      bool changed_here = false;
      for (rules::DecisionRow& row : table.rows) {
        if (std::find(row.inputs.begin(), row.inputs.end(), match) != row.inputs.end()) {
          row.outputs[o] = value;
          changed_here = true;
        }
      }
      const auto in =
          std::find(table.inputs.begin(), table.inputs.end(), rules::TableInput::kActivity);
      if (!changed_here && is_activity && in != table.inputs.end()) {
        const size_t i = static_cast<size_t>(in - table.inputs.begin());
        rules::DecisionRow row;
        row.inputs.assign(table.inputs.size(), "*");
        row.inputs[i] = match;
        row.outputs.assign(table.outputs.size(), 0.0);
        // Its other outputs: those of the first `*` row, which covered the activity before.
        for (const rules::DecisionRow& r : table.rows) {
          if (r.inputs[i] == "*") {
            row.outputs = r.outputs;
            break;
          }
        }
        row.outputs[o] = value;
        // First, so that it wins ties with rows as specific.
        table.rows.insert(table.rows.begin(), std::move(row));
        changed_here = true;
      }
      changed = changed || changed_here;
    }
    if (!has_output) {
      return core::InvalidArgument(
          core::Message("fbr.simulation.no_table_output", {{"output", output}}), "--set");
    }
    if (!changed) {
      return core::InvalidArgument(
          core::Message("fbr.simulation.no_row_for", {{"output", output}, {"key", match}}),
          "--set " + output + "[" + match + "]");
    }
  }
  if (!overrides.envelopes.empty()) {
    if (program.payments.empty()) {
      return core::InvalidArgument(core::Message("fbr.simulation.no_payment_rule"));
    }
    for (rules::PaymentRule& rule : program.payments) {
      for (const auto& [zone, amount] : overrides.envelopes) {
        auto it = std::find_if(
            rule.envelopes.begin(), rule.envelopes.end(),
            [&](const rules::Envelope& e) { return e.zone == zone && e.period == period.Code(); });
        if (it != rule.envelopes.end()) {
          it->amount = amount;
        } else {
          rule.envelopes.push_back({zone, period.Code(), amount, 0});
        }
      }
    }
  }
  return core::OkStatus();
}

namespace {

// A warning of a run, in English and by id.
void Warn(ComputedRun& run, core::Message warning) {
  run.warnings.push_back(core::Render(warning, core::Language::kEnglish));
  run.warning_messages.push_back(std::move(warning));
}

double Seconds(std::chrono::steady_clock::time_point since) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - since).count();
}

// Where a stored value goes: (package, input, activity) of the program.
struct Target {
  int package;
  int input;
  int activity;
};

// A stored program version that does not compile, with every problem.
core::Error ProgramProblems(const store::ProgramRecord& record,
                            const std::vector<rules::ProgramProblem>& problems) {
  return core::InvalidArgument(
      core::Message("fbr.run.program_has_problems", {{"program", record.code},
                                                     {"version", record.version},
                                                     {"problems", ProblemsMessage(problems)}}));
}

struct KeyHash {
  size_t operator()(const std::tuple<int32_t, int32_t, int32_t>& k) const {
    const uint64_t a = static_cast<uint32_t>(std::get<0>(k));
    const uint64_t b = static_cast<uint32_t>(std::get<1>(k));
    const uint64_t c = static_cast<uint32_t>(std::get<2>(k));
    return std::hash<uint64_t>{}((a << 40) ^ (b << 20) ^ c);
  }
};

}  // namespace

Result<ComputedRun> Compute(store::Store& store, const core::MetadataBundle& metadata,
                            const store::ProgramRecord& record, const core::Period& period,
                            const ComputeOptions& options) {
  const auto started = std::chrono::steady_clock::now();
  ComputedRun run;
  run.record = record;
  KENEYA_ASSIGN_OR_RETURN(rules::ProgramSource source, FromRecord(record));
  rules::ParsedProgram parsed = rules::ParseProgram(source);
  if (!parsed.ok()) return ProgramProblems(record, parsed.problems);
  KENEYA_RETURN_IF_ERROR(ApplyOverrides(options.overrides, period, parsed.program));
  std::vector<rules::ProgramProblem> problems;
  run.compiled = rules::CompiledProgram::Compile(parsed.program, problems);
  if (!problems.empty()) return ProgramProblems(record, problems);
  const rules::Program& program = run.compiled.program();
  if (program.payments.empty()) {
    return core::InvalidArgument(
        core::Message("fbr.run.no_payment_rule", {{"program", record.code}}));
  }
  run.payment = options.payment.empty() ? 0 : run.compiled.PaymentIndex(options.payment);
  if (run.payment < 0) {
    return core::NotFound(core::Message("fbr.run.no_such_payment_rule",
                                        {{"program", record.code}, {"payment", options.payment}}),
                          "--payment");
  }
  KENEYA_ASSIGN_OR_RETURN(std::vector<rules::BlockRequest> requests,
                          run.compiled.BlocksNeeded(run.payment, period));

  // Who is under contract, and their facts.
  const Resolver resolver(metadata);
  KENEYA_ASSIGN_OR_RETURN(ContractsInForce contracts,
                          ContractsFor(store, resolver, program.code, period));
  run.suspended = contracts.suspended;
  run.suspended_org_units = contracts.suspended_org_units;
  run.inputs = std::make_shared<rules::RunInputs>(period);
  rules::RunInputs& inputs = *run.inputs;
  const int region_level = 2, district_level = 3;
  std::unordered_map<int32_t, int> facility_of;
  for (const FacilityContract& fc : contracts.active) {
    if (options.include && !options.include(fc.org_unit->id)) continue;
    const core::OrgUnit& unit = *fc.org_unit;
    rules::FacilityFacts facts;
    facts.code = unit.code.empty() ? unit.uid : unit.code;
    facts.uid = unit.uid;
    facts.name = unit.name;
    facts.type = std::string(core::OrgUnitTypeCode(unit.type));
    const core::OrgUnit* region = resolver.Ancestor(unit, region_level);
    const core::OrgUnit* district = resolver.Ancestor(unit, district_level);
    facts.region = region ? (region->code.empty() ? region->uid : region->code) : "";
    facts.district = district ? (district->code.empty() ? district->uid : district->code) : "";
    facts.groups = resolver.GroupNames(unit);
    facts.equity = fc.contract.equity_category;
    facility_of.emplace(unit.id, static_cast<int>(inputs.facilities.size()));
    inputs.facilities.push_back(std::move(facts));
    run.org_units.push_back(unit.id);
  }
  const size_t F = inputs.facilities.size();

  // Blocks, and where each stored value goes.
  KENEYA_ASSIGN_OR_RETURN(std::vector<core::State> states, store.States());
  std::unordered_map<std::tuple<int32_t, int32_t, int32_t>, std::vector<Target>, KeyHash> targets;
  std::vector<int32_t> data_elements, state_ids;
  for (int p = 0; p < static_cast<int>(program.packages.size()); ++p) {
    const rules::Package& package = program.packages[static_cast<size_t>(p)];
    for (int i = 0; i < static_cast<int>(package.inputs.size()); ++i) {
      const rules::PackageInput& input = package.inputs[static_cast<size_t>(i)];
      auto state = std::find_if(states.begin(), states.end(),
                                [&](const core::State& s) { return s.code == input.state; });
      if (state == states.end()) {
        return core::NotFound(core::Message(
            "fbr.run.no_state",
            {{"package", package.code}, {"input", input.name}, {"state", input.state}}));
      }
      state_ids.push_back(state->id);
      for (int a = 0; a < static_cast<int>(package.activities.size()); ++a) {
        const rules::Activity& activity = package.activities[static_cast<size_t>(a)];
        const core::DataElement* element = resolver.DataElement(activity.data_element);
        if (element == nullptr) {
          return core::NotFound(
              core::Message("fbr.run.no_data_element",
                            {{"activity", activity.code}, {"element", activity.data_element}}));
        }
        const core::CategoryOptionCombo* combo =
            input.category_option_combo.empty()
                ? resolver.DefaultCombo(*element)
                : resolver.CategoryOptionCombo(input.category_option_combo);
        if (combo == nullptr) {
          return core::NotFound(
              core::Message("fbr.run.no_combo", {{"package", package.code},
                                                 {"input", input.name},
                                                 {"combo", input.category_option_combo}}));
        }
        targets[{element->id, combo->id, state->id}].push_back({p, i, a});
        data_elements.push_back(element->id);
      }
    }
  }
  std::vector<int32_t> periods;
  for (const rules::BlockRequest& b : requests) {
    const rules::Package& package = program.packages[static_cast<size_t>(b.package)];
    rules::InputBlock& block = inputs.blocks[{b.package, b.period.Code()}];
    block.values.assign(package.inputs.size() * package.activities.size() * F, 0.0);
    block.present.assign(block.values.size(), 0);
    periods.push_back(b.period.Code());
  }
  for (auto* ids : {&data_elements, &state_ids, &periods}) {
    std::sort(ids->begin(), ids->end());
    ids->erase(std::unique(ids->begin(), ids->end()), ids->end());
  }
  const core::CategoryOptionCombo* default_attribute =
      resolver.CategoryOptionCombo(core::kDefaultCategoryOptionComboUid);
  const int32_t default_aoc = default_attribute ? default_attribute->id : 0;

  store::ValueQuery query;
  query.periods = periods;
  query.data_elements = data_elements;
  query.states = state_ids;
  if (options.progress) options.progress({"read values", 0, 0});
  int64_t skipped = 0;
  KENEYA_RETURN_IF_ERROR(store.ScanValues(query, [&](const core::DataValueKey& key,
                                                     std::string_view text) {
    if (key.attribute_option_combo != default_aoc) return;
    auto facility = facility_of.find(key.org_unit);
    if (facility == facility_of.end()) return;
    auto found = targets.find({key.data_element, key.category_option_combo, key.state});
    if (found == targets.end()) return;
    double value = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec != std::errc() || end != text.data() + text.size() || !std::isfinite(value)) {
      if (++skipped <= 20) {
        Warn(run, core::Message(
                      "fbr.run.value_not_a_number",
                      {{"value", text},
                       {"facility", inputs.facilities[static_cast<size_t>(facility->second)].code},
                       {"period", core::Period::FromCode(key.period)->ToString()}}));
      }
      return;
    }
    ++run.values_read;
    for (const Target& t : found->second) {
      auto block = inputs.blocks.find({t.package, key.period});
      if (block == inputs.blocks.end()) continue;
      const rules::Package& package = program.packages[static_cast<size_t>(t.package)];
      const size_t index = (static_cast<size_t>(t.input) * package.activities.size() +
                            static_cast<size_t>(t.activity)) *
                               F +
                           static_cast<size_t>(facility->second);
      block->second.values[index] = value;
      block->second.present[index] = 1;
    }
    if (options.progress && run.values_read % 50000 == 0) {
      options.progress({"read values", run.values_read, 0});
    }
  }));
  if (skipped > 20) {
    Warn(run, core::Message("fbr.run.more_values_not_numbers", {{"count", skipped - 20}}));
  }
  run.read_seconds = Seconds(started);
  if (options.progress) options.progress({"read values", run.values_read, run.values_read});

  const auto computing = std::chrono::steady_clock::now();
  rules::RunOptions run_options;
  run_options.threads = options.threads;
  KENEYA_ASSIGN_OR_RETURN(run.result, run.compiled.Run(run.payment, inputs, run_options));
  run.invoices = rules::BuildInvoices(run.compiled, run.payment, run.result, inputs);
  run.compute_seconds = Seconds(computing);
  if (options.progress) {
    options.progress({"compute", static_cast<int64_t>(F), static_cast<int64_t>(F)});
  }
  return run;
}

core::Status CheckEnvelopeZones(const Overrides& overrides, const rules::Program& program,
                                const rules::RunInputs& inputs) {
  // An envelope for a zone where nobody is under contract would change nothing, silently: a
  // misspelt code or a zone of the wrong level.
  const bool by_region = program.zone_level == rules::ZoneLevel::kRegion;
  const auto& facilities = inputs.facilities;
  for (const auto& [zone, amount] : overrides.envelopes) {
    if (std::none_of(facilities.begin(), facilities.end(), [&](const rules::FacilityFacts& f) {
          return (by_region ? f.region : f.district) == zone;
        })) {
      const std::string example = facilities.empty() ? std::string("DS_KATI")
                                  : by_region        ? facilities.front().region
                                                     : facilities.front().district;
      return core::InvalidArgument(
          core::Message(by_region ? "fbr.simulation.no_facility_in_region"
                                  : "fbr.simulation.no_facility_in_district",
                        {{"zone", zone}, {"example", example}}),
          "--envelope " + zone);
    }
  }
  return core::OkStatus();
}

Result<PreparedRun> PrepareRun(store::Store& store, const ComputedRun& run,
                               const store::Actor& actor, const store::ProgressFn& progress) {
  const rules::Program& program = run.program();
  const rules::PaymentRule& rule = run.payment_rule();
  const core::Period& period = run.inputs->period;
  if (run.invoices.invoices.empty()) {
    return core::FailedPrecondition(
        core::Message("fbr.run.no_report_at_all", {{"period", period.ToString()}}));
  }
  // The program version must be stored for the run to name it.
  KENEYA_ASSIGN_OR_RETURN(store::ProgramRecord stored, store.SaveProgram(run.record, actor));
  (void)stored;
  KENEYA_ASSIGN_OR_RETURN(std::vector<store::InvoiceRunRecord> runs, store.InvoiceRuns());
  int previous = 0;
  for (const store::InvoiceRunRecord& r : runs) {
    if (r.program_code == program.code && r.payment_code == rule.code &&
        r.period == period.Code()) {
      ++previous;
    }
  }
  const std::string suffix = previous == 0 ? "" : "-R" + std::to_string(previous + 1);
  // A facility keeps its number when the period is computed again ("...-00102" then
  // "...-00102-R2"), even if others came or went; a facility new to the period gets the next.
  const std::string prefix = program.code + "-" + period.ToString() + "-";
  std::unordered_map<int32_t, int> number_of;
  int last_number = 0;
  if (previous > 0) {
    KENEYA_ASSIGN_OR_RETURN(auto numbers,
                            store.InvoiceNumbers(program.code, rule.code, period.Code()));
    for (const auto& [org_unit, text] : numbers) {
      if (!text.starts_with(prefix)) continue;
      const int n = std::atoi(text.c_str() + prefix.size());
      number_of.emplace(org_unit, n);
      last_number = std::max(last_number, n);
    }
  }
  store::InvoiceRunRecord record;
  record.program_code = program.code;
  record.program_version = run.record.version;
  record.payment_code = rule.code;
  record.period = period.Code();
  record.total = run.invoices.total;
  PreparedRun prepared;
  std::vector<store::InvoiceRecord>& invoices = prepared.invoices;
  invoices.reserve(run.invoices.invoices.size());
  int sequence = 0;
  for (const rules::Invoice& invoice : run.invoices.invoices) {
    store::InvoiceRecord r;
    r.org_unit = run.org_units[static_cast<size_t>(invoice.facility)];
    ++sequence;
    int n = sequence;
    if (previous > 0) {
      const auto known = number_of.find(r.org_unit);
      n = known != number_of.end() ? known->second : ++last_number;
    }
    char number[16];
    std::snprintf(number, sizeof number, "%05d", n);
    r.number = prefix + number + suffix;
    r.total = invoice.total;
    r.lines_json = LinesToJson(invoice.lines);
    r.snapshot_json = SnapshotToJson(
        TakeSnapshot(run.compiled, run.payment, run.result, *run.inputs, invoice.facility));
    invoices.push_back(std::move(r));
    if (progress && sequence % 200 == 0) {
      progress({"prepare invoices", sequence, static_cast<int64_t>(run.invoices.invoices.size())});
    }
  }
  for (int f : run.invoices.missing) {
    prepared.missing.push_back(run.org_units[static_cast<size_t>(f)]);
  }
  prepared.record = std::move(record);
  return prepared;
}

Result<store::InvoiceRunRecord> SaveRun(store::Store& store, const ComputedRun& run,
                                        const store::Actor& actor,
                                        const store::ProgressFn& progress,
                                        const store::RunForApproval* approval) {
  KENEYA_ASSIGN_OR_RETURN(PreparedRun prepared, PrepareRun(store, run, actor, progress));
  const std::vector<store::InvoiceRecord>& invoices = prepared.invoices;
  if (progress) progress({"write", 0, static_cast<int64_t>(invoices.size())});
  KENEYA_ASSIGN_OR_RETURN(store::InvoiceRunRecord saved,
                          store.SaveInvoiceRun(prepared.record, invoices, prepared.missing,
                                               run.suspended_org_units, approval, actor));
  if (progress) {
    progress(
        {"write", static_cast<int64_t>(invoices.size()), static_cast<int64_t>(invoices.size())});
  }
  return saved;
}

ZoneTotals TotalsByZone(const ComputedRun& run) {
  ZoneTotals totals;
  for (const rules::Invoice& invoice : run.invoices.invoices) {
    const rules::FacilityFacts& f = run.inputs->facilities[static_cast<size_t>(invoice.facility)];
    totals.region[f.region] += invoice.total;
    totals.district[f.district] += invoice.total;
    totals.region_of_district[f.district] = f.region;
  }
  return totals;
}

}  // namespace keneya::fbr
