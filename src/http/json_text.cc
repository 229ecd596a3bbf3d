#include "http/json_text.h"

#include <charconv>
#include <cmath>

#include "core/text.h"
#include "io/data_value_set_writer.h"

namespace keneya::http {

void JsonText::Separate() {
  if (after_key_) {
    after_key_ = false;
    return;
  }
  if (!first_.empty()) {
    if (!first_.back()) out_ += ',';
    first_.back() = false;
  }
}

JsonText& JsonText::BeginObject() {
  Separate();
  out_ += '{';
  first_.push_back(true);
  return *this;
}

JsonText& JsonText::EndObject() {
  out_ += '}';
  first_.pop_back();
  return *this;
}

JsonText& JsonText::BeginArray() {
  Separate();
  out_ += '[';
  first_.push_back(true);
  return *this;
}

JsonText& JsonText::EndArray() {
  out_ += ']';
  first_.pop_back();
  return *this;
}

JsonText& JsonText::Key(std::string_view name) {
  Separate();
  out_ += '"';
  io::AppendJsonEscaped(out_, name);
  out_ += "\":";
  after_key_ = true;
  return *this;
}

JsonText& JsonText::String(std::string_view text) {
  Separate();
  out_ += '"';
  if (core::IsValidUtf8(text)) {
    io::AppendJsonEscaped(out_, text);
  } else {
    io::AppendJsonEscaped(out_, core::ToValidUtf8(text));
  }
  out_ += '"';
  return *this;
}

JsonText& JsonText::Int(int64_t value) {
  Separate();
  char buffer[24];
  const auto [end, error] = std::to_chars(buffer, buffer + sizeof(buffer), value);
  out_.append(buffer, error == std::errc() ? end : buffer);
  return *this;
}

JsonText& JsonText::Number(double value) {
  Separate();
  if (!std::isfinite(value)) {
    out_ += "null";
    return *this;
  }
  char buffer[32];
  const auto [end, error] = std::to_chars(buffer, buffer + sizeof(buffer), value);
  out_.append(buffer, error == std::errc() ? end : buffer);
  return *this;
}

JsonText& JsonText::Bool(bool value) {
  Separate();
  out_ += value ? "true" : "false";
  return *this;
}

JsonText& JsonText::Null() {
  Separate();
  out_ += "null";
  return *this;
}

JsonText& JsonText::Raw(std::string_view json) {
  Separate();
  out_ += json;
  return *this;
}

}  // namespace keneya::http
