#include "store/migrations.h"

namespace keneya::store {
namespace {

// Conventions shared by both engines: ids are integers; uids are DHIS2's 11 characters;
// timestamps are milliseconds since 1970-01-01 UTC (BIGINT); dates are 'yyyy-MM-dd' text;
// booleans are 0/1 in SQLite and boolean in PostgreSQL. Periods are keyed by Period::Code().

constexpr std::string_view kSqlite1 = R"sql(
CREATE TABLE org_unit (
  id INTEGER PRIMARY KEY,
  uid TEXT NOT NULL UNIQUE,
  code TEXT UNIQUE,
  name TEXT NOT NULL,
  short_name TEXT NOT NULL DEFAULT '',
  level INTEGER NOT NULL,
  parent_id INTEGER REFERENCES org_unit(id),
  path TEXT NOT NULL,
  type TEXT NOT NULL,
  latitude REAL,
  longitude REAL,
  opening_date TEXT,
  closing_date TEXT,
  created INTEGER NOT NULL,
  last_updated INTEGER NOT NULL
);
CREATE INDEX org_unit_parent ON org_unit(parent_id);
CREATE INDEX org_unit_path ON org_unit(path);

CREATE TABLE org_unit_group (
  id INTEGER PRIMARY KEY,
  uid TEXT NOT NULL UNIQUE,
  code TEXT UNIQUE,
  name TEXT NOT NULL,
  created INTEGER NOT NULL,
  last_updated INTEGER NOT NULL
);
CREATE TABLE org_unit_group_member (
  group_id INTEGER NOT NULL REFERENCES org_unit_group(id),
  org_unit_id INTEGER NOT NULL REFERENCES org_unit(id),
  PRIMARY KEY (group_id, org_unit_id)
) WITHOUT ROWID;
CREATE INDEX org_unit_group_member_org_unit ON org_unit_group_member(org_unit_id);

CREATE TABLE org_unit_group_set (
  id INTEGER PRIMARY KEY,
  uid TEXT NOT NULL UNIQUE,
  code TEXT UNIQUE,
  name TEXT NOT NULL,
  exclusive INTEGER NOT NULL,
  created INTEGER NOT NULL,
  last_updated INTEGER NOT NULL
);
CREATE TABLE org_unit_group_set_member (
  group_set_id INTEGER NOT NULL REFERENCES org_unit_group_set(id),
  group_id INTEGER NOT NULL REFERENCES org_unit_group(id),
  sort_order INTEGER NOT NULL,
  PRIMARY KEY (group_set_id, group_id)
) WITHOUT ROWID;

CREATE TABLE category_option (
  id INTEGER PRIMARY KEY,
  uid TEXT NOT NULL UNIQUE,
  code TEXT UNIQUE,
  name TEXT NOT NULL,
  start_date TEXT,
  end_date TEXT,
  created INTEGER NOT NULL,
  last_updated INTEGER NOT NULL
);
CREATE TABLE category (
  id INTEGER PRIMARY KEY,
  uid TEXT NOT NULL UNIQUE,
  code TEXT UNIQUE,
  name TEXT NOT NULL,
  dimension_type TEXT NOT NULL,
  created INTEGER NOT NULL,
  last_updated INTEGER NOT NULL
);
CREATE TABLE category_option_member (
  category_id INTEGER NOT NULL REFERENCES category(id),
  option_id INTEGER NOT NULL REFERENCES category_option(id),
  sort_order INTEGER NOT NULL,
  PRIMARY KEY (category_id, option_id)
) WITHOUT ROWID;
CREATE TABLE category_combo (
  id INTEGER PRIMARY KEY,
  uid TEXT NOT NULL UNIQUE,
  code TEXT UNIQUE,
  name TEXT NOT NULL,
  dimension_type TEXT NOT NULL,
  created INTEGER NOT NULL,
  last_updated INTEGER NOT NULL
);
CREATE TABLE category_combo_member (
  combo_id INTEGER NOT NULL REFERENCES category_combo(id),
  category_id INTEGER NOT NULL REFERENCES category(id),
  sort_order INTEGER NOT NULL,
  PRIMARY KEY (combo_id, category_id)
) WITHOUT ROWID;
CREATE TABLE category_option_combo (
  id INTEGER PRIMARY KEY,
  uid TEXT NOT NULL UNIQUE,
  code TEXT UNIQUE,
  name TEXT NOT NULL,
  combo_id INTEGER NOT NULL REFERENCES category_combo(id),
  created INTEGER NOT NULL,
  last_updated INTEGER NOT NULL
);
CREATE TABLE category_option_combo_member (
  option_combo_id INTEGER NOT NULL REFERENCES category_option_combo(id),
  option_id INTEGER NOT NULL REFERENCES category_option(id),
  sort_order INTEGER NOT NULL,
  PRIMARY KEY (option_combo_id, option_id)
) WITHOUT ROWID;

CREATE TABLE data_element (
  id INTEGER PRIMARY KEY,
  uid TEXT NOT NULL UNIQUE,
  code TEXT UNIQUE,
  name TEXT NOT NULL,
  short_name TEXT NOT NULL DEFAULT '',
  description TEXT NOT NULL DEFAULT '',
  value_type TEXT NOT NULL,
  combo_id INTEGER NOT NULL REFERENCES category_combo(id),
  zero_is_significant INTEGER NOT NULL,
  created INTEGER NOT NULL,
  last_updated INTEGER NOT NULL
);
CREATE TABLE data_set (
  id INTEGER PRIMARY KEY,
  uid TEXT NOT NULL UNIQUE,
  code TEXT UNIQUE,
  name TEXT NOT NULL,
  period_type TEXT NOT NULL,
  combo_id INTEGER NOT NULL REFERENCES category_combo(id),
  created INTEGER NOT NULL,
  last_updated INTEGER NOT NULL
);
CREATE TABLE data_set_element (
  data_set_id INTEGER NOT NULL REFERENCES data_set(id),
  data_element_id INTEGER NOT NULL REFERENCES data_element(id),
  sort_order INTEGER NOT NULL,
  PRIMARY KEY (data_set_id, data_element_id)
) WITHOUT ROWID;
CREATE TABLE data_set_org_unit (
  data_set_id INTEGER NOT NULL REFERENCES data_set(id),
  org_unit_id INTEGER NOT NULL REFERENCES org_unit(id),
  PRIMARY KEY (data_set_id, org_unit_id)
) WITHOUT ROWID;

CREATE TABLE period (
  id INTEGER PRIMARY KEY,
  iso TEXT NOT NULL UNIQUE,
  period_type TEXT NOT NULL,
  start_date TEXT NOT NULL,
  end_date TEXT NOT NULL
);

CREATE TABLE state (
  id INTEGER PRIMARY KEY,
  code TEXT NOT NULL UNIQUE,
  name_fr TEXT NOT NULL,
  name_en TEXT NOT NULL
);
INSERT INTO state (id, code, name_fr, name_en) VALUES
  (1, 'declared', 'Déclaré', 'Declared'),
  (2, 'verified', 'Vérifié', 'Verified'),
  (3, 'validated', 'Validé', 'Validated');

CREATE TABLE data_import (
  id INTEGER PRIMARY KEY,
  user_name TEXT NOT NULL,
  source TEXT NOT NULL,
  kind TEXT NOT NULL,
  reason TEXT NOT NULL DEFAULT '',
  started INTEGER NOT NULL,
  finished INTEGER,
  created INTEGER NOT NULL DEFAULT 0,
  updated INTEGER NOT NULL DEFAULT 0,
  unchanged INTEGER NOT NULL DEFAULT 0,
  deleted INTEGER NOT NULL DEFAULT 0,
  repeated INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE data_value (
  period_id INTEGER NOT NULL REFERENCES period(id),
  org_unit_id INTEGER NOT NULL REFERENCES org_unit(id),
  data_element_id INTEGER NOT NULL REFERENCES data_element(id),
  category_option_combo_id INTEGER NOT NULL REFERENCES category_option_combo(id),
  attribute_option_combo_id INTEGER NOT NULL REFERENCES category_option_combo(id),
  state_id INTEGER NOT NULL REFERENCES state(id),
  value TEXT NOT NULL,
  comment TEXT NOT NULL DEFAULT '',
  stored_by TEXT NOT NULL DEFAULT '',
  followup INTEGER NOT NULL DEFAULT 0,
  deleted INTEGER NOT NULL DEFAULT 0,
  created INTEGER NOT NULL,
  last_updated INTEGER NOT NULL,
  import_id INTEGER REFERENCES data_import(id),
  PRIMARY KEY (period_id, org_unit_id, data_element_id, category_option_combo_id,
               attribute_option_combo_id, state_id)
) WITHOUT ROWID;

CREATE TABLE data_value_audit (
  id INTEGER PRIMARY KEY,
  period_id INTEGER NOT NULL,
  org_unit_id INTEGER NOT NULL,
  data_element_id INTEGER NOT NULL,
  category_option_combo_id INTEGER NOT NULL,
  attribute_option_combo_id INTEGER NOT NULL,
  state_id INTEGER NOT NULL,
  action TEXT NOT NULL CHECK (action IN ('create', 'update', 'delete')),
  at INTEGER NOT NULL,
  user_name TEXT NOT NULL,
  source TEXT NOT NULL,
  reason TEXT NOT NULL DEFAULT '',
  import_id INTEGER REFERENCES data_import(id),
  old_value TEXT,
  new_value TEXT,
  old_comment TEXT NOT NULL DEFAULT '',
  new_comment TEXT NOT NULL DEFAULT '',
  old_followup INTEGER NOT NULL DEFAULT 0,
  new_followup INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX data_value_audit_key ON data_value_audit(period_id, org_unit_id, data_element_id,
  category_option_combo_id, attribute_option_combo_id, state_id);

CREATE TABLE metadata_audit (
  id INTEGER PRIMARY KEY,
  at INTEGER NOT NULL,
  user_name TEXT NOT NULL,
  source TEXT NOT NULL,
  object_type TEXT NOT NULL,
  object_uid TEXT NOT NULL,
  action TEXT NOT NULL
);
CREATE INDEX metadata_audit_object ON metadata_audit(object_uid);
)sql";

constexpr std::string_view kPostgres1 = R"sql(
CREATE TABLE org_unit (
  id integer GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
  uid text NOT NULL UNIQUE,
  code text UNIQUE,
  name text NOT NULL,
  short_name text NOT NULL DEFAULT '',
  level integer NOT NULL,
  parent_id integer REFERENCES org_unit(id),
  path text NOT NULL,
  type text NOT NULL,
  latitude double precision,
  longitude double precision,
  opening_date text,
  closing_date text,
  created bigint NOT NULL,
  last_updated bigint NOT NULL
);
CREATE INDEX org_unit_parent ON org_unit(parent_id);
CREATE INDEX org_unit_path ON org_unit(path text_pattern_ops);

CREATE TABLE org_unit_group (
  id integer GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
  uid text NOT NULL UNIQUE,
  code text UNIQUE,
  name text NOT NULL,
  created bigint NOT NULL,
  last_updated bigint NOT NULL
);
CREATE TABLE org_unit_group_member (
  group_id integer NOT NULL REFERENCES org_unit_group(id),
  org_unit_id integer NOT NULL REFERENCES org_unit(id),
  PRIMARY KEY (group_id, org_unit_id)
);
CREATE INDEX org_unit_group_member_org_unit ON org_unit_group_member(org_unit_id);

CREATE TABLE org_unit_group_set (
  id integer GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
  uid text NOT NULL UNIQUE,
  code text UNIQUE,
  name text NOT NULL,
  exclusive boolean NOT NULL,
  created bigint NOT NULL,
  last_updated bigint NOT NULL
);
CREATE TABLE org_unit_group_set_member (
  group_set_id integer NOT NULL REFERENCES org_unit_group_set(id),
  group_id integer NOT NULL REFERENCES org_unit_group(id),
  sort_order integer NOT NULL,
  PRIMARY KEY (group_set_id, group_id)
);

CREATE TABLE category_option (
  id integer GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
  uid text NOT NULL UNIQUE,
  code text UNIQUE,
  name text NOT NULL,
  start_date text,
  end_date text,
  created bigint NOT NULL,
  last_updated bigint NOT NULL
);
CREATE TABLE category (
  id integer GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
  uid text NOT NULL UNIQUE,
  code text UNIQUE,
  name text NOT NULL,
  dimension_type text NOT NULL,
  created bigint NOT NULL,
  last_updated bigint NOT NULL
);
CREATE TABLE category_option_member (
  category_id integer NOT NULL REFERENCES category(id),
  option_id integer NOT NULL REFERENCES category_option(id),
  sort_order integer NOT NULL,
  PRIMARY KEY (category_id, option_id)
);
CREATE TABLE category_combo (
  id integer GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
  uid text NOT NULL UNIQUE,
  code text UNIQUE,
  name text NOT NULL,
  dimension_type text NOT NULL,
  created bigint NOT NULL,
  last_updated bigint NOT NULL
);
CREATE TABLE category_combo_member (
  combo_id integer NOT NULL REFERENCES category_combo(id),
  category_id integer NOT NULL REFERENCES category(id),
  sort_order integer NOT NULL,
  PRIMARY KEY (combo_id, category_id)
);
CREATE TABLE category_option_combo (
  id integer GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
  uid text NOT NULL UNIQUE,
  code text UNIQUE,
  name text NOT NULL,
  combo_id integer NOT NULL REFERENCES category_combo(id),
  created bigint NOT NULL,
  last_updated bigint NOT NULL
);
CREATE TABLE category_option_combo_member (
  option_combo_id integer NOT NULL REFERENCES category_option_combo(id),
  option_id integer NOT NULL REFERENCES category_option(id),
  sort_order integer NOT NULL,
  PRIMARY KEY (option_combo_id, option_id)
);

CREATE TABLE data_element (
  id integer GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
  uid text NOT NULL UNIQUE,
  code text UNIQUE,
  name text NOT NULL,
  short_name text NOT NULL DEFAULT '',
  description text NOT NULL DEFAULT '',
  value_type text NOT NULL,
  combo_id integer NOT NULL REFERENCES category_combo(id),
  zero_is_significant boolean NOT NULL,
  created bigint NOT NULL,
  last_updated bigint NOT NULL
);
CREATE TABLE data_set (
  id integer GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
  uid text NOT NULL UNIQUE,
  code text UNIQUE,
  name text NOT NULL,
  period_type text NOT NULL,
  combo_id integer NOT NULL REFERENCES category_combo(id),
  created bigint NOT NULL,
  last_updated bigint NOT NULL
);
CREATE TABLE data_set_element (
  data_set_id integer NOT NULL REFERENCES data_set(id),
  data_element_id integer NOT NULL REFERENCES data_element(id),
  sort_order integer NOT NULL,
  PRIMARY KEY (data_set_id, data_element_id)
);
CREATE TABLE data_set_org_unit (
  data_set_id integer NOT NULL REFERENCES data_set(id),
  org_unit_id integer NOT NULL REFERENCES org_unit(id),
  PRIMARY KEY (data_set_id, org_unit_id)
);

CREATE TABLE period (
  id integer PRIMARY KEY,
  iso text NOT NULL UNIQUE,
  period_type text NOT NULL,
  start_date text NOT NULL,
  end_date text NOT NULL
);

CREATE TABLE state (
  id integer GENERATED BY DEFAULT AS IDENTITY (START WITH 4) PRIMARY KEY,
  code text NOT NULL UNIQUE,
  name_fr text NOT NULL,
  name_en text NOT NULL
);
INSERT INTO state (id, code, name_fr, name_en) VALUES
  (1, 'declared', 'Déclaré', 'Declared'),
  (2, 'verified', 'Vérifié', 'Verified'),
  (3, 'validated', 'Validé', 'Validated');

CREATE TABLE data_import (
  id bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
  user_name text NOT NULL,
  source text NOT NULL,
  kind text NOT NULL,
  reason text NOT NULL DEFAULT '',
  started bigint NOT NULL,
  finished bigint,
  created bigint NOT NULL DEFAULT 0,
  updated bigint NOT NULL DEFAULT 0,
  unchanged bigint NOT NULL DEFAULT 0,
  deleted bigint NOT NULL DEFAULT 0,
  repeated bigint NOT NULL DEFAULT 0
);

-- No foreign keys on data_value and data_value_audit: PostgreSQL checks them with a trigger per
-- row, which would make a million-value load several times slower. The store checks every
-- reference itself inside the writing transaction (ids are never deleted nor reused), and
-- Store::RunIntegrityChecks verifies them.
CREATE TABLE data_value (
  period_id integer NOT NULL,
  org_unit_id integer NOT NULL,
  data_element_id integer NOT NULL,
  category_option_combo_id integer NOT NULL,
  attribute_option_combo_id integer NOT NULL,
  state_id integer NOT NULL,
  value text NOT NULL,
  comment text NOT NULL DEFAULT '',
  stored_by text NOT NULL DEFAULT '',
  followup boolean NOT NULL DEFAULT false,
  deleted boolean NOT NULL DEFAULT false,
  created bigint NOT NULL,
  last_updated bigint NOT NULL,
  import_id bigint,
  PRIMARY KEY (period_id, org_unit_id, data_element_id, category_option_combo_id,
               attribute_option_combo_id, state_id)
) WITH (fillfactor = 85);  -- room on each page for updates that need no index change (HOT)

CREATE TABLE data_value_audit (
  id bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
  period_id integer NOT NULL,
  org_unit_id integer NOT NULL,
  data_element_id integer NOT NULL,
  category_option_combo_id integer NOT NULL,
  attribute_option_combo_id integer NOT NULL,
  state_id integer NOT NULL,
  action text NOT NULL CHECK (action IN ('create', 'update', 'delete')),
  at bigint NOT NULL,
  user_name text NOT NULL,
  source text NOT NULL,
  reason text NOT NULL DEFAULT '',
  import_id bigint,
  old_value text,
  new_value text,
  old_comment text NOT NULL DEFAULT '',
  new_comment text NOT NULL DEFAULT '',
  old_followup boolean NOT NULL DEFAULT false,
  new_followup boolean NOT NULL DEFAULT false
);
CREATE INDEX data_value_audit_key ON data_value_audit(period_id, org_unit_id, data_element_id,
  category_option_combo_id, attribute_option_combo_id, state_id);

CREATE TABLE metadata_audit (
  id bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
  at bigint NOT NULL,
  user_name text NOT NULL,
  source text NOT NULL,
  object_type text NOT NULL,
  object_uid text NOT NULL,
  action text NOT NULL
);
CREATE INDEX metadata_audit_object ON metadata_audit(object_uid);
)sql";

constexpr std::string_view kSqlite2 = R"sql(
CREATE TABLE attribute (
  id INTEGER PRIMARY KEY,
  uid TEXT NOT NULL UNIQUE,
  code TEXT UNIQUE,
  name TEXT NOT NULL,
  created INTEGER NOT NULL,
  last_updated INTEGER NOT NULL
);
-- Attribute values are keyed by the object's uid (uids are unique across kinds of objects).
CREATE TABLE attribute_value (
  object_uid TEXT NOT NULL,
  attribute_id INTEGER NOT NULL REFERENCES attribute(id),
  value TEXT NOT NULL,
  sort_order INTEGER NOT NULL,
  PRIMARY KEY (object_uid, attribute_id)
) WITHOUT ROWID;
CREATE INDEX attribute_value_lookup ON attribute_value(attribute_id, value);

CREATE TABLE option_set (
  id INTEGER PRIMARY KEY,
  uid TEXT NOT NULL UNIQUE,
  code TEXT UNIQUE,
  name TEXT NOT NULL,
  value_type TEXT NOT NULL,
  created INTEGER NOT NULL,
  last_updated INTEGER NOT NULL
);
CREATE TABLE option_item (
  option_set_id INTEGER NOT NULL REFERENCES option_set(id),
  uid TEXT NOT NULL,
  code TEXT NOT NULL,
  name TEXT NOT NULL,
  sort_order INTEGER NOT NULL,
  PRIMARY KEY (option_set_id, code)
) WITHOUT ROWID;

ALTER TABLE data_element ADD COLUMN option_set_id INTEGER REFERENCES option_set(id);
ALTER TABLE org_unit ADD COLUMN geometry TEXT;
ALTER TABLE data_set ADD COLUMN expiry_days INTEGER NOT NULL DEFAULT 0;
ALTER TABLE data_set ADD COLUMN open_future_periods INTEGER NOT NULL DEFAULT 0;
ALTER TABLE data_import ADD COLUMN skipped INTEGER NOT NULL DEFAULT 0;

-- A data set reported complete for an org unit, period and attribute option combo.
CREATE TABLE data_set_completion (
  data_set_id INTEGER NOT NULL REFERENCES data_set(id),
  period_id INTEGER NOT NULL REFERENCES period(id),
  org_unit_id INTEGER NOT NULL REFERENCES org_unit(id),
  attribute_option_combo_id INTEGER NOT NULL REFERENCES category_option_combo(id),
  completed INTEGER NOT NULL,
  complete_date TEXT NOT NULL,
  stored_by TEXT NOT NULL DEFAULT '',
  last_updated INTEGER NOT NULL,
  PRIMARY KEY (data_set_id, period_id, org_unit_id, attribute_option_combo_id)
) WITHOUT ROWID;
CREATE TABLE data_set_completion_audit (
  id INTEGER PRIMARY KEY,
  data_set_id INTEGER NOT NULL,
  period_id INTEGER NOT NULL,
  org_unit_id INTEGER NOT NULL,
  attribute_option_combo_id INTEGER NOT NULL,
  action TEXT NOT NULL,
  at INTEGER NOT NULL,
  user_name TEXT NOT NULL,
  source TEXT NOT NULL,
  reason TEXT NOT NULL DEFAULT '',
  old_completed INTEGER,
  new_completed INTEGER,
  old_complete_date TEXT,
  new_complete_date TEXT
);
)sql";

constexpr std::string_view kPostgres2 = R"sql(
CREATE TABLE attribute (
  id integer GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
  uid text NOT NULL UNIQUE,
  code text UNIQUE,
  name text NOT NULL,
  created bigint NOT NULL,
  last_updated bigint NOT NULL
);
CREATE TABLE attribute_value (
  object_uid text NOT NULL,
  attribute_id integer NOT NULL REFERENCES attribute(id),
  value text NOT NULL,
  sort_order integer NOT NULL,
  PRIMARY KEY (object_uid, attribute_id)
);
CREATE INDEX attribute_value_lookup ON attribute_value(attribute_id, value);

CREATE TABLE option_set (
  id integer GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
  uid text NOT NULL UNIQUE,
  code text UNIQUE,
  name text NOT NULL,
  value_type text NOT NULL,
  created bigint NOT NULL,
  last_updated bigint NOT NULL
);
CREATE TABLE option_item (
  option_set_id integer NOT NULL REFERENCES option_set(id),
  uid text NOT NULL,
  code text NOT NULL,
  name text NOT NULL,
  sort_order integer NOT NULL,
  PRIMARY KEY (option_set_id, code)
);

ALTER TABLE data_element ADD COLUMN option_set_id integer REFERENCES option_set(id);
ALTER TABLE org_unit ADD COLUMN geometry text;
ALTER TABLE data_set ADD COLUMN expiry_days integer NOT NULL DEFAULT 0;
ALTER TABLE data_set ADD COLUMN open_future_periods integer NOT NULL DEFAULT 0;
ALTER TABLE data_import ADD COLUMN skipped bigint NOT NULL DEFAULT 0;

CREATE TABLE data_set_completion (
  data_set_id integer NOT NULL REFERENCES data_set(id),
  period_id integer NOT NULL REFERENCES period(id),
  org_unit_id integer NOT NULL REFERENCES org_unit(id),
  attribute_option_combo_id integer NOT NULL REFERENCES category_option_combo(id),
  completed boolean NOT NULL,
  complete_date text NOT NULL,
  stored_by text NOT NULL DEFAULT '',
  last_updated bigint NOT NULL,
  PRIMARY KEY (data_set_id, period_id, org_unit_id, attribute_option_combo_id)
);
CREATE TABLE data_set_completion_audit (
  id bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
  data_set_id integer NOT NULL,
  period_id integer NOT NULL,
  org_unit_id integer NOT NULL,
  attribute_option_combo_id integer NOT NULL,
  action text NOT NULL,
  at bigint NOT NULL,
  user_name text NOT NULL,
  source text NOT NULL,
  reason text NOT NULL DEFAULT '',
  old_completed boolean,
  new_completed boolean,
  old_complete_date text,
  new_complete_date text
);
)sql";

