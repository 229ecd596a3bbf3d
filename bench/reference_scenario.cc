#include "bench/reference_scenario.h"

#include <charconv>
#include <cmath>
#include <cstdio>
#include <string>
#include <unordered_map>

#include "core/random.h"

namespace keneya::bench {

using core::Result;

Result<rules::Program> ReferenceProgram(bool quarterly) {
  KENEYA_ASSIGN_OR_RETURN(rules::ProgramSource source,
                          rules::ProgramSourceFromFiles(EmbeddedReferenceProgram()));
  rules::ParsedProgram parsed = rules::ParseProgram(source);
  if (!parsed.ok()) {
    return core::Internal(
        core::Message("bench.reference_invalid",
                      {{"problem", parsed.problems.front().Describe(core::Language::kEnglish)}}));
  }
  if (quarterly) {
    for (rules::Package& p : parsed.program.packages) {
      if (p.code == "quality") p.frequency = rules::Frequency::kQuarterly;
    }
    for (rules::PaymentRule& r : parsed.program.payments)
      r.frequency = rules::Frequency::kQuarterly;
  }
  return std::move(parsed.program);
}

namespace {

// Facilities in groups of 25 a district and 10 districts a region.
rules::FacilityFacts MakeFacility(int index, std::string code, std::string equity) {
  rules::FacilityFacts f;
  f.code = std::move(code);
  f.uid = f.code;
  f.name = "Formation sanitaire " + f.code;
  f.type = "CSCOM";
  char district[16], region[16];
  std::snprintf(district, sizeof district, "D%04d", index / 25);
  std::snprintf(region, sizeof region, "R%03d", index / 250);
  f.district = district;
  f.region = region;
  f.equity = std::move(equity);
  return f;
}

std::string EquityCode(double bonus) {
  return "EQUITE_" + std::to_string(static_cast<int>(std::lround(bonus * 100)));
}

// The blocks of a run, all zero and absent.
void AllocateBlocks(const rules::CompiledProgram& program, int payment, const core::Period& period,
                    rules::RunInputs& inputs) {
  const size_t F = inputs.facilities.size();
  const std::vector<rules::BlockRequest> requests = program.BlocksNeeded(payment, period).value();
  for (const rules::BlockRequest& b : requests) {
    const rules::Package& p = program.program().packages[static_cast<size_t>(b.package)];
    rules::InputBlock& block = inputs.blocks[{b.package, b.period.Code()}];
    block.values.assign(p.inputs.size() * p.activities.size() * F, 0.0);
    block.present.assign(block.values.size(), 0);
  }
}

}  // namespace

Result<rules::RunInputs> ReferenceInputsFromEquations(const rules::CompiledProgram& program,
                                                      const std::vector<rules::Equation>& equations,
                                                      const core::Period& period) {
  const std::string suffix = "_and_" + period.ToString();
  const int quantity = program.PackageIndex("quantity");
  const int quality = program.PackageIndex("quality");
  if (quantity < 0 || quality < 0) {
    return core::InvalidArgument(core::Message("bench.no_quantity_quality"));
  }
  const int payment = program.PaymentIndex("pbf_payment");
  rules::RunInputs inputs(period);
  std::unordered_map<std::string, int> facility_index;
  struct Item {
    int package, input, activity, facility;
    double value;
  };
  std::vector<Item> items;
  auto number = [](const rules::Equation& e) -> std::optional<double> {
    if (e.constant) return *e.constant;
    double x = 0;
    auto [end, ec] =
        std::from_chars(e.expression.data(), e.expression.data() + e.expression.size(), x);
    if (ec != std::errc() || end != e.expression.data() + e.expression.size()) return std::nullopt;
    return x;
  };
  auto facility = [&](const std::string& code, const std::string& equity) {
    auto [it, added] = facility_index.emplace(code, static_cast<int>(inputs.facilities.size()));
    if (added) {
      inputs.facilities.push_back(
          MakeFacility(static_cast<int>(inputs.facilities.size()), code, equity));
    } else if (!equity.empty()) {
      inputs.facilities[static_cast<size_t>(it->second)].equity = equity;
    }
    return it->second;
  };
  for (const rules::Equation& e : equations) {
    const std::string& name = e.name;
    if (!name.ends_with(suffix)) continue;
    const size_t for_at = name.rfind("_for_");
    if (for_at == std::string::npos) continue;
    const std::string who = name.substr(for_at + 5, name.size() - suffix.size() - for_at - 5);
    if (who == "CTRY") continue;  // the country's row of the reference: all zeros, unused
    const std::string what = name.substr(0, for_at);
    if (what == "quality_equity_bonus") {
      auto x = number(e);
      if (!x)
        return core::InvalidArgument(
            core::Message("bench.not_a_number", {{"expression", e.expression}}), name);
      facility(who, EquityCode(*x));
      continue;
    }
    // {package}_{activity}_{input}
    for (int p : {quantity, quality}) {
      const rules::Package& package = program.program().packages[static_cast<size_t>(p)];
      if (!what.starts_with(package.code + "_")) continue;
      const std::string rest = what.substr(package.code.size() + 1);
      for (size_t a = 0; a < package.activities.size(); ++a) {
        const std::string& code = package.activities[a].code;
        if (!rest.starts_with(code + "_")) continue;
        const std::string input = rest.substr(code.size() + 1);
        for (size_t i = 0; i < package.inputs.size(); ++i) {
          if (package.inputs[i].name != input) continue;
          auto x = number(e);
          if (!x)
            return core::InvalidArgument(
                core::Message("bench.not_a_number", {{"expression", e.expression}}), name);
          items.push_back({p, static_cast<int>(i), static_cast<int>(a), facility(who, ""), *x});
        }
      }
    }
  }
  if (inputs.facilities.empty()) {
    return core::InvalidArgument(core::Message("bench.no_inputs", {{"period", period.ToString()}}));
  }
  AllocateBlocks(program, payment, period, inputs);
  const size_t F = inputs.facilities.size();
  for (const Item& item : items) {
    const rules::Package& package = program.program().packages[static_cast<size_t>(item.package)];
    rules::InputBlock& block = inputs.blocks[{item.package, period.Code()}];
    const size_t index = (static_cast<size_t>(item.input) * package.activities.size() +
                          static_cast<size_t>(item.activity)) *
                             F +
                         static_cast<size_t>(item.facility);
    block.values[index] = item.value;
    block.present[index] = 1;
  }
  return inputs;
}

rules::RunInputs GenerateReferenceInputs(const rules::CompiledProgram& program, int payment,
                                         int facilities, const core::Period& period,
                                         uint64_t seed) {
  rules::RunInputs inputs(period);
  core::Random rng(seed);
  const double equity[] = {0, 0.1, 0.25};
  inputs.facilities.reserve(static_cast<size_t>(facilities));
  for (int f = 0; f < facilities; ++f) {
    char code[16];
    std::snprintf(code, sizeof code, "F%06d", f + 1);
    inputs.facilities.push_back(MakeFacility(f, code, EquityCode(equity[rng.UniformInt(0, 2)])));
  }
  AllocateBlocks(program, payment, period, inputs);
  const size_t F = inputs.facilities.size();
  // The quality maxima, for the points' range.
  std::unordered_map<std::string, double> max_points;
  for (const rules::DecisionTable& t : program.program().tables) {
    if (t.code != "points_max") continue;
    for (const rules::DecisionRow& row : t.rows) max_points[row.inputs[0]] = row.outputs[0];
  }
  for (auto& [key, block] : inputs.blocks) {
    const rules::Package& package = program.program().packages[static_cast<size_t>(key.first)];
    // Only the periods paid: windows into the past stay empty.
    bool current = false;
    const std::vector<core::Period> paid =
        program.InstancePeriods(payment, key.first, period).value();
    for (const core::Period& p : paid) current = current || p.Code() == key.second;
    if (!current) continue;
    core::Random r =
        rng.Fork(static_cast<uint64_t>(key.first) * 1000003u + static_cast<uint64_t>(key.second));
    const size_t A = package.activities.size();
    if (package.code == "quantity") {
      for (size_t a = 0; a < A; ++a) {
        for (size_t f = 0; f < F; ++f) {
          const double declared = static_cast<double>(r.UniformInt(0, 200));
          const double cut = r.Bernoulli(0.15) ? r.Uniform(0.14, 0.34) : r.Uniform(0.0, 0.08);
          const double verified = declared - std::floor(declared * cut);
          block.values[(0 * A + a) * F + f] = declared;
          block.values[(1 * A + a) * F + f] = verified;
          block.present[(0 * A + a) * F + f] = 1;
          block.present[(1 * A + a) * F + f] = 1;
        }
      }
    } else {
      for (size_t a = 0; a < A; ++a) {
        const double max = max_points[package.activities[a].code];
        for (size_t f = 0; f < F; ++f) {
          block.values[a * F + f] = static_cast<double>(r.UniformInt(0, static_cast<int64_t>(max)));
          block.present[a * F + f] = 1;
        }
      }
    }
  }
  return inputs;
}

}  // namespace keneya::bench
