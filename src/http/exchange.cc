#include "http/exchange.h"

namespace keneya::http {

std::optional<std::string> Request::Param(std::string_view name) const {
  for (const auto& [key, value] : query) {
    if (key == name) return value;
  }
  return std::nullopt;
}

std::vector<std::string> Request::Params(std::string_view name) const {
  std::vector<std::string> values;
  for (const auto& [key, value] : query) {
    if (key == name) values.push_back(value);
  }
  return values;
}

const std::string& Request::Header(std::string_view name) const {
  static const std::string kNone;
  auto found = headers.find(std::string(name));
  return found == headers.end() ? kNone : found->second;
}

}  // namespace keneya::http
