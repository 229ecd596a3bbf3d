// Calendar dates (proleptic Gregorian, no time of day, no time zone).
//
// A Date is a count of days since 1970-01-01, so date arithmetic is integer arithmetic and
// comparisons are cheap. Conversions to and from year/month/day use Howard Hinnant's public
// domain algorithms (http://howardhinnant.github.io/date_algorithms.html).
//
//   Result<Date> d = Date::Parse("2024-02-29");
//   d->AddDays(1).ToString();   // "2024-03-01"
//   d->weekday();               // Weekday::kThursday
#ifndef KENEYA_CORE_DATE_H_
#define KENEYA_CORE_DATE_H_

#include <compare>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/result.h"

namespace keneya::core {

// ISO 8601 numbering: Monday = 1 ... Sunday = 7.
enum class Weekday { kMonday = 1, kTuesday, kWednesday, kThursday, kFriday, kSaturday, kSunday };

class Date {
 public:
  // 1970-01-01.
  constexpr Date() = default;

  // The date year-month-day. Requires a valid date (see IsValid); use Parse for input.
  static Date FromYmd(int year, int month, int day);
  // The date `days` days after 1970-01-01 (negative: before).
  static constexpr Date FromDays(int32_t days) {
    Date d;
    d.days_ = days;
    return d;
  }
  // True when year/month/day names a real day (29 February only in leap years).
  static bool IsValid(int year, int month, int day);
  // Why year/month/day is not a real day, for error messages ("month 13 does not exist",
  // "29 February does not exist in 2023 (not a leap year)"); empty when IsValid.
  static Message WhyInvalidMessage(int year, int month, int day);
  // The same in English.
  static std::string WhyInvalid(int year, int month, int day);
  static bool IsLeapYear(int year);
  static int DaysInMonth(int year, int month);

  // Parses "yyyy-MM-dd" (the ISO 8601 calendar date DHIS2 writes). Also accepts a full
  // timestamp "yyyy-MM-ddTHH:mm:ss..." and keeps its date part.
  static Result<Date> Parse(std::string_view text);

  int year() const;
  int month() const;  // 1..12
  int day() const;    // 1..31
  Weekday weekday() const;
  int day_of_year() const;  // 1..366
  int32_t days_since_epoch() const { return days_; }

  Date AddDays(int32_t n) const { return FromDays(days_ + n); }
  // Same day n months later, clamped to the month's last day (31 Jan + 1 month = 28/29 Feb).
  Date AddMonths(int n) const;
  // Days from `other` to this date (this - other).
  int32_t DaysSince(Date other) const { return days_ - other.days_; }

  // "yyyy-MM-dd".
  std::string ToString() const;

  friend constexpr auto operator<=>(Date a, Date b) = default;

 private:
  int32_t days_ = 0;
};

// The day Keneya reckons deadlines, windows and tasks from: today's date in UTC (Mali's time
// zone). KENEYA_TODAY ("yyyy-MM-dd") sets it, so that the demo and the tests see the same
// deadlines every time: NowMs() then runs on that day (its time of day from the system clock),
// and what is recorded (an audit entry, a report's date) is dated that day too.
Date Today();
// KENEYA_TODAY's date; nullopt when it is unset or not a date.
std::optional<Date> TodaySetting();
// An error naming KENEYA_TODAY when it is set to something that is not a date: the command line
// checks it before anything else, and the clock then ignores such a setting.
Status CheckTodaySetting();

// Whether two ranges of days, bounds included, share a day; a missing bound is open (a contract
// without an end, a table row valid since always).
constexpr bool RangesOverlap(std::optional<Date> from_a, std::optional<Date> to_a,
                             std::optional<Date> from_b, std::optional<Date> to_b) {
  return !(to_a && from_b && *to_a < *from_b) && !(to_b && from_a && *to_b < *from_a);
}

}  // namespace keneya::core

#endif  // KENEYA_CORE_DATE_H_
