#include "rules/engine.h"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdio>
#include <deque>
#include <set>
#include <thread>
#include <unordered_map>

#include "rules/dependency_order.h"
#include "rules/formula_tree.h"
#include "rules/kernel.h"
#include "rules/numeric.h"

namespace keneya::rules {

using core::Message;
using core::Period;
using core::Result;

Message RunError::ToMessage() const {
  return Message(
      "rules.engine.run_error",
      {{"formula", formula}, {"period", period}, {"where", place_text}, {"message", text}});
}

namespace {

std::string FormatNumber(double x) {
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%.17g", x);
  return buffer;
}

// A window into the past on a package input.
struct Window {
  enum class Kind : uint8_t { kNone, kPrevious, kLastMonths, kSamePeriodLastYear };
  Kind kind = Kind::kNone;
  int months = 0;  // kLastMonths
  bool operator==(const Window&) const = default;
};

// `verified_previous`, `verified_last_3_months`, `verified_same_period_last_year`: the input
// and the window; nullopt for other names.
std::optional<std::pair<std::string, Window>> ParseWindow(std::string_view name) {
  constexpr std::string_view kPrevious = "_previous";
  constexpr std::string_view kLastYear = "_same_period_last_year";
  constexpr std::string_view kMonths = "_months";
  if (name.ends_with(kPrevious)) {
    return std::pair{std::string(name.substr(0, name.size() - kPrevious.size())),
                     Window{Window::Kind::kPrevious, 0}};
  }
  if (name.ends_with(kLastYear)) {
    return std::pair{std::string(name.substr(0, name.size() - kLastYear.size())),
                     Window{Window::Kind::kSamePeriodLastYear, 0}};
  }
  if (name.ends_with(kMonths)) {
    const std::string_view head = name.substr(0, name.size() - kMonths.size());
    const size_t last = head.rfind("_last_");
    if (last == std::string_view::npos) return std::nullopt;
    const std::string_view digits = head.substr(last + 6);
    if (digits.empty() || digits.size() > 2) return std::nullopt;
    int n = 0;
    for (char c : digits) {
      if (c < '0' || c > '9') return std::nullopt;
      n = n * 10 + (c - '0');
    }
    if (n < 1 || n > 36) return std::nullopt;
    return std::pair{std::string(head.substr(0, last)), Window{Window::Kind::kLastMonths, n}};
  }
  return std::nullopt;
}

// Hesabu's lists: %{amount_values} is every activity's amount (in a package formula) or every
// facility's value (in a zone formula, as the argument of SUM, AVG, MIN, MAX or STDEVP). The
// formula language has no such syntax, so each is replaced, before parsing, by an identifier
// of the same length (columns in messages stay right), remembered here.
struct Substitution {
  std::string identifier;
  std::string name;                   // the x of %{x_values}
  std::optional<Function> reduction;  // zone formulas: SUM(...) around it
  size_t begin = 0, end = 0;          // the replaced text in the expression
};

struct Preprocessed {
  std::string text;
  std::vector<Substitution> substitutions;
  Message problem;  // a malformed %{...}
  int problem_column = 0;
};

Preprocessed Preprocess(const std::string& expression, bool zone) {
  Preprocessed out;
  out.text = expression;
  size_t pos = 0;
  int counter = 0;
  while ((pos = out.text.find("%{", pos)) != std::string::npos) {
    const size_t close = out.text.find('}', pos);
    if (close == std::string::npos) {
      out.problem = Message("rules.engine.list_not_closed");
      out.problem_column = static_cast<int>(pos) + 1;
      return out;
    }
    std::string inner = out.text.substr(pos + 2, close - pos - 2);
    if (!inner.ends_with("_values") || inner.size() <= 7) {
      out.problem =
          Message("rules.engine.bad_list", {{"example", "%{name_values}"}, {"written", inner}});
      out.problem_column = static_cast<int>(pos) + 1;
      return out;
    }
    Substitution s;
    s.name = inner.substr(0, inner.size() - 7);
    size_t begin = pos, end = close + 1;
    if (zone) {
      // The reduction around it: FN ( %{...} ).
      size_t before = pos;
      while (before > 0 && out.text[before - 1] == ' ') --before;
      size_t after = end;
      while (after < out.text.size() && out.text[after] == ' ') ++after;
      if (before > 0 && out.text[before - 1] == '(' && after < out.text.size() &&
          out.text[after] == ')') {
        size_t fn_end = before - 1;
        while (fn_end > 0 && out.text[fn_end - 1] == ' ') --fn_end;
        size_t fn_begin = fn_end;
        while (fn_begin > 0 && (std::isalnum(static_cast<unsigned char>(out.text[fn_begin - 1])) ||
                                out.text[fn_begin - 1] == '_')) {
          --fn_begin;
        }
        std::string fn = out.text.substr(fn_begin, fn_end - fn_begin);
        for (char& c : fn) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
        const std::pair<const char*, Function> reductions[] = {{"SUM", Function::kSum},
                                                               {"AVG", Function::kAvg},
                                                               {"MIN", Function::kMin},
                                                               {"MAX", Function::kMax},
                                                               {"STDEVP", Function::kStdevp}};
        for (const auto& [fn_name, function] : reductions) {
          if (fn == fn_name) s.reduction = function;
        }
        if (s.reduction) {
          begin = fn_begin;
          end = after + 1;
        }
      }
      if (!s.reduction) {
        out.problem = Message("rules.engine.zone_list_not_reduced", {{"written", inner}});
        out.problem_column = static_cast<int>(pos) + 1;
        return out;
      }
    }
    // An identifier as long as the replaced text: _L<n>_ then underscores.
    std::string id = "_L" + std::to_string(counter++) + "_";
    const size_t length = end - begin;
    if (id.size() > length) {
      // Not reachable: the shortest list is 10 characters long.
      out.problem = Message("rules.engine.list_too_short", {{"written", inner}});
      out.problem_column = static_cast<int>(pos) + 1;
      return out;
    }
    id.append(length - id.size(), '_');
    s.identifier = id;
    s.begin = begin;
    s.end = end;
    out.text.replace(begin, length, id);
    out.substitutions.push_back(std::move(s));
    pos = begin + length;
  }
  return out;
}

const Substitution* FindSubstitution(const Preprocessed& p, std::string_view identifier) {
  for (const Substitution& s : p.substitutions) {
    if (s.identifier == identifier) return &s;
  }
  return nullptr;
}

// `lines` and one more line under them, indented: "{lines}\n  {line}".
Message AddLine(const Message& lines, Message line) {
  return Message("rules.engine.lines", {{"lines", lines}, {"line", std::move(line)}});
}

// Runs fn(chunk, worker) for chunks 0..count-1 on up to `threads` threads.
template <typename F>
void ForChunks(size_t count, int threads, F fn) {
  const size_t workers = std::min<size_t>(static_cast<size_t>(std::max(threads, 1)), count);
  if (workers <= 1 || count < 8) {
    for (size_t c = 0; c < count; ++c) fn(c, 0);
    return;
  }
  std::atomic<size_t> next{0};
  auto work = [&](int worker) {
    for (size_t c = next++; c < count; c = next++) fn(c, worker);
  };
  std::vector<std::thread> pool;
  for (size_t w = 1; w < workers; ++w) pool.emplace_back(work, static_cast<int>(w));
  work(0);
  for (std::thread& t : pool) t.join();
}

}  // namespace

// ---- Compiled form ----

// A value with one slot per instance: a package input, a window on it, a table output, a
// formula's results.
struct Family {
  enum class Kind : uint8_t { kInput, kIsNull, kWindow, kTable, kFormula };
  Kind kind = Kind::kFormula;
  Level level = Level::kFacility;
  int package = -1;  // -1: the payment
  std::string name;
  int input = -1;               // kInput, kIsNull, kWindow
  Window window;                // kWindow
  int table = -1, output = -1;  // kTable
  int node = -1;                // kFormula: index in nodes
  std::vector<SlotId> slots;    // per instance
};

// How a formula's variable reads its values.
struct Binding {
  enum class Kind : uint8_t {
    kConstant,
    kFamily,         // same instance; broadcast down levels as needed
    kActivityList,   // %{x_values} in a package formula: every activity's x
    kActivitySlice,  // <activity>_<x> in a package formula
    kInstanceSum,    // a package value in a payment formula: summed over the package's instances
    kZoneReduce,     // FN(%{x_values}) in a zone formula
  };
  Kind kind = Kind::kConstant;
  double constant = 0;
  int family = -1;
  int activity = -1;
  Function reduction = Function::kSum;
  VariableType type;
  Message description;  // for explanations: where a constant comes from
};

// A formula of the program, compiled for one payment rule.
struct Node {
  const FormulaSpec* spec = nullptr;
  Level level = Level::kFacility;
  int package = -1;       // -1: payment formula
  std::string qualified;  // "quantite.montant"
  Preprocessed text;
  Formula formula;
  std::vector<Binding> bindings;  // per formula variable
  Kernel kernel;
  bool ok = false;
  int family = -1;
};

struct CompiledPayment {
  int payment = -1;  // index in program.payments; -1 for a package checked alone
  std::vector<int> packages;
  std::vector<int> instances;  // per program package: instances in this payment (0: not in it)
  std::vector<Family> families;
  std::vector<CompiledProgram::SlotInfo> slots;
  std::vector<Node> nodes;
  std::vector<size_t> order;  // nodes in evaluation order
  // Lookup: (package, name) -> family.
  std::map<std::pair<int, std::string>, int> family_by_name;
  std::vector<std::pair<int, Window>> windows;  // (package, window) needed
};

struct CompiledProgram::Impl {
  Program program;
  std::vector<CompiledPayment> payments;                      // one per program payment rule
  std::map<std::pair<int, std::string>, int> activity_index;  // (package, code) -> index
};

struct RunResult::Impl {
  std::optional<Period> period;
  const RunInputs* inputs = nullptr;
  const CompiledPayment* payment = nullptr;
  const Program* program = nullptr;
  std::vector<std::string> zones;
  std::vector<int> zone_of;
  std::vector<uint8_t> missing;
  std::vector<std::vector<uint8_t>> selected;         // per program package
  std::vector<std::vector<uint8_t>> applies;          // per program package: [activity * F + f]
  std::vector<std::vector<Period>> instance_periods;  // per program package
  // Slot storage: owned columns, or pointers into the inputs' blocks.
  std::vector<std::vector<double>> owned;
  std::vector<const double*> columns;
  std::vector<size_t> rows;
  std::vector<const InputBlock*> blocks;  // per (package, instance): package * 8 + instance
  // Per slot: a zone value given by RunOptions::zone_values (an invoice's snapshot), not
  // computed from this run's facilities.
  std::vector<uint8_t> zone_given;
  size_t facility_count = 0;
};

namespace {

class PaymentCompiler {
 public:
  PaymentCompiler(const Program& program, CompiledPayment& out,
                  std::vector<ProgramProblem>& problems)
      : program_(program), out_(out), problems_(problems) {}

