#include "http/api.h"

#include <gtest/gtest.h>
#include <httplib.h>
#include <unistd.h>

#include <filesystem>
#include <nlohmann/json.hpp>
#include <thread>

#include "http/server.h"

namespace keneya::http {
namespace {

namespace fs = std::filesystem;

class ApiTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("keneya_http_test_" + std::to_string(getpid()));
    fs::create_directories(dir_);
    auto store = store::OpenStore((dir_ / "test.db").string());
    ASSERT_TRUE(store.ok()) << store.error().ToString();
    api_ = std::make_unique<Api>(std::move(store).value(), ServerInfo{"1.2.3", "test.db"});
  }
  void TearDown() override {
    api_.reset();
    fs::remove_all(dir_);
  }
  fs::path dir_;
  std::unique_ptr<Api> api_;
};

TEST_F(ApiTest, HealthSaysOkWithTheDatabaseSchema) {
  Response r = api_->Handle(Request{"GET", "/api/health", {}, ""});
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.content_type, "application/json; charset=utf-8");
  auto body = nlohmann::json::parse(r.body);
  EXPECT_EQ(body["status"], "ok");
  EXPECT_EQ(body["version"], "1.2.3");
  EXPECT_EQ(body["database"]["engine"], "sqlite");
  EXPECT_EQ(body["database"]["reachable"], true);
  EXPECT_EQ(body["database"]["schema_version"], body["database"]["latest_schema_version"]);
}

TEST_F(ApiTest, UnknownPathsAre404AndWrongMethods405) {
  Response missing = api_->Handle(Request{"GET", "/api/nothing", {}, ""});
  EXPECT_EQ(missing.status, 404);
  EXPECT_EQ(nlohmann::json::parse(missing.body)["code"], "not found");
  EXPECT_EQ(api_->Handle(Request{"POST", "/api/health", {}, ""}).status, 405);
}

TEST(HttpStatusTest, MapsEveryErrorCode) {
  EXPECT_EQ(HttpStatus(core::ErrorCode::kInvalidArgument), 400);
  EXPECT_EQ(HttpStatus(core::ErrorCode::kNotFound), 404);
  EXPECT_EQ(HttpStatus(core::ErrorCode::kConflict), 409);
  EXPECT_EQ(HttpStatus(core::ErrorCode::kAlreadyExists), 409);
  EXPECT_EQ(HttpStatus(core::ErrorCode::kFailedPrecondition), 412);
  EXPECT_EQ(HttpStatus(core::ErrorCode::kPermissionDenied), 403);
  EXPECT_EQ(HttpStatus(core::ErrorCode::kUnavailable), 503);
  EXPECT_EQ(HttpStatus(core::ErrorCode::kInternal), 500);
}

TEST_F(ApiTest, ServerAnswersOverLoopback) {
  Server server(*api_);
  ASSERT_TRUE(server.Bind("127.0.0.1", 0).ok());
  ASSERT_GT(server.port(), 0);
  std::thread serving([&] { EXPECT_TRUE(server.Serve().ok()); });
  httplib::Client client("127.0.0.1", server.port());
  auto r = client.Get("/api/health");
  for (int attempt = 0; attempt < 100 && !r; ++attempt) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    r = client.Get("/api/health");
  }
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(nlohmann::json::parse(r->body)["status"], "ok");
  EXPECT_EQ(r->get_header_value("X-Content-Type-Options"), "nosniff");
  server.Stop();
  serving.join();
}

}  // namespace
}  // namespace keneya::http
