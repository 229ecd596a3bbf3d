#include "demo/districts.h"

#include <algorithm>
#include <charconv>
#include <set>

namespace keneya::demo {
namespace {

using core::Message;

constexpr std::string_view kUtf8Bom = "\xEF\xBB\xBF";

// Walks the text byte by byte while keeping the line and column (in characters) of the next byte.
class Cursor {
 public:
  explicit Cursor(std::string_view text) : text_(text) {}

  bool done() const { return pos_ >= text_.size(); }
  char peek() const { return text_[pos_]; }
  bool peek_is(char c) const { return !done() && text_[pos_] == c; }
  int line() const { return line_; }
  int column() const { return column_; }

  char take() {
    const char c = text_[pos_++];
    if (c == '\n') {
      ++line_;
      column_ = 1;
    } else if ((static_cast<unsigned char>(c) & 0xC0) != 0x80) {
      // A UTF-8 continuation byte belongs to the character already counted.
      ++column_;
    }
    return c;
  }
  void skip(size_t bytes) { pos_ += bytes; }

 private:
  std::string_view text_;
  size_t pos_ = 0;
  int line_ = 1;
  int column_ = 1;
};

std::string Where(std::string_view file_name, int line, int column) {
  return std::string(file_name) + ":" + std::to_string(line) + ":" + std::to_string(column);
}

bool AtLineEnd(const Cursor& cursor) { return cursor.peek_is('\n') || cursor.peek_is('\r'); }

// Consumes "\n", "\r\n" or a lone "\r" (a lone CR is taken as a line break, as old editors
// write them; it does not advance the line counter, which only counts LF).
void TakeLineEnd(Cursor& cursor) {
  if (cursor.peek_is('\r')) cursor.take();
  if (cursor.peek_is('\n')) cursor.take();
}

bool IsBlank(const CsvRecord& record) {
  return record.fields.size() == 1 && record.fields[0].text.empty();
}

core::Result<double> ParseCoordinate(const CsvField& field, std::string_view name, double lo,
                                     double hi, std::string_view file_name) {
  const std::string where =
      Where(file_name, field.line, field.column) + " (" + std::string(name) + ")";
  const std::string& text = field.text;
  double value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || ec != std::errc() || end != text.data() + text.size()) {
    return core::InvalidArgument(
        Message("demo.districts.not_a_decimal", {{"column", name}, {"text", text}}), where);
  }
  if (value < lo || value > hi) {
    return core::InvalidArgument(
        Message(
            "demo.districts.outside_mali",
            {{"column", name}, {"text", text}, {"coordinate", name}, {"low", lo}, {"high", hi}}),
        where);
  }
  return value;
}

}  // namespace

core::Result<std::vector<CsvRecord>> ParseCsv(std::string_view text, std::string_view file_name) {
  std::vector<CsvRecord> records;
  Cursor cursor(text);
  if (text.starts_with(kUtf8Bom)) cursor.skip(kUtf8Bom.size());

  while (!cursor.done()) {
    CsvRecord record;
    record.line = cursor.line();
    while (true) {
      CsvField field;
      field.line = cursor.line();
      field.column = cursor.column();
      if (cursor.peek_is('"')) {
        cursor.take();
        bool closed = false;
        while (!cursor.done()) {
          const char c = cursor.take();
          if (c != '"') {
            field.text += c;
          } else if (cursor.peek_is('"')) {
            field.text += cursor.take();
          } else {
            closed = true;
            break;
          }
        }
        if (!closed) {
          return core::InvalidArgument(Message("demo.csv.unclosed_quote"),
                                       Where(file_name, field.line, field.column));
        }
        if (!cursor.done() && !cursor.peek_is(',') && !AtLineEnd(cursor)) {
          return core::InvalidArgument(Message("demo.csv.after_closing_quote"),
                                       Where(file_name, cursor.line(), cursor.column()));
        }
      } else {
        while (!cursor.done() && !cursor.peek_is(',') && !AtLineEnd(cursor)) {
          if (cursor.peek_is('"')) {
            return core::InvalidArgument(Message("demo.csv.quote_in_field"),
                                         Where(file_name, cursor.line(), cursor.column()));
          }
          field.text += cursor.take();
        }
      }
      record.fields.push_back(std::move(field));
      if (cursor.peek_is(',')) {
        cursor.take();
        continue;
      }
      TakeLineEnd(cursor);
      break;
    }
    if (!IsBlank(record)) records.push_back(std::move(record));
  }
  return records;
}