  void Compile() {
    MakeDataFamilies();
    MakeFormulaNodes();
    for (size_t i = 0; i < out_.nodes.size(); ++i) Resolve(i);
    Order();
    for (size_t i : out_.order) CompileKernel(i);
    CheckInvoiceLayouts();
  }

 private:
  void Problem(const SourcePlace& place, Message text) {
    problems_.push_back(ProgramProblem::Make(std::move(text), {place.ToMessage()}));
  }
  // At "programme.toml:42: quantite.montant" (", column 7" when column > 0).
  void FormulaProblem(const Node& node, Message text, int column) {
    problems_.push_back(ProgramProblem::Make(
        std::move(text),
        {node.spec->place.ToMessage(), column > 0 ? FormulaColumnPlace(node.qualified, column)
                                                  : Message::Verbatim(node.qualified)}));
  }

  int AddFamily(Family f) {
    const int instances = f.package >= 0 ? out_.instances[static_cast<size_t>(f.package)] : 1;
    for (int k = 0; k < instances; ++k) {
      CompiledProgram::SlotInfo info;
      info.level = f.level;
      info.package = f.package;
      info.instance = k;
      info.name = f.name;
      f.slots.push_back(static_cast<SlotId>(out_.slots.size()));
      out_.slots.push_back(info);
    }
    const int index = static_cast<int>(out_.families.size());
    out_.family_by_name[{f.package, f.name}] = index;
    out_.families.push_back(std::move(f));
    return index;
  }

  // Inputs and their null flags exist for every package; windows and table outputs are made
  // when a formula names them.
  void MakeDataFamilies() {
    for (int p : out_.packages) {
      const Package& package = program_.packages[static_cast<size_t>(p)];
      for (size_t i = 0; i < package.inputs.size(); ++i) {
        Family f;
        f.kind = Family::Kind::kInput;
        f.level = Level::kActivity;
        f.package = p;
        f.name = package.inputs[i].name;
        f.input = static_cast<int>(i);
        AddFamily(f);
        f.kind = Family::Kind::kIsNull;
        f.name = package.inputs[i].name + "_is_null";
        AddFamily(f);
      }
    }
  }

  void AddNodes(const std::vector<FormulaSpec>& specs, Level level, int package,
                const std::string& owner) {
    for (const FormulaSpec& spec : specs) {
      Node node;
      node.spec = &spec;
      node.level = level;
      node.package = package;
      node.qualified = owner + "." + spec.code;
      if (out_.family_by_name.count({package, spec.code}) != 0) {
        Problem(spec.place,
                Message("rules.engine.name_taken", {{"name", spec.code}, {"owner", owner}}));
        continue;
      }
      if (FindConstant(spec.code) != nullptr || FindTableOutput(spec.code)) {
        Problem(spec.place, Message("rules.engine.formula_named_like_data",
                                    {{"name", spec.code}, {"owner", owner}}));
        continue;
      }
      Family f;
      f.kind = Family::Kind::kFormula;
      f.level = level;
      f.package = package;
      f.name = spec.code;
      f.node = static_cast<int>(out_.nodes.size());
      node.family = AddFamily(f);
      out_.nodes.push_back(std::move(node));
    }
  }

  void MakeFormulaNodes() {
    for (int p : out_.packages) {
      const Package& package = program_.packages[static_cast<size_t>(p)];
      AddNodes(package.activity_formulas, Level::kActivity, p, package.code);
      AddNodes(package.formulas, Level::kFacility, p, package.code);
      AddNodes(package.zone_formulas, Level::kZone, p, package.code);
    }
    if (out_.payment >= 0) {
      const PaymentRule& rule = program_.payments[static_cast<size_t>(out_.payment)];
      AddNodes(rule.formulas, Level::kFacility, -1, rule.code);
    }
  }

  const Constant* FindConstant(std::string_view name) const {
    for (const Constant& c : program_.constants) {
      if (c.name == name) return &c;
    }
    return nullptr;
  }

  // Table outputs: (table, output) by name.
  std::optional<std::pair<int, int>> FindTableOutput(std::string_view name) const {
    for (size_t t = 0; t < program_.tables.size(); ++t) {
      const DecisionTable& table = program_.tables[t];
      for (size_t o = 0; o < table.outputs.size(); ++o) {
        if (table.outputs[o] == name) return std::pair{static_cast<int>(t), static_cast<int>(o)};
      }
    }
    return std::nullopt;
  }

  bool TableByActivity(int table) const {
    const auto& inputs = program_.tables[static_cast<size_t>(table)].inputs;
    return std::find(inputs.begin(), inputs.end(), TableInput::kActivity) != inputs.end();
  }

  int FindFamily(int package, const std::string& name) const {
    auto it = out_.family_by_name.find({package, name});
    return it == out_.family_by_name.end() ? -1 : it->second;
  }

  // A table output's family for a package (activity or facility level) or the payment.
  int TableFamily(int package, int table, int output) {
    const std::string name =
        program_.tables[static_cast<size_t>(table)].outputs[static_cast<size_t>(output)];
    if (int f = FindFamily(package, name); f >= 0) return f;
    Family f;
    f.kind = Family::Kind::kTable;
    f.level = TableByActivity(table) ? Level::kActivity : Level::kFacility;
    f.package = package;
    f.name = name;
    f.table = table;
    f.output = output;
    return AddFamily(f);
  }

  int WindowFamily(int package, int input, const Window& window, const std::string& name) {
    if (int f = FindFamily(package, name); f >= 0) return f;
    Family f;
    f.kind = Family::Kind::kWindow;
    f.level = Level::kActivity;
    f.package = package;
    f.name = name;
    f.input = input;
    f.window = window;
    if (std::find(out_.windows.begin(), out_.windows.end(), std::pair{package, window}) ==
        out_.windows.end()) {
      out_.windows.push_back({package, window});
    }
    return AddFamily(f);
  }

  int InputIndex(int package, std::string_view name) const {
    const Package& p = program_.packages[static_cast<size_t>(package)];
    for (size_t i = 0; i < p.inputs.size(); ++i) {
      if (p.inputs[i].name == name) return static_cast<int>(i);
    }
    return -1;
  }

  // A name at activity level in `package`: an input, a null flag, a window, an activity
  // formula or an activity table output. -1 when none (*problem set when it is known why).
  int ActivityFamily(int package, const std::string& name, Message* problem) {
    const int f = FindFamily(package, name);
    if (f >= 0 && out_.families[static_cast<size_t>(f)].level == Level::kActivity) return f;
    if (f >= 0) return -1;
    if (auto window = ParseWindow(name)) {
      const int input = InputIndex(package, window->first);
      if (input >= 0) {
        const Package& p = program_.packages[static_cast<size_t>(package)];
        if (p.frequency == Frequency::kQuarterly &&
            window->second.kind == Window::Kind::kLastMonths) {
          *problem = Message("rules.engine.no_monthly_values",
                             {{"name", name},
                              {"previous", window->first + "_previous"},
                              {"last_year", window->first + "_same_period_last_year"}});
          return -1;
        }
        return WindowFamily(package, input, window->second, name);
      }
    }
    if (auto output = FindTableOutput(name)) {
      if (TableByActivity(output->first))
        return TableFamily(package, output->first, output->second);
    }
    return -1;
  }

  int ActivityIndex(int package, std::string_view code) const {
    const Package& p = program_.packages[static_cast<size_t>(package)];
    for (size_t a = 0; a < p.activities.size(); ++a) {
      if (p.activities[a].code == code) return static_cast<int>(a);
    }
    return -1;
  }

  // Resolves a name used by a formula at `node`'s level. Empty binding kind with
  // *problem set when it cannot.
  std::optional<Binding> ResolveName(const Node& node, const std::string& name, Message* problem) {
    Binding b;
    const int package = node.package;
    auto family_binding = [&](int f) {
      Binding fb;
      fb.kind = Binding::Kind::kFamily;
      fb.family = f;
      return fb;
    };
    // Lists made by Preprocess.
    if (const Substitution* s = FindSubstitution(node.text, name)) {
      if (node.level == Level::kZone) {
        const int f = FindFamily(package, s->name);
        if (f < 0 || out_.families[static_cast<size_t>(f)].level != Level::kFacility) {
          *problem = Message("rules.engine.list_not_package_formula",
                             {{"list", s->name},
                              {"name", s->name},
                              {"package", program_.packages[static_cast<size_t>(package)].code}});
          return std::nullopt;
        }
        b.kind = Binding::Kind::kZoneReduce;
        b.family = f;
        b.reduction = *s->reduction;
        return b;
      }
      if (node.level == Level::kFacility && package >= 0) {
        const int f = ActivityFamily(package, s->name, problem);
        if (f < 0) {
          if (problem->empty()) {
            *problem = Message("rules.engine.list_not_activity_value",
                               {{"list", s->name},
                                {"name", s->name},
                                {"package", program_.packages[static_cast<size_t>(package)].code}});
          }
          return std::nullopt;
        }
        b.kind = Binding::Kind::kActivityList;
        b.family = f;
        b.type.kind = Value::Kind::kArray;
        b.type.length =
            static_cast<int>(program_.packages[static_cast<size_t>(package)].activities.size());
        return b;
      }
      *problem = Message("rules.engine.list_not_here", {{"list", s->name}});
      return std::nullopt;
    }
    if (package >= 0) {
      const Package& p = program_.packages[static_cast<size_t>(package)];
      switch (node.level) {
        case Level::kActivity: {
          if (int f = ActivityFamily(package, name, problem); f >= 0) return family_binding(f);
          if (!problem->empty()) return std::nullopt;
          break;
        }
        case Level::kFacility: {
          // <activity>_<name>: one activity's value.
          for (size_t a = 0; a < p.activities.size(); ++a) {
            const std::string& code = p.activities[a].code;
            if (name.size() > code.size() + 1 && name.starts_with(code) &&
                name[code.size()] == '_') {
              Message inner_problem;
              const int f = ActivityFamily(package, name.substr(code.size() + 1), &inner_problem);
              if (f >= 0) {
                b.kind = Binding::Kind::kActivitySlice;
                b.family = f;
                b.activity = static_cast<int>(a);
                return b;
              }
            }
          }
          break;
        }
        case Level::kZone:
          break;
      }
      // Package and zone formulas of the package, from any level (cycles are checked).
      if (int f = FindFamily(package, name); f >= 0) {
        const Family& family = out_.families[static_cast<size_t>(f)];
        if (family.kind == Family::Kind::kFormula && family.level != Level::kActivity) {
          if (node.level == Level::kZone && family.level == Level::kFacility) {
            *problem =
                Message("rules.engine.facility_value_in_zone", {{"name", name}, {"list", name}});
            return std::nullopt;
          }
          return family_binding(f);
        }
        if (node.level != Level::kActivity && family.level == Level::kActivity) {
          *problem = Message("rules.engine.activity_value_in_package",
                             {{"name", name}, {"list", name}, {"slice", name}});
          return std::nullopt;
        }
      }
    } else {
      // A payment formula: other payment formulas, then the packages' values.
      if (int f = FindFamily(-1, name); f >= 0) return family_binding(f);
      std::vector<int> found;
      for (int p : out_.packages) {
        const std::string& code = program_.packages[static_cast<size_t>(p)].code;
        int f = FindFamily(p, name);
        if (f < 0 && name.size() > code.size() + 1 && name.starts_with(code) &&
            name[code.size()] == '_') {
          f = FindFamily(p, name.substr(code.size() + 1));
          if (f >= 0) {
            found.assign(1, f);
            break;
          }
        }
        if (f >= 0) found.push_back(f);
      }
      if (found.size() > 1) {
        // "a_total or b_total"
        core::MessageArg choices("choices", "");
        for (size_t i = 0; i < found.size(); ++i) {
          const int package_of = out_.families[static_cast<size_t>(found[i])].package;
          const std::string choice =
              program_.packages[static_cast<size_t>(package_of)].code + "_" + name;
          choices = i == 0 ? core::MessageArg("choices", choice)
                           : core::MessageArg("choices", Message("rules.engine.or_choice",
                                                                 {choices, {"name", choice}}));
        }
        *problem = Message("rules.engine.ambiguous_name", {{"name", name}, choices});
        return std::nullopt;
      }
      if (found.size() == 1) {
        const Family& family = out_.families[static_cast<size_t>(found[0])];
        if (family.level == Level::kActivity) {
          *problem = Message("rules.engine.activity_value_in_payment", {{"name", name}});
          return std::nullopt;
        }
        b.kind = Binding::Kind::kInstanceSum;
        b.family = found[0];
        return b;
      }
    }
    if (auto output = FindTableOutput(name)) {
      if (TableByActivity(output->first)) {
        *problem = Message(
            "rules.engine.activity_table_output",
            {{"name", name}, {"table", program_.tables[static_cast<size_t>(output->first)].code}});
        return std::nullopt;
      }
      if (node.level == Level::kZone) {
        *problem = Message("rules.engine.facility_table_output_in_zone", {{"name", name}});
        return std::nullopt;
      }
      return family_binding(TableFamily(package, output->first, output->second));
    }
    if (const Constant* c = FindConstant(name)) {
      b.kind = Binding::Kind::kConstant;
      b.constant = c->value;
      b.description = Message("rules.engine.origin_constant", {{"place", c->place.ToMessage()}});
      return b;
    }
    return std::nullopt;
  }

