// The demo as the database holds it: loaded twice into SQLite from the same seed, both databases
// hold the generated dataset exactly, the same org units and data values (timestamps and import
// ids aside), and the shapes the issue names can be read back with the store's own queries.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <map>
#include <set>
#include <sstream>

#include "core/period.h"
#include "demo/demo.h"
#include "store/store.h"

namespace keneya::demo {
namespace {

namespace fs = std::filesystem;

const store::Actor kActor{"demo-test", "test", ""};

// The content of a store that must not depend on when or how often it was loaded: org units
// (every field but the store id) and data values keyed by uids (no timestamps, no import ids).
struct Snapshot {
  std::vector<std::string> org_units;
  std::map<std::string, std::string> values;
};

Snapshot Take(store::Store& store) {
  Snapshot out;
  auto metadata = store.LoadMetadata();
  EXPECT_TRUE(metadata.ok());
  std::map<int32_t, std::string> ou_uid, de_uid, coc_uid;
  for (const core::OrgUnit& ou : metadata->org_units) {
    std::ostringstream line;
    line << ou.uid << '|' << ou.code << '|' << ou.name << '|' << ou.short_name << '|' << ou.level
         << '|' << ou.parent_uid << '|' << ou.path << '|' << core::OrgUnitTypeCode(ou.type) << '|'
         << (ou.coordinates ? std::to_string(ou.coordinates->latitude) + "," +
                                  std::to_string(ou.coordinates->longitude)
                            : "")
         << '|' << (ou.opening_date ? ou.opening_date->ToString() : "") << '|';
    for (const std::string& g : ou.group_uids) line << g << ',';
    out.org_units.push_back(line.str());
    ou_uid[ou.id] = ou.uid;
  }
  for (const auto& de : metadata->data_elements) de_uid[de.id] = de.uid;
  for (const auto& coc : metadata->categories.option_combos) coc_uid[coc.id] = coc.uid;
  auto values = store.Query(store::ValueQuery{});
  EXPECT_TRUE(values.ok());
  for (const core::DataValue& v : *values) {
    const std::string key =
        core::Period::FromCode(v.key.period)->ToString() + "|" + ou_uid[v.key.org_unit] + "|" +
        de_uid[v.key.data_element] + "|" + coc_uid[v.key.category_option_combo] + "|" +
        coc_uid[v.key.attribute_option_combo] + "|" + std::to_string(v.key.state);
    out.values.emplace(key, v.value + "|" + v.comment + "|" + (v.followup ? "1" : "0"));
  }
  return out;
}

class DemoLoadTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    directory_ =
        new fs::path(fs::temp_directory_path() / ("keneya_demo_test_" + std::to_string(getpid())));
    fs::create_directories(*directory_);
    auto demo = GenerateDemo(DemoOptions{}, nullptr);
    ASSERT_TRUE(demo.ok()) << demo.error().ToString();
    demo_ = new DemoDataset(std::move(demo).value());
    for (int run = 0; run < 2; ++run) {
      // The second run generates afresh: determinism is about two runs, not one dataset.
      auto again = GenerateDemo(DemoOptions{}, nullptr);
      ASSERT_TRUE(again.ok());
      const std::string file = (*directory_ / ("demo" + std::to_string(run) + ".db")).string();
      auto store = store::OpenStore(file);
      ASSERT_TRUE(store.ok()) << store.error().ToString();
      std::vector<std::string> phases;
      auto loaded = LoadDemo(**store, *again, kActor, [&](const store::Progress& p) {
        if (phases.empty() || phases.back() != p.phase) phases.emplace_back(p.phase);
      });
      ASSERT_TRUE(loaded.ok()) << loaded.error().ToString();
      if (run == 0) phases_ = new std::vector<std::string>(phases);
      stores_[run] = std::move(store).value().release();
    }
  }
  static void TearDownTestSuite() {
    for (store::Store*& s : stores_) {
      delete s;
      s = nullptr;
    }
    delete demo_;
    delete phases_;
    std::error_code ignored;
    fs::remove_all(*directory_, ignored);
    delete directory_;
  }

  static store::Store& store() { return *stores_[0]; }
  static int32_t OrgUnitId(const core::MetadataBundle& m, std::string_view code) {
    for (const auto& ou : m.org_units) {
      if (ou.code == code) return ou.id;
    }
    return 0;
  }
  static int32_t DataElementId(const core::MetadataBundle& m, std::string_view code) {
    for (const auto& de : m.data_elements) {
      if (de.code == code) return de.id;
    }
    return 0;
  }

  static fs::path* directory_;
  static DemoDataset* demo_;
  static store::Store* stores_[2];
  static std::vector<std::string>* phases_;
};

fs::path* DemoLoadTest::directory_ = nullptr;
DemoDataset* DemoLoadTest::demo_ = nullptr;
store::Store* DemoLoadTest::stores_[2] = {nullptr, nullptr};
std::vector<std::string>* DemoLoadTest::phases_ = nullptr;

TEST_F(DemoLoadTest, HoldsThePyramid) {
  auto m = store().LoadMetadata();
  ASSERT_TRUE(m.ok());
  std::map<int, int> per_level;
  int asc_sites = 0;
  for (const auto& ou : m->org_units) {
    ++per_level[ou.level];
    if (ou.type == core::OrgUnitType::kAscSite) ++asc_sites;
  }
  EXPECT_EQ(per_level[1], 1);
  EXPECT_EQ(per_level[2], 11);
  EXPECT_EQ(per_level[3], 75);
  std::string contract_group;
  for (const auto& g : m->org_unit_groups) {
    if (g.code == kContractGroupCode) contract_group = g.uid;
  }
  ASSERT_FALSE(contract_group.empty());
  int contracted = 0;
  for (const auto& ou : m->org_units) {
    for (const auto& g : ou.group_uids) contracted += g == contract_group ? 1 : 0;
  }
  EXPECT_GE(contracted, 1900);
  EXPECT_LE(contracted, 2100);
  EXPECT_GE(asc_sites, 2700);
  EXPECT_LE(asc_sites, 3300);
  EXPECT_TRUE(m->Validate().ok());
}

