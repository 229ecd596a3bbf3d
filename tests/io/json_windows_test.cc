// A large JSON data value set read a window of values at a time gives the same calls and the same
// errors as the file read whole, wherever the windows fall (small windows here, so that they fall
// in strings, in values within values, between a value and its comma).
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "core/random.h"
#include "io/data_value_set.h"

namespace keneya::io {
namespace {

// Every call a reader made, as text: compared whole between two readings.
class Transcript : public DataValueSetHandler {
 public:
  core::Status OnGroup(const DataValueSetHeader& h) override {
    calls.push_back("group " + h.data_set + "|" + h.period + "|" + h.org_unit + "|" +
                    h.complete_date + "|" + h.attribute_option_combo + "|" + h.id_scheme);
    return core::OkStatus();
  }
  core::Status OnValue(const RawDataValue& v) override {
    std::string call = "value " + std::to_string(v.index) + " line " + std::to_string(v.line);
    for (std::string_view field :
         {v.data_element, v.period, v.org_unit, v.category_option_combo, v.attribute_option_combo,
          v.value, v.stored_by, v.created, v.last_updated, v.comment}) {
      call += "|";
      call += field;
    }
    call += v.has_value ? "|v" : "|-";
    call += v.has_comment ? "c" : "-";
    call += v.followup ? (*v.followup ? "F" : "f") : "-";
    call += v.deleted ? (*v.deleted ? "D" : "d") : "-";
    calls.push_back(call);
    if (stop_at >= 0 && static_cast<int>(v.index) == stop_at) {
      return core::FailedPrecondition(core::Message("io.import.aborted"));
    }
    return core::OkStatus();
  }
  std::vector<std::string> calls;
  int stop_at = -1;
};

struct Reading {
  std::vector<std::string> calls;
  std::string error;  // empty when the reading succeeded
  std::vector<size_t> done_before;
};

Reading ReadWith(const std::string& text, size_t window, int stop_at = -1) {
  Transcript transcript;
  transcript.stop_at = stop_at;
  Reading reading;
  ReadOptions options;
  options.window_bytes = window;
  options.done_before = [&](size_t offset) { reading.done_before.push_back(offset); };
  core::Status status = ReadDataValueSet(DataFormat::kJson, text, "big.json", transcript, options);
  reading.calls = std::move(transcript.calls);
  if (!status.ok()) reading.error = status.error().ToString();
  return reading;
}

Reading Whole(const std::string& text, int stop_at = -1) {
  return ReadWith(text, size_t{1} << 30, stop_at);
}

// A value as DHIS2 writes it, with now and then what makes a window's end hard to place.
std::string Value(core::Random& rng, int i) {
  std::string v = "{\"dataElement\":\"de" + std::to_string(i % 7) + "\",\"period\":\"2024" +
                  std::to_string(1 + i % 9) + "\",\"orgUnit\":\"ou" + std::to_string(i) +
                  "\",\"value\":\"" + std::to_string(i * 13) + "\"";
  switch (rng.UniformInt(0, 9)) {
    case 0:  // the very text a window ends after, in a string
      v += ",\"comment\":\"a}, {\\\"b\\\": 1}, \\\\\",\"storedBy\":\"x}\"";
      break;
    case 1:  // a value within a value, under a key DHIS2 does not know
      v += ",\"extra\":[{\"a\":1}, {\"b\":[2, {\"c\":\"}, \"}]}],\"followup\":true";
      break;
    case 2:  // escapes and UTF-8
      v += ",\"comment\":\"d\\u00e9j\\u00e0 vu \\\"ici\\\"\",\"storedBy\":\"Aminata Traoré\"";
      break;
    case 3:  // spaces and lines between everything
      v = "\n  " + v + " ,\n  \"deleted\" : false ,\"value\":12.50\n";
      break;
    case 4:
      v += ",\"value\":null,\"comment\":\"\"";
      break;
    default:
      break;
  }
  return v + "}";
}

std::string Set(core::Random& rng, int count, const std::string& after_values = "") {
  std::string text =
      "{\"dataSet\":\"pBOMPrpg1QX\",\n\"completeDate\":\"2024-02-10\",\"period\":\"202401\","
      "\"orgUnit\":\"DiszpKrYNg8\", \"dataValues\" : [\n";
  for (int i = 0; i < count; ++i) {
    if (i > 0) text += rng.UniformInt(0, 1) == 0 ? "," : " ,\n ";
    text += Value(rng, i);
  }
  return text + "\n]" + after_values + "}\n";
}

TEST(JsonWindowsTest, WindowsAnywhereGiveTheCallsOfTheWholeFile) {
  core::Random rng(7);
  const std::string text = Set(rng, 400);
  const Reading whole = Whole(text);
  ASSERT_EQ(whole.error, "");
  ASSERT_EQ(whole.calls.size(), 401u);
  EXPECT_TRUE(whole.done_before.empty());  // read whole: nothing given back as it goes
  for (size_t window : {64, 100, 151, 256, 999, 4096}) {
    const Reading windows = ReadWith(text, window);
    ASSERT_EQ(windows.error, "") << "window " << window;
    EXPECT_EQ(windows.calls, whole.calls) << "window " << window;
    // Told as it goes, in order, never past the end.
    EXPECT_GT(windows.done_before.size(), 3u) << "window " << window;
    for (size_t i = 1; i < windows.done_before.size(); ++i) {
      EXPECT_GT(windows.done_before[i], windows.done_before[i - 1]);
    }
    if (!windows.done_before.empty()) {
      EXPECT_LT(windows.done_before.back(), text.size());
    }
  }
}

TEST(JsonWindowsTest, AValueThatIsWrongFailsAsInTheWholeFileAfterTheSameValues) {
  core::Random rng(11);
  const std::string good = Set(rng, 300);
  const size_t middle = good.find("\"ou150\"");
  ASSERT_NE(middle, std::string::npos);
  const std::vector<std::string> broken = {
      // a value that is an array, a missing comma, a field that is an object, a bad boolean
      good.substr(0, middle) + "[1,2]" + good.substr(middle + 7),
      good.substr(0, good.rfind("},", middle) + 1) + " " +
          good.substr(good.rfind("},", middle) + 2),
      good.substr(0, middle) + "{\"x\":1}" + good.substr(middle + 7),
      good.substr(0, middle) + "\"ou150\",\"followup\":\"maybe\"" + good.substr(middle + 7),
      // invalid UTF-8 in a string
      good.substr(0, middle) + "\"ou\xff\"" + good.substr(middle + 7),
      // a string never closed (a quote too many)
      good.substr(0, middle) + "\"ou\"150\"" + good.substr(middle + 7),
  };
  for (size_t b = 0; b < broken.size(); ++b) {
    const Reading whole = Whole(broken[b]);
    ASSERT_NE(whole.error, "") << "case " << b;
    for (size_t window : {64, 180, 1000}) {
      const Reading windows = ReadWith(broken[b], window);
      // What simdjson's first pass refuses (text that is not UTF-8, a string never closed)
      // fails before any call when read whole, at its window otherwise.
      if (b >= 4) {
        EXPECT_TRUE(whole.calls.empty()) << "case " << b;
        EXPECT_NE(windows.error, "") << "case " << b << ", window " << window;
        continue;
      }
      EXPECT_EQ(windows.error, whole.error) << "case " << b << ", window " << window;
      EXPECT_EQ(windows.calls, whole.calls) << "case " << b << ", window " << window;
    }
  }
}

TEST(JsonWindowsTest, AStringFullOfValueEndsReadsAsTheWholeFile) {
  // A comment of 30,000 "}," (a hostile file: each could end a window): a few are tried, then
  // the rest is read at once.
  core::Random rng(17);
  std::string text = Set(rng, 300);
  std::string comment;
  for (int i = 0; i < 30000; ++i) comment += "},";
  const size_t at = text.find("\"ou200\"");
  ASSERT_NE(at, std::string::npos);
  text.insert(at + 7, ",\"comment\":\"" + comment + "\"");
  const Reading whole = Whole(text);
  ASSERT_EQ(whole.error, "");
  for (size_t window : {256, 5000}) {
    const Reading windows = ReadWith(text, window);
    EXPECT_EQ(windows.error, "") << "window " << window;
    EXPECT_EQ(windows.calls, whole.calls) << "window " << window;
  }
}

TEST(JsonWindowsTest, AHandlerThatStopsStopsTheReading) {
  core::Random rng(3);
  const std::string text = Set(rng, 200);
  const Reading whole = Whole(text, 120);
  const Reading windows = ReadWith(text, 90, 120);
  EXPECT_NE(whole.error, "");
  EXPECT_EQ(windows.error, whole.error);
  EXPECT_EQ(windows.calls, whole.calls);
  EXPECT_EQ(windows.calls.size(), 122u);  // the header and values 0 to 120
}

TEST(JsonWindowsTest, FieldsAfterTheValuesAreReadBeforeThem) {
  core::Random rng(5);
  // The set's fields after dataValues, then a short list: the file is read whole.
  const std::string text =
      Set(rng, 200, ",\"period\":\"202402\",\"orgUnit\":\"other\",\"tags\":[\"a\",\"]\"]");
  const Reading whole = Whole(text);
  ASSERT_EQ(whole.error, "");
  EXPECT_EQ(whole.calls.front(), "group pBOMPrpg1QX|202402|other|2024-02-10||");
  const Reading windows = ReadWith(text, 100);
  EXPECT_EQ(windows.calls, whole.calls);
  // Fields after the values but no list after them: read whole too.
  const std::string scalar_last = Set(rng, 200, ",\"period\":\"202403\"");
  EXPECT_EQ(ReadWith(scalar_last, 100).calls, Whole(scalar_last).calls);
  EXPECT_EQ(Whole(scalar_last).calls.front(), "group pBOMPrpg1QX|202403|DiszpKrYNg8|2024-02-10||");
}

TEST(JsonWindowsTest, TheValuesFollowedByAFieldAndALongListAreRefused) {
  core::Random rng(9);
  // After dataValues, the set's period and a list longer than the first MB the reader looks
  // into: dataValues cannot be read in windows, and reading them before the period would
  // read them wrong. Refused, with the place where the values end.
  std::string list = "[0";
  while (list.size() < (size_t{1} << 20) + 1000) list += ",12345678";
  const std::string text = Set(rng, 100, ",\"period\":\"202402\",\"codes\":" + list + "]");
  const Reading windows = ReadWith(text, 1000);
  EXPECT_NE(windows.error.find("dataValues"), std::string::npos) << windows.error;
  EXPECT_NE(windows.error.find("big.json:"), std::string::npos) << windows.error;
  // The whole file reads it.
  EXPECT_EQ(Whole(text).error, "");
}

TEST(JsonWindowsTest, ATruncatedOrEmptyListReadsAsTheWholeFile) {
  core::Random rng(13);
  const std::string text = Set(rng, 200);
  const std::string truncated = text.substr(0, text.size() / 2);
  EXPECT_EQ(ReadWith(truncated, 100).error, Whole(truncated).error);
  EXPECT_NE(Whole(truncated).error, "");
  std::string empty = "{\"period\":\"202401\",\"dataValues\":[   ]}";
  empty.insert(1, std::string(2000, ' '));
  EXPECT_EQ(ReadWith(empty, 100).calls, Whole(empty).calls);
  EXPECT_EQ(ReadWith(empty, 100).calls.size(), 1u);
  // A comma before the list's end is an error either way.
  std::string trailing = text;
  trailing.insert(trailing.rfind(']'), ",");
  EXPECT_NE(Whole(trailing).error, "");
  EXPECT_EQ(ReadWith(trailing, 100).error, Whole(trailing).error);
}

}  // namespace
}  // namespace keneya::io
