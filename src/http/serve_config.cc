#include "http/serve_config.h"

#include <toml++/toml.h>

#include "core/text.h"
#include "io/dhis2_client.h"

namespace keneya::http {

using core::Message;
using core::Status;

namespace {

std::string Trim(std::string_view text) {
  while (!text.empty() && text.front() == ' ') text.remove_prefix(1);
  while (!text.empty() && text.back() == ' ') text.remove_suffix(1);
  return std::string(text);
}

class Reader {
 public:
  Reader(std::string_view file) : file_(file) {}

  Status Read(std::string_view text, ServeConfig& c) {
    KENEYA_RETURN_IF_ERROR(core::CheckUtf8(text, file_));
    toml::table root;
    try {
      root = toml::parse(text, file_);
    } catch (const toml::parse_error& error) {
      const toml::source_position at = error.source().begin;
      return core::InvalidArgument(
          Message("http.config.syntax", {{"detail", std::string(error.description())}}),
          core::FileLineColumn(file_, at.line, at.column));
    }
    for (const auto& [key, node] : root) {
      const std::string section(key.str());
      const toml::table* table = node.as_table();
      if (table == nullptr) return Unknown(section, node);
      for (const auto& [name_key, value] : *table) {
        const std::string name(name_key.str());
        KENEYA_RETURN_IF_ERROR(Setting(section, name, value, c));
      }
    }
    return core::OkStatus();
  }

