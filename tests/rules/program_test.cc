// Programs: reading TOML and CSV, compiling (every problem at once), evaluating small programs
// written inline, decision tables, windows, zones, payments, envelopes and invoices.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

#include "rules/engine.h"
#include "rules/invoice.h"
#include "rules/program_file.h"

namespace keneya::rules {
namespace {

ProgramSource Source(std::string toml, std::map<std::string, std::string> files = {}) {
  ProgramSource s;
  s.toml_name = "programme.toml";
  s.toml = std::move(toml);
  s.files = std::move(files);
  return s;
}

const char* kHeader = R"t(
[program]
code = "TEST"
name = "Programme de test"
version = 1
valid_from = 2024-01-01

[constants]
tolerance = 0.1
)t";

// A monthly package of two activities (acc, cpn) for one input pair, a tariff table.
std::string Program(const std::string& extra_formulas, const std::string& payment_formulas = "",
                    const std::string& payment_frequency = "monthly") {
  return std::string(kHeader) + R"t(
[[table]]
code = "tarifs"
file = "tarifs.csv"

[[package]]
code = "q"
name = "Quantité"
frequency = "monthly"
inputs = { declared = "declared", verified = "verified" }
invoice = { columns = ["declared", "verified", "amount"], amount = "amount" }

[[package.activity]]
code = "acc"
name = "Accouchements"
data_element = "ACC"

[[package.activity]]
code = "cpn"
name = "CPN"
data_element = "CPN"
types = ["CSCOM"]

[[package.activity_formula]]
code = "amount"
expression = "if(safe_div(abs(declared - verified), declared) > tolerance, 0, verified) * tariff"

[[package.formula]]
code = "total"
expression = "sum(%{amount_values})"
)t" + extra_formulas +
         R"t(

[[payment]]
code = "pay"
name = "Paiement"
frequency = ")t" +
         payment_frequency + R"t("
packages = ["q"]
)t" + payment_formulas;
}

const std::map<std::string, std::string> kTariffs = {
    {"tarifs.csv",
     "in:activity,in:facility_type,out:tariff,valid_from,valid_to\n"
     "acc,*,5000,,2023-12-31\n"
     "acc,*,6000,2024-01-01,\n"
     "acc,CSREF,7000,,\n"
     "cpn,*,1000,,\n"}};

struct Compiled {
  CompiledProgram program;
  std::vector<ProgramProblem> problems;
};

Compiled Compile(const ProgramSource& source) {
  Compiled c;
  ParsedProgram parsed = ParseProgram(source);
  c.problems = parsed.problems;
  c.program = CompiledProgram::Compile(parsed.program, c.problems);
  return c;
}

std::string Problems(const std::vector<ProgramProblem>& problems) {
  std::string out;
  for (const auto& p : problems) out += p.ToString() + "\n";
  return out;
}

FacilityFacts Facility(const std::string& code, const std::string& type,
                       const std::string& district) {
  FacilityFacts f;
  f.code = f.uid = f.name = code;
  f.type = type;
  f.region = "R1";
  f.district = district;
  f.equity = "EQUITE_0";
  return f;
}

// Inputs for the test program: values[(input * 2 + activity) * F + facility].
RunInputs Inputs(const CompiledProgram& program, const core::Period& period,
                 const std::vector<FacilityFacts>& facilities,
                 const std::map<std::tuple<std::string, int, int, int>, double>& values) {
  RunInputs inputs(period);
  inputs.facilities = facilities;
  const size_t F = facilities.size();
  const std::vector<BlockRequest> requests =
      program.BlocksNeeded(program.PaymentIndex("pay"), period).value();
  for (const BlockRequest& b : requests) {
    InputBlock& block = inputs.blocks[{b.package, b.period.Code()}];
    block.values.assign(2 * 2 * F, 0);
    block.present.assign(block.values.size(), 0);
  }
  for (const auto& [key, value] : values) {
    const auto& [period_id, input, activity, facility] = key;
    InputBlock& block = inputs.blocks[{0, core::Period::Parse(period_id)->Code()}];
    const size_t index = (static_cast<size_t>(input) * 2 + static_cast<size_t>(activity)) * F +
                         static_cast<size_t>(facility);
    block.values[index] = value;
    block.present[index] = 1;
  }
  return inputs;
}

