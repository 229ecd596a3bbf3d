#include "io/dhis2_client.h"

#include <fcntl.h>
#include <httplib.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <mutex>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <thread>
#include <utility>

#include "core/org_unit.h"
#include "io/data_value_set_writer.h"

namespace keneya::io {

using core::Error;
using core::ErrorCode;
using core::Message;
using core::Result;
using core::Status;
using nlohmann::json;

Dhis2Credentials Dhis2Credentials::Basic(std::string user, std::string password) {
  Dhis2Credentials c;
  c.user = std::move(user);
  c.password = std::move(password);
  return c;
}

Dhis2Credentials Dhis2Credentials::Token(std::string token) {
  Dhis2Credentials c;
  c.token = std::move(token);
  return c;
}

std::vector<std::string> OrgUnitSubtree(const core::MetadataBundle& pyramid,
                                        std::string_view root) {
  std::vector<std::string> out;
  const core::OrgUnit* root_unit = nullptr;
  for (const core::OrgUnit& ou : pyramid.org_units) {
    if (ou.uid == root) root_unit = &ou;
  }
  if (root_unit == nullptr) return out;
  out.push_back(root_unit->uid);
  for (const core::OrgUnit& ou : pyramid.org_units) {
    if (&ou == root_unit) continue;
    for (std::string_view ancestor : core::SplitPath(ou.path)) {
      if (ancestor == root && ou.uid != root) {
        out.push_back(ou.uid);
        break;
      }
    }
  }
  return out;
}

std::string_view ConflictCategoryName(ConflictCategory category) {
  switch (category) {
    case ConflictCategory::kUnknownObject:
      return "unknown_object";
    case ConflictCategory::kNoAccess:
      return "no_access";
    case ConflictCategory::kInvalidValue:
      return "invalid_value";
    case ConflictCategory::kNotAssigned:
      return "not_assigned";
    case ConflictCategory::kPeriodClosed:
      return "period_closed";
    case ConflictCategory::kOtherCode:
      return "other_code";
    case ConflictCategory::kUnclassified:
      return "unclassified";
  }
  return "unclassified";
}

ConflictCategory ClassifyConflict(std::string_view error_code) {
  // DHIS2's data value import codes (dhis-api feedback/ErrorCode.java, 2.37 to 2.42; the
  // messages are quoted in docs/DHIS2_CLIENT.md). Only the code decides: messages change
  // between versions and languages.
  struct Entry {
    std::string_view code;
    ConflictCategory category;
  };
  using C = ConflictCategory;
  static constexpr Entry kTable[] = {
      {"E7600", C::kUnknownObject}, {"E7601", C::kNoAccess},      {"E7602", C::kUnknownObject},
      {"E7603", C::kUnknownObject}, {"E7604", C::kUnknownObject}, {"E7610", C::kUnknownObject},
      {"E7611", C::kUnknownObject}, {"E7612", C::kUnknownObject}, {"E7613", C::kUnknownObject},
      {"E7614", C::kNoAccess},      {"E7615", C::kUnknownObject}, {"E7616", C::kNoAccess},
      {"E7617", C::kNoAccess},      {"E7618", C::kInvalidValue},  {"E7619", C::kInvalidValue},
      {"E7620", C::kInvalidValue},  {"E7621", C::kInvalidValue},  {"E7630", C::kInvalidValue},
      {"E7631", C::kInvalidValue},  {"E7632", C::kNotAssigned},   {"E7633", C::kNotAssigned},
      {"E7634", C::kNotAssigned},   {"E7635", C::kNotAssigned},   {"E7636", C::kNotAssigned},
      {"E7637", C::kInvalidValue},  {"E7638", C::kPeriodClosed},  {"E7639", C::kNotAssigned},
      {"E7640", C::kPeriodClosed},  {"E7641", C::kPeriodClosed},  {"E7642", C::kPeriodClosed},
      {"E7643", C::kPeriodClosed},  {"E7644", C::kPeriodClosed},  {"E7645", C::kInvalidValue},
  };
  if (error_code.empty()) return C::kUnclassified;
  for (const Entry& e : kTable) {
    if (e.code == error_code) return e.category;
  }
  return C::kOtherCode;
}

std::string_view PushBatchStateName(PushBatchState state) {
  switch (state) {
    case PushBatchState::kAcknowledged:
      return "acknowledged";
    case PushBatchState::kAcknowledgedEarlier:
      return "acknowledged earlier";
    case PushBatchState::kRejected:
      return "rejected";
    case PushBatchState::kFailed:
      return "failed";
    case PushBatchState::kNotSent:
      return "not sent";
  }
  return "not sent";
}

bool PushResult::complete() const {
  return std::all_of(batches.begin(), batches.end(), [](const PushBatch& b) {
    return b.state == PushBatchState::kAcknowledged ||
           b.state == PushBatchState::kAcknowledgedEarlier;
  });
}

ImportSummary PushSummary(const PushResult& result) {
  ImportSummary s;
  s.status = result.status;
  s.description_text = result.error ? result.error->text : Message("io.import.completed");
  s.description = result.error ? result.error->message
                               : core::Render(s.description_text, core::Language::kEnglish);
  s.count = result.count;
  for (const PushConflict& c : result.conflicts) s.conflicts.push_back(c.conflict);
  s.rejected_indexes = result.rejected_indexes;
  s.dry_run = result.dry_run;
  s.values_read = static_cast<int64_t>(result.values);
  return s;
}

std::string PushResultText(const PushResult& r, core::Language l) {
  size_t acknowledged = 0;
  for (const PushBatch& b : r.batches) {
    if (b.state == PushBatchState::kAcknowledged ||
        b.state == PushBatchState::kAcknowledgedEarlier) {
      ++acknowledged;
    }
  }
  Message outcome("io.push.succeeded");
  if (!r.complete()) {
    outcome = Message("io.push.incomplete",
                      {core::Grouped("acknowledged", static_cast<int64_t>(acknowledged)),
                       core::Grouped("batches", static_cast<int64_t>(r.batches.size()))});
  } else if (r.status == ImportStatus::kWarning) {
    outcome = Message("io.push.finished_with_conflicts");
  }
  const Message counts("io.push.counts", {{"outcome", outcome},
                                          core::Grouped("imported", r.count.imported),
                                          core::Grouped("updated", r.count.updated),
                                          core::Grouped("ignored", r.count.ignored),
                                          core::Grouped("deleted", r.count.deleted),
                                          core::Grouped("values", static_cast<int64_t>(r.values))});
  std::string out = core::Render(DryRunIf(r.dry_run, counts), l) + "\n";
  if (r.error) out += "  " + core::Render(r.error->text, l) + "\n";
  if (!r.complete()) out += "  " + core::Text(l, "io.push.run_again") + "\n";
  if (!r.conflicts_by_category.empty()) {
    std::string categories;
    for (const auto& [category, n] : r.conflicts_by_category) {
      categories +=
          (categories.empty() ? "" : " ") +
          core::Text(l, "io.push.category_count",
                     {{"category", ConflictCategoryName(category)}, core::Grouped("count", n)});
    }
    out += "  " + core::Text(l, "io.push.conflicts", {{"categories", categories}}) + "\n";
  }
  for (const PushConflict& pc : r.conflicts) {
    const ImportConflict& c = pc.conflict;
    Message line = ConflictLine(
        c, Message("io.push.conflict_category", {{"category", ConflictCategoryName(pc.category)},
                                                 {"conflict", ConflictText(c)}}));
    if (c.indexes.empty()) {
      line =
          Message("io.push.conflict_batch", {{"conflict", std::move(line)}, {"batch", pc.batch}});
    } else {
      line = ConflictPositions(std::move(line), c.indexes, /*always_plural=*/true);
    }
    out += "  - " + core::Render(line, l) + "\n";
  }
  return out;
}

namespace {

// --- Reading DHIS2's JSON ----------------------------------------------------------------

std::string StringField(const json& object, const char* key) {
  auto it = object.find(key);
  if (it == object.end() || !it->is_string()) return {};
  return it->get<std::string>();
}

int64_t IntField(const json& object, const char* key) {
  auto it = object.find(key);
  if (it == object.end() || !it->is_number_integer()) return 0;
  return it->get<int64_t>();
}

std::vector<size_t> Indexes(const json& object, const char* key) {
  std::vector<size_t> out;
  auto it = object.find(key);
  if (it == object.end() || !it->is_array()) return out;
  for (const json& i : *it) {
    if (i.is_number_unsigned() || (i.is_number_integer() && i.get<int64_t>() >= 0)) {
      out.push_back(i.get<size_t>());
    }
  }
  return out;
}

// DHIS2's own message in an error answer: the WebMessage's "message" (with its errorCode), or
// the start of a text body. Empty when there is nothing useful.
std::string Dhis2Message(std::string_view body) {
  json j = json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (j.is_object()) {
    std::string message = StringField(j, "message");
    if (message.empty()) message = StringField(j, "description");
    if (message.empty() && j.contains("response") && j["response"].is_object()) {
      message = StringField(j["response"], "description");
    }
    const std::string code = StringField(j, "errorCode");
    if (!code.empty()) message = code + " " + message;
    return message;
  }
  std::string text;
  for (char c : body.substr(0, 300)) text += (c == '\n' || c == '\r' || c == '\t') ? ' ' : c;
  if (body.size() > 300) text += "...";
  return text;
}

// An answer that is not what it should be, at `place` (the request, outermost first).
Error BadAnswer(Message message, const std::vector<Message>& place) {
  return core::MakeError(ErrorCode::kFailedPrecondition, std::move(message), place);
}

Result<ImportStatus> ParseStatus(const std::string& text, const std::vector<Message>& place) {
  if (text == "SUCCESS" || text == "OK") return ImportStatus::kSuccess;
  if (text == "WARNING") return ImportStatus::kWarning;
  if (text == "ERROR") return ImportStatus::kError;
  return BadAnswer(Message("io.dhis2.unknown_summary_status", {{"status", text}}), place);
}

// ParseImportSummary with its place as a list: the request, then a batch in words.
Result<ImportSummary> ParseImportSummaryAt(std::string_view body,
                                           const std::vector<Message>& place) {
  json root = json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (root.is_discarded() || !root.is_object()) {
    return BadAnswer(Message("io.dhis2.answer_not_object", {{"detail", Dhis2Message(body)}}),
                     place);
  }
  // 2.38+: the summary is the envelope's "response"; before: the body itself.
  const json* s = &root;
  auto response = root.find("response");
  if (response != root.end() && response->is_object()) s = &*response;
  const std::string type = StringField(*s, "responseType");
  if ((!type.empty() && type != "ImportSummary") || (type.empty() && !s->contains("importCount"))) {
    return BadAnswer(Message("io.dhis2.answer_not_summary", {{"detail", Dhis2Message(body)}}),
                     place);
  }
  ImportSummary out;
  std::string status = StringField(*s, "status");
  if (status.empty()) status = StringField(root, "status");
  KENEYA_ASSIGN_OR_RETURN(out.status, ParseStatus(status, place));
  out.description = StringField(*s, "description");
  if (out.description.empty()) out.description = StringField(root, "message");
  if (auto count = s->find("importCount"); count != s->end() && count->is_object()) {
    out.count.imported = IntField(*count, "imported");
    out.count.updated = IntField(*count, "updated");
    out.count.ignored = IntField(*count, "ignored");
    out.count.deleted = IntField(*count, "deleted");
  }
  if (auto conflicts = s->find("conflicts"); conflicts != s->end() && conflicts->is_array()) {
    for (const json& c : *conflicts) {
      if (!c.is_object()) {
        return BadAnswer(Message("io.dhis2.conflict_not_object"), place);
      }
      ImportConflict conflict;
      conflict.object = StringField(c, "object");
      if (auto objects = c.find("objects"); objects != c.end() && objects->is_object()) {
        for (const auto& [key, value] : objects->items()) {
          conflict.objects.emplace_back(
              key, value.is_string() ? value.get<std::string>() : value.dump());
        }
      }
      conflict.value = StringField(c, "value");
      conflict.text = Message::Verbatim(conflict.value);  // DHIS2's own words
      conflict.error_code = StringField(c, "errorCode");
      conflict.property = StringField(c, "property");
      conflict.indexes = Indexes(c, "indexes");
      out.conflicts.push_back(std::move(conflict));
    }
  }
  out.rejected_indexes = Indexes(*s, "rejectedIndexes");
  std::sort(out.rejected_indexes.begin(), out.rejected_indexes.end());
  if (auto complete = s->find("dataSetComplete"); complete != s->end()) {
    out.data_set_complete = complete->is_string() ? complete->get<std::string>() : complete->dump();
  }
  return out;
}

}  // namespace

Result<ImportSummary> ParseImportSummary(std::string_view body, std::string_view where) {
  std::vector<Message> place;
  if (!where.empty()) place.push_back(Message::Verbatim(std::string(where)));
  return ParseImportSummaryAt(body, place);
}

namespace {

// --- URLs -------------------------------------------------------------------------------

// Percent-encodes a query value. Keeps ',', ':' and '/' readable (Tomcat accepts them in a
// query) and encodes the rest of what is not unreserved, notably '[' and ']', which Tomcat
// rejects unencoded.
std::string Encode(std::string_view text) {
  static const char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : text) {
    if (std::isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~' || c == ',' || c == ':' ||
        c == '/') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

// Builds "path?k=v&k=v" with encoded values.
class Query {
 public:
  explicit Query(std::string path) : text_(std::move(path)) {}
  Query& Add(std::string_view key, std::string_view value) {
    text_ += first_ ? '?' : '&';
    first_ = false;
    text_ += key;
    text_ += '=';
    text_ += Encode(value);
    return *this;
  }
  const std::string& str() const { return text_; }

 private:
  std::string text_;
  bool first_ = true;
};

struct ParsedUrl {
  std::string origin;  // "https://host:port"
  std::string prefix;  // "/dhis" or ""
};

Result<ParsedUrl> ParseBaseUrl(std::string url) {
  const std::string where = "base_url";
  while (!url.empty() && url.back() == '/') url.pop_back();
  std::string_view rest = url;
  std::string scheme;
  if (rest.starts_with("http://")) {
    scheme = "http";
  } else if (rest.starts_with("https://")) {
    scheme = "https";
  } else {
    return core::InvalidArgument(Message("io.dhis2.url_scheme", {{"url", url}}), where);
  }
  rest.remove_prefix(scheme.size() + 3);
  const size_t slash = rest.find('/');
  std::string_view authority = rest.substr(0, slash);
  std::string_view path = slash == std::string_view::npos ? "" : rest.substr(slash);
  if (authority.find('@') != std::string_view::npos) {
    // Never echo it: it may hold a password.
    return core::InvalidArgument(Message("io.dhis2.url_user_info"), where);
  }
  if (authority.empty()) return core::InvalidArgument(Message("io.dhis2.url_no_host"), where);
  if (path.find_first_of("?#") != std::string_view::npos ||
      authority.find_first_of("?#") != std::string_view::npos) {
    return core::InvalidArgument(Message("io.dhis2.url_query", {{"url", url}}), where);
  }
  const size_t colon = authority.rfind(':');
  if (colon != std::string_view::npos && authority.find(']') == std::string_view::npos) {
    std::string_view port = authority.substr(colon + 1);
    if (port.empty() || port.size() > 5 ||
        !std::all_of(port.begin(), port.end(), [](char c) { return c >= '0' && c <= '9'; })) {
      return core::InvalidArgument(Message("io.dhis2.url_port", {{"url", url}}), where);
    }
  }
  return ParsedUrl{scheme + "://" + std::string(authority), std::string(path)};
}

Message Describe(httplib::Error error) {
  switch (error) {
    case httplib::Error::Connection:
      return Message("io.dhis2.transport.connection");
    case httplib::Error::ConnectionTimeout:
      return Message("io.dhis2.transport.connect_timeout");
    case httplib::Error::Read:
      return Message("io.dhis2.transport.read");
    case httplib::Error::Write:
      return Message("io.dhis2.transport.write");
    case httplib::Error::SSLConnection:
      return Message("io.dhis2.transport.tls_handshake");
    case httplib::Error::SSLLoadingCerts:
      return Message("io.dhis2.transport.ca_certs");
    case httplib::Error::SSLServerVerification:
      return Message("io.dhis2.transport.untrusted");
    case httplib::Error::Canceled:
      return Message("io.dhis2.transport.canceled");
    case httplib::Error::Compression:
      return Message("io.dhis2.transport.decompression");
    default:
      return Message("io.dhis2.transport.other", {{"detail", httplib::to_string(error)}});
  }
}

struct HttpAnswer {
  int status = 0;
  std::string body;
  std::string location;  // of a redirect
};

// --- Journal ------------------------------------------------------------------------------

constexpr std::string_view kJournalFormat = "keneya DHIS2 push journal";
constexpr int kJournalVersion = 1;

// FNV-1a, 64 bits: tells one push from another by mistake, not by attack.
class Fnv1a {
 public:
  void Add(std::string_view bytes) {
    for (unsigned char c : bytes) {
      hash_ ^= c;
      hash_ *= 0x100000001b3ULL;
    }
  }
  void AddNumber(uint64_t n) { Add(std::to_string(n) + "\n"); }
  std::string Hex() const {
    char text[17];
    std::snprintf(text, sizeof text, "%016llx", static_cast<unsigned long long>(hash_));
    return text;
  }

 private:
  uint64_t hash_ = 0xcbf29ce484222325ULL;
};

struct JournalEntry {
  int http_status = 0;
  ImportSummary summary;  // batch-relative indexes, as DHIS2 answered
};

// The journal of one push: its identity and the batches DHIS2 acknowledged. Not thread-safe:
// the push guards it with its mutex.
class Journal {
 public:
  Journal(std::filesystem::path path, std::string fingerprint, std::string url, size_t values,
          size_t batch_size, size_t batches)
      : path_(std::move(path)),
        fingerprint_(std::move(fingerprint)),
        url_(std::move(url)),
        values_(values),
        batch_size_(batch_size),
        batches_(batches) {}

  bool enabled() const { return !path_.empty(); }
  const std::map<size_t, JournalEntry>& acknowledged() const { return acknowledged_; }

  // Reads the journal if there is one. A journal of another push is an error. Without one,
  // writes an empty one, so that a journal that cannot be written stops the push before it
  // sends anything.
  Status Load() {
    if (!enabled()) return core::OkStatus();
    std::error_code ec;
    if (!std::filesystem::exists(path_, ec)) return Save();
    const std::string where = path_.string();
    std::FILE* file = std::fopen(path_.c_str(), "rb");
    if (file == nullptr) {
      return core::FailedPrecondition(
          Message("io.journal.cannot_read", {{"detail", std::strerror(errno)}}), where);
    }
    std::string text;
    char buffer[65536];
    size_t n;
    while ((n = std::fread(buffer, 1, sizeof buffer, file)) > 0) text.append(buffer, n);
    std::fclose(file);
    auto unreadable = [&](Message why) {
      return core::FailedPrecondition(
          Message("io.journal.unreadable", {{"reason", std::move(why)}}), where);
    };
    json j = json::parse(text, nullptr, /*allow_exceptions=*/false);
    if (!j.is_object() || StringField(j, "format") != kJournalFormat) {
      return unreadable(Message("io.journal.not_a_journal"));
    }
    if (IntField(j, "version") != kJournalVersion) {
      return unreadable(Message("io.journal.unknown_version"));
    }
    if (StringField(j, "fingerprint") != fingerprint_ ||
        IntField(j, "batches") != static_cast<int64_t>(batches_)) {
      return core::FailedPrecondition(
          Message("io.journal.another_push",
                  {{"url", StringField(j, "url")}, {"values", IntField(j, "values")}}),
          where);
    }
    auto entries = j.find("acknowledged");
    if (entries == j.end() || !entries->is_array()) {
      return unreadable(Message("io.journal.no_acknowledged_list"));
    }
    for (const json& e : *entries) {
      if (!e.is_object() || !e.contains("batch") || !e["batch"].is_number_unsigned() ||
          !e.contains("summary")) {
        return unreadable(Message("io.journal.entry_incomplete"));
      }
      const size_t batch = e["batch"].get<size_t>();
      if (batch >= batches_) {
        return unreadable(Message("io.journal.batch_out_of_range", {{"batch", batch}}));
      }
      Result<ImportSummary> summary = ParseImportSummaryAt(
          e["summary"].dump(),
          {Message::Verbatim(where), Message("io.journal.place_batch", {{"batch", batch}})});
      if (!summary.ok()) return unreadable(summary.error().text);
      acknowledged_[batch] =
          JournalEntry{static_cast<int>(IntField(e, "httpStatus")), std::move(summary).value()};
    }
    return core::OkStatus();
  }

  // Records an acknowledged batch and rewrites the journal.
  Status Acknowledge(size_t batch, int http_status, const ImportSummary& summary) {
    if (!enabled()) return core::OkStatus();
    acknowledged_[batch] = JournalEntry{http_status, summary};
    return Save();
  }

  // Writes the journal: temporary file, fsync, rename, so that the journal on disk is always
  // whole (the old one or the new one).
  Status Save() {
    if (!enabled()) return core::OkStatus();
    json entries = json::array();
    for (const auto& [number, entry] : acknowledged_) {
      // DHIS2's own shape, so that ParseImportSummary reads it back.
      json answer = json::parse(ImportSummaryJson(entry.summary));
      answer["response"].erase("keneya");
      entries.push_back(
          {{"batch", number}, {"httpStatus", entry.http_status}, {"summary", answer}});
    }
    json j = {{"format", kJournalFormat},    {"version", kJournalVersion},
              {"fingerprint", fingerprint_}, {"url", url_},
              {"values", values_},           {"batchSize", batch_size_},
              {"batches", batches_},         {"acknowledged", entries}};
    const std::string text = j.dump(1) + "\n";
    const std::string tmp = path_.string() + ".tmp";
    const std::string where = path_.string();
    // `step`: the system call that failed ("rename"), then the system's words for why.
    auto failed = [&](const char* step) {
      return core::FailedPrecondition(
          Message("io.journal.cannot_write", {{"step", step}, {"detail", std::strerror(errno)}}),
          where);
    };
    const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) return failed("open");
    size_t written = 0;
    while (written < text.size()) {
      const ssize_t w = ::write(fd, text.data() + written, text.size() - written);
      if (w < 0) {
        if (errno == EINTR) continue;
        ::close(fd);
        return failed("write");
      }
      written += static_cast<size_t>(w);
    }
    if (::fsync(fd) != 0) {
      ::close(fd);
      return failed("fsync");
    }
    if (::close(fd) != 0) return failed("close");
    if (std::rename(tmp.c_str(), path_.c_str()) != 0) return failed("rename");
    return core::OkStatus();
  }

 private:
  std::filesystem::path path_;
  std::string fingerprint_;
  std::string url_;
  size_t values_;
  size_t batch_size_;
  size_t batches_;
  std::map<size_t, JournalEntry> acknowledged_;
};

std::string SerializeBatch(std::span<const Dhis2DataValue> values) {
  std::ostringstream out;
  auto writer = DataValueSetWriter::Create(DataFormat::kJson, out);
  writer->Begin(DataValueSetHeader{});
  for (const Dhis2DataValue& v : values) {
    OutputDataValue o;
    o.data_element = v.data_element;
    o.period = v.period;
    o.org_unit = v.org_unit;
    o.category_option_combo = v.category_option_combo;
    o.attribute_option_combo = v.attribute_option_combo;
    o.value = v.value;
    o.comment = v.comment;
    o.stored_by = v.stored_by;
    o.followup = v.followup;
    o.deleted = v.deleted;
    writer->Write(o);
  }
  writer->End();
  return std::move(out).str();
}

// "batch 3 (values 3000-3999)".
Message BatchName(const PushBatch& b) {
  return Message("io.push.batch",
                 {{"number", b.number}, {"first", b.first}, {"last", b.first + b.size - 1}});
}

}  // namespace

// --- The client ---------------------------------------------------------------------------

struct Dhis2Client::Impl {
  Dhis2ClientOptions options;
  ParsedUrl url;
  std::unique_ptr<httplib::Client> client;  // for the calls made from the caller's thread

