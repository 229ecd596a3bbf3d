#include "io/import_summary.h"

#include <nlohmann/json.hpp>

#include "core/text.h"

namespace keneya::io {

using core::Language;

std::string_view ImportStatusName(ImportStatus status) {
  switch (status) {
    case ImportStatus::kSuccess:
      return "SUCCESS";
    case ImportStatus::kWarning:
      return "WARNING";
    case ImportStatus::kError:
      return "ERROR";
  }
  return "ERROR";
}

std::string ImportSummaryJson(const ImportSummary& s) {
  using nlohmann::ordered_json;
  ordered_json conflicts = ordered_json::array();
  for (const ImportConflict& c : s.conflicts) {
    ordered_json objects = ordered_json::object();
    for (const auto& [key, value] : c.objects) objects[key] = value;
    ordered_json conflict;
    if (!c.object.empty()) conflict["object"] = c.object;
    conflict["objects"] = objects;
    conflict["value"] = c.value;
    if (!c.error_code.empty()) conflict["errorCode"] = c.error_code;
    if (!c.property.empty()) conflict["property"] = c.property;
    conflict["indexes"] = c.indexes;
    conflicts.push_back(conflict);
  }
  ordered_json response;
  response["responseType"] = "ImportSummary";
  response["status"] = ImportStatusName(s.status);
  response["description"] = s.description;
  response["importCount"] = {{"imported", s.count.imported},
                             {"updated", s.count.updated},
                             {"ignored", s.count.ignored},
                             {"deleted", s.count.deleted}};
  response["conflicts"] = conflicts;
  response["rejectedIndexes"] = s.rejected_indexes;
  response["dataSetComplete"] = s.data_set_complete;
  response["keneya"] = {
      {"importId", s.import_id}, {"dryRun", s.dry_run}, {"valuesRead", s.values_read}};

  ordered_json envelope;
  const bool ok = s.status == ImportStatus::kSuccess;
  envelope["httpStatus"] = ok ? "OK" : "Conflict";
  envelope["httpStatusCode"] = ok ? 200 : 409;
  envelope["status"] = ok ? "OK" : (s.status == ImportStatus::kWarning ? "WARNING" : "ERROR");
  envelope["message"] = ok ? "Import was successful."
                           : (s.status == ImportStatus::kWarning
                                  ? "One more conflicts encountered, please check import summary."
                                  : "An error occurred, please check import summary.");
  envelope["response"] = response;
  // Whatever bytes the file put in a conflict, the summary is written: once values are
  // committed, their answer must not fail (invalid UTF-8 becomes U+FFFD).
  return envelope.dump(2, ' ', false, ordered_json::error_handler_t::replace);
}

core::Message ConflictText(const ImportConflict& conflict) {
  return conflict.text.empty() ? core::Message::Verbatim(conflict.value) : conflict.text;
}

core::Message ErrorText(const core::Error& error) {
  core::Message where;
  for (const core::Message& part : error.place) {
    if (part.empty()) continue;
    where =
        where.empty() ? part : core::Message("core.place_in", {{"outer", where}, {"inner", part}});
  }
  if (where.empty()) return error.text;
  return core::Message("core.message_at", {{"message", error.text}, {"where", where}});
}

namespace {

// "3, 8, 12", or the first ten and how many more: "3, 8, ... and 5 more".
core::MessageArg Positions(const std::vector<size_t>& indexes) {
  std::string shown;
  constexpr size_t kShown = 10;
  for (size_t i = 0; i < indexes.size() && i < kShown; ++i) {
    shown += i == 0 ? "" : ", ";
    shown += std::to_string(indexes[i]);
  }
  if (indexes.size() <= kShown) return core::MessageArg("positions", shown);
  return core::MessageArg("positions",
                          core::Message("io.summary.positions_and_more",
                                        {{"shown", shown}, {"more", indexes.size() - kShown}}));
}

// "dataElement f7n9E0hX8qk, period 201201": DHIS2's names of the objects and their identifiers.
std::string Objects(const ImportConflict& c) {
  std::string out;
  for (size_t i = 0; i < c.objects.size(); ++i) {
    out += (i == 0 ? "" : ", ") + c.objects[i].first + " " + c.objects[i].second;
  }
  return out;
}

}  // namespace

core::Message DryRunIf(bool dry_run, core::Message summary) {
  if (!dry_run) return summary;
  return core::Message("io.summary.dry_run", {{"summary", std::move(summary)}});
}

core::Message ConflictLine(const ImportConflict& c, core::Message text) {
  core::Message line = std::move(text);
  if (!c.error_code.empty()) {
    line = core::Message("io.summary.conflict_code", {{"code", c.error_code}, {"conflict", line}});
  }
  if (!c.objects.empty()) {
    line =
        core::Message("io.summary.conflict_objects", {{"conflict", line}, {"objects", Objects(c)}});
  }
  return line;
}

core::Message ConflictPositions(core::Message line, const std::vector<size_t>& indexes,
                                bool always_plural) {
  const bool one = indexes.size() == 1 && !always_plural;
  return core::Message(one ? "io.summary.conflict_value" : "io.summary.conflict_values",
                       {{"conflict", std::move(line)}, Positions(indexes)});
}

std::string ImportSummaryText(const ImportSummary& s, Language l) {
  const char* outcome = s.status == ImportStatus::kSuccess   ? "io.summary.succeeded"
                        : s.status == ImportStatus::kWarning ? "io.summary.finished_with_conflicts"
                                                             : "io.summary.refused";
  const core::Message counts("io.summary.counts", {{"outcome", core::Message(outcome)},
                                                   core::Grouped("imported", s.count.imported),
                                                   core::Grouped("updated", s.count.updated),
                                                   core::Grouped("ignored", s.count.ignored),
                                                   core::Grouped("deleted", s.count.deleted),
                                                   core::Grouped("read", s.values_read)});
  std::string out = core::Render(DryRunIf(s.dry_run, counts), l) + "\n";
  if (s.status == ImportStatus::kError && !s.description.empty()) {
    const core::Message description =
        s.description_text.empty() ? core::Message::Verbatim(s.description) : s.description_text;
    out += "  " + core::Render(description, l) + "\n";
  }
  if (s.data_set_complete != "false") {
    out += "  " + core::Text(l, "io.summary.complete_on", {{"date", s.data_set_complete}}) + "\n";
  }
  for (const ImportConflict& c : s.conflicts) {
    core::Message line = ConflictLine(c, ConflictText(c));
    if (!c.indexes.empty()) line = ConflictPositions(std::move(line), c.indexes, false);
    out += "  - " + core::Render(line, l) + "\n";
  }
  return core::ToValidUtf8(out);
}

}  // namespace keneya::io
