// Importers that no file can break: text that is not UTF-8 is a file error naming its place in
// every format and every field, nothing written; a summary is valid JSON whatever its conflicts
// hold; a dry run leaves every table as it was, on both engines.
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "core/text.h"
#include "io/dhis2_metadata.h"
#include "io/importer.h"
#include "tests/io/fixture.h"
#include "tests/store/test_database.h"

namespace keneya::io {
namespace {

using store::testing::Engine;
using store::testing::EngineName;
using store::testing::TestDatabase;

class ImportHardeningTest : public ::testing::TestWithParam<Engine> {
 protected:
  void SetUp() override {
    if (std::string why = store::testing::Unavailable(GetParam()); !why.empty()) {
      if (std::getenv("KENEYA_REQUIRE_POSTGRES") != nullptr) FAIL() << why;
      GTEST_SKIP() << why;
    }
    db_ = std::make_unique<TestDatabase>(GetParam());
    store_ = db_->Open();
    ASSERT_NE(store_, nullptr);
    auto read = ReadDhis2Metadata(Fixture("expected/metadata-for-tests.json"), "metadata.json");
    ASSERT_TRUE(read.ok());
    ASSERT_TRUE(store_->SaveMetadata(read->bundle, {"test", "test", ""}).ok());
  }

  ImportSummary Import(DataFormat format, const std::string& bytes, ImportOptions options = {}) {
    options.actor = {"test", "test", ""};
    options.today = core::Date::Parse("2024-06-01").value();
    Importer importer(*store_, options);
    auto summary = importer.Import(format, bytes, "bad", nullptr);
    EXPECT_TRUE(summary.ok()) << summary.error().ToString();
    return summary.ok() ? *summary : ImportSummary{};
  }

