// Keneya's HTTP API as a plain function from request to response, testable without sockets
// (the transport is in server.h).
//
//   Api api(pool, authenticator, ApiOptions{...});
//   Response r = api.Handle(Request{.method = "GET", .path = "/api/health"});   // 200 {...}
//
// Every route is declared once in the route table (api.cc): its method and path pattern, who may
// call it (anyone, or a signed-in user whose roles the route's library function checks), its
// body limit, and the function that parses the request, calls one library function and renders
// what it returns. /api/openapi.json describes the same routes (a test compares them).
//
// This module is the only place that maps Keneya's error codes to HTTP status codes. Errors are
// JSON: {"status": "error", "httpStatus", "code", "message_id", "params", "message", "where"},
// the message in the request's language (Accept-Language; French by default).
#ifndef KENEYA_HTTP_API_H_
#define KENEYA_HTTP_API_H_

#include <chrono>
#include <cstddef>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "auth/authenticator.h"
#include "core/message.h"
#include "core/metadata.h"
#include "core/result.h"
#include "fbr/directory.h"
#include "fbr/jobs.h"
#include "http/exchange.h"
#include "store/store_pool.h"

namespace keneya::http {

class Metrics;

struct ServerInfo {
  std::string version;
  std::string database;  // the store location as shown to operators (no password)
};

struct ApiOptions {
  ServerInfo info;
  // Addresses of reverse proxies whose X-Forwarded-For is believed (the client's address for the
  // audit and the sign-in throttling).
  std::vector<std::string> trusted_proxies;
  size_t body_limit = 256 * 1024;                // most routes: JSON forms
  size_t import_body_limit = 256 * 1024 * 1024;  // data value and metadata imports
  std::chrono::milliseconds pool_wait{10'000};   // then 503
  bool secure_cookies = false;                   // under TLS: the session cookie is Secure
  // The web app's built files (web/dist), served to GET requests outside /api; empty: none.
  std::string static_dir;
  // Background jobs (invoice runs): this server runs them when `run_jobs` (`keneya serve` does
  // unless configured otherwise; an Api in a test runs its jobs itself); its name (jobs.owner)
  // stays the same across restarts so that it resumes its own ("": a name for this process).
  bool run_jobs = false;
  fbr::JobOptions jobs;
};

// The HTTP status for an error code (400, 401, 403, 404, 409, 412, 429, 503, 500).
int HttpStatus(core::ErrorCode code);
// The stable code of an error in JSON bodies ("not_found").
std::string_view ErrorCodeKey(core::ErrorCode code);
// A JSON error response in `language`.
Response ErrorResponse(const core::Error& error, core::Language language = core::Language::kFrench);
// The language a request asks for (Accept-Language: "en-GB,en;q=0.8" -> English); French when
// it names neither.
core::Language RequestLanguage(const Request& request);

// A route as the route table declares it.
struct RouteInfo {
  std::string method;
  std::string pattern;  // "/api/users/{name}"
  bool is_public = false;
};

class Api : public Handler {
 public:
  // `pool`, `authenticator` and `metrics` (may be null) must outlive the Api.
  Api(store::StorePool& pool, auth::Authenticator& authenticator, ApiOptions options,
      Metrics* metrics = nullptr);
  ~Api() override;

  // Starts running background jobs when ApiOptions::run_jobs (on a thread of the runner's: call
  // it once the process has set its signal mask).
  void StartJobs();

  size_t BodyLimit(std::string_view method, std::string_view path) const override;
  Response Handle(const Request& request) override;

  // Every route of the table, in order.
  static std::vector<RouteInfo> Routes();

  struct Call;  // one request being answered (api_internal.h)
  struct Route;

 private:
  Response Dispatch(const Request& request, core::Language language);
  // The metadata as stored with its lookups, reloaded when it changed.
  core::Result<std::shared_ptr<const fbr::Directory>> Directory(store::Store& store);

  store::StorePool& pool_;
  auth::Authenticator& authenticator_;
  ApiOptions options_;
  Metrics* metrics_;
  std::unique_ptr<fbr::JobRunner> jobs_;  // null when the server runs no jobs
  std::mutex metadata_mutex_;
  std::shared_ptr<const fbr::Directory> directory_;
  int64_t metadata_revision_ = -1;

 public:
  // Text rendered from an immutable shared object (an invoice's explanation), kept beside it for
  // the next request that gets the same object. `render` is called on a miss.
  std::string Rendered(const std::shared_ptr<const void>& object,
                       const std::function<std::string()>& render);

 private:
  std::mutex rendered_mutex_;
  std::deque<std::pair<std::shared_ptr<const void>, std::string>> rendered_;
};

}  // namespace keneya::http

#endif  // KENEYA_HTTP_API_H_
