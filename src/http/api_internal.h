// What the route functions of the API share: the call being answered, the route table's entry,
// and JSON helpers. Internal to src/http.
#ifndef KENEYA_HTTP_API_INTERNAL_H_
#define KENEYA_HTTP_API_INTERNAL_H_

#include <algorithm>
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
#include "fbr/directory.h"
#include "fbr/places.h"
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
  // A DHIS2 format suffix the path ended with ("csv" for /api/dataValueSets.csv), or "".
  std::string suffix;

  const auth::Principal& principal() const { return *user; }
  store::Store& db() const { return *store; }
  // Who acts, for the audit: the user, "api", the client's address.
  store::Actor Actor(std::string reason = {}) const;
  core::Result<std::shared_ptr<const core::MetadataBundle>> Metadata();
  // The metadata with its lookups, read once for the call.
  core::Result<std::shared_ptr<const fbr::Directory>> Directory();
  // What the signed-in user sees of the pyramid (signed-in routes only).
  core::Result<const fbr::Sight*> Sight();
  auth::Authenticator& authenticator() { return api.authenticator_; }
  const ApiOptions& options() const { return api.options_; }
  Metrics* metrics() const { return api.metrics_; }
  store::StorePool& pool() const { return api.pool_; }
  // This server's job runner, or null when it runs none.
  fbr::JobRunner* jobs() const { return api.jobs_.get(); }
  const std::string& Path(std::string_view name) const;

  // Read once for the call (Directory(), Sight()).
  std::shared_ptr<const fbr::Directory> directory_;
  std::optional<fbr::Sight> sight_;
};

struct Api::Route {
  enum class Who { kAnyone, kSignedIn };
  enum class Body { kSmall, kImport };
  std::string_view method;
  std::string_view pattern;
  Who who;
  Body body;
  core::Result<Response> (*answer)(Call&);
  // A DHIS2-compatible route: errors in DHIS2's WebMessage shape ("httpStatus": "Conflict",
  // "httpStatusCode": 409, "status": "ERROR", "message", with Keneya's fields beside), in English
  // unless the request asks for French, as DHIS2's clients expect.
  bool dhis2 = false;
};

// A JSON response.
Response JsonResponse(int status, const Json& body);
// An org unit as lists name it: {"id", "code", "name"}; null for none.
Json BriefUnit(const core::OrgUnit* unit);
// A payment as an invoice's payments page lists it; `numbers`: the facility's invoices' numbers by
// id (an unknown id is null).
Json PaymentJson(const store::PaymentRecord& p, const std::map<int64_t, std::string>& numbers);
// A contract's changes as GET /api/contracts/{id} lists them (terms in the reader's words).
Json ContractHistoryJson(const std::vector<store::ContractChange>& history,
                         core::Language language);
// A run as lists show it (GET /api/runs): its status in the workflow, in words too.
Json RunJson(const store::InvoiceRunRecord& run, core::Language language);
// A path parameter that is a record's id (a positive integer); anything else is an id nothing
// has (NotFound, as for an unknown record).
core::Result<int64_t> PathId(const Api::Call& call, std::string_view name);
// A JSON answer already written as text (JsonText).
Response JsonTextResponse(int status, std::string body);
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

// The query's paging: page (from 1) and pageSize (1 to 1,000, 50 by default).
core::Result<std::pair<int64_t, int64_t>> Paging(const Request& request);
// A page's pager, as DHIS2 writes it: {"page", "pageSize", "total", "pageCount"}.
template <typename T>
Json Pager(const fbr::Page<T>& page) {
  return {{"page", page.page},
          {"pageSize", page.page_size},
          {"total", page.total},
          {"pageCount", std::max<int64_t>(1, (page.total + page.page_size - 1) / page.page_size)}};
}
// A query parameter's text, "" when absent.
std::string QueryText(const Request& request, std::string_view name);
// A file streamed in pieces (Response::pull) and removed once opened: an export written to a
// temporary file. `download` names it for the browser (Content-Disposition; none when empty).
core::Result<Response> FileResponse(const std::string& path, std::string content_type,
                                    const std::string& download);
// A new temporary file's path (created empty, readable by its owner only).
core::Result<std::string> TemporaryFile(std::string_view suffix);
// Removes a temporary file when it goes out of scope, whatever happened (an error, an exception),
// unless it was handed over (FileResponse removes it once opened).
class RemoveOnExit {
 public:
  explicit RemoveOnExit(std::string path) : path_(std::move(path)) {}
  ~RemoveOnExit();
  RemoveOnExit(const RemoveOnExit&) = delete;
  RemoveOnExit& operator=(const RemoveOnExit&) = delete;

 private:
  std::string path_;
};

// The route groups: each adds its routes to the table (api.cc calls them in order).
void AddAccountRoutes(std::vector<Api::Route>& routes);
void AddPlaceRoutes(std::vector<Api::Route>& routes);
void AddEntryRoutes(std::vector<Api::Route>& routes);
void AddPaymentRoutes(std::vector<Api::Route>& routes);
void AddWorkflowRoutes(std::vector<Api::Route>& routes);
void AddSettlementRoutes(std::vector<Api::Route>& routes);
void AddDhis2Routes(std::vector<Api::Route>& routes);

}  // namespace keneya::http

#endif  // KENEYA_HTTP_API_INTERNAL_H_
