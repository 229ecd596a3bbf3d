// The API's routes over programs, contracts, invoice runs, invoices (shown, explained,
// exported as PDF, XLSX or CSV) and simulations. Each parses the request, calls one function of
// fbr (which checks what the user may see and do) and renders.
#include <algorithm>

#include "core/timestamp.h"
#include "fbr/browse.h"
#include "fbr/invoice_json.h"
#include "fbr/invoice_run.h"
#include "fbr/run_approval.h"
#include "fbr/text.h"
#include "http/api_internal.h"
#include "http/json_text.h"
#include "io/readable.h"

namespace keneya::http {

using core::Message;
using core::Result;

namespace {

std::string PeriodText(int32_t code) {
  auto period = core::Period::FromCode(code);
  return period.ok() ? period->ToString() : std::to_string(code);
}

Json ProgramJson(const store::ProgramRecord& p) {
  return {{"code", p.code},
          {"version", p.version},
          {"name", p.name},
          {"validFrom", p.valid_from.ToString()},
          {"validTo", p.valid_to ? Json(p.valid_to->ToString()) : Json(nullptr)},
          {"checksum", p.checksum},
          {"loadedAt", core::FormatTimestamp(p.loaded_at)},
          {"loadedBy", p.loaded_by}};
}

Result<Response> ListPrograms(Api::Call& call) {
  KENEYA_ASSIGN_OR_RETURN(const fbr::Sight* sight, call.Sight());
  KENEYA_ASSIGN_OR_RETURN(auto programs, fbr::ListPrograms(call.db(), *sight));
  Json items = Json::array();
  for (const store::ProgramRecord& p : programs) items.push_back(ProgramJson(p));
  return JsonResponse(200, {{"programs", items}});
}

Result<Response> GetProgram(Api::Call& call) {
  KENEYA_ASSIGN_OR_RETURN(const fbr::Sight* sight, call.Sight());
  const std::string& text = call.Path("version");
  int version = 0;
  const bool number =
      !text.empty() && text.size() < 7 &&
      std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; });
  if (number) version = std::stoi(text);
  if (!number || version < 1) {
    return core::InvalidArgument(Message("http.bad_version", {{"text", text}}), "version");
  }
  KENEYA_ASSIGN_OR_RETURN(fbr::ProgramVersion found,
                          fbr::GetProgramVersion(call.db(), *sight, call.Path("code"), version));
  const store::ProgramRecord& program = found.record;
  Json json = ProgramJson(program);
  Json files = Json::object();
  files[program.toml_name.empty() ? "program.toml" : program.toml_name] = program.toml;
  if (!program.files_json.empty()) {
    Json tables = Json::parse(program.files_json, nullptr, false);
    if (tables.is_object()) {
      for (auto it = tables.begin(); it != tables.end(); ++it) files[it.key()] = it.value();
    }
  }
  json["files"] = files;
  // The rules as read from the files: what the program page lists and lets one edit.
  const bool french = call.language == core::Language::kFrench;
  auto formulas = [](Json& out, const std::vector<rules::FormulaSpec>& specs, const char* level) {
    for (const rules::FormulaSpec& f : specs) {
      out.push_back({{"level", level},
                     {"code", f.code},
                     {"expression", f.expression},
                     {"label", f.label},
                     {"labelEn", f.label_en.empty() ? f.label : f.label_en},
                     {"file", f.place.file},
                     {"line", f.place.line}});
    }
  };
  Json packages = Json::array();
  for (const rules::Package& p : found.rules.packages) {
    Json activities = Json::array();
    for (const rules::Activity& a : p.activities) {
      activities.push_back({{"code", a.code},
                            {"name", a.name},
                            {"dataElement", a.data_element},
                            {"types", a.facility_types}});
    }
    Json list = Json::array();
    formulas(list, p.activity_formulas, "activity");
    formulas(list, p.formulas, "package");
    formulas(list, p.zone_formulas, "zone");
    packages.push_back({{"code", p.code},
                        {"name", french || p.name_en.empty() ? p.name : p.name_en},
                        {"frequency", rules::FrequencyCode(p.frequency)},
                        {"activities", activities},
                        {"formulas", list}});
  }
  Json payments = Json::array();
  for (const rules::PaymentRule& r : found.rules.payments) {
    Json list = Json::array();
    formulas(list, r.formulas, "payment");
    payments.push_back({{"code", r.code},
                        {"name", french || r.name_en.empty() ? r.name : r.name_en},
                        {"frequency", rules::FrequencyCode(r.frequency)},
                        {"packages", r.packages},
                        {"formulas", list}});
  }
  Json problems = Json::array();
  for (const rules::ProgramProblem& problem : found.problems) {
    problems.push_back({{"text", problem.Describe(call.language)}});
  }
  json["rules"] = {{"packages", packages}, {"payments", payments}, {"problems", problems}};
  return JsonResponse(200, json);
}