TEST_F(DemoLoadTest, HoldsExactlyTheGeneratedValues) {
  EXPECT_EQ(*store().Count(store::ValueQuery{}), static_cast<int64_t>(demo_->values.size()));
  // Every generated value is in the database with its value (checked through uids).
  const Snapshot snapshot = Take(store());
  ASSERT_EQ(snapshot.values.size(), demo_->values.size());
  const auto& md = demo_->metadata;
  size_t checked = 0;
  for (size_t i = 0; i < demo_->values.size(); i += 97) {  // a spread sample, all kinds
    const DemoValue& v = demo_->values[i];
    const std::string key =
        core::Period::FromCode(v.period)->ToString() + "|" +
        md.org_units[static_cast<size_t>(v.org_unit)].uid + "|" +
        md.data_elements[static_cast<size_t>(v.data_element)].uid + "|" +
        md.categories.option_combos[static_cast<size_t>(v.category_option_combo)].uid + "|" +
        std::string(core::kDefaultCategoryOptionComboUid) + "|" + std::to_string(v.state);
    auto it = snapshot.values.find(key);
    ASSERT_NE(it, snapshot.values.end()) << key;
    EXPECT_EQ(it->second, std::to_string(v.value) + "||0") << key;
    ++checked;
  }
  EXPECT_GT(checked, 40000u);
}

TEST_F(DemoLoadTest, TwoRunsWithOneSeedGiveTheSameOrgUnitsAndValues) {
  const Snapshot a = Take(*stores_[0]);
  const Snapshot b = Take(*stores_[1]);
  EXPECT_EQ(a.org_units, b.org_units);
  EXPECT_EQ(a.values.size(), b.values.size());
  EXPECT_TRUE(a.values == b.values);
  // ... while the import records differ in time only.
  auto imports_a = stores_[0]->Imports();
  auto imports_b = stores_[1]->Imports();
  // One per year: the four years and the open January's.
  ASSERT_EQ(imports_a->size(), 5u);
  ASSERT_GE(imports_b->size(), 5u);  // (LoadingTheDemoAgainChangesNothing may add to run 2)
  for (size_t i = 0; i < 5; ++i) {
    const auto& b_record = (*imports_b)[imports_b->size() - 5 + i];  // newest first: oldest 5
    EXPECT_EQ((*imports_a)[i].created, b_record.created);
    EXPECT_EQ((*imports_a)[i].kind, "demo");
  }
}

TEST_F(DemoLoadTest, KokoIIVerifiedConsultationsAddUpTo2261And3505) {
  auto m = store().LoadMetadata();
  const int32_t koko = OrgUnitId(*m, kKokoIICode);
  ASSERT_NE(koko, 0);
  for (const auto& [year, expected] : {std::pair{2021, 2261}, std::pair{2022, 3505}}) {
    store::ValueQuery q;
    q.org_units = {koko};
    q.states = {core::kStateVerified};
    q.data_elements = {DataElementId(*m, "FBR_CONSULT_CUR_5PLUS"),
                       DataElementId(*m, "FBR_CONSULT_CUR_MOINS5")};
    for (int month = 1; month <= 12; ++month) {
      q.periods.push_back(core::Period::Make(core::PeriodType::kMonthly, year, month)->Code());
    }
    auto values = store().Query(q);
    ASSERT_TRUE(values.ok());
    EXPECT_EQ(values->size(), 24u);
    int64_t total = 0;
    for (const auto& v : *values) total += std::stoll(v.value);
    EXPECT_EQ(total, expected) << year;
  }
}

TEST_F(DemoLoadTest, RecordsOneImportPerYearThatItsValuesPointTo) {
  auto imports = store().Imports();
  ASSERT_TRUE(imports.ok());
  ASSERT_EQ(imports->size(), 5u);  // 2021-2024 and the open January of 2025
  int64_t created = 0;
  for (const auto& record : *imports) {
    EXPECT_EQ(record.user, "demo-test");
    EXPECT_EQ(record.updated, 0);
    created += record.created;
  }
  EXPECT_EQ(created, static_cast<int64_t>(demo_->values.size()));
  auto checks = store().RunIntegrityChecks();
  EXPECT_TRUE(checks.ok()) << checks.error().ToString();
}

TEST_F(DemoLoadTest, ReportsProgressPhaseByPhase) {
  ASSERT_NE(phases_, nullptr);
  EXPECT_EQ(phases_->front(), "metadata");
  EXPECT_EQ(phases_->back(), "values 2025");  // the open January
}

TEST_F(DemoLoadTest, LoadingTheDemoAgainChangesNothing) {
  store::Store& second = *stores_[1];  // the first run's store stays as loaded for other tests
  store::ValueQuery all;
  const int64_t before = *second.Count(all);
  auto loaded = LoadDemo(second, *demo_, kActor, nullptr);
  ASSERT_TRUE(loaded.ok()) << loaded.error().ToString();
  EXPECT_EQ(*second.Count(all), before);
  auto imports = second.Imports();
  ASSERT_EQ(imports->size(), 10u);
  EXPECT_EQ((*imports)[0].created, 0);
  EXPECT_EQ((*imports)[0].updated, 0);
  EXPECT_GT((*imports)[0].unchanged, 0);
}

}  // namespace
}  // namespace keneya::demo
