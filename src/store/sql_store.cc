#include "store/sql_store.h"

#include <algorithm>
#include <numeric>
#include <tuple>
#include <unordered_map>
#include <unordered_set>

#include "core/period.h"
#include "store/key_order.h"
#include "store/migrations.h"

namespace keneya::store {

using core::DataValue;
using core::DataValueKey;
using core::Error;
using core::Message;
using core::MetadataBundle;
using core::Result;
using core::Status;

std::string_view AuditActionName(AuditAction action) {
  switch (action) {
    case AuditAction::kCreate:
      return "create";
    case AuditAction::kUpdate:
      return "update";
    case AuditAction::kDelete:
      return "delete";
  }
  return "update";
}

namespace {

constexpr std::string_view kValueColumns =
    "period_id, org_unit_id, data_element_id, category_option_combo_id, "
    "attribute_option_combo_id, state_id, value, comment, stored_by, followup, deleted, created, "
    "last_updated, import_id";

constexpr std::string_view kKeyMatch =
    "period_id = ? AND org_unit_id = ? AND data_element_id = ? AND category_option_combo_id = ? "
    "AND attribute_option_combo_id = ? AND state_id = ?";

std::vector<SqlValue> KeyParams(const DataValueKey& key) {
  return {key.period,
          key.org_unit,
          key.data_element,
          key.category_option_combo,
          key.attribute_option_combo,
          key.state};
}

// A row of kValueColumns (a Row, or a RowView while a query streams).
template <typename R>
DataValue ValueFromRow(const R& row) {
  DataValue v;
  v.key.period = static_cast<int32_t>(row.Int(0));
  v.key.org_unit = static_cast<int32_t>(row.Int(1));
  v.key.data_element = static_cast<int32_t>(row.Int(2));
  v.key.category_option_combo = static_cast<int32_t>(row.Int(3));
  v.key.attribute_option_combo = static_cast<int32_t>(row.Int(4));
  v.key.state = static_cast<int32_t>(row.Int(5));
  v.value = row.Text(6);
  v.comment = row.Text(7);
  v.stored_by = row.Text(8);
  v.followup = row.Bool(9);
  v.deleted = row.Bool(10);
  v.created = row.Int(11);
  v.last_updated = row.Int(12);
  v.import_id = row.Int(13);
  return v;
}

ImportRecord ImportFromRow(const Row& row) {
  ImportRecord r;
  r.id = row.Int(0);
  r.user = row.Text(1);
  r.source = row.Text(2);
  r.kind = row.Text(3);
  r.reason = row.Text(4);
  r.started = row.Int(5);
  r.finished = row.Int(6);
  r.created = row.Int(7);
  r.updated = row.Int(8);
  r.unchanged = row.Int(9);
  r.deleted = row.Int(10);
  r.repeated = row.Int(11);
  r.skipped = row.Int(12);
  return r;
}

constexpr std::string_view kImportColumns =
    "id, user_name, source, kind, reason, started, finished, created, updated, unchanged, "
    "deleted, repeated, skipped";

SqlValue OptionalText(const std::string& text) {
  return text.empty() ? SqlValue() : SqlValue(text);
}

SqlValue OptionalDate(const std::optional<core::Date>& date) {
  return date ? SqlValue(date->ToString()) : SqlValue();
}

// A nullable date column; a text that is no date is a data error naming its place.
Result<std::optional<core::Date>> DateFromRow(const Row& row, size_t i, std::string_view table,
                                              std::string_view column) {
  if (row.IsNull(i)) return std::optional<core::Date>();
  auto date = core::Date::Parse(row.Text(i));
  if (!date.ok()) {
    return core::StoredDataError(Message("store.not_a_date", {{"text", row.Text(i)}}), table,
                                 std::to_string(row.Int(0)), column);
  }
  return std::optional<core::Date>(*date);
}

// A stored dimension type; the schema only ever holds the two valid names.
core::DataDimensionType DimensionType(const std::string& name) {
  auto type = core::ParseDataDimensionType(name);
  return type.ok() ? *type : core::DataDimensionType::kDisaggregation;
}

// "org unit with id 12 does not exist"; `what` is the id of the message naming the rows.
Message NoRowWithId(const char* what, int64_t id) {
  return Message("store.no_row_with_id", {{"what", Message(what)}, {"id", id}});
}

// Appends "(?, ?, ...)" with n placeholders.
std::string Placeholders(size_t n) {
  std::string out = "(";
  for (size_t i = 0; i < n; ++i) out += i == 0 ? "?" : ", ?";
  return out + ")";
}

// Checks that a bundle does not give one uid twice for one kind of object (Merge would hide
// it: the later object would silently replace the earlier).
// `kind` is the id of the message that names the kind of object ("org unit").
template <typename T>
void FindRepeats(const char* kind, const std::vector<T>& objects, std::vector<Message>& problems) {
  std::unordered_set<std::string_view> seen;
  for (const T& object : objects) {
    if (!seen.insert(object.uid).second) {
      problems.push_back(
          Message("store.given_twice", {{"kind", Message(kind)}, {"uid", object.uid}}));
    }
  }
}

// The incoming bundle in the form the store keeps: default combos named, membership lists that
// have no meaningful order sorted.
MetadataBundle Normalized(const MetadataBundle& bundle) {
  MetadataBundle out = bundle;
  for (core::OrgUnit& ou : out.org_units) {
    std::sort(ou.group_uids.begin(), ou.group_uids.end());
    ou.group_uids.erase(std::unique(ou.group_uids.begin(), ou.group_uids.end()),
                        ou.group_uids.end());
  }
  for (core::DataElement& de : out.data_elements) {
    if (de.category_combo_uid.empty()) {
      de.category_combo_uid = core::kDefaultCategoryComboUid;
    }
  }
  for (core::DataSet& ds : out.data_sets) {
    if (ds.category_combo_uid.empty()) ds.category_combo_uid = core::kDefaultCategoryComboUid;
    std::sort(ds.org_unit_uids.begin(), ds.org_unit_uids.end());
    ds.org_unit_uids.erase(std::unique(ds.org_unit_uids.begin(), ds.org_unit_uids.end()),
                           ds.org_unit_uids.end());
  }
  return out;
}

// Writes the metadata of one bundle inside an open transaction: creates what is new, updates
// what changed, leaves the rest, and records each write in metadata_audit.
class MetadataWriter {
 public:
  MetadataWriter(SqlConnection& sql, const MetadataBundle& stored, const Actor& actor)
      : sql_(sql), stored_(stored), actor_(actor), now_(core::NowMs()) {
    Remember(stored.attributes, attribute_ids_);
    Remember(stored.option_sets, option_set_ids_);
    Remember(stored.categories.options, option_ids_);
    Remember(stored.categories.categories, category_ids_);
    Remember(stored.categories.combos, combo_ids_);
    Remember(stored.categories.option_combos, option_combo_ids_);
    Remember(stored.org_unit_groups, group_ids_);
    Remember(stored.org_units, org_unit_ids_);
    Remember(stored.data_elements, data_element_ids_);
  }

