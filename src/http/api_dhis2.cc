// DHIS2-compatible endpoints, answered in DHIS2 2.40's shapes so that DHIS2's scripts and tools
// (and Keneya's own `keneya dhis2` commands) talk to Keneya as to DHIS2: data value sets read and
// written in JSON, XML, CSV and ADX, the org units, data sets and data elements lists, the
// metadata, the system's information. The paths take DHIS2's version prefix (/api/40/...) and a
// format suffix (/api/dataValueSets.csv): Api::Dispatch removes them (Call::suffix).
#include <fstream>
#include <sstream>

#include "core/timestamp.h"
#include "fbr/value_sets.h"
#include "http/api_internal.h"
#include "io/dhis2_metadata.h"

namespace keneya::http {

using core::Message;
using core::Result;

namespace {

// ASCII letters in lower case, as DHIS2 compares names (ilike, list order).
std::string Lower(std::string text) {
  for (char& c : text) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return text;
}

// A boolean query parameter as DHIS2 reads it ("true" in any case); `fallback` when absent.
bool QueryFlag(const Request& request, std::string_view name, bool fallback) {
  std::optional<std::string> text = request.Param(name);
  if (!text) return fallback;
  return Lower(*text) == "true";
}

Result<std::optional<io::IdScheme>> SchemeParam(const Request& request, std::string_view name) {
  std::optional<std::string> text = request.Param(name);
  if (!text || text->empty()) return std::optional<io::IdScheme>();
  auto scheme = io::ParseIdScheme(*text);
  if (!scheme.ok()) return core::InvalidArgument(scheme.error().text, std::string(name));
  return std::optional<io::IdScheme>(*scheme);
}

Result<io::IdSchemes> Schemes(const Request& request) {
  io::IdSchemes schemes;
  KENEYA_ASSIGN_OR_RETURN(schemes.id_scheme, SchemeParam(request, "idScheme"));
  KENEYA_ASSIGN_OR_RETURN(schemes.data_set, SchemeParam(request, "dataSetIdScheme"));
  KENEYA_ASSIGN_OR_RETURN(schemes.data_element, SchemeParam(request, "dataElementIdScheme"));
  KENEYA_ASSIGN_OR_RETURN(schemes.org_unit, SchemeParam(request, "orgUnitIdScheme"));
  KENEYA_ASSIGN_OR_RETURN(schemes.category_option_combo,
                          SchemeParam(request, "categoryOptionComboIdScheme"));
  KENEYA_ASSIGN_OR_RETURN(schemes.category, SchemeParam(request, "categoryIdScheme"));
  return schemes;
}

struct FormatType {
  io::DataFormat format;
  std::string_view suffix;
  std::string_view content_type;
};
constexpr FormatType kFormats[] = {
    {io::DataFormat::kJson, "json", "application/json; charset=utf-8"},
    {io::DataFormat::kXml, "xml", "application/xml; charset=utf-8"},
    {io::DataFormat::kCsv, "csv", "application/csv; charset=utf-8"},
    {io::DataFormat::kAdx, "adx", "application/adx+xml; charset=utf-8"},
};

// The format of a request: the path's suffix, else the media type `header` names (Accept for
// reading, Content-Type for writing), else JSON.
const FormatType& FormatOf(std::string_view suffix, std::string_view header) {
  for (const FormatType& f : kFormats) {
    if (f.suffix == suffix) return f;
  }
  if (header.find("adx") != std::string_view::npos) return kFormats[3];
  if (header.find("csv") != std::string_view::npos) return kFormats[2];
  if (header.find("json") == std::string_view::npos &&
      header.find("xml") != std::string_view::npos) {
    return kFormats[1];
  }
  return kFormats[0];
}

// DHIS2's answer to a request it cannot take: a WebMessage with status ERROR.
Response Dhis2Error(int status, std::string_view http_status, std::string_view error_code,
                    const std::string& message) {
  Json body = {{"httpStatus", http_status},
               {"httpStatusCode", status},
               {"status", "ERROR"},
               {"message", message},
               {"errorCode", error_code}};
  return JsonResponse(status, body);
}

Result<Response> SystemInfo(Api::Call& call) {
  const std::string now = core::FormatTimestamp(core::NowMs());
  const std::string& host = call.request.Header("host");
  const std::string base =
      host.empty() ? "" : (call.request.secure ? "https://" : "http://") + host;
  Json body = {{"contextPath", base},
               {"userAgent", call.request.Header("user-agent")},
               {"calendar", "iso8601"},
               {"dateFormat", "yyyy-mm-dd"},
               {"serverDate", now},
               {"serverTimeZoneId", "Etc/UTC"},
               {"serverTimeZoneDisplayName", "Coordinated Universal Time"},
               {"version", "2.40.0"},
               {"revision", "keneya-" + call.options().info.version},
               {"buildTime", now},
               {"databaseInfo", {{"spatialSupport", false}}},
               {"encryption", false},
               {"emailConfigured", false},
               {"redisEnabled", false},
               {"systemId", "keneya"},
               {"systemName", "Keneya"},
               {"instanceBaseUrl", base},
               {"isMetadataVersionEnabled", false},
               {"keneyaVersion", call.options().info.version}};
  return JsonResponse(200, body);
}

// "10d", "2h", "30m", "45s" (DHIS2's lastUpdatedDuration) in milliseconds; nullopt if malformed.
std::optional<int64_t> DurationMs(const std::string& text) {
  if (text.size() < 2 || text.size() > 12) return std::nullopt;
  int64_t n = 0;
  for (size_t i = 0; i + 1 < text.size(); ++i) {
    if (text[i] < '0' || text[i] > '9') return std::nullopt;
    n = n * 10 + (text[i] - '0');
  }
  switch (text.back()) {
    case 'd':
      return n * 86'400'000;
    case 'h':
      return n * 3'600'000;
    case 'm':
      return n * 60'000;
    case 's':
      return n * 1'000;
    default:
      return std::nullopt;
  }
}

Result<Response> GetDataValueSets(Api::Call& call) {
  KENEYA_ASSIGN_OR_RETURN(const fbr::Sight* sight, call.Sight());
  KENEYA_ASSIGN_OR_RETURN(auto directory, call.Directory());
  const Request& request = call.request;
  const FormatType& format = FormatOf(call.suffix, request.Header("accept"));
  io::ExportOptions options;
  options.format = format.format;
  options.state = request.Param("state").value_or("declared");
  options.periods = request.Params("period");
  options.children = QueryFlag(request, "children", false);
  options.include_deleted = QueryFlag(request, "includeDeleted", false);
  options.metadata = std::shared_ptr<const core::MetadataBundle>(directory, &directory->bundle());
  // As DHIS2 does, identifiers it does not know (or, here, that the user may not see) are left
  // out; the request is refused when nothing is left.
  for (const std::string& key : request.Params("dataSet")) {
    if (const core::DataSet* set = directory->DataSet(key)) options.data_sets.push_back(set->uid);
  }
  for (const std::string& key : request.Params("orgUnit")) {
    const core::OrgUnit* unit = directory->OrgUnit(key);
    if (unit != nullptr && sight->Allows(*unit, auth::Resource::kDataValue)) {
      options.org_units.push_back(unit->uid);
    }
  }
  for (const auto& [name, date] :
       {std::pair{"startDate", &options.start_date}, std::pair{"endDate", &options.end_date}}) {
    if (std::optional<std::string> text = request.Param(name)) {
      auto parsed = core::Date::Parse(text->substr(0, 10));
      if (!parsed.ok()) return core::InvalidArgument(parsed.error().text, name);
      *date = *parsed;
    }
  }
  if (std::optional<std::string> text = request.Param("lastUpdated")) {
    auto parsed = core::Date::Parse(text->substr(0, 10));
    if (!parsed.ok()) return core::InvalidArgument(parsed.error().text, "lastUpdated");
    options.updated_since = static_cast<int64_t>(parsed->days_since_epoch()) * 86'400'000;
  }
  if (std::optional<std::string> text = request.Param("lastUpdatedDuration")) {
    std::optional<int64_t> ms = DurationMs(*text);
    if (!ms) {
      return core::InvalidArgument(Message("http.bad_duration", {{"text", *text}}),
                                   "lastUpdatedDuration");
    }
    options.updated_since = core::NowMs() - *ms;
  }
  KENEYA_ASSIGN_OR_RETURN(io::IdSchemes schemes, Schemes(request));
  if (schemes.id_scheme) {
    options.scheme = *schemes.id_scheme;
  } else if (format.format == io::DataFormat::kAdx) {
    options.scheme.kind = io::IdScheme::Kind::kCode;  // ADX's default, as DHIS2's
  }
  // DHIS2's checks of the request, in its order: the last that fails is the answer.
  std::optional<Response> refused;
  if (options.data_sets.empty()) {
    refused = Dhis2Error(409, "Conflict", "E2001",
                         "At least one data element, data set or data element group must be "
                         "specified");
  }
  if (options.periods.empty() && !(options.start_date && options.end_date) &&
      !options.updated_since) {
    refused = Dhis2Error(409, "Conflict", "E2002",
                         "At least one period, start/end dates, last updated or last updated "
                         "duration must be specified");
  }
  if (options.start_date && options.end_date && *options.end_date < *options.start_date) {
    refused = Dhis2Error(409, "Conflict", "E2004", "Start date must be before end date");
  }
  if (options.org_units.empty()) {
    refused = Dhis2Error(409, "Conflict", "E2006",
                         "At least one organisation unit or organisation unit group must be "
                         "specified");
  }
  if (refused) return *refused;
  KENEYA_ASSIGN_OR_RETURN(std::string path, TemporaryFile("." + std::string(format.suffix)));
  const RemoveOnExit remove(path);
  {
    std::ofstream out(path, std::ios::binary);
    if (auto written = fbr::ExportValueSet(call.db(), *sight, options, out); !written.ok()) {
      return written.error();
    }
  }
  return FileResponse(path, std::string(format.content_type), "");
}

Result<Response> PostDataValueSets(Api::Call& call) {
  KENEYA_ASSIGN_OR_RETURN(const fbr::Sight* sight, call.Sight());
  KENEYA_ASSIGN_OR_RETURN(auto directory, call.Directory());
  const Request& request = call.request;
  // Only the media types of data value sets: a browser's form (text/plain, form encodings) sent
  // from another site with remembered Basic credentials is refused, never read as JSON.
  const std::string& type = request.Header("content-type");
  const bool known_type = type.find("json") != std::string::npos ||
                          type.find("xml") != std::string::npos ||
                          type.find("csv") != std::string::npos;
  if (!known_type) {
    return core::InvalidArgument(Message("http.body_media_type", {{"type", type}}), "Content-Type");
  }
  const FormatType& format = FormatOf(call.suffix, type);
  io::ImportOptions options;
  KENEYA_ASSIGN_OR_RETURN(options.schemes, Schemes(request));
  if (std::optional<std::string> strategy = request.Param("importStrategy")) {
    auto parsed = io::ParseImportStrategy(*strategy);
    if (!parsed.ok()) return core::InvalidArgument(parsed.error().text, "importStrategy");
    options.strategy = *parsed;
  }
  options.dry_run = QueryFlag(request, "dryRun", false);
  options.atomic = request.Param("atomicMode").value_or("") == "ALL";
  options.strict_periods = QueryFlag(request, "strictPeriods", false);
  options.strict_data_elements = QueryFlag(request, "strictDataElements", false);
  options.strict_category_option_combos = QueryFlag(request, "strictCategoryOptionCombos", false);
  options.strict_attribute_option_combos = QueryFlag(request, "strictAttributeOptionCombos", false);
  options.strict_org_units = QueryFlag(request, "strictOrganisationUnits", false);
  options.require_category_option_combo = QueryFlag(request, "requireCategoryOptionCombo", false);
  options.require_attribute_option_combo = QueryFlag(request, "requireAttributeOptionCombo", false);
  options.state = request.Param("state").value_or("declared");
  options.actor = call.Actor();
  options.actor.source = "api:dataValueSets";
  options.metadata = std::shared_ptr<const core::MetadataBundle>(directory, &directory->bundle());
  KENEYA_ASSIGN_OR_RETURN(io::ImportSummary summary,
                          fbr::ImportValueSet(call.db(), *sight, format.format, request.body,
                                              std::move(options), "body"));
  Response r;
  r.body = io::ImportSummaryJson(summary);
  r.status = summary.status == io::ImportStatus::kSuccess ? 200 : 409;
  Json parsed = Json::parse(r.body, nullptr, false);
  if (parsed.is_object() && parsed.contains("httpStatusCode") &&
      parsed["httpStatusCode"].is_number_integer()) {
    r.status = parsed["httpStatusCode"].get<int>();
  }
  return r;
}

// The fields a DHIS2 list keeps: those `fields` names at the top level ("id,name,parent[id]"),
// "*" or ":all" for all; DHIS2's default is id and displayName.
Json KeepFields(const Json& object, const std::string& fields) {
  if (fields == "*" || fields == ":all" || fields.find(":all") != std::string::npos) return object;
  std::vector<std::string> names;
  int depth = 0;
  std::string name;
  for (char c : fields.empty() ? std::string("id,displayName") : fields) {
    if (c == '[') ++depth;
    if (c == ']') --depth;
    if (depth == 0 && c == ',') {
      names.push_back(name);
      name.clear();
    } else if (depth == 0 && c != ']') {
      name.push_back(c);
    }
  }
  names.push_back(name);
  Json out = Json::object();
  for (const std::string& field : names) {
    if (field == "displayName" && object.contains("name")) {
      out["displayName"] = object["name"];
    } else if (field == "displayShortName" && object.contains("shortName")) {
      out["displayShortName"] = object["shortName"];
    } else if (object.contains(field)) {
      out[field] = object[field];
    }
  }
  return out;
}

// Whether `object` passes DHIS2's filters ("level:eq:4", "name:ilike:ngel"): eq, !eq, ne, like,
// ilike, !like, !ilike, in ([a,b]), !in, gt, ge, lt, le on top-level fields.
bool PassesFilters(const Json& object, const std::vector<std::string>& filters) {
  for (const std::string& filter : filters) {
    const size_t first = filter.find(':');
    const size_t second = first == std::string::npos ? first : filter.find(':', first + 1);
    if (second == std::string::npos) continue;
    std::string field = filter.substr(0, first);
    if (field == "displayName") field = "name";
    const std::string op = filter.substr(first + 1, second - first - 1);
    const std::string value = filter.substr(second + 1);
    if (!object.contains(field)) return false;
    const Json& have = object[field];
    const std::string text = have.is_string() ? have.get<std::string>() : have.dump();
    bool pass = true;
    if (op == "eq") {
      pass = text == value;
    } else if (op == "!eq" || op == "ne" || op == "neq") {
      pass = text != value;
    } else if (op == "like" || op == "!like") {
      pass = (text.find(value) != std::string::npos) == (op == "like");
    } else if (op == "ilike" || op == "!ilike") {
      pass = (Lower(text).find(Lower(value)) != std::string::npos) == (op == "ilike");
    } else if (op == "in" || op == "!in") {
      std::string list = value;
      if (list.size() >= 2 && list.front() == '[') list = list.substr(1, list.size() - 2);
      bool found = false;
      std::stringstream items(list);
      std::string item;
      while (std::getline(items, item, ',')) found = found || item == text;
      pass = found == (op == "in");
    } else if (op == "gt" || op == "ge" || op == "lt" || op == "le") {
      const double a = std::atof(text.c_str());
      const double b = std::atof(value.c_str());
      pass = op == "gt" ? a > b : op == "ge" ? a >= b : op == "lt" ? a < b : a <= b;
    }
    if (!pass) return false;
  }
  return true;
}

// A DHIS2 list of one kind of metadata, sorted by name (letter case ignored) then id, filtered,
// with its pager and links to the neighbouring pages unless paging=false.
Result<Response> MetadataList(Api::Call& call, const core::MetadataBundle& bundle,
                              std::string_view key) {
  KENEYA_ASSIGN_OR_RETURN(std::string text, io::WriteDhis2Metadata(bundle));
  Json all = Json::parse(text);
  std::vector<Json> items;
  const std::vector<std::string> filters = call.request.Params("filter");
  if (all.contains(key)) {
    for (const Json& item : all[key]) {
      if (PassesFilters(item, filters)) items.push_back(item);
    }
  }
  std::stable_sort(items.begin(), items.end(), [&](const Json& a, const Json& b) {
    const std::string na = Lower(a.value("name", "")), nb = Lower(b.value("name", ""));
    return na != nb ? na < nb : a.value("id", "") < b.value("id", "");
  });
  const bool paging = call.request.Param("paging").value_or("true") != "false";
  KENEYA_ASSIGN_OR_RETURN(auto page, Paging(call.request));
  const std::string fields = QueryText(call.request, "fields");
  Json out = Json::object();
  Json list = Json::array();
  const int64_t total = static_cast<int64_t>(items.size());
  const int64_t first = paging ? (page.first - 1) * page.second : 0;
  const int64_t last = paging ? std::min(total, first + page.second) : total;
  for (int64_t i = first; i < last; ++i) {
    list.push_back(KeepFields(items[static_cast<size_t>(i)], fields));
  }
  if (paging) {
    const int64_t count = std::max<int64_t>(1, (total + page.second - 1) / page.second);
    out["pager"] = {
        {"page", page.first}, {"total", total}, {"pageSize", page.second}, {"pageCount", count}};
    const std::string& host = call.request.Header("host");
    const std::string base =
        (host.empty() ? "" : (call.request.secure ? "https://" : "http://") + host) +
        call.request.path + "?";
    auto link = [&](int64_t to) {
      return base + (to > 1 ? "page=" + std::to_string(to) + "&" : "") +
             "pageSize=" + std::to_string(page.second);
    };
    if (page.first < count) out["pager"]["nextPage"] = link(page.first + 1);
    if (page.first > 1) out["pager"]["prevPage"] = link(page.first - 1);
  }
  out[std::string(key)] = list;
  return JsonResponse(200, out);
}

// The metadata a user sees: the org units of their sight, every other kind whole.
Result<core::MetadataBundle> SeenMetadata(Api::Call& call) {
  KENEYA_ASSIGN_OR_RETURN(const fbr::Sight* sight, call.Sight());
  KENEYA_RETURN_IF_ERROR(
      auth::Authorize(call.principal(), auth::Resource::kMetadata, auth::Action::kRead, nullptr));
  core::MetadataBundle bundle = sight->directory().bundle();
  std::erase_if(bundle.org_units, [&](const core::OrgUnit& unit) { return !sight->Sees(unit); });
  // The ancestors of the user's places are seen by name only, as in /api/org-units.
  for (core::OrgUnit& unit : bundle.org_units) {
    if (sight->Allows(unit, auth::Resource::kMetadata)) continue;
    unit.coordinates.reset();
    unit.geometry.clear();
    unit.opening_date.reset();
    unit.closing_date.reset();
    unit.group_uids.clear();
    unit.attribute_values.clear();
  }
  std::unordered_set<std::string_view> seen;
  for (const core::OrgUnit& unit : bundle.org_units) seen.insert(unit.uid);
  for (core::DataSet& set : bundle.data_sets) {
    std::erase_if(set.org_unit_uids, [&](const std::string& uid) { return !seen.count(uid); });
  }
  return bundle;
}

Result<Response> OrganisationUnits(Api::Call& call) {
  KENEYA_ASSIGN_OR_RETURN(core::MetadataBundle bundle, SeenMetadata(call));
  core::MetadataBundle units;
  units.org_units = std::move(bundle.org_units);
  return MetadataList(call, units, "organisationUnits");
}

// One org unit in DHIS2's shape; unknown and unseen alike: 404 E1005.
Result<Response> OrganisationUnit(Api::Call& call) {
  KENEYA_ASSIGN_OR_RETURN(core::MetadataBundle bundle, SeenMetadata(call));
  const std::string& id = call.Path("id");
  core::MetadataBundle one;
  for (core::OrgUnit& unit : bundle.org_units) {
    if (unit.uid == id) one.org_units.push_back(std::move(unit));
  }
  if (one.org_units.empty()) {
    return Dhis2Error(404, "Not Found", "E1005",
                      "OrganisationUnit with id " + id + " could not be found.");
  }
  KENEYA_ASSIGN_OR_RETURN(std::string text, io::WriteDhis2Metadata(one));
  const Json all = Json::parse(text);
  const std::string fields = QueryText(call.request, "fields");
  return JsonResponse(200, KeepFields(all["organisationUnits"][0], fields.empty() ? "*" : fields));
}

Result<Response> DataSetsList(Api::Call& call) {
  KENEYA_ASSIGN_OR_RETURN(core::MetadataBundle bundle, SeenMetadata(call));
  return MetadataList(call, bundle, "dataSets");
}

Result<Response> DataElementsList(Api::Call& call) {
  KENEYA_ASSIGN_OR_RETURN(core::MetadataBundle bundle, SeenMetadata(call));
  return MetadataList(call, bundle, "dataElements");
}

Result<Response> MetadataExport(Api::Call& call) {
  KENEYA_ASSIGN_OR_RETURN(core::MetadataBundle bundle, SeenMetadata(call));
  // Org units come from /api/organisationUnits, as DHIS2's clients read them.
  if (call.request.Param("organisationUnits").value_or("true") == "false") bundle.org_units.clear();
  KENEYA_ASSIGN_OR_RETURN(std::string text, io::WriteDhis2Metadata(bundle));
  Response r;
  r.body = std::move(text);
  return r;
}

}  // namespace

void AddDhis2Routes(std::vector<Api::Route>& routes) {
  using Who = Api::Route::Who;
  using Body = Api::Route::Body;
  routes.insert(
      routes.end(),
      {
          {"GET", "/api/system/info", Who::kSignedIn, Body::kSmall, SystemInfo, true},
          {"GET", "/api/dataValueSets", Who::kSignedIn, Body::kSmall, GetDataValueSets, true},
          {"POST", "/api/dataValueSets", Who::kSignedIn, Body::kImport, PostDataValueSets, true},
          {"GET", "/api/organisationUnits", Who::kSignedIn, Body::kSmall, OrganisationUnits, true},
          {"GET", "/api/organisationUnits/{id}", Who::kSignedIn, Body::kSmall, OrganisationUnit,
           true},
          {"GET", "/api/dataSets", Who::kSignedIn, Body::kSmall, DataSetsList, true},
          {"GET", "/api/dataElements", Who::kSignedIn, Body::kSmall, DataElementsList, true},
          {"GET", "/api/metadata", Who::kSignedIn, Body::kSmall, MetadataExport, true},
      });
}

}  // namespace keneya::http