TEST(ProgramFileTest, ReportsEveryStructuralProblemWithItsPlace) {
  const ParsedProgram parsed =
      ParseProgram(Source(R"t(
[program]
code = "X"
version = 0
valid_from = "2024-13-01"
frequence = "monthly"

[[package]]
code = "q"
name = "Q"
frequency = "weekly"

[[package.activity]]
code = "a"
name = "A"

[[table]]
code = "t"
file = "absent.csv"

[[table]]
code = "u"
file = "u.csv"

[[table]]
code = "v"
file = "v.csv"
)t",
                          {{"u.csv", "in:activity,in:colour,out:tariff\na,*,12x\n"},
                           {"v.csv", "in:activity;out:tariff\na;12\n"}}));
  const std::string all = Problems(parsed.problems);
  EXPECT_NE(all.find("programme.toml:2: [program] has no 'name'"), std::string::npos) << all;
  EXPECT_NE(all.find("'version' of [program] must be a whole number from 1"), std::string::npos);
  EXPECT_NE(all.find("programme.toml:5: 'valid_from' of [program]"), std::string::npos);
  EXPECT_NE(all.find("unknown key 'frequence' in [program]"), std::string::npos);
  EXPECT_NE(all.find("'frequency' must be \"monthly\" or \"quarterly\", not \"weekly\""),
            std::string::npos);
  EXPECT_NE(all.find("package 'q' has no inputs"), std::string::npos);
  EXPECT_NE(all.find("an activity of package 'q' has no 'data_element'"), std::string::npos);
  EXPECT_NE(all.find("the file 'absent.csv' is not beside programme.toml"), std::string::npos);
  EXPECT_NE(all.find("u.csv:1: unknown input column 'in:colour'"), std::string::npos);
  EXPECT_NE(all.find("u.csv:2: column 3 (out:tariff): '12x' is not a number"), std::string::npos);
  EXPECT_NE(all.find("v.csv:1: the columns are separated by ';': save the table with ','"),
            std::string::npos)
      << all;
}

TEST(ProgramFileTest, TheWorkflowCalendarHasDefaultsAndIsCheckedWithItsPlace) {
  const ParsedProgram plain = ParseProgram(Source(Program(""), kTariffs));
  ASSERT_TRUE(plain.problems.empty()) << Problems(plain.problems);
  EXPECT_EQ(plain.program.workflow.declaration_day, 5);
  EXPECT_EQ(plain.program.workflow.contest_days, 10);

  std::string toml = Program("");
  toml.insert(toml.find("[constants]"), "[workflow]\ndeclaration_day = 10\ncontest_days = 15\n\n");
  const ParsedProgram set = ParseProgram(Source(toml, kTariffs));
  ASSERT_TRUE(set.problems.empty()) << Problems(set.problems);
  EXPECT_EQ(set.program.workflow.declaration_day, 10);
  EXPECT_EQ(set.program.workflow.contest_days, 15);

  std::string bad = Program("");
  bad.insert(bad.find("[constants]"),
             "[workflow]\ndeclaration_day = 31\ncontest_days = \"dix\"\ndelai = 3\n\n");
  const std::string all = Problems(ParseProgram(Source(bad, kTariffs)).problems);
  EXPECT_NE(all.find("programme.toml:9: 'declaration_day' of [workflow] must be a whole number "
                     "from 1 to 28"),
            std::string::npos)
      << all;
  EXPECT_NE(all.find("programme.toml:10: 'contest_days' of [workflow] must be a whole number "
                     "from 0 to 90"),
            std::string::npos)
      << all;
  EXPECT_NE(all.find("unknown key 'delai' in [workflow]"), std::string::npos) << all;
}

