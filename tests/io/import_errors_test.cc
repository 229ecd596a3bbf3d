// Bad input: each problem gets its documented conflict (with the value's index and the field) or
// its error (with the file's line and column), and an error writes nothing.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <sstream>

#include "core/period.h"
#include "io/dhis2_metadata.h"
#include "io/importer.h"
#include "tests/io/fixture.h"
#include "tests/store/test_database.h"

namespace keneya::io {
namespace {

TEST(ImportStrategyTest, ReadsDhis2NamesAndTheirOldPlurals) {
  EXPECT_EQ(*ParseImportStrategy("CREATE_AND_UPDATE"), store::LoadStrategy::kCreateAndUpdate);
  EXPECT_EQ(*ParseImportStrategy("CREATE"), store::LoadStrategy::kCreate);
  EXPECT_EQ(*ParseImportStrategy("UPDATE"), store::LoadStrategy::kUpdate);
  EXPECT_EQ(*ParseImportStrategy("UPDATES"), store::LoadStrategy::kUpdate);
  EXPECT_EQ(*ParseImportStrategy("DELETE"), store::LoadStrategy::kDelete);
  EXPECT_EQ(*ParseImportStrategy("DELETES"), store::LoadStrategy::kDelete);
  for (const char* bad : {"", "create", "MERGE", "DELETE "}) {
    auto parsed = ParseImportStrategy(bad);
    ASSERT_FALSE(parsed.ok()) << bad;
    EXPECT_EQ(parsed.error().message,
              "unknown strategy \"" + std::string(bad) +
                  "\"; expected CREATE_AND_UPDATE, CREATE, UPDATE or DELETE");
    EXPECT_EQ(parsed.error().where, "--strategy");
  }
}

using store::testing::Engine;
using store::testing::TestDatabase;

class ImportErrorsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    db_ = std::make_unique<TestDatabase>(Engine::kSqlite);
    store_ = db_->Open();
    auto read = ReadDhis2Metadata(Fixture("expected/metadata-for-tests.json"), "metadata.json");
    ASSERT_TRUE(read.ok());
    ASSERT_TRUE(store_->SaveMetadata(read->bundle, {"test", "test", ""}).ok());
  }

  ImportSummary Import(DataFormat format, const std::string& bytes, ImportOptions options = {}) {
    options.actor = {"test", "test", ""};
    Importer importer(*store_, options);
    auto summary = importer.Import(format, bytes, "bad", nullptr);
    EXPECT_TRUE(summary.ok()) << summary.error().ToString();
    return summary.ok() ? *summary : ImportSummary{};
  }

  int64_t Stored() { return *store_->Count(store::ValueQuery{.include_deleted = true}); }

  // The one conflict of a summary.
  static const ImportConflict& Only(const ImportSummary& s) {
    EXPECT_EQ(s.conflicts.size(), 1u) << ImportSummaryJson(s);
    static const ImportConflict kNone;
    return s.conflicts.empty() ? kNone : s.conflicts[0];
  }

  std::unique_ptr<TestDatabase> db_;
  std::unique_ptr<store::Store> store_;
};

// A JSON data value set of the values given as JSON objects.
std::string Json(const std::string& values) { return R"({"dataValues":[)" + values + "]}"; }
const std::string kGood =
    R"({"dataElement":"f7n9E0hX8qk","period":"201201","orgUnit":"DiszpKrYNg8","value":"5"})";

TEST_F(ImportErrorsTest, MalformedFilesAreErrorsWithTheirPlaceAndWriteNothing) {
  struct Case {
    DataFormat format;
    std::string bytes;
    std::string where;  // expected in the description
  };
  const Case cases[] = {
      {DataFormat::kJson, Json(kGood) + ",", "bad:1:"},          // trailing junk
      {DataFormat::kJson, Json(kGood).substr(0, 60), "bad:1:"},  // truncated
      {DataFormat::kJson, "[" + kGood + "]", "root"},            // wrong root
      {DataFormat::kJson,
       Json(R"({"dataElement":"caf)"
            "\xE9"
            R"("})"),
       "UTF-8"},                                                                     // encoding
      {DataFormat::kXml, "<dataValueSet>\n<dataValue dataElement=\"x\"", "bad:2:"},  // truncated
      {DataFormat::kXml, "<dataValues/>", "<dataValueSet>"},                         // wrong root
      {DataFormat::kXml, "<dataValueSet comment=\"\xE9t\xE9\"/>", "bad:1:"},         // encoding
      {DataFormat::kCsv, "dataelement,period,orgunit,value\nf7n9E0hX8qk,201201,\"DiszpKrYNg8",
       "bad:2:"},  // truncated quote
      {DataFormat::kCsv, "dataelement,period,orgunit,value\nx,y,z,caf\xE9\n", "bad:2"},  // encoding
      {DataFormat::kCsv, "dataelement,period,value\nx,y,1\n", "orgunit"},  // missing column
      {DataFormat::kAdx, "<dataValueSet/>", "<adx>"},                      // wrong root
  };
  for (const Case& c : cases) {
    ImportSummary s = Import(c.format, c.bytes);
    EXPECT_EQ(s.status, ImportStatus::kError) << c.bytes;
    EXPECT_NE(s.description.find(c.where), std::string::npos)
        << "\"" << c.where << "\" not in: " << s.description;
    EXPECT_EQ(s.count.imported, 0);
  }
  EXPECT_EQ(Stored(), 0);
  EXPECT_TRUE(store_->Imports()->empty());
}

