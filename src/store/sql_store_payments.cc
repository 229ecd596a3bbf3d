// Payments (migration 10): facilities' accounts, proposed by one person and decided by another;
// payments of invoices; recovery decisions. A writer of payments names what it saw of the
// facility's payments and decisions: two payment officers recording at once cannot both pay the
// same balance.
#include <algorithm>

#include "store/sql_store.h"

namespace keneya::store {

using core::Message;
using core::Result;

namespace {

constexpr std::string_view kAccountColumns =
    "id, org_unit_id, kind, institution, number, holder, state, reason, proposed_by, "
    "proposed_at, source, address, decided_by, decided_at, decided_reason";

PaymentAccountRecord AccountFromRow(const Row& row) {
  PaymentAccountRecord a;
  a.id = row.Int(0);
  a.org_unit = static_cast<int32_t>(row.Int(1));
  a.kind = row.Text(2);
  a.institution = row.Text(3);
  a.number = row.Text(4);
  a.holder = row.Text(5);
  a.state = row.Text(6);
  a.reason = row.Text(7);
  a.proposed_by = row.Text(8);
  a.proposed_at = row.Int(9);
  a.source = row.Text(10);
  a.address = row.Text(11);
  a.decided_by = row.Text(12);
  a.decided_at = row.Int(13);
  a.decided_reason = row.Text(14);
  return a;
}

// Named by the alias "p" where payments are joined with their invoices.
constexpr std::string_view kPaymentColumns =
    "id, invoice_id, kind, amount, paid_on, reference, account_id, from_invoice_id, "
    "recorded_by, recorded_at, source, address";
constexpr std::string_view kPaymentColumnsOfP =
    "p.id, p.invoice_id, p.kind, p.amount, p.paid_on, p.reference, p.account_id, "
    "p.from_invoice_id, p.recorded_by, p.recorded_at, p.source, p.address";

PaymentRecord PaymentFromRow(const Row& row) {
  PaymentRecord p;
  p.id = row.Int(0);
  p.invoice_id = row.Int(1);
  p.kind = row.Text(2);
  p.amount = row.Int(3);
  p.paid_on = row.Text(4);
  p.reference = row.Text(5);
  p.account_id = row.Int(6);
  p.from_invoice = row.Int(7);
  p.recorded_by = row.Text(8);
  p.recorded_at = row.Int(9);
  p.source = row.Text(10);
  p.address = row.Text(11);
  return p;
}

constexpr std::string_view kDecisionColumns =
    "d.id, d.invoice_id, d.decision, d.reason, d.decided_by, d.decided_at, d.source, d.address";

RecoveryDecisionRecord DecisionFromRow(const Row& row) {
  RecoveryDecisionRecord d;
  d.id = row.Int(0);
  d.invoice_id = row.Int(1);
  d.decision = row.Text(2);
  d.reason = row.Text(3);
  d.decided_by = row.Text(4);
  d.decided_at = row.Int(5);
  d.source = row.Text(6);
  d.address = row.Text(7);
  return d;
}

SqlValue OptionalId(int64_t id) { return id == 0 ? SqlValue() : SqlValue(id); }

// The rows of `select` (joined with the invoices as "i") of one facility's invoices (every
// facility's for 0), by `order`.
template <typename T>
Result<std::vector<T>> OfFacility(SqlConnection& db, std::string select, int32_t org_unit,
                                  std::string_view order, T (*from_row)(const Row&)) {
  std::vector<SqlValue> params;
  if (org_unit != 0) {
    select += " WHERE i.org_unit_id = ?";
    params.emplace_back(static_cast<int64_t>(org_unit));
  }
  select += " ORDER BY " + std::string(order);
  KENEYA_ASSIGN_OR_RETURN(std::vector<Row> rows, db.Query(select, params));
  std::vector<T> out;
  out.reserve(rows.size());
  for (const Row& row : rows) out.push_back(from_row(row));
  return out;
}

}  // namespace

Result<std::vector<PaymentAccountRecord>> SqlStore::PaymentAccounts(int32_t org_unit,
                                                                    bool confirmed_only) {
  std::string sql = "SELECT " + std::string(kAccountColumns) + " FROM payment_account WHERE 1 = 1";
  std::vector<SqlValue> params;
  if (org_unit != 0) {
    sql += " AND org_unit_id = ?";
    params.emplace_back(static_cast<int64_t>(org_unit));
  }
  if (confirmed_only) sql += " AND state = 'confirmed'";
  sql += " ORDER BY id DESC";
  KENEYA_ASSIGN_OR_RETURN(std::vector<Row> rows, connection().Query(sql, params));
  std::vector<PaymentAccountRecord> out;
  out.reserve(rows.size());
  for (const Row& row : rows) out.push_back(AccountFromRow(row));
  return out;
}

Result<std::optional<PaymentAccountRecord>> SqlStore::GetPaymentAccount(int64_t id) {
  KENEYA_ASSIGN_OR_RETURN(
      std::vector<Row> rows,
      connection().Query(
          "SELECT " + std::string(kAccountColumns) + " FROM payment_account WHERE id = ?", {id}));
  if (rows.empty()) return std::optional<PaymentAccountRecord>();
  return std::optional<PaymentAccountRecord>(AccountFromRow(rows[0]));
}

Result<PaymentAccountRecord> SqlStore::ProposeAccount(const PaymentAccountRecord& account,
                                                      const Actor& actor) {
  // The partial unique index keeps one proposal per facility, even between two servers.
  KENEYA_ASSIGN_OR_RETURN(
      std::vector<Row> rows,
      connection().Query(
          "INSERT INTO payment_account (org_unit_id, kind, institution, number, holder, state, "
          "reason, proposed_by, proposed_at, source, address) VALUES (?, ?, ?, ?, ?, "
          "'proposed', ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING RETURNING " +
              std::string(kAccountColumns),
          {static_cast<int64_t>(account.org_unit), account.kind, account.institution,
           account.number, account.holder, account.reason, actor.user, core::NowMs(), actor.source,
           actor.address}));
  if (rows.empty()) {
    return core::Conflict(Message("store.account_pending"), Message("store.account_place"));
  }
  return AccountFromRow(rows[0]);
}

Result<PaymentAccountRecord> SqlStore::DecideAccount(int64_t id, bool confirm,
                                                     std::string_view reason, const Actor& actor) {
  SqlConnection& db = connection();
  KENEYA_RETURN_IF_ERROR(db.BeginWrite());
  TransactionGuard transaction(db);
  KENEYA_ASSIGN_OR_RETURN(
      std::vector<Row> rows,
      db.Query("SELECT " + std::string(kAccountColumns) + " FROM payment_account WHERE id = ?" +
                   (db.dialect() == Dialect::kPostgres ? " FOR UPDATE" : ""),
               {id}));
  if (rows.empty() || rows[0].Text(6) != "proposed") {
    return core::Conflict(Message("store.account_decided", {{"account", id}}),
                          Message("store.account_place"));
  }
  const PaymentAccountRecord proposed = AccountFromRow(rows[0]);
  if (confirm) {
    KENEYA_RETURN_IF_ERROR(
        db.Exec("UPDATE payment_account SET state = 'replaced' WHERE org_unit_id = ? AND state = "
                "'confirmed'",
                {static_cast<int64_t>(proposed.org_unit)}));
  }
  KENEYA_ASSIGN_OR_RETURN(
      std::vector<Row> decided,
      db.Query("UPDATE payment_account SET state = ?, decided_by = ?, decided_at = ?, "
               "decided_reason = ? WHERE id = ? RETURNING " +
                   std::string(kAccountColumns),
               {std::string(confirm ? "confirmed" : "rejected"), actor.user, core::NowMs(),
                std::string(reason), id}));
  KENEYA_RETURN_IF_ERROR(transaction.Commit());
  return AccountFromRow(decided.at(0));
}

Result<std::vector<PaymentRecord>> SqlStore::Payments(int32_t org_unit) {
  return OfFacility(connection(),
                    "SELECT " + std::string(kPaymentColumnsOfP) +
                        " FROM payment p JOIN invoice i ON i.id = p.invoice_id",
                    org_unit, "p.id", PaymentFromRow);
}

Result<std::vector<RecoveryDecisionRecord>> SqlStore::RecoveryDecisions(int32_t org_unit) {
  return OfFacility(connection(),
                    "SELECT " + std::string(kDecisionColumns) +
                        " FROM recovery_decision d JOIN invoice i ON i.id = d.invoice_id",
                    org_unit, "d.id", DecisionFromRow);
}

core::Status SqlStore::CheckPaymentsSeen(int32_t org_unit, const PaymentsSeen& seen) {
  SqlConnection& db = connection();
  const int64_t unit = org_unit;
  if (db.dialect() == Dialect::kPostgres) {
    // Serialises writers of one facility's payments (SQLite's writers are serialised already).
    KENEYA_RETURN_IF_ERROR(
        db.Query("SELECT id FROM invoice WHERE org_unit_id = ? ORDER BY id FOR UPDATE", {unit}));
  }
  KENEYA_ASSIGN_OR_RETURN(
      std::vector<Row> newest,
      db.Query("SELECT (SELECT coalesce(max(p.id), 0) FROM payment p JOIN invoice i ON i.id = "
               "p.invoice_id WHERE i.org_unit_id = ?), (SELECT coalesce(max(d.id), 0) FROM "
               "recovery_decision d JOIN invoice i ON i.id = d.invoice_id WHERE i.org_unit_id = "
               "?)",
               {unit, unit}));
  if (newest.at(0).Int(0) != seen.payment || newest[0].Int(1) != seen.decision) {
    return core::Conflict(Message("store.payments_changed"), Message("store.payment_place"));
  }
  return core::OkStatus();
}

Result<std::vector<PaymentRecord>> SqlStore::RecordPayments(int32_t org_unit,
                                                            std::span<const PaymentRecord> payments,
                                                            const PaymentsSeen& seen,
                                                            const Actor& actor) {
  const FacilityPayments one{org_unit, {payments.begin(), payments.end()}, seen};
  return RecordPaymentBatch({&one, 1}, actor);
}

Result<std::vector<PaymentRecord>> SqlStore::RecordPaymentBatch(
    std::span<const FacilityPayments> batch, const Actor& actor) {
  SqlConnection& db = connection();
  KENEYA_RETURN_IF_ERROR(db.BeginWrite());
  TransactionGuard transaction(db);
  // Facilities checked (and, on PostgreSQL, locked) in org unit order: two batches never wait
  // for each other in a circle.
  std::vector<const FacilityPayments*> order;
  for (const FacilityPayments& facility : batch) order.push_back(&facility);
  std::sort(order.begin(), order.end(),
            [](const auto* a, const auto* b) { return a->org_unit < b->org_unit; });
  for (const FacilityPayments* facility : order) {
    KENEYA_RETURN_IF_ERROR(CheckPaymentsSeen(facility->org_unit, facility->seen));
  }
  const core::TimestampMs now = core::NowMs();
  std::vector<PaymentRecord> out;
  for (const FacilityPayments& facility : batch) {
    for (const PaymentRecord& p : facility.payments) {
      KENEYA_ASSIGN_OR_RETURN(
          std::vector<Row> rows,
          db.Query(
              "INSERT INTO payment (invoice_id, kind, amount, paid_on, reference, account_id, "
              "from_invoice_id, recorded_by, recorded_at, source, address) VALUES (?, ?, ?, "
              "?, ?, ?, ?, ?, ?, ?, ?) RETURNING " +
                  std::string(kPaymentColumns),
              {p.invoice_id, p.kind, p.amount, p.paid_on, p.reference, OptionalId(p.account_id),
               OptionalId(p.from_invoice), actor.user, now, actor.source, actor.address}));
      out.push_back(PaymentFromRow(rows.at(0)));
    }
  }
  KENEYA_RETURN_IF_ERROR(transaction.Commit());
  return out;
}

Result<RecoveryDecisionRecord> SqlStore::DecideRecovery(int32_t org_unit,
                                                        const RecoveryDecisionRecord& decision,
                                                        const PaymentsSeen& seen,
                                                        const Actor& actor) {
  SqlConnection& db = connection();
  KENEYA_RETURN_IF_ERROR(db.BeginWrite());
  TransactionGuard transaction(db);
  KENEYA_RETURN_IF_ERROR(CheckPaymentsSeen(org_unit, seen));
  KENEYA_ASSIGN_OR_RETURN(
      std::vector<Row> rows,
      db.Query("INSERT INTO recovery_decision (invoice_id, decision, reason, decided_by, "
               "decided_at, source, address) VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id, "
               "invoice_id, decision, reason, decided_by, decided_at, source, address",
               {decision.invoice_id, decision.decision, decision.reason, actor.user, core::NowMs(),
                actor.source, actor.address}));
  KENEYA_RETURN_IF_ERROR(transaction.Commit());
  return DecisionFromRow(rows.at(0));
}

}  // namespace keneya::store
