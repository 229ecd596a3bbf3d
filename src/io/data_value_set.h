// DHIS2 data value sets as files: JSON, XML (DXF2), CSV and ADX, read as a stream of values.
//
// A reader turns a file into calls on a DataValueSetHandler: OnGroup() with the set-level fields
// (once for JSON, XML and CSV; once per <group> for ADX), then OnValue() for each value, in file
// order, with its 0-based index and its line. The identifiers are passed as written (uid, code or
// name, depending on the id scheme): resolving them is the importer's work (importer.h). Nothing
// is kept in memory but the value being read, so a file of a million values reads in constant
// memory (apart from the file itself for JSON and CSV).
//
//   class Counter : public DataValueSetHandler { ... };
//   Counter counter;
//   Status s = ReadDataValueSet(DataFormat::kJson, bytes, "declarations.json", counter);
//
// A malformed file (bad syntax, wrong root element, wrong encoding, a missing required column) is
// an error with the file name, line and column, and the reader stops there. A handler may stop
// the reading by returning an error, which the reader returns.
#ifndef KENEYA_IO_DATA_VALUE_SET_H_
#define KENEYA_IO_DATA_VALUE_SET_H_

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/result.h"

namespace keneya::io {

enum class DataFormat { kJson, kXml, kCsv, kAdx };

// "json", "xml", "csv", "adx" (any case).
core::Result<DataFormat> ParseDataFormat(std::string_view name);
std::string_view DataFormatName(DataFormat format);
// The format a file name suggests: ".json", ".csv", ".adx" or ".adx.xml", ".xml"; an error for
// anything else.
core::Result<DataFormat> DataFormatOfFile(std::string_view file_name);
// Like DataFormatOfFile, and an XML file whose root element is <adx> is ADX.
core::Result<DataFormat> DetectDataFormat(std::string_view file_name, std::string_view bytes);

// A category and the option chosen in it, as ADX writes disaggregations and attributes
// (sex="F" age="LT5"), identified by the category id scheme.
using CategoryChoice = std::pair<std::string, std::string>;

// The set-level fields of a data value set (DHIS2's header) or of one ADX group.
struct DataValueSetHeader {
  std::string data_set;
  std::string complete_date;
  std::string period;
  std::string org_unit;
  std::string attribute_option_combo;
  // Id schemes declared in the payload (DHIS2 lets a file say how it names things); empty when
  // the file says nothing.
  std::string id_scheme;
  std::string data_set_id_scheme;
  std::string data_element_id_scheme;
  std::string org_unit_id_scheme;
  std::string category_option_combo_id_scheme;
  // ADX: the group's attribute categories, instead of attribute_option_combo.
  std::vector<CategoryChoice> attribute_categories;
  int group = 0;  // ADX: the group's number (0-based), for messages
  int line = 0;   // where the header (or group) starts
};

// One value as the file writes it. Text views are valid only during the OnValue() call.
struct RawDataValue {
  std::string_view data_element;
  std::string_view period;
  std::string_view org_unit;
  std::string_view category_option_combo;
  std::string_view attribute_option_combo;
  std::string_view value;
  std::string_view stored_by;
  std::string_view created;
  std::string_view last_updated;
  std::string_view comment;
  bool has_value = false;  // a value field was present (an empty value is not a missing one)
  bool has_comment = false;
  std::optional<bool> followup;
  std::optional<bool> deleted;
  // ADX: the value's disaggregation categories, instead of category_option_combo, and the
  // <annotation> text of a non-numeric value.
  std::vector<std::pair<std::string_view, std::string_view>> categories;
  std::string_view annotation;
  size_t index = 0;  // 0-based position in the file, across groups
  int line = 0;      // 1-based line where the value starts; 0 when unknown
};

class DataValueSetHandler {
 public:
  virtual ~DataValueSetHandler() = default;
  virtual core::Status OnGroup(const DataValueSetHeader& header) = 0;
  virtual core::Status OnValue(const RawDataValue& value) = 0;
};

// Spare bytes the JSON reader needs after the text to read it in place.
inline constexpr size_t kReadPadding = 64;

struct ReadOptions {
  // The size of the buffer behind the text: JSON is read in place when there are kReadPadding
  // spare bytes after the text (see ReadFileForDataValueSet).
  size_t capacity = 0;
  // Told, as a large JSON file is read, that the reader is done with the text before an offset:
  // for progress, and to give that text back (MappedFile::Drop).
  std::function<void(size_t offset)> done_before;
  // JSON of more than four windows whose dataValues is the set's last field (as DHIS2 writes
  // it) is read a window of values at a time: the parser's index covers a window, not the file
  // (it is four bytes per brace, quote, colon and comma), and the text behind can be given back.
  // Any other JSON is read whole. Both give the same calls and the same errors, but for a text
  // that simdjson's first pass refuses (not UTF-8, a string never closed): read whole, it fails
  // before the first call; in windows, at its window (after the values before it).
  size_t window_bytes = size_t{4} << 20;
};

// Reads `bytes` (the whole file) in `format`, calling `handler`. `file_name` appears in errors.
core::Status ReadDataValueSet(DataFormat format, std::string_view bytes, std::string_view file_name,
                              DataValueSetHandler& handler, const ReadOptions& options = {});

// Reads a whole file into a string with kReadPadding spare capacity, for ReadDataValueSet.
core::Result<std::string> ReadFileForDataValueSet(const std::string& path);

// Parses DHIS2's booleans: "true"/"false" in any case, "1"/"0", "t"/"f"; nullopt otherwise.
std::optional<bool> ParseBoolean(std::string_view text);

}  // namespace keneya::io

#endif  // KENEYA_IO_DATA_VALUE_SET_H_
