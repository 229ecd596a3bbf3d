// Equation sets without files: cycles, unknown names, repeats, constants.
#include <gtest/gtest.h>

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

TEST(EquationSetTest, ARepeatedConstantShowsItsValue) {
  const SolveResult r = SolveEquations({{"k", "", 1.5}, {"k", "", 2.0}});
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_EQ(r.errors[0].expression, "2");
}

}  // namespace
}  // namespace keneya::rules
