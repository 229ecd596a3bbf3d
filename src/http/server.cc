// The Beast transport. Everything that includes Boost.Asio and Boost.Beast is in this one file,
// so that their templates are compiled once.
//
// Threads: `io_threads` run the io_context; each connection's handlers run on its own strand,
// one at a time. Handler::Handle and pulls of a body run on the `workers_` pool; their result is
// posted back to the connection's strand.
//
// A connection goes through, for each request:
//   idle (waiting for the request's first byte; may be evicted at the connection cap)
//   -> header (whole within header_timeout) -> body (min rate) -> handler (worker)
//   -> response (min rate) -> idle again, or a lingering close.
// Timeouts of the idle and header phases are beast::tcp_stream's own; the rate of bodies is
// checked by a timer per connection (see the "rate" members of Connection).
#include "http/server.h"

#include <openssl/ssl.h>
#include <zlib.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/stream_traits.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/status.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>
#include <chrono>
#include <condition_variable>
#include <cstring>
#include <ctime>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <stdexcept>
#include <thread>
#include <type_traits>
#include <utility>
#include <vector>

namespace keneya::http {
namespace {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = net::ip::tcp;
using Clock = std::chrono::steady_clock;
using boost::system::error_code;
using TlsStream = beast::ssl_stream<beast::tcp_stream>;

constexpr uint32_t kHeaderLimit = 16 * 1024;
constexpr size_t kReadSize = 16 * 1024;
// A pull that has nothing yet is asked again after this.
constexpr std::chrono::milliseconds kPullRetry{100};
// After the last response, what the client still sends is read and dropped for at most this
// long, so that closing does not reset the connection under a response not yet read.
constexpr std::chrono::milliseconds kLingerLimit{2000};
// A body up to this size goes out in the same write as its head.
constexpr size_t kCoalesceLimit = 16 * 1024;

// The server a thread works for (its io threads, and workers while they run a handler or a
// pull): Stop() called from there must not wait for the threads it runs on.
thread_local const void* current_server = nullptr;

class CurrentServer {
 public:
  explicit CurrentServer(const void* server) : previous_(current_server) {
    current_server = server;
  }
  ~CurrentServer() { current_server = previous_; }
  CurrentServer(const CurrentServer&) = delete;
  CurrentServer& operator=(const CurrentServer&) = delete;

