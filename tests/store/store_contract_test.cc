// The store contract: every engine must pass every test here (DESIGN.md). Each test runs on
// SQLite and on PostgreSQL.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <map>
#include <thread>

#include "core/period.h"
#include "store/migrations.h"
#include "store/store.h"
#include "tests/store/test_database.h"
#include "tests/store/test_metadata.h"

namespace keneya::store::testing {
namespace {

using core::DataValue;
using core::DataValueKey;

const Actor kAlice{"alice", "test", "saisie du registre"};
const Actor kBob{"bob", "test", ""};
const ImportInfo kImport{"bob", "declarations.json", "test", ""};

template <typename T>
int32_t IdOf(const std::vector<T>& objects, std::string_view uid) {
  for (const T& object : objects) {
    if (object.uid == uid) return object.id;
  }
  ADD_FAILURE() << "no object " << uid;
  return 0;
}

int32_t Month(int year, int month) {
  return core::Period::Make(core::PeriodType::kMonthly, year, month)->Code();
}

class StoreContractTest : public ::testing::TestWithParam<Engine> {
 protected:
  void SetUp() override {
    if (std::string why = Unavailable(GetParam()); !why.empty()) {
      if (std::getenv("KENEYA_REQUIRE_POSTGRES") != nullptr) FAIL() << why;
      GTEST_SKIP() << why;
    }
    db_ = std::make_unique<TestDatabase>(GetParam());
    store_ = db_->Open();
    ASSERT_NE(store_, nullptr);
  }

  // Saves the test metadata and remembers the ids the store gave.
  // A run of FBR_TEST version 1 (TestProgram) for 2024Q1, to save.
  static store::InvoiceRunRecord TestRun() {
    store::InvoiceRunRecord run;
    run.program_code = "FBR_TEST";
    run.program_version = 1;
    run.payment_code = "paiement";
    run.period = core::Period::Parse("2024Q1")->Code();
    return run;
  }
  void SaveTestMetadata() {
    auto saved = store_->SaveMetadata(TestMetadata(), kAlice);
    ASSERT_TRUE(saved.ok()) << saved.error().ToString();
    auto loaded = store_->LoadMetadata();
    ASSERT_TRUE(loaded.ok()) << loaded.error().ToString();
    metadata_ = *loaded;
    koko_ = IdOf(metadata_.org_units, kKoko);
    sanou_ = IdOf(metadata_.org_units, kSanoubougou);
    kati_ = IdOf(metadata_.org_units, kKati);
    deliveries_ = IdOf(metadata_.data_elements, kDeliveries);
    consultations_ = IdOf(metadata_.data_elements, kConsultations);
    default_coc_ = IdOf(metadata_.categories.option_combos, core::kDefaultCategoryOptionComboUid);
    female_under5_ = IdOf(metadata_.categories.option_combos, "CocFLt5a001");
  }

  DataValueKey Key(int32_t org_unit, int32_t period, int32_t state = core::kStateDeclared) {
    return DataValueKey{period, org_unit, deliveries_, default_coc_, default_coc_, state};
  }

  static DataValue Value(DataValueKey key, std::string value, std::string comment = "") {
    DataValue v;
    v.key = key;
    v.value = std::move(value);
    v.comment = std::move(comment);
    return v;
  }

  // `n` distinct values for Koko, over months of 2023 and states and combos.
  std::vector<DataValue> ManyValues(int n, int base) {
    std::vector<DataValue> out;
    const int32_t combos[] = {default_coc_, female_under5_};
    for (int i = 0; static_cast<int>(out.size()) < n; ++i) {
      DataValueKey key{Month(2023, 1 + i % 12),
                       i % 24 < 12 ? koko_ : sanou_,
                       i % 48 < 24 ? deliveries_ : consultations_,
                       0,
                       default_coc_,
                       1 + (i / 48) % 3};
      key.category_option_combo = key.data_element == deliveries_ ? default_coc_ : combos[1];
      if (i >= 144) break;
      out.push_back(Value(key, std::to_string(base + i)));
    }
    return out;
  }