constexpr std::string_view kSqlite3 = R"sql(
-- A program version: its TOML file and CSV files, as loaded. Never changed once stored.
CREATE TABLE program_version (
  id INTEGER PRIMARY KEY,
  code TEXT NOT NULL,
  version INTEGER NOT NULL,
  name TEXT NOT NULL,
  valid_from TEXT NOT NULL,
  valid_to TEXT,
  toml_name TEXT NOT NULL,
  toml TEXT NOT NULL,
  files TEXT NOT NULL,
  checksum TEXT NOT NULL,
  loaded_at INTEGER NOT NULL,
  loaded_by TEXT NOT NULL,
  source TEXT NOT NULL,
  UNIQUE (code, version)
);

-- A facility's contract with a program; one facility's contracts for a program never overlap.
CREATE TABLE contract (
  id INTEGER PRIMARY KEY,
  org_unit_id INTEGER NOT NULL REFERENCES org_unit(id),
  program_code TEXT NOT NULL,
  start_date TEXT NOT NULL,
  end_date TEXT,
  equity_category TEXT NOT NULL,
  equity_explicit INTEGER NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('active', 'suspended', 'ended')),
  created INTEGER NOT NULL,
  last_updated INTEGER NOT NULL
);
CREATE INDEX contract_facility ON contract(program_code, org_unit_id, start_date);
CREATE TABLE contract_audit (
  id INTEGER PRIMARY KEY,
  contract_id INTEGER NOT NULL REFERENCES contract(id),
  action TEXT NOT NULL,
  at INTEGER NOT NULL,
  user_name TEXT NOT NULL,
  source TEXT NOT NULL,
  reason TEXT NOT NULL DEFAULT '',
  old_terms TEXT NOT NULL DEFAULT '',
  new_terms TEXT NOT NULL
);
CREATE INDEX contract_audit_contract ON contract_audit(contract_id);

