// Writes DHIS2 data value sets in JSON, XML (DXF2), CSV or ADX, one value at a time.
//
//   auto writer = DataValueSetWriter::Create(DataFormat::kCsv, out);
//   writer->Begin(header);
//   writer->Write(value);   // as many as there are
//   writer->End();
//
// Identifiers are written as given (uids, codes or names: the exporter chooses). What a format
// cannot carry is left out: ADX has no comment, storedBy, followup, deleted or timestamps, and
// writes a non-numeric value as value="0" with the text in <annotation>, as DHIS2 does.
#ifndef KENEYA_IO_DATA_VALUE_SET_WRITER_H_
#define KENEYA_IO_DATA_VALUE_SET_WRITER_H_

#include <memory>
#include <ostream>
#include <string_view>
#include <utility>
#include <vector>

#include "io/data_value_set.h"

namespace keneya::io {

// One value to write.
struct OutputDataValue {
  std::string_view data_set;  // ADX groups values by data set, org unit, period and attribute
  std::string_view data_element;
  std::string_view period;  // a DHIS2 identifier ("202301"); ADX converts it
  std::string_view org_unit;
  std::string_view category_option_combo;
  std::string_view attribute_option_combo;
  std::string_view value;
  std::string_view stored_by;
  std::string_view created;
  std::string_view last_updated;
  std::string_view comment;
  bool followup = false;
  bool deleted = false;
  bool numeric = true;  // ADX: false sends the value to <annotation>
  // ADX: the disaggregation and the attribute as DHIS2 writes them, one attribute per category
  // (category code -> option code) instead of the combos; empty for the default combos (then
  // nothing is written). Unset (nullptr): the combos as given.
  const std::vector<std::pair<std::string, std::string>>* categories = nullptr;
  const std::vector<std::pair<std::string, std::string>>* attribute_categories = nullptr;
};

class DataValueSetWriter {
 public:
  virtual ~DataValueSetWriter() = default;
  static std::unique_ptr<DataValueSetWriter> Create(DataFormat format, std::ostream& out);

  // Starts the set; the header's data set, period, org unit, attribute option combo and
  // complete date are written where the format has a place for them (JSON and XML).
  virtual void Begin(const DataValueSetHeader& header) = 0;
  virtual void Write(const OutputDataValue& value) = 0;
  virtual void End() = 0;
};

// JSON string content escaping (without the quotes).
void AppendJsonEscaped(std::string& out, std::string_view text);
// XML attribute value escaping (without the quotes).
void AppendXmlEscaped(std::string& out, std::string_view text);

}  // namespace keneya::io

#endif  // KENEYA_IO_DATA_VALUE_SET_WRITER_H_
