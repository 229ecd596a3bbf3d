// libFuzzer target for one data value set format (KENEYA_FUZZ_FORMAT: kJson, kXml, kCsv or kAdx):
// any bytes go through the importer into a SQLite store holding DHIS2's test metadata, with a
// strategy and dry-run choice taken from the input's length. Beyond "no crash", it holds:
// - a refused file (ERROR), and any dry run, leaves the store as it was: no commit at all (SQLite's
//   data_version, seen from another connection, has not moved);
// - the import's summary, as JSON and as text, is valid UTF-8 and the JSON parses;
// - what an accepted file left in the store exports as valid UTF-8, in JSON and in CSV, and both
//   exports import again (dry run) to the same values: nothing created, updated or deleted, no
//   conflict. (JSON, and for one CSV or XML file in four, the file's own format too.)
// - JSON read in windows (as a large file is, here with windows of 64 to 574 bytes) gives the
//   same calls and the same error as the file read whole; a file that simdjson's first pass
//   refuses whole (not UTF-8, a string never closed) fails before any call whole, and fails in
//   windows too (at its window: see io::ReadOptions).
#include <cstddef>
#include <cstdint>
#include <memory>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>

#include "core/text.h"
#include "fuzz/fuzz_support.h"
#include "io/data_value_set.h"
#include "io/exporter.h"
#include "io/importer.h"

