// keneya serve's settings: the TOML file, then the environment.
#include "http/serve_config.h"

#include <gtest/gtest.h>

#include <map>
#include <string>

namespace keneya::http {
namespace {

TEST(ServeConfigTest, ReadsEverySectionOverTheDefaults) {
  ServeConfig config;
  const char* text = R"(
[server]
host = "0.0.0.0"
port = 8443
worker_threads = 16
max_connections = 2000
header_timeout_ms = 5000
min_rate = 512
tls_cert = "/etc/keneya/cert.pem"
tls_key = "/etc/keneya/key.pem"
trusted_proxies = ["127.0.0.1", "10.0.0.2"]

[database]
url = "postgresql://keneya@db/keneya"
pool = 20

[limits]
import_body_bytes = 104857600

[log]
requests = "/var/log/keneya/requests.log"
)";
  ASSERT_TRUE(ReadServeConfig(text, "keneya.toml", config).ok());
  EXPECT_EQ(config.server.host, "0.0.0.0");
  EXPECT_EQ(config.server.port, 8443);
  EXPECT_EQ(config.server.worker_threads, 16);
  EXPECT_EQ(config.server.io_threads, ServerOptions{}.io_threads) << "untouched";
  EXPECT_EQ(config.server.header_timeout.count(), 5000);
  EXPECT_EQ(config.server.min_rate, 512);
  EXPECT_EQ(config.server.tls_key, "/etc/keneya/key.pem");
  EXPECT_EQ(config.api.trusted_proxies.size(), 2u);
  EXPECT_EQ(config.database, "postgresql://keneya@db/keneya");
  EXPECT_EQ(config.pool, 20);
  EXPECT_EQ(config.api.import_body_limit, 104857600u);
  EXPECT_EQ(config.request_log, "/var/log/keneya/requests.log");
}

TEST(ServeConfigTest, MistakesNameTheirFileLineAndKey) {
  struct Case {
    const char* text;
    const char* says;
  };
  for (const Case& c : {Case{"[server]\nport = \"80\"\n", "server.port"},
                        Case{"[server]\nport = 70000\n", "server.port"},
                        Case{"[server]\nhots = \"x\"\n", "server.hots"},
                        Case{"[serveur]\nport = 1\n", "serveur.port"},
                        Case{"[database]\npool = 0\n", "database.pool"},
                        Case{"[server\nport = 1\n", "keneya.toml:1"},
                        Case{"[server]\ntrusted_proxies = [1]\n", "server.trusted_proxies"}}) {
    ServeConfig config;
    core::Status s = ReadServeConfig(c.text, "keneya.toml", config);
    ASSERT_FALSE(s.ok()) << c.text;
    EXPECT_NE(s.error().ToString().find(c.says), std::string::npos) << s.error().ToString();
    EXPECT_NE(s.error().ToString().find("keneya.toml"), std::string::npos) << s.error().ToString();
  }
}

TEST(ServeConfigTest, TheEnvironmentGoesOverTheFile) {
  ServeConfig config;
  ASSERT_TRUE(ReadServeConfig("[server]\nport = 8443\n", "k.toml", config).ok());
  std::map<std::string, std::string> env = {{"KENEYA_PORT", "9000"},
                                            {"KENEYA_DB", "var/other.db"},
                                            {"KENEYA_TRUSTED_PROXIES", "10.0.0.1, 10.0.0.2"}};
  auto lookup = [&](const char* name) -> const char* {
    auto it = env.find(name);
    return it == env.end() ? nullptr : it->second.c_str();
  };
  ASSERT_TRUE(ApplyServeEnvironment(lookup, config).ok());
  EXPECT_EQ(config.server.port, 9000);
  EXPECT_EQ(config.database, "var/other.db");
  ASSERT_EQ(config.api.trusted_proxies.size(), 2u);
  EXPECT_EQ(config.api.trusted_proxies[1], "10.0.0.2");
  env["KENEYA_PORT"] = "eighty";
  core::Status bad = ApplyServeEnvironment(lookup, config);
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().ToString().find("KENEYA_PORT"), std::string::npos);
}

}  // namespace
}  // namespace keneya::http
