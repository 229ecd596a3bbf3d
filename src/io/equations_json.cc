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
#include <utility>

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
  size_t capacity = 0;  // readable bytes from text.data()
  // Each holds the unescaped strings the views of its part of the text point to.
  simdjson::ondemand::parser parser;
  simdjson::ondemand::parser second_parser;

  // Sets the text's byte at `offset` (the file is left as it is: its mapping is private).
  bool Set(size_t offset, char c) {
    if (mapped.text().data() == text.data()) return mapped.Set(offset, c);
    padded.data()[offset] = c;
    return true;
  }
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

namespace {

// The equations of the object that begins `text` (`capacity` bytes readable from its start,
// parsed by `parser`), appended to `out`. Errors say where in `whole`, the file's text.
core::Status ReadMembers(simdjson::ondemand::parser& parser, std::string_view text, size_t capacity,
                         std::string_view whole, std::string_view file_name,
                         core::LargeVector<rules::EquationView>& out, bool* ends_there) {
  auto invalid = [&](simdjson::error_code error, const char* location) {
    return core::InvalidArgument(
        core::Message("io.equations.invalid_json", {{"detail", simdjson::error_message(error)}}),
        Where(whole, file_name, location));
  };
  // The parser's string buffer holds the strings that had to be unescaped: it must keep them
  // all at once.
  if (auto error = parser.allocate(text.size()); error) return invalid(error, nullptr);
  simdjson::ondemand::document doc;
  if (auto error = parser.iterate(text.data(), text.size(), capacity).get(doc); error) {
    // simdjson checks UTF-8 as it indexes the text; ours says where the flaw is.
    if (error == simdjson::UTF8_ERROR) KENEYA_RETURN_IF_ERROR(core::CheckUtf8(whole, file_name));
    return invalid(error, nullptr);
  }
  simdjson::ondemand::object object;
  if (auto error = doc.get_object().get(object); error) {
    return core::InvalidArgument(core::Message("io.equations.not_one_object"),
                                 std::string(file_name));
  }
  const char* const end_of_text = whole.data() + whole.size();
  // A string without escapes is taken in place, between its quotes.
  auto in_place = [&](const char* first) { return JsonStringInPlace(first, end_of_text); };
  for (auto field : object) {
    std::string_view key;
    const char* raw_key = nullptr;
    if (field.key().raw().get(raw_key) == simdjson::SUCCESS) {
      if (auto key_text = in_place(raw_key)) key = *key_text;
    }
    if (key.data() == nullptr) {
      if (auto error = field.unescaped_key().get(key); error) return invalid(error, nullptr);
    }
    simdjson::ondemand::value value;
    if (auto error = field.value().get(value); error) return invalid(error, nullptr);
    const std::string_view token = value.raw_json_token();
    if (!token.empty() && token[0] == '"') {
      std::string_view expression;
      if (auto unescaped = in_place(token.data() + 1)) {
        expression = *unescaped;
      } else if (auto error = value.get_string().get(expression); error) {
        return invalid(error, nullptr);
      }
      out.emplace_back(key, expression);
    } else if (!token.empty() && (token[0] == '-' || (token[0] >= '0' && token[0] <= '9'))) {
      double number = 0;
      if (auto error = value.get_double().get(number); error) return invalid(error, nullptr);
      out.emplace_back(key, std::string_view(), number);
    } else {
      return core::InvalidArgument(core::Message("io.equations.not_a_formula", {{"name", key}}),
                                   Where(whole, file_name, token.data()));
    }
  }
  // Whether the object was the last thing in the text (nothing but spaces after it).
  const char* after = nullptr;
  *ends_there = doc.current_location().get(after) != simdjson::SUCCESS;
  return core::OkStatus();
}

bool IsBlank(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

// Where a large object may be cut in two near its middle: a line break (never inside a JSON
// string) that a comma precedes and a quote follows, spaces aside: {"a": "1",\n"b": "2"}.
// Returns the comma's offset and the line break's, or nothing. Nothing else is assumed: the
// halves are checked as they are read (see EquationFile::Parse).
std::optional<std::pair<size_t, size_t>> MiddleBreak(std::string_view json) {
  constexpr size_t kTries = 64;
  size_t at = json.size() / 2;
  for (size_t tries = 0; tries < kTries; ++tries) {
    const size_t line_break = json.find('\n', at);
    if (line_break == std::string_view::npos || line_break > json.size() / 4 * 3) break;
    at = line_break + 1;
    size_t comma = line_break;
    while (comma > 0 && IsBlank(json[comma - 1]) && json[comma - 1] != '\n') --comma;
    if (comma == 0 || json[comma - 1] != ',') continue;
    size_t quote = line_break + 1;
    while (quote < json.size() && IsBlank(json[quote])) ++quote;
    if (quote < json.size() && json[quote] == '"') return std::make_pair(comma - 1, line_break);
  }
  return std::nullopt;
}

}  // namespace

Result<std::unique_ptr<EquationFile>> EquationFile::Parse(std::unique_ptr<EquationFile> file,
                                                          std::string_view file_name) {
  EquationFile::Impl& f = *file->impl_;
  const std::string_view json = f.text;
  core::LargeVector<rules::EquationView>& out = file->equations_;
  // About one equation per 64 bytes: few reallocations.
  out.reserve(json.size() / 64 + 16);
  // A large object is read as two halves at once, on two threads: the comma between them
  // becomes the first's closing brace, the line break after it the second's opening one (the
  // text is the process's own: a private mapping or a copy). Both halves must be objects of
  // equations, the first ending at that brace; anything else (an object that ends earlier, a
  // half that is not an object, any error) and the text, set back as it was, is read whole,
  // which says what is wrong and where.
  constexpr size_t kSplitBytes = size_t{1} << 20;
  const auto cut = json.size() >= kSplitBytes ? MiddleBreak(json) : std::nullopt;
  if (cut && !(f.Set(cut->first, '}') && f.Set(cut->second, '{'))) {
    f.Set(cut->first, ',');
  } else if (cut) {
    const size_t comma = cut->first, line_break = cut->second;
    const std::string_view first = json.substr(0, comma + 1);
    const std::string_view second = json.substr(line_break);
    core::LargeVector<rules::EquationView> second_out;
    second_out.reserve(second.size() / 64 + 16);
    bool second_ok = false;
    std::thread helper([&] {
      bool ends_there = false;
      second_ok = ReadMembers(f.second_parser, second, f.capacity - line_break, json, file_name,
                              second_out, &ends_there)
                      .ok() &&
                  !second_out.empty();
    });
    bool ends_there = false;
    const bool first_ok =
        ReadMembers(f.parser, first, f.capacity, json, file_name, out, &ends_there).ok() &&
        ends_there && !out.empty();
    helper.join();
    f.Set(comma, ',');
    f.Set(line_break, '\n');
    if (first_ok && second_ok) {
      out.insert(out.end(), second_out.begin(), second_out.end());
      return file;
    }
    out.clear();
  }
  bool ends_there = false;
  KENEYA_RETURN_IF_ERROR(
      ReadMembers(f.parser, json, f.capacity, json, file_name, out, &ends_there));
  return file;
}

Result<std::vector<rules::Equation>> ReadEquations(std::string_view json,
                                                   std::string_view file_name) {
  KENEYA_ASSIGN_OR_RETURN(std::unique_ptr<EquationFile> file, ReadEquationFile(json, file_name));
  std::vector<rules::Equation> out;
  out.reserve(file->equations().size());
  for (const rules::EquationView& e : file->equations()) {
    out.push_back({std::string(e.name()), std::string(e.expression()), e.constant()});
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
  // A block's names and values are gathered first, then formatted: they lie in the file's
  // order, not the names', and each step asks for its memory ahead of its turn.
  struct Gathered {
    std::string_view name;
    double number;
    rules::Value::Kind kind;
  };
  auto format = [&result](size_t begin, size_t end, std::vector<Gathered>& gathered,
                          std::string& text) {
    constexpr size_t kAhead = 16;
    gathered.resize(end - begin);
    for (size_t i = begin; i < end; ++i) {
      if (i + kAhead < end) result.Prefetch(i + kAhead);
      gathered[i - begin] = {result.name(i), result.number(i), result.kind(i)};
    }
    text.clear();
    for (size_t i = begin; i < end; ++i) {
      const Gathered& g = gathered[i - begin];
      if (i + kAhead < end) __builtin_prefetch(gathered[i - begin + kAhead].name.data());
      text += i == 0 ? "\n  \"" : ",\n  \"";
      AppendJsonEscaped(text, g.name);
      text += "\": ";
      switch (g.kind) {
        case rules::Value::Kind::kNumber:
          AppendGoNumber(text, g.number);
          break;
        case rules::Value::Kind::kBoolean:
          text += g.number != 0 ? "true" : "false";
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
    std::vector<Gathered> gathered;
    for (size_t b = first; b < blocks; b += 2) {
      format(b * kBlock, std::min(n, (b + 1) * kBlock), gathered, text);
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
