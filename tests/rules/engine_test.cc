// The rules engine on the reference scenario: programs/reference/ run over the inputs of
// batch_month_100.json must give the reference solver's payments, and its own equations solved
// by the equation solver (`keneya solve`) must give the engine's values.
#include "rules/engine.h"

#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>

#include "bench/reference_scenario.h"
#include "io/equations_json.h"

namespace keneya::rules {
namespace {

std::string Read(const std::string& path) {
  std::ifstream in(std::string(KENEYA_RULES_TESTDATA) + "/" + path, std::ios::binary);
  EXPECT_TRUE(in) << path;
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

CompiledProgram CompileReference(bool quarterly) {
  auto program = bench::ReferenceProgram(quarterly);
  EXPECT_TRUE(program.ok()) << program.error().ToString();
  std::vector<ProgramProblem> problems;
  CompiledProgram compiled = CompiledProgram::Compile(*program, problems);
  for (const ProgramProblem& p : problems) ADD_FAILURE() << p.ToString();
  return compiled;
}

bool Close(double a, double b) {
  return a == b || std::fabs(a - b) <= 1e-9 * std::max(std::fabs(a), std::fabs(b));
}

TEST(EngineTest, ReproducesTheReferencePayments) {
  const CompiledProgram compiled = CompileReference(false);
  auto equations = io::ReadEquations(Read("hesabu/orbf-problems/batch_month_100.json"), "batch");
  ASSERT_TRUE(equations.ok());
  const core::Period month = core::Period::Parse("202401").value();
  auto inputs = bench::ReferenceInputsFromEquations(compiled, *equations, month);
  ASSERT_TRUE(inputs.ok()) << inputs.error().ToString();
  ASSERT_EQ(inputs->facilities.size(), 100u);
  const int payment = compiled.PaymentIndex("pbf_payment");
  auto run = compiled.Run(payment, *inputs, {});
  ASSERT_TRUE(run.ok()) << run.error().ToString();

  const auto expected =
      nlohmann::json::parse(Read("hesabu/orbf-problems/batch_month_100.expected.json"));
  int compared = 0;
  double total = 0;
  for (const char* name : {"quantity_payment", "quality_bonus", "total_payment"}) {
    const SlotId slot = compiled.FindPaymentFormula(payment, name);
    ASSERT_NE(slot, kNoSlot) << name;
    for (size_t f = 0; f < inputs->facilities.size(); ++f) {
      const std::string key =
          std::string("pbf_payment_") + name + "_for_" + inputs->facilities[f].code + "_and_202401";
      ASSERT_TRUE(expected.contains(key)) << key;
      const double want = expected[key].get<double>();
      const double got = run->Value(slot, static_cast<int>(f));
      EXPECT_TRUE(Close(got, want)) << key << ": " << got << " != " << want;
      ++compared;
      if (std::string(name) == "total_payment") total += got;
    }
  }
  EXPECT_EQ(compared, 300);
  EXPECT_NEAR(total, 499839482.8, 1e-3);
}

TEST(EngineTest, AgreesWithItsEquationsSolved) {
  for (bool quarterly : {false, true}) {
    SCOPED_TRACE(quarterly ? "quarter" : "month");
    const CompiledProgram compiled = CompileReference(quarterly);
    const int payment = compiled.PaymentIndex("pbf_payment");
    const core::Period period = core::Period::Parse(quarterly ? "2024Q1" : "202401").value();
    const RunInputs inputs = bench::GenerateReferenceInputs(compiled, payment, 60, period, 11);
    auto run = compiled.Run(payment, inputs, {});
    ASSERT_TRUE(run.ok()) << run.error().ToString();
    auto equations = compiled.Equations(payment, inputs);
    ASSERT_TRUE(equations.ok()) << equations.error().ToString();
    const SolveResult solved = SolveEquations(*equations);
    ASSERT_TRUE(solved.ok()) << solved.errors.front().source << ": "
                             << solved.errors.front().message;
    std::map<std::string, Value, std::less<>> by_name;
    for (size_t i = 0; i < solved.size(); ++i) by_name.emplace(solved.name(i), solved.value(i));
    const auto values = compiled.NamedValues(payment, *run);
    ASSERT_GT(values.size(), 60u * 30u);
    for (const auto& [name, value] : values) {
      auto it = by_name.find(name);
      ASSERT_NE(it, by_name.end()) << name;
      ASSERT_EQ(it->second.kind, value.kind) << name;
      if (value.kind == Value::Kind::kNumber) {
        EXPECT_EQ(it->second.number, value.number) << name;  // the same doubles, bit for bit
      } else {
        EXPECT_EQ(it->second.boolean, value.boolean) << name;
      }
    }
  }
}

TEST(EngineTest, SameResultsWhateverTheThreads) {
  const CompiledProgram compiled = CompileReference(true);
  const int payment = compiled.PaymentIndex("pbf_payment");
  const core::Period quarter = core::Period::Parse("2024Q1").value();
  const RunInputs inputs = bench::GenerateReferenceInputs(compiled, payment, 3000, quarter, 5);
  RunOptions one, two;
  one.threads = 1;
  two.threads = 2;
  auto a = compiled.Run(payment, inputs, one);
  auto b = compiled.Run(payment, inputs, two);
  ASSERT_TRUE(a.ok() && b.ok());
  for (SlotId s = 0; s < static_cast<SlotId>(compiled.slot_count(payment)); ++s) {
    const auto& info = compiled.slot(payment, s);
    const int activities =
        info.level == Level::kActivity
            ? static_cast<int>(
                  compiled.program().packages[static_cast<size_t>(info.package)].activities.size())
            : 1;
    const int rows = info.level == Level::kZone ? static_cast<int>(a->zones().size()) : 3000;
    for (int act = 0; act < activities; ++act) {
      for (int r = 0; r < rows; ++r) {
        ASSERT_EQ(a->Value(s, r, act), b->Value(s, r, act)) << info.name;
      }
    }
  }
}

}  // namespace
}  // namespace keneya::rules
