// The API's routes over the pyramid and the metadata: org units (found, one with its ancestors
// and children), a facility's card, data sets and data elements. Each parses the request, calls
// one function of fbr (which checks what the user may see) and renders.
#include <map>

#include "core/timestamp.h"
#include "fbr/payments.h"
#include "fbr/workflow.h"
#include "http/api_internal.h"
#include "io/readable.h"

namespace keneya::http {

using core::Message;
using core::Result;

namespace {

Json Brief(const core::OrgUnit& unit) {
  return {{"id", unit.uid}, {"code", unit.code}, {"name", unit.name}, {"level", unit.level}};
}

Json PlaceJson(const fbr::PlaceRow& row) {
  const core::OrgUnit& unit = *row.unit;
  Json json = Brief(unit);
  json["inScope"] = row.in_scope;
  json["childCount"] = row.children;
  json["parent"] = unit.parent_uid.empty() ? Json(nullptr) : Json(unit.parent_uid);
  if (row.in_scope) {
    json["type"] = std::string(core::OrgUnitTypeCode(unit.type));
    json["shortName"] = unit.short_name;
    json["path"] = unit.path;
    if (unit.coordinates) {
      json["coordinates"] = {{"latitude", unit.coordinates->latitude},
                             {"longitude", unit.coordinates->longitude}};
    }
    if (unit.opening_date) json["openingDate"] = unit.opening_date->ToString();
    if (unit.closing_date) json["closingDate"] = unit.closing_date->ToString();
  }
  return json;
}

Json DetailJson(const fbr::PlaceDetail& detail) {
  Json json = PlaceJson(detail.place);
  Json ancestors = Json::array();
  for (const core::OrgUnit* unit : detail.ancestors) ancestors.push_back(Brief(*unit));
  json["ancestors"] = ancestors;
  Json children = Json::array();
  for (const fbr::PlaceRow& row : detail.children) children.push_back(PlaceJson(row));
  json["children"] = children;
  Json groups = Json::array();
  for (const core::OrgUnitGroup* group : detail.groups) {
    groups.push_back({{"id", group->uid}, {"code", group->code}, {"name", group->name}});
  }
  json["groups"] = groups;
  return json;
}

Result<Response> FindOrgUnits(Api::Call& call) {
  KENEYA_ASSIGN_OR_RETURN(const fbr::Sight* sight, call.Sight());
  fbr::OrgUnitQuery query;
  query.parent = QueryText(call.request, "parent");
  query.within = QueryText(call.request, "within");
  query.type = QueryText(call.request, "type");
  query.text = QueryText(call.request, "q");
  if (call.request.Param("level")) {
    KENEYA_ASSIGN_OR_RETURN(int64_t level, QueryInteger(call.request, "level", 1, 10));
    query.level = static_cast<int>(level);
  }
  KENEYA_ASSIGN_OR_RETURN(std::tie(query.page, query.page_size), Paging(call.request));
  KENEYA_ASSIGN_OR_RETURN(fbr::Page<fbr::PlaceRow> page, fbr::FindOrgUnits(*sight, query));
  Json items = Json::array();
  for (const fbr::PlaceRow& row : page.items) items.push_back(PlaceJson(row));
  return JsonResponse(200, {{"pager", Pager(page)}, {"orgUnits", items}});
}

// GET /api/org-unit-groups: the groups a role's scope may be.
Result<Response> OrgUnitGroups(Api::Call& call) {
  KENEYA_ASSIGN_OR_RETURN(const fbr::Sight* sight, call.Sight());
  Json groups = Json::array();
  for (const core::OrgUnitGroup* group : fbr::OrgUnitGroups(*sight)) {
    groups.push_back({{"id", group->uid}, {"code", group->code}, {"name", group->name}});
  }
  return JsonResponse(200, {{"groups", groups}});
}

Result<Response> GetOrgUnit(Api::Call& call) {
  KENEYA_ASSIGN_OR_RETURN(const fbr::Sight* sight, call.Sight());
  KENEYA_ASSIGN_OR_RETURN(fbr::PlaceDetail detail, fbr::GetOrgUnit(*sight, call.Path("id")));
  return JsonResponse(200, DetailJson(detail));
}

Result<Response> FacilityCard(Api::Call& call) {
  KENEYA_ASSIGN_OR_RETURN(const fbr::Sight* sight, call.Sight());
  std::optional<core::Period> last;
  if (std::optional<std::string> text = call.request.Param("period")) {
    auto period = core::Period::Parse(*text);
    if (!period.ok() || period->type() != core::PeriodType::kMonthly) {
      return core::InvalidArgument(Message("http.want_month", {{"text", *text}}), "period");
    }
    last = *period;
  }
  KENEYA_ASSIGN_OR_RETURN(int64_t months, QueryInteger(call.request, "months", 12, 60));
  KENEYA_ASSIGN_OR_RETURN(fbr::FacilityCard card,
                          fbr::GetFacilityCard(call.db(), *sight, call.Path("id"), last,
                                               static_cast<int>(months), call.language));
  Json json = DetailJson(card.place);
  if (card.contracts_shown) {
    Json contracts = Json::array();
    for (const fbr::ContractLine& line : card.contracts) {
      const store::Contract& c = line.contract;
      contracts.push_back({{"id", c.id},
                           {"program", c.program_code},
                           {"programName", line.program_name},
                           {"start", c.start.ToString()},
                           {"end", c.end ? Json(c.end->ToString()) : Json(nullptr)},
                           {"equityCategory", c.equity_category},
                           {"status", std::string(store::ContractStatusCode(c.status))},
                           {"history", ContractHistoryJson(line.history, call.language)}});
    }
    json["contracts"] = contracts;
  }
  if (card.data_shown) {
    Json months_json = Json::array();
    for (const fbr::MonthOfData& month : card.months) {
      Json gaps = Json::array();
      for (const fbr::MonthOfData::Gap& gap : month.gaps) {
        gaps.push_back({{"dataElement", gap.element ? gap.element->uid : ""},
                        {"name", gap.element ? gap.element->name : ""},
                        {"categoryOptionCombo", gap.combo ? gap.combo->uid : ""},
                        {"declared", gap.declared},
                        {"verified", gap.verified}});
      }
      Json steps = Json::array();
      for (const fbr::MonthOfData::Step& step : month.steps) {
        const auto status = fbr::ParsePeriodStatus(step.status);
        steps.push_back(
            {{"dataSet", step.data_set->uid},
             {"status", step.status},
             {"statusLabel",
              status ? core::Render(fbr::PeriodStatusText(*status), call.language) : step.status}});
      }
      months_json.push_back({{"period", month.period.ToString()},
                             {"label", io::PeriodLabel(month.period.ToString(), call.language)},
                             {"declared", month.declared},
                             {"verified", month.verified},
                             {"validated", month.validated},
                             {"other", month.other},
                             {"gaps", gaps},
                             {"steps", steps}});
    }
    json["months"] = months_json;
  }
  if (card.invoices_shown) {
    Json invoices = Json::array();
    for (const fbr::FacilityInvoice& line : card.invoices) {
      const std::string period = core::Period::FromCode(line.run.period).ok()
                                     ? core::Period::FromCode(line.run.period)->ToString()
                                     : std::to_string(line.run.period);
      invoices.push_back({{"number", line.invoice.number},
                          {"run", line.run.id},
                          {"program", line.run.program_code},
                          {"period", period},
                          {"periodLabel", io::PeriodLabel(period, call.language)},
                          {"runStatus", line.run.status},
                          {"total", line.invoice.total}});
    }
    json["invoices"] = invoices;
    Json quarters = Json::array();
    for (const fbr::FacilityQuarter& q : card.quality.quarters) {
      quarters.push_back({{"period", q.period.ToString()},
                          {"periodLabel", io::PeriodLabel(q.period.ToString(), call.language)},
                          {"invoice", q.invoice},
                          {"total", q.total},
                          {"score", q.score ? Json(*q.score) : Json(nullptr)}});
    }
    json["quality"] = {{"scoreLabel", card.quality.score_label}, {"quarters", quarters}};
  }
  if (card.ledger) {
    std::map<int64_t, std::string> numbers;
    for (const fbr::InvoiceStanding& s : card.ledger->invoices)
      numbers[s.invoice.id] = s.invoice.number;
    Json standings = Json::array();
    int64_t due = 0, to_recover = 0;
    for (const fbr::InvoiceStanding& s : card.ledger->invoices) {
      if (s.state == fbr::PaymentState::kUnpaid || s.state == fbr::PaymentState::kPartlyPaid) {
        due += s.balance;
      } else if (s.state == fbr::PaymentState::kToRecover) {
        to_recover -= s.balance;
      }
      auto period = core::Period::FromCode(s.run.period);
      const std::string text = period.ok() ? period->ToString() : std::to_string(s.run.period);
      standings.push_back(
          {{"number", s.invoice.number},
           {"period", text},
           {"periodLabel", io::PeriodLabel(text, call.language)},
           {"runStatus", s.run_status},
           {"total", s.invoice.total},
           {"paid", s.paid},
           {"balance", s.balance},
           {"state", fbr::PaymentStateCode(s.state)},
           {"stateLabel", core::Render(fbr::PaymentStateText(s.state), call.language)}});
    }
    Json payments = Json::array();
    for (const store::PaymentRecord& p : card.ledger->payments) {
      payments.push_back(PaymentJson(p, numbers));
    }
    json["payments"] = {
        {"due", due}, {"toRecover", to_recover}, {"invoices", standings}, {"payments", payments}};
  }
  return JsonResponse(200, json);
}

Json DataElementJson(const core::DataElement& element) {
  Json json = {{"id", element.uid},
               {"code", element.code},
               {"name", element.name},
               {"shortName", element.short_name},
               {"valueType", std::string(core::ValueTypeName(element.value_type))},
               {"categoryCombo", element.category_combo_uid.empty()
                                     ? std::string(core::kDefaultCategoryComboUid)
                                     : element.category_combo_uid}};
  if (!element.option_set_uid.empty()) json["optionSet"] = element.option_set_uid;
  return json;
}

Result<Response> DataElements(Api::Call& call) {
  KENEYA_RETURN_IF_ERROR(
      auth::Authorize(call.principal(), auth::Resource::kMetadata, auth::Action::kRead, nullptr));
  KENEYA_ASSIGN_OR_RETURN(auto directory, call.Directory());
  KENEYA_ASSIGN_OR_RETURN(auto paging, Paging(call.request));
  const std::string text = fbr::FoldForSearch(QueryText(call.request, "q"));
  std::vector<const core::DataElement*> found;
  for (const core::DataElement& element : directory->bundle().data_elements) {
    if (!text.empty() && fbr::FoldForSearch(element.name).find(text) == std::string::npos &&
        fbr::FoldForSearch(element.code).find(text) == std::string::npos) {
      continue;
    }
    found.push_back(&element);
  }
  fbr::Page<const core::DataElement*> page;
  page.page = paging.first;
  page.page_size = paging.second;
  page.total = static_cast<int64_t>(found.size());
  Json items = Json::array();
  for (int64_t i = (page.page - 1) * page.page_size;
       i < page.total && i < page.page * page.page_size; ++i) {
    items.push_back(DataElementJson(*found[static_cast<size_t>(i)]));
  }
  return JsonResponse(200, {{"pager", Pager(page)}, {"dataElements", items}});
}

// A data set; `org_units` counts the org units assigned to it that the user sees.
Json DataSetJson(const core::DataSet& set, const fbr::Sight& sight) {
  int64_t seen = 0;
  for (const std::string& uid : set.org_unit_uids) {
    const core::OrgUnit* unit = sight.directory().OrgUnit(uid);
    if (unit != nullptr && sight.Sees(*unit)) ++seen;
  }
  return {{"id", set.uid},
          {"code", set.code},
          {"name", set.name},
          {"periodType", std::string(core::PeriodTypeName(set.period_type))},
          {"dataElementCount", set.data_element_uids.size()},
          {"orgUnitCount", seen}};
}

Result<Response> DataSets(Api::Call& call) {
  KENEYA_RETURN_IF_ERROR(
      auth::Authorize(call.principal(), auth::Resource::kMetadata, auth::Action::kRead, nullptr));
  KENEYA_ASSIGN_OR_RETURN(auto directory, call.Directory());
  KENEYA_ASSIGN_OR_RETURN(const fbr::Sight* sight, call.Sight());
  Json items = Json::array();
  for (const core::DataSet& set : directory->bundle().data_sets) {
    items.push_back(DataSetJson(set, *sight));
  }
  return JsonResponse(200, {{"dataSets", items}});
}

Result<Response> DataSet(Api::Call& call) {
  KENEYA_RETURN_IF_ERROR(
      auth::Authorize(call.principal(), auth::Resource::kMetadata, auth::Action::kRead, nullptr));
  KENEYA_ASSIGN_OR_RETURN(auto directory, call.Directory());
  const core::DataSet* set = directory->DataSet(call.Path("id"));
  if (set == nullptr) {
    return fbr::UnknownOrUnseen(call.Path("id"), "dataSet");
  }
  KENEYA_ASSIGN_OR_RETURN(const fbr::Sight* sight, call.Sight());
  Json json = DataSetJson(*set, *sight);
  Json elements = Json::array();
  for (const std::string& uid : set->data_element_uids) {
    const core::DataElement* element = directory->DataElement(uid);
    if (element == nullptr) continue;
    Json item = DataElementJson(*element);
    Json combos = Json::array();
    for (const core::CategoryOptionCombo* combo :
         directory->OptionCombos(element->category_combo_uid)) {
      combos.push_back({{"id", combo->uid}, {"name", combo->name}});
    }
    item["categoryOptionCombos"] = combos;
    elements.push_back(item);
  }
  json["dataElements"] = elements;
  return JsonResponse(200, json);
}

}  // namespace

void AddPlaceRoutes(std::vector<Api::Route>& routes) {
  using Who = Api::Route::Who;
  using Body = Api::Route::Body;
  routes.insert(routes.end(),
                {
                    {"GET", "/api/org-units", Who::kSignedIn, Body::kSmall, FindOrgUnits},
                    {"GET", "/api/org-units/{id}", Who::kSignedIn, Body::kSmall, GetOrgUnit},
                    {"GET", "/api/org-unit-groups", Who::kSignedIn, Body::kSmall, OrgUnitGroups},
                    {"GET", "/api/facilities/{id}", Who::kSignedIn, Body::kSmall, FacilityCard},
                    {"GET", "/api/data-elements", Who::kSignedIn, Body::kSmall, DataElements},
                    {"GET", "/api/data-sets", Who::kSignedIn, Body::kSmall, DataSets},
                    {"GET", "/api/data-sets/{id}", Who::kSignedIn, Body::kSmall, DataSet},
                });
}

}  // namespace keneya::http
