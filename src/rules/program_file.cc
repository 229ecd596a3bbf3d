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
#include "core/text.h"

namespace keneya::rules {

using core::Message;
using core::Result;

namespace {

// Parts of a place joined as core::Describe joins an error's: "programme.toml:42: q.a".
std::string JoinPlace(const std::vector<Message>& place, core::Language language) {
  std::string out;
  for (const Message& part : place) {
    if (part.empty()) continue;
    const std::string text = core::Render(part, language);
    out = out.empty() ? text
                      : core::Text(language, "core.place_in", {{"outer", out}, {"inner", text}});
  }
  return out;
}

}  // namespace

std::string SourcePlace::ToString() const {
  return line > 0 ? file + ":" + std::to_string(line) : file;
}

Message SourcePlace::ToMessage() const {
  if (line <= 0) return file.empty() ? Message() : Message::Verbatim(file);
  return Message("rules.program.place_line", {{"file", file}, {"line", line}});
}

ProgramProblem ProgramProblem::Make(Message text, std::vector<Message> place) {
  ProgramProblem problem;
  problem.where = JoinPlace(place, core::Language::kEnglish);
  problem.message = core::Render(text, core::Language::kEnglish);
  problem.text = std::move(text);
  problem.place = std::move(place);
  return problem;
}

std::string ProgramProblem::Describe(core::Language language) const {
  const std::string at = JoinPlace(place, language);
  if (at.empty()) return core::Render(text, language);
  return core::Text(language, "core.place_in", {{"outer", at}, {"inner", text}});
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
  if (!in) return core::NotFound(Message("rules.program.cannot_read_file"), path.string());
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// ---- toml++'s syntax errors ----
//
// toml++ describes a syntax error in English: "Error while parsing table header: expected ']',
// saw '\n'". Its frequent words are said by id (rules.toml.*, whose English is toml++'s own);
// any other part is shown as toml++ wrote it.

// The text between `prefix` and `suffix`, when `text` is made so.
std::optional<std::string_view> Inner(std::string_view text, std::string_view prefix,
                                      std::string_view suffix) {
  if (text.size() < prefix.size() + suffix.size() || !text.starts_with(prefix) ||
      !text.ends_with(suffix)) {
    return std::nullopt;
  }
  return text.substr(prefix.size(), text.size() - prefix.size() - suffix.size());
}

// Argument `name`: `text` by id when it is the English of one of `ids`, else as it is.
core::MessageArg Words(std::string_view name, std::string_view text,
                       std::initializer_list<std::string_view> ids) {
  for (const core::CatalogueEntry& entry : core::Catalogue()) {
    if (entry.en == text && std::find(ids.begin(), ids.end(), entry.id) != ids.end()) {
      return core::MessageArg(name, Message(entry.id));
    }
  }
  return core::MessageArg(name, text);
}

// A kind of TOML value, as toml++ names it ("integer", "table").
core::MessageArg TomlKind(std::string_view name, std::string_view kind) {
  return Words(name, kind,
               {"rules.toml.kind_table", "rules.toml.kind_array", "rules.toml.kind_string",
                "rules.toml.kind_integer", "rules.toml.kind_float", "rules.toml.kind_boolean",
                "rules.toml.kind_date", "rules.toml.kind_time", "rules.toml.kind_date_time",
                "rules.toml.kind_array_of_tables"});
}

// What went wrong, after "Error while parsing <scope>: ".
core::MessageArg TomlReason(std::string_view reason) {
  constexpr std::string_view kName = "reason";
  core::MessageArg known =
      Words(kName, reason,
            {"rules.toml.end_of_file", "rules.toml.unknown_value_type",
             "rules.toml.control_character_in_string", "rules.toml.control_character",
             "rules.toml.leading_zeroes", "rules.toml.underscore_after_digit",
             "rules.toml.underscore_before_digit", "rules.toml.array_extra_comma",
             "rules.toml.inline_table_extra_comma", "rules.toml.inline_table_dangling_comma",
             "rules.toml.blank_table_name", "rules.toml.value_starts_with_underscore"});
  if (known.kind == core::MessageArg::Kind::kMessage) return known;
  if (auto sequence = Inner(reason, "unknown escape sequence '", "'")) {
    return {kName, Message("rules.toml.unknown_escape", {{"sequence", *sequence}})};
  }
  if (auto key = Inner(reason, "cannot insert '", "' into existing inline table")) {
    return {kName, Message("rules.toml.insert_into_inline_table", {{"key", *key}})};
  }
  if (auto redefined = Inner(reason, "cannot redefine existing ", "")) {
    // "cannot redefine existing integer 'a'", "... table 'p' as array-of-tables", "... table
    // as dotted key-value pair"
    if (auto kind = Inner(*redefined, "", " as dotted key-value pair")) {
      return {kName, Message("rules.toml.redefined_by_dotted_key", {TomlKind("kind", *kind)})};
    }
    const size_t quote = redefined->find(" '");
    if (quote != std::string_view::npos) {
      const std::string_view kind = redefined->substr(0, quote);
      const std::string_view rest = redefined->substr(quote + 2);
      const size_t as = rest.rfind("' as ");
      if (as != std::string_view::npos) {
        return {kName, Message("rules.toml.redefined_as", {TomlKind("kind", kind),
                                                           {"key", rest.substr(0, as)},
                                                           TomlKind("as", rest.substr(as + 5))})};
      }
      if (rest.ends_with("'")) {
        return {kName, Message("rules.toml.redefined",
                               {TomlKind("kind", kind), {"key", rest.substr(0, rest.size() - 1)}})};
      }
    }
  }
  if (auto month = Inner(reason, "expected month between 1 and 12 (inclusive), saw ", "")) {
    return {kName, Message("rules.toml.month_out_of_range", {{"month", *month}})};
  }
  if (auto day = Inner(reason, "expected day between 1 and ", "")) {
    const size_t saw = day->find(" (inclusive), saw ");
    if (saw != std::string_view::npos) {
      return {kName, Message("rules.toml.day_out_of_range",
                             {{"last", day->substr(0, saw)}, {"day", day->substr(saw + 18)}})};
    }
  }
  // "expected '=', saw '\"'", "expected value, saw '\n'"...
  if (auto expected = Inner(reason, "expected ", "'")) {
    const size_t saw = expected->find(", saw '");
    if (saw != std::string_view::npos) {
      return {kName,
              Message("rules.toml.expected",
                      {Words("expected", expected->substr(0, saw),
                             {"rules.toml.expected_value", "rules.toml.expected_key_or_brace",
                              "rules.toml.expected_comment", "rules.toml.expected_keys_or_tables",
                              "rules.toml.expected_comma_or_bracket",
                              "rules.toml.expected_comma_or_brace", "rules.toml.expected_key_start",
                              "rules.toml.expected_value_end", "rules.toml.expected_digit",
                              "rules.toml.expected_space_or_tab", "rules.toml.expected_year",
                              "rules.toml.expected_month", "rules.toml.expected_day"}),
                       {"seen", expected->substr(saw + 7)}})};
    }
  }
  return known;  // as toml++ says it
}

// toml++'s description of a syntax error, as argument "detail".
core::MessageArg TomlDetail(std::string_view description) {
  constexpr std::string_view kName = "detail";
  constexpr std::string_view kWhile = "Error while parsing ";
  const size_t colon = description.find(": ");
  if (!description.starts_with(kWhile) || colon == std::string_view::npos) {
    return {kName, description};
  }
  const std::string_view scope = description.substr(kWhile.size(), colon - kWhile.size());
  return {kName, Message("rules.toml.error_in",
                         {Words("scope", scope,
                                {"rules.toml.scope_table_header", "rules.toml.scope_key_value",
                                 "rules.toml.scope_string", "rules.toml.scope_literal_string",
                                 "rules.toml.scope_array", "rules.toml.scope_inline_table",
                                 "rules.toml.scope_value", "rules.toml.scope_root",
                                 "rules.toml.scope_key", "rules.toml.scope_date",
                                 "rules.toml.scope_time", "rules.toml.scope_date_time",
                                 "rules.toml.scope_boolean", "rules.toml.scope_float",
                                 "rules.toml.scope_integer", "rules.toml.scope_comment"}),
                          TomlReason(description.substr(colon + 2))})};
}

// ---- The program's TOML file ----

// What a key belongs to, in the two forms messages need: "package 'q'" (unknown key 'x' in
// package 'q') and "of package 'q'" ('name' of package 'q' is empty), which French says "du
// paquet 'q'".
struct Owner {
  Message name;
  Message of;
};

Owner PackageOwner(const std::string& code) {
  return {Message("rules.program.owner_package", {{"code", code}}),
          Message("rules.program.of_package", {{"code", code}})};
}

Owner PaymentOwner(const std::string& code) {
  return {Message("rules.program.owner_payment", {{"code", code}}),
          Message("rules.program.of_payment", {{"code", code}})};
}

// "a formula of package 'q'"
Owner FormulaOwner(const Owner& owner) {
  return {Message("rules.program.owner_formula", {{"of_owner", owner.of}}),
          Message("rules.program.of_formula", {{"of_owner", owner.of}})};
}

// Reads the TOML tree into a Program, collecting problems.
class ProgramReader {
 public:
  explicit ProgramReader(const ProgramSource& source) : source_(source) {}

  ParsedProgram Read() {
    if (core::Status utf8 = core::CheckUtf8(source_.toml, source_.toml_name); !utf8.ok()) {
      ProblemOf(utf8.error());
      return std::move(out_);
    }
    toml::table root;
    try {
      root = toml::parse(source_.toml, source_.toml_name);
    } catch (const toml::parse_error& error) {
      const toml::source_position begin = error.source().begin;
      Problem(static_cast<int>(begin.line),
              Message("rules.toml.syntax", {TomlDetail(error.description()),
                                            {"column", static_cast<int64_t>(begin.column)}}));
      return std::move(out_);
    }
    CheckKeys(root, {"program", "workflow", "constants", "table", "package", "payment"},
              Message("rules.program.owner_file"));
    ReadHeader(root);
    ReadWorkflow(root);
    ReadConstants(root);
    for (const toml::table* t : TablesOf(root, "table")) ReadTable(*t);
    for (const toml::table* t : TablesOf(root, "package")) ReadPackage(*t);
    for (const toml::table* t : TablesOf(root, "payment")) ReadPayment(*t);
    CheckUnique();
    return std::move(out_);
  }

 private:
  Program& program() { return out_.program; }

  void Problem(int line, Message text) {
    out_.problems.push_back(
        ProgramProblem::Make(std::move(text), {SourcePlace{source_.toml_name, line}.ToMessage()}));
  }
  void Problem(const toml::node& node, Message text) {
    Problem(static_cast<int>(node.source().begin.line), std::move(text));
  }
  // A file's error (not UTF-8) as a problem, with the error's own place.
  void ProblemOf(const core::Error& error) {
    out_.problems.push_back(ProgramProblem::Make(error.text, error.place));
  }
  void CsvProblem(const std::string& file, int line, Message text) {
    out_.problems.push_back(
        ProgramProblem::Make(std::move(text), {SourcePlace{file, line}.ToMessage()}));
  }

  SourcePlace Place(const toml::node& node) const {
    return {source_.toml_name, static_cast<int>(node.source().begin.line)};
  }

  // Unknown keys are refused: a misspelt key would otherwise be silently ignored.
  void CheckKeys(const toml::table& table, std::initializer_list<std::string_view> known,
                 const Message& owner) {
    for (auto&& [key, node] : table) {
      if (std::find(known.begin(), known.end(), key.str()) == known.end()) {
        std::string list;
        for (std::string_view k : known) list += (list.empty() ? "" : ", ") + std::string(k);
        Problem(node, Message("rules.program.unknown_key",
                              {{"key", key.str()}, {"owner", owner}, {"known", list}}));
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
          Problem(item, Message("rules.program.must_hold_tables", {{"key", key}, {"table", key}}));
        }
      }
      return tables;
    }
    Problem(*node,
            Message("rules.program.must_be_array_of_tables", {{"key", key}, {"table", key}}));
    return tables;
  }

  std::string String(const toml::table& t, std::string_view key, bool required,
                     const Owner& owner) {
    const toml::node* node = t.get(key);
    if (node == nullptr) {
      if (required) {
        Problem(t, Message("rules.program.missing_key", {{"owner", owner.name}, {"key", key}}));
      }
      return {};
    }
    if (const auto* s = node->as_string()) {
      if (required && s->get().empty()) {
        Problem(*node,
                Message("rules.program.empty_value", {{"key", key}, {"of_owner", owner.of}}));
      }
      return s->get();
    }
    Problem(*node, Message("rules.program.must_be_text", {{"key", key}, {"of_owner", owner.of}}));
    return {};
  }

  std::vector<std::string> Strings(const toml::table& t, std::string_view key, const Owner& owner) {
    std::vector<std::string> out;
    const toml::node* node = t.get(key);
    if (node == nullptr) return out;
    const toml::array* array = node->as_array();
    if (array == nullptr) {
      Problem(*node,
              Message("rules.program.must_be_text_list", {{"key", key}, {"of_owner", owner.of}}));
      return out;
    }
    for (const toml::node& item : *array) {
      if (const auto* s = item.as_string()) {
        out.push_back(s->get());
      } else {
        Problem(item,
                Message("rules.program.must_hold_texts", {{"key", key}, {"of_owner", owner.of}}));
      }
    }
    return out;
  }

  std::optional<core::Date> DateOf(const toml::table& t, std::string_view key, const Owner& owner) {
    const toml::node* node = t.get(key);
    if (node == nullptr) return std::nullopt;
    if (const auto* d = node->as_date()) {
      const toml::date& date = d->get();
      if (!core::Date::IsValid(date.year, date.month, date.day)) {
        Problem(*node, Message("rules.program.not_a_date", {{"key", key}, {"of_owner", owner.of}}));
        return std::nullopt;
      }
      return core::Date::FromYmd(date.year, date.month, date.day);
    }
    if (const auto* s = node->as_string()) {
      auto parsed = core::Date::Parse(s->get());
      if (parsed.ok()) return *parsed;
      Problem(*node,
              Message("rules.program.bad_date",
                      {{"key", key}, {"of_owner", owner.of}, {"reason", parsed.error().text}}));
      return std::nullopt;
    }
    Problem(*node, Message("rules.program.must_be_date", {{"key", key}, {"of_owner", owner.of}}));
    return std::nullopt;
  }

  void ReadHeader(const toml::table& root) {
    const toml::node* node = root.get("program");
    const toml::table* t = node ? node->as_table() : nullptr;
    if (t == nullptr) {
      Problem(node ? static_cast<int>(node->source().begin.line) : 0,
              Message("rules.program.no_program_table"));
      return;
    }
    const Owner owner{Message("rules.program.owner_program"), Message("rules.program.of_program")};
    CheckKeys(*t,
              {"code", "name", "name_en", "version", "valid_from", "valid_to", "zone_level",
               "equity_group_set", "description"},
              owner.name);
    program().code = String(*t, "code", true, owner);
    program().name = String(*t, "name", true, owner);
    program().name_en = String(*t, "name_en", false, owner);
    program().description = String(*t, "description", false, owner);
    program().equity_group_set = String(*t, "equity_group_set", false, owner);
    if (const toml::node* v = t->get("version")) {
      const auto* i = v->as_integer();
      if (i == nullptr || i->get() < 1 || i->get() > 1000000) {
        Problem(*v, Message("rules.program.bad_version"));
      } else {
        program().version = static_cast<int>(i->get());
      }
    } else {
      Problem(*t, Message("rules.program.no_version"));
    }
    if (auto from = DateOf(*t, "valid_from", owner)) {
      program().valid_from = *from;
    } else if (t->get("valid_from") == nullptr) {
      Problem(*t, Message("rules.program.no_valid_from"));
    }
    program().valid_to = DateOf(*t, "valid_to", owner);
    if (program().valid_to && *program().valid_to < program().valid_from) {
      Problem(*t->get("valid_to"), Message("rules.program.valid_to_before_valid_from"));
    }
    const std::string zone = String(*t, "zone_level", false, owner);
    if (zone == "region") {
      program().zone_level = ZoneLevel::kRegion;
    } else if (!zone.empty() && zone != "district") {
      Problem(*t->get("zone_level"), Message("rules.program.bad_zone_level"));
    }
  }

  void ReadWorkflow(const toml::table& root) {
    const toml::node* node = root.get("workflow");
    if (node == nullptr) return;
    const toml::table* t = node->as_table();
    if (t == nullptr) {
      Problem(*node, Message("rules.program.workflow_not_a_table"));
      return;
    }
    CheckKeys(*t, {"declaration_day", "contest_days"}, Message("rules.program.owner_workflow"));
    auto whole = [&](const char* key, int low, int high, int& out) {
      const toml::node* v = t->get(key);
      if (v == nullptr) return;
      const auto* i = v->as_integer();
      if (i == nullptr || i->get() < low || i->get() > high) {
        Problem(*v, Message("rules.program.bad_workflow_number",
                            {{"key", key}, {"low", low}, {"high", high}}));
        return;
      }
      out = static_cast<int>(i->get());
    };
    // Day 28 at most: every month has it.
    whole("declaration_day", 1, 28, program().workflow.declaration_day);
    whole("contest_days", 0, 90, program().workflow.contest_days);
  }

  void ReadConstants(const toml::table& root) {
    const toml::node* node = root.get("constants");
    if (node == nullptr) return;
    const toml::table* t = node->as_table();
    if (t == nullptr) {
      Problem(*node, Message("rules.program.constants_not_a_table"));
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
        Problem(value, Message("rules.program.constant_not_a_number", {{"name", c.name}}));
        continue;
      }
      if (!std::isfinite(c.value)) {
        Problem(value, Message("rules.program.constant_not_finite", {{"name", c.name}}));
        continue;
      }
      program().constants.push_back(std::move(c));
    }
  }

