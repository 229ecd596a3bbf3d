// The formula language, case by case: every operator and function against each edge class, and
// every error message.
#include "rules/formula.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

namespace keneya::rules {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr double kInf = std::numeric_limits<double>::infinity();

// Evaluates `text` with x = 4, y = 0, t = true, missing = 0 (a null input counts as 0),
// list = (1, 2, 3).
Value Eval(const std::string& text) {
  auto f = Formula::Parse(text);
  EXPECT_TRUE(f.ok()) << text << ": " << f.error().ToString();
  if (!f.ok()) return Value::String("parse error");
  std::vector<Value> inputs;
  for (const std::string& name : f->variables()) {
    if (name == "x") inputs.push_back(Value::Number(4));
    if (name == "y") inputs.push_back(Value::Number(0));
    if (name == "t") inputs.push_back(Value::Boolean(true));
    if (name == "missing") inputs.push_back(Value::Number(0));
    if (name == "list") inputs.push_back(Value::Array({1, 2, 3}));
  }
  auto v = f->Evaluate(inputs);
  EXPECT_TRUE(v.ok()) << text << ": " << v.error().ToString();
  return v.ok() ? *v : Value::String("evaluation error");
}

struct NumberCase {
  const char* formula;
  double expected;
};

TEST(FormulaTest, ComputesNumbers) {
  const NumberCase cases[] = {
      // literals and arithmetic
      {"12", 12},
      {".35", 0.35},
      {"1.5e3", 1500},
      {"2 + 3 * 4", 14},
      {"(2 + 3) * 4", 20},
      {"10 - 4 - 3", 3},
      {"100 / 10 / 5", 2},
      {"7 % 3", 1},
      {"-7 % 3", -1},
      {"2 ** 10", 1024},
      {"2 ^ 3", 8},
      {"2 ** 3 ** 2", 512},
      {"-2 ** 2", -4},
      {"-x", -4},
      {"+x", 4},
      {"--x", 4},
      {"x * missing", 0},
      // SUM, AVG, MIN, MAX over numbers, arrays and mixes
      {"SUM(1, 2, 3)", 6},
      {"sum(ARRAY(1, 2, 3))", 6},
      {"Sum(list, 4)", 10},
      {"SUM()", 0},
      {"SUM(ARRAY())", 0},
      {"AVG(1, 2, 3, 4)", 2.5},
      {"avg(list)", 2},
      {"MIN(3, 1, 2)", 1},
      {"min(list, -1)", -1},
      {"MAX(3, 1, 2)", 3},
      {"Max(list, (7, 8))", 8},
      {"STDEVP(2, 4, 4, 4, 5, 5, 7, 9)", 2},
      {"stdevp(5)", 0},
      // ABS, ROUND (half away from zero, digits), TRUNC, FLOOR, CEILING
      {"ABS(-5.5)", 5.5},
      {"abs(0)", 0},
      {"ROUND(2.5)", 3},
      {"ROUND(-2.5)", -3},
      {"ROUND(0.5)", 1},
      {"ROUND(-0.4)", -0},
      {"ROUND(1.005 * 1000)", 1005},
      {"ROUND(100 / 3, 4)", 33.3333},
      {"ROUND(-1.25, 1)", -1.3},
      {"ROUND(1234, -2)", 1200},
      {"TRUNC(2.7)", 2},
      {"TRUNC(-2.7)", -2},
      {"TRUNC(3.14159, 2)", 3.14},
      {"FLOOR(2.7)", 2},
      {"FLOOR(-2.2)", -3},
      {"FLOOR(17, 5)", 15},
      {"CEILING(2.2)", 3},
      {"CEILING(-2.7)", -2},
      {"CEILING(17, 5)", 20},
      {"SQRT(16)", 4},
      // SAFE_DIV, guarded and not
      {"SAFE_DIV(1, 4)", 0.25},
      {"SAFE_DIV(1, 0)", 0},
      {"SAFE_DIV(0, 0)", 0},
      {"safe_div(x, y)", 0},
      // SCORE_TABLE bounds: low <= v < high, a default, none
      {"SCORE_TABLE(0, 0, 2, 30, 2, 4, 50, 4, 6, 70)", 30},
      {"SCORE_TABLE(2, 0, 2, 30, 2, 4, 50, 4, 6, 70)", 50},
      {"SCORE_TABLE(5.99, 0, 2, 30, 2, 4, 50, 4, 6, 70)", 70},
      {"SCORE_TABLE(6, 0, 2, 30, 2, 4, 50, 4, 6, 70)", 6},
      {"SCORE_TABLE(-1, 0, 2, 30, 2, 4, 50, 4, 6, 70)", -1},
      {"SCORE_TABLE(9, 0, 2, 30, 100)", 100},
      {"SCORE_TABLE(1, 0, 2, 30, 100)", 30},
      {"SCORE_TABLE(7)", 7},
      // ACCESS (0-based, index last)
      {"ACCESS(1, 2, 3, 4, 0)", 1},
      {"access(1, 2, 3, 4, 3)", 4},
      {"ACCESS(list, 2)", 3},
      // IF and ?:
      {"IF(x > 3, 1, 2)", 1},
      {"if(x < 3, 1, 2)", 2},
      {"IF(t, x, 0)", 4},
      {"IF(y == 0, 0, x / y)", 0},  // the other branch is infinite, not an error
      {"x > 3 ? 10 : 20", 10},
      {"y > 3 ? 10 : x > 3 ? 30 : 40", 30},
      // EVAL_ARRAY
      {"SUM(EVAL_ARRAY('a', list, 'b', (10, 20, 30), 'a * b'))", 140},
      {"SUM(eval_array('a', x, 'b', 5, 'a + b'))", 9},
      {"SUM(EVAL_ARRAY('n', (0, 1, 0, 1), 'm', (1, 1, 0, 0), 'if(n + m == 2, 1, 0)'))", 1},
      {"SUM(EVAL_ARRAY('a', ARRAY(), 'b', ARRAY(), 'a + b'))", 0},
  };
  for (const NumberCase& c : cases) {
    const Value v = Eval(c.formula);
    ASSERT_EQ(v.kind, Value::Kind::kNumber) << c.formula << " gave " << v.ToString();
    EXPECT_DOUBLE_EQ(v.number, c.expected) << c.formula;
  }
}

TEST(FormulaTest, DivisionByZeroGivesInfinityAndZeroByZeroNaN) {
  EXPECT_EQ(Eval("x / y").number, kInf);
  EXPECT_EQ(Eval("-x / y").number, -kInf);
  EXPECT_TRUE(std::isnan(Eval("y / y").number));
  EXPECT_TRUE(std::isnan(Eval("AVG(ARRAY())").number));
  EXPECT_EQ(NonFiniteMessage(kInf), "Divide by zero");
  EXPECT_EQ(NonFiniteMessage(kNaN), "NaN");
}

struct BooleanCase {
  const char* formula;
  bool expected;
};

TEST(FormulaTest, ComparesAndCombinesBooleans) {
  const BooleanCase cases[] = {
      {"1 < 2", true},        {"2 <= 1.5", false},       {"2 <= 2", true},
      {"2 >= 2", true},       {"1 > 2", false},          {"1 == 1", true},
      {"1 = 2", false},       {"1 != 2", true},          {"1 <> 1", false},
      {"'aa' == 'aa'", true}, {"'aa' == 'bb'", false},   {"t == true", true},
      {"t AND x > 3", true},  {"t and false", false},    {"t && false", false},
      {"false OR t", true},   {"false or false", false}, {"false || t", true},
      {"NOT t", false},       {"!false", true},          {"x > 3 && y == 0 || false", true},
      {"true", true},         {"FALSE", false},          {"list == (1, 2, 3)", true},
  };
  for (const BooleanCase& c : cases) {
    const Value v = Eval(c.formula);
    ASSERT_EQ(v.kind, Value::Kind::kBoolean) << c.formula << " gave " << v.ToString();
    EXPECT_EQ(v.boolean, c.expected) << c.formula;
  }
}

TEST(FormulaTest, ListsItsVariablesOnceInOrder) {
  auto f = Formula::Parse("a + b * a - SUM(c, b)");
  ASSERT_TRUE(f.ok());
  EXPECT_EQ(f->variables(), (std::vector<std::string>{"a", "b", "c"}));
  EXPECT_EQ(f->functions(), std::vector<Function>{Function::kSum});
  EXPECT_EQ(f->text(), "a + b * a - SUM(c, b)");
  Formula copy = *f;
  EXPECT_EQ(copy.variables().size(), 3u);
}

struct ErrorCase {
  const char* formula;
  const char* message;  // a part of the message
  int column;
};

TEST(FormulaTest, ReportsParseErrorsWithTheirColumn) {
  const ErrorCase cases[] = {
      {"", "the formula is empty", 1},
      {"nonclosing(45", "Unbalanced parenthesis", 11},
      {"(1 + 2", "Unbalanced parenthesis", 1},
      {"1 + 2)", "Unbalanced parenthesis", 6},
      {"unsupported_function(15)", "Undefined function unsupported_function", 1},
      {"1 +", "the formula ends too early", 4},
      {"1 2", "unexpected '2'", 3},
      {"a ? 1", "expected ':'", 6},
      {"'open", "a text is not closed", 1},
      {"1 # 2", "unexpected character '#'", 3},
      {"1 + \xC3\xA9tat", "unexpected character '\xC3\xA9'", 5},  // a character, not a byte
      {"1 + \xF0\x9F\x98\x80", "unexpected character '\xF0\x9F\x98\x80'", 5},
      {"2 * 1e400", "the number 1e400 is too large", 5},
      {"a & b", "unexpected character '&'", 3},
      {"()", "empty parentheses", 1},
      {"SUM(1 2)", "expected ',' or ')'", 7},
      {"IF(1, 2)", "IF takes 3 arguments, not 2", 1},
      {"SAFE_DIV(1)", "SAFE_DIV takes 2 arguments, not 1", 1},
      {"ROUND(1, 2, 3)", "ROUND takes 1 or 2 arguments, not 3", 1},
      {"ABS()", "ABS takes 1 argument, not 0", 1},
      {"ACCESS(1)", "ACCESS takes at least 2 arguments, not 1", 1},
      {"EVAL_ARRAY(a, 1, 'b', 2, 'a')", "argument 1 must be a text in quotes", 12},
      {"EVAL_ARRAY('a', 1, 'b', 2, 'a +')", "in EVAL_ARRAY's formula 'a +'", 28},
  };
  for (const ErrorCase& c : cases) {
    auto f = Formula::Parse(c.formula);
    ASSERT_FALSE(f.ok()) << c.formula;
    EXPECT_NE(f.error().message.find(c.message), std::string::npos)
        << c.formula << ": " << f.error().message;
    EXPECT_EQ(f.error().where, "column " + std::to_string(c.column)) << c.formula;
  }
}

TEST(FormulaTest, RefusesDeepNestingInsteadOfCrashing) {
  std::string deep(100000, '(');
  auto f = Formula::Parse(deep + "1");
  ASSERT_FALSE(f.ok());
  EXPECT_NE(f.error().message.find("nested too deeply"), std::string::npos);
  auto minus = Formula::Parse(std::string(100000, '-') + "1");
  ASSERT_FALSE(minus.ok());
  // A long chain deepens the tree one level a term, without nesting: found by the fuzzer (the
  // evaluation overflowed the stack). 200 terms are taken, 100,000 refused.
  std::string sum = "1";
  for (int i = 1; i < 200; ++i) sum += " + 1";
  auto two_hundred = Formula::Parse(sum);
  ASSERT_TRUE(two_hundred.ok()) << two_hundred.error().ToString();
  EXPECT_EQ(two_hundred->Evaluate({})->number, 200);
  std::string long_sum = "1";
  for (int i = 1; i < 100000; ++i) long_sum += i % 2 ? "+1" : " and true";
  auto chain = Formula::Parse(long_sum);
  ASSERT_FALSE(chain.ok());
  EXPECT_NE(chain.error().message.find("nested too deeply"), std::string::npos);
}

TEST(FormulaTest, ReportsEvaluationErrorsWithTheirColumn) {
  struct Case {
    const char* formula;
    const char* message;
    int column;
  };
  const Case cases[] = {
      {"if(1, 2, 3)", "Error for IF-function, Expected '1' to be a boolean expression.", 4},
      {"if(t, 1, if(2, 3, 4))", "Error for IF-function, Expected '2'", 13},  // branch not taken
      {"x ? 1 : 2", "expected a boolean for ?:", 1},
      {"x AND t", "expected a boolean for AND", 1},
      {"t OR 1", "expected a boolean for OR", 6},
      {"NOT x", "expected a boolean for NOT", 5},
      {"t + 1", "expected a number in arithmetic", 1},
      {"-t", "expected a number in -", 2},
      {"'a' < 1", "expected a number in a comparison", 1},
      {"t == 1", "cannot compare a boolean with a number", 3},
      {"SUM(1, t)", "SUM expects numbers, but argument 2 is a boolean", 8},
      {"ARRAY('a')", "ARRAY expects numbers", 7},
      {"(1, t)", "a list expects numbers", 5},
      {"ACCESS(1, 2, 3, 5)", "ACCESS index 5 is outside 0..2", 1},
      {"ACCESS(1, 2, -1)", "ACCESS index -1 is outside", 1},
      {"ACCESS(1, 2, 0.5)", "ACCESS index 0.5 is outside", 1},
      {"MIN(ARRAY())", "MIN needs at least 1 value", 1},
      {"MAX(ARRAY())", "MAX needs at least 1 value", 1},
      {"STDEVP(ARRAY())", "STDEVP needs at least 1 value", 1},
      {"ABS(ARRAY())", "ABS needs at least 1 value", 1},
      {"ROUND(ARRAY())", "ROUND needs at least 1 value", 1},
      {"TRUNC(ARRAY())", "TRUNC needs at least 1 value", 1},
      {"FLOOR(ARRAY())", "FLOOR needs at least 1 value", 1},
      {"CEILING(ARRAY())", "CEILING needs at least 1 value", 1},
      {"SAFE_DIV(ARRAY(), 1)", "SAFE_DIV needs at least 2 values", 1},
      {"SCORE_TABLE(ARRAY())", "SCORE_TABLE needs at least 1 value", 1},
      {"ACCESS(ARRAY(), 0)", "ACCESS needs at least 2 values", 1},
      {"SQRT(-4)", "SQRT of a negative number (-4)", 1},
      {"SQRT(ARRAY())", "SQRT needs at least 1 value", 1},
      {"SUM(EVAL_ARRAY('a', x, 'b', (1, 2), 'a + b'))",
       "Error for evalArray-function, Expected 'a' and 'b' to have same size of values (1 and 2)",
       5},
      {"SUM(EVAL_ARRAY('a', t, 'b', 1, 'a'))", "EVAL_ARRAY expects numbers for 'a'", 21},
      {"SUM(EVAL_ARRAY('a', 1, 'b', 1, 'a + c'))", "it only knows 'a' and 'b'", 5},
      {"SUM(EVAL_ARRAY('a', 1, 'b', 0, 'if(a, 1, 2)'))", "in EVAL_ARRAY's formula", 5},
      {"SUM(EVAL_ARRAY('a', 1, 'b', 0, '\"s\"'))", "must give numbers", 5},
  };
  for (const Case& c : cases) {
    auto f = Formula::Parse(c.formula);
    ASSERT_TRUE(f.ok()) << c.formula << ": " << f.error().ToString();
    std::vector<Value> inputs;
    for (const std::string& name : f->variables()) {
      inputs.push_back(name == "t" ? Value::Boolean(true) : Value::Number(4));
    }
    auto v = f->Evaluate(inputs);
    ASSERT_FALSE(v.ok()) << c.formula << " gave " << v->ToString();
    EXPECT_NE(v.error().message.find(c.message), std::string::npos)
        << c.formula << ": " << v.error().message;
    EXPECT_EQ(v.error().where, "column " + std::to_string(c.column)) << c.formula;
  }
}

TEST(FormulaTest, MissingInputsAreReportedNotRead) {
  auto f = Formula::Parse("a + b");
  ASSERT_TRUE(f.ok());
  std::vector<Value> one = {Value::Number(1)};
  auto v = f->Evaluate(one);
  ASSERT_FALSE(v.ok());
  EXPECT_EQ(v.error().message, "No parameter 'b' found.");
}

TEST(FormulaTest, PrintsValues) {
  EXPECT_EQ(Value::Number(2.5).ToString(), "2.5");
  EXPECT_EQ(Value::Boolean(false).ToString(), "false");
  EXPECT_EQ(Value::String("x").ToString(), "'x'");
  EXPECT_EQ(Value::Array({1, 2}).ToString(), "(1, 2)");
  EXPECT_EQ(Value::Array({}).ToString(), "()");
}

}  // namespace
}  // namespace keneya::rules