-- An invoice run and its invoices (lines and the inputs they were computed from, as JSON).
CREATE TABLE invoice_run (
  id INTEGER PRIMARY KEY,
  program_code TEXT NOT NULL,
  program_version INTEGER NOT NULL,
  payment_code TEXT NOT NULL,
  period_id INTEGER NOT NULL REFERENCES period(id),
  status TEXT NOT NULL CHECK (status IN ('draft', 'superseded')),
  created INTEGER NOT NULL,
  created_by TEXT NOT NULL,
  source TEXT NOT NULL,
  invoice_count INTEGER NOT NULL,
  missing_count INTEGER NOT NULL,
  total INTEGER NOT NULL,
  FOREIGN KEY (program_code, program_version) REFERENCES program_version(code, version)
);
CREATE INDEX invoice_run_period ON invoice_run(program_code, payment_code, period_id);
CREATE TABLE invoice (
  id INTEGER PRIMARY KEY,
  run_id INTEGER NOT NULL REFERENCES invoice_run(id),
  org_unit_id INTEGER NOT NULL REFERENCES org_unit(id),
  number TEXT NOT NULL UNIQUE,
  total INTEGER NOT NULL,
  lines TEXT NOT NULL,
  snapshot TEXT NOT NULL,
  UNIQUE (run_id, org_unit_id)
);
CREATE TABLE invoice_missing (
  run_id INTEGER NOT NULL REFERENCES invoice_run(id),
  org_unit_id INTEGER NOT NULL REFERENCES org_unit(id),
  PRIMARY KEY (run_id, org_unit_id)
) WITHOUT ROWID;
)sql";

