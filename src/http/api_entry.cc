// The API's data entry routes: a facility's form for a data set, period and state; one cell
// saved against the version its writer saw (409 with the stored cell when someone else saved
// first); a value's audit trail. Each parses, calls one function of fbr, renders.
#include "core/timestamp.h"
#include "fbr/data_entry.h"
#include "http/api_internal.h"
#include "io/readable.h"

namespace keneya::http {

using core::Message;
using core::Result;

namespace {

Json CellJson(const fbr::FormCell& cell) {
  Json json = {{"dataElement", cell.element ? cell.element->uid : ""},
               {"categoryOptionCombo", cell.combo ? cell.combo->uid : ""},
               {"version", cell.version()},
               {"value", nullptr},
               {"comment", nullptr},
               {"followup", false},
               {"storedBy", nullptr},
               {"lastUpdated", nullptr}};
  if (cell.value) {
    const core::DataValue& value = *cell.value;
    if (!value.deleted) json["value"] = value.value;
    if (!value.comment.empty()) json["comment"] = value.comment;
    json["followup"] = value.followup;
    if (!value.stored_by.empty()) json["storedBy"] = value.stored_by;
    json["lastUpdated"] = core::FormatTimestamp(value.last_updated);
    json["deleted"] = value.deleted;
  }
  if (cell.compared) json["compared"] = *cell.compared;
  return json;
}

Json StateJson(const core::State& state, core::Language language) {
  return {{"code", state.code},
          {"name", language == core::Language::kFrench ? state.name_fr : state.name_en}};
}

Result<Response> ReadForm(Api::Call& call) {
  KENEYA_ASSIGN_OR_RETURN(const fbr::Sight* sight, call.Sight());
  fbr::FormRequest request;
  request.data_set = QueryText(call.request, "dataSet");
  request.org_unit = QueryText(call.request, "orgUnit");
  request.period = QueryText(call.request, "period");
  if (auto state = call.request.Param("state")) request.state = *state;
  request.attribute_option_combo = QueryText(call.request, "attributeOptionCombo");
  for (const auto& [name, value] :
       {std::pair{"dataSet", &request.data_set}, std::pair{"orgUnit", &request.org_unit},
        std::pair{"period", &request.period}}) {
    if (value->empty()) {
      return core::InvalidArgument(Message("http.query_missing", {{"name", name}}), name);
    }
  }
  KENEYA_ASSIGN_OR_RETURN(fbr::Form form, fbr::ReadForm(call.db(), *sight, request));
  Json cells = Json::array();
  Json elements = Json::array();
  const core::DataElement* previous = nullptr;
  for (const fbr::FormCell& cell : form.cells) {
    cells.push_back(CellJson(cell));
    if (cell.element != previous) {
      previous = cell.element;
      elements.push_back(
          {{"id", cell.element->uid},
           {"code", cell.element->code},
           {"name", cell.element->name},
           {"valueType", std::string(core::ValueTypeName(cell.element->value_type))}});
    }
    Json& last = elements.back();
    if (!last.contains("categoryOptionCombos")) last["categoryOptionCombos"] = Json::array();
    last["categoryOptionCombos"].push_back(
        {{"id", cell.combo ? cell.combo->uid : ""}, {"name", cell.combo ? cell.combo->name : ""}});
  }
  const std::string period = form.period.ToString();
  Json json = {
      {"dataSet", {{"id", form.data_set->uid}, {"name", form.data_set->name}}},
      {"orgUnit", {{"id", form.org_unit->uid}, {"name", form.org_unit->name}}},
      {"period", period},
      {"periodLabel", io::PeriodLabel(period, call.language)},
      {"state", StateJson(form.state, call.language)},
      {"comparedState",
       form.compared_state ? StateJson(*form.compared_state, call.language) : Json(nullptr)},
      {"attributeOptionCombo", form.attribute_option_combo->uid},
      {"editable", form.editable},
      {"status", std::string(fbr::PeriodStatusCode(form.status))},
      {"dataElements", elements},
      {"cells", cells}};
  return JsonResponse(200, json);
}

std::string_view Outcome(const fbr::CellSaved& saved) {
  if (saved.outcome == store::WriteOutcome::kCreated) return "created";
  if (saved.outcome == store::WriteOutcome::kUpdated) return "updated";
  return "unchanged";
}

// A version given as an entity tag: "1707124364000", W/"..." or bare digits.
Result<std::optional<int64_t>> VersionOfTag(std::string_view tag) {
  if (tag.starts_with("W/")) tag.remove_prefix(2);
  if (tag.size() >= 2 && tag.front() == '"' && tag.back() == '"')
    tag = tag.substr(1, tag.size() - 2);
  int64_t version = 0;
  if (tag.empty() || tag.size() > 18 ||
      !std::all_of(tag.begin(), tag.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    return core::InvalidArgument(Message("http.bad_if_match", {{"value", tag}}), "If-Match");
  }
  for (char c : tag) version = version * 10 + (c - '0');
  return std::optional<int64_t>(version);
}

// The cell a body or a query names.
Result<fbr::CellRef> CellFromBody(const Json& body) {
  fbr::CellRef ref;
  KENEYA_ASSIGN_OR_RETURN(ref.data_element, RequiredString(body, "dataElement"));
  KENEYA_ASSIGN_OR_RETURN(ref.org_unit, RequiredString(body, "orgUnit"));
  KENEYA_ASSIGN_OR_RETURN(ref.period, RequiredString(body, "period"));
  KENEYA_ASSIGN_OR_RETURN(auto coc, OptionalString(body, "categoryOptionCombo"));
  KENEYA_ASSIGN_OR_RETURN(auto aoc, OptionalString(body, "attributeOptionCombo"));
  KENEYA_ASSIGN_OR_RETURN(auto state, OptionalString(body, "state"));
  ref.category_option_combo = coc.value_or("");
  ref.attribute_option_combo = aoc.value_or("");
  if (state) ref.state = *state;
  return ref;
}

Result<Response> SaveValue(Api::Call& call) {
  KENEYA_ASSIGN_OR_RETURN(const fbr::Sight* sight, call.Sight());
  KENEYA_ASSIGN_OR_RETURN(Json body, JsonBody(call));
  fbr::CellWrite write;
  KENEYA_ASSIGN_OR_RETURN(write.cell, CellFromBody(body));
  KENEYA_ASSIGN_OR_RETURN(write.value, OptionalString(body, "value"));
  KENEYA_ASSIGN_OR_RETURN(auto comment, OptionalString(body, "comment"));
  write.comment = comment.value_or("");
  if (auto it = body.find("followup"); it != body.end() && !it->is_null()) {
    if (!it->is_boolean()) {
      return core::InvalidArgument(Message("http.field_not_boolean", {{"field", "followup"}}),
                                   "body.followup");
    }
    write.followup = it->get<bool>();
  }
  KENEYA_ASSIGN_OR_RETURN(auto version, OptionalInteger(body, "version"));
  // The version as HTTP says it, an entity tag: `If-Match: "1707124364000"`; a stale one is a
  // failed precondition (412) rather than a conflict.
  const std::string& if_match = call.request.Header("if-match");
  if (!if_match.empty()) {
    KENEYA_ASSIGN_OR_RETURN(version, VersionOfTag(if_match));
  }
  if (!version) {
    return core::InvalidArgument(Message("http.field_missing", {{"field", "version"}}),
                                 "body.version");
  }
  write.version = *version;
  KENEYA_ASSIGN_OR_RETURN(auto reason, OptionalString(body, "reason"));
  KENEYA_ASSIGN_OR_RETURN(fbr::CellSaved saved,
                          fbr::SaveCell(call.db(), *sight, write, call.Actor(reason.value_or(""))));
  if (saved.conflict) {
    Response r = ErrorResponse(
        if_match.empty()
            ? core::Conflict(Message("store.value_changed"), Message("store.data_value_place"))
            : core::FailedPrecondition(Message("store.value_changed"),
                                       Message("store.data_value_place")),
        call.language);
    Json json = Json::parse(r.body);
    json["cell"] = CellJson(saved.cell);
    r.body = json.dump(-1, ' ', false, Json::error_handler_t::replace);
    r.headers.emplace_back("ETag", "\"" + std::to_string(saved.cell.version()) + "\"");
    return r;
  }
  Response r = JsonResponse(200, {{"outcome", Outcome(saved)}, {"cell", CellJson(saved.cell)}});
  r.headers.emplace_back("ETag", "\"" + std::to_string(saved.cell.version()) + "\"");
  return r;
}

// POST /api/forms: {"orgUnit", "period", "state", "attributeOptionCombo"?, "reason"?,
//  "cells": [{"dataElement", "categoryOptionCombo"?, "value", "comment"?, "followup"?,
//  "version"}]}: every cell saved or reported.
Result<Response> SaveFormCells(Api::Call& call) {
  KENEYA_ASSIGN_OR_RETURN(const fbr::Sight* sight, call.Sight());
  KENEYA_ASSIGN_OR_RETURN(Json body, JsonBody(call));
  fbr::FormWrite form;
  KENEYA_ASSIGN_OR_RETURN(form.org_unit, RequiredString(body, "orgUnit"));
  KENEYA_ASSIGN_OR_RETURN(form.period, RequiredString(body, "period"));
  KENEYA_ASSIGN_OR_RETURN(auto state, OptionalString(body, "state"));
  if (state) form.state = *state;
  KENEYA_ASSIGN_OR_RETURN(auto aoc, OptionalString(body, "attributeOptionCombo"));
  form.attribute_option_combo = aoc.value_or("");
  auto cells = body.find("cells");
  if (cells == body.end() || !cells->is_array()) {
    return core::InvalidArgument(Message("http.field_not_list", {{"field", "cells"}}),
                                 "body.cells");
  }
  for (size_t i = 0; i < cells->size(); ++i) {
    const Json& item = (*cells)[i];
    const std::string where = "body.cells[" + std::to_string(i) + "]";
    if (!item.is_object()) {
      return core::InvalidArgument(Message("http.field_not_object", {{"field", where}}), where);
    }
    fbr::CellWrite write;
    auto element = OptionalString(item, "dataElement");
    if (!element.ok() || !*element) {
      return core::InvalidArgument(Message("http.field_missing", {{"field", "dataElement"}}),
                                   where + ".dataElement");
    }
    write.cell.data_element = **element;
    KENEYA_ASSIGN_OR_RETURN(auto coc, OptionalString(item, "categoryOptionCombo"));
    write.cell.category_option_combo = coc.value_or("");
    KENEYA_ASSIGN_OR_RETURN(write.value, OptionalString(item, "value"));
    KENEYA_ASSIGN_OR_RETURN(auto comment, OptionalString(item, "comment"));
    write.comment = comment.value_or("");
    write.followup = item.value("followup", false);
    KENEYA_ASSIGN_OR_RETURN(auto version, OptionalInteger(item, "version"));
    if (!version) {
      return core::InvalidArgument(Message("http.field_missing", {{"field", "version"}}),
                                   where + ".version");
    }
    write.version = *version;
    form.cells.push_back(std::move(write));
  }
  KENEYA_ASSIGN_OR_RETURN(auto reason, OptionalString(body, "reason"));
  KENEYA_ASSIGN_OR_RETURN(std::vector<fbr::CellResult> results,
                          fbr::SaveForm(call.db(), *sight, form, call.Actor(reason.value_or(""))));
  Json out = Json::array();
  int64_t saved = 0, conflicts = 0, refused = 0;
  for (const fbr::CellResult& result : results) {
    Json item = {{"dataElement", result.cell.data_element},
                 {"categoryOptionCombo", result.cell.category_option_combo}};
    if (result.error) {
      ++refused;
      item["outcome"] = "refused";
      item["error"] = {{"code", core::ErrorCodeName(result.error->code)},
                       {"message_id", result.error->text.id()},
                       {"message", core::Describe(*result.error, call.language)}};
    } else if (result.saved->conflict) {
      ++conflicts;
      item["outcome"] = "conflict";
      item["cell"] = CellJson(result.saved->cell);
    } else {
      ++saved;
      item["outcome"] = Outcome(*result.saved);
      item["cell"] = CellJson(result.saved->cell);
    }
    out.push_back(std::move(item));
  }
  return JsonResponse(
      200, {{"saved", saved}, {"conflicts", conflicts}, {"refused", refused}, {"cells", out}});
}

Result<Response> ValueHistory(Api::Call& call) {
  KENEYA_ASSIGN_OR_RETURN(const fbr::Sight* sight, call.Sight());
  fbr::CellRef ref;
  ref.data_element = QueryText(call.request, "dataElement");
  ref.org_unit = QueryText(call.request, "orgUnit");
  ref.period = QueryText(call.request, "period");
  ref.category_option_combo = QueryText(call.request, "categoryOptionCombo");
  ref.attribute_option_combo = QueryText(call.request, "attributeOptionCombo");
  if (auto state = call.request.Param("state")) ref.state = *state;
  for (const auto& [name, value] :
       {std::pair{"dataElement", &ref.data_element}, std::pair{"orgUnit", &ref.org_unit},
        std::pair{"period", &ref.period}}) {
    if (value->empty()) {
      return core::InvalidArgument(Message("http.query_missing", {{"name", name}}), name);
    }
  }
  KENEYA_ASSIGN_OR_RETURN(fbr::ValueHistory history, fbr::GetValueHistory(call.db(), *sight, ref));
  Json changes = Json::array();
  for (const store::AuditEntry& entry : history.changes) {
    Json change = {{"action", std::string(store::AuditActionName(entry.action))},
                   {"at", core::FormatTimestamp(entry.at)},
                   {"user", entry.user},
                   {"source", entry.source},
                   {"reason", entry.reason},
                   {"oldValue", entry.old_value ? Json(*entry.old_value) : Json(nullptr)},
                   {"newValue", entry.new_value ? Json(*entry.new_value) : Json(nullptr)},
                   {"oldComment", entry.old_comment},
                   {"newComment", entry.new_comment}};
    if (entry.import_id != 0) change["import"] = entry.import_id;
    changes.push_back(change);
  }
  Json json = {{"cell", CellJson(history.cell)}, {"changes", changes}, {"imported", nullptr}};
  if (history.imported) {
    const store::ImportRecord& import = *history.imported;
    json["imported"] = {{"id", import.id},
                        {"user", import.user},
                        {"source", import.source},
                        {"kind", import.kind},
                        {"at", core::FormatTimestamp(import.started)}};
  }
  return JsonResponse(200, json);
}

}  // namespace

void AddEntryRoutes(std::vector<Api::Route>& routes) {
  using Who = Api::Route::Who;
  using Body = Api::Route::Body;
  routes.insert(routes.end(),
                {
                    {"GET", "/api/forms", Who::kSignedIn, Body::kSmall, ReadForm},
                    {"PUT", "/api/values", Who::kSignedIn, Body::kSmall, SaveValue},
                    {"POST", "/api/forms", Who::kSignedIn, Body::kSmall, SaveFormCells},
                    {"GET", "/api/values/history", Who::kSignedIn, Body::kSmall, ValueHistory},
                });
}

}  // namespace keneya::http
