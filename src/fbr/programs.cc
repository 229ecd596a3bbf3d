#include "fbr/programs.h"

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <set>

#include "fbr/resolver.h"

namespace keneya::fbr {

using core::Result;

std::string ProblemList(const std::vector<rules::ProgramProblem>& problems) {
  std::string out;
  for (const rules::ProgramProblem& p : problems) out += (out.empty() ? "" : "\n") + p.ToString();
  return out;
}

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
    return table.file + ":" + std::to_string(row.line);
  };
  for (const rules::DecisionTable& table : out.program.tables) {
    for (const rules::DecisionRow& row : table.rows) {
      for (size_t i = 0; i < table.inputs.size() && i < row.inputs.size(); ++i) {
        const std::string& value = row.inputs[i];
        if (value == "*") continue;
        if (table.inputs[i] == rules::TableInput::kActivity && !activities.contains(value)) {
          out.problems.push_back(
              {row_place(table, row), "in:activity: no activity '" + value + "' in the program"});
        }
        if (table.inputs[i] == rules::TableInput::kFacilityType &&
            !core::ParseOrgUnitType(value).ok()) {
          out.problems.push_back({row_place(table, row),
                                  "in:facility_type: unknown facility type '" + value +
                                      "' (CSCOM, CSREF, EPH, MATERNITE, CCS, CLINIQUE_PRIVEE...)"});
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
        out.problems.push_back({rule.envelopes_file + ":" + std::to_string(envelope.line),
                                "envelope: " + period->ToString() + " is not a " +
                                    (wanted == core::PeriodType::kMonthly ? "month" : "quarter") +
                                    ", and payment " + rule.code + " is paid by " +
                                    (wanted == core::PeriodType::kMonthly ? "month" : "quarter")});
      }
    }
  }
  if (metadata == nullptr) return out;
  const Resolver resolver(*metadata);
  // Org units a table or an envelope names: at the level its column means.
  const int region_level = 2, district_level = 3;
  auto level_name = [](int level) {
    return level == region_level ? std::string("a region") : std::string("a district");
  };
  auto check_zone = [&](const std::string& where, const std::string& what, const std::string& code,
                        int level) {
    const core::OrgUnit* unit = resolver.OrgUnit(code);
    if (unit == nullptr) {
      out.problems.push_back(
          {where, what + ": no org unit '" + code + "' in the database (code or uid)"});
    } else if (unit->level != level) {
      out.problems.push_back({where, what + ": '" + code + "' is not " + level_name(level) +
                                         " (level " + std::to_string(unit->level) + ")"});
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
        const std::string where = row_place(table, row);
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
                  {where, "in:facility: no org unit '" + value + "' in the database"});
            }
            break;
          case rules::TableInput::kEquity: {
            const core::OrgUnitGroup* group = resolver.OrgUnitGroup(value);
            if (group == nullptr ||
                (equity_set != nullptr &&
                 std::find(equity_set->group_uids.begin(), equity_set->group_uids.end(),
                           group->uid) == equity_set->group_uids.end())) {
              out.problems.push_back(
                  {where, "in:equity: no equity category '" + value + "'" +
                              (equity_set ? " in group set " + out.program.equity_group_set
                                          : std::string())});
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
      check_zone(rule.envelopes_file + ":" + std::to_string(envelope.line), "envelope",
                 envelope.zone, zone_level);
    }
  }
  auto where = [&](const rules::SourcePlace& place) { return place.ToString(); };
  for (const rules::Package& package : out.program.packages) {
    for (const rules::Activity& activity : package.activities) {
      if (resolver.DataElement(activity.data_element) == nullptr) {
        out.problems.push_back(
            {where(activity.place), "activity " + activity.code + ": no data element '" +
                                        activity.data_element + "' in the database (code or uid)"});
      }
      for (const std::string& type : activity.facility_types) {
        if (!core::ParseOrgUnitType(type).ok()) {
          out.problems.push_back(
              {where(activity.place), "activity " + activity.code + ": unknown facility type '" +
                                          type + "' (CSCOM, CSREF, EPH, MATERNITE, CCS...)"});
        }
      }
    }
    for (const rules::PackageInput& input : package.inputs) {
      if (states != nullptr &&
          std::none_of(states->begin(), states->end(),
                       [&](const core::State& s) { return s.code == input.state; })) {
        std::string known;
        for (const core::State& s : *states) known += (known.empty() ? "" : ", ") + s.code;
        out.problems.push_back({where(package.place), "package " + package.code + ", input " +
                                                          input.name + ": no state '" +
                                                          input.state + "' (" + known + ")"});
      }
      if (!input.category_option_combo.empty() &&
          resolver.CategoryOptionCombo(input.category_option_combo) == nullptr) {
        out.problems.push_back(
            {where(package.place), "package " + package.code + ", input " + input.name +
                                       ": no category option combo '" +
                                       input.category_option_combo + "' in the database"});
      }
    }
    for (const std::string& group : package.org_units.groups) {
      if (resolver.OrgUnitGroup(group) == nullptr) {
        out.problems.push_back({where(package.place),
                                "package " + package.code + ": no org unit group '" + group + "'"});
      }
    }
    for (const std::string& type : package.org_units.facility_types) {
      if (!core::ParseOrgUnitType(type).ok()) {
        out.problems.push_back(
            {where(package.place),
             "package " + package.code + ": unknown facility type '" + type + "'"});
      }
    }
  }
  for (const rules::PaymentRule& rule : out.program.payments) {
    auto check_element = [&](const std::string& name, const rules::SourcePlace& place) {
      if (!name.empty() && resolver.DataElement(name) == nullptr) {
        out.problems.push_back({place.ToString(), "dhis2: no data element '" + name +
                                                      "' in the database to export to"});
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
    out.problems.push_back(
        {source.toml_name, "[program] equity_group_set: no org unit group set '" +
                               out.program.equity_group_set + "'"});
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
    return core::Internal("the stored files of program " + record.code + " version " +
                          std::to_string(record.version) + " are not JSON");
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
        return core::FailedPrecondition(
            "version " + std::to_string(p.version) + " of program " + p.code + " is not valid on " +
                day.ToString() + " (valid from " + p.valid_from.ToString() +
                (p.valid_to ? " to " + p.valid_to->ToString() : "") + ")",
            "--version");
      }
      return p;
    }
    if (day < p.valid_from || (p.valid_to && *p.valid_to < day)) continue;
    if (best == nullptr || p.version > best->version) best = &p;
  }
  if (!any) {
    return core::NotFound(
        "no program " + std::string(code) + " in the database (keneya program load DIRECTORY)",
        "program");
  }
  if (version) {
    return core::NotFound(
        "program " + std::string(code) + " has no version " + std::to_string(*version), "program");
  }
  if (best == nullptr) {
    return core::NotFound(
        "no version of program " + std::string(code) + " is valid on " + period.start().ToString(),
        "period");
  }
  return *best;
}

Result<store::ProgramRecord> CheckedRecord(store::Store& store,
                                           const core::MetadataBundle& metadata,
                                           const rules::ProgramSource& source) {
  KENEYA_ASSIGN_OR_RETURN(std::vector<core::State> states, store.States());
  CheckedProgram checked = CheckProgram(source, &metadata, &states);
  if (!checked.ok()) {
    return core::InvalidArgument(std::to_string(checked.problems.size()) + " problem" +
                                     (checked.problems.size() == 1 ? "" : "s") +
                                     " in the program, nothing stored:\n" +
                                     ProblemList(checked.problems),
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

}  // namespace keneya::fbr