constexpr std::string_view kPostgres3 = R"sql(
CREATE TABLE program_version (
  id bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
  code text NOT NULL,
  version integer NOT NULL,
  name text NOT NULL,
  valid_from text NOT NULL,
  valid_to text,
  toml_name text NOT NULL,
  toml text NOT NULL,
  files text NOT NULL,
  checksum text NOT NULL,
  loaded_at bigint NOT NULL,
  loaded_by text NOT NULL,
  source text NOT NULL,
  UNIQUE (code, version)
);

CREATE TABLE contract (
  id bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
  org_unit_id integer NOT NULL REFERENCES org_unit(id),
  program_code text NOT NULL,
  start_date text NOT NULL,
  end_date text,
  equity_category text NOT NULL,
  equity_explicit boolean NOT NULL,
  status text NOT NULL CHECK (status IN ('active', 'suspended', 'ended')),
  created bigint NOT NULL,
  last_updated bigint NOT NULL
);
CREATE INDEX contract_facility ON contract(program_code, org_unit_id, start_date);
CREATE TABLE contract_audit (
  id bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
  contract_id bigint NOT NULL REFERENCES contract(id),
  action text NOT NULL,
  at bigint NOT NULL,
  user_name text NOT NULL,
  source text NOT NULL,
  reason text NOT NULL DEFAULT '',
  old_terms text NOT NULL DEFAULT '',
  new_terms text NOT NULL
);
CREATE INDEX contract_audit_contract ON contract_audit(contract_id);

