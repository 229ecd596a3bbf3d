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
    case ErrorCode::kUnauthenticated:
      return "unauthenticated";
    case ErrorCode::kTooManyRequests:
      return "too many requests";
    case ErrorCode::kUnavailable:
      return "unavailable";
    case ErrorCode::kInternal:
      return "internal";
    case ErrorCode::kDataError:
      return "data error";
  }
  return "unknown";
}

namespace {

std::string JoinPlace(const std::vector<Message>& place, Language language) {
  std::string out;
  for (const Message& part : place) {
    if (part.empty()) continue;
    const std::string text = Render(part, language);
    out = out.empty() ? text : Text(language, "core.place_in", {{"outer", out}, {"inner", text}});
  }
  return out;
}

std::vector<Message> PlaceOf(std::string where) {
  std::vector<Message> place;
  if (!where.empty()) place.push_back(Message::Verbatim(std::move(where)));
  return place;
}

}  // namespace

Message ErrorCodeText(ErrorCode code) {
  switch (code) {
    case ErrorCode::kInvalidArgument:
      return Message("core.error_code.invalid_argument");
    case ErrorCode::kNotFound:
      return Message("core.error_code.not_found");
    case ErrorCode::kAlreadyExists:
      return Message("core.error_code.already_exists");
    case ErrorCode::kConflict:
      return Message("core.error_code.conflict");
    case ErrorCode::kFailedPrecondition:
      return Message("core.error_code.failed_precondition");
    case ErrorCode::kPermissionDenied:
      return Message("core.error_code.permission_denied");
    case ErrorCode::kUnauthenticated:
      return Message("core.error_code.unauthenticated");
    case ErrorCode::kTooManyRequests:
      return Message("core.error_code.too_many_requests");
    case ErrorCode::kUnavailable:
      return Message("core.error_code.unavailable");
    case ErrorCode::kInternal:
      return Message("core.error_code.internal");
    case ErrorCode::kDataError:
      return Message("core.error_code.data_error");
  }
  return Message("core.error_code.internal");
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
  if (outer.empty()) return *this;
  return In(Message::Verbatim(outer));
}

Error Error::In(Message outer) const {
  Error copy = *this;
  if (outer.empty()) return copy;
  copy.place.insert(copy.place.begin(), std::move(outer));
  copy.where = JoinPlace(copy.place, Language::kEnglish);
  return copy;
}

std::string Describe(const Error& error, Language language) {
  const std::string where = JoinPlace(error.place, language);
  if (where.empty()) return Render(error.text, language);
  return Text(language, "core.message_at", {{"message", error.text}, {"where", where}});
}

std::string DescribePlace(const Error& error, Language language) {
  return JoinPlace(error.place, language);
}

Error MakeError(ErrorCode code, Message text, std::vector<Message> place) {
  Error e;
  e.code = code;
  e.message = Render(text, Language::kEnglish);
  e.where = JoinPlace(place, Language::kEnglish);
  e.text = std::move(text);
  e.place = std::move(place);
  return e;
}

namespace {

std::vector<Message> One(Message where) {
  std::vector<Message> place;
  if (!where.empty()) place.push_back(std::move(where));
  return place;
}

}  // namespace

#define KENEYA_ERROR_SHORTHANDS_(Name, Code)                                          \
  Error Name(Message message, Message where) {                                        \
    return MakeError(ErrorCode::Code, std::move(message), One(std::move(where)));     \
  }                                                                                   \
  Error Name(Message message, std::string where) {                                    \
    return MakeError(ErrorCode::Code, std::move(message), PlaceOf(std::move(where))); \
  }
KENEYA_ERROR_SHORTHANDS_(InvalidArgument, kInvalidArgument)
KENEYA_ERROR_SHORTHANDS_(NotFound, kNotFound)
KENEYA_ERROR_SHORTHANDS_(Conflict, kConflict)
KENEYA_ERROR_SHORTHANDS_(FailedPrecondition, kFailedPrecondition)
KENEYA_ERROR_SHORTHANDS_(AlreadyExists, kAlreadyExists)
KENEYA_ERROR_SHORTHANDS_(PermissionDenied, kPermissionDenied)
KENEYA_ERROR_SHORTHANDS_(Unauthenticated, kUnauthenticated)
KENEYA_ERROR_SHORTHANDS_(TooManyRequests, kTooManyRequests)
KENEYA_ERROR_SHORTHANDS_(Unavailable, kUnavailable)
KENEYA_ERROR_SHORTHANDS_(Internal, kInternal)
#undef KENEYA_ERROR_SHORTHANDS_

Error StoredDataError(Message message, std::string_view table, std::string_view row,
                      std::string_view column) {
  return MakeError(
      ErrorCode::kDataError, std::move(message),
      {Message("core.stored_row", {{"table", table}, {"row", row}, {"column", column}})});
}

}  // namespace keneya::core