  Status Write(const MetadataBundle& in) {
    for (const auto& a : in.attributes) {
      KENEYA_RETURN_IF_ERROR(Upsert("attribute", stored_index_.attribute(a.uid), a,
                                    {"code", "name"}, {OptionalText(a.code), a.name},
                                    attribute_ids_, nullptr));
    }
    for (const auto& set : in.option_sets) {
      KENEYA_RETURN_IF_ERROR(Upsert(
          "option_set", stored_index_.option_set(set.uid), set, {"code", "name", "value_type"},
          {OptionalText(set.code), set.name, core::ValueTypeName(set.value_type)}, option_set_ids_,
          [&](int32_t id) -> Status {
            KENEYA_RETURN_IF_ERROR(
                sql_.Exec("DELETE FROM option_item WHERE option_set_id = ?", {id}));
            for (size_t i = 0; i < set.options.size(); ++i) {
              const core::Option& option = set.options[i];
              KENEYA_RETURN_IF_ERROR(
                  sql_.Exec("INSERT INTO option_item (option_set_id, uid, code, name, sort_order) "
                            "VALUES (?, ?, ?, ?, ?)",
                            {id, option.uid, option.code, option.name, static_cast<int32_t>(i)}));
            }
            return core::OkStatus();
          }));
    }
    for (const auto& o : in.categories.options) {
      KENEYA_RETURN_IF_ERROR(Upsert(
          "category_option", stored_index_.category_option(o.uid), o,
          {"code", "name", "start_date", "end_date"},
          {OptionalText(o.code), o.name, OptionalDate(o.start_date), OptionalDate(o.end_date)},
          option_ids_,
          [&](int32_t) -> Status { return ReplaceAttributeValues(o.uid, o.attribute_values); }));
    }
    for (const auto& c : in.categories.categories) {
      KENEYA_RETURN_IF_ERROR(
          Upsert("category", stored_index_.category(c.uid), c, {"code", "name", "dimension_type"},
                 {OptionalText(c.code), c.name, core::DataDimensionTypeName(c.dimension_type)},
                 category_ids_, [&](int32_t id) -> Status {
                   return ReplaceMembers("category_option_member", "category_id", "option_id", id,
                                         c.option_uids, option_ids_, true);
                 }));
    }
    for (const auto& c : in.categories.combos) {
      KENEYA_RETURN_IF_ERROR(
          Upsert("category_combo", stored_index_.category_combo(c.uid), c,
                 {"code", "name", "dimension_type"},
                 {OptionalText(c.code), c.name, core::DataDimensionTypeName(c.dimension_type)},
                 combo_ids_, [&](int32_t id) -> Status {
                   return ReplaceMembers("category_combo_member", "combo_id", "category_id", id,
                                         c.category_uids, category_ids_, true);
                 }));
    }
    for (const auto& c : in.categories.option_combos) {
      KENEYA_RETURN_IF_ERROR(
          Upsert("category_option_combo", stored_index_.category_option_combo(c.uid), c,
                 {"code", "name", "combo_id"},
                 {OptionalText(c.code), c.name, combo_ids_.at(c.category_combo_uid)},
                 option_combo_ids_, [&](int32_t id) -> Status {
                   KENEYA_RETURN_IF_ERROR(ReplaceAttributeValues(c.uid, c.attribute_values));
                   return ReplaceMembers("category_option_combo_member", "option_combo_id",
                                         "option_id", id, c.option_uids, option_ids_, true);
                 }));
    }
    for (const auto& g : in.org_unit_groups) {
      KENEYA_RETURN_IF_ERROR(Upsert("org_unit_group", stored_index_.org_unit_group(g.uid), g,
                                    {"code", "name"}, {OptionalText(g.code), g.name}, group_ids_,
                                    nullptr));
    }
    for (const auto& ou : in.org_units) {
      SqlValue parent =
          ou.parent_uid.empty() ? SqlValue() : SqlValue(org_unit_ids_.at(ou.parent_uid));
      SqlValue latitude = ou.coordinates ? SqlValue(ou.coordinates->latitude) : SqlValue();
      SqlValue longitude = ou.coordinates ? SqlValue(ou.coordinates->longitude) : SqlValue();
      KENEYA_RETURN_IF_ERROR(
          Upsert("org_unit", stored_index_.org_unit(ou.uid), ou,
                 {"code", "name", "short_name", "level", "parent_id", "path", "type", "latitude",
                  "longitude", "geometry", "opening_date", "closing_date"},
                 {OptionalText(ou.code), ou.name, ou.short_name, ou.level, parent, ou.path,
                  core::OrgUnitTypeCode(ou.type), latitude, longitude, OptionalText(ou.geometry),
                  OptionalDate(ou.opening_date), OptionalDate(ou.closing_date)},
                 org_unit_ids_, [&](int32_t id) -> Status {
                   KENEYA_RETURN_IF_ERROR(ReplaceAttributeValues(ou.uid, ou.attribute_values));
                   // Membership is kept from the org unit's side: replace this unit's memberships.
                   KENEYA_RETURN_IF_ERROR(
                       sql_.Exec("DELETE FROM org_unit_group_member WHERE org_unit_id = ?", {id}));
                   for (const std::string& group : ou.group_uids) {
                     KENEYA_RETURN_IF_ERROR(sql_.Exec(
                         "INSERT INTO org_unit_group_member (group_id, org_unit_id) VALUES (?, ?)",
                         {group_ids_.at(group), id}));
                   }
                   return core::OkStatus();
                 }));
    }
    for (const auto& s : in.org_unit_group_sets) {
      KENEYA_RETURN_IF_ERROR(Upsert(
          "org_unit_group_set", stored_index_group_set(s.uid), s, {"code", "name", "exclusive"},
          {OptionalText(s.code), s.name, s.exclusive}, group_set_ids_, [&](int32_t id) -> Status {
            return ReplaceMembers("org_unit_group_set_member", "group_set_id", "group_id", id,
                                  s.group_uids, group_ids_, true);
          }));
    }
    for (const auto& de : in.data_elements) {
      KENEYA_RETURN_IF_ERROR(Upsert(
          "data_element", stored_index_.data_element(de.uid), de,
          {"code", "name", "short_name", "description", "value_type", "combo_id",
           "zero_is_significant", "option_set_id"},
          {OptionalText(de.code), de.name, de.short_name, de.description,
           core::ValueTypeName(de.value_type), combo_ids_.at(de.category_combo_uid),
           de.zero_is_significant,
           de.option_set_uid.empty() ? SqlValue()
                                     : SqlValue(option_set_ids_.at(de.option_set_uid))},
          data_element_ids_,
          [&](int32_t) -> Status { return ReplaceAttributeValues(de.uid, de.attribute_values); }));
    }
    for (const auto& ds : in.data_sets) {
      KENEYA_RETURN_IF_ERROR(Upsert(
          "data_set", stored_index_.data_set(ds.uid), ds,
          {"code", "name", "period_type", "combo_id", "expiry_days", "open_future_periods"},
          {OptionalText(ds.code), ds.name, core::PeriodTypeName(ds.period_type),
           combo_ids_.at(ds.category_combo_uid), ds.expiry_days, ds.open_future_periods},
          data_set_ids_, [&](int32_t id) -> Status {
            KENEYA_RETURN_IF_ERROR(ReplaceAttributeValues(ds.uid, ds.attribute_values));
            KENEYA_RETURN_IF_ERROR(ReplaceMembers("data_set_element", "data_set_id",
                                                  "data_element_id", id, ds.data_element_uids,
                                                  data_element_ids_, true));
            return ReplaceMembers("data_set_org_unit", "data_set_id", "org_unit_id", id,
                                  ds.org_unit_uids, org_unit_ids_, false);
          }));
    }
    return core::OkStatus();
  }

 private:
  using Ids = std::unordered_map<std::string, int32_t>;

  template <typename T>
  static void Remember(const std::vector<T>& objects, Ids& ids) {
    for (const T& object : objects) ids[object.uid] = object.id;
  }

  const core::OrgUnitGroupSet* stored_index_group_set(const std::string& uid) {
    for (const auto& s : stored_.org_unit_group_sets) {
      if (s.uid == uid) {
        group_set_ids_[uid] = s.id;
        return &s;
      }
    }
    return nullptr;
  }

  // Inserts `object` when `stored` is null, updates it when it differs from `stored`, and then
  // (for new or changed objects) runs `members` with its id.
  template <typename T, typename MembersFn>
  Status Upsert(std::string_view table, const T* stored, const T& object,
                std::initializer_list<std::string_view> columns,
                std::initializer_list<SqlValue> values, Ids& ids, MembersFn members) {
    std::vector<SqlValue> params(values);
    int32_t id = 0;
    std::string_view action;
    if (stored == nullptr) {
      std::string sql = "INSERT INTO " + std::string(table) + " (uid";
      for (std::string_view c : columns) sql += ", " + std::string(c);
      sql +=
          ", created, last_updated) VALUES " + Placeholders(columns.size() + 3) + " RETURNING id";
      params.insert(params.begin(), SqlValue(object.uid));
      params.emplace_back(now_);
      params.emplace_back(now_);
      KENEYA_ASSIGN_OR_RETURN(std::vector<Row> rows, sql_.Query(sql, params));
      id = static_cast<int32_t>(rows.at(0).Int(0));
      action = "create";
    } else {
      T copy = object;
      copy.id = stored->id;
      id = stored->id;
      ids[object.uid] = id;
      if (copy == *stored) return core::OkStatus();
      std::string sql = "UPDATE " + std::string(table) + " SET ";
      for (std::string_view c : columns) sql += std::string(c) + " = ?, ";
      sql += "last_updated = ? WHERE id = ?";
      params.emplace_back(now_);
      params.emplace_back(id);
      KENEYA_RETURN_IF_ERROR(sql_.Exec(sql, params));
      action = "update";
    }
    ids[object.uid] = id;
    if constexpr (!std::is_same_v<MembersFn, std::nullptr_t>) {
      KENEYA_RETURN_IF_ERROR(members(id));
    }
    KENEYA_RETURN_IF_ERROR(sql_.Exec(
        "INSERT INTO metadata_audit (at, user_name, source, object_type, object_uid, action) "
        "VALUES (?, ?, ?, ?, ?, ?)",
        {now_, actor_.user, actor_.source, table, object.uid, action}));
    return core::OkStatus();
  }

  // Replaces the attribute values of the object with this uid.
  Status ReplaceAttributeValues(const std::string& object_uid,
                                const std::vector<core::AttributeValue>& values) {
    KENEYA_RETURN_IF_ERROR(
        sql_.Exec("DELETE FROM attribute_value WHERE object_uid = ?", {object_uid}));
    for (size_t i = 0; i < values.size(); ++i) {
      KENEYA_RETURN_IF_ERROR(
          sql_.Exec("INSERT INTO attribute_value (object_uid, attribute_id, value, sort_order) "
                    "VALUES (?, ?, ?, ?)",
                    {object_uid, attribute_ids_.at(values[i].attribute_uid), values[i].value,
                     static_cast<int32_t>(i)}));
    }
    return core::OkStatus();
  }

  // Replaces the member rows of `owner_id` in `table` by `uids`, resolved through `ids`.
  Status ReplaceMembers(std::string_view table, std::string_view owner_column,
                        std::string_view member_column, int32_t owner_id,
                        const std::vector<std::string>& uids, const Ids& ids, bool ordered) {
    KENEYA_RETURN_IF_ERROR(sql_.Exec(
        "DELETE FROM " + std::string(table) + " WHERE " + std::string(owner_column) + " = ?",
        {owner_id}));
    const std::string insert = "INSERT INTO " + std::string(table) + " (" +
                               std::string(owner_column) + ", " + std::string(member_column) +
                               (ordered ? ", sort_order) VALUES (?, ?, ?)" : ") VALUES (?, ?)");
    for (size_t i = 0; i < uids.size(); ++i) {
      const int32_t member = ids.at(uids[i]);
      if (ordered) {
        KENEYA_RETURN_IF_ERROR(sql_.Exec(insert, {owner_id, member, static_cast<int32_t>(i)}));
      } else {
        KENEYA_RETURN_IF_ERROR(sql_.Exec(insert, {owner_id, member}));
      }
    }
    return core::OkStatus();
  }

