// Running a compiled program on a period's inputs: data in, formulas evaluated in order, errors
// collected; equations for hesabucli and named values.
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

// ---- Running ----

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

namespace {

// Evaluates one payment run. Also used to write equations and explanations: it knows, for
// each slot, its values and its rows.
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