  std::string Url(const std::string& path_and_query) const {
    return options.base_url + path_and_query;
  }

  std::unique_ptr<httplib::Client> NewClient() const {
    auto c = std::make_unique<httplib::Client>(url.origin);
    c->set_connection_timeout(options.connect_timeout);
    c->set_read_timeout(options.read_timeout);
    c->set_write_timeout(options.write_timeout);
    c->set_keep_alive(true);
    // Headers and body go out in separate writes: without TCP_NODELAY, Nagle's algorithm and
    // delayed ACKs hold each request back ~40 ms.
    c->set_tcp_nodelay(true);
    c->set_url_encode(false);  // Query encodes
    c->set_follow_location(false);
    if (!options.credentials.token.empty()) {
      c->set_default_headers({{"Authorization", "ApiToken " + options.credentials.token}});
    } else {
      c->set_basic_auth(options.credentials.user, options.credentials.password);
    }
#ifdef CPPHTTPLIB_OPENSSL_SUPPORT
    if (!options.ca_cert_file.empty()) c->set_ca_cert_path(options.ca_cert_file);
    c->enable_server_certificate_verification(true);
#endif
    return c;
  }

  // Who the credentials name, for messages: never the secret.
  Message Who() const {
    if (!options.credentials.token.empty()) return Message("io.dhis2.who_token");
    return Message("io.dhis2.who_user", {{"user", options.credentials.user}});
  }