  std::unique_ptr<TestDatabase> db_;
  std::unique_ptr<Store> store_;
  core::MetadataBundle metadata_;
  int32_t koko_ = 0, sanou_ = 0, kati_ = 0, deliveries_ = 0, consultations_ = 0, default_coc_ = 0,
          female_under5_ = 0;
};

// ---- Migrations ----

TEST_P(StoreContractTest, MigratesAnEmptyDatabaseOnceToTheLatestVersion) {
  TestDatabase fresh(GetParam());
  std::unique_ptr<Store> store = fresh.Open(/*migrate=*/false);
  ASSERT_NE(store, nullptr);
  EXPECT_EQ(*store->SchemaVersion(), 0);
  auto version = store->Migrate();
  ASSERT_TRUE(version.ok()) << version.error().ToString();
  EXPECT_EQ(*version, store->LatestSchemaVersion());
  auto again = store->Migrate();
  ASSERT_TRUE(again.ok()) << again.error().ToString();
  EXPECT_EQ(*again, store->LatestSchemaVersion());
  auto states = store->States();
  ASSERT_TRUE(states.ok());
  EXPECT_EQ(states->size(), 3u);  // the first migration ran once: its rows are not doubled
}

TEST_P(StoreContractTest, UpgradesADatabaseOfTheFirstVersion) {
  // A database made by the first release: migration 1 only, with data in it.
  TestDatabase old(GetParam());
  const Dialect dialect = GetParam() == Engine::kSqlite ? Dialect::kSqlite : Dialect::kPostgres;
  const Migration& first = Migrations(dialect).at(0);
  ASSERT_EQ(old.Exec("CREATE TABLE schema_migration (version integer PRIMARY KEY, name text NOT "
                     "NULL, applied_at bigint NOT NULL)"),
            "");
  ASSERT_EQ(old.Exec(std::string(first.sql)), "");
  ASSERT_EQ(old.Exec("INSERT INTO schema_migration VALUES (1, 'first', 0)"), "");
  ASSERT_EQ(old.Exec("INSERT INTO org_unit (uid, name, level, path, type, created, last_updated) "
                     "VALUES ('MaliRoot001', 'Mali', 1, '/MaliRoot001', 'PAYS', 0, 0)"),
            "");
  std::unique_ptr<Store> store = old.Open(/*migrate=*/false);
  ASSERT_EQ(*store->SchemaVersion(), 1);
  auto upgraded = store->Migrate();
  ASSERT_TRUE(upgraded.ok()) << upgraded.error().ToString();
  EXPECT_EQ(*upgraded, store->LatestSchemaVersion());
  auto metadata = store->LoadMetadata();
  ASSERT_TRUE(metadata.ok()) << metadata.error().ToString();
  ASSERT_EQ(metadata->org_units.size(), 1u);
  EXPECT_EQ(metadata->org_units[0].name, "Mali");
  EXPECT_TRUE(metadata->org_units[0].geometry.empty());
}

TEST_P(StoreContractTest, ConcurrentMigrationsLeaveOneSchema) {
  TestDatabase fresh(GetParam());
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  for (int i = 0; i < 4; ++i) {
    threads.emplace_back([&] {
      auto store = OpenStore(fresh.location(), OpenOptions{.migrate = false});
      if (!store.ok()) {
        ++failures;
        ADD_FAILURE() << store.error().ToString();
        return;
      }
      if (auto migrated = (*store)->Migrate(); !migrated.ok()) {
        ++failures;
        ADD_FAILURE() << migrated.error().ToString();
      }
    });
  }
  for (std::thread& t : threads) t.join();
  EXPECT_EQ(failures, 0);
  std::unique_ptr<Store> store = fresh.Open(false);
  EXPECT_EQ(*store->SchemaVersion(), store->LatestSchemaVersion());
  EXPECT_EQ(store->States()->size(), 3u);
}

TEST_P(StoreContractTest, RefusesADatabaseFromANewerProgram) {
  // A newer Keneya has migrated this database further than this program knows.
  ASSERT_EQ(db_->Exec("INSERT INTO schema_migration (version, name, applied_at) "
                      "VALUES (999, 'from the future', 0)"),
            "");
  auto migrated = store_->Migrate();
  ASSERT_FALSE(migrated.ok());
  EXPECT_EQ(migrated.error().code, core::ErrorCode::kFailedPrecondition);
  EXPECT_NE(migrated.error().message.find("version 999, newer than this program's"),
            std::string::npos)
      << migrated.error().ToString();
  EXPECT_FALSE(OpenStore(db_->location()).ok());
}

// ---- Metadata ----

TEST_P(StoreContractTest, SavesAndLoadsMetadata) {
  SaveTestMetadata();
  core::MetadataBundle expected = TestMetadata();
  ASSERT_EQ(metadata_.org_units.size(), expected.org_units.size());
  for (size_t i = 0; i < expected.org_units.size(); ++i) {
    core::OrgUnit got = metadata_.org_units[i];
    EXPECT_GT(got.id, 0);
    got.id = 0;
    EXPECT_EQ(got, expected.org_units[i]) << expected.org_units[i].uid;
  }
  ASSERT_EQ(metadata_.data_elements.size(), expected.data_elements.size());
  for (size_t i = 0; i < expected.data_elements.size(); ++i) {
    core::DataElement got = metadata_.data_elements[i];
    got.id = 0;
    core::DataElement want = expected.data_elements[i];
    if (want.category_combo_uid.empty()) want.category_combo_uid = core::kDefaultCategoryComboUid;
    EXPECT_EQ(got, want) << want.uid;
  }
  ASSERT_EQ(metadata_.option_sets.size(), 1u);
  core::OptionSet option_set = metadata_.option_sets[0];
  option_set.id = 0;
  EXPECT_EQ(option_set, expected.option_sets[0]);
  ASSERT_EQ(metadata_.attributes.size(), 1u);
  EXPECT_EQ(metadata_.attributes[0].code, "CODE_SNIS");
  ASSERT_EQ(metadata_.data_sets.size(), 1u);
  EXPECT_EQ(metadata_.data_sets[0].expiry_days, 15);
  EXPECT_EQ(metadata_.data_sets[0].open_future_periods, 1);
  EXPECT_EQ(metadata_.data_sets[0].data_element_uids, expected.data_sets[0].data_element_uids);
  EXPECT_EQ(metadata_.data_sets[0].org_unit_uids.size(), 2u);
  EXPECT_EQ(metadata_.data_sets[0].period_type, core::PeriodType::kMonthly);
  EXPECT_EQ(metadata_.data_sets[0].category_combo_uid, core::kDefaultCategoryComboUid);
  EXPECT_EQ(metadata_.categories.option_combos.size(), 5u);
  EXPECT_EQ(metadata_.org_unit_group_sets.at(0).group_uids,
            (std::vector<std::string>{kEquity0, kEquity20}));
  const core::DataElement* consultations = nullptr;
  for (const auto& de : metadata_.data_elements) {
    if (de.uid == kConsultations) consultations = &de;
  }
  ASSERT_NE(consultations, nullptr);
  EXPECT_EQ(consultations->category_combo_uid, "CcSexeAge01");
  EXPECT_EQ(consultations->value_type, core::ValueType::kIntegerZeroOrPositive);
  EXPECT_TRUE(metadata_.Validate().ok());
}

TEST_P(StoreContractTest, UpdatesMetadataByUidAndAuditsOnlyRealChanges) {
  SaveTestMetadata();
  core::MetadataBundle change;
  core::OrgUnit koko = metadata_.org_units[3];
  ASSERT_EQ(koko.uid, kKoko);
  koko.name = "CSCOM de Koko II";
  koko.group_uids = {kEquity20};
  change.org_units.push_back(koko);
  ASSERT_TRUE(store_->SaveMetadata(change, Actor{"carol", "screen", ""}).ok());
  // Saving the same again changes nothing and audits nothing.
  ASSERT_TRUE(store_->SaveMetadata(change, Actor{"carol", "screen", ""}).ok());

  auto loaded = store_->LoadMetadata();
  ASSERT_TRUE(loaded.ok());
  const core::OrgUnit& got = loaded->org_units[3];
  EXPECT_EQ(got.name, "CSCOM de Koko II");
  EXPECT_EQ(got.id, koko.id);
  EXPECT_EQ(got.group_uids, std::vector<std::string>{kEquity20});
  auto audit = store_->MetadataAudit(kKoko);
  ASSERT_TRUE(audit.ok());
  ASSERT_EQ(audit->size(), 2u);
  EXPECT_EQ((*audit)[0].action, "create");
  EXPECT_EQ((*audit)[0].user, "alice");
  EXPECT_EQ((*audit)[1].action, "update");
  EXPECT_EQ((*audit)[1].user, "carol");
  EXPECT_EQ((*audit)[1].source, "screen");
}

TEST_P(StoreContractTest, RejectsInvalidMetadataAndWritesNothing) {
  core::MetadataBundle bad = TestMetadata();
  bad.org_units[3].parent_uid = "NoSuchUnit1";
  bad.org_units[4].uid = "bad uid";
  bad.data_sets[0].data_element_uids.push_back("NoSuchElem1");
  auto saved = store_->SaveMetadata(bad, kAlice);
  ASSERT_FALSE(saved.ok());
  EXPECT_EQ(saved.error().code, core::ErrorCode::kInvalidArgument);
  const std::string& message = saved.error().message;
  EXPECT_NE(message.find("parent NoSuchUnit1 does not exist"), std::string::npos) << message;
  EXPECT_NE(message.find("\"bad uid\""), std::string::npos) << message;
  EXPECT_NE(message.find("data element NoSuchElem1 does not exist"), std::string::npos) << message;
  auto loaded = store_->LoadMetadata();
  ASSERT_TRUE(loaded.ok());
  EXPECT_TRUE(loaded->org_units.empty());
  EXPECT_TRUE(loaded->data_elements.empty());
}

TEST_P(StoreContractTest, RejectsAUidGivenTwiceInOneBundle) {
  core::MetadataBundle bad = TestMetadata();
  bad.data_elements.push_back(bad.data_elements[0]);
  auto saved = store_->SaveMetadata(bad, kAlice);
  ASSERT_FALSE(saved.ok());
  EXPECT_NE(saved.error().message.find("given twice"), std::string::npos);
}

TEST_P(StoreContractTest, AcceptsABundleThatRefersToStoredObjects) {
  SaveTestMetadata();
  core::MetadataBundle more;
  core::OrgUnit site;
  site.uid = "AscSanou001";
  site.name = "Site ASC de Sanoubougou";
  site.parent_uid = kSanoubougou;
  site.level = 5;
  site.path = metadata_.org_units[4].path + "/AscSanou001";
  site.type = core::OrgUnitType::kAscSite;
  more.org_units.push_back(site);
  auto saved = store_->SaveMetadata(more, kAlice);
  ASSERT_TRUE(saved.ok()) << saved.error().ToString();
  EXPECT_EQ(store_->LoadMetadata()->org_units.size(), 7u);
}

// ---- States ----

TEST_P(StoreContractTest, HasTheThreeFbrStatesAndAddsMore) {
  auto states = store_->States();
  ASSERT_TRUE(states.ok());
  ASSERT_EQ(states->size(), 3u);
  EXPECT_EQ((*states)[0].code, "declared");
  EXPECT_EQ((*states)[1].code, "verified");
  EXPECT_EQ((*states)[2].id, core::kStateValidated);
  EXPECT_EQ((*states)[2].name_fr, "Validé");
  auto added = store_->AddState(
      {0, "community_verified", "Vérifié par la communauté", "Community verified"}, kAlice);
  ASSERT_TRUE(added.ok()) << added.error().ToString();
  EXPECT_GT(added->id, core::kStateValidated);
  auto again = store_->AddState({0, "community_verified", "x", "y"}, kAlice);
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error().code, core::ErrorCode::kAlreadyExists);
  auto bad = store_->AddState({0, "Bad Code", "x", "y"}, kAlice);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().code, core::ErrorCode::kInvalidArgument);
}

// ---- Single values: create, read, update, delete, audit ----

TEST_P(StoreContractTest, CreatesReadsUpdatesAndAuditsOneValue) {
  SaveTestMetadata();
  const DataValueKey key = Key(koko_, Month(2022, 3));
  EXPECT_FALSE(store_->GetValue(key)->has_value());

  auto created = store_->PutValue(Value(key, "18", "registre p. 12"), kAlice);
  ASSERT_TRUE(created.ok()) << created.error().ToString();
  EXPECT_EQ(*created, WriteOutcome::kCreated);
  auto unchanged = store_->PutValue(Value(key, "18", "registre p. 12"), kAlice);
  EXPECT_EQ(*unchanged, WriteOutcome::kUnchanged);
  auto updated = store_->PutValue(Value(key, "21", "recompté"), Actor{"dan", "screen", "erreur"});
  EXPECT_EQ(*updated, WriteOutcome::kUpdated);

  auto got = store_->GetValue(key);
  ASSERT_TRUE(got.ok() && got->has_value());
  EXPECT_EQ((*got)->value, "21");
  EXPECT_EQ((*got)->comment, "recompté");
  EXPECT_FALSE((*got)->deleted);
  EXPECT_GT((*got)->created, 0);
  EXPECT_GE((*got)->last_updated, (*got)->created);
  EXPECT_EQ((*got)->import_id, 0);

  auto trail = store_->AuditTrail(key);
  ASSERT_TRUE(trail.ok());
  ASSERT_EQ(trail->size(), 2u);  // the unchanged write is not a change
  EXPECT_EQ((*trail)[0].action, AuditAction::kCreate);
  EXPECT_FALSE((*trail)[0].old_value.has_value());
  EXPECT_EQ((*trail)[0].new_value, "18");
  EXPECT_EQ((*trail)[0].user, "alice");
  EXPECT_EQ((*trail)[0].reason, "saisie du registre");
  EXPECT_EQ((*trail)[1].action, AuditAction::kUpdate);
  EXPECT_EQ((*trail)[1].old_value, "18");
  EXPECT_EQ((*trail)[1].new_value, "21");
  EXPECT_EQ((*trail)[1].old_comment, "registre p. 12");
  EXPECT_EQ((*trail)[1].new_comment, "recompté");
  EXPECT_EQ((*trail)[1].user, "dan");
  EXPECT_EQ((*trail)[1].source, "screen");
  EXPECT_EQ((*trail)[1].reason, "erreur");
  EXPECT_GE((*trail)[1].at, (*trail)[0].at);
}