namespace keneya::rules {
namespace {

TEST(FormulaTest, ReadsEveryNumberAndTextSpelling) {
  const NumberCase cases[] = {
      {"1e5", 1e5},
      {"1E+2", 100},
      {"25e-1", 2.5},
      {"1.", 1},
      {"0.5", 0.5},
      {"IF(\"a\" == 'a', 1, 2)", 1},
      {"IF(\"a\" != \"b\", 1, 2)", 1},
  };
  for (const NumberCase& c : cases) {
    const Value v = Eval(c.formula);
    ASSERT_EQ(v.kind, Value::Kind::kNumber) << c.formula;
    EXPECT_DOUBLE_EQ(v.number, c.expected) << c.formula;
  }
  // "2e" is the number 2 followed by a name e: not a number with an empty exponent.
  auto f = Formula::Parse("2e");
  ASSERT_FALSE(f.ok());
  EXPECT_NE(f.error().message.find("unexpected 'e'"), std::string::npos) << f.error().message;
}

TEST(FormulaTest, ReportsProblemsInsideEveryKindOfNode) {
  // Parse errors met deep inside each construct reach the top with their column.
  const ErrorCase parse_cases[] = {
      {"t ? (1 +) : 2", "a value is missing before ')'", 9},
      {"t ? 1 : (2 +)", "a value is missing before ')'", 13},
      {"2 ** (1 +)", "a value is missing before ')'", 10},
      {"-(1 +", "the formula ends too early", 6},
      {"1 + (2 *", "the formula ends too early", 9},
      {"SUM(1, (2 +))", "a value is missing before ')'", 12},
      {"(1, 2 +)", "a value is missing before ')'", 8},
      {"1 =", "the formula ends too early", 4},
      {"1 <", "the formula ends too early", 4},
      {"1 |", "unexpected character '|'", 3},
      {"1 *", "the formula ends too early", 4},
      {"EVAL_ARRAY('a')", "EVAL_ARRAY takes 5 arguments, not 1", 1},
      {"1 :", "unexpected ':'", 3},
  };
  for (const ErrorCase& c : parse_cases) {
    auto f = Formula::Parse(c.formula);
    ASSERT_FALSE(f.ok()) << c.formula;
    EXPECT_NE(f.error().message.find(c.message), std::string::npos)
        << c.formula << ": " << f.error().message;
    EXPECT_EQ(f.error().where, "column " + std::to_string(c.column)) << c.formula;
  }
  // Evaluation errors met in each operand position are reported, not swallowed.
  for (const char* formula : {"(1 + t) == 2",
                              "2 == (1 + t)",
                              "(1 + t) < 2",
                              "2 < (1 + t)",
                              "(1 + t) + 1",
                              "1 + (1 + t)",
                              "(1 + t) AND t",
                              "t AND (1 + t)",
                              "IF((1 + t), 1, 2)",
                              "IF(t, (1 + t), 2)",
                              "IF(t, 1, (1 + t))",
                              "-(1 + t)",
                              "NOT (1 + t)",
                              "(1 + t) ? 1 : 2",
                              "t ? (1 + t) : 2",
                              "ABS(1 + t)",
                              "(1, 1 + t)",
                              "ARRAY(1 + t)",
                              "SUM(EVAL_ARRAY('a', (1 + t), 'b', 1, 'a'))",
                              "SUM(EVAL_ARRAY('a', 1, 'b', (1 + t), 'a'))",
                              "SUM(EVAL_ARRAY('a', 1, 'b', 'text', 'a'))"}) {
    auto f = Formula::Parse(formula);
    ASSERT_TRUE(f.ok()) << formula << ": " << f.error().ToString();
    std::vector<Value> inputs = {Value::Boolean(true)};
    auto v = f->Evaluate(inputs);
    EXPECT_FALSE(v.ok()) << formula << " gave " << v->ToString();
  }
}

TEST(FormulaTest, ComparesEveryKindOfValue) {
  const BooleanCase cases[] = {
      {"t != false", true},
      {"(1, 2) != (1, 3)", true},
      {"'a' != 'a'", false},
      {"SUM(EVAL_ARRAY('a', (1, 5), 'b', (2, 2), 'a > b')) == 1", true},
  };
  for (const BooleanCase& c : cases) {
    const Value v = Eval(c.formula);
    ASSERT_EQ(v.kind, Value::Kind::kBoolean) << c.formula;
    EXPECT_EQ(v.boolean, c.expected) << c.formula;
  }
}

TEST(FormulaTest, CopiesAndMoves) {
  auto a = Formula::Parse("x + 1");
  auto b = Formula::Parse("y * 2");
  ASSERT_TRUE(a.ok() && b.ok());
  Formula copy = *a;
  copy = *b;  // copy assignment
  EXPECT_EQ(copy.text(), "y * 2");
  copy = copy;  // self-assignment keeps it
  EXPECT_EQ(copy.text(), "y * 2");
  Formula moved = std::move(copy);
  EXPECT_EQ(moved.variables(), std::vector<std::string>{"y"});
  Formula assigned;
  assigned = std::move(moved);
  EXPECT_EQ(assigned.text(), "y * 2");
}

}  // namespace
}  // namespace keneya::rules
