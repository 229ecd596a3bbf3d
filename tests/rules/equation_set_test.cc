// Solving equation sets: go-hesabu's own test files and a real-shaped PBF month, against the
// outputs of the reference solver (hesabucli), through the same JSON reading and writing as
// `keneya solve`.
#include "rules/equation_set.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "io/equations_json.h"

namespace keneya::rules {
namespace {

std::string Read(const std::string& path) {
  std::ifstream in(std::string(KENEYA_RULES_TESTDATA) + "/hesabu/" + path, std::ios::binary);
  EXPECT_TRUE(in) << path;
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

// Solves a fixture as `keneya solve` does and compares with the reference's output: numbers
// within 1e-9 relative, booleans equal; for errors, the reference's sources must be among
// Keneya's (Keneya reports every failing equation; the reference stops at the first, and says
// "general" for a cycle, where Keneya names the equations of the cycle).
void ExpectLikeReference(const std::string& name) {
  SCOPED_TRACE(name);
  auto equations = io::ReadEquations(Read(name + ".json"), name);
  ASSERT_TRUE(equations.ok()) << equations.error().ToString();
  const SolveResult result = SolveEquations(*equations);
  const auto got = nlohmann::json::parse(io::WriteSolution(result));
  const auto expected = nlohmann::json::parse(Read(name + ".expected.json"));
  if (expected.contains("errors")) {
    ASSERT_TRUE(got.contains("errors")) << got.dump();
    std::set<std::string> sources;
    for (const auto& e : got["errors"]) sources.insert(e["source"]);
    for (const auto& e : expected["errors"]) {
      if (e["source"] == "general") {
        EXPECT_FALSE(sources.empty());
      } else {
        EXPECT_TRUE(sources.contains(e["source"])) << e["source"] << " not in " << got.dump();
      }
    }
    return;
  }
  ASSERT_FALSE(got.contains("errors")) << got.dump();
  ASSERT_EQ(got.size(), expected.size());
  for (const auto& [key, value] : expected.items()) {
    ASSERT_TRUE(got.contains(key)) << key;
    if (value.is_boolean()) {
      EXPECT_EQ(got[key], value) << key;
    } else {
      const double want = value.get<double>();
      const double have = got[key].get<double>();
      EXPECT_LE(std::fabs(have - want), 1e-9 * std::max(1.0, std::fabs(want))) << key;
    }
  }
}

TEST(EquationSetTest, MatchesGoHesabusOwnTests) {
  for (const char* name :
       {"array", "eval_array", "good_and_or", "orbf", "small", "test", "bad_cast",
        "bad_cast_with_var", "bad_cycle", "bad_division_by_zero", "bad_eval_array",
        "bad_unbound_dependencies", "bad_unsupported_function", "bad_zero_by_zero"}) {
    ExpectLikeReference(std::string("go-hesabu-tests/") + name);
  }
}

TEST(EquationSetTest, AcceptsNumbersWhereTheReferenceWantsText) {
  // bad_marshall: hesabucli refuses a number as a value ("Invalid JSON"); Keneya takes it.
  auto equations = io::ReadEquations(Read("go-hesabu-tests/bad_marshall.json"), "bad_marshall");
  ASSERT_TRUE(equations.ok()) << equations.error().ToString();
  const SolveResult result = SolveEquations(*equations);
  EXPECT_TRUE(result.ok()) << io::WriteSolution(result).substr(0, 500);
}

TEST(EquationSetTest, SolvesARealPbfMonthLikeTheReference) {
  ExpectLikeReference("orbf-problems/batch_month_100");
  auto equations = io::ReadEquations(Read("orbf-problems/batch_month_100.json"), "batch");
  const SolveResult result = SolveEquations(*equations);
  double total = 0;
  for (size_t i = 0; i < result.size(); ++i) {
    if (result.name(i).starts_with("pbf_payment_total_payment_for_"))
      total += result.value(i).number;
  }
  EXPECT_NEAR(total, 499'839'482.8, 1e-3);
}

TEST(EquationsJsonTest, WritesNumbersAsGoDoes) {
  EXPECT_EQ(io::GoNumber(100), "100");
  EXPECT_EQ(io::GoNumber(91.66666666666666), "91.66666666666666");
  EXPECT_EQ(io::GoNumber(0.35), "0.35");
  EXPECT_EQ(io::GoNumber(-2.5), "-2.5");
  EXPECT_EQ(io::GoNumber(1e-7), "1e-07");
  EXPECT_EQ(io::GoNumber(1e21), "1e+21");
  EXPECT_EQ(io::GoNumber(123456789012), "123456789012");
  EXPECT_EQ(io::GoNumber(0), "0");
}

TEST(EquationsJsonTest, RefusesWhatIsNotAFlatObject) {
  EXPECT_FALSE(io::ReadEquations("[1, 2]", "x").ok());
  auto truncated = io::ReadEquations("{\"a\": \"1\",\n \"b\": ", "x");
  ASSERT_FALSE(truncated.ok());
  EXPECT_NE(truncated.error().message.find("Invalid JSON"), std::string::npos);
  auto nested = io::ReadEquations("{\"a\": {\"b\": 1}}", "x");
  ASSERT_FALSE(nested.ok());
  EXPECT_NE(nested.error().message.find("\"a\""), std::string::npos);
}

// A large object is read in two halves at once (io/equations_json.cc): whatever the text, what
// is read, or the error, is what reading it whole gives.
std::string LargeObject(int n, const std::string& at_middle = "") {
  std::string text = "{";
  for (int i = 0; i < n; ++i) {
    if (i > 0) text += i % 7 == 0 ? ",  \r\n  " : ",\n";
    if (i == n / 2) text += at_middle;
    if (i % 5 == 0) {
      text += "\"caf\\u00e9_" + std::to_string(i) + "\": " + std::to_string(i);  // escaped
    } else {
      text += "\"v_" + std::to_string(i) + "\": \"v_" + std::to_string(i - 1) + " + 1\"";
    }
  }
  return text + "\n}\n";
}

void ExpectTheLargeObject(const std::vector<Equation>& got, int n) {
  ASSERT_EQ(got.size(), static_cast<size_t>(n));
  for (int i = 0; i < n; ++i) {
    const Equation& e = got[static_cast<size_t>(i)];
    if (i % 5 == 0) {
      ASSERT_EQ(e.name, "caf\xC3\xA9_" + std::to_string(i));
      ASSERT_EQ(e.constant, static_cast<double>(i));
    } else {
      ASSERT_EQ(e.name, "v_" + std::to_string(i));
      ASSERT_EQ(e.expression, "v_" + std::to_string(i - 1) + " + 1");
    }
  }
}

TEST(EquationsJsonTest, ALargeObjectIsReadInHalvesAsItWouldBeWhole) {
  const int n = 60000;  // about 1.5 MB: read in two halves
  const std::string text = LargeObject(n);
  ASSERT_GT(text.size(), size_t{1} << 20);
  auto read = io::ReadEquations(text, "large.json");
  ASSERT_TRUE(read.ok()) << read.error().ToString();
  ExpectTheLargeObject(*read, n);
  // The same from the file mapped in place; the file is left as it was.
  const std::string path = ::testing::TempDir() + "/keneya_large_equations.json";
  std::ofstream(path, std::ios::binary) << text;
  auto file = io::LoadEquationFile(path);
  ASSERT_TRUE(file.ok()) << file.error().ToString();
  std::vector<Equation> mapped;
  for (const EquationView& e : (*file)->equations()) {
    mapped.push_back({std::string(e.name()), std::string(e.expression()), e.constant()});
  }
  ExpectTheLargeObject(mapped, n);
  std::ifstream in(path, std::ios::binary);
  std::ostringstream on_disk;
  on_disk << in.rdbuf();
  EXPECT_EQ(on_disk.str(), text);
  std::remove(path.c_str());
}

TEST(EquationsJsonTest, ALargeObjectThatIsNotOneFlatObjectIsToldAsWhole) {
  const int n = 60000;
  // Closed before its middle, the rest after it ignored: as a whole reading does.
  auto closed = io::ReadEquations(LargeObject(n, "\"end\": \"1\"} ,\n"), "closed.json");
  ASSERT_TRUE(closed.ok()) << closed.error().ToString();
  ASSERT_EQ(closed->size(), static_cast<size_t>(n / 2 + 1));
  EXPECT_EQ(closed->back().name, "end");
  // A list whose items are on lines of their own, at the middle: refused at its place.
  const std::string with_list = LargeObject(n, "\"list\": [\"a\",\n\"b\",\n\"c\"],\n");
  auto listed = io::ReadEquations(with_list, "list.json");
  ASSERT_FALSE(listed.ok());
  EXPECT_NE(listed.error().message.find("\"list\""), std::string::npos) << listed.error().message;
  const size_t line =
      1 + static_cast<size_t>(
              std::count(with_list.begin(), with_list.begin() + with_list.find("[\"a\""), '\n'));
  EXPECT_EQ(listed.error().where, "list.json:" + std::to_string(line) + ":9");
  // A value that is not a formula in the second half: its line in the whole file.
  std::string bad = LargeObject(n);
  const std::string member = "\"v_50001\": \"v_50000 + 1\"";
  const size_t at = bad.find(member);
  ASSERT_NE(at, std::string::npos);
  bad.replace(at, member.size(), "\"v_50001\": true");
  auto refused = io::ReadEquations(bad, "bad.json");
  ASSERT_FALSE(refused.ok());
  const size_t bad_line = 1 + static_cast<size_t>(std::count(bad.begin(), bad.begin() + at, '\n'));
  const size_t column = at - bad.rfind('\n', at) + 11;  // `true`, after `"v_50001": `
  EXPECT_EQ(refused.error().where,
            "bad.json:" + std::to_string(bad_line) + ":" + std::to_string(column));
  // Text that is not UTF-8 in the first half: told at its place.
  std::string broken = LargeObject(n);
  broken.replace(broken.find("v_1001"), 1, "\xE0\x80\xAF");
  auto not_utf8 = io::ReadEquations(broken, "broken.json");
  ASSERT_FALSE(not_utf8.ok());
  EXPECT_NE(not_utf8.error().message.find("not valid UTF-8"), std::string::npos);
}

// The one UTF-8 rule (core/text.h): in a name or in an expression, at its line and column.
TEST(EquationsJsonTest, RefusesTextThatIsNotUtf8AtItsPlace) {
  const std::pair<std::string, std::string> forms[] = {
      {"\xED\xA0\x80", "ED A0 80 encodes a surrogate"},
      {"\xE0\x80\xAF", "E0 80 AF is an overlong form"},
      {"\xF4\x90\x80\x80", "F4 90 80 80 encodes a code point above U+10FFFF"}};
  for (const auto& [bytes, why] : forms) {
    auto in_name = io::ReadEquations("{\"a\": \"1\",\n \"b" + bytes + "\": \"a + 1\"}", "e.json");
    ASSERT_FALSE(in_name.ok());
    EXPECT_NE(in_name.error().message.find("not valid UTF-8: the sequence " + why),
              std::string::npos)
        << in_name.error().ToString();
    EXPECT_EQ(in_name.error().where, "e.json:2:4");
    auto in_expression = io::ReadEquations("{\"a\": \"1 + " + bytes + "\"}", "e.json");
    ASSERT_FALSE(in_expression.ok());
    EXPECT_EQ(in_expression.error().where, "e.json:1:12");
  }
}

}  // namespace
}  // namespace keneya::rules
