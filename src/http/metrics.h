// The server's numbers in Prometheus' text exposition format (version 0.0.4), for GET /metrics:
// requests by route, method and status, their latency by route, bytes sent, open connections,
// failures, and whatever gauges the program adds (pool use, jobs waiting).
//
//   Metrics metrics;
//   metrics.SetGauge("keneya_db_pool_in_use", "Database connections in use.",
//                    [&] { return pool.InUse(); });
//   Server server(handler, options, &metrics);
//   ...
//   std::string text = metrics.Render();   // "# HELP keneya_http_requests_total ..."
//
// Routes are labels as the handler declares them (Response::route): no identifiers. Past
// kMaxRoutes distinct routes, the rest are counted under route="other", so that a client
// cannot grow the metrics without bound with made-up paths.
#ifndef KENEYA_HTTP_METRICS_H_
#define KENEYA_HTTP_METRICS_H_

#include <array>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <tuple>

#include "http/server.h"

namespace keneya::http {

class Metrics : public ServerObserver {
 public:
  static constexpr size_t kMaxRoutes = 256;
  // The histogram's upper bounds in seconds (Prometheus' defaults).
  static constexpr std::array<double, 11> kBuckets = {0.005, 0.01, 0.025, 0.05, 0.1, 0.25,
                                                      0.5,   1,    2.5,   5,    10};

  void Exchanged(const ExchangeRecord& record) override;
  void Failed(std::string_view what, std::string_view detail) override;
  void Connections(int open) override;

  // Adds (or replaces) a gauge read at each Render(). `name` is a Prometheus metric name
  // ([a-zA-Z_:][a-zA-Z0-9_:]*: a programmer's constant); `value` is called without any lock of
  // this object held, from the thread that renders.
  void SetGauge(std::string name, std::string help, std::function<double()> value);

  // Everything in the text exposition format, metric families in a stable order.
  std::string Render() const;

 private:
  struct Latency {
    std::array<uint64_t, kBuckets.size()> buckets{};  // not cumulative: bucket i alone
    uint64_t count = 0;
    double sum = 0;  // seconds
  };
  struct Gauge {
    std::string help;
    std::function<double()> value;
  };

  // The route as counted: itself, or "other" past kMaxRoutes. Needs mutex_.
  std::string CountedRoute(const std::string& route);

  mutable std::mutex mutex_;  // guards everything below
  std::map<std::tuple<std::string, std::string, int>, uint64_t> requests_;  // route, method, status
  std::map<std::string, Latency> latency_;                                  // by route
  uint64_t bytes_in_ = 0;
  uint64_t bytes_out_ = 0;
  int connections_open_ = 0;
  std::map<std::string, uint64_t> failures_;  // by what
  std::map<std::string, Gauge> gauges_;       // by name
};

}  // namespace keneya::http

#endif  // KENEYA_HTTP_METRICS_H_
