#include "core/result.h"

namespace keneya::core {

const char* ErrorCodeName(ErrorCode code) {
  switch (code) {
    case ErrorCode::kInvalidArgument:
      return "invalid argument";
    case ErrorCode::kNotFound:
      return "not found";
    case ErrorCode::kAlreadyExists:
      return "already exists";
    case ErrorCode::kConflict:
      return "conflict";
    case ErrorCode::kFailedPrecondition:
      return "failed precondition";
    case ErrorCode::kPermissionDenied:
      return "permission denied";
    case ErrorCode::kUnavailable:
      return "unavailable";
    case ErrorCode::kInternal:
      return "internal";
    case ErrorCode::kDataError:
      return "data error";
  }
  return "unknown";
}

std::string Error::ToString() const {
  std::string out = ErrorCodeName(code);
  out += ": ";
  out += message;
  if (!where.empty()) {
    out += " (";
    out += where;
    out += ")";
  }
  return out;
}

Error Error::In(const std::string& outer) const {
  Error copy = *this;
  if (outer.empty()) return copy;
  copy.where = where.empty() ? outer : outer + ": " + where;
  return copy;
}

Error InvalidArgument(std::string message, std::string where) {
  return Error{ErrorCode::kInvalidArgument, std::move(message), std::move(where)};
}
Error NotFound(std::string message, std::string where) {
  return Error{ErrorCode::kNotFound, std::move(message), std::move(where)};
}
Error Conflict(std::string message, std::string where) {
  return Error{ErrorCode::kConflict, std::move(message), std::move(where)};
}
Error FailedPrecondition(std::string message, std::string where) {
  return Error{ErrorCode::kFailedPrecondition, std::move(message), std::move(where)};
}
Error Unavailable(std::string message, std::string where) {
  return Error{ErrorCode::kUnavailable, std::move(message), std::move(where)};
}
Error Internal(std::string message, std::string where) {
  return Error{ErrorCode::kInternal, std::move(message), std::move(where)};
}

Error StoredDataError(std::string message, std::string_view table, std::string_view row,
                      std::string_view column) {
  return Error{ErrorCode::kDataError, std::move(message),
               "table " + std::string(table) + ", row " + std::string(row) + ", column " +
                   std::string(column)};
}

}  // namespace keneya::core
