// Writing then reading a data value set gives back every field the format carries.
#include "io/data_value_set_writer.h"

#include <gtest/gtest.h>

#include <sstream>

#include "io/data_value_set.h"

namespace keneya::io {
namespace {

struct Owned {
  std::string data_element, period, org_unit, coc, aoc, value, stored_by, last_updated, comment,
      annotation;
  bool followup = false, deleted = false;
};

class Collect : public DataValueSetHandler {
 public:
  core::Status OnGroup(const DataValueSetHeader& h) override {
    groups.push_back(h);
    return core::OkStatus();
  }
  core::Status OnValue(const RawDataValue& v) override {
    values.push_back({std::string(v.data_element), std::string(v.period), std::string(v.org_unit),
                      std::string(v.category_option_combo), std::string(v.attribute_option_combo),
                      std::string(v.value), std::string(v.stored_by), std::string(v.last_updated),
                      std::string(v.comment), std::string(v.annotation), v.followup.value_or(false),
                      v.deleted.value_or(false)});
    // ADX: the group carries the period and org unit.
    if (values.back().period.empty()) values.back().period = groups.back().period;
    if (values.back().org_unit.empty()) values.back().org_unit = groups.back().org_unit;
    if (values.back().aoc.empty()) values.back().aoc = groups.back().attribute_option_combo;
    return core::OkStatus();
  }
  std::vector<DataValueSetHeader> groups;
  std::vector<Owned> values;
};

const std::string kTricky = "Hygiène « bon », \"cité\"\nligne 2\t& <balise> \\ fin";

std::vector<OutputDataValue> Values() {
  std::vector<OutputDataValue> out(3);
  out[0] = {"DsFbr000001",
            "DeConsult01",
            "202301",
            "OuKoko00001",
            "CocF5plus01",
            "HllvX50cXC0",
            "312",
            "aminata",
            "",
            "2023-02-03T10:00:00.000Z",
            kTricky,
            true,
            false,
            true};
  out[1] = {"DsFbr000001",
            "DeConsult01",
            "202301",
            "OuKoko00001",
            "CocM5plus01",
            "HllvX50cXC0",
            "0",
            "",
            "",
            "",
            "",
            false,
            true,
            true};
  out[2] = {"DsFbr000001",
            "DeObserv001",
            "2023Q1",
            "OuKoko00001",
            "HllvX50cXC0",
            "HllvX50cXC0",
            kTricky,
            "",
            "",
            "",
            "",
            false,
            false,
            false};
  return out;
}

Collect RoundTrip(DataFormat format) {
  std::ostringstream out;
  auto writer = DataValueSetWriter::Create(format, out);
  writer->Begin(DataValueSetHeader{});
  for (const OutputDataValue& v : Values()) writer->Write(v);
  writer->End();
  Collect collect;
  core::Status s = ReadDataValueSet(format, out.str(), "written", collect);
  EXPECT_TRUE(s.ok()) << s.error().ToString() << "\n" << out.str();
  return collect;
}

TEST(DataValueSetWriterTest, JsonXmlAndCsvCarryEveryField) {
  for (DataFormat format : {DataFormat::kJson, DataFormat::kXml, DataFormat::kCsv}) {
    Collect c = RoundTrip(format);
    ASSERT_EQ(c.values.size(), 3u) << DataFormatName(format);
    const auto expected = Values();
    for (size_t i = 0; i < 3; ++i) {
      const Owned& got = c.values[i];
      EXPECT_EQ(got.data_element, expected[i].data_element);
      EXPECT_EQ(got.period, expected[i].period);
      EXPECT_EQ(got.org_unit, expected[i].org_unit);
      EXPECT_EQ(got.coc, expected[i].category_option_combo);
      EXPECT_EQ(got.aoc, expected[i].attribute_option_combo);
      EXPECT_EQ(got.value, expected[i].value) << DataFormatName(format);
      EXPECT_EQ(got.stored_by, expected[i].stored_by);
      EXPECT_EQ(got.comment, expected[i].comment) << DataFormatName(format);
      EXPECT_EQ(got.followup, expected[i].followup);
      EXPECT_EQ(got.deleted, expected[i].deleted);
      EXPECT_EQ(got.last_updated, expected[i].last_updated);
    }
  }
}

TEST(DataValueSetWriterTest, AdxGroupsValuesAndCarriesTextInAnnotations) {
  Collect c = RoundTrip(DataFormat::kAdx);
  ASSERT_EQ(c.groups.size(), 2u);  // 202301 and 2023Q1
  EXPECT_EQ(c.groups[0].data_set, "DsFbr000001");
  EXPECT_EQ(c.groups[0].period, "202301");
  EXPECT_EQ(c.groups[1].period, "2023Q1");
  ASSERT_EQ(c.values.size(), 3u);
  EXPECT_EQ(c.values[0].value, "312");
  EXPECT_EQ(c.values[0].coc, "CocF5plus01");
  EXPECT_EQ(c.values[0].aoc, "HllvX50cXC0");
  EXPECT_EQ(c.values[2].value, "0");
  EXPECT_EQ(c.values[2].annotation, kTricky);
}

TEST(DataValueSetWriterTest, CsvStartsWithDhis2sHeader) {
  std::ostringstream out;
  auto writer = DataValueSetWriter::Create(DataFormat::kCsv, out);
  writer->Begin({});
  writer->End();
  EXPECT_EQ(out.str(),
            "dataelement,period,orgunit,categoryoptioncombo,attributeoptioncombo,value,storedby,"
            "lastupdated,comment,followup,deleted\n");
}

// Texts are checked eight bytes at a time: a character to escape is found in any place of a
// word, in the bytes after the last whole word, and next to bytes of UTF-8 (0x80 and above).
TEST(DataValueSetWriterTest, EachCharacterToEscapeIsFoundWhereverItFalls) {
  const std::string clean = "quantite_consultations_for_F000001_é_and_202401";
  std::string out;
  AppendJsonEscaped(out, clean);
  EXPECT_EQ(out, clean);
  const std::pair<char, std::string> escapes[] = {
      {'"', "\\\""}, {'\\', "\\\\"},      {'\n', "\\n"},      {'\r', "\\r"},
      {'\t', "\\t"}, {'\x01', "\\u0001"}, {'\x1f', "\\u001f"}};
  for (const auto& [c, escaped] : escapes) {
    for (size_t at = 0; at <= clean.size(); ++at) {
      std::string text = clean;
      text.insert(at, 1, c);
      out.clear();
      AppendJsonEscaped(out, text);
      EXPECT_EQ(out, clean.substr(0, at) + escaped + clean.substr(at))
          << "character " << static_cast<int>(c) << " at " << at;
    }
  }
  // Bytes just above those to escape are kept as they are.
  out.clear();
  AppendJsonEscaped(out, " !#[]^\x7f\x80\xff abcdefgh");
  EXPECT_EQ(out, " !#[]^\x7f\x80\xff abcdefgh");
}

}  // namespace
}  // namespace keneya::io
