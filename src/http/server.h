// The HTTP transport: Boost.Beast over a fixed number of threads, serving a Handler
// (exchange.h). Hostile and slow clients cannot hold it:
// - a cap on open connections; when it is reached, the connection idle the longest (waiting for a
//   request and sent nothing of it) is closed to make room, so that clients that send nothing
//   cannot keep others out;
// - a request's header must arrive whole within header_timeout; between requests of a kept-alive
//   connection, keep_alive_timeout;
// - a body, read or written, must move at min_rate bytes a second on average over every
//   rate_window (a slow 3G download finishes; a client that stops reading is dropped);
// - each route's body limit (Handler::BodyLimit) holds for chunked bodies too (413);
// - handlers run on their own threads (worker_threads), so that a slow database does not stop
//   the network threads; gzip when the client takes it; optional TLS.
//
//   Server server(handler, options, &observer);
//   KENEYA_RETURN_IF_ERROR(server.Bind());   // server.port() is known from here
//   server.Serve();                          // blocks until Stop()
#ifndef KENEYA_HTTP_SERVER_H_
#define KENEYA_HTTP_SERVER_H_

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include "core/result.h"
#include "http/exchange.h"

namespace keneya::http {

struct ServerOptions {
  std::string host = "127.0.0.1";
  int port = 8080;  // 0: any free port (see Server::port())
  int io_threads = 2;
  int worker_threads = 8;
  int max_connections = 1024;
  std::chrono::milliseconds header_timeout{10'000};
  std::chrono::milliseconds keep_alive_timeout{30'000};
  int64_t min_rate = 256;  // bytes a second
  std::chrono::milliseconds rate_window{20'000};
  size_t compress_min_bytes = 1024;  // smaller bodies go uncompressed
  // PEM files; both or neither. With them the server speaks only HTTPS.
  std::string tls_cert;
  std::string tls_key;
};

// What the server tells about each exchange and each failure (the request log and the metrics).
struct ExchangeRecord {
  std::string method;
  std::string route;  // Response::route, or the path when no route answered
  int status = 0;
  int64_t duration_us = 0;  // from the request's first byte to the response's last
  std::string user;
  int64_t bytes_in = 0;   // the body received
  int64_t bytes_out = 0;  // the body sent, compressed size when compressed
  std::string remote_address;
};

class ServerObserver {
 public:
  virtual ~ServerObserver() = default;
  virtual void Exchanged(const ExchangeRecord& record) = 0;
  // A handler threw, or the transport failed in a way worth a line (TLS setup, accept errors).
  // `detail` may hold internals: it goes to the log, never to a client.
  virtual void Failed(std::string_view what, std::string_view detail) = 0;
  // Open connections changed.
  virtual void Connections(int open) = 0;
};

class Server {
 public:
  // `handler` and `observer` (may be null) must outlive the server.
  Server(Handler& handler, ServerOptions options, ServerObserver* observer = nullptr);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Binds the address (and loads the TLS files). Errors name what failed (--host, --port,
  // --tls-cert, --tls-key).
  core::Status Bind();
  // Serves until Stop(); connections in flight are closed.
  core::Status Serve();
  // From any thread (a signal-waiting thread included).
  void Stop();
  // The bound port, once bound.
  int port() const;

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace keneya::http

#endif  // KENEYA_HTTP_SERVER_H_
