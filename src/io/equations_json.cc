#include "io/equations_json.h"

#include <simdjson.h>

#include <charconv>
#include <cmath>

#include "io/data_value_set_writer.h"

namespace keneya::io {

using core::Result;

namespace {

std::string Where(std::string_view json, std::string_view file_name, const char* location) {
  size_t offset = location == nullptr ? json.size() : static_cast<size_t>(location - json.data());
  offset = std::min(offset, json.size());
  int line = 1;
  size_t line_start = 0;
  for (size_t i = 0; i < offset; ++i) {
    if (json[i] == '\n') {
      ++line;
      line_start = i + 1;
    }
  }
  return std::string(file_name) + ":" + std::to_string(line) + ":" +
         std::to_string(offset - line_start + 1);
}

}  // namespace

Result<std::vector<rules::Equation>> ReadEquations(std::string_view json,
                                                   std::string_view file_name) {
  simdjson::padded_string padded(json.data(), json.size());
  simdjson::ondemand::parser parser;
  simdjson::ondemand::document doc;
  auto invalid = [&](simdjson::error_code error, const char* location) {
    return core::InvalidArgument(std::string("Invalid JSON: ") + simdjson::error_message(error),
                                 Where(padded, file_name, location));
  };
  if (auto error = parser.iterate(padded).get(doc); error) return invalid(error, nullptr);
  simdjson::ondemand::object object;
  if (auto error = doc.get_object().get(object); error) {
    return core::InvalidArgument("Invalid JSON: the equations must be one JSON object",
                                 std::string(file_name));
  }
  std::vector<rules::Equation> out;
  for (auto field : object) {
    std::string_view key;
    if (auto error = field.unescaped_key().get(key); error) return invalid(error, nullptr);
    simdjson::ondemand::value value;
    if (auto error = field.value().get(value); error) return invalid(error, nullptr);
    simdjson::ondemand::json_type type;
    if (auto error = value.type().get(type); error) return invalid(error, nullptr);
    rules::Equation equation;
    equation.name = std::string(key);
    if (type == simdjson::ondemand::json_type::string) {
      std::string_view text;
      if (auto error = value.get_string().get(text); error) return invalid(error, nullptr);
      equation.expression = std::string(text);
    } else if (type == simdjson::ondemand::json_type::number) {
      double number = 0;
      if (auto error = value.get_double().get(number); error) return invalid(error, nullptr);
      equation.constant = number;
    } else {
      const char* location = nullptr;
      if (value.current_location().get(location) != simdjson::SUCCESS) location = nullptr;
      return core::InvalidArgument("Invalid JSON: equation \"" + std::string(key) +
                                       "\" must be a formula in quotes or a number",
                                   Where(padded, file_name, location));
    }
    out.push_back(std::move(equation));
  }
  return out;
}

std::string GoNumber(double value) {
  if (value == 0) return "0";
  char buffer[64];
  const double magnitude = std::fabs(value);
  // Go: plain notation from 1e-6 to 1e21, the shortest digits that read back the same.
  const auto format = magnitude >= 1e-6 && magnitude < 1e21 ? std::chars_format::fixed
                                                            : std::chars_format::scientific;
  auto [end, ec] = std::to_chars(buffer, buffer + sizeof buffer, value, format);
  std::string out(buffer, end);
  if (format == std::chars_format::scientific) {
    // Go writes the exponent with at least two digits: 1e-07, 1e+21.
    const size_t e = out.find('e');
    if (e != std::string::npos && e + 2 < out.size() + 1) {
      std::string mantissa = out.substr(0, e);
      std::string exponent = out.substr(e + 1);
      char sign = '+';
      if (!exponent.empty() && (exponent[0] == '-' || exponent[0] == '+')) {
        sign = exponent[0];
        exponent = exponent.substr(1);
      }
      if (exponent.size() < 2) exponent = "0" + exponent;
      out = mantissa + "e" + sign + exponent;
    }
  }
  return out;
}

std::string WriteSolution(const rules::SolveResult& result) {
  std::string out;
  if (!result.ok()) {
    out = "{\n  \"errors\": [";
    for (size_t i = 0; i < result.errors.size(); ++i) {
      const rules::EquationError& e = result.errors[i];
      out += i == 0 ? "\n    {\n" : ",\n    {\n";
      out += "      \"source\": \"";
      AppendJsonEscaped(out, e.source);
      out += "\",\n      \"expression\": \"";
      AppendJsonEscaped(out, e.expression);
      out += "\",\n      \"message\": \"";
      AppendJsonEscaped(out, e.message);
      out += "\"";
      if (e.column > 0) out += ",\n      \"column\": " + std::to_string(e.column);
      out += "\n    }";
    }
    out += "\n  ]\n}\n";
    return out;
  }
  out.reserve(result.values.size() * 48);
  out += "{";
  bool first = true;
  for (const auto& [name, value] : result.values) {
    out += first ? "\n  \"" : ",\n  \"";
    first = false;
    AppendJsonEscaped(out, name);
    out += "\": ";
    switch (value.kind) {
      case rules::Value::Kind::kNumber:
        out += GoNumber(value.number);
        break;
      case rules::Value::Kind::kBoolean:
        out += value.boolean ? "true" : "false";
        break;
      case rules::Value::Kind::kString:
        out += '"';
        AppendJsonEscaped(out, value.text);
        out += '"';
        break;
      case rules::Value::Kind::kArray: {
        out += '[';
        for (size_t i = 0; i < value.array.size(); ++i) {
          out += (i == 0 ? "" : ",") + GoNumber(value.array[i]);
        }
        out += ']';
        break;
      }
    }
  }
  out += "\n}\n";
  return out;
}

}  // namespace keneya::io
