// The API's account routes: users, roles, passwords, API tokens and the account audit. Each
// parses the request, calls one function of auth (which checks who may do it) and renders.
#include <algorithm>

#include "auth/accounts.h"
#include "core/timestamp.h"
#include "fbr/audit.h"
#include "http/api_internal.h"

namespace keneya::http {

using core::Message;
using core::Result;

namespace {

Json AccountJson(const auth::UserAccount& account, const core::MetadataBundle& metadata) {
  Json roles = Json::array();
  for (const store::RoleGrantRecord& grant : account.grants) {
    std::optional<auth::ScopeKind> kind = auth::ParseScopeKind(grant.scope_kind);
    roles.push_back(
        {{"role", grant.role},
         {"scope",
          {{"kind", grant.scope_kind},
           {"id", grant.scope_uid},
           {"name", kind ? auth::ScopeName({*kind, grant.scope_uid}, metadata) : grant.scope_uid}}},
         {"granted", core::FormatTimestamp(grant.granted)},
         {"grantedBy", grant.granted_by}});
  }
  return {{"username", account.user.name},
          {"name", account.user.full_name},
          {"email", account.user.email},
          {"language", account.user.language},
          {"disabled", account.user.disabled},
          {"hasPassword", account.has_password},
          {"created", core::FormatTimestamp(account.user.created)},
          {"roles", roles}};
}

Json TokenJson(const store::ApiTokenRecord& token) {
  Json json = {{"id", token.id},
               {"name", token.name},
               {"prefix", token.prefix},
               {"created", core::FormatTimestamp(token.created)},
               {"createdBy", token.created_by},
               {"expires", core::FormatTimestamp(token.expires)},
               {"lastUsed", nullptr},
               {"revoked", nullptr}};
  if (token.last_used) json["lastUsed"] = core::FormatTimestamp(*token.last_used);
  if (token.revoked) json["revoked"] = core::FormatTimestamp(*token.revoked);
  return json;
}

// A grant from {"role": "district_team", "scope": "DS_SEGOU" | "group:ZONE_..."}.
Result<auth::Grant> GrantFrom(const Json& body, const core::MetadataBundle& metadata) {
  KENEYA_ASSIGN_OR_RETURN(std::string role_code, RequiredString(body, "role"));
  KENEYA_ASSIGN_OR_RETURN(std::string scope_text, RequiredString(body, "scope"));
  std::optional<auth::Role> role = auth::ParseRole(role_code);
  if (!role) {
    return core::InvalidArgument(Message("http.unknown_role", {{"role", role_code}}), "body.role");
  }
  KENEYA_ASSIGN_OR_RETURN(auth::Scope scope, auth::ParseScope(scope_text, metadata));
  return auth::Grant{*role, scope};
}

Result<Response> ListUsers(Api::Call& call) {
  KENEYA_ASSIGN_OR_RETURN(auto metadata, call.Metadata());
  KENEYA_ASSIGN_OR_RETURN(std::vector<auth::UserAccount> users,
                          auth::ListUsers(call.db(), call.principal()));
  Json list = Json::array();
  for (const auth::UserAccount& account : users) list.push_back(AccountJson(account, *metadata));
  return JsonResponse(200, {{"users", list}});
}

Result<Response> AddUser(Api::Call& call) {
  KENEYA_ASSIGN_OR_RETURN(Json body, JsonBody(call));
  KENEYA_ASSIGN_OR_RETURN(auto metadata, call.Metadata());
  auth::NewUser user;
  KENEYA_ASSIGN_OR_RETURN(user.name, RequiredString(body, "username"));
  KENEYA_ASSIGN_OR_RETURN(std::optional<std::string> full_name, OptionalString(body, "name"));
  KENEYA_ASSIGN_OR_RETURN(std::optional<std::string> email, OptionalString(body, "email"));
  KENEYA_ASSIGN_OR_RETURN(std::optional<std::string> language, OptionalString(body, "language"));
  KENEYA_ASSIGN_OR_RETURN(std::optional<std::string> password, OptionalString(body, "password"));
  user.full_name = full_name.value_or("");
  user.email = email.value_or("");
  user.language = language.value_or("fr");
  user.password = password.value_or("");
  if (auto roles = body.find("roles"); roles != body.end() && !roles->is_null()) {
    if (!roles->is_array()) {
      return core::InvalidArgument(Message("http.field_not_list", {{"field", "roles"}}),
                                   "body.roles");
    }
    for (const Json& grant : *roles) {
      if (!grant.is_object()) {
        return core::InvalidArgument(Message("http.field_not_list", {{"field", "roles"}}),
                                     "body.roles");
      }
      KENEYA_ASSIGN_OR_RETURN(auth::Grant parsed, GrantFrom(grant, *metadata));
      user.grants.push_back(parsed);
    }
  }
  KENEYA_ASSIGN_OR_RETURN(
      auth::UserAccount made,
      auth::AddUser(call.db(), *metadata, call.principal(), user, call.Actor()));
  return JsonResponse(201, AccountJson(made, *metadata));
}

Result<Response> GetUser(Api::Call& call) {
  KENEYA_ASSIGN_OR_RETURN(auto metadata, call.Metadata());
  KENEYA_ASSIGN_OR_RETURN(auth::UserAccount account,
                          auth::GetUser(call.db(), call.principal(), call.Path("name")));
  return JsonResponse(200, AccountJson(account, *metadata));
}

Result<Response> SetPassword(Api::Call& call) {
  KENEYA_ASSIGN_OR_RETURN(Json body, JsonBody(call));
  KENEYA_ASSIGN_OR_RETURN(std::string password, RequiredString(body, "password"));
  KENEYA_ASSIGN_OR_RETURN(std::optional<std::string> current,
                          OptionalString(body, "currentPassword"));
  std::optional<std::string_view> current_view;
  if (current) current_view = *current;
  KENEYA_RETURN_IF_ERROR(auth::SetPassword(call.db(), call.principal(), call.Path("name"), password,
                                           current_view, call.Actor()));
  return JsonResponse(200, {{"status", "ok"}});
}

Result<Response> Disable(Api::Call& call) {
  KENEYA_RETURN_IF_ERROR(
      auth::SetDisabled(call.db(), call.principal(), call.Path("name"), true, call.Actor()));
  return JsonResponse(200, {{"status", "ok"}});
}

Result<Response> Enable(Api::Call& call) {
  KENEYA_RETURN_IF_ERROR(
      auth::SetDisabled(call.db(), call.principal(), call.Path("name"), false, call.Actor()));
  return JsonResponse(200, {{"status", "ok"}});
}

Result<Response> GrantRole(Api::Call& call) {
  KENEYA_ASSIGN_OR_RETURN(Json body, JsonBody(call));
  KENEYA_ASSIGN_OR_RETURN(auto metadata, call.Metadata());
  KENEYA_ASSIGN_OR_RETURN(auth::Grant grant, GrantFrom(body, *metadata));
  KENEYA_RETURN_IF_ERROR(auth::GrantRole(call.db(), *metadata, call.principal(), call.Path("name"),
                                         grant, call.Actor()));
  KENEYA_ASSIGN_OR_RETURN(auth::UserAccount account,
                          auth::GetUser(call.db(), call.principal(), call.Path("name")));
  return JsonResponse(200, AccountJson(account, *metadata));
}

Result<Response> RevokeRole(Api::Call& call) {
  KENEYA_ASSIGN_OR_RETURN(Json body, JsonBody(call));
  KENEYA_ASSIGN_OR_RETURN(auto metadata, call.Metadata());
  KENEYA_ASSIGN_OR_RETURN(auth::Grant grant, GrantFrom(body, *metadata));
  KENEYA_RETURN_IF_ERROR(
      auth::RevokeRole(call.db(), call.principal(), call.Path("name"), grant, call.Actor()));
  KENEYA_ASSIGN_OR_RETURN(auth::UserAccount account,
                          auth::GetUser(call.db(), call.principal(), call.Path("name")));
  return JsonResponse(200, AccountJson(account, *metadata));
}

Result<Response> ListTokens(Api::Call& call) {
  KENEYA_ASSIGN_OR_RETURN(std::vector<store::ApiTokenRecord> tokens,
                          auth::ListTokens(call.db(), call.principal(), call.Path("name")));
  Json list = Json::array();
  for (const store::ApiTokenRecord& token : tokens) list.push_back(TokenJson(token));
  return JsonResponse(200, {{"tokens", list}});
}

Result<Response> CreateToken(Api::Call& call) {
  KENEYA_ASSIGN_OR_RETURN(Json body, JsonBody(call));
  KENEYA_ASSIGN_OR_RETURN(std::string name, RequiredString(body, "name"));
  KENEYA_ASSIGN_OR_RETURN(std::optional<int64_t> days, OptionalInteger(body, "days"));
  if (days && (*days < 1 || *days > 730)) {
    return core::InvalidArgument(Message("auth.bad_token_days", {{"days", *days}}), "body.days");
  }
  KENEYA_ASSIGN_OR_RETURN(auth::NewToken made,
                          auth::CreateToken(call.db(), call.principal(), call.Path("name"), name,
                                            static_cast<int>(days.value_or(90)), call.Actor()));
  Json json = TokenJson(made.record);
  json["token"] = made.token;  // shown once
  return JsonResponse(201, json);
}

Result<Response> RevokeToken(Api::Call& call) {
  const std::string& id_text = call.Path("id");
  int64_t id = 0;
  for (char c : id_text) {
    if (c < '0' || c > '9' || id > 1'000'000'000'000LL) {
      return core::NotFound(Message("store.no_token", {{"id", id_text}}), "token");
    }
    id = id * 10 + (c - '0');
  }
  KENEYA_RETURN_IF_ERROR(auth::RevokeToken(call.db(), call.principal(), id, call.Actor()));
  return JsonResponse(200, {{"status", "ok"}});
}

Result<Response> AccountAudit(Api::Call& call) {
  KENEYA_RETURN_IF_ERROR(auth::Authorize(call.principal(), auth::Resource::kAccountAudit,
                                         auth::Action::kRead, nullptr));
  store::AuthEventQuery query;
  query.subject = call.request.Param("subject").value_or("");
  query.actor = call.request.Param("actor").value_or("");
  query.action = call.request.Param("action").value_or("");
  KENEYA_ASSIGN_OR_RETURN(query.limit, QueryInteger(call.request, "pageSize", 50, 1000));
  KENEYA_ASSIGN_OR_RETURN(query.before_id,
                          QueryInteger(call.request, "before", 0, int64_t{1} << 53));
  KENEYA_ASSIGN_OR_RETURN(std::vector<store::AuthEvent> events, call.db().AuthEvents(query));
  Json list = Json::array();
  for (const store::AuthEvent& e : events) {
    list.push_back({{"id", e.id},
                    {"at", core::FormatTimestamp(e.at)},
                    {"actor", e.actor},
                    {"action", e.action},
                    {"subject", e.subject},
                    {"address", e.address},
                    {"source", e.source},
                    {"detail", e.detail}});
  }
  Json body = {{"events", list}};
  if (static_cast<int64_t>(events.size()) == query.limit) body["next"] = events.back().id;
  return JsonResponse(200, body);
}

// GET /api/audit?kind=payment,run&user=&place=&from=2025-02-01&to=&page=&pageSize=: the audit
// trail of every kind of change the user may read everywhere, newest first.
Result<Response> AuditTrail(Api::Call& call) {
  KENEYA_ASSIGN_OR_RETURN(const fbr::Sight* sight, call.Sight());
  fbr::AuditFilter filter;
  const std::string kinds = QueryText(call.request, "kind");
  for (size_t start = 0; start < kinds.size();) {
    const size_t comma = std::min(kinds.find(',', start), kinds.size());
    if (comma > start) filter.kinds.push_back(kinds.substr(start, comma - start));
    start = comma + 1;
  }
  filter.user = QueryText(call.request, "user");
  filter.place = QueryText(call.request, "place");
  filter.from = QueryText(call.request, "from");
  filter.to = QueryText(call.request, "to");
  KENEYA_ASSIGN_OR_RETURN(filter.page, QueryInteger(call.request, "page", 1, 1000));
  KENEYA_ASSIGN_OR_RETURN(filter.page_size, QueryInteger(call.request, "pageSize", 50, 500));
  KENEYA_ASSIGN_OR_RETURN(fbr::AuditPage page, fbr::FindAudit(call.db(), *sight, filter));
  Json kinds_json = Json::array();
  for (store::AuditKind kind : page.kinds) kinds_json.push_back(fbr::AuditKindCode(kind));
  Json events = Json::array();
  for (const fbr::AuditRow& row : page.rows) {
    const store::AuditEvent& e = row.event;
    Json event = {{"kind", fbr::AuditKindCode(e.kind)},
                  {"id", e.id},
                  {"at", core::FormatTimestamp(e.at)},
                  {"user", e.user},
                  {"source", e.source},
                  {"address", e.address},
                  {"action", e.action},
                  {"before", e.before},
                  {"after", e.after},
                  {"reason", e.reason},
                  {"place", row.place != nullptr ? BriefUnit(row.place) : Json(nullptr)},
                  {"subject", e.subject}};
    if (e.period != 0) {
      auto period = core::Period::FromCode(e.period);
      event["period"] = period.ok() ? Json(period->ToString()) : Json(nullptr);
    }
    if (row.data_element != nullptr) {
      event["dataElement"] = {{"id", row.data_element->uid}, {"name", row.data_element->name}};
      event["state"] = row.state;
    }
    if (row.data_set != nullptr) {
      event["dataSet"] = {{"id", row.data_set->uid}, {"name", row.data_set->name}};
    }
    if (e.run != 0) event["run"] = e.run;
    events.push_back(std::move(event));
  }
  return JsonResponse(200, {{"kinds", kinds_json},
                            {"page", page.page},
                            {"pageSize", page.page_size},
                            {"more", page.more},
                            {"events", events}});
}

}  // namespace

void AddAccountRoutes(std::vector<Api::Route>& routes) {
  using Who = Api::Route::Who;
  using Body = Api::Route::Body;
  routes.insert(
      routes.end(),
      {
          {"GET", "/api/users", Who::kSignedIn, Body::kSmall, ListUsers},
          {"POST", "/api/users", Who::kSignedIn, Body::kSmall, AddUser},
          {"GET", "/api/users/{name}", Who::kSignedIn, Body::kSmall, GetUser},
          {"POST", "/api/users/{name}/password", Who::kSignedIn, Body::kSmall, SetPassword},
          {"POST", "/api/users/{name}/disable", Who::kSignedIn, Body::kSmall, Disable},
          {"POST", "/api/users/{name}/enable", Who::kSignedIn, Body::kSmall, Enable},
          {"POST", "/api/users/{name}/roles", Who::kSignedIn, Body::kSmall, GrantRole},
          {"DELETE", "/api/users/{name}/roles", Who::kSignedIn, Body::kSmall, RevokeRole},
          {"GET", "/api/users/{name}/tokens", Who::kSignedIn, Body::kSmall, ListTokens},
          {"POST", "/api/users/{name}/tokens", Who::kSignedIn, Body::kSmall, CreateToken},
          {"DELETE", "/api/tokens/{id}", Who::kSignedIn, Body::kSmall, RevokeToken},
          {"GET", "/api/audit/accounts", Who::kSignedIn, Body::kSmall, AccountAudit},
          {"GET", "/api/audit", Who::kSignedIn, Body::kSmall, AuditTrail},
      });
}

}  // namespace keneya::http
