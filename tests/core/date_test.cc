#include "core/date.h"

#include <gtest/gtest.h>

#include <string>

namespace keneya::core {
namespace {

TEST(DateTest, DefaultIsTheEpoch) {
  EXPECT_EQ(Date().ToString(), "1970-01-01");
  EXPECT_EQ(Date().days_since_epoch(), 0);
  EXPECT_EQ(Date::FromYmd(1970, 1, 1), Date());
}

TEST(DateTest, ConvertsKnownDaysSinceEpoch) {
  // Values from Python's datetime.date.toordinal() - 719163.
  struct Case {
    int year, month, day;
    int32_t days;
  };
  const Case cases[] = {
      {1970, 1, 1, 0},         {1969, 12, 31, -1},     {2000, 1, 1, 10957},  {2000, 3, 1, 11017},
      {2023, 1, 15, 19372},    {2024, 2, 29, 19782},   {1900, 3, 1, -25508}, {1000, 1, 1, -354285},
      {9999, 12, 31, 2932896}, {1600, 2, 29, -135081}, {2100, 3, 1, 47541},
  };
  for (const Case& c : cases) {
    const Date d = Date::FromYmd(c.year, c.month, c.day);
    EXPECT_EQ(d.days_since_epoch(), c.days) << d.ToString();
    const Date back = Date::FromDays(c.days);
    EXPECT_EQ(back.year(), c.year);
    EXPECT_EQ(back.month(), c.month);
    EXPECT_EQ(back.day(), c.day);
  }
}

// Walks every day from 1 January 0001 to 31 December 9999 with a plain day counter and checks the
// conversion both ways: an independent check of the civil/days algorithms.
TEST(DateTest, AgreesWithDayByDayCalendarWalk) {
  int year = 1, month = 1, day = 1;
  int32_t days = Date::FromYmd(1, 1, 1).days_since_epoch();
  int failures = 0;
  while (year <= 9999) {
    const Date d = Date::FromDays(days);
    if (d.year() != year || d.month() != month || d.day() != day ||
        Date::FromYmd(year, month, day).days_since_epoch() != days) {
      if (++failures < 5) ADD_FAILURE() << year << "-" << month << "-" << day << " vs " << days;
    }
    ++days;
    if (++day > Date::DaysInMonth(year, month)) {
      day = 1;
      if (++month > 12) {
        month = 1;
        ++year;
      }
    }
  }
  EXPECT_EQ(failures, 0);
  EXPECT_EQ(days, Date::FromYmd(10000, 1, 1).days_since_epoch());
}

TEST(DateTest, KnowsLeapYears) {
  EXPECT_TRUE(Date::IsLeapYear(2024));
  EXPECT_TRUE(Date::IsLeapYear(2000));
  EXPECT_TRUE(Date::IsLeapYear(1600));
  EXPECT_FALSE(Date::IsLeapYear(2023));
  EXPECT_FALSE(Date::IsLeapYear(1900));
  EXPECT_FALSE(Date::IsLeapYear(2100));
}

TEST(DateTest, KnowsDaysInMonth) {
  EXPECT_EQ(Date::DaysInMonth(2023, 1), 31);
  EXPECT_EQ(Date::DaysInMonth(2023, 2), 28);
  EXPECT_EQ(Date::DaysInMonth(2024, 2), 29);
  EXPECT_EQ(Date::DaysInMonth(1900, 2), 28);
  EXPECT_EQ(Date::DaysInMonth(2000, 2), 29);
  EXPECT_EQ(Date::DaysInMonth(2023, 4), 30);
  EXPECT_EQ(Date::DaysInMonth(2023, 12), 31);
}

TEST(DateTest, ValidatesYearMonthDay) {
  EXPECT_TRUE(Date::IsValid(2024, 2, 29));
  EXPECT_FALSE(Date::IsValid(2023, 2, 29));
  EXPECT_FALSE(Date::IsValid(2023, 13, 1));
  EXPECT_FALSE(Date::IsValid(2023, 0, 1));
  EXPECT_FALSE(Date::IsValid(2023, 1, 0));
  EXPECT_FALSE(Date::IsValid(2023, 4, 31));
  EXPECT_EQ(Date::WhyInvalid(2024, 2, 29), "");
  EXPECT_EQ(Date::WhyInvalid(2023, 13, 1), "month 13 does not exist");
  EXPECT_EQ(Date::WhyInvalid(2023, 0, 1), "month 00 does not exist");
  EXPECT_EQ(Date::WhyInvalid(2023, 2, 29), "29 February does not exist in 2023 (not a leap year)");
  EXPECT_EQ(Date::WhyInvalid(2024, 2, 30), "day 30 does not exist in February 2024");
  EXPECT_EQ(Date::WhyInvalid(2023, 4, 31), "day 31 does not exist in April 2023");
  EXPECT_EQ(Date::WhyInvalid(2023, 1, 0), "day 00 does not exist in January 2023");
}

TEST(DateTest, NumbersWeekdaysAsIso) {
  EXPECT_EQ(Date().weekday(), Weekday::kThursday);                     // 1970-01-01
  EXPECT_EQ(Date::FromYmd(1969, 12, 29).weekday(), Weekday::kMonday);  // before the epoch
  EXPECT_EQ(Date::FromYmd(2000, 1, 1).weekday(), Weekday::kSaturday);
  EXPECT_EQ(Date::FromYmd(2024, 2, 29).weekday(), Weekday::kThursday);
  EXPECT_EQ(Date::FromYmd(2023, 1, 15).weekday(), Weekday::kSunday);
  EXPECT_EQ(Date::FromYmd(2025, 12, 29).weekday(), Weekday::kMonday);
  EXPECT_EQ(static_cast<int>(Weekday::kMonday), 1);
  EXPECT_EQ(static_cast<int>(Weekday::kSunday), 7);
  // Seven consecutive days cover every weekday once, in order.
  const Date monday = Date::FromYmd(2023, 1, 2);
  for (int i = 0; i < 7; ++i) {
    EXPECT_EQ(static_cast<int>(monday.AddDays(i).weekday()), i + 1);
    EXPECT_EQ(static_cast<int>(monday.AddDays(i - 7000).weekday()), i + 1);
  }
}

TEST(DateTest, CountsDayOfYear) {
  EXPECT_EQ(Date::FromYmd(2023, 1, 1).day_of_year(), 1);
  EXPECT_EQ(Date::FromYmd(2023, 3, 1).day_of_year(), 60);
  EXPECT_EQ(Date::FromYmd(2024, 3, 1).day_of_year(), 61);
  EXPECT_EQ(Date::FromYmd(2023, 12, 31).day_of_year(), 365);
  EXPECT_EQ(Date::FromYmd(2024, 12, 31).day_of_year(), 366);
}

TEST(DateTest, AddsAndSubtractsDays) {
  const Date d = Date::FromYmd(2024, 2, 28);
  EXPECT_EQ(d.AddDays(1).ToString(), "2024-02-29");
  EXPECT_EQ(d.AddDays(2).ToString(), "2024-03-01");
  EXPECT_EQ(d.AddDays(-59).ToString(), "2023-12-31");
  EXPECT_EQ(d.AddDays(366).ToString(), "2025-02-28");
  EXPECT_EQ(Date::FromYmd(2024, 3, 1).DaysSince(Date::FromYmd(2024, 2, 1)), 29);
  EXPECT_EQ(Date::FromYmd(2023, 3, 1).DaysSince(Date::FromYmd(2023, 2, 1)), 28);
  EXPECT_EQ(Date::FromYmd(2023, 2, 1).DaysSince(Date::FromYmd(2023, 3, 1)), -28);
}

TEST(DateTest, AddMonthsClampsToTheLastDayOfTheMonth) {
  EXPECT_EQ(Date::FromYmd(2024, 1, 31).AddMonths(1).ToString(), "2024-02-29");
  EXPECT_EQ(Date::FromYmd(2023, 1, 31).AddMonths(1).ToString(), "2023-02-28");
  EXPECT_EQ(Date::FromYmd(2023, 3, 31).AddMonths(-1).ToString(), "2023-02-28");
  EXPECT_EQ(Date::FromYmd(2023, 5, 31).AddMonths(1).ToString(), "2023-06-30");
  EXPECT_EQ(Date::FromYmd(2024, 2, 29).AddMonths(12).ToString(), "2025-02-28");
  EXPECT_EQ(Date::FromYmd(2024, 2, 29).AddMonths(48).ToString(), "2028-02-29");
}

TEST(DateTest, AddMonthsCrossesYearEnds) {
  EXPECT_EQ(Date::FromYmd(2023, 12, 15).AddMonths(1).ToString(), "2024-01-15");
  EXPECT_EQ(Date::FromYmd(2023, 1, 15).AddMonths(-1).ToString(), "2022-12-15");
  EXPECT_EQ(Date::FromYmd(2023, 1, 15).AddMonths(-13).ToString(), "2021-12-15");
  EXPECT_EQ(Date::FromYmd(2023, 1, 15).AddMonths(24).ToString(), "2025-01-15");
  EXPECT_EQ(Date::FromYmd(2023, 1, 15).AddMonths(0).ToString(), "2023-01-15");
}

TEST(DateTest, FormatsWithZeroPadding) {
  EXPECT_EQ(Date::FromYmd(2023, 1, 5).ToString(), "2023-01-05");
  EXPECT_EQ(Date::FromYmd(1000, 12, 31).ToString(), "1000-12-31");
  EXPECT_EQ(Date::FromYmd(999, 1, 1).ToString(), "0999-01-01");
}

TEST(DateTest, ComparesChronologically) {
  const Date a = Date::FromYmd(2023, 12, 31);
  const Date b = Date::FromYmd(2024, 1, 1);
  EXPECT_LT(a, b);
  EXPECT_GT(b, a);
  EXPECT_EQ(a.AddDays(1), b);
  EXPECT_NE(a, b);
}

TEST(DateTest, ParsesIsoDate) {
  Result<Date> d = Date::Parse("2024-02-29");
  ASSERT_TRUE(d.ok()) << d.error().ToString();
  EXPECT_EQ(*d, Date::FromYmd(2024, 2, 29));
  EXPECT_EQ(Date::Parse("1000-01-01")->ToString(), "1000-01-01");
  EXPECT_EQ(Date::Parse("9999-12-31")->ToString(), "9999-12-31");
}

TEST(DateTest, ParsesTimestampKeepingTheDate) {
  const char* texts[] = {"2023-01-15T10:20:30.123", "2023-01-15T10:20", "2023-01-15T23:59:59Z",
                         "2023-01-15T00:00:00+01:00", "2023-01-15 10:20:30"};
  for (const char* text : texts) {
    Result<Date> d = Date::Parse(text);
    ASSERT_TRUE(d.ok()) << text << ": " << d.error().ToString();
    EXPECT_EQ(d->ToString(), "2023-01-15") << text;
  }
}

TEST(DateTest, RejectsMalformedDatesSayingWhatAndWhere) {
  struct Case {
    const char* text;
    const char* message;
  };
  const Case cases[] = {
      {"", "expected a date written yyyy-MM-dd"},
      {"2023-1-15", "expected a date written yyyy-MM-dd"},
      {"2023/01/15", "expected a date written yyyy-MM-dd"},
      {"20230115", "expected a date written yyyy-MM-dd"},
      {"23-01-15", "expected a date written yyyy-MM-dd"},
      {"2023-01-1", "expected a date written yyyy-MM-dd"},
      {"2023-0a-15", "expected a date written yyyy-MM-dd"},
      {"2023-01-15x", "unexpected \"x\" after the date"},
      {"2023-01-15T", "unexpected \"T\" after the date"},
      {"2023-01-15T25:00", "unexpected \"T25:00\" after the date"},
      {"2023-01-15T10:60", "unexpected \"T10:60\" after the date"},
      {"2023-01-15T10:20 extra", "unexpected"},
      {"2023-13-01", "month 13 does not exist"},
      {"2023-00-10", "month 00 does not exist"},
      {"2023-02-29", "29 February does not exist in 2023 (not a leap year)"},
      {"2024-02-30", "day 30 does not exist in February 2024"},
      {"2023-04-31", "day 31 does not exist in April 2023"},
      {"2023-01-00", "day 00 does not exist in January 2023"},
  };
  for (const Case& c : cases) {
    Result<Date> d = Date::Parse(c.text);
    ASSERT_FALSE(d.ok()) << c.text;
    EXPECT_EQ(d.error().code, ErrorCode::kInvalidArgument) << c.text;
    EXPECT_NE(d.error().message.find(c.message), std::string::npos)
        << c.text << ": " << d.error().message;
    EXPECT_EQ(d.error().where, "date \"" + std::string(c.text) + "\"");
  }
}

TEST(DateTest, RangesOverlapWithOpenBounds) {
  const Date jan1 = Date::FromYmd(2024, 1, 1), jun30 = Date::FromYmd(2024, 6, 30),
             jul1 = Date::FromYmd(2024, 7, 1);
  EXPECT_TRUE(RangesOverlap(jan1, jun30, jun30, std::nullopt));  // a common last day
  EXPECT_FALSE(RangesOverlap(jan1, jun30, jul1, std::nullopt));  // the next day
  EXPECT_FALSE(RangesOverlap(jul1, std::nullopt, jan1, jun30));
  EXPECT_TRUE(RangesOverlap(std::nullopt, std::nullopt, jul1, jul1));
  EXPECT_TRUE(RangesOverlap(std::nullopt, jun30, jan1, std::nullopt));
  EXPECT_FALSE(RangesOverlap(std::nullopt, jan1, jul1, std::nullopt));
}

}  // namespace
}  // namespace keneya::core