// The "files" of a program sent in a request: {"programme.toml": "...", "tarifs.csv": "..."},
// each name plain (letters, digits, ".", "_", "-") and ending in .toml or .csv.
Result<std::vector<std::pair<std::string, std::string>>> ProgramFiles(const Api::Call& call) {
  KENEYA_ASSIGN_OR_RETURN(Json body, JsonBody(call));
  const auto files = body.find("files");
  if (files == body.end()) {
    return core::InvalidArgument(Message("http.field_missing", {{"field", "files"}}), "body.files");
  }
  if (!files->is_object()) {
    return core::InvalidArgument(Message("http.field_not_object", {{"field", "files"}}),
                                 "body.files");
  }
  std::vector<std::pair<std::string, std::string>> out;
  for (auto it = files->begin(); it != files->end(); ++it) {
    const std::string& name = it.key();
    const bool plain = !name.empty() && name.size() <= 100 &&
                       std::all_of(name.begin(), name.end(),
                                   [](char c) {
                                     return std::isalnum(static_cast<unsigned char>(c)) ||
                                            c == '.' || c == '_' || c == '-';
                                   }) &&
                       (name.ends_with(".toml") || name.ends_with(".csv"));
    if (!plain) {
      return core::InvalidArgument(Message("http.program_file_name", {{"name", name}}),
                                   "body.files");
    }
    if (!it.value().is_string()) {
      return core::InvalidArgument(Message("http.field_not_text", {{"field", "files." + name}}),
                                   "body.files." + name);
    }
    out.emplace_back(name, it.value().get<std::string>());
  }
  return out;
}

// POST /api/programs/check: the files checked as `keneya program load` would, nothing stored.
Result<Response> CheckProgram(Api::Call& call) {
  KENEYA_ASSIGN_OR_RETURN(const fbr::Sight* sight, call.Sight());
  KENEYA_ASSIGN_OR_RETURN(auto files, ProgramFiles(call));
  KENEYA_ASSIGN_OR_RETURN(fbr::ProgramFilesCheck checked,
                          fbr::CheckProgramFiles(call.db(), *sight, files));
  Json problems = Json::array();
  for (const rules::ProgramProblem& problem : checked.problems) {
    Json place = Json::array();
    for (const core::Message& p : problem.place) place.push_back(core::Render(p, call.language));
    problems.push_back({{"place", place},
                        {"message", core::Render(problem.text, call.language)},
                        {"text", problem.Describe(call.language)}});
  }
  Json answer = {{"ok", checked.problems.empty()}, {"problems", problems}};
  if (checked.record) {
    answer["code"] = checked.record->code;
    answer["version"] = checked.record->version;
  }
  return JsonResponse(200, answer);
}

// POST /api/programs: the files stored as a new version, through the same checks.
Result<Response> SaveProgram(Api::Call& call) {
  KENEYA_ASSIGN_OR_RETURN(const fbr::Sight* sight, call.Sight());
  KENEYA_ASSIGN_OR_RETURN(auto files, ProgramFiles(call));
  KENEYA_ASSIGN_OR_RETURN(store::ProgramRecord saved,
                          fbr::SaveProgramFiles(call.db(), *sight, files, call.Actor()));
  return JsonResponse(201, ProgramJson(saved));
}

Json ContractJson(const fbr::ContractRow& row) {
  const store::Contract& c = row.contract;
  return {{"id", c.id},
          {"facility", BriefUnit(row.facility)},
          {"program", c.program_code},
          {"start", c.start.ToString()},
          {"end", c.end ? Json(c.end->ToString()) : Json(nullptr)},
          {"equityCategory", c.equity_category},
          {"equityExplicit", c.equity_explicit},
          {"status", std::string(store::ContractStatusCode(c.status))},
          {"lastUpdated", core::FormatTimestamp(c.last_updated)}};
}

