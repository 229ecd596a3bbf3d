// Keneya's HTTP API as a plain function from request to response, testable without sockets
// (the transport is in server.h).
//
//   Api api(store_factory, ServerInfo{"0.1.0"});
//   Response r = api.Handle(Request{"GET", "/api/health"});   // 200 {"status":"ok",...}
//
// This module is the only place that maps Keneya's error codes to HTTP status codes.
#ifndef KENEYA_HTTP_API_H_
#define KENEYA_HTTP_API_H_

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "core/result.h"
#include "store/store.h"

namespace keneya::http {

struct Request {
  std::string method;  // "GET", "POST"...
  std::string path;    // "/api/health", without the query string
  std::map<std::string, std::string> query;
  std::string body;
};

struct Response {
  int status = 200;
  std::string content_type = "application/json; charset=utf-8";
  std::string body;
};

struct ServerInfo {
  std::string version;
  std::string database;  // the store location as shown to operators (no password)
};

// The HTTP status for an error code (400, 404, 409, 412, 403, 503, 500).
int HttpStatus(core::ErrorCode code);
// A JSON error body {"status":"error","code":...,"message":...,"where":...,"id":...,"args":{...}}
// with its status: the message and its place in English, and the message by id with its
// arguments (name -> text) for a client that shows it in another language.
Response ErrorResponse(const core::Error& error);

class Api {
 public:
  // `store` is used under a mutex: one request at a time reaches the database through it.
  Api(std::unique_ptr<store::Store> store, ServerInfo info);

  // Routes a request. Unknown paths get 404, known paths with another method 405.
  Response Handle(const Request& request);

 private:
  Response Health();

  std::mutex mutex_;  // guards store_
  std::unique_ptr<store::Store> store_;
  ServerInfo info_;
};

}  // namespace keneya::http

#endif  // KENEYA_HTTP_API_H_