  void Resolve(size_t index) {
    Node& node = out_.nodes[index];
    node.text = Preprocess(node.spec->expression, node.level == Level::kZone);
    if (!node.text.problem.empty()) {
      FormulaProblem(node, node.text.problem, node.text.problem_column);
      return;
    }
    auto parsed = Formula::Parse(node.text.text);
    if (!parsed.ok()) {
      FormulaProblem(node, parsed.error().text, ErrorColumn(parsed.error()));
      return;
    }
    node.formula = std::move(parsed).value();
    std::vector<std::string> unknown;
    bool ok = true;
    for (const std::string& name : node.formula.variables()) {
      Message problem;
      auto binding = ResolveName(node, name, &problem);
      if (!binding) {
        ok = false;
        if (problem.empty()) {
          unknown.push_back(name);
        } else {
          FormulaProblem(node, problem, 0);
        }
        node.bindings.emplace_back();
        continue;
      }
      node.bindings.push_back(*binding);
    }
    if (unknown.size() == 1) {
      FormulaProblem(node, Message("rules.formula.no_parameter", {{"name", unknown[0]}}), 0);
    } else if (!unknown.empty()) {
      std::string names;
      for (const std::string& m : unknown) names += (names.empty() ? "'" : ", '") + m + "'";
      FormulaProblem(node, Message("rules.formula.no_parameters", {{"names", names}}), 0);
    }
    node.ok = ok && unknown.empty();
  }

  // Orders the formulas by what they read; reports every cycle on each of its formulas.
  void Order() {
    const size_t n = out_.nodes.size();
    DependencyGraph graph;
    for (size_t i = 0; i < n; ++i) {
      for (const Binding& b : out_.nodes[i].bindings) {
        if (b.family < 0) continue;
        const Family& f = out_.families[static_cast<size_t>(b.family)];
        if (f.kind == Family::Kind::kFormula) graph.Add(static_cast<uint32_t>(f.node));
      }
      graph.EndNode();
    }
    std::vector<bool> in_cycle(n, false);
    const std::vector<uint32_t> order =
        OrderByDependencies(graph, [&](std::span<const uint32_t> cycle) {
          std::string path;
          for (uint32_t i : cycle) path += out_.nodes[i].qualified + " -> ";
          path += out_.nodes[cycle.front()].qualified;
          for (uint32_t i : cycle) {
            if (in_cycle[i]) continue;
            in_cycle[i] = true;
            out_.nodes[i].ok = false;
            FormulaProblem(out_.nodes[i], Message("rules.engine.cycle", {{"path", path}}), 0);
          }
        });
    out_.order.assign(order.begin(), order.end());
  }

  VariableType TypeOf(const Binding& b) const {
    VariableType t;
    if (b.kind == Binding::Kind::kActivityList) return b.type;
    if (b.family >= 0) {
      const Family& f = out_.families[static_cast<size_t>(b.family)];
      if (f.kind == Family::Kind::kFormula) {
        t.kind = out_.nodes[static_cast<size_t>(f.node)].kernel.result_kind();
      }
    }
    if (b.kind == Binding::Kind::kInstanceSum || b.kind == Binding::Kind::kZoneReduce) {
      if (t.kind == Value::Kind::kBoolean && b.kind == Binding::Kind::kInstanceSum) {
        // A boolean of a package read by a payment formula: fine when there is one instance.
      }
    }
    return t;
  }

  void CompileKernel(size_t index) {
    Node& node = out_.nodes[index];
    if (!node.ok) return;
    // Inputs that failed make this one fail silently (they are reported).
    for (const Binding& b : node.bindings) {
      if (b.family < 0) continue;
      const Family& f = out_.families[static_cast<size_t>(b.family)];
      if (f.kind == Family::Kind::kFormula && !out_.nodes[static_cast<size_t>(f.node)].ok) {
        node.ok = false;
        return;
      }
    }
    std::vector<VariableType> types;
    for (size_t v = 0; v < node.bindings.size(); ++v) {
      const Binding& b = node.bindings[v];
      VariableType t = TypeOf(b);
      if (t.kind == Value::Kind::kBoolean &&
          (b.kind == Binding::Kind::kZoneReduce ||
           (b.kind == Binding::Kind::kInstanceSum &&
            out_.instances[static_cast<size_t>(
                out_.families[static_cast<size_t>(b.family)].package)] > 1))) {
        FormulaProblem(
            node, Message("rules.engine.boolean_summed", {{"name", node.formula.variables()[v]}}),
            0);
        node.ok = false;
        return;
      }
      if (b.kind == Binding::Kind::kZoneReduce) t.kind = Value::Kind::kNumber;
      types.push_back(t);
    }
    auto kernel = Kernel::Compile(node.formula, types);
    if (!kernel.ok()) {
      FormulaProblem(node, kernel.error().text, ErrorColumn(kernel.error()));
      node.ok = false;
      return;
    }
    node.kernel = std::move(kernel).value();
  }

  void CheckInvoiceLayouts() {
    for (int p : out_.packages) {
      const Package& package = program_.packages[static_cast<size_t>(p)];
      Message problem;
      for (const std::string& column : package.invoice.columns) {
        if (ActivityFamily(p, column, &problem) < 0) {
          Problem(package.place, Message("rules.engine.bad_invoice_column",
                                         {{"column", column}, {"package", package.code}}));
        }
      }
      if (!package.invoice.amount.empty() &&
          std::find(package.invoice.columns.begin(), package.invoice.columns.end(),
                    package.invoice.amount) == package.invoice.columns.end()) {
        Problem(package.place,
                Message("rules.engine.bad_invoice_amount",
                        {{"column", package.invoice.amount}, {"package", package.code}}));
      }
      for (const std::string& show : package.invoice.show) {
        const int f = FindFamily(p, show);
        if (f < 0 || out_.families[static_cast<size_t>(f)].level != Level::kFacility) {
          Problem(package.place, Message("rules.engine.bad_invoice_show",
                                         {{"name", show}, {"package", package.code}}));
        }
      }
    }
    if (out_.payment >= 0) {
      const PaymentRule& rule = program_.payments[static_cast<size_t>(out_.payment)];
      for (const PaymentLine& line : rule.lines) {
        const int f = FindFamily(-1, line.formula);
        if (f < 0) {
          Problem(
              rule.place,
              Message("rules.engine.bad_invoice_line",
                      {{"label", line.label}, {"payment", rule.code}, {"formula", line.formula}}));
        }
      }
    }
  }

