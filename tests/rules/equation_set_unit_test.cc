// Equation sets without files: cycles, unknown names, repeats, constants.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>
#include <string>
#include <vector>

#include "rules/equation_set.h"

namespace keneya::rules {
namespace {

TEST(EquationSetTest, ReportsEveryEquationOfACycleAndSkipsWhatDependsOnIt) {
  const SolveResult r = SolveEquations(
      {{"a", "b + 1", {}}, {"b", "c * 2", {}}, {"c", "a", {}}, {"d", "a + 1", {}}, {"e", "5", {}}});
  ASSERT_EQ(r.errors.size(), 3u);
  EXPECT_EQ(r.errors[0].source, "a");
  EXPECT_EQ(r.errors[0].message, "cycle between equations: a -> b -> c -> a");
  EXPECT_EQ(r.errors[2].source, "c");
  EXPECT_EQ(r.size(), 0u);
}

TEST(EquationSetTest, ReportsParseErrorsUnknownNamesAndRepeatsTogether) {
  const SolveResult r = SolveEquations(
      {{"a", "1 +", {}}, {"b", "x + y", {}}, {"c", "2", {}}, {"c", "3", {}}, {"k", "", 7.5}});
  ASSERT_EQ(r.errors.size(), 3u);
  EXPECT_EQ(r.errors[0].source, "a");
  EXPECT_EQ(r.errors[0].column, 4);
  EXPECT_EQ(r.errors[1].message, "No parameters 'x', 'y' found.");
  EXPECT_EQ(r.errors[2].message, "the name is given twice");
}

TEST(EquationSetTest, ConstantsAndBooleansComeOut) {
  const SolveResult r =
      SolveEquations({{"k", "", 7.5}, {"big", "k > 5", {}}, {"twice", "k * 2", {}}});
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r.size(), 3u);
  EXPECT_EQ(r.name(0), "big");
  EXPECT_TRUE(r.value(0).boolean);
  EXPECT_EQ(r.value(2).number, 15);
}

}  // namespace
}  // namespace keneya::rules