const std::vector<std::string_view>& HealthRegions() {
  static const std::vector<std::string_view> regions = {
      "Kayes",     "Koulikoro", "Sikasso",           "Ségou", "Mopti", "Tombouctou", "Gao", "Kidal",
      "Taoudénit", "Ménaka",    "District de Bamako"};
  return regions;
}

core::Result<std::vector<District>> ParseDistricts(std::string_view csv,
                                                   std::string_view file_name) {
  KENEYA_ASSIGN_OR_RETURN(std::vector<CsvRecord> records, ParseCsv(csv, file_name));
  static const std::vector<std::string_view> header = {"region", "district", "csref_town",
                                                       "lat",    "lon",      "source"};
  if (records.empty()) {
    return core::InvalidArgument(Message("demo.districts.empty"), Where(file_name, 1, 1));
  }
  const CsvRecord& first = records.front();
  for (size_t i = 0; i < header.size(); ++i) {
    if (i >= first.fields.size() || first.fields[i].text != header[i]) {
      const int column = i < first.fields.size() ? first.fields[i].column : 1;
      return core::InvalidArgument(
          Message("demo.districts.header_column", {{"number", i + 1}, {"name", header[i]}}),
          Where(file_name, first.line, column));
    }
  }
  if (first.fields.size() != header.size()) {
    return core::InvalidArgument(
        Message("demo.districts.header_width", {{"count", first.fields.size()}}),
        Where(file_name, first.line, first.fields[header.size()].column));
  }

  const auto& regions = HealthRegions();
  std::vector<District> districts;
  std::set<std::string> names;
  for (size_t r = 1; r < records.size(); ++r) {
    const CsvRecord& record = records[r];
    if (record.fields.size() != header.size()) {
      const int column = record.fields.size() > header.size() ? record.fields[header.size()].column
                                                              : record.fields.back().column;
      return core::InvalidArgument(
          Message("demo.districts.row_width", {{"count", record.fields.size()}}),
          Where(file_name, record.line, column));
    }
    const auto& f = record.fields;
    for (size_t i = 0; i < 3; ++i) {
      if (f[i].text.empty()) {
        return core::InvalidArgument(Message("demo.districts.empty_field", {{"column", header[i]}}),
                                     Where(file_name, f[i].line, f[i].column));
      }
    }
    if (std::find(regions.begin(), regions.end(), f[0].text) == regions.end()) {
      return core::InvalidArgument(
          Message("demo.districts.unknown_region", {{"region", f[0].text}}),
          Where(file_name, f[0].line, f[0].column));
    }
    if (!names.insert(f[1].text).second) {
      return core::InvalidArgument(Message("demo.districts.district_twice", {{"name", f[1].text}}),
                                   Where(file_name, f[1].line, f[1].column));
    }
    KENEYA_ASSIGN_OR_RETURN(const double lat, ParseCoordinate(f[3], "lat", 10.0, 25.5, file_name));
    KENEYA_ASSIGN_OR_RETURN(const double lon, ParseCoordinate(f[4], "lon", -12.5, 4.5, file_name));
    District district;
    district.region = f[0].text;
    district.name = f[1].text;
    district.csref_town = f[2].text;
    district.coordinates = {lat, lon};
    district.source = f[5].text;
    district.uncertain = district.source.find("UNCERTAIN") != std::string::npos;
    district.placeholder_coordinates = district.source.find("placeholder") != std::string::npos;
    district.line = record.line;
    districts.push_back(std::move(district));
  }
  return districts;
}

core::Result<std::vector<District>> EmbeddedDistricts() {
  return ParseDistricts(EmbeddedDistrictsCsv(), "districts.csv");
}

}  // namespace keneya::demo
