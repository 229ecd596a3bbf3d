// DHIS2's own data value set files import with DHIS2's own results: what DHIS2 2.40's tests
// assert and what its code does beyond them (tests/io/testdata/dhis2/expected/EXPECTED.md), except
// where DHIS2 loses data silently (docs/DHIS2_IMPORT.md lists each difference). Every case runs on
// SQLite and on PostgreSQL.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>

#include "core/period.h"
#include "io/dhis2_metadata.h"
#include "io/importer.h"
#include "tests/io/fixture.h"
#include "tests/store/test_database.h"

#ifndef KENEYA_IO_TESTDATA
#error "KENEYA_IO_TESTDATA must name tests/io/testdata"
#endif

namespace keneya::io {
namespace {

using store::testing::Engine;
using store::testing::EngineName;
using store::testing::TestDatabase;

// An expected conflict, compared on everything but the message text.
struct Expected {
  std::string error_code;
  std::string object;
  std::string property;
  std::vector<size_t> indexes;
  std::vector<std::pair<std::string, std::string>> objects;
};

class Dhis2ImportTest : public ::testing::TestWithParam<Engine> {
 protected:
  void SetUp() override {
    if (std::string why = store::testing::Unavailable(GetParam()); !why.empty()) {
      if (std::getenv("KENEYA_REQUIRE_POSTGRES") != nullptr) FAIL() << why;
      GTEST_SKIP() << why;
    }
    db_ = std::make_unique<TestDatabase>(GetParam());
    store_ = db_->Open();
    ASSERT_NE(store_, nullptr);
  }

  void LoadMetadata(const std::string& file) {
    auto read = ReadDhis2Metadata(Fixture("expected/" + file), file);
    ASSERT_TRUE(read.ok()) << read.error().ToString();
    auto saved = store_->SaveMetadata(read->bundle, {"test", "test", ""});
    ASSERT_TRUE(saved.ok()) << saved.error().ToString();
    auto loaded = store_->LoadMetadata();
    ASSERT_TRUE(loaded.ok());
    metadata_ = *loaded;
  }

  // state-for-tests.json: the registration the 2.40 test setup writes.
  void LoadState() {
    auto state = nlohmann::json::parse(Fixture("expected/state-for-tests.json"));
    for (const auto& r : state["completeDataSetRegistrations"]) {
      store::Completion c;
      c.key = {Id(metadata_.data_sets, r["dataSet"]),
               core::Period::Parse(r["period"].get<std::string>())->Code(),
               Id(metadata_.org_units, r["organisationUnit"]),
               Id(metadata_.categories.option_combos, r["attributeOptionCombo"])};
      c.complete_date = r["date"];
      c.stored_by = r["storedBy"];
      ASSERT_TRUE(store_->PutCompletion(c, {"test", "test", ""}).ok());
    }
  }

  template <typename T>
  static int32_t Id(const std::vector<T>& objects, const std::string& uid) {
    for (const T& o : objects) {
      if (o.uid == uid) return o.id;
    }
    ADD_FAILURE() << "no " << uid;
    return 0;
  }

  ImportSummary Import(const std::string& file, ImportOptions options = {}) {
    options.actor = {"userA", "file:" + file, ""};
    Importer importer(*store_, options);
    const std::string bytes = Fixture(file);
    auto format = DetectDataFormat(file, bytes);
    EXPECT_TRUE(format.ok());
    auto summary = importer.Import(*format, bytes, file, nullptr);
    EXPECT_TRUE(summary.ok()) << summary.error().ToString();
    return summary.ok() ? *summary : ImportSummary{};
  }

  // Stored live values as "de|period|ou|coc|aoc" -> value, all keyed by uid.
  std::map<std::string, std::string> Stored(bool include_deleted = false) {
    std::map<int32_t, std::string> uid;
    for (const auto& x : metadata_.org_units) uid[x.id] = x.uid;
    std::map<int32_t, std::string> de, coc;
    for (const auto& x : metadata_.data_elements) de[x.id] = x.uid;
    for (const auto& x : metadata_.categories.option_combos) coc[x.id] = x.uid;
    store::ValueQuery q;
    q.include_deleted = include_deleted;
    auto values = store_->Query(q);
    EXPECT_TRUE(values.ok());
    std::map<std::string, std::string> out;
    for (const auto& v : *values) {
      out[de[v.key.data_element] + "|" + core::Period::FromCode(v.key.period)->ToString() + "|" +
          uid[v.key.org_unit] + "|" + coc[v.key.category_option_combo] + "|" +
          coc[v.key.attribute_option_combo]] = v.value + (v.deleted ? " (deleted)" : "");
    }
    return out;
  }

