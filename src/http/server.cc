#include "http/server.h"

#include <httplib.h>

#include <chrono>

namespace keneya::http {

Server::Server(Api& api) : api_(api), server_(std::make_unique<httplib::Server>()) {
  auto handle = [this](const httplib::Request& in, httplib::Response& out) {
    Request request;
    request.method = in.method;
    request.path = in.path;
    for (const auto& [key, value] : in.params) request.query.emplace(key, value);
    request.body = in.body;
    Response response;
    try {
      response = api_.Handle(request);
    } catch (const std::exception& e) {
      // The last-resort catch of the server: a bug, reported as such, never a crash.
      response = ErrorResponse(
          core::Internal(core::Message("http.unexpected_failure", {{"detail", e.what()}})));
    }
    out.status = response.status;
    out.set_content(response.body, response.content_type);
    out.set_header("Cache-Control", "no-store");
    out.set_header("X-Content-Type-Options", "nosniff");
  };
  server_->Get(".*", handle);
  server_->Post(".*", handle);
  server_->Put(".*", handle);
  server_->Delete(".*", handle);
  server_->Patch(".*", handle);
  server_->set_read_timeout(std::chrono::seconds(30));
  server_->set_write_timeout(std::chrono::seconds(30));
  server_->set_payload_max_length(64 * 1024 * 1024);
}

Server::~Server() { Stop(); }

core::Status Server::Bind(const std::string& host, int port) {
  if (port == 0) {
    const int bound = server_->bind_to_any_port(host.c_str());
    if (bound < 0) {
      return core::Unavailable(core::Message("http.cannot_listen", {{"host", host}}), "--host");
    }
    port_ = bound;
  } else {
    if (!server_->bind_to_port(host.c_str(), port)) {
      return core::Unavailable(
          core::Message("http.cannot_listen_on_port", {{"host", host}, {"port", port}}), "--port");
    }
    port_ = port;
  }
  return core::OkStatus();
}

core::Status Server::Serve() {
  if (!server_->listen_after_bind()) {
    return core::Unavailable(core::Message("http.server_stopped"), std::to_string(port_));
  }
  return core::OkStatus();
}

core::Status Server::Listen(const std::string& host, int port) {
  KENEYA_RETURN_IF_ERROR(Bind(host, port));
  return Serve();
}

void Server::Stop() {
  if (server_) server_->stop();
}

}  // namespace keneya::http