  std::optional<Display> DisplayOf(const toml::table& t, const Owner& owner) {
    const std::string d = String(t, "display", false, owner);
    if (d.empty() || d == "number") return Display::kNumber;
    if (d == "percent") return Display::kPercent;
    if (d == "money") return Display::kMoney;
    Problem(*t.get("display"), Message("rules.program.bad_display"));
    return std::nullopt;
  }

  std::vector<FormulaSpec> Formulas(const toml::table& parent, std::string_view key,
                                    const Owner& owner) {
    std::vector<FormulaSpec> formulas;
    for (const toml::table* t : TablesOf(parent, key)) {
      const Owner formula = FormulaOwner(owner);
      CheckKeys(*t, {"code", "expression", "label", "label_en", "display", "dhis2"}, formula.name);
      FormulaSpec f;
      f.code = String(*t, "code", true, formula);
      f.expression = String(*t, "expression", true, formula);
      f.label = String(*t, "label", false, formula);
      f.label_en = String(*t, "label_en", false, formula);
      f.display = DisplayOf(*t, formula).value_or(Display::kNumber);
      f.dhis2_data_element = String(*t, "dhis2", false, formula);
      f.place = Place(*t);
      CheckName(*t, f.code, Message("rules.program.name_of_formula"));
      formulas.push_back(std::move(f));
    }
    return formulas;
  }