  const Program& program_;
  CompiledPayment& out_;
  std::vector<ProgramProblem>& problems_;
};

}  // namespace

// ---- CompiledProgram ----

CompiledProgram::CompiledProgram() : impl_(std::make_unique<Impl>()) {}
CompiledProgram::~CompiledProgram() = default;
CompiledProgram::CompiledProgram(CompiledProgram&&) noexcept = default;
CompiledProgram& CompiledProgram::operator=(CompiledProgram&&) noexcept = default;

const Program& CompiledProgram::program() const { return impl_->program; }

int CompiledProgram::PaymentIndex(std::string_view code) const {
  for (size_t i = 0; i < impl_->program.payments.size(); ++i) {
    if (impl_->program.payments[i].code == code) return static_cast<int>(i);
  }
  return -1;
}

int CompiledProgram::PackageIndex(std::string_view code) const {
  for (size_t i = 0; i < impl_->program.packages.size(); ++i) {
    if (impl_->program.packages[i].code == code) return static_cast<int>(i);
  }
  return -1;
}

CompiledProgram CompiledProgram::Compile(const Program& program,
                                         std::vector<ProgramProblem>& problems) {
  CompiledProgram compiled;
  Impl& impl = *compiled.impl_;
  impl.program = program;
  const Program& p = impl.program;
  const size_t first_problem = problems.size();

  // Payment rules: their packages, and how many periods of each they combine.
  std::vector<bool> paid(p.packages.size(), false);
  auto make = [&](int payment, Frequency frequency, const std::vector<int>& packages) {
    CompiledPayment cp;
    cp.payment = payment;
    cp.packages = packages;
    cp.instances.assign(p.packages.size(), 0);
    for (int k : packages) {
      const Package& package = p.packages[static_cast<size_t>(k)];
      cp.instances[static_cast<size_t>(k)] =
          frequency == Frequency::kQuarterly && package.frequency == Frequency::kMonthly ? 3 : 1;
    }
    PaymentCompiler compiler(p, cp, problems);
    compiler.Compile();
    return cp;
  };
  for (size_t r = 0; r < p.payments.size(); ++r) {
    const PaymentRule& rule = p.payments[r];
    std::vector<int> packages;
    for (const std::string& code : rule.packages) {
      const int k = compiled.PackageIndex(code);
      if (k < 0) {
        problems.push_back(ProgramProblem::Make(
            Message("rules.engine.unknown_package", {{"payment", rule.code}, {"package", code}}),
            {rule.place.ToMessage()}));
        continue;
      }
      const Package& package = p.packages[static_cast<size_t>(k)];
      if (rule.frequency == Frequency::kMonthly && package.frequency == Frequency::kQuarterly) {
        problems.push_back(
            ProgramProblem::Make(Message("rules.engine.monthly_pays_quarterly",
                                         {{"payment", rule.code}, {"package", code}}),
                                 {rule.place.ToMessage()}));
        continue;
      }
      paid[static_cast<size_t>(k)] = true;
      packages.push_back(k);
    }
    impl.payments.push_back(make(static_cast<int>(r), rule.frequency, packages));
  }
  // Packages no payment pays are still checked.
  for (size_t k = 0; k < p.packages.size(); ++k) {
    if (!paid[k]) make(-1, p.packages[k].frequency, {static_cast<int>(k)});
  }
  // Table problems that do not need facilities: an activity table without a row that could
  // match an activity whose formulas read it.
  for (const CompiledPayment& cp : impl.payments) {
    for (const Family& f : cp.families) {
      if (f.kind != Family::Kind::kTable || f.level != Level::kActivity) continue;
      const DecisionTable& table = p.tables[static_cast<size_t>(f.table)];
      const size_t column = static_cast<size_t>(
          std::find(table.inputs.begin(), table.inputs.end(), TableInput::kActivity) -
          table.inputs.begin());
      for (const Activity& a : p.packages[static_cast<size_t>(f.package)].activities) {
        bool any = false;
        for (const DecisionRow& row : table.rows) {
          any = any || row.inputs[column] == "*" || row.inputs[column] == a.code;
        }
        if (!any) {
          problems.push_back(ProgramProblem::Make(
              Message("rules.engine.no_row_for_activity",
                      {{"output", f.name},
                       {"activity", a.code},
                       {"package", p.packages[static_cast<size_t>(f.package)].code}}),
              {Message::Verbatim(table.file)}));
        }
      }
    }
  }
  // The same problem found through two payment rules is told once.
  std::set<std::pair<std::string, std::string>> seen;
  std::vector<ProgramProblem> unique(problems.begin(),
                                     problems.begin() + static_cast<long>(first_problem));
  for (size_t i = first_problem; i < problems.size(); ++i) {
    if (seen.insert({problems[i].where, problems[i].message}).second) unique.push_back(problems[i]);
  }
  problems = std::move(unique);
  for (size_t k = 0; k < p.packages.size(); ++k) {
    for (size_t a = 0; a < p.packages[k].activities.size(); ++a) {
      impl.activity_index[{static_cast<int>(k), p.packages[k].activities[a].code}] =
          static_cast<int>(a);
    }
  }
  return compiled;
}

Result<std::vector<Period>> CompiledProgram::InstancePeriods(int payment, int package,
                                                             const Period& period) const {
  const PaymentRule& rule = impl_->program.payments[static_cast<size_t>(payment)];
  const core::PeriodType expected = rule.frequency == Frequency::kMonthly
                                        ? core::PeriodType::kMonthly
                                        : core::PeriodType::kQuarterly;
  if (period.type() != expected) {
    return core::InvalidArgument(Message(expected == core::PeriodType::kMonthly
                                             ? "rules.engine.payment_not_a_month"
                                             : "rules.engine.payment_not_a_quarter",
                                         {{"payment", rule.code}, {"period", period.ToString()}}));
  }
  const Package& p = impl_->program.packages[static_cast<size_t>(package)];
  if (p.frequency == Frequency::kMonthly && expected == core::PeriodType::kQuarterly) {
    return period.Months();
  }
  return std::vector<Period>{period};
}

namespace {

std::vector<Period> WindowPeriods(const Period& period, const Window& w) {
  switch (w.kind) {
    case Window::Kind::kPrevious:
      return {period.Previous()};
    case Window::Kind::kSamePeriodLastYear:
      return {period.Plus(period.type() == core::PeriodType::kMonthly ? -12 : -4)};
    case Window::Kind::kLastMonths: {
      std::vector<Period> out;
      for (int i = w.months - 1; i >= 0; --i) out.push_back(period.Plus(-i));
      return out;
    }
    default:
      return {};
  }
}

}  // namespace

Result<std::vector<BlockRequest>> CompiledProgram::BlocksNeeded(int payment,
                                                                const Period& period) const {
  const CompiledPayment& cp = impl_->payments[static_cast<size_t>(payment)];
  std::vector<BlockRequest> out;
  std::set<std::pair<int, int32_t>> seen;
  auto add = [&](int package, const Period& p) {
    if (seen.insert({package, p.Code()}).second) out.push_back({package, p});
  };
  for (int package : cp.packages) {
    KENEYA_ASSIGN_OR_RETURN(std::vector<Period> periods, InstancePeriods(payment, package, period));
    for (const Period& p : periods) {
      add(package, p);
      for (const auto& [wp, window] : cp.windows) {
        if (wp != package) continue;
        for (const Period& q : WindowPeriods(p, window)) add(package, q);
      }
    }
  }
  return out;
}

SlotId CompiledProgram::FindPaymentFormula(int payment, std::string_view name) const {
  const CompiledPayment& cp = impl_->payments[static_cast<size_t>(payment)];
  auto it = cp.family_by_name.find({-1, std::string(name)});
  if (it == cp.family_by_name.end()) return kNoSlot;
  return cp.families[static_cast<size_t>(it->second)].slots[0];
}

SlotId CompiledProgram::FindPackageValue(int payment, int package, int instance,
                                         std::string_view name) const {
  const CompiledPayment& cp = impl_->payments[static_cast<size_t>(payment)];
  auto it = cp.family_by_name.find({package, std::string(name)});
  if (it == cp.family_by_name.end()) return kNoSlot;
  const Family& f = cp.families[static_cast<size_t>(it->second)];
  if (instance < 0 || static_cast<size_t>(instance) >= f.slots.size()) return kNoSlot;
  return f.slots[static_cast<size_t>(instance)];
}

const CompiledProgram::SlotInfo& CompiledProgram::slot(int payment, SlotId id) const {
  return impl_->payments[static_cast<size_t>(payment)].slots[static_cast<size_t>(id)];
}

size_t CompiledProgram::slot_count(int payment) const {
  return impl_->payments[static_cast<size_t>(payment)].slots.size();
}

// ---- Running ----

namespace {

// Evaluates one payment run. Also used to write equations and explanations: it knows, for
// each slot, its values and its rows.
// The row of a decision table that gives a facility's (and activity's) value on `day`.
int MatchTableRow(const DecisionTable& table, const std::vector<std::string_view>& facts,
                  core::Date day) {
  int best = -1, best_score = -1;
  for (size_t r = 0; r < table.rows.size(); ++r) {
    const DecisionRow& row = table.rows[r];
    if (row.valid_from && day < *row.valid_from) continue;
    if (row.valid_to && *row.valid_to < day) continue;
    int score = 0;
    bool match = true;
    for (size_t i = 0; i < facts.size() && match; ++i) {
      if (row.inputs[i] == "*") continue;
      match = row.inputs[i] == facts[i];
      ++score;
    }
    if (match && score > best_score) {
      best = static_cast<int>(r);
      best_score = score;
    }
  }
  return best;
}

class Runner {
 public:
  Runner(const Program& program, const CompiledPayment& cp, const RunInputs& inputs,
         RunResult::Impl& r, const RunOptions& options)
      : program_(program), cp_(cp), inputs_(inputs), r_(r), options_(options) {}

  Result<bool> Prepare() {
    const size_t F = inputs_.facilities.size();
    r_.facility_count = F;
    r_.period = inputs_.period;
    r_.inputs = &inputs_;
    r_.payment = &cp_;
    r_.program = &program_;
    // Zones, in order of first appearance.
    std::unordered_map<std::string, int> zone_index;
    r_.zone_of.resize(F);
    for (size_t f = 0; f < F; ++f) {
      const FacilityFacts& facts = inputs_.facilities[f];
      const std::string& zone =
          program_.zone_level == ZoneLevel::kRegion ? facts.region : facts.district;
      auto [it, added] = zone_index.emplace(zone, static_cast<int>(r_.zones.size()));
      if (added) r_.zones.push_back(zone);
      r_.zone_of[f] = it->second;
    }
    // Instance periods and blocks.
    const size_t P = program_.packages.size();
    r_.instance_periods.assign(P, {});
    r_.selected.assign(P, {});
    r_.applies.assign(P, {});
    r_.blocks.assign(P * 8, nullptr);
    for (int p : cp_.packages) {
      const Package& package = program_.packages[static_cast<size_t>(p)];
      const size_t A = package.activities.size();
      const size_t I = package.inputs.size();
      if (package.frequency == Frequency::kMonthly &&
          inputs_.period.type() == core::PeriodType::kQuarterly) {
        r_.instance_periods[static_cast<size_t>(p)] = inputs_.period.Months();
      } else {
        r_.instance_periods[static_cast<size_t>(p)] = {inputs_.period};
      }
      const auto& periods = r_.instance_periods[static_cast<size_t>(p)];
      for (size_t k = 0; k < periods.size(); ++k) {
        KENEYA_ASSIGN_OR_RETURN(const InputBlock* block, Block(p, periods[k]));
        r_.blocks[static_cast<size_t>(p) * 8 + k] = block;
      }
      // Selection and applicability.
      auto& selected = r_.selected[static_cast<size_t>(p)];
      selected.assign(F, 1);
      for (size_t f = 0; f < F; ++f) {
        const FacilityFacts& facts = inputs_.facilities[f];
        const auto& types = package.org_units.facility_types;
        if (!types.empty() && std::find(types.begin(), types.end(), facts.type) == types.end()) {
          selected[f] = 0;
        }
        const auto& groups = package.org_units.groups;
        if (!groups.empty() && std::none_of(groups.begin(), groups.end(), [&](const auto& g) {
              return std::find(facts.groups.begin(), facts.groups.end(), g) != facts.groups.end();
            })) {
          selected[f] = 0;
        }
      }
      auto& applies = r_.applies[static_cast<size_t>(p)];
      applies.assign(A * F, 1);
      for (size_t a = 0; a < A; ++a) {
        const auto& types = package.activities[a].facility_types;
        if (types.empty()) continue;
        for (size_t f = 0; f < F; ++f) {
          if (std::find(types.begin(), types.end(), inputs_.facilities[f].type) == types.end()) {
            applies[a * F + f] = 0;
          }
        }
      }
      (void)I;
    }
    // A facility with nothing reported in the period, for any package paid, is missing.
    r_.missing.assign(F, 1);
    for (int p : cp_.packages) {
      const Package& package = program_.packages[static_cast<size_t>(p)];
      const size_t A = package.activities.size();
      const size_t I = package.inputs.size();
      for (size_t k = 0; k < r_.instance_periods[static_cast<size_t>(p)].size(); ++k) {
        const InputBlock* block = r_.blocks[static_cast<size_t>(p) * 8 + k];
        for (size_t ia = 0; ia < I * A; ++ia) {
          const uint8_t* present = block->present.data() + ia * F;
          for (size_t f = 0; f < F; ++f) {
            if (present[f]) r_.missing[f] = 0;
          }
        }
      }
    }
    r_.owned.assign(cp_.slots.size(), {});
    r_.zone_given.assign(cp_.slots.size(), 0);
    r_.columns.assign(cp_.slots.size(), nullptr);
    r_.rows.assign(cp_.slots.size(), 0);
    return true;
  }

