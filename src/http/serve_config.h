// How `keneya serve` is configured: a TOML file (--config), then environment variables over it,
// then command-line options over both. docs/SERVER.md lists every setting.
//
//   [server]                 host, port, io_threads, worker_threads, max_connections,
//                            header_timeout_ms, keep_alive_timeout_ms, min_rate, rate_window_ms,
//                            tls_cert, tls_key, trusted_proxies = ["10.0.0.2"]
//   [database]               url ("var/keneya.db" or "postgresql://..."), pool
//   [limits]                 body_bytes, import_body_bytes
//   [log]                    requests ("-": standard error; a file path)
//   [jobs]                   run (true), name (default "host:port"), lease_ms, poll_ms
//
// Environment: KENEYA_DB, KENEYA_HOST, KENEYA_PORT, KENEYA_TLS_CERT, KENEYA_TLS_KEY,
// KENEYA_POOL, KENEYA_TRUSTED_PROXIES (comma-separated), KENEYA_REQUEST_LOG, KENEYA_JOBS_NAME,
// KENEYA_JOBS_LEASE_MS, KENEYA_JOBS_POLL_MS.
#ifndef KENEYA_HTTP_SERVE_CONFIG_H_
#define KENEYA_HTTP_SERVE_CONFIG_H_

#include <functional>
#include <string>
#include <string_view>

#include "core/result.h"
#include "http/api.h"
#include "http/server.h"

namespace keneya::http {

struct ServeConfig {
  ServeConfig() { api.run_jobs = true; }
  ServerOptions server;
  ApiOptions api;
  std::string database = "keneya.db";
  int pool = 8;
  std::string request_log = "-";
  // The national DHIS2 that approved runs' results are pushed to ([dhis2] url, user, ca_cert;
  // the password or token only from the environment: KENEYA_DHIS2_PASSWORD, KENEYA_DHIS2_TOKEN).
  std::string dhis2_url, dhis2_user, dhis2_ca_cert;
};

// Reads a config file's text over `config` (settings it does not name keep their value). Unknown
// keys and wrong types are errors naming the file, line and key.
core::Status ReadServeConfig(std::string_view toml, std::string_view file_name,
                             ServeConfig& config);
// Applies the environment's settings over `config`; `lookup` returns a variable's value or
// nullptr (getenv in the program, a map in tests).
core::Status ApplyServeEnvironment(const std::function<const char*(const char*)>& lookup,
                                   ServeConfig& config);

}  // namespace keneya::http

#endif  // KENEYA_HTTP_SERVE_CONFIG_H_
