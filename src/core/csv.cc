#include "core/csv.h"

namespace keneya::core {

std::string CsvField(std::string_view field) {
  if (field.find_first_of(",\"\n\r") == std::string_view::npos) return std::string(field);
  std::string out = "\"";
  for (char c : field) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

CsvParser::CsvParser(std::string_view text, std::string_view file_name)
    : text_(text), file_name_(file_name) {
  if (text_.starts_with("\xEF\xBB\xBF")) pos_ = 3;
}

Result<bool> CsvParser::Next(std::vector<std::string_view>& fields) {
  fields.clear();
  storage_index_ = 0;
  if (pos_ >= text_.size()) return false;
  record_line_ = line_;
  while (true) {
    if (pos_ < text_.size() && text_[pos_] == '"') {
      const int start_line = line_;
      const size_t start = pos_;
      ++pos_;
      std::string& field = Storage();
      while (true) {
        if (pos_ >= text_.size()) {
          return InvalidArgument(Message("core.csv.unclosed_quote"),
                                 std::string(file_name_) + ":" + std::to_string(start_line) + ":" +
                                     std::to_string(start - LineStart(start) + 1));
        }
        const char c = text_[pos_++];
        if (c == '"') {
          if (pos_ < text_.size() && text_[pos_] == '"') {
            field += '"';
            ++pos_;
          } else {
            break;
          }
        } else {
          if (c == '\n') ++line_;
          field += c;
        }
      }
      fields.push_back(field);
      if (pos_ < text_.size() && text_[pos_] != ',' && text_[pos_] != '\n' && text_[pos_] != '\r') {
        return InvalidArgument(Message("core.csv.after_closing_quote"),
                               std::string(file_name_) + ":" + std::to_string(line_) + ":" +
                                   std::to_string(pos_ - LineStart(pos_) + 1));
      }
    } else {
      const size_t start = pos_;
      while (pos_ < text_.size() && text_[pos_] != ',' && text_[pos_] != '\n' &&
             text_[pos_] != '\r') {
        ++pos_;
      }
      fields.push_back(text_.substr(start, pos_ - start));
    }
    if (pos_ >= text_.size()) return true;
    const char c = text_[pos_++];
    if (c == ',') continue;
    if (c == '\r' && pos_ < text_.size() && text_[pos_] == '\n') ++pos_;
    ++line_;
    return true;
  }
}

int CsvParser::LineAt(size_t offset) const {
  int line = 1;
  for (size_t i = 0; i < offset && i < text_.size(); ++i) line += text_[i] == '\n' ? 1 : 0;
  return line;
}

size_t CsvParser::LineStart(size_t offset) const {
  const size_t nl = offset == 0 ? std::string_view::npos : text_.rfind('\n', offset - 1);
  return nl == std::string_view::npos ? 0 : nl + 1;
}

std::string& CsvParser::Storage() {
  if (storage_index_ == storage_.size()) storage_.emplace_back();
  std::string& s = storage_[storage_index_++];
  s.clear();
  return s;
}

}  // namespace keneya::core
