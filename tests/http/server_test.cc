// The Beast transport over real loopback sockets. The client is a raw socket, so that a test
// can send byte by byte, chunked, or nothing at all, and see exactly what comes back.
#include "http/server.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>
#include <zlib.h>

#include <atomic>
#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/write.hpp>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "http/metrics.h"
#include "http/request_log.h"

namespace keneya::http {
namespace {

using nlohmann::json;
using std::chrono::milliseconds;
using Clock = std::chrono::steady_clock;
namespace fs = std::filesystem;

constexpr size_t kPiece = 64 * 1024;
constexpr size_t kPulledSize = 5 * 1024 * 1024;

std::string TextOf(size_t size) {
  std::string text;
  while (text.size() < size) text += "Keneya pays health facilities for verified results. ";
  text.resize(size);
  return text;
}

char PulledByte(size_t index) { return static_cast<char>('a' + (index / kPiece) % 26); }

// Routes: /echo... (what the server made of the request), /small (body limit 100), /large
// (1 MiB), /throw, /text?size=N (text/plain), /pulled (5 MB in 64 KiB pieces), /events (three
// events after "nothing yet" three times). Counts its calls.
class TestHandler : public Handler {
 public:
  size_t BodyLimit(std::string_view /*method*/, std::string_view path) const override {
    if (path == "/small") return 100;
    if (path == "/large") return 1 << 20;
    return 64 * 1024;
  }

  Response Handle(const Request& request) override {
    ++calls;
    if (request.path == "/throw") throw std::runtime_error("secret detail 1234");
    if (request.path == "/text") {
      return Response{.content_type = "text/plain; charset=utf-8",
                      .body = TextOf(std::stoul(request.Param("size").value_or("0"))),
                      .route = "/text"};
    }
    if (request.path == "/pulled") {
      auto sent = std::make_shared<size_t>(0);
      return Response{.content_type = "application/octet-stream",
                      .pull = [sent]() -> std::optional<std::string> {
                        if (*sent >= kPulledSize) return std::nullopt;
                        std::string piece(kPiece, PulledByte(*sent));
                        *sent += piece.size();
                        return piece;
                      },
                      .route = "/pulled"};
    }
    if (request.path == "/events") {
      auto asked = std::make_shared<int>(0);
      return Response{.content_type = "text/event-stream",
                      .pull = [asked]() -> std::optional<std::string> {
                        const int n = (*asked)++;
                        if (n < 3) return std::string();  // nothing yet
                        if (n < 6) return "data: " + std::to_string(n - 3) + "\n\n";
                        return std::nullopt;
                      },
                      .route = "/events"};
    }
    json query = json::array();
    for (const auto& [name, value] : request.query) query.push_back({name, value});
    json out = {
        {"method", request.method},        {"path", request.path}, {"query", query},
        {"headers", request.headers},      {"body", request.body}, {"secure", request.secure},
        {"remote", request.remote_address}};
    return Response{.body = out.dump(), .route = "/echo", .user = "tester"};
  }

  std::atomic<int> calls{0};
};

class RecordingObserver : public ServerObserver {
 public:
  void Exchanged(const ExchangeRecord& record) override {
    std::lock_guard<std::mutex> lock(mutex_);
    exchanges_.push_back(record);
  }
  void Failed(std::string_view what, std::string_view detail) override {
    std::lock_guard<std::mutex> lock(mutex_);
    failures_.push_back(std::string(what) + ": " + std::string(detail));
  }
  void Connections(int open) override {
    std::lock_guard<std::mutex> lock(mutex_);
    most_open_ = std::max(most_open_, open);
  }

  std::vector<ExchangeRecord> exchanges() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return exchanges_;
  }
  std::vector<std::string> failures() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return failures_;
  }
  int most_open() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return most_open_;
  }
  // The first exchange of `route`, waiting up to `timeout` for it (it is recorded after the
  // response's last byte is written, which a client may see first).
  std::optional<ExchangeRecord> WaitFor(const std::string& route, milliseconds timeout) const {
    const auto deadline = Clock::now() + timeout;
    do {
      for (const ExchangeRecord& record : exchanges()) {
        if (record.route == route) return record;
      }
      std::this_thread::sleep_for(milliseconds(5));
    } while (Clock::now() < deadline);
    return std::nullopt;
  }

 private:
  mutable std::mutex mutex_;
  std::vector<ExchangeRecord> exchanges_;
  std::vector<std::string> failures_;
  int most_open_ = 0;
};

struct HttpResponse {
  int status = 0;
  std::map<std::string, std::string> headers;  // names in lower case
  std::string body;
  int chunks = 0;
  std::string Header(const std::string& name) const {
    auto found = headers.find(name);
    return found == headers.end() ? "" : found->second;
  }
};

