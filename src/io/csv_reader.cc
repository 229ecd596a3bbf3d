// DHIS2 CSV data value sets: one value a row. With a header row, columns are found by name (any
// case, any order, as DHIS2 2.43+ does); without one, by position (as DHIS2 up to 2.42 does):
//   dataelement,period,orgunit,categoryoptioncombo,attributeoptioncombo,value,storedby,
//   lastupdated,comment,followup,deleted
#include <array>
#include <cctype>
#include <deque>
#include <string>

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

// Checks that `bytes` is UTF-8; returns the offset of the first bad byte or npos.
size_t FirstInvalidUtf8(std::string_view bytes) {
  size_t i = 0;
  const size_t n = bytes.size();
  while (i < n) {
    const auto c = static_cast<unsigned char>(bytes[i]);
    if (c < 0x80) {
      ++i;
      continue;
    }
    size_t length;
    if ((c & 0xE0) == 0xC0 && c >= 0xC2) {
      length = 2;
    } else if ((c & 0xF0) == 0xE0) {
      length = 3;
    } else if ((c & 0xF8) == 0xF0 && c <= 0xF4) {
      length = 4;
    } else {
      return i;
    }
    if (i + length > n) return i;
    for (size_t k = 1; k < length; ++k) {
      if ((static_cast<unsigned char>(bytes[i + k]) & 0xC0) != 0x80) return i;
    }
    i += length;
  }
  return std::string_view::npos;
}

class CsvReader {
 public:
  CsvReader(std::string_view bytes, std::string_view file_name, DataValueSetHandler& handler)
      : bytes_(bytes), file_name_(file_name), handler_(handler) {}

  Status Read() {
    if (bytes_.starts_with("\xEF\xBB\xBF")) pos_ = 3;
    if (const size_t bad = FirstInvalidUtf8(bytes_); bad != std::string_view::npos) {
      return core::InvalidArgument("the file is not valid UTF-8 (byte " + std::to_string(bad) + ")",
                                   std::string(file_name_) + ":" + std::to_string(LineAt(bad)));
    }
    KENEYA_RETURN_IF_ERROR(handler_.OnGroup(DataValueSetHeader{}));
    bool first = true;
    size_t index = 0;
    while (pos_ < bytes_.size()) {
      const int line = line_;
      KENEYA_RETURN_IF_ERROR(NextRecord());
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
          return core::InvalidArgument("column " + std::string(kColumnNames[c]) +
                                           " must be true or false, not \"" + std::string(text) +
                                           "\"",
                                       std::string(file_name_) + ":" + std::to_string(line));
        }
        (c == kDeleted ? value.deleted : value.followup) = flag;
      }
      KENEYA_RETURN_IF_ERROR(handler_.OnValue(value));
    }
    return core::OkStatus();
  }

 private:
  int LineAt(size_t offset) const {
    int line = 1;
    for (size_t i = 0; i < offset && i < bytes_.size(); ++i) line += bytes_[i] == '\n' ? 1 : 0;
    return line;
  }

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
            "the header has no column \"" + std::string(kColumnNames[required]) + "\"",
            std::string(file_name_) + ":" + std::to_string(line));
      }
    }
    return core::OkStatus();
  }

  // Reads one record into fields_ (RFC 4180: quoted fields may hold commas, line breaks and
  // doubled quotes).
  Status NextRecord() {
    fields_.clear();
    storage_index_ = 0;
    while (true) {
      if (pos_ < bytes_.size() && bytes_[pos_] == '"') {
        const int start_line = line_;
        const size_t start = pos_;
        ++pos_;
        std::string& text = Storage();
        while (true) {
          if (pos_ >= bytes_.size()) {
            return core::InvalidArgument("a quoted field is not closed (the file is truncated?)",
                                         std::string(file_name_) + ":" +
                                             std::to_string(start_line) + ":" +
                                             std::to_string(start - LineStart(start) + 1));
          }
          const char c = bytes_[pos_++];
          if (c == '"') {
            if (pos_ < bytes_.size() && bytes_[pos_] == '"') {
              text += '"';
              ++pos_;
            } else {
              break;
            }
          } else {
            if (c == '\n') ++line_;
            text += c;
          }
        }
        fields_.push_back(text);
        if (pos_ < bytes_.size() && bytes_[pos_] != ',' && bytes_[pos_] != '\n' &&
            bytes_[pos_] != '\r') {
          return core::InvalidArgument("unexpected character after a closing quote",
                                       std::string(file_name_) + ":" + std::to_string(line_) + ":" +
                                           std::to_string(pos_ - LineStart(pos_) + 1));
        }
      } else {
        const size_t start = pos_;
        while (pos_ < bytes_.size() && bytes_[pos_] != ',' && bytes_[pos_] != '\n' &&
               bytes_[pos_] != '\r') {
          ++pos_;
        }
        fields_.push_back(bytes_.substr(start, pos_ - start));
      }
      if (pos_ >= bytes_.size()) return core::OkStatus();
      const char c = bytes_[pos_++];
      if (c == ',') continue;
      if (c == '\r' && pos_ < bytes_.size() && bytes_[pos_] == '\n') ++pos_;
      ++line_;
      return core::OkStatus();
    }
  }

  size_t LineStart(size_t offset) const {
    const size_t nl = offset == 0 ? std::string_view::npos : bytes_.rfind('\n', offset - 1);
    return nl == std::string_view::npos ? 0 : nl + 1;
  }

  // A reusable buffer for an unquoted copy of a quoted field.
  std::string& Storage() {
    if (storage_index_ == storage_.size()) storage_.emplace_back();
    std::string& s = storage_[storage_index_++];
    s.clear();
    return s;
  }

  std::string_view bytes_;
  std::string_view file_name_;
  DataValueSetHandler& handler_;
  size_t pos_ = 0;
  int line_ = 1;
  std::vector<std::string_view> fields_;
  std::deque<std::string> storage_;  // stable addresses: fields_ points into them
  size_t storage_index_ = 0;
  std::array<int, kColumnCount> column_of_{};
};

}  // namespace

Status ReadCsvDataValueSet(std::string_view bytes, std::string_view file_name,
                           DataValueSetHandler& handler) {
  CsvReader reader(bytes, file_name, handler);
  return reader.Read();
}

}  // namespace keneya::io