CREATE TABLE invoice_run (
  id bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
  program_code text NOT NULL,
  program_version integer NOT NULL,
  payment_code text NOT NULL,
  period_id integer NOT NULL REFERENCES period(id),
  status text NOT NULL CHECK (status IN ('draft', 'superseded')),
  created bigint NOT NULL,
  created_by text NOT NULL,
  source text NOT NULL,
  invoice_count bigint NOT NULL,
  missing_count bigint NOT NULL,
  total bigint NOT NULL,
  FOREIGN KEY (program_code, program_version) REFERENCES program_version(code, version)
);
CREATE INDEX invoice_run_period ON invoice_run(program_code, payment_code, period_id);
CREATE TABLE invoice (
  id bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
  run_id bigint NOT NULL REFERENCES invoice_run(id),
  org_unit_id integer NOT NULL REFERENCES org_unit(id),
  number text NOT NULL UNIQUE,
  total bigint NOT NULL,
  lines text NOT NULL,
  snapshot text NOT NULL,
  UNIQUE (run_id, org_unit_id)
);
CREATE TABLE invoice_missing (
  run_id bigint NOT NULL REFERENCES invoice_run(id),
  org_unit_id integer NOT NULL REFERENCES org_unit(id),
  PRIMARY KEY (run_id, org_unit_id)
);
)sql";

// Migration 4: the facilities a run left out because their contract was suspended, so that a
// run says why a contract has no invoice.
constexpr const char* kSqlite4 = R"sql(
CREATE TABLE invoice_suspended (
  run_id INTEGER NOT NULL REFERENCES invoice_run(id),
  org_unit_id INTEGER NOT NULL REFERENCES org_unit(id),
  PRIMARY KEY (run_id, org_unit_id)
) WITHOUT ROWID;
)sql";

constexpr const char* kPostgres4 = R"sql(
CREATE TABLE invoice_suspended (
  run_id bigint NOT NULL REFERENCES invoice_run(id),
  org_unit_id integer NOT NULL REFERENCES org_unit(id),
  PRIMARY KEY (run_id, org_unit_id)
);
)sql";

// Migration 5: accounts. Users, the roles granted to them over a subtree or an org unit group,
// sign-in sessions and API tokens (their SHA-256 hashes, never the tokens), and the audit of
// every account event (src/store/auth_records.h, docs/ACCESS.md).
constexpr const char* kSqlite5 = R"sql(
CREATE TABLE app_user (
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL UNIQUE,
  full_name TEXT NOT NULL,
  email TEXT NOT NULL DEFAULT '',
  language TEXT NOT NULL CHECK (language IN ('fr', 'en')),
  password_hash TEXT NOT NULL,
  disabled INTEGER NOT NULL,
  password_changed INTEGER NOT NULL,
  created INTEGER NOT NULL,
  last_updated INTEGER NOT NULL
);
CREATE TABLE user_role (
  id INTEGER PRIMARY KEY,
  user_id INTEGER NOT NULL REFERENCES app_user(id),
  role TEXT NOT NULL,
  scope_kind TEXT NOT NULL CHECK (scope_kind IN ('subtree', 'group')),
  scope_uid TEXT NOT NULL,
  granted INTEGER NOT NULL,
  granted_by TEXT NOT NULL,
  UNIQUE (user_id, role, scope_kind, scope_uid)
);
CREATE TABLE user_session (
  token_hash TEXT PRIMARY KEY,
  user_id INTEGER NOT NULL REFERENCES app_user(id),
  csrf_token TEXT NOT NULL,
  created INTEGER NOT NULL,
  last_seen INTEGER NOT NULL,
  expires INTEGER NOT NULL,
  address TEXT NOT NULL,
  user_agent TEXT NOT NULL
) WITHOUT ROWID;
CREATE INDEX user_session_user ON user_session(user_id);
CREATE TABLE api_token (
  id INTEGER PRIMARY KEY,
  user_id INTEGER NOT NULL REFERENCES app_user(id),
  name TEXT NOT NULL,
  token_hash TEXT NOT NULL UNIQUE,
  prefix TEXT NOT NULL,
  created INTEGER NOT NULL,
  created_by TEXT NOT NULL,
  expires INTEGER NOT NULL,
  last_used INTEGER,
  revoked INTEGER
);
CREATE INDEX api_token_user ON api_token(user_id);
CREATE TABLE auth_audit (
  id INTEGER PRIMARY KEY,
  at INTEGER NOT NULL,
  actor TEXT NOT NULL,
  action TEXT NOT NULL,
  subject TEXT NOT NULL,
  address TEXT NOT NULL,
  source TEXT NOT NULL,
  detail TEXT NOT NULL
);
CREATE INDEX auth_audit_subject ON auth_audit(subject, id);
)sql";