TEST(ProgramTest, DecisionTablesTakeTheMostSpecificValidRowThenTheEarliest) {
  Compiled c = Compile(Source(Program(""), kTariffs));
  ASSERT_TRUE(c.problems.empty()) << Problems(c.problems);
  const core::Period month = *core::Period::Parse("202403");
  RunInputs inputs = Inputs(
      c.program, month, {Facility("CSCOM_A", "CSCOM", "D1"), Facility("CSREF_B", "CSREF", "D1")},
      {{{"202403", 0, 0, 0}, 10},
       {{"202403", 1, 0, 0}, 10},
       {{"202403", 0, 0, 1}, 10},
       {{"202403", 1, 0, 1}, 10}});
  const int pay = c.program.PaymentIndex("pay");
  auto run = c.program.Run(pay, inputs, {});
  ASSERT_TRUE(run.ok()) << run.error().ToString();
  const SlotId tariff = c.program.FindPackageValue(pay, 0, 0, "tariff");
  EXPECT_EQ(run->Value(tariff, 0, 0), 6000);  // 2024 row: valid_from 2024-01-01
  EXPECT_EQ(run->Value(tariff, 1, 0), 7000);  // CSREF: the row with two facts wins
  // Before 2024, the first row.
  const core::Period old_month = *core::Period::Parse("202312");
  RunInputs old_inputs = Inputs(c.program, old_month, {Facility("CSCOM_A", "CSCOM", "D1")},
                                {{{"202312", 0, 0, 0}, 1}});
  auto old_run = c.program.Run(pay, old_inputs, {});
  ASSERT_TRUE(old_run.ok());
  EXPECT_EQ(old_run->Value(tariff, 0, 0), 5000);
}

TEST(ProgramTest, RowsForTheSameFactsOnCommonDaysAreRefused) {
  // A new tariff from 2024 while the old row stays open; two dated rows overlapping in 2024H1.
  Compiled c = Compile(Source(Program(""), {{"tarifs.csv",
                                             "in:activity,in:facility_type,out:tariff,valid_from,"
                                             "valid_to\n"
                                             "acc,*,5000,,\n"
                                             "acc,*,6000,2024-01-01,\n"
                                             "cpn,*,1000,2023-01-01,2024-06-30\n"
                                             "cpn,*,1200,2024-01-01,\n"
                                             "cpn,CSREF,1500,,\n"}}));
  const std::string all = Problems(c.problems);
  EXPECT_NE(all.find("tarifs.csv:3: this row and row 2 match the same facts on common days"),
            std::string::npos)
      << all;
  EXPECT_NE(all.find("tarifs.csv:5: this row and row 4 match"), std::string::npos) << all;
  EXPECT_EQ(all.find("tarifs.csv:6"), std::string::npos) << all;  // other facts
}

TEST(ProgramTest, ASpreadsheetsTrailingCommaIsNoColumnAndAHeaderProblemIsToldOnce) {
  Compiled trailing = Compile(Source(Program(""), {{"tarifs.csv",
                                                    "in:activity,in:facility_type,out:tariff,\n"
                                                    "acc,*,5000,\n"
                                                    "cpn,*,1000\n"}}));
  EXPECT_TRUE(trailing.problems.empty()) << Problems(trailing.problems);
  // An unknown column: one problem, not one per pair of rows that now look alike.
  Compiled unknown = Compile(Source(Program(""), {{"tarifs.csv",
                                                   "in:activity,in:activite,out:tariff\n"
                                                   "acc,CSCOM,5000\n"
                                                   "acc,CSREF,6000\n"
                                                   "cpn,*,1000\n"}}));
  const std::string all = Problems(unknown.problems);
  EXPECT_NE(all.find("unknown input column 'in:activite'"), std::string::npos) << all;
  EXPECT_EQ(all.find("match the same facts"), std::string::npos) << all;
}