  // One request. A transport failure is kUnavailable naming the URL; an answer of any status
  // is returned. `what` says what the request was for ("pushing batch 3 (values ...)"); empty
  // when the URL says enough.
  Result<HttpAnswer> Send(httplib::Client& c, const char* method, const std::string& path,
                          const std::string& body, const Message& what) const {
    const std::string full = url.prefix + path;
    const httplib::Headers headers = {{"Accept", "application/json"}};
    httplib::Result r = std::string_view(method) == "POST"
                            ? c.Post(full, headers, body, "application/json")
                            : c.Get(full, headers);
    const std::string where = Url(path);
    if (!r) {
      // The message names the resource; `where` adds the query.
      const std::string resource = where.substr(0, where.find('?'));
      if (what.empty()) {
        return core::Unavailable(
            Message("io.dhis2.unreachable", {{"url", resource}, {"reason", Describe(r.error())}}),
            where);
      }
      return core::Unavailable(
          Message("io.dhis2.unreachable_while",
                  {{"url", resource}, {"what", what}, {"reason", Describe(r.error())}}),
          where);
    }
    HttpAnswer answer;
    answer.status = r->status;
    answer.body = std::move(r->body);
    answer.location = r->get_header_value("Location");
    return answer;
  }

  // The error for an answer that is not the expected success. `what` says what the request
  // was for ("reading org units (page 2)"); empty when the URL says enough.
  Error HttpError(const HttpAnswer& a, const std::string& path, const Message& what) const {
    const std::string where = Url(path);
    const std::string dhis2 = Dhis2Message(a.body);
    // "<message>: <DHIS2's own message>", when DHIS2 said something.
    auto with_dhis2 = [&](Message message) {
      if (dhis2.empty()) return message;
      return Message("io.dhis2.with_detail", {{"message", std::move(message)}, {"detail", dhis2}});
    };
    // "<what>: <message>", when the request was for something the URL does not say.
    auto during = [&](Message message) {
      if (what.empty()) return message;
      return Message("io.dhis2.during", {{"what", what}, {"message", std::move(message)}});
    };
    if (a.status == 401 || a.status == 403) {
      Message refused("io.dhis2.refused_credentials", {{"who", Who()}, {"status", a.status}});
      if (!what.empty()) {
        refused = Message("io.dhis2.while", {{"message", std::move(refused)}, {"what", what}});
      }
      return core::PermissionDenied(with_dhis2(std::move(refused)), where);
    }
    if (a.status >= 300 && a.status < 400) {
      return core::FailedPrecondition(
          during(Message("io.dhis2.redirect", {{"status", a.status}, {"location", a.location}})),
          where);
    }
    if (a.status == 404) {
      return core::NotFound(
          during(with_dhis2(Message("io.dhis2.no_such_resource", {{"status", a.status}}))), where);
    }
    if (a.status >= 500 || a.status == 429) {
      return core::Unavailable(
          during(with_dhis2(Message("io.dhis2.failed", {{"status", a.status}}))), where);
    }
    return core::InvalidArgument(
        during(with_dhis2(Message("io.dhis2.refused_request", {{"status", a.status}}))), where);
  }