constexpr const char* kPostgres5 = R"sql(
CREATE TABLE app_user (
  id bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
  name text NOT NULL UNIQUE,
  full_name text NOT NULL,
  email text NOT NULL DEFAULT '',
  language text NOT NULL CHECK (language IN ('fr', 'en')),
  password_hash text NOT NULL,
  disabled boolean NOT NULL,
  password_changed bigint NOT NULL,
  created bigint NOT NULL,
  last_updated bigint NOT NULL
);
CREATE TABLE user_role (
  id bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
  user_id bigint NOT NULL REFERENCES app_user(id),
  role text NOT NULL,
  scope_kind text NOT NULL CHECK (scope_kind IN ('subtree', 'group')),
  scope_uid text NOT NULL,
  granted bigint NOT NULL,
  granted_by text NOT NULL,
  UNIQUE (user_id, role, scope_kind, scope_uid)
);
CREATE TABLE user_session (
  token_hash text PRIMARY KEY,
  user_id bigint NOT NULL REFERENCES app_user(id),
  csrf_token text NOT NULL,
  created bigint NOT NULL,
  last_seen bigint NOT NULL,
  expires bigint NOT NULL,
  address text NOT NULL,
  user_agent text NOT NULL
);
CREATE INDEX user_session_user ON user_session(user_id);
CREATE TABLE api_token (
  id bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
  user_id bigint NOT NULL REFERENCES app_user(id),
  name text NOT NULL,
  token_hash text NOT NULL UNIQUE,
  prefix text NOT NULL,
  created bigint NOT NULL,
  created_by text NOT NULL,
  expires bigint NOT NULL,
  last_used bigint,
  revoked bigint
);
CREATE INDEX api_token_user ON api_token(user_id);
CREATE TABLE auth_audit (
  id bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
  at bigint NOT NULL,
  actor text NOT NULL,
  action text NOT NULL,
  subject text NOT NULL,
  address text NOT NULL,
  source text NOT NULL,
  detail text NOT NULL
);
CREATE INDEX auth_audit_subject ON auth_audit(subject, id);
)sql";

// Migration 6: what the API reads by facility: its invoices over every run and its contracts
// over every program (a facility's card).
constexpr const char* kMigration6 = R"sql(
CREATE INDEX invoice_org_unit ON invoice(org_unit_id);
CREATE INDEX contract_org_unit ON contract(org_unit_id, start_date);
)sql";

// Migration 7: the workflow. Each facility-period of a data set has a status (declared,
// verified, report issued, contested...), changed only from the status its writer saw; every
// change is an event with who, when, why and what it carried (a verification report's data).
constexpr const char* kSqlite7 = R"sql(
CREATE TABLE period_status (
  data_set_id INTEGER NOT NULL REFERENCES data_set(id),
  org_unit_id INTEGER NOT NULL REFERENCES org_unit(id),
  period_id INTEGER NOT NULL REFERENCES period(id),
  status TEXT NOT NULL,
  version INTEGER NOT NULL,
  changed_by TEXT NOT NULL,
  PRIMARY KEY (data_set_id, org_unit_id, period_id)
) WITHOUT ROWID;
CREATE INDEX period_status_org_unit ON period_status(org_unit_id, period_id);
CREATE TABLE period_event (
  id INTEGER PRIMARY KEY,
  data_set_id INTEGER NOT NULL REFERENCES data_set(id),
  org_unit_id INTEGER NOT NULL REFERENCES org_unit(id),
  period_id INTEGER NOT NULL REFERENCES period(id),
  at INTEGER NOT NULL,
  user_name TEXT NOT NULL,
  source TEXT NOT NULL,
  address TEXT NOT NULL,
  action TEXT NOT NULL,
  status_from TEXT NOT NULL,
  status_to TEXT NOT NULL,
  on_behalf INTEGER NOT NULL,
  reason TEXT NOT NULL,
  detail TEXT NOT NULL
);
CREATE INDEX period_event_key ON period_event(data_set_id, org_unit_id, period_id, id);
)sql";

constexpr const char* kPostgres7 = R"sql(
CREATE TABLE period_status (
  data_set_id integer NOT NULL REFERENCES data_set(id),
  org_unit_id integer NOT NULL REFERENCES org_unit(id),
  period_id integer NOT NULL REFERENCES period(id),
  status text NOT NULL,
  version bigint NOT NULL,
  changed_by text NOT NULL,
  PRIMARY KEY (data_set_id, org_unit_id, period_id)
);
CREATE INDEX period_status_org_unit ON period_status(org_unit_id, period_id);
CREATE TABLE period_event (
  id bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
  data_set_id integer NOT NULL REFERENCES data_set(id),
  org_unit_id integer NOT NULL REFERENCES org_unit(id),
  period_id integer NOT NULL REFERENCES period(id),
  at bigint NOT NULL,
  user_name text NOT NULL,
  source text NOT NULL,
  address text NOT NULL,
  action text NOT NULL,
  status_from text NOT NULL,
  status_to text NOT NULL,
  on_behalf boolean NOT NULL,
  reason text NOT NULL,
  detail text NOT NULL
);
CREATE INDEX period_event_key ON period_event(data_set_id, org_unit_id, period_id, id);
)sql";

// Migration 8: runs in the workflow. A run computed for approval has a row in run_workflow
// (computed, approved, reopened; a draft run has none and can never be approved); its events
// (who started, approved, reopened, published it, when, why); the facilities it left out and
// why; and the values its approval locks (a facility's period, until the run is reopened).
constexpr const char* kSqlite8 = R"sql(
CREATE TABLE run_workflow (
  run_id INTEGER PRIMARY KEY REFERENCES invoice_run(id),
  status TEXT NOT NULL CHECK (status IN ('computed', 'approved', 'reopened')),
  version INTEGER NOT NULL,
  approved_by TEXT NOT NULL DEFAULT '',
  approved_at INTEGER NOT NULL DEFAULT 0,
  published_by TEXT NOT NULL DEFAULT '',
  published_at INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE run_event (
  id INTEGER PRIMARY KEY,
  run_id INTEGER NOT NULL REFERENCES invoice_run(id),
  at INTEGER NOT NULL,
  user_name TEXT NOT NULL,
  source TEXT NOT NULL,
  address TEXT NOT NULL,
  action TEXT NOT NULL,
  status_from TEXT NOT NULL,
  status_to TEXT NOT NULL,
  reason TEXT NOT NULL
);
CREATE INDEX run_event_run ON run_event(run_id, id);
CREATE TABLE invoice_left_out (
  run_id INTEGER NOT NULL REFERENCES invoice_run(id),
  org_unit_id INTEGER NOT NULL REFERENCES org_unit(id),
  reason TEXT NOT NULL,
  PRIMARY KEY (run_id, org_unit_id)
);
CREATE TABLE value_lock (
  org_unit_id INTEGER NOT NULL REFERENCES org_unit(id),
  period_id INTEGER NOT NULL REFERENCES period(id),
  run_id INTEGER NOT NULL REFERENCES invoice_run(id),
  PRIMARY KEY (org_unit_id, period_id, run_id)
) WITHOUT ROWID;
CREATE INDEX value_lock_run ON value_lock(run_id);
)sql";