TEST_F(ImportErrorsTest, UnknownIdentifiersUnderEachScheme) {
  struct Case {
    std::string scheme;
    std::string data_element;  // a valid name of deA under the scheme
    std::string org_unit;      // a valid name of ouA under the scheme
  };
  const Case cases[] = {{"UID", "f7n9E0hX8qk", "DiszpKrYNg8"},
                        {"CODE", "DE_A", "OU_A"},
                        {"NAME", "DataElementA", "OrganisationUnitA"},
                        {"ATTRIBUTE:uh6H2ff562G", "DE1", "OU1"}};
  for (const Case& c : cases) {
    ImportOptions options;
    options.schemes.id_scheme = *ParseIdScheme(c.scheme);
    options.dry_run = true;
    const std::string values =
        R"({"dataElement":")" + c.data_element + R"(","period":"201201","orgUnit":")" + c.org_unit +
        R"(","value":"1"},)" + R"({"dataElement":"nope","period":"201201","orgUnit":")" +
        c.org_unit + R"(","value":"2"},)" + R"({"dataElement":")" + c.data_element +
        R"(","period":"201201","orgUnit":"nowhere","value":"3"},)" + R"({"dataElement":")" +
        c.data_element + R"(","period":"201201","orgUnit":")" + c.org_unit +
        R"(","categoryOptionCombo":"nocombo","value":"4"},)" + R"({"dataElement":")" +
        c.data_element + R"(","period":"201201","orgUnit":")" + c.org_unit +
        R"(","attributeOptionCombo":"noattribute","value":"5"})";
    ImportSummary s = Import(DataFormat::kJson, Json(values), options);
    EXPECT_EQ(s.status, ImportStatus::kWarning) << c.scheme;
    EXPECT_EQ(s.count.imported, 1) << c.scheme;
    ASSERT_EQ(s.conflicts.size(), 4u) << c.scheme << ImportSummaryJson(s);
    const std::pair<const char*, const char*> expected[] = {{"E7610", "dataElement"},
                                                            {"E7612", "orgUnit"},
                                                            {"E7613", "categoryOptionCombo"},
                                                            {"E7615", "attributeOptionCombo"}};
    for (size_t i = 0; i < 4; ++i) {
      EXPECT_EQ(s.conflicts[i].error_code, expected[i].first) << c.scheme;
      EXPECT_EQ(s.conflicts[i].property, expected[i].second) << c.scheme;
      EXPECT_EQ(s.conflicts[i].indexes, std::vector<size_t>{i + 1}) << c.scheme;
    }
  }
}

TEST_F(ImportErrorsTest, MalformedPeriods) {
  for (const char* period : {"201213", "2012W54", "2012Q5", "20120230", "last month", ""}) {
    ImportSummary s = Import(
        DataFormat::kJson, Json(R"({"dataElement":"f7n9E0hX8qk","period":")" + std::string(period) +
                                R"(","orgUnit":"DiszpKrYNg8","value":"5"})"));
    const ImportConflict& c = Only(s);
    EXPECT_EQ(c.error_code, "E7611") << period;
    EXPECT_EQ(c.property, "period");
    EXPECT_EQ(c.indexes, std::vector<size_t>{0});
  }
  EXPECT_EQ(Stored(), 0);
}

