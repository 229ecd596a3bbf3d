#include "rules/program_file.h"

#include <toml++/toml.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "core/csv.h"
#include "core/period.h"

namespace keneya::rules {

using core::Result;

std::string SourcePlace::ToString() const {
  return line > 0 ? file + ":" + std::to_string(line) : file;
}

std::string_view FrequencyCode(Frequency f) {
  return f == Frequency::kMonthly ? "monthly" : "quarterly";
}

std::string_view TableInputName(TableInput input) {
  switch (input) {
    case TableInput::kActivity:
      return "activity";
    case TableInput::kFacilityType:
      return "facility_type";
    case TableInput::kRegion:
      return "region";
    case TableInput::kDistrict:
      return "district";
    case TableInput::kFacility:
      return "facility";
    case TableInput::kEquity:
      return "equity";
  }
  return "?";
}

namespace {

Result<std::string> ReadWholeFile(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return core::NotFound("cannot read the file", path.string());
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// Reads the TOML tree into a Program, collecting problems.
class ProgramReader {
 public:
  explicit ProgramReader(const ProgramSource& source) : source_(source) {}

  ParsedProgram Read() {
    toml::table root;
    try {
      root = toml::parse(source_.toml, source_.toml_name);
    } catch (const toml::parse_error& error) {
      Problem(static_cast<int>(error.source().begin.line),
              "TOML syntax: " + std::string(error.description()) + " (column " +
                  std::to_string(error.source().begin.column) + ")");
      return std::move(out_);
    }
    CheckKeys(root, {"program", "constants", "table", "package", "payment"}, "the file");
    ReadHeader(root);
    ReadConstants(root);
    for (const toml::table* t : TablesOf(root, "table")) ReadTable(*t);
    for (const toml::table* t : TablesOf(root, "package")) ReadPackage(*t);
    for (const toml::table* t : TablesOf(root, "payment")) ReadPayment(*t);
    CheckUnique();
    return std::move(out_);
  }

 private:
  Program& program() { return out_.program; }

  void Problem(int line, std::string message) {
    out_.problems.push_back(
        {line > 0 ? source_.toml_name + ":" + std::to_string(line) : source_.toml_name,
         std::move(message)});
  }
  void Problem(const toml::node& node, std::string message) {
    Problem(static_cast<int>(node.source().begin.line), std::move(message));
  }
  void CsvProblem(const std::string& file, int line, std::string message) {
    out_.problems.push_back({file + ":" + std::to_string(line), std::move(message)});
  }

  SourcePlace Place(const toml::node& node) const {
    return {source_.toml_name, static_cast<int>(node.source().begin.line)};
  }

  // Unknown keys are refused: a misspelt key would otherwise be silently ignored.
  void CheckKeys(const toml::table& table, std::initializer_list<std::string_view> known,
                 std::string_view what) {
    for (auto&& [key, node] : table) {
      if (std::find(known.begin(), known.end(), key.str()) == known.end()) {
        std::string list;
        for (std::string_view k : known) list += (list.empty() ? "" : ", ") + std::string(k);
        Problem(node, "unknown key '" + std::string(key.str()) + "' in " + std::string(what) +
                          " (known: " + list + ")");
      }
    }
  }

  // The tables of an array of tables ([[package]]), or of a single table given by mistake.
  std::vector<const toml::table*> TablesOf(const toml::table& parent, std::string_view key) {
    std::vector<const toml::table*> tables;
    const toml::node* node = parent.get(key);
    if (node == nullptr) return tables;
    if (const toml::array* array = node->as_array()) {
      for (const toml::node& item : *array) {
        if (const toml::table* t = item.as_table()) {
          tables.push_back(t);
        } else {
          Problem(item, "'" + std::string(key) + "' must hold tables ([[" + std::string(key) +
                            "]] or { ... })");
        }
      }
      return tables;
    }
    Problem(*node, "'" + std::string(key) + "' must be an array of tables: write [[" +
                       std::string(key) + "]]");
    return tables;
  }

  std::string String(const toml::table& t, std::string_view key, bool required,
                     std::string_view what) {
    const toml::node* node = t.get(key);
    if (node == nullptr) {
      if (required) {
        Problem(t, std::string(what) + " has no '" + std::string(key) + "'");
      }
      return {};
    }
    if (const auto* s = node->as_string()) {
      if (required && s->get().empty()) {
        Problem(*node, "'" + std::string(key) + "' of " + std::string(what) + " is empty");
      }
      return s->get();
    }
    Problem(*node, "'" + std::string(key) + "' of " + std::string(what) + " must be a text");
    return {};
  }

  std::vector<std::string> Strings(const toml::table& t, std::string_view key,
                                   std::string_view what) {
    std::vector<std::string> out;
    const toml::node* node = t.get(key);
    if (node == nullptr) return out;
    const toml::array* array = node->as_array();
    if (array == nullptr) {
      Problem(*node, "'" + std::string(key) + "' of " + std::string(what) +
                         " must be a list of texts: [\"a\", \"b\"]");
      return out;
    }
    for (const toml::node& item : *array) {
      if (const auto* s = item.as_string()) {
        out.push_back(s->get());
      } else {
        Problem(item,
                "'" + std::string(key) + "' of " + std::string(what) + " must hold texts only");
      }
    }
    return out;
  }

  std::optional<core::Date> DateOf(const toml::table& t, std::string_view key,
                                   std::string_view what) {
    const toml::node* node = t.get(key);
    if (node == nullptr) return std::nullopt;
    if (const auto* d = node->as_date()) {
      const toml::date& date = d->get();
      if (!core::Date::IsValid(date.year, date.month, date.day)) {
        Problem(*node, "'" + std::string(key) + "' of " + std::string(what) + " is not a date");
        return std::nullopt;
      }
      return core::Date::FromYmd(date.year, date.month, date.day);
    }
    if (const auto* s = node->as_string()) {
      auto parsed = core::Date::Parse(s->get());
      if (parsed.ok()) return *parsed;
      Problem(*node,
              "'" + std::string(key) + "' of " + std::string(what) + ": " + parsed.error().message);
      return std::nullopt;
    }
    Problem(*node,
            "'" + std::string(key) + "' of " + std::string(what) + " must be a date: 2024-01-01");
    return std::nullopt;
  }

  void ReadHeader(const toml::table& root) {
    const toml::node* node = root.get("program");
    const toml::table* t = node ? node->as_table() : nullptr;
    if (t == nullptr) {
      Problem(node ? static_cast<int>(node->source().begin.line) : 0,
              "the file has no [program] table (code, name, version, valid_from)");
      return;
    }
    CheckKeys(*t,
              {"code", "name", "name_en", "version", "valid_from", "valid_to", "zone_level",
               "equity_group_set", "description"},
              "[program]");
    program().code = String(*t, "code", true, "[program]");
    program().name = String(*t, "name", true, "[program]");
    program().name_en = String(*t, "name_en", false, "[program]");
    program().description = String(*t, "description", false, "[program]");
    program().equity_group_set = String(*t, "equity_group_set", false, "[program]");
    if (const toml::node* v = t->get("version")) {
      const auto* i = v->as_integer();
      if (i == nullptr || i->get() < 1 || i->get() > 1000000) {
        Problem(*v, "'version' of [program] must be a whole number from 1");
      } else {
        program().version = static_cast<int>(i->get());
      }
    } else {
      Problem(*t, "[program] has no 'version' (1, 2, ...)");
    }
    if (auto from = DateOf(*t, "valid_from", "[program]")) {
      program().valid_from = *from;
    } else if (t->get("valid_from") == nullptr) {
      Problem(*t, "[program] has no 'valid_from' (the first day it applies: 2024-01-01)");
    }
    program().valid_to = DateOf(*t, "valid_to", "[program]");
    if (program().valid_to && *program().valid_to < program().valid_from) {
      Problem(*t->get("valid_to"), "'valid_to' is before 'valid_from'");
    }
    const std::string zone = String(*t, "zone_level", false, "[program]");
    if (zone == "region") {
      program().zone_level = ZoneLevel::kRegion;
    } else if (!zone.empty() && zone != "district") {
      Problem(*t->get("zone_level"), "'zone_level' must be \"district\" or \"region\"");
    }
  }

  void ReadConstants(const toml::table& root) {
    const toml::node* node = root.get("constants");
    if (node == nullptr) return;
    const toml::table* t = node->as_table();
    if (t == nullptr) {
      Problem(*node, "'constants' must be a table: [constants]");
      return;
    }
    for (auto&& [key, value] : *t) {
      Constant c;
      c.name = std::string(key.str());
      c.place = Place(value);
      if (const auto* i = value.as_integer()) {
        c.value = static_cast<double>(i->get());
      } else if (const auto* f = value.as_floating_point()) {
        c.value = f->get();
      } else {
        Problem(value, "constant '" + c.name + "' must be a number");
        continue;
      }
      if (!std::isfinite(c.value)) {
        Problem(value, "constant '" + c.name + "' must be a finite number");
        continue;
      }
      program().constants.push_back(std::move(c));
    }
  }

  std::optional<Display> DisplayOf(const toml::table& t, std::string_view what) {
    const std::string d = String(t, "display", false, what);
    if (d.empty() || d == "number") return Display::kNumber;
    if (d == "percent") return Display::kPercent;
    if (d == "money") return Display::kMoney;
    Problem(*t.get("display"), "'display' must be \"number\", \"percent\" or \"money\"");
    return std::nullopt;
  }

  std::vector<FormulaSpec> Formulas(const toml::table& parent, std::string_view key,
                                    const std::string& owner) {
    std::vector<FormulaSpec> formulas;
    for (const toml::table* t : TablesOf(parent, key)) {
      const std::string what = "a formula of " + owner;
      CheckKeys(*t, {"code", "expression", "label", "label_en", "display", "dhis2"}, what);
      FormulaSpec f;
      f.code = String(*t, "code", true, what);
      f.expression = String(*t, "expression", true, what);
      f.label = String(*t, "label", false, what);
      f.label_en = String(*t, "label_en", false, what);
      f.display = DisplayOf(*t, what).value_or(Display::kNumber);
      f.dhis2_data_element = String(*t, "dhis2", false, what);
      f.place = Place(*t);
      CheckName(*t, f.code, "formula");
      formulas.push_back(std::move(f));
    }
    return formulas;
  }

  // Names of formulas, inputs, constants and table outputs are the language's identifiers.
  void CheckName(const toml::node& where, const std::string& name, std::string_view what) {
    if (name.empty()) return;
    bool ok = std::isalpha(static_cast<unsigned char>(name[0])) || name[0] == '_';
    for (char c : name) ok = ok && (std::isalnum(static_cast<unsigned char>(c)) || c == '_');
    if (!ok) {
      Problem(where, "the " + std::string(what) + " name '" + name +
                         "' must be letters, digits and _ (not starting with a digit)");
    }
  }

  std::optional<Frequency> FrequencyOf(const toml::table& t, std::string_view what) {
    const std::string f = String(t, "frequency", true, what);
    if (f == "monthly") return Frequency::kMonthly;
    if (f == "quarterly") return Frequency::kQuarterly;
    if (!f.empty()) {
      Problem(*t.get("frequency"),
              "'frequency' must be \"monthly\" or \"quarterly\", not \"" + f + "\"");
    }
    return std::nullopt;
  }

  void ReadPackage(const toml::table& t) {
    Package p;
    p.place = Place(t);
    p.code = String(t, "code", true, "a [[package]]");
    const std::string what = "package '" + p.code + "'";
    CheckKeys(t,
              {"code", "name", "name_en", "frequency", "org_units", "inputs", "activity",
               "activity_formula", "formula", "zone_formula", "invoice"},
              what);
    CheckName(t, p.code, "package");
    p.name = String(t, "name", true, what);
    p.name_en = String(t, "name_en", false, what);
    p.frequency = FrequencyOf(t, what).value_or(Frequency::kMonthly);
    if (const toml::node* node = t.get("org_units")) {
      if (const toml::table* s = node->as_table()) {
        CheckKeys(*s, {"types", "groups"}, what + "'s org_units");
        p.org_units.facility_types = Strings(*s, "types", what + "'s org_units");
        p.org_units.groups = Strings(*s, "groups", what + "'s org_units");
      } else {
        Problem(*node, "'org_units' of " + what + " must be a table: { types = [...] }");
      }
    }
    if (const toml::node* node = t.get("inputs")) {
      if (const toml::table* inputs = node->as_table()) {
        for (auto&& [key, value] : *inputs) {
          PackageInput input;
          input.name = std::string(key.str());
          CheckName(value, input.name, "input");
          const auto* s = value.as_string();
          if (s == nullptr || s->get().empty()) {
            Problem(value, "input '" + input.name +
                               "' must name a state: \"verified\" or \"verified/COMBO_CODE\"");
            continue;
          }
          const std::string& spec = s->get();
          const size_t slash = spec.find('/');
          input.state = spec.substr(0, slash);
          if (slash != std::string::npos) input.category_option_combo = spec.substr(slash + 1);
          p.inputs.push_back(std::move(input));
        }
      } else {
        Problem(*node, "'inputs' of " + what + " must be a table: { declared = \"declared\" }");
      }
    }
    if (p.inputs.empty()) {
      Problem(t, what + " has no inputs (inputs = { verified = \"verified\" })");
    }
    for (const toml::table* a : TablesOf(t, "activity")) {
      const std::string activity_what = "an activity of " + what;
      CheckKeys(*a, {"code", "name", "data_element", "types"}, activity_what);
      Activity activity;
      activity.code = String(*a, "code", true, activity_what);
      CheckName(*a, activity.code, "activity");
      activity.name = String(*a, "name", true, activity_what);
      activity.data_element = String(*a, "data_element", true, activity_what);
      activity.facility_types = Strings(*a, "types", activity_what);
      activity.place = Place(*a);
      p.activities.push_back(std::move(activity));
    }
    p.activity_formulas = Formulas(t, "activity_formula", what);
    for (const FormulaSpec& f : p.activity_formulas) {
      if (!f.dhis2_data_element.empty()) {
        out_.problems.push_back(
            {f.place.ToString(), "activity formula " + f.code +
                                     ": 'dhis2' exports package and payment formulas (one value "
                                     "per facility), not activity formulas"});
      }
    }
    p.formulas = Formulas(t, "formula", what);
    p.zone_formulas = Formulas(t, "zone_formula", what);
    if (const toml::node* node = t.get("invoice")) {
      if (const toml::table* invoice = node->as_table()) {
        CheckKeys(*invoice, {"columns", "titles", "titles_en", "amount", "show"},
                  what + "'s invoice");
        p.invoice.columns = Strings(*invoice, "columns", what + "'s invoice");
        p.invoice.titles = Strings(*invoice, "titles", what + "'s invoice");
        p.invoice.titles_en = Strings(*invoice, "titles_en", what + "'s invoice");
        for (const auto* titles : {&p.invoice.titles, &p.invoice.titles_en}) {
          if (!titles->empty() && titles->size() != p.invoice.columns.size()) {
            Problem(*node, what + "'s invoice has " + std::to_string(p.invoice.columns.size()) +
                               " columns but " + std::to_string(titles->size()) +
                               (titles == &p.invoice.titles ? " titles" : " titles_en"));
          }
        }
        p.invoice.amount = String(*invoice, "amount", false, what + "'s invoice");
        p.invoice.show = Strings(*invoice, "show", what + "'s invoice");
      } else {
        Problem(*node, "'invoice' of " + what + " must be a table: { columns = [...] }");
      }
    }
    program().packages.push_back(std::move(p));
  }

  void ReadPayment(const toml::table& t) {
    PaymentRule r;
    r.place = Place(t);
    r.code = String(t, "code", true, "a [[payment]]");
    const std::string what = "payment '" + r.code + "'";
    CheckKeys(t,
              {"code", "name", "name_en", "frequency", "packages", "formula", "line", "envelopes",
               "dhis2_total"},
              what);
    CheckName(t, r.code, "payment");
    r.name = String(t, "name", true, what);
    r.name_en = String(t, "name_en", false, what);
    r.frequency = FrequencyOf(t, what).value_or(Frequency::kMonthly);
    r.packages = Strings(t, "packages", what);
    if (r.packages.empty()) Problem(t, what + " pays no package (packages = [\"...\"])");
    r.formulas = Formulas(t, "formula", what);
    for (const toml::table* l : TablesOf(t, "line")) {
      CheckKeys(*l, {"formula", "label", "label_en"}, "a line of " + what);
      PaymentLine line;
      line.formula = String(*l, "formula", true, "a line of " + what);
      line.label = String(*l, "label", true, "a line of " + what);
      line.label_en = String(*l, "label_en", false, "a line of " + what);
      r.lines.push_back(std::move(line));
    }
    r.envelopes_file = String(t, "envelopes", false, what);
    r.dhis2_total = String(t, "dhis2_total", false, what);
    if (!r.envelopes_file.empty()) ReadEnvelopes(r, *t.get("envelopes"));
    program().payments.push_back(std::move(r));
  }

  const std::string* CsvText(const std::string& file, const toml::node& where) {
    auto it = source_.files.find(file);
    if (it == source_.files.end()) {
      Problem(where, "the file '" + file + "' is not beside " + source_.toml_name);
      return nullptr;
    }
    if (const size_t bad = core::FirstInvalidUtf8(it->second); bad != std::string::npos) {
      core::CsvParser csv(it->second, file);
      CsvProblem(file, csv.LineAt(bad),
                 "the file is not valid UTF-8 (byte " + std::to_string(bad) + ")");
      return nullptr;
    }
    return &it->second;
  }

  static std::string Trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
    return std::string(s);
  }

  static std::optional<double> Number(std::string_view text) {
    const std::string s = Trim(text);
    double value = 0;
    auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
    if (s.empty() || ec != std::errc() || end != s.data() + s.size() || !std::isfinite(value)) {
      return std::nullopt;
    }
    return value;
  }

  // A validity bound: a date (2024-01-01) or a period (2024Q1, 202401): its first day for
  // `from`, its last for `to`.
  static Result<core::Date> Bound(std::string_view text, bool from) {
    auto date = core::Date::Parse(text);
    if (date.ok()) return *date;
    auto period = core::Period::Parse(text);
    if (period.ok()) return from ? period->start() : period->end();
    return core::InvalidArgument("'" + std::string(text) +
                                 "' is neither a date (2024-01-01) nor a period (2024Q1)");
  }

  void ReadTable(const toml::table& t) {
    DecisionTable table;
    table.place = Place(t);
    table.code = String(t, "code", true, "a [[table]]");
    const std::string what = "table '" + table.code + "'";
    CheckKeys(t, {"code", "file"}, what);
    table.file = String(t, "file", true, what);
    const std::string* text = table.file.empty() ? nullptr : CsvText(table.file, *t.get("file"));
    if (text != nullptr) ReadTableRows(table, *text);
    program().tables.push_back(std::move(table));
  }

  // The next row that is not blank (kRow), the end of the file (kEnd), or kStop: a CSV error,
  // or a header whose columns are separated by ';' (French spreadsheets save CSV so), told as
  // such rather than as one odd column. Both are problems, and the file is read no further.
  enum class Next { kRow, kEnd, kStop };
  Next NextRow(core::CsvParser& csv, std::vector<std::string_view>& fields, const std::string& file,
               bool header) {
    while (true) {
      auto more = csv.Next(fields);
      if (!more.ok()) {
        out_.problems.push_back({more.error().where, more.error().message});
        return Next::kStop;
      }
      if (!*more) return Next::kEnd;
      if (fields.size() == 1 && Trim(fields[0]).empty()) continue;
      if (header && fields.size() == 1 && fields[0].find(';') != std::string_view::npos) {
        CsvProblem(file, csv.line(),
                   "the columns are separated by ';': save the table with ',' as the "
                   "separator (in LibreOffice: Save as CSV, field separator ',')");
        return Next::kStop;
      }
      return Next::kRow;
    }
  }

  void ReadTableRows(DecisionTable& table, const std::string& text) {
    const std::string& file = table.file;
    core::CsvParser csv(text, file);
    std::vector<std::string_view> fields;
    // Column roles: an input, an output, valid_from or valid_to.
    enum class Role { kInput, kOutput, kFrom, kTo };
    std::vector<std::pair<Role, size_t>> roles;  // per column: role and index in its list
    bool header = true;
    const size_t problems_before = out_.problems.size();
    size_t header_problems = 0;
    Next next;
    while ((next = NextRow(csv, fields, file, header)) == Next::kRow) {
      const int line = csv.line();
      if (header) {
        header = false;
        // Empty columns at the end of the header (a spreadsheet's trailing comma) are no columns.
        while (fields.size() > 1 && Trim(fields.back()).empty()) fields.pop_back();
        for (std::string_view raw : fields) {
          const std::string name = Trim(raw);
          if (name.starts_with("in:")) {
            const std::string input = name.substr(3);
            std::optional<TableInput> which;
            for (TableInput i :
                 {TableInput::kActivity, TableInput::kFacilityType, TableInput::kRegion,
                  TableInput::kDistrict, TableInput::kFacility, TableInput::kEquity}) {
              if (TableInputName(i) == input) which = i;
            }
            if (!which) {
              CsvProblem(file, line,
                         "unknown input column '" + name +
                             "' (in:activity, in:facility_type, in:region, in:district, "
                             "in:facility, in:equity)");
              roles.push_back({Role::kInput, SIZE_MAX});
              continue;
            }
            if (std::find(table.inputs.begin(), table.inputs.end(), *which) != table.inputs.end()) {
              CsvProblem(file, line, "the column '" + name + "' is given twice");
            }
            roles.push_back({Role::kInput, table.inputs.size()});
            table.inputs.push_back(*which);
          } else if (name.starts_with("out:")) {
            const std::string output = name.substr(4);
            bool ok = !output.empty() &&
                      (std::isalpha(static_cast<unsigned char>(output[0])) || output[0] == '_');
            for (char c : output)
              ok = ok && (std::isalnum(static_cast<unsigned char>(c)) || c == '_');
            if (!ok) {
              CsvProblem(file, line,
                         "the output name '" + output +
                             "' must be letters, digits and _ (not starting with a digit)");
            }
            if (std::find(table.outputs.begin(), table.outputs.end(), output) !=
                table.outputs.end()) {
              CsvProblem(file, line, "the column '" + name + "' is given twice");
            }
            roles.push_back({Role::kOutput, table.outputs.size()});
            table.outputs.push_back(output);
          } else if (name == "valid_from") {
            roles.push_back({Role::kFrom, 0});
          } else if (name == "valid_to") {
            roles.push_back({Role::kTo, 0});
          } else {
            CsvProblem(file, line,
                       "unknown column '" + name +
                           "': write in:<fact> for an input, out:<name> for an output, or "
                           "valid_from / valid_to");
            roles.push_back({Role::kInput, SIZE_MAX});
          }
        }
        if (table.outputs.empty()) {
          CsvProblem(file, line, "the table has no output column (out:tariff, for instance)");
        }
        header_problems = out_.problems.size() - problems_before;
        continue;
      }
      while (fields.size() > roles.size() && Trim(fields.back()).empty()) fields.pop_back();
      if (fields.size() != roles.size()) {
        CsvProblem(file, line,
                   "the row has " + std::to_string(fields.size()) + " cells, the header " +
                       std::to_string(roles.size()));
        continue;
      }
      DecisionRow row;
      row.line = line;
      row.inputs.resize(table.inputs.size());
      row.outputs.resize(table.outputs.size());
      bool ok = true;
      for (size_t c = 0; c < fields.size(); ++c) {
        const std::string cell = Trim(fields[c]);
        const auto [role, index] = roles[c];
        if (index == SIZE_MAX) continue;
        switch (role) {
          case Role::kInput:
            if (cell.empty()) {
              CsvProblem(
                  file, line,
                  "column " + std::to_string(c + 1) + " is empty: write * to match anything");
              ok = false;
            }
            row.inputs[index] = cell;
            break;
          case Role::kOutput: {
            auto number = Number(cell);
            if (!number) {
              CsvProblem(file, line,
                         "column " + std::to_string(c + 1) + " (out:" + table.outputs[index] +
                             "): '" + cell + "' is not a number");
              ok = false;
            } else {
              row.outputs[index] = *number;
            }
            break;
          }
          case Role::kFrom:
          case Role::kTo: {
            if (cell.empty()) break;
            auto bound = Bound(cell, role == Role::kFrom);
            if (!bound.ok()) {
              CsvProblem(file, line,
                         "column " + std::to_string(c + 1) + ": " + bound.error().message);
              ok = false;
            } else {
              (role == Role::kFrom ? row.valid_from : row.valid_to) = *bound;
            }
            break;
          }
        }
      }
      if (row.valid_from && row.valid_to && *row.valid_to < *row.valid_from) {
        CsvProblem(file, line, "valid_to is before valid_from");
        ok = false;
      }
      if (ok) table.rows.push_back(std::move(row));
    }
    if (next == Next::kStop) return;
    if (header) CsvProblem(file, 1, "the file is empty: it needs a header and rows");
    // A header with problems makes the rows' facts uncertain: say nothing more of them.
    if (header_problems > 0) return;
    // Two rows for the same facts on a common day: the earlier always wins there, so the later
    // (a new tariff from some date, say) would silently never apply.
    std::map<std::vector<std::string>, std::vector<const DecisionRow*>> same_inputs;
    for (const DecisionRow& row : table.rows) same_inputs[row.inputs].push_back(&row);
    for (const auto& [inputs, rows] : same_inputs) {
      for (size_t i = 0; i < rows.size(); ++i) {
        for (size_t j = i + 1; j < rows.size(); ++j) {
          const DecisionRow& a = *rows[i];
          const DecisionRow& b = *rows[j];
          if (!core::RangesOverlap(a.valid_from, a.valid_to, b.valid_from, b.valid_to)) continue;
          CsvProblem(file, b.line,
                     "this row and row " + std::to_string(a.line) +
                         " match the same facts on common days, where row " +
                         std::to_string(a.line) +
                         " always wins: close it with valid_to the day before (or give this "
                         "row other dates)");
        }
      }
    }
  }

  void ReadEnvelopes(PaymentRule& rule, const toml::node& where) {
    const std::string& file = rule.envelopes_file;
    const std::string* text = CsvText(file, where);
    if (text == nullptr) return;
    core::CsvParser csv(*text, file);
    std::vector<std::string_view> fields;
    bool header = true;
    std::set<std::pair<std::string, int32_t>> seen;
    while (NextRow(csv, fields, file, header) == Next::kRow) {
      const int line = csv.line();
      if (header) {
        header = false;
        if (fields.size() != 3 || Trim(fields[0]) != "zone" || Trim(fields[1]) != "period" ||
            Trim(fields[2]) != "amount") {
          CsvProblem(file, line, "the header must be: zone,period,amount");
          return;
        }
        continue;
      }
      if (fields.size() != 3) {
        CsvProblem(file, line, "the row has " + std::to_string(fields.size()) + " cells, not 3");
        continue;
      }
      Envelope e;
      e.line = line;
      e.zone = Trim(fields[0]);
      auto period = core::Period::Parse(Trim(fields[1]));
      auto amount = Number(fields[2]);
      if (e.zone.empty()) CsvProblem(file, line, "the zone (an org unit code) is empty");
      if (!period.ok()) {
        CsvProblem(file, line, "period: " + period.error().message);
        continue;
      }
      e.period = period->Code();
      if (!amount || *amount < 0 || *amount != std::trunc(*amount)) {
        CsvProblem(file, line,
                   "amount: '" + Trim(fields[2]) + "' is not a whole number of francs from 0");
        continue;
      }
      e.amount = static_cast<int64_t>(*amount);
      if (!seen.insert({e.zone, e.period}).second) {
        CsvProblem(file, line,
                   "the envelope of " + e.zone + " for " + Trim(fields[1]) + " is given twice");
        continue;
      }
      if (!e.zone.empty()) rule.envelopes.push_back(std::move(e));
    }
  }

  // Codes given twice.
  void CheckUnique() {
    auto check = [&](const auto& items, std::string_view what, auto code_of) {
      std::set<std::string> seen;
      for (const auto& item : items) {
        const std::string& code = code_of(item);
        if (!code.empty() && !seen.insert(code).second) {
          out_.problems.push_back(
              {item.place.ToString(), std::string(what) + " '" + code + "' is given twice"});
        }
      }
    };
    auto by_code = [](const auto& item) -> const std::string& { return item.code; };
    check(program().packages, "the package", by_code);
    check(program().payments, "the payment", by_code);
    check(program().tables, "the table", by_code);
    for (const Package& p : program().packages) {
      check(p.activities, "in package '" + p.code + "', the activity", by_code);
    }
  }

  const ProgramSource& source_;
  ParsedProgram out_;
};

}  // namespace

Result<ProgramSource> ReadProgramSource(const std::filesystem::path& path) {
  std::error_code error;
  std::filesystem::path toml_path = path;
  if (std::filesystem::is_directory(path, error)) {
    std::vector<std::filesystem::path> tomls;
    for (const auto& entry : std::filesystem::directory_iterator(path, error)) {
      if (entry.path().extension() == ".toml") tomls.push_back(entry.path());
    }
    if (tomls.empty()) return core::NotFound("the directory holds no .toml file", path.string());
    if (tomls.size() > 1) {
      return core::InvalidArgument("the directory holds several .toml files: name one",
                                   path.string());
    }
    toml_path = tomls[0];
  } else if (!std::filesystem::exists(path, error)) {
    return core::NotFound("no such file or directory", path.string());
  }
  ProgramSource source;
  source.toml_name = toml_path.filename().string();
  KENEYA_ASSIGN_OR_RETURN(source.toml, ReadWholeFile(toml_path));
  const std::filesystem::path dir = toml_path.parent_path().empty() ? "." : toml_path.parent_path();
  for (const auto& entry : std::filesystem::directory_iterator(dir, error)) {
    if (entry.path().extension() != ".csv") continue;
    KENEYA_ASSIGN_OR_RETURN(std::string text, ReadWholeFile(entry.path()));
    source.files.emplace(entry.path().filename().string(), std::move(text));
  }
  if (error)
    return core::Unavailable("cannot list the directory: " + error.message(), dir.string());
  return source;
}

Result<ProgramSource> ProgramSourceFromFiles(
    const std::vector<std::pair<std::string_view, std::string_view>>& files) {
  ProgramSource source;
  for (const auto& [name, content] : files) {
    if (name.ends_with(".toml")) {
      if (!source.toml_name.empty()) {
        return core::InvalidArgument("several .toml files: " + source.toml_name + " and " +
                                     std::string(name));
      }
      source.toml_name = std::string(name);
      source.toml = std::string(content);
    } else if (name.ends_with(".csv")) {
      source.files.emplace(std::string(name), std::string(content));
    }
  }
  if (source.toml_name.empty()) return core::InvalidArgument("no .toml file");
  return source;
}

ParsedProgram ParseProgram(const ProgramSource& source) {
  ProgramReader reader(source);
  return reader.Read();
}

}  // namespace keneya::rules