namespace keneya::rules {
namespace {

TEST(EquationSetTest, ReportsNonFiniteResultsAndSkipsTheirDependents) {
  const SolveResult r = SolveEquations({{"zero", "0", {}},
                                        {"inf", "1 / zero", {}},
                                        {"nan", "zero / zero", {}},
                                        {"bad", "if(1, 2, 3)", {}},
                                        {"after_inf", "inf + 1", {}},
                                        {"after_bad", "bad * 2", {}},
                                        {"alone", "missing_one + 1", {}}});
  ASSERT_EQ(r.errors.size(), 4u);
  EXPECT_EQ(r.errors[0].source, "alone");
  EXPECT_EQ(r.errors[0].message, "No parameter 'missing_one' found.");
  EXPECT_EQ(r.errors[1].source, "bad");
  EXPECT_EQ(r.errors[1].column, 4);
  EXPECT_EQ(r.errors[2].source, "inf");
  EXPECT_EQ(r.errors[2].message, "Divide by zero");
  EXPECT_EQ(r.errors[3].source, "nan");
  EXPECT_EQ(r.errors[3].message, "NaN");
}

TEST(EquationSetTest, OneShapeReadsBooleansHereAndNumbersThere) {
  // The same shape, if(_0, 1, 2), over a boolean, a number (refused: IF wants a boolean), then
  // a boolean again; arithmetic over a boolean (refused) and over numbers. Each refusal is the
  // formula's own message, at its column.
  const SolveResult r = SolveEquations({{"yes", "3 > 2", {}},
                                        {"no", "3 < 2", {}},
                                        {"n", "5", {}},
                                        {"a", "if(yes, 1, 2)", {}},
                                        {"b", "if(n, 1, 2)", {}},
                                        {"c", "if(no, 1, 2)", {}},
                                        {"d", "yes + n", {}},
                                        {"e", "n + n", {}},
                                        {"f", "if(c > 1, 1, 2)", {}}});
  ASSERT_EQ(r.errors.size(), 2u);
  const std::pair<const char*, std::vector<Value>> refused[] = {
      {"if(n, 1, 2)", {Value::Number(5)}}, {"yes + n", {Value::Boolean(true), Value::Number(5)}}};
  for (size_t i = 0; i < 2; ++i) {
    EXPECT_EQ(r.errors[i].source, i == 0 ? "b" : "d");
    auto formula = Formula::Parse(refused[i].first);
    ASSERT_TRUE(formula.ok());
    auto direct = formula->Evaluate(refused[i].second);
    ASSERT_FALSE(direct.ok());
    EXPECT_EQ(r.errors[i].message, direct.error().message);
    EXPECT_EQ(r.errors[i].column, ErrorColumn(direct.error()));
  }
  const SolveResult ok = SolveEquations({{"yes", "3 > 2", {}},
                                         {"no", "3 < 2", {}},
                                         {"n", "5", {}},
                                         {"a", "if(yes, 1, 2)", {}},
                                         {"c", "if(no, 1, 2)", {}},
                                         {"e", "n + n", {}},
                                         {"f", "if(c > 1, 1, 2)", {}}});
  ASSERT_TRUE(ok.ok()) << ok.errors[0].message;
  std::map<std::string, std::string, std::less<>> values;
  for (size_t i = 0; i < ok.size(); ++i) values.emplace(ok.name(i), ok.value(i).ToString());
  EXPECT_EQ(values.at("a"), "1");
  EXPECT_EQ(values.at("c"), "2");
  EXPECT_EQ(values.at("e"), "10");
  EXPECT_EQ(values.at("f"), "1");
  EXPECT_EQ(values.at("yes"), "true");
}

TEST(EquationSetTest, TextsAndListsAsInputsGoToTheFormula) {
  // Inputs that are not numbers or booleans: no kernel, the formula computes; its numbers and
  // booleans are kept like the kernels' ones.
  const SolveResult r = SolveEquations({{"s", "'abc'", {}},
                                        {"list", "array(1, 2, 3)", {}},
                                        {"same", "s == 'abc'", {}},
                                        {"which", "if(s == 'abc', 1, 2)", {}},
                                        {"total", "sum(list)", {}},
                                        {"after", "which + total", {}}});
  ASSERT_TRUE(r.ok()) << r.errors[0].source << ": " << r.errors[0].message;
  std::map<std::string, Value, std::less<>> values;
  for (size_t i = 0; i < r.size(); ++i) values.emplace(r.name(i), r.value(i));
  EXPECT_EQ(values.at("s").ToString(), "'abc'");
  EXPECT_EQ(values.at("list").ToString(), "(1, 2, 3)");
  EXPECT_EQ(values.at("same").kind, Value::Kind::kBoolean);
  EXPECT_TRUE(values.at("same").boolean);
  EXPECT_EQ(values.at("which").number, 1);
  EXPECT_EQ(values.at("total").number, 6);
  EXPECT_EQ(values.at("after").number, 7);
}

TEST(EquationSetTest, ACycleThroughAFailedEquationIsToldOnceOnIt) {
  const SolveResult r = SolveEquations({{"a", "b + missing", {}}, {"b", "a * 2", {}}});
  ASSERT_EQ(r.errors.size(), 2u);
  EXPECT_EQ(r.errors[0].source, "a");
  EXPECT_EQ(r.errors[0].message, "No parameter 'missing' found.");
  EXPECT_EQ(r.errors[1].source, "b");
  EXPECT_NE(r.errors[1].message.find("a -> b"), std::string::npos) << r.errors[1].message;
}

TEST(EquationSetTest, AResultBuiltValueByValueHoldsEachKind) {
  SolveResult r;
  r.Add("a_number", Value::Number(2.5));
  r.Add("b_boolean", Value::Boolean(true));
  r.Add("c_text", Value::String("x"));
  r.Add("d_list", Value::Array({1, 2}));
  ASSERT_EQ(r.size(), 4u);
  EXPECT_EQ(r.name(0), "a_number");
  EXPECT_EQ(r.number(0), 2.5);
  EXPECT_EQ(r.kind(1), Value::Kind::kBoolean);
  EXPECT_EQ(r.number(1), 1.0);
  EXPECT_TRUE(r.value(1).boolean);
  EXPECT_EQ(r.value(2).text, "x");
  EXPECT_EQ(r.value(3).array, (std::vector<double>{1, 2}));
  EXPECT_EQ(r.name(3), "d_list");
}

TEST(EquationSetTest, ARepeatedConstantShowsItsValue) {
  const SolveResult r = SolveEquations({{"k", "", 1.5}, {"k", "", 2.0}});
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_EQ(r.errors[0].expression, "2");
}

}  // namespace
}  // namespace keneya::rules