  std::unique_ptr<TestDatabase> db_;
  std::unique_ptr<store::Store> store_;
};

// One value of DataSetA (DE_A, OU_A, `period` given as yyyymm) in each format, with `value`,
// `comment` and the org unit's identifier followed by `org_unit_suffix` (its uid, or its code in
// ADX, whose comment is the annotation). Each file puts the value on its third line.
std::string File(DataFormat format, const std::string& value, const std::string& comment,
                 const std::string& org_unit_suffix, const std::string& period = "201201") {
  const std::string adx_period = period.substr(0, 4) + "-" + period.substr(4) + "-01/P1M";
  switch (format) {
    case DataFormat::kJson:
      return "{\n\"dataValues\": [\n{\"dataElement\": \"f7n9E0hX8qk\", \"period\": \"" + period +
             "\", "
             "\"orgUnit\": \"DiszpKrYNg8" +
             org_unit_suffix + "\", \"value\": \"" + value + "\", \"comment\": \"" + comment +
             "\"}\n]}\n";
    case DataFormat::kXml:
      return "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
             "<dataValueSet xmlns=\"http://dhis2.org/schema/dxf/2.0\">\n"
             "<dataValue dataElement=\"f7n9E0hX8qk\" period=\"" +
             period + "\" orgUnit=\"DiszpKrYNg8" + org_unit_suffix + "\" value=\"" + value +
             "\" comment=\"" + comment + "\"/>\n</dataValueSet>\n";
    case DataFormat::kCsv:
      return "dataelement,period,orgunit,value,storedby,lastupdated,comment\n"
             "\n"  // a blank line, skipped
             "f7n9E0hX8qk," +
             period + ",DiszpKrYNg8" + org_unit_suffix + "," + value + ",test,," + comment + "\n";
    case DataFormat::kAdx:
      return "<adx xmlns=\"urn:ihe:qrph:adx:2015\">\n"
             "<group dataSet=\"DS_A\" period=\"" +
             adx_period + "\" orgUnit=\"OU_A" + org_unit_suffix +
             "\">\n<dataValue dataElement=\"DE_A\" value=\"" + value + "\"><annotation>" + comment +
             "</annotation></dataValue>\n</group>\n</adx>\n";
  }
  return {};
}

struct Form {
  const char* name;
  std::string bytes;
  const char* why;  // in the English message
};
const Form kForms[] = {
    {"surrogate", "\xED\xA0\x80", "ED A0 80 encodes a surrogate"},
    {"overlong", "\xE0\x80\xAF", "E0 80 AF is an overlong form"},
    {"beyond U+10FFFF", "\xF4\x90\x80\x80", "F4 90 80 80 encodes a code point above U+10FFFF"},
};
const DataFormat kFormats[] = {DataFormat::kJson, DataFormat::kXml, DataFormat::kCsv,
                               DataFormat::kAdx};

// "bad:3:41": the line and column of `bytes` in `file`, whose other text is ASCII.
std::string PlaceOf(const std::string& file, const std::string& bytes) {
  const size_t at = file.find(bytes);
  const size_t line_start = file.rfind('\n', at) + 1;
  const size_t line = static_cast<size_t>(std::count(file.begin(), file.begin() + at, '\n')) + 1;
  return "bad:" + std::to_string(line) + ":" + std::to_string(at - line_start + 1);
}

TEST_P(ImportHardeningTest, TextThatIsNotUtf8IsAFileErrorAtItsPlaceInEveryFormatAndField) {
  for (DataFormat format : kFormats) {
    const std::string name(DataFormatName(format));
    // The same files without the bad bytes import their value: the bytes alone are refused.
    ImportOptions dry;
    dry.dry_run = true;
    ImportSummary clean = Import(format, File(format, "5", "ok", ""), dry);
    ASSERT_EQ(clean.status, ImportStatus::kSuccess) << name << ": " << clean.description;
    ASSERT_EQ(clean.count.imported, 1) << name;

    for (const Form& form : kForms) {
      const std::string files[] = {File(format, "5" + form.bytes, "ok", ""),
                                   File(format, "5", "ok" + form.bytes, ""),
                                   File(format, "5", "ok", form.bytes)};
      const char* fields[] = {"value", "comment", "identifier"};
      for (int f = 0; f < 3; ++f) {
        SCOPED_TRACE(name + ", " + form.name + " in the " + fields[f]);
        const std::string before = db_->Dump();
        ImportSummary s = Import(format, files[f]);
        EXPECT_EQ(s.status, ImportStatus::kError);
        EXPECT_EQ(s.count.imported, 0);
        EXPECT_EQ(s.values_read, 0);
        EXPECT_NE(s.description.find(std::string("the text is not valid UTF-8: the sequence ") +
                                     form.why),
                  std::string::npos)
            << s.description;
        const std::string place = PlaceOf(files[f], form.bytes);
        EXPECT_NE(s.description.find("(" + place + ")"), std::string::npos)
            << place << " not in " << s.description;
        EXPECT_EQ(db_->Dump(), before);
      }
    }
  }
  EXPECT_TRUE(store_->Imports()->empty());
}

TEST_P(ImportHardeningTest, ADryRunLeavesEveryTableAsItWas) {
  // Something stored first, so that updates, deletes and skips have something to act on.
  ImportSummary first = Import(DataFormat::kJson, File(DataFormat::kJson, "5", "ok", ""));
  ASSERT_EQ(first.status, ImportStatus::kSuccess) << first.description;
  const store::LoadStrategy strategies[] = {
      store::LoadStrategy::kCreateAndUpdate, store::LoadStrategy::kCreate,
      store::LoadStrategy::kUpdate, store::LoadStrategy::kDelete};
  const std::string before = db_->Dump();
  ASSERT_NE(before.find("data_import: "), std::string::npos);
  for (DataFormat format : kFormats) {
    // A changed value, and one in a period the database has never seen (a new period row).
    for (store::LoadStrategy strategy : strategies) {
      SCOPED_TRACE(std::string(DataFormatName(format)) + " " +
                   std::to_string(static_cast<int>(strategy)));
      for (const std::string& bytes :
           {File(format, "7", "changed", ""), File(format, "9", "new period", "", "201303")}) {
        ImportOptions options;
        options.strategy = strategy;
        options.dry_run = true;
        ImportSummary s = Import(format, bytes, options);
        EXPECT_NE(s.status, ImportStatus::kError) << s.description;
        EXPECT_TRUE(s.dry_run);
        EXPECT_EQ(s.import_id, 0);
        EXPECT_EQ(db_->Dump(), before);
      }
    }
  }
  // And the next real import takes the next number: a dry run leaves no gap.
  ImportSummary next = Import(DataFormat::kJson, File(DataFormat::kJson, "8", "ok", ""));
  EXPECT_EQ(next.import_id, first.import_id + 1);
}

INSTANTIATE_TEST_SUITE_P(Engines, ImportHardeningTest,
                         ::testing::Values(Engine::kSqlite, Engine::kPostgres),
                         [](const auto& param_info) { return EngineName(param_info.param); });

// Whatever bytes a conflict carries, its summary is valid JSON: the answer to an import that
// happened must never be the thing that fails.
TEST(ImportSummaryJsonTest, IsValidJsonWhateverBytesTheConflictsCarry) {
  ImportSummary s;
  s.status = ImportStatus::kWarning;
  s.count.imported = 11;
  std::string every_byte;
  for (int b = 0; b < 256; ++b) every_byte += static_cast<char>(b);
  for (const std::string& bytes :
       {every_byte, std::string("\xED\xA0\x80"), std::string("\xE0\x80\xAF"),
        std::string("\xF4\x90\x80\x80"), std::string("caf\xE9"), std::string("\0\"\\", 3)}) {
    ImportConflict c;
    c.object = bytes;
    c.value = "unknown org unit " + bytes;
    c.error_code = "E7612";
    c.objects = {{"organisationUnit", bytes}};
    c.indexes = {3};
    s.conflicts.push_back(c);
  }
  s.description = "imported " + every_byte;
  std::string json;
  ASSERT_NO_THROW(json = ImportSummaryJson(s));
  EXPECT_TRUE(core::IsValidUtf8(json));
  nlohmann::json parsed;
  ASSERT_NO_THROW(parsed = nlohmann::json::parse(json));
  EXPECT_EQ(parsed["response"]["importCount"]["imported"], 11);
  EXPECT_EQ(parsed["response"]["conflicts"].size(), 6u);
  const std::string replaced = parsed["response"]["conflicts"][1]["object"];
  EXPECT_NE(replaced.find("\xEF\xBF\xBD"), std::string::npos);  // U+FFFD
  EXPECT_EQ(parsed["response"]["conflicts"][5]["object"], std::string("\0\"\\", 3));
  const std::string text = ImportSummaryText(s, core::Language::kFrench);
  EXPECT_TRUE(core::IsValidUtf8(text));
  EXPECT_NE(text.find("E7612"), std::string::npos);
}

}  // namespace
}  // namespace keneya::io