  // Fills the data slots: inputs, null flags, windows, table outputs.
  Result<bool> FillData() {
    const size_t F = inputs_.facilities.size();
    for (const Family& family : cp_.families) {
      if (family.kind == Family::Kind::kFormula) continue;
      for (size_t k = 0; k < family.slots.size(); ++k) {
        const SlotId slot = family.slots[k];
        r_.rows[static_cast<size_t>(slot)] = RowsOf(family.level, family.package);
        switch (family.kind) {
          case Family::Kind::kInput: {
            const InputBlock* block = r_.blocks[static_cast<size_t>(family.package) * 8 + k];
            const size_t A = ActivityCount(family.package);
            r_.columns[static_cast<size_t>(slot)] =
                block->values.data() + static_cast<size_t>(family.input) * A * F;
            break;
          }
          case Family::Kind::kIsNull: {
            const InputBlock* block = r_.blocks[static_cast<size_t>(family.package) * 8 + k];
            const size_t A = ActivityCount(family.package);
            std::vector<double>& column = r_.owned[static_cast<size_t>(slot)];
            column.resize(A * F);
            const uint8_t* present =
                block->present.data() + static_cast<size_t>(family.input) * A * F;
            for (size_t i = 0; i < A * F; ++i) column[i] = present[i] ? 0.0 : 1.0;
            r_.columns[static_cast<size_t>(slot)] = column.data();
            break;
          }
          case Family::Kind::kWindow: {
            const Period& period = r_.instance_periods[static_cast<size_t>(family.package)][k];
            const size_t A = ActivityCount(family.package);
            std::vector<double>& column = r_.owned[static_cast<size_t>(slot)];
            column.assign(A * F, 0.0);
            for (const Period& q : WindowPeriods(period, family.window)) {
              KENEYA_ASSIGN_OR_RETURN(const InputBlock* block, Block(family.package, q));
              const double* values =
                  block->values.data() + static_cast<size_t>(family.input) * A * F;
              for (size_t i = 0; i < A * F; ++i) column[i] += values[i];
            }
            r_.columns[static_cast<size_t>(slot)] = column.data();
            break;
          }
          case Family::Kind::kTable:
            FillTable(family, k);
            break;
          case Family::Kind::kFormula:
            break;
        }
      }
    }
    if (!table_problems_.empty()) {
      Message lines;
      size_t shown = 0;
      for (const auto& [text, missing] : table_problems_) {
        if (shown++ == 20) {
          lines = AddLine(
              lines, Message("rules.engine.and_more", {{"count", table_problems_.size() - 20}}));
          break;
        }
        lines =
            AddLine(lines, missing.count == 1
                               ? Message("rules.engine.missing_row_one",
                                         {{"facts", missing.facts}, {"first", missing.first}})
                               : Message("rules.engine.missing_row", {{"facts", missing.facts},
                                                                      {"count", missing.count},
                                                                      {"first", missing.first}}));
      }
      return core::FailedPrecondition(Message("rules.engine.no_table_row", {{"lines", lines}}));
    }
    return true;
  }

  // Evaluates the formulas in order.
  Result<bool> Evaluate() {
    const int threads = options_.threads > 0
                            ? options_.threads
                            : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
    std::vector<Kernel::Scratch> scratch(static_cast<size_t>(threads));
    for (size_t n : cp_.order) {
      const Node& node = cp_.nodes[n];
      if (!node.ok) continue;
      const Family& family = cp_.families[static_cast<size_t>(node.family)];
      for (size_t k = 0; k < family.slots.size(); ++k) {
        const SlotId slot = family.slots[k];
        const size_t rows = RowsOf(node.level, node.package);
        std::vector<double>& column = r_.owned[static_cast<size_t>(slot)];
        column.resize(rows);
        r_.rows[static_cast<size_t>(slot)] = rows;
        r_.columns[static_cast<size_t>(slot)] = column.data();
        if (node.level == Level::kZone && !options_.zone_values.empty()) {
          auto given = options_.zone_values.find(
              node.qualified + "@" + PeriodOf(node.package, static_cast<int>(k)).ToString());
          if (given != options_.zone_values.end()) {
            std::fill(column.begin(), column.end(), given->second);
            r_.zone_given[static_cast<size_t>(slot)] = 1;
            continue;
          }
        }
        std::deque<std::vector<double>> temps;
        std::vector<Operand> operands;
        Bind(node, static_cast<int>(k), operands, temps);
        std::vector<uint8_t> failed(rows, 0);
        const size_t chunks = (rows + Kernel::kChunk - 1) / Kernel::kChunk;
        ForChunks(chunks, rows >= 16 * Kernel::kChunk ? threads : 1, [&](size_t c, int worker) {
          const size_t begin = c * Kernel::kChunk;
          const size_t end = std::min(rows, begin + Kernel::kChunk);
          node.kernel.Run(operands, begin, end, column.data(), failed.data(),
                          scratch[static_cast<size_t>(worker)]);
        });
        CheckRows(node, static_cast<int>(k), column, failed, operands);
      }
    }
    if (error_count_ > 0) {
      Message lines;
      for (const RunError& e : errors_) lines = AddLine(lines, e.ToMessage());
      if (error_count_ > errors_.size()) {
        lines = AddLine(
            lines, Message("rules.engine.and_more", {{"count", error_count_ - errors_.size()}}));
      }
      return core::FailedPrecondition(
          error_count_ == 1 ? Message("rules.engine.one_value_not_computed", {{"lines", lines}})
                            : Message("rules.engine.values_not_computed",
                                      {{"count", error_count_}, {"lines", lines}}));
    }
    return true;
  }

  // The equations of the run (see CompiledProgram::Equations).
  std::vector<Equation> Equations() {
    std::vector<Equation> out;
    const size_t F = inputs_.facilities.size();
    // Data: constants for every relevant row.
    for (const Family& family : cp_.families) {
      if (family.kind == Family::Kind::kFormula) continue;
      for (size_t k = 0; k < family.slots.size(); ++k) {
        const double* column = r_.columns[static_cast<size_t>(family.slots[k])];
        ForRelevantRows(family.level, family.package, [&](size_t row) {
          out.push_back({FlatName(family, static_cast<int>(k), row), "", column[row]});
        });
      }
    }
    std::set<std::string> sums;
    for (size_t n : cp_.order) {
      const Node& node = cp_.nodes[n];
      const Family& family = cp_.families[static_cast<size_t>(node.family)];
      for (size_t k = 0; k < family.slots.size(); ++k) {
        ForRelevantRows(node.level, node.package, [&](size_t row) {
          out.push_back({FlatName(family, static_cast<int>(k), row),
                         Rewrite(node, static_cast<int>(k), row, out, sums), std::nullopt});
        });
      }
    }
    (void)F;
    return out;
  }

  // Every value of the run by its equation name.
  std::vector<std::pair<std::string, Value>> NamedValues() const {
    std::vector<std::pair<std::string, Value>> out;
    for (const Family& family : cp_.families) {
      const bool boolean =
          family.kind == Family::Kind::kFormula &&
          cp_.nodes[static_cast<size_t>(family.node)].kernel.result_kind() == Value::Kind::kBoolean;
      if (family.kind == Family::Kind::kFormula &&
          !cp_.nodes[static_cast<size_t>(family.node)].ok) {
        continue;
      }
      for (size_t k = 0; k < family.slots.size(); ++k) {
        const double* column = r_.columns[static_cast<size_t>(family.slots[k])];
        ForRelevantRows(family.level, family.package, [&](size_t row) {
          out.emplace_back(FlatName(family, static_cast<int>(k), row),
                           boolean ? Value::Boolean(column[row] != 0) : Value::Number(column[row]));
        });
      }
    }
    return out;
  }

  // The value and flat name of a formula's variable on a row, for explanations.
  struct Item {
    const Family* family = nullptr;
    int instance = 0;
    size_t row = 0;
  };

  size_t RowsOf(Level level, int package) const {
    const size_t F = inputs_.facilities.size();
    switch (level) {
      case Level::kActivity:
        return ActivityCount(package) * F;
      case Level::kFacility:
        return F;
      default:
        return r_.zones.size();
    }
  }

 private:
  size_t ActivityCount(int package) const {
    return program_.packages[static_cast<size_t>(package)].activities.size();
  }

  Result<const InputBlock*> Block(int package, const Period& period) {
    auto it = inputs_.blocks.find({package, period.Code()});
    const size_t F = inputs_.facilities.size();
    const Package& p = program_.packages[static_cast<size_t>(package)];
    const size_t size = p.inputs.size() * p.activities.size() * F;
    if (it == inputs_.blocks.end()) {
      if (empty_.values.size() < size) {
        empty_.values.assign(size, 0.0);
        empty_.present.assign(size, 0);
      }
      return &empty_;
    }
    if (it->second.values.size() != size || it->second.present.size() != size) {
      return core::InvalidArgument(
          Message("rules.engine.bad_input_block", {{"package", p.code},
                                                   {"period", period.ToString()},
                                                   {"count", it->second.values.size()},
                                                   {"expected", size}}));
    }
    return &it->second;
  }

  // Whether a row's value matters (an invoice may show it or use it).
  bool Relevant(Level level, int package, size_t row) const {
    const size_t F = inputs_.facilities.size();
    switch (level) {
      case Level::kActivity:
        return !r_.missing[row % F];
      case Level::kFacility:
        return !r_.missing[row];
      default: {
        for (size_t f = 0; f < F; ++f) {
          if (static_cast<size_t>(r_.zone_of[f]) == row && Counted(package, f)) return true;
        }
        return false;
      }
    }
  }

  // Whether a facility counts in its zone's lists for a package.
  bool Counted(int package, size_t f) const {
    return !r_.missing[f] && r_.selected[static_cast<size_t>(package)][f];
  }

  template <typename F>
  void ForRelevantRows(Level level, int package, F fn) const {
    const size_t rows = RowsOf(level, package);
    if (level == Level::kZone) {
      std::vector<uint8_t> relevant(r_.zones.size(), 0);
      for (size_t f = 0; f < inputs_.facilities.size(); ++f) {
        if (Counted(package, f)) relevant[static_cast<size_t>(r_.zone_of[f])] = 1;
      }
      for (size_t z = 0; z < rows; ++z) {
        if (relevant[z]) fn(z);
      }
      return;
    }
    for (size_t row = 0; row < rows; ++row) {
      if (Relevant(level, package, row)) fn(row);
    }
  }

