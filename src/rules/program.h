// An FBR program as data: what a national FBR unit writes (a TOML file with CSV decision tables
// beside it, read by program_file.h) and what the engine compiles (compiled_program.h).
// docs/RULES.md describes every field with examples.
//
//   Program        packages of activities, decision tables, constants, payment rules
//   Package        monthly or quarterly; inputs (store states) read for each activity;
//                  formulas at activity, package (facility) and zone level
//   DecisionTable  rows of inputs (activity, facility type, region, district, facility,
//                  equity category; `*` for any) giving outputs (tariffs, bonuses)
//   PaymentRule    combines packages (three monthly results into a quarterly payment) with
//                  payment formulas, invoice lines and budget envelopes
#ifndef KENEYA_RULES_PROGRAM_H_
#define KENEYA_RULES_PROGRAM_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/date.h"
#include "core/message.h"

namespace keneya::rules {

// Where something was written: "programme.toml:42" or "tarifs.csv:7".
struct SourcePlace {
  std::string file;
  int line = 0;
  std::string ToString() const;
  // The same place by id ("rules.program.place_line"), for a problem's place.
  core::Message ToMessage() const;
};

enum class Frequency : uint8_t { kMonthly, kQuarterly };
std::string_view FrequencyCode(Frequency f);  // "monthly", "quarterly"

// How a value is shown on an invoice or in an explanation.
enum class Display : uint8_t { kNumber, kPercent, kMoney };

// A named formula at some level of a package or payment rule.
struct FormulaSpec {
  std::string code;        // its name in other formulas
  std::string expression;  // in the formula language (formula.h)
  std::string label;       // French
  std::string label_en;    // English; the French label when empty
  Display display = Display::kNumber;
  std::string dhis2_data_element;  // exported to DHIS2 under this data element (code or uid)
  SourcePlace place;
};

// A package input: for each activity, the value of the activity's data element in a store
// state (and, optionally, a category option combo instead of the default).
struct PackageInput {
  std::string name;                   // "declared", "verified", "obtained"...
  std::string state;                  // a store state: "declared", "verified", "validated"...
  std::string category_option_combo;  // code or uid; empty for the data element's default
};

struct Activity {
  std::string code;
  std::string name;
  std::string data_element;  // code or uid
  // Facility types it applies to (core::OrgUnitTypeCode); empty: all. A facility is not
  // expected to report an activity that does not apply to it: no line, no missing flag.
  std::vector<std::string> facility_types;
  SourcePlace place;
};

// Which facilities a package concerns, among those under contract for the program.
struct OrgUnitSelection {
  std::vector<std::string> facility_types;  // empty: any
  std::vector<std::string> groups;          // org unit group codes or uids; empty: any
};

struct InvoiceLayout {
  // Columns of an activity line, as input or activity formula names.
  std::vector<std::string> columns;
  // Their titles on the invoice, French and English (optional; by default a formula's label,
  // "Déclaré"/"Vérifié"/"Tarif" for those inputs, else the name).
  std::vector<std::string> titles;
  std::vector<std::string> titles_en;
  // The column that is the line's amount (rounded to the franc); empty: no amounts.
  std::string amount;
  // Package formulas shown under the lines (a quality score, for instance).
  std::vector<std::string> show;
};

struct Package {
  std::string code;
  std::string name;
  std::string name_en;
  Frequency frequency = Frequency::kMonthly;
  OrgUnitSelection org_units;
  std::vector<PackageInput> inputs;
  std::vector<Activity> activities;
  std::vector<FormulaSpec> activity_formulas;
  std::vector<FormulaSpec> formulas;       // package level: one value per facility
  std::vector<FormulaSpec> zone_formulas;  // one value per zone, over its facilities
  InvoiceLayout invoice;
  SourcePlace place;
};

// The facts a decision table can match on.
enum class TableInput : uint8_t {
  kActivity,
  kFacilityType,
  kRegion,
  kDistrict,
  kFacility,
  kEquity,
};
std::string_view TableInputName(TableInput input);  // "activity", "facility_type"...

struct DecisionRow {
  std::vector<std::string> inputs;  // in the table's input order; "*" matches anything
  std::vector<double> outputs;      // in the table's output order
  std::optional<core::Date> valid_from;
  std::optional<core::Date> valid_to;  // inclusive
  int line = 0;                        // in the CSV file
};

// A decision table: the row that matches with the most non-`*` inputs wins, then the earliest.
struct DecisionTable {
  std::string code;
  std::string file;  // the CSV file's name, beside the TOML file
  std::vector<TableInput> inputs;
  std::vector<std::string> outputs;  // variable names the formulas can use
  std::vector<DecisionRow> rows;
  SourcePlace place;
};

// A line of an invoice after the packages' totals: a payment formula's value, rounded.
struct PaymentLine {
  std::string formula;  // a payment formula
  std::string label;
  std::string label_en;
};

// A budget envelope: what a zone (district or region, by code) may be paid for a period.
struct Envelope {
  std::string zone;
  int32_t period = 0;  // core::Period::Code()
  int64_t amount = 0;  // francs CFA
  int line = 0;
};

struct PaymentRule {
  std::string code;
  std::string name;
  std::string name_en;
  Frequency frequency = Frequency::kMonthly;
  std::vector<std::string> packages;
  std::vector<FormulaSpec> formulas;
  std::vector<PaymentLine> lines;
  std::string envelopes_file;  // CSV beside the TOML file; empty: no envelopes
  std::string dhis2_total;     // the invoices' totals are exported to this data element
  std::vector<Envelope> envelopes;
  SourcePlace place;
};

struct Constant {
  std::string name;
  double value = 0;
  SourcePlace place;
};

// The level whose org units group facilities into zones (zone formulas, envelopes).
enum class ZoneLevel : uint8_t { kDistrict, kRegion };

// The workflow's calendar (the [workflow] table of a program).
struct WorkflowRules {
  // A period's declaration is due on this day of the month that follows it (5: 5 February for
  // January, 5 April for 2024Q1); a declaration after that day is late by the days past it.
  int declaration_day = 5;
  // Days a facility has to contest its verification report once issued; once they run out
  // without a contest, the report is accepted.
  int contest_days = 10;
};

struct Program {
  std::string code;
  std::string name;
  std::string name_en;
  int version = 1;
  core::Date valid_from;
  std::optional<core::Date> valid_to;  // inclusive
  ZoneLevel zone_level = ZoneLevel::kDistrict;
  // The org unit group set whose group is a facility's equity category when its contract does
  // not set one ("EQUITE": groups EQUITE_0, EQUITE_10...).
  std::string equity_group_set;
  std::string description;
  std::vector<Constant> constants;
  std::vector<DecisionTable> tables;
  std::vector<Package> packages;
  std::vector<PaymentRule> payments;
  WorkflowRules workflow;
};

}  // namespace keneya::rules

#endif  // KENEYA_RULES_PROGRAM_H_