Result<Response> ListContracts(Api::Call& call) {
  KENEYA_ASSIGN_OR_RETURN(const fbr::Sight* sight, call.Sight());
  fbr::ContractQuery query;
  query.program = QueryText(call.request, "program");
  query.within = QueryText(call.request, "within");
  query.status = QueryText(call.request, "status");
  KENEYA_ASSIGN_OR_RETURN(std::tie(query.page, query.page_size), Paging(call.request));
  KENEYA_ASSIGN_OR_RETURN(auto page, fbr::FindContracts(call.db(), *sight, query));
  Json items = Json::array();
  for (const fbr::ContractRow& row : page.items) items.push_back(ContractJson(row));
  return JsonResponse(200, {{"pager", Pager(page)}, {"contracts", items}});
}

Result<Response> GetContract(Api::Call& call) {
  KENEYA_ASSIGN_OR_RETURN(const fbr::Sight* sight, call.Sight());
  KENEYA_ASSIGN_OR_RETURN(int64_t id, PathId(call, "id"));
  KENEYA_ASSIGN_OR_RETURN(fbr::ContractDetail detail, fbr::GetContract(call.db(), *sight, id));
  Json json = ContractJson(detail.row);
  json["history"] = ContractHistoryJson(detail.history, call.language);
  return JsonResponse(200, json);
}

Result<Response> ListRuns(Api::Call& call) {
  KENEYA_ASSIGN_OR_RETURN(const fbr::Sight* sight, call.Sight());
  KENEYA_ASSIGN_OR_RETURN(auto runs, fbr::ListRuns(call.db(), *sight));
  Json items = Json::array();
  for (const store::InvoiceRunRecord& run : runs) items.push_back(RunJson(run, call.language));
  return JsonResponse(200, {{"runs", items}});
}

Json ZoneJson(const fbr::RunDetail::Zone& zone) {
  Json json = {
      {"orgUnit", BriefUnit(zone.unit)}, {"invoices", zone.invoices}, {"total", zone.total}};
  if (!zone.districts.empty()) {
    Json districts = Json::array();
    for (const fbr::RunDetail::Zone& d : zone.districts) districts.push_back(ZoneJson(d));
    json["districts"] = districts;
  }
  return json;
}

Result<Response> GetRun(Api::Call& call) {
  KENEYA_ASSIGN_OR_RETURN(const fbr::Sight* sight, call.Sight());
  KENEYA_ASSIGN_OR_RETURN(int64_t id, PathId(call, "id"));
  KENEYA_ASSIGN_OR_RETURN(fbr::RunDetail detail, fbr::GetRun(call.db(), *sight, id));
  Json json = RunJson(detail.run, call.language);
  json["programName"] = detail.program_name;
  Json regions = Json::array();
  for (const fbr::RunDetail::Zone& region : detail.regions) regions.push_back(ZoneJson(region));
  json["regions"] = regions;
  Json missing = Json::array();
  for (const core::OrgUnit* unit : detail.missing) missing.push_back(BriefUnit(unit));
  Json suspended = Json::array();
  for (const core::OrgUnit* unit : detail.suspended) suspended.push_back(BriefUnit(unit));
  json["missingFacilities"] = missing;
  json["suspendedFacilities"] = suspended;
  return JsonResponse(200, json);
}

// One published run, as its public page lists it (without its facilities).
Json PublishedJson(const fbr::PublishedRun& published, core::Language language) {
  const store::InvoiceRunRecord& run = published.detail.run;
  const std::string period = PeriodText(run.period);
  Json regions = Json::array();
  for (const fbr::RunDetail::Zone& region : published.detail.regions) {
    regions.push_back(ZoneJson(region));
  }
  return {
      {"run", run.id},
      {"program", run.program_code},
      {"programName", published.detail.program_name},
      {"period", period},
      {"periodLabel", io::PeriodLabel(period, language)},
      {"publishedAt", core::FormatTimestamp(published.published_at)},
      {"catchUpFor", published.catch_up_for == 0 ? Json(nullptr) : Json(published.catch_up_for)},
      {"invoices", run.invoice_count},
      {"total", run.total},
      {"regions", regions}};
}

