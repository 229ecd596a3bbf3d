// Compiling a program: names bound to slots, formulas to kernels, in dependency order.
#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdio>
#include <deque>
#include <set>
#include <thread>
#include <unordered_map>

#include "rules/dependency_order.h"
#include "rules/engine.h"
#include "rules/engine_internal.h"
#include "rules/formula_tree.h"
#include "rules/kernel.h"
#include "rules/numeric.h"

namespace keneya::rules {

using core::Message;
using core::Period;
using core::Result;

namespace {

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

}  // namespace

const Substitution* FindSubstitution(const Preprocessed& p, std::string_view identifier) {
  for (const Substitution& s : p.substitutions) {
    if (s.identifier == identifier) return &s;
  }
  return nullptr;
}

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
    const auto order =
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

}  // namespace keneya::rules
