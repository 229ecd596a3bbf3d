#include "core/period.h"

#include <cassert>
#include <cstdio>

namespace keneya::core {
namespace {

// Rules below follow DHIS2 (dhis2-core, dhis-api org.hisp.dhis.period.*PeriodType and
// org.hisp.dhis.calendar.DateUnitPeriodTypeParser); docs/PERIODS.md states them in full.

constexpr int kTypeShift = 24;  // Code(): type << 24 | year << 9 | index
constexpr int kYearShift = 9;
constexpr int32_t kIndexMask = (1 << kYearShift) - 1;
constexpr int32_t kYearMask = (1 << (kTypeShift - kYearShift)) - 1;

struct TypeInfo {
  PeriodType type;
  const char* name;  // DHIS2's period type name
};

constexpr TypeInfo kTypes[] = {
    {PeriodType::kDaily, "Daily"},
    {PeriodType::kWeekly, "Weekly"},
    {PeriodType::kWeeklyWednesday, "WeeklyWednesday"},
    {PeriodType::kWeeklyThursday, "WeeklyThursday"},
    {PeriodType::kWeeklySaturday, "WeeklySaturday"},
    {PeriodType::kWeeklySunday, "WeeklySunday"},
    {PeriodType::kBiWeekly, "BiWeekly"},
    {PeriodType::kMonthly, "Monthly"},
    {PeriodType::kBiMonthly, "BiMonthly"},
    {PeriodType::kQuarterly, "Quarterly"},
    {PeriodType::kQuarterlyNov, "QuarterlyNov"},
    {PeriodType::kSixMonthly, "SixMonthly"},
    {PeriodType::kSixMonthlyApril, "SixMonthlyApril"},
    {PeriodType::kSixMonthlyNov, "SixMonthlyNov"},
    {PeriodType::kYearly, "Yearly"},
    {PeriodType::kFinancialFeb, "FinancialFeb"},
    {PeriodType::kFinancialApril, "FinancialApril"},
    {PeriodType::kFinancialJuly, "FinancialJuly"},
    {PeriodType::kFinancialAug, "FinancialAug"},
    {PeriodType::kFinancialSep, "FinancialSep"},
    {PeriodType::kFinancialOct, "FinancialOct"},
    {PeriodType::kFinancialNov, "FinancialNov"},
    {PeriodType::kWeeklyFriday, "WeeklyFriday"},
};

// Years a Period can hold: beyond kMinYear..kMaxYear at the edges (see period.h), but always
// positive and small enough for Code().
int RepresentableYear(int year) {
  assert(year >= 1 && year <= kYearMask);
  return year;
}

bool IsKnownType(int value) {
  for (const TypeInfo& info : kTypes) {
    if (static_cast<int>(info.type) == value) return true;
  }
  return false;
}

char ToLowerAscii(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

std::string ToLowerAscii(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = ToLowerAscii(c);
  return out;
}

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

int FloorDiv(int a, int b) { return a >= 0 ? a / b : -((-a + b - 1) / b); }

// --- Week-based types -----------------------------------------------------------------------

// ISO day (1 = Monday ... 7 = Sunday) on which weeks of `type` start; 0 for other types.
int WeekStartDay(PeriodType type) {
  switch (type) {
    case PeriodType::kWeekly:
    case PeriodType::kBiWeekly:
      return 1;
    case PeriodType::kWeeklyWednesday:
      return 3;
    case PeriodType::kWeeklyThursday:
      return 4;
    case PeriodType::kWeeklyFriday:
      return 5;
    case PeriodType::kWeeklySaturday:
      return 6;
    case PeriodType::kWeeklySunday:
      return 7;
    default:
      return 0;
  }
}

bool IsWeekly(PeriodType type) { return WeekStartDay(type) != 0 && type != PeriodType::kBiWeekly; }

// First day of week 1 of `year` for weeks starting on `start_day`. DHIS2 numbers every week type
// with java.time WeekFields.of(startDay, 4): week 1 is the first week with at least four days in
// the year, which is the week that contains 4 January (ISO 8601 when start_day is Monday).
Date WeekOneStart(int year, int start_day) {
  const Date jan4 = Date::FromYmd(year, 1, 4);
  const int back = (static_cast<int>(jan4.weekday()) - start_day + 7) % 7;
  return jan4.AddDays(-back);
}

int WeeksInYear(int year, int start_day) {
  return WeekOneStart(year + 1, start_day).DaysSince(WeekOneStart(year, start_day)) / 7;
}

struct YearIndex {
  int year;
  int index;
};

// The week-year and week number of `date`. A week belongs to the year that holds its fourth day.
YearIndex WeekOf(Date date, int start_day) {
  const int back = (static_cast<int>(date.weekday()) - start_day + 7) % 7;
  const Date start = date.AddDays(-back);
  const int year = start.AddDays(3).year();
  return {year, start.DaysSince(WeekOneStart(year, start_day)) / 7 + 1};
}

// Bi-weeks (DHIS2 BiWeeklyAbstractPeriodType, DateUnitPeriodTypeParser): BiW n is ISO weeks
// 2n-1 and 2n of the ISO week-year, Monday start. A 53-week year has 27 bi-weeks; the 27th is
// week 53 plus week 1 of the next year, so it overlaps the next year's BiW1 by one week.
int BiWeeksInYear(int year) { return (WeeksInYear(year, 1) + 1) / 2; }

// --- Month-based types ----------------------------------------------------------------------

// A month-based type: each label year is divided into 12 / length periods of `length` months,
// the first starting `offset` months after January of the label year (negative: in the year
// before, as for the November types, which DHIS2 names by the year they end in).
struct MonthLayout {
  int offset;
  int length;
};

bool GetMonthLayout(PeriodType type, MonthLayout* layout) {
  switch (type) {
    case PeriodType::kMonthly:
      *layout = {0, 1};
      return true;
    case PeriodType::kBiMonthly:
      *layout = {0, 2};
      return true;
    case PeriodType::kQuarterly:
      *layout = {0, 3};
      return true;
    case PeriodType::kQuarterlyNov:  // 2023NovQ1 = Nov 2022 - Jan 2023
      *layout = {-2, 3};
      return true;
    case PeriodType::kSixMonthly:
      *layout = {0, 6};
      return true;
    case PeriodType::kSixMonthlyApril:  // 2023AprilS1 = Apr - Sep 2023
      *layout = {3, 6};
      return true;
    case PeriodType::kSixMonthlyNov:  // 2023NovS1 = Nov 2022 - Apr 2023
      *layout = {-2, 6};
      return true;
    case PeriodType::kYearly:
      *layout = {0, 12};
      return true;
    case PeriodType::kFinancialFeb:
      *layout = {1, 12};
      return true;
    case PeriodType::kFinancialApril:
      *layout = {3, 12};
      return true;
    case PeriodType::kFinancialJuly:
      *layout = {6, 12};
      return true;
    case PeriodType::kFinancialAug:
      *layout = {7, 12};
      return true;
    case PeriodType::kFinancialSep:
      *layout = {8, 12};
      return true;
    case PeriodType::kFinancialOct:
      *layout = {9, 12};
      return true;
    case PeriodType::kFinancialNov:  // 2024Nov = Nov 2023 - Oct 2024
      *layout = {-2, 12};
      return true;
    default:
      return false;
  }
}

// Months since January of year 0, so that month arithmetic is integer arithmetic.
int AbsoluteMonth(int year, int month) { return year * 12 + month - 1; }

Date FirstDayOfAbsoluteMonth(int absolute_month) {
  const int year = FloorDiv(absolute_month, 12);
  return Date::FromYmd(year, absolute_month - year * 12 + 1, 1);
}

// --- Generic ----------------------------------------------------------------------------------

int CountPeriodsInYear(PeriodType type, int year) {
  if (type == PeriodType::kDaily) return Date::IsLeapYear(year) ? 366 : 365;
  if (type == PeriodType::kBiWeekly) return BiWeeksInYear(year);
  if (IsWeekly(type)) return WeeksInYear(year, WeekStartDay(type));
  MonthLayout layout;
  const bool month_based = GetMonthLayout(type, &layout);
  assert(month_based);
  (void)month_based;
  return 12 / layout.length;
}

Date StartOf(PeriodType type, int year, int index) {
  if (type == PeriodType::kDaily) return Date::FromYmd(year, 1, 1).AddDays(index - 1);
  if (type == PeriodType::kBiWeekly) return WeekOneStart(year, 1).AddDays(14 * (index - 1));
  if (IsWeekly(type)) return WeekOneStart(year, WeekStartDay(type)).AddDays(7 * (index - 1));
  MonthLayout layout;
  GetMonthLayout(type, &layout);
  return FirstDayOfAbsoluteMonth(year * 12 + layout.offset + (index - 1) * layout.length);
}

Date EndOf(PeriodType type, int year, int index) {
  if (type == PeriodType::kDaily) return StartOf(type, year, index);
  if (type == PeriodType::kBiWeekly) return StartOf(type, year, index).AddDays(13);
  if (IsWeekly(type)) return StartOf(type, year, index).AddDays(6);
  MonthLayout layout;
  GetMonthLayout(type, &layout);
  return FirstDayOfAbsoluteMonth(year * 12 + layout.offset + index * layout.length).AddDays(-1);
}

YearIndex YearIndexForDate(PeriodType type, Date date) {
  if (type == PeriodType::kDaily) return {date.year(), date.day_of_year()};
  if (type == PeriodType::kBiWeekly) {
    // As DHIS2's BiWeeklyAbstractPeriodType.createPeriod: the bi-week that starts on the Monday
    // of the date's odd ISO week, or of the week before when the ISO week is even. Days of
    // week 1 therefore belong to BiW1, not to the previous year's BiW27.
    const YearIndex iso = WeekOf(date, 1);
    return {iso.year, (iso.index + 1) / 2};
  }
  if (IsWeekly(type)) return WeekOf(date, WeekStartDay(type));
  MonthLayout layout;
  GetMonthLayout(type, &layout);
  const int per_year = 12 / layout.length;
  const int k = FloorDiv(AbsoluteMonth(date.year(), date.month()) - layout.offset, layout.length);
  const int year = FloorDiv(k, per_year);
  return {year, k - year * per_year + 1};
}

// The DHIS2 identifier of (type, year, index), whether or not it exists.
std::string Format(PeriodType type, int year, int index) {
  char buffer[48];
  const char* pattern = nullptr;
  switch (type) {
    case PeriodType::kDaily: {
      const Date d = StartOf(type, year, index);
      std::snprintf(buffer, sizeof buffer, "%04d%02d%02d", d.year(), d.month(), d.day());
      return buffer;
    }
    case PeriodType::kWeekly:
      pattern = "%04dW%d";
      break;
    case PeriodType::kWeeklyWednesday:
      pattern = "%04dWedW%d";
      break;
    case PeriodType::kWeeklyThursday:
      pattern = "%04dThuW%d";
      break;
    case PeriodType::kWeeklyFriday:
      pattern = "%04dFriW%d";
      break;
    case PeriodType::kWeeklySaturday:
      pattern = "%04dSatW%d";
      break;
    case PeriodType::kWeeklySunday:
      pattern = "%04dSunW%d";
      break;
    case PeriodType::kBiWeekly:
      pattern = "%04dBiW%d";
      break;
    case PeriodType::kMonthly:
      pattern = "%04d%02d";
      break;
    case PeriodType::kBiMonthly:
      pattern = "%04d%02dB";
      break;
    case PeriodType::kQuarterly:
      pattern = "%04dQ%d";
      break;
    case PeriodType::kQuarterlyNov:
      pattern = "%04dNovQ%d";
      break;
    case PeriodType::kSixMonthly:
      pattern = "%04dS%d";
      break;
    case PeriodType::kSixMonthlyApril:
      pattern = "%04dAprilS%d";
      break;
    case PeriodType::kSixMonthlyNov:
      pattern = "%04dNovS%d";
      break;
    case PeriodType::kYearly:
      std::snprintf(buffer, sizeof buffer, "%04d", year);
      return buffer;
    case PeriodType::kFinancialFeb:
      pattern = "%04dFeb";
      break;
    case PeriodType::kFinancialApril:
      pattern = "%04dApril";
      break;
    case PeriodType::kFinancialJuly:
      pattern = "%04dJuly";
      break;
    case PeriodType::kFinancialAug:
      pattern = "%04dAug";
      break;
    case PeriodType::kFinancialSep:
      pattern = "%04dSep";
      break;
    case PeriodType::kFinancialOct:
      pattern = "%04dOct";
      break;
    case PeriodType::kFinancialNov:
      pattern = "%04dNov";
      break;
  }
  assert(pattern != nullptr);
  std::snprintf(buffer, sizeof buffer, pattern, year, index);
  return buffer;
}

std::string TwoDigits(int value) {
  char buffer[16];
  std::snprintf(buffer, sizeof buffer, "%02d", value);
  return buffer;
}

// How weeks of a week type are counted, in words ("ISO weeks").
Message WeekKind(PeriodType type) {
  switch (type) {
    case PeriodType::kWeeklyWednesday:
      return Message("core.period.wednesday_weeks");
    case PeriodType::kWeeklyThursday:
      return Message("core.period.thursday_weeks");
    case PeriodType::kWeeklyFriday:
      return Message("core.period.friday_weeks");
    case PeriodType::kWeeklySaturday:
      return Message("core.period.saturday_weeks");
    case PeriodType::kWeeklySunday:
      return Message("core.period.sunday_weeks");
    default:
      return Message("core.period.iso_weeks");
  }
}

// Why (type, year, index) does not name a period, or empty when it does.
Message WhyInvalid(PeriodType type, int year, int index) {
  if (year < Period::kMinYear || year > Period::kMaxYear) {
    char buffer[16];
    std::snprintf(buffer, sizeof buffer, "%04d", year);
    return Message("core.period.year_out_of_range", {{"year", buffer}});
  }
  const int count = CountPeriodsInYear(type, year);
  if (index >= 1 && index <= count) return {};
  switch (type) {
    case PeriodType::kDaily:
      return Message("core.period.no_such_day",
                     {{"index", index}, {"year", year}, {"count", count}});
    case PeriodType::kWeekly:
    case PeriodType::kWeeklyWednesday:
    case PeriodType::kWeeklyThursday:
    case PeriodType::kWeeklyFriday:
    case PeriodType::kWeeklySaturday:
    case PeriodType::kWeeklySunday:
      return Message("core.period.no_such_week", {{"index", index},
                                                  {"year", year},
                                                  {"count", count},
                                                  {"kind", WeekKind(type)},
                                                  {"last", count}});
    case PeriodType::kBiWeekly:
      return Message("core.period.no_such_bi_week",
                     {{"index", index}, {"year", year}, {"count", count}, {"last", count}});
    case PeriodType::kMonthly:
      return Message("core.period.no_such_month", {{"month", TwoDigits(index)}});
    case PeriodType::kBiMonthly:
      return Message("core.period.no_such_bi_month", {{"month", TwoDigits(index)}});
    case PeriodType::kQuarterly:
    case PeriodType::kQuarterlyNov:
      return Message("core.period.no_such_quarter", {{"index", index}});
    case PeriodType::kSixMonthly:
    case PeriodType::kSixMonthlyApril:
    case PeriodType::kSixMonthlyNov:
      return Message("core.period.no_such_half_year", {{"index", index}});
    default:
      return Message("core.period.one_per_year",
                     {{"type", PeriodTypeName(type)}, {"index", index}});
  }
}

// "period \"2023Q5\"": where a period error is.
Message PlaceOf(std::string_view text) { return Message("core.period.place", {{"text", text}}); }

// --- Parsing ----------------------------------------------------------------------------------

// What a numbered form numbers, as its messages name it.
struct NumberedKind {
  const char* missing;   // "missing the week number after ..."
  const char* too_long;  // "the week number after ... has one or two digits, not 3"
};

constexpr NumberedKind kWeek = {"core.period.missing_week", "core.period.week_digits"};
constexpr NumberedKind kBiWeek = {"core.period.missing_bi_week", "core.period.bi_week_digits"};
constexpr NumberedKind kQuarter = {"core.period.missing_quarter", "core.period.quarter_digits"};
constexpr NumberedKind kHalfYear = {"core.period.missing_half_year",
                                    "core.period.half_year_digits"};

// A form "<year><prefix><number>", e.g. 2023W5; prefixes are lower case, longest first.
struct NumberedForm {
  const char* prefix;   // lower case
  const char* display;  // as DHIS2 writes it
  PeriodType type;
  int max_digits;
  const NumberedKind& kind;
};

constexpr NumberedForm kNumberedForms[] = {
    {"aprils", "AprilS", PeriodType::kSixMonthlyApril, 1, kHalfYear},
    {"wedw", "WedW", PeriodType::kWeeklyWednesday, 2, kWeek},
    {"thuw", "ThuW", PeriodType::kWeeklyThursday, 2, kWeek},
    {"friw", "FriW", PeriodType::kWeeklyFriday, 2, kWeek},
    {"satw", "SatW", PeriodType::kWeeklySaturday, 2, kWeek},
    {"sunw", "SunW", PeriodType::kWeeklySunday, 2, kWeek},
    {"novq", "NovQ", PeriodType::kQuarterlyNov, 1, kQuarter},
    {"novs", "NovS", PeriodType::kSixMonthlyNov, 1, kHalfYear},
    {"biw", "BiW", PeriodType::kBiWeekly, 2, kBiWeek},
    {"w", "W", PeriodType::kWeekly, 2, kWeek},
    {"q", "Q", PeriodType::kQuarterly, 1, kQuarter},
    {"s", "S", PeriodType::kSixMonthly, 1, kHalfYear},
};

struct NamedForm {
  const char* name;  // lower case
  PeriodType type;
};

constexpr NamedForm kNamedForms[] = {
    {"feb", PeriodType::kFinancialFeb},   {"april", PeriodType::kFinancialApril},
    {"july", PeriodType::kFinancialJuly}, {"aug", PeriodType::kFinancialAug},
    {"sep", PeriodType::kFinancialSep},   {"oct", PeriodType::kFinancialOct},
    {"nov", PeriodType::kFinancialNov},
};

size_t CountDigits(std::string_view text, size_t pos) {
  size_t n = 0;
  while (pos + n < text.size() && IsDigit(text[pos + n])) ++n;
  return n;
}

int DigitsValue(std::string_view text, size_t pos, size_t count) {
  int value = 0;
  for (size_t i = pos; i < pos + count; ++i) value = value * 10 + (text[i] - '0');
  return value;
}

struct ParsedForm {
  PeriodType type;
  int index;
  int month = 0;  // daily only: month and day, index is then computed
  int day = 0;
};

// Reads what follows the year (text[4...], `lower` is text in lower case). Returns an error
// message, or empty and fills `form`. Messages that say how periods are written end with
// examples of every form.
Message ParseForm(std::string_view text, std::string_view lower, ParsedForm* form) {
  const std::string_view rest = lower.substr(4);
  const auto trailing = [&](size_t pos) {
    return Message("core.period.unexpected_after",
                   {{"rest", text.substr(pos)}, {"start", text.substr(0, pos)}});
  };
  if (rest.empty()) {
    *form = {PeriodType::kYearly, 1};
    return {};
  }
  if (IsDigit(rest[0])) {
    // 202301 (month), 20230115 (day), 202301B (bi-month).
    const size_t n = CountDigits(lower, 4);
    const size_t end = 4 + n;
    if (end == lower.size() && n == 2) {
      *form = {PeriodType::kMonthly, DigitsValue(lower, 4, 2)};
      return {};
    }
    if (end == lower.size() && n == 4) {
      *form = {PeriodType::kDaily, 0, DigitsValue(lower, 4, 2), DigitsValue(lower, 6, 2)};
      return {};
    }
    if (n == 2 && lower[end] == 'b') {
      if (end + 1 != lower.size()) return trailing(end + 1);
      *form = {PeriodType::kBiMonthly, DigitsValue(lower, 4, 2)};
      return {};
    }
    if ((n == 2 || n == 4) && end < lower.size()) return trailing(end);
    return Message("core.period.bad_digits", {{"count", n}});
  }
  if (rest[0] == '-') {
    // 2023-01 (month), 2023-01-15 (day): DHIS2 accepts both.
    if (CountDigits(lower, 5) == 2) {
      const int month = DigitsValue(lower, 5, 2);
      if (lower.size() == 7) {
        *form = {PeriodType::kMonthly, month};
        return {};
      }
      if (lower[7] == '-' && CountDigits(lower, 8) == 2) {
        if (lower.size() > 10) return trailing(10);
        *form = {PeriodType::kDaily, 0, month, DigitsValue(lower, 8, 2)};
        return {};
      }
    }
    return Message("core.period.bad_dashes");
  }
  for (const NamedForm& named : kNamedForms) {
    if (rest == named.name) {
      *form = {named.type, 1};
      return {};
    }
  }
  for (const NumberedForm& numbered : kNumberedForms) {
    const std::string_view prefix = numbered.prefix;
    if (rest.substr(0, prefix.size()) != prefix) continue;
    const size_t pos = 4 + prefix.size();
    const size_t n = CountDigits(lower, pos);
    if (n == 0) {
      if (pos < lower.size()) break;  // e.g. "2023Sept": not this form
      const std::string example = std::string(text.substr(0, 4)) + numbered.display + "1";
      return Message(numbered.kind.missing, {{"prefix", numbered.display}, {"example", example}});
    }
    if (static_cast<int>(n) > numbered.max_digits) {
      return Message(numbered.kind.too_long, {{"prefix", numbered.display}, {"count", n}});
    }
    if (pos + n != lower.size()) return trailing(pos + n);
    *form = {numbered.type, DigitsValue(lower, pos, n)};
    return {};
  }
  return Message("core.period.unknown_form", {{"form", text.substr(4)}});
}

}  // namespace

const std::vector<PeriodType>& AllPeriodTypes() {
  static const std::vector<PeriodType>* const types = [] {
    auto* all = new std::vector<PeriodType>();
    for (const TypeInfo& info : kTypes) all->push_back(info.type);
    return all;
  }();
  return *types;
}

std::string_view PeriodTypeName(PeriodType type) {
  for (const TypeInfo& info : kTypes) {
    if (info.type == type) return info.name;
  }
  return "Unknown";
}

Result<PeriodType> ParsePeriodType(std::string_view name) {
  const std::string lower = ToLowerAscii(name);
  std::string known;
  for (const TypeInfo& info : kTypes) {
    if (ToLowerAscii(info.name) == lower) return info.type;
    if (!known.empty()) known += ", ";
    known += info.name;
  }
  return InvalidArgument(Message("core.period.unknown_type", {{"known", known}}),
                         Message("core.period.type_place", {{"name", name}}));
}

Result<Period> Period::Parse(std::string_view text) {
  const Message where = PlaceOf(text);
  if (text.empty()) return InvalidArgument(Message("core.period.empty"), where);
  const std::string lower = ToLowerAscii(text);
  if (lower.size() < 4 || CountDigits(lower, 0) < 4) {
    return InvalidArgument(Message("core.period.no_year"), where);
  }
  ParsedForm form{PeriodType::kYearly, 1};
  if (Message problem = ParseForm(text, lower, &form); !problem.empty()) {
    return InvalidArgument(std::move(problem), where);
  }
  const int year = DigitsValue(lower, 0, 4);
  if (form.type == PeriodType::kDaily) {
    if (Message problem = Date::WhyInvalidMessage(year, form.month, form.day); !problem.empty()) {
      return InvalidArgument(std::move(problem), where);
    }
    if (year >= kMinYear && year <= kMaxYear) {
      form.index = Date::FromYmd(year, form.month, form.day).day_of_year();
    }
  }
  if (Message problem = WhyInvalid(form.type, year, form.index); !problem.empty()) {
    return InvalidArgument(std::move(problem), where);
  }
  return Period(form.type, year, form.index);
}

Period Period::ForDate(PeriodType type, Date date) {
  const YearIndex yi = YearIndexForDate(type, date);
  return Period(type, RepresentableYear(yi.year), yi.index);
}

Result<Period> Period::Make(PeriodType type, int year, int index) {
  if (!IsKnownType(static_cast<int>(type))) {
    return InvalidArgument(
        Message("core.period.unknown_type_number", {{"type", static_cast<int>(type)}}),
        Message("core.period.word"));
  }
  if (Message problem = WhyInvalid(type, year, index); !problem.empty()) {
    return InvalidArgument(
        std::move(problem),
        Message("core.period.index_place",
                {{"type", PeriodTypeName(type)}, {"year", year}, {"index", index}}));
  }
  return Period(type, year, index);
}

int Period::CountInYear(PeriodType type, int year) { return CountPeriodsInYear(type, year); }

Date Period::start() const { return StartOf(type_, year_, index_); }

Date Period::end() const { return EndOf(type_, year_, index_); }

int Period::Days() const { return end().DaysSince(start()) + 1; }

std::string Period::ToString() const { return Format(type_, year_, index_); }

Period Period::Previous() const { return Plus(-1); }

Period Period::Next() const { return Plus(1); }

Period Period::Plus(int n) const {
  if (n == 0) return *this;
  if (type_ == PeriodType::kDaily) return ForDate(type_, start().AddDays(n));
  if (IsWeekly(type_)) return ForDate(type_, start().AddDays(7 * n));
  if (type_ == PeriodType::kBiWeekly) {
    // As dhis2-core's BiWeeklyAbstractPeriodType.getNextPeriod/getPreviousPeriod: step 14 days
    // from the start and take the bi-week of that day. Bi-weeks do not tile (BiW27 overlaps the
    // next BiW1), so after a 53-week year Previous() does not undo Next(): 2020BiW26.Next() is
    // 2020BiW27, whose Next() is 2021BiW1, whose Previous() is 2020BiW26 (docs/PERIODS.md).
    return ForDate(type_, start().AddDays(14 * n));
  }
  MonthLayout layout;
  GetMonthLayout(type_, &layout);
  const int per_year = 12 / layout.length;
  const int k = year_ * per_year + index_ - 1 + n;
  const int year = FloorDiv(k, per_year);
  return Period(type_, RepresentableYear(year), k - year * per_year + 1);
}

std::vector<Period> Period::Within(PeriodType type) const {
  std::vector<Period> out;
  const Date first = start();
  const Date last = end();
  Period p = ForDate(type, first);
  if (p.start() < first) p = p.Next();
  while (p.end() <= last) {
    out.push_back(p);
    if (p.end() == last) break;
    p = p.Next();
  }
  return out;
}

Result<Period> Period::Containing(PeriodType type) const {
  const Period first = ForDate(type, start());
  if (first.Contains(end())) return first;
  const Period last = ForDate(type, end());
  return InvalidArgument(Message("core.period.not_within", {{"period", ToString()},
                                                            {"start", start().ToString()},
                                                            {"end", end().ToString()},
                                                            {"type", PeriodTypeName(type)},
                                                            {"first", first.ToString()},
                                                            {"last", last.ToString()}}),
                         PlaceOf(ToString()));
}

int32_t Period::Code() const {
  return (static_cast<int32_t>(type_) << kTypeShift) | (static_cast<int32_t>(year_) << kYearShift) |
         static_cast<int32_t>(index_);
}

Result<Period> Period::FromCode(int32_t code) {
  const Message where("core.period.code_place", {{"code", code}});
  if (code <= 0) return InvalidArgument(Message("core.period.code_not_positive"), where);
  const int type = code >> kTypeShift;
  const int year = (code >> kYearShift) & kYearMask;
  const int index = code & kIndexMask;
  if (!IsKnownType(type)) {
    return InvalidArgument(Message("core.period.unknown_type_in_code", {{"type", type}}), where);
  }
  if (Message problem = WhyInvalid(static_cast<PeriodType>(type), year, index); !problem.empty()) {
    return InvalidArgument(std::move(problem), where);
  }
  return Period(static_cast<PeriodType>(type), year, index);
}

}  // namespace keneya::core
