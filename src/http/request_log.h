// The request log: one JSON object a line for each exchange and each failure, for people and
// for log tools (jq, Loki). Every line is valid JSON whatever a path or a user name holds.
//
//   {"time":"2024-03-01T10:15:30.250Z","level":"info","event":"request","method":"GET",
//    "route":"/api/health","status":200,"duration_ms":1.234,"user":"","bytes_in":0,
//    "bytes_out":187,"remote":"127.0.0.1"}
//   {"time":"...","level":"error","event":"failure","what":"handler","detail":"..."}
//
//   RequestLog log;                                  // to standard error
//   auto file = RequestLog::Open("/var/log/keneya/requests.log");
//   Observers both({&metrics, &log});
//   Server server(handler, options, &both);
#ifndef KENEYA_HTTP_REQUEST_LOG_H_
#define KENEYA_HTTP_REQUEST_LOG_H_

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "http/server.h"

namespace spdlog {
class logger;
}

namespace keneya::http {

class RequestLog : public ServerObserver {
 public:
  // Lines to standard error.
  RequestLog();
  ~RequestLog() override;
  // Lines appended to the file at `path` (created if missing); an error naming the file when it
  // cannot be opened.
  static core::Result<std::unique_ptr<RequestLog>> Open(const std::string& path);

  void Exchanged(const ExchangeRecord& record) override;
  void Failed(std::string_view what, std::string_view detail) override;
  void Connections(int open) override;

  // Writes out what is buffered. Lines are flushed as they are written; this is for the end.
  void Flush();

 private:
  explicit RequestLog(std::shared_ptr<spdlog::logger> logger);

  std::shared_ptr<spdlog::logger> logger_;  // thread-safe (the _mt sinks)
};

// Passes everything on to several observers, in order (the metrics and the request log).
class Observers : public ServerObserver {
 public:
  // The observers must outlive this object; null ones are skipped.
  explicit Observers(std::vector<ServerObserver*> observers);

  void Exchanged(const ExchangeRecord& record) override;
  void Failed(std::string_view what, std::string_view detail) override;
  void Connections(int open) override;

 private:
  std::vector<ServerObserver*> observers_;
};

}  // namespace keneya::http

#endif  // KENEYA_HTTP_REQUEST_LOG_H_
