// Periods, as DHIS2 names them: 202301 (a month), 2023Q1, 2023W5, 2023April...
//
// A Period is a period type plus a year and an index within that year, so it is small, cheap to
// copy and totally ordered. Every identifier DHIS2 uses (docs/PERIODS.md lists them) parses, in any
// letter case ("2023july" is OpenRBF's spelling of 2023July), and prints back in DHIS2's own form.
//
//   Result<Period> q = Period::Parse("2023q1");
//   q->ToString();                  // "2023Q1"
//   q->start().ToString();          // "2023-01-01"
//   q->Previous().ToString();       // "2022Q4"
//   q->Within(PeriodType::kMonthly) // 202301, 202302, 202303
//   Period::Parse("202305")->Containing(PeriodType::kQuarterly)  // 2023Q2
#ifndef KENEYA_CORE_PERIOD_H_
#define KENEYA_CORE_PERIOD_H_

#include <compare>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/date.h"
#include "core/result.h"

namespace keneya::core {

// The DHIS2 period types. Values are stable: they are part of Period::Code(), which the store
// writes to disk. Add new types at the end.
enum class PeriodType : uint8_t {
  kDaily = 1,             // 20230115
  kWeekly = 2,            // 2023W5 (ISO 8601 week, Monday start)
  kWeeklyWednesday = 3,   // 2023WedW5
  kWeeklyThursday = 4,    // 2023ThuW5
  kWeeklySaturday = 5,    // 2023SatW5
  kWeeklySunday = 6,      // 2023SunW5
  kBiWeekly = 7,          // 2023BiW1
  kMonthly = 8,           // 202301
  kBiMonthly = 9,         // 202301B (Jan-Feb), 202302B (Mar-Apr) ... by index
  kQuarterly = 10,        // 2023Q1
  kQuarterlyNov = 11,     // 2023NovQ1 = Nov 2022 - Jan 2023
  kSixMonthly = 12,       // 2023S1
  kSixMonthlyApril = 13,  // 2023AprilS1 = Apr - Sep 2023
  kSixMonthlyNov = 14,    // 2023NovS1 = Nov 2022 - Apr 2023
  kYearly = 15,           // 2023
  kFinancialFeb = 16,     // 2023Feb = Feb 2023 - Jan 2024
  kFinancialApril = 17,   // 2023April = Apr 2023 - Mar 2024
  kFinancialJuly = 18,    // 2023July
  kFinancialAug = 19,     // 2023Aug
  kFinancialSep = 20,     // 2023Sep
  kFinancialOct = 21,     // 2023Oct
  kFinancialNov = 22,     // 2024Nov = Nov 2023 - Oct 2024 (named by its end year, as DHIS2 does)
  kWeeklyFriday = 23,     // 2023FriW5
};

// Every period type, in enum order.
const std::vector<PeriodType>& AllPeriodTypes();

// DHIS2's name of the type: "Monthly", "WeeklyWednesday", "FinancialApril", "QuarterlyNov"...
std::string_view PeriodTypeName(PeriodType type);
// Parses a DHIS2 period type name, in any letter case.
Result<PeriodType> ParsePeriodType(std::string_view name);

class Period {
 public:
  // Years Parse, Make and FromCode accept (identifiers carry a 4-digit year). At the edges,
  // ForDate, Previous, Next, Plus, Within and Containing may give a period just outside (0999Q4,
  // 10000Nov): it has dates and an identifier, but Parse, Make and FromCode refuse it.
  static constexpr int kMinYear = 1000;
  static constexpr int kMaxYear = 9999;

  // Parses any DHIS2 period identifier, in any letter case. Errors name the text and say which
  // part is wrong (unknown form, month 13, week 54 of a 52-week year, 30 February...).
  static Result<Period> Parse(std::string_view text);

  // The period of `type` that contains `date`. For bi-weeks, a day of ISO week 1 gives that
  // year's BiW1, never the previous year's overlapping BiW27 (as DHIS2 does).
  static Period ForDate(PeriodType type, Date date);

  // A period from its parts; returns an error when the index is out of range for that year.
  // `year` is the year written in the identifier (the ISO week-year for weeks, the label year
  // for financial years and the Nov types); `index` is the number after the letter (week,
  // quarter, half, bi-month, month; day of year for daily; 1 for yearly and financial years).
  static Result<Period> Make(PeriodType type, int year, int index);

  // How many periods of `type` the label year `year` has: 365/366 days, 52/53 weeks (of that
  // week type), 26/27 bi-weeks, 12 months, 6 bi-months, 4 quarters, 2 halves, 1 year.
  static int CountInYear(PeriodType type, int year);

  PeriodType type() const { return type_; }
  int year() const { return year_; }
  int index() const { return index_; }

  // First and last day, both included.
  Date start() const;
  Date end() const;
  bool Contains(Date date) const { return start() <= date && date <= end(); }
  // Number of days, start to end inclusive.
  int Days() const;

  // The DHIS2 identifier, e.g. "2023W5" (weeks are not zero-padded), "202301", "2023AprilS1".
  std::string ToString() const;

  // Neighbours of the same type; they walk without gaps or overlaps (Next().start() is the day
  // after end()), with one exception inherited from DHIS2: in a year with 53 ISO weeks, BiW27 is
  // ISO week 53 plus week 1 of the next year, so it overlaps the next year's BiW1 (its Next())
  // by 7 days. Previous() is the inverse of Next() except there: as in dhis2-core, the bi-week
  // before 2021BiW1 starts 14 days earlier, which is 2020BiW26, not 2020BiW27.
  Period Previous() const;
  Period Next() const;
  // n periods later (negative: earlier); for bi-weeks, the bi-week of the day 14 x n days after
  // the start, as dhis2-core steps.
  Period Plus(int n) const;

  // The periods of the finer `type` that lie entirely within this period, in order
  // (the three months of a quarter, the two quarters of a half-year...).
  std::vector<Period> Within(PeriodType type) const;
  // The period of the coarser `type` that contains this one entirely; an error when this period
  // straddles two of them (an ISO week across two months).
  Result<Period> Containing(PeriodType type) const;

  // Shorthands for the common FBR cases.
  std::vector<Period> Months() const { return Within(PeriodType::kMonthly); }
  Result<Period> Quarter() const { return Containing(PeriodType::kQuarterly); }
  Result<Period> Year() const { return Containing(PeriodType::kYearly); }

  // A stable positive integer that identifies the period, ordered by type, then year, then
  // index. The store uses it as the period's key. FromCode(p.Code()) == p.
  // Encoding: (type << 24) | (year << 9) | index, where type is the PeriodType value (1..127),
  // year the label year (1000..9999, needs 14 bits) and index the number in the year (1..366,
  // 9 bits). E.g. 2023Q1 = (10 << 24) | (2023 << 9) | 1 = 168807937.
  int32_t Code() const;
  // The period of a Code(); an error for a code no period has.
  static Result<Period> FromCode(int32_t code);

  friend auto operator<=>(const Period&, const Period&) = default;

 private:
  Period(PeriodType type, int year, int index) : type_(type), year_(year), index_(index) {}

  PeriodType type_ = PeriodType::kMonthly;
  int16_t year_ = 1970;
  int16_t index_ = 1;
};

}  // namespace keneya::core

#endif  // KENEYA_CORE_PERIOD_H_
