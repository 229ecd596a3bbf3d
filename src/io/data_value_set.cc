#include "io/data_value_set.h"

#include <simdjson.h>

#include <cctype>
#include <cstdio>

#include "core/text.h"
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
  return core::InvalidArgument(core::Message("io.format.unknown", {{"name", name}}), "format");
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
  return core::InvalidArgument(core::Message("io.format.not_from_file_name"),
                               std::string(file_name));
}

core::Result<DataFormat> DetectDataFormat(std::string_view file_name, std::string_view bytes) {
  KENEYA_ASSIGN_OR_RETURN(DataFormat format, DataFormatOfFile(file_name));
  if (format != DataFormat::kXml) return format;
  // The first element's name, past the XML declaration, comments and doctype.
  size_t pos = 0;
  while (pos < bytes.size()) {
    pos = bytes.find('<', pos);
    if (pos == std::string_view::npos || pos + 1 >= bytes.size()) break;
    const char next = bytes[pos + 1];
    if (next == '?' || next == '!') {
      const std::string_view end = bytes.substr(pos, 4) == "<!--" ? "-->" : ">";
      pos = bytes.find(end, pos);
      if (pos == std::string_view::npos) break;
      continue;
    }
    size_t name_end = pos + 1;
    while (name_end < bytes.size() && bytes[name_end] != ' ' && bytes[name_end] != '>' &&
           bytes[name_end] != '\n' && bytes[name_end] != '\r' && bytes[name_end] != '\t' &&
           bytes[name_end] != '/') {
      ++name_end;
    }
    std::string_view name = bytes.substr(pos + 1, name_end - pos - 1);
    if (const size_t colon = name.find(':'); colon != std::string_view::npos) {
      name = name.substr(colon + 1);
    }
    return name == "adx" ? DataFormat::kAdx : DataFormat::kXml;
  }
  return format;
}

std::string* HeaderField(DataValueSetHeader& h, std::string_view key) {
  if (key == "dataSet") return &h.data_set;
  if (key == "completeDate") return &h.complete_date;
  if (key == "period") return &h.period;
  if (key == "orgUnit") return &h.org_unit;
  if (key == "attributeOptionCombo") return &h.attribute_option_combo;
  if (key == "idScheme") return &h.id_scheme;
  if (key == "dataSetIdScheme") return &h.data_set_id_scheme;
  if (key == "dataElementIdScheme") return &h.data_element_id_scheme;
  if (key == "orgUnitIdScheme") return &h.org_unit_id_scheme;
  if (key == "categoryOptionComboIdScheme") return &h.category_option_combo_id_scheme;
  return nullptr;
}

std::optional<bool> ParseBoolean(std::string_view text) {
  if (EqualsIgnoreCase(text, "true") || text == "1" || EqualsIgnoreCase(text, "t")) return true;
  if (EqualsIgnoreCase(text, "false") || text == "0" || EqualsIgnoreCase(text, "f")) return false;
  return std::nullopt;
}

core::Result<std::string> ReadFileForDataValueSet(const std::string& path) {
  std::FILE* file = std::fopen(path.c_str(), "rb");
  if (file == nullptr) return core::NotFound(core::Message("io.file.cannot_open"), path);
  std::string bytes;
  if (std::fseek(file, 0, SEEK_END) == 0) {
    const long size = std::ftell(file);
    if (size > 0) {
      bytes.reserve(static_cast<size_t>(size) + kReadPadding);
      bytes.resize(static_cast<size_t>(size));
      std::rewind(file);
      const size_t read = std::fread(bytes.data(), 1, bytes.size(), file);
      bytes.resize(read);
    }
  }
  const bool failed = std::ferror(file) != 0;
  std::fclose(file);
  if (failed) return core::Unavailable(core::Message("io.file.cannot_read"), path);
  return bytes;
}

core::Status ReadDataValueSet(DataFormat format, std::string_view bytes, std::string_view file_name,
                              DataValueSetHandler& handler, const ReadOptions& options) {
  // JSON checks its UTF-8 as it parses (window by window for a large file).
  if (format == DataFormat::kJson) return ReadJsonDataValueSet(bytes, options, file_name, handler);
  // simdjson's check first (vectorised); ours only to say where a flaw is.
  if (!simdjson::validate_utf8(bytes.data(), bytes.size())) {
    KENEYA_RETURN_IF_ERROR(core::CheckUtf8(bytes, file_name));
  }
  switch (format) {
    case DataFormat::kJson:
      break;
    case DataFormat::kXml:
      return ReadXmlDataValueSet(bytes, file_name, /*adx=*/false, handler);
    case DataFormat::kAdx:
      return ReadXmlDataValueSet(bytes, file_name, /*adx=*/true, handler);
    case DataFormat::kCsv:
      return ReadCsvDataValueSet(bytes, file_name, handler);
  }
  return core::Internal(core::Message("io.format.unknown_internal"));
}

}  // namespace keneya::io
