#include "io/equations_json.h"

#include <simdjson.h>

#include <atomic>
#include <charconv>
#include <cmath>
#include <cstring>
#include <optional>
#include <ostream>
#include <sstream>
#include <thread>

#include "core/text.h"
#include "io/data_value_set_writer.h"
#include "io/mapped_file.h"
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
  // The text: a copy (`padded`) or the file mapped in place (`mapped`).
  simdjson::padded_string padded;
  MappedFile mapped;
  std::string_view text;
  size_t capacity = 0;                // readable bytes from text.data()
  simdjson::ondemand::parser parser;  // holds the unescaped strings the views point to
  simdjson::ondemand::document doc;
};

EquationFile::EquationFile() : impl_(std::make_unique<Impl>()) {}
EquationFile::~EquationFile() = default;

Result<std::unique_ptr<EquationFile>> ReadEquationFile(std::string_view json,
                                                       std::string_view file_name) {
  std::unique_ptr<EquationFile> file(new EquationFile());
  EquationFile::Impl& f = *file->impl_;
  f.padded = simdjson::padded_string(json.data(), json.size());
  f.text = std::string_view(f.padded.data(), f.padded.size());
  f.capacity = f.padded.size() + simdjson::SIMDJSON_PADDING;
  return EquationFile::Parse(std::move(file), file_name);
}

Result<std::unique_ptr<EquationFile>> LoadEquationFile(const std::string& path) {
  std::unique_ptr<EquationFile> file(new EquationFile());
  EquationFile::Impl& f = *file->impl_;
  core::Result<MappedFile> mapped = MappedFile::Open(path);
  if (mapped.ok()) {
    // Mapped rather than read: no copy of the text, no page of the process's own for it.
    f.mapped = std::move(mapped).value();
    f.text = f.mapped.text();
    f.capacity = f.mapped.capacity();
  } else if (mapped.error().code == core::ErrorCode::kFailedPrecondition) {
    // Not a regular file (a pipe, a device): read as a stream.
    if (simdjson::padded_string::load(path).get(f.padded) != simdjson::SUCCESS) {
      return core::NotFound(core::Message("io.file.cannot_read"), path);
    }
    f.text = std::string_view(f.padded.data(), f.padded.size());
    f.capacity = f.padded.size() + simdjson::SIMDJSON_PADDING;
  } else {
    return core::NotFound(core::Message("io.file.cannot_read"), path);
  }
  return EquationFile::Parse(std::move(file), path);
}

Result<std::unique_ptr<EquationFile>> EquationFile::Parse(std::unique_ptr<EquationFile> file,
                                                          std::string_view file_name) {
  EquationFile::Impl& f = *file->impl_;
  const std::string_view json = f.text;
  // simdjson's check first (vectorised); ours only to say where a flaw is.
  if (!simdjson::validate_utf8(json.data(), json.size())) {
    KENEYA_RETURN_IF_ERROR(core::CheckUtf8(json, file_name));
  }
  auto invalid = [&](simdjson::error_code error, const char* location) {
    return core::InvalidArgument(
        core::Message("io.equations.invalid_json", {{"detail", simdjson::error_message(error)}}),
        Where(json, file_name, location));
  };
  // The parser's string buffer holds the strings that had to be unescaped: it must keep them
  // all at once.
  if (auto error = f.parser.allocate(json.size()); error) return invalid(error, nullptr);
  if (auto error = f.parser.iterate(json.data(), json.size(), f.capacity).get(f.doc); error)
    return invalid(error, nullptr);
  simdjson::ondemand::object object;
  if (auto error = f.doc.get_object().get(object); error) {
    return core::InvalidArgument(core::Message("io.equations.not_one_object"),
                                 std::string(file_name));
  }
  const char* const end_of_text = json.data() + json.size();
  // A string without escapes is taken in place, between its quotes.
  auto in_place = [&](const char* first) { return JsonStringInPlace(first, end_of_text); };
  core::LargeVector<rules::EquationView>& out = file->equations_;
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
                                   Where(json, file_name, token.data()));
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