  // Names of formulas, inputs, constants and table outputs are the language's identifiers.
  // `kind` says whose name it is ("formula").
  void CheckName(const toml::node& where, const std::string& name, const Message& kind) {
    if (name.empty()) return;
    bool ok = std::isalpha(static_cast<unsigned char>(name[0])) || name[0] == '_';
    for (char c : name) ok = ok && (std::isalnum(static_cast<unsigned char>(c)) || c == '_');
    if (!ok) Problem(where, Message("rules.program.bad_name", {{"kind", kind}, {"name", name}}));
  }

  std::optional<Frequency> FrequencyOf(const toml::table& t, const Owner& owner) {
    const std::string f = String(t, "frequency", true, owner);
    if (f == "monthly") return Frequency::kMonthly;
    if (f == "quarterly") return Frequency::kQuarterly;
    if (!f.empty()) {
      Problem(*t.get("frequency"), Message("rules.program.bad_frequency", {{"frequency", f}}));
    }
    return std::nullopt;
  }

  void ReadPackage(const toml::table& t) {
    Package p;
    p.place = Place(t);
    p.code = String(
        t, "code", true,
        {Message("rules.program.owner_new_package"), Message("rules.program.of_new_package")});
    const Owner owner = PackageOwner(p.code);
    CheckKeys(t,
              {"code", "name", "name_en", "frequency", "org_units", "inputs", "activity",
               "activity_formula", "formula", "zone_formula", "invoice"},
              owner.name);
    CheckName(t, p.code, Message("rules.program.name_of_package"));
    p.name = String(t, "name", true, owner);
    p.name_en = String(t, "name_en", false, owner);
    p.frequency = FrequencyOf(t, owner).value_or(Frequency::kMonthly);
    if (const toml::node* node = t.get("org_units")) {
      if (const toml::table* s = node->as_table()) {
        const Owner org_units{Message("rules.program.owner_org_units", {{"code", p.code}}),
                              Message("rules.program.of_org_units", {{"code", p.code}})};
        CheckKeys(*s, {"types", "groups"}, org_units.name);
        p.org_units.facility_types = Strings(*s, "types", org_units);
        p.org_units.groups = Strings(*s, "groups", org_units);
      } else {
        Problem(*node, Message("rules.program.org_units_not_a_table", {{"of_owner", owner.of}}));
      }
    }
    if (const toml::node* node = t.get("inputs")) {
      if (const toml::table* inputs = node->as_table()) {
        for (auto&& [key, value] : *inputs) {
          PackageInput input;
          input.name = std::string(key.str());
          CheckName(value, input.name, Message("rules.program.name_of_input"));
          const auto* s = value.as_string();
          if (s == nullptr || s->get().empty()) {
            Problem(value, Message("rules.program.input_needs_state", {{"name", input.name}}));
            continue;
          }
          const std::string& spec = s->get();
          const size_t slash = spec.find('/');
          input.state = spec.substr(0, slash);
          if (slash != std::string::npos) input.category_option_combo = spec.substr(slash + 1);
          p.inputs.push_back(std::move(input));
        }
      } else {
        Problem(*node, Message("rules.program.inputs_not_a_table", {{"of_owner", owner.of}}));
      }
    }
    if (p.inputs.empty()) Problem(t, Message("rules.program.no_inputs", {{"owner", owner.name}}));
    for (const toml::table* a : TablesOf(t, "activity")) {
      const Owner activity_owner{Message("rules.program.owner_activity", {{"code", p.code}}),
                                 Message("rules.program.of_activity", {{"code", p.code}})};
      CheckKeys(*a, {"code", "name", "data_element", "types"}, activity_owner.name);
      Activity activity;
      activity.code = String(*a, "code", true, activity_owner);
      CheckName(*a, activity.code, Message("rules.program.name_of_activity"));
      activity.name = String(*a, "name", true, activity_owner);
      activity.data_element = String(*a, "data_element", true, activity_owner);
      activity.facility_types = Strings(*a, "types", activity_owner);
      activity.place = Place(*a);
      p.activities.push_back(std::move(activity));
    }
    p.activity_formulas = Formulas(t, "activity_formula", owner);
    for (const FormulaSpec& f : p.activity_formulas) {
      if (!f.dhis2_data_element.empty()) {
        out_.problems.push_back(ProgramProblem::Make(
            Message("rules.program.activity_formula_exported", {{"code", f.code}}),
            {f.place.ToMessage()}));
      }
    }
    p.formulas = Formulas(t, "formula", owner);
    p.zone_formulas = Formulas(t, "zone_formula", owner);
    if (const toml::node* node = t.get("invoice")) {
      if (const toml::table* invoice = node->as_table()) {
        const Owner invoice_owner{Message("rules.program.owner_invoice", {{"code", p.code}}),
                                  Message("rules.program.of_invoice", {{"code", p.code}})};
        CheckKeys(*invoice, {"columns", "titles", "titles_en", "amount", "show"},
                  invoice_owner.name);
        p.invoice.columns = Strings(*invoice, "columns", invoice_owner);
        p.invoice.titles = Strings(*invoice, "titles", invoice_owner);
        p.invoice.titles_en = Strings(*invoice, "titles_en", invoice_owner);
        for (const auto* titles : {&p.invoice.titles, &p.invoice.titles_en}) {
          if (!titles->empty() && titles->size() != p.invoice.columns.size()) {
            Problem(*node, Message(titles == &p.invoice.titles ? "rules.program.invoice_titles"
                                                               : "rules.program.invoice_titles_en",
                                   {{"code", p.code},
                                    {"columns", p.invoice.columns.size()},
                                    {"titles", titles->size()}}));
          }
        }
        p.invoice.amount = String(*invoice, "amount", false, invoice_owner);
        p.invoice.show = Strings(*invoice, "show", invoice_owner);
      } else {
        Problem(*node, Message("rules.program.invoice_not_a_table", {{"of_owner", owner.of}}));
      }
    }
    program().packages.push_back(std::move(p));
  }

