#include "http/metrics.h"

#include <cassert>
#include <charconv>
#include <cmath>
#include <utility>
#include <vector>

namespace keneya::http {
namespace {

// A sample value: Prometheus reads Go's float syntax ("+Inf", "NaN", shortest round trip).
std::string Number(double value) {
  if (std::isnan(value)) return "NaN";
  if (std::isinf(value)) return value > 0 ? "+Inf" : "-Inf";
  char text[64];
  auto [end, ec] = std::to_chars(text, text + sizeof text, value);
  return ec == std::errc() ? std::string(text, end) : "NaN";
}

// A label value between double quotes: backslash, double quote and line feed escaped.
std::string LabelValue(std::string_view value) {
  std::string out;
  out.reserve(value.size());
  for (char c : value) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '"') {
      out += "\\\"";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out;
}

// A HELP text: backslash and line feed escaped.
std::string HelpText(std::string_view help) {
  std::string out;
  for (char c : help) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out;
}

void Family(std::string& out, std::string_view name, std::string_view type, std::string_view help) {
  out += "# HELP ";
  out += name;
  out += ' ';
  out += HelpText(help);
  out += "\n# TYPE ";
  out += name;
  out += ' ';
  out += type;
  out += '\n';
}

[[maybe_unused]] bool IsMetricName(std::string_view name) {
  if (name.empty()) return false;
  for (size_t i = 0; i < name.size(); ++i) {
    const char c = name[i];
    const bool letter = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == ':';
    if (!letter && !(i > 0 && c >= '0' && c <= '9')) return false;
  }
  return true;
}

}  // namespace

std::string Metrics::CountedRoute(const std::string& route) {
  if (latency_.size() < kMaxRoutes || latency_.count(route) > 0) return route;
  return "other";
}

void Metrics::Exchanged(const ExchangeRecord& record) {
  const double seconds = static_cast<double>(record.duration_us) / 1e6;
  std::lock_guard<std::mutex> lock(mutex_);
  const std::string route = CountedRoute(record.route);
  ++requests_[{route, record.method, record.status}];
  Latency& latency = latency_[route];
  for (size_t i = 0; i < kBuckets.size(); ++i) {
    if (seconds <= kBuckets[i]) {
      ++latency.buckets[i];
      break;
    }
  }
  ++latency.count;
  latency.sum += seconds;
  bytes_in_ += static_cast<uint64_t>(record.bytes_in);
  bytes_out_ += static_cast<uint64_t>(record.bytes_out);
}

void Metrics::Failed(std::string_view what, std::string_view /*detail*/) {
  std::lock_guard<std::mutex> lock(mutex_);
  ++failures_[std::string(what)];
}

void Metrics::Connections(int open) {
  std::lock_guard<std::mutex> lock(mutex_);
  connections_open_ = open;
}

void Metrics::SetGauge(std::string name, std::string help, std::function<double()> value) {
  assert(IsMetricName(name));
  std::lock_guard<std::mutex> lock(mutex_);
  gauges_[std::move(name)] = Gauge{std::move(help), std::move(value)};
}

std::string Metrics::Render() const {
  std::string out;
  std::vector<std::pair<std::string, Gauge>> gauges;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    Family(out, "keneya_http_requests_total", "counter",
           "HTTP requests answered, by route, method and status.");
    for (const auto& [key, count] : requests_) {
      const auto& [route, method, status] = key;
      out += "keneya_http_requests_total{route=\"" + LabelValue(route) + "\",method=\"" +
             LabelValue(method) + "\",status=\"" + std::to_string(status) + "\"} " +
             std::to_string(count) + "\n";
    }
    Family(out, "keneya_http_request_duration_seconds", "histogram",
           "Time from a request's first byte to its response's last, by route.");
    for (const auto& [route, latency] : latency_) {
      const std::string label = "route=\"" + LabelValue(route) + "\"";
      uint64_t cumulative = 0;
      for (size_t i = 0; i < kBuckets.size(); ++i) {
        cumulative += latency.buckets[i];
        out += "keneya_http_request_duration_seconds_bucket{" + label + ",le=\"" +
               Number(kBuckets[i]) + "\"} " + std::to_string(cumulative) + "\n";
      }
      out += "keneya_http_request_duration_seconds_bucket{" + label + ",le=\"+Inf\"} " +
             std::to_string(latency.count) + "\n";
      out +=
          "keneya_http_request_duration_seconds_sum{" + label + "} " + Number(latency.sum) + "\n";
      out += "keneya_http_request_duration_seconds_count{" + label + "} " +
             std::to_string(latency.count) + "\n";
    }
    Family(out, "keneya_http_request_bytes_total", "counter", "Request body bytes received.");
    out += "keneya_http_request_bytes_total " + std::to_string(bytes_in_) + "\n";
    Family(out, "keneya_http_response_bytes_total", "counter",
           "Response body bytes sent (compressed size when compressed).");
    out += "keneya_http_response_bytes_total " + std::to_string(bytes_out_) + "\n";
    Family(out, "keneya_http_connections_open", "gauge", "Open client connections.");
    out += "keneya_http_connections_open " + std::to_string(connections_open_) + "\n";
    Family(out, "keneya_http_failures_total", "counter",
           "Handler exceptions and transport failures, by what failed.");
    for (const auto& [what, count] : failures_) {
      out += "keneya_http_failures_total{what=\"" + LabelValue(what) + "\"} " +
             std::to_string(count) + "\n";
    }
    gauges.assign(gauges_.begin(), gauges_.end());
  }
  // Outside the lock: a gauge may take its own locks, or even read these metrics.
  for (const auto& [name, gauge] : gauges) {
    Family(out, name, "gauge", gauge.help);
    out += name + " " + Number(gauge.value ? gauge.value() : 0.0) + "\n";
  }
  return out;
}

}  // namespace keneya::http