TEST_P(StoreContractTest, KeepsStatesApartForOneIndicator) {
  SaveTestMetadata();
  const int32_t march = Month(2022, 3);
  ASSERT_TRUE(store_->PutValue(Value(Key(koko_, march, core::kStateDeclared), "25"), kAlice).ok());
  ASSERT_TRUE(store_->PutValue(Value(Key(koko_, march, core::kStateVerified), "21"), kAlice).ok());
  EXPECT_EQ((*store_->GetValue(Key(koko_, march, core::kStateDeclared)))->value, "25");
  EXPECT_EQ((*store_->GetValue(Key(koko_, march, core::kStateVerified)))->value, "21");
  ValueQuery verified;
  verified.states = {core::kStateVerified};
  EXPECT_EQ(*store_->Count(verified), 1);
}

TEST_P(StoreContractTest, DeletesSoftlyAndAuditsTheDeleteAndTheReturn) {
  SaveTestMetadata();
  const DataValueKey key = Key(koko_, Month(2022, 4));
  ASSERT_TRUE(store_->PutValue(Value(key, "7"), kAlice).ok());
  auto deleted = store_->DeleteValue(key, Actor{"erin", "screen", "doublon"});
  ASSERT_TRUE(deleted.ok()) << deleted.error().ToString();
  EXPECT_TRUE(*deleted);
  EXPECT_FALSE(*store_->DeleteValue(key, kAlice));                         // already deleted
  EXPECT_FALSE(*store_->DeleteValue(Key(koko_, Month(2019, 1)), kAlice));  // never written

  auto got = store_->GetValue(key);
  ASSERT_TRUE(got->has_value());
  EXPECT_TRUE((*got)->deleted);
  EXPECT_EQ((*got)->value, "7");  // the content is kept
  EXPECT_EQ(*store_->Count(ValueQuery{}), 0);
  ValueQuery with_deleted;
  with_deleted.include_deleted = true;
  EXPECT_EQ(*store_->Count(with_deleted), 1);

  EXPECT_EQ(*store_->PutValue(Value(key, "8"), kAlice), WriteOutcome::kCreated);
  auto trail = store_->AuditTrail(key);
  ASSERT_EQ(trail->size(), 3u);
  EXPECT_EQ((*trail)[1].action, AuditAction::kDelete);
  EXPECT_EQ((*trail)[1].old_value, "7");
  EXPECT_FALSE((*trail)[1].new_value.has_value());
  EXPECT_EQ((*trail)[1].reason, "doublon");
  EXPECT_EQ((*trail)[2].action, AuditAction::kCreate);
  EXPECT_EQ((*trail)[2].old_value, "7");
  EXPECT_EQ((*trail)[2].new_value, "8");
}

TEST_P(StoreContractTest, RefusesAValueForAnUnknownOrgUnitAndWritesNothing) {
  SaveTestMetadata();
  auto result = store_->PutValue(Value(Key(9999, Month(2022, 1)), "5"), kAlice);
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().code, core::ErrorCode::kNotFound);
  EXPECT_NE(result.error().message.find("org unit with id 9999"), std::string::npos)
      << result.error().ToString();
  EXPECT_EQ(*store_->Count(ValueQuery{.include_deleted = true}), 0);
}

TEST_P(StoreContractTest, StoresTextAndSpecialCharactersExactly) {
  SaveTestMetadata();
  DataValueKey key = Key(koko_, Month(2022, 5));
  key.data_element = IdOf(metadata_.data_elements, kQualityText);
  const std::string text = "Hygiène: « bon » \\ tab\there\nnewline; 'quote' \"dq\" ? ; 100 %";
  ASSERT_TRUE(store_->PutValue(Value(key, text, "commentaire\tà\\part"), kAlice).ok());
  std::vector<DataValue> bulk = {Value(Key(sanou_, Month(2022, 5)), text, "c\\n\n")};
  bulk[0].key.data_element = key.data_element;
  ASSERT_TRUE(store_->BulkLoad(bulk, kImport, nullptr).ok());
  EXPECT_EQ((*store_->GetValue(key))->value, text);
  EXPECT_EQ((*store_->GetValue(key))->comment, "commentaire\tà\\part");
  EXPECT_EQ((*store_->GetValue(bulk[0].key))->value, text);
  EXPECT_EQ((*store_->GetValue(bulk[0].key))->comment, "c\\n\n");
}

TEST_P(StoreContractTest, AWriteAgainstAnOldVersionIsAConflictAndWritesNothing) {
  SaveTestMetadata();
  const DataValueKey key = Key(koko_, Month(2022, 7));
  // A cell never written has version 0.
  ASSERT_FALSE(store_->WriteValueIf(Value(key, "5"), 42, kAlice).ok());
  auto created = store_->WriteValueIf(Value(key, "5"), 0, kAlice);
  ASSERT_TRUE(created.ok()) << created.error().ToString();
  EXPECT_EQ(*created, WriteOutcome::kCreated);
  const core::TimestampMs first = (*store_->GetValue(key))->last_updated;
  // Two writers saw `first`: the second one is refused and told so.
  ASSERT_TRUE(store_->WriteValueIf(Value(key, "6"), first, kAlice).ok());
  const core::TimestampMs second = (*store_->GetValue(key))->last_updated;
  EXPECT_GT(second, first);
  auto late = store_->WriteValueIf(Value(key, "7"), first, kAlice);
  ASSERT_FALSE(late.ok());
  EXPECT_EQ(late.error().code, core::ErrorCode::kConflict);
  EXPECT_EQ((*store_->GetValue(key))->value, "6");
  EXPECT_EQ(store_->AuditTrail(key)->size(), 2u);
  // A delete names the version too, and is audited.
  DataValue gone = Value(key, "");
  gone.deleted = true;
  EXPECT_FALSE(store_->WriteValueIf(gone, first, kAlice).ok());
  ASSERT_TRUE(store_->WriteValueIf(gone, second, kAlice).ok());
  EXPECT_TRUE((*store_->GetValue(key))->deleted);
  EXPECT_EQ(store_->AuditTrail(key)->back().action, AuditAction::kDelete);
  // Writing the same content again changes nothing, not even the version.
  const core::TimestampMs deleted_at = (*store_->GetValue(key))->last_updated;
  ASSERT_TRUE(store_->WriteValueIf(Value(key, "8"), deleted_at, kAlice).ok());
  const core::TimestampMs third = (*store_->GetValue(key))->last_updated;
  EXPECT_EQ(*store_->WriteValueIf(Value(key, "8"), third, kAlice), WriteOutcome::kUnchanged);
  EXPECT_EQ((*store_->GetValue(key))->last_updated, third);
}

// ---- The workflow ----

TEST_P(StoreContractTest, APeriodMovesOnlyFromTheStatusAndVersionItsWriterSaw) {
  SaveTestMetadata();
  const store::PeriodKey key{IdOf(metadata_.data_sets, kDataSet), koko_, Month(2025, 1)};
  EXPECT_FALSE(store_->GetPeriodStatus(key)->has_value());  // open: no row
  store::PeriodEvent declare;
  declare.key = key;
  declare.action = "declare";
  declare.from = "open";
  declare.to = "declared";
  declare.detail = R"({"daysLate":2})";
  const Actor head{"awa", "api", "", "10.0.0.7"};
  // Someone who saw another version, or another status, moves nothing.
  auto stale = store_->ChangePeriodStatus(declare, 12345, head);
  ASSERT_FALSE(stale.ok());
  EXPECT_EQ(stale.error().code, core::ErrorCode::kConflict);
  store::PeriodEvent wrong = declare;
  wrong.from = "verified";
  EXPECT_FALSE(store_->ChangePeriodStatus(wrong, 0, head).ok());

  auto declared = store_->ChangePeriodStatus(declare, 0, head);
  ASSERT_TRUE(declared.ok()) << declared.error().ToString();
  EXPECT_EQ(declared->status, "declared");
  EXPECT_GT(declared->version, 0);
  EXPECT_EQ(declared->changed_by, "awa");
  // The same step again, from the version before it: refused, nothing written.
  EXPECT_EQ(store_->ChangePeriodStatus(declare, 0, head).error().code, core::ErrorCode::kConflict);

  store::PeriodEvent verify = declare;
  verify.action = "verify";
  verify.from = "declared";
  verify.to = "verified";
  verify.detail.clear();
  verify.reason = "registres vus";
  auto verified = store_->ChangePeriodStatus(verify, declared->version, {"ousmane", "api", ""});
  ASSERT_TRUE(verified.ok()) << verified.error().ToString();
  EXPECT_GT(verified->version, declared->version);

  auto events = store_->PeriodEvents(key);
  ASSERT_TRUE(events.ok()) << events.error().ToString();
  ASSERT_EQ(events->size(), 2u);
  EXPECT_EQ((*events)[0].user, "awa");
  EXPECT_EQ((*events)[0].source, "api");
  EXPECT_EQ((*events)[0].address, "10.0.0.7");
  EXPECT_EQ((*events)[0].from, "open");
  EXPECT_EQ((*events)[0].detail, R"({"daysLate":2})");
  EXPECT_EQ((*events)[0].at, declared->version);
  EXPECT_EQ((*events)[1].reason, "registres vus");
  EXPECT_EQ((*events)[1].to, "verified");

  store::PeriodStatusQuery query;
  query.org_units = {koko_};
  query.statuses = {"verified"};
  auto found = store_->PeriodStatuses(query);
  ASSERT_TRUE(found.ok()) << found.error().ToString();
  ASSERT_EQ(found->size(), 1u);
  EXPECT_EQ((*found)[0].key, key);
  query.statuses = {"declared"};
  EXPECT_TRUE(store_->PeriodStatuses(query)->empty());
}

