#include "io/data_value_set.h"

#include <cctype>

#include "io/reader_internal.h"

namespace keneya::io {

namespace {

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(a[i])) !=
        std::tolower(static_cast<unsigned char>(b[i]))) {
      return false;
    }
  }
  return true;
}

bool EndsWithIgnoreCase(std::string_view text, std::string_view suffix) {
  return text.size() >= suffix.size() &&
         EqualsIgnoreCase(text.substr(text.size() - suffix.size()), suffix);
}

}  // namespace

core::Result<DataFormat> ParseDataFormat(std::string_view name) {
  if (EqualsIgnoreCase(name, "json")) return DataFormat::kJson;
  if (EqualsIgnoreCase(name, "xml")) return DataFormat::kXml;
  if (EqualsIgnoreCase(name, "csv")) return DataFormat::kCsv;
  if (EqualsIgnoreCase(name, "adx")) return DataFormat::kAdx;
  return core::InvalidArgument(
      "unknown format \"" + std::string(name) + "\"; expected json, xml, csv or adx", "format");
}

std::string_view DataFormatName(DataFormat format) {
  switch (format) {
    case DataFormat::kJson:
      return "json";
    case DataFormat::kXml:
      return "xml";
    case DataFormat::kCsv:
      return "csv";
    case DataFormat::kAdx:
      return "adx";
  }
  return "json";
}

core::Result<DataFormat> DataFormatOfFile(std::string_view file_name) {
  if (EndsWithIgnoreCase(file_name, ".adx") || EndsWithIgnoreCase(file_name, ".adx.xml")) {
    return DataFormat::kAdx;
  }
  if (EndsWithIgnoreCase(file_name, ".json")) return DataFormat::kJson;
  if (EndsWithIgnoreCase(file_name, ".csv")) return DataFormat::kCsv;
  if (EndsWithIgnoreCase(file_name, ".xml")) return DataFormat::kXml;
  return core::InvalidArgument(
      "cannot tell the format from the file name; give --format json, xml, csv or adx",
      std::string(file_name));
}

std::optional<bool> ParseBoolean(std::string_view text) {
  if (EqualsIgnoreCase(text, "true") || text == "1" || EqualsIgnoreCase(text, "t")) return true;
  if (EqualsIgnoreCase(text, "false") || text == "0" || EqualsIgnoreCase(text, "f")) return false;
  return std::nullopt;
}

core::Status ReadDataValueSet(DataFormat format, std::string_view bytes, std::string_view file_name,
                              DataValueSetHandler& handler) {
  switch (format) {
    case DataFormat::kJson:
      return ReadJsonDataValueSet(bytes, file_name, handler);
    case DataFormat::kXml:
      return ReadXmlDataValueSet(bytes, file_name, /*adx=*/false, handler);
    case DataFormat::kAdx:
      return ReadXmlDataValueSet(bytes, file_name, /*adx=*/true, handler);
    case DataFormat::kCsv:
      return ReadCsvDataValueSet(bytes, file_name, handler);
  }
  return core::Internal("unknown format");
}

}  // namespace keneya::io