void AppendGoNumber(std::string& out, double value) {
  if (value == 0) {
    out += '0';
    return;
  }
  char buffer[64];
  const double magnitude = std::fabs(value);
  // Go: plain notation from 1e-6 to 1e21, the shortest digits that read back the same.
  if (magnitude >= 1e-6 && magnitude < 1e21) {
    auto [end, ec] = std::to_chars(buffer, buffer + sizeof buffer, value, std::chars_format::fixed);
    out.append(buffer, end);
    return;
  }
  auto [end, ec] =
      std::to_chars(buffer, buffer + sizeof buffer, value, std::chars_format::scientific);
  // Go writes the exponent with at least two digits: 1e-07, 1e+21.
  const std::string_view text(buffer, static_cast<size_t>(end - buffer));
  const size_t e = text.find('e');
  std::string_view exponent = text.substr(e + 1);
  char sign = '+';
  if (!exponent.empty() && (exponent[0] == '-' || exponent[0] == '+')) {
    sign = exponent[0];
    exponent.remove_prefix(1);
  }
  out.append(text.substr(0, e));
  out += 'e';
  out += sign;
  if (exponent.size() < 2) out += '0';
  out.append(exponent);
}

std::string GoNumber(double value) {
  std::string out;
  AppendGoNumber(out, value);
  return out;
}

void WriteSolution(const rules::SolveResult& result, std::ostream& out) {
  if (!result.ok()) {
    std::string text = "{\n  \"errors\": [";
    for (size_t i = 0; i < result.errors.size(); ++i) {
      const rules::EquationError& e = result.errors[i];
      text += i == 0 ? "\n    {\n" : ",\n    {\n";
      text += "      \"source\": \"";
      AppendJsonEscaped(text, e.source);
      text += "\",\n      \"expression\": \"";
      AppendJsonEscaped(text, e.expression);
      text += "\",\n      \"message\": \"";
      AppendJsonEscaped(text, e.message);
      text += "\"";
      if (e.column > 0) text += ",\n      \"column\": " + std::to_string(e.column);
      text += "\n    }";
    }
    text += "\n  ]\n}\n";
    out << text;
    return;
  }
  // Blocks of values written as they are formatted: two threads format alternate blocks, each
  // in its own buffer used again, and write them in turn (a national month is half a million
  // values: no text of the whole solution in memory).
  auto format = [&result](size_t begin, size_t end, std::string& text) {
    text.clear();
    for (size_t i = begin; i < end; ++i) {
      // The names lie in the file's order, not this one: each is asked for ahead of its turn.
      if (i + 16 < end) __builtin_prefetch(result.name(i + 16).data());
      text += i == 0 ? "\n  \"" : ",\n  \"";
      AppendJsonEscaped(text, result.name(i));
      text += "\": ";
      switch (result.kind(i)) {
        case rules::Value::Kind::kNumber:
          AppendGoNumber(text, result.number(i));
          break;
        case rules::Value::Kind::kBoolean:
          text += result.number(i) != 0 ? "true" : "false";
          break;
        case rules::Value::Kind::kString: {
          const rules::Value value = result.value(i);
          text += '"';
          AppendJsonEscaped(text, value.text);
          text += '"';
          break;
        }
        case rules::Value::Kind::kArray: {
          const rules::Value value = result.value(i);
          text += '[';
          for (size_t k = 0; k < value.array.size(); ++k) {
            if (k > 0) text += ',';
            AppendGoNumber(text, value.array[k]);
          }
          text += ']';
          break;
        }
      }
    }
  };
  constexpr size_t kBlock = 16384;
  const size_t n = result.size();
  const size_t blocks = (n + kBlock - 1) / kBlock;
  out << '{';
  std::atomic<size_t> turn{0};  // the block to write next
  auto work = [&](size_t first) {
    std::string text;
    text.reserve(kBlock * 64);
    for (size_t b = first; b < blocks; b += 2) {
      format(b * kBlock, std::min(n, (b + 1) * kBlock), text);
      for (size_t t = turn.load(); t != b; t = turn.load()) turn.wait(t);
      out.write(text.data(), static_cast<std::streamsize>(text.size()));
      turn.store(b + 1);
      turn.notify_all();
    }
  };
  {
    std::thread helper;
    if (blocks > 1) helper = std::thread(work, 1);
    work(0);
    if (helper.joinable()) helper.join();
  }
  out << "\n}\n";
}

std::string WriteSolution(const rules::SolveResult& result) {
  std::ostringstream out;
  WriteSolution(result, out);
  return std::move(out).str();
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
