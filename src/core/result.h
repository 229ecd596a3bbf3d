// Error values for expected failures: bad input, a missing row, a database that is down.
//
// Keneya does not throw for failures a user can cause. A function that can fail returns a
// Result<T> (a value or an Error) or a Status (nothing or an Error). An Error says what went wrong
// (code + message) and where (a file and line, a field, a formula name and column...), so that the
// person who reads it knows what to fix.
//
//   Result<Period> p = Period::Parse("2023Q5");
//   if (!p.ok()) std::cerr << p.error().ToString() << "\n";   // "invalid argument: ... (2023Q5)"
//
// Exceptions thrown by libraries are caught in the adapter that calls them and turned into Errors.
#ifndef KENEYA_CORE_RESULT_H_
#define KENEYA_CORE_RESULT_H_

#include <cassert>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "core/format.h"
#include "core/message.h"

namespace keneya::core {

// A small, closed set of error kinds. The http module maps them to status codes; nothing else
// should branch on anything but the code.
enum class ErrorCode {
  kInvalidArgument,     // the input is malformed or out of range
  kNotFound,            // a referenced object does not exist
  kAlreadyExists,       // creating something that is already there
  kConflict,            // the input contradicts stored data (overlap, concurrent change)
  kFailedPrecondition,  // the system is not in a state that allows the operation
  kPermissionDenied,    // the actor may not do this
  kUnauthenticated,     // who acts is unknown: no valid session, token or password
  kTooManyRequests,     // slowed down: too many attempts (sign-in throttling)
  kUnavailable,         // a database or remote server cannot be reached
  kInternal,            // a bug or an unexpected library failure
  kDataError,           // stored data that cannot be read back (a damaged or hand-edited row)
};

// Stable lower-case name of a code ("invalid argument"), used in logs and English texts.
const char* ErrorCodeName(ErrorCode code);
// The same for people, in their language ("argument invalide").
Message ErrorCodeText(ErrorCode code);

struct Error {
  ErrorCode code = ErrorCode::kInternal;
  // What is wrong and, where useful, what to do; and where: a file and line, a field, a formula
  // and column, outermost first ("tarifs.csv" then "line 12"). By id, in the reader's language
  // through Describe; `message` and `where` hold them in English, for logs and tests.
  Message text;
  std::vector<Message> place;
  std::string message;
  std::string where;

  // "<code>: <message> (<where>)", or without the parenthesis when where is empty. English.
  std::string ToString() const;

  // Returns a copy whose location is prefixed by outer ("file.json" + "value 3" -> "file.json:
  // value 3"); lets a caller add context to an error coming from below. A string is a name shown
  // as it is (a file, an option); a message is rendered in the reader's language.
  Error In(const std::string& outer) const;
  Error In(Message outer) const;
};

// The message and its place in `language`: "aucune unité... (enveloppes.csv : ligne 2)".
std::string Describe(const Error& error, Language language);
// The place alone, its parts joined ("enveloppes.csv : ligne 2"); empty when there is none.
std::string DescribePlace(const Error& error, Language language);

// Builds an error; `where` is a message ("line 12") or a name shown as it is ("--period").
Error MakeError(ErrorCode code, Message text, std::vector<Message> place = {});

// Shorthands: return InvalidArgument(Message("period.bad", {...}), "--period").
Error InvalidArgument(Message message, Message where = {});
Error InvalidArgument(Message message, std::string where);
Error NotFound(Message message, Message where = {});
Error NotFound(Message message, std::string where);
Error Conflict(Message message, Message where = {});
Error Conflict(Message message, std::string where);
Error FailedPrecondition(Message message, Message where = {});
Error FailedPrecondition(Message message, std::string where);
Error AlreadyExists(Message message, Message where = {});
Error AlreadyExists(Message message, std::string where);
Error PermissionDenied(Message message, Message where = {});
Error PermissionDenied(Message message, std::string where);
Error Unauthenticated(Message message, Message where = {});
Error Unauthenticated(Message message, std::string where);
Error TooManyRequests(Message message, Message where = {});
Error TooManyRequests(Message message, std::string where);
Error Unavailable(Message message, Message where = {});
Error Unavailable(Message message, std::string where);
Error Internal(Message message, Message where = {});
Error Internal(Message message, std::string where);
// Stored data that cannot be read back, never replaced by a default: "unknown org unit type
// \"HOSPITAL\"" at "table org_unit, row 12, column type". `row` names the row as the table keys
// it (an id, a number, a code).
Error StoredDataError(Message message, std::string_view table, std::string_view row,
                      std::string_view column);

// A value of type T or an Error. Accessing value() of an error Result is a programmer error.
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : data_(std::move(value)) {}      // NOLINT: implicit by design
  Result(Error error) : data_(std::move(error)) {}  // NOLINT: implicit by design

  bool ok() const { return data_.index() == 0; }
  explicit operator bool() const { return ok(); }

  const T& value() const& {
    assert(ok());
    return std::get<0>(data_);
  }
  T& value() & {
    assert(ok());
    return std::get<0>(data_);
  }
  T&& value() && {
    assert(ok());
    return std::get<0>(std::move(data_));
  }
  const Error& error() const {
    assert(!ok());
    return std::get<1>(data_);
  }

  const T& operator*() const& { return value(); }
  T& operator*() & { return value(); }
  const T* operator->() const { return &value(); }
  T* operator->() { return &value(); }

 private:
  std::variant<T, Error> data_;
};

// Success or an Error.
class [[nodiscard]] Status {
 public:
  Status() = default;
  Status(Error error) : error_(std::move(error)) {}  // NOLINT: implicit by design

  bool ok() const { return !error_.has_value(); }
  explicit operator bool() const { return ok(); }
  const Error& error() const {
    assert(!ok());
    return *error_;
  }

 private:
  std::optional<Error> error_;
};

inline Status OkStatus() { return Status(); }

}  // namespace keneya::core

#define KENEYA_CONCAT_INNER_(a, b) a##b
#define KENEYA_CONCAT_(a, b) KENEYA_CONCAT_INNER_(a, b)

// Propagates the error of a Status or Result expression; otherwise goes on.
#define KENEYA_RETURN_IF_ERROR(expr) \
  KENEYA_RETURN_IF_ERROR_IMPL_(KENEYA_CONCAT_(keneya_status_, __LINE__), expr)
#define KENEYA_RETURN_IF_ERROR_IMPL_(tmp, expr) \
  do {                                          \
    auto tmp = (expr);                          \
    if (!tmp.ok()) return tmp.error();          \
  } while (false)

// Declares `lhs` from the value of a Result expression, or returns its error.
//   KENEYA_ASSIGN_OR_RETURN(Period p, Period::Parse(text));
#define KENEYA_ASSIGN_OR_RETURN(lhs, expr) \
  KENEYA_ASSIGN_OR_RETURN_IMPL_(KENEYA_CONCAT_(keneya_result_, __LINE__), lhs, expr)
#define KENEYA_ASSIGN_OR_RETURN_IMPL_(tmp, lhs, expr) \
  auto tmp = (expr);                                  \
  if (!tmp.ok()) return tmp.error();                  \
  lhs = std::move(tmp).value()

#endif  // KENEYA_CORE_RESULT_H_
