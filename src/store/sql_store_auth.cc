// SqlStore: accounts (auth_records.h), the same SQL on both engines. Every change writes its
// account audit row in the same transaction.
#include "store/sql_store.h"

namespace keneya::store {

using core::Message;
using core::Result;
using core::Status;

namespace {

constexpr std::string_view kUserColumns =
    "id, name, full_name, email, language, password_hash, disabled, password_changed, created, "
    "last_updated";

UserRecord ReadUser(const Row& r) {
  return UserRecord{r.Int(0),  r.Text(1), r.Text(2), r.Text(3), r.Text(4),
                    r.Text(5), r.Bool(6), r.Int(7),  r.Int(8),  r.Int(9)};
}

constexpr std::string_view kGrantColumns =
    "id, user_id, role, scope_kind, scope_uid, granted, granted_by";

RoleGrantRecord ReadGrant(const Row& r) {
  return RoleGrantRecord{r.Int(0), r.Int(1), r.Text(2), r.Text(3), r.Text(4), r.Int(5), r.Text(6)};
}

constexpr std::string_view kSessionColumns =
    "token_hash, user_id, csrf_token, created, last_seen, expires, address, user_agent";

constexpr std::string_view kTokenColumns =
    "id, user_id, name, token_hash, prefix, created, created_by, expires, last_used, revoked";

ApiTokenRecord ReadToken(const Row& r) {
  ApiTokenRecord token{r.Int(0), r.Int(1),  r.Text(2), r.Text(3),    r.Text(4),
                       r.Int(5), r.Text(6), r.Int(7),  std::nullopt, std::nullopt};
  if (!r.IsNull(8)) token.last_used = r.Int(8);
  if (!r.IsNull(9)) token.revoked = r.Int(9);
  return token;
}

// Writes one account audit row (inside the caller's transaction).
Status Audit(SqlConnection& db, const Actor& actor, std::string_view action,
             std::string_view subject, std::string_view detail, core::TimestampMs at) {
  KENEYA_RETURN_IF_ERROR(
      db.Exec("INSERT INTO auth_audit (at, actor, action, subject, address, source, detail) "
              "VALUES (?, ?, ?, ?, ?, ?, ?)",
              {at, actor.user, action, subject, actor.address, actor.source, detail}));
  return core::OkStatus();
}

// A token by id inside the caller's transaction, or NotFound.
Result<ApiTokenRecord> TokenById(SqlConnection& db, int64_t token_id) {
  KENEYA_ASSIGN_OR_RETURN(std::vector<Row> rows, db.Query("SELECT " + std::string(kTokenColumns) +
                                                              " FROM api_token WHERE id = ?",
                                                          {token_id}));
  if (rows.empty()) {
    return core::NotFound(Message("store.no_token", {{"id", token_id}}), "token");
  }
  return ReadToken(rows[0]);
}

// How a token and a grant are named in the audit ("dhis2 kny_Q1w2e3...", "verifier group:Zv...").
std::string TokenDetail(const ApiTokenRecord& token) {
  return token.name + " " + token.prefix + "...";
}
std::string GrantDetail(const RoleGrantRecord& grant) {
  return grant.role + " " + grant.scope_kind + ":" + grant.scope_uid;
}

Result<std::string> UserName(SqlConnection& db, int64_t user_id) {
  KENEYA_ASSIGN_OR_RETURN(std::vector<Row> rows,
                          db.Query("SELECT name FROM app_user WHERE id = ?", {user_id}));
  if (rows.empty()) {
    return core::NotFound(Message("store.no_user_id", {{"id", user_id}}), "user");
  }
  return rows[0].Text(0);
}

}  // namespace

Result<UserRecord> SqlStore::CreateUser(const UserRecord& user, const Actor& actor) {
  SqlConnection& db = connection();
  KENEYA_RETURN_IF_ERROR(db.BeginWrite());
  TransactionGuard transaction(db);
  KENEYA_ASSIGN_OR_RETURN(std::vector<Row> existing,
                          db.Query("SELECT count(*) FROM app_user WHERE name = ?", {user.name}));
  if (existing.at(0).Int(0) > 0) {
    return core::AlreadyExists(Message("store.user_exists", {{"name", user.name}}), "name");
  }
  const core::TimestampMs now = core::NowMs();
  UserRecord stored = user;
  stored.created = now;
  stored.last_updated = now;
  KENEYA_ASSIGN_OR_RETURN(
      std::vector<Row> id,
      db.Query("INSERT INTO app_user (name, full_name, email, language, password_hash, disabled, "
               "password_changed, created, last_updated) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) "
               "RETURNING id",
               {stored.name, stored.full_name, stored.email, stored.language, stored.password_hash,
                stored.disabled, stored.password_changed, now, now}));
  stored.id = id.at(0).Int(0);
  KENEYA_RETURN_IF_ERROR(Audit(db, actor, "user_create", stored.name, stored.full_name, now));
  KENEYA_RETURN_IF_ERROR(transaction.Commit());
  return stored;
}

Result<UserRecord> SqlStore::UpdateUser(const UserRecord& user, std::string_view action,
                                        std::string_view detail, const Actor& actor) {
  SqlConnection& db = connection();
  KENEYA_RETURN_IF_ERROR(db.BeginWrite());
  TransactionGuard transaction(db);
  const core::TimestampMs now = core::NowMs();
  KENEYA_ASSIGN_OR_RETURN(
      int64_t changed,
      db.Exec("UPDATE app_user SET full_name = ?, email = ?, language = ?, password_hash = ?, "
              "disabled = ?, password_changed = ?, last_updated = ? WHERE id = ?",
              {user.full_name, user.email, user.language, user.password_hash, user.disabled,
               user.password_changed, now, user.id}));
  if (changed == 0) {
    return core::NotFound(Message("store.no_user_id", {{"id", user.id}}), "user");
  }
  KENEYA_ASSIGN_OR_RETURN(std::string name, UserName(db, user.id));
  KENEYA_RETURN_IF_ERROR(Audit(db, actor, action, name, detail, now));
  KENEYA_ASSIGN_OR_RETURN(
      std::vector<Row> rows,
      db.Query("SELECT " + std::string(kUserColumns) + " FROM app_user WHERE id = ?", {user.id}));
  KENEYA_RETURN_IF_ERROR(transaction.Commit());
  return ReadUser(rows.at(0));
}

Result<std::optional<UserRecord>> SqlStore::FindUser(std::string_view name) {
  KENEYA_ASSIGN_OR_RETURN(
      std::vector<Row> rows,
      connection().Query("SELECT " + std::string(kUserColumns) + " FROM app_user WHERE name = ?",
                         {name}));
  if (rows.empty()) return std::optional<UserRecord>();
  return std::optional<UserRecord>(ReadUser(rows[0]));
}

Result<std::optional<UserRecord>> SqlStore::FindUserById(int64_t id) {
  KENEYA_ASSIGN_OR_RETURN(
      std::vector<Row> rows,
      connection().Query("SELECT " + std::string(kUserColumns) + " FROM app_user WHERE id = ?",
                         {id}));
  if (rows.empty()) return std::optional<UserRecord>();
  return std::optional<UserRecord>(ReadUser(rows[0]));
}

Result<std::vector<UserRecord>> SqlStore::Users() {
  KENEYA_ASSIGN_OR_RETURN(
      std::vector<Row> rows,
      connection().Query("SELECT " + std::string(kUserColumns) + " FROM app_user ORDER BY name"));
  std::vector<UserRecord> out;
  out.reserve(rows.size());
  for (const Row& r : rows) out.push_back(ReadUser(r));
  return out;
}

Result<RoleGrantRecord> SqlStore::GrantRole(const RoleGrantRecord& grant, const Actor& actor) {
  SqlConnection& db = connection();
  KENEYA_RETURN_IF_ERROR(db.BeginWrite());
  TransactionGuard transaction(db);
  KENEYA_ASSIGN_OR_RETURN(std::string name, UserName(db, grant.user_id));
  KENEYA_ASSIGN_OR_RETURN(
      std::vector<Row> existing,
      db.Query("SELECT count(*) FROM user_role WHERE user_id = ? AND role = ? AND scope_kind = ? "
               "AND scope_uid = ?",
               {grant.user_id, grant.role, grant.scope_kind, grant.scope_uid}));
  if (existing.at(0).Int(0) > 0) {
    return core::AlreadyExists(Message("store.role_granted_already",
                                       {{"name", name},
                                        {"role", grant.role},
                                        {"scope", grant.scope_kind + ":" + grant.scope_uid}}),
                               "role");
  }
  const core::TimestampMs now = core::NowMs();
  RoleGrantRecord stored = grant;
  stored.granted = now;
  stored.granted_by = actor.user;
  KENEYA_ASSIGN_OR_RETURN(
      std::vector<Row> id,
      db.Query("INSERT INTO user_role (user_id, role, scope_kind, scope_uid, granted, granted_by) "
               "VALUES (?, ?, ?, ?, ?, ?) RETURNING id",
               {stored.user_id, stored.role, stored.scope_kind, stored.scope_uid, now,
                stored.granted_by}));
  stored.id = id.at(0).Int(0);
  KENEYA_RETURN_IF_ERROR(Audit(db, actor, "role_grant", name, GrantDetail(stored), now));
  KENEYA_RETURN_IF_ERROR(transaction.Commit());
  return stored;
}

Status SqlStore::RevokeRole(int64_t grant_id, const Actor& actor) {
  SqlConnection& db = connection();
  KENEYA_RETURN_IF_ERROR(db.BeginWrite());
  TransactionGuard transaction(db);
  KENEYA_ASSIGN_OR_RETURN(std::vector<Row> rows, db.Query("SELECT " + std::string(kGrantColumns) +
                                                              " FROM user_role WHERE id = ?",
                                                          {grant_id}));
  if (rows.empty()) {
    return core::NotFound(Message("store.no_role_grant", {{"id", grant_id}}), "role");
  }
  const RoleGrantRecord grant = ReadGrant(rows[0]);
  KENEYA_ASSIGN_OR_RETURN(std::string name, UserName(db, grant.user_id));
  KENEYA_RETURN_IF_ERROR(db.Exec("DELETE FROM user_role WHERE id = ?", {grant_id}));
  KENEYA_RETURN_IF_ERROR(Audit(db, actor, "role_revoke", name, GrantDetail(grant), core::NowMs()));
  return transaction.Commit();
}

Result<std::vector<RoleGrantRecord>> SqlStore::RoleGrants(int64_t user_id) {
  std::string sql = "SELECT " + std::string(kGrantColumns) + " FROM user_role";
  std::vector<SqlValue> params;
  if (user_id != 0) {
    sql += " WHERE user_id = ?";
    params.emplace_back(user_id);
  }
  sql += " ORDER BY user_id, id";
  KENEYA_ASSIGN_OR_RETURN(std::vector<Row> rows, connection().Query(sql, params));
  std::vector<RoleGrantRecord> out;
  out.reserve(rows.size());
  for (const Row& r : rows) out.push_back(ReadGrant(r));
  return out;
}

Status SqlStore::CreateSession(const SessionRecord& session, const Actor& actor) {
  SqlConnection& db = connection();
  KENEYA_RETURN_IF_ERROR(db.BeginWrite());
  TransactionGuard transaction(db);
  KENEYA_ASSIGN_OR_RETURN(std::string name, UserName(db, session.user_id));
  KENEYA_RETURN_IF_ERROR(
      db.Exec("INSERT INTO user_session (" + std::string(kSessionColumns) +
                  ") VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
              {session.token_hash, session.user_id, session.csrf_token, session.created,
               session.last_seen, session.expires, session.address, session.user_agent}));
  KENEYA_RETURN_IF_ERROR(Audit(db, actor, "login", name, session.user_agent, session.created));
  return transaction.Commit();
}

Result<std::optional<SessionRecord>> SqlStore::FindSession(std::string_view token_hash) {
  KENEYA_ASSIGN_OR_RETURN(std::vector<Row> rows,
                          connection().Query("SELECT " + std::string(kSessionColumns) +
                                                 " FROM user_session WHERE token_hash = ?",
                                             {token_hash}));
  if (rows.empty()) return std::optional<SessionRecord>();
  const Row& r = rows[0];
  return std::optional<SessionRecord>(SessionRecord{r.Text(0), r.Int(1), r.Text(2), r.Int(3),
                                                    r.Int(4), r.Int(5), r.Text(6), r.Text(7)});
}

Status SqlStore::TouchSession(std::string_view token_hash, core::TimestampMs last_seen) {
  KENEYA_RETURN_IF_ERROR(connection().Exec(
      "UPDATE user_session SET last_seen = ? WHERE token_hash = ?", {last_seen, token_hash}));
  return core::OkStatus();
}

Status SqlStore::DeleteSessions(int64_t user_id, std::string_view token_hash, const Actor& actor) {
  SqlConnection& db = connection();
  KENEYA_RETURN_IF_ERROR(db.BeginWrite());
  TransactionGuard transaction(db);
  KENEYA_ASSIGN_OR_RETURN(std::string name, UserName(db, user_id));
  int64_t ended = 0;
  if (token_hash.empty()) {
    KENEYA_ASSIGN_OR_RETURN(ended,
                            db.Exec("DELETE FROM user_session WHERE user_id = ?", {user_id}));
  } else {
    KENEYA_ASSIGN_OR_RETURN(ended,
                            db.Exec("DELETE FROM user_session WHERE user_id = ? AND token_hash = ?",
                                    {user_id, token_hash}));
  }
  if (ended > 0 && !actor.user.empty()) {
    KENEYA_RETURN_IF_ERROR(
        Audit(db, actor, "logout", name, token_hash.empty() ? "all sessions" : "", core::NowMs()));
  }
  return transaction.Commit();
}

Result<ApiTokenRecord> SqlStore::CreateToken(const ApiTokenRecord& token, const Actor& actor) {
  SqlConnection& db = connection();
  KENEYA_RETURN_IF_ERROR(db.BeginWrite());
  TransactionGuard transaction(db);
  KENEYA_ASSIGN_OR_RETURN(std::string name, UserName(db, token.user_id));
  const core::TimestampMs now = core::NowMs();
  ApiTokenRecord stored = token;
  stored.created = now;
  stored.created_by = actor.user;
  stored.last_used.reset();
  stored.revoked.reset();
  KENEYA_ASSIGN_OR_RETURN(
      std::vector<Row> id,
      db.Query("INSERT INTO api_token (user_id, name, token_hash, prefix, created, created_by, "
               "expires) VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id",
               {stored.user_id, stored.name, stored.token_hash, stored.prefix, now,
                stored.created_by, stored.expires}));
  stored.id = id.at(0).Int(0);
  KENEYA_RETURN_IF_ERROR(Audit(db, actor, "token_create", name, TokenDetail(stored), now));
  KENEYA_RETURN_IF_ERROR(transaction.Commit());
  return stored;
}

Result<std::optional<ApiTokenRecord>> SqlStore::FindToken(std::string_view token_hash) {
  KENEYA_ASSIGN_OR_RETURN(std::vector<Row> rows,
                          connection().Query("SELECT " + std::string(kTokenColumns) +
                                                 " FROM api_token WHERE token_hash = ?",
                                             {token_hash}));
  if (rows.empty()) return std::optional<ApiTokenRecord>();
  return std::optional<ApiTokenRecord>(ReadToken(rows[0]));
}

Result<std::vector<ApiTokenRecord>> SqlStore::Tokens(int64_t user_id) {
  std::string sql = "SELECT " + std::string(kTokenColumns) + " FROM api_token";
  std::vector<SqlValue> params;
  if (user_id != 0) {
    sql += " WHERE user_id = ?";
    params.emplace_back(user_id);
  }
  sql += " ORDER BY id DESC";
  KENEYA_ASSIGN_OR_RETURN(std::vector<Row> rows, connection().Query(sql, params));
  std::vector<ApiTokenRecord> out;
  out.reserve(rows.size());
  for (const Row& r : rows) out.push_back(ReadToken(r));
  return out;
}

Status SqlStore::RevokeToken(int64_t token_id, const Actor& actor) {
  SqlConnection& db = connection();
  KENEYA_RETURN_IF_ERROR(db.BeginWrite());
  TransactionGuard transaction(db);
  KENEYA_ASSIGN_OR_RETURN(const ApiTokenRecord token, TokenById(db, token_id));
  if (token.revoked) return transaction.Commit();  // revoked already: nothing changes
  const core::TimestampMs now = core::NowMs();
  KENEYA_RETURN_IF_ERROR(db.Exec("UPDATE api_token SET revoked = ? WHERE id = ?", {now, token_id}));
  KENEYA_ASSIGN_OR_RETURN(std::string name, UserName(db, token.user_id));
  KENEYA_RETURN_IF_ERROR(Audit(db, actor, "token_revoke", name, TokenDetail(token), now));
  return transaction.Commit();
}

Status SqlStore::TokenUsed(int64_t token_id, core::TimestampMs at, const Actor& actor) {
  SqlConnection& db = connection();
  KENEYA_RETURN_IF_ERROR(db.BeginWrite());
  TransactionGuard transaction(db);
  KENEYA_ASSIGN_OR_RETURN(const ApiTokenRecord token, TokenById(db, token_id));
  KENEYA_RETURN_IF_ERROR(
      db.Exec("UPDATE api_token SET last_used = ? WHERE id = ?", {at, token_id}));
  KENEYA_ASSIGN_OR_RETURN(std::string name, UserName(db, token.user_id));
  KENEYA_RETURN_IF_ERROR(Audit(db, actor, "token_use", name, TokenDetail(token), at));
  return transaction.Commit();
}

Status SqlStore::RecordAuthEvent(const AuthEvent& event) {
  const Actor actor{event.actor, event.source, "", event.address};
  return Audit(connection(), actor, event.action, event.subject, event.detail,
               event.at != 0 ? event.at : core::NowMs());
}

Result<std::vector<AuthEvent>> SqlStore::AuthEvents(const AuthEventQuery& query) {
  std::string sql =
      "SELECT id, at, actor, action, subject, address, source, detail FROM auth_audit WHERE 1 = 1";
  std::vector<SqlValue> params;
  auto match = [&](std::string_view column, const std::string& value) {
    if (value.empty()) return;
    sql += " AND " + std::string(column) + " = ?";
    params.emplace_back(value);
  };
  match("subject", query.subject);
  match("actor", query.actor);
  match("action", query.action);
  if (query.from != 0) {
    sql += " AND at >= ?";
    params.emplace_back(query.from);
  }
  if (query.to != 0) {
    sql += " AND at < ?";
    params.emplace_back(query.to);
  }
  if (query.before_id != 0) {
    sql += " AND id < ?";
    params.emplace_back(query.before_id);
  }
  sql += " ORDER BY id DESC LIMIT ?";
  params.emplace_back(query.limit > 0 ? query.limit : int64_t{100});
  KENEYA_ASSIGN_OR_RETURN(std::vector<Row> rows, connection().Query(sql, params));
  std::vector<AuthEvent> out;
  out.reserve(rows.size());
  for (const Row& r : rows) {
    out.push_back(AuthEvent{r.Int(0), r.Int(1), r.Text(2), r.Text(3), r.Text(4), r.Text(5),
                            r.Text(6), r.Text(7)});
  }
  return out;
}

}  // namespace keneya::store