// ---- Queries ----

TEST_P(StoreContractTest, CountsByPeriodAndStateFindsTheLatestPeriodAndComparesTwoStates) {
  SaveTestMetadata();
  const int32_t march = Month(2022, 3), april = Month(2022, 4), june = Month(2022, 6);
  auto put = [&](int32_t org_unit, int32_t period, int32_t state, const std::string& value) {
    ASSERT_TRUE(store_->PutValue(Value(Key(org_unit, period, state), value), kAlice).ok());
  };
  put(koko_, march, core::kStateDeclared, "25");
  put(koko_, march, core::kStateVerified, "21");  // a gap
  put(koko_, april, core::kStateDeclared, "30");
  put(koko_, april, core::kStateVerified, "30");  // none
  put(koko_, june, core::kStateDeclared, "12");   // declared alone: no gap
  put(sanou_, june, core::kStateVerified, "99");  // another facility, later than Koko's gap
  put(sanou_, june, core::kStateDeclared, "98");
  ValueQuery koko;
  koko.org_units = {koko_};
  koko.periods = {march, april, Month(2022, 5), june, Month(2022, 7)};

  auto counts = store_->CountByPeriodAndState(koko);
  ASSERT_TRUE(counts.ok()) << counts.error().ToString();
  ASSERT_EQ(counts->size(), 5u);
  EXPECT_EQ((*counts)[0].period, march);
  EXPECT_EQ((*counts)[0].state, core::kStateDeclared);
  EXPECT_EQ((*counts)[0].count, 1);
  EXPECT_EQ((*counts)[1].state, core::kStateVerified);
  EXPECT_EQ((*counts)[4].period, june);

  auto latest = store_->LatestPeriod(koko);
  ASSERT_TRUE(latest.ok()) << latest.error().ToString();
  EXPECT_EQ(*latest, std::optional<int32_t>(june));
  ValueQuery before = koko;
  before.periods = {Month(2021, 1), Month(2021, 2)};
  EXPECT_EQ(*store_->LatestPeriod(before), std::nullopt);

  auto gaps = store_->Gaps(koko, core::kStateDeclared, core::kStateVerified);
  ASSERT_TRUE(gaps.ok()) << gaps.error().ToString();
  ASSERT_EQ(gaps->size(), 1u);
  EXPECT_EQ((*gaps)[0].key.period, march);
  EXPECT_EQ((*gaps)[0].key.org_unit, koko_);
  EXPECT_EQ((*gaps)[0].key.state, core::kStateDeclared);
  EXPECT_EQ((*gaps)[0].first, "25");
  EXPECT_EQ((*gaps)[0].second, "21");

  // A deleted verified value is no longer a gap, nor counted.
  ASSERT_TRUE(store_->DeleteValue(Key(koko_, march, core::kStateVerified), kAlice).ok());
  EXPECT_TRUE(store_->Gaps(koko, core::kStateDeclared, core::kStateVerified)->empty());
  EXPECT_EQ(store_->CountByPeriodAndState(koko)->size(), 4u);
  ValueQuery everywhere;
  everywhere.periods = {june};
  EXPECT_EQ(store_->Gaps(everywhere, core::kStateDeclared, core::kStateVerified)->size(), 1u);
}

TEST_P(StoreContractTest, QueriesByPeriodOrgUnitSubtreeElementAndState) {
  SaveTestMetadata();
  std::vector<DataValue> values = ManyValues(144, 100);
  ASSERT_TRUE(store_->BulkLoad(values, kImport, nullptr).ok());
  EXPECT_EQ(*store_->Count(ValueQuery{}), 144);
  ValueQuery march;
  march.periods = {Month(2023, 3)};
  EXPECT_EQ(*store_->Count(march), 12);
  ValueQuery koko;
  koko.org_units = {koko_};
  EXPECT_EQ(*store_->Count(koko), 72);
  ValueQuery district;
  district.org_unit_subtree = kati_;
  EXPECT_EQ(*store_->Count(district), 144);
  ValueQuery facility_subtree;
  facility_subtree.org_unit_subtree = sanou_;
  EXPECT_EQ(*store_->Count(facility_subtree), 72);
  ValueQuery verified_deliveries;
  verified_deliveries.data_elements = {deliveries_};
  verified_deliveries.states = {core::kStateVerified};
  auto rows = store_->Query(verified_deliveries);
  ASSERT_TRUE(rows.ok());
  EXPECT_EQ(rows->size(), 24u);
  EXPECT_TRUE(std::is_sorted(rows->begin(), rows->end(),
                             [](const auto& a, const auto& b) { return a.key < b.key; }));
  for (const DataValue& v : *rows) {
    EXPECT_EQ(v.key.data_element, deliveries_);
    EXPECT_EQ(v.key.state, core::kStateVerified);
  }
}

TEST_P(StoreContractTest, ScansLiveValuesWithTheirKeys) {
  SaveTestMetadata();
  std::vector<DataValue> values = ManyValues(144, 100);
  ASSERT_TRUE(store_->BulkLoad(values, kImport, nullptr).ok());
  ASSERT_TRUE(store_->DeleteValue(values[0].key, kAlice).ok());
  ValueQuery march;
  march.periods = {Month(2023, 3)};
  std::map<DataValueKey, std::string> seen;
  ASSERT_TRUE(store_
                  ->ScanValues(march,
                               [&](const DataValueKey& key, std::string_view value) {
                                 seen.emplace(key, std::string(value));
                               })
                  .ok());
  EXPECT_EQ(seen.size(), 12u);
  for (const DataValue& v : values) {
    if (v.key.period != Month(2023, 3)) continue;
    ASSERT_EQ(seen.count(v.key), 1u);
    EXPECT_EQ(seen[v.key], v.value);
  }
  // The deleted value is not scanned.
  ValueQuery january;
  january.periods = {values[0].key.period};
  int count = 0;
  ASSERT_TRUE(
      store_->ScanValues(january, [&](const DataValueKey&, std::string_view) { ++count; }).ok());
  EXPECT_EQ(count, 11);
}

// ---- FBR programs, contracts, invoices ----

store::ProgramRecord TestProgram(int version, std::string toml) {
  store::ProgramRecord p;
  p.code = "FBR_TEST";
  p.version = version;
  p.name = "Programme de test";
  p.valid_from = core::Date::FromYmd(2023, 1, 1);
  p.toml_name = "programme.toml";
  p.toml = std::move(toml);
  p.files_json = R"({"tarifs.csv": "in:activity,out:tariff\nacc,5000\n"})";
  p.checksum = std::to_string(std::hash<std::string>{}(p.toml + p.files_json));
  return p;
}

TEST_P(StoreContractTest, StoresProgramVersionsOnceAndRefusesAChangedVersion) {
  auto first = store_->SaveProgram(TestProgram(1, "[program]\ncode = 'FBR_TEST'\n"), kAlice);
  ASSERT_TRUE(first.ok()) << first.error().ToString();
  EXPECT_GT(first->id, 0);
  EXPECT_EQ(first->loaded_by, "alice");
  auto again = store_->SaveProgram(TestProgram(1, "[program]\ncode = 'FBR_TEST'\n"), kAlice);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->id, first->id);
  auto changed = store_->SaveProgram(TestProgram(1, "[program]\ncode = 'FBR_TEST' # v2\n"), kAlice);
  ASSERT_FALSE(changed.ok());
  EXPECT_EQ(changed.error().code, core::ErrorCode::kConflict);
  EXPECT_NE(changed.error().message.find("new version"), std::string::npos);
  ASSERT_TRUE(
      store_->SaveProgram(TestProgram(2, "[program]\ncode = 'FBR_TEST' # v2\n"), kAlice).ok());
  auto programs = store_->Programs();
  ASSERT_TRUE(programs.ok());
  ASSERT_EQ(programs->size(), 2u);
  EXPECT_EQ((*programs)[1].version, 2);
  EXPECT_EQ((*programs)[0].files_json, TestProgram(1, "").files_json);
  EXPECT_EQ(store_->MetadataAudit("FBR_TEST:1")->size(), 1u);
}