  static void ExpectCounts(const ImportSummary& s, ImportStatus status, int64_t imported,
                           int64_t updated, int64_t ignored, int64_t deleted) {
    EXPECT_EQ(ImportStatusName(s.status), ImportStatusName(status)) << s.description;
    EXPECT_EQ(s.count.imported, imported);
    EXPECT_EQ(s.count.updated, updated);
    EXPECT_EQ(s.count.ignored, ignored);
    EXPECT_EQ(s.count.deleted, deleted);
  }

  static void ExpectConflicts(const ImportSummary& s, std::vector<Expected> expected) {
    ASSERT_EQ(s.conflicts.size(), expected.size()) << ImportSummaryJson(s);
    for (const Expected& e : expected) {
      auto it = std::find_if(s.conflicts.begin(), s.conflicts.end(), [&](const auto& c) {
        return c.error_code == e.error_code && c.object == e.object;
      });
      ASSERT_NE(it, s.conflicts.end()) << e.error_code << " " << e.object << "\n"
                                       << ImportSummaryJson(s);
      EXPECT_EQ(it->property, e.property) << e.error_code;
      EXPECT_EQ(it->indexes, e.indexes) << e.error_code;
      if (!e.objects.empty()) {
        EXPECT_EQ(it->objects, e.objects) << e.error_code;
      }
    }
  }

