#include "core/timestamp.h"

#include <atomic>
#include <chrono>
#include <climits>
#include <cstdio>
#include <optional>

#include "core/date.h"

namespace keneya::core {
namespace {

constexpr int64_t kMsPerDay = 86'400'000;

// SetHistoryClock's instant; kNoHistoryClock when unset.
constexpr TimestampMs kNoHistoryClock = INT64_MIN;
std::atomic<TimestampMs> history_clock{kNoHistoryClock};

// Reads exactly `width` digits at text[pos]; -1 when they are not all digits.
int ReadDigits(std::string_view text, size_t pos, size_t width) {
  if (pos + width > text.size()) return -1;
  int value = 0;
  for (size_t i = pos; i < pos + width; ++i) {
    if (text[i] < '0' || text[i] > '9') return -1;
    value = value * 10 + (text[i] - '0');
  }
  return value;
}

}  // namespace

void SetHistoryClock(std::optional<TimestampMs> at) {
  history_clock.store(at ? *at : kNoHistoryClock, std::memory_order_relaxed);
}

TimestampMs NowMs() {
  if (const TimestampMs set = history_clock.load(std::memory_order_relaxed);
      set != kNoHistoryClock) {
    return set;
  }
  using std::chrono::duration_cast;
  using std::chrono::milliseconds;
  using std::chrono::system_clock;
  const TimestampMs now =
      duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
  // KENEYA_TODAY moves the clock to that day, the time of day running on.
  const std::optional<Date> today = TodaySetting();
  if (!today) return now;
  return static_cast<TimestampMs>(today->days_since_epoch()) * kMsPerDay + now % kMsPerDay;
}

std::string FormatTimestamp(TimestampMs ms) {
  int64_t days = ms / kMsPerDay;
  int64_t rest = ms % kMsPerDay;
  if (rest < 0) {
    rest += kMsPerDay;
    --days;
  }
  const Date date = Date::FromDays(static_cast<int32_t>(days));
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%sT%02d:%02d:%02d.%03dZ", date.ToString().c_str(),
                static_cast<int>(rest / 3'600'000), static_cast<int>(rest / 60'000 % 60),
                static_cast<int>(rest / 1000 % 60), static_cast<int>(rest % 1000));
  return buffer;
}

Result<TimestampMs> ParseTimestamp(std::string_view text) {
  const Message where("core.timestamp.place", {{"text", text}});
  KENEYA_ASSIGN_OR_RETURN(Date date, Date::Parse(text.substr(0, 10)));
  int64_t ms = static_cast<int64_t>(date.days_since_epoch()) * kMsPerDay;
  if (text.size() == 10) return ms;
  if (text[10] != 'T' && text[10] != ' ') {
    return InvalidArgument(Message("core.timestamp.expected_t"), where);
  }
  const int hour = ReadDigits(text, 11, 2);
  const int minute = (text.size() > 13 && text[13] == ':') ? ReadDigits(text, 14, 2) : -1;
  if (hour < 0 || hour > 23 || minute < 0 || minute > 59) {
    return InvalidArgument(Message("core.timestamp.expected_time"), where);
  }
  ms += hour * 3'600'000LL + minute * 60'000LL;
  size_t pos = 16;
  if (pos < text.size() && text[pos] == ':') {
    const int second = ReadDigits(text, pos + 1, 2);
    if (second < 0 || second > 60) {
      return InvalidArgument(Message("core.timestamp.seconds_out_of_range"), where);
    }
    ms += second * 1000LL;
    pos += 3;
    if (pos < text.size() && text[pos] == '.') {
      ++pos;
      int64_t fraction = 0;
      int digits = 0;
      while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9') {
        if (digits < 3) fraction = fraction * 10 + (text[pos] - '0');
        ++digits;
        ++pos;
      }
      if (digits == 0) return InvalidArgument(Message("core.timestamp.expected_fraction"), where);
      for (int i = digits; i < 3; ++i) fraction *= 10;
      ms += fraction;
    }
  }
  if (pos == text.size()) return ms;
  if (text[pos] == 'Z' && pos + 1 == text.size()) return ms;
  if ((text[pos] == '+' || text[pos] == '-') && text.size() - pos >= 3) {
    const int sign = text[pos] == '+' ? 1 : -1;
    const int offset_hours = ReadDigits(text, pos + 1, 2);
    size_t minute_pos = pos + 3;
    if (minute_pos < text.size() && text[minute_pos] == ':') ++minute_pos;
    const int offset_minutes = minute_pos < text.size() ? ReadDigits(text, minute_pos, 2) : 0;
    const size_t end = minute_pos < text.size() ? minute_pos + 2 : minute_pos;
    if (offset_hours < 0 || offset_hours > 14 || offset_minutes < 0 || offset_minutes > 59 ||
        end != text.size()) {
      return InvalidArgument(Message("core.timestamp.bad_offset"), where);
    }
    return ms - sign * (offset_hours * 3'600'000LL + offset_minutes * 60'000LL);
  }
  return InvalidArgument(Message("core.timestamp.unexpected_after"), where);
}

}  // namespace keneya::core