namespace keneya::fuzz {
namespace {

constexpr io::DataFormat kFormat = io::DataFormat::KENEYA_FUZZ_FORMAT;

// The store's metadata, loaded once per fresh store: the imports take it as a server would.
std::shared_ptr<const core::MetadataBundle>& Metadata() {
  static std::shared_ptr<const core::MetadataBundle> metadata;
  return metadata;
}

io::ImportOptions Options(size_t size) {
  io::ImportOptions options;
  options.metadata = Metadata();
  options.actor = {"fuzz", "fuzz", ""};
  options.today = core::Date::Parse("2024-06-15").value();
  constexpr store::LoadStrategy kStrategies[] = {
      store::LoadStrategy::kCreateAndUpdate, store::LoadStrategy::kCreateAndUpdate,
      store::LoadStrategy::kCreate, store::LoadStrategy::kUpdate, store::LoadStrategy::kDelete};
  options.strategy = kStrategies[size % 5];
  options.dry_run = size % 7 == 3;
  options.atomic = size % 11 == 5;
  return options;
}

// Every value of the store, deleted ones too, in `format`.
std::string Export(store::Store& store, io::DataFormat format) {
  io::ExportOptions options;
  options.format = format;
  options.state = "declared";
  options.include_deleted = true;
  std::ostringstream out;
  auto written = io::ExportDataValues(store, options, out, nullptr);
  if (!written.ok()) Broken("the export failed", written.error().ToString());
  return out.str();
}

void RequireSummaryReadable(const io::ImportSummary& summary) {
  const std::string json = io::ImportSummaryJson(summary);
  Require(core::IsValidUtf8(json), "the JSON summary is not UTF-8", json);
  Require(!nlohmann::json::parse(json, nullptr, false).is_discarded(),
          "the JSON summary does not parse", json);
  for (core::Language language : {core::Language::kFrench, core::Language::kEnglish}) {
    Require(core::IsValidUtf8(io::ImportSummaryText(summary, language)),
            "the text summary is not UTF-8");
  }
}

// The export imports again without changing anything.
void RequireReimportsUnchanged(store::Store& store, io::DataFormat format,
                               const std::string& exported) {
  io::ImportOptions options = Options(0);
  options.dry_run = true;
  options.strategy = store::LoadStrategy::kCreateAndUpdate;
  io::Importer importer(store, options);
  auto again = importer.Import(format, exported, "export", nullptr);
  if (!again.ok()) Broken("importing the export failed", again.error().ToString());
  const bool same = again->status == io::ImportStatus::kSuccess && again->count.imported == 0 &&
                    again->count.updated == 0 && again->count.deleted == 0 &&
                    again->conflicts.empty();
  Require(same, "the export does not import again to the same values",
          io::ImportSummaryJson(*again) + "\n" + exported);
}

// Every call a reader made, as text.
class Transcript final : public io::DataValueSetHandler {
 public:
  core::Status OnGroup(const io::DataValueSetHeader& h) override {
    text += "group " + h.data_set + "|" + h.period + "|" + h.org_unit + "|" + h.complete_date +
            "|" + h.attribute_option_combo + "|" + h.id_scheme + "\n";
    return core::OkStatus();
  }
  core::Status OnValue(const io::RawDataValue& v) override {
    text += "value " + std::to_string(v.index) + " " + std::to_string(v.line);
    for (std::string_view field :
         {v.data_element, v.period, v.org_unit, v.category_option_combo, v.attribute_option_combo,
          v.value, v.stored_by, v.created, v.last_updated, v.comment}) {
      text += "|";
      text += field;
    }
    text += std::to_string(v.has_value) + std::to_string(v.has_comment) +
            std::to_string(v.followup.value_or(false) + 2 * v.followup.has_value()) +
            std::to_string(v.deleted.value_or(false) + 2 * v.deleted.has_value()) + "\n";
    return core::OkStatus();
  }
  std::string text;
};

struct Reading {
  std::string calls;
  std::string error;  // empty when the reading succeeded
};

Reading Read(std::string_view bytes, size_t window) {
  Transcript transcript;
  io::ReadOptions options;
  options.window_bytes = window;
  core::Status status =
      io::ReadDataValueSet(io::DataFormat::kJson, bytes, "fuzz", transcript, options);
  return {std::move(transcript.text), status.ok() ? "" : status.error().ToString()};
}

void RequireWindowsReadAsWhole(std::string_view bytes) {
  const size_t window = 64 + bytes.size() % 511;
  if (bytes.size() <= 4 * window) return;  // read whole anyway
  const Reading whole = Read(bytes, size_t{1} << 30);
  const Reading windows = Read(bytes, window);
  const std::string detail =
      "whole:\n" + whole.calls + whole.error + "\nin windows:\n" + windows.calls + windows.error;
  if (!whole.error.empty() && whole.calls.empty()) {
    Require(!windows.error.empty(), "a file refused whole is read in windows", detail);
    return;
  }
  Require(windows.calls == whole.calls && windows.error == whole.error,
          "read in windows of " + std::to_string(window) +
              " bytes, the file gives other calls than read whole",
          detail);
}

}  // namespace
}  // namespace keneya::fuzz

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace keneya;
  using namespace keneya::fuzz;
  static FuzzStore stores(/*reset_every=*/500);
  store::Store& store = stores.Next();
  if (stores.fresh()) {
    auto loaded = store.LoadMetadata();
    if (!loaded.ok()) Broken("cannot load the metadata", loaded.error().ToString());
    Metadata() = std::make_shared<const core::MetadataBundle>(std::move(loaded).value());
  }
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  if (kFormat == io::DataFormat::kJson) RequireWindowsReadAsWhole(bytes);

  const int64_t before = stores.Revision();
  const io::ImportOptions options = Options(size);
  io::Importer importer(store, options);
  auto summary = importer.Import(kFormat, bytes, "fuzz", nullptr);
  // An Error is the store's failure, never the file's.
  if (!summary.ok()) Broken("the import failed instead of answering", summary.error().ToString());
  RequireSummaryReadable(*summary);

  if (summary->status == io::ImportStatus::kError || options.dry_run) {
    Require(stores.Revision() == before, "a refused file or a dry run wrote something");
    return 0;
  }
  if (summary->import_id == 0) return 0;  // nothing to write: nothing written
  const std::string exported = Export(store, io::DataFormat::kJson);
  Require(core::IsValidUtf8(exported), "the JSON export is not UTF-8", exported);
  RequireReimportsUnchanged(store, io::DataFormat::kJson, exported);
  if ((kFormat == io::DataFormat::kCsv || kFormat == io::DataFormat::kXml) && size % 4 == 0) {
    // The file's own format too, for one input in four (ADX needs codes the test metadata
    // lacks).
    const std::string own = Export(store, kFormat);
    Require(core::IsValidUtf8(own), "the export in the file's format is not UTF-8", own);
    RequireReimportsUnchanged(store, kFormat, own);
  }
  return 0;
}
