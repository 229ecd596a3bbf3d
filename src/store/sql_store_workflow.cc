// The workflow's tables (migration 7): each facility-period's status and its events.
#include <algorithm>

#include "store/sql_store.h"

namespace keneya::store {

using core::Message;
using core::Result;
using core::Status;

namespace {

constexpr std::string_view kStatusColumns =
    "data_set_id, org_unit_id, period_id, status, version, changed_by";
constexpr std::string_view kEventColumns =
    "id, data_set_id, org_unit_id, period_id, at, user_name, source, address, action, "
    "status_from, status_to, on_behalf, reason, detail";
constexpr std::string_view kKey = "data_set_id = ? AND org_unit_id = ? AND period_id = ?";

std::vector<SqlValue> KeyParams(const PeriodKey& key) {
  return {key.data_set, key.org_unit, key.period};
}

template <typename R>
PeriodStatusRecord StatusFromRow(const R& row) {
  PeriodStatusRecord r;
  r.key = {static_cast<int32_t>(row.Int(0)), static_cast<int32_t>(row.Int(1)),
           static_cast<int32_t>(row.Int(2))};
  r.status = std::string(row.Text(3));
  r.version = row.Int(4);
  r.changed_by = std::string(row.Text(5));
  return r;
}

PeriodEvent EventFromRow(const Row& row) {
  PeriodEvent e;
  e.id = row.Int(0);
  e.key = {static_cast<int32_t>(row.Int(1)), static_cast<int32_t>(row.Int(2)),
           static_cast<int32_t>(row.Int(3))};
  e.at = row.Int(4);
  e.user = row.Text(5);
  e.source = row.Text(6);
  e.address = row.Text(7);
  e.action = row.Text(8);
  e.from = row.Text(9);
  e.to = row.Text(10);
  e.on_behalf = row.Bool(11);
  e.reason = row.Text(12);
  e.detail = row.Text(13);
  return e;
}

}  // namespace

Result<std::optional<PeriodStatusRecord>> SqlStore::GetPeriodStatus(const PeriodKey& key) {
  KENEYA_ASSIGN_OR_RETURN(std::vector<Row> rows,
                          connection().Query("SELECT " + std::string(kStatusColumns) +
                                                 " FROM period_status WHERE " + std::string(kKey),
                                             KeyParams(key)));
  if (rows.empty()) return std::optional<PeriodStatusRecord>();
  return std::optional<PeriodStatusRecord>(StatusFromRow(rows[0]));
}

Result<std::vector<PeriodStatusRecord>> SqlStore::PeriodStatuses(const PeriodStatusQuery& query) {
  std::string where = " WHERE 1 = 1";
  std::vector<SqlValue> params;
  auto add = [&](std::string_view column, const auto& values) {
    if (values.empty()) return;
    where += " AND " + std::string(column) + " IN (";
    for (size_t i = 0; i < values.size(); ++i) {
      where += i == 0 ? "?" : ", ?";
      params.emplace_back(values[i]);
    }
    where += ")";
  };
  add("data_set_id", query.data_sets);
  add("org_unit_id", query.org_units);
  add("period_id", query.periods);
  add("status", query.statuses);
  std::vector<PeriodStatusRecord> out;
  KENEYA_RETURN_IF_ERROR(connection().QueryEach("SELECT " + std::string(kStatusColumns) +
                                                    " FROM period_status" + where +
                                                    " ORDER BY data_set_id, org_unit_id, period_id",
                                                params, [&out](const RowView& row) {
                                                  out.push_back(StatusFromRow(row));
                                                  return core::OkStatus();
                                                }));
  return out;
}

Result<PeriodStatusRecord> SqlStore::ChangePeriodStatus(const PeriodEvent& event,
                                                        core::TimestampMs seen,
                                                        const Actor& actor) {
  const bool postgres = connection().dialect() == Dialect::kPostgres;
  if (Status s = EnsurePeriods({event.key.period}); !s.ok()) {
    return s.error().In(Message("core.period.word"));
  }
  KENEYA_RETURN_IF_ERROR(connection().BeginWrite());
  TransactionGuard transaction(connection());
  const std::vector<SqlValue> key = KeyParams(event.key);
  KENEYA_ASSIGN_OR_RETURN(
      std::vector<Row> rows,
      connection().Query("SELECT " + std::string(kStatusColumns) + " FROM period_status WHERE " +
                             std::string(kKey) + (postgres ? " FOR UPDATE" : ""),
                         key));
  const std::string current = rows.empty() ? "open" : rows[0].Text(3);
  const core::TimestampMs version = rows.empty() ? 0 : rows[0].Int(4);
  if (current != event.from || version != seen) {
    return core::Conflict(
        Message("store.period_status_changed", {{"status", current}, {"expected", event.from}}),
        Message("store.period_status_place"));
  }
  PeriodStatusRecord out;
  out.key = event.key;
  out.status = event.to;
  out.version = std::max(core::NowMs(), version + 1);
  out.changed_by = actor.user;
  if (rows.empty()) {
    std::vector<SqlValue> insert = key;
    insert.insert(insert.end(), {out.status, out.version, out.changed_by});
    KENEYA_ASSIGN_OR_RETURN(
        int64_t inserted,
        connection().Exec("INSERT INTO period_status (" + std::string(kStatusColumns) +
                              ") VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
                          insert));
    if (inserted != 1) {  // another writer moved it meanwhile
      return core::Conflict(
          Message("store.period_status_changed", {{"status", "?"}, {"expected", event.from}}),
          Message("store.period_status_place"));
    }
  } else {
    std::vector<SqlValue> update = {out.status, out.version, out.changed_by};
    update.insert(update.end(), key.begin(), key.end());
    KENEYA_RETURN_IF_ERROR(connection().Exec(
        "UPDATE period_status SET status = ?, version = ?, changed_by = ? WHERE " +
            std::string(kKey),
        update));
  }
  std::vector<SqlValue> insert = key;
  insert.insert(insert.end(), {out.version, actor.user, actor.source, actor.address, event.action,
                               event.from, event.to, event.on_behalf,
                               event.reason.empty() ? actor.reason : event.reason, event.detail});
  KENEYA_RETURN_IF_ERROR(connection().Exec(
      "INSERT INTO period_event (data_set_id, org_unit_id, period_id, at, user_name, source, "
      "address, action, status_from, status_to, on_behalf, reason, detail) VALUES (?, ?, ?, ?, "
      "?, ?, ?, ?, ?, ?, ?, ?, ?)",
      insert));
  KENEYA_RETURN_IF_ERROR(transaction.Commit());
  return out;
}

Result<std::vector<PeriodEvent>> SqlStore::PeriodEvents(const PeriodKey& key) {
  KENEYA_ASSIGN_OR_RETURN(
      std::vector<Row> rows,
      connection().Query("SELECT " + std::string(kEventColumns) + " FROM period_event WHERE " +
                             std::string(kKey) + " ORDER BY id",
                         KeyParams(key)));
  std::vector<PeriodEvent> out;
  out.reserve(rows.size());
  for (const Row& row : rows) out.push_back(EventFromRow(row));
  return out;
}

}  // namespace keneya::store