TEST_P(StoreContractTest, RefusesOverlappingContractsAndKeepsTheirHistory) {
  SaveTestMetadata();
  store::Contract c;
  c.org_unit = koko_;
  c.program_code = "FBR_TEST";
  c.start = core::Date::FromYmd(2021, 1, 1);
  c.end = core::Date::FromYmd(2022, 12, 31);
  c.equity_category = "EQUITE_10";
  auto first = store_->PutContract(c, kAlice);
  ASSERT_TRUE(first.ok()) << first.error().ToString();
  // Overlapping, for the same facility and program: refused.
  store::Contract overlap = c;
  overlap.start = core::Date::FromYmd(2022, 6, 1);
  overlap.end.reset();
  auto refused = store_->PutContract(overlap, kAlice);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code, core::ErrorCode::kConflict);
  EXPECT_NE(refused.error().message.find("overlaps"), std::string::npos);
  // The next one, and another program at the same time, are fine.
  store::Contract next = c;
  next.start = core::Date::FromYmd(2023, 1, 1);
  next.end.reset();
  next.equity_category = "EQUITE_20";
  next.equity_explicit = true;
  auto second = store_->PutContract(next, kAlice);
  ASSERT_TRUE(second.ok()) << second.error().ToString();
  store::Contract other = overlap;
  other.program_code = "AUTRE";
  ASSERT_TRUE(store_->PutContract(other, kAlice).ok());
  // An end before the start, an unknown facility: refused.
  store::Contract backwards = c;
  backwards.program_code = "TROISIEME";
  backwards.end = core::Date::FromYmd(2020, 1, 1);
  EXPECT_EQ(store_->PutContract(backwards, kAlice).error().code, core::ErrorCode::kInvalidArgument);
  store::Contract nowhere = c;
  nowhere.program_code = "TROISIEME";
  nowhere.org_unit = 999999;
  EXPECT_EQ(store_->PutContract(nowhere, kAlice).error().code, core::ErrorCode::kNotFound);
  // Suspending the second one: audited with the old and new terms.
  store::Contract suspended = *second;
  suspended.status = store::ContractStatus::kSuspended;
  ASSERT_TRUE(store_->PutContract(suspended, store::Actor{"bob", "cli", "fraude"}).ok());
  auto history = store_->ContractHistory(second->id);
  ASSERT_TRUE(history.ok());
  ASSERT_EQ(history->size(), 2u);
  EXPECT_EQ((*history)[1].action, "update");
  EXPECT_EQ((*history)[1].user, "bob");
  EXPECT_EQ((*history)[1].reason, "fraude");
  EXPECT_EQ((*history)[1].old_terms, "2023-01-01.. EQUITE_20 (set) active");
  EXPECT_EQ((*history)[1].new_terms, "2023-01-01.. EQUITE_20 (set) suspended");
  auto contracts = store_->Contracts("FBR_TEST");
  ASSERT_TRUE(contracts.ok());
  ASSERT_EQ(contracts->size(), 2u);
  EXPECT_EQ((*contracts)[0].equity_category, "EQUITE_10");
  EXPECT_EQ((*contracts)[1].status, store::ContractStatus::kSuspended);
  EXPECT_EQ(store_->Contracts("")->size(), 3u);
}

TEST_P(StoreContractTest, WritesSeveralContractsAsOne) {
  SaveTestMetadata();
  store::Contract c;
  c.org_unit = koko_;
  c.program_code = "FBR_TEST";
  c.start = core::Date::FromYmd(2021, 1, 1);
  c.equity_category = "EQUITE_10";
  auto first = store_->PutContract(c, kAlice);
  ASSERT_TRUE(first.ok()) << first.error().ToString();
  store::Contract later = c;
  later.start = core::Date::FromYmd(2025, 1, 1);
  ASSERT_FALSE(store_->PutContract(later, kAlice).ok());  // overlaps the open first one
  // Closing the first and starting the next: both, in order (the second sees the first).
  store::Contract closed = *first;
  closed.end = core::Date::FromYmd(2023, 12, 31);
  store::Contract suspended = c;
  suspended.start = core::Date::FromYmd(2024, 1, 1);
  suspended.status = store::ContractStatus::kSuspended;
  const std::vector<store::Contract> both = {closed, suspended};
  auto written = store_->PutContracts(both, kAlice);
  ASSERT_TRUE(written.ok()) << written.error().ToString();
  ASSERT_EQ(written->size(), 2u);
  EXPECT_GT((*written)[1].id, first->id);
  EXPECT_EQ(store_->Contracts("FBR_TEST")->size(), 2u);
  // The second write fails (it overlaps): the first is not kept either.
  store::Contract shortened = (*written)[1];
  shortened.end = core::Date::FromYmd(2024, 6, 30);
  store::Contract overlapping = c;
  overlapping.start = core::Date::FromYmd(2023, 6, 1);
  const std::vector<store::Contract> failing = {shortened, overlapping};
  auto refused = store_->PutContracts(failing, kAlice);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code, core::ErrorCode::kConflict);
  auto contracts = store_->Contracts("FBR_TEST");
  ASSERT_EQ(contracts->size(), 2u);
  EXPECT_FALSE((*contracts)[1].end.has_value());                     // not shortened
  EXPECT_EQ(store_->ContractHistory((*written)[1].id)->size(), 1u);  // its creation only
}

TEST_P(StoreContractTest, ARunIsApprovedOnceLocksWhatItReadAndAnApprovedRunIsNeverSuperseded) {
  SaveTestMetadata();
  ASSERT_TRUE(store_->SaveProgram(TestProgram(1, "x"), kAlice).ok());
  store::InvoiceRunRecord run = TestRun();
  std::vector<store::InvoiceRecord> invoices(1);
  invoices[0].org_unit = koko_;
  invoices[0].number = "FBR_TEST-2024Q1-00001";
  invoices[0].lines_json = "[]";
  invoices[0].snapshot_json = "{}";
  auto draft = store_->SaveInvoiceRun(run, invoices, {}, {}, nullptr, kAlice);
  ASSERT_TRUE(draft.ok()) << draft.error().ToString();
  EXPECT_FALSE(store_->GetRunWorkflow(draft->id)->has_value());  // a draft
  store::RunForApproval approval;
  approval.left_out = {{sanou_, "not_declared FBR 202401"}};
  invoices[0].number = "FBR_TEST-2024Q1-00001-R2";
  auto saved = store_->SaveInvoiceRun(run, invoices, {}, {}, &approval, kAlice);
  ASSERT_TRUE(saved.ok()) << saved.error().ToString();
  auto workflow = store_->GetRunWorkflow(saved->id);
  ASSERT_TRUE(workflow.ok() && workflow->has_value());
  const store::RunWorkflowRecord started = **workflow;
  EXPECT_EQ(started.status, "computed");
  // One run waits per period: another is refused unless it names the one it replaces.
  invoices[0].number = "FBR_TEST-2024Q1-00001-R3";
  auto second = store_->SaveInvoiceRun(run, invoices, {}, {}, &approval, kAlice);
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.error().code, core::ErrorCode::kConflict);
  EXPECT_EQ(store_->InvoiceRuns()->size(), 2u);  // nothing written
  ASSERT_EQ(store_->LeftOut(saved->id)->size(), 1u);
  EXPECT_EQ((*store_->LeftOut(saved->id))[0].reason, "not_declared FBR 202401");

  store::RunChange approve;
  approve.run_id = saved->id;
  approve.action = "approve";
  approve.from = "computed";
  approve.to = "approved";
  approve.seen = started.version - 1;  // stale
  approve.add_locks = {{koko_, Month(2024, 1), saved->id}, {koko_, Month(2024, 2), saved->id}};
  EXPECT_EQ(store_->ChangeRun(approve, {"bob", "api", ""}).error().code,
            core::ErrorCode::kConflict);
  EXPECT_TRUE(store_->LocksOn(koko_, Month(2024, 1))->empty());  // nothing written
  approve.seen = started.version;
  auto approved = store_->ChangeRun(approve, {"bob", "api", "", "10.1.2.3"});
  ASSERT_TRUE(approved.ok()) << approved.error().ToString();
  EXPECT_EQ(approved->approved_by, "bob");
  EXPECT_EQ(store_->LocksOn(koko_, Month(2024, 2))->size(), 1u);
  EXPECT_TRUE(store_->LocksOn(koko_, Month(2024, 3))->empty());
  // A later draft computation of the period supersedes drafts, never the approved run; a run
  // for approval is refused until the approved one reopens.
  ASSERT_TRUE(store_->SaveInvoiceRun(run, invoices, {}, {}, nullptr, kAlice).ok());
  auto runs = store_->InvoiceRuns();
  ASSERT_TRUE(runs.ok());
  ASSERT_EQ(runs->size(), 3u);
  EXPECT_EQ((*runs)[0].status, "draft");
  EXPECT_EQ((*runs)[1].status, "draft");  // the approved run was not superseded
  EXPECT_EQ((*runs)[2].status, "superseded");
  invoices[0].number = "FBR_TEST-2024Q1-00001-R4";
  auto refused = store_->SaveInvoiceRun(run, invoices, {}, {}, &approval, kAlice);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code, core::ErrorCode::kConflict);
  store::RunChange reopen;
  reopen.run_id = saved->id;
  reopen.action = "reopen";
  reopen.from = "approved";
  reopen.to = "reopened";
  reopen.seen = approved->version;
  reopen.reason = "erreur de saisie";
  reopen.remove_locks = true;
  ASSERT_TRUE(store_->ChangeRun(reopen, kAlice).ok());
  EXPECT_TRUE(store_->LocksOn(koko_, Month(2024, 2))->empty());
  auto events = store_->RunEvents(saved->id);
  ASSERT_EQ(events->size(), 3u);
  EXPECT_EQ((*events)[1].address, "10.1.2.3");
  EXPECT_EQ((*events)[2].reason, "erreur de saisie");
  EXPECT_EQ((*events)[2].from, "approved");
}