  void ReadPayment(const toml::table& t) {
    PaymentRule r;
    r.place = Place(t);
    r.code = String(
        t, "code", true,
        {Message("rules.program.owner_new_payment"), Message("rules.program.of_new_payment")});
    const Owner owner = PaymentOwner(r.code);
    CheckKeys(t,
              {"code", "name", "name_en", "frequency", "packages", "formula", "line", "envelopes",
               "dhis2_total"},
              owner.name);
    CheckName(t, r.code, Message("rules.program.name_of_payment"));
    r.name = String(t, "name", true, owner);
    r.name_en = String(t, "name_en", false, owner);
    r.frequency = FrequencyOf(t, owner).value_or(Frequency::kMonthly);
    r.packages = Strings(t, "packages", owner);
    if (r.packages.empty()) {
      Problem(t, Message("rules.program.pays_no_package", {{"owner", owner.name}}));
    }
    r.formulas = Formulas(t, "formula", owner);
    for (const toml::table* l : TablesOf(t, "line")) {
      const Owner line_owner{Message("rules.program.owner_payment_line", {{"code", r.code}}),
                             Message("rules.program.of_payment_line", {{"code", r.code}})};
      CheckKeys(*l, {"formula", "label", "label_en"}, line_owner.name);
      PaymentLine line;
      line.formula = String(*l, "formula", true, line_owner);
      line.label = String(*l, "label", true, line_owner);
      line.label_en = String(*l, "label_en", false, line_owner);
      r.lines.push_back(std::move(line));
    }
    r.envelopes_file = String(t, "envelopes", false, owner);
    r.dhis2_total = String(t, "dhis2_total", false, owner);
    if (!r.envelopes_file.empty()) ReadEnvelopes(r, *t.get("envelopes"));
    program().payments.push_back(std::move(r));
  }