// GET /api/public/results/{run}: one published run facility by facility, for anyone.
Result<Response> PublicRunResults(Api::Call& call) {
  KENEYA_ASSIGN_OR_RETURN(std::shared_ptr<const fbr::Directory> directory, call.Directory());
  KENEYA_ASSIGN_OR_RETURN(int64_t id, PathId(call, "run"));
  KENEYA_ASSIGN_OR_RETURN(fbr::PublishedRunResults results,
                          fbr::PublishedRunResultsOf(call.db(), *directory, id, call.language));
  Json json = PublishedJson(results.run, call.language);
  json["shownLabels"] = results.shown_labels;
  Json facilities = Json::array();
  for (const fbr::PublishedFacility& row : results.facilities) {
    facilities.push_back({{"facility", BriefUnit(row.facility)},
                          {"district", BriefUnit(row.district)},
                          {"region", BriefUnit(row.region)},
                          {"total", row.total},
                          {"shown", row.shown}});
  }
  json["facilities"] = facilities;
  return JsonResponse(200, json);
}

// GET /api/public/results?program=&period=: what the national unit published, for anyone.
Result<Response> PublicResults(Api::Call& call) {
  KENEYA_ASSIGN_OR_RETURN(std::shared_ptr<const fbr::Directory> directory, call.Directory());
  KENEYA_ASSIGN_OR_RETURN(
      std::vector<fbr::PublishedRun> runs,
      fbr::PublishedResults(call.db(), *directory, QueryText(call.request, "program"),
                            QueryText(call.request, "period")));
  Json items = Json::array();
  for (const fbr::PublishedRun& published : runs) {
    items.push_back(PublishedJson(published, call.language));
  }
  return JsonResponse(200, {{"runs", items}});
}

void AppendBrief(JsonText& out, const core::OrgUnit* unit) {
  if (unit == nullptr) {
    out.Null();
    return;
  }
  out.BeginObject();
  out.Key("code").String(unit->code);
  out.Key("id").String(unit->uid);
  out.Key("name").String(unit->name);
  out.EndObject();
}

// An invoice as lists show it (and the first members of one invoice's answer).
void AppendInvoiceRow(JsonText& out, const fbr::InvoiceListRow& row, core::Language language) {
  const std::string period = PeriodText(row.run.period);
  out.Key("district");
  AppendBrief(out, row.district);
  out.Key("facility");
  AppendBrief(out, row.facility);
  out.Key("facilityType")
      .String(row.facility ? core::OrgUnitTypeCode(row.facility->type) : std::string_view());
  out.Key("number").String(row.invoice.number);
  out.Key("period").String(period);
  out.Key("periodLabel").String(io::PeriodLabel(period, language));
  out.Key("program").String(row.run.program_code);
  out.Key("run").Int(row.run.id);
  out.Key("runStatus").String(row.run.status);
  out.Key("total").Int(row.invoice.total);
}