  std::unique_ptr<TestDatabase> db_;
  std::unique_ptr<store::Store> store_;
  core::MetadataBundle metadata_;
};

constexpr char kDsA[] = "pBOMPrpg1QX";
constexpr char kOuA[] = "DiszpKrYNg8";
constexpr char kDefault[] = "HllvX50cXC0";

TEST_P(Dhis2ImportTest, CodeIdSchemeFromThePayload) {
  LoadMetadata("metadata-for-tests.json");
  LoadState();
  ImportSummary s = Import("dataValueSetACode.xml");
  ExpectCounts(s, ImportStatus::kSuccess, 3, 0, 0, 0);
  EXPECT_TRUE(s.conflicts.empty());
  EXPECT_EQ(s.data_set_complete, "2012-01-09");
  const auto stored = Stored();
  EXPECT_EQ(stored.size(), 3u);
  for (const char* de : {"f7n9E0hX8qk", "Ix2HsbDMLea", "eY5ehpbEsB7"}) {
    EXPECT_TRUE(
        stored.contains(std::string(de) + "|201201|" + kOuA + "|" + kDefault + "|" + kDefault))
        << de;
  }
  auto completion = store_->GetCompletion(
      {Id(metadata_.data_sets, kDsA), core::Period::Parse("201201")->Code(),
       Id(metadata_.org_units, kOuA), Id(metadata_.categories.option_combos, kDefault)});
  ASSERT_TRUE(completion.ok() && completion->has_value());
  EXPECT_EQ((*completion)->complete_date, "2012-01-09");
}

TEST_P(Dhis2ImportTest, CsvWithHeader) {
  LoadMetadata("metadata-for-tests.json");
  ImportSummary s = Import("dataValueSetB.csv");
  ExpectCounts(s, ImportStatus::kSuccess, 12, 0, 0, 0);
  EXPECT_EQ(s.data_set_complete, "false");
  auto values = store_->Query(store::ValueQuery{});
  ASSERT_EQ(values->size(), 12u);
  EXPECT_EQ((*values)[0].stored_by, "john");
  EXPECT_EQ((*values)[0].comment, "comment");
}

TEST_P(Dhis2ImportTest, DeletedValuesFreshThenAfterTheirValuesThenRevived) {
  LoadMetadata("metadata-for-tests.json");
  // Fresh database: the 4 deleted values are stored as deleted rows and count as imported.
  ImportSummary fresh = Import("dataValueSetBDeleted.xml");
  ExpectCounts(fresh, ImportStatus::kSuccess, 12, 0, 0, 0);
  EXPECT_EQ(Stored().size(), 8u);
  EXPECT_EQ(Stored(true).size(), 12u);
}

TEST_P(Dhis2ImportTest, DeletedValuesAfterTheValuesThenRevived) {
  LoadMetadata("metadata-for-tests.json");
  ExpectCounts(Import("dataValueSetB.csv"), ImportStatus::kSuccess, 12, 0, 0, 0);
  // testDeleteValuesXml: deleted 4, ignored 8; 8 remain.
  ExpectCounts(Import("dataValueSetBDeleted.xml"), ImportStatus::kSuccess, 0, 0, 8, 4);
  EXPECT_EQ(Stored().size(), 8u);
  // testImportReverseDeletedValuesXml: the deleted rows revive as imports.
  ExpectCounts(Import("dataValueSetB.csv"), ImportStatus::kSuccess, 4, 0, 8, 0);
  EXPECT_EQ(Stored().size(), 12u);
  // Each change is audited, with the import that made it.
  store::ValueQuery q;
  auto values = store_->Query(q);
  int64_t audited = 0;
  for (const auto& v : *values) audited += static_cast<int64_t>(store_->AuditTrail(v.key)->size());
  EXPECT_EQ(audited, 8);  // 4 deletes, 4 revivals
}

TEST_P(Dhis2ImportTest, HeaderAttributeOptionCombo) {
  LoadMetadata("metadata-for-tests.json");
  LoadState();
  ImportSummary s = Import("dataValueSetD.xml");
  ExpectCounts(s, ImportStatus::kSuccess, 3, 0, 0, 0);
  EXPECT_EQ(s.data_set_complete, "2012-01-09");
  const auto stored = Stored();
  EXPECT_TRUE(
      stored.contains(std::string("f7n9E0hX8qk|201201|") + kOuA + "|" + kDefault + "|kjuiHgy67hg"));
}

TEST_P(Dhis2ImportTest, UnknownDataElementAndOrgUnit) {
  LoadMetadata("metadata-for-tests.json");
  ImportSummary s = Import("dataValueSetG.xml");
  ExpectCounts(s, ImportStatus::kWarning, 1, 0, 3, 0);
  ExpectConflicts(
      s, {{"E7610", "nonEx1sting", "dataElement", {0, 1}, {{"dataElement", "nonEx1sting"}}},
          {"E7612", "nonEx1sting", "orgUnit", {2}, {{"organisationUnit", "nonEx1sting"}}}});
  EXPECT_EQ(s.rejected_indexes, (std::vector<size_t>{0, 1, 2}));
  EXPECT_EQ(
      Stored(),
      (std::map<std::string, std::string>{
          {std::string("eY5ehpbEsB7|201201|") + kOuA + "|" + kDefault + "|" + kDefault, "10003"}}));
  EXPECT_EQ(s.data_set_complete, "false");
}

TEST_P(Dhis2ImportTest, CategoryOptionCombosWithFullRights) {
  LoadMetadata("metadata-for-tests.json");
  LoadState();
  ImportSummary s = Import("dataValueSetACatCombo.xml");
  ExpectCounts(s, ImportStatus::kSuccess, 3, 0, 0, 0);
  EXPECT_EQ(s.data_set_complete, "2012-01-09");
  const auto stored = Stored();
  EXPECT_TRUE(
      stored.contains(std::string("f7n9E0hX8qk|201201|") + kOuA + "|kjuiHgy67hg|" + kDefault));
  EXPECT_TRUE(
      stored.contains(std::string("Ix2HsbDMLea|201201|") + kOuA + "|Gad33qy67g5|" + kDefault));
}

TEST_P(Dhis2ImportTest, NonStrictDefaults) {
  LoadMetadata("metadata-for-tests.json");
  ExpectCounts(Import("dataValueSetNonStrict.xml"), ImportStatus::kSuccess, 3, 0, 0, 0);
}

TEST_P(Dhis2ImportTest, StrictPeriods) {
  LoadMetadata("metadata-for-tests.json");
  ImportOptions o;
  o.strict_periods = true;
  ImportSummary s = Import("dataValueSetNonStrict.xml", o);
  ExpectCounts(s, ImportStatus::kWarning, 1, 0, 2, 0);
  ExpectConflicts(
      s, {{"E7632", "2012Q2", "", {1}, {{"period", "2012Q2"}, {"dataElement", "Ix2HsbDMLea"}}},
          {"E7632", "2012", "", {2}, {{"period", "2012"}, {"dataElement", "eY5ehpbEsB7"}}}});
}

TEST_P(Dhis2ImportTest, StrictCategoryOptionCombos) {
  LoadMetadata("metadata-for-tests.json");
  ImportOptions o;
  o.strict_category_option_combos = true;
  ImportSummary s = Import("dataValueSetNonStrict.xml", o);
  ExpectCounts(s, ImportStatus::kWarning, 2, 0, 1, 0);
  ExpectConflicts(s, {{"E7634",
                       "kjuiHgy67hg",
                       "categoryOptionCombo",
                       {0},
                       {{"categoryOptionCombo", "kjuiHgy67hg"}, {"dataElement", "f7n9E0hX8qk"}}}});
}

TEST_P(Dhis2ImportTest, StrictAttributeOptionCombos) {
  LoadMetadata("metadata-for-tests.json");
  ImportOptions o;
  o.strict_attribute_option_combos = true;
  ImportSummary s = Import("dataValueSetNonStrict.xml", o);
  ExpectCounts(s, ImportStatus::kWarning, 2, 0, 1, 0);
  ExpectConflicts(s, {{"E7635",
                       "Gad33qy67g5",
                       "attributeOptionCombo",
                       {1},
                       {{"categoryOptionCombo", "Gad33qy67g5"}, {"dataElement", "Ix2HsbDMLea"}}}});
}

TEST_P(Dhis2ImportTest, RequiredCategoryOptionCombo) {
  LoadMetadata("metadata-for-tests.json");
  ImportOptions o;
  o.require_category_option_combo = true;
  ImportSummary s = Import("dataValueSetNonStrict.xml", o);
  ExpectCounts(s, ImportStatus::kWarning, 1, 0, 2, 0);
  ExpectConflicts(s, {{"E7630", "", "categoryOptionCombo", {1, 2}, {}}});
}

TEST_P(Dhis2ImportTest, RequiredAttributeOptionCombo) {
  LoadMetadata("metadata-for-tests.json");
  ImportOptions o;
  o.require_attribute_option_combo = true;
  ImportSummary s = Import("dataValueSetNonStrict.xml", o);
  ExpectCounts(s, ImportStatus::kWarning, 1, 0, 2, 0);
  ExpectConflicts(s, {{"E7631", "", "attributeOptionCombo", {0, 2}, {}}});
}

TEST_P(Dhis2ImportTest, StrictOrganisationUnits) {
  LoadMetadata("metadata-for-tests.json");
  ImportOptions o;
  o.strict_org_units = true;
  ImportSummary s = Import("dataValueSetNonStrict.xml", o);
  ExpectCounts(s, ImportStatus::kWarning, 2, 0, 1, 0);
  ExpectConflicts(s, {{"E7636",
                       "BdfsJfj87js",
                       "orgUnit",
                       {2},
                       {{"organisationUnit", "BdfsJfj87js"}, {"dataElement", "eY5ehpbEsB7"}}}});
}

TEST_P(Dhis2ImportTest, CreatedDatesInTheFileAreNotKept) {
  LoadMetadata("metadata-for-tests.json");
  const core::TimestampMs before = core::NowMs();
  ImportSummary s = Import("dataValueSetCreateDate.json");
  ExpectCounts(s, ImportStatus::kSuccess, 1, 0, 0, 0);
  auto values = store_->Query(store::ValueQuery{});
  ASSERT_EQ(values->size(), 1u);
  EXPECT_GE((*values)[0].created, before);  // Keneya records its own, not 1988's
  EXPECT_EQ((*values)[0].stored_by, "system");
  EXPECT_EQ((*values)[0].comment, "");
}

TEST_P(Dhis2ImportTest, SingleDataSetJsonFromTheEndToEndTests) {
  LoadMetadata("metadata-for-dataValues_single_dataset.json");
  ImportSummary s = Import("dataValues_single_dataset.json");
  ExpectCounts(s, ImportStatus::kSuccess, 2, 0, 0, 0);
  EXPECT_EQ(s.data_set_complete, "false");  // "completedDate" is an unknown key
  const auto stored = Stored();
  EXPECT_EQ(stored.at(std::string("BjDrgVrkBI3|201911|O6uvpzGd5pu|oPcWGgS2Liz|") + kDefault),
            "1000");
  EXPECT_EQ(stored.at(std::string("BjDrgVrkBI3|201911|O6uvpzGd5pu|rtfSaMjPyq6|") + kDefault),
            "2000");
}

TEST_P(Dhis2ImportTest, AdxWithCategoriesNamesAndAnnotations) {
  LoadMetadata("metadata-for-importB.adx.json");
  ImportOptions o;
  o.schemes.id_scheme = IdScheme{IdScheme::Kind::kCode, ""};
  o.schemes.data_set = IdScheme{IdScheme::Kind::kName, ""};
  o.schemes.org_unit = IdScheme{IdScheme::Kind::kUid, ""};
  o.schemes.data_element = IdScheme{IdScheme::Kind::kUid, ""};
  o.schemes.category_option_combo = IdScheme{IdScheme::Kind::kName, ""};
  ImportSummary s = Import("importB.adx.xml", o);
  ExpectCounts(s, ImportStatus::kSuccess, 9, 0, 0, 0);
  EXPECT_TRUE(s.conflicts.empty()) << ImportSummaryJson(s);
  const auto stored = Stored();
  ASSERT_EQ(stored.size(), 9u);
  EXPECT_EQ(stored.at(std::string("MalTexttttt|202001|P1233333333|") + kDefault + "|" + kDefault),
            "Text data value");
  EXPECT_EQ(stored.at("MalNummmmmm|202001|P1233333333|FUnder55555|" + std::string(kDefault)), "1");
  EXPECT_EQ(stored.at("MalNummmmmm|2021Q1|D4566666666|FUnder55555|cocPEPFARRR"), "10");
  EXPECT_EQ(stored.at("MalNummmmmm|2021Q1|D4566666666|FOver555555|cocMcDonald"), "20");
  EXPECT_EQ(stored.at("MalNummmmmm|2021Q1|D4566666666|MUnder55555|cocMcDonald"), "30");
}

TEST_P(Dhis2ImportTest, AdxSampleKeepsZerosAndReportsRepeats) {
  LoadMetadata("metadata-for-adx_data_sample1.SYNTHETIC.json");
  ImportSummary s = Import("adx_data_sample1.xml");
  // DHIS2 imports 7 and drops the zero and the five repeats without a word; Keneya stores the
  // zero (a reported zero is not a missing report) and reports each repeat.
  ExpectCounts(s, ImportStatus::kWarning, 8, 0, 5, 0);
  ASSERT_EQ(s.conflicts.size(), 2u) << ImportSummaryJson(s);
  size_t repeats = 0;
  for (const auto& c : s.conflicts) {
    EXPECT_EQ(c.error_code, "E8128");
    repeats += c.indexes.size();
  }
  EXPECT_EQ(repeats, 5u);
  EXPECT_EQ(s.data_set_complete, "false");  // ADX completion dates are not used, as in DHIS2
  // Importing it again: nothing changes, the repeats are reported again.
  ImportSummary again = Import("adx_data_sample1.xml");
  ExpectCounts(again, ImportStatus::kWarning, 0, 0, 13, 0);
}

INSTANTIATE_TEST_SUITE_P(Engines, Dhis2ImportTest,
                         ::testing::Values(Engine::kSqlite, Engine::kPostgres),
                         [](const auto& param_info) { return EngineName(param_info.param); });

}  // namespace
}  // namespace keneya::io
