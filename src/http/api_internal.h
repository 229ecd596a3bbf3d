// What the route functions of the API share: the call being answered, the route table's entry,
// and JSON helpers. Internal to src/http.
#ifndef KENEYA_HTTP_API_INTERNAL_H_
#define KENEYA_HTTP_API_INTERNAL_H_

#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "auth/authenticator.h"
#include "auth/roles.h"
#include "core/message.h"
#include "core/result.h"
#include "http/api.h"
#include "store/store.h"

namespace keneya::http {

using Json = nlohmann::json;

struct Api::Call {
  Api& api;
  const Request& request;
  core::Language language;
  std::map<std::string, std::string, std::less<>> path;  // the pattern's {names}, decoded
  auth::Client client;
  std::optional<auth::Principal> user;  // set for signed-in calls
  std::string session_token;            // when signed in with the session cookie
  store::Store* store = nullptr;        // borrowed from the pool for this call

  const auth::Principal& principal() const { return *user; }
  store::Store& db() const { return *store; }
  // Who acts, for the audit: the user, "api", the client's address.
  store::Actor Actor(std::string reason = {}) const;
  core::Result<std::shared_ptr<const core::MetadataBundle>> Metadata();
  auth::Authenticator& authenticator() { return api.authenticator_; }
  const ApiOptions& options() const { return api.options_; }
  Metrics* metrics() const { return api.metrics_; }
  store::StorePool& pool() const { return api.pool_; }
  const std::string& Path(std::string_view name) const;
};

struct Api::Route {
  enum class Who { kAnyone, kSignedIn };
  enum class Body { kSmall, kImport };
  std::string_view method;
  std::string_view pattern;
  Who who;
  Body body;
  core::Result<Response> (*answer)(Call&);
};

// A JSON response.
Response JsonResponse(int status, const Json& body);
// The request's body as a JSON object; malformed JSON is InvalidArgument at "body:line:column",
// another content type than JSON is InvalidArgument too.
core::Result<Json> JsonBody(const Api::Call& call);
// A field of a JSON object: a string (required or not: nullopt when absent), an integer, a
// boolean, an array of strings. Wrong types are InvalidArgument naming the field.
core::Result<std::optional<std::string>> OptionalString(const Json& object, std::string_view name);
core::Result<std::string> RequiredString(const Json& object, std::string_view name);
core::Result<std::optional<int64_t>> OptionalInteger(const Json& object, std::string_view name);
// A query parameter as a positive integer within [1, max], or `fallback` when absent.
core::Result<int64_t> QueryInteger(const Request& request, std::string_view name, int64_t fallback,
                                   int64_t max);

// The route groups: each adds its routes to the table (api.cc calls them in order).
void AddAccountRoutes(std::vector<Api::Route>& routes);

}  // namespace keneya::http

#endif  // KENEYA_HTTP_API_INTERNAL_H_