 private:
  Status Setting(const std::string& section, const std::string& name, const toml::node& value,
                 ServeConfig& c) {
    ServerOptions& s = c.server;
    if (section == "server") {
      if (name == "host") return Text(section, name, value, s.host);
      if (name == "port") return Integer(section, name, value, 0, 65535, s.port);
      if (name == "io_threads") return Integer(section, name, value, 1, 64, s.io_threads);
      if (name == "worker_threads") return Integer(section, name, value, 1, 256, s.worker_threads);
      if (name == "max_connections") {
        return Integer(section, name, value, 1, 100'000, s.max_connections);
      }
      if (name == "header_timeout_ms") return Millis(section, name, value, s.header_timeout);
      if (name == "keep_alive_timeout_ms") {
        return Millis(section, name, value, s.keep_alive_timeout);
      }
      if (name == "rate_window_ms") return Millis(section, name, value, s.rate_window);
      if (name == "min_rate") {
        int rate = 0;
        KENEYA_RETURN_IF_ERROR(Integer(section, name, value, 0, 100'000'000, rate));
        s.min_rate = rate;
        return core::OkStatus();
      }
      if (name == "static") return Text(section, name, value, c.api.static_dir);
      if (name == "tls_cert") return Text(section, name, value, s.tls_cert);
      if (name == "tls_key") return Text(section, name, value, s.tls_key);
      if (name == "trusted_proxies") {
        const toml::array* list = value.as_array();
        if (list == nullptr) return Wrong(section, name, value, "http.config.want_list");
        c.api.trusted_proxies.clear();
        for (const toml::node& item : *list) {
          std::optional<std::string> address = item.value<std::string>();
          if (!address) return Wrong(section, name, item, "http.config.want_list");
          c.api.trusted_proxies.push_back(*address);
        }
        return core::OkStatus();
      }
    } else if (section == "database") {
      if (name == "url") return Text(section, name, value, c.database);
      if (name == "pool") return Integer(section, name, value, 1, 1000, c.pool);
    } else if (section == "limits") {
      if (name == "body_bytes") return Bytes(section, name, value, c.api.body_limit);
      if (name == "import_body_bytes") return Bytes(section, name, value, c.api.import_body_limit);
    } else if (section == "log") {
      if (name == "requests") return Text(section, name, value, c.request_log);
    } else if (section == "dhis2") {
      if (name == "url") return Text(section, name, value, c.dhis2_url);
      if (name == "user") return Text(section, name, value, c.dhis2_user);
      if (name == "ca_cert") return Text(section, name, value, c.dhis2_ca_cert);
    } else if (section == "jobs") {
      if (name == "run") return Bool(section, name, value, c.api.run_jobs);
      if (name == "name") return Text(section, name, value, c.api.jobs.owner);
      if (name == "lease_ms") return Millis(section, name, value, c.api.jobs.lease);
      if (name == "poll_ms") return Millis(section, name, value, c.api.jobs.poll);
    }
    return Unknown(section + "." + name, value);
  }

  core::Message Place(const toml::node& node) const {
    return core::FileLine(file_, node.source().begin.line);
  }

  Status Unknown(const std::string& key, const toml::node& node) const {
    return core::InvalidArgument(Message("http.config.unknown_key", {{"key", key}}), Place(node));
  }

  Status Wrong(const std::string& section, const std::string& name, const toml::node& node,
               std::string_view want) const {
    return core::InvalidArgument(Message("http.config.wrong_value",
                                         {{"key", section + "." + name}, {"want", Message(want)}}),
                                 Place(node));
  }

  Status Text(const std::string& section, const std::string& name, const toml::node& node,
              std::string& out) const {
    std::optional<std::string> text = node.value<std::string>();
    if (!text) return Wrong(section, name, node, "http.config.want_text");
    out = *text;
    return core::OkStatus();
  }

  Status Bool(const std::string& section, const std::string& name, const toml::node& node,
              bool& out) const {
    if (!node.is_boolean()) return Wrong(section, name, node, "http.config.want_bool");
    out = *node.value<bool>();
    return core::OkStatus();
  }

  Status Integer(const std::string& section, const std::string& name, const toml::node& node,
                 int64_t low, int64_t high, int& out) const {
    const toml::value<int64_t>* number = node.as_integer();
    if (number == nullptr || number->get() < low || number->get() > high) {
      return core::InvalidArgument(
          Message("http.config.out_of_range",
                  {{"key", section + "." + name}, {"low", low}, {"high", high}}),
          Place(node));
    }
    out = static_cast<int>(number->get());
    return core::OkStatus();
  }

  Status Millis(const std::string& section, const std::string& name, const toml::node& node,
                std::chrono::milliseconds& out) const {
    int ms = 0;
    KENEYA_RETURN_IF_ERROR(Integer(section, name, node, 1, 3'600'000, ms));
    out = std::chrono::milliseconds(ms);
    return core::OkStatus();
  }

  Status Bytes(const std::string& section, const std::string& name, const toml::node& node,
               size_t& out) const {
    const toml::value<int64_t>* number = node.as_integer();
    constexpr int64_t kMax = int64_t{4} << 30;
    if (number == nullptr || number->get() < 1024 || number->get() > kMax) {
      return core::InvalidArgument(
          Message("http.config.out_of_range",
                  {{"key", section + "." + name}, {"low", 1024}, {"high", kMax}}),
          Place(node));
    }
    out = static_cast<size_t>(number->get());
    return core::OkStatus();
  }

  std::string file_;
};

}  // namespace

Status ReadServeConfig(std::string_view toml, std::string_view file_name, ServeConfig& config) {
  return Reader(file_name).Read(toml, config);
}

Status ApplyServeEnvironment(const std::function<const char*(const char*)>& lookup,
                             ServeConfig& config) {
  auto text = [&](const char* name, std::string& out) {
    if (const char* value = lookup(name); value != nullptr && *value != '\0') out = value;
  };
  auto number = [&](const char* name, int low, int high, int& out) -> Status {
    const char* value = lookup(name);
    if (value == nullptr || *value == '\0') return core::OkStatus();
    char* end = nullptr;
    const long parsed = std::strtol(value, &end, 10);
    if (*end != '\0' || parsed < low || parsed > high) {
      return core::InvalidArgument(
          Message("http.config.env_out_of_range",
                  {{"name", name}, {"value", value}, {"low", low}, {"high", high}}),
          name);
    }
    out = static_cast<int>(parsed);
    return core::OkStatus();
  };
  text("KENEYA_DB", config.database);
  text("KENEYA_HOST", config.server.host);
  KENEYA_RETURN_IF_ERROR(number("KENEYA_PORT", 0, 65535, config.server.port));
  text("KENEYA_TLS_CERT", config.server.tls_cert);
  text("KENEYA_TLS_KEY", config.server.tls_key);
  KENEYA_RETURN_IF_ERROR(number("KENEYA_POOL", 1, 1000, config.pool));
  text("KENEYA_REQUEST_LOG", config.request_log);
  text("KENEYA_STATIC", config.api.static_dir);
  text("KENEYA_JOBS_NAME", config.api.jobs.owner);
  int lease_ms = static_cast<int>(config.api.jobs.lease.count());
  KENEYA_RETURN_IF_ERROR(number("KENEYA_JOBS_LEASE_MS", 100, 3'600'000, lease_ms));
  config.api.jobs.lease = std::chrono::milliseconds(lease_ms);
  int poll_ms = static_cast<int>(config.api.jobs.poll.count());
  KENEYA_RETURN_IF_ERROR(number("KENEYA_JOBS_POLL_MS", 10, 3'600'000, poll_ms));
  config.api.jobs.poll = std::chrono::milliseconds(poll_ms);
  text("KENEYA_DHIS2_URL", config.dhis2_url);
  text("KENEYA_DHIS2_USER", config.dhis2_user);
  if (!config.dhis2_url.empty()) {
    io::Dhis2ClientOptions dhis2;
    dhis2.base_url = config.dhis2_url;
    dhis2.ca_cert_file = config.dhis2_ca_cert;
    const char* token = lookup("KENEYA_DHIS2_TOKEN");
    const char* password = lookup("KENEYA_DHIS2_PASSWORD");
    if (token != nullptr && *token != '\0') {
      dhis2.credentials = io::Dhis2Credentials::Token(token);
    } else if (!config.dhis2_user.empty() && password != nullptr) {
      dhis2.credentials = io::Dhis2Credentials::Basic(config.dhis2_user, password);
    } else {
      return core::InvalidArgument(Message("http.config.dhis2_credentials"),
                                   "KENEYA_DHIS2_PASSWORD");
    }
    config.api.jobs.dhis2 = std::move(dhis2);
  }
  if (const char* proxies = lookup("KENEYA_TRUSTED_PROXIES"); proxies != nullptr && *proxies) {
    config.api.trusted_proxies.clear();
    std::string_view rest = proxies;
    while (!rest.empty()) {
      const size_t comma = rest.find(',');
      const std::string address = Trim(rest.substr(0, comma));
      if (!address.empty()) config.api.trusted_proxies.push_back(address);
      if (comma == std::string_view::npos) break;
      rest.remove_prefix(comma + 1);
    }
  }
  return core::OkStatus();
}

}  // namespace keneya::http
