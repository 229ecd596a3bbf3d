// One HTTP exchange as plain values: the request a handler reads, the response it returns, and
// the handler itself. The transport (server.h) turns bytes into a Request and a Response into
// bytes; everything between is a function that tests call without sockets.
//
//   Response r = handler.Handle(Request{.method = "GET", .path = "/api/health"});
//
// A large body (an export, a stream of server-sent events) is not held in memory: the handler
// sets Response::pull, and the transport asks it for the next piece as the client takes them.
#ifndef KENEYA_HTTP_EXCHANGE_H_
#define KENEYA_HTTP_EXCHANGE_H_

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace keneya::http {

struct Request {
  std::string method;  // "GET", "POST"...
  std::string path;    // "/api/health": percent-decoded, without the query string
  // The query's parameters in order, percent-decoded; a name may repeat (DHIS2's
  // "orgUnit=a&orgUnit=b").
  std::vector<std::pair<std::string, std::string>> query;
  // Header names in lower case ("accept-language"); a repeated header's values joined by ", ".
  std::map<std::string, std::string> headers;
  std::string body;
  std::string remote_address;  // the peer's address ("127.0.0.1"), before any trusted proxy
  bool secure = false;         // came over TLS

  // The first value of a query parameter, or nullopt.
  std::optional<std::string> Param(std::string_view name) const;
  // Every value of a query parameter, in order.
  std::vector<std::string> Params(std::string_view name) const;
  // A header's value ("" when absent); `name` in lower case.
  const std::string& Header(std::string_view name) const;
};

// Gives the next piece of a body: a non-empty string, "" when nothing is ready yet (the transport
// asks again a little later, without holding a thread: server-sent events), or nullopt at the
// end. Called from one thread at a time.
using BodyPuller = std::function<std::optional<std::string>()>;

struct Response {
  int status = 200;
  std::string content_type = "application/json; charset=utf-8";
  // Headers beyond Content-Type ("Set-Cookie", "Content-Disposition", "Cache-Control"...).
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  // When set, the body is pulled in pieces and sent chunked; `body` is ignored.
  BodyPuller pull;
  // For the request log and the metrics: the route that answered, as declared ("/api/orgUnits/{id}"
  // rather than the path: no identifiers in metrics), and the user who asked ("" when anonymous).
  std::string route;
  std::string user;
};

// What the transport calls. Implementations must be safe to call from several threads at once.
class Handler {
 public:
  virtual ~Handler() = default;
  // The largest body the route of `method` and `path` accepts, in bytes, known from the request
  // line alone so that the transport refuses a larger one (413) before reading it, chunked or not.
  virtual size_t BodyLimit(std::string_view method, std::string_view path) const = 0;
  // Answers a request. Never throws on purpose; the transport answers a generic 500 and logs the
  // detail when it does.
  virtual Response Handle(const Request& request) = 0;
};

}  // namespace keneya::http

#endif  // KENEYA_HTTP_EXCHANGE_H_
