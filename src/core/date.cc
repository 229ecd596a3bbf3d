#include "core/date.h"

#include <cassert>
#include <cstdio>
#include <cstdlib>

#include "core/timestamp.h"

namespace keneya::core {
namespace {

// The months in words, January first.
constexpr const char* kMonthIds[] = {
    "core.month.january",   "core.month.february", "core.month.march",    "core.month.april",
    "core.month.may",       "core.month.june",     "core.month.july",     "core.month.august",
    "core.month.september", "core.month.october",  "core.month.november", "core.month.december"};

// Days from 1970-01-01 to year-month-day in the proleptic Gregorian calendar.
// Howard Hinnant's days_from_civil (http://howardhinnant.github.io/date_algorithms.html):
// shift the year to start on 1 March so that the leap day is the last day of the year, then
// count whole 400-year eras (146097 days each) and the days within the era.
int32_t DaysFromCivil(int year, int month, int day) {
  const int y = month <= 2 ? year - 1 : year;
  const int era = (y >= 0 ? y : y - 399) / 400;
  const int year_of_era = y - era * 400;  // [0, 399]
  const int day_of_year =
      (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1;  // [0, 365]
  const int day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
  return era * 146097 + day_of_era - 719468;  // 719468 = days from 0000-03-01 to 1970-01-01
}

struct Ymd {
  int year;
  int month;
  int day;
};

// The inverse of DaysFromCivil (Hinnant's civil_from_days).
Ymd CivilFromDays(int32_t days) {
  const int z = days + 719468;
  const int era = (z >= 0 ? z : z - 146096) / 146097;
  const int day_of_era = z - era * 146097;  // [0, 146096]
  const int year_of_era =
      (day_of_era - day_of_era / 1460 + day_of_era / 36524 - day_of_era / 146096) / 365;
  const int day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
  const int mp = (5 * day_of_year + 2) / 153;  // month counted from March = 0
  const int day = day_of_year - (153 * mp + 2) / 5 + 1;
  const int month = mp < 10 ? mp + 3 : mp - 9;
  const int year = year_of_era + era * 400 + (month <= 2 ? 1 : 0);
  return {year, month, day};
}

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

// Parses exactly `count` decimal digits at text[pos...]; -1 when one of them is not a digit.
int ParseDigits(std::string_view text, size_t pos, size_t count) {
  if (pos + count > text.size()) return -1;
  int value = 0;
  for (size_t i = pos; i < pos + count; ++i) {
    if (!IsDigit(text[i])) return -1;
    value = value * 10 + (text[i] - '0');
  }
  return value;
}

std::string TwoDigits(int value) {
  char buffer[16];
  std::snprintf(buffer, sizeof buffer, "%02d", value);
  return buffer;
}

// Checks the time part of a timestamp, text[pos...] after the 'T': "HH:mm" followed optionally
// by seconds, fractions and a zone ("Z", "+01:00"). The time is then dropped.
bool IsValidTimeSuffix(std::string_view text, size_t pos) {
  const int hour = ParseDigits(text, pos, 2);
  const int minute = ParseDigits(text, pos + 3, 2);
  if (hour < 0 || hour > 23 || text.size() < pos + 5 || text[pos + 2] != ':' || minute < 0 ||
      minute > 59) {
    return false;
  }
  for (size_t i = pos + 5; i < text.size(); ++i) {
    const char c = text[i];
    if (!IsDigit(c) && c != ':' && c != '.' && c != '+' && c != '-' && c != 'Z') return false;
  }
  return true;
}

}  // namespace

Message Date::WhyInvalidMessage(int year, int month, int day) {
  if (month < 1 || month > 12)
    return Message("core.date.no_such_month", {{"month", TwoDigits(month)}});
  if (month == 2 && day == 29 && !IsLeapYear(year)) {
    return Message("core.date.not_a_leap_year", {{"year", year}});
  }
  if (day < 1 || day > DaysInMonth(year, month)) {
    return Message(
        "core.date.no_such_day",
        {{"day", TwoDigits(day)}, {"month", Message(kMonthIds[month - 1])}, {"year", year}});
  }
  return {};
}

std::string Date::WhyInvalid(int year, int month, int day) {
  return Render(WhyInvalidMessage(year, month, day), Language::kEnglish);
}

Date Date::FromYmd(int year, int month, int day) {
  assert(IsValid(year, month, day));
  return FromDays(DaysFromCivil(year, month, day));
}

bool Date::IsValid(int year, int month, int day) {
  return month >= 1 && month <= 12 && day >= 1 && day <= DaysInMonth(year, month);
}

bool Date::IsLeapYear(int year) { return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0; }

int Date::DaysInMonth(int year, int month) {
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  assert(month >= 1 && month <= 12);
  return month == 2 && IsLeapYear(year) ? 29 : kDays[month - 1];
}

Result<Date> Date::Parse(std::string_view text) {
  const Message where("core.date.place", {{"text", text}});
  const int year = ParseDigits(text, 0, 4);
  const int month = ParseDigits(text, 5, 2);
  const int day = ParseDigits(text, 8, 2);
  if (year < 0 || month < 0 || day < 0 || text[4] != '-' || text[7] != '-') {
    return InvalidArgument(Message("core.date.expected_form"), where);
  }
  if (text.size() > 10) {
    const char separator = text[10];
    if ((separator != 'T' && separator != ' ') || !IsValidTimeSuffix(text, 11)) {
      return InvalidArgument(Message("core.date.unexpected_after", {{"rest", text.substr(10)}}),
                             where);
    }
  }
  if (Message problem = WhyInvalidMessage(year, month, day); !problem.empty()) {
    return InvalidArgument(std::move(problem), where);
  }
  return FromYmd(year, month, day);
}

int Date::year() const { return CivilFromDays(days_).year; }
int Date::month() const { return CivilFromDays(days_).month; }
int Date::day() const { return CivilFromDays(days_).day; }

Weekday Date::weekday() const {
  // 1970-01-01 was a Thursday (ISO 4).
  const int offset = ((days_ % 7) + 7 + 3) % 7;  // 0 = Monday
  return static_cast<Weekday>(offset + 1);
}

int Date::day_of_year() const { return days_ - DaysFromCivil(year(), 1, 1) + 1; }

Date Date::AddMonths(int n) const {
  const Ymd ymd = CivilFromDays(days_);
  const int months = ymd.year * 12 + (ymd.month - 1) + n;
  const int year = months >= 0 ? months / 12 : (months - 11) / 12;
  const int month = months - year * 12 + 1;
  const int last = DaysInMonth(year, month);
  return FromYmd(year, month, ymd.day < last ? ymd.day : last);
}

std::string Date::ToString() const {
  const Ymd ymd = CivilFromDays(days_);
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%04d-%02d-%02d", ymd.year, ymd.month, ymd.day);
  return buffer;
}

namespace {

// KENEYA_TODAY's date; nullopt when unset; an error when set to something else than a date.
Result<std::optional<Date>> ReadTodaySetting() {
  const char* setting = std::getenv("KENEYA_TODAY");
  if (setting == nullptr || *setting == '\0') return std::optional<Date>();
  auto date = Date::Parse(setting);
  if (!date.ok()) {
    return InvalidArgument(
        Message("core.date.bad_today", {{"value", setting}, {"why", date.error().text}}),
        "KENEYA_TODAY");
  }
  return std::optional<Date>(*date);
}

}  // namespace

std::optional<Date> TodaySetting() {
  auto setting = ReadTodaySetting();
  return setting.ok() ? *setting : std::nullopt;
}

Date Today() { return Date::FromDays(static_cast<int32_t>(NowMs() / 86'400'000)); }

Status CheckTodaySetting() {
  auto setting = ReadTodaySetting();
  if (!setting.ok()) return setting.error();
  return OkStatus();
}

}  // namespace keneya::core
