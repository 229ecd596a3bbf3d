#include "io/equations_json.h"

#include <simdjson.h>

#include <charconv>
#include <cmath>
#include <cstring>
#include <optional>
#include <thread>

#include "core/text.h"
#include "io/data_value_set_writer.h"
#include "io/reader_internal.h"

namespace keneya::io {

using core::Result;

namespace {

core::Message Where(std::string_view json, std::string_view file_name, const char* location) {
  size_t offset = location == nullptr ? json.size() : static_cast<size_t>(location - json.data());
  offset = std::min(offset, json.size());
  size_t line = 1;
  size_t line_start = 0;
  for (size_t i = 0; i < offset; ++i) {
    if (json[i] == '\n') {
      ++line;
      line_start = i + 1;
    }
  }
  return FileLineColumn(file_name, line, offset - line_start + 1);
}

}  // namespace

struct EquationFile::Impl {
  simdjson::padded_string padded;
  simdjson::ondemand::parser parser;  // holds the unescaped strings the views point to
  simdjson::ondemand::document doc;
};

EquationFile::EquationFile() : impl_(std::make_unique<Impl>()) {}
EquationFile::~EquationFile() = default;

Result<std::unique_ptr<EquationFile>> ReadEquationFile(std::string_view json,
                                                       std::string_view file_name) {
  std::unique_ptr<EquationFile> file(new EquationFile());
  file->impl_->padded = simdjson::padded_string(json.data(), json.size());
  return EquationFile::Parse(std::move(file), file_name);
}

Result<std::unique_ptr<EquationFile>> LoadEquationFile(const std::string& path) {
  std::unique_ptr<EquationFile> file(new EquationFile());
  if (simdjson::padded_string::load(path).get(file->impl_->padded) != simdjson::SUCCESS) {
    return core::NotFound(core::Message("io.file.cannot_read"), path);
  }
  return EquationFile::Parse(std::move(file), path);
}

Result<std::unique_ptr<EquationFile>> EquationFile::Parse(std::unique_ptr<EquationFile> file,
                                                          std::string_view file_name) {
  EquationFile::Impl& f = *file->impl_;
  const std::string_view json(f.padded.data(), f.padded.size());
  KENEYA_RETURN_IF_ERROR(core::CheckUtf8(json, file_name));
  auto invalid = [&](simdjson::error_code error, const char* location) {
    return core::InvalidArgument(
        core::Message("io.equations.invalid_json", {{"detail", simdjson::error_message(error)}}),
        Where(f.padded, file_name, location));
  };
  // The parser's string buffer holds the strings that had to be unescaped: it must keep them
  // all at once.
  if (auto error = f.parser.allocate(f.padded.size()); error) return invalid(error, nullptr);
  if (auto error = f.parser.iterate(f.padded).get(f.doc); error) return invalid(error, nullptr);
  simdjson::ondemand::object object;
  if (auto error = f.doc.get_object().get(object); error) {
    return core::InvalidArgument(core::Message("io.equations.not_one_object"),
                                 std::string(file_name));
  }
  const char* const end_of_text = f.padded.data() + f.padded.size();
  // A string without escapes is taken in place, between its quotes.
  auto in_place = [&](const char* first) -> std::optional<std::string_view> {
    const void* quote = std::memchr(first, '"', static_cast<size_t>(end_of_text - first));
    if (quote == nullptr) return std::nullopt;
    const std::string_view text(first,
                                static_cast<size_t>(static_cast<const char*>(quote) - first));
    if (text.find('\\') != std::string_view::npos) return std::nullopt;
    return text;
  };
  std::vector<rules::EquationView>& out = file->equations_;
  // About one equation per 64 bytes: few reallocations.
  out.reserve(json.size() / 64 + 16);
  for (auto field : object) {
    rules::EquationView equation;
    std::string_view key;
    const char* raw_key = nullptr;
    if (field.key().raw().get(raw_key) == simdjson::SUCCESS) {
      if (auto text = in_place(raw_key)) key = *text;
    }
    if (key.data() == nullptr) {
      if (auto error = field.unescaped_key().get(key); error) return invalid(error, nullptr);
    }
    equation.name = key;
    simdjson::ondemand::value value;
    if (auto error = field.value().get(value); error) return invalid(error, nullptr);
    const std::string_view token = value.raw_json_token();
    if (!token.empty() && token[0] == '"') {
      if (auto text = in_place(token.data() + 1)) {
        equation.expression = *text;
      } else if (auto error = value.get_string().get(equation.expression); error) {
        return invalid(error, nullptr);
      }
    } else if (!token.empty() && (token[0] == '-' || (token[0] >= '0' && token[0] <= '9'))) {
      double number = 0;
      if (auto error = value.get_double().get(number); error) return invalid(error, nullptr);
      equation.constant = number;
    } else {
      return core::InvalidArgument(core::Message("io.equations.not_a_formula", {{"name", key}}),
                                   Where(f.padded, file_name, token.data()));
    }
    out.push_back(equation);
  }
  return file;
}

Result<std::vector<rules::Equation>> ReadEquations(std::string_view json,
                                                   std::string_view file_name) {
  KENEYA_ASSIGN_OR_RETURN(std::unique_ptr<EquationFile> file, ReadEquationFile(json, file_name));
  std::vector<rules::Equation> out;
  out.reserve(file->equations().size());
  for (const rules::EquationView& e : file->equations()) {
    out.push_back({std::string(e.name), std::string(e.expression), e.constant});
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
  // Two halves written at once (a national month is half a million values), then joined.
  auto write = [&result](size_t begin, size_t end, std::string& text) {
    text.reserve((end - begin) * 64);
    for (size_t i = begin; i < end; ++i) {
      const rules::Value value = result.value(i);
      text += i == 0 ? "\n  \"" : ",\n  \"";
      AppendJsonEscaped(text, result.name(i));
      text += "\": ";
      switch (value.kind) {
        case rules::Value::Kind::kNumber:
          text += GoNumber(value.number);
          break;
        case rules::Value::Kind::kBoolean:
          text += value.boolean ? "true" : "false";
          break;
        case rules::Value::Kind::kString:
          text += '"';
          AppendJsonEscaped(text, value.text);
          text += '"';
          break;
        case rules::Value::Kind::kArray: {
          text += '[';
          for (size_t k = 0; k < value.array.size(); ++k) {
            text += (k == 0 ? "" : ",") + GoNumber(value.array[k]);
          }
          text += ']';
          break;
        }
      }
    }
  };
  const size_t n = result.size();
  const size_t half = n < 100000 ? n : n / 2;
  std::string second;
  {
    std::thread helper;
    if (half < n) helper = std::thread([&] { write(half, n, second); });
    out.reserve(n * 64 + 8);
    out += "{";
    write(0, half, out);
    if (helper.joinable()) helper.join();
  }
  out += second;
  out += "\n}\n";
  return out;
}

std::string WriteEquations(const std::vector<rules::Equation>& equations) {
  std::string out = "{";
  bool first = true;
  for (const rules::Equation& e : equations) {
    out += first ? "\n\"" : ",\n\"";
    first = false;
    AppendJsonEscaped(out, e.name);
    out += "\": \"";
    AppendJsonEscaped(out, e.constant ? GoNumber(*e.constant) : e.expression);
    out += '"';
  }
  out += "\n}\n";
  return out;
}

}  // namespace keneya::io