  // GET that must answer 200.
  Result<std::string> Get(const std::string& path, const Message& what) {
    KENEYA_ASSIGN_OR_RETURN(HttpAnswer a, Send(*client, "GET", path, "", what));
    if (a.status != 200) return HttpError(a, path, what);
    return std::move(a.body);
  }
};

Dhis2Client::Dhis2Client(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Dhis2Client::~Dhis2Client() = default;

Result<std::unique_ptr<Dhis2Client>> Dhis2Client::Create(const Dhis2ClientOptions& options) {
  auto impl = std::make_unique<Impl>();
  impl->options = options;
  KENEYA_ASSIGN_OR_RETURN(impl->url, ParseBaseUrl(options.base_url));
  impl->options.base_url = impl->url.origin + impl->url.prefix;
  const Dhis2Credentials& c = options.credentials;
  if (c.token.empty() && c.user.empty()) {
    return core::InvalidArgument(Message("io.dhis2.no_credentials"), "credentials");
  }
  if (options.parallelism < 1) {
    return core::InvalidArgument(
        Message("io.dhis2.bad_parallelism", {{"parallelism", options.parallelism}}), "parallelism");
  }
#ifndef CPPHTTPLIB_OPENSSL_SUPPORT
  if (impl->url.origin.starts_with("https://")) {
    return core::InvalidArgument(Message("io.dhis2.no_https"), "base_url");
  }
#endif
  impl->client = impl->NewClient();
  if (!impl->client->is_valid()) {
    return core::InvalidArgument(Message("io.dhis2.bad_url", {{"url", impl->options.base_url}}),
                                 "base_url");
  }
  return std::unique_ptr<Dhis2Client>(new Dhis2Client(std::move(impl)));
}

const std::string& Dhis2Client::base_url() const { return impl_->options.base_url; }

Result<Dhis2User> Dhis2Client::CheckCredentials() {
  // "userCredentials[username]": older versions have the user name only there.
  const std::string path =
      Query("/api/me")
          .Add("fields",
               "username,name,displayName,organisationUnits[id],userCredentials[username]")
          .str();
  KENEYA_ASSIGN_OR_RETURN(std::string body, impl_->Get(path, Message()));
  json j = json::parse(body, nullptr, /*allow_exceptions=*/false);
  const std::string where = impl_->Url(path);
  if (!j.is_object()) {
    return core::FailedPrecondition(
        Message("io.dhis2.not_a_user_not_json", {{"detail", Dhis2Message(body)}}), where);
  }
  Dhis2User user;
  user.username = StringField(j, "username");
  if (user.username.empty() && j.contains("userCredentials") && j["userCredentials"].is_object()) {
    user.username = StringField(j["userCredentials"], "username");
  }
  user.name = StringField(j, "name");
  if (user.name.empty()) user.name = StringField(j, "displayName");
  if (user.username.empty() && user.name.empty()) {
    return core::FailedPrecondition(Message("io.dhis2.not_a_user_no_username"), where);
  }
  if (auto ous = j.find("organisationUnits"); ous != j.end() && ous->is_array()) {
    for (const json& ou : *ous) {
      if (ou.is_object()) user.org_unit_uids.push_back(StringField(ou, "id"));
    }
  }
  return user;
}

bool Dhis2Client::IsKeneya() {
  auto body = impl_->Get("/api/system/info", Message());
  if (!body.ok()) return false;
  json j = json::parse(*body, nullptr, /*allow_exceptions=*/false);
  return j.is_object() && j.contains("keneyaVersion");
}

Result<MetadataReadResult> Dhis2Client::PullOrgUnits(const store::ProgressFn& progress,
                                                     int page_size) {
  if (page_size < 1) {
    return core::InvalidArgument(Message("io.dhis2.bad_page_size"), "page_size");
  }
  static constexpr std::string_view kFields =
      "id,code,name,shortName,level,path,parent[id],geometry,openingDate,closedDate,"
      "organisationUnitGroups[id],attributeValues[value,attribute[id]]";
  MetadataReadResult out;
  std::set<std::string> seen_lines;
  int64_t read = 0;
  for (int page = 1;; ++page) {
    const std::string path = Query("/api/organisationUnits")
                                 .Add("fields", kFields)
                                 .Add("paging", "true")
                                 .Add("pageSize", std::to_string(page_size))
                                 .Add("page", std::to_string(page))
                                 .str();
    const Message what("io.dhis2.reading_org_units", {{"page", page}});
    KENEYA_ASSIGN_OR_RETURN(std::string body, impl_->Get(path, what));
    const std::string url = impl_->Url(path);
    KENEYA_ASSIGN_OR_RETURN(MetadataReadResult page_read, ReadDhis2Metadata(body, url));
    read += static_cast<int64_t>(page_read.bundle.org_units.size());
    out.bundle.Merge(page_read.bundle);
    for (size_t i = 0; i < page_read.ignored.size(); ++i) {
      std::string& line = page_read.ignored[i];
      if (page_read.ignored_text[i].id() == "io.metadata.not_kept_pager") continue;
      if (!seen_lines.insert(line).second) continue;
      out.ignored.push_back(std::move(line));
      out.ignored_text.push_back(std::move(page_read.ignored_text[i]));
    }
    // The pager decides whether there is more: pageCount when given, else nextPage.
    json j = json::parse(body, nullptr, /*allow_exceptions=*/false);
    const json* pager = nullptr;
    if (j.is_object() && j.contains("pager") && j["pager"].is_object()) pager = &j["pager"];
    int64_t total = read;
    bool more = false;
    if (pager != nullptr) {
      if (pager->contains("total")) total = std::max(read, IntField(*pager, "total"));
      if (pager->contains("pageCount") && (*pager)["pageCount"].is_number_integer()) {
        more = page < IntField(*pager, "pageCount");
      } else {
        more = !StringField(*pager, "nextPage").empty() && !page_read.bundle.org_units.empty();
      }
    }
    if (progress) progress(store::Progress{"org units", read, total});
    if (!more) break;
  }
  return out;
}

Result<MetadataReadResult> Dhis2Client::PullMetadata() {
  const std::string refs = "attributeValues[value,attribute[id]]";
  const std::string path =
      Query("/api/metadata")
          .Add("organisationUnitGroups", "true")
          .Add("organisationUnitGroupSets", "true")
          .Add("categoryOptions", "true")
          .Add("categories", "true")
          .Add("categoryCombos", "true")
          .Add("categoryOptionCombos", "true")
          .Add("dataElements", "true")
          .Add("dataSets", "true")
          .Add("optionSets", "true")
          .Add("attributes", "true")
          // Group members come with the org units (PullOrgUnits): leaving them out here keeps
          // the answer small and the reader from reporting members outside the file.
          .Add("organisationUnitGroups:fields", "id,code,name,groupSets[id]")
          .Add("organisationUnitGroupSets:fields", "id,code,name,organisationUnitGroups[id]")
          .Add("categoryOptions:fields", "id,code,name,startDate,endDate," + refs)
          .Add("categories:fields", "id,code,name,dataDimensionType,categoryOptions[id]")
          .Add("categoryCombos:fields", "id,code,name,dataDimensionType,categories[id]")
          .Add("categoryOptionCombos:fields",
               "id,code,name,categoryCombo[id],categoryOptions[id]," + refs)
          .Add("dataElements:fields",
               "id,code,name,shortName,description,valueType,domainType,zeroIsSignificant,"
               "categoryCombo[id],optionSet[id]," +
                   refs)
          .Add("dataSets:fields",
               "id,code,name,periodType,categoryCombo[id],"
               "dataSetElements[dataElement[id],categoryCombo[id]],organisationUnits[id],"
               "expiryDays,openFuturePeriods," +
                   refs)
          .Add("optionSets:fields", "id,code,name,valueType,options[id,code,name,sortOrder]")
          .Add("attributes:fields", "id,code,name")
          .str();
  KENEYA_ASSIGN_OR_RETURN(std::string body, impl_->Get(path, Message("io.dhis2.reading_metadata")));
  return ReadDhis2Metadata(body, impl_->Url(path));
}

namespace {

// Passes a response's values on with indexes that continue those of earlier responses.
class ContinuingHandler final : public DataValueSetHandler {
 public:
  explicit ContinuingHandler(DataValueSetHandler& inner) : inner_(inner) {}
  Status OnGroup(const DataValueSetHeader& header) override { return inner_.OnGroup(header); }
  Status OnValue(const RawDataValue& value) override {
    RawDataValue shifted = value;
    shifted.index = offset_ + value.index;
    in_response_ = std::max(in_response_, value.index + 1);
    return inner_.OnValue(shifted);
  }
  // Called after each response.
  void NextResponse() {
    offset_ += in_response_;
    in_response_ = 0;
  }

 private:
  DataValueSetHandler& inner_;
  size_t offset_ = 0;
  size_t in_response_ = 0;
};

template <typename T>
std::vector<std::span<const T>> Chunks(const std::vector<T>& items, size_t size) {
  std::vector<std::span<const T>> out;
  for (size_t i = 0; i < items.size(); i += size) {
    out.emplace_back(items.data() + i, std::min(size, items.size() - i));
  }
  return out;
}

}  // namespace

Status Dhis2Client::PullDataValues(const DataValuePull& pull, DataValueSetHandler& handler,
                                   const store::ProgressFn& progress) {
  if (pull.data_sets.empty()) {
    return core::InvalidArgument(Message("io.dhis2.no_data_set_to_pull"), "data_sets");
  }
  if (pull.periods.empty()) {
    return core::InvalidArgument(Message("io.dhis2.no_period_to_pull"), "periods");
  }
  if (pull.org_units.empty()) {
    return core::InvalidArgument(Message("io.dhis2.no_org_unit_to_pull"), "org_units");
  }
  if (pull.org_units_per_request < 1 || pull.periods_per_request < 1) {
    return core::InvalidArgument(Message("io.dhis2.bad_request_size"), "org_units_per_request");
  }
  const auto ou_batches = Chunks(pull.org_units, static_cast<size_t>(pull.org_units_per_request));
  const auto pe_batches = Chunks(pull.periods, static_cast<size_t>(pull.periods_per_request));
  const int64_t total = static_cast<int64_t>(ou_batches.size() * pe_batches.size());
  ContinuingHandler continuing(handler);
  int64_t done = 0;
  for (const auto& ous : ou_batches) {
    for (const auto& pes : pe_batches) {
      Query query("/api/dataValueSets");
      for (const std::string& ds : pull.data_sets) query.Add("dataSet", ds);
      for (const std::string& pe : pes) query.Add("period", pe);
      for (const std::string& ou : ous) query.Add("orgUnit", ou);
      // The list is the whole subtree already: children=true would return values twice.
      query.Add("children", "false");
      if (!pull.id_scheme.empty()) query.Add("idScheme", pull.id_scheme);
      if (!pull.state.empty()) query.Add("state", pull.state);
      const Message what("io.dhis2.reading_data_values",
                         {{"request", done + 1}, {"requests", total}});
      KENEYA_ASSIGN_OR_RETURN(std::string body, impl_->Get(query.str(), what));
      KENEYA_RETURN_IF_ERROR(
          ReadDataValueSet(DataFormat::kJson, body, impl_->Url(query.str()), continuing));
      continuing.NextResponse();
      ++done;
      if (progress) progress(store::Progress{"pull", done, total});
    }
  }
  return core::OkStatus();
}

Result<PushResult> Dhis2Client::PushDataValues(std::span<const Dhis2DataValue> values,
                                               const PushOptions& options,
                                               const store::ProgressFn& progress) {
  if (options.batch_size == 0) {
    return core::InvalidArgument(Message("io.dhis2.bad_batch_size"), "batch_size");
  }
  Query query("/api/dataValueSets");
  if (!options.import_strategy.empty()) query.Add("importStrategy", options.import_strategy);
  if (options.dry_run) query.Add("dryRun", "true");
  if (!options.id_scheme.empty()) query.Add("idScheme", options.id_scheme);
  if (!options.state.empty()) query.Add("state", options.state);
  const std::string path = query.str();
  const std::string url = impl_->Url(path);

  PushResult result;
  result.values = values.size();
  result.dry_run = options.dry_run;
  const size_t batch_count = (values.size() + options.batch_size - 1) / options.batch_size;
  for (size_t b = 0; b < batch_count; ++b) {
    PushBatch batch;
    batch.number = b;
    batch.first = b * options.batch_size;
    batch.size = std::min(options.batch_size, values.size() - batch.first);
    result.batches.push_back(batch);
  }
  auto batch_values = [&](const PushBatch& b) { return values.subspan(b.first, b.size); };

  // The push's identity: where it goes, how it is cut, and every byte it sends.
  Fnv1a fingerprint;
  fingerprint.Add(url);
  fingerprint.AddNumber(options.batch_size);
  fingerprint.AddNumber(values.size());
  if (!options.journal.empty()) {
    for (const PushBatch& b : result.batches) {
      const std::string body = SerializeBatch(batch_values(b));
      fingerprint.AddNumber(body.size());
      fingerprint.Add(body);
    }
  }
  Journal journal(options.journal, fingerprint.Hex(), url, values.size(), options.batch_size,
                  batch_count);
  KENEYA_RETURN_IF_ERROR(journal.Load());

  std::vector<std::optional<ImportSummary>> summaries(batch_count);
  std::vector<size_t> pending;
  for (PushBatch& b : result.batches) {
    auto it = journal.acknowledged().find(b.number);
    if (it == journal.acknowledged().end()) {
      pending.push_back(b.number);
      continue;
    }
    b.state = PushBatchState::kAcknowledgedEarlier;
    b.http_status = it->second.http_status;
    summaries[b.number] = it->second.summary;
  }

  // Workers take the next pending batch until none is left or a failure stops the push. Each
  // writes only its batch's slots; the mutex guards the journal and the progress callback.
  std::mutex mutex;
  std::atomic<size_t> next{0};
  std::atomic<bool> stop{false};
  std::atomic<int64_t> finished{static_cast<int64_t>(batch_count - pending.size())};
  const int64_t total = static_cast<int64_t>(batch_count);
  auto send = [&](httplib::Client& client, PushBatch& b) {
    const Message pushing("io.dhis2.pushing", {{"batch", BatchName(b)}});
    Result<HttpAnswer> answer =
        impl_->Send(client, "POST", path, SerializeBatch(batch_values(b)), pushing);
    if (!answer.ok()) {
      b.state = PushBatchState::kFailed;
      b.error = answer.error();
      stop = true;
      return;
    }
    b.http_status = answer->status;
    Result<ImportSummary> summary = core::FailedPrecondition(Message("io.dhis2.no_answer"));
    if (answer->status == 200 || answer->status == 201 || answer->status == 409) {
      summary = ParseImportSummaryAt(answer->body, {Message::Verbatim(url), BatchName(b)});
    }
    if (!summary.ok()) {
      b.state = PushBatchState::kFailed;
      Error e = (answer->status == 200 || answer->status == 201)
                    ? summary.error()
                    : impl_->HttpError(*answer, path, pushing);
      if (answer->status == 200 || answer->status == 201) {
        e = core::MakeError(
            e.code, Message("io.dhis2.during", {{"what", pushing}, {"message", e.text}}), e.place);
      }
      b.error = std::move(e);
      stop = true;
      return;
    }
    b.status = summary->status;
    b.count = summary->count;
    b.conflicts = summary->conflicts.size();
    if (summary->status == ImportStatus::kError) {
      // DHIS2 read the batch and imported nothing of it: not journaled, so that running the
      // push again (after fixing what it says) sends it again.
      b.state = PushBatchState::kRejected;
      Message message("io.push.rejected", {{"batch", BatchName(b)}, {"status", answer->status}});
      if (!summary->description.empty()) {
        message = Message("io.dhis2.with_detail",
                          {{"message", std::move(message)}, {"detail", summary->description}});
      }
      if (!summary->conflicts.empty()) {
        // DHIS2's first conflict, as DHIS2 wrote it.
        const ImportConflict& c = summary->conflicts.front();
        message =
            Message("io.push.first_conflict",
                    {{"message", std::move(message)},
                     {"conflict", (c.error_code.empty() ? "" : c.error_code + " ") + c.value}});
      }
      b.error = core::InvalidArgument(std::move(message), url);
      summaries[b.number] = std::move(summary).value();
      return;
    }
    b.state = PushBatchState::kAcknowledged;
    {
      std::lock_guard<std::mutex> lock(mutex);
      Status written = journal.Acknowledge(b.number, b.http_status, *summary);
      if (!written.ok()) {
        // DHIS2 has the batch, but a rerun would not know it: say so, and stop.
        Error e = written.error();
        e = core::MakeError(e.code,
                            Message("io.push.journal_failed_after_ack",
                                    {{"reason", e.text}, {"batch", BatchName(b)}}),
                            e.place);
        b.error = std::move(e);
        stop = true;
      }
    }
    summaries[b.number] = std::move(summary).value();
  };
  auto worker = [&]() {
    std::unique_ptr<httplib::Client> client;
    while (!stop) {
      const size_t i = next++;
      if (i >= pending.size()) break;
      PushBatch& b = result.batches[pending[i]];
      try {
        if (!client) client = impl_->NewClient();
        send(*client, b);
      } catch (const std::exception& e) {
        b.state = PushBatchState::kFailed;
        b.error = core::Internal(
            Message("io.push.unexpected_failure", {{"batch", BatchName(b)}, {"detail", e.what()}}),
            url);
        stop = true;
      }
      const int64_t done = ++finished;
      if (progress) {
        std::lock_guard<std::mutex> lock(mutex);
        progress(store::Progress{"push", done, total});
      }
    }
  };
  const size_t threads = std::min(pending.size(), static_cast<size_t>(impl_->options.parallelism));
  std::vector<std::thread> pool;
  for (size_t t = 0; t < threads; ++t) pool.emplace_back(worker);
  for (std::thread& t : pool) t.join();

  // Sum in batch order: the same answers give the same result whatever the thread count.
  bool warning = false;
  for (PushBatch& b : result.batches) {
    if (b.error && !result.error) result.error = b.error;
    if (b.state == PushBatchState::kAcknowledgedEarlier && summaries[b.number]) {
      b.status = summaries[b.number]->status;
      b.count = summaries[b.number]->count;
      b.conflicts = summaries[b.number]->conflicts.size();
    }
    if (!summaries[b.number]) continue;
    const ImportSummary& s = *summaries[b.number];
    result.count.imported += s.count.imported;
    result.count.updated += s.count.updated;
    result.count.ignored += s.count.ignored;
    result.count.deleted += s.count.deleted;
    if (s.status == ImportStatus::kWarning) warning = true;
    for (const ImportConflict& c : s.conflicts) {
      PushConflict pc;
      pc.conflict = c;
      for (size_t& i : pc.conflict.indexes) i += b.first;
      pc.category = ClassifyConflict(c.error_code);
      pc.batch = b.number;
      ++result.conflicts_by_category[pc.category];
      result.conflicts.push_back(std::move(pc));
    }
    for (size_t i : s.rejected_indexes) result.rejected_indexes.push_back(b.first + i);
  }
  std::sort(result.rejected_indexes.begin(), result.rejected_indexes.end());
  if (!result.complete()) {
    result.status = ImportStatus::kError;
    if (!result.error) {
      result.error = core::Unavailable(Message("io.push.stopped"), url);
    }
  } else if (warning || !result.conflicts.empty()) {
    result.status = ImportStatus::kWarning;
  }
  return result;
}

}  // namespace keneya::io