 private:
  const void* previous_;
};

// --- Targets ------------------------------------------------------------------------------

int HexDigit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Percent-decodes `in` into `out` ('+' as a space when `plus_is_space`: the query's form
// encoding). False on a bad escape and on %00, which no path or value of ours may hold.
bool Decode(std::string_view in, bool plus_is_space, std::string& out) {
  out.clear();
  out.reserve(in.size());
  for (size_t i = 0; i < in.size(); ++i) {
    const char c = in[i];
    if (c == '%') {
      if (i + 2 >= in.size()) return false;
      const int high = HexDigit(in[i + 1]);
      const int low = HexDigit(in[i + 2]);
      if (high < 0 || low < 0) return false;
      const char decoded = static_cast<char>(high * 16 + low);
      if (decoded == '\0') return false;
      out += decoded;
      i += 2;
    } else if (c == '+' && plus_is_space) {
      out += ' ';
    } else {
      out += c;
    }
  }
  return true;
}

struct Target {
  std::string path;
  std::vector<std::pair<std::string, std::string>> query;
};

// The request target in origin form ("/a/b?x=1") or absolute form ("http://host/a/b?x=1").
std::optional<Target> ParseTarget(std::string_view target) {
  for (std::string_view scheme : {"http://", "https://"}) {
    if (target.substr(0, scheme.size()) == scheme) {
      const size_t slash = target.find('/', scheme.size());
      target = slash == std::string_view::npos ? std::string_view("/") : target.substr(slash);
      break;
    }
  }
  if (target.empty() || target.front() != '/') return std::nullopt;
  target = target.substr(0, target.find('#'));
  const size_t question = target.find('?');
  Target parsed;
  if (!Decode(target.substr(0, question), false, parsed.path)) return std::nullopt;
  if (question == std::string_view::npos) return parsed;
  std::string_view query = target.substr(question + 1);
  while (!query.empty()) {
    const size_t amp = query.find('&');
    const std::string_view part = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
    if (part.empty()) continue;
    const size_t equals = part.find('=');
    std::string name;
    std::string value;
    if (!Decode(part.substr(0, equals), true, name)) return std::nullopt;
    if (equals != std::string_view::npos && !Decode(part.substr(equals + 1), true, value)) {
      return std::nullopt;
    }
    parsed.query.emplace_back(std::move(name), std::move(value));
  }
  return parsed;
}

// --- Responses ----------------------------------------------------------------------------

char Lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

std::string Lowered(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = Lower(c);
  return out;
}

std::string_view Trimmed(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  return text;
}

// Whether an Accept-Encoding value takes gzip ("gzip", "gzip;q=0.5", "*"; not "gzip;q=0").
bool TakesGzip(std::string_view accept_encoding) {
  while (!accept_encoding.empty()) {
    const size_t comma = accept_encoding.find(',');
    std::string_view item = accept_encoding.substr(0, comma);
    accept_encoding =
        comma == std::string_view::npos ? std::string_view() : accept_encoding.substr(comma + 1);
    const size_t semicolon = item.find(';');
    const std::string name = Lowered(Trimmed(item.substr(0, semicolon)));
    if (name != "gzip" && name != "x-gzip" && name != "*") continue;
    if (semicolon == std::string_view::npos) return true;
    const std::string parameters = Lowered(item.substr(semicolon + 1));
    const size_t q = parameters.find("q=");
    if (q == std::string::npos) return true;
    // q=0, q=0.0, q=0.00, q=0.000 refuse; any other digit takes.
    for (char c : std::string_view(parameters).substr(q + 2)) {
      if (c >= '1' && c <= '9') return true;
      if (c != '0' && c != '.') break;
    }
  }
  return false;
}

// Text that compresses well: JSON, text/*, JavaScript, XML, CSV, SVG.
bool IsTextual(std::string_view content_type) {
  const std::string type = Lowered(Trimmed(content_type.substr(0, content_type.find(';'))));
  if (type.rfind("text/", 0) == 0) return true;
  for (std::string_view word : {"json", "javascript", "xml", "csv", "svg"}) {
    if (type.find(word) != std::string::npos) return true;
  }
  return false;
}

// gzip (zlib's deflate with a gzip wrapper: windowBits 31), whole or piece by piece.
class Deflater {
 public:
  Deflater() {
    std::memset(&stream_, 0, sizeof stream_);
    if (deflateInit2(&stream_, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 31, 8, Z_DEFAULT_STRATEGY) !=
        Z_OK) {
      throw std::runtime_error("zlib: deflateInit2 failed");
    }
  }
  ~Deflater() { deflateEnd(&stream_); }
  Deflater(const Deflater&) = delete;
  Deflater& operator=(const Deflater&) = delete;

  // Compresses `in`; `flush` is Z_SYNC_FLUSH for a piece that must reach the client now (an
  // event), Z_FINISH for the end.
  std::string Deflate(std::string_view in, int flush) {
    std::string out;
    constexpr size_t kSlice = 1 << 20;  // avail_in is 32 bits
    do {
      const size_t slice = std::min(in.size(), kSlice);
      const bool last = slice == in.size();
      stream_.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
      stream_.avail_in = static_cast<uInt>(slice);
      in.remove_prefix(slice);
      const int mode = last ? flush : Z_NO_FLUSH;
      do {
        const size_t before = out.size();
        const size_t room = std::max<size_t>(deflateBound(&stream_, stream_.avail_in), 4096);
        out.resize(before + room);
        stream_.next_out = reinterpret_cast<Bytef*>(out.data() + before);
        stream_.avail_out = static_cast<uInt>(room);
        const int rc = deflate(&stream_, mode);
        out.resize(before + room - stream_.avail_out);
        if (rc == Z_STREAM_ERROR) throw std::runtime_error("zlib: deflate failed");
      } while (stream_.avail_out == 0);
    } while (!in.empty());
    return out;
  }

 private:
  z_stream stream_;
};

// "Date: Tue, 15 Nov 1994 08:12:31 GMT", without the locale's day and month names.
std::string HttpDate() {
  static constexpr const char* kDays[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
  static constexpr const char* kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                            "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  const std::time_t now = std::time(nullptr);
  std::tm t{};
  gmtime_r(&now, &t);
  char text[40];
  std::snprintf(text, sizeof text, "%s, %02d %s %04d %02d:%02d:%02d GMT", kDays[t.tm_wday % 7],
                t.tm_mday, kMonths[t.tm_mon % 12], t.tm_year + 1900, t.tm_hour, t.tm_min, t.tm_sec);
  return text;
}

// A header name as RFC 9110 allows it.
bool IsToken(std::string_view name) {
  constexpr std::string_view kSymbols = "!#$%&'*+-.^_`|~";
  if (name.empty()) return false;
  for (char c : name) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    kSymbols.find(c) != std::string_view::npos;
    if (!ok) return false;
  }
  return true;
}

// A header value without what would end the header early (CR, LF, NUL).
std::string FieldValue(std::string_view value) {
  std::string out(value);
  for (char& c : out) {
    if (c == '\r' || c == '\n' || c == '\0') c = ' ';
  }
  return out;
}

// What a response depends on in its request.
struct ExchangeContext {
  bool head = false;  // HEAD: the head alone
  bool http11 = true;
  bool keep_alive = false;
  bool accepts_gzip = false;
};

// A response ready for the wire: its head, its body (compressed already), or its puller.
struct Outgoing {
  int status = 0;
  std::string head;
  std::string body;
  BodyPuller pull;
  std::unique_ptr<Deflater> deflater;  // the pulled body's, when compressed
  bool chunked = false;                // the pulled body is sent chunked (HTTP/1.1)
  bool keep_alive = false;
  std::string route;
  std::string user;
};

Outgoing BuildOutgoing(Response response, const ExchangeContext& context,
                       const ServerOptions& options) {
  Outgoing out;
  out.status = response.status;
  out.route = std::move(response.route);
  out.user = std::move(response.user);
  const bool bodiless = response.status == 204 || response.status == 304;
  bool encoded = false;  // the handler set Content-Encoding itself
  bool cached = false;   // the handler said how to cache
  for (const auto& [name, value] : response.headers) {
    const std::string lowered = Lowered(name);
    if (lowered == "content-encoding") encoded = true;
    if (lowered == "cache-control") cached = true;
  }
  const bool textual = !bodiless && !encoded && IsTextual(response.content_type);
  const bool pulled = static_cast<bool>(response.pull);
  const bool compress =
      textual && context.accepts_gzip &&
      (pulled || response.body.size() >= std::max<size_t>(options.compress_min_bytes, 1));
  if (compress && !pulled) response.body = Deflater().Deflate(response.body, Z_FINISH);
  out.keep_alive = context.keep_alive && !(pulled && !context.http11);

  std::string_view reason = bhttp::obsolete_reason(static_cast<bhttp::status>(response.status));
  if (reason.empty() || reason.front() == '<') reason = "Unknown";
  std::string& head = out.head;
  head.reserve(256);
  head += "HTTP/1.1 " + std::to_string(response.status) + " ";
  head += reason;
  head += "\r\nDate: " + HttpDate() + "\r\n";
  if (!bodiless && !response.content_type.empty()) {
    head += "Content-Type: " + FieldValue(response.content_type) + "\r\n";
  }
  for (const auto& [name, value] : response.headers) {
    const std::string lowered = Lowered(name);
    // The transport owns the framing, and sets these once.
    if (!IsToken(name) || lowered == "content-length" || lowered == "transfer-encoding" ||
        lowered == "connection" || lowered == "content-type" ||
        lowered == "x-content-type-options") {
      continue;
    }
    head += name + ": " + FieldValue(value) + "\r\n";
  }
  // Answers are about live data (and some about people): no cache keeps them unless the
  // handler says so.
  if (!cached) head += "Cache-Control: no-store\r\n";
  head += "X-Content-Type-Options: nosniff\r\n";
  if (textual) head += "Vary: Accept-Encoding\r\n";
  if (compress) head += "Content-Encoding: gzip\r\n";
  if (!bodiless) {
    if (!pulled) {
      head += "Content-Length: " + std::to_string(response.body.size()) + "\r\n";
    } else if (context.http11) {
      head += "Transfer-Encoding: chunked\r\n";
      out.chunked = true;
    }
  }
  if (!out.keep_alive) {
    head += "Connection: close\r\n";
  } else if (!context.http11) {
    head += "Connection: keep-alive\r\n";
  }
  head += "\r\n";
  if (!context.head && !bodiless) {
    out.body = std::move(response.body);
    out.pull = std::move(response.pull);
    if (out.pull && compress) out.deflater = std::make_unique<Deflater>();
  }
  return out;
}

// The transport's own answers: {"status":"error","code":...,"message_id":...,"message":...}.
Response ErrorResponse(int status, const core::Error& error) {
  nlohmann::json body = {{"status", "error"},
                         {"code", core::ErrorCodeName(error.code)},
                         {"message_id", error.text.id()},
                         {"message", error.message}};
  if (!error.text.args().empty()) {
    nlohmann::json args = nlohmann::json::object();
    for (const core::MessageArg& arg : error.text.args()) {
      args[arg.name] = core::RenderArg(arg, core::Language::kEnglish);
    }
    body["args"] = std::move(args);
  }
  Response response;
  response.status = status;
  response.body = body.dump();
  if (status == 503) response.headers.emplace_back("Retry-After", "1");
  return response;
}

// One piece of a pulled body, as a worker leaves it for the connection.
struct Piece {
  enum class Kind { kData, kNothingYet, kEnd, kFailed };
  Kind kind = Kind::kEnd;
  std::string data;  // compressed when the body is
};

// Errors that mean the client left, was too slow or was closed by us: no answer, no log line.
bool IsDisconnect(const error_code& ec) {
  return ec == bhttp::error::end_of_stream || ec == bhttp::error::partial_message ||
         ec == net::error::eof || ec == beast::error::timeout ||
         ec == net::error::operation_aborted || ec == net::error::connection_reset ||
         ec == net::error::broken_pipe || ec == net::error::bad_descriptor ||
         ec == net::ssl::error::stream_truncated;
}

class ServerCore;

// What the server's registry knows of a connection, guarded by ServerCore::mutex_.
class ConnectionBase {
 public:
  virtual ~ConnectionBase() = default;
  // Serves requests until the client leaves, a limit is hit or the server stops; `busy`: answers
  // 503 and closes (the server is at its cap with no idle connection to close).
  virtual void Start(bool busy) = 0;
  // Closes the connection later, on its strand. Called with ServerCore::mutex_ held (the
  // registry's raw pointer is valid only so): it only posts.
  virtual void PostClose() = 0;

  uint64_t id = 0;   // 0: not counted (answered 503, or closed)
  bool idle = true;  // waiting for a request and sent nothing of it
  bool evicted = false;
  Clock::time_point idle_since = Clock::now();
};

// Everything of the server but the connections. One per Server.
class ServerCore {
 public:
  ServerCore(Handler& handler, ServerOptions options, ServerObserver* observer);
  ~ServerCore();

  core::Status Bind();
  core::Status Serve();
  void Stop();
  int port() const { return port_.load(); }

  // --- For the connections.
  const ServerOptions& options() const { return options_; }
  Handler& handler() { return handler_; }
  net::thread_pool& workers() { return *workers_; }
  bool stopping() const { return stopping_.load(); }

  // Runs the handler (on a worker) and makes its response ready for the wire. Never throws.
  Outgoing Answer(const Request& request, const ExchangeContext& context);
  // Asks `pull` for the next piece (on a worker) and compresses it. Never throws.
  Piece Pull(const BodyPuller& pull, Deflater* deflater);

  void MarkIdle(ConnectionBase& connection);
  // The first byte of a request came: false when the connection was evicted meanwhile.
  bool ClaimActive(ConnectionBase& connection);
  void Unregister(ConnectionBase& connection);

  void Exchanged(const ExchangeRecord& record) {
    if (observer_ != nullptr) observer_->Exchanged(record);
  }
  void Failed(std::string_view what, std::string_view detail) {
    if (observer_ != nullptr) observer_->Failed(what, detail);
  }

 private:
  void DoAccept();
  void OnAccept(error_code ec, tcp::socket socket);
  void Admit(tcp::socket socket);
  void CloseAll();

  Handler& handler_;
  const ServerOptions options_;
  ServerObserver* const observer_;

  // Declared before the io_context and the pool: connections they still hold unregister here
  // when they are destroyed with them.
  std::mutex mutex_;  // guards connections_, next_id_, the registry fields of each connection,
                      // bound_, serving_, stop_requested_
  std::condition_variable changed_;
  // Open connections. A connection unregisters itself when it closes, at the latest in its
  // destructor, under mutex_: a pointer found here under mutex_ is alive.
  std::map<uint64_t, ConnectionBase*> connections_;
  uint64_t next_id_ = 0;
  bool bound_ = false;
  bool serving_ = false;
  bool stop_requested_ = false;
  std::atomic<bool> stopping_{false};
  std::atomic<int> port_{0};

  std::optional<net::ssl::context> tls_;
  net::io_context io_;
  // Created by Serve(), so that its threads inherit the signal mask of the thread that serves
  // (keneya serve blocks SIGINT and SIGTERM there and waits for them on a thread of its own).
  std::optional<net::thread_pool> workers_;
  net::strand<net::io_context::executor_type> accept_strand_;
  tcp::acceptor acceptor_;
  net::steady_timer accept_retry_;
};

// One client connection over a plain TCP stream or a TLS one (the same code: `if constexpr`
// where the handshake differs).
template <class Stream>
class Connection final : public ConnectionBase,
                         public std::enable_shared_from_this<Connection<Stream>> {
 public:
  static constexpr bool kTls = std::is_same_v<Stream, TlsStream>;

  template <class... TlsContext>
  Connection(ServerCore& core, tcp::socket socket, std::string remote, TlsContext&... tls)
      : core_(core),
        options_(core.options()),
        executor_(socket.get_executor()),
        stream_(std::move(socket), tls...),
        remote_(std::move(remote)),
        poll_timer_(executor_),
        rate_timer_(executor_) {}
  ~Connection() override { core_.Unregister(*this); }

  void Start(bool busy) override {
    net::dispatch(executor_, [self = this->shared_from_this(), busy] { self->Begin(busy); });
  }
  void PostClose() override {
    // Null when the last reference is gone and the destructor waits for the registry's lock.
    auto self = this->weak_from_this().lock();
    if (self) net::post(executor_, [self = std::move(self)] { self->CloseNow(); });
  }

 private:
  using Step = void (Connection::*)();

  beast::tcp_stream& Tcp() { return beast::get_lowest_layer(stream_); }

  void Begin(bool busy) {
    request_start_ = Clock::now();
    Tcp().expires_after(options_.header_timeout);
    if constexpr (kTls) {
      stream_.async_handshake(net::ssl::stream_base::server,
                              [self = this->shared_from_this(), busy](error_code ec) {
                                if (ec) {
                                  self->CloseNow();
                                } else {
                                  self->AfterHandshake(busy);
                                }
                              });
    } else {
      AfterHandshake(busy);
    }
  }

  void AfterHandshake(bool busy) {
    if (busy) {
      SendError(503, core::Unavailable(core::Message("http.busy")));
    } else {
      ReadRequest();
    }
  }

  // --- Reading a request.

  void ReadRequest() {
    if (closed_) return;
    if (core_.stopping()) return CloseNow();
    method_.clear();
    path_.clear();
    context_ = ExchangeContext();
    route_.clear();
    user_.clear();
    status_ = 0;
    bytes_in_ = 0;
    bytes_out_ = 0;
    recorded_ = false;
    header_parser_.emplace();
    header_parser_->header_limit(kHeaderLimit);
    header_parser_->body_limit(boost::none);  // the route's limit is checked once the path is known
    body_parser_.reset();
    if (buffer_.size() > 0) {  // pipelined: the next request is here already
      request_start_ = Clock::now();
      if (!first_) Tcp().expires_after(options_.header_timeout);
      return ReadHeader();
    }
    core_.MarkIdle(*this);
    Tcp().expires_after(first_ ? options_.header_timeout : options_.keep_alive_timeout);
    stream_.async_read_some(
        buffer_.prepare(kReadSize),
        [self = this->shared_from_this()](error_code ec, size_t n) { self->OnFirstBytes(ec, n); });
  }

  void OnFirstBytes(error_code ec, size_t n) {
    buffer_.commit(n);
    if (ec || closed_) return CloseNow();
    if (!core_.ClaimActive(*this)) return CloseNow();  // evicted as the byte came
    request_start_ = Clock::now();
    // The first request's header had header_timeout from the connection's start; a later
    // one's starts with its first byte.
    if (!first_) Tcp().expires_after(options_.header_timeout);
    ReadHeader();
  }

  void ReadHeader() {
    bhttp::async_read_header(
        stream_, buffer_, *header_parser_,
        [self = this->shared_from_this()](error_code ec, size_t) { self->OnHeader(ec); });
  }

  void OnHeader(error_code ec) {
    if (closed_) return;
    if (ec == bhttp::error::header_limit) {
      return SendError(431, core::InvalidArgument(
                                core::Message("http.header_too_large", {{"limit", kHeaderLimit}})));
    }
    if (ec && IsDisconnect(ec)) return CloseNow();
    if (ec) return SendError(400, core::InvalidArgument(core::Message("http.bad_request")));
    const auto& header = header_parser_->get();
    method_ = std::string(header.method_string());
    context_.head = header.method() == bhttp::verb::head;
    context_.http11 = header.version() >= 11;
    context_.keep_alive = header.keep_alive();
    context_.accepts_gzip = TakesGzip(header[bhttp::field::accept_encoding]);
    std::optional<Target> target = ParseTarget(header.target());
    if (!target) {
      return SendError(400, core::InvalidArgument(core::Message("http.bad_request_target")));
    }
    path_ = std::move(target->path);
    query_ = std::move(target->query);
    size_t limit = 0;
    try {
      limit = core_.handler().BodyLimit(method_, path_);
    } catch (const std::exception& e) {
      core_.Failed("handler", method_ + " " + path_ + ": BodyLimit: " + e.what());
      return SendError(500, core::Internal(core::Message("http.internal")));
    }
    const auto length = header_parser_->content_length();
    if (length && *length > limit) return SendTooLarge(limit);
    const bool expects_continue =
        context_.http11 && Lowered(header[bhttp::field::expect]) == "100-continue";
    body_parser_.emplace(std::move(*header_parser_));
    header_parser_.reset();
    // A chunked body is held to the limit chunk by chunk, before the chunk is read.
    body_parser_->body_limit(static_cast<std::uint64_t>(limit));
    body_limit_ = limit;
    if (body_parser_->is_done()) return Dispatch();
    StartMetering(/*reading=*/true);
    Tcp().expires_never();
    if (expects_continue) {
      return Write("HTTP/1.1 100 Continue\r\n\r\n", {}, &Connection::ReadBody);
    }
    ReadBody();
  }

  void ReadBody() {
    if (closed_) return;
    if (!RateChecked()) Tcp().expires_after(options_.keep_alive_timeout);
    OpStarted();
    bhttp::async_read_some(
        stream_, buffer_, *body_parser_,
        [self = this->shared_from_this()](error_code ec, size_t n) { self->OnBody(ec, n); });
  }

  void OnBody(error_code ec, size_t n) {
    OpEnded(n);
    if (closed_) return;
    if (rate_failed_) {
      return SendError(
          408, core::InvalidArgument(core::Message("http.timeout", {{"rate", options_.min_rate}})));
    }
    if (ec == bhttp::error::body_limit) return SendTooLarge(body_limit_);
    if (ec && IsDisconnect(ec)) return CloseNow();
    if (ec) return SendError(400, core::InvalidArgument(core::Message("http.bad_request")));
    if (!body_parser_->is_done()) return ReadBody();
    StopMetering();
    Dispatch();
  }

  // --- Answering.

  void Dispatch() {
    auto& message = body_parser_->get();
    Request request;
    request.method = method_;
    request.path = path_;
    request.query = std::move(query_);
    for (const auto& field : message) {
      auto [it, inserted] =
          request.headers.try_emplace(Lowered(field.name_string()), field.value());
      if (!inserted) {
        it->second += ", ";
        it->second += field.value();
      }
    }
    request.body = std::move(message.body());
    request.remote_address = remote_;
    request.secure = kTls;
    bytes_in_ = static_cast<int64_t>(request.body.size());
    body_parser_.reset();
    net::post(core_.workers(), [self = this->shared_from_this(), request = std::move(request),
                                context = context_]() mutable {
      Outgoing out = self->core_.Answer(request, context);
      net::post(self->executor_,
                [self, out = std::move(out)]() mutable { self->Respond(std::move(out)); });
    });
  }

  void Respond(Outgoing out) {
    if (closed_) return;  // the client left, or the server stops
    status_ = out.status;
    route_ = out.route.empty() ? path_ : std::move(out.route);
    user_ = std::move(out.user);
    keep_alive_ = out.keep_alive;
    pull_ = std::move(out.pull);
    deflater_ = std::move(out.deflater);
    chunked_ = out.chunked;
    bytes_out_ = static_cast<int64_t>(out.body.size());
    StartMetering(/*reading=*/false);
    Tcp().expires_never();
    Write(std::move(out.head), std::move(out.body),
          pull_ ? &Connection::PullNext : &Connection::FinishExchange);
  }

  void SendTooLarge(size_t limit) {
    SendError(413, core::InvalidArgument(core::Message("http.body_too_large",
                                                       {{"limit", static_cast<int64_t>(limit)}})));
  }

  // The transport's own answer (400, 408, 413, 431, 503); the connection closes after it.
  void SendError(int status, const core::Error& error) {
    StopMetering();
    ExchangeContext context = context_;
    context.keep_alive = false;
    context.head = false;
    Outgoing out = BuildOutgoing(ErrorResponse(status, error), context, options_);
    status_ = status;
    route_ = path_;
    keep_alive_ = false;
    bytes_out_ = static_cast<int64_t>(out.body.size());
    Tcp().expires_after(options_.header_timeout);
    Write(std::move(out.head), std::move(out.body), &Connection::FinishExchange);
  }

  // --- Pulled bodies.

  void PullNext() {
    if (closed_) return;
    if (core_.stopping()) return CloseNow();
    // pull_ and deflater_ are the worker's until its piece is posted back.
    net::post(core_.workers(), [self = this->shared_from_this()] {
      Piece piece = self->core_.Pull(self->pull_, self->deflater_.get());
      net::post(self->executor_,
                [self, piece = std::move(piece)]() mutable { self->OnPiece(std::move(piece)); });
    });
  }

  void OnPiece(Piece piece) {
    if (closed_) return;
    switch (piece.kind) {
      case Piece::Kind::kFailed:
        // The head is gone already: cutting the body short (no last chunk) tells the client.
        Record();
        return CloseNow();
      case Piece::Kind::kNothingYet:
        poll_timer_.expires_after(kPullRetry);
        poll_timer_.async_wait([self = this->shared_from_this()](error_code ec) {
          if (!ec) self->PullNext();
        });
        return;
      case Piece::Kind::kEnd: {
        pull_ = nullptr;
        deflater_.reset();
        bytes_out_ += static_cast<int64_t>(piece.data.size());
        std::string tail =
            chunked_ ? Chunk(std::move(piece.data)) + "0\r\n\r\n" : std::move(piece.data);
        return Write(std::move(tail), {}, &Connection::FinishExchange);
      }
      case Piece::Kind::kData:
        if (piece.data.empty()) return PullNext();
        bytes_out_ += static_cast<int64_t>(piece.data.size());
        if (!chunked_) return Write(std::move(piece.data), {}, &Connection::PullNext);
        return Write(Chunk(std::move(piece.data)), {}, &Connection::PullNext);
    }
  }

  static std::string Chunk(std::string data) {
    if (data.empty()) return data;
    char size[20];
    std::snprintf(size, sizeof size, "%zx\r\n", data.size());
    std::string out;
    out.reserve(data.size() + 24);
    out += size;
    out += data;
    out += "\r\n";
    return out;
  }

  // --- Writing.

  // Writes `first` then `second`, then calls `next`.
  void Write(std::string first, std::string second, Step next) {
    if (second.size() <= kCoalesceLimit) {
      first += second;
      second.clear();
    }
    out_[0] = std::move(first);
    out_[1] = std::move(second);
    out_index_ = 0;
    out_offset_ = 0;
    next_ = next;
    WriteSome();
  }

  void WriteSome() {
    if (closed_) return;
    while (out_index_ < out_.size() && out_offset_ == out_[out_index_].size()) {
      ++out_index_;
      out_offset_ = 0;
    }
    if (out_index_ == out_.size()) {
      for (std::string& out : out_) std::string().swap(out);
      return (this->*next_)();
    }
    if (!RateChecked()) Tcp().expires_after(options_.keep_alive_timeout);
    OpStarted();
    const std::string& data = out_[out_index_];
    stream_.async_write_some(
        net::buffer(data.data() + out_offset_, data.size() - out_offset_),
        [self = this->shared_from_this()](error_code ec, size_t n) { self->OnWritten(ec, n); });
  }

  void OnWritten(error_code ec, size_t n) {
    OpEnded(n);
    out_offset_ += n;
    if (ec) {  // the client left or reads too slowly, or the server stops
      Record();
      return CloseNow();
    }
    WriteSome();
  }

  void FinishExchange() {
    StopMetering();
    Record();
    if (keep_alive_ && !core_.stopping()) {
      first_ = false;
      return ReadRequest();
    }
    LingerClose();
  }

  void Record() {
    if (recorded_ || status_ == 0) return;
    recorded_ = true;
    ExchangeRecord record;
    record.method = method_;
    record.route = route_;
    record.status = status_;
    record.duration_us =
        std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - request_start_)
            .count();
    record.user = user_;
    record.bytes_in = bytes_in_;
    record.bytes_out = bytes_out_;
    record.remote_address = remote_;
    core_.Exchanged(record);
  }

  // --- Closing.

  // Stops sending, then reads and drops what the client still sends until it closes (or for a
  // little while): closing a socket with unread input would reset the connection and could
  // destroy the response before the client reads it.
  void LingerClose() {
    if (closed_) return;
    core_.Unregister(*this);
    error_code ignored;
    Tcp().socket().shutdown(tcp::socket::shutdown_send, ignored);
    Tcp().expires_after(std::min<std::chrono::milliseconds>(options_.header_timeout, kLingerLimit));
    Drain();
  }

  void Drain() {
    Tcp().async_read_some(net::buffer(drain_),
                          [self = this->shared_from_this()](error_code ec, size_t) {
                            if (ec || self->closed_) return self->CloseNow();
                            self->Drain();
                          });
  }

  void CloseNow() {
    if (closed_) return;
    closed_ = true;
    core_.Unregister(*this);
    ++rate_generation_;
    rate_timer_.cancel();
    poll_timer_.cancel();
    Tcp().close();
  }

  // --- Rate: a body, read or written, must move min_rate bytes a second over every
  // rate_window of time spent waiting on the client (an operation outstanding). Time spent in
  // the handler or waiting for a pull does not count: a quiet event stream is not slow.

  // Without a minimum rate (min_rate or rate_window 0), each read and write of a body has
  // keep_alive_timeout instead, so that a stalled client cannot hold a connection for ever.
  bool RateChecked() const { return options_.min_rate > 0 && options_.rate_window.count() > 0; }

  void StartMetering(bool reading) {
    StopMetering();
    if (!RateChecked()) return;
    metering_ = true;
    reading_ = reading;
    rate_failed_ = false;
    busy_ = Clock::duration::zero();
    window_bytes_ = 0;
    op_start_.reset();
  }

  void StopMetering() {
    metering_ = false;
    rate_armed_ = false;
    ++rate_generation_;
    rate_timer_.cancel();
  }

  void OpStarted() {
    if (!metering_) return;
    op_start_ = Clock::now();
    if (!rate_armed_) ArmRateTimer();
  }

  void OpEnded(size_t n) {
    if (!metering_ || !op_start_) return;
    window_bytes_ += static_cast<int64_t>(n);
    busy_ += Clock::now() - *op_start_;
    op_start_.reset();
  }

  void ArmRateTimer() {
    rate_armed_ = true;
    rate_timer_.expires_after(options_.rate_window - busy_);
    rate_timer_.async_wait([self = this->shared_from_this(), generation = rate_generation_](
                               error_code ec) { self->OnRateTimer(ec, generation); });
  }

  void OnRateTimer(error_code ec, uint64_t generation) {
    if (ec || generation != rate_generation_ || closed_ || !metering_) return;
    rate_armed_ = false;
    const Clock::time_point now = Clock::now();
    if (op_start_) {
      busy_ += now - *op_start_;
      op_start_ = now;
    }
    if (busy_ >= options_.rate_window) {
      const double seconds = std::chrono::duration<double>(options_.rate_window).count();
      if (static_cast<double>(window_bytes_) < static_cast<double>(options_.min_rate) * seconds) {
        rate_failed_ = true;
        // Reading: cancel, so that OnBody answers 408. Writing: nothing more can be said.
        if (reading_) {
          Tcp().cancel();
        } else {
          CloseNow();
        }
        return;
      }
      busy_ = Clock::duration::zero();
      window_bytes_ = 0;
    }
    if (op_start_) ArmRateTimer();
  }

  ServerCore& core_;
  const ServerOptions& options_;
  net::any_io_executor executor_;  // the connection's strand
  Stream stream_;
  const std::string remote_;
  beast::flat_buffer buffer_;
  std::optional<bhttp::request_parser<bhttp::empty_body>> header_parser_;
  std::optional<bhttp::request_parser<bhttp::string_body>> body_parser_;
  bool first_ = true;  // the connection's first request
  bool closed_ = false;

  // The exchange in progress.
  Clock::time_point request_start_;
  std::string method_;
  std::string path_;
  std::vector<std::pair<std::string, std::string>> query_;
  ExchangeContext context_;
  size_t body_limit_ = 0;
  int status_ = 0;
  std::string route_;
  std::string user_;
  int64_t bytes_in_ = 0;
  int64_t bytes_out_ = 0;
  bool keep_alive_ = false;
  bool recorded_ = false;
  BodyPuller pull_;
  std::unique_ptr<Deflater> deflater_;
  bool chunked_ = false;
  net::steady_timer poll_timer_;

  // The write in progress.
  std::array<std::string, 2> out_;
  size_t out_index_ = 0;
  size_t out_offset_ = 0;
  Step next_ = nullptr;

  // Rate.
  net::steady_timer rate_timer_;
  uint64_t rate_generation_ = 0;  // a timer's wait of an older generation is stale
  bool metering_ = false;
  bool reading_ = false;
  bool rate_armed_ = false;
  bool rate_failed_ = false;
  Clock::duration busy_{};
  int64_t window_bytes_ = 0;
  std::optional<Clock::time_point> op_start_;

  std::array<char, 1024> drain_;
};

ServerCore::ServerCore(Handler& handler, ServerOptions options, ServerObserver* observer)
    : handler_(handler),
      options_(std::move(options)),
      observer_(observer),
      io_(std::max(1, options_.io_threads)),
      accept_strand_(net::make_strand(io_)),
      acceptor_(accept_strand_),
      accept_retry_(accept_strand_) {}

ServerCore::~ServerCore() {
  Stop();
  if (workers_) workers_->join();
}

core::Status ServerCore::Bind() {
  if (options_.tls_cert.empty() != options_.tls_key.empty()) {
    return core::InvalidArgument(core::Message("http.tls_needs_both"),
                                 options_.tls_cert.empty() ? "--tls-cert" : "--tls-key");
  }
  if (!options_.tls_cert.empty()) {
    net::ssl::context tls(net::ssl::context::tls_server);
    tls.set_options(net::ssl::context::default_workarounds | net::ssl::context::no_sslv2 |
                    net::ssl::context::no_sslv3 | net::ssl::context::no_tlsv1 |
                    net::ssl::context::no_tlsv1_1);
    SSL_CTX_set_min_proto_version(tls.native_handle(), TLS1_2_VERSION);
    error_code ec;
    tls.use_certificate_chain_file(options_.tls_cert, ec);
    if (ec) {
      return core::InvalidArgument(
          core::Message("http.tls_cert_unreadable",
                        {{"file", options_.tls_cert}, {"detail", ec.message()}}),
          "--tls-cert");
    }
    tls.use_private_key_file(options_.tls_key, net::ssl::context::pem, ec);
    if (ec) {
      return core::InvalidArgument(
          core::Message("http.tls_key_unreadable",
                        {{"file", options_.tls_key}, {"detail", ec.message()}}),
          "--tls-key");
    }
    if (SSL_CTX_check_private_key(tls.native_handle()) != 1) {
      return core::InvalidArgument(
          core::Message("http.tls_key_mismatch", {{"file", options_.tls_key}}), "--tls-key");
    }
    tls_.emplace(std::move(tls));
  }
  if (options_.port < 0 || options_.port > 65535) {
    return core::InvalidArgument(core::Message("http.cannot_listen_on_port",
                                               {{"host", options_.host}, {"port", options_.port}}),
                                 "--port");
  }
  error_code ec;
  tcp::resolver resolver(io_);
  auto endpoints = resolver.resolve(options_.host, std::to_string(options_.port),
                                    tcp::resolver::passive | tcp::resolver::numeric_service, ec);
  if (ec || endpoints.empty()) {
    return core::Unavailable(core::Message("http.cannot_listen", {{"host", options_.host}}),
                             "--host");
  }
  const tcp::endpoint endpoint = endpoints.begin()->endpoint();
  if (acceptor_.is_open()) acceptor_.close(ec);
  acceptor_.open(endpoint.protocol(), ec);
  if (!ec) acceptor_.set_option(net::socket_base::reuse_address(true), ec);
  if (!ec) acceptor_.bind(endpoint, ec);
  if (!ec) acceptor_.listen(net::socket_base::max_listen_connections, ec);
  if (ec) {
    error_code ignored;
    acceptor_.close(ignored);
    return core::Unavailable(core::Message("http.cannot_listen_on_port",
                                           {{"host", options_.host}, {"port", options_.port}}),
                             "--port");
  }
  port_ = acceptor_.local_endpoint(ec).port();
  std::lock_guard<std::mutex> lock(mutex_);
  bound_ = true;
  return core::OkStatus();
}

core::Status ServerCore::Serve() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (!bound_) return core::FailedPrecondition(core::Message("http.serve_before_bind"));
    bound_ = false;  // once
    if (stop_requested_) return core::OkStatus();
    serving_ = true;
  }
  workers_.emplace(static_cast<size_t>(std::max(1, options_.worker_threads)));
  auto work = net::make_work_guard(io_);
  net::post(accept_strand_, [this] { DoAccept(); });
  std::vector<std::thread> threads;
  for (int i = 0; i < std::max(1, options_.io_threads); ++i) {
    threads.emplace_back([this] {
      CurrentServer scope(this);
      // The last-resort catch of the network threads: a failure is logged and the thread serves
      // on.
      for (;;) {
        try {
          io_.run();
          return;
        } catch (const std::exception& e) {
          Failed("io", e.what());
        }
      }
    });
  }
  {
    std::unique_lock<std::mutex> lock(mutex_);
    changed_.wait(lock, [this] { return stop_requested_; });
  }
  stopping_ = true;
  net::post(accept_strand_, [this] {
    error_code ignored;
    acceptor_.close(ignored);
    accept_retry_.cancel();
  });
  CloseAll();
  // Handlers in flight finish; their answers find their connection closed.
  workers_->join();
  work.reset();
  {
    // Closed connections finish their last handlers in a moment; do not wait for ever.
    std::unique_lock<std::mutex> lock(mutex_);
    changed_.wait_for(lock, std::chrono::seconds(2), [this] { return connections_.empty(); });
  }
  io_.stop();
  for (std::thread& thread : threads) thread.join();
  {
    std::lock_guard<std::mutex> lock(mutex_);
    serving_ = false;
  }
  changed_.notify_all();
  return core::OkStatus();
}

