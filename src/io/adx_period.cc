#include "io/adx_period.h"

namespace keneya::io {

using core::Period;
using core::PeriodType;

namespace {

struct Candidate {
  std::string_view duration;
  PeriodType type;
};

// For each duration, the period types it can be; the start date decides between them.
constexpr Candidate kCandidates[] = {
    {"P1D", PeriodType::kDaily},           {"P7D", PeriodType::kWeekly},
    {"P7D", PeriodType::kWeeklyWednesday}, {"P7D", PeriodType::kWeeklyThursday},
    {"P7D", PeriodType::kWeeklyFriday},    {"P7D", PeriodType::kWeeklySaturday},
    {"P7D", PeriodType::kWeeklySunday},    {"P14D", PeriodType::kBiWeekly},
    {"P1M", PeriodType::kMonthly},         {"P2M", PeriodType::kBiMonthly},
    {"P3M", PeriodType::kQuarterly},       {"P3M", PeriodType::kQuarterlyNov},
    {"P6M", PeriodType::kSixMonthly},      {"P6M", PeriodType::kSixMonthlyApril},
    {"P6M", PeriodType::kSixMonthlyNov},   {"P1Y", PeriodType::kYearly},
    {"P1Y", PeriodType::kFinancialFeb},    {"P1Y", PeriodType::kFinancialApril},
    {"P1Y", PeriodType::kFinancialJuly},   {"P1Y", PeriodType::kFinancialAug},
    {"P1Y", PeriodType::kFinancialSep},    {"P1Y", PeriodType::kFinancialOct},
    {"P1Y", PeriodType::kFinancialNov},
};

std::string_view DurationOf(PeriodType type) {
  for (const Candidate& c : kCandidates) {
    if (c.type == type) return c.duration;
  }
  return "";
}

}  // namespace

core::Result<Period> ParseAdxPeriod(std::string_view text) {
  const std::string where = "ADX period \"" + std::string(text) + "\"";
  const size_t slash = text.find('/');
  if (slash == std::string_view::npos) {
    return core::InvalidArgument("an ADX period is a start date and a duration, as 2023-01-01/P1M",
                                 where);
  }
  auto start = core::Date::Parse(text.substr(0, slash));
  if (!start.ok() || slash != 10) {
    return core::InvalidArgument("the start is not a date yyyy-MM-dd", where);
  }
  const std::string_view duration = text.substr(slash + 1);
  bool known = false;
  for (const Candidate& c : kCandidates) {
    if (c.duration != duration) continue;
    known = true;
    const Period p = Period::ForDate(c.type, *start);
    if (p.start() == *start) return p;
  }
  if (!known) {
    return core::InvalidArgument("unknown duration \"" + std::string(duration) +
                                     "\"; expected P1D, P7D, P14D, P1M, P2M, P3M, P6M or P1Y",
                                 where);
  }
  return core::InvalidArgument(
      "no period of duration " + std::string(duration) + " starts on " + start->ToString(), where);
}

std::string FormatAdxPeriod(const Period& period) {
  return period.start().ToString() + "/" + std::string(DurationOf(period.type()));
}

}  // namespace keneya::io