TEST_P(StoreContractTest, PaymentsAreWrittenOnlyOverWhatTheirWriterSawAndAccountsDecidedOnce) {
  SaveTestMetadata();
  ASSERT_TRUE(store_->SaveProgram(TestProgram(1, "x"), kAlice).ok());
  store::InvoiceRunRecord run = TestRun();
  std::vector<store::InvoiceRecord> invoices(1);
  invoices[0].org_unit = koko_;
  invoices[0].number = "FBR_TEST-2024Q1-00001";
  invoices[0].total = 150000;
  invoices[0].lines_json = "[]";
  invoices[0].snapshot_json = "{}";
  store::RunForApproval approval;
  auto saved = store_->SaveInvoiceRun(run, invoices, {}, {}, &approval, kAlice);
  ASSERT_TRUE(saved.ok()) << saved.error().ToString();
  const int64_t invoice = (*store_->InvoiceList(saved->id, koko_))[0].id;

  // One proposal at a time; decided once.
  store::PaymentAccountRecord account;
  account.org_unit = koko_;
  account.kind = "bank";
  account.institution = "BDM-SA";
  account.number = "ML0160120102010000023437";
  account.holder = "ASACO";
  account.reason = "ouverture";
  auto proposed = store_->ProposeAccount(account, kAlice);
  ASSERT_TRUE(proposed.ok()) << proposed.error().ToString();
  EXPECT_EQ(proposed->state, "proposed");
  EXPECT_EQ(proposed->proposed_by, kAlice.user);
  EXPECT_EQ(store_->ProposeAccount(account, kAlice).error().code, core::ErrorCode::kConflict);
  auto confirmed = store_->DecideAccount(proposed->id, true, "", kBob);
  ASSERT_TRUE(confirmed.ok()) << confirmed.error().ToString();
  EXPECT_EQ(confirmed->state, "confirmed");
  EXPECT_EQ(confirmed->decided_by, kBob.user);
  EXPECT_EQ(store_->DecideAccount(proposed->id, false, "non", kBob).error().code,
            core::ErrorCode::kConflict);
  // A second account replaces the first once confirmed; the first stays, as replaced.
  account.number = "ML0160120102010000099999";
  auto next = store_->ProposeAccount(account, kAlice);
  ASSERT_TRUE(next.ok());
  ASSERT_TRUE(store_->DecideAccount(next->id, true, "", kBob).ok());
  auto history = store_->PaymentAccounts(koko_, false);
  ASSERT_TRUE(history.ok());
  ASSERT_EQ(history->size(), 2u);
  EXPECT_EQ((*history)[0].state, "confirmed");
  EXPECT_EQ((*history)[1].state, "replaced");
  EXPECT_EQ(store_->PaymentAccounts(0, true)->size(), 1u);

  // Two writers who saw the same payments: the second writes nothing.
  store::PaymentRecord payment;
  payment.invoice_id = invoice;
  payment.kind = "transfer";
  payment.amount = 50000;
  payment.paid_on = "2024-05-02";
  payment.reference = "VIR-1";
  payment.account_id = next->id;
  const store::PaymentsSeen nothing;
  auto first = store_->RecordPayments(koko_, {&payment, 1}, nothing, kAlice);
  ASSERT_TRUE(first.ok()) << first.error().ToString();
  EXPECT_EQ((*first)[0].recorded_by, kAlice.user);
  auto late = store_->RecordPayments(koko_, {&payment, 1}, nothing, kBob);
  ASSERT_FALSE(late.ok());
  EXPECT_EQ(late.error().code, core::ErrorCode::kConflict);
  EXPECT_EQ(store_->Payments(koko_)->size(), 1u);
  store::RecoveryDecisionRecord decision;
  decision.invoice_id = invoice;
  decision.decision = "waive";
  decision.reason = "erreur";
  EXPECT_EQ(store_->DecideRecovery(koko_, decision, nothing, kBob).error().code,
            core::ErrorCode::kConflict);
  const store::PaymentsSeen seen{(*first)[0].id, 0};
  ASSERT_TRUE(store_->DecideRecovery(koko_, decision, seen, kBob).ok());
  EXPECT_EQ(store_->RecoveryDecisions(0)->size(), 1u);
  // An offset names the invoice it recovers; a transfer the account it went to.
  store::PaymentRecord offset = payment;
  offset.kind = "offset";
  offset.account_id = 0;
  offset.from_invoice = invoice;
  auto recorded = store_->RecordPayments(koko_, {&offset, 1}, {(*first)[0].id, 1}, kAlice);
  ASSERT_TRUE(recorded.ok()) << recorded.error().ToString();
  EXPECT_EQ((*recorded)[0].from_invoice, invoice);
  EXPECT_EQ((*recorded)[0].account_id, 0);

  // A batch (a bank statement) is written whole or not at all: one stale part refuses it all.
  const store::PaymentsSeen now{(*recorded)[0].id, 1};
  const size_t before = store_->Payments(koko_)->size();
  payment.reference = "VIR-2";
  std::vector<store::FacilityPayments> batch = {{koko_, {payment}, now}, {koko_, {payment}, seen}};
  auto stale = store_->RecordPaymentBatch(batch, kAlice);
  ASSERT_FALSE(stale.ok());
  EXPECT_EQ(stale.error().code, core::ErrorCode::kConflict);
  EXPECT_EQ(store_->Payments(koko_)->size(), before);
  batch.pop_back();
  batch[0].payments.push_back(payment);
  batch[0].payments.back().reference = "VIR-3";
  auto whole = store_->RecordPaymentBatch(batch, kAlice);
  ASSERT_TRUE(whole.ok()) << whole.error().ToString();
  ASSERT_EQ(whole->size(), 2u);
  EXPECT_EQ((*whole)[1].reference, "VIR-3");
  EXPECT_EQ(store_->Payments(koko_)->size(), before + 2);
}

TEST_P(StoreContractTest, AHistoryIsWrittenAsRecordedAndTheWorkflowGoesOnFromIt) {
  SaveTestMetadata();
  auto metadata = store_->LoadMetadata();
  ASSERT_TRUE(metadata.ok());
  ASSERT_FALSE(metadata->data_sets.empty());
  const int32_t set = metadata->data_sets.front().id;
  const store::PeriodKey key{set, koko_, core::Period::Parse("202409")->Code()};
  const core::TimestampMs declared_at = 1'727'900'000'000;  // 2024-10-02
  std::vector<store::PeriodEvent> events(2);
  events[0].key = key;
  events[0].at = declared_at;
  events[0].user = "chef.kokoii";
  events[0].source = "demo";
  events[0].action = "declare";
  events[0].from = "open";
  events[0].to = "declared";
  events[0].detail = R"({"daysLate": 0})";
  events[1] = events[0];
  events[1].at = declared_at + 86'400'000;
  events[1].user = "verif.kati";
  events[1].action = "verify";
  events[1].from = "declared";
  events[1].to = "verified";
  events[1].detail = "{}";
  const std::vector<store::PeriodStatusRecord> statuses = {
      {key, "verified", declared_at + 86'400'000, "verif.kati"}};
  ASSERT_TRUE(store_->WritePeriodHistory(statuses, events).ok());
  auto status = store_->GetPeriodStatus(key);
  ASSERT_TRUE(status.ok() && status->has_value());
  EXPECT_EQ((*status)->status, "verified");
  EXPECT_EQ((*status)->version, declared_at + 86'400'000);
  auto read = store_->PeriodEvents(key);
  ASSERT_TRUE(read.ok());
  ASSERT_EQ(read->size(), 2u);
  EXPECT_EQ((*read)[0].at, declared_at);
  EXPECT_EQ((*read)[0].user, "chef.kokoii");
  EXPECT_EQ((*read)[1].action, "verify");
  // The workflow goes on from the history, against its version.
  store::PeriodEvent next = events[1];
  next.action = "issue_report";
  next.from = "verified";
  next.to = "reported";
  auto moved = store_->ChangePeriodStatus(next, declared_at + 86'400'000, kBob);
  ASSERT_TRUE(moved.ok()) << moved.error().ToString();
  EXPECT_EQ(moved->status, "reported");
  // Written again, a status is replaced.
  const std::vector<store::PeriodStatusRecord> again = {
      {key, "validated", moved->version + 1, "district"}};
  ASSERT_TRUE(store_->WritePeriodHistory(again, {}).ok());
  EXPECT_EQ((*store_->GetPeriodStatus(key))->status, "validated");
}

