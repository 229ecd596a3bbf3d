// Round trip through DHIS2's formats: the demo database's metadata and verified values, exported
// in each format and imported into an empty database, come back identical in every field the
// format carries.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <map>
#include <sstream>

#include "core/period.h"
#include "demo/demo.h"
#include "io/dhis2_metadata.h"
#include "io/exporter.h"
#include "io/importer.h"
#include "store/store.h"

namespace keneya::io {
namespace {

namespace fs = std::filesystem;

const store::Actor kActor{"round-trip", "test", ""};

struct Fields {
  std::string value, comment;
  bool followup = false, deleted = false;
  friend bool operator==(const Fields&, const Fields&) = default;
};

// The verified values of a store, keyed by uids.
std::map<std::string, Fields> Verified(store::Store& store, bool include_deleted) {
  auto metadata = store.LoadMetadata();
  EXPECT_TRUE(metadata.ok());
  std::map<int32_t, std::string> ou, de, coc;
  for (const auto& x : metadata->org_units) ou[x.id] = x.uid;
  for (const auto& x : metadata->data_elements) de[x.id] = x.uid;
  for (const auto& x : metadata->categories.option_combos) coc[x.id] = x.uid;
  store::ValueQuery q;
  q.states = {core::kStateVerified};
  q.include_deleted = include_deleted;
  auto values = store.Query(q);
  EXPECT_TRUE(values.ok());
  std::map<std::string, Fields> out;
  for (const auto& v : *values) {
    out[de[v.key.data_element] + "|" + core::Period::FromCode(v.key.period)->ToString() + "|" +
        ou[v.key.org_unit] + "|" + coc[v.key.category_option_combo] + "|" +
        coc[v.key.attribute_option_combo]] = {v.value, v.comment, v.followup, v.deleted};
  }
  return out;
}

class RoundTripTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ =
        new fs::path(fs::temp_directory_path() / ("keneya_round_trip_" + std::to_string(getpid())));
    fs::create_directories(*dir_);
    auto source = store::OpenStore((*dir_ / "source.db").string());
    ASSERT_TRUE(source.ok());
    source_ = source->release();
    demo::DemoOptions options;
    options.first_year = 2024;
    options.last_year = 2024;
    options.open_january = false;
    auto demo = demo::GenerateDemo(options, nullptr);
    ASSERT_TRUE(demo.ok());
    // A text element, so that text values travel too (in ADX, through annotations).
    core::DataElement observation;
    observation.uid = "DeObservat1";
    observation.code = "FBR_OBSERVATION";
    observation.name = "Observation de la vérification";
    observation.short_name = "Observation";  // DHIS2 requires one: the export would add it
    observation.value_type = core::ValueType::kLongText;
    demo->metadata.data_elements.push_back(observation);
    for (core::DataSet& ds : demo->metadata.data_sets) {
      if (ds.code == demo::kMonthlyDataSetCode) ds.data_element_uids.push_back(observation.uid);
    }
    ASSERT_TRUE(demo::LoadDemo(*source_, *demo, kActor, nullptr).ok());

    // Comments, follow-ups, text values and deleted values on some verified values.
    auto metadata = source_->LoadMetadata();
    int32_t text_element = 0;
    for (const auto& de : metadata->data_elements) {
      if (de.uid == observation.uid) text_element = de.id;
    }
    store::ValueQuery q;
    q.states = {core::kStateVerified};
    q.periods = {core::Period::Parse("202403")->Code()};
    auto march = source_->Query(q);
    ASSERT_TRUE(march.ok());
    std::vector<core::DataValue> changes;
    for (size_t i = 0; i < march->size(); i += 50) {
      core::DataValue v = (*march)[i];
      if (i % 200 == 0) v.comment = "Registre p. " + std::to_string(i) + ", « recompté », a;b\n2";
      if (i % 300 == 0) v.followup = true;
      if (i % 450 == 0) v.deleted = true;
      changes.push_back(v);
      core::DataValue text = (*march)[i];
      text.key.data_element = text_element;
      text.key.category_option_combo = metadata->categories.option_combos.at(0).id;
      text.value = "Hygiène correcte; \"registre\" à jour <ok> & signé\nligne 2";
      changes.push_back(text);
    }
    ASSERT_TRUE(source_->BulkLoad(changes, {"round-trip", "test", "test", ""}, nullptr).ok());
  }
  static void TearDownTestSuite() {
    delete source_;
    std::error_code ignored;
    fs::remove_all(*dir_, ignored);
    delete dir_;
  }

  // Exports metadata and verified values in `format`, imports both into a new database, and
  // returns that database.
  std::unique_ptr<store::Store> Trip(DataFormat format, bool include_deleted) {
    auto metadata = source_->LoadMetadata();
    auto json = WriteDhis2Metadata(*metadata);
    EXPECT_TRUE(json.ok()) << json.error().ToString();
    std::ostringstream values;
    ExportOptions options;
    options.format = format;
    options.state = "verified";
    options.include_deleted = include_deleted;
    auto written = ExportDataValues(*source_, options, values, nullptr);
    EXPECT_TRUE(written.ok()) << written.error().ToString();

    const std::string file =
        (*dir_ / ("target_" + std::string(DataFormatName(format)) + ".db")).string();
    auto target = store::OpenStore(file);
    EXPECT_TRUE(target.ok());
    auto read = ReadDhis2Metadata(*json, "metadata.json");
    EXPECT_TRUE(read.ok()) << read.error().ToString();
    auto saved = (*target)->SaveMetadata(read->bundle, kActor);
    EXPECT_TRUE(saved.ok()) << saved.error().ToString();
    ImportOptions import;
    import.state = "verified";
    import.actor = kActor;
    import.schemes.id_scheme = IdScheme{};  // the export named objects by uid, ADX included
    Importer importer(**target, import);
    auto summary = importer.Import(format, values.str(), "values", nullptr);
    EXPECT_TRUE(summary.ok()) << summary.error().ToString();
    EXPECT_EQ(ImportStatusName(summary->status), "SUCCESS") << ImportSummaryJson(*summary);
    EXPECT_EQ(summary->count.imported, *written);
    return std::move(target).value();
  }

