#include "http/request_log.h"

#include <spdlog/logger.h>
#include <spdlog/sinks/basic_file_sink.h>
#include <spdlog/sinks/stdout_sinks.h>

#include <nlohmann/json.hpp>
#include <utility>

#include "core/timestamp.h"

namespace keneya::http {
namespace {

std::shared_ptr<spdlog::logger> MakeLogger(spdlog::sink_ptr sink) {
  auto logger = std::make_shared<spdlog::logger>("keneya.requests", std::move(sink));
  // The line is the JSON object alone: time and level are inside it.
  logger->set_pattern("%v");
  logger->set_level(spdlog::level::info);
  logger->flush_on(spdlog::level::info);
  return logger;
}

// Invalid UTF-8 (a path, a user name) becomes U+FFFD rather than an exception: the line must be
// written whatever the client sent.
std::string Dump(const nlohmann::json& line) {
  return line.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace

RequestLog::RequestLog()
    : RequestLog(MakeLogger(std::make_shared<spdlog::sinks::stderr_sink_mt>())) {}

RequestLog::RequestLog(std::shared_ptr<spdlog::logger> logger) : logger_(std::move(logger)) {}

RequestLog::~RequestLog() { Flush(); }

core::Result<std::unique_ptr<RequestLog>> RequestLog::Open(const std::string& path) {
  try {
    auto sink = std::make_shared<spdlog::sinks::basic_file_sink_mt>(path, /*truncate=*/false);
    return std::unique_ptr<RequestLog>(new RequestLog(MakeLogger(std::move(sink))));
  } catch (const std::exception& e) {
    return core::Unavailable(
        core::Message("http.log_unopenable", {{"file", path}, {"detail", e.what()}}), path);
  }
}

void RequestLog::Exchanged(const ExchangeRecord& record) {
  nlohmann::json line = {
      {"time", core::FormatTimestamp(core::NowMs())},
      {"level", record.status >= 500 ? "error" : "info"},
      {"event", "request"},
      {"method", record.method},
      {"route", record.route},
      {"status", record.status},
      {"duration_ms", static_cast<double>(record.duration_us) / 1000.0},
      {"user", record.user},
      {"bytes_in", record.bytes_in},
      {"bytes_out", record.bytes_out},
      {"remote", record.remote_address},
  };
  logger_->info(Dump(line));
}

void RequestLog::Failed(std::string_view what, std::string_view detail) {
  nlohmann::json line = {
      {"time", core::FormatTimestamp(core::NowMs())},
      {"level", "error"},
      {"event", "failure"},
      {"what", std::string(what)},
      {"detail", std::string(detail)},
  };
  logger_->error(Dump(line));
}

void RequestLog::Connections(int /*open*/) {}

void RequestLog::Flush() { logger_->flush(); }

Observers::Observers(std::vector<ServerObserver*> observers) {
  for (ServerObserver* observer : observers) {
    if (observer != nullptr) observers_.push_back(observer);
  }
}

void Observers::Exchanged(const ExchangeRecord& record) {
  for (ServerObserver* observer : observers_) observer->Exchanged(record);
}

void Observers::Failed(std::string_view what, std::string_view detail) {
  for (ServerObserver* observer : observers_) observer->Failed(what, detail);
}

void Observers::Connections(int open) {
  for (ServerObserver* observer : observers_) observer->Connections(open);
}

}  // namespace keneya::http