void ServerCore::Stop() {
  std::unique_lock<std::mutex> lock(mutex_);
  stop_requested_ = true;
  changed_.notify_all();
  // From a thread of this server, Serve() finishes the stop; waiting here would never end.
  if (current_server == this) return;
  changed_.wait(lock, [this] { return !serving_; });
}

void ServerCore::CloseAll() {
  std::lock_guard<std::mutex> lock(mutex_);
  for (auto& [id, connection] : connections_) connection->PostClose();
}

void ServerCore::DoAccept() {
  acceptor_.async_accept(net::make_strand(io_), [this](error_code ec, tcp::socket socket) {
    OnAccept(ec, std::move(socket));
  });
}

void ServerCore::OnAccept(error_code ec, tcp::socket socket) {
  if (ec == net::error::operation_aborted || stopping_) return;
  if (ec) {
    // Out of descriptors, most likely: try again in a moment rather than spin.
    Failed("accept", ec.message());
    accept_retry_.expires_after(std::chrono::milliseconds(100));
    accept_retry_.async_wait([this](error_code wait) {
      if (!wait && !stopping_) DoAccept();
    });
    return;
  }
  Admit(std::move(socket));
  DoAccept();
}

void ServerCore::Admit(tcp::socket socket) {
  error_code ec;
  socket.set_option(tcp::no_delay(true), ec);
  std::string remote;
  const tcp::endpoint peer = socket.remote_endpoint(ec);
  if (!ec) {
    net::ip::address address = peer.address();
    if (address.is_v6() && address.to_v6().is_v4_mapped()) {
      address = net::ip::make_address_v4(net::ip::v4_mapped, address.to_v6());
    }
    remote = address.to_string();
  }
  std::shared_ptr<ConnectionBase> connection;
  if (tls_) {
    connection = std::make_shared<Connection<TlsStream>>(*this, std::move(socket), remote, *tls_);
  } else {
    connection = std::make_shared<Connection<beast::tcp_stream>>(*this, std::move(socket), remote);
  }
  bool busy = false;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (connections_.size() >= static_cast<size_t>(std::max(1, options_.max_connections))) {
      // Make room by closing the connection idle the longest; with none idle, the newcomer
      // is told to come back.
      ConnectionBase* oldest = nullptr;
      for (auto& [id, candidate] : connections_) {
        if (candidate->idle && (oldest == nullptr || candidate->idle_since < oldest->idle_since)) {
          oldest = candidate;
        }
      }
      if (oldest != nullptr) {
        oldest->evicted = true;
        connections_.erase(oldest->id);
        oldest->id = 0;
        oldest->PostClose();
      } else {
        busy = true;
      }
    }
    if (!busy) {
      connection->id = ++next_id_;
      connections_.emplace(connection->id, connection.get());
      if (observer_ != nullptr) observer_->Connections(static_cast<int>(connections_.size()));
    }
  }
  connection->Start(busy);
}

