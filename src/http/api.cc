#include "http/api.h"

#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <exception>
#include <filesystem>
#include <fstream>

#include "auth/accounts.h"
#include "auth/secrets.h"
#include "core/text.h"
#include "core/timestamp.h"
#include "http/api_internal.h"
#include "http/metrics.h"
#include "http/openapi.h"

namespace keneya::http {

using core::Message;
using core::Result;

namespace {

constexpr std::string_view kSessionCookie = "keneya_session";

// ---- Requests ----

std::vector<std::string_view> Segments(std::string_view path) {
  std::vector<std::string_view> out;
  size_t start = 0;
  while (start <= path.size()) {
    size_t end = path.find('/', start);
    if (end == std::string_view::npos) end = path.size();
    if (end > start) out.push_back(path.substr(start, end - start));
    start = end + 1;
  }
  return out;
}

// Whether `path` matches `pattern` ("/api/users/{name}"); fills the named segments.
bool Matches(std::string_view pattern, std::string_view path,
             std::map<std::string, std::string, std::less<>>* names) {
  const std::vector<std::string_view> want = Segments(pattern);
  const std::vector<std::string_view> got = Segments(path);
  if (want.size() != got.size()) return false;
  std::map<std::string, std::string, std::less<>> found;
  for (size_t i = 0; i < want.size(); ++i) {
    if (want[i].size() > 2 && want[i].front() == '{' && want[i].back() == '}') {
      found.emplace(std::string(want[i].substr(1, want[i].size() - 2)), std::string(got[i]));
    } else if (want[i] != got[i]) {
      return false;
    }
  }
  if (names != nullptr) *names = std::move(found);
  return true;
}

std::string Trim(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  return std::string(text);
}

// The value of a cookie in a Cookie header, or "".
std::string CookieValue(std::string_view header, std::string_view name) {
  size_t start = 0;
  while (start < header.size()) {
    size_t end = header.find(';', start);
    if (end == std::string_view::npos) end = header.size();
    const std::string pair = Trim(header.substr(start, end - start));
    if (pair.size() > name.size() && pair.compare(0, name.size(), name) == 0 &&
        pair[name.size()] == '=') {
      return pair.substr(name.size() + 1);
    }
    start = end + 1;
  }
  return "";
}

// Base64 (RFC 4648) to bytes; nullopt when malformed.
std::optional<std::string> DecodeBase64(std::string_view text) {
  auto value = [](char c) -> int {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+') return 62;
    if (c == '/') return 63;
    return -1;
  };
  while (!text.empty() && text.back() == '=') text.remove_suffix(1);
  std::string out;
  uint32_t bits = 0;
  int count = 0;
  for (char c : text) {
    const int v = value(c);
    if (v < 0) return std::nullopt;
    bits = (bits << 6) | static_cast<uint32_t>(v);
    count += 6;
    if (count >= 8) {
      count -= 8;
      out.push_back(static_cast<char>((bits >> count) & 0xFF));
    }
  }
  return out;
}

// A DHIS2 path without its API version (/api/40/...) and format suffix (.json, .xml, .csv,
// .adx, set in `suffix`).
std::string Dhis2Path(std::string_view path, std::string* suffix) {
  std::string out(path);
  if (out.rfind("/api/", 0) != 0) return out;
  const size_t end = out.find('/', 5);
  if (end != std::string::npos && end > 5 && end - 5 <= 3 &&
      std::all_of(out.begin() + 5, out.begin() + static_cast<std::ptrdiff_t>(end),
                  [](char c) { return c >= '0' && c <= '9'; })) {
    out.erase(4, end - 4);
  }
  const size_t slash = out.rfind('/');
  const size_t dot = out.rfind('.');
  if (dot != std::string::npos && dot > slash) {
    const std::string ext = out.substr(dot + 1);
    if (ext == "json" || ext == "xml" || ext == "csv" || ext == "adx") {
      *suffix = ext;
      out.erase(dot);
    }
  }
  return out;
}

std::string_view ReasonPhrase(int status) {
  switch (status) {
    case 400:
      return "Bad Request";
    case 401:
      return "Unauthorized";
    case 403:
      return "Forbidden";
    case 404:
      return "Not Found";
    case 405:
      return "Method Not Allowed";
    case 409:
      return "Conflict";
    case 412:
      return "Precondition Failed";
    case 413:
      return "Payload Too Large";
    case 429:
      return "Too Many Requests";
    case 503:
      return "Service Unavailable";
    default:
      return "Internal Server Error";
  }
}

// An error of a DHIS2-compatible route in DHIS2's WebMessage shape; Keneya's own fields stay.
void Dhis2Shape(Response& response) {
  Json body = Json::parse(response.body, nullptr, false);
  if (!body.is_object() || body.contains("httpStatusCode")) return;  // already DHIS2's
  body["httpStatus"] = ReasonPhrase(response.status);
  body["httpStatusCode"] = response.status;
  body["status"] = "ERROR";
  response.body = body.dump(-1, ' ', false, Json::error_handler_t::replace);
}

// The web app's files: a file of `root`, "/" its index.html, any other path that names no file
// the app's own route (index.html again), unless it names a missing asset (a file name with the
// extension of a kind served below, or a path under assets/). Nothing outside `root`
// is ever read: "..", hidden names, backslashes and links leading out answer 404.
Response StaticFile(const std::string& root, const std::string& path, core::Language language) {
  auto not_found = [&] {
    Response r = ErrorResponse(core::NotFound(Message("http.no_resource", {{"path", path}}), path),
                               language);
    r.route = "static";
    return r;
  };
  if (path.empty() || path.front() != '/' || path.find('\\') != std::string::npos ||
      path.find('\0') != std::string::npos) {
    return not_found();
  }
  for (std::string_view segment : Segments(path)) {
    if (segment.front() == '.') return not_found();  // "..", ".", ".git", ".env"
  }
  namespace fs = std::filesystem;
  std::error_code error;
  const fs::path base = fs::canonical(root, error);
  if (error) return not_found();
  auto inside = [&](const fs::path& file) -> std::optional<fs::path> {
    std::error_code e;
    const fs::path real = fs::canonical(file, e);
    if (e || !fs::is_regular_file(real, e)) return std::nullopt;
    const std::string prefix = base.string() + "/";
    if (real.string().compare(0, prefix.size(), prefix) != 0) return std::nullopt;
    return real;
  };
  static const std::map<std::string, std::string, std::less<>> kTypes = {
      {".html", "text/html; charset=utf-8"},
      {".js", "text/javascript; charset=utf-8"},
      {".mjs", "text/javascript; charset=utf-8"},
      {".css", "text/css; charset=utf-8"},
      {".json", "application/json; charset=utf-8"},
      {".webmanifest", "application/manifest+json"},
      {".svg", "image/svg+xml"},
      {".png", "image/png"},
      {".jpg", "image/jpeg"},
      {".ico", "image/x-icon"},
      {".woff2", "font/woff2"},
      {".txt", "text/plain; charset=utf-8"},
      {".map", "application/json; charset=utf-8"},
  };
  const std::string relative = path == "/" ? "index.html" : path.substr(1);
  std::optional<fs::path> file = inside(base / relative);
  // A missing file of a kind the app serves (a script, a picture...) or under assets/ is a 404;
  // any other path is one of the app's routes ("/utilisateurs/cellule.kone": a dot in a name).
  const std::string last = relative.substr(relative.rfind('/') + 1);
  const size_t dot = last.rfind('.');
  const bool a_file = relative.rfind("assets/", 0) == 0 ||
                      (dot != std::string::npos && kTypes.contains(last.substr(dot)));
  if (!file && !a_file) file = inside(base / "index.html");
  if (!file) return not_found();
  const std::string extension = file->extension().string();
  auto type = kTypes.find(extension);
  Response r;
  r.content_type = type == kTypes.end() ? "application/octet-stream" : type->second;
  r.route = "static";
  // Vite names its built assets by their content's hash: they never change under a name.
  const bool hashed = relative.rfind("assets/", 0) == 0 && file->filename() != "index.html";
  r.headers.emplace_back("Cache-Control",
                         hashed ? "public, max-age=31536000, immutable" : "no-cache");
  auto stream = std::make_shared<std::ifstream>(*file, std::ios::binary);
  if (!*stream) return not_found();
  r.pull = [stream]() -> std::optional<std::string> {
    std::string piece(64 * 1024, '\0');
    stream->read(piece.data(), static_cast<std::streamsize>(piece.size()));
    piece.resize(static_cast<size_t>(stream->gcount()));
    if (piece.empty()) return std::nullopt;
    return piece;
  };
  return r;
}

bool IsSafeMethod(std::string_view method) { return method == "GET" || method == "HEAD"; }

// The client's address: the peer's, or, when the peer is a trusted proxy, the last address of
// X-Forwarded-For that is not one.
std::string ClientAddress(const Request& request, const std::vector<std::string>& trusted) {
  auto is_trusted = [&](std::string_view address) {
    return std::find(trusted.begin(), trusted.end(), address) != trusted.end();
  };
  std::string address = request.remote_address;
  if (!is_trusted(address)) return address;
  const std::string& forwarded = request.Header("x-forwarded-for");
  size_t end = forwarded.size();
  while (end > 0) {
    const size_t comma = forwarded.rfind(',', end - 1);
    const size_t start = comma == std::string::npos ? 0 : comma + 1;
    const std::string hop = Trim(std::string_view(forwarded).substr(start, end - start));
    if (!hop.empty()) {
      address = hop;
      if (!is_trusted(hop)) break;
    }
    if (comma == std::string::npos) break;
    end = comma;
  }
  return address;
}

// ---- The system's routes ----

Result<Response> Health(Api::Call& call) {
  Json database = {{"engine", std::string(call.db().engine())},
                   {"location", call.options().info.database},
                   {"pool_size", call.pool().size()}};
  core::Status ping = call.db().Ping();
  auto version = ping.ok() ? call.db().SchemaVersion() : Result<int>(ping.error());
  const bool ok = version.ok();
  database["reachable"] = ok;
  if (ok) {
    database["schema_version"] = *version;
    database["latest_schema_version"] = call.db().LatestSchemaVersion();
  }
  Json body = {{"status", ok ? "ok" : "unavailable"},
               {"service", "keneya"},
               {"version", call.options().info.version},
               {"time", core::FormatTimestamp(core::NowMs())},
               {"database", database}};
  return JsonResponse(ok ? 200 : 503, body);
}

Result<Response> MetricsText(Api::Call& call) {
  KENEYA_RETURN_IF_ERROR(
      auth::Authorize(call.principal(), auth::Resource::kSystem, auth::Action::kRead, nullptr));
  Response r;
  r.content_type = "text/plain; version=0.0.4; charset=utf-8";
  r.body = call.metrics() != nullptr ? call.metrics()->Render() : "";
  return r;
}

Json UserJson(const auth::Principal& user, const core::MetadataBundle& metadata) {
  Json roles = Json::array();
  for (const auth::Grant& grant : user.grants) {
    roles.push_back({{"role", std::string(auth::RoleCode(grant.role))},
                     {"scope",
                      {{"kind", std::string(auth::ScopeKindCode(grant.scope.kind))},
                       {"id", grant.scope.uid},
                       {"name", auth::ScopeName(grant.scope, metadata)}}}});
  }
  return {{"username", user.name},
          {"name", user.full_name},
          {"language", user.language},
          {"roles", roles}};
}

Result<Response> Login(Api::Call& call) {
  KENEYA_ASSIGN_OR_RETURN(Json body, JsonBody(call));
  KENEYA_ASSIGN_OR_RETURN(std::string name, RequiredString(body, "username"));
  KENEYA_ASSIGN_OR_RETURN(std::string password, RequiredString(body, "password"));
  auto in = call.authenticator().Login(call.db(), name, password, call.client);
  if (!in.ok()) {
    if (in.error().code == core::ErrorCode::kTooManyRequests) {
      Response r = ErrorResponse(in.error(), call.language);
      const int64_t wait = call.authenticator().RetryAfterMs(name, call.client);
      r.headers.emplace_back("Retry-After",
                             std::to_string(std::max<int64_t>(1, (wait + 999) / 1000)));
      return r;
    }
    return in.error();
  }
  KENEYA_ASSIGN_OR_RETURN(auto metadata, call.Metadata());
  Json user = UserJson(in->principal, *metadata);
  Response r = JsonResponse(200, {{"user", user},
                                  {"csrfToken", in->csrf_token},
                                  {"expires", core::FormatTimestamp(in->expires)}});
  const int64_t max_age = (in->expires - core::NowMs()) / 1000;
  std::string cookie = std::string(kSessionCookie) + "=" + in->session_token +
                       "; Path=/; HttpOnly; SameSite=Strict; Max-Age=" + std::to_string(max_age);
  if (call.options().secure_cookies) cookie += "; Secure";
  r.headers.emplace_back("Set-Cookie", std::move(cookie));
  return r;
}

Result<Response> Logout(Api::Call& call) {
  if (!call.session_token.empty()) {
    KENEYA_RETURN_IF_ERROR(
        call.authenticator().Logout(call.db(), call.session_token, call.principal(), call.client));
  }
  Response r = JsonResponse(200, {{"status", "ok"}});
  std::string cookie =
      std::string(kSessionCookie) + "=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0";
  if (call.options().secure_cookies) cookie += "; Secure";
  r.headers.emplace_back("Set-Cookie", std::move(cookie));
  return r;
}

// The signed-in user: Keneya's roles, and DHIS2's /api/me fields its clients read.
Result<Response> Me(Api::Call& call) {
  KENEYA_ASSIGN_OR_RETURN(auto metadata, call.Metadata());
  const auth::Principal& user = call.principal();
  Json body = UserJson(user, *metadata);
  body["id"] = user.user_id;
  body["displayName"] = user.full_name;
  Json org_units = Json::array();
  for (const auth::Grant& grant : user.grants) {
    if (grant.scope.kind == auth::ScopeKind::kSubtree)
      org_units.push_back({{"id", grant.scope.uid}});
  }
  body["organisationUnits"] = org_units;
  body["settings"] = {{"keyUiLocale", user.language}};
  if (!call.session_token.empty()) {
    auto session =
        call.authenticator().FromSession(call.db(), call.session_token, nullptr, call.client);
    if (session.ok()) body["csrfToken"] = session->csrf_token;
  }
  return JsonResponse(200, body);
}

Result<Response> OpenApi(Api::Call&) {
  Response r;
  r.body = std::string(OpenApiDocument());
  r.headers.emplace_back("Cache-Control", "public, max-age=300");
  return r;
}

const std::vector<Api::Route>& Table() {
  static const std::vector<Api::Route> table = [] {
    using Who = Api::Route::Who;
    using Body = Api::Route::Body;
    std::vector<Api::Route> routes = {
        {"GET", "/api/health", Who::kAnyone, Body::kSmall, Health},
        {"GET", "/api/openapi.json", Who::kAnyone, Body::kSmall, OpenApi},
        {"GET", "/metrics", Who::kSignedIn, Body::kSmall, MetricsText},
        {"POST", "/api/auth/login", Who::kAnyone, Body::kSmall, Login},
        {"POST", "/api/auth/logout", Who::kSignedIn, Body::kSmall, Logout},
        {"GET", "/api/me", Who::kSignedIn, Body::kSmall, Me},
    };
    AddAccountRoutes(routes);
    AddPlaceRoutes(routes);
    AddEntryRoutes(routes);
    AddPaymentRoutes(routes);
    AddWorkflowRoutes(routes);
    AddSettlementRoutes(routes);
    AddDhis2Routes(routes);
    return routes;
  }();
  return table;
}

}  // namespace

// ---- Errors ----

int HttpStatus(core::ErrorCode code) {
  switch (code) {
    case core::ErrorCode::kInvalidArgument:
      return 400;
    case core::ErrorCode::kUnauthenticated:
      return 401;
    case core::ErrorCode::kPermissionDenied:
      return 403;
    case core::ErrorCode::kNotFound:
      return 404;
    case core::ErrorCode::kAlreadyExists:
    case core::ErrorCode::kConflict:
      return 409;
    case core::ErrorCode::kFailedPrecondition:
      return 412;
    case core::ErrorCode::kTooManyRequests:
      return 429;
    case core::ErrorCode::kUnavailable:
      return 503;
    case core::ErrorCode::kInternal:
    case core::ErrorCode::kDataError:
      return 500;
  }
  return 500;
}

std::string_view ErrorCodeKey(core::ErrorCode code) {
  switch (code) {
    case core::ErrorCode::kInvalidArgument:
      return "invalid_argument";
    case core::ErrorCode::kNotFound:
      return "not_found";
    case core::ErrorCode::kAlreadyExists:
      return "already_exists";
    case core::ErrorCode::kConflict:
      return "conflict";
    case core::ErrorCode::kFailedPrecondition:
      return "failed_precondition";
    case core::ErrorCode::kPermissionDenied:
      return "permission_denied";
    case core::ErrorCode::kUnauthenticated:
      return "unauthenticated";
    case core::ErrorCode::kTooManyRequests:
      return "too_many_requests";
    case core::ErrorCode::kUnavailable:
      return "unavailable";
    case core::ErrorCode::kInternal:
      return "internal";
    case core::ErrorCode::kDataError:
      return "data_error";
  }
  return "internal";
}

Response ErrorResponse(const core::Error& error, core::Language language) {
  Json params = Json::object();
  for (const core::MessageArg& arg : error.text.args()) {
    params[arg.name] = core::ToValidUtf8(core::RenderArg(arg, language));
  }
  const int status = HttpStatus(error.code);
  Json body = {{"status", "error"},
               {"httpStatus", status},
               {"code", std::string(ErrorCodeKey(error.code))},
               {"message_id", error.text.id()},
               {"params", params},
               {"message", core::ToValidUtf8(core::Render(error.text, language))},
               {"where", core::ToValidUtf8(core::DescribePlace(error, language))}};
  Response r = JsonResponse(status, body);
  if (status == 401 || status == 403 || status == 404)
    r.headers.emplace_back("Cache-Control", "no-store");
  return r;
}

core::Language RequestLanguage(const Request& request) {
  // The first of "fr" or "en" by preference (q values), French when neither is named.
  const std::string& header = request.Header("accept-language");
  double best_q = -1;
  core::Language best = core::Language::kFrench;
  size_t start = 0;
  while (start < header.size()) {
    size_t end = header.find(',', start);
    if (end == std::string::npos) end = header.size();
    std::string item = Trim(std::string_view(header).substr(start, end - start));
    double q = 1;
    if (const size_t semi = item.find(';'); semi != std::string::npos) {
      const std::string parameter = Trim(std::string_view(item).substr(semi + 1));
      if (parameter.rfind("q=", 0) == 0) q = std::atof(parameter.c_str() + 2);
      item = Trim(std::string_view(item).substr(0, semi));
    }
    const std::string tag = item.substr(0, 2);
    if ((tag == "fr" || tag == "en") && q > best_q) {
      best_q = q;
      best = tag == "fr" ? core::Language::kFrench : core::Language::kEnglish;
    }
    start = end + 1;
  }
  return best;
}

// ---- JSON helpers ----

Response JsonResponse(int status, const Json& body) {
  Response r;
  r.status = status;
  r.body = body.dump(-1, ' ', false, Json::error_handler_t::replace);
  return r;
}

Json ContractHistoryJson(const std::vector<store::ContractChange>& history,
                         core::Language language) {
  Json out = Json::array();
  for (const store::ContractChange& change : history) {
    out.push_back(
        {{"action", change.action},
         {"at", core::FormatTimestamp(change.at)},
         {"user", change.user},
         {"source", change.source},
         {"reason", change.reason},
         {"oldTerms",
          change.old_terms.empty()
              ? Json(nullptr)
              : Json(core::Render(store::ContractTermsText(change.old_terms), language))},
         {"newTerms", core::Render(store::ContractTermsText(change.new_terms), language)}});
  }
  return out;
}

Json BriefUnit(const core::OrgUnit* unit) {
  if (unit == nullptr) return nullptr;
  return {{"id", unit->uid}, {"code", unit->code}, {"name", unit->name}};
}

core::Result<int64_t> PathId(const Api::Call& call, std::string_view name) {
  const std::string& text = call.Path(name);
  int64_t id = 0;
  bool ok = !text.empty() && text.size() <= 18;
  for (char c : text) {
    if (c < '0' || c > '9') ok = false;
    if (ok) id = id * 10 + (c - '0');
  }
  if (!ok || id < 1) {
    return fbr::UnknownOrUnseen(text, name);
  }
  return id;
}

Response JsonTextResponse(int status, std::string body) {
  Response r;
  r.status = status;
  r.body = std::move(body);
  return r;
}

Result<Json> JsonBody(const Api::Call& call) {
  const std::string& type = call.request.Header("content-type");
  if (type.find("json") == std::string::npos) {
    return core::InvalidArgument(Message("http.body_not_json", {{"type", type}}), "Content-Type");
  }
  KENEYA_RETURN_IF_ERROR(core::CheckUtf8(call.request.body, "body"));
  Json body;
  try {
    body = Json::parse(call.request.body);
  } catch (const Json::parse_error& e) {
    const core::TextPosition at = core::PositionAt(call.request.body, e.byte > 0 ? e.byte - 1 : 0);
    return core::InvalidArgument(Message("http.body_malformed"),
                                 core::FileLineColumn("body", at.line, at.column));
  }
  if (!body.is_object()) return core::InvalidArgument(Message("http.body_not_object"), "body");
  return body;
}

Result<std::optional<std::string>> OptionalString(const Json& object, std::string_view name) {
  auto it = object.find(name);
  if (it == object.end() || it->is_null()) return std::optional<std::string>();
  if (!it->is_string()) {
    return core::InvalidArgument(Message("http.field_not_text", {{"field", name}}),
                                 "body." + std::string(name));
  }
  return std::optional<std::string>(it->get<std::string>());
}

Result<std::string> RequiredString(const Json& object, std::string_view name) {
  KENEYA_ASSIGN_OR_RETURN(std::optional<std::string> value, OptionalString(object, name));
  if (!value) {
    return core::InvalidArgument(Message("http.field_missing", {{"field", name}}),
                                 "body." + std::string(name));
  }
  return *value;
}

Result<std::optional<int64_t>> OptionalInteger(const Json& object, std::string_view name) {
  auto it = object.find(name);
  if (it == object.end() || it->is_null()) return std::optional<int64_t>();
  if (!it->is_number_integer()) {
    return core::InvalidArgument(Message("http.field_not_integer", {{"field", name}}),
                                 "body." + std::string(name));
  }
  return std::optional<int64_t>(it->get<int64_t>());
}

Result<int64_t> QueryInteger(const Request& request, std::string_view name, int64_t fallback,
                             int64_t max) {
  std::optional<std::string> text = request.Param(name);
  if (!text) return fallback;
  int64_t value = 0;
  bool ok = !text->empty() && text->size() <= 18;
  for (char c : *text) {
    if (c < '0' || c > '9') {
      ok = false;
      break;
    }
    value = value * 10 + (c - '0');
  }
  if (!ok || value < 1 || value > max) {
    return core::InvalidArgument(
        Message("http.bad_query_integer", {{"name", name}, {"max", max}, {"text", *text}}),
        std::string(name));
  }
  return value;
}

Result<std::pair<int64_t, int64_t>> Paging(const Request& request) {
  KENEYA_ASSIGN_OR_RETURN(int64_t page, QueryInteger(request, "page", 1, 1'000'000));
  KENEYA_ASSIGN_OR_RETURN(int64_t size, QueryInteger(request, "pageSize", 50, 1'000));
  return std::make_pair(page, size);
}

std::string QueryText(const Request& request, std::string_view name) {
  return request.Param(name).value_or("");
}

Result<std::string> TemporaryFile(std::string_view suffix) {
  std::error_code error;
  std::filesystem::path directory = std::filesystem::temp_directory_path(error);
  if (error) directory = "/tmp";
  std::string path = (directory / "keneya-export-XXXXXX").string() + std::string(suffix);
  const int fd = mkstemps(path.data(), static_cast<int>(suffix.size()));
  if (fd < 0) {
    return core::Internal(Message("http.temporary_file", {{"path", path}}));
  }
  close(fd);
  return path;
}

RemoveOnExit::~RemoveOnExit() {
  std::error_code error;
  std::filesystem::remove(path_, error);  // already gone once a response opened it
}

Result<Response> FileResponse(const std::string& path, std::string content_type,
                              const std::string& download) {
  auto file = std::make_shared<std::ifstream>(path, std::ios::binary);
  std::error_code error;
  std::filesystem::remove(path, error);  // the open stream keeps it until it is read
  if (!*file) return core::Internal(Message("http.temporary_file", {{"path", path}}));
  Response r;
  r.content_type = std::move(content_type);
  if (!download.empty()) {
    // Letters, digits, '.', '_' and '-' only: a name from a program cannot break the header.
    std::string name = download;
    for (char& c : name) {
      const bool plain = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
                         (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-';
      if (!plain) c = '_';
    }
    r.headers.emplace_back("Content-Disposition", "attachment; filename=\"" + name + "\"");
  }
  r.headers.emplace_back("Cache-Control", "private, no-store");
  r.pull = [file]() -> std::optional<std::string> {
    std::string piece(64 * 1024, '\0');
    file->read(piece.data(), static_cast<std::streamsize>(piece.size()));
    piece.resize(static_cast<size_t>(file->gcount()));
    if (piece.empty()) return std::nullopt;
    return piece;
  };
  return r;
}

// ---- The call ----

store::Actor Api::Call::Actor(std::string reason) const {
  return store::Actor{user ? user->name : std::string(), client.source, std::move(reason),
                      client.address};
}

Result<std::shared_ptr<const core::MetadataBundle>> Api::Call::Metadata() {
  KENEYA_ASSIGN_OR_RETURN(std::shared_ptr<const fbr::Directory> directory, Directory());
  return std::shared_ptr<const core::MetadataBundle>(directory, &directory->bundle());
}

Result<std::shared_ptr<const fbr::Directory>> Api::Call::Directory() {
  if (directory_ == nullptr) {
    KENEYA_ASSIGN_OR_RETURN(directory_, api.Directory(*store));
  }
  return directory_;
}

Result<const fbr::Sight*> Api::Call::Sight() {
  if (!sight_) {
    KENEYA_ASSIGN_OR_RETURN(std::shared_ptr<const fbr::Directory> directory, Directory());
    sight_.emplace(*directory, *user);
  }
  return &*sight_;
}

const std::string& Api::Call::Path(std::string_view name) const {
  static const std::string kNone;
  auto it = path.find(name);
  return it == path.end() ? kNone : it->second;
}

// ---- The API ----

Api::Api(store::StorePool& pool, auth::Authenticator& authenticator, ApiOptions options,
         Metrics* metrics)
    : pool_(pool), authenticator_(authenticator), options_(std::move(options)), metrics_(metrics) {
  if (options_.run_jobs) {
    if (options_.jobs.owner.empty()) {
      options_.jobs.owner = "keneya-" + std::to_string(::getpid()) + "-" + auth::RandomToken(4);
    }
    jobs_ = std::make_unique<fbr::JobRunner>(
        pool_, [this](store::Store& store) { return Directory(store); }, options_.jobs);
  }
}

void Api::StartJobs() {
  if (jobs_) jobs_->Start();
}

Api::~Api() {
  // The runner's thread uses the Api's directory: it stops first.
  if (jobs_) jobs_->Stop();
}

std::vector<RouteInfo> Api::Routes() {
  std::vector<RouteInfo> out;
  for (const Route& route : Table()) {
    out.push_back(
        {std::string(route.method), std::string(route.pattern), route.who == Route::Who::kAnyone});
  }
  return out;
}

size_t Api::BodyLimit(std::string_view method, std::string_view path) const {
  std::string suffix;
  const std::string dhis2 = Dhis2Path(path, &suffix);
  for (const std::string_view candidate : {path, std::string_view(dhis2)}) {
    for (const Route& route : Table()) {
      if (route.method == method && Matches(route.pattern, candidate, nullptr)) {
        return route.body == Route::Body::kImport ? options_.import_body_limit
                                                  : options_.body_limit;
      }
    }
  }
  return options_.body_limit;
}

Result<std::shared_ptr<const fbr::Directory>> Api::Directory(store::Store& store) {
  KENEYA_ASSIGN_OR_RETURN(int64_t revision, store.MetadataRevision());
  {
    std::lock_guard<std::mutex> lock(metadata_mutex_);
    if (directory_ != nullptr && revision == metadata_revision_) return directory_;
  }
  KENEYA_ASSIGN_OR_RETURN(core::MetadataBundle loaded, store.LoadMetadata());
  auto fresh = std::make_shared<const fbr::Directory>(std::move(loaded));
  std::lock_guard<std::mutex> lock(metadata_mutex_);
  if (revision >= metadata_revision_) {
    directory_ = fresh;
    metadata_revision_ = revision;
  }
  return fresh;
}

std::string Api::Rendered(const std::shared_ptr<const void>& object,
                          const std::function<std::string()>& render) {
  {
    std::lock_guard<std::mutex> lock(rendered_mutex_);
    for (const auto& [kept, text] : rendered_) {
      if (kept == object) return text;
    }
  }
  std::string text = render();
  std::lock_guard<std::mutex> lock(rendered_mutex_);
  rendered_.emplace_back(object, text);
  if (rendered_.size() > 32) rendered_.pop_front();
  return text;
}

Response Api::Handle(const Request& request) {
  const core::Language language = RequestLanguage(request);
  try {
    return Dispatch(request, language);
  } catch (const std::exception& e) {
    // A bug: the detail goes to the log, the client gets a generic answer.
    if (metrics_ != nullptr) metrics_->Failed("handler", e.what());
    Response r = ErrorResponse(core::Internal(Message("http.internal")), language);
    r.route = "error";
    return r;
  }
}

Response Api::Dispatch(const Request& request, core::Language language) {
  const Route* route = nullptr;
  bool other_method = false;
  std::map<std::string, std::string, std::less<>> names;
  std::string suffix;
  auto find = [&](std::string_view path) {
    for (const Route& candidate : Table()) {
      if (!Matches(candidate.pattern, path, &names)) continue;
      if (candidate.method == request.method ||
          (request.method == "HEAD" && candidate.method == "GET")) {
        route = &candidate;
        return;
      }
      other_method = true;
    }
  };
  find(request.path);
  if (route == nullptr && !other_method) {
    // DHIS2's forms of a path: /api/40/dataValueSets, /api/dataValueSets.csv.
    const std::string path = Dhis2Path(request.path, &suffix);
    if (path != request.path) find(path);
  }
  if (route == nullptr && !other_method && !options_.static_dir.empty() &&
      (request.method == "GET" || request.method == "HEAD") &&
      request.path.rfind("/api/", 0) != 0 && request.path != "/metrics") {
    Response r = StaticFile(options_.static_dir, request.path, language);
    if (request.method == "HEAD") {
      r.body.clear();
      r.pull = nullptr;
    }
    return r;
  }
  if (route == nullptr) {
    Response r =
        other_method
            ? ErrorResponse(core::InvalidArgument(
                                Message("http.method_not_allowed", {{"method", request.method}}),
                                request.path),
                            language)
            : ErrorResponse(core::NotFound(Message("http.no_resource", {{"path", request.path}}),
                                           request.path),
                            language);
    if (other_method) r.status = 405;
    r.route = "unknown";
    return r;
  }

  auto lease = pool_.Acquire(options_.pool_wait);
  if (!lease.ok()) {
    Response r = ErrorResponse(lease.error(), language);
    r.headers.emplace_back("Retry-After", "1");
    r.route = std::string(route->pattern);
    return r;
  }
  Call call{
      *this, request, language, std::move(names), {}, std::nullopt, "", &**lease, std::move(suffix),
      {},    {}};
  call.client.address = ClientAddress(request, options_.trusted_proxies);
  call.client.user_agent = request.Header("user-agent").substr(0, 300);
  call.client.source = "api";

  // Who asks: a session cookie, an API token, or DHIS2's Basic authentication.
  core::Status signed_in = core::OkStatus();
  const std::string& authorization = request.Header("authorization");
  const std::string session = CookieValue(request.Header("cookie"), kSessionCookie);
  if (!authorization.empty()) {
    const size_t space = authorization.find(' ');
    const std::string scheme = authorization.substr(0, space);
    const std::string credentials =
        space == std::string::npos ? "" : Trim(std::string_view(authorization).substr(space + 1));
    if (scheme == "ApiToken" || scheme == "Bearer") {
      auto user = authenticator_.FromToken(**lease, credentials, call.client);
      if (user.ok())
        call.user = std::move(user).value();
      else
        signed_in = user.error();
    } else if (scheme == "Basic") {
      std::optional<std::string> decoded = DecodeBase64(credentials);
      const size_t colon = decoded ? decoded->find(':') : std::string::npos;
      if (colon == std::string::npos) {
        signed_in = core::Unauthenticated(Message("http.bad_basic"));
      } else {
        auto user = authenticator_.FromBasic(**lease, decoded->substr(0, colon),
                                             decoded->substr(colon + 1), call.client);
        if (user.ok())
          call.user = std::move(user).value();
        else
          signed_in = user.error();
      }
    } else {
      signed_in =
          core::Unauthenticated(Message("http.unknown_authorization", {{"scheme", scheme}}));
    }
  } else if (!session.empty()) {
    const std::string& csrf = request.Header("x-csrf-token");
    auto user = authenticator_.FromSession(
        **lease, session, IsSafeMethod(request.method) ? nullptr : &csrf, call.client);
    if (user.ok()) {
      call.user = std::move(user->principal);
      call.session_token = session;
    } else {
      signed_in = user.error();
    }
  }
  if (route->dhis2 && request.Header("accept-language").empty()) {
    language = core::Language::kEnglish;
    call.language = language;
  }
  Response response;
  if (route->who == Route::Who::kSignedIn && !call.user) {
    response = ErrorResponse(
        signed_in.ok() ? core::Unauthenticated(Message("auth.not_signed_in")) : signed_in.error(),
        language);
    // A browser is not prompted (its remembered Basic credentials would go with requests other
    // sites make): only scripts, which do not ask for HTML. The web app's requests say they are
    // a page's own (X-Requested-With: XMLHttpRequest, as DHIS2's apps send it).
    const bool browser = request.Header("accept").find("text/html") != std::string::npos ||
                         request.Header("x-requested-with") == "XMLHttpRequest";
    if (response.status == 401 && !browser && (!authorization.empty() || session.empty())) {
      // Scripts (DHIS2's tools) learn how to sign in; browsers with a session are not prompted.
      response.headers.emplace_back("WWW-Authenticate",
                                    "Basic realm=\"Keneya\", charset=\"UTF-8\"");
    }
  } else {
    Result<Response> answered = route->answer(call);
    response =
        answered.ok() ? std::move(answered).value() : ErrorResponse(answered.error(), language);
  }
  if (route->dhis2 && response.status >= 400) Dhis2Shape(response);
  response.route = std::string(route->pattern);
  if (call.user) response.user = call.user->name;
  if (request.method == "HEAD") response.body.clear();
  return response;
}

}  // namespace keneya::http