// A blocking loopback client on a raw socket.
class Client {
 public:
  explicit Client(int port, int receive_buffer = 0) {
    fd_ = socket(AF_INET, SOCK_STREAM, 0);
    if (receive_buffer > 0) {
      setsockopt(fd_, SOL_SOCKET, SO_RCVBUF, &receive_buffer, sizeof receive_buffer);
    }
    const int one = 1;
    setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(static_cast<uint16_t>(port));
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    connected_ = connect(fd_, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0;
  }
  ~Client() { close(fd_); }
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  bool connected() const { return connected_; }

  bool Send(std::string_view data) {
    while (!data.empty()) {
      const ssize_t n = send(fd_, data.data(), data.size(), MSG_NOSIGNAL);
      if (n <= 0) return false;
      data.remove_prefix(static_cast<size_t>(n));
    }
    return true;
  }

  // Whether something (bytes or the end) can be read within `timeout`.
  bool Readable(milliseconds timeout) {
    if (!buffer_.empty()) return true;
    pollfd p{fd_, POLLIN, 0};
    return poll(&p, 1, static_cast<int>(timeout.count())) > 0;
  }

  // Waits for the server to close the connection, dropping what it sends.
  bool WaitClosed(milliseconds timeout) {
    const auto deadline = Clock::now() + timeout;
    buffer_.clear();
    while (Fill(deadline)) buffer_.clear();
    return !timed_out_;
  }

  // One response; nullopt when the connection ends or `timeout` passes first.
  std::optional<HttpResponse> Read(bool head = false, milliseconds timeout = milliseconds(3000)) {
    const auto deadline = Clock::now() + timeout;
    HttpResponse response;
    size_t end;
    for (;;) {
      while ((end = buffer_.find("\r\n\r\n")) == std::string::npos) {
        if (!Fill(deadline)) return std::nullopt;
      }
      std::string head_text = buffer_.substr(0, end);
      buffer_.erase(0, end + 4);
      response = HttpResponse();
      response.status = std::stoi(head_text.substr(9, 3));
      size_t line = head_text.find("\r\n");
      while (line != std::string::npos) {
        const size_t next = head_text.find("\r\n", line + 2);
        std::string field = head_text.substr(
            line + 2, next == std::string::npos ? std::string::npos : next - line - 2);
        const size_t colon = field.find(':');
        std::string name = field.substr(0, colon);
        for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        response.headers[name] = field.substr(colon + 2);
        line = next;
      }
      if (response.status != 100) break;
    }
    if (head || response.status == 204 || response.status == 304) return response;
    if (response.Header("transfer-encoding") == "chunked") {
      for (;;) {
        size_t eol;
        while ((eol = buffer_.find("\r\n")) == std::string::npos) {
          if (!Fill(deadline)) return std::nullopt;
        }
        const size_t size = std::stoul(buffer_.substr(0, eol), nullptr, 16);
        while (buffer_.size() < eol + 2 + size + 2) {
          if (!Fill(deadline)) return std::nullopt;
        }
        response.body += buffer_.substr(eol + 2, size);
        buffer_.erase(0, eol + 2 + size + 2);
        if (size == 0) break;
        ++response.chunks;
      }
    } else if (!response.Header("content-length").empty()) {
      const size_t size = std::stoul(response.Header("content-length"));
      while (buffer_.size() < size) {
        if (!Fill(deadline)) return std::nullopt;
      }
      response.body = buffer_.substr(0, size);
      buffer_.erase(0, size);
    } else {
      while (Fill(deadline)) {
      }
      response.body = std::move(buffer_);
      buffer_.clear();
    }
    return response;
  }

 private:
  // Appends what comes before `deadline`; false at the end of the stream or the deadline.
  bool Fill(Clock::time_point deadline) {
    const auto left = std::chrono::duration_cast<milliseconds>(deadline - Clock::now());
    pollfd p{fd_, POLLIN, 0};
    if (left.count() <= 0 || poll(&p, 1, static_cast<int>(left.count())) <= 0) {
      timed_out_ = true;
      return false;
    }
    char data[65536];
    const ssize_t n = recv(fd_, data, sizeof data, 0);
    if (n <= 0) return false;
    buffer_.append(data, static_cast<size_t>(n));
    return true;
  }

  int fd_ = -1;
  bool connected_ = false;
  bool timed_out_ = false;
  std::string buffer_;
};

std::string Get(const std::string& target, const std::string& extra = "") {
  return "GET " + target + " HTTP/1.1\r\nHost: localhost\r\n" + extra + "\r\n";
}

std::string Gunzip(const std::string& compressed) {
  z_stream z{};
  EXPECT_EQ(inflateInit2(&z, 15 + 16), Z_OK);
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(compressed.data()));
  z.avail_in = static_cast<uInt>(compressed.size());
  std::string out;
  int rc = Z_OK;
  while (rc == Z_OK) {
    char buffer[16384];
    z.next_out = reinterpret_cast<Bytef*>(buffer);
    z.avail_out = sizeof buffer;
    rc = inflate(&z, Z_NO_FLUSH);
    out.append(buffer, sizeof buffer - z.avail_out);
    if (rc == Z_BUF_ERROR && z.avail_in == 0) break;
  }
  EXPECT_EQ(rc, Z_STREAM_END);
  inflateEnd(&z);
  return out;
}

