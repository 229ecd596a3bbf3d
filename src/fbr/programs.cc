#include "fbr/programs.h"

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <set>

#include "fbr/resolver.h"

namespace keneya::fbr {

using core::Result;

core::Message PlaceMessage(const std::vector<core::Message>& place) {
  core::Message out;
  for (const core::Message& part : place) {
    if (part.empty()) continue;
    out = out.empty() ? part : core::Message("core.place_in", {{"outer", out}, {"inner", part}});
  }
  return out;
}

core::Message ProblemsMessage(const std::vector<rules::ProgramProblem>& problems) {
  core::Message out;
  for (const rules::ProgramProblem& p : problems) {
    const core::Message place = PlaceMessage(p.place);
    core::Message line = place.empty() ? p.text
                                       : core::Message("fbr.program.problem_at",
                                                       {{"where", place}, {"problem", p.text}});
    out = out.empty() ? std::move(line)
                      : core::Message("fbr.list.line", {{"list", out}, {"line", line}});
  }
  return out;
}

namespace {

// A problem of the program's files at `place` ("tarifs.csv:3"), in English and by id.
rules::ProgramProblem Problem(const rules::SourcePlace& place, core::Message text) {
  return rules::ProgramProblem::Make(std::move(text), {place.ToMessage()});
}

}  // namespace

CheckedProgram CheckProgram(const rules::ProgramSource& source,
                            const core::MetadataBundle* metadata,
                            const std::vector<core::State>* states) {
  CheckedProgram out;
  out.source = source;
  rules::ParsedProgram parsed = rules::ParseProgram(source);
  out.program = std::move(parsed.program);
  out.problems = std::move(parsed.problems);
  out.compiled = rules::CompiledProgram::Compile(out.program, out.problems);
  // What a decision table matches on must exist: a misspelt value would match nothing, and
  // the rows meant for it would silently never apply.
  std::set<std::string> activities;
  for (const rules::Package& package : out.program.packages) {
    for (const rules::Activity& activity : package.activities) activities.insert(activity.code);
  }
  auto row_place = [](const rules::DecisionTable& table, const rules::DecisionRow& row) {
    return rules::SourcePlace{table.file, row.line};
  };
  for (const rules::DecisionTable& table : out.program.tables) {
    for (const rules::DecisionRow& row : table.rows) {
      for (size_t i = 0; i < table.inputs.size() && i < row.inputs.size(); ++i) {
        const std::string& value = row.inputs[i];
        if (value == "*") continue;
        if (table.inputs[i] == rules::TableInput::kActivity && !activities.contains(value)) {
          out.problems.push_back(
              Problem(row_place(table, row),
                      core::Message("fbr.program.no_activity", {{"activity", value}})));
        }
        if (table.inputs[i] == rules::TableInput::kFacilityType &&
            !core::ParseOrgUnitType(value).ok()) {
          out.problems.push_back(
              Problem(row_place(table, row),
                      core::Message("fbr.program.unknown_table_facility_type", {{"type", value}})));
        }
      }
    }
  }
  // An envelope is for one of its payment's periods: a month for a monthly payment, a quarter
  // for a quarterly one; another period would never apply.
  for (const rules::PaymentRule& rule : out.program.payments) {
    const core::PeriodType wanted = rule.frequency == rules::Frequency::kMonthly
                                        ? core::PeriodType::kMonthly
                                        : core::PeriodType::kQuarterly;
    for (const rules::Envelope& envelope : rule.envelopes) {
      const auto period = core::Period::FromCode(envelope.period);
      if (period.ok() && period->type() != wanted) {
        out.problems.push_back(
            Problem({rule.envelopes_file, envelope.line},
                    core::Message(wanted == core::PeriodType::kMonthly
                                      ? "fbr.program.envelope_not_a_month"
                                      : "fbr.program.envelope_not_a_quarter",
                                  {{"period", period->ToString()}, {"payment", rule.code}})));
      }
    }
  }
  if (metadata == nullptr) return out;
  const Resolver resolver(*metadata);
  // Org units a table or an envelope names: at the level its column means.
  const int region_level = 2, district_level = 3;
  auto check_zone = [&](const rules::SourcePlace& where, const std::string& what,
                        const std::string& code, int level) {
    const core::OrgUnit* unit = resolver.OrgUnit(code);
    if (unit == nullptr) {
      out.problems.push_back(Problem(
          where, core::Message("fbr.program.zone_not_found", {{"what", what}, {"code", code}})));
    } else if (unit->level != level) {
      out.problems.push_back(
          Problem(where, core::Message(level == region_level ? "fbr.program.not_a_region"
                                                             : "fbr.program.not_a_district",
                                       {{"what", what}, {"code", code}, {"level", unit->level}})));
    }
  };
  const core::OrgUnitGroupSet* equity_set =
      out.program.equity_group_set.empty() ? nullptr
                                           : resolver.OrgUnitGroupSet(out.program.equity_group_set);
  for (const rules::DecisionTable& table : out.program.tables) {
    for (const rules::DecisionRow& row : table.rows) {
      for (size_t i = 0; i < table.inputs.size() && i < row.inputs.size(); ++i) {
        const std::string& value = row.inputs[i];
        if (value == "*") continue;
        const rules::SourcePlace where = row_place(table, row);
        switch (table.inputs[i]) {
          case rules::TableInput::kRegion:
            check_zone(where, "in:region", value, region_level);
            break;
          case rules::TableInput::kDistrict:
            check_zone(where, "in:district", value, district_level);
            break;
          case rules::TableInput::kFacility:
            if (resolver.OrgUnit(value) == nullptr) {
              out.problems.push_back(
                  Problem(where, core::Message("fbr.program.no_facility", {{"code", value}})));
            }
            break;
          case rules::TableInput::kEquity: {
            const core::OrgUnitGroup* group = resolver.OrgUnitGroup(value);
            if (group == nullptr ||
                (equity_set != nullptr &&
                 std::find(equity_set->group_uids.begin(), equity_set->group_uids.end(),
                           group->uid) == equity_set->group_uids.end())) {
              out.problems.push_back(Problem(
                  where,
                  equity_set != nullptr
                      ? core::Message(
                            "fbr.program.no_equity_category_in",
                            {{"equity", value}, {"group_set", out.program.equity_group_set}})
                      : core::Message("fbr.program.no_equity_category", {{"equity", value}})));
            }
            break;
          }
          default:
            break;
        }
      }
    }
  }
  const int zone_level =
      out.program.zone_level == rules::ZoneLevel::kRegion ? region_level : district_level;
  for (const rules::PaymentRule& rule : out.program.payments) {
    for (const rules::Envelope& envelope : rule.envelopes) {
      check_zone({rule.envelopes_file, envelope.line}, "envelope", envelope.zone, zone_level);
    }
  }
  for (const rules::Package& package : out.program.packages) {
    for (const rules::Activity& activity : package.activities) {
      if (resolver.DataElement(activity.data_element) == nullptr) {
        out.problems.push_back(Problem(
            activity.place,
            core::Message("fbr.program.no_data_element",
                          {{"activity", activity.code}, {"element", activity.data_element}})));
      }
      for (const std::string& type : activity.facility_types) {
        if (!core::ParseOrgUnitType(type).ok()) {
          out.problems.push_back(Problem(
              activity.place, core::Message("fbr.program.unknown_activity_facility_type",
                                            {{"activity", activity.code}, {"type", type}})));
        }
      }
    }
    for (const rules::PackageInput& input : package.inputs) {
      if (states != nullptr &&
          std::none_of(states->begin(), states->end(),
                       [&](const core::State& s) { return s.code == input.state; })) {
        std::string known;
        for (const core::State& s : *states) known += (known.empty() ? "" : ", ") + s.code;
        out.problems.push_back(
            Problem(package.place, core::Message("fbr.program.no_state", {{"package", package.code},
                                                                          {"input", input.name},
                                                                          {"state", input.state},
                                                                          {"known", known}})));
      }
      if (!input.category_option_combo.empty() &&
          resolver.CategoryOptionCombo(input.category_option_combo) == nullptr) {
        out.problems.push_back(Problem(
            package.place,
            core::Message("fbr.program.no_combo", {{"package", package.code},
                                                   {"input", input.name},
                                                   {"combo", input.category_option_combo}})));
      }
    }
    for (const std::string& group : package.org_units.groups) {
      if (resolver.OrgUnitGroup(group) == nullptr) {
        out.problems.push_back(Problem(
            package.place,
            core::Message("fbr.program.no_group", {{"package", package.code}, {"group", group}})));
      }
    }
    for (const std::string& type : package.org_units.facility_types) {
      if (!core::ParseOrgUnitType(type).ok()) {
        out.problems.push_back(
            Problem(package.place, core::Message("fbr.program.unknown_package_facility_type",
                                                 {{"package", package.code}, {"type", type}})));
      }
    }
  }
  for (const rules::PaymentRule& rule : out.program.payments) {
    auto check_element = [&](const std::string& name, const rules::SourcePlace& place) {
      if (!name.empty() && resolver.DataElement(name) == nullptr) {
        out.problems.push_back(Problem(
            place, core::Message("fbr.program.no_export_data_element", {{"element", name}})));
      }
    };
    check_element(rule.dhis2_total, rule.place);
    for (const rules::FormulaSpec& f : rule.formulas) check_element(f.dhis2_data_element, f.place);
    for (const std::string& code : rule.packages) {
      for (const rules::Package& p : out.program.packages) {
        if (p.code != code) continue;
        for (const rules::FormulaSpec& f : p.formulas) check_element(f.dhis2_data_element, f.place);
      }
    }
  }
  if (!out.program.equity_group_set.empty() &&
      resolver.OrgUnitGroupSet(out.program.equity_group_set) == nullptr) {
    out.problems.push_back(Problem({source.toml_name, 0},
                                   core::Message("fbr.program.no_equity_group_set",
                                                 {{"group_set", out.program.equity_group_set}})));
  }
  return out;
}

namespace {

// FNV-1a, 64 bits, in hexadecimal: tells a repeat of a version's files from a change.
std::string Checksum(const std::string& text) {
  uint64_t h = 1469598103934665603ull;
  for (unsigned char c : text) {
    h ^= c;
    h *= 1099511628211ull;
  }
  char buffer[20];
  std::snprintf(buffer, sizeof buffer, "%016llx", static_cast<unsigned long long>(h));
  return buffer;
}

}  // namespace

store::ProgramRecord ToRecord(const rules::ProgramSource& source, const rules::Program& program) {
  store::ProgramRecord record;
  record.code = program.code;
  record.version = program.version;
  record.name = program.name;
  record.valid_from = program.valid_from;
  record.valid_to = program.valid_to;
  record.toml_name = source.toml_name;
  record.toml = source.toml;
  nlohmann::json files = nlohmann::json::object();
  for (const auto& [name, text] : source.files) files[name] = text;
  record.files_json = files.dump();
  record.checksum = Checksum(record.toml_name + "\n" + record.toml + "\n" + record.files_json);
  return record;
}

Result<rules::ProgramSource> FromRecord(const store::ProgramRecord& record) {
  rules::ProgramSource source;
  source.toml_name = record.toml_name;
  source.toml = record.toml;
  nlohmann::json files = nlohmann::json::parse(record.files_json, nullptr, false);
  if (!files.is_object()) {
    return core::Internal(core::Message("fbr.program.stored_files_not_json",
                                        {{"program", record.code}, {"version", record.version}}));
  }
  for (const auto& [name, text] : files.items()) {
    if (text.is_string()) source.files.emplace(name, text.get<std::string>());
  }
  return source;
}

Result<store::ProgramRecord> ProgramFor(store::Store& store, std::string_view code,
                                        const core::Period& period, std::optional<int> version) {
  KENEYA_ASSIGN_OR_RETURN(std::vector<store::ProgramRecord> programs, store.Programs());
  const store::ProgramRecord* best = nullptr;
  bool any = false;
  for (const store::ProgramRecord& p : programs) {
    if (p.code != code) continue;
    any = true;
    const core::Date day = period.start();
    if (version) {
      if (p.version != *version) continue;
      // A version named explicitly must still be valid for the period.
      if (day < p.valid_from || (p.valid_to && *p.valid_to < day)) {
        return core::FailedPrecondition(p.valid_to
                                            ? core::Message("fbr.program.version_not_valid_until",
                                                            {{"version", p.version},
                                                             {"program", p.code},
                                                             {"day", day.ToString()},
                                                             {"from", p.valid_from.ToString()},
                                                             {"to", p.valid_to->ToString()}})
                                            : core::Message("fbr.program.version_not_valid",
                                                            {{"version", p.version},
                                                             {"program", p.code},
                                                             {"day", day.ToString()},
                                                             {"from", p.valid_from.ToString()}}),
                                        "--version");
      }
      return p;
    }
    if (day < p.valid_from || (p.valid_to && *p.valid_to < day)) continue;
    if (best == nullptr || p.version > best->version) best = &p;
  }
  if (!any) {
    return core::NotFound(core::Message("fbr.program.not_in_database", {{"program", code}}),
                          core::Message("fbr.place.program"));
  }
  if (version) {
    return core::NotFound(
        core::Message("fbr.program.no_version", {{"program", code}, {"version", *version}}),
        core::Message("fbr.place.program"));
  }
  if (best == nullptr) {
    return core::NotFound(core::Message("fbr.program.no_version_valid",
                                        {{"program", code}, {"day", period.start().ToString()}}),
                          core::Message("fbr.place.period"));
  }
  return *best;
}

Result<store::ProgramRecord> CheckedRecord(store::Store& store,
                                           const core::MetadataBundle& metadata,
                                           const rules::ProgramSource& source) {
  KENEYA_ASSIGN_OR_RETURN(std::vector<core::State> states, store.States());
  CheckedProgram checked = CheckProgram(source, &metadata, &states);
  if (!checked.ok()) {
    const core::Message problems = ProblemsMessage(checked.problems);
    return core::InvalidArgument(
        checked.problems.size() == 1
            ? core::Message("fbr.program.one_problem_nothing_stored", {{"problems", problems}})
            : core::Message("fbr.program.problems_nothing_stored",
                            {{"count", checked.problems.size()}, {"problems", problems}}),
        source.toml_name);
  }
  return ToRecord(source, checked.program);
}

Result<store::ProgramRecord> LoadProgram(store::Store& store, const rules::ProgramSource& source,
                                         const store::Actor& actor) {
  KENEYA_ASSIGN_OR_RETURN(core::MetadataBundle metadata, store.LoadMetadata());
  KENEYA_ASSIGN_OR_RETURN(store::ProgramRecord record, CheckedRecord(store, metadata, source));
  return store.SaveProgram(record, actor);
}

bool IsProgramPath(std::string_view text) {
  return text.find('/') != std::string_view::npos || text.ends_with(".toml") ||
         std::filesystem::is_directory(std::filesystem::path(text));
}

core::Status RefuseChangedVersion(store::Store& store, const store::ProgramRecord& record) {
  KENEYA_ASSIGN_OR_RETURN(std::vector<store::ProgramRecord> programs, store.Programs());
  for (const store::ProgramRecord& p : programs) {
    if (p.code == record.code && p.version == record.version && p.checksum != record.checksum) {
      return store::VersionStoredWithOtherContent(p.code, p.version);
    }
  }
  return core::OkStatus();
}

Result<store::ProgramRecord> ProgramToUse(store::Store& store, const core::MetadataBundle& metadata,
                                          std::string_view program, const core::Period& period,
                                          std::optional<int> version, bool to_store) {
  if (!IsProgramPath(program)) return ProgramFor(store, program, period, version);
  KENEYA_ASSIGN_OR_RETURN(rules::ProgramSource source,
                          rules::ReadProgramSource(std::filesystem::path(program)));
  KENEYA_ASSIGN_OR_RETURN(store::ProgramRecord record, CheckedRecord(store, metadata, source));
  if (to_store) KENEYA_RETURN_IF_ERROR(RefuseChangedVersion(store, record));
  return record;
}

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

}  // namespace keneya::fbr
