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
  const core::Message where("io.adx.place_period", {{"text", text}});
  const size_t slash = text.find('/');
  if (slash == std::string_view::npos) {
    return core::InvalidArgument(core::Message("io.adx.not_start_and_duration"), where);
  }
  auto start = core::Date::Parse(text.substr(0, slash));
  if (!start.ok() || slash != 10) {
    return core::InvalidArgument(core::Message("io.adx.start_not_a_date"), where);
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
    return core::InvalidArgument(core::Message("io.adx.unknown_duration", {{"duration", duration}}),
                                 where);
  }
  return core::InvalidArgument(core::Message("io.adx.no_period_starts",
                                             {{"duration", duration}, {"date", start->ToString()}}),
                               where);
}

std::string FormatAdxPeriod(const Period& period) {
  return period.start().ToString() + "/" + std::string(DurationOf(period.type()));
}

}  // namespace keneya::io