class ServerTest : public ::testing::Test {
 protected:
  void Start(ServerOptions options = {}) {
    options.host = "127.0.0.1";
    options.port = 0;
    server_ = std::make_unique<Server>(handler_, options, &observer_);
    core::Status bound = server_->Bind();
    ASSERT_TRUE(bound.ok()) << bound.error().ToString();
    ASSERT_GT(server_->port(), 0);
    serving_ = std::thread([this] { served_ = server_->Serve(); });
  }
  void TearDown() override {
    if (server_ == nullptr) return;
    server_->Stop();
    serving_.join();
    EXPECT_TRUE(served_.ok());
  }
  int port() const { return server_->port(); }

  TestHandler handler_;
  RecordingObserver observer_;
  std::unique_ptr<Server> server_;
  std::thread serving_;
  core::Status served_ = core::OkStatus();
};

TEST_F(ServerTest, KeepsTheConnectionAliveForTwoRequests) {
  Start();
  Client client(port());
  ASSERT_TRUE(client.Send(Get("/echo?n=1")));
  auto first = client.Read();
  ASSERT_TRUE(first);
  EXPECT_EQ(first->status, 200);
  EXPECT_EQ(first->Header("content-type"), "application/json; charset=utf-8");
  EXPECT_EQ(first->Header("x-content-type-options"), "nosniff");
  EXPECT_EQ(first->Header("cache-control"), "no-store");
  EXPECT_EQ(first->Header("connection"), "");
  ASSERT_TRUE(client.Send(Get("/echo?n=2")));
  auto second = client.Read();
  ASSERT_TRUE(second);
  EXPECT_EQ(json::parse(second->body)["query"][0][1], "2");
  // HEAD: the head alone, with the length the body would have.
  ASSERT_TRUE(client.Send("HEAD /text?size=5000 HTTP/1.1\r\nHost: x\r\n\r\n"));
  auto head = client.Read(/*head=*/true);
  ASSERT_TRUE(head);
  EXPECT_EQ(head->Header("content-length"), "5000");
  // Connection: close is honoured: the server closes after the answer.
  ASSERT_TRUE(client.Send(Get("/echo?n=3", "Connection: close\r\n")));
  auto last = client.Read();
  ASSERT_TRUE(last);
  EXPECT_EQ(last->Header("connection"), "close");
  EXPECT_TRUE(client.WaitClosed(milliseconds(2000)));
  EXPECT_EQ(handler_.calls, 4);
  auto record = observer_.WaitFor("/echo", milliseconds(1000));
  ASSERT_TRUE(record);
  EXPECT_EQ(record->status, 200);
  EXPECT_EQ(record->user, "tester");
  EXPECT_EQ(record->remote_address, "127.0.0.1");
}

TEST_F(ServerTest, KeepsAnHttp10ConnectionAliveWhenAsked) {
  Start();
  Client client(port());
  ASSERT_TRUE(client.Send("GET /echo HTTP/1.0\r\nConnection: keep-alive\r\n\r\n"));
  auto first = client.Read();
  ASSERT_TRUE(first);
  EXPECT_EQ(first->Header("connection"), "keep-alive");
  ASSERT_TRUE(client.Send("GET /echo HTTP/1.0\r\n\r\n"));
  auto second = client.Read();
  ASSERT_TRUE(second);
  EXPECT_EQ(second->status, 200);
  EXPECT_TRUE(client.WaitClosed(milliseconds(2000)));
}

TEST_F(ServerTest, RefusesABodyOverItsRouteLimitWithContentLength) {
  Start();
  Client client(port());
  ASSERT_TRUE(client.Send("POST /small HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n" +
                          std::string(1000, 'x')));
  auto response = client.Read();
  ASSERT_TRUE(response);
  EXPECT_EQ(response->status, 413);
  json body = json::parse(response->body);
  EXPECT_EQ(body["message_id"], "http.body_too_large");
  EXPECT_EQ(body["args"]["limit"], "100");
  EXPECT_EQ(response->Header("connection"), "close");
  EXPECT_TRUE(client.WaitClosed(milliseconds(2000)));
  EXPECT_EQ(handler_.calls, 0);
  auto record = observer_.WaitFor("/small", milliseconds(1000));
  ASSERT_TRUE(record);
  EXPECT_EQ(record->status, 413);
}