TEST_P(StoreContractTest, StoresInvoiceRunsAndSupersedesTheDraftBefore) {
  SaveTestMetadata();
  ASSERT_TRUE(store_->SaveProgram(TestProgram(1, "x"), kAlice).ok());
  store::InvoiceRunRecord run = TestRun();
  run.total = 150000;
  std::vector<store::InvoiceRecord> invoices(1);
  invoices[0].org_unit = koko_;
  invoices[0].number = "FBR_TEST-2024Q1-00001";
  invoices[0].total = 150000;
  invoices[0].lines_json = R"([{"label": "Accouchements", "amount": 150000}])";
  invoices[0].snapshot_json = R"({"inputs": []})";
  const std::vector<int32_t> missing = {sanou_};
  const std::vector<int32_t> suspended = {};
  auto first = store_->SaveInvoiceRun(run, invoices, missing, suspended, nullptr, kAlice);
  ASSERT_TRUE(first.ok()) << first.error().ToString();
  EXPECT_EQ(first->status, "draft");
  EXPECT_EQ(first->invoice_count, 1);
  EXPECT_EQ(first->missing_count, 1);
  invoices[0].number = "FBR_TEST-2024Q1-00001-R2";
  const std::vector<int32_t> one_suspended = {kati_};
  auto second = store_->SaveInvoiceRun(run, invoices, missing, one_suspended, nullptr, kAlice);
  ASSERT_TRUE(second.ok()) << second.error().ToString();
  auto runs = store_->InvoiceRuns();
  ASSERT_TRUE(runs.ok());
  ASSERT_EQ(runs->size(), 2u);
  EXPECT_EQ((*runs)[0].id, second->id);
  EXPECT_EQ((*runs)[0].status, "draft");
  EXPECT_EQ((*runs)[1].status, "superseded");
  auto stored = store_->Invoices(second->id);
  ASSERT_TRUE(stored.ok());
  ASSERT_EQ(stored->size(), 1u);
  EXPECT_EQ((*stored)[0].lines_json, invoices[0].lines_json);
  EXPECT_EQ((*store_->MissingFacilities(second->id))[0], sanou_);
  EXPECT_EQ(*store_->SuspendedFacilities(second->id), one_suspended);
  EXPECT_TRUE(store_->SuspendedFacilities(first->id)->empty());
  EXPECT_EQ((*runs)[0].suspended_count, 1);
  EXPECT_EQ((*runs)[1].suspended_count, 0);
  auto numbers = store_->InvoiceNumbers("FBR_TEST", "paiement", run.period);
  ASSERT_TRUE(numbers.ok()) << numbers.error().ToString();
  ASSERT_EQ(numbers->size(), 2u);
  EXPECT_EQ((*numbers)[0], std::make_pair(koko_, std::string("FBR_TEST-2024Q1-00001")));
  EXPECT_EQ((*numbers)[1], std::make_pair(koko_, std::string("FBR_TEST-2024Q1-00001-R2")));
  EXPECT_TRUE(store_->InvoiceNumbers("FBR_TEST", "autre", run.period)->empty());
  auto one = store_->GetInvoice("FBR_TEST-2024Q1-00001");
  ASSERT_TRUE(one.ok() && one->has_value());
  EXPECT_EQ((*one)->run_id, first->id);
  // A number given twice, a program not stored: nothing written.
  auto repeated = store_->SaveInvoiceRun(run, invoices, missing, suspended, nullptr, kAlice);
  EXPECT_FALSE(repeated.ok());
  EXPECT_EQ(store_->InvoiceRuns()->size(), 2u);
  run.program_version = 7;
  invoices[0].number = "autre";
  EXPECT_EQ(store_->SaveInvoiceRun(run, invoices, missing, suspended, nullptr, kAlice).error().code,
            core::ErrorCode::kNotFound);
}

// ---- Bulk loads ----

TEST_P(StoreContractTest, BulkLoadCreatesValuesThatPointToOneImport) {
  SaveTestMetadata();
  std::vector<DataValue> values = ManyValues(144, 1);
  std::vector<Progress> seen;
  auto summary = store_->BulkLoad(values, kImport, [&](const Progress& p) { seen.push_back(p); });
  ASSERT_TRUE(summary.ok()) << summary.error().ToString();
  EXPECT_EQ(summary->created, 144);
  EXPECT_EQ(summary->updated + summary->unchanged + summary->deleted, 0);
  EXPECT_TRUE(summary->repeated.empty());
  ASSERT_FALSE(seen.empty());
  EXPECT_EQ(seen.back().phase, "commit");
  EXPECT_EQ(seen.back().done, 144);

  auto record = store_->GetImport(summary->import_id);
  ASSERT_TRUE(record.ok());
  EXPECT_EQ(record->user, "bob");
  EXPECT_EQ(record->source, "declarations.json");
  EXPECT_EQ(record->created, 144);
  EXPECT_GE(record->finished, record->started);
  auto stored = store_->Query(ValueQuery{});
  ASSERT_TRUE(stored.ok());
  for (const DataValue& v : *stored) {
    EXPECT_EQ(v.import_id, summary->import_id);
    // New values are audited through their import, not one by one.
    EXPECT_TRUE(store_->AuditTrail(v.key)->empty());
  }
  EXPECT_EQ(store_->Imports()->size(), 1u);
}

TEST_P(StoreContractTest, BulkLoadUpdatesDeletesAndAuditsEachChange) {
  SaveTestMetadata();
  std::vector<DataValue> first = ManyValues(144, 1);
  auto one = store_->BulkLoad(first, kImport, nullptr);
  ASSERT_TRUE(one.ok());
  std::vector<DataValue> second = first;
  second[0].value = "1000";                                  // update
  second[1].comment = "vérifié";                             // update (comment only)
  second[2].deleted = true;                                  // delete
  second[3].followup = true;                                 // update (followup only)
  DataValue fresh = Value(Key(koko_, Month(2024, 1)), "5");  // new
  second.push_back(fresh);
  DataValue ghost = Value(Key(koko_, Month(2019, 1)), "4");  // a new value marked deleted
  ghost.deleted = true;
  second.push_back(ghost);
  auto two =
      store_->BulkLoad(second, ImportInfo{"carol", "corrections.csv", "test", "ACV"}, nullptr);
  ASSERT_TRUE(two.ok()) << two.error().ToString();
  EXPECT_EQ(two->created, 2);  // the fresh value, and the ghost stored as a deleted row
  EXPECT_EQ(two->updated, 3);
  EXPECT_EQ(two->deleted, 1);
  EXPECT_EQ(two->unchanged, 140);

  auto trail = store_->AuditTrail(first[0].key);
  ASSERT_EQ(trail->size(), 1u);
  EXPECT_EQ((*trail)[0].action, AuditAction::kUpdate);
  EXPECT_EQ((*trail)[0].old_value, first[0].value);
  EXPECT_EQ((*trail)[0].new_value, "1000");
  EXPECT_EQ((*trail)[0].import_id, two->import_id);
  EXPECT_EQ((*trail)[0].user, "carol");
  EXPECT_EQ((*trail)[0].reason, "ACV");
  EXPECT_EQ((*store_->AuditTrail(first[3].key))[0].new_followup, true);
  auto deleted = store_->GetValue(first[2].key);
  EXPECT_TRUE((*deleted)->deleted);
  EXPECT_EQ((*deleted)->value, first[2].value);
  EXPECT_EQ((*store_->AuditTrail(first[2].key))[0].action, AuditAction::kDelete);
  // The updated value still names the import that created it.
  EXPECT_EQ((*store_->GetValue(first[0].key))->import_id, one->import_id);
  EXPECT_EQ((*store_->GetValue(fresh.key))->import_id, two->import_id);
  auto ghost_row = store_->GetValue(ghost.key);
  ASSERT_TRUE(ghost_row->has_value());
  EXPECT_TRUE((*ghost_row)->deleted);
  EXPECT_EQ((*ghost_row)->value, "4");

  // A deleted value given again comes back, audited as a creation.
  std::vector<DataValue> third = {first[2]};
  auto three = store_->BulkLoad(third, kImport, nullptr);
  EXPECT_EQ(three->created, 1);
  EXPECT_FALSE((*store_->GetValue(first[2].key))->deleted);
  EXPECT_EQ(store_->AuditTrail(first[2].key)->back().action, AuditAction::kCreate);
}

