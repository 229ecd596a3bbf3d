// The HTTP transport: cpp-httplib listening on a host and port, passing every request to an Api.
//
//   Server server(api);
//   Status s = server.Listen("127.0.0.1", 8080);   // blocks until Stop()
#ifndef KENEYA_HTTP_SERVER_H_
#define KENEYA_HTTP_SERVER_H_

#include <atomic>
#include <memory>
#include <string>

#include "core/result.h"
#include "http/api.h"

namespace httplib {
class Server;
}

namespace keneya::http {

class Server {
 public:
  explicit Server(Api& api);
  ~Server();

  // Binds `host`:`port` (port 0: any free port, see port()) and serves until Stop(). Errors when
  // the address cannot be bound.
  core::Status Listen(const std::string& host, int port);
  // Binds without serving yet; then Serve() serves. Lets a caller learn the port first.
  core::Status Bind(const std::string& host, int port);
  core::Status Serve();
  // Stops a serving Listen()/Serve() from another thread (or a signal handler's thread).
  void Stop();
  // The bound port, once bound.
  int port() const { return port_; }

 private:
  Api& api_;
  std::unique_ptr<httplib::Server> server_;
  std::atomic<int> port_{0};
};

}  // namespace keneya::http

#endif  // KENEYA_HTTP_SERVER_H_