  void FillTable(const Family& family, size_t k) {
    const size_t F = inputs_.facilities.size();
    const DecisionTable& table = program_.tables[static_cast<size_t>(family.table)];
    const Period& period = family.package >= 0
                               ? r_.instance_periods[static_cast<size_t>(family.package)][k]
                               : inputs_.period;
    const core::Date day = period.start();
    const bool by_activity = family.level == Level::kActivity;
    const size_t A = by_activity ? ActivityCount(family.package) : 1;
    const SlotId slot = family.slots[k];
    std::vector<double>& column = r_.owned[static_cast<size_t>(slot)];
    column.assign(A * F, 0.0);
    r_.columns[static_cast<size_t>(slot)] = column.data();
    std::unordered_map<std::string, int> cache;  // facts -> row (-1: none)
    std::vector<std::string_view> facts(table.inputs.size());
    for (size_t a = 0; a < A; ++a) {
      for (size_t f = 0; f < F; ++f) {
        const FacilityFacts& facility = inputs_.facilities[f];
        std::string key;
        for (size_t i = 0; i < table.inputs.size(); ++i) {
          switch (table.inputs[i]) {
            case TableInput::kActivity:
              facts[i] = program_.packages[static_cast<size_t>(family.package)].activities[a].code;
              break;
            case TableInput::kFacilityType:
              facts[i] = facility.type;
              break;
            case TableInput::kRegion:
              facts[i] = facility.region;
              break;
            case TableInput::kDistrict:
              facts[i] = facility.district;
              break;
            case TableInput::kFacility:
              facts[i] = facility.code;
              break;
            case TableInput::kEquity:
              facts[i] = facility.equity;
              break;
          }
          key += facts[i];
          key += '\x1f';
        }
        auto [it, added] = cache.emplace(key, -1);
        if (added) it->second = MatchTableRow(table, facts, day);
        const int row = it->second;
        if (row >= 0) {
          column[a * F + f] =
              table.rows[static_cast<size_t>(row)].outputs[static_cast<size_t>(family.output)];
          continue;
        }
        // No row: a problem when the value matters.
        const bool matters =
            !r_.missing[f] &&
            (family.package < 0 ||
             (r_.selected[static_cast<size_t>(family.package)][f] &&
              (!by_activity || r_.applies[static_cast<size_t>(family.package)][a * F + f])));
        if (!matters) continue;
        // Keyed by the English text, which orders the list.
        std::string text = table.file + " (" + family.name + ", " + period.ToString() + "):";
        for (size_t i = 0; i < facts.size(); ++i) {
          text += std::string(i == 0 ? " " : ", ") + std::string(TableInputName(table.inputs[i])) +
                  "=" + std::string(facts[i].empty() ? "(none)" : facts[i]);
        }
        auto [p, inserted] = table_problems_.try_emplace({table.file, text});
        if (inserted) {
          p->second.first = facility.code;
          p->second.facts = MissingFacts(table, family.name, period, facts);
        }
        ++p->second.count;
      }
    }
  }

  // "tarifs.csv (tariff, 202401): activity=acc, facility_type=CSREF"
  static Message MissingFacts(const DecisionTable& table, const std::string& output,
                              const Period& period, const std::vector<std::string_view>& facts) {
    core::MessageArg list("facts", "");
    for (size_t i = 0; i < facts.size(); ++i) {
      const Message fact(
          "rules.engine.fact",
          {{"input", TableInputName(table.inputs[i])},
           facts[i].empty() ? core::MessageArg("value", Message("rules.engine.fact_none"))
                            : core::MessageArg("value", facts[i])});
      list = i == 0
                 ? core::MessageArg("facts", fact)
                 : core::MessageArg("facts", Message("rules.engine.facts", {list, {"fact", fact}}));
    }
    return Message("rules.engine.missing_facts",
                   {{"file", table.file}, {"output", output}, {"period", period.ToString()}, list});
  }

  // Operands of a formula for instance k, gathering values from other levels into temps.
  void Bind(const Node& node, int k, std::vector<Operand>& operands,
            std::deque<std::vector<double>>& temps) {
    const size_t F = inputs_.facilities.size();
    operands.assign(node.kernel.binding_count(), Operand{});
    for (size_t v = 0; v < node.bindings.size(); ++v) {
      const Binding& b = node.bindings[v];
      Operand* o = operands.data() + node.kernel.binding_offset(v);
      switch (b.kind) {
        case Binding::Kind::kConstant:
          o->scalar = b.constant;
          break;
        case Binding::Kind::kFamily: {
          const Family& f = cp_.families[static_cast<size_t>(b.family)];
          const int instance = f.package >= 0 && node.package >= 0 ? k : 0;
          const double* source =
              r_.columns[static_cast<size_t>(f.slots[static_cast<size_t>(instance)])];
          o->column = Broadcast(source, f.level, node.level, node.package, temps);
          break;
        }
        case Binding::Kind::kActivityList: {
          const Family& f = cp_.families[static_cast<size_t>(b.family)];
          const double* source = r_.columns[static_cast<size_t>(f.slots[static_cast<size_t>(k)])];
          for (int a = 0; a < b.type.length; ++a) o[a].column = source + static_cast<size_t>(a) * F;
          break;
        }
        case Binding::Kind::kActivitySlice: {
          const Family& f = cp_.families[static_cast<size_t>(b.family)];
          const double* source = r_.columns[static_cast<size_t>(f.slots[static_cast<size_t>(k)])];
          o->column = source + static_cast<size_t>(b.activity) * F;
          break;
        }
        case Binding::Kind::kInstanceSum: {
          const Family& f = cp_.families[static_cast<size_t>(b.family)];
          if (f.slots.size() == 1) {
            o->column = Broadcast(r_.columns[static_cast<size_t>(f.slots[0])], f.level,
                                  Level::kFacility, f.package, temps);
            break;
          }
          // As SUM(...) over the instances, in order.
          temps.emplace_back(F, 0.0);
          std::vector<double>& sum = temps.back();
          for (SlotId s : f.slots) {
            const double* source = Broadcast(r_.columns[static_cast<size_t>(s)], f.level,
                                             Level::kFacility, f.package, temps);
            for (size_t i = 0; i < F; ++i) sum[i] += source[i];
          }
          o->column = sum.data();
          break;
        }
        case Binding::Kind::kZoneReduce: {
          const Family& f = cp_.families[static_cast<size_t>(b.family)];
          const double* source = r_.columns[static_cast<size_t>(f.slots[static_cast<size_t>(k)])];
          temps.emplace_back(r_.zones.size(), 0.0);
          std::vector<double>& out = temps.back();
          std::vector<std::vector<double>> lists(r_.zones.size());
          for (size_t fac = 0; fac < F; ++fac) {
            if (Counted(node.package, fac)) {
              lists[static_cast<size_t>(r_.zone_of[fac])].push_back(source[fac]);
            }
          }
          for (size_t z = 0; z < lists.size(); ++z) {
            const auto& list = lists[z];
            if (list.empty()) {
              out[z] = b.reduction == Function::kSum ? 0.0 : std::nan("");
              continue;
            }
            switch (b.reduction) {
              case Function::kSum:
                out[z] = numeric::Sum(list.data(), list.size());
                break;
              case Function::kAvg:
                out[z] = numeric::Avg(list.data(), list.size());
                break;
              case Function::kMin:
                out[z] = numeric::Min(list.data(), list.size());
                break;
              case Function::kMax:
                out[z] = numeric::Max(list.data(), list.size());
                break;
              default:
                out[z] = numeric::Stdevp(list.data(), list.size());
            }
          }
          o->column = out.data();
          break;
        }
      }
    }
  }

  // A column of `from` level read at level `to`: facility values repeated for each activity,
  // zone values for each facility.
  const double* Broadcast(const double* source, Level from, Level to, int to_package,
                          std::deque<std::vector<double>>& temps) {
    if (from == to) return source;
    const size_t F = inputs_.facilities.size();
    if (from == Level::kFacility && to == Level::kActivity) {
      const size_t A = ActivityCount(to_package);
      temps.emplace_back(A * F);
      double* out = temps.back().data();
      for (size_t a = 0; a < A; ++a) std::copy(source, source + F, out + a * F);
      return out;
    }
    if (from == Level::kZone) {
      const size_t A = to == Level::kActivity ? ActivityCount(to_package) : 1;
      temps.emplace_back(A * F);
      double* out = temps.back().data();
      for (size_t a = 0; a < A; ++a) {
        for (size_t f = 0; f < F; ++f) out[a * F + f] = source[r_.zone_of[f]];
      }
      return out;
    }
    return source;  // not reached: the compiler binds nothing else
  }

  // Failed or non-finite rows that matter: errors with Formula::Evaluate's message.
  void CheckRows(const Node& node, int k, const std::vector<double>& column,
                 const std::vector<uint8_t>& failed, const std::vector<Operand>& operands) {
    const size_t rows = column.size();
    for (size_t row = 0; row < rows; ++row) {
      if (!failed[row] && std::isfinite(column[row])) continue;
      if (!Relevant(node.level, node.package, row)) continue;
      // An input that failed already was reported; this one follows from it.
      if (InputFailed(node, operands, row)) continue;
      ++error_count_;
      if (errors_.size() >= options_.max_errors) continue;
      RunError e;
      e.formula = node.qualified;
      e.period = PeriodOf(node.package, k).ToString();
      e.place_text = RowPlace(node.level, node.package, row);
      std::vector<Value> values;
      for (size_t v = 0; v < node.bindings.size(); ++v) {
        values.push_back(OperandValue(node, operands, v, row));
      }
      auto value = node.formula.Evaluate(values);
      if (!value.ok()) {
        e.text = value.error().text;
      } else if (value->kind == Value::Kind::kNumber && !std::isfinite(value->number)) {
        e.text = NonFiniteText(value->number);
      } else {
        e.text = NonFiniteText(column[row]);
      }
      errors_.push_back(std::move(e));
    }
  }

  bool InputFailed(const Node& node, const std::vector<Operand>& operands, size_t row) const {
    for (size_t v = 0; v < node.bindings.size(); ++v) {
      const Binding& b = node.bindings[v];
      if (b.family < 0) continue;
      const Family& f = cp_.families[static_cast<size_t>(b.family)];
      if (f.kind != Family::Kind::kFormula) continue;
      const size_t count =
          b.kind == Binding::Kind::kActivityList ? static_cast<size_t>(b.type.length) : 1;
      for (size_t j = 0; j < count; ++j) {
        const Operand& o = operands[node.kernel.binding_offset(v) + j];
        const double x = o.column ? o.column[row] : o.scalar;
        if (!std::isfinite(x)) return true;
      }
    }
    return false;
  }

  Value OperandValue(const Node& node, const std::vector<Operand>& operands, size_t v,
                     size_t row) const {
    const Binding& b = node.bindings[v];
    const size_t offset = node.kernel.binding_offset(v);
    auto at = [&](size_t j) {
      const Operand& o = operands[offset + j];
      return o.column ? o.column[row] : o.scalar;
    };
    if (b.kind == Binding::Kind::kActivityList) {
      std::vector<double> items;
      for (int j = 0; j < b.type.length; ++j) items.push_back(at(static_cast<size_t>(j)));
      return Value::Array(std::move(items));
    }
    const double x = at(0);
    if (b.family >= 0) {
      const Family& f = cp_.families[static_cast<size_t>(b.family)];
      if (f.kind == Family::Kind::kFormula &&
          cp_.nodes[static_cast<size_t>(f.node)].kernel.result_kind() == Value::Kind::kBoolean &&
          b.kind != Binding::Kind::kZoneReduce) {
        return Value::Boolean(x != 0);
      }
    }
    return Value::Number(x);
  }