TEST_P(StoreContractTest, BulkLoadFollowsTheCreateUpdateAndDeleteStrategies) {
  SaveTestMetadata();
  const DataValue live = Value(Key(koko_, Month(2022, 1)), "1");
  DataValue gone = Value(Key(koko_, Month(2022, 2)), "2");
  ASSERT_TRUE(store_->PutValue(live, kAlice).ok());
  ASSERT_TRUE(store_->PutValue(gone, kAlice).ok());
  ASSERT_TRUE(store_->DeleteValue(gone.key, kAlice).ok());
  const DataValue fresh = Value(Key(koko_, Month(2022, 3)), "3");
  // Input: a live key changed, a deleted key written again, a new key.
  std::vector<DataValue> input = {Value(live.key, "10"), Value(gone.key, "20"),
                                  Value(fresh.key, "30")};

  auto create = store_->BulkLoad(input, kImport, nullptr,
                                 BulkLoadOptions{LoadStrategy::kCreate, /*dry_run=*/true});
  ASSERT_TRUE(create.ok()) << create.error().ToString();
  EXPECT_EQ(create->skipped, std::vector<size_t>{0});  // the live key is not overwritten
  EXPECT_EQ(create->created, 2);
  EXPECT_EQ(create->import_id, 0);

  auto update = store_->BulkLoad(input, kImport, nullptr,
                                 BulkLoadOptions{LoadStrategy::kUpdate, /*dry_run=*/true});
  ASSERT_TRUE(update.ok()) << update.error().ToString();
  EXPECT_EQ(update->skipped, (std::vector<size_t>{1, 2}));  // deleted and missing keys
  EXPECT_EQ(update->updated, 1);
  EXPECT_EQ(update->created, 0);

  auto remove = store_->BulkLoad(input, kImport, nullptr,
                                 BulkLoadOptions{LoadStrategy::kDelete, /*dry_run=*/true});
  ASSERT_TRUE(remove.ok()) << remove.error().ToString();
  EXPECT_EQ(remove->deleted, 1);
  EXPECT_EQ(remove->unchanged, 2);  // already deleted, and never written
  EXPECT_TRUE(remove->skipped.empty());

  // Dry runs wrote nothing, not even an import.
  EXPECT_EQ((*store_->GetValue(live.key))->value, "1");
  EXPECT_TRUE((*store_->GetValue(gone.key))->deleted);
  EXPECT_FALSE(store_->GetValue(fresh.key)->has_value());
  EXPECT_TRUE(store_->Imports()->empty());

  auto applied = store_->BulkLoad(input, kImport, nullptr, BulkLoadOptions{LoadStrategy::kUpdate});
  ASSERT_TRUE(applied.ok());
  EXPECT_EQ((*store_->GetValue(live.key))->value, "10");
  EXPECT_TRUE((*store_->GetValue(gone.key))->deleted);
  EXPECT_EQ(store_->GetImport(applied->import_id)->skipped, 2);
  auto deleted = store_->BulkLoad(input, kImport, nullptr, BulkLoadOptions{LoadStrategy::kDelete});
  ASSERT_TRUE(deleted.ok());
  EXPECT_TRUE((*store_->GetValue(live.key))->deleted);
  EXPECT_EQ((*store_->GetValue(live.key))->value, "10");  // a delete keeps the content
}

TEST_P(StoreContractTest, BulkLoadAppliesTheFirstOfARepeatedKeyAndReportsTheOthers) {
  SaveTestMetadata();
  std::vector<DataValue> values = {
      Value(Key(koko_, Month(2022, 1)), "1"), Value(Key(koko_, Month(2022, 2)), "2"),
      Value(Key(koko_, Month(2022, 1)), "3"), Value(Key(sanou_, Month(2022, 1)), "4"),
      Value(Key(koko_, Month(2022, 1)), "5"),
  };
  auto summary = store_->BulkLoad(values, kImport, nullptr);
  ASSERT_TRUE(summary.ok());
  EXPECT_EQ(summary->created, 3);
  EXPECT_EQ(summary->repeated, (std::vector<size_t>{2, 4}));
  EXPECT_EQ((*store_->GetValue(values[0].key))->value, "1");
  EXPECT_EQ(store_->GetImport(summary->import_id)->repeated, 2);
}

TEST_P(StoreContractTest, BulkLoadWithAMissingReferenceWritesNothing) {
  SaveTestMetadata();
  std::vector<DataValue> values = ManyValues(100, 1);
  values[60].key.org_unit = 4242;
  auto summary = store_->BulkLoad(values, kImport, nullptr);
  ASSERT_FALSE(summary.ok());
  EXPECT_EQ(summary.error().code, core::ErrorCode::kNotFound) << summary.error().ToString();
  EXPECT_EQ(*store_->Count(ValueQuery{.include_deleted = true}), 0);
  EXPECT_TRUE(store_->Imports()->empty());
}

// ---- Completeness ----

TEST_P(StoreContractTest, RecordsCompletionRegistrations) {
  SaveTestMetadata();
  const int32_t data_set = metadata_.data_sets.at(0).id;
  const CompletionKey key{data_set, Month(2022, 1), koko_, default_coc_};
  EXPECT_FALSE(store_->GetCompletion(key)->has_value());
  auto created = store_->PutCompletion({key, true, "2022-02-05", "aminata"}, kAlice);
  ASSERT_TRUE(created.ok()) << created.error().ToString();
  EXPECT_EQ(*created, WriteOutcome::kCreated);
  EXPECT_EQ(*store_->PutCompletion({key, true, "2022-02-05", "aminata"}, kAlice),
            WriteOutcome::kUnchanged);
  EXPECT_EQ(*store_->PutCompletion({key, false, "2022-02-07", "aminata"}, kAlice),
            WriteOutcome::kUpdated);
  auto got = store_->GetCompletion(key);
  ASSERT_TRUE(got->has_value());
  EXPECT_FALSE((*got)->completed);
  EXPECT_EQ((*got)->complete_date, "2022-02-07");
  EXPECT_EQ(store_->Completions(data_set)->size(), 1u);
  EXPECT_EQ(store_->Completions(0)->size(), 1u);
  auto bad_date = store_->PutCompletion({key, true, "5 février", ""}, kAlice);
  ASSERT_FALSE(bad_date.ok());
  EXPECT_EQ(bad_date.error().code, core::ErrorCode::kInvalidArgument);
  auto missing = store_->PutCompletion(
      {{data_set, Month(2022, 1), 9999, default_coc_}, true, "2022-02-05", ""}, kAlice);
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().code, core::ErrorCode::kNotFound);
}

// ---- Concurrency ----

TEST_P(StoreContractTest, ConcurrentWritersLoseNothing) {
  SaveTestMetadata();
  constexpr int kThreads = 4;
  constexpr int kWritesPerThread = 60;
  std::atomic<int> created{0}, updated{0}, failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      std::unique_ptr<Store> store = db_->Open(false);
      if (store == nullptr) {
        ++failures;
        return;
      }
      for (int i = 0; i < kWritesPerThread; ++i) {
        // Threads share keys: each month is written by every thread.
        const DataValueKey key = Key((i / 12) % 2 == 0 ? koko_ : sanou_, Month(2021, 1 + i % 12));
        DataValue v = Value(key, std::to_string(t * 1000 + i));
        if (t == kThreads - 1 && i % 20 == 0) {
          // One thread also bulk-loads while the others write one by one.
          std::vector<DataValue> batch = {v};
          auto s = store->BulkLoad(batch, kImport, nullptr);
          if (!s.ok()) {
            ++failures;
            ADD_FAILURE() << s.error().ToString();
            continue;
          }
          created += static_cast<int>(s->created);
          updated += static_cast<int>(s->updated);
          continue;
        }
        auto outcome = store->PutValue(v, Actor{"thread" + std::to_string(t), "test", ""});
        if (!outcome.ok()) {
          ++failures;
          ADD_FAILURE() << outcome.error().ToString();
        } else if (*outcome == WriteOutcome::kCreated) {
          ++created;
        } else if (*outcome == WriteOutcome::kUpdated) {
          ++updated;
        }
      }
    });
  }
  for (std::thread& t : threads) t.join();
  EXPECT_EQ(failures, 0);
  // 24 distinct keys, each created once; every other write changed the value.
  EXPECT_EQ(created, 24);
  EXPECT_EQ(created + updated, kThreads * kWritesPerThread);
  int64_t audited = 0;
  int64_t bulk_created = 0;
  auto stored = store_->Query(ValueQuery{});
  ASSERT_TRUE(stored.ok());
  for (const DataValue& v : *stored) {
    const auto trail = store_->AuditTrail(v.key);
    audited += static_cast<int64_t>(trail->size());
    if (v.import_id != 0) ++bulk_created;
    // The stored value is the one the last audited change wrote.
    if (!trail->empty()) {
      EXPECT_EQ(trail->back().new_value, v.value);
    }
  }
  EXPECT_EQ(*store_->Count(ValueQuery{}), 24);
  // Every change is audited: individually, or (creation by a bulk load) through its import.
  EXPECT_EQ(audited + bulk_created, created + updated);
  EXPECT_TRUE(store_->RunIntegrityChecks().ok());
}

TEST_P(StoreContractTest, IntegrityCheckPassesOnAHealthyDatabase) {
  SaveTestMetadata();
  ASSERT_TRUE(store_->BulkLoad(ManyValues(144, 1), kImport, nullptr).ok());
  auto checks = store_->RunIntegrityChecks();
  ASSERT_TRUE(checks.ok()) << checks.error().ToString();
  EXPECT_GE(checks->size(), 2u);
  EXPECT_TRUE(store_->Ping().ok());
}

INSTANTIATE_TEST_SUITE_P(Engines, StoreContractTest,
                         ::testing::Values(Engine::kSqlite, Engine::kPostgres),
                         [](const auto& param_info) { return EngineName(param_info.param); });

}  // namespace
}  // namespace keneya::store::testing
