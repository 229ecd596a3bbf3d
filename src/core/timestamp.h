// Points in time, as milliseconds since 1970-01-01T00:00:00Z.
//
// Audit entries, imports and data values carry when they happened. Keneya keeps instants in UTC
// and prints them in ISO 8601 with milliseconds, the form DHIS2 writes
// ("2024-03-01T10:15:30.250Z").
#ifndef KENEYA_CORE_TIMESTAMP_H_
#define KENEYA_CORE_TIMESTAMP_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/result.h"

namespace keneya::core {

using TimestampMs = int64_t;

// The current time from the system clock (moved to KENEYA_TODAY's day when it is set), or the
// instant a program writing a history set with SetHistoryClock.
TimestampMs NowMs();

// Sets the clock to `at` for a program that replays a history step by step (the demo writes four
// years of runs, approvals and payments, each dated when it happened); nullopt gives the clock
// back. One setting for the whole process: never in a server.
void SetHistoryClock(std::optional<TimestampMs> at);

// "yyyy-MM-ddTHH:mm:ss.SSSZ".
std::string FormatTimestamp(TimestampMs ms);

// Parses "yyyy-MM-dd", "yyyy-MM-ddTHH:mm[:ss[.fff]]" with an optional "Z" or "+hh:mm"/"-hh:mm"
// offset (no offset means UTC, as DHIS2 writes its timestamps).
Result<TimestampMs> ParseTimestamp(std::string_view text);

}  // namespace keneya::core

#endif  // KENEYA_CORE_TIMESTAMP_H_