// Found by the program fuzzer: an amount beyond what an int64 holds was converted anyway.
TEST(ProgramTest, AnEnvelopeAmountTooLargeForAWholeNumberIsAProblem) {
  std::map<std::string, std::string> files = kTariffs;
  files["env.csv"] = "zone,period,amount\nDS_KATI,202401,1e89\nDS_KATI,202402,9007199254740992\n";
  Compiled c = Compile(Source(Program("", "envelopes = \"env.csv\"\n"), files));
  const std::string all = Problems(c.problems);
  EXPECT_NE(all.find("env.csv:2: amount: '1e89' is not a whole number of francs from 0 to "
                     "9007199254740992"),
            std::string::npos)
      << all;
  EXPECT_EQ(all.find("env.csv:3"), std::string::npos) << all;
}

TEST(ProgramTest, AnEnvelopesFileSavedWithSemicolonsIsToldSo) {
  std::map<std::string, std::string> files = kTariffs;
  files["env.csv"] = "zone;period;amount\nDS_KATI;202401;100\n";
  Compiled c = Compile(Source(Program("", "envelopes = \"env.csv\"\n"), files));
  const std::string all = Problems(c.problems);
  EXPECT_NE(all.find("env.csv:1: the columns are separated by ';'"), std::string::npos) << all;
}

// The one UTF-8 rule (core/text.h), in the TOML file and in its CSV tables, at line and column.
TEST(ProgramFileTest, TextThatIsNotUtf8IsAProblemAtItsPlace) {
  const std::pair<std::string, std::string> forms[] = {
      {"\xED\xA0\x80", "ED A0 80 encodes a surrogate"},
      {"\xE0\x80\xAF", "E0 80 AF is an overlong form"},
      {"\xF4\x90\x80\x80", "F4 90 80 80 encodes a code point above U+10FFFF"}};
  for (const auto& [bytes, why] : forms) {
    std::string toml = Program("");
    const size_t name = toml.find("Programme de test");
    toml.insert(name + 3, bytes);
    const ParsedProgram in_toml = ParseProgram(Source(toml, kTariffs));
    ASSERT_EQ(in_toml.problems.size(), 1u) << Problems(in_toml.problems);
    const size_t line =
        static_cast<size_t>(std::count(toml.begin(), toml.begin() + name, '\n')) + 1;
    EXPECT_TRUE(in_toml.problems[0].ToString().starts_with(
        "programme.toml:" + std::to_string(line) +
        ":12: the text is not valid UTF-8: the sequence " + why))
        << in_toml.problems[0].ToString();

    std::map<std::string, std::string> files = kTariffs;
    files["tarifs.csv"].insert(files["tarifs.csv"].find("CSREF") + 2, bytes);
    Compiled in_table = Compile(Source(Program(""), files));
    const std::string all = Problems(in_table.problems);
    EXPECT_NE(all.find("tarifs.csv:4:7: the text is not valid UTF-8: the sequence " + why),
              std::string::npos)
        << all;
  }
}

TEST(ProgramTest, CpnDoesNotApplyToACsrefAndNeedsNoRowThere) {
  // cpn applies to CSCOM only: the CSRéf has no cpn line and no missing flag for it.
  Compiled c = Compile(Source(Program(""), kTariffs));
  const core::Period month = *core::Period::Parse("202401");
  RunInputs inputs = Inputs(c.program, month, {Facility("CSREF_B", "CSREF", "D1")},
                            {{{"202401", 0, 0, 0}, 4}, {{"202401", 1, 0, 0}, 4}});
  const int pay = c.program.PaymentIndex("pay");
  auto run = c.program.Run(pay, inputs, {});
  ASSERT_TRUE(run.ok());
  const InvoiceSet set = BuildInvoices(c.program, pay, *run, inputs);
  ASSERT_EQ(set.invoices.size(), 1u);
  int activity_lines = 0;
  for (const InvoiceLine& line : set.invoices[0].lines) {
    if (line.kind == InvoiceLine::Kind::kActivity) {
      ++activity_lines;
      EXPECT_EQ(line.code, "acc");
      EXPECT_FALSE(line.missing);
      EXPECT_EQ(line.amount, 28000);
    }
  }
  EXPECT_EQ(activity_lines, 1);
  EXPECT_EQ(set.invoices[0].total, 28000);
}