namespace keneya::rules {
namespace {

// `keneya solve` parses one formula per shape (names replaced by _0, _1...): every formula must
// give what it gives parsed as written.
TEST(EquationSetTest, ShapesGiveWhatTheFormulasWrittenGive) {
  const std::vector<std::string> formulas = {
      "2e3 * x + 1.5E-2 + .5 * y",
      "x1e3 + 1",
      "x * x + x - y",
      "sum (x, y, 3)",
      "x > 1 AND NOT flag",
      "TRUE",
      "false or flag",
      "-x + (y)",
      "Nots + an",
      "x ^ 2 ** 1",
      "'a' == 'a'",
      "if(x > y, x, y) % 3",
      "EVAL_ARRAY('a', (x, 2), 'b', (3, y), 'a * b')",
      "array(x, 1, y)",
      "min(x, y) > 3 ? 1 : 2",
      "score_table(x, 0, 5, 1, 5, 100, 2)",
      "1e5x",
  };
  std::vector<Equation> set = {{"x", "4", {}},     {"y", "", 7.0},    {"flag", "x < 3", {}},
                               {"x1e3", "10", {}}, {"Nots", "1", {}}, {"an", "2", {}}};
  for (size_t i = 0; i < formulas.size(); ++i)
    set.push_back({"f" + std::to_string(i), formulas[i], {}});
  const SolveResult r = SolveEquations(set);
  // "1e5x" is a number followed by a name: a parse error, told at the column of the original.
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_EQ(r.errors[0].source, "f" + std::to_string(formulas.size() - 1));
  EXPECT_EQ(r.errors[0].message, "unexpected 'x'");
  EXPECT_EQ(r.errors[0].column, 4);
  set.pop_back();
  const SolveResult ok = SolveEquations(set);
  ASSERT_TRUE(ok.ok()) << ok.errors[0].source << ": " << ok.errors[0].message;
  std::map<std::string, Value, std::less<>> values;
  for (size_t i = 0; i < ok.size(); ++i) values.emplace(ok.name(i), ok.value(i));
  const std::vector<std::string> names = {"x", "y", "flag", "x1e3", "Nots", "an"};
  for (size_t i = 0; i + 1 < formulas.size(); ++i) {
    SCOPED_TRACE(formulas[i]);
    auto parsed = Formula::Parse(formulas[i]);
    ASSERT_TRUE(parsed.ok());
    std::vector<Value> inputs;
    for (const std::string& v : parsed->variables()) inputs.push_back(values.at(v));
    auto direct = parsed->Evaluate(inputs);
    ASSERT_TRUE(direct.ok()) << direct.error().message;
    const Value& solved = values.at("f" + std::to_string(i));
    ASSERT_EQ(solved.kind, direct->kind);
    EXPECT_EQ(solved.ToString(), direct->ToString());
  }
  EXPECT_EQ(values.at("f13").ToString(), "(4, 1, 7)");
  EXPECT_EQ(values.at("f12").ToString(), "(12, 14)");
}

TEST(EquationSetTest, NumbersWrittenAsTextAreConstants) {
  const SolveResult r = SolveEquations({{"a", "-5", {}},
                                        {"b", " 12 ", {}},
                                        {"c", "1e-7", {}},
                                        {"d", "-0", {}},
                                        {"e", "1e", {}},
                                        {"f", "--5", {}},
                                        {"g", "-", {}}});
  ASSERT_EQ(r.errors.size(), 2u);  // "1e" and "-" do not parse; "--5" is -(-5)
  EXPECT_EQ(r.errors[0].source, "e");
  EXPECT_EQ(r.errors[1].source, "g");
  const SolveResult ok = SolveEquations(
      {{"a", "-5", {}}, {"b", " 12 ", {}}, {"c", "1e-7", {}}, {"d", "-0", {}}, {"f", "--5", {}}});
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ(ok.value(0).number, -5);
  EXPECT_EQ(ok.value(1).number, 12);
  EXPECT_EQ(ok.value(2).number, 1e-7);
  EXPECT_TRUE(std::signbit(ok.value(3).number));
  EXPECT_EQ(ok.value(4).number, 5);
}

TEST(EquationSetTest, EvaluationErrorsCarryTheColumnOfTheFormulaAsWritten) {
  const SolveResult r = SolveEquations({{"a_long_name", "3", {}},
                                        {"b", "if(a_long_name, 1, 2)", {}},
                                        {"c", "a_long_name + (a_long_name > 1)", {}},
                                        {"d", "access(a_long_name, 1, a_long_name)", {}}});
  ASSERT_EQ(r.errors.size(), 3u);
  EXPECT_EQ(r.errors[0].column, 4);
  EXPECT_EQ(r.errors[1].column, 28);  // the comparison's operator
  EXPECT_EQ(r.errors[1].message, "expected a number in arithmetic, but true is a boolean");
  EXPECT_EQ(r.errors[2].message, "ACCESS index 3 is outside 0..1");
  EXPECT_EQ(r.errors[2].column, 1);
}

// Large sets go through two threads, in blocks; names come out sorted whatever the file order.
TEST(EquationSetTest, LargeSetsInAnyOrderAreSolvedAndSorted) {
  for (int order = 0; order < 3; ++order) {
    SCOPED_TRACE(order);
    const int n = 30000;
    std::vector<Equation> set;
    for (int i = 0; i < n; ++i) {
      char name[16];
      std::snprintf(name, sizeof name, "v%06d", i);
      char previous[16];
      std::snprintf(previous, sizeof previous, "v%06d", i - 1);
      set.push_back({name, i == 0 ? std::string("1") : std::string(previous) + " + 1", {}});
    }
    if (order == 1) std::reverse(set.begin(), set.end());  // one run per equation: a full sort
    if (order == 2) {
      // Three sorted runs of different lengths: merged.
      std::rotate(set.begin(), set.begin() + 12345, set.end());
      std::rotate(set.begin(), set.begin() + 777, set.begin() + 20000);
    }
    const SolveResult r = SolveEquations(set);
    ASSERT_TRUE(r.ok()) << r.errors[0].message;
    ASSERT_EQ(r.size(), static_cast<size_t>(n));
    for (int i = 0; i < n; ++i) {
      char name[16];
      std::snprintf(name, sizeof name, "v%06d", i);
      ASSERT_EQ(r.name(static_cast<size_t>(i)), name);
      ASSERT_EQ(r.value(static_cast<size_t>(i)).number, i + 1);
    }
  }
}

TEST(EquationSetTest, ProblemsInBothHalvesOfALargeSetAreAllReported) {
  std::vector<Equation> set;
  for (int i = 0; i < 20000; ++i) set.push_back({"k" + std::to_string(i), std::to_string(i), {}});
  set.push_back({"early", "missing_early + 1", {}});
  for (int i = 0; i < 20000; ++i)
    set.push_back({"m" + std::to_string(i), "k" + std::to_string(i) + " * 2", {}});
  set.push_back({"late", "(1 +", {}});
  set.push_back({"also_late", "missing_late", {}});
  const SolveResult r = SolveEquations(set);
  ASSERT_EQ(r.errors.size(), 3u);
  EXPECT_EQ(r.errors[0].source, "also_late");
  EXPECT_EQ(r.errors[1].source, "early");
  EXPECT_EQ(r.errors[2].source, "late");
}

TEST(EquationSetTest, NamesComeOutInByteOrderWhateverTheFilesOrder) {
  // Names sharing 16, 32 and 40 bytes, names that begin others, bytes above 0x7F, a zero byte,
  // a long name: sorted sixteen bytes at a time, they must come out as a plain sort gives them.
  std::vector<std::string> names;
  for (int f = 0; f < 300; ++f) {
    char facility[8];
    std::snprintf(facility, sizeof facility, "F%06d", (f * 7919) % 1000);
    for (const char* what : {"quantity_q20_verified_for_", "quantity_q20_verified_fo",
                             "quantity_q20_declared_for_", "quality_k02_max_points_for_"}) {
      names.push_back(std::string(what) + facility + "_and_202401");
    }
  }
  for (const std::string& extra :
       {std::string("x"), std::string("x_"), std::string("x_y"), std::string("quantity_q20_"),
        std::string("quantity_q20_verified_for_"), std::string("quantity_q20_verified_for_F"),
        std::string("\xC3\xA9t\xC3\xA9"), std::string("\xC3\xA9"), std::string("ab\0", 3),
        std::string("ab"), std::string("ab\0c", 4), std::string(200, 'z'),
        std::string(200, 'z') + "a", std::string(199, 'z')}) {
    names.push_back(extra);
  }
  // Unique names in a shuffled order, each a constant: its position in that order.
  std::sort(names.begin(), names.end());
  names.erase(std::unique(names.begin(), names.end()), names.end());
  std::vector<std::string> given = names;
  uint64_t state = 42;
  for (size_t i = given.size(); i > 1; --i) {
    state = state * 6364136223846793005ULL + 1442695040888963407ULL;
    std::swap(given[i - 1], given[(state >> 33) % i]);
  }
  std::vector<Equation> equations;
  for (size_t i = 0; i < given.size(); ++i) {
    equations.push_back({given[i], "", static_cast<double>(i)});
  }
  const SolveResult r = SolveEquations(equations);
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r.size(), names.size());
  for (size_t i = 0; i < names.size(); ++i) {
    ASSERT_EQ(r.name(i), names[i]) << "at " << i;
    const size_t position =
        static_cast<size_t>(std::find(given.begin(), given.end(), names[i]) - given.begin());
    ASSERT_EQ(r.value(i).number, static_cast<double>(position));
  }
}

}  // namespace
}  // namespace keneya::rules
