// DHIS2 CSV data value sets: one value a row. With a header row, columns are found by name (any
// case, any order, as DHIS2 2.43+ does); without one, by position (as DHIS2 up to 2.42 does):
//   dataelement,period,orgunit,categoryoptioncombo,attributeoptioncombo,value,storedby,
//   lastupdated,comment,followup,deleted
#include <array>
#include <cctype>
#include <string>

#include "core/csv.h"
#include "io/data_value_set.h"
#include "io/reader_internal.h"

namespace keneya::io {
namespace {

using core::Status;

enum Column {
  kDataElement,
  kPeriod,
  kOrgUnit,
  kCategoryOptionCombo,
  kAttributeOptionCombo,
  kValue,
  kStoredBy,
  kLastUpdated,
  kComment,
  kFollowup,
  kDeleted,
  kCreated,
  kColumnCount
};

constexpr std::array<std::string_view, kColumnCount> kColumnNames = {"dataelement",
                                                                     "period",
                                                                     "orgunit",
                                                                     "categoryoptioncombo",
                                                                     "attributeoptioncombo",
                                                                     "value",
                                                                     "storedby",
                                                                     "lastupdated",
                                                                     "comment",
                                                                     "followup",
                                                                     "deleted",
                                                                     "created"};

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// The column a header name names: DHIS2's names in any case, also "dataElement" style names and
// DHIS2 2.40's "dataelelement" typo; -1 for an unknown name.
int ColumnOfName(std::string_view name) {
  std::string n = Lower(name);
  // Trim spaces around the name.
  while (!n.empty() && n.back() == ' ') n.pop_back();
  while (!n.empty() && n.front() == ' ') n.erase(n.begin());
  if (n == "dataelelement") return kDataElement;
  if (n == "followup" || n == "follow_up") return kFollowup;
  if (n == "timestamp") return kLastUpdated;  // older DHIS2 files name lastupdated so
  for (int c = 0; c < kColumnCount; ++c) {
    if (n == kColumnNames[static_cast<size_t>(c)]) return c;
  }
  return -1;
}

class CsvReader {
 public:
  CsvReader(std::string_view bytes, std::string_view file_name, DataValueSetHandler& handler)
      : file_name_(file_name), handler_(handler), csv_(bytes, file_name) {}

  Status Read() {
    KENEYA_RETURN_IF_ERROR(handler_.OnGroup(DataValueSetHeader{}));
    bool first = true;
    size_t index = 0;
    while (true) {
      KENEYA_ASSIGN_OR_RETURN(bool more, csv_.Next(fields_));
      if (!more) break;
      const int line = csv_.line();
      if (fields_.size() == 1 && fields_[0].empty()) continue;  // blank line
      if (first) {
        first = false;
        if (IsHeader()) {
          KENEYA_RETURN_IF_ERROR(MapHeader(line));
          continue;
        }
        for (int c = 0; c < kColumnCount; ++c) column_of_[static_cast<size_t>(c)] = c;
        column_of_[kCreated] = -1;  // not in DHIS2's positional layout
      }
      RawDataValue value;
      value.index = index++;
      value.line = line;
      auto field = [&](Column c) -> std::string_view {
        const int at = column_of_[static_cast<size_t>(c)];
        if (at < 0 || static_cast<size_t>(at) >= fields_.size()) return {};
        return fields_[static_cast<size_t>(at)];
      };
      auto present = [&](Column c) {
        const int at = column_of_[static_cast<size_t>(c)];
        return at >= 0 && static_cast<size_t>(at) < fields_.size();
      };
      value.data_element = field(kDataElement);
      value.period = field(kPeriod);
      value.org_unit = field(kOrgUnit);
      value.category_option_combo = field(kCategoryOptionCombo);
      value.attribute_option_combo = field(kAttributeOptionCombo);
      value.value = field(kValue);
      value.has_value = present(kValue) && !field(kValue).empty();
      value.stored_by = field(kStoredBy);
      value.last_updated = field(kLastUpdated);
      value.created = field(kCreated);
      value.comment = field(kComment);
      value.has_comment = present(kComment) && !field(kComment).empty();
      for (Column c : {kFollowup, kDeleted}) {
        const std::string_view text = field(c);
        if (text.empty()) continue;
        std::optional<bool> flag = ParseBoolean(text);
        if (!flag) {
          return core::InvalidArgument(
              core::Message("io.csv.not_a_boolean", {{"column", kColumnNames[c]}, {"text", text}}),
              FileLine(file_name_, line));
        }
        (c == kDeleted ? value.deleted : value.followup) = flag;
      }
      KENEYA_RETURN_IF_ERROR(handler_.OnValue(value));
    }
    return core::OkStatus();
  }

 private:
  // A header names columns, one of them the data element, and nothing else; a data row holds
  // identifiers and values.
  bool IsHeader() const {
    bool names_data_element = false;
    for (std::string_view field : fields_) {
      if (field.empty()) continue;
      const int column = ColumnOfName(field);
      if (column < 0) return false;
      names_data_element = names_data_element || column == kDataElement;
    }
    return names_data_element;
  }

  Status MapHeader(int line) {
    column_of_.fill(-1);
    for (size_t i = 0; i < fields_.size(); ++i) {
      const int column = ColumnOfName(fields_[i]);
      if (column >= 0 && column_of_[static_cast<size_t>(column)] < 0) {
        column_of_[static_cast<size_t>(column)] = static_cast<int>(i);
      }
    }
    for (Column required : {kDataElement, kPeriod, kOrgUnit, kValue}) {
      if (column_of_[required] < 0) {
        return core::InvalidArgument(
            core::Message("io.csv.missing_column", {{"column", kColumnNames[required]}}),
            FileLine(file_name_, line));
      }
    }
    return core::OkStatus();
  }

  std::string_view file_name_;
  DataValueSetHandler& handler_;
  core::CsvParser csv_;
  std::vector<std::string_view> fields_;
  std::array<int, kColumnCount> column_of_{};
};

}  // namespace

Status ReadCsvDataValueSet(std::string_view bytes, std::string_view file_name,
                           DataValueSetHandler& handler) {
  CsvReader reader(bytes, file_name, handler);
  return reader.Read();
}

}  // namespace keneya::io