TEST(ProgramTest, FindsUnknownNamesCyclesKindsAndArgumentCountsAllAtOnce) {
  Compiled c = Compile(Source(Program(R"t(
[[package.formula]]
code = "a"
expression = "b + nowhere"

[[package.formula]]
code = "b"
expression = "a * 2"

[[package.formula]]
code = "c"
expression = "1 + (total > 0)"

[[package.formula]]
code = "d"
expression = "if(total, 1, 0)"

[[package.formula]]
code = "e"
expression = "round()"

[[package.formula]]
code = "tolerance"
expression = "1"

[[package.formula]]
code = "f"
expression = "amount"
)t",
                                      R"t(
[[payment.formula]]
code = "g"
expression = "total + missing_one + also_missing"

[[payment.line]]
formula = "nothing"
label = "Rien"
)t"),
                              kTariffs));
  const std::string all = Problems(c.problems);
  EXPECT_NE(all.find("q.a: No parameter 'nowhere' found."), std::string::npos) << all;
  EXPECT_NE(all.find("cycle between formulas: q.a -> q.b -> q.a"), std::string::npos) << all;
  EXPECT_NE(all.find("q.c, column 12: expected a number in arithmetic, but the value at column 12 "
                     "is a boolean"),
            std::string::npos)
      << all;
  EXPECT_NE(
      all.find(
          "q.d, column 4: Error for IF-function, Expected 'total' to be a boolean expression."),
      std::string::npos)
      << all;
  EXPECT_NE(all.find("q.e, column 1: ROUND takes 1 or 2 arguments, not 0"), std::string::npos)
      << all;
  EXPECT_NE(all.find("the formula 'tolerance' of q has the name of a constant"), std::string::npos)
      << all;
  EXPECT_NE(all.find("'amount' is a value per activity: write %{amount_values}"), std::string::npos)
      << all;
  EXPECT_NE(all.find("pay.g: No parameters 'missing_one', 'also_missing' found."),
            std::string::npos)
      << all;
  EXPECT_NE(all.find("names 'nothing', which is not one of its formulas"), std::string::npos)
      << all;
}