TEST_F(ImportErrorsTest, AKeyRepeatedInOneFileAppliesTheFirstAndReportsTheRest) {
  ImportSummary s = Import(DataFormat::kCsv,
                           "dataelement,period,orgunit,value\nf7n9E0hX8qk,201201,DiszpKrYNg8,1\n"
                           "f7n9E0hX8qk,201202,DiszpKrYNg8,2\nf7n9E0hX8qk,201201,DiszpKrYNg8,3\n");
  const ImportConflict& c = Only(s);
  EXPECT_EQ(c.error_code, "E8128");
  EXPECT_EQ(c.indexes, std::vector<size_t>{2});
  EXPECT_EQ(c.objects.at(1), (std::pair<std::string, std::string>{"period", "201201"}));
  EXPECT_EQ(s.count.imported, 2);
  EXPECT_EQ(s.count.ignored, 1);
  EXPECT_EQ(s.status, ImportStatus::kWarning);
  store::ValueQuery q;
  auto values = store_->Query(q);
  EXPECT_EQ((*values)[0].value, "1");
}

TEST_F(ImportErrorsTest, ValuesOutOfKeyOrderAreStoredByKeyWithTheFirstOfEachRepeat) {
  // Twelve months given last first, each twice with another number, one with an empty value
  // (nothing stored to delete: E7618) between them: the store puts them in key order itself.
  std::string csv = "dataelement,period,orgunit,value\n";
  for (int round = 0; round < 2; ++round) {
    for (int month = 12; month >= 1; --month) {
      char period[8];
      std::snprintf(period, sizeof period, "2012%02d", month);
      csv += std::string("f7n9E0hX8qk,") + period + ",DiszpKrYNg8," +
             std::to_string(month * 10 + round) + "\n";
      if (round == 0 && month == 6) csv += "f7n9E0hX8qk,201301,DiszpKrYNg8,\n";
    }
  }
  ImportSummary s = Import(DataFormat::kCsv, csv);
  EXPECT_EQ(s.count.imported, 12);
  EXPECT_EQ(s.count.ignored, 13);
  ASSERT_EQ(s.conflicts.size(), 13u);
  std::vector<size_t> repeats;
  for (const ImportConflict& c : s.conflicts) {
    if (c.error_code == "E8128") repeats.insert(repeats.end(), c.indexes.begin(), c.indexes.end());
  }
  std::sort(repeats.begin(), repeats.end());
  ASSERT_EQ(repeats.size(), 12u);
  EXPECT_EQ(repeats.front(), 13u);  // the second round starts after 12 values and the empty one
  store::ValueQuery q;
  auto values = store_->Query(q);
  ASSERT_TRUE(values.ok());
  ASSERT_EQ(values->size(), 12u);
  for (const core::DataValue& v : *values) {
    const int month = core::Period::FromCode(v.key.period)->start().month();
    EXPECT_EQ(v.value, std::to_string(month * 10)) << "month " << month;
  }
}

TEST_F(ImportErrorsTest, ValuesThatDoNotFitTheirType) {
  // deA is INTEGER; deF BOOLEAN; deG TRUE_ONLY.
  const std::string values =
      R"({"dataElement":"f7n9E0hX8qk","period":"201201","orgUnit":"DiszpKrYNg8","value":"douze"},)"
      R"({"dataElement":"f7n9E0hX8qk","period":"201202","orgUnit":"DiszpKrYNg8","value":"3.5"},)"
      R"({"dataElement":"jH26dja2f30","period":"201201","orgUnit":"DiszpKrYNg8","value":"oui"},)"
      R"({"dataElement":"jH26dja2f31","period":"201201","orgUnit":"DiszpKrYNg8","value":"false"})";
  ImportSummary s = Import(DataFormat::kJson, Json(values));
  ASSERT_EQ(s.conflicts.size(), 3u) << ImportSummaryJson(s);
  EXPECT_EQ(s.conflicts[0].error_code, "E7619");
  EXPECT_EQ(s.conflicts[0].property, "value");
  EXPECT_EQ(s.conflicts[0].indexes, (std::vector<size_t>{0, 1}));
  EXPECT_NE(s.conflicts[0].value.find("value_not_integer"), std::string::npos);
  EXPECT_NE(s.conflicts[1].value.find("value_not_bool"), std::string::npos);
  EXPECT_NE(s.conflicts[2].value.find("value_not_true_only"), std::string::npos);
  EXPECT_EQ(Stored(), 0);
}

