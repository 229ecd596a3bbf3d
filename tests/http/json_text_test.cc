#include "http/json_text.h"

#include <gtest/gtest.h>

#include <cmath>
#include <nlohmann/json.hpp>

namespace keneya::http {
namespace {

TEST(JsonTextTest, WritesNestedObjectsAndArraysWithTheirCommas) {
  JsonText json;
  json.BeginObject();
  json.Key("name").String("District sanitaire d'Ansongo");
  json.Key("total").Int(-1'140'657'000);
  json.Key("rate").Number(0.125);
  json.Key("nothing").Null();
  json.Key("open").Bool(true);
  json.Key("empty").BeginArray().EndArray();
  json.Key("rows").BeginArray();
  json.BeginObject().Key("a").Int(1).EndObject();
  json.BeginObject().Key("b").BeginArray().Int(2).Int(3).EndArray().EndObject();
  json.EndArray();
  json.Raw(R"("kept":{"x":1})");
  json.EndObject();
  EXPECT_EQ(json.Take(),
            R"({"name":"District sanitaire d'Ansongo","total":-1140657000,"rate":0.125,)"
            R"("nothing":null,"open":true,"empty":[],"rows":[{"a":1},{"b":[2,3]}],)"
            R"("kept":{"x":1}})");
}

TEST(JsonTextTest, EscapesTextRepairsInvalidUtf8AndWritesNoNonFiniteNumber) {
  JsonText json;
  json.BeginArray();
  json.String("« guillemets » \"dq\" \\ \n\t\x01");
  json.String(std::string("caf\xE9", 4));  // Latin-1, not UTF-8
  json.Number(NAN);
  json.Number(INFINITY);
  json.EndArray();
  const std::string text = json.Take();
  const auto parsed = nlohmann::json::parse(text);  // valid JSON
  EXPECT_EQ(parsed[0], "« guillemets » \"dq\" \\ \n\t\x01");
  EXPECT_EQ(parsed[1], "caf\xEF\xBF\xBD");  // U+FFFD in the invalid byte's place
  EXPECT_TRUE(parsed[2].is_null());
  EXPECT_TRUE(parsed[3].is_null());
}

}  // namespace
}  // namespace keneya::http
