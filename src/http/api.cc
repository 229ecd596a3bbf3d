#include "http/api.h"

#include <cmath>
#include <cstdio>
#include <nlohmann/json.hpp>

#include "core/timestamp.h"

namespace keneya::http {

using nlohmann::json;

int HttpStatus(core::ErrorCode code) {
  switch (code) {
    case core::ErrorCode::kInvalidArgument:
      return 400;
    case core::ErrorCode::kNotFound:
      return 404;
    case core::ErrorCode::kAlreadyExists:
    case core::ErrorCode::kConflict:
      return 409;
    case core::ErrorCode::kFailedPrecondition:
      return 412;
    case core::ErrorCode::kPermissionDenied:
      return 403;
    case core::ErrorCode::kUnavailable:
      return 503;
    case core::ErrorCode::kInternal:
    case core::ErrorCode::kDataError:
      return 500;
  }
  return 500;
}

Response ErrorResponse(const core::Error& error) {
  // "message" and "where" in English; "id" and "args" for a client that renders the message in
  // its reader's language (an empty id: a text no catalogue knows, in args.text).
  json args = json::object();
  for (const core::MessageArg& arg : error.text.args())
    args[arg.name] = core::RenderArg(arg, core::Language::kEnglish);
  json body = {{"status", "error"},        {"code", core::ErrorCodeName(error.code)},
               {"message", error.message}, {"where", error.where},
               {"id", error.text.id()},    {"args", args}};
  return Response{HttpStatus(error.code), "application/json; charset=utf-8", body.dump()};
}

Api::Api(std::unique_ptr<store::Store> store, ServerInfo info)
    : store_(std::move(store)), info_(std::move(info)) {}

Response Api::Handle(const Request& request) {
  if (request.path == "/api/health") {
    if (request.method != "GET" && request.method != "HEAD") {
      Response r =
          ErrorResponse(core::InvalidArgument(core::Message("http.use_get"), request.method));
      r.status = 405;
      return r;
    }
    return Health();
  }
  return ErrorResponse(
      core::NotFound(core::Message("http.no_resource", {{"path", request.path}}), request.path));
}

Response Api::Health() {
  std::lock_guard<std::mutex> lock(mutex_);
  json database = {{"engine", std::string(store_->engine())}, {"location", info_.database}};
  core::Status ping = store_->Ping();
  auto version = ping.ok() ? store_->SchemaVersion() : core::Result<int>(ping.error());
  const bool ok = version.ok();
  database["reachable"] = ok;
  if (ok) {
    database["schema_version"] = *version;
    database["latest_schema_version"] = store_->LatestSchemaVersion();
  } else {
    database["error"] = version.error().ToString();
  }
  json body = {{"status", ok ? "ok" : "unavailable"},
               {"service", "keneya"},
               {"version", info_.version},
               {"time", core::FormatTimestamp(core::NowMs())},
               {"database", database}};
  return Response{ok ? 200 : 503, "application/json; charset=utf-8", body.dump()};
}

}  // namespace keneya::http