constexpr const char* kPostgres8 = R"sql(
CREATE TABLE run_workflow (
  run_id bigint PRIMARY KEY REFERENCES invoice_run(id),
  status text NOT NULL CHECK (status IN ('computed', 'approved', 'reopened')),
  version bigint NOT NULL,
  approved_by text NOT NULL DEFAULT '',
  approved_at bigint NOT NULL DEFAULT 0,
  published_by text NOT NULL DEFAULT '',
  published_at bigint NOT NULL DEFAULT 0
);
CREATE TABLE run_event (
  id bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
  run_id bigint NOT NULL REFERENCES invoice_run(id),
  at bigint NOT NULL,
  user_name text NOT NULL,
  source text NOT NULL,
  address text NOT NULL,
  action text NOT NULL,
  status_from text NOT NULL,
  status_to text NOT NULL,
  reason text NOT NULL
);
CREATE INDEX run_event_run ON run_event(run_id, id);
CREATE TABLE invoice_left_out (
  run_id bigint NOT NULL REFERENCES invoice_run(id),
  org_unit_id integer NOT NULL REFERENCES org_unit(id),
  reason text NOT NULL,
  PRIMARY KEY (run_id, org_unit_id)
);
CREATE TABLE value_lock (
  org_unit_id integer NOT NULL REFERENCES org_unit(id),
  period_id integer NOT NULL REFERENCES period(id),
  run_id bigint NOT NULL REFERENCES invoice_run(id),
  PRIMARY KEY (org_unit_id, period_id, run_id)
);
CREATE INDEX value_lock_run ON value_lock(run_id);
)sql";

constexpr const char* kSqlite9 = R"sql(
CREATE TABLE job (
  id INTEGER PRIMARY KEY,
  kind TEXT NOT NULL,
  job_key TEXT NOT NULL,
  params TEXT NOT NULL,
  state TEXT NOT NULL CHECK (state IN ('queued', 'running', 'succeeded', 'failed')),
  created_at INTEGER NOT NULL,
  created_by TEXT NOT NULL,
  source TEXT NOT NULL,
  address TEXT NOT NULL,
  owner TEXT NOT NULL DEFAULT '',
  lease_until INTEGER NOT NULL DEFAULT 0,
  attempts INTEGER NOT NULL DEFAULT 0,
  phase TEXT NOT NULL DEFAULT '',
  done INTEGER NOT NULL DEFAULT 0,
  total INTEGER NOT NULL DEFAULT 0,
  started_at INTEGER NOT NULL DEFAULT 0,
  finished_at INTEGER NOT NULL DEFAULT 0,
  result_id INTEGER NOT NULL DEFAULT 0,
  error TEXT NOT NULL DEFAULT ''
);
CREATE UNIQUE INDEX job_one_at_a_time ON job(job_key) WHERE state IN ('queued', 'running');
CREATE INDEX job_waiting ON job(state, id) WHERE state IN ('queued', 'running');
ALTER TABLE run_workflow ADD COLUMN job_id INTEGER NOT NULL DEFAULT 0;
)sql";

constexpr const char* kPostgres9 = R"sql(
CREATE TABLE job (
  id bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
  kind text NOT NULL,
  job_key text NOT NULL,
  params text NOT NULL,
  state text NOT NULL CHECK (state IN ('queued', 'running', 'succeeded', 'failed')),
  created_at bigint NOT NULL,
  created_by text NOT NULL,
  source text NOT NULL,
  address text NOT NULL,
  owner text NOT NULL DEFAULT '',
  lease_until bigint NOT NULL DEFAULT 0,
  attempts integer NOT NULL DEFAULT 0,
  phase text NOT NULL DEFAULT '',
  done bigint NOT NULL DEFAULT 0,
  total bigint NOT NULL DEFAULT 0,
  started_at bigint NOT NULL DEFAULT 0,
  finished_at bigint NOT NULL DEFAULT 0,
  result_id bigint NOT NULL DEFAULT 0,
  error text NOT NULL DEFAULT ''
);
CREATE UNIQUE INDEX job_one_at_a_time ON job(job_key) WHERE state IN ('queued', 'running');
CREATE INDEX job_waiting ON job(state, id) WHERE state IN ('queued', 'running');
ALTER TABLE run_workflow ADD COLUMN job_id bigint NOT NULL DEFAULT 0;
)sql";

// Migration 10: payments. A facility's account (a bank account by its RIB, or a mobile-money
// wallet): each change is proposed by one person and confirmed (or rejected) by another; rows are
// never changed but by that decision, so the table is its own audit trail. Payments are recorded
// against the invoice they pay: money sent ("transfer"), or an amount the facility owes on
// another of its invoices set against this one ("offset", from_invoice_id naming it). What the
// national unit decides about an amount to recover (deduct it from the next payment, or waive
// it) is appended, the last word standing.
constexpr const char* kSqlite10 = R"sql(
CREATE TABLE payment_account (
  id INTEGER PRIMARY KEY,
  org_unit_id INTEGER NOT NULL REFERENCES org_unit(id),
  kind TEXT NOT NULL CHECK (kind IN ('bank', 'mobile')),
  institution TEXT NOT NULL,
  number TEXT NOT NULL,
  holder TEXT NOT NULL,
  state TEXT NOT NULL CHECK (state IN ('proposed', 'confirmed', 'rejected', 'replaced')),
  reason TEXT NOT NULL,
  proposed_by TEXT NOT NULL,
  proposed_at INTEGER NOT NULL,
  source TEXT NOT NULL,
  address TEXT NOT NULL,
  decided_by TEXT NOT NULL DEFAULT '',
  decided_at INTEGER NOT NULL DEFAULT 0,
  decided_reason TEXT NOT NULL DEFAULT ''
);
CREATE INDEX payment_account_org_unit ON payment_account(org_unit_id, id);
CREATE UNIQUE INDEX payment_account_one_confirmed ON payment_account(org_unit_id)
  WHERE state = 'confirmed';