void ServerCore::MarkIdle(ConnectionBase& connection) {
  std::lock_guard<std::mutex> lock(mutex_);
  connection.idle = true;
  connection.idle_since = Clock::now();
}

bool ServerCore::ClaimActive(ConnectionBase& connection) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (connection.evicted) return false;
  connection.idle = false;
  return true;
}

void ServerCore::Unregister(ConnectionBase& connection) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (connection.id == 0) return;
  connections_.erase(connection.id);
  connection.id = 0;
  if (observer_ != nullptr) observer_->Connections(static_cast<int>(connections_.size()));
  changed_.notify_all();
}

Outgoing ServerCore::Answer(const Request& request, const ExchangeContext& context) {
  CurrentServer scope(this);
  std::string detail;
  try {
    Response response = handler_.Handle(request);
    if (response.status < 200 || response.status > 599) {
      throw std::runtime_error("status " + std::to_string(response.status));
    }
    return BuildOutgoing(std::move(response), context, options_);
  } catch (const std::exception& e) {
    detail = e.what();
  } catch (...) {
    detail = "an exception that is not a std::exception";
  }
  Failed("handler", request.method + " " + request.path + ": " + detail);
  return BuildOutgoing(ErrorResponse(500, core::Internal(core::Message("http.internal"))), context,
                       options_);
}

