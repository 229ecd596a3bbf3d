// Explaining a value: the formula, its inputs and their values, as a tree.
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

}  // namespace keneya::rules
