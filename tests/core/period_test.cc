#include "core/period.h"

#include <gtest/gtest.h>

#include <cctype>
#include <map>
#include <ostream>
#include <string>
#include <vector>

namespace keneya::core {

// Readable failure messages.
void PrintTo(const Period& p, std::ostream* os) { *os << p.ToString(); }
void PrintTo(const Date& d, std::ostream* os) { *os << d.ToString(); }

namespace {

Period Must(std::string_view text) {
  Result<Period> p = Period::Parse(text);
  if (!p.ok()) {
    ADD_FAILURE() << "cannot parse " << text << ": " << p.error().ToString();
    return Period::ForDate(PeriodType::kDaily, Date());
  }
  return *p;
}

Date D(std::string_view text) {
  Result<Date> d = Date::Parse(text);
  if (!d.ok()) ADD_FAILURE() << d.error().ToString();
  return d.ok() ? *d : Date();
}

std::string Span(const Period& p) { return p.start().ToString() + ".." + p.end().ToString(); }

std::string Join(const std::vector<Period>& periods) {
  std::string out;
  for (const Period& p : periods) {
    if (!out.empty()) out += " ";
    out += p.ToString();
  }
  return out;
}

std::string Lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

std::string Upper(std::string s) {
  for (char& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return s;
}

struct SpanCase {
  const char* id;
  const char* start;
  const char* end;
};

void ExpectSpans(const std::vector<SpanCase>& cases) {
  for (const SpanCase& c : cases) {
    const Period p = Must(c.id);
    EXPECT_EQ(Span(p), std::string(c.start) + ".." + c.end) << c.id;
  }
}

struct ForDateCase {
  PeriodType type;
  const char* date;
  const char* id;
};

void ExpectForDate(const std::vector<ForDateCase>& cases) {
  for (const ForDateCase& c : cases) {
    EXPECT_EQ(Period::ForDate(c.type, D(c.date)).ToString(), c.id)
        << PeriodTypeName(c.type) << " " << c.date;
  }
}

// --- Known dates, checked against DHIS2's own tests ------------------------------------------

// dhis-api/src/test/java/org/hisp/dhis/calendar/DateTimeUnitPeriodTypeParserTest.java
TEST(PeriodTest, MatchesDhis2ParserTestDates) {
  ExpectSpans({
      {"20140204", "2014-02-04", "2014-02-04"},    {"2014W1", "2013-12-30", "2014-01-05"},
      {"2014W2", "2014-01-06", "2014-01-12"},      {"201402", "2014-02-01", "2014-02-28"},
      {"201404", "2014-04-01", "2014-04-30"},      {"2014-03", "2014-03-01", "2014-03-31"},
      {"2014-05", "2014-05-01", "2014-05-31"},     {"201401B", "2014-01-01", "2014-02-28"},
      {"201402B", "2014-03-01", "2014-04-30"},     {"201403B", "2014-05-01", "2014-06-30"},
      {"201404B", "2014-07-01", "2014-08-31"},     {"201405B", "2014-09-01", "2014-10-31"},
      {"201406B", "2014-11-01", "2014-12-31"},     {"2014Q1", "2014-01-01", "2014-03-31"},
      {"2014Q2", "2014-04-01", "2014-06-30"},      {"2014Q3", "2014-07-01", "2014-09-30"},
      {"2014Q4", "2014-10-01", "2014-12-31"},      {"2014S1", "2014-01-01", "2014-06-30"},
      {"2014S2", "2014-07-01", "2014-12-31"},      {"2014AprilS1", "2014-04-01", "2014-09-30"},
      {"2014AprilS2", "2014-10-01", "2015-03-31"}, {"2013", "2013-01-01", "2013-12-31"},
      {"2014", "2014-01-01", "2014-12-31"},        {"2013April", "2013-04-01", "2014-03-31"},
      {"2014April", "2014-04-01", "2015-03-31"},   {"2013July", "2013-07-01", "2014-06-30"},
      {"2014July", "2014-07-01", "2015-06-30"},    {"2013Oct", "2013-10-01", "2014-09-30"},
      {"2014Oct", "2014-10-01", "2015-09-30"},
  });
  for (const char* invalid : {"2014W0", "2014W53", "2009W54", "201400B", "201407B", "2014Q0",
                              "2014Q5", "2014S0", "2014S3", "2014AprilS0", "2014AprilS3"}) {
    EXPECT_FALSE(Period::Parse(invalid).ok()) << invalid;
  }
  EXPECT_TRUE(Period::Parse("2009W53").ok());  // 2009 has 53 weeks
}

// dhis-api/src/test/java/org/hisp/dhis/period/WeeklyPeriodTypeTest.java
TEST(PeriodTest, MatchesDhis2WeeklyTestDates) {
  ExpectSpans({{"2009W1", "2008-12-29", "2009-01-04"},
               {"2011W1", "2011-01-03", "2011-01-09"},
               {"2011W11", "2011-03-14", "2011-03-20"}});
  ExpectForDate({{PeriodType::kWeekly, "2011-01-03", "2011W1"},
                 {PeriodType::kWeekly, "2012-12-31", "2013W1"},
                 {PeriodType::kWeekly, "2012-12-30", "2012W52"},
                 {PeriodType::kWeekly, "2009-12-29", "2009W53"},
                 {PeriodType::kWeekly, "2010-01-04", "2010W1"}});
  EXPECT_EQ(Period::CountInYear(PeriodType::kWeekly, 2009), 53);
  EXPECT_EQ(Period::CountInYear(PeriodType::kWeekly, 2011), 52);
  EXPECT_EQ(Period::CountInYear(PeriodType::kWeekly, 2013), 52);
}

// Other week starts: DHIS2's WeeklySunday test (2017SunW1/W2/W18), the DHIS2 Android SDK's
// WeeklyPeriodGenerator tests (WedW/ThuW around 2019-12-25, 2019WedW2) and DHIS2's
// multi-calendar-dates tests (2014SunW1, 2014SunW53, dates around 1 January).
TEST(PeriodTest, MatchesDhis2OtherWeekStartTestDates) {
  ExpectSpans({{"2019WedW2", "2019-01-09", "2019-01-15"},
               {"2014SunW1", "2013-12-29", "2014-01-04"},
               {"2014SunW53", "2014-12-28", "2015-01-03"}});
  ExpectForDate({
      {PeriodType::kWeeklySunday, "2017-01-01", "2017SunW1"},
      {PeriodType::kWeeklySunday, "2017-01-08", "2017SunW2"},
      {PeriodType::kWeeklySunday, "2017-05-01", "2017SunW18"},
      {PeriodType::kWeeklySunday, "2021-01-01", "2020SunW53"},
      {PeriodType::kWeeklySunday, "2023-01-01", "2023SunW1"},
      {PeriodType::kWeeklyWednesday, "2019-12-24", "2019WedW51"},
      {PeriodType::kWeeklyWednesday, "2019-12-25", "2019WedW52"},
      {PeriodType::kWeeklyWednesday, "2019-01-01", "2018WedW52"},
      {PeriodType::kWeeklyWednesday, "2022-01-01", "2022WedW1"},
      {PeriodType::kWeeklyThursday, "2019-12-25", "2019ThuW51"},
      {PeriodType::kWeeklyThursday, "2019-01-01", "2018ThuW52"},
      {PeriodType::kWeeklyThursday, "2022-01-01", "2022ThuW1"},
      {PeriodType::kWeeklySaturday, "2021-01-01", "2020SatW52"},
      {PeriodType::kWeeklySaturday, "2022-01-01", "2022SatW1"},
  });
}

// dhis-api/src/test/java/org/hisp/dhis/period/BiWeeklyPeriodTypeTest.java and the DHIS2 Android
// SDK's BiWeeklyPeriodGeneratorShould (2018BiW5, 2020BiW27, 2021BiW1, 2027BiW1, 2017BiW19).
TEST(PeriodTest, MatchesDhis2BiWeeklyTestDates) {
  ExpectSpans({{"2018BiW1", "2018-01-01", "2018-01-14"},
               {"2018BiW2", "2018-01-15", "2018-01-28"},
               {"2017BiW26", "2017-12-18", "2017-12-31"},
               {"2018BiW5", "2018-02-26", "2018-03-11"},
               {"2020BiW27", "2020-12-28", "2021-01-10"},
               {"2021BiW1", "2021-01-04", "2021-01-17"},
               {"2027BiW1", "2027-01-04", "2027-01-17"},
               {"2017BiW19", "2017-09-11", "2017-09-24"}});
  ExpectForDate({{PeriodType::kBiWeekly, "2018-01-08", "2018BiW1"},
                 {PeriodType::kBiWeekly, "2017-12-29", "2017BiW26"},
                 {PeriodType::kBiWeekly, "2010-01-01", "2009BiW27"},
                 {PeriodType::kBiWeekly, "2019-12-23", "2019BiW26"},
                 {PeriodType::kBiWeekly, "2020-01-02", "2020BiW1"},
                 {PeriodType::kBiWeekly, "2020-12-29", "2020BiW27"}});
  EXPECT_EQ(Must("2018BiW1").Next().ToString(), "2018BiW2");
  EXPECT_EQ(Must("2018BiW1").Previous().ToString(), "2017BiW26");
  EXPECT_EQ(Must("2016BiW26").Next().ToString(), "2017BiW1");
  EXPECT_EQ(Period::CountInYear(PeriodType::kBiWeekly, 2018), 26);
  EXPECT_EQ(Period::CountInYear(PeriodType::kBiWeekly, 2020), 27);
  EXPECT_EQ(Period::CountInYear(PeriodType::kBiWeekly, 2021), 26);
}

// dhis-api/src/test/java/org/hisp/dhis/period/QuarterlyNovemberPeriodTypeTest.java, with the
// names from QuarterlyNovemberPeriodType.getIsoDate (a November start is named year + 1).
TEST(PeriodTest, MatchesDhis2QuarterlyNovemberTestDates) {
  ExpectForDate({{PeriodType::kQuarterlyNov, "2009-03-15", "2009NovQ2"},
                 {PeriodType::kQuarterlyNov, "2009-08-15", "2009NovQ4"},
                 {PeriodType::kQuarterlyNov, "2014-11-20", "2015NovQ1"}});
  ExpectSpans({{"2009NovQ2", "2009-02-01", "2009-04-30"},
               {"2009NovQ4", "2009-08-01", "2009-10-31"},
               {"2015NovQ1", "2014-11-01", "2015-01-31"},
               {"2009NovQ1", "2008-11-01", "2009-01-31"}});
  EXPECT_EQ(Span(Must("2009NovQ2").Next()), "2009-05-01..2009-07-31");
  EXPECT_EQ(Span(Must("2009NovQ2").Plus(3)), "2009-11-01..2010-01-31");
  EXPECT_EQ(Span(Must("2009NovQ2").Previous()), "2008-11-01..2009-01-31");
}

// dhis-api/src/test/java/org/hisp/dhis/period/SixMonthlyNovemberPeriodTest.java
TEST(PeriodTest, MatchesDhis2SixMonthlyNovemberTestDates) {
  ExpectSpans(
      {{"2015NovS1", "2014-11-01", "2015-04-30"}, {"2015NovS2", "2015-05-01", "2015-10-31"}});
  ExpectForDate({{PeriodType::kSixMonthlyNov, "2009-08-15", "2009NovS2"},
                 {PeriodType::kSixMonthlyNov, "2009-12-15", "2010NovS1"},
                 {PeriodType::kSixMonthlyNov, "2009-07-15", "2009NovS2"},
                 {PeriodType::kSixMonthlyNov, "2015-02-01", "2015NovS1"},
                 {PeriodType::kSixMonthlyNov, "2014-03-31", "2014NovS1"}});
  EXPECT_EQ(Span(Must("2009NovS2").Next()), "2009-11-01..2010-04-30");
  EXPECT_EQ(Span(Must("2009NovS2").Previous()), "2008-11-01..2009-04-30");
  EXPECT_EQ(Span(Must("2010NovS1").Next()), "2010-05-01..2010-10-31");
}

// dhis-api/src/test/java/org/hisp/dhis/period/FinancialNovemberPeriodTypeTest.java, named as
// FinancialNovemberPeriodType.getIsoDate does (start year + 1).
TEST(PeriodTest, MatchesDhis2FinancialNovemberTestDates) {
  ExpectForDate({{PeriodType::kFinancialNov, "2009-02-15", "2009Nov"},
                 {PeriodType::kFinancialNov, "2009-11-12", "2010Nov"}});
  ExpectSpans({{"2009Nov", "2008-11-01", "2009-10-31"},
               {"2010Nov", "2009-11-01", "2010-10-31"},
               {"2008Nov", "2007-11-01", "2008-10-31"}});
}

// --- Parsing ------------------------------------------------------------------------------------

TEST(PeriodTest, ParsesEveryIdentifierKind) {
  struct Case {
    const char* id;
    PeriodType type;
    int year;
    int index;
  };
  const Case cases[] = {
      {"20230115", PeriodType::kDaily, 2023, 15},
      {"2023W5", PeriodType::kWeekly, 2023, 5},
      {"2023WedW5", PeriodType::kWeeklyWednesday, 2023, 5},
      {"2023ThuW5", PeriodType::kWeeklyThursday, 2023, 5},
      {"2023FriW5", PeriodType::kWeeklyFriday, 2023, 5},
      {"2023SatW5", PeriodType::kWeeklySaturday, 2023, 5},
      {"2023SunW5", PeriodType::kWeeklySunday, 2023, 5},
      {"2023BiW1", PeriodType::kBiWeekly, 2023, 1},
      {"202301", PeriodType::kMonthly, 2023, 1},
      {"202302B", PeriodType::kBiMonthly, 2023, 2},
      {"2023Q1", PeriodType::kQuarterly, 2023, 1},
      {"2023NovQ1", PeriodType::kQuarterlyNov, 2023, 1},
      {"2023S1", PeriodType::kSixMonthly, 2023, 1},
      {"2023AprilS1", PeriodType::kSixMonthlyApril, 2023, 1},
      {"2023NovS1", PeriodType::kSixMonthlyNov, 2023, 1},
      {"2023", PeriodType::kYearly, 2023, 1},
      {"2023Feb", PeriodType::kFinancialFeb, 2023, 1},
      {"2023April", PeriodType::kFinancialApril, 2023, 1},
      {"2023July", PeriodType::kFinancialJuly, 2023, 1},
      {"2023Aug", PeriodType::kFinancialAug, 2023, 1},
      {"2023Sep", PeriodType::kFinancialSep, 2023, 1},
      {"2023Oct", PeriodType::kFinancialOct, 2023, 1},
      {"2024Nov", PeriodType::kFinancialNov, 2024, 1},
  };
  for (const Case& c : cases) {
    const Period p = Must(c.id);
    EXPECT_EQ(p.type(), c.type) << c.id;
    EXPECT_EQ(p.year(), c.year) << c.id;
    EXPECT_EQ(p.index(), c.index) << c.id;
    EXPECT_EQ(p.ToString(), c.id);
  }
}

TEST(PeriodTest, KnowsStartAndEndOfEveryIdentifierKind) {
  ExpectSpans({
      {"20230115", "2023-01-15", "2023-01-15"},    {"2023W5", "2023-01-30", "2023-02-05"},
      {"2023WedW5", "2023-02-01", "2023-02-07"},   {"2023ThuW5", "2023-01-26", "2023-02-01"},
      {"2023FriW5", "2023-01-27", "2023-02-02"},   {"2023SatW5", "2023-01-28", "2023-02-03"},
      {"2023SunW5", "2023-01-29", "2023-02-04"},   {"2023BiW1", "2023-01-02", "2023-01-15"},
      {"2023BiW3", "2023-01-30", "2023-02-12"},    {"202301", "2023-01-01", "2023-01-31"},
      {"202302B", "2023-03-01", "2023-04-30"},     {"2023Q1", "2023-01-01", "2023-03-31"},
      {"2023NovQ1", "2022-11-01", "2023-01-31"},   {"2023NovQ2", "2023-02-01", "2023-04-30"},
      {"2023NovQ3", "2023-05-01", "2023-07-31"},   {"2023NovQ4", "2023-08-01", "2023-10-31"},
      {"2023S1", "2023-01-01", "2023-06-30"},      {"2023S2", "2023-07-01", "2023-12-31"},
      {"2023AprilS1", "2023-04-01", "2023-09-30"}, {"2023AprilS2", "2023-10-01", "2024-03-31"},
      {"2023NovS1", "2022-11-01", "2023-04-30"},   {"2023NovS2", "2023-05-01", "2023-10-31"},
      {"2023", "2023-01-01", "2023-12-31"},
  });
}

TEST(PeriodTest, NamesFinancialYearsByStartYearExceptNovember) {
  ExpectSpans({{"2023Feb", "2023-02-01", "2024-01-31"},
               {"2023April", "2023-04-01", "2024-03-31"},
               {"2023July", "2023-07-01", "2024-06-30"},
               {"2023Aug", "2023-08-01", "2024-07-31"},
               {"2023Sep", "2023-09-01", "2024-08-31"},
               {"2023Oct", "2023-10-01", "2024-09-30"},
               {"2024Nov", "2023-11-01", "2024-10-31"}});
  ExpectForDate({{PeriodType::kFinancialFeb, "2024-01-31", "2023Feb"},
                 {PeriodType::kFinancialFeb, "2024-02-01", "2024Feb"},
                 {PeriodType::kFinancialApril, "2024-03-31", "2023April"},
                 {PeriodType::kFinancialApril, "2024-04-01", "2024April"},
                 {PeriodType::kFinancialJuly, "2024-06-30", "2023July"},
                 {PeriodType::kFinancialJuly, "2024-07-01", "2024July"},
                 {PeriodType::kFinancialAug, "2024-07-31", "2023Aug"},
                 {PeriodType::kFinancialAug, "2024-08-01", "2024Aug"},
                 {PeriodType::kFinancialSep, "2024-08-31", "2023Sep"},
                 {PeriodType::kFinancialSep, "2024-09-01", "2024Sep"},
                 {PeriodType::kFinancialOct, "2024-09-30", "2023Oct"},
                 {PeriodType::kFinancialOct, "2024-10-01", "2024Oct"},
                 {PeriodType::kFinancialNov, "2023-10-31", "2023Nov"},
                 {PeriodType::kFinancialNov, "2023-11-01", "2024Nov"},
                 {PeriodType::kFinancialNov, "2024-10-31", "2024Nov"}});
  EXPECT_EQ(Must("2023Feb").Days(), 365);
  EXPECT_EQ(Must("2023April").Days(), 366);  // holds 29 February 2024
  EXPECT_EQ(Must("2024Nov").Next().ToString(), "2025Nov");
  EXPECT_EQ(Must("2024Nov").Previous().ToString(), "2023Nov");
}

TEST(PeriodTest, NamesNovemberQuartersAndHalvesByTheYearTheyEndIn) {
  ExpectForDate({{PeriodType::kQuarterlyNov, "2022-11-01", "2023NovQ1"},
                 {PeriodType::kQuarterlyNov, "2023-01-31", "2023NovQ1"},
                 {PeriodType::kQuarterlyNov, "2023-02-01", "2023NovQ2"},
                 {PeriodType::kQuarterlyNov, "2023-10-31", "2023NovQ4"},
                 {PeriodType::kSixMonthlyNov, "2022-11-01", "2023NovS1"},
                 {PeriodType::kSixMonthlyNov, "2023-04-30", "2023NovS1"},
                 {PeriodType::kSixMonthlyNov, "2023-05-01", "2023NovS2"},
                 {PeriodType::kSixMonthlyApril, "2023-03-31", "2022AprilS2"},
                 {PeriodType::kSixMonthlyApril, "2023-04-01", "2023AprilS1"}});
  EXPECT_EQ(Must("2023NovQ4").Next().ToString(), "2024NovQ1");
  EXPECT_EQ(Must("2024NovQ1").Previous().ToString(), "2023NovQ4");
  EXPECT_EQ(Must("2023NovS2").Next().ToString(), "2024NovS1");
  EXPECT_EQ(Must("2023AprilS2").Next().ToString(), "2024AprilS1");
}

TEST(PeriodTest, ParsesAnyLetterCase) {
  const std::map<std::string, std::string> cases = {
      {"2023july", "2023July"},   {"2023JULY", "2023July"},   {"2023q1", "2023Q1"},
      {"2023wedw5", "2023WedW5"}, {"2023WEDW5", "2023WedW5"}, {"2023thuw5", "2023ThuW5"},
      {"2023friw5", "2023FriW5"}, {"2023satw5", "2023SatW5"}, {"2023sunw5", "2023SunW5"},
      {"2023biw1", "2023BiW1"},   {"2023BIW1", "2023BiW1"},   {"2023aprils1", "2023AprilS1"},
      {"2023novq1", "2023NovQ1"}, {"2023NOVS1", "2023NovS1"}, {"2023w5", "2023W5"},
      {"2023s2", "2023S2"},       {"202301b", "202301B"},     {"2023april", "2023April"},
      {"2023feb", "2023Feb"},     {"2023AUG", "2023Aug"},     {"2023sep", "2023Sep"},
      {"2023oCt", "2023Oct"},     {"2024nov", "2024Nov"},
  };
  for (const auto& [text, id] : cases) EXPECT_EQ(Must(text).ToString(), id) << text;
}

// DHIS2's patterns (DateUnitType) take one or two week digits, so "2023W05" is week 5, and
// accept yyyy-MM and yyyy-MM-dd for months and days. Output is always DHIS2's canonical form.
TEST(PeriodTest, AcceptsDhis2AlternativeFormsAndPrintsCanonicalOnes) {
  const std::map<std::string, std::string> cases = {
      {"2023W05", "2023W5"},       {"2023W01", "2023W1"},       {"2023BiW01", "2023BiW1"},
      {"2023WedW05", "2023WedW5"}, {"2023SunW09", "2023SunW9"}, {"2023-01", "202301"},
      {"2023-12", "202312"},       {"2023-01-15", "20230115"},  {"2024-02-29", "20240229"},
  };
  for (const auto& [text, id] : cases) EXPECT_EQ(Must(text).ToString(), id) << text;
  EXPECT_EQ(Must("2023W05"), Must("2023W5"));
}

TEST(PeriodTest, PrintsWeeksUnpaddedAndMonthsPadded) {
  EXPECT_EQ(Period::Make(PeriodType::kWeekly, 2023, 5)->ToString(), "2023W5");
  EXPECT_EQ(Period::Make(PeriodType::kBiWeekly, 2023, 9)->ToString(), "2023BiW9");
  EXPECT_EQ(Period::Make(PeriodType::kMonthly, 2023, 5)->ToString(), "202305");
  EXPECT_EQ(Period::Make(PeriodType::kBiMonthly, 2023, 5)->ToString(), "202305B");
  EXPECT_EQ(Period::Make(PeriodType::kDaily, 2023, 1)->ToString(), "20230101");
  EXPECT_EQ(Period::Make(PeriodType::kDaily, 2023, 365)->ToString(), "20231231");
}

struct ErrorCase {
  const char* text;
  const char* message;  // expected part of the message
};

TEST(PeriodTest, RejectsMalformedIdentifiersSayingWhatAndWhere) {
  const ErrorCase cases[] = {
      {"", "the period is empty"},
      {"abc", "a period starts with a 4-digit year"},
      {"202", "a period starts with a 4-digit year"},
      {"20a3Q1", "a period starts with a 4-digit year"},
      {" 2023Q1", "a period starts with a 4-digit year"},
      {"2023Q1x", "unexpected \"x\" after \"2023Q1\""},
      {"2023W5 ", "unexpected \" \" after \"2023W5\""},
      {"202301Bx", "unexpected \"x\" after \"202301B\""},
      {"20230115x", "unexpected \"x\" after \"20230115\""},
      {"2023-01-15x", "unexpected \"x\" after \"2023-01-15\""},
      {"2023Aprilx", "unknown period form \"Aprilx\""},
      {"2023Apr", "unknown period form \"Apr\""},
      {"2023Sept", "unknown period form \"Sept\""},
      {"2023M01", "unknown period form \"M01\""},
      {"2023Nov1", "unknown period form \"Nov1\""},
      {"2023 ", "unknown period form \" \""},
      {"20231", "expected 2 digits after the year"},
      {"2023123", "expected 2 digits after the year"},
      {"20231B", "expected 2 digits after the year"},
      {"10000", "expected 2 digits after the year"},
      {"2023-1", "expected yyyy-MM for a month or yyyy-MM-dd for a day"},
      {"2023-01-1", "expected yyyy-MM for a month or yyyy-MM-dd for a day"},
      {"2023W", "missing the week number after \"W\""},
      {"2023BiW", "missing the bi-week number after \"BiW\""},
      {"2023AprilS", "missing the half-year number after \"AprilS\""},
      {"2023W123", "the week number after \"W\" has one or two digits, not 3"},
      {"2023Q01", "the quarter number after \"Q\" has one digit, not 2"},
      {"2023S01", "the half-year number after \"S\" has one digit, not 2"},
  };
  for (const ErrorCase& c : cases) {
    Result<Period> p = Period::Parse(c.text);
    ASSERT_FALSE(p.ok()) << c.text << " parsed as " << p->ToString();
    EXPECT_EQ(p.error().code, ErrorCode::kInvalidArgument);
    EXPECT_NE(p.error().message.find(c.message), std::string::npos)
        << c.text << ": " << p.error().message;
    EXPECT_EQ(p.error().where, "period \"" + std::string(c.text) + "\"");
  }
}

TEST(PeriodTest, RejectsOutOfRangeNumbersSayingWhichOne) {
  const ErrorCase cases[] = {
      {"202300", "month 00 does not exist"},
      {"202313", "month 13 does not exist"},
      {"2023-13", "month 13 does not exist"},
      {"20231301", "month 13 does not exist"},
      {"20230230", "day 30 does not exist in February 2023"},
      {"20230229", "29 February does not exist in 2023 (not a leap year)"},
      {"2023-02-29", "29 February does not exist in 2023 (not a leap year)"},
      {"21000229", "29 February does not exist in 2100 (not a leap year)"},
      {"20230431", "day 31 does not exist in April 2023"},
      {"20230100", "day 00 does not exist in January 2023"},
      {"2021W53", "week 53 does not exist: 2021 has 52 ISO weeks"},
      {"2023W0", "week 0 does not exist"},
      {"2023W54", "week 54 does not exist"},
      {"2023WedW53", "week 53 does not exist: 2023 has 52 Wednesday-start weeks"},
      {"2022ThuW53", "week 53 does not exist: 2022 has 52 Thursday-start weeks"},
      {"2023FriW53", "week 53 does not exist: 2023 has 52 Friday-start weeks"},
      {"2023SatW53", "week 53 does not exist: 2023 has 52 Saturday-start weeks"},
      {"2026SunW53", "week 53 does not exist: 2026 has 52 Sunday-start weeks"},
      {"2021BiW27", "bi-week 27 does not exist: 2021 has 26 bi-weeks"},
      {"2023BiW0", "bi-week 0 does not exist"},
      {"202300B", "bi-month 00 does not exist"},
      {"202307B", "bi-month 07 does not exist"},
      {"2023Q0", "quarter 0 does not exist"},
      {"2023Q5", "quarter 5 does not exist"},
      {"2023NovQ5", "quarter 5 does not exist"},
      {"2023S3", "half-year 3 does not exist"},
      {"2023S0", "half-year 0 does not exist"},
      {"2023AprilS3", "half-year 3 does not exist"},
      {"2023NovS3", "half-year 3 does not exist"},
      {"0999", "year 0999 is outside the supported range 1000 to 9999"},
      {"0999Q1", "year 0999 is outside the supported range 1000 to 9999"},
      {"0000April", "year 0000 is outside the supported range 1000 to 9999"},
      {"099901", "year 0999 is outside the supported range 1000 to 9999"},
  };
  for (const ErrorCase& c : cases) {
    Result<Period> p = Period::Parse(c.text);
    ASSERT_FALSE(p.ok()) << c.text << " parsed as " << p->ToString();
    EXPECT_EQ(p.error().code, ErrorCode::kInvalidArgument);
    EXPECT_NE(p.error().message.find(c.message), std::string::npos)
        << c.text << ": " << p.error().message;
    EXPECT_EQ(p.error().where, "period \"" + std::string(c.text) + "\"");
  }
}

TEST(PeriodTest, AcceptsTheYearRangeEdges) {
  EXPECT_EQ(Must("1000").ToString(), "1000");
  EXPECT_EQ(Must("9999Q4").ToString(), "9999Q4");
  EXPECT_EQ(Must("99991231").ToString(), "99991231");
  EXPECT_EQ(Span(Must("1000Nov")), "0999-11-01..1000-10-31");
  EXPECT_EQ(Span(Must("9999April")), "9999-04-01..10000-03-31");
}

TEST(PeriodTest, StepsJustOutsideTheYearRangeWithoutCrashing) {
  const Period before = Must("1000Q1").Previous();
  EXPECT_EQ(before.ToString(), "0999Q4");
  EXPECT_EQ(Span(before), "0999-10-01..0999-12-31");
  EXPECT_FALSE(Period::FromCode(before.Code()).ok());
  EXPECT_FALSE(Period::Parse(before.ToString()).ok());
  EXPECT_EQ(Must("9999Nov").Next().ToString(), "10000Nov");
  // 1000W1 starts on 0999-12-30, so the first week inside 1000 is 1000W2.
  EXPECT_EQ(Must("1000").Within(PeriodType::kWeekly).front().ToString(), "1000W2");
  EXPECT_EQ(Period::ForDate(PeriodType::kFinancialNov, D("9999-12-31")).ToString(), "10000Nov");
}

// --- Weeks and bi-weeks across year ends ----------------------------------------------------

struct YearEndCase {
  const char* last;        // last week of a year
  const char* last_start;  // its first day
  const char* first;       // week 1 of the next year
  const char* first_start;
};

void ExpectYearEnds(const std::vector<YearEndCase>& cases) {
  for (const YearEndCase& c : cases) {
    const Period last = Must(c.last);
    const Period first = Must(c.first);
    EXPECT_EQ(last.start(), D(c.last_start)) << c.last;
    EXPECT_EQ(first.start(), D(c.first_start)) << c.first;
    EXPECT_EQ(last.Days(), 7) << c.last;
    EXPECT_EQ(last.Next(), first) << c.last;
    EXPECT_EQ(first.Previous(), last) << c.first;
    EXPECT_EQ(first.start(), last.end().AddDays(1)) << c.first;
    EXPECT_EQ(first.index(), 1);
    EXPECT_EQ(last.index(), Period::CountInYear(last.type(), last.year())) << c.last;
    EXPECT_EQ(Period::ForDate(last.type(), last.end()), last) << c.last;
    EXPECT_EQ(Period::ForDate(first.type(), first.start()), first) << c.first;
  }
}

TEST(PeriodTest, WalksIsoWeeksAcrossYearEnds) {
  ExpectYearEnds({{"2020W53", "2020-12-28", "2021W1", "2021-01-04"},
                  {"2015W53", "2015-12-28", "2016W1", "2016-01-04"},
                  {"2025W52", "2025-12-22", "2026W1", "2025-12-29"},
                  {"2026W53", "2026-12-28", "2027W1", "2027-01-04"},
                  {"2022W52", "2022-12-26", "2023W1", "2023-01-02"},
                  {"2023W52", "2023-12-25", "2024W1", "2024-01-01"}});
  EXPECT_EQ(Period::CountInYear(PeriodType::kWeekly, 2015), 53);
  EXPECT_EQ(Period::CountInYear(PeriodType::kWeekly, 2020), 53);
  EXPECT_EQ(Period::CountInYear(PeriodType::kWeekly, 2021), 52);
  EXPECT_EQ(Period::CountInYear(PeriodType::kWeekly, 2026), 53);
  EXPECT_FALSE(Period::Parse("2021W53").ok());
  ExpectForDate({{PeriodType::kWeekly, "2021-01-01", "2020W53"},
                 {PeriodType::kWeekly, "2021-01-03", "2020W53"},
                 {PeriodType::kWeekly, "2021-01-04", "2021W1"},
                 {PeriodType::kWeekly, "2025-12-29", "2026W1"},
                 {PeriodType::kWeekly, "2024-12-31", "2025W1"},
                 {PeriodType::kWeekly, "2027-01-03", "2026W53"}});
}

// Week 1 of each week type is the week holding 4 January (DHIS2 numbers every week type with
// java.time WeekFields.of(startDay, 4)); a week belongs to the year of its fourth day.
TEST(PeriodTest, WalksOtherWeekStartsAcrossYearEnds) {
  ExpectYearEnds({
      {"2022WedW53", "2022-12-28", "2023WedW1", "2023-01-04"},
      {"2025WedW52", "2025-12-24", "2026WedW1", "2025-12-31"},
      {"2023ThuW53", "2023-12-28", "2024ThuW1", "2024-01-04"},
      {"2025ThuW52", "2025-12-25", "2026ThuW1", "2026-01-01"},
      {"2024FriW53", "2024-12-27", "2025FriW1", "2025-01-03"},
      {"2023FriW52", "2023-12-22", "2024FriW1", "2023-12-29"},
      {"2019SatW53", "2019-12-28", "2020SatW1", "2020-01-04"},
      {"2023SatW52", "2023-12-23", "2024SatW1", "2023-12-30"},
      {"2020SunW53", "2020-12-27", "2021SunW1", "2021-01-03"},
      {"2023SunW52", "2023-12-24", "2024SunW1", "2023-12-31"},
      {"2025SunW53", "2025-12-28", "2026SunW1", "2026-01-04"},
  });
  for (PeriodType type :
       {PeriodType::kWeekly, PeriodType::kWeeklyWednesday, PeriodType::kWeeklyThursday,
        PeriodType::kWeeklyFriday, PeriodType::kWeeklySaturday, PeriodType::kWeeklySunday}) {
    for (int year = 1990; year <= 2040; ++year) {
      const Period w1 = *Period::Make(type, year, 1);
      const Date jan4 = Date::FromYmd(year, 1, 4);
      EXPECT_TRUE(w1.Contains(jan4)) << w1.ToString();
      EXPECT_FALSE(w1.Previous().Contains(jan4)) << w1.ToString();
    }
  }
}

TEST(PeriodTest, WeekStartsOnItsOwnWeekday) {
  const std::map<PeriodType, Weekday> starts = {
      {PeriodType::kWeekly, Weekday::kMonday},
      {PeriodType::kWeeklyWednesday, Weekday::kWednesday},
      {PeriodType::kWeeklyThursday, Weekday::kThursday},
      {PeriodType::kWeeklyFriday, Weekday::kFriday},
      {PeriodType::kWeeklySaturday, Weekday::kSaturday},
      {PeriodType::kWeeklySunday, Weekday::kSunday},
      {PeriodType::kBiWeekly, Weekday::kMonday},
  };
  for (const auto& [type, weekday] : starts) {
    for (Date d = D("2023-12-01"); d < D("2024-02-01"); d = d.AddDays(1)) {
      EXPECT_EQ(Period::ForDate(type, d).start().weekday(), weekday)
          << PeriodTypeName(type) << " " << d.ToString();
    }
  }
}

// DHIS2: BiW n is ISO weeks 2n-1 and 2n; in a 53-week year BiW27 is week 53 plus the next year's
// week 1 and overlaps that year's BiW1.
TEST(PeriodTest, WalksBiWeeksAcrossYearEnds) {
  const Period w26 = Must("2020BiW26");
  const Period w27 = Must("2020BiW27");
  const Period next1 = Must("2021BiW1");
  EXPECT_EQ(Span(w26), "2020-12-14..2020-12-27");
  EXPECT_EQ(w26.Next(), w27);
  EXPECT_EQ(w27.Next(), next1);
  // As dhis2-core: the previous bi-week starts 14 days earlier, so 2021BiW1's is 2020BiW26 and
  // Previous() does not undo Next() across BiW27.
  EXPECT_EQ(next1.Previous(), w26);
  EXPECT_EQ(w27.Previous(), w26);
  EXPECT_EQ(next1.Plus(-2), Must("2020BiW25"));
  EXPECT_EQ(w26.Plus(2), next1);
  EXPECT_EQ(w27.Days(), 14);
  EXPECT_EQ(next1.start(), w27.start().AddDays(7));  // the documented overlap
  ExpectForDate({{PeriodType::kBiWeekly, "2020-12-28", "2020BiW27"},
                 {PeriodType::kBiWeekly, "2021-01-03", "2020BiW27"},
                 {PeriodType::kBiWeekly, "2021-01-04", "2021BiW1"},
                 {PeriodType::kBiWeekly, "2021-01-10", "2021BiW1"}});
  // A 52-week year ends with BiW26, followed without overlap.
  EXPECT_EQ(Span(Must("2025BiW26")), "2025-12-15..2025-12-28");
  EXPECT_EQ(Must("2025BiW26").Next().ToString(), "2026BiW1");
  EXPECT_EQ(Span(Must("2026BiW1")), "2025-12-29..2026-01-11");
  EXPECT_EQ(Span(Must("2026BiW27")), "2026-12-28..2027-01-10");
  EXPECT_EQ(Must("2026BiW27").Next().ToString(), "2027BiW1");
  EXPECT_EQ(Period::CountInYear(PeriodType::kBiWeekly, 2015), 27);
  EXPECT_EQ(Period::CountInYear(PeriodType::kBiWeekly, 2025), 26);
  EXPECT_EQ(Period::CountInYear(PeriodType::kBiWeekly, 2026), 27);
  // Bi-week n starts on the Monday of ISO week 2n-1.
  for (int n = 1; n <= 26; ++n) {
    EXPECT_EQ(Period::Make(PeriodType::kBiWeekly, 2023, n)->start(),
              Period::Make(PeriodType::kWeekly, 2023, 2 * n - 1)->start());
  }
}

TEST(PeriodTest, PlusSkipsWholeYears) {
  EXPECT_EQ(Must("202311").Plus(3).ToString(), "202402");
  EXPECT_EQ(Must("202301").Plus(-1).ToString(), "202212");
  EXPECT_EQ(Must("202301").Plus(-25).ToString(), "202012");
  EXPECT_EQ(Must("2023Q1").Plus(-5).ToString(), "2021Q4");
  EXPECT_EQ(Must("2023Q1").Plus(0).ToString(), "2023Q1");
  EXPECT_EQ(Must("2023").Plus(10).ToString(), "2033");
  EXPECT_EQ(Must("2023NovS1").Plus(3).ToString(), "2024NovS2");
  EXPECT_EQ(Must("2020W52").Plus(2).ToString(), "2021W1");
  EXPECT_EQ(Must("2021W1").Plus(-2).ToString(), "2020W52");
  EXPECT_EQ(Must("20231231").Plus(1).ToString(), "20240101");
  EXPECT_EQ(Must("20240301").Plus(-1).ToString(), "20240229");
  EXPECT_EQ(Must("2020BiW26").Plus(2).ToString(), "2021BiW1");
  // Back over 2020BiW27, 14 days a step as dhis2-core counts: one bi-week earlier than the
  // walk forward started (docs/PERIODS.md).
  EXPECT_EQ(Must("2021BiW1").Plus(-2).ToString(), "2020BiW25");
  EXPECT_EQ(Must("2019BiW1").Plus(26 + 27).ToString(), "2021BiW1");
  EXPECT_EQ(Must("2021BiW1").Plus(-(26 + 27)).ToString(), "2018BiW26");
}

// --- Leap years ----------------------------------------------------------------------------

TEST(PeriodTest, HandlesLeapYears) {
  EXPECT_EQ(Span(Must("202402")), "2024-02-01..2024-02-29");
  EXPECT_EQ(Must("202402").Days(), 29);
  EXPECT_EQ(Must("202302").Days(), 28);
  EXPECT_EQ(Must("2024Q1").Days(), 91);
  EXPECT_EQ(Must("2023Q1").Days(), 90);
  EXPECT_EQ(Must("2024").Days(), 366);
  EXPECT_EQ(Must("2023").Days(), 365);
  EXPECT_EQ(Must("2000").Days(), 366);
  EXPECT_EQ(Must("1900").Days(), 365);
  EXPECT_EQ(Span(Must("202401B")), "2024-01-01..2024-02-29");
  EXPECT_EQ(Must("20240229").Next().ToString(), "20240301");
  EXPECT_EQ(Must("20240229").index(), 60);
  EXPECT_EQ(Must("20240301").index(), 61);
  EXPECT_EQ(Must("20230301").index(), 60);
  EXPECT_TRUE(Period::Parse("20000229").ok());
  EXPECT_FALSE(Period::Parse("19000229").ok());
  EXPECT_EQ(Period::CountInYear(PeriodType::kDaily, 2024), 366);
  EXPECT_EQ(Period::CountInYear(PeriodType::kDaily, 2023), 365);
  EXPECT_EQ(Period::Make(PeriodType::kDaily, 2024, 366)->ToString(), "20241231");
  EXPECT_FALSE(Period::Make(PeriodType::kDaily, 2023, 366).ok());
}

// --- Make, Code ------------------------------------------------------------------------------

TEST(PeriodTest, MakeValidatesTheIndex) {
  EXPECT_EQ(Period::Make(PeriodType::kQuarterlyNov, 2023, 1)->ToString(), "2023NovQ1");
  EXPECT_EQ(Period::Make(PeriodType::kFinancialNov, 2024, 1)->ToString(), "2024Nov");
  const struct {
    PeriodType type;
    int year;
    int index;
    const char* message;
  } cases[] = {
      {PeriodType::kWeekly, 2021, 53, "week 53 does not exist: 2021 has 52 ISO weeks"},
      {PeriodType::kMonthly, 2023, 13, "month 13 does not exist"},
      {PeriodType::kYearly, 2023, 2, "a Yearly period has index 1, not 2"},
      {PeriodType::kFinancialApril, 2023, 0, "a FinancialApril period has index 1, not 0"},
      {PeriodType::kDaily, 2023, 0, "day 0 of the year does not exist: 2023 has 365 days"},
      {PeriodType::kMonthly, 999, 1, "year 0999 is outside the supported range"},
      {PeriodType::kMonthly, 10000, 1, "year 10000 is outside the supported range"},
      {static_cast<PeriodType>(99), 2023, 1, "unknown period type 99"},
  };
  for (const auto& c : cases) {
    Result<Period> p = Period::Make(c.type, c.year, c.index);
    ASSERT_FALSE(p.ok()) << c.message;
    EXPECT_NE(p.error().message.find(c.message), std::string::npos) << p.error().message;
    EXPECT_FALSE(p.error().where.empty());
  }
}

TEST(PeriodTest, EncodesTypeYearAndIndexInCode) {
  EXPECT_EQ(Must("2023Q1").Code(), (10 << 24) | (2023 << 9) | 1);
  EXPECT_EQ(Must("2023Q1").Code(), 168807937);
  EXPECT_EQ(Must("20231231").Code(), (1 << 24) | (2023 << 9) | 365);
  EXPECT_EQ(Must("20241231").Code(), (1 << 24) | (2024 << 9) | 366);
  EXPECT_EQ(Must("9999FriW52").Code(), (23 << 24) | (9999 << 9) | 52);
  EXPECT_GT(Must("1000").Code(), 0);
  // Ordered by type first, then year, then index.
  EXPECT_LT(Must("99991231").Code(), Must("1000W1").Code());
  EXPECT_LT(Must("2023W52").Code(), Must("2024W1").Code());
  EXPECT_LT(Must("202312").Code(), Must("2023Q1").Code());
  EXPECT_LT(Must("2023W2").Code(), Must("2023W10").Code());
}

TEST(PeriodTest, RejectsCodesNoPeriodHas) {
  const struct {
    int32_t code;
    const char* message;
  } cases[] = {
      {0, "a period code is a positive number"},
      {-5, "a period code is a positive number"},
      {(99 << 24) | (2023 << 9) | 1, "unknown period type 99"},
      {(8 << 24) | (2023 << 9) | 13, "month 13 does not exist"},
      {(8 << 24) | (2023 << 9) | 0, "month 00 does not exist"},
      {(8 << 24) | (999 << 9) | 1, "year 0999 is outside"},
      {(2 << 24) | (2021 << 9) | 53, "week 53 does not exist"},
  };
  for (const auto& c : cases) {
    Result<Period> p = Period::FromCode(c.code);
    ASSERT_FALSE(p.ok()) << c.code;
    EXPECT_NE(p.error().message.find(c.message), std::string::npos) << p.error().message;
    EXPECT_EQ(p.error().where, "period code " + std::to_string(c.code));
  }
}

// --- Within, Containing ------------------------------------------------------------------------

TEST(PeriodTest, ListsFinerPeriodsWithin) {
  EXPECT_EQ(Join(Must("2023Q1").Months()), "202301 202302 202303");
  EXPECT_EQ(Join(Must("2023").Within(PeriodType::kQuarterly)), "2023Q1 2023Q2 2023Q3 2023Q4");
  EXPECT_EQ(Join(Must("2023S1").Within(PeriodType::kQuarterly)), "2023Q1 2023Q2");
  EXPECT_EQ(Join(Must("2023").Within(PeriodType::kBiMonthly)),
            "202301B 202302B 202303B 202304B 202305B 202306B");
  EXPECT_EQ(Join(Must("2023NovQ1").Months()), "202211 202212 202301");
  EXPECT_EQ(Join(Must("2024Nov").Within(PeriodType::kQuarterlyNov)),
            "2024NovQ1 2024NovQ2 2024NovQ3 2024NovQ4");
  EXPECT_EQ(Join(Must("2024Nov").Within(PeriodType::kSixMonthlyNov)), "2024NovS1 2024NovS2");
  EXPECT_EQ(Join(Must("2023April").Within(PeriodType::kSixMonthlyApril)),
            "2023AprilS1 2023AprilS2");
  EXPECT_EQ(Join(Must("2023April").Within(PeriodType::kQuarterly)), "2023Q2 2023Q3 2023Q4 2024Q1");
  EXPECT_EQ(Must("2023").Months().size(), 12u);
  EXPECT_EQ(Must("202302").Within(PeriodType::kDaily).size(), 28u);
  EXPECT_EQ(Must("202402").Within(PeriodType::kDaily).size(), 29u);
  EXPECT_EQ(Must("2024").Within(PeriodType::kDaily).size(), 366u);
  // Only weeks entirely inside: 2023W1 (2 to 8 January) to 2023W4 (23 to 29 January).
  EXPECT_EQ(Join(Must("202301").Within(PeriodType::kWeekly)), "2023W1 2023W2 2023W3 2023W4");
  // 2020W1 starts in 2019 and 2020W53 ends in 2021: 2020W2 to 2020W52 remain.
  EXPECT_EQ(Must("2020").Within(PeriodType::kWeekly).size(), 51u);
  EXPECT_EQ(Must("2020").Within(PeriodType::kWeekly).back().ToString(), "2020W52");
  EXPECT_EQ(Join(Must("2020BiW27").Within(PeriodType::kWeekly)), "2020W53 2021W1");
  EXPECT_EQ(Must("2021").Within(PeriodType::kBiWeekly).size(), 25u);  // 2021BiW26 ends in 2022
  EXPECT_EQ(Must("2021").Within(PeriodType::kBiWeekly).front().ToString(), "2021BiW1");
}

TEST(PeriodTest, WithinItsOwnTypeOrACoarserOneIsItselfOrNothing) {
  EXPECT_EQ(Join(Must("2023Q1").Within(PeriodType::kQuarterly)), "2023Q1");
  EXPECT_EQ(Join(Must("2023W5").Within(PeriodType::kWeekly)), "2023W5");
  EXPECT_TRUE(Must("2023Q1").Within(PeriodType::kYearly).empty());
  EXPECT_TRUE(Must("202301").Within(PeriodType::kYearly).empty());
  EXPECT_TRUE(Must("2023W5").Within(PeriodType::kMonthly).empty());
}

TEST(PeriodTest, FindsTheCoarserPeriodContainingIt) {
  EXPECT_EQ(Must("202305").Quarter()->ToString(), "2023Q2");
  EXPECT_EQ(Must("202305").Year()->ToString(), "2023");
  EXPECT_EQ(Must("202305").Containing(PeriodType::kQuarterlyNov)->ToString(), "2023NovQ3");
  EXPECT_EQ(Must("202311").Containing(PeriodType::kQuarterlyNov)->ToString(), "2024NovQ1");
  EXPECT_EQ(Must("202311").Containing(PeriodType::kFinancialNov)->ToString(), "2024Nov");
  EXPECT_EQ(Must("202310").Containing(PeriodType::kFinancialNov)->ToString(), "2023Nov");
  EXPECT_EQ(Must("202301").Containing(PeriodType::kFinancialApril)->ToString(), "2022April");
  EXPECT_EQ(Must("2023Q1").Containing(PeriodType::kSixMonthlyApril)->ToString(), "2022AprilS2");
  EXPECT_EQ(Must("2023W5").Containing(PeriodType::kQuarterly)->ToString(), "2023Q1");
  EXPECT_EQ(Must("20230115").Containing(PeriodType::kWeekly)->ToString(), "2023W2");
  EXPECT_EQ(Must("2021W1").Containing(PeriodType::kBiWeekly)->ToString(), "2021BiW1");
  EXPECT_EQ(Must("2023Q1").Containing(PeriodType::kQuarterly)->ToString(), "2023Q1");
  EXPECT_EQ(Must("202302B").Containing(PeriodType::kSixMonthly)->ToString(), "2023S1");
}

TEST(PeriodTest, ContainingReportsAPeriodThatStraddlesTwo) {
  Result<Period> month = Must("2023W5").Containing(PeriodType::kMonthly);
  ASSERT_FALSE(month.ok());
  EXPECT_EQ(month.error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(month.error().message,
            "2023W5 (2023-01-30 to 2023-02-05) is not within a single Monthly period: it starts "
            "in 202301 and ends in 202302");
  EXPECT_EQ(month.error().where, "period \"2023W5\"");
  Result<Period> year = Must("2020W53").Year();
  ASSERT_FALSE(year.ok());
  EXPECT_NE(year.error().message.find("starts in 2020 and ends in 2021"), std::string::npos);
  EXPECT_FALSE(Must("2023Q1").Containing(PeriodType::kMonthly).ok());
  EXPECT_FALSE(Must("2023Q1").Containing(PeriodType::kQuarterlyNov).ok());
  EXPECT_EQ(Must("202303B").Quarter()->ToString(), "2023Q2");  // May-June
  EXPECT_FALSE(Must("202302B").Quarter().ok());                // March-April
}

// --- Types -------------------------------------------------------------------------------------

TEST(PeriodTest, NamesAndParsesPeriodTypes) {
  ASSERT_EQ(AllPeriodTypes().size(), 23u);
  for (size_t i = 1; i < AllPeriodTypes().size(); ++i) {
    EXPECT_LT(AllPeriodTypes()[i - 1], AllPeriodTypes()[i]);
  }
  for (PeriodType type : AllPeriodTypes()) {
    const std::string name(PeriodTypeName(type));
    EXPECT_EQ(*ParsePeriodType(name), type) << name;
    EXPECT_EQ(*ParsePeriodType(Lower(name)), type) << name;
    EXPECT_EQ(*ParsePeriodType(Upper(name)), type) << name;
  }
  EXPECT_EQ(PeriodTypeName(PeriodType::kWeeklyWednesday), "WeeklyWednesday");
  EXPECT_EQ(PeriodTypeName(PeriodType::kFinancialApril), "FinancialApril");
  EXPECT_EQ(PeriodTypeName(PeriodType::kQuarterlyNov), "QuarterlyNov");
  EXPECT_EQ(PeriodTypeName(PeriodType::kFinancialNov), "FinancialNov");
  Result<PeriodType> bad = ParsePeriodType("Fortnightly");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().message.find("unknown period type"), std::string::npos);
  EXPECT_NE(bad.error().message.find("BiWeekly"), std::string::npos);
  EXPECT_EQ(bad.error().where, "period type \"Fortnightly\"");
}

// --- Properties ------------------------------------------------------------------------------

// For every type, walks 30 years by Next() and checks that identifiers, codes, neighbours, Plus
// and ForDate agree. The only gap-or-overlap allowed is DHIS2's BiW27 (see period.h).
TEST(PeriodTest, EveryTypeWalksThirtyYearsConsistently) {
  const Date from = Date::FromYmd(1995, 1, 1);
  const Date until = Date::FromYmd(2025, 1, 1);
  for (PeriodType type : AllPeriodTypes()) {
    SCOPED_TRACE(std::string(PeriodTypeName(type)));
    std::vector<Period> walk;
    for (Period p = Period::ForDate(type, from); p.start() < until; p = p.Next()) {
      walk.push_back(p);
    }
    ASSERT_GE(walk.size(), 30u);
    EXPECT_TRUE(walk.front().Contains(from));
    std::map<int, int> per_year;
    int failures = 0;
    for (size_t i = 0; i < walk.size() && failures < 5; ++i) {
      const Period& p = walk[i];
      const std::string id = p.ToString();
      const auto fail = [&](const std::string& what) {
        ++failures;
        ADD_FAILURE() << id << ": " << what;
      };
      ++per_year[p.year()];
      if (p.type() != type) fail("wrong type");
      if (p.index() < 1 || p.index() > Period::CountInYear(type, p.year())) fail("index range");
      // Identifier and code round trips, in any letter case.
      for (const std::string& text : {id, Lower(id), Upper(id)}) {
        Result<Period> parsed = Period::Parse(text);
        if (!parsed.ok() || *parsed != p) fail("Parse(" + text + ")");
      }
      Result<Period> decoded = Period::FromCode(p.Code());
      if (!decoded.ok() || *decoded != p) fail("FromCode");
      Result<Period> made = Period::Make(type, p.year(), p.index());
      if (!made.ok() || *made != p) fail("Make");
      // Neighbours.
      const Period next = p.Next();
      const bool biweek_overlap = type == PeriodType::kBiWeekly && p.index() == 27;
      if (biweek_overlap) {
        if (next.start() != p.start().AddDays(7) || next.index() != 1) fail("BiW27 overlap");
      } else if (next.start() != p.end().AddDays(1)) {
        fail("Next().start() is not the day after end()");
      }
      // Previous() undoes Next() everywhere but across DHIS2's BiW27: the bi-week before
      // 2021BiW1 is the one starting 14 days earlier, 2020BiW26 (docs/PERIODS.md).
      const bool after_biweek_overlap =
          type == PeriodType::kBiWeekly && i > 0 && walk[i - 1].index() == 27;
      if (next.Previous() != (biweek_overlap ? walk[i - 1] : p)) fail("Next().Previous()");
      if (i > 0 && p.Previous() != (after_biweek_overlap ? walk[i - 2] : walk[i - 1])) {
        fail("Previous()");
      }
      if (i > 0 && !(walk[i - 1] < p && walk[i - 1].Code() < p.Code())) fail("order");
      for (int n : {2, 5, 13, 27, 53}) {
        if (i + n >= walk.size()) continue;
        // Stepping back over a BiW27 lands one bi-week earlier than where the walk started.
        bool crosses_overlap = false;
        for (size_t j = i; j < i + n && type == PeriodType::kBiWeekly; ++j) {
          crosses_overlap = crosses_overlap || walk[j].index() == 27;
        }
        if (crosses_overlap && i == 0) continue;
        const Period& back = crosses_overlap ? walk[i - 1] : p;
        if (p.Plus(n) != walk[i + n] || walk[i + n].Plus(-n) != back) {
          fail("Plus(" + std::to_string(n) + ")");
        }
      }
      // Every day of the period maps back to it (the second week of BiW27 belongs to BiW1).
      if (p.Days() != p.end().DaysSince(p.start()) + 1) fail("Days()");
      for (Date d = p.start(); d <= p.end(); d = d.AddDays(1)) {
        const Period expected = biweek_overlap && d >= next.start() ? next : p;
        if (Period::ForDate(type, d) != expected) {
          fail("ForDate(" + d.ToString() + ") is " + Period::ForDate(type, d).ToString());
          break;
        }
      }
    }
    // Each whole label year inside the walk has CountInYear periods.
    for (int year = 1996; year <= 2023; ++year) {
      EXPECT_EQ(per_year[year], Period::CountInYear(type, year)) << year;
    }
  }
}

TEST(PeriodTest, KnowsPeriodLengths) {
  for (PeriodType type : AllPeriodTypes()) {
    for (Period p = Period::ForDate(type, D("2019-01-01")); p.start() < D("2025-01-01");
         p = p.Next()) {
      const int days = p.Days();
      int min = 0, max = 0;
      switch (type) {
        case PeriodType::kDaily:
          min = max = 1;
          break;
        case PeriodType::kBiWeekly:
          min = max = 14;
          break;
        case PeriodType::kMonthly:
          min = 28;
          max = 31;
          break;
        case PeriodType::kBiMonthly:
          min = 59;
          max = 62;
          break;
        case PeriodType::kQuarterly:
        case PeriodType::kQuarterlyNov:
          min = 89;
          max = 92;
          break;
        case PeriodType::kSixMonthly:
        case PeriodType::kSixMonthlyApril:
        case PeriodType::kSixMonthlyNov:
          min = 181;
          max = 184;
          break;
        case PeriodType::kYearly:
        case PeriodType::kFinancialFeb:
        case PeriodType::kFinancialApril:
        case PeriodType::kFinancialJuly:
        case PeriodType::kFinancialAug:
        case PeriodType::kFinancialSep:
        case PeriodType::kFinancialOct:
        case PeriodType::kFinancialNov:
          min = 365;
          max = 366;
          break;
        default:  // weekly types
          min = max = 7;
      }
      EXPECT_GE(days, min) << p.ToString();
      EXPECT_LE(days, max) << p.ToString();
    }
  }
}

// Month-based periods start on the first of a month and end on the last day of one, and their
// months are exactly the months they hold.
TEST(PeriodTest, MonthBasedPeriodsTileIntoMonths) {
  for (PeriodType type : AllPeriodTypes()) {
    const Period probe = Period::ForDate(type, D("2023-06-15"));
    if (probe.start().day() != 1 || probe.Days() < 28) continue;  // not month-based
    for (Period p = Period::ForDate(type, D("2018-01-01")); p.start() < D("2026-01-01");
         p = p.Next()) {
      const std::vector<Period> months = p.Months();
      ASSERT_FALSE(months.empty()) << p.ToString();
      EXPECT_EQ(months.front().start(), p.start()) << p.ToString();
      EXPECT_EQ(months.back().end(), p.end()) << p.ToString();
      for (const Period& m : months) EXPECT_EQ(*m.Containing(type), p) << m.ToString();
    }
  }
}

// Samples dates over the whole supported range, every type.
TEST(PeriodTest, EveryDateFromYear1001To9998BelongsToAPeriodOfEachType) {
  const Date last = Date::FromYmd(9998, 12, 31);
  for (PeriodType type : AllPeriodTypes()) {
    int failures = 0;
    for (Date d = Date::FromYmd(1001, 1, 1); d <= last && failures < 5; d = d.AddDays(97)) {
      const Period p = Period::ForDate(type, d);
      Result<Period> parsed = Period::Parse(p.ToString());
      Result<Period> decoded = Period::FromCode(p.Code());
      if (!p.Contains(d) || !parsed.ok() || *parsed != p || !decoded.ok() || *decoded != p) {
        ++failures;
        ADD_FAILURE() << PeriodTypeName(type) << " " << d.ToString() << " -> " << p.ToString();
      }
    }
  }
}

}  // namespace
}  // namespace keneya::core