  static fs::path* dir_;
  static store::Store* source_;
};

fs::path* RoundTripTest::dir_ = nullptr;
store::Store* RoundTripTest::source_ = nullptr;

TEST_F(RoundTripTest, JsonXmlAndCsvCarryValuesCommentsFollowupsAndDeletions) {
  const auto expected = Verified(*source_, /*include_deleted=*/true);
  ASSERT_GT(expected.size(), 500'000u);
  size_t commented = 0, followed = 0, deleted = 0, text = 0;
  for (const auto& [key, f] : expected) {
    commented += f.comment.empty() ? 0 : 1;
    followed += f.followup ? 1 : 0;
    deleted += f.deleted ? 1 : 0;
    text += key.starts_with("DeObservat1") ? 1 : 0;
  }
  ASSERT_GT(commented, 10u);
  ASSERT_GT(followed, 10u);
  ASSERT_GT(deleted, 5u);
  ASSERT_GT(text, 100u);
  for (DataFormat format : {DataFormat::kJson, DataFormat::kXml, DataFormat::kCsv}) {
    std::unique_ptr<store::Store> target = Trip(format, /*include_deleted=*/true);
    const auto got = Verified(*target, /*include_deleted=*/true);
    EXPECT_EQ(got.size(), expected.size()) << DataFormatName(format);
    EXPECT_TRUE(got == expected) << DataFormatName(format);
  }
}

TEST_F(RoundTripTest, AdxCarriesValuesCombosAndTextAnnotations) {
  // ADX has no comment, follow-up or deleted flag: values, keys and text come back.
  std::map<std::string, Fields> expected;
  for (auto [key, f] : Verified(*source_, /*include_deleted=*/false)) {
    expected[key] = {f.value, "", false, false};
  }
  std::unique_ptr<store::Store> target = Trip(DataFormat::kAdx, /*include_deleted=*/false);
  const auto got = Verified(*target, /*include_deleted=*/false);
  EXPECT_EQ(got.size(), expected.size());
  EXPECT_TRUE(got == expected);
}

TEST_F(RoundTripTest, MetadataComesBackIdentical) {
  auto metadata = source_->LoadMetadata();
  auto json = WriteDhis2Metadata(*metadata);
  ASSERT_TRUE(json.ok());
  auto read = ReadDhis2Metadata(*json, "metadata.json");
  ASSERT_TRUE(read.ok());
  auto target = store::OpenStore((*dir_ / "metadata_only.db").string());
  ASSERT_TRUE((*target)->SaveMetadata(read->bundle, kActor).ok());
  auto back = (*target)->LoadMetadata();
  ASSERT_TRUE(back.ok());
  // Store ids may differ; everything else must not.
  auto strip = [](core::MetadataBundle b) {
    for (auto& x : b.org_units) x.id = 0;
    for (auto& x : b.org_unit_groups) x.id = 0;
    for (auto& x : b.org_unit_group_sets) x.id = 0;
    for (auto& x : b.data_elements) x.id = 0;
    for (auto& x : b.data_sets) x.id = 0;
    for (auto& x : b.categories.options) x.id = 0;
    for (auto& x : b.categories.categories) x.id = 0;
    for (auto& x : b.categories.combos) x.id = 0;
    for (auto& x : b.categories.option_combos) x.id = 0;
    return b;
  };
  const core::MetadataBundle a = strip(*metadata), b = strip(*back);
  EXPECT_EQ(a.org_units, b.org_units);
  EXPECT_EQ(a.org_unit_groups, b.org_unit_groups);
  EXPECT_EQ(a.org_unit_group_sets, b.org_unit_group_sets);
  ASSERT_EQ(a.data_elements.size(), b.data_elements.size());
  for (size_t i = 0; i < a.data_elements.size(); ++i) {
    const core::DataElement &x = a.data_elements[i], &y = b.data_elements[i];
    EXPECT_EQ(x, y) << x.uid << " name [" << x.name << "|" << y.name << "] short [" << x.short_name
                    << "|" << y.short_name << "] code [" << x.code << "|" << y.code << "] desc ["
                    << x.description << "|" << y.description << "] type "
                    << core::ValueTypeName(x.value_type) << "|" << core::ValueTypeName(y.value_type)
                    << " combo " << x.category_combo_uid << "|" << y.category_combo_uid << " zero "
                    << x.zero_is_significant << "|" << y.zero_is_significant << " options "
                    << x.option_set_uid << "|" << y.option_set_uid;
  }
  EXPECT_EQ(a.data_sets, b.data_sets);
  EXPECT_EQ(a.categories.option_combos, b.categories.option_combos);
}

}  // namespace
}  // namespace keneya::io
