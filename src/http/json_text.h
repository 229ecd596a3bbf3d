// JSON written straight into text, for the answers that are read most (lists of hundreds of rows,
// explanation trees): building a document of maps first costs more than the work behind it.
//
//   JsonText json;
//   json.BeginObject();
//   json.Key("number").String(invoice.number);
//   json.Key("total").Int(invoice.total);
//   json.EndObject();
//   Response r = JsonTextResponse(200, json.Take());
//
// Strings are escaped and made valid UTF-8; commas are placed by the writer. The caller keeps
// objects and arrays balanced.
#ifndef KENEYA_HTTP_JSON_TEXT_H_
#define KENEYA_HTTP_JSON_TEXT_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace keneya::http {

class JsonText {
 public:
  JsonText& BeginObject();
  JsonText& EndObject();
  JsonText& BeginArray();
  JsonText& EndArray();
  // A member's name; its value follows.
  JsonText& Key(std::string_view name);
  JsonText& String(std::string_view text);
  JsonText& Int(int64_t value);
  JsonText& Number(double value);  // null when not finite
  JsonText& Bool(bool value);
  JsonText& Null();
  // A value already written as JSON (a rendered piece kept between requests).
  JsonText& Raw(std::string_view json);

  std::string Take() { return std::move(out_); }

 private:
  void Separate();

  std::string out_;
  std::vector<bool> first_;  // per open object or array: nothing written in it yet
  bool after_key_ = false;
};

}  // namespace keneya::http

#endif  // KENEYA_HTTP_JSON_TEXT_H_
