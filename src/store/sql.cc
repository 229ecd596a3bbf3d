#include "store/sql.h"

#include <charconv>
#include <cstdio>
#include <cstdlib>

namespace keneya::store {

SqlValue::SqlValue(double number) {
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%.17g", number);
  text_ = buffer;
}

const std::string& Row::Text(size_t i) const {
  static const std::string kEmpty;
  return columns_[i] ? *columns_[i] : kEmpty;
}

int64_t Row::Int(size_t i) const {
  return columns_[i] ? std::strtoll(columns_[i]->c_str(), nullptr, 10) : 0;
}

double Row::Double(size_t i) const {
  return columns_[i] ? std::strtod(columns_[i]->c_str(), nullptr) : 0.0;
}

bool Row::Bool(size_t i) const {
  if (!columns_[i]) return false;
  const std::string& s = *columns_[i];
  return s == "1" || s == "t" || s == "true";
}

int64_t RowView::Int(size_t i) const {
  const std::string_view text = Text(i);
  int64_t value = 0;
  std::from_chars(text.data(), text.data() + text.size(), value);
  return value;
}

bool RowView::Bool(size_t i) const {
  const std::string_view s = Text(i);
  return s == "1" || s == "t" || s == "true";
}

double RowView::Double(size_t i) const {
  const std::string_view text = Text(i);
  double value = 0;
  std::from_chars(text.data(), text.data() + text.size(), value);
  return value;
}

}  // namespace keneya::store