TEST_F(ServerTest, RefusesAChunkedBodyOverItsRouteLimit) {
  Start();
  Client client(port());
  ASSERT_TRUE(client.Send("POST /small HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"));
  const std::string chunk = "3c\r\n" + std::string(60, 'y') + "\r\n";
  ASSERT_TRUE(client.Send(chunk));
  client.Send(chunk);  // 120 bytes: over 100
  auto response = client.Read();
  ASSERT_TRUE(response);
  EXPECT_EQ(response->status, 413);
  EXPECT_EQ(json::parse(response->body)["message_id"], "http.body_too_large");
  EXPECT_TRUE(client.WaitClosed(milliseconds(2000)));
  EXPECT_EQ(handler_.calls, 0);
}

TEST_F(ServerTest, PassesAChunkedBodyUnderTheLimitWhole) {
  Start();
  Client client(port());
  ASSERT_TRUE(client.Send("POST /large HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"));
  std::string expected;
  for (int i = 0; i < 20; ++i) {
    const std::string data(1000 + i, static_cast<char>('a' + i));
    char size[16];
    std::snprintf(size, sizeof size, "%zx\r\n", data.size());
    ASSERT_TRUE(client.Send(size + data + "\r\n"));
    expected += data;
  }
  ASSERT_TRUE(client.Send("0\r\n\r\n"));
  auto response = client.Read();
  ASSERT_TRUE(response);
  EXPECT_EQ(response->status, 200);
  EXPECT_EQ(json::parse(response->body)["body"], expected);
}

TEST_F(ServerTest, DecodesThePathTheQueryAndTheHeaders) {
  Start();
  Client client(port());
  ASSERT_TRUE(client.Send(Get("/echo/a%2Fb%20c+d?orgUnit=x&orgUnit=y&q=a+b%2Bc&flag&&e=%C3%A9",
                              "X-Test: one\r\nX-TEST: two\r\nAccept-Language: fr\r\n")));
  auto response = client.Read();
  ASSERT_TRUE(response);
  ASSERT_EQ(response->status, 200);
  json echo = json::parse(response->body);
  EXPECT_EQ(echo["path"], "/echo/a/b c+d");
  EXPECT_EQ(echo["query"],
            json::parse(R"([["orgUnit","x"],["orgUnit","y"],["q","a b+c"],["flag",""],)"
                        R"(["e","é"]])"));
  EXPECT_EQ(echo["headers"]["x-test"], "one, two");
  EXPECT_EQ(echo["headers"]["accept-language"], "fr");
}

TEST_F(ServerTest, RefusesAnEncodedNulAndBadEscapesWith400) {
  Start();
  for (const char* target : {"/echo%00", "/echo?x=%00", "/echo%zz", "/echo%4"}) {
    Client client(port());
    ASSERT_TRUE(client.Send(Get(target)));
    auto response = client.Read();
    ASSERT_TRUE(response) << target;
    EXPECT_EQ(response->status, 400) << target;
    EXPECT_EQ(json::parse(response->body)["message_id"], "http.bad_request_target");
  }
  EXPECT_EQ(handler_.calls, 0);
}

