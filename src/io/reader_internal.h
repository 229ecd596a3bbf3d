// The format readers behind ReadDataValueSet(), internal to the io module.
#ifndef KENEYA_IO_READER_INTERNAL_H_
#define KENEYA_IO_READER_INTERNAL_H_

#include <cstddef>
#include <optional>
#include <string_view>

#include "core/message.h"
#include "core/result.h"
#include "core/text.h"
#include "io/data_value_set.h"

namespace keneya::io {

// Where a reader is in a file: "declarations.csv:12" and "declarations.json:3:14".
using core::FileLine;
using core::FileLineColumn;

// Checks the text's UTF-8 itself (as simdjson parses it).
core::Status ReadJsonDataValueSet(std::string_view bytes, const ReadOptions& options,
                                  std::string_view file_name, DataValueSetHandler& handler);
// DXF2 XML and ADX share the expat reader; `adx` selects the dialect.
core::Status ReadXmlDataValueSet(std::string_view bytes, std::string_view file_name, bool adx,
                                 DataValueSetHandler& handler);
// The header field a DHIS2 key names ("dataSet", "orgUnit", "idScheme"...); nullptr for others.
std::string* HeaderField(DataValueSetHeader& header, std::string_view key);

// A JSON string's text between its quotes, `first` its first character and `end` the end of the
// text, read in place when it has no escape (nearly always); nullopt otherwise (the parser must
// unescape it). Spares a copy of every string of a file in the parser's buffer.
std::optional<std::string_view> JsonStringInPlace(const char* first, const char* end);

core::Status ReadCsvDataValueSet(std::string_view bytes, std::string_view file_name,
                                 DataValueSetHandler& handler);

}  // namespace keneya::io

#endif  // KENEYA_IO_READER_INTERNAL_H_
