// Reading and writing CSV text (RFC 4180): quoted fields may hold commas, line breaks and doubled
// quotes; lines end with LF or CRLF; a UTF-8 byte order mark is skipped. Used by the DHIS2 CSV
// reader (io) and the FBR programs' decision tables (rules).
//
//   CsvParser csv(text, "tarifs.csv");
//   std::vector<std::string_view> fields;
//   while (true) {
//     Result<bool> more = csv.Next(fields);   // error: where = "tarifs.csv:12:5"
//     if (!more.ok() || !*more) break;
//     ... fields, csv.line() ...
//   }
#ifndef KENEYA_CORE_CSV_H_
#define KENEYA_CORE_CSV_H_

#include <cstddef>
#include <deque>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"

namespace keneya::core {

// A field as RFC 4180 writes it: quoted (quotes doubled) when it holds a comma, a quote or a line
// break; as it is otherwise.
std::string CsvField(std::string_view field);

class CsvParser {
 public:
  // `file_name` is only for messages. `text` must outlive the parser.
  CsvParser(std::string_view text, std::string_view file_name);

  // Reads the next record into `fields` (views into the text, or into the parser for quoted
  // fields: valid until the next call). False at the end of the text. A blank line is a record
  // of one empty field. Errors (kInvalidArgument): a quoted field not closed, a character after
  // a closing quote; where = "file:line:column".
  Result<bool> Next(std::vector<std::string_view>& fields);

  // The line (1-based) where the record last read starts.
  int line() const { return record_line_; }
  // The line of a byte offset, for messages.
  int LineAt(size_t offset) const;

 private:
  size_t LineStart(size_t offset) const;
  std::string& Storage();

  std::string_view text_;
  std::string_view file_name_;
  size_t pos_ = 0;
  int line_ = 1;
  int record_line_ = 0;
  std::deque<std::string> storage_;  // stable addresses: fields point into them
  size_t storage_index_ = 0;
};

}  // namespace keneya::core

#endif  // KENEYA_CORE_CSV_H_
