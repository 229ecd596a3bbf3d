// The four DHIS2 data value set formats, read from DHIS2's own files and from broken ones.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "io/adx_period.h"
#include "io/data_value_set.h"
#include "tests/io/fixture.h"

#ifndef KENEYA_IO_TESTDATA
#error "KENEYA_IO_TESTDATA must name tests/io/testdata"
#endif

namespace keneya::io {
namespace {

// What a reader reported, as owned strings.
struct Value {
  std::string data_element, period, org_unit, coc, aoc, value, stored_by, created, last_updated,
      comment, annotation;
  bool has_value = false, has_comment = false;
  std::optional<bool> followup, deleted;
  std::vector<std::pair<std::string, std::string>> categories;
  size_t index = 0;
  int line = 0;
};

class Recorder : public DataValueSetHandler {
 public:
  core::Status OnGroup(const DataValueSetHeader& header) override {
    groups.push_back(header);
    return core::OkStatus();
  }
  core::Status OnValue(const RawDataValue& v) override {
    Value out{std::string(v.data_element),
              std::string(v.period),
              std::string(v.org_unit),
              std::string(v.category_option_combo),
              std::string(v.attribute_option_combo),
              std::string(v.value),
              std::string(v.stored_by),
              std::string(v.created),
              std::string(v.last_updated),
              std::string(v.comment),
              std::string(v.annotation)};
    out.has_value = v.has_value;
    out.has_comment = v.has_comment;
    out.followup = v.followup;
    out.deleted = v.deleted;
    for (const auto& [k, o] : v.categories) out.categories.emplace_back(k, o);
    out.index = v.index;
    out.line = v.line;
    values.push_back(out);
    return core::OkStatus();
  }
  std::vector<DataValueSetHeader> groups;
  std::vector<Value> values;
};

Recorder Read(DataFormat format, const std::string& bytes, const char* name = "test") {
  Recorder r;
  core::Status s = ReadDataValueSet(format, bytes, name, r);
  EXPECT_TRUE(s.ok()) << s.error().ToString();
  return r;
}

core::Error ReadError(DataFormat format, const std::string& bytes, const char* name = "bad") {
  Recorder r;
  core::Status s = ReadDataValueSet(format, bytes, name, r);
  EXPECT_FALSE(s.ok()) << "expected an error for " << bytes.substr(0, 60);
  return s.ok() ? core::Error{} : s.error();
}

TEST(DataValueSetReaderTest, ReadsDxf2XmlWithItsHeaderAndLegacyAttributes) {
  Recorder r = Read(DataFormat::kXml, Fixture("dataValueSetACatCombo.xml"));
  ASSERT_EQ(r.groups.size(), 1u);
  EXPECT_EQ(r.groups[0].data_set, "pBOMPrpg1QX");
  EXPECT_EQ(r.groups[0].complete_date, "2012-01-09");
  EXPECT_EQ(r.groups[0].period, "201201");
  EXPECT_EQ(r.groups[0].org_unit, "DiszpKrYNg8");
  ASSERT_EQ(r.values.size(), 3u);
  EXPECT_EQ(r.values[0].data_element, "f7n9E0hX8qk");
  EXPECT_EQ(r.values[0].coc, "kjuiHgy67hg");
  EXPECT_EQ(r.values[0].value, "10001");
  EXPECT_EQ(r.values[0].stored_by, "john");
  EXPECT_EQ(r.values[0].last_updated, "2012-01-01");  // the legacy "timestamp"
  EXPECT_EQ(r.values[0].comment, "comment");
  EXPECT_EQ(r.values[0].followup, false);
  EXPECT_TRUE(r.values[2].coc.empty());
  EXPECT_EQ(r.values[2].index, 2u);
  EXPECT_GT(r.values[2].line, r.values[0].line);
}

TEST(DataValueSetReaderTest, ReadsPayloadIdSchemesAndHeaderAttributeOptionCombos) {
  Recorder code = Read(DataFormat::kXml, Fixture("dataValueSetACode.xml"));
  EXPECT_EQ(code.groups[0].id_scheme, "code");
  EXPECT_EQ(code.groups[0].data_set, "DS_A");
  Recorder d = Read(DataFormat::kXml, Fixture("dataValueSetD.xml"));
  EXPECT_EQ(d.groups[0].attribute_option_combo, "kjuiHgy67hg");
  EXPECT_EQ(d.values.size(), 3u);
}

TEST(DataValueSetReaderTest, ReadsDeletedFlags) {
  Recorder r = Read(DataFormat::kXml, Fixture("dataValueSetBDeleted.xml"));
  ASSERT_EQ(r.values.size(), 12u);
  int deleted = 0;
  for (const Value& v : r.values) deleted += v.deleted.value_or(false) ? 1 : 0;
  EXPECT_EQ(deleted, 4);
}

TEST(DataValueSetReaderTest, ReadsCsvByHeaderName) {
  Recorder r = Read(DataFormat::kCsv, Fixture("dataValueSetB.csv"));
  ASSERT_EQ(r.values.size(), 12u);
  EXPECT_EQ(r.values[1].org_unit, "BdfsJfj87js");
  EXPECT_EQ(r.values[1].value, "10002");
  EXPECT_EQ(r.values[1].last_updated, "2012-01-01");
  EXPECT_EQ(r.values[1].line, 3);
  EXPECT_EQ(r.values[11].value, "10012");
}

TEST(DataValueSetReaderTest, ReadsCsvWithoutHeaderByPositionAndColumnsInAnyOrder) {
  Recorder positional = Read(DataFormat::kCsv, "deA,202301,ouA,,,5,ann,,\"a, \"\"b\"\"\",true\n");
  ASSERT_EQ(positional.values.size(), 1u);
  EXPECT_EQ(positional.values[0].value, "5");
  EXPECT_EQ(positional.values[0].stored_by, "ann");
  EXPECT_EQ(positional.values[0].comment, "a, \"b\"");
  EXPECT_EQ(positional.values[0].followup, true);
  Recorder named =
      Read(DataFormat::kCsv,
           "Value,OrgUnit,Period,DataElement,Comment\r\n7,ouA,202301,deA,\"two\nlines\"\r\n"
           "8,ouB,202302,deB,\r\n");
  ASSERT_EQ(named.values.size(), 2u);
  EXPECT_EQ(named.values[0].data_element, "deA");
  EXPECT_EQ(named.values[0].comment, "two\nlines");
  EXPECT_EQ(named.values[1].line, 4);
  EXPECT_FALSE(named.values[1].has_comment);
}

TEST(DataValueSetReaderTest, ReadsJsonWithValuesOfAnyScalarTypeAndUnknownKeys) {
  Recorder r = Read(DataFormat::kJson, Fixture("dataValues_single_dataset.json"));
  ASSERT_EQ(r.values.size(), 2u);
  Recorder created = Read(DataFormat::kJson, Fixture("dataValueSetCreateDate.json"));
  ASSERT_EQ(created.values.size(), 1u);
  EXPECT_EQ(created.values[0].created, "1988-12-21T23:59:38.000+0000");
  EXPECT_FALSE(created.values[0].has_comment);  // "comment": null
  Recorder numbers = Read(DataFormat::kJson,
                          R"({"dataValues":[{"dataElement":"a","value":12.50,"followUp":"true",)"
                          R"("deleted":false,"extra":{"x":[1]}}],"period":"202301"})");
  EXPECT_EQ(numbers.groups[0].period, "202301");  // the header may follow the values
  ASSERT_EQ(numbers.values.size(), 1u);
  EXPECT_EQ(numbers.values[0].value, "12.50");
  EXPECT_EQ(numbers.values[0].followup, true);
  EXPECT_EQ(numbers.values[0].deleted, false);
}

TEST(DataValueSetReaderTest, ReadsAdxGroupsCategoriesAndAnnotations) {
  Recorder r = Read(DataFormat::kAdx, Fixture("importB.adx.xml"));
  ASSERT_EQ(r.groups.size(), 5u);
  EXPECT_EQ(r.groups[0].data_set, "Malaria DS");
  EXPECT_EQ(r.groups[0].period, "202001");
  EXPECT_EQ(r.groups[2].period, "2021Q1");
  ASSERT_EQ(r.groups[2].attribute_categories.size(), 1u);
  EXPECT_EQ(r.groups[2].attribute_categories[0],
            (std::pair<std::string, std::string>{"mechanism", "PEPFAR"}));
  EXPECT_EQ(r.groups[4].attribute_option_combo, "McDonalds CategoryOptionCombo");
  ASSERT_EQ(r.values.size(), 9u);
  EXPECT_EQ(r.values[0].categories.size(), 2u);
  EXPECT_EQ(r.values[0].categories[0].first, "sex");
  EXPECT_EQ(r.values[2].coc, "Female Over 5");
  EXPECT_EQ(r.values[4].annotation, "Text data value");
  EXPECT_EQ(r.values[8].index, 8u);
  Recorder sample = Read(DataFormat::kAdx, Fixture("adx_data_sample1.xml"));
  EXPECT_EQ(sample.groups.size(), 2u);
  EXPECT_EQ(sample.groups[0].complete_date, "2015-06-17");
  EXPECT_EQ(sample.values.size(), 13u);
}

TEST(DataValueSetReaderTest, ReportsMalformedFilesWithTheirPlace) {
  core::Error truncated_json =
      ReadError(DataFormat::kJson, R"({"dataValues":[{"dataElement":"a",)");
  EXPECT_NE(truncated_json.message.find("malformed JSON"), std::string::npos)
      << truncated_json.ToString();
  EXPECT_NE(truncated_json.where.find("bad:1:"), std::string::npos) << truncated_json.ToString();
  core::Error wrong_root_json = ReadError(DataFormat::kJson, R"([{"dataElement":"a"}])");
  EXPECT_NE(wrong_root_json.message.find("root"), std::string::npos);
  core::Error not_utf8 =
      ReadError(DataFormat::kJson, "{\"dataValues\":[{\"comment\":\"\xC3\x28\"}]}");
  EXPECT_NE(not_utf8.message.find("UTF-8"), std::string::npos) << not_utf8.ToString();
  EXPECT_EQ(not_utf8.where, "bad:1:28");
  core::Error not_object = ReadError(DataFormat::kJson, R"({"dataValues":[1]})");
  EXPECT_NE(not_object.message.find("not a JSON object"), std::string::npos);

  core::Error truncated_xml = ReadError(
      DataFormat::kXml, "<dataValueSet xmlns=\"http://dhis2.org/schema/dxf/2.0\">\n<dataValue ");
  EXPECT_NE(truncated_xml.message.find("malformed XML"), std::string::npos);
  EXPECT_NE(truncated_xml.where.find("bad:2:"), std::string::npos) << truncated_xml.ToString();
  core::Error wrong_root_xml = ReadError(DataFormat::kXml, "<dataValues/>");
  EXPECT_NE(wrong_root_xml.message.find("<dataValueSet>"), std::string::npos);
  core::Error adx_root = ReadError(DataFormat::kAdx, "<dataValueSet/>");
  EXPECT_NE(adx_root.message.find("<adx>"), std::string::npos);
  core::Error latin1 = ReadError(DataFormat::kXml, "<dataValueSet comment=\"caf\xE9\"/>");
  EXPECT_NE(latin1.message.find("the sequence E9 starts a character that is not complete"),
            std::string::npos);
  EXPECT_EQ(latin1.where, "bad:1:27");
  core::Error entity = ReadError(
      DataFormat::kXml,
      "<!DOCTYPE d [<!ENTITY a \"aaaa\">]><dataValueSet><dataValue value=\"&a;\"/></dataValueSet>");
  EXPECT_NE(entity.message.find("entity"), std::string::npos) << entity.ToString();
  core::Error flag =
      ReadError(DataFormat::kXml, "<dataValueSet><dataValue followUp=\"maybe\"/></dataValueSet>");
  EXPECT_NE(flag.message.find("true or false"), std::string::npos);

  core::Error open_quote =
      ReadError(DataFormat::kCsv, "dataelement,period,orgunit,value\na,b,c,\"12\n");
  EXPECT_NE(open_quote.message.find("not closed"), std::string::npos);
  EXPECT_EQ(open_quote.where, "bad:2:7");
  core::Error csv_utf8 = ReadError(DataFormat::kCsv, "a,b,c,d\nx,y,z,caf\xE9\n");
  EXPECT_NE(csv_utf8.message.find("UTF-8"), std::string::npos);
  EXPECT_EQ(csv_utf8.where, "bad:2:10");
  core::Error no_value_column = ReadError(DataFormat::kCsv, "dataelement,period,orgunit\na,b,c\n");
  EXPECT_NE(no_value_column.message.find("\"value\""), std::string::npos);
}

TEST(AdxPeriodTest, ConvertsStartAndDurationBothWays) {
  const std::pair<const char*, const char*> cases[] = {
      {"2020-01-01/P1M", "202001"},    {"2021-01-01/P3M", "2021Q1"},
      {"2020-11-01/P3M", "2021NovQ1"}, {"2023-04-01/P1Y", "2023April"},
      {"2023-11-01/P1Y", "2024Nov"},   {"2023-01-02/P7D", "2023W1"},
      {"2023-01-04/P7D", "2023WedW1"}, {"2023-01-15/P1D", "20230115"},
      {"2023-03-01/P2M", "202302B"},   {"2023-07-01/P6M", "2023S2"},
      {"2023-01-02/P14D", "2023BiW1"}, {"2023-01-01/P1Y", "2023"}};
  for (const auto& [adx, dhis2] : cases) {
    auto p = ParseAdxPeriod(adx);
    ASSERT_TRUE(p.ok()) << adx << ": " << p.error().ToString();
    EXPECT_EQ(p->ToString(), dhis2) << adx;
    EXPECT_EQ(FormatAdxPeriod(*p), adx);
  }
  EXPECT_FALSE(ParseAdxPeriod("2020-01-02/P1M").ok());  // no month starts on the 2nd
  EXPECT_FALSE(ParseAdxPeriod("2020-01-01/P5M").ok());
  EXPECT_FALSE(ParseAdxPeriod("202001").ok());
}

TEST(DataFormatTest, NamesAndFileExtensions) {
  EXPECT_EQ(*ParseDataFormat("JSON"), DataFormat::kJson);
  EXPECT_FALSE(ParseDataFormat("xls").ok());
  EXPECT_EQ(*DataFormatOfFile("importB.adx.xml"), DataFormat::kAdx);
  EXPECT_EQ(*DataFormatOfFile("b.CSV"), DataFormat::kCsv);
  EXPECT_EQ(*DataFormatOfFile("a.xml"), DataFormat::kXml);
  EXPECT_FALSE(DataFormatOfFile("data.txt").ok());
  EXPECT_EQ(
      *DetectDataFormat("sample.xml", "<?xml version=\"1.0\"?>\n<!-- a -->\n<adx xmlns=\"x\">"),
      DataFormat::kAdx);
  EXPECT_EQ(*DetectDataFormat("sample.xml", "<dataValueSet/>"), DataFormat::kXml);
  EXPECT_EQ(ParseBoolean("TRUE"), true);
  EXPECT_EQ(ParseBoolean("0"), false);
  EXPECT_EQ(ParseBoolean("yes"), std::nullopt);
}

}  // namespace
}  // namespace keneya::io
