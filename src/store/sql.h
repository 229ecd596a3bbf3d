// A thin SQL layer over SQLite and libpq, internal to the store module.
//
// The metadata, single-value and audit code of SqlStore is written once against this interface;
// only the bulk load and the schema text are engine-specific. Statements use '?' placeholders
// (the PostgreSQL connection rewrites them to $1, $2...); never put a '?' inside a string
// literal. Parameters and results travel as text (NULL as nullopt), which both engines convert.
#ifndef KENEYA_STORE_SQL_H_
#define KENEYA_STORE_SQL_H_

#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"

namespace keneya::store {

enum class Dialect { kSqlite, kPostgres };

// One SQL parameter or column value: text, or NULL.
class SqlValue {
 public:
  SqlValue() = default;                                          // NULL
  SqlValue(std::nullopt_t) {}                                    // NOLINT: implicit by design
  SqlValue(std::string text) : text_(std::move(text)) {}         // NOLINT
  SqlValue(std::string_view text) : text_(std::string(text)) {}  // NOLINT
  SqlValue(const char* text) : text_(std::string(text)) {}       // NOLINT
  SqlValue(int64_t number) : text_(std::to_string(number)) {}    // NOLINT
  SqlValue(int32_t number) : text_(std::to_string(number)) {}    // NOLINT
  SqlValue(double number);                                       // NOLINT
  SqlValue(bool flag) : text_(flag ? "1" : "0") {}               // NOLINT
  template <typename T>
  SqlValue(const std::optional<T>& maybe) {  // NOLINT
    if (maybe) *this = SqlValue(*maybe);
  }

  bool is_null() const { return !text_.has_value(); }
  const std::optional<std::string>& text() const { return text_; }

 private:
  std::optional<std::string> text_;
};

// One result row. Column accessors take the 0-based column index.
class Row {
 public:
  explicit Row(std::vector<std::optional<std::string>> columns) : columns_(std::move(columns)) {}

  size_t size() const { return columns_.size(); }
  bool IsNull(size_t i) const { return !columns_[i].has_value(); }
  // The text of a column; "" for NULL.
  const std::string& Text(size_t i) const;
  std::optional<std::string> OptionalText(size_t i) const { return columns_[i]; }
  // The column as an integer; 0 for NULL.
  int64_t Int(size_t i) const;
  // The column as a double; 0 for NULL.
  double Double(size_t i) const;
  // The column as a boolean: "1"/"t"/"true" are true.
  bool Bool(size_t i) const;

 private:
  std::vector<std::optional<std::string>> columns_;
};

// A row while a query streams (QueryEach): valid during the callback only.
class RowView {
 public:
  virtual bool IsNull(size_t i) const = 0;
  virtual std::string_view Text(size_t i) const = 0;
  // The column as an integer (0 for NULL) and as a double: from its text unless the connection
  // reads the number itself (SQLite's integer columns, never turned into text and back).
  virtual int64_t Int(size_t i) const;
  virtual double Double(size_t i) const;
  // The column as a boolean: "1"/"t"/"true" (or the integer 1) are true.
  virtual bool Bool(size_t i) const;

 protected:
  ~RowView() = default;
};

class SqlConnection {
 public:
  virtual ~SqlConnection() = default;

  virtual Dialect dialect() const = 0;

  // Runs one or more statements without parameters (schema scripts).
  virtual core::Status ExecScript(std::string_view sql) = 0;
  // Runs one statement; returns the number of rows it changed.
  virtual core::Result<int64_t> Exec(std::string_view sql, std::span<const SqlValue> params) = 0;
  // Runs one query and returns all its rows.
  virtual core::Result<std::vector<Row>> Query(std::string_view sql,
                                               std::span<const SqlValue> params) = 0;

  // Runs one query and calls `each` for every row as it comes, without keeping them (hundreds
  // of thousands of values read for an invoice run). Stops at the first error `each` returns.
  virtual core::Status QueryEach(std::string_view sql, std::span<const SqlValue> params,
                                 const std::function<core::Status(const RowView&)>& each) = 0;

  // Starts a transaction that will write: takes SQLite's write lock at once (BEGIN IMMEDIATE)
  // so that concurrent writers wait instead of failing at their first write.
  virtual core::Status BeginWrite() = 0;
  virtual core::Status Commit() = 0;
  // Rolls back; safe to call when no transaction is open.
  virtual void Rollback() = 0;

  // Convenience overloads with an initializer list of parameters.
  core::Result<int64_t> Exec(std::string_view sql, std::initializer_list<SqlValue> params = {}) {
    return Exec(sql, std::span<const SqlValue>(params.begin(), params.size()));
  }
  core::Result<std::vector<Row>> Query(std::string_view sql,
                                       std::initializer_list<SqlValue> params = {}) {
    return Query(sql, std::span<const SqlValue>(params.begin(), params.size()));
  }
};

// Rolls back the open transaction when it goes out of scope without Commit().
class TransactionGuard {
 public:
  explicit TransactionGuard(SqlConnection& connection) : connection_(connection) {}
  TransactionGuard(const TransactionGuard&) = delete;
  TransactionGuard& operator=(const TransactionGuard&) = delete;
  ~TransactionGuard() {
    if (!committed_) connection_.Rollback();
  }
  core::Status Commit() {
    core::Status status = connection_.Commit();
    committed_ = status.ok();
    return status;
  }

 private:
  SqlConnection& connection_;
  bool committed_ = false;
};

}  // namespace keneya::store

#endif  // KENEYA_STORE_SQL_H_
