// The audit trail on one page: each audited table read newest first (by id: ids grow with time),
// filtered by who, when and where, into one shape (AuditEvent). The tables' own indexes serve
// the ids; a filter on time or place reads back from the newest until enough rows pass.
#include <string>
#include <vector>

#include "store/sql_store.h"

namespace keneya::store {

using core::Result;

namespace {

// The columns every branch selects, in AuditEvent's order.
constexpr char kColumns[] =
    "id, at, who, source, address, action, before_text, after_text, reason, org_unit, period, "
    "data_element, data_set, state, run, subject";

struct Branch {
  std::string select;  // "SELECT ... AS id, ... FROM ... ", the columns named as kColumns
  std::string at;      // the column of the time
  std::string who;     // of the user
  std::string path;    // of the place's path; empty: not a place's change
  std::string order;   // the id column
};

Branch BranchOf(AuditKind kind) {
  switch (kind) {
    case AuditKind::kValue:
      return {
          "SELECT a.id AS id, a.at AS at, a.user_name AS who, a.source AS source, '' AS "
          "address, a.action AS action, coalesce(a.old_value, '') AS before_text, "
          "coalesce(a.new_value, '') AS after_text, a.reason AS reason, a.org_unit_id AS "
          "org_unit, a.period_id AS period, a.data_element_id AS data_element, 0 AS data_set, "
          "a.state_id AS state, 0 AS run, '' AS subject FROM data_value_audit a JOIN org_unit "
          "o ON o.id = a.org_unit_id",
          "a.at", "a.user_name", "o.path", "a.id"};
    case AuditKind::kPeriod:
      return {
          "SELECT e.id AS id, e.at AS at, e.user_name AS who, e.source AS source, e.address "
          "AS address, e.action AS action, e.status_from AS before_text, e.status_to AS "
          "after_text, e.reason AS reason, e.org_unit_id AS org_unit, e.period_id AS period, 0 "
          "AS data_element, e.data_set_id AS data_set, 0 AS state, 0 AS run, '' AS subject "
          "FROM period_event e JOIN org_unit o ON o.id = e.org_unit_id",
          "e.at", "e.user_name", "o.path", "e.id"};
    case AuditKind::kRun:
      return {
          "SELECT e.id AS id, e.at AS at, e.user_name AS who, e.source AS source, e.address "
          "AS address, e.action AS action, e.status_from AS before_text, e.status_to AS "
          "after_text, e.reason AS reason, 0 AS org_unit, 0 AS period, 0 AS data_element, 0 "
          "AS data_set, 0 AS state, e.run_id AS run, '' AS subject FROM run_event e",
          "e.at", "e.user_name", "", "e.id"};
    case AuditKind::kPayment:
      return {
          "SELECT p.id AS id, p.recorded_at AS at, p.recorded_by AS who, p.source AS source, "
          "p.address AS address, p.kind AS action, '' AS before_text, CAST(p.amount AS TEXT) "
          "AS after_text, p.reference AS reason, i.org_unit_id AS org_unit, 0 AS period, 0 AS "
          "data_element, 0 AS data_set, 0 AS state, i.run_id AS run, i.number AS subject FROM "
          "payment p JOIN invoice i ON i.id = p.invoice_id JOIN org_unit o ON o.id = "
          "i.org_unit_id",
          "p.recorded_at", "p.recorded_by", "o.path", "p.id"};
    case AuditKind::kRecovery:
      return {
          "SELECT d.id AS id, d.decided_at AS at, d.decided_by AS who, d.source AS source, "
          "d.address AS address, d.decision AS action, '' AS before_text, '' AS after_text, "
          "d.reason AS reason, i.org_unit_id AS org_unit, 0 AS period, 0 AS data_element, 0 "
          "AS data_set, 0 AS state, i.run_id AS run, i.number AS subject FROM "
          "recovery_decision d JOIN invoice i ON i.id = d.invoice_id JOIN org_unit o ON o.id "
          "= i.org_unit_id",
          "d.decided_at", "d.decided_by", "o.path", "d.id"};
    case AuditKind::kAccount:
      // A proposal and its decision: two changes of one row, numbered 2 x id and 2 x id + 1 so
      // that both stay apart and the decision comes after its proposal.
      return {
          "SELECT * FROM (SELECT 2 * a.id AS id, a.proposed_at AS at, a.proposed_by AS who, "
          "a.source AS source, a.address AS address, 'propose' AS action, '' AS before_text, "
          "a.institution || ' ' || a.number AS after_text, a.reason AS reason, a.org_unit_id "
          "AS org_unit, 0 AS period, 0 AS data_element, 0 AS data_set, 0 AS state, 0 AS run, "
          "a.holder AS subject, o.path AS path FROM payment_account a JOIN org_unit o ON o.id "
          "= a.org_unit_id UNION ALL SELECT 2 * a.id + 1, a.decided_at, a.decided_by, a.source, "
          "a.address, CASE a.state WHEN 'rejected' THEN 'reject' ELSE 'confirm' END, '', "
          "a.institution || ' ' || a.number, a.decided_reason, a.org_unit_id, 0, 0, 0, 0, 0, "
          "a.holder, o.path FROM payment_account a JOIN org_unit o ON o.id = a.org_unit_id "
          "WHERE a.decided_at > 0) x",
          "x.at", "x.who", "x.path", "x.at DESC, x.id"};
    case AuditKind::kContract:
      return {
          "SELECT a.id AS id, a.at AS at, a.user_name AS who, a.source AS source, '' AS "
          "address, a.action AS action, a.old_terms AS before_text, a.new_terms AS "
          "after_text, a.reason AS reason, c.org_unit_id AS org_unit, 0 AS period, 0 AS "
          "data_element, 0 AS data_set, 0 AS state, 0 AS run, c.program_code AS subject FROM "
          "contract_audit a JOIN contract c ON c.id = a.contract_id JOIN org_unit o ON o.id = "
          "c.org_unit_id",
          "a.at", "a.user_name", "o.path", "a.id"};
    case AuditKind::kUser:
      return {
          "SELECT a.id AS id, a.at AS at, a.actor AS who, a.source AS source, a.address AS "
          "address, a.action AS action, '' AS before_text, '' AS after_text, a.detail AS "
          "reason, 0 AS org_unit, 0 AS period, 0 AS data_element, 0 AS data_set, 0 AS state, "
          "0 AS run, a.subject AS subject FROM auth_audit a",
          "a.at", "a.actor", "", "a.id"};
  }
  return {};
}

}  // namespace

Result<std::vector<AuditEvent>> SqlStore::AuditEvents(const AuditQuery& query) {
  std::vector<AuditEvent> out;
  for (AuditKind kind : query.kinds) {
    const Branch branch = BranchOf(kind);
    std::string where;
    std::vector<SqlValue> params;
    auto add = [&](const std::string& condition) {
      where += where.empty() ? " WHERE " : " AND ";
      where += condition;
    };
    if (!query.user.empty()) {
      add(branch.who + " = ?");
      params.push_back(query.user);
    }
    if (query.from != 0) {
      add(branch.at + " >= ?");
      params.push_back(query.from);
    }
    if (query.to != 0) {
      add(branch.at + " < ?");
      params.push_back(query.to);
    }
    if (!query.path.empty()) {
      if (branch.path.empty()) continue;  // runs and users belong to no place
      add(branch.path + " LIKE ?");
      params.push_back(query.path + "%");
    }
    params.push_back(query.limit);
    KENEYA_ASSIGN_OR_RETURN(
        std::vector<Row> rows,
        connection().Query("SELECT " + std::string(kColumns) + " FROM (" + branch.select + where +
                               " ORDER BY " + branch.order + " DESC LIMIT ?) t",
                           params));
    for (const Row& r : rows) {
      AuditEvent e;
      e.kind = kind;
      e.id = r.Int(0);
      e.at = r.Int(1);
      e.user = r.Text(2);
      e.source = r.Text(3);
      e.address = r.Text(4);
      e.action = r.Text(5);
      e.before = r.Text(6);
      e.after = r.Text(7);
      e.reason = r.Text(8);
      e.org_unit = static_cast<int32_t>(r.Int(9));
      e.period = static_cast<int32_t>(r.Int(10));
      e.data_element = static_cast<int32_t>(r.Int(11));
      e.data_set = static_cast<int32_t>(r.Int(12));
      e.state = static_cast<int32_t>(r.Int(13));
      e.run = r.Int(14);
      e.subject = r.Text(15);
      out.push_back(std::move(e));
    }
  }
  return out;
}

}  // namespace keneya::store