TEST_F(ServerTest, RefusesAHeaderOverItsLimitWith431) {
  Start();
  Client client(port());
  ASSERT_TRUE(client.Send(Get("/echo", "X-Big: " + std::string(20'000, 'b') + "\r\n")));
  auto response = client.Read();
  ASSERT_TRUE(response);
  EXPECT_EQ(response->status, 431);
  EXPECT_EQ(json::parse(response->body)["message_id"], "http.header_too_large");
  EXPECT_EQ(handler_.calls, 0);
}

TEST_F(ServerTest, AnswersAThrowingHandler500WithoutItsText) {
  Start();
  Client client(port());
  ASSERT_TRUE(client.Send(Get("/throw")));
  auto response = client.Read();
  ASSERT_TRUE(response);
  EXPECT_EQ(response->status, 500);
  EXPECT_EQ(response->body.find("secret"), std::string::npos);
  json body = json::parse(response->body);
  EXPECT_EQ(body["status"], "error");
  EXPECT_EQ(body["code"], "internal");
  EXPECT_EQ(body["message_id"], "http.internal");
  auto failures = observer_.failures();
  ASSERT_EQ(failures.size(), 1u);
  EXPECT_NE(failures[0].find("secret detail 1234"), std::string::npos) << failures[0];
  // The connection serves on.
  ASSERT_TRUE(client.Send(Get("/echo")));
  auto next = client.Read();
  ASSERT_TRUE(next);
  EXPECT_EQ(next->status, 200);
}

TEST_F(ServerTest, CompressesTextWhenAskedAndLargeEnough) {
  Start();
  Client client(port());
  const std::string text = TextOf(5000);
  ASSERT_TRUE(client.Send(Get("/text?size=5000", "Accept-Encoding: deflate, gzip;q=0.8\r\n")));
  auto gzipped = client.Read();
  ASSERT_TRUE(gzipped);
  EXPECT_EQ(gzipped->Header("content-encoding"), "gzip");
  EXPECT_EQ(gzipped->Header("vary"), "Accept-Encoding");
  EXPECT_LT(gzipped->body.size(), text.size());
  EXPECT_EQ(Gunzip(gzipped->body), text);

  ASSERT_TRUE(client.Send(Get("/text?size=5000")));
  auto plain = client.Read();
  ASSERT_TRUE(plain);
  EXPECT_EQ(plain->Header("content-encoding"), "");
  EXPECT_EQ(plain->body, text);

  ASSERT_TRUE(client.Send(Get("/text?size=5000", "Accept-Encoding: gzip;q=0\r\n")));
  auto refused = client.Read();
  ASSERT_TRUE(refused);
  EXPECT_EQ(refused->Header("content-encoding"), "");

  ASSERT_TRUE(client.Send(Get("/text?size=100", "Accept-Encoding: gzip\r\n")));
  auto small = client.Read();
  ASSERT_TRUE(small);
  EXPECT_EQ(small->Header("content-encoding"), "");
  EXPECT_EQ(small->body, TextOf(100));
}

TEST_F(ServerTest, SendsAPulledBodyWholeAndChunked) {
  Start();
  Client client(port());
  ASSERT_TRUE(client.Send(Get("/pulled")));
  auto response = client.Read();
  ASSERT_TRUE(response);
  EXPECT_EQ(response->status, 200);
  EXPECT_EQ(response->Header("transfer-encoding"), "chunked");
  EXPECT_EQ(response->Header("content-length"), "");
  ASSERT_EQ(response->body.size(), kPulledSize);
  EXPECT_GT(response->chunks, 1);
  bool same = true;
  for (size_t i = 0; i < kPulledSize && same; i += 4096) same = response->body[i] == PulledByte(i);
  EXPECT_TRUE(same);
  auto record = observer_.WaitFor("/pulled", milliseconds(1000));
  ASSERT_TRUE(record);
  EXPECT_EQ(record->bytes_out, static_cast<int64_t>(kPulledSize));
}

TEST_F(ServerTest, PollsAPullThatHasNothingYetAndCompressesItsPieces) {
  Start();
  Client client(port());
  ASSERT_TRUE(client.Send(Get("/events")));
  auto plain = client.Read();
  ASSERT_TRUE(plain);
  EXPECT_EQ(plain->body, "data: 0\n\ndata: 1\n\ndata: 2\n\n");
  EXPECT_EQ(plain->chunks, 3);
  ASSERT_TRUE(client.Send(Get("/events", "Accept-Encoding: gzip\r\n")));
  auto gzipped = client.Read();
  ASSERT_TRUE(gzipped);
  EXPECT_EQ(gzipped->Header("content-encoding"), "gzip");
  EXPECT_EQ(Gunzip(gzipped->body), "data: 0\n\ndata: 1\n\ndata: 2\n\n");
}

TEST_F(ServerTest, ClosesAClientThatSendsNothingAfterTheHeaderTimeout) {
  Start({.header_timeout = milliseconds(300)});
  Client client(port());
  const auto start = Clock::now();
  EXPECT_TRUE(client.WaitClosed(milliseconds(1500)));
  EXPECT_GE(Clock::now() - start, milliseconds(250));
}

TEST_F(ServerTest, ClosesAClientThatTricklesItsHeader) {
  Start({.header_timeout = milliseconds(300)});
  Client client(port());
  const std::string request = Get("/echo", "X-Padding: " + std::string(40, 'p') + "\r\n");
  const auto start = Clock::now();
  bool closed = false;
  for (char c : request) {  // 20 ms a byte: ~1.5 s for the whole header
    if (!client.Send(std::string(1, c)) || client.Readable(milliseconds(20))) {
      closed = true;
      break;
    }
  }
  EXPECT_TRUE(closed);
  EXPECT_TRUE(client.WaitClosed(milliseconds(1000)));
  EXPECT_LT(Clock::now() - start, milliseconds(1000));
  EXPECT_EQ(handler_.calls, 0);
}

TEST_F(ServerTest, DropsABodyTrickledBelowTheMinimumRate) {
  Start({.min_rate = 1000, .rate_window = milliseconds(200)});
  Client client(port());
  ASSERT_TRUE(client.Send("POST /large HTTP/1.1\r\nHost: x\r\nContent-Length: 10000\r\n\r\n"));
  const auto start = Clock::now();
  while (!client.Readable(milliseconds(50)) && Clock::now() - start < milliseconds(1500)) {
    client.Send(std::string(10, 'z'));  // 200 bytes a second
  }
  auto response = client.Read();
  ASSERT_TRUE(response);
  EXPECT_EQ(response->status, 408);
  EXPECT_EQ(json::parse(response->body)["message_id"], "http.timeout");
  EXPECT_EQ(handler_.calls, 0);
}

TEST_F(ServerTest, LetsASteadyClientAboveTheMinimumRateFinish) {
  Start({.min_rate = 1000, .rate_window = milliseconds(200)});
  Client client(port());
  ASSERT_TRUE(client.Send("POST /large HTTP/1.1\r\nHost: x\r\nContent-Length: 2400\r\n\r\n"));
  for (int i = 0; i < 12; ++i) {  // 200 bytes each 50 ms: 4000 bytes a second, for 600 ms
    ASSERT_TRUE(client.Send(std::string(200, 's')));
    std::this_thread::sleep_for(milliseconds(50));
  }
  auto response = client.Read();
  ASSERT_TRUE(response);
  EXPECT_EQ(response->status, 200);
  EXPECT_EQ(json::parse(response->body)["body"], std::string(2400, 's'));
}

TEST_F(ServerTest, DropsAClientThatStopsReading) {
  Start({.min_rate = 1000, .rate_window = milliseconds(200)});
  Client client(port(), /*receive_buffer=*/4096);
  ASSERT_TRUE(client.Send(Get("/pulled")));
  // Never read: once the socket buffers are full, nothing moves for a window.
  auto record = observer_.WaitFor("/pulled", milliseconds(1500));
  ASSERT_TRUE(record);
  EXPECT_LT(record->bytes_out, static_cast<int64_t>(kPulledSize));
}

TEST_F(ServerTest, ClosesIdleConnectionsToMakeRoomAtTheCap) {
  Start({.max_connections = 20});
  std::vector<std::unique_ptr<Client>> idle;
  for (int i = 0; i < 300; ++i) {
    idle.push_back(std::make_unique<Client>(port()));
    ASSERT_TRUE(idle.back()->connected());
  }
  Client client(port());
  ASSERT_TRUE(client.Send(Get("/echo")));
  auto response = client.Read();
  ASSERT_TRUE(response);
  EXPECT_EQ(response->status, 200);
  EXPECT_LE(observer_.most_open(), 20);
}

// Under the default settings, 150 clients that send nothing and 150 that trickle a header a byte
// at a time are held open, and a normal client is answered at once, again and again.
TEST_F(ServerTest, ServesANormalClientBeside300IdleOrSlowOnes) {
  Start();
  std::vector<std::unique_ptr<Client>> idle, slow;
  for (int i = 0; i < 150; ++i) {
    idle.push_back(std::make_unique<Client>(port()));
    ASSERT_TRUE(idle.back()->connected());
    slow.push_back(std::make_unique<Client>(port()));
    ASSERT_TRUE(slow.back()->Send("G"));
  }
  const std::string header = "ET /echo HTTP/1.1\r\nHost: x\r\n";
  for (size_t byte = 0; byte < 6; ++byte) {
    for (auto& client : slow) client->Send(header.substr(byte, 1));
    const auto start = Clock::now();
    Client normal(port());
    ASSERT_TRUE(normal.Send(Get("/echo")));
    auto response = normal.Read();
    ASSERT_TRUE(response);
    EXPECT_EQ(response->status, 200);
    EXPECT_LT(Clock::now() - start, milliseconds(2000));
  }
  EXPECT_GE(observer_.most_open(), 300);
}

TEST_F(ServerTest, AnswersBusyWhenNoConnectionAtTheCapIsIdle) {
  Start({.max_connections = 20, .header_timeout = milliseconds(800)});
  const auto start = Clock::now();
  std::vector<std::unique_ptr<Client>> slow;
  for (int i = 0; i < 300; ++i) {
    slow.push_back(std::make_unique<Client>(port()));
    ASSERT_TRUE(slow.back()->Send("G"));  // a header begun: not idle
  }
  // Time for the server to read the first byte of each (well within the header timeout).
  std::this_thread::sleep_for(milliseconds(150));
  {
    Client client(port());
    ASSERT_TRUE(client.Send(Get("/echo")));
    auto response = client.Read();
    ASSERT_TRUE(response);
    EXPECT_EQ(response->status, 503);
    EXPECT_EQ(response->Header("retry-after"), "1");
    EXPECT_EQ(json::parse(response->body)["message_id"], "http.busy");
  }
  EXPECT_LT(Clock::now() - start, milliseconds(800));
  // Once the slow headers time out, there is room again.
  std::optional<HttpResponse> response;
  while (Clock::now() - start < milliseconds(3000)) {
    Client client(port());
    client.Send(Get("/echo"));
    response = client.Read();
    if (response && response->status == 200) break;
    std::this_thread::sleep_for(milliseconds(50));
  }
  ASSERT_TRUE(response);
  EXPECT_EQ(response->status, 200);
  EXPECT_LE(observer_.most_open(), 20);
}

TEST_F(ServerTest, StopFromAnotherThreadEndsServeAndClosesConnections) {
  Start();
  Client client(port());
  ASSERT_TRUE(client.Send(Get("/echo")));
  ASSERT_TRUE(client.Read());
  std::thread stopper([this] { server_->Stop(); });
  stopper.join();
  serving_.join();
  EXPECT_TRUE(served_.ok());
  EXPECT_TRUE(client.WaitClosed(milliseconds(1000)));
  server_.reset();
}

// --- TLS.

class TlsTest : public ServerTest {
 protected:
  void SetUp() override {
    if (std::system("command -v openssl > /dev/null 2>&1") != 0) {
      GTEST_SKIP() << "openssl is not installed";
    }
    dir_ = fs::temp_directory_path() / ("keneya_tls_test_" + std::to_string(getpid()));
    fs::create_directories(dir_);
    const std::string command =
        "openssl req -x509 -newkey rsa:2048 -nodes -days 1 "
        "-subj /CN=localhost -keyout " +
        (dir_ / "k.pem").string() + " -out " + (dir_ / "c.pem").string() + " > /dev/null 2>&1";
    ASSERT_EQ(std::system(command.c_str()), 0);
  }
  void TearDown() override {
    ServerTest::TearDown();
    fs::remove_all(dir_);
  }
  fs::path dir_;
};

TEST_F(TlsTest, ServesOverTls) {
  Start({.tls_cert = (dir_ / "c.pem").string(), .tls_key = (dir_ / "k.pem").string()});
  namespace net = boost::asio;
  net::io_context io;
  net::ssl::context context(net::ssl::context::tls_client);
  context.set_verify_mode(net::ssl::verify_none);
  net::ssl::stream<net::ip::tcp::socket> stream(io, context);
  stream.next_layer().connect({net::ip::make_address("127.0.0.1"), static_cast<uint16_t>(port())});
  stream.handshake(net::ssl::stream_base::client);
  net::write(stream, net::buffer(Get("/echo", "Connection: close\r\n")));
  std::string received;
  boost::system::error_code ec;
  net::read(stream, net::dynamic_buffer(received), ec);  // to the end (no close_notify)
  ASSERT_EQ(received.substr(0, 12), "HTTP/1.1 200") << received;
  const std::string body = received.substr(received.find("\r\n\r\n") + 4);
  EXPECT_EQ(json::parse(body)["secure"], true);
}

TEST_F(TlsTest, BindNamesAMissingCertificateOrKey) {
  TestHandler handler;
  Server missing_cert(handler, {.port = 0,
                                .tls_cert = (dir_ / "missing.pem").string(),
                                .tls_key = (dir_ / "k.pem").string()});
  core::Status cert = missing_cert.Bind();
  ASSERT_FALSE(cert.ok());
  EXPECT_EQ(cert.error().where, "--tls-cert");
  EXPECT_NE(cert.error().message.find("missing.pem"), std::string::npos) << cert.error().message;

  Server missing_key(handler, {.port = 0,
                               .tls_cert = (dir_ / "c.pem").string(),
                               .tls_key = (dir_ / "missing.pem").string()});
  core::Status key = missing_key.Bind();
  ASSERT_FALSE(key.ok());
  EXPECT_EQ(key.error().where, "--tls-key");

  Server half(handler, {.port = 0, .tls_cert = (dir_ / "c.pem").string()});
  core::Status only_cert = half.Bind();
  ASSERT_FALSE(only_cert.ok());
  EXPECT_EQ(only_cert.error().where, "--tls-key");
}

// --- Metrics and the request log.

TEST(MetricsTest, RendersCountersAndHistogramsInPrometheusText) {
  Metrics metrics;
  metrics.Exchanged({.method = "GET",
                     .route = "/api/orgUnits/{id}",
                     .status = 200,
                     .duration_us = 30'000,
                     .bytes_out = 512});
  metrics.Exchanged(
      {.method = "GET", .route = "/api/orgUnits/{id}", .status = 200, .duration_us = 3'000'000});
  metrics.Exchanged({.method = "POST", .route = "a\"b\\c\nd", .status = 413});
  metrics.Connections(3);
  metrics.Failed("handler", "boom");
  metrics.SetGauge("keneya_jobs_waiting", "Jobs waiting.", [] { return 2.5; });
  const std::string text = metrics.Render();
  auto has = [&](const std::string& line) { return text.find(line + "\n") != std::string::npos; };
  EXPECT_TRUE(has("# TYPE keneya_http_requests_total counter")) << text;
  EXPECT_TRUE(
      has(R"(keneya_http_requests_total{route="/api/orgUnits/{id}",method="GET",status="200"} 2)"))
      << text;
  EXPECT_TRUE(has(R"(keneya_http_requests_total{route="a\"b\\c\nd",method="POST",status="413"} 1)"))
      << text;
  EXPECT_TRUE(has("# TYPE keneya_http_request_duration_seconds histogram"));
  EXPECT_TRUE(has(
      R"(keneya_http_request_duration_seconds_bucket{route="/api/orgUnits/{id}",le="0.025"} 0)"))
      << text;
  EXPECT_TRUE(has(
      R"(keneya_http_request_duration_seconds_bucket{route="/api/orgUnits/{id}",le="0.05"} 1)"));
  EXPECT_TRUE(
      has(R"(keneya_http_request_duration_seconds_bucket{route="/api/orgUnits/{id}",le="5"} 2)"));
  EXPECT_TRUE(has(
      R"(keneya_http_request_duration_seconds_bucket{route="/api/orgUnits/{id}",le="+Inf"} 2)"));
  EXPECT_TRUE(has(R"(keneya_http_request_duration_seconds_sum{route="/api/orgUnits/{id}"} 3.03)"));
  EXPECT_TRUE(has(R"(keneya_http_request_duration_seconds_count{route="/api/orgUnits/{id}"} 2)"));
  EXPECT_TRUE(has("keneya_http_response_bytes_total 512"));
  EXPECT_TRUE(has("keneya_http_connections_open 3"));
  EXPECT_TRUE(has(R"(keneya_http_failures_total{what="handler"} 1)"));
  EXPECT_TRUE(has("# HELP keneya_jobs_waiting Jobs waiting."));
  EXPECT_TRUE(has("keneya_jobs_waiting 2.5"));
}

TEST_F(ServerTest, CountsServedRequestsInTheMetrics) {
  Metrics metrics;
  Observers both({&metrics, &observer_});
  server_ = std::make_unique<Server>(handler_, ServerOptions{.port = 0}, &both);
  ASSERT_TRUE(server_->Bind().ok());
  serving_ = std::thread([this] { served_ = server_->Serve(); });
  Client client(port());
  ASSERT_TRUE(client.Send(Get("/echo")));
  ASSERT_TRUE(client.Read());
  ASSERT_TRUE(observer_.WaitFor("/echo", milliseconds(1000)));
  EXPECT_NE(metrics.Render().find(
                R"(keneya_http_requests_total{route="/echo",method="GET",status="200"} 1)"),
            std::string::npos)
      << metrics.Render();
  server_->Stop();
  serving_.join();
  server_.reset();
}

TEST(RequestLogTest, WritesOneJsonObjectALine) {
  const fs::path path =
      fs::temp_directory_path() / ("keneya_request_log_" + std::to_string(getpid()) + ".log");
  fs::remove(path);
  {
    auto log = RequestLog::Open(path.string());
    ASSERT_TRUE(log.ok()) << log.error().ToString();
    (*log)->Exchanged({.method = "GET",
                       .route = "/api/\"x\"\n{}",
                       .status = 200,
                       .duration_us = 1234,
                       .user = "\xff\xfe",
                       .bytes_in = 1,
                       .bytes_out = 2,
                       .remote_address = "127.0.0.1"});
    (*log)->Failed("handler", "line one\nline \"two\"");
    (*log)->Flush();
  }
  std::ifstream in(path);
  std::vector<json> lines;
  for (std::string line; std::getline(in, line);) {
    ASSERT_TRUE(json::accept(line)) << line;
    lines.push_back(json::parse(line));
  }
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_EQ(lines[0]["event"], "request");
  EXPECT_EQ(lines[0]["route"], "/api/\"x\"\n{}");
  EXPECT_EQ(lines[0]["status"], 200);
  EXPECT_EQ(lines[0]["duration_ms"], 1.234);
  EXPECT_EQ(lines[0]["remote"], "127.0.0.1");
  EXPECT_EQ(lines[0]["level"], "info");
  EXPECT_EQ(lines[0]["time"].get<std::string>().size(), 24u);  // 2024-03-01T10:15:30.250Z
  EXPECT_EQ(lines[1]["event"], "failure");
  EXPECT_EQ(lines[1]["what"], "handler");
  EXPECT_EQ(lines[1]["detail"], "line one\nline \"two\"");
  fs::remove(path);
}

TEST(RequestLogTest, OpenNamesAFileItCannotOpen) {
  // Under a regular file: no directory can be made there, not even by root.
  const fs::path file =
      fs::temp_directory_path() / ("keneya_request_log_" + std::to_string(getpid()) + ".file");
  std::ofstream(file) << "x";
  const std::string path = (file / "requests.log").string();
  auto log = RequestLog::Open(path);
  fs::remove(file);
  ASSERT_FALSE(log.ok());
  EXPECT_NE(log.error().message.find(path), std::string::npos) << log.error().message;
}

}  // namespace
}  // namespace keneya::http