TEST(ProgramTest, ZoneFormulasWindowsAndActivitySlices) {
  Compiled c = Compile(Source(Program(R"t(
[[package.zone_formula]]
code = "zone_total"
expression = "SUM(%{total_values})"

[[package.zone_formula]]
code = "zone_mean"
expression = "avg( %{total_values} )"

[[package.formula]]
code = "share"
expression = "safe_div(total, zone_total)"

[[package.formula]]
code = "acc_only"
expression = "acc_amount"

[[package.activity_formula]]
code = "trend"
expression = "verified - verified_previous + verified_last_3_months * 0 + verified_same_period_last_year"
)t"),
                              kTariffs));
  ASSERT_TRUE(c.problems.empty()) << Problems(c.problems);
  const core::Period month = *core::Period::Parse("202403");
  const int pay = c.program.PaymentIndex("pay");
  // Windows need the months before and the same month a year before.
  std::vector<std::string> needed;
  const std::vector<BlockRequest> requests = c.program.BlocksNeeded(pay, month).value();
  for (const BlockRequest& b : requests) needed.push_back(b.period.ToString());
  EXPECT_EQ(needed, (std::vector<std::string>{"202403", "202402", "202401", "202303"}));
  RunInputs inputs = Inputs(
      c.program, month,
      {Facility("A", "CSCOM", "D1"), Facility("B", "CSCOM", "D1"), Facility("C", "CSCOM", "D2")},
      {{{"202403", 0, 0, 0}, 10},
       {{"202403", 1, 0, 0}, 10},
       {{"202403", 0, 0, 1}, 30},
       {{"202403", 1, 0, 1}, 30},
       {{"202403", 0, 0, 2}, 1},
       {{"202403", 1, 0, 2}, 1},
       {{"202402", 1, 0, 0}, 7},
       {{"202303", 1, 0, 0}, 2}});
  auto run = c.program.Run(pay, inputs, {});
  ASSERT_TRUE(run.ok()) << run.error().ToString();
  const SlotId zone_total = c.program.FindPackageValue(pay, 0, 0, "zone_total");
  const SlotId zone_mean = c.program.FindPackageValue(pay, 0, 0, "zone_mean");
  const SlotId share = c.program.FindPackageValue(pay, 0, 0, "share");
  EXPECT_EQ(run->Value(zone_total, run->zone_of(0)), 240000);  // (10 + 30) x 6000
  EXPECT_EQ(run->Value(zone_mean, run->zone_of(0)), 120000);
  EXPECT_EQ(run->Value(zone_total, run->zone_of(2)), 6000);
  EXPECT_DOUBLE_EQ(run->Value(share, 1), 0.75);
  EXPECT_EQ(run->Value(c.program.FindPackageValue(pay, 0, 0, "acc_only"), 1), 180000);
  EXPECT_EQ(run->Value(c.program.FindPackageValue(pay, 0, 0, "trend"), 0, 0), 10 - 7 + 2);
}

TEST(ProgramTest, AQuarterlyPaymentSumsTheThreeMonthsAndAMonthlyOneRefusesAQuarterlyPackage) {
  Compiled c = Compile(Source(Program("", R"t(
[[payment.formula]]
code = "paid"
expression = "total * 2"
)t",
                                      "quarterly"),
                              kTariffs));
  ASSERT_TRUE(c.problems.empty()) << Problems(c.problems);
  const core::Period quarter = *core::Period::Parse("2024Q1");
  const int pay = c.program.PaymentIndex("pay");
  RunInputs inputs = Inputs(c.program, quarter, {Facility("A", "CSCOM", "D1")},
                            {{{"202401", 0, 0, 0}, 1},
                             {{"202401", 1, 0, 0}, 1},
                             {{"202403", 0, 0, 0}, 2},
                             {{"202403", 1, 0, 0}, 2}});
  auto run = c.program.Run(pay, inputs, {});
  ASSERT_TRUE(run.ok()) << run.error().ToString();
  EXPECT_EQ(run->Value(c.program.FindPaymentFormula(pay, "paid"), 0), 2 * (6000 + 0 + 12000));
  const InvoiceSet set = BuildInvoices(c.program, pay, *run, inputs);
  ASSERT_EQ(set.invoices.size(), 1u);
  int subtotals = 0, missing = 0;
  for (const InvoiceLine& line : set.invoices[0].lines) {
    subtotals += line.kind == InvoiceLine::Kind::kSubtotal;
    missing += line.missing;
  }
  EXPECT_EQ(subtotals, 3);
  EXPECT_EQ(missing, 4);  // February's two activities, and cpn in January and March
  EXPECT_EQ(c.program.Run(pay, RunInputs(*core::Period::Parse("202401")), {}).error().code,
            core::ErrorCode::kInvalidArgument);

  std::string quarterly_package = Program("", "", "monthly");
  quarterly_package.replace(quarterly_package.find("frequency = \"monthly\"\ninputs"), 21,
                            "frequency = \"quarterly\"");
  Compiled refused = Compile(Source(quarterly_package, kTariffs));
  EXPECT_NE(Problems(refused.problems)
                .find("payment pay is monthly and cannot pay the quarterly package q"),
            std::string::npos)
      << Problems(refused.problems);
}