 public:
  const Period& PeriodOf(int package, int k) const {
    if (package < 0) return inputs_.period;
    return r_.instance_periods[static_cast<size_t>(package)][static_cast<size_t>(k)];
  }

  std::string RowName(Level level, int package, size_t row) const {
    const size_t F = inputs_.facilities.size();
    switch (level) {
      case Level::kActivity:
        return inputs_.facilities[row % F].code + " / " +
               program_.packages[static_cast<size_t>(package)].activities[row / F].code;
      case Level::kFacility:
        return inputs_.facilities[row].code;
      default:
        return r_.zones[row];
    }
  }

  // RowName by id: "CSCOM_A / cpn" (a facility and an activity), a facility's or zone's code.
  Message RowPlace(Level level, int package, size_t row) const {
    const size_t F = inputs_.facilities.size();
    if (level != Level::kActivity) return Message::Verbatim(RowName(level, package, row));
    return Message(
        "rules.engine.row_activity",
        {{"facility", inputs_.facilities[row % F].code},
         {"activity", program_.packages[static_cast<size_t>(package)].activities[row / F].code}});
  }

  // {package}_{activity}_{name}_for_{facility}_and_{period}, {package}_{name}_for_...,
  // {payment}_{name}_for_...
  std::string FlatName(const Family& f, int k, size_t row) const {
    const size_t F = inputs_.facilities.size();
    std::string name;
    const std::string owner =
        f.package >= 0
            ? program_.packages[static_cast<size_t>(f.package)].code
            : (cp_.payment >= 0 ? program_.payments[static_cast<size_t>(cp_.payment)].code
                                : std::string("payment"));
    name = owner + "_";
    std::string where;
    switch (f.level) {
      case Level::kActivity:
        name += program_.packages[static_cast<size_t>(f.package)].activities[row / F].code + "_";
        where = inputs_.facilities[row % F].code;
        break;
      case Level::kFacility:
        where = inputs_.facilities[row].code;
        break;
      case Level::kZone:
        where = r_.zones[row];
        break;
    }
    return name + f.name + "_for_" + where + "_and_" + PeriodOf(f.package, k).ToString();
  }

 private:
  // The formula's text with each name replaced by the equation names it reads on `row`.
  std::string Rewrite(const Node& node, int k, size_t row, std::vector<Equation>& out,
                      std::set<std::string>& sums) {
    const size_t F = inputs_.facilities.size();
    const Formula::Impl& tree = node.formula.tree();
    // Variable occurrences by column.
    std::vector<std::pair<int, int>> occurrences;  // (column, variable)
    for (const Formula::Node& n : tree.nodes) {
      if (n.op == Op::kVariable) occurrences.push_back({n.column, n.index});
    }
    std::sort(occurrences.begin(), occurrences.end());
    const std::string& original = node.spec->expression;
    std::string text;
    size_t pos = 0;
    for (const auto& [column, v] : occurrences) {
      const size_t begin = static_cast<size_t>(column - 1);
      const std::string& var = node.formula.variables()[static_cast<size_t>(v)];
      const size_t end = begin + var.size();
      text += original.substr(pos, begin - pos);
      pos = end;
      const Binding& b = node.bindings[static_cast<size_t>(v)];
      switch (b.kind) {
        case Binding::Kind::kConstant:
          text += FormatNumber(b.constant);
          break;
        case Binding::Kind::kFamily: {
          const Family& f = cp_.families[static_cast<size_t>(b.family)];
          const int instance = f.package >= 0 && node.package >= 0 ? k : 0;
          text += FlatName(f, instance, SourceRow(f.level, node.level, row));
          break;
        }
        case Binding::Kind::kActivityList: {
          const Family& f = cp_.families[static_cast<size_t>(b.family)];
          for (int a = 0; a < b.type.length; ++a) {
            if (a > 0) text += ", ";
            text += FlatName(f, k, static_cast<size_t>(a) * F + row);
          }
          break;
        }
        case Binding::Kind::kActivitySlice: {
          const Family& f = cp_.families[static_cast<size_t>(b.family)];
          text += FlatName(f, k, static_cast<size_t>(b.activity) * F + row);
          break;
        }
        case Binding::Kind::kInstanceSum: {
          const Family& f = cp_.families[static_cast<size_t>(b.family)];
          const size_t source_row = SourceRow(f.level, Level::kFacility, row);
          if (f.slots.size() == 1) {
            text += FlatName(f, 0, source_row);
            break;
          }
          // A sum equation for the payment period.
          const std::string& owner = program_.packages[static_cast<size_t>(f.package)].code;
          const std::string where =
              f.level == Level::kZone ? r_.zones[source_row] : inputs_.facilities[source_row].code;
          const std::string name =
              owner + "_" + f.name + "_for_" + where + "_and_" + inputs_.period.ToString();
          if (sums.insert(name).second) {
            std::string sum = "sum(";
            for (size_t i = 0; i < f.slots.size(); ++i) {
              sum += (i ? ", " : "") + FlatName(f, static_cast<int>(i), source_row);
            }
            out.push_back({name, sum + ")", std::nullopt});
          }
          text += name;
          break;
        }
        case Binding::Kind::kZoneReduce: {
          // The whole FN(%{x_values}) was replaced: write FN(names of the zone's facilities).
          const Substitution* s = FindSubstitution(node.text, var);
          const Family& f = cp_.families[static_cast<size_t>(b.family)];
          std::string list;
          for (size_t fac = 0; fac < F; ++fac) {
            if (static_cast<size_t>(r_.zone_of[fac]) == row && Counted(node.package, fac)) {
              list += (list.empty() ? "" : ", ") + FlatName(f, k, fac);
            }
          }
          text += std::string(FunctionName(*s->reduction)) + "(" + list + ")";
          break;
        }
      }
    }
    text += original.substr(pos);
    return text;
  }

  // The row of a `from`-level value read by a `to`-level row.
  size_t SourceRow(Level from, Level to, size_t row) const {
    const size_t F = inputs_.facilities.size();
    if (from == to) return row;
    const size_t facility = to == Level::kActivity ? row % F : row;
    if (from == Level::kFacility) return facility;
    return static_cast<size_t>(r_.zone_of[facility]);
  }

  const Program& program_;
  const CompiledPayment& cp_;
  const RunInputs& inputs_;
  RunResult::Impl& r_;
  const RunOptions& options_;
  InputBlock empty_;
  // Facts no row of a table matches: how many facilities, the first, and the facts by id; by
  // (file, the facts in English).
  struct MissingRow {
    size_t count = 0;
    std::string first;
    Message facts;
  };
  std::map<std::pair<std::string, std::string>, MissingRow> table_problems_;
  std::vector<RunError> errors_;
  size_t error_count_ = 0;
};

}  // namespace

Result<RunResult> CompiledProgram::Run(int payment, const RunInputs& inputs,
                                       const RunOptions& options) const {
  if (payment < 0 || static_cast<size_t>(payment) >= impl_->program.payments.size()) {
    return core::InvalidArgument(Message("rules.engine.no_such_payment"));
  }
  const CompiledPayment& cp = impl_->payments[static_cast<size_t>(payment)];
  KENEYA_RETURN_IF_ERROR(
      InstancePeriods(payment, cp.packages.empty() ? 0 : cp.packages[0], inputs.period));
  RunResult result;
  Runner runner(impl_->program, cp, inputs, *result.impl_, options);
  KENEYA_RETURN_IF_ERROR(runner.Prepare());
  KENEYA_RETURN_IF_ERROR(runner.FillData());
  KENEYA_RETURN_IF_ERROR(runner.Evaluate());
  return result;
}

Result<std::vector<Equation>> CompiledProgram::Equations(int payment,
                                                         const RunInputs& inputs) const {
  const CompiledPayment& cp = impl_->payments[static_cast<size_t>(payment)];
  RunResult result;
  RunOptions options;
  options.threads = 1;
  Runner runner(impl_->program, cp, inputs, *result.impl_, options);
  KENEYA_RETURN_IF_ERROR(runner.Prepare());
  KENEYA_RETURN_IF_ERROR(runner.FillData());
  return runner.Equations();
}

// ---- Explanations ----

namespace {

std::vector<std::string_view> TableFacts(const DecisionTable& table, const FacilityFacts& facility,
                                         std::string_view activity) {
  std::vector<std::string_view> facts;
  for (TableInput input : table.inputs) {
    switch (input) {
      case TableInput::kActivity:
        facts.push_back(activity);
        break;
      case TableInput::kFacilityType:
        facts.push_back(facility.type);
        break;
      case TableInput::kRegion:
        facts.push_back(facility.region);
        break;
      case TableInput::kDistrict:
        facts.push_back(facility.district);
        break;
      case TableInput::kFacility:
        facts.push_back(facility.code);
        break;
      case TableInput::kEquity:
        facts.push_back(facility.equity);
        break;
    }
  }
  return facts;
}

class Explainer {
 public:
  Explainer(const Program& program, const CompiledPayment& cp, const RunResult::Impl& r,
            core::Language language)
      : program_(program), cp_(cp), r_(r), language_(language) {}