CREATE UNIQUE INDEX payment_account_one_proposed ON payment_account(org_unit_id)
  WHERE state = 'proposed';
CREATE TABLE payment (
  id INTEGER PRIMARY KEY,
  invoice_id INTEGER NOT NULL REFERENCES invoice(id),
  kind TEXT NOT NULL CHECK (kind IN ('transfer', 'offset')),
  amount INTEGER NOT NULL CHECK (amount > 0),
  paid_on TEXT NOT NULL,
  reference TEXT NOT NULL,
  account_id INTEGER REFERENCES payment_account(id),
  from_invoice_id INTEGER REFERENCES invoice(id),
  recorded_by TEXT NOT NULL,
  recorded_at INTEGER NOT NULL,
  source TEXT NOT NULL,
  address TEXT NOT NULL,
  CHECK ((kind = 'transfer' AND account_id IS NOT NULL AND from_invoice_id IS NULL) OR
         (kind = 'offset' AND account_id IS NULL AND from_invoice_id IS NOT NULL))
);
CREATE INDEX payment_invoice ON payment(invoice_id, id);
CREATE INDEX payment_from_invoice ON payment(from_invoice_id) WHERE from_invoice_id IS NOT NULL;
CREATE TABLE recovery_decision (
  id INTEGER PRIMARY KEY,
  invoice_id INTEGER NOT NULL REFERENCES invoice(id),
  decision TEXT NOT NULL CHECK (decision IN ('deduct', 'waive')),
  reason TEXT NOT NULL,
  decided_by TEXT NOT NULL,
  decided_at INTEGER NOT NULL,
  source TEXT NOT NULL,
  address TEXT NOT NULL
);
CREATE INDEX recovery_decision_invoice ON recovery_decision(invoice_id, id);
)sql";

constexpr const char* kPostgres10 = R"sql(
CREATE TABLE payment_account (
  id bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
  org_unit_id integer NOT NULL REFERENCES org_unit(id),
  kind text NOT NULL CHECK (kind IN ('bank', 'mobile')),
  institution text NOT NULL,
  number text NOT NULL,
  holder text NOT NULL,
  state text NOT NULL CHECK (state IN ('proposed', 'confirmed', 'rejected', 'replaced')),
  reason text NOT NULL,
  proposed_by text NOT NULL,
  proposed_at bigint NOT NULL,
  source text NOT NULL,
  address text NOT NULL,
  decided_by text NOT NULL DEFAULT '',
  decided_at bigint NOT NULL DEFAULT 0,
  decided_reason text NOT NULL DEFAULT ''
);
CREATE INDEX payment_account_org_unit ON payment_account(org_unit_id, id);
CREATE UNIQUE INDEX payment_account_one_confirmed ON payment_account(org_unit_id)
  WHERE state = 'confirmed';
CREATE UNIQUE INDEX payment_account_one_proposed ON payment_account(org_unit_id)
  WHERE state = 'proposed';
CREATE TABLE payment (
  id bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
  invoice_id bigint NOT NULL REFERENCES invoice(id),
  kind text NOT NULL CHECK (kind IN ('transfer', 'offset')),
  amount bigint NOT NULL CHECK (amount > 0),
  paid_on text NOT NULL,
  reference text NOT NULL,
  account_id bigint REFERENCES payment_account(id),
  from_invoice_id bigint REFERENCES invoice(id),
  recorded_by text NOT NULL,
  recorded_at bigint NOT NULL,
  source text NOT NULL,
  address text NOT NULL,
  CHECK ((kind = 'transfer' AND account_id IS NOT NULL AND from_invoice_id IS NULL) OR
         (kind = 'offset' AND account_id IS NULL AND from_invoice_id IS NOT NULL))
);
CREATE INDEX payment_invoice ON payment(invoice_id, id);
CREATE INDEX payment_from_invoice ON payment(from_invoice_id) WHERE from_invoice_id IS NOT NULL;
CREATE TABLE recovery_decision (
  id bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
  invoice_id bigint NOT NULL REFERENCES invoice(id),
  decision text NOT NULL CHECK (decision IN ('deduct', 'waive')),
  reason text NOT NULL,
  decided_by text NOT NULL,
  decided_at bigint NOT NULL,
  source text NOT NULL,
  address text NOT NULL
);
CREATE INDEX recovery_decision_invoice ON recovery_decision(invoice_id, id);
)sql";

// Migration 11: catch-up runs. A facility left out of an approved run (or whose month was
// declared late) is paid in the next run as a catch-up: an invoice of the earlier period, in a
// run of its own that follows the next run's approval, reopening and publication.
constexpr const char* kMigration11 = R"sql(
ALTER TABLE run_workflow ADD COLUMN catch_up_for bigint NOT NULL DEFAULT 0;
CREATE INDEX run_workflow_catch_up ON run_workflow(catch_up_for) WHERE catch_up_for <> 0;
)sql";

}  // namespace

const std::vector<Migration>& Migrations(Dialect dialect) {
  static const std::vector<Migration> kSqlite = {
      {1, "pyramid, metadata, data values and audit", kSqlite1},
      {2, "attributes, option sets, geometry, entry windows, completions", kSqlite2},
      {3, "FBR programs, contracts and invoices", kSqlite3},
      {4, "facilities a run left out for a suspended contract", kSqlite4},
      {5, "accounts: users, roles, sessions, API tokens and their audit", kSqlite5},
      {6, "invoices and contracts by facility", kMigration6},
      {7, "the workflow: each facility-period's status and its events", kSqlite7},
      {8, "runs in the workflow: approval, events, facilities left out, locks", kSqlite8},
      {9, "background jobs with their leases; the job that computed a run", kSqlite9},
      {10, "payments: facilities' accounts, payments of invoices, recoveries", kSqlite10},
      {11, "catch-up runs, which follow the run they came with", kMigration11},
  };
  static const std::vector<Migration> kPostgres = {
      {1, "pyramid, metadata, data values and audit", kPostgres1},
      {2, "attributes, option sets, geometry, entry windows, completions", kPostgres2},
      {3, "FBR programs, contracts and invoices", kPostgres3},
      {4, "facilities a run left out for a suspended contract", kPostgres4},
      {5, "accounts: users, roles, sessions, API tokens and their audit", kPostgres5},
      {6, "invoices and contracts by facility", kMigration6},
      {7, "the workflow: each facility-period's status and its events", kPostgres7},
      {8, "runs in the workflow: approval, events, facilities left out, locks", kPostgres8},
      {9, "background jobs with their leases; the job that computed a run", kPostgres9},
      {10, "payments: facilities' accounts, payments of invoices, recoveries", kPostgres10},
      {11, "catch-up runs, which follow the run they came with", kMigration11},
  };
  return dialect == Dialect::kSqlite ? kSqlite : kPostgres;
}

}  // namespace keneya::store