TEST(ProgramTest, RowFailuresNameTheFacilityAndActivity) {
  Compiled c = Compile(Source(Program(R"t(
[[package.activity_formula]]
code = "ratio"
expression = "declared / verified"

[[package.activity_formula]]
code = "guarded"
expression = "verified > 0 ? declared / verified : 0"
)t"),
                              kTariffs));
  ASSERT_TRUE(c.problems.empty()) << Problems(c.problems);
  const core::Period month = *core::Period::Parse("202401");
  const int pay = c.program.PaymentIndex("pay");
  RunInputs inputs = Inputs(c.program, month, {Facility("A", "CSCOM", "D1")},
                            {{{"202401", 0, 0, 0}, 3},
                             {{"202401", 1, 0, 0}, 0},
                             {{"202401", 0, 1, 0}, 2},
                             {{"202401", 1, 1, 0}, 2}});
  auto run = c.program.Run(pay, inputs, {});
  ASSERT_FALSE(run.ok());
  EXPECT_EQ(run.error().code, core::ErrorCode::kFailedPrecondition);
  EXPECT_NE(run.error().message.find("1 value could not be computed"), std::string::npos)
      << run.error().message;
  EXPECT_NE(run.error().message.find("q.ratio (202401, A / acc): Divide by zero"),
            std::string::npos)
      << run.error().message;
}

TEST(ProgramTest, MissingTableRowsAreListedByFacts) {
  Compiled c = Compile(
      Source(Program(""),
             {{"tarifs.csv", "in:activity,in:facility_type,out:tariff\nacc,CSCOM,1\ncpn,*,1\n"}}));
  ASSERT_TRUE(c.problems.empty()) << Problems(c.problems);
  const core::Period month = *core::Period::Parse("202401");
  const int pay = c.program.PaymentIndex("pay");
  RunInputs inputs =
      Inputs(c.program, month, {Facility("B1", "CSREF", "D1"), Facility("B2", "CSREF", "D1")},
             {{{"202401", 0, 0, 0}, 1}, {{"202401", 0, 0, 1}, 1}});
  auto run = c.program.Run(pay, inputs, {});
  ASSERT_FALSE(run.ok());
  EXPECT_NE(run.error().message.find("tarifs.csv (tariff, 202401): activity=acc, "
                                     "facility_type=CSREF (2 facilities, first B1)"),
            std::string::npos)
      << run.error().message;
}

TEST(InvoiceTest, EnvelopesCutProRataToTheFranc) {
  EXPECT_EQ(CutToEnvelope(std::vector<int64_t>{150000000, 50000000, 250}, 100000000),
            (std::vector<int64_t>{74999906, 24999969, 125}));
  EXPECT_EQ(CutToEnvelope(std::vector<int64_t>{10, 20}, 100), (std::vector<int64_t>{10, 20}));
  // Ties go to the earlier; a negative total is left alone.
  EXPECT_EQ(CutToEnvelope(std::vector<int64_t>{1, 1, 1, -5}, 2),
            (std::vector<int64_t>{1, 1, 0, -5}));
  EXPECT_EQ(RoundFrancs(62.5), 63);
  EXPECT_EQ(RoundFrancs(-62.5), -63);
  EXPECT_EQ(RoundFrancs(62.49999), 62);
  // 1,789,500 x 0.25 x 0.572 is 255,898.4999999... in binary: still a half.
  EXPECT_LT(1'789'500 * 0.25 * 0.572, 255'898.5);
  EXPECT_EQ(RoundFrancs(1'789'500 * 0.25 * 0.572), 255'899);
  EXPECT_EQ(RoundFrancs(-(1'789'500 * 0.25 * 0.572)), -255'899);
  EXPECT_EQ(RoundFrancs(255'898.4999), 255'898);
  EXPECT_EQ(RoundFrancs(0.4), 0);
}

}  // namespace
}  // namespace keneya::rules