  const std::string* CsvText(const std::string& file, const toml::node& where) {
    auto it = source_.files.find(file);
    if (it == source_.files.end()) {
      Problem(where, Message("rules.program.file_not_beside",
                             {{"file", file}, {"toml_file", source_.toml_name}}));
      return nullptr;
    }
    if (core::Status utf8 = core::CheckUtf8(it->second, file); !utf8.ok()) {
      ProblemOf(utf8.error());
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
    return core::InvalidArgument(Message("rules.program.not_a_date_or_period", {{"text", text}}));
  }

  void ReadTable(const toml::table& t) {
    DecisionTable table;
    table.place = Place(t);
    table.code =
        String(t, "code", true,
               {Message("rules.program.owner_new_table"), Message("rules.program.of_new_table")});
    const Owner owner{Message("rules.program.owner_table", {{"code", table.code}}),
                      Message("rules.program.of_table", {{"code", table.code}})};
    CheckKeys(t, {"code", "file"}, owner.name);
    table.file = String(t, "file", true, owner);
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
        const core::Error& e = more.error();
        out_.problems.push_back(ProgramProblem::Make(e.text, e.place));
        return Next::kStop;
      }
      if (!*more) return Next::kEnd;
      if (fields.size() == 1 && Trim(fields[0]).empty()) continue;
      if (header && fields.size() == 1 && fields[0].find(';') != std::string_view::npos) {
        CsvProblem(file, csv.line(), Message("rules.program.semicolon_separator"));
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
                         Message("rules.program.unknown_input_column", {{"column", name}}));
              roles.push_back({Role::kInput, SIZE_MAX});
              continue;
            }
            if (std::find(table.inputs.begin(), table.inputs.end(), *which) != table.inputs.end()) {
              CsvProblem(file, line, Message("rules.program.column_twice", {{"column", name}}));
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
              CsvProblem(file, line, Message("rules.program.bad_output_name", {{"name", output}}));
            }
            if (std::find(table.outputs.begin(), table.outputs.end(), output) !=
                table.outputs.end()) {
              CsvProblem(file, line, Message("rules.program.column_twice", {{"column", name}}));
            }
            roles.push_back({Role::kOutput, table.outputs.size()});
            table.outputs.push_back(output);
          } else if (name == "valid_from") {
            roles.push_back({Role::kFrom, 0});
          } else if (name == "valid_to") {
            roles.push_back({Role::kTo, 0});
          } else {
            CsvProblem(file, line, Message("rules.program.unknown_column", {{"column", name}}));
            roles.push_back({Role::kInput, SIZE_MAX});
          }
        }
        if (table.outputs.empty()) {
          CsvProblem(file, line, Message("rules.program.no_output_column"));
        }
        header_problems = out_.problems.size() - problems_before;
        continue;
      }
      while (fields.size() > roles.size() && Trim(fields.back()).empty()) fields.pop_back();
      if (fields.size() != roles.size()) {
        CsvProblem(file, line,
                   Message("rules.program.row_cells",
                           {{"cells", fields.size()}, {"header", roles.size()}}));
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
              CsvProblem(file, line, Message("rules.program.cell_empty", {{"column", c + 1}}));
              ok = false;
            }
            row.inputs[index] = cell;
            break;
          case Role::kOutput: {
            auto number = Number(cell);
            if (!number) {
              CsvProblem(
                  file, line,
                  Message("rules.program.cell_not_a_number",
                          {{"column", c + 1}, {"output", table.outputs[index]}, {"text", cell}}));
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
                         Message("rules.program.cell_problem",
                                 {{"column", c + 1}, {"reason", bound.error().text}}));
              ok = false;
            } else {
              (role == Role::kFrom ? row.valid_from : row.valid_to) = *bound;
            }
            break;
          }
        }
      }
      if (row.valid_from && row.valid_to && *row.valid_to < *row.valid_from) {
        CsvProblem(file, line, Message("rules.program.row_valid_to_before_valid_from"));
        ok = false;
      }
      if (ok) table.rows.push_back(std::move(row));
    }
    if (next == Next::kStop) return;
    if (header) CsvProblem(file, 1, Message("rules.program.file_empty"));
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
                     Message("rules.program.rows_overlap", {{"row", a.line}, {"winner", a.line}}));
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
          CsvProblem(file, line, Message("rules.program.envelope_header"));
          return;
        }
        continue;
      }
      if (fields.size() != 3) {
        CsvProblem(file, line, Message("rules.program.envelope_cells", {{"cells", fields.size()}}));
        continue;
      }
      Envelope e;
      e.line = line;
      e.zone = Trim(fields[0]);
      auto period = core::Period::Parse(Trim(fields[1]));
      auto amount = Number(fields[2]);
      if (e.zone.empty()) CsvProblem(file, line, Message("rules.program.envelope_zone_empty"));
      if (!period.ok()) {
        CsvProblem(file, line,
                   Message("rules.program.envelope_bad_period", {{"reason", period.error().text}}));
        continue;
      }
      e.period = period->Code();
      // Whole francs, and no more than a double holds exactly (2^53, some 9 million billion
      // francs): beyond, the amount would not even fit an int64 (found by the program fuzzer).
      if (!amount || *amount < 0 || *amount != std::trunc(*amount) ||
          *amount > 9007199254740992.0) {
        CsvProblem(file, line,
                   Message("rules.program.envelope_bad_amount", {{"text", Trim(fields[2])}}));
        continue;
      }
      e.amount = static_cast<int64_t>(*amount);
      if (!seen.insert({e.zone, e.period}).second) {
        CsvProblem(file, line,
                   Message("rules.program.envelope_twice",
                           {{"zone", e.zone}, {"period", Trim(fields[1])}}));
        continue;
      }
      if (!e.zone.empty()) rule.envelopes.push_back(std::move(e));
    }
  }

  // Codes given twice. `twice` makes the message from the code.
  template <typename Items, typename Twice>
  void CheckUnique(const Items& items, Twice twice) {
    std::set<std::string> seen;
    for (const auto& item : items) {
      if (!item.code.empty() && !seen.insert(item.code).second) {
        out_.problems.push_back(ProgramProblem::Make(twice(item.code), {item.place.ToMessage()}));
      }
    }
  }
  void CheckUnique() {
    CheckUnique(program().packages, [](const std::string& code) {
      return Message("rules.program.package_twice", {{"code", code}});
    });
    CheckUnique(program().payments, [](const std::string& code) {
      return Message("rules.program.payment_twice", {{"code", code}});
    });
    CheckUnique(program().tables, [](const std::string& code) {
      return Message("rules.program.table_twice", {{"code", code}});
    });
    for (const Package& p : program().packages) {
      CheckUnique(p.activities, [&](const std::string& code) {
        return Message("rules.program.activity_twice", {{"package", p.code}, {"code", code}});
      });
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
    if (tomls.empty()) {
      return core::NotFound(Message("rules.program.no_toml_in_directory"), path.string());
    }
    if (tomls.size() > 1) {
      return core::InvalidArgument(Message("rules.program.several_toml_in_directory"),
                                   path.string());
    }
    toml_path = tomls[0];
  } else if (!std::filesystem::exists(path, error)) {
    return core::NotFound(Message("rules.program.no_such_path"), path.string());
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
  if (error) {
    return core::Unavailable(
        Message("rules.program.cannot_list_directory", {{"detail", error.message()}}),
        dir.string());
  }
  return source;
}

Result<ProgramSource> ProgramSourceFromFiles(
    const std::vector<std::pair<std::string_view, std::string_view>>& files) {
  ProgramSource source;
  for (const auto& [name, content] : files) {
    if (name.ends_with(".toml")) {
      if (!source.toml_name.empty()) {
        return core::InvalidArgument(Message("rules.program.several_toml_files",
                                             {{"first", source.toml_name}, {"second", name}}));
      }
      source.toml_name = std::string(name);
      source.toml = std::string(content);
    } else if (name.ends_with(".csv")) {
      source.files.emplace(std::string(name), std::string(content));
    }
  }
  if (source.toml_name.empty()) return core::InvalidArgument(Message("rules.program.no_toml_file"));
  return source;
}

ParsedProgram ParseProgram(const ProgramSource& source) {
  ProgramReader reader(source);
  return reader.Read();
}

}  // namespace keneya::rules
