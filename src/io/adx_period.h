// ADX periods: an ISO 8601 start date and duration ("2023-01-01/P1M") instead of DHIS2's
// identifiers ("202301"). The start date picks the period type: a P1Y starting in April is the
// FinancialApril year, a P7D starting on a Wednesday a WeeklyWednesday week, and so on.
#ifndef KENEYA_IO_ADX_PERIOD_H_
#define KENEYA_IO_ADX_PERIOD_H_

#include <string>
#include <string_view>

#include "core/period.h"
#include "core/result.h"

namespace keneya::io {

// "2023-01-01/P1M" -> 202301. An error when the text is not start/duration, the duration is not
// one DHIS2 knows (P1D, P7D, P14D, P1M, P2M, P3M, P6M, P1Y), or the start is not the first day of
// a period of that duration.
core::Result<core::Period> ParseAdxPeriod(std::string_view text);

// 202301 -> "2023-01-01/P1M".
std::string FormatAdxPeriod(const core::Period& period);

}  // namespace keneya::io

#endif  // KENEYA_IO_ADX_PERIOD_H_
