#include "tests/io/fake_dhis2.h"

#include <httplib.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#ifndef KENEYA_IO_TESTDATA
#define KENEYA_IO_TESTDATA "tests/io/testdata"
#endif

namespace keneya::io::testing {

using nlohmann::json;

namespace {

constexpr const char* kDefaultCombo = "HllvX50cXC0";  // DHIS2's default category option combo
constexpr const char* kFixtureUid = "UOlfIjgN8X6";    // the data element of import_conflict.json

std::filesystem::path TestData() {
  std::filesystem::path configured(KENEYA_IO_TESTDATA);
  if (std::filesystem::exists(configured)) return configured;
  return std::filesystem::path(__FILE__).parent_path() / "testdata";
}

std::string Base64(std::string_view in) {
  static const char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  size_t i = 0;
  for (; i + 2 < in.size(); i += 3) {
    const unsigned n = (static_cast<unsigned char>(in[i]) << 16) |
                       (static_cast<unsigned char>(in[i + 1]) << 8) |
                       static_cast<unsigned char>(in[i + 2]);
    out += kAlphabet[(n >> 18) & 63];
    out += kAlphabet[(n >> 12) & 63];
    out += kAlphabet[(n >> 6) & 63];
    out += kAlphabet[n & 63];
  }
  if (i + 1 == in.size()) {
    const unsigned n = static_cast<unsigned char>(in[i]) << 16;
    out += kAlphabet[(n >> 18) & 63];
    out += kAlphabet[(n >> 12) & 63];
    out += "==";
  } else if (i + 2 == in.size()) {
    const unsigned n =
        (static_cast<unsigned char>(in[i]) << 16) | (static_cast<unsigned char>(in[i + 1]) << 8);
    out += kAlphabet[(n >> 18) & 63];
    out += kAlphabet[(n >> 12) & 63];
    out += kAlphabet[(n >> 6) & 63];
    out += '=';
  }
  return out;
}

std::string Text(const json& object, const char* key, const std::string& fallback = "") {
  auto it = object.find(key);
  if (it == object.end() || it->is_null()) return fallback;
  return it->is_string() ? it->get<std::string>() : it->dump();
}

bool Flag(const json& object, const char* key) {
  auto it = object.find(key);
  if (it == object.end()) return false;
  if (it->is_boolean()) return it->get<bool>();
  return it->is_string() && it->get<std::string>() == "true";
}

std::string Param(const httplib::Request& req, const char* key, const std::string& fallback) {
  return req.has_param(key) ? req.get_param_value(key) : fallback;
}

std::vector<std::string> Params(const httplib::Request& req, const char* key) {
  std::vector<std::string> out;
  auto range = req.params.equal_range(key);
  for (auto it = range.first; it != range.second; ++it) out.push_back(it->second);
  return out;
}

json WebMessage(int code, const char* http_status, const std::string& message,
                const std::string& error_code = "") {
  json j = {{"httpStatus", http_status},
            {"httpStatusCode", code},
            {"status", "ERROR"},
            {"message", message}};
  if (!error_code.empty()) j["errorCode"] = error_code;
  return j;
}

}  // namespace

std::string FakeValue::Key() const {
  return data_element + "/" + period + "/" + org_unit + "/" +
         (category_option_combo.empty() ? kDefaultCombo : category_option_combo) + "/" +
         (attribute_option_combo.empty() ? kDefaultCombo : attribute_option_combo);
}

std::string SyntheticOrgUnitUid(int i) {
  char uid[16];
  std::snprintf(uid, sizeof uid, "OU%09d", i);
  return uid;
}

json SyntheticOrgUnits(int count) {
  json out = json::array();
  std::vector<std::string> paths;
  std::vector<int> levels;
  for (int i = 0; i < count; ++i) {
    const std::string uid = SyntheticOrgUnitUid(i);
    json ou = {{"id", uid},
               {"code", "OU_" + std::to_string(i)},
               {"name", "Unité " + std::to_string(i)},
               {"shortName", "U" + std::to_string(i)},
               {"openingDate", "1990-01-01T00:00:00.000"}};
    if (i == 0) {
      paths.push_back("/" + uid);
      levels.push_back(1);
    } else {
      const int parent = (i - 1) / 4;
      paths.push_back(paths[parent] + "/" + uid);
      levels.push_back(levels[parent] + 1);
      ou["parent"] = {{"id", SyntheticOrgUnitUid(parent)}};
    }
    ou["path"] = paths.back();
    ou["level"] = levels.back();
    out.push_back(std::move(ou));
  }
  return out;
}

json Dhis2Fixture(std::string_view name) {
  std::ifstream in(TestData() / "dhis2" / std::string(name), std::ios::binary);
  if (!in) return json();
  std::stringstream text;
  text << in.rdbuf();
  return json::parse(text.str(), nullptr, /*allow_exceptions=*/false);
}

struct FakeDhis2::State {
  mutable std::mutex mutex;
  json org_units = json::array();
  std::string metadata = "{}";
  std::map<std::string, std::vector<std::string>> data_sets;
  std::map<std::string, FakeValue> values;  // by key
  FakeImportShape shape = FakeImportShape::kEnvelope;
  std::string rejected_value;
  int posts = 0;  // POSTs received (authorized)
  int drop_at = 0;
  bool drop_store_first = false;
  int reject_at = 0;
  int canned_status = 0;
  std::string canned_body;
  std::vector<FakeRequest> log;
  json warning_template;   // data_value_set_warning.json
  json conflict_template;  // import_conflict.json
};

FakeDhis2::FakeDhis2() : FakeDhis2(Options{}) {}

FakeDhis2::FakeDhis2(Options options)
    : options_(std::move(options)), state_(std::make_unique<State>()) {
  state_->warning_template = Dhis2Fixture("data_value_set_warning.json");
  state_->conflict_template = Dhis2Fixture("import_conflict.json");
}

FakeDhis2::~FakeDhis2() { Stop(); }

std::string FakeDhis2::url() const {
  return "http://127.0.0.1:" + std::to_string(port_) + options_.path_prefix;
}

core::Status FakeDhis2::Start() {
  if (!state_->warning_template.is_object() || !state_->conflict_template.is_object()) {
    return core::Internal(
        core::Message::Verbatim("cannot read DHIS2's fixtures data_value_set_warning.json and "
                                "import_conflict.json"),
        (TestData() / "dhis2").string());
  }
  server_ = std::make_unique<httplib::Server>();
  server_->set_tcp_nodelay(true);
  Route();
  port_ = server_->bind_to_any_port("127.0.0.1");
  if (port_ < 0)
    return core::Unavailable(core::Message::Verbatim("the fake DHIS2 cannot listen on 127.0.0.1"));
  thread_ = std::thread([this] { server_->listen_after_bind(); });
  for (int i = 0; i < 5000 && !server_->is_running(); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  if (!server_->is_running())
    return core::Unavailable(core::Message::Verbatim("the fake DHIS2 did not start"));
  return core::OkStatus();
}

void FakeDhis2::Stop() {
  if (server_) server_->stop();
  if (thread_.joinable()) thread_.join();
}

void FakeDhis2::SetOrgUnits(json org_units) {
  std::lock_guard<std::mutex> lock(state_->mutex);
  state_->org_units = std::move(org_units);
}

void FakeDhis2::SetMetadata(std::string text) {
  std::lock_guard<std::mutex> lock(state_->mutex);
  state_->metadata = std::move(text);
}

void FakeDhis2::SetDataSet(const std::string& uid, std::vector<std::string> data_elements) {
  std::lock_guard<std::mutex> lock(state_->mutex);
  state_->data_sets[uid] = std::move(data_elements);
}

void FakeDhis2::AddValues(const std::vector<FakeValue>& values) {
  std::lock_guard<std::mutex> lock(state_->mutex);
  for (const FakeValue& v : values) state_->values[v.Key()] = v;
}

std::vector<FakeValue> FakeDhis2::values() const {
  std::lock_guard<std::mutex> lock(state_->mutex);
  std::vector<FakeValue> out;
  for (const auto& [key, v] : state_->values) out.push_back(v);
  return out;
}

void FakeDhis2::SetImportShape(FakeImportShape shape) {
  std::lock_guard<std::mutex> lock(state_->mutex);
  state_->shape = shape;
}

void FakeDhis2::SetRejectedValue(std::string text) {
  std::lock_guard<std::mutex> lock(state_->mutex);
  state_->rejected_value = std::move(text);
}

void FakeDhis2::DropPost(int number, bool store_first) {
  std::lock_guard<std::mutex> lock(state_->mutex);
  state_->drop_at = number > 0 ? state_->posts + number : 0;
  state_->drop_store_first = store_first;
}

void FakeDhis2::RejectPost(int number) {
  std::lock_guard<std::mutex> lock(state_->mutex);
  state_->reject_at = number > 0 ? state_->posts + number : 0;
}

void FakeDhis2::SetCannedPostAnswer(int status, std::string body) {
  std::lock_guard<std::mutex> lock(state_->mutex);
  state_->canned_status = status;
  state_->canned_body = std::move(body);
}

std::vector<FakeRequest> FakeDhis2::requests() const {
  std::lock_guard<std::mutex> lock(state_->mutex);
  return state_->log;
}

int FakeDhis2::CountRequests(std::string_view method, std::string_view path) const {
  std::lock_guard<std::mutex> lock(state_->mutex);
  return static_cast<int>(
      std::count_if(state_->log.begin(), state_->log.end(),
                    [&](const FakeRequest& r) { return r.method == method && r.path == path; }));
}

void FakeDhis2::ClearRequests() {
  std::lock_guard<std::mutex> lock(state_->mutex);
  state_->log.clear();
}

void FakeDhis2::Route() {
  using httplib::Request;
  using httplib::Response;
  using Handler = std::function<void(const Request&, Response&, FakeRequest&)>;
  State& s = *state_;
  const std::string basic = "Basic " + Base64(options_.user + ":" + options_.password);
  const std::string token = "ApiToken " + options_.token;

  // Logs the request, checks its credentials, then runs `handler` (under the state's mutex:
  // the fake serves one request at a time, which keeps its counts simple to reason about).
  auto route = [this, &s, basic, token](const std::string& path, Handler handler) {
    return [this, &s, basic, token, path, handler](const Request& req, Response& res) {
      std::lock_guard<std::mutex> lock(s.mutex);
      FakeRequest logged;
      logged.method = req.method;
      logged.path = path;
      logged.params.insert(req.params.begin(), req.params.end());
      logged.authorization = req.get_header_value("Authorization");
      logged.status = -1;
      if (logged.authorization != basic || options_.user.empty()) {
        if (logged.authorization != token || options_.token.empty()) {
          res.status = 401;
          res.set_content(WebMessage(401, "Unauthorized", "Unauthorized").dump(),
                          "application/json");
          logged.status = 401;
          s.log.push_back(std::move(logged));
          return;
        }
      }
      handler(req, res, logged);
      if (logged.status == -1) logged.status = res.status;
      s.log.push_back(std::move(logged));
    };
  };
  const std::string prefix = options_.path_prefix;

  server_->Get(
      prefix + "/api/me", route("/api/me", [this](const Request&, Response& res, FakeRequest&) {
        json ous = json::array();
        for (const std::string& ou : options_.user_org_units) ous.push_back({{"id", ou}});
        json me = {
            {"username", options_.user}, {"name", options_.name}, {"organisationUnits", ous}};
        res.status = 200;
        res.set_content(me.dump(), "application/json");
      }));

  server_->Get(
      prefix + "/api/organisationUnits",
      route("/api/organisationUnits", [this, &s](const Request& req, Response& res, FakeRequest&) {
        const int total = static_cast<int>(s.org_units.size());
        json out;
        if (Param(req, "paging", "true") == "false") {
          out["organisationUnits"] = s.org_units;
        } else {
          const int size = std::max(1, std::stoi(Param(req, "pageSize", "50")));
          const int page = std::max(1, std::stoi(Param(req, "page", "1")));
          const int pages = std::max(1, (total + size - 1) / size);
          json pager = {{"page", page}, {"pageCount", pages}, {"total", total}, {"pageSize", size}};
          if (page < pages) {
            pager["nextPage"] = url() + "/api/organisationUnits?page=" + std::to_string(page + 1) +
                                "&pageSize=" + std::to_string(size);
          }
          json slice = json::array();
          for (int i = (page - 1) * size; i < std::min(total, page * size); ++i) {
            slice.push_back(s.org_units[static_cast<size_t>(i)]);
          }
          out["pager"] = pager;
          out["organisationUnits"] = slice;
        }
        res.status = 200;
        res.set_content(out.dump(), "application/json");
      }));

  server_->Get(prefix + "/api/metadata",
               route("/api/metadata", [&s](const Request&, Response& res, FakeRequest&) {
                 res.status = 200;
                 res.set_content(s.metadata, "application/json");
               }));

  server_->Get(
      prefix + "/api/dataValueSets",
      route("/api/dataValueSets", [&s](const Request& req, Response& res, FakeRequest&) {
        const std::vector<std::string> data_sets = Params(req, "dataSet");
        const std::vector<std::string> periods_list = Params(req, "period");
        const std::vector<std::string> org_units_list = Params(req, "orgUnit");
        if (data_sets.empty() || periods_list.empty() || org_units_list.empty()) {
          res.status = 409;
          res.set_content(WebMessage(409, "Conflict",
                                     "At least one data set, period and org unit must be "
                                     "specified",
                                     "E2013")
                              .dump(),
                          "application/json");
          return;
        }
        std::set<std::string> elements;
        for (const std::string& ds : data_sets) {
          auto it = s.data_sets.find(ds);
          if (it != s.data_sets.end()) elements.insert(it->second.begin(), it->second.end());
        }
        const std::set<std::string> periods(periods_list.begin(), periods_list.end());
        std::set<std::string> org_units(org_units_list.begin(), org_units_list.end());
        if (Param(req, "children", "false") == "true") {
          for (const json& ou : s.org_units) {
            const std::string path = Text(ou, "path");
            for (const std::string& root : org_units_list) {
              if (path.find("/" + root + "/") != std::string::npos) {
                org_units.insert(Text(ou, "id"));
              }
            }
          }
        }
        json values = json::array();
        for (const auto& [key, v] : s.values) {
          if (v.deleted || !elements.contains(v.data_element) || !periods.contains(v.period) ||
              !org_units.contains(v.org_unit)) {
            continue;
          }
          json j = {{"dataElement", v.data_element},
                    {"period", v.period},
                    {"orgUnit", v.org_unit},
                    {"categoryOptionCombo",
                     v.category_option_combo.empty() ? kDefaultCombo : v.category_option_combo},
                    {"attributeOptionCombo",
                     v.attribute_option_combo.empty() ? kDefaultCombo : v.attribute_option_combo},
                    {"value", v.value},
                    {"storedBy", v.stored_by},
                    {"created", "2024-04-02T10:00:00.000+0000"},
                    {"lastUpdated", "2024-04-02T10:00:00.000+0000"},
                    {"followup", v.followup}};
          if (!v.comment.empty()) j["comment"] = v.comment;
          values.push_back(std::move(j));
        }
        res.status = 200;
        res.set_content(json{{"dataValues", values}}.dump(), "application/json");
      }));

  server_->Post(
      prefix + "/api/dataValueSets",
      route("/api/dataValueSets", [&s](const Request& req, Response& res, FakeRequest& logged) {
        const int number = ++s.posts;
        const json body = json::parse(req.body, nullptr, /*allow_exceptions=*/false);
        if (!body.is_object() || !body.contains("dataValues") || !body["dataValues"].is_array()) {
          res.status = 400;
          res.set_content(WebMessage(400, "Bad Request", "Invalid JSON payload").dump(),
                          "application/json");
          return;
        }
        std::vector<FakeValue> posted;
        for (const json& j : body["dataValues"]) {
          FakeValue v;
          v.data_element = Text(j, "dataElement");
          v.period = Text(j, "period", Text(body, "period"));
          v.org_unit = Text(j, "orgUnit", Text(body, "orgUnit"));
          v.category_option_combo = Text(j, "categoryOptionCombo");
          v.attribute_option_combo =
              Text(j, "attributeOptionCombo", Text(body, "attributeOptionCombo"));
          v.value = Text(j, "value");
          v.comment = Text(j, "comment");
          v.stored_by = Text(j, "storedBy");
          v.followup = Flag(j, "followup");
          v.deleted = Flag(j, "deleted");
          logged.value_keys.push_back(v.Key());
          posted.push_back(std::move(v));
        }
        if (s.canned_status != 0) {
          res.status = s.canned_status;
          res.set_content(s.canned_body, "application/json");
          return;
        }
        const bool dry_run = Param(req, "dryRun", "false") == "true";
        const std::string strategy = Param(req, "importStrategy", "CREATE_AND_UPDATE");

        // Counts as DHIS2 does: new key imported, changed value updated, same value ignored.
        auto apply = [&](json& conflicts, json& rejected) {
          int64_t imported = 0, updated = 0, ignored = 0, deleted = 0;
          std::map<std::string, size_t> conflict_of;  // data element -> position in conflicts
          for (size_t i = 0; i < posted.size(); ++i) {
            FakeValue v = posted[i];
            if (!s.rejected_value.empty() && v.value == s.rejected_value) {
              ++ignored;
              rejected.push_back(i);
              auto [it, added] = conflict_of.emplace(v.data_element, conflicts.size());
              if (added) {
                json c = s.conflict_template;
                c["object"] = v.data_element;
                c["objects"] = {{"dataElement", v.data_element}, {"value", v.value}};
                std::string message = Text(c, "value");
                if (size_t at = message.find(kFixtureUid); at != std::string::npos) {
                  message.replace(at, std::string_view(kFixtureUid).size(), v.data_element);
                }
                c["value"] = message;
                c["indexes"] = json::array();
                conflicts.push_back(std::move(c));
              }
              conflicts[it->second]["indexes"].push_back(i);
              continue;
            }
            auto stored = s.values.find(v.Key());
            const bool live = stored != s.values.end() && !stored->second.deleted;
            if (v.deleted || strategy == "DELETE") {
              if (live) {
                ++deleted;
                if (!dry_run) stored->second.deleted = true;
              } else {
                ++ignored;
              }
              continue;
            }
            if (!live) {
              ++imported;
            } else if (stored->second.value == v.value && stored->second.comment == v.comment &&
                       stored->second.followup == v.followup) {
              ++ignored;
              continue;
            } else {
              ++updated;
            }
            if (!dry_run) s.values[v.Key()] = v;
          }
          return json{{"imported", imported},
                      {"updated", updated},
                      {"ignored", ignored},
                      {"deleted", deleted}};
        };

        if (number == s.drop_at) {
          // The connection closes after the headers: the client never gets an answer.
          if (s.drop_store_first) {
            json conflicts = json::array(), rejected = json::array();
            apply(conflicts, rejected);
          }
          logged.status = 0;
          res.status = 200;
          res.set_chunked_content_provider("application/json",
                                           [](size_t, httplib::DataSink&) { return false; });
          return;
        }

        json envelope = s.warning_template;
        json& summary = envelope["response"];
        summary["importOptions"]["dryRun"] = dry_run;
        summary["importOptions"]["importStrategy"] = strategy;
        json conflicts = json::array(), rejected = json::array();
        std::string status;
        if (number == s.reject_at) {
          status = "ERROR";
          summary["importCount"] = {
              {"imported", 0}, {"updated", 0}, {"ignored", posted.size()}, {"deleted", 0}};
          const std::string ou = posted.empty() ? "" : posted.front().org_unit;
          conflicts.push_back({{"object", ou},
                               {"objects", {{"organisationUnit", ou}}},
                               {"value", "Org unit not found or not accessible: `" + ou + "`"},
                               {"errorCode", "E7603"},
                               {"property", "orgUnit"},
                               {"indexes", json::array()}});
          summary["description"] = "Import process was aborted";
        } else {
          summary["importCount"] = apply(conflicts, rejected);
          status = conflicts.empty() ? "SUCCESS" : "WARNING";
        }
        summary["status"] = status;
        summary["conflicts"] = conflicts;
        summary["rejectedIndexes"] = rejected;

        switch (s.shape) {
          case FakeImportShape::kEnvelope:
            if (status == "SUCCESS") {
              envelope["httpStatus"] = "OK";
              envelope["httpStatusCode"] = 200;
              envelope["status"] = "OK";
              envelope["message"] = "Import was successful.";
            } else if (status == "ERROR") {
              envelope["status"] = "ERROR";
            }
            res.status = envelope["httpStatusCode"].get<int>();
            res.set_content(envelope.dump(), "application/json");
            return;
          case FakeImportShape::kBareWithCodes:
            res.status = 200;
            res.set_content(summary.dump(), "application/json");
            return;
          case FakeImportShape::kBareLegacy: {
            // Before 2.37: one conflict per value, the value as object, a message naming the
            // data element; no codes, no indexes.
            json legacy = json::array();
            for (const json& c : conflicts) {
              for (size_t i = 0; i < std::max<size_t>(1, c["indexes"].size()); ++i) {
                const std::string de = Text(c, "object");
                legacy.push_back(
                    {{"object",
                      i < c["indexes"].size() ? posted[c["indexes"][i].get<size_t>()].value : de},
                     {"value", "Data value is not numeric, must match data element type: " + de}});
              }
            }
            summary["conflicts"] = legacy;
            summary.erase("rejectedIndexes");
            res.status = 200;
            res.set_content(summary.dump(), "application/json");
            return;
          }
        }
      }));
}

}  // namespace keneya::io::testing