  SqlConnection& sql_;
  const MetadataBundle& stored_;
  core::MetadataIndex stored_index_{stored_};
  const Actor& actor_;
  const core::TimestampMs now_;
  Ids attribute_ids_, option_set_ids_, option_ids_, category_ids_, combo_ids_, option_combo_ids_,
      group_ids_, org_unit_ids_, group_set_ids_, data_element_ids_, data_set_ids_;
};

// Builds the WHERE clause of a ValueQuery.
std::string QueryWhere(const ValueQuery& query, std::vector<SqlValue>& params) {
  std::string where = " WHERE 1 = 1";
  auto add_list = [&](std::string_view column, const std::vector<int32_t>& ids) {
    if (ids.empty()) return;
    where += " AND " + std::string(column) + " IN " + Placeholders(ids.size());
    for (int32_t id : ids) params.emplace_back(id);
  };
  add_list("period_id", query.periods);
  add_list("org_unit_id", query.org_units);
  add_list("data_element_id", query.data_elements);
  add_list("state_id", query.states);
  if (query.org_unit_subtree) {
    where +=
        " AND org_unit_id IN (SELECT o.id FROM org_unit o, org_unit r WHERE r.id = ? AND "
        "substr(o.path, 1, length(r.path)) = r.path)";
    params.emplace_back(*query.org_unit_subtree);
  }
  if (!query.include_deleted) {
    where += " AND deleted = ?";
    params.emplace_back(false);
  }
  return where;
}

}  // namespace

// ---- Schema ----

Result<int> SqlStore::SchemaVersion() {
  const char* exists_sql =
      connection_->dialect() == Dialect::kSqlite
          ? "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'schema_migration'"
          : "SELECT CASE WHEN to_regclass('schema_migration') IS NULL THEN 0 ELSE 1 END";
  KENEYA_ASSIGN_OR_RETURN(std::vector<Row> exists, connection_->Query(exists_sql));
  if (exists.empty() || exists[0].Int(0) == 0) return 0;
  KENEYA_ASSIGN_OR_RETURN(std::vector<Row> rows,
                          connection_->Query("SELECT max(version) FROM schema_migration"));
  return rows.empty() ? 0 : static_cast<int>(rows[0].Int(0));
}

int SqlStore::LatestSchemaVersion() const {
  return Migrations(connection_->dialect()).back().version;
}

Result<int> SqlStore::Migrate() {
  const bool postgres = connection_->dialect() == Dialect::kPostgres;
  const int latest = LatestSchemaVersion();
  for (const Migration& migration : Migrations(connection_->dialect())) {
    KENEYA_RETURN_IF_ERROR(connection_->BeginWrite());
    TransactionGuard transaction(*connection_);
    // One migrating process at a time (SQLite: BEGIN IMMEDIATE already serialises writers).
    if (postgres) {
      KENEYA_RETURN_IF_ERROR(connection_->Query("SELECT pg_advisory_xact_lock(7261001)"));
    }
    KENEYA_RETURN_IF_ERROR(connection_->ExecScript(
        postgres ? "CREATE TABLE IF NOT EXISTS schema_migration (version integer PRIMARY KEY, "
                   "name text NOT NULL, applied_at bigint NOT NULL)"
                 : "CREATE TABLE IF NOT EXISTS schema_migration (version INTEGER PRIMARY KEY, "
                   "name TEXT NOT NULL, applied_at INTEGER NOT NULL)"));
    KENEYA_ASSIGN_OR_RETURN(int current, SchemaVersion());
    if (current > latest) {
      return core::FailedPrecondition(
          Message("store.schema_too_new", {{"current", current}, {"latest", latest}}),
          std::string(engine()));
    }
    if (current >= migration.version) continue;
    if (Status s = connection_->ExecScript(migration.sql); !s.ok()) {
      return s.error().In(Message("store.migration_place",
                                  {{"version", migration.version}, {"name", migration.name}}));
    }
    KENEYA_RETURN_IF_ERROR(connection_->Exec(
        "INSERT INTO schema_migration (version, name, applied_at) VALUES (?, ?, ?)",
        {migration.version, migration.name, core::NowMs()}));
    KENEYA_RETURN_IF_ERROR(transaction.Commit());
  }
  return SchemaVersion();
}

// ---- Metadata ----

Status SqlStore::SaveMetadata(const MetadataBundle& bundle, const Actor& actor) {
  std::vector<Message> repeats;
  FindRepeats("core.metadata.kind.attribute", bundle.attributes, repeats);
  FindRepeats("core.metadata.kind.option_set", bundle.option_sets, repeats);
  FindRepeats("core.metadata.kind.org_unit", bundle.org_units, repeats);
  FindRepeats("core.metadata.kind.org_unit_group", bundle.org_unit_groups, repeats);
  FindRepeats("core.metadata.kind.org_unit_group_set", bundle.org_unit_group_sets, repeats);
  FindRepeats("core.metadata.kind.category_option", bundle.categories.options, repeats);
  FindRepeats("core.metadata.kind.category", bundle.categories.categories, repeats);
  FindRepeats("core.metadata.kind.category_combo", bundle.categories.combos, repeats);
  FindRepeats("core.metadata.kind.category_option_combo", bundle.categories.option_combos, repeats);
  FindRepeats("core.metadata.kind.data_element", bundle.data_elements, repeats);
  FindRepeats("core.metadata.kind.data_set", bundle.data_sets, repeats);
  if (!repeats.empty()) {
    Message list("core.metadata.problems", {{"count", repeats.size()}});
    for (const Message& line : repeats) {
      list = Message("core.list_item", {{"list", list}, {"item", line}});
    }
    return core::InvalidArgument(std::move(list), Message("core.metadata.place"));
  }
  const MetadataBundle incoming = Normalized(bundle);

  KENEYA_RETURN_IF_ERROR(connection_->BeginWrite());
  TransactionGuard transaction(*connection_);
  KENEYA_ASSIGN_OR_RETURN(MetadataBundle stored, LoadMetadata());
  MetadataBundle merged = stored;
  merged.Merge(incoming);
  KENEYA_RETURN_IF_ERROR(merged.Validate());
  MetadataWriter writer(*connection_, stored, actor);
  KENEYA_RETURN_IF_ERROR(writer.Write(incoming));
  return transaction.Commit();
}

Result<MetadataBundle> SqlStore::LoadMetadata() {
  MetadataBundle b;
  SqlConnection& sql = *connection_;
  // Member lists: owner id -> member uids in order.
  auto members =
      [&](std::string_view query) -> Result<std::unordered_map<int64_t, std::vector<std::string>>> {
    KENEYA_ASSIGN_OR_RETURN(std::vector<Row> rows, sql.Query(query));
    std::unordered_map<int64_t, std::vector<std::string>> out;
    for (const Row& row : rows) out[row.Int(0)].push_back(row.Text(1));
    return out;
  };

  // Attribute values of every object, by object uid, in their order.
  std::unordered_map<std::string, std::vector<core::AttributeValue>> attribute_values;
  KENEYA_ASSIGN_OR_RETURN(auto attributes,
                          sql.Query("SELECT id, uid, code, name FROM attribute ORDER BY id"));
  for (const Row& r : attributes) {
    b.attributes.push_back({static_cast<int32_t>(r.Int(0)), r.Text(1), r.Text(2), r.Text(3)});
  }
  KENEYA_ASSIGN_OR_RETURN(auto values,
                          sql.Query("SELECT v.object_uid, a.uid, v.value FROM attribute_value v "
                                    "JOIN attribute a ON a.id = v.attribute_id "
                                    "ORDER BY v.object_uid, v.sort_order"));
  for (const Row& r : values) attribute_values[r.Text(0)].push_back({r.Text(1), r.Text(2)});
  auto attributes_of = [&](const std::string& uid) {
    auto it = attribute_values.find(uid);
    return it == attribute_values.end() ? std::vector<core::AttributeValue>() : it->second;
  };

  KENEYA_ASSIGN_OR_RETURN(auto option_items,
                          sql.Query("SELECT option_set_id, uid, code, name FROM option_item "
                                    "ORDER BY option_set_id, sort_order"));
  std::unordered_map<int64_t, std::vector<core::Option>> options_by_set;
  for (const Row& r : option_items) {
    options_by_set[r.Int(0)].push_back({r.Text(1), r.Text(2), r.Text(3)});
  }
  KENEYA_ASSIGN_OR_RETURN(
      auto option_sets,
      sql.Query("SELECT id, uid, code, name, value_type FROM option_set ORDER BY id"));
  for (const Row& r : option_sets) {
    core::OptionSet set;
    set.id = static_cast<int32_t>(r.Int(0));
    set.uid = r.Text(1);
    set.code = r.Text(2);
    set.name = r.Text(3);
    auto value_type = core::ParseValueType(r.Text(4));
    if (!value_type.ok()) {
      return core::StoredDataError(value_type.error().text, "option_set", std::to_string(set.id),
                                   "value_type");
    }
    set.value_type = *value_type;
    set.options = options_by_set[set.id];
    b.option_sets.push_back(std::move(set));
  }

  KENEYA_ASSIGN_OR_RETURN(auto options,
                          sql.Query("SELECT id, uid, code, name, start_date, end_date "
                                    "FROM category_option ORDER BY id"));
  for (const Row& r : options) {
    KENEYA_ASSIGN_OR_RETURN(auto start, DateFromRow(r, 4, "category_option", "start_date"));
    KENEYA_ASSIGN_OR_RETURN(auto end, DateFromRow(r, 5, "category_option", "end_date"));
    b.categories.options.push_back({static_cast<int32_t>(r.Int(0)), r.Text(1), r.Text(2), r.Text(3),
                                    start, end, attributes_of(r.Text(1))});
  }

  KENEYA_ASSIGN_OR_RETURN(auto category_options,
                          members("SELECT m.category_id, o.uid FROM category_option_member m "
                                  "JOIN category_option o ON o.id = m.option_id "
                                  "ORDER BY m.category_id, m.sort_order"));
  KENEYA_ASSIGN_OR_RETURN(auto categories, sql.Query("SELECT id, uid, code, name, dimension_type "
                                                     "FROM category ORDER BY id"));
  for (const Row& r : categories) {
    core::Category c{static_cast<int32_t>(r.Int(0)), r.Text(1), r.Text(2), r.Text(3)};
    c.dimension_type = DimensionType(r.Text(4));
    c.option_uids = category_options[c.id];
    b.categories.categories.push_back(std::move(c));
  }

  KENEYA_ASSIGN_OR_RETURN(auto combo_categories,
                          members("SELECT m.combo_id, c.uid FROM category_combo_member m "
                                  "JOIN category c ON c.id = m.category_id "
                                  "ORDER BY m.combo_id, m.sort_order"));
  KENEYA_ASSIGN_OR_RETURN(auto combos, sql.Query("SELECT id, uid, code, name, dimension_type "
                                                 "FROM category_combo ORDER BY id"));
  for (const Row& r : combos) {
    core::CategoryCombo c{static_cast<int32_t>(r.Int(0)), r.Text(1), r.Text(2), r.Text(3)};
    c.dimension_type = DimensionType(r.Text(4));
    c.category_uids = combo_categories[c.id];
    b.categories.combos.push_back(std::move(c));
  }

  KENEYA_ASSIGN_OR_RETURN(auto coc_options, members("SELECT m.option_combo_id, o.uid "
                                                    "FROM category_option_combo_member m "
                                                    "JOIN category_option o ON o.id = m.option_id "
                                                    "ORDER BY m.option_combo_id, m.sort_order"));
  KENEYA_ASSIGN_OR_RETURN(auto cocs, sql.Query("SELECT x.id, x.uid, x.code, x.name, c.uid "
                                               "FROM category_option_combo x "
                                               "JOIN category_combo c ON c.id = x.combo_id "
                                               "ORDER BY x.id"));
  for (const Row& r : cocs) {
    core::CategoryOptionCombo c{static_cast<int32_t>(r.Int(0)), r.Text(1), r.Text(2), r.Text(3),
                                r.Text(4)};
    c.option_uids = coc_options[c.id];
    c.attribute_values = attributes_of(c.uid);
    b.categories.option_combos.push_back(std::move(c));
  }

  KENEYA_ASSIGN_OR_RETURN(auto groups,
                          sql.Query("SELECT id, uid, code, name FROM org_unit_group ORDER BY id"));
  for (const Row& r : groups) {
    b.org_unit_groups.push_back({static_cast<int32_t>(r.Int(0)), r.Text(1), r.Text(2), r.Text(3)});
  }

  KENEYA_ASSIGN_OR_RETURN(auto group_members,
                          members("SELECT m.org_unit_id, g.uid FROM org_unit_group_member m "
                                  "JOIN org_unit_group g ON g.id = m.group_id "
                                  "ORDER BY m.org_unit_id, g.uid"));
  KENEYA_ASSIGN_OR_RETURN(
      auto org_units,
      sql.Query("SELECT o.id, o.uid, o.code, o.name, o.short_name, o.level, p.uid, o.path, "
                "o.type, o.latitude, o.longitude, o.opening_date, o.closing_date, o.geometry "
                "FROM org_unit o LEFT JOIN org_unit p ON p.id = o.parent_id "
                "ORDER BY o.level, o.id"));
  b.org_units.reserve(org_units.size());
  for (const Row& r : org_units) {
    core::OrgUnit ou;
    ou.id = static_cast<int32_t>(r.Int(0));
    ou.uid = r.Text(1);
    ou.code = r.Text(2);
    ou.name = r.Text(3);
    ou.short_name = r.Text(4);
    ou.level = static_cast<int>(r.Int(5));
    ou.parent_uid = r.Text(6);
    ou.path = r.Text(7);
    auto type = core::ParseOrgUnitType(r.Text(8));
    if (!type.ok()) {
      return core::StoredDataError(type.error().text, "org_unit", std::to_string(ou.id), "type");
    }
    ou.type = *type;
    if (!r.IsNull(9) && !r.IsNull(10)) {
      ou.coordinates = core::Coordinates{r.Double(9), r.Double(10)};
    }
    KENEYA_ASSIGN_OR_RETURN(ou.opening_date, DateFromRow(r, 11, "org_unit", "opening_date"));
    KENEYA_ASSIGN_OR_RETURN(ou.closing_date, DateFromRow(r, 12, "org_unit", "closing_date"));
    ou.geometry = r.Text(13);
    ou.attribute_values = attributes_of(ou.uid);
    if (auto it = group_members.find(ou.id); it != group_members.end()) {
      ou.group_uids = std::move(it->second);
    }
    b.org_units.push_back(std::move(ou));
  }

  KENEYA_ASSIGN_OR_RETURN(auto set_members,
                          members("SELECT m.group_set_id, g.uid FROM org_unit_group_set_member m "
                                  "JOIN org_unit_group g ON g.id = m.group_id "
                                  "ORDER BY m.group_set_id, m.sort_order"));
  KENEYA_ASSIGN_OR_RETURN(auto sets, sql.Query("SELECT id, uid, code, name, exclusive "
                                               "FROM org_unit_group_set ORDER BY id"));
  for (const Row& r : sets) {
    core::OrgUnitGroupSet s{static_cast<int32_t>(r.Int(0)), r.Text(1), r.Text(2), r.Text(3),
                            r.Bool(4)};
    s.group_uids = set_members[s.id];
    b.org_unit_group_sets.push_back(std::move(s));
  }

  KENEYA_ASSIGN_OR_RETURN(
      auto elements,
      sql.Query("SELECT d.id, d.uid, d.code, d.name, d.short_name, d.description, d.value_type, "
                "c.uid, d.zero_is_significant, s.uid FROM data_element d "
                "JOIN category_combo c ON c.id = d.combo_id "
                "LEFT JOIN option_set s ON s.id = d.option_set_id ORDER BY d.id"));
  for (const Row& r : elements) {
    core::DataElement de;
    de.id = static_cast<int32_t>(r.Int(0));
    de.uid = r.Text(1);
    de.code = r.Text(2);
    de.name = r.Text(3);
    de.short_name = r.Text(4);
    de.description = r.Text(5);
    auto value_type = core::ParseValueType(r.Text(6));
    if (!value_type.ok()) {
      return core::StoredDataError(value_type.error().text, "data_element", std::to_string(de.id),
                                   "value_type");
    }
    de.value_type = *value_type;
    de.category_combo_uid = r.Text(7);
    de.zero_is_significant = r.Bool(8);
    de.option_set_uid = r.Text(9);
    de.attribute_values = attributes_of(de.uid);
    b.data_elements.push_back(std::move(de));
  }

  KENEYA_ASSIGN_OR_RETURN(auto set_elements,
                          members("SELECT m.data_set_id, d.uid FROM data_set_element m "
                                  "JOIN data_element d ON d.id = m.data_element_id "
                                  "ORDER BY m.data_set_id, m.sort_order"));
  KENEYA_ASSIGN_OR_RETURN(auto set_org_units,
                          members("SELECT m.data_set_id, o.uid FROM data_set_org_unit m "
                                  "JOIN org_unit o ON o.id = m.org_unit_id "
                                  "ORDER BY m.data_set_id, o.uid"));
  KENEYA_ASSIGN_OR_RETURN(auto data_sets,
                          sql.Query("SELECT d.id, d.uid, d.code, d.name, d.period_type, c.uid, "
                                    "d.expiry_days, d.open_future_periods "
                                    "FROM data_set d JOIN category_combo c ON c.id = d.combo_id "
                                    "ORDER BY d.id"));
  for (const Row& r : data_sets) {
    core::DataSet ds;
    ds.id = static_cast<int32_t>(r.Int(0));
    ds.uid = r.Text(1);
    ds.code = r.Text(2);
    ds.name = r.Text(3);
    auto period_type = core::ParsePeriodType(r.Text(4));
    if (!period_type.ok()) {
      return core::StoredDataError(period_type.error().text, "data_set", std::to_string(ds.id),
                                   "period_type");
    }
    ds.period_type = *period_type;
    ds.category_combo_uid = r.Text(5);
    ds.data_element_uids = set_elements[ds.id];
    ds.org_unit_uids = set_org_units[ds.id];
    ds.expiry_days = static_cast<int>(r.Int(6));
    ds.open_future_periods = static_cast<int>(r.Int(7));
    ds.attribute_values = attributes_of(ds.uid);
    b.data_sets.push_back(std::move(ds));
  }
  return b;
}

Result<int64_t> SqlStore::MetadataRevision() {
  KENEYA_ASSIGN_OR_RETURN(std::vector<Row> rows,
                          connection_->Query("SELECT coalesce(max(id), 0) FROM metadata_audit"));
  return rows.at(0).Int(0);
}

Result<std::vector<int64_t>> SqlStore::DataRevision() {
  KENEYA_ASSIGN_OR_RETURN(
      std::vector<Row> rows,
      connection_->Query("SELECT (SELECT coalesce(max(id), 0) FROM data_value_audit), "
                         "(SELECT coalesce(max(id), 0) FROM data_import), "
                         "(SELECT coalesce(max(id), 0) FROM contract_audit), "
                         "(SELECT coalesce(max(id), 0) FROM metadata_audit), "
                         "(SELECT coalesce(max(id), 0) FROM state), "
                         "(SELECT coalesce(max(id), 0) FROM invoice_run), "
                         "(SELECT coalesce(max(id), 0) FROM run_event)"));
  std::vector<int64_t> out;
  for (int i = 0; i < 7; ++i) out.push_back(rows.at(0).Int(i));
  return out;
}

Result<std::vector<MetadataChange>> SqlStore::MetadataAudit(std::string_view object_uid) {
  KENEYA_ASSIGN_OR_RETURN(
      std::vector<Row> rows,
      connection_->Query("SELECT id, at, user_name, source, object_type, object_uid, action "
                         "FROM metadata_audit WHERE object_uid = ? ORDER BY id",
                         {object_uid}));
  std::vector<MetadataChange> out;
  for (const Row& r : rows) {
    out.push_back({r.Int(0), r.Int(1), r.Text(2), r.Text(3), r.Text(4), r.Text(5), r.Text(6)});
  }
  return out;
}

Result<std::vector<core::State>> SqlStore::States() {
  KENEYA_ASSIGN_OR_RETURN(
      std::vector<Row> rows,
      connection_->Query("SELECT id, code, name_fr, name_en FROM state ORDER BY id"));
  std::vector<core::State> out;
  for (const Row& r : rows) {
    out.push_back({static_cast<int32_t>(r.Int(0)), r.Text(1), r.Text(2), r.Text(3)});
  }
  return out;
}

Result<core::State> SqlStore::AddState(const core::State& state, const Actor& actor) {
  const bool valid_code = !state.code.empty() && state.code.size() <= 50 &&
                          std::all_of(state.code.begin(), state.code.end(), [](char c) {
                            return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
                          });
  if (!valid_code) {
    return core::InvalidArgument(Message("store.bad_state_code", {{"code", state.code}}),
                                 Message("store.state_code_place"));
  }
  if (state.name_fr.empty() || state.name_en.empty()) {
    return core::InvalidArgument(Message("store.state_needs_names"),
                                 Message("store.state_name_place"));
  }
  KENEYA_RETURN_IF_ERROR(connection_->BeginWrite());
  TransactionGuard transaction(*connection_);
  KENEYA_ASSIGN_OR_RETURN(std::vector<Row> existing,
                          connection_->Query("SELECT id FROM state WHERE code = ?", {state.code}));
  if (!existing.empty()) {
    return core::MakeError(core::ErrorCode::kAlreadyExists,
                           Message("store.state_exists", {{"code", state.code}}),
                           {Message("store.state_code_place")});
  }
  KENEYA_ASSIGN_OR_RETURN(
      std::vector<Row> rows,
      connection_->Query("INSERT INTO state (code, name_fr, name_en) VALUES (?, ?, ?) RETURNING id",
                         {state.code, state.name_fr, state.name_en}));
  KENEYA_RETURN_IF_ERROR(connection_->Exec(
      "INSERT INTO metadata_audit (at, user_name, source, object_type, object_uid, action) "
      "VALUES (?, ?, ?, 'state', ?, 'create')",
      {core::NowMs(), actor.user, actor.source, state.code}));
  KENEYA_RETURN_IF_ERROR(transaction.Commit());
  core::State out = state;
  out.id = static_cast<int32_t>(rows.at(0).Int(0));
  return out;
}

// ---- Data values ----

Status SqlStore::EnsurePeriods(const std::vector<int32_t>& codes) {
  for (int32_t code : codes) {
    if (known_periods_.contains(code)) continue;
    KENEYA_ASSIGN_OR_RETURN(core::Period period, core::Period::FromCode(code));
    // Each insert commits on its own: period rows are immutable reference data, and taking
    // their locks outside the writer's transaction keeps lock order simple (no deadlock with a
    // bulk load that holds the data value table).
    KENEYA_RETURN_IF_ERROR(connection_->Exec(
        "INSERT INTO period (id, iso, period_type, start_date, end_date) VALUES (?, ?, ?, ?, ?) "
        "ON CONFLICT DO NOTHING",
        {code, period.ToString(), core::PeriodTypeName(period.type()), period.start().ToString(),
         period.end().ToString()}));
    known_periods_.insert(code);
  }
  return core::OkStatus();
}

Result<int64_t> SqlStore::InsertImport(const ImportInfo& info, core::TimestampMs started,
                                       bool dry_run) {
  if (dry_run) {
    // An id of its own choosing: PostgreSQL's identity sequence would advance, even rolled back,
    // and the next real import would show a gap in the numbers.
    KENEYA_ASSIGN_OR_RETURN(
        std::vector<Row> rows,
        connection_->Query(
            "INSERT INTO data_import (id, user_name, source, kind, reason, started) "
            "SELECT coalesce(max(id), 0) + 1, ?, ?, ?, ?, ? FROM data_import RETURNING id",
            {info.user, info.source, info.kind, info.reason, started}));
    return rows.at(0).Int(0);
  }
  KENEYA_ASSIGN_OR_RETURN(
      std::vector<Row> rows,
      connection_->Query("INSERT INTO data_import (user_name, source, kind, reason, started) "
                         "VALUES (?, ?, ?, ?, ?) RETURNING id",
                         {info.user, info.source, info.kind, info.reason, started}));
  return rows.at(0).Int(0);
}

Status SqlStore::FinishImport(int64_t id, const BulkLoadSummary& summary,
                              core::TimestampMs finished) {
  KENEYA_RETURN_IF_ERROR(connection_->Exec(
      "UPDATE data_import SET finished = ?, created = ?, updated = ?, unchanged = ?, "
      "deleted = ?, repeated = ?, skipped = ? WHERE id = ?",
      {finished, summary.created, summary.updated, summary.unchanged, summary.deleted,
       static_cast<int64_t>(summary.repeated.size()), static_cast<int64_t>(summary.skipped.size()),
       id}));
  return core::OkStatus();
}

Status SqlStore::CheckReferences(const LoadValues& values) {
  // Ids are small dense integers: a bitmap per table answers each lookup in one load.
  struct Table {
    const char* name;
    const char* what;  // the id of the message that names its rows
    std::vector<bool> exists;
  };
  Table tables[] = {{"org_unit", "core.metadata.kind.org_unit", {}},
                    {"data_element", "core.metadata.kind.data_element", {}},
                    {"category_option_combo", "core.metadata.kind.category_option_combo", {}},
                    {"state", "store.kind.state", {}}};
  for (Table& table : tables) {
    KENEYA_ASSIGN_OR_RETURN(std::vector<Row> rows,
                            connection_->Query("SELECT id FROM " + std::string(table.name)));
    for (const Row& row : rows) {
      const int64_t id = row.Int(0);
      if (id < 0 || id > 100'000'000) continue;  // never seen; such ids fail below
      if (static_cast<size_t>(id) >= table.exists.size()) table.exists.resize(id + 1, false);
      table.exists[static_cast<size_t>(id)] = true;
    }
  }
  auto known = [](const Table& table, int32_t id) {
    return id >= 0 && static_cast<size_t>(id) < table.exists.size() &&
           table.exists[static_cast<size_t>(id)];
  };
  for (size_t i = 0; i < values.size(); ++i) {
    const DataValueKey& k = values.key(i);
    const std::pair<const Table*, int32_t> refs[] = {{&tables[0], k.org_unit},
                                                     {&tables[1], k.data_element},
                                                     {&tables[2], k.category_option_combo},
                                                     {&tables[2], k.attribute_option_combo},
                                                     {&tables[3], k.state}};
    for (const auto& [table, id] : refs) {
      if (!known(*table, id)) {
        const bool attribute =
            table == &tables[2] && id == k.attribute_option_combo && id != k.category_option_combo;
        const char* what = attribute ? "store.kind.attribute_option_combo" : table->what;
        return core::NotFound(NoRowWithId(what, id),
                              Message("store.value_place", {{"position", i}}));
      }
    }
  }
  return core::OkStatus();
}

Status SqlStore::CheckKeyReferences(const DataValueKey& key) {
  struct Check {
    const char* table;
    int32_t id;
    const char* what;  // the id of the message that names its rows
  };
  const Check checks[] = {
      {"org_unit", key.org_unit, "core.metadata.kind.org_unit"},
      {"data_element", key.data_element, "core.metadata.kind.data_element"},
      {"category_option_combo", key.category_option_combo,
       "core.metadata.kind.category_option_combo"},
      {"category_option_combo", key.attribute_option_combo, "store.kind.attribute_option_combo"},
      {"state", key.state, "store.kind.state"},
      {"period", key.period, "core.period.word"},
  };
  for (const Check& check : checks) {
    KENEYA_ASSIGN_OR_RETURN(
        std::vector<Row> rows,
        connection_->Query("SELECT count(*) FROM " + std::string(check.table) + " WHERE id = ?",
                           {check.id}));
    if (rows.at(0).Int(0) == 0) {
      return core::NotFound(NoRowWithId(check.what, check.id), Message("store.data_value_place"));
    }
  }
  return core::OkStatus();
}

Result<std::optional<DataValue>> SqlStore::GetValue(const DataValueKey& key) {
  const std::vector<SqlValue> params = KeyParams(key);
  KENEYA_ASSIGN_OR_RETURN(std::vector<Row> rows,
                          connection_->Query("SELECT " + std::string(kValueColumns) +
                                                 " FROM data_value WHERE " + std::string(kKeyMatch),
                                             params));
  if (rows.empty()) return std::optional<DataValue>();
  return std::optional<DataValue>(ValueFromRow(rows[0]));
}

namespace {

// Inserts one audit row for `key` inside the caller's transaction.
Status InsertAudit(SqlConnection& sql, const DataValueKey& key, AuditAction action,
                   core::TimestampMs at, const Actor& actor, const DataValue* old_value,
                   const DataValue* new_value) {
  std::vector<SqlValue> params = KeyParams(key);
  params.emplace_back(AuditActionName(action));
  params.emplace_back(at);
  params.emplace_back(actor.user);
  params.emplace_back(actor.source);
  params.emplace_back(actor.reason);
  params.push_back(old_value ? SqlValue(old_value->value) : SqlValue());
  params.push_back(new_value ? SqlValue(new_value->value) : SqlValue());
  params.emplace_back(old_value ? old_value->comment : std::string());
  params.emplace_back(new_value ? new_value->comment : std::string());
  params.emplace_back(old_value ? old_value->followup : false);
  params.emplace_back(new_value ? new_value->followup : false);
  auto result = sql.Exec(
      "INSERT INTO data_value_audit (period_id, org_unit_id, data_element_id, "
      "category_option_combo_id, attribute_option_combo_id, state_id, action, at, user_name, "
      "source, reason, old_value, new_value, old_comment, new_comment, old_followup, "
      "new_followup) VALUES " +
          Placeholders(17),
      params);
  return result.ok() ? core::OkStatus() : Status(result.error());
}

}  // namespace

Result<WriteOutcome> SqlStore::PutValue(const DataValue& value, const Actor& actor) {
  if (value.deleted) {
    return core::InvalidArgument(Message("store.put_deleted"), "deleted");
  }
  const bool postgres = connection_->dialect() == Dialect::kPostgres;
  const core::TimestampMs now = core::NowMs();
  if (Status s = EnsurePeriods({value.key.period}); !s.ok()) {
    return s.error().In(Message("core.period.word"));
  }
  KENEYA_RETURN_IF_ERROR(connection_->BeginWrite());
  TransactionGuard transaction(*connection_);

  KENEYA_RETURN_IF_ERROR(CheckKeyReferences(value.key));
  std::vector<SqlValue> insert = KeyParams(value.key);
  insert.insert(insert.end(), {value.value, value.comment, value.stored_by, value.followup, false,
                               now, now, SqlValue()});
  KENEYA_ASSIGN_OR_RETURN(
      int64_t inserted,
      connection_->Exec("INSERT INTO data_value (" + std::string(kValueColumns) + ") VALUES " +
                            Placeholders(14) + " ON CONFLICT DO NOTHING",
                        insert));
  WriteOutcome outcome = WriteOutcome::kCreated;
  if (inserted == 1) {
    KENEYA_RETURN_IF_ERROR(
        InsertAudit(*connection_, value.key, AuditAction::kCreate, now, actor, nullptr, &value));
  } else {
    const std::vector<SqlValue> key = KeyParams(value.key);
    KENEYA_ASSIGN_OR_RETURN(
        std::vector<Row> rows,
        connection_->Query("SELECT " + std::string(kValueColumns) + " FROM data_value WHERE " +
                               std::string(kKeyMatch) + (postgres ? " FOR UPDATE" : ""),
                           key));
    if (rows.empty()) {
      return core::Internal(Message("store.value_vanished"), Message("store.data_value_place"));
    }
    const DataValue old = ValueFromRow(rows[0]);
    if (!old.deleted && old.SameContent(value)) return WriteOutcome::kUnchanged;
    const AuditAction action = old.deleted ? AuditAction::kCreate : AuditAction::kUpdate;
    outcome = old.deleted ? WriteOutcome::kCreated : WriteOutcome::kUpdated;
    // A change moves the version (last_updated) forward, even within one millisecond.
    const core::TimestampMs changed = std::max(now, old.last_updated + 1);
    std::vector<SqlValue> update = {value.value,    value.comment, value.stored_by,
                                    value.followup, false,         changed};
    update.insert(update.end(), key.begin(), key.end());
    KENEYA_RETURN_IF_ERROR(connection_->Exec(
        "UPDATE data_value SET value = ?, comment = ?, stored_by = ?, followup = ?, deleted = ?, "
        "last_updated = ? WHERE " +
            std::string(kKeyMatch),
        update));
    KENEYA_RETURN_IF_ERROR(
        InsertAudit(*connection_, value.key, action, changed, actor, &old, &value));
  }
  KENEYA_RETURN_IF_ERROR(transaction.Commit());
  return outcome;
}

Result<bool> SqlStore::DeleteValue(const DataValueKey& key, const Actor& actor) {
  const bool postgres = connection_->dialect() == Dialect::kPostgres;
  const core::TimestampMs now = core::NowMs();
  KENEYA_RETURN_IF_ERROR(connection_->BeginWrite());
  TransactionGuard transaction(*connection_);
  const std::vector<SqlValue> params = KeyParams(key);
  KENEYA_ASSIGN_OR_RETURN(
      std::vector<Row> rows,
      connection_->Query("SELECT " + std::string(kValueColumns) + " FROM data_value WHERE " +
                             std::string(kKeyMatch) + (postgres ? " FOR UPDATE" : ""),
                         params));
  if (rows.empty()) return false;
  const DataValue old = ValueFromRow(rows[0]);
  if (old.deleted) return false;
  const core::TimestampMs changed = std::max(now, old.last_updated + 1);
  std::vector<SqlValue> update = {true, changed};
  update.insert(update.end(), params.begin(), params.end());
  KENEYA_RETURN_IF_ERROR(connection_->Exec(
      "UPDATE data_value SET deleted = ?, last_updated = ? WHERE " + std::string(kKeyMatch),
      update));
  KENEYA_RETURN_IF_ERROR(
      InsertAudit(*connection_, key, AuditAction::kDelete, changed, actor, &old, nullptr));
  KENEYA_RETURN_IF_ERROR(transaction.Commit());
  return true;
}

Result<WriteOutcome> SqlStore::WriteValueIf(const DataValue& value, core::TimestampMs expected,
                                            const Actor& actor) {
  const bool postgres = connection_->dialect() == Dialect::kPostgres;
  if (!value.deleted) {
    if (Status s = EnsurePeriods({value.key.period}); !s.ok()) {
      return s.error().In(Message("core.period.word"));
    }
  }
  KENEYA_RETURN_IF_ERROR(connection_->BeginWrite());
  TransactionGuard transaction(*connection_);
  KENEYA_RETURN_IF_ERROR(CheckKeyReferences(value.key));
  const std::vector<SqlValue> key = KeyParams(value.key);
  KENEYA_ASSIGN_OR_RETURN(
      std::vector<Row> rows,
      connection_->Query("SELECT " + std::string(kValueColumns) + " FROM data_value WHERE " +
                             std::string(kKeyMatch) + (postgres ? " FOR UPDATE" : ""),
                         key));
  std::optional<DataValue> old;
  if (!rows.empty()) old = ValueFromRow(rows[0]);
  const core::TimestampMs seen = old ? old->last_updated : 0;
  auto changed = [&] {
    return core::Conflict(Message("store.value_changed"), Message("store.data_value_place"));
  };
  if (seen != expected) return changed();
  const core::TimestampMs now = std::max(core::NowMs(), seen + 1);

  if (value.deleted) {
    if (!old || old->deleted) return WriteOutcome::kUnchanged;
    std::vector<SqlValue> update = {true, now};
    update.insert(update.end(), key.begin(), key.end());
    KENEYA_RETURN_IF_ERROR(connection_->Exec(
        "UPDATE data_value SET deleted = ?, last_updated = ? WHERE " + std::string(kKeyMatch),
        update));
    KENEYA_RETURN_IF_ERROR(
        InsertAudit(*connection_, value.key, AuditAction::kDelete, now, actor, &*old, nullptr));
    KENEYA_RETURN_IF_ERROR(transaction.Commit());
    return WriteOutcome::kUpdated;
  }
  if (!old) {
    std::vector<SqlValue> insert = key;
    insert.insert(insert.end(), {value.value, value.comment, value.stored_by, value.followup, false,
                                 now, now, SqlValue()});
    KENEYA_ASSIGN_OR_RETURN(
        int64_t inserted,
        connection_->Exec("INSERT INTO data_value (" + std::string(kValueColumns) + ") VALUES " +
                              Placeholders(14) + " ON CONFLICT DO NOTHING",
                          insert));
    if (inserted != 1) return changed();  // another writer created it meanwhile
    KENEYA_RETURN_IF_ERROR(
        InsertAudit(*connection_, value.key, AuditAction::kCreate, now, actor, nullptr, &value));
    KENEYA_RETURN_IF_ERROR(transaction.Commit());
    return WriteOutcome::kCreated;
  }
  if (!old->deleted && old->SameContent(value)) return WriteOutcome::kUnchanged;
  const AuditAction action = old->deleted ? AuditAction::kCreate : AuditAction::kUpdate;
  std::vector<SqlValue> update = {value.value,    value.comment, value.stored_by,
                                  value.followup, false,         now};
  update.insert(update.end(), key.begin(), key.end());
  KENEYA_RETURN_IF_ERROR(connection_->Exec(
      "UPDATE data_value SET value = ?, comment = ?, stored_by = ?, followup = ?, deleted = ?, "
      "last_updated = ? WHERE " +
          std::string(kKeyMatch),
      update));
  KENEYA_RETURN_IF_ERROR(InsertAudit(*connection_, value.key, action, now, actor, &*old, &value));
  KENEYA_RETURN_IF_ERROR(transaction.Commit());
  return old->deleted ? WriteOutcome::kCreated : WriteOutcome::kUpdated;
}

Result<std::vector<DataValue>> SqlStore::Query(const ValueQuery& query) {
  std::vector<SqlValue> params;
  const std::string where = QueryWhere(query, params);
  // Streamed: each value is read from the statement's own columns, never through a row of text.
  std::vector<DataValue> out;
  KENEYA_RETURN_IF_ERROR(
      connection_->QueryEach("SELECT " + std::string(kValueColumns) + " FROM data_value" + where +
                                 " ORDER BY period_id, org_unit_id, data_element_id, "
                                 "category_option_combo_id, attribute_option_combo_id, state_id",
                             params, [&out](const RowView& row) {
                               out.push_back(ValueFromRow(row));
                               return core::OkStatus();
                             }));
  return out;
}

Status SqlStore::ScanValues(
    const ValueQuery& query,
    const std::function<void(const core::DataValueKey& key, std::string_view value)>& each) {
  ValueQuery live = query;
  live.include_deleted = false;
  std::vector<SqlValue> params;
  const std::string where = QueryWhere(live, params);
  DataValueKey key;
  return connection_->QueryEach(
      "SELECT period_id, org_unit_id, data_element_id, category_option_combo_id, "
      "attribute_option_combo_id, state_id, value FROM data_value" +
          where,
      params, [&](const RowView& row) {
        key.period = static_cast<int32_t>(row.Int(0));
        key.org_unit = static_cast<int32_t>(row.Int(1));
        key.data_element = static_cast<int32_t>(row.Int(2));
        key.category_option_combo = static_cast<int32_t>(row.Int(3));
        key.attribute_option_combo = static_cast<int32_t>(row.Int(4));
        key.state = static_cast<int32_t>(row.Int(5));
        each(key, row.Text(6));
        return core::OkStatus();
      });
}

Result<int64_t> SqlStore::Count(const ValueQuery& query) {
  std::vector<SqlValue> params;
  const std::string where = QueryWhere(query, params);
  KENEYA_ASSIGN_OR_RETURN(std::vector<Row> rows,
                          connection_->Query("SELECT count(*) FROM data_value" + where, params));
  return rows.at(0).Int(0);
}

Result<std::optional<int32_t>> SqlStore::LatestPeriod(const ValueQuery& query) {
  std::vector<SqlValue> params;
  const std::string where = QueryWhere(query, params);
  // The key starts with the period: the database walks the periods from the latest and stops at
  // the first value.
  KENEYA_ASSIGN_OR_RETURN(
      std::vector<Row> rows,
      connection_->Query(
          "SELECT period_id FROM data_value" + where + " ORDER BY period_id DESC LIMIT 1", params));
  if (rows.empty()) return std::optional<int32_t>();
  return std::optional<int32_t>(static_cast<int32_t>(rows[0].Int(0)));
}

Result<std::vector<ValueCount>> SqlStore::CountByPeriodAndState(const ValueQuery& query) {
  std::vector<SqlValue> params;
  const std::string where = QueryWhere(query, params);
  // Counted as the keys stream in their order (period first): no sort in the database.
  std::vector<ValueCount> out;
  KENEYA_RETURN_IF_ERROR(connection_->QueryEach(
      "SELECT period_id, state_id FROM data_value" + where, params, [&out](const RowView& row) {
        const auto period = static_cast<int32_t>(row.Int(0));
        const auto state = static_cast<int32_t>(row.Int(1));
        auto it = std::find_if(out.rbegin(), out.rend(), [&](const ValueCount& c) {
          return c.period == period && c.state == state;
        });
        if (it != out.rend()) {
          ++it->count;
        } else {
          out.push_back({period, state, 1});
        }
        return core::OkStatus();
      }));
  std::sort(out.begin(), out.end(), [](const ValueCount& a, const ValueCount& b) {
    return std::tie(a.period, a.state) < std::tie(b.period, b.state);
  });
  return out;
}

Result<std::vector<ValueGap>> SqlStore::Gaps(const ValueQuery& query, int32_t first,
                                             int32_t second) {
  ValueQuery within = query;
  within.states = {first};
  std::vector<SqlValue> params;
  const std::string where = QueryWhere(within, params);
  params.emplace_back(second);
  std::string live;
  if (!query.include_deleted) {
    live = " AND b.deleted = ?";
    params.emplace_back(false);
  }
  std::vector<ValueGap> out;
  KENEYA_RETURN_IF_ERROR(connection_->QueryEach(
      "SELECT a.period_id, a.org_unit_id, a.data_element_id, a.category_option_combo_id, "
      "a.attribute_option_combo_id, a.value, b.value FROM (SELECT * FROM data_value" +
          where +
          ") a JOIN data_value b ON b.period_id = a.period_id AND b.org_unit_id = a.org_unit_id "
          "AND b.data_element_id = a.data_element_id AND b.category_option_combo_id = "
          "a.category_option_combo_id AND b.attribute_option_combo_id = "
          "a.attribute_option_combo_id AND b.state_id = ?" +
          live +
          " WHERE a.value <> b.value ORDER BY a.period_id, a.org_unit_id, a.data_element_id, "
          "a.category_option_combo_id, a.attribute_option_combo_id",
      params, [&out, first](const RowView& row) {
        ValueGap gap;
        gap.key.period = static_cast<int32_t>(row.Int(0));
        gap.key.org_unit = static_cast<int32_t>(row.Int(1));
        gap.key.data_element = static_cast<int32_t>(row.Int(2));
        gap.key.category_option_combo = static_cast<int32_t>(row.Int(3));
        gap.key.attribute_option_combo = static_cast<int32_t>(row.Int(4));
        gap.key.state = first;
        gap.first = row.Text(5);
        gap.second = row.Text(6);
        out.push_back(std::move(gap));
        return core::OkStatus();
      }));
  return out;
}

// ---- Completeness ----

namespace {

constexpr std::string_view kCompletionColumns =
    "data_set_id, period_id, org_unit_id, attribute_option_combo_id, completed, complete_date, "
    "stored_by, last_updated";
constexpr std::string_view kCompletionKeyMatch =
    "data_set_id = ? AND period_id = ? AND org_unit_id = ? AND attribute_option_combo_id = ?";

Completion CompletionFromRow(const Row& r) {
  Completion c;
  c.key = {static_cast<int32_t>(r.Int(0)), static_cast<int32_t>(r.Int(1)),
           static_cast<int32_t>(r.Int(2)), static_cast<int32_t>(r.Int(3))};
  c.completed = r.Bool(4);
  c.complete_date = r.Text(5);
  c.stored_by = r.Text(6);
  c.last_updated = r.Int(7);
  return c;
}

}  // namespace

Result<WriteOutcome> SqlStore::PutCompletion(const Completion& completion, const Actor& actor) {
  if (!core::Date::Parse(completion.complete_date).ok() || completion.complete_date.size() != 10) {
    return core::InvalidArgument(
        Message("store.bad_complete_date", {{"date", completion.complete_date}}), "completeDate");
  }
  const CompletionKey& k = completion.key;
  const std::vector<SqlValue> key = {k.data_set, k.period, k.org_unit, k.attribute_option_combo};
  if (Status s = EnsurePeriods({k.period}); !s.ok())
    return s.error().In(Message("core.period.word"));
  const bool postgres = connection_->dialect() == Dialect::kPostgres;
  const core::TimestampMs now = core::NowMs();
  KENEYA_RETURN_IF_ERROR(connection_->BeginWrite());
  TransactionGuard transaction(*connection_);
  struct Check {
    const char* table;
    int32_t id;
    const char* what;  // the id of the message that names its rows
  };
  for (const Check& check : {Check{"data_set", k.data_set, "core.metadata.kind.data_set"},
                             Check{"org_unit", k.org_unit, "core.metadata.kind.org_unit"},
                             Check{"category_option_combo", k.attribute_option_combo,
                                   "store.kind.attribute_option_combo"}}) {
    KENEYA_ASSIGN_OR_RETURN(
        std::vector<Row> rows,
        connection_->Query("SELECT count(*) FROM " + std::string(check.table) + " WHERE id = ?",
                           {check.id}));
    if (rows.at(0).Int(0) == 0) {
      return core::NotFound(NoRowWithId(check.what, check.id), Message("store.completion_place"));
    }
  }
  KENEYA_ASSIGN_OR_RETURN(
      std::vector<Row> rows,
      connection_->Query("SELECT " + std::string(kCompletionColumns) +
                             " FROM data_set_completion WHERE " + std::string(kCompletionKeyMatch) +
                             (postgres ? " FOR UPDATE" : ""),
                         key));
  std::optional<Completion> old;
  if (!rows.empty()) old = CompletionFromRow(rows[0]);
  if (old && old->completed == completion.completed &&
      old->complete_date == completion.complete_date && old->stored_by == completion.stored_by) {
    return WriteOutcome::kUnchanged;
  }
  if (old) {
    std::vector<SqlValue> params = {completion.completed, completion.complete_date,
                                    completion.stored_by, now};
    params.insert(params.end(), key.begin(), key.end());
    KENEYA_RETURN_IF_ERROR(connection_->Exec(
        "UPDATE data_set_completion SET completed = ?, complete_date = ?, stored_by = ?, "
        "last_updated = ? WHERE " +
            std::string(kCompletionKeyMatch),
        params));
  } else {
    std::vector<SqlValue> params = key;
    params.insert(params.end(),
                  {completion.completed, completion.complete_date, completion.stored_by, now});
    KENEYA_RETURN_IF_ERROR(connection_->Exec("INSERT INTO data_set_completion (" +
                                                 std::string(kCompletionColumns) + ") VALUES " +
                                                 Placeholders(8),
                                             params));
  }
  std::vector<SqlValue> audit = key;
  audit.insert(audit.end(),
               {old ? "update" : "create", now, actor.user, actor.source, actor.reason,
                old ? SqlValue(old->completed) : SqlValue(), completion.completed,
                old ? SqlValue(old->complete_date) : SqlValue(), completion.complete_date});
  KENEYA_RETURN_IF_ERROR(connection_->Exec(
      "INSERT INTO data_set_completion_audit (data_set_id, period_id, org_unit_id, "
      "attribute_option_combo_id, action, at, user_name, source, reason, old_completed, "
      "new_completed, old_complete_date, new_complete_date) VALUES " +
          Placeholders(13),
      audit));
  KENEYA_RETURN_IF_ERROR(transaction.Commit());
  return old ? WriteOutcome::kUpdated : WriteOutcome::kCreated;
}

Result<std::optional<Completion>> SqlStore::GetCompletion(const CompletionKey& k) {
  KENEYA_ASSIGN_OR_RETURN(
      std::vector<Row> rows,
      connection_->Query("SELECT " + std::string(kCompletionColumns) +
                             " FROM data_set_completion WHERE " + std::string(kCompletionKeyMatch),
                         {k.data_set, k.period, k.org_unit, k.attribute_option_combo}));
  if (rows.empty()) return std::optional<Completion>();
  return std::optional<Completion>(CompletionFromRow(rows[0]));
}

Result<std::vector<Completion>> SqlStore::Completions(int32_t data_set) {
  KENEYA_ASSIGN_OR_RETURN(
      std::vector<Row> rows,
      connection_->Query(
          "SELECT " + std::string(kCompletionColumns) +
              " FROM data_set_completion WHERE CAST(? AS INTEGER) = 0 OR data_set_id = ? "
              "ORDER BY data_set_id, period_id, org_unit_id, "
              "attribute_option_combo_id",
          {data_set, data_set}));
  std::vector<Completion> out;
  for (const Row& r : rows) out.push_back(CompletionFromRow(r));
  return out;
}

// ---- Audit ----

Result<std::vector<AuditEntry>> SqlStore::AuditTrail(const DataValueKey& key) {
  const std::vector<SqlValue> params = KeyParams(key);
  KENEYA_ASSIGN_OR_RETURN(
      std::vector<Row> rows,
      connection_->Query("SELECT id, action, at, user_name, source, reason, import_id, "
                         "old_value, new_value, old_comment, new_comment, old_followup, "
                         "new_followup FROM data_value_audit WHERE " +
                             std::string(kKeyMatch) + " ORDER BY id",
                         params));
  std::vector<AuditEntry> out;
  for (const Row& r : rows) {
    AuditEntry e;
    e.id = r.Int(0);
    e.key = key;
    const std::string& action = r.Text(1);
    e.action = action == "create"   ? AuditAction::kCreate
               : action == "delete" ? AuditAction::kDelete
                                    : AuditAction::kUpdate;
    e.at = r.Int(2);
    e.user = r.Text(3);
    e.source = r.Text(4);
    e.reason = r.Text(5);
    e.import_id = r.Int(6);
    e.old_value = r.OptionalText(7);
    e.new_value = r.OptionalText(8);
    e.old_comment = r.Text(9);
    e.new_comment = r.Text(10);
    e.old_followup = r.Bool(11);
    e.new_followup = r.Bool(12);
    out.push_back(std::move(e));
  }
  return out;
}

Result<ImportRecord> SqlStore::GetImport(int64_t id) {
  KENEYA_ASSIGN_OR_RETURN(
      std::vector<Row> rows,
      connection_->Query("SELECT " + std::string(kImportColumns) + " FROM data_import WHERE id = ?",
                         {id}));
  if (rows.empty()) return core::NotFound(Message("store.no_import", {{"id", id}}));
  return ImportFromRow(rows[0]);
}

Result<std::vector<ImportRecord>> SqlStore::Imports() {
  KENEYA_ASSIGN_OR_RETURN(std::vector<Row> rows,
                          connection_->Query("SELECT " + std::string(kImportColumns) +
                                             " FROM data_import ORDER BY id DESC"));
  std::vector<ImportRecord> out;
  for (const Row& row : rows) out.push_back(ImportFromRow(row));
  return out;
}

Status SqlStore::Ping() {
  auto rows = connection_->Query("SELECT 1");
  return rows.ok() ? core::OkStatus() : Status(rows.error());
}

Result<SqlStore::LoadOrder> SqlStore::PrepareLoad(const LoadValues& values, bool dry_run) {
  LoadOrder load = OrderForLoad(values);
  std::vector<int32_t>& periods = load.periods;
  for (size_t i = 0; i < values.size(); ++i) {
    const int32_t period = values.key(i).period;
    if (periods.empty() || periods.back() != period) periods.push_back(period);
  }
  std::sort(periods.begin(), periods.end());
  periods.erase(std::unique(periods.begin(), periods.end()), periods.end());
  if (dry_run) return load;  // its periods go in its transaction (AddPeriodsForDryRun)
  if (Status s = EnsurePeriods(periods); !s.ok()) {
    return s.error().In(Message("store.periods_place"));
  }
  return load;
}

Status SqlStore::AddPeriodsForDryRun(const std::vector<int32_t>& codes) {
  for (int32_t code : codes) {
    if (known_periods_.contains(code)) continue;
    KENEYA_ASSIGN_OR_RETURN(core::Period period, core::Period::FromCode(code));
    // Not remembered in known_periods_: the rollback removes the row.
    auto inserted = connection_->Exec(
        "INSERT INTO period (id, iso, period_type, start_date, end_date) VALUES (?, ?, ?, ?, ?) "
        "ON CONFLICT DO NOTHING",
        {code, period.ToString(), core::PeriodTypeName(period.type()), period.start().ToString(),
         period.end().ToString()});
    if (!inserted.ok()) return inserted.error().In(Message("store.periods_place"));
  }
  return core::OkStatus();
}

SqlStore::LoadOrder SqlStore::OrderForLoad(const LoadValues& values) {
  LoadOrder out;
  out.order.resize(values.size());
  std::iota(out.order.begin(), out.order.end(), 0u);
  bool strictly_increasing = true;
  for (size_t i = 1; i < values.size() && strictly_increasing; ++i) {
    strictly_increasing = values.key(i - 1) < values.key(i);
  }
  if (strictly_increasing) return out;
  // Among equal keys the first given comes first and is the one applied.
  const core::LargeVector<KeyAt> items = SortKeys(values);
  size_t kept = 0;
  for (size_t i = 0; i < items.size(); ++i) {
    if (i > 0 && items[i - 1].key == items[i].key) {
      out.repeated.push_back(items[i].position);
    } else {
      out.order[kept++] = items[i].position;
    }
  }
  out.order.resize(kept);
  std::sort(out.repeated.begin(), out.repeated.end());
  return out;
}

Message SqlStore::ProblemOf(const core::Error& error) {
  if (error.place.empty()) return error.text;
  Message where = error.place.front();
  for (size_t i = 1; i < error.place.size(); ++i) {
    where = Message("core.place_in", {{"outer", where}, {"inner", error.place[i]}});
  }
  return Message("store.problem_at", {{"where", where}, {"problem", error.text}});
}

core::Error SqlStore::Inconsistent(const std::vector<Message>& problems, const std::string& where) {
  Message list("store.not_consistent");
  for (const Message& problem : problems) {
    list = Message("core.list_item", {{"list", list}, {"item", problem}});
  }
  return core::Internal(std::move(list), where);
}

Result<std::vector<core::Error>> SqlStore::UnreadableRows() {
  std::vector<core::Error> out;
  struct Column {
    const char* table;
    const char* column;
    // Empty when the text reads; otherwise what is wrong with it.
    Message (*problem)(const std::string& text);
  };
  static const auto value_type = +[](const std::string& t) {
    auto p = core::ParseValueType(t);
    return p.ok() ? Message() : p.error().text;
  };
  static const auto period_type = +[](const std::string& t) {
    auto p = core::ParsePeriodType(t);
    return p.ok() ? Message() : p.error().text;
  };
  static const auto org_unit_type = +[](const std::string& t) {
    auto p = core::ParseOrgUnitType(t);
    return p.ok() ? Message() : p.error().text;
  };
  static const auto date = +[](const std::string& t) {
    return core::Date::Parse(t).ok() ? Message() : Message("store.not_a_date", {{"text", t}});
  };
  static const auto contract_status = +[](const std::string& t) {
    return ParseContractStatus(t) ? Message()
                                  : Message("store.unknown_contract_status", {{"status", t}});
  };
  const Column columns[] = {
      {"option_set", "value_type", value_type}, {"data_element", "value_type", value_type},
      {"data_set", "period_type", period_type}, {"org_unit", "type", org_unit_type},
      {"org_unit", "opening_date", date},       {"org_unit", "closing_date", date},
      {"category_option", "start_date", date},  {"category_option", "end_date", date},
      {"program_version", "valid_from", date},  {"program_version", "valid_to", date},
      {"contract", "start_date", date},         {"contract", "end_date", date},
      {"contract", "status", contract_status},  {"payment", "paid_on", date}};
  for (const Column& c : columns) {
    KENEYA_ASSIGN_OR_RETURN(
        std::vector<Row> rows,
        connection().Query(std::string("SELECT id, ") + c.column + " FROM " + c.table + " WHERE " +
                           c.column + " IS NOT NULL ORDER BY id"));
    for (const Row& r : rows) {
      Message problem = c.problem(r.Text(1));
      if (!problem.empty()) {
        out.push_back(
            core::StoredDataError(std::move(problem), c.table, std::to_string(r.Int(0)), c.column));
      }
    }
  }
  return out;
}

}  // namespace keneya::store