Result<fbr::InvoiceQuery> InvoiceQueryOf(const Request& request) {
  fbr::InvoiceQuery query;
  if (request.Param("run")) {
    KENEYA_ASSIGN_OR_RETURN(query.run, QueryInteger(request, "run", 0, 999'999'999'999'999'999));
  }
  query.program = QueryText(request, "program");
  query.period = QueryText(request, "period");
  query.within = QueryText(request, "within");
  query.facility_type = QueryText(request, "type");
  query.text = QueryText(request, "q");
  KENEYA_ASSIGN_OR_RETURN(std::tie(query.page, query.page_size), Paging(request));
  return query;
}

Result<Response> ListInvoices(Api::Call& call) {
  KENEYA_ASSIGN_OR_RETURN(const fbr::Sight* sight, call.Sight());
  KENEYA_ASSIGN_OR_RETURN(fbr::InvoiceQuery query, InvoiceQueryOf(call.request));
  KENEYA_ASSIGN_OR_RETURN(auto page, fbr::FindInvoices(call.db(), *sight, query));
  JsonText json;
  json.BeginObject();
  json.Key("invoices").BeginArray();
  int64_t total = 0;
  for (const fbr::InvoiceListRow& row : page.items) {
    json.BeginObject();
    AppendInvoiceRow(json, row, call.language);
    json.EndObject();
    total += row.invoice.total;
  }
  json.EndArray();
  json.Key("pageTotal").Int(total);
  json.Key("pager").Raw(Pager(page).dump());
  json.EndObject();
  return JsonTextResponse(200, json.Take());
}

std::string_view DisplayCode(rules::Display display) {
  switch (display) {
    case rules::Display::kMoney:
      return "money";
    case rules::Display::kPercent:
      return "percent";
    case rules::Display::kNumber:
      return "number";
  }
  return "number";
}

std::string LineLabel(const rules::InvoiceLine& line, core::Language language) {
  if (!line.label_text.empty()) return core::Render(line.label_text, language);
  if (language == core::Language::kEnglish && !line.label_en.empty()) return line.label_en;
  return line.label;
}

// An invoice's packages and lines as members of a JSON object ("lines":[...],"packages":[...]):
// the same view renders the same text.
std::string ViewJson(const fbr::InvoiceView& view, core::Language language) {
  JsonText out;
  out.BeginObject();
  out.Key("lines").BeginArray();
  for (const rules::InvoiceLine& line : view.lines) {
    out.BeginObject();
    out.Key("amount");
    if (line.has_amount) {
      out.Int(line.amount);
    } else {
      out.Null();
    }
    out.Key("code").String(line.code);
    if (line.kind == rules::InvoiceLine::Kind::kActivity) {
      out.Key("columns").BeginArray();
      for (double column : line.columns) out.Number(column);
      out.EndArray();
    }
    out.Key("display").String(DisplayCode(line.display));
    out.Key("kind").String(fbr::InvoiceLineKindName(line.kind));
    out.Key("label").String(LineLabel(line, language));
    if (line.kind == rules::InvoiceLine::Kind::kActivity) out.Key("missing").Bool(line.missing);
    out.Key("package").String(line.package);
    out.Key("period").String(line.period);
    if (line.kind == rules::InvoiceLine::Kind::kInfo) {
      out.Key("shown").String(fbr::FormatValue(line.value, line.display, language));
      out.Key("value").Number(line.value);
    }
    out.EndObject();
  }
  out.EndArray();
  out.Key("packages").BeginArray();
  for (const auto& [code, name] : view.package_names) {
    out.BeginObject();
    out.Key("code").String(code);
    const fbr::InvoiceView::PackageColumns* names = view.ColumnNames(code);
    out.Key("amount").String(names != nullptr ? names->amount : "");
    out.Key("columns").BeginArray();
    if (const auto* titles = view.ColumnTitles(code)) {
      for (size_t i = 0; i < titles->size(); ++i) {
        out.BeginObject();
        out.Key("display").String(DisplayCode(view.ColumnDisplay(code, i)));
        const bool named = names != nullptr && i < names->names.size();
        out.Key("formula").Bool(named && names->formulas[i]);
        out.Key("name").String(named ? names->names[i] : "");
        out.Key("title").String((*titles)[i]);
        out.EndObject();
      }
    }
    out.EndArray();
    out.Key("name").String(name);
    out.EndObject();
  }
  out.EndArray();
  out.EndObject();
  const std::string object = out.Take();
  return object.substr(1, object.size() - 2);
}

void AppendAmounts(JsonText& out, const fbr::InvoiceAmounts& amounts) {
  out.Key("amounts").BeginObject();
  out.Key("cut").Int(amounts.cut);
  out.Key("rounded").Int(amounts.rounded);
  out.Key("total").Int(amounts.total);
  out.EndObject();
}

void AppendSuccessor(JsonText& out, const std::optional<fbr::Successor>& successor) {
  if (!successor) return;
  out.Key("replacedBy").BeginObject();
  out.Key("number");
  if (successor->number.empty()) {
    out.Null();
  } else {
    out.String(successor->number);
  }
  out.Key("run").Int(successor->run);
  out.EndObject();
}

Result<Response> GetInvoice(Api::Call& call) {
  KENEYA_ASSIGN_OR_RETURN(const fbr::Sight* sight, call.Sight());
  KENEYA_ASSIGN_OR_RETURN(fbr::InvoiceDetail detail,
                          fbr::GetInvoice(call.db(), *sight, call.Path("number"), call.language));
  const fbr::InvoiceView& view = *detail.view;
  JsonText json;
  json.BeginObject();
  AppendInvoiceRow(json, detail.row, call.language);
  AppendAmounts(json, detail.amounts);
  json.Key("equity").String(view.equity);
  json.Key("paymentName").String(view.payment_name);
  json.Key("programName").String(view.program_name);
  json.Key("programVersion").Int(view.program_version);
  json.Key("region").String(view.region);
  AppendSuccessor(json, detail.successor);
  json.Key("totalInWords").String(io::AmountInWords(view.total, call.language));
  // The packages and lines, rendered once per view.
  json.Raw(call.api.Rendered(detail.view, [&] { return ViewJson(view, call.language); }));
  json.EndObject();
  return JsonTextResponse(200, json.Take());
}

// An explanation tree as JSON text (JsonText): a payment's tree has a thousand nodes.
void AppendExplanation(JsonText& out, const rules::CompiledProgram::Explanation& e,
                       core::Language language) {
  out.BeginObject();
  out.Key("name").String(e.name);
  out.Key("label").String(e.label);
  out.Key("period").String(e.period);
  out.Key("expression").String(e.expression);
  out.Key("origin").String(e.origin);
  out.Key("display").String(DisplayCode(e.display));
  out.Key("shown").String(fbr::FormatValue(e.value, e.display, language));
  out.Key("value");
  switch (e.value.kind) {
    case rules::Value::Kind::kNumber:
      out.Number(e.value.number);
      break;
    case rules::Value::Kind::kBoolean:
      out.Bool(e.value.boolean);
      break;
    case rules::Value::Kind::kString:
      out.String(e.value.text);
      break;
    case rules::Value::Kind::kArray:
      out.BeginArray();
      for (double number : e.value.array) out.Number(number);
      out.EndArray();
      break;
  }
  out.Key("inputs").BeginArray();
  for (const auto& input : e.inputs) AppendExplanation(out, input, language);
  out.EndArray();
  out.EndObject();
}

Result<Response> ExplainInvoice(Api::Call& call) {
  KENEYA_ASSIGN_OR_RETURN(const fbr::Sight* sight, call.Sight());
  fbr::ExplainRequest request;
  request.formula = QueryText(call.request, "formula");
  request.activity = QueryText(call.request, "activity");
  request.period = QueryText(call.request, "period");
  KENEYA_ASSIGN_OR_RETURN(int64_t depth, QueryInteger(call.request, "depth", 12, 20));
  request.depth = static_cast<int>(depth);
  KENEYA_ASSIGN_OR_RETURN(
      fbr::SharedExplanation shared,
      fbr::ExplainInvoiceFor(call.db(), *sight, call.Path("number"), request, call.language));
  const fbr::InvoiceExplanation& explained = *shared.explained;
  JsonText json;
  json.BeginObject();
  if (explained.amounts) AppendAmounts(json, *explained.amounts);
  // The tree, rendered once per explanation.
  json.Key("explanation").Raw(call.api.Rendered(shared.explained, [&] {
    JsonText text;
    AppendExplanation(text, explained.explanation, call.language);
    return text.Take();
  }));
  json.Key("number").String(call.Path("number"));
  AppendSuccessor(json, shared.successor);
  json.EndObject();
  return JsonTextResponse(200, json.Take());
}

struct Format {
  std::string_view code, content_type;
};
constexpr Format kFormats[] = {
    {"pdf", "application/pdf"},
    {"xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"},
    {"csv", "text/csv; charset=utf-8"},
};

Result<Response> Export(Api::Call& call, fbr::InvoiceExport request, const std::string& name) {
  KENEYA_ASSIGN_OR_RETURN(const fbr::Sight* sight, call.Sight());
  request.format = QueryText(call.request, "format");
  request.language = call.language;
  const Format* format = nullptr;
  for (const Format& f : kFormats) {
    if (f.code == request.format) format = &f;
  }
  if (format == nullptr) {
    return core::InvalidArgument(Message("http.bad_export_format", {{"format", request.format}}),
                                 "format");
  }
  KENEYA_ASSIGN_OR_RETURN(std::string path, TemporaryFile("." + request.format));
  const RemoveOnExit remove(path);
  if (auto written = fbr::ExportInvoices(call.db(), *sight, request, path); !written.ok()) {
    return written.error();
  }
  return FileResponse(path, std::string(format->content_type),
                      name + "." + std::string(format->code));
}

Result<Response> ExportInvoice(Api::Call& call) {
  fbr::InvoiceExport request;
  request.number = call.Path("number");
  return Export(call, request, request.number);
}

Result<Response> ExportRun(Api::Call& call) {
  KENEYA_ASSIGN_OR_RETURN(int64_t id, PathId(call, "id"));
  fbr::InvoiceExport request;
  request.run = id;
  request.within = QueryText(call.request, "within");
  return Export(call, request, "run-" + std::to_string(id));
}

// {"program": "FBR_MALI", "period": "2024Q1", "version": 2, "payment": "",
//  "set": ["tariff[accouchement]=6000"], "envelopes": ["REG_MOPTI=150000000"]}
Result<Response> Simulate(Api::Call& call) {
  KENEYA_ASSIGN_OR_RETURN(const fbr::Sight* sight, call.Sight());
  KENEYA_ASSIGN_OR_RETURN(Json body, JsonBody(call));
  fbr::SimulationRequest request;
  KENEYA_ASSIGN_OR_RETURN(request.program, RequiredString(body, "program"));
  KENEYA_ASSIGN_OR_RETURN(std::string period_text, RequiredString(body, "period"));
  auto period = core::Period::Parse(period_text);
  if (!period.ok()) return core::InvalidArgument(period.error().text, "body.period");
  KENEYA_ASSIGN_OR_RETURN(auto version, OptionalInteger(body, "version"));
  if (version && (*version < 1 || *version > 1'000'000)) {
    return core::InvalidArgument(Message("http.bad_version", {{"text", *version}}), "body.version");
  }
  if (version) request.version = static_cast<int>(*version);
  KENEYA_ASSIGN_OR_RETURN(auto payment, OptionalString(body, "payment"));
  request.payment = payment.value_or("");
  for (const auto& [field, parse] :
       {std::pair{"set", &fbr::ParseSetting}, std::pair{"envelopes", &fbr::ParseEnvelope}}) {
    auto it = body.find(field);
    if (it == body.end() || it->is_null()) continue;
    if (!it->is_array()) {
      return core::InvalidArgument(Message("http.field_not_list", {{"field", field}}),
                                   "body." + std::string(field));
    }
    for (size_t i = 0; i < it->size(); ++i) {
      const Json& item = (*it)[i];
      const std::string where = "body." + std::string(field) + "[" + std::to_string(i) + "]";
      if (!item.is_string()) {
        return core::InvalidArgument(Message("http.field_not_text", {{"field", where}}), where);
      }
      core::Status parsed = parse(item.get<std::string>(), request.overrides);
      if (!parsed.ok()) return core::InvalidArgument(parsed.error().text, where);
    }
  }
  KENEYA_ASSIGN_OR_RETURN(fbr::Simulation simulation,
                          fbr::SimulateFor(call.db(), *sight, *period, request));
  const bool french = call.language == core::Language::kFrench;
  auto packages_json = [&](const std::vector<int64_t>& baseline,
                           const std::vector<int64_t>& simulated) {
    Json packages = Json::array();
    for (size_t p = 0; p < simulation.packages.size(); ++p) {
      const fbr::SimulatedPackage& package = simulation.packages[p];
      packages.push_back({{"code", package.code},
                          {"name", french ? package.name : package.name_en},
                          {"baseline", baseline[p]},
                          {"simulation", simulated[p]},
                          {"difference", simulated[p] - baseline[p]}});
    }
    return packages;
  };
  auto optional = [](const std::optional<int64_t>& value) {
    return value ? Json(*value) : Json(nullptr);
  };
  auto zone_json = [&](const fbr::SimulatedZone& zone) {
    Json json = {{"code", zone.code},
                 {"name", zone.name},
                 {"baseline", zone.baseline},
                 {"simulation", zone.simulation},
                 {"difference", zone.simulation - zone.baseline},
                 {"packages", packages_json(zone.baseline_packages, zone.simulation_packages)},
                 {"reference", optional(zone.reference)},
                 {"envelope", optional(zone.envelope)}};
    return json;
  };
  Json regions = Json::array();
  for (const fbr::SimulatedZone& region : simulation.regions) {
    Json json = zone_json(region);
    Json districts = Json::array();
    for (const fbr::SimulatedZone& district : region.districts) {
      districts.push_back(zone_json(district));
    }
    json["districts"] = districts;
    regions.push_back(json);
  }
  Json over = Json::array();
  for (const fbr::OverEnvelope& zone : simulation.over_envelope) {
    over.push_back({{"code", zone.code},
                    {"name", zone.name},
                    {"requested", zone.requested},
                    {"envelope", zone.envelope}});
  }
  Json affected = Json::array();
  for (const fbr::SimulatedFacility& facility : simulation.most_affected) {
    affected.push_back(
        {{"orgUnit", {{"id", facility.uid}, {"code", facility.code}, {"name", facility.name}}},
         {"district", {{"code", facility.district}, {"name", facility.district_name}}},
         {"baseline", facility.baseline},
         {"simulation", facility.simulation},
         {"difference", facility.simulation - facility.baseline}});
  }
  Json reference = nullptr;
  if (simulation.reference) {
    const fbr::ReferenceRun& run = *simulation.reference;
    reference = {{"run", run.id},
                 {"programVersion", run.program_version},
                 {"status", run.status},
                 {"total", run.total}};
  }
  return JsonResponse(
      200,
      {{"program", ProgramJson(simulation.program)},
       {"period", period->ToString()},
       {"baselineTotal", simulation.baseline_total},
       {"simulationTotal", simulation.simulation_total},
       {"difference", simulation.simulation_total - simulation.baseline_total},
       {"packages", packages_json(simulation.baseline_packages, simulation.simulation_packages)},
       {"facilities", simulation.facilities},
       {"reference", reference},
       {"regions", regions},
       {"mostAffected", affected},
       {"overEnvelope", over},
       {"milliseconds", static_cast<int64_t>(simulation.simulation_seconds * 1000 + 0.5)}});
}

}  // namespace

Json RunJson(const store::InvoiceRunRecord& run, core::Language language) {
  const std::string period = PeriodText(run.period);
  return {{"id", run.id},
          {"program", run.program_code},
          {"programVersion", run.program_version},
          {"payment", run.payment_code},
          {"period", period},
          {"periodLabel", io::PeriodLabel(period, language)},
          {"status", run.status},
          {"statusLabel", core::Render(fbr::RunStatusText(run.status), language)},
          {"created", core::FormatTimestamp(run.created)},
          {"createdBy", run.created_by},
          {"invoices", run.invoice_count},
          {"missing", run.missing_count},
          {"suspended", run.suspended_count},
          {"total", run.total}};
}

void AddPaymentRoutes(std::vector<Api::Route>& routes) {
  using Who = Api::Route::Who;
  using Body = Api::Route::Body;
  routes.insert(
      routes.end(),
      {
          {"GET", "/api/programs", Who::kSignedIn, Body::kSmall, ListPrograms},
          {"POST", "/api/programs", Who::kSignedIn, Body::kSmall, SaveProgram},
          {"POST", "/api/programs/check", Who::kSignedIn, Body::kSmall, CheckProgram},
          {"GET", "/api/programs/{code}/versions/{version}", Who::kSignedIn, Body::kSmall,
           GetProgram},
          {"GET", "/api/contracts", Who::kSignedIn, Body::kSmall, ListContracts},
          {"GET", "/api/contracts/{id}", Who::kSignedIn, Body::kSmall, GetContract},
          {"GET", "/api/runs", Who::kSignedIn, Body::kSmall, ListRuns},
          {"GET", "/api/public/results", Who::kAnyone, Body::kSmall, PublicResults},
          {"GET", "/api/public/results/{run}", Who::kAnyone, Body::kSmall, PublicRunResults},
          {"GET", "/api/runs/{id}", Who::kSignedIn, Body::kSmall, GetRun},
          {"GET", "/api/runs/{id}/export", Who::kSignedIn, Body::kSmall, ExportRun},
          {"GET", "/api/invoices", Who::kSignedIn, Body::kSmall, ListInvoices},
          {"GET", "/api/invoices/{number}", Who::kSignedIn, Body::kSmall, GetInvoice},
          {"GET", "/api/invoices/{number}/explanation", Who::kSignedIn, Body::kSmall,
           ExplainInvoice},
          {"GET", "/api/invoices/{number}/export", Who::kSignedIn, Body::kSmall, ExportInvoice},
          {"POST", "/api/simulations", Who::kSignedIn, Body::kSmall, Simulate},
      });
}

}  // namespace keneya::http