TEST_F(ImportErrorsTest, ANegativeInAZeroOrPositiveElement) {
  core::MetadataBundle more;
  core::DataElement count;
  count.uid = "DeCompteZP1";
  count.name = "Accouchements";
  count.value_type = core::ValueType::kIntegerZeroOrPositive;
  more.data_elements.push_back(count);
  ASSERT_TRUE(store_->SaveMetadata(more, {"test", "test", ""}).ok());
  ImportSummary s = Import(
      DataFormat::kXml,
      "<dataValueSet xmlns=\"http://dhis2.org/schema/dxf/2.0\" period=\"201201\" "
      "orgUnit=\"DiszpKrYNg8\">\n<dataValue dataElement=\"DeCompteZP1\" value=\"0\"/>\n"
      "<dataValue dataElement=\"DeCompteZP1\" period=\"201202\" value=\"-3\"/>\n</dataValueSet>");
  const ImportConflict& c = Only(s);
  EXPECT_EQ(c.error_code, "E7619");
  EXPECT_EQ(c.object, "DeCompteZP1");
  EXPECT_EQ(c.indexes, std::vector<size_t>{1});
  EXPECT_NE(c.value.find("value_not_zero_or_positive_integer"), std::string::npos);
  EXPECT_EQ(s.count.imported, 1);  // the zero is stored: a reported zero is not a missing report
}

TEST_F(ImportErrorsTest, StrictOptionsRejectValuesOutsideTheDataSet) {
  ImportOptions options;
  options.strict_org_units = true;
  options.strict_periods = true;
  // ouB is not assigned to dsA; 2012Q1 is not a Monthly period.
  const std::string values =
      R"({"dataElement":"f7n9E0hX8qk","period":"201201","orgUnit":"BdfsJfj87js","value":"1"},)"
      R"({"dataElement":"f7n9E0hX8qk","period":"2012Q1","orgUnit":"DiszpKrYNg8","value":"2"})";
  ImportSummary s = Import(DataFormat::kJson, Json(values), options);
  ASSERT_EQ(s.conflicts.size(), 2u) << ImportSummaryJson(s);
  EXPECT_EQ(s.conflicts[0].error_code, "E7636");
  EXPECT_EQ(s.conflicts[0].property, "orgUnit");
  EXPECT_EQ(s.conflicts[0].indexes, std::vector<size_t>{0});
  EXPECT_EQ(s.conflicts[1].error_code, "E7632");
  EXPECT_EQ(s.conflicts[1].indexes, std::vector<size_t>{1});
}

TEST_F(ImportErrorsTest, AtomicTurnsAnyConflictIntoAnErrorThatWritesNothing) {
  ImportOptions options;
  options.atomic = true;
  const std::string values = kGood + "," +
                             R"({"dataElement":"nope","period":"201201","orgUnit":"DiszpKrYNg8",)"
                             R"("value":"1"})";
  ImportSummary s = Import(DataFormat::kJson, Json(values), options);
  EXPECT_EQ(s.status, ImportStatus::kError);
  EXPECT_EQ(s.count.imported, 0);
  EXPECT_EQ(s.conflicts.size(), 1u);
  EXPECT_EQ(Stored(), 0);
}

TEST_F(ImportErrorsTest, HeaderProblemsAbortTheWholeImport) {
  ImportSummary s =
      Import(DataFormat::kXml,
             "<dataValueSet dataSet=\"noSuchSet01\"><dataValue dataElement=\"f7n9E0hX8qk\" "
             "period=\"201201\" orgUnit=\"DiszpKrYNg8\" value=\"1\"/></dataValueSet>");
  EXPECT_EQ(s.status, ImportStatus::kError);
  const ImportConflict& c = Only(s);
  EXPECT_EQ(c.error_code, "E7600");
  EXPECT_TRUE(c.indexes.empty());
  EXPECT_EQ(Stored(), 0);
}

TEST_F(ImportErrorsTest, EmptyValuesDeleteStoredOnesOrAreReported) {
  ASSERT_EQ(Import(DataFormat::kJson, Json(kGood)).count.imported, 1);
  const std::string empty =
      R"({"dataElement":"f7n9E0hX8qk","period":"201201","orgUnit":"DiszpKrYNg8","value":""},)"
      R"({"dataElement":"f7n9E0hX8qk","period":"201202","orgUnit":"DiszpKrYNg8"})";
  ImportSummary s = Import(DataFormat::kJson, Json(empty));
  EXPECT_EQ(s.count.deleted, 1);
  const ImportConflict& c = Only(s);
  EXPECT_EQ(c.error_code, "E7618");
  EXPECT_EQ(c.indexes, std::vector<size_t>{1});
}

}  // namespace
}  // namespace keneya::io
