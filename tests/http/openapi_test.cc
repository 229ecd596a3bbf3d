// /api/openapi.json against the route table: every route documented, every documented route
// served, public exactly where the document says so, and every example valid against its
// schema.
#include "http/openapi.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <set>
#include <string>

#include "http/api.h"

namespace keneya::http {
namespace {

using nlohmann::json;

const json& Document() {
  static const json document = json::parse(OpenApiDocument());
  return document;
}

const json& Resolve(const json& schema) {
  if (schema.contains("$ref")) {
    const std::string ref = schema["$ref"];
    EXPECT_EQ(ref.rfind("#/components/", 0), 0u) << ref;
    return Document().at(json::json_pointer(ref.substr(1)));
  }
  return schema;
}

// Whether `value` matches `schema` (the parts of JSON Schema the document uses: type, enum,
// required, properties, items, $ref); the first problem goes in `problem`.
bool Valid(const json& value, const json& given, const std::string& at, std::string* problem) {
  const json& schema = Resolve(given);
  if (schema.contains("type")) {
    std::vector<std::string> types;
    if (schema["type"].is_array()) {
      for (const json& t : schema["type"]) types.push_back(t);
    } else {
      types.push_back(schema["type"]);
    }
    bool any = false;
    for (const std::string& type : types) {
      any = any || (type == "object" && value.is_object()) ||
            (type == "array" && value.is_array()) || (type == "string" && value.is_string()) ||
            (type == "integer" && value.is_number_integer()) ||
            (type == "number" && value.is_number()) || (type == "boolean" && value.is_boolean()) ||
            (type == "null" && value.is_null());
    }
    if (!any) {
      *problem = at + ": " + value.dump() + " is not " + schema["type"].dump();
      return false;
    }
  }
  if (schema.contains("enum") &&
      std::find(schema["enum"].begin(), schema["enum"].end(), value) == schema["enum"].end()) {
    *problem = at + ": " + value.dump() + " is not one of " + schema["enum"].dump();
    return false;
  }
  if (value.is_object()) {
    for (const json& name : schema.value("required", json::array())) {
      if (!value.contains(name.get<std::string>())) {
        *problem = at + ": " + name.get<std::string>() + " is missing";
        return false;
      }
    }
    const json properties = schema.value("properties", json::object());
    for (const auto& [name, item] : value.items()) {
      if (properties.contains(name) && !Valid(item, properties[name], at + "." + name, problem)) {
        return false;
      }
    }
  }
  if (value.is_array() && schema.contains("items")) {
    for (size_t i = 0; i < value.size(); ++i) {
      if (!Valid(value[i], schema["items"], at + "[" + std::to_string(i) + "]", problem)) {
        return false;
      }
    }
  }
  return true;
}

TEST(OpenApiTest, DocumentsEveryRouteAndNothingElse) {
  std::set<std::string> served, documented;
  std::set<std::string> served_public, documented_public;
  for (const RouteInfo& route : Api::Routes()) {
    const std::string key = route.method + " " + route.pattern;
    EXPECT_TRUE(served.insert(key).second) << key << " is declared twice";
    if (route.is_public) served_public.insert(key);
  }
  const json& document = Document();
  EXPECT_EQ(document["openapi"], "3.1.0");
  for (const auto& [path, item] : document["paths"].items()) {
    for (const auto& [method, operation] : item.items()) {
      if (method == "parameters") continue;
      std::string upper = method;
      for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
      const std::string key = upper + " " + path;
      documented.insert(key);
      if (operation.contains("security") && operation["security"].empty()) {
        documented_public.insert(key);
      }
      EXPECT_TRUE(operation.contains("summary")) << key;
      EXPECT_TRUE(operation.contains("responses")) << key;
    }
  }
  for (const std::string& key : served)
    EXPECT_TRUE(documented.count(key)) << key << " is undocumented";
  for (const std::string& key : documented)
    EXPECT_TRUE(served.count(key)) << key << " is not served";
  EXPECT_EQ(served_public, documented_public);
}

TEST(OpenApiTest, EveryExampleMatchesItsSchema) {
  int examples = 0;
  std::function<void(const json&, const std::string&)> walk = [&](const json& node,
                                                                  const std::string& at) {
    if (node.is_object()) {
      if (node.contains("example") && node.contains("schema")) {
        std::string problem;
        EXPECT_TRUE(Valid(node["example"], node["schema"], at, &problem)) << problem;
        ++examples;
      }
      for (const auto& [key, child] : node.items()) walk(child, at + "/" + key);
    } else if (node.is_array()) {
      for (size_t i = 0; i < node.size(); ++i) walk(node[i], at + "/" + std::to_string(i));
    }
  };
  walk(Document(), "#");
  EXPECT_GT(examples, 20);
  // The validator itself refuses what it should.
  std::string problem;
  EXPECT_FALSE(Valid(json{{"status", "error"}}, Document()["components"]["schemas"]["Error"], "x",
                     &problem));
  EXPECT_FALSE(
      Valid(json{{"status", "ok2"}}, Document()["components"]["schemas"]["Ok"], "x", &problem));
  EXPECT_TRUE(
      Valid(json{{"status", "ok"}}, Document()["components"]["schemas"]["Ok"], "x", &problem));
}

}  // namespace
}  // namespace keneya::http