Piece ServerCore::Pull(const BodyPuller& pull, Deflater* deflater) {
  CurrentServer scope(this);
  try {
    std::optional<std::string> piece = pull();
    if (!piece) return {Piece::Kind::kEnd, deflater ? deflater->Deflate({}, Z_FINISH) : ""};
    if (piece->empty()) return {Piece::Kind::kNothingYet, {}};
    // Z_SYNC_FLUSH: the piece reaches the client now (an event), not when zlib's window fills.
    if (deflater) return {Piece::Kind::kData, deflater->Deflate(*piece, Z_SYNC_FLUSH)};
    return {Piece::Kind::kData, std::move(*piece)};
  } catch (const std::exception& e) {
    Failed("pull", e.what());
  } catch (...) {
    Failed("pull", "an exception that is not a std::exception");
  }
  return {Piece::Kind::kFailed, {}};
}

}  // namespace

class Server::Impl : public ServerCore {
 public:
  using ServerCore::ServerCore;
};

Server::Server(Handler& handler, ServerOptions options, ServerObserver* observer)
    : impl_(std::make_unique<Impl>(handler, std::move(options), observer)) {}

Server::~Server() = default;

core::Status Server::Bind() { return impl_->Bind(); }

core::Status Server::Serve() { return impl_->Serve(); }

void Server::Stop() { impl_->Stop(); }

int Server::port() const { return impl_->port(); }

}  // namespace keneya::http