  CompiledProgram::Explanation Explain(SlotId slot, size_t facility, size_t activity, int depth) {
    const auto [family_index, k] = FamilyOf(slot);
    const Family& f = cp_.families[static_cast<size_t>(family_index)];
    CompiledProgram::Explanation e;
    const std::string owner = f.package >= 0
                                  ? program_.packages[static_cast<size_t>(f.package)].code
                                  : program_.payments[static_cast<size_t>(cp_.payment)].code;
    e.name = owner + "." + f.name;
    if (f.level == Level::kActivity) {
      e.name = owner + "." +
               program_.packages[static_cast<size_t>(f.package)].activities[activity].code + "." +
               f.name;
    }
    const Period& period =
        f.package >= 0 ? r_.instance_periods[static_cast<size_t>(f.package)][static_cast<size_t>(k)]
                       : *r_.period;
    e.period = period.ToString();
    const size_t row = Row(f.level, facility, activity);
    const double x = r_.columns[static_cast<size_t>(slot)][row];
    e.value = Value::Number(x);
    e.label = f.name;
    switch (f.kind) {
      case Family::Kind::kInput:
      case Family::Kind::kIsNull: {
        const Package& p = program_.packages[static_cast<size_t>(f.package)];
        const PackageInput& in = p.inputs[static_cast<size_t>(f.input)];
        const bool present =
            r_.blocks[static_cast<size_t>(f.package) * 8 + static_cast<size_t>(k)]->present.empty()
                ? false
                : r_.blocks[static_cast<size_t>(f.package) * 8 + static_cast<size_t>(k)]
                          ->present[(static_cast<size_t>(f.input) * p.activities.size() +
                                     activity) *
                                        r_.facility_count +
                                    facility] != 0;
        const std::string state =
            in.state + (in.category_option_combo.empty() ? "" : "/" + in.category_option_combo);
        SetOrigin(
            e, Message(
                   present ? "rules.engine.origin_input" : "rules.engine.origin_input_not_reported",
                   {{"data_element", p.activities[activity].data_element}, {"state", state}}));
        return e;
      }
      case Family::Kind::kWindow:
        SetOrigin(e, Message("rules.engine.origin_window"));
        return e;
      case Family::Kind::kTable: {
        const DecisionTable& table = program_.tables[static_cast<size_t>(f.table)];
        const FacilityFacts& facts = r_.inputs->facilities[facility];
        const std::string_view activity_code =
            f.level == Level::kActivity
                ? std::string_view(
                      program_.packages[static_cast<size_t>(f.package)].activities[activity].code)
                : std::string_view();
        const int match =
            MatchTableRow(table, TableFacts(table, facts, activity_code), period.start());
        const int line = match >= 0 ? table.rows[static_cast<size_t>(match)].line : 0;
        SetOrigin(e, SourcePlace{table.file, line}.ToMessage());
        return e;
      }
      case Family::Kind::kFormula:
        break;
    }
    const Node& node = cp_.nodes[static_cast<size_t>(f.node)];
    e.expression = node.spec->expression;
    e.display = node.spec->display;
    const std::string& label = language_ == core::Language::kEnglish && !node.spec->label_en.empty()
                                   ? node.spec->label_en
                                   : node.spec->label;
    e.label = label.empty() ? f.name : label;
    if (node.kernel.result_kind() == Value::Kind::kBoolean) e.value = Value::Boolean(x != 0);
    if (!r_.zone_given.empty() && r_.zone_given[static_cast<size_t>(slot)]) {
      // Over the zone's facilities when the invoice was computed: stored with it, since the
      // other facilities' data are not.
      SetOrigin(e, Message("rules.engine.origin_zone_given"));
      return e;
    }
    if (depth <= 0) return e;
    for (size_t v = 0; v < node.bindings.size(); ++v) {
      const Binding& b = node.bindings[v];
      const std::string& var = node.formula.variables()[v];
      switch (b.kind) {
        case Binding::Kind::kConstant: {
          CompiledProgram::Explanation c;
          c.name = var;
          c.label = var;
          c.period = e.period;
          c.value = Value::Number(b.constant);
          SetOrigin(c, b.description);
          e.inputs.push_back(std::move(c));
          break;
        }
        case Binding::Kind::kFamily: {
          const Family& g = cp_.families[static_cast<size_t>(b.family)];
          const int instance = g.package >= 0 && node.package >= 0 ? k : 0;
          e.inputs.push_back(
              Explain(g.slots[static_cast<size_t>(instance)], facility, activity, depth - 1));
          break;
        }
        case Binding::Kind::kActivitySlice: {
          const Family& g = cp_.families[static_cast<size_t>(b.family)];
          e.inputs.push_back(Explain(g.slots[static_cast<size_t>(k)], facility,
                                     static_cast<size_t>(b.activity), depth - 1));
          break;
        }
        case Binding::Kind::kActivityList: {
          const Family& g = cp_.families[static_cast<size_t>(b.family)];
          CompiledProgram::Explanation list;
          const Substitution* s = FindSubstitution(node.text, var);
          list.name = "%{" + (s ? s->name : g.name) + "_values}";
          list.label = list.name;
          list.period = e.period;
          std::vector<double> items;
          const auto& applies = r_.applies[static_cast<size_t>(node.package)];
          for (int a = 0; a < b.type.length; ++a) {
            const size_t row_a = static_cast<size_t>(a) * r_.facility_count + facility;
            items.push_back(
                r_.columns[static_cast<size_t>(g.slots[static_cast<size_t>(k)])][row_a]);
            // Activities that do not apply to the facility's type are not worth reading.
            if (!applies.empty() && !applies[row_a]) continue;
            list.inputs.push_back(Explain(g.slots[static_cast<size_t>(k)], facility,
                                          static_cast<size_t>(a), depth - 1));
          }
          list.value = Value::Array(std::move(items));
          e.inputs.push_back(std::move(list));
          break;
        }
        case Binding::Kind::kInstanceSum: {
          const Family& g = cp_.families[static_cast<size_t>(b.family)];
          if (g.slots.size() == 1) {
            e.inputs.push_back(Explain(g.slots[0], facility, 0, depth - 1));
            break;
          }
          CompiledProgram::Explanation sum;
          sum.name = var;
          sum.label_text = Message("rules.engine.label_sum_of_periods", {{"name", var}});
          sum.label = core::Render(sum.label_text, language_);
          sum.period = r_.period->ToString();
          double total = 0;
          for (SlotId s : g.slots) {
            sum.inputs.push_back(Explain(s, facility, 0, depth - 1));
            total += sum.inputs.back().value.number;
          }
          sum.value = Value::Number(total);
          e.inputs.push_back(std::move(sum));
          break;
        }
        case Binding::Kind::kZoneReduce: {
          const Family& g = cp_.families[static_cast<size_t>(b.family)];
          const Substitution* s = FindSubstitution(node.text, var);
          CompiledProgram::Explanation list;
          list.name = std::string(FunctionName(b.reduction)) + "(%{" + g.name + "_values})";
          list.label = list.name;
          list.period = e.period;
          (void)s;
          const size_t zone = row;
          for (size_t fac = 0; fac < r_.facility_count; ++fac) {
            if (static_cast<size_t>(r_.zone_of[fac]) != zone || r_.missing[fac] ||
                !r_.selected[static_cast<size_t>(node.package)][fac]) {
              continue;
            }
            CompiledProgram::Explanation item;
            item.name = r_.inputs->facilities[fac].code;
            item.label = r_.inputs->facilities[fac].name;
            item.period = e.period;
            item.value = Value::Number(
                r_.columns[static_cast<size_t>(g.slots[static_cast<size_t>(k)])][fac]);
            list.inputs.push_back(std::move(item));
          }
          std::vector<double> items;
          for (const auto& item : list.inputs) items.push_back(item.value.number);
          list.value = Value::Number(
              items.empty()                   ? 0
              : b.reduction == Function::kSum ? numeric::Sum(items.data(), items.size())
              : b.reduction == Function::kAvg ? numeric::Avg(items.data(), items.size())
              : b.reduction == Function::kMin ? numeric::Min(items.data(), items.size())
              : b.reduction == Function::kMax ? numeric::Max(items.data(), items.size())
                                              : numeric::Stdevp(items.data(), items.size()));
          e.inputs.push_back(std::move(list));
          break;
        }
      }
    }
    return e;
  }

 private:
  void SetOrigin(CompiledProgram::Explanation& e, Message origin) const {
    e.origin = core::Render(origin, language_);
    e.origin_text = std::move(origin);
  }

  std::pair<int, int> FamilyOf(SlotId slot) const {
    for (size_t i = 0; i < cp_.families.size(); ++i) {
      const auto& slots = cp_.families[i].slots;
      for (size_t k = 0; k < slots.size(); ++k) {
        if (slots[k] == slot) return {static_cast<int>(i), static_cast<int>(k)};
      }
    }
    return {0, 0};
  }

  size_t Row(Level level, size_t facility, size_t activity) const {
    switch (level) {
      case Level::kActivity:
        return activity * r_.facility_count + facility;
      case Level::kFacility:
        return facility;
      default:
        return static_cast<size_t>(r_.zone_of[facility]);
    }
  }

  const Program& program_;
  const CompiledPayment& cp_;
  const RunResult::Impl& r_;
  core::Language language_;
};

}  // namespace

CompiledProgram::Explanation CompiledProgram::Explain(int payment, const RunResult& result,
                                                      SlotId slot, int facility, int activity,
                                                      core::Language language,
                                                      int depth_limit) const {
  Explainer explainer(impl_->program, impl_->payments[static_cast<size_t>(payment)], *result.impl_,
                      language);
  return explainer.Explain(slot, static_cast<size_t>(facility), static_cast<size_t>(activity),
                           depth_limit);
}

CompiledProgram::Explanation CompiledProgram::Explain(int payment, const RunResult& result,
                                                      SlotId slot, int facility, int activity,
                                                      std::string_view language,
                                                      int depth_limit) const {
  return Explain(payment, result, slot, facility, activity, core::ParseLanguage(language),
                 depth_limit);
}

std::vector<std::pair<std::string, Value>> CompiledProgram::NamedValues(
    int payment, const RunResult& result) const {
  const CompiledPayment& cp = impl_->payments[static_cast<size_t>(payment)];
  RunOptions options;
  // The runner only reads the result here.
  Runner runner(impl_->program, cp, *result.impl_->inputs,
                const_cast<RunResult::Impl&>(*result.impl_), options);
  return runner.NamedValues();
}

// ---- RunResult ----

RunResult::RunResult() : impl_(std::make_unique<Impl>()) {}
RunResult::~RunResult() = default;
RunResult::RunResult(RunResult&&) noexcept = default;
RunResult& RunResult::operator=(RunResult&&) noexcept = default;

const Period& RunResult::period() const { return *impl_->period; }
size_t RunResult::facility_count() const { return impl_->facility_count; }
const std::vector<std::string>& RunResult::zones() const { return impl_->zones; }
int RunResult::zone_of(int facility) const { return impl_->zone_of[static_cast<size_t>(facility)]; }
bool RunResult::missing(int facility) const {
  return impl_->missing[static_cast<size_t>(facility)] != 0;
}
bool RunResult::selected(int package, int facility) const {
  const auto& s = impl_->selected[static_cast<size_t>(package)];
  return !s.empty() && s[static_cast<size_t>(facility)] != 0;
}
bool RunResult::applies(int package, int activity, int facility) const {
  const auto& a = impl_->applies[static_cast<size_t>(package)];
  return !a.empty() &&
         a[static_cast<size_t>(activity) * impl_->facility_count + static_cast<size_t>(facility)] !=
             0;
}
bool RunResult::present(int package, int instance, int input, int activity, int facility) const {
  const InputBlock* block =
      impl_->blocks[static_cast<size_t>(package) * 8 + static_cast<size_t>(instance)];
  if (block == nullptr || block->present.empty()) return false;
  const size_t A = impl_->program->packages[static_cast<size_t>(package)].activities.size();
  const size_t F = impl_->facility_count;
  return block->present[(static_cast<size_t>(input) * A + static_cast<size_t>(activity)) * F +
                        static_cast<size_t>(facility)] != 0;
}
double RunResult::Value(SlotId slot, int row, int activity) const {
  const double* column = impl_->columns[static_cast<size_t>(slot)];
  const CompiledProgram::SlotInfo& info = impl_->payment->slots[static_cast<size_t>(slot)];
  if (info.level == Level::kActivity) {
    return column[static_cast<size_t>(activity) * impl_->facility_count + static_cast<size_t>(row)];
  }
  return column[static_cast<size_t>(row)];
}
size_t RunResult::value_count() const {
  size_t n = 0;
  for (size_t rows : impl_->rows) n += rows;
  return n;
}
const Period& RunResult::InstancePeriod(int package, int instance) const {
  if (package < 0) return *impl_->period;
  return impl_->instance_periods[static_cast<size_t>(package)][static_cast<size_t>(instance)];
}

}  // namespace keneya::rules
