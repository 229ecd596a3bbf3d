#include "io/dhis2_client.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "tests/io/fake_dhis2.h"

#ifndef KENEYA_IO_TESTDATA
#define KENEYA_IO_TESTDATA "tests/io/testdata"
#endif

namespace keneya::io {
namespace {

using core::ErrorCode;
using testing::Dhis2Fixture;
using testing::FakeDhis2;
using testing::FakeImportShape;
using testing::FakeRequest;
using testing::FakeValue;
using testing::SyntheticOrgUnits;
using testing::SyntheticOrgUnitUid;

constexpr const char* kPassword = "district";

std::unique_ptr<Dhis2Client> Connect(const std::string& url, Dhis2Credentials credentials,
                                     int parallelism = 4) {
  Dhis2ClientOptions options;
  options.base_url = url;
  options.credentials = std::move(credentials);
  options.parallelism = parallelism;
  options.connect_timeout = std::chrono::seconds(5);
  options.read_timeout = std::chrono::seconds(20);
  core::Result<std::unique_ptr<Dhis2Client>> client = Dhis2Client::Create(options);
  EXPECT_TRUE(client.ok()) << client.error().ToString();
  return client.ok() ? std::move(client).value() : nullptr;
}

std::unique_ptr<Dhis2Client> Connect(const FakeDhis2& dhis2, int parallelism = 4) {
  return Connect(dhis2.url(), Dhis2Credentials::Basic("admin", kPassword), parallelism);
}

// n values with distinct keys: data element DE<i % 7>, org unit i / 7, value i.
std::vector<Dhis2DataValue> MakeValues(size_t n) {
  std::vector<Dhis2DataValue> values;
  for (size_t i = 0; i < n; ++i) {
    Dhis2DataValue v;
    v.data_element = "DataElem00" + std::to_string(i % 7);
    v.period = "202401";
    v.org_unit = SyntheticOrgUnitUid(static_cast<int>(i / 7));
    v.value = std::to_string(i);
    v.stored_by = "keneya";
    values.push_back(std::move(v));
  }
  return values;
}

std::string KeyOf(const Dhis2DataValue& v) {
  FakeValue f;
  f.data_element = v.data_element;
  f.period = v.period;
  f.org_unit = v.org_unit;
  f.category_option_combo = v.category_option_combo;
  f.attribute_option_combo = v.attribute_option_combo;
  return f.Key();
}

std::vector<FakeRequest> Posts(const FakeDhis2& dhis2) {
  std::vector<FakeRequest> out;
  for (const FakeRequest& r : dhis2.requests()) {
    if (r.method == "POST") out.push_back(r);
  }
  return out;
}

// The batch numbers whose first value opens a POST the server received.
std::multiset<size_t> PostedBatches(const FakeDhis2& dhis2,
                                    const std::vector<Dhis2DataValue>& values, size_t batch_size) {
  std::map<std::string, size_t> position;
  for (size_t i = 0; i < values.size(); ++i) position[KeyOf(values[i])] = i;
  std::multiset<size_t> out;
  for (const FakeRequest& r : Posts(dhis2)) {
    if (r.value_keys.empty()) continue;
    auto it = position.find(r.value_keys.front());
    EXPECT_NE(it, position.end());
    if (it != position.end()) out.insert(it->second / batch_size);
  }
  return out;
}

// True when the server holds exactly `values`, each with its value.
void ExpectServerHolds(const FakeDhis2& dhis2, const std::vector<Dhis2DataValue>& values) {
  std::map<std::string, std::string> held;
  for (const FakeValue& v : dhis2.values()) held[v.Key()] = v.value;
  EXPECT_EQ(held.size(), values.size());
  for (const Dhis2DataValue& v : values) {
    auto it = held.find(KeyOf(v));
    ASSERT_NE(it, held.end()) << KeyOf(v);
    EXPECT_EQ(it->second, v.value) << KeyOf(v);
  }
}

std::vector<std::string> ParamValues(const FakeRequest& r, const std::string& key) {
  std::vector<std::string> out;
  auto range = r.params.equal_range(key);
  for (auto it = range.first; it != range.second; ++it) out.push_back(it->second);
  return out;
}

// A fresh directory for a test's journals, removed at the end.
class TempDir {
 public:
  TempDir() {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    path_ = std::filesystem::temp_directory_path() /
            ("keneya_dhis2_client_test_" + std::to_string(::getpid()) + "_" + info->name());
    std::filesystem::remove_all(path_);
    std::filesystem::create_directories(path_);
  }
  ~TempDir() { std::filesystem::remove_all(path_); }
  std::filesystem::path operator/(const std::string& name) const { return path_ / name; }

 private:
  std::filesystem::path path_;
};

// Collects what a pull hands over.
class Collector final : public DataValueSetHandler {
 public:
  core::Status OnGroup(const DataValueSetHeader&) override {
    ++groups;
    return core::OkStatus();
  }
  core::Status OnValue(const RawDataValue& v) override {
    indexes.push_back(v.index);
    keys.push_back(std::string(v.data_element) + "/" + std::string(v.period) + "/" +
                   std::string(v.org_unit));
    return core::OkStatus();
  }
  int groups = 0;
  std::vector<size_t> indexes;
  std::vector<std::string> keys;
};

// --- Credentials --------------------------------------------------------------------------

TEST(Dhis2ClientTest, ChecksCredentialsWithBasicAuth) {
  FakeDhis2 dhis2;
  ASSERT_TRUE(dhis2.Start().ok());
  auto client = Connect(dhis2);
  ASSERT_NE(client, nullptr);
  core::Result<Dhis2User> me = client->CheckCredentials();
  ASSERT_TRUE(me.ok()) << me.error().ToString();
  EXPECT_EQ(me->username, "admin");
  EXPECT_EQ(me->name, "Aminata Traoré");
  EXPECT_EQ(me->org_unit_uids, std::vector<std::string>{"OU000000000"});
  const std::vector<FakeRequest> log = dhis2.requests();
  ASSERT_EQ(log.size(), 1u);
  EXPECT_EQ(log[0].path, "/api/me");
  EXPECT_EQ(log[0].authorization, "Basic YWRtaW46ZGlzdHJpY3Q=");  // admin:district
}

TEST(Dhis2ClientTest, ChecksCredentialsWithAPersonalAccessToken) {
  FakeDhis2 dhis2;
  ASSERT_TRUE(dhis2.Start().ok());
  auto client =
      Connect(dhis2.url(), Dhis2Credentials::Token("d2pat_fakeTokenForKeneyaTests0000000000000"));
  ASSERT_NE(client, nullptr);
  core::Result<Dhis2User> me = client->CheckCredentials();
  ASSERT_TRUE(me.ok()) << me.error().ToString();
  EXPECT_EQ(me->username, "admin");
  ASSERT_EQ(dhis2.requests().size(), 1u);
  EXPECT_EQ(dhis2.requests()[0].authorization,
            "ApiToken d2pat_fakeTokenForKeneyaTests0000000000000");
}

TEST(Dhis2ClientTest, WorksUnderAPathPrefix) {
  FakeDhis2::Options options;
  options.path_prefix = "/dhis";
  FakeDhis2 dhis2(options);
  ASSERT_TRUE(dhis2.Start().ok());
  auto client = Connect(dhis2.url() + "/", Dhis2Credentials::Basic("admin", kPassword));
  ASSERT_NE(client, nullptr);
  EXPECT_EQ(client->base_url(), dhis2.url());
  core::Result<Dhis2User> me = client->CheckCredentials();
  ASSERT_TRUE(me.ok()) << me.error().ToString();
  EXPECT_EQ(dhis2.CountRequests("GET", "/api/me"), 1);
}

TEST(Dhis2ClientTest, RefusedCredentialsArePermissionDeniedWithoutTheSecret) {
  FakeDhis2 dhis2;
  ASSERT_TRUE(dhis2.Start().ok());
  auto client = Connect(dhis2.url(), Dhis2Credentials::Basic("admin", "Wr0ng-Secret!"));
  ASSERT_NE(client, nullptr);
  core::Result<Dhis2User> me = client->CheckCredentials();
  ASSERT_FALSE(me.ok());
  EXPECT_EQ(me.error().code, ErrorCode::kPermissionDenied);
  EXPECT_NE(me.error().message.find("DHIS2 refused the credentials of user admin (HTTP 401)"),
            std::string::npos)
      << me.error().message;
  EXPECT_EQ(me.error().ToString().find("Wr0ng-Secret!"), std::string::npos);
  EXPECT_NE(me.error().where.find(dhis2.url() + "/api/me"), std::string::npos);

  auto with_token = Connect(dhis2.url(), Dhis2Credentials::Token("d2pat_notTheRightOne123"));
  ASSERT_NE(with_token, nullptr);
  core::Result<Dhis2User> denied = with_token->CheckCredentials();
  ASSERT_FALSE(denied.ok());
  EXPECT_EQ(denied.error().code, ErrorCode::kPermissionDenied);
  EXPECT_NE(denied.error().message.find("personal access token (HTTP 401)"), std::string::npos);
  EXPECT_EQ(denied.error().ToString().find("d2pat_notTheRightOne123"), std::string::npos);
}

TEST(Dhis2ClientTest, UnreachableServerIsUnavailableNamingTheUrl) {
  FakeDhis2 dhis2;
  ASSERT_TRUE(dhis2.Start().ok());
  const std::string url = dhis2.url();
  dhis2.Stop();  // nothing listens there any more
  auto client = Connect(url, Dhis2Credentials::Basic("admin", "S3cret-pw"));
  ASSERT_NE(client, nullptr);
  core::Result<Dhis2User> me = client->CheckCredentials();
  ASSERT_FALSE(me.ok());
  EXPECT_EQ(me.error().code, ErrorCode::kUnavailable);
  EXPECT_NE(me.error().message.find(url + "/api/me"), std::string::npos) << me.error().message;
  EXPECT_EQ(me.error().ToString().find("S3cret-pw"), std::string::npos);
}

TEST(Dhis2ClientTest, RefusesMalformedOptions) {
  auto create = [](std::string url, int parallelism = 4) {
    Dhis2ClientOptions options;
    options.base_url = std::move(url);
    options.credentials = Dhis2Credentials::Basic("admin", "pw");
    options.parallelism = parallelism;
    return Dhis2Client::Create(options);
  };
  EXPECT_FALSE(create("ftp://dhis2.sante.gov.ml").ok());
  EXPECT_FALSE(create("https://dhis2.sante.gov.ml/dhis?x=1").ok());
  EXPECT_FALSE(create("https://dhis2.sante.gov.ml", 0).ok());
  auto userinfo = create("https://admin:T0psecret@dhis2.sante.gov.ml/dhis");
  ASSERT_FALSE(userinfo.ok());
  EXPECT_EQ(userinfo.error().ToString().find("T0psecret"), std::string::npos);
  auto https = create("https://dhis2.sante.gov.ml:8443/dhis/");
  ASSERT_TRUE(https.ok()) << https.error().ToString();
  EXPECT_EQ((*https)->base_url(), "https://dhis2.sante.gov.ml:8443/dhis");
}

// --- Pulls --------------------------------------------------------------------------------

TEST(Dhis2ClientTest, PullsOrgUnitsPageByPage) {
  FakeDhis2 dhis2;
  dhis2.SetOrgUnits(SyntheticOrgUnits(120));
  ASSERT_TRUE(dhis2.Start().ok());
  auto client = Connect(dhis2);
  ASSERT_NE(client, nullptr);
  std::vector<store::Progress> progress;
  core::Result<MetadataReadResult> read = client->PullOrgUnits(
      [&](const store::Progress& p) { progress.push_back(p); }, /*page_size=*/50);
  ASSERT_TRUE(read.ok()) << read.error().ToString();
  EXPECT_EQ(read->bundle.org_units.size(), 120u);
  EXPECT_TRUE(read->bundle.Validate().ok());
  for (size_t i = 1; i < read->bundle.org_units.size(); ++i) {
    EXPECT_LE(read->bundle.org_units[i - 1].level, read->bundle.org_units[i].level);
  }
  for (const std::string& line : read->ignored) EXPECT_FALSE(line.starts_with("pager")) << line;

  const std::vector<FakeRequest> log = dhis2.requests();
  ASSERT_EQ(log.size(), 3u);
  for (size_t i = 0; i < log.size(); ++i) {
    EXPECT_EQ(ParamValues(log[i], "page"), std::vector<std::string>{std::to_string(i + 1)});
    EXPECT_EQ(ParamValues(log[i], "pageSize"), std::vector<std::string>{"50"});
    EXPECT_EQ(ParamValues(log[i], "paging"), std::vector<std::string>{"true"});
  }
  ASSERT_EQ(ParamValues(log[0], "fields").size(), 1u);
  EXPECT_NE(ParamValues(log[0], "fields")[0].find("parent[id],geometry"), std::string::npos);
  ASSERT_EQ(progress.size(), 3u);
  EXPECT_EQ(progress.back().done, 120);
  EXPECT_EQ(progress.back().total, 120);
}

TEST(Dhis2ClientTest, PullsDhis2OwnOrgUnitFile) {
  FakeDhis2 dhis2;
  nlohmann::json fixture = Dhis2Fixture("organisation_units.json");
  ASSERT_TRUE(fixture.is_object());
  dhis2.SetOrgUnits(fixture["organisationUnits"]);
  ASSERT_TRUE(dhis2.Start().ok());
  auto client = Connect(dhis2);
  ASSERT_NE(client, nullptr);
  core::Result<MetadataReadResult> read = client->PullOrgUnits(nullptr, /*page_size=*/2);
  ASSERT_TRUE(read.ok()) << read.error().ToString();
  EXPECT_EQ(read->bundle.org_units.size(), 3u);
  EXPECT_EQ(dhis2.CountRequests("GET", "/api/organisationUnits"), 2);
  const auto chc = std::find_if(read->bundle.org_units.begin(), read->bundle.org_units.end(),
                                [](const core::OrgUnit& ou) { return ou.uid == "DiszpKrYNg8"; });
  ASSERT_NE(chc, read->bundle.org_units.end());
  EXPECT_EQ(chc->name, "Ngelehun CHC");
  EXPECT_EQ(chc->group_uids, std::vector<std::string>{"CXw2yu5fodb"});
}

TEST(Dhis2ClientTest, PullsMetadata) {
  FakeDhis2 dhis2;
  std::ifstream in(std::filesystem::path(KENEYA_IO_TESTDATA) / "dhis2" / "metadata.json");
  std::stringstream text;
  text << in.rdbuf();
  ASSERT_FALSE(text.str().empty());
  dhis2.SetMetadata(text.str());
  ASSERT_TRUE(dhis2.Start().ok());
  auto client = Connect(dhis2);
  ASSERT_NE(client, nullptr);
  core::Result<MetadataReadResult> read = client->PullMetadata();
  ASSERT_TRUE(read.ok()) << read.error().ToString();
  EXPECT_FALSE(read->bundle.data_elements.empty());
  EXPECT_FALSE(read->bundle.categories.combos.empty());
  const std::vector<FakeRequest> log = dhis2.requests();
  ASSERT_EQ(log.size(), 1u);
  for (const char* type : {"organisationUnitGroups", "organisationUnitGroupSets", "categoryOptions",
                           "categories", "categoryCombos", "categoryOptionCombos", "dataElements",
                           "dataSets", "optionSets", "attributes"}) {
    EXPECT_EQ(ParamValues(log[0], type), std::vector<std::string>{"true"}) << type;
    EXPECT_EQ(ParamValues(log[0], std::string(type) + ":fields").size(), 1u) << type;
  }
  EXPECT_TRUE(ParamValues(log[0], "organisationUnits").empty());
}

TEST(Dhis2ClientTest, PullsDataValuesInBatchesOfOrgUnitsAndPeriods) {
  FakeDhis2 dhis2;
  dhis2.SetOrgUnits(SyntheticOrgUnits(120));
  dhis2.SetDataSet("DataSetAAA1", {"DataElemAA1"});
  dhis2.SetDataSet("DataSetBBB1", {"DataElemBB1"});
  std::vector<FakeValue> held;
  for (int i = 0; i < 120; ++i) {
    for (const char* pe : {"202401", "202402", "202403"}) {
      held.push_back(FakeValue{"DataElemAA1", pe, SyntheticOrgUnitUid(i), "", "", "1"});
      held.push_back(FakeValue{"DataElemBB1", pe, SyntheticOrgUnitUid(i), "", "", "2"});
    }
  }
  dhis2.AddValues(held);
  ASSERT_TRUE(dhis2.Start().ok());
  auto client = Connect(dhis2);
  ASSERT_NE(client, nullptr);
  core::Result<MetadataReadResult> pyramid = client->PullOrgUnits(nullptr, 500);
  ASSERT_TRUE(pyramid.ok()) << pyramid.error().ToString();
  dhis2.ClearRequests();

  DataValuePull pull;
  pull.data_sets = {"DataSetAAA1"};
  pull.periods = {"202401", "202402"};
  pull.org_units = OrgUnitSubtree(pyramid->bundle, "OU000000000");
  ASSERT_EQ(pull.org_units.size(), 120u);
  pull.org_units_per_request = 50;
  pull.periods_per_request = 1;
  Collector collector;
  std::vector<store::Progress> progress;
  core::Status s = client->PullDataValues(pull, collector,
                                          [&](const store::Progress& p) { progress.push_back(p); });
  ASSERT_TRUE(s.ok()) << s.error().ToString();

  // 3 batches of org units (50, 50, 20) x 2 periods.
  const std::vector<FakeRequest> log = dhis2.requests();
  ASSERT_EQ(log.size(), 6u);
  size_t org_units_asked = 0;
  for (const FakeRequest& r : log) {
    EXPECT_EQ(r.path, "/api/dataValueSets");
    EXPECT_LE(ParamValues(r, "orgUnit").size(), 50u);
    EXPECT_EQ(ParamValues(r, "period").size(), 1u);
    EXPECT_EQ(ParamValues(r, "children"), std::vector<std::string>{"false"});
    org_units_asked += ParamValues(r, "orgUnit").size();
  }
  EXPECT_EQ(org_units_asked, 240u);
  EXPECT_EQ(collector.groups, 6);
  ASSERT_EQ(collector.keys.size(), 240u);  // 120 org units x 2 periods, data set A only
  for (size_t i = 0; i < collector.indexes.size(); ++i) EXPECT_EQ(collector.indexes[i], i);
  for (const std::string& key : collector.keys) {
    EXPECT_TRUE(key.starts_with("DataElemAA1/")) << key;
    EXPECT_EQ(key.find("202403"), std::string::npos) << key;
  }
  EXPECT_EQ(std::set<std::string>(collector.keys.begin(), collector.keys.end()).size(), 240u);
  ASSERT_EQ(progress.size(), 6u);
  EXPECT_EQ(progress.back().done, 6);
  EXPECT_EQ(progress.back().total, 6);

  // A region's subtree: the region and its descendants only.
  const std::vector<std::string> region = OrgUnitSubtree(pyramid->bundle, "OU000000001");
  ASSERT_FALSE(region.empty());
  EXPECT_EQ(region.front(), "OU000000001");
  EXPECT_LT(region.size(), 120u);
  EXPECT_EQ(std::count(region.begin(), region.end(), "OU000000002"), 0);
  EXPECT_EQ(std::count(region.begin(), region.end(), "OU000000005"), 1);  // child of 1
}

TEST(Dhis2ClientTest, PullErrorNamesTheRequest) {
  FakeDhis2 dhis2;
  ASSERT_TRUE(dhis2.Start().ok());
  auto client = Connect(dhis2.url(), Dhis2Credentials::Basic("admin", "not-it"));
  ASSERT_NE(client, nullptr);
  DataValuePull pull{{"DataSetAAA1"}, {"202401"}, {"OU000000000"}};
  Collector collector;
  core::Status s = client->PullDataValues(pull, collector, nullptr);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code, ErrorCode::kPermissionDenied);
  EXPECT_NE(s.error().message.find("reading data values (request 1 of 1)"), std::string::npos)
      << s.error().message;
  EXPECT_NE(s.error().where.find("/api/dataValueSets?dataSet=DataSetAAA1"), std::string::npos);
}

// --- Push ---------------------------------------------------------------------------------

TEST(Dhis2ClientTest, PushesInBatchesAndSumsCounts) {
  FakeDhis2 dhis2;
  ASSERT_TRUE(dhis2.Start().ok());
  auto client = Connect(dhis2);
  ASSERT_NE(client, nullptr);
  std::vector<Dhis2DataValue> values = MakeValues(2500);
  std::vector<store::Progress> progress;
  core::Result<PushResult> r = client->PushDataValues(
      values, PushOptions{}, [&](const store::Progress& p) { progress.push_back(p); });
  ASSERT_TRUE(r.ok()) << r.error().ToString();
  EXPECT_EQ(r->status, ImportStatus::kSuccess);
  EXPECT_TRUE(r->complete());
  EXPECT_FALSE(r->error.has_value());
  EXPECT_EQ(r->count.imported, 2500);
  EXPECT_EQ(r->count.ignored, 0);
  ASSERT_EQ(r->batches.size(), 3u);
  EXPECT_EQ(r->batches[2].first, 2000u);
  EXPECT_EQ(r->batches[2].size, 500u);
  for (const PushBatch& b : r->batches) {
    EXPECT_EQ(b.state, PushBatchState::kAcknowledged);
    EXPECT_EQ(b.http_status, 200);
  }
  std::vector<FakeRequest> posts = Posts(dhis2);
  ASSERT_EQ(posts.size(), 3u);
  std::multiset<size_t> sizes;
  for (const FakeRequest& p : posts) sizes.insert(p.value_keys.size());
  EXPECT_EQ(sizes, (std::multiset<size_t>{500, 1000, 1000}));
  ExpectServerHolds(dhis2, values);
  ASSERT_EQ(progress.size(), 3u);
  EXPECT_EQ(progress.back().done, 3);
  EXPECT_EQ(progress.back().total, 3);

  // Again, with 10 values changed: unchanged values count as ignored, changed as updated.
  for (size_t i = 0; i < 10; ++i) values[i * 200].value = "changed";
  core::Result<PushResult> again = client->PushDataValues(values, PushOptions{}, nullptr);
  ASSERT_TRUE(again.ok()) << again.error().ToString();
  EXPECT_EQ(again->count.imported, 0);
  EXPECT_EQ(again->count.updated, 10);
  EXPECT_EQ(again->count.ignored, 2490);
  ExpectServerHolds(dhis2, values);
}

TEST(Dhis2ClientTest, PassesImportOptionsThrough) {
  FakeDhis2 dhis2;
  ASSERT_TRUE(dhis2.Start().ok());
  auto client = Connect(dhis2);
  ASSERT_NE(client, nullptr);
  PushOptions options;
  options.dry_run = true;
  options.import_strategy = "CREATE_AND_UPDATE";
  options.id_scheme = "CODE";
  core::Result<PushResult> r = client->PushDataValues(MakeValues(10), options, nullptr);
  ASSERT_TRUE(r.ok()) << r.error().ToString();
  EXPECT_TRUE(r->dry_run);
  EXPECT_EQ(r->count.imported, 10);
  EXPECT_TRUE(dhis2.values().empty());  // a dry run writes nothing
  std::vector<FakeRequest> posts = Posts(dhis2);
  ASSERT_EQ(posts.size(), 1u);
  EXPECT_EQ(ParamValues(posts[0], "dryRun"), std::vector<std::string>{"true"});
  EXPECT_EQ(ParamValues(posts[0], "importStrategy"), std::vector<std::string>{"CREATE_AND_UPDATE"});
  EXPECT_EQ(ParamValues(posts[0], "idScheme"), std::vector<std::string>{"CODE"});
}

TEST(Dhis2ClientTest, WarningIsAPartialSuccessWithConflictsMappedToPushPositions) {
  FakeDhis2 dhis2;
  dhis2.SetRejectedValue("value_not_numeric");
  ASSERT_TRUE(dhis2.Start().ok());
  auto client = Connect(dhis2);
  ASSERT_NE(client, nullptr);
  std::vector<Dhis2DataValue> values = MakeValues(2500);
  // 1003 and 1010 share a data element (1003 % 7 == 1010 % 7): one conflict, two indexes.
  for (size_t i : {5u, 1003u, 1010u, 2499u}) values[i].value = "value_not_numeric";
  core::Result<PushResult> r = client->PushDataValues(values, PushOptions{}, nullptr);
  ASSERT_TRUE(r.ok()) << r.error().ToString();
  EXPECT_EQ(r->status, ImportStatus::kWarning);
  EXPECT_TRUE(r->complete());
  EXPECT_FALSE(r->error.has_value());
  EXPECT_EQ(r->count.imported, 2496);
  EXPECT_EQ(r->count.ignored, 4);
  for (const PushBatch& b : r->batches) {
    EXPECT_EQ(b.state, PushBatchState::kAcknowledged);
    EXPECT_EQ(b.http_status, 409);  // every batch holds a rejected value
    EXPECT_EQ(b.status, ImportStatus::kWarning);
  }
  ASSERT_EQ(r->conflicts.size(), 3u);
  EXPECT_EQ(r->conflicts[0].conflict.indexes, std::vector<size_t>{5});
  EXPECT_EQ(r->conflicts[0].batch, 0u);
  EXPECT_EQ(r->conflicts[1].conflict.indexes, (std::vector<size_t>{1003, 1010}));
  EXPECT_EQ(r->conflicts[1].batch, 1u);
  EXPECT_EQ(r->conflicts[2].conflict.indexes, std::vector<size_t>{2499});
  for (const PushConflict& c : r->conflicts) {
    EXPECT_EQ(c.conflict.error_code, "E7619");
    EXPECT_EQ(c.category, ConflictCategory::kInvalidValue);
  }
  EXPECT_EQ(r->conflicts[1].conflict.object, values[1003].data_element);
  EXPECT_EQ(r->rejected_indexes, (std::vector<size_t>{5, 1003, 1010, 2499}));
  EXPECT_EQ(r->conflicts_by_category.at(ConflictCategory::kInvalidValue), 3);
  EXPECT_EQ(dhis2.values().size(), 2496u);

  const std::string text = PushResultText(*r, core::Language::kEnglish);
  EXPECT_NE(text.find("Push finished with conflicts; 2,496 imported"), std::string::npos) << text;
  EXPECT_NE(text.find("E7619 [invalid_value]"), std::string::npos) << text;
  EXPECT_NE(text.find("; values 1003, 1010\n"), std::string::npos) << text;
  const std::string french = PushResultText(*r, core::Language::kFrench);
  EXPECT_NE(french.find("Publication terminée avec des conflits"), std::string::npos) << french;

  const ImportSummary summary = PushSummary(*r);
  EXPECT_EQ(summary.status, ImportStatus::kWarning);
  EXPECT_EQ(summary.values_read, 2500);
  EXPECT_EQ(summary.conflicts.size(), 3u);
}

TEST(Dhis2ClientTest, ReadsDhis2OwnWarningAnswer) {
  // DHIS2's data_value_set_warning.json, verbatim: a 2.38 envelope whose one conflict has no
  // errorCode.
  std::ifstream in(std::filesystem::path(KENEYA_IO_TESTDATA) / "dhis2" /
                   "data_value_set_warning.json");
  std::stringstream text;
  text << in.rdbuf();
  ASSERT_FALSE(text.str().empty());
  FakeDhis2 dhis2;
  dhis2.SetCannedPostAnswer(409, text.str());
  ASSERT_TRUE(dhis2.Start().ok());
  auto client = Connect(dhis2);
  ASSERT_NE(client, nullptr);
  core::Result<PushResult> r = client->PushDataValues(MakeValues(1), PushOptions{}, nullptr);
  ASSERT_TRUE(r.ok()) << r.error().ToString();
  EXPECT_EQ(r->status, ImportStatus::kWarning);
  EXPECT_TRUE(r->complete());
  EXPECT_EQ(r->count.ignored, 1);
  ASSERT_EQ(r->conflicts.size(), 1u);
  EXPECT_EQ(r->conflicts[0].conflict.object, "40L");
  EXPECT_EQ(r->conflicts[0].category, ConflictCategory::kUnclassified);
  EXPECT_EQ(r->conflicts_by_category.at(ConflictCategory::kUnclassified), 1);
  EXPECT_EQ(r->batches[0].http_status, 409);
}

TEST(Dhis2ClientTest, ReadsBareSummariesOfDhis2Before238) {
  std::vector<Dhis2DataValue> values = MakeValues(1200);
  values[3].value = "value_not_numeric";
  values[1100].value = "value_not_numeric";

  FakeDhis2 legacy;  // 2.36: no errorCode, no indexes
  legacy.SetImportShape(FakeImportShape::kBareLegacy);
  legacy.SetRejectedValue("value_not_numeric");
  ASSERT_TRUE(legacy.Start().ok());
  auto client = Connect(legacy);
  ASSERT_NE(client, nullptr);
  core::Result<PushResult> r = client->PushDataValues(values, PushOptions{}, nullptr);
  ASSERT_TRUE(r.ok()) << r.error().ToString();
  EXPECT_EQ(r->status, ImportStatus::kWarning);
  EXPECT_TRUE(r->complete());
  EXPECT_EQ(r->count.imported, 1198);
  EXPECT_EQ(r->count.ignored, 2);
  ASSERT_EQ(r->conflicts.size(), 2u);
  for (const PushConflict& c : r->conflicts) {
    EXPECT_EQ(c.category, ConflictCategory::kUnclassified);
    EXPECT_TRUE(c.conflict.error_code.empty());
    EXPECT_TRUE(c.conflict.indexes.empty());
  }
  EXPECT_EQ(r->conflicts[1].batch, 1u);
  EXPECT_EQ(r->conflicts_by_category.at(ConflictCategory::kUnclassified), 2);
  EXPECT_EQ(r->batches[0].http_status, 200);

  FakeDhis2 with_codes;  // 2.37: bare summary, conflicts with errorCode and indexes
  with_codes.SetImportShape(FakeImportShape::kBareWithCodes);
  with_codes.SetRejectedValue("value_not_numeric");
  ASSERT_TRUE(with_codes.Start().ok());
  auto client237 = Connect(with_codes);
  ASSERT_NE(client237, nullptr);
  core::Result<PushResult> r237 = client237->PushDataValues(values, PushOptions{}, nullptr);
  ASSERT_TRUE(r237.ok()) << r237.error().ToString();
  ASSERT_EQ(r237->conflicts.size(), 2u);
  EXPECT_EQ(r237->conflicts[1].category, ConflictCategory::kInvalidValue);
  EXPECT_EQ(r237->conflicts[1].conflict.indexes, std::vector<size_t>{1100});
  EXPECT_EQ(r237->rejected_indexes, (std::vector<size_t>{3, 1100}));
}

TEST(Dhis2ClientTest, ParsesDhis2OwnConflict) {
  nlohmann::json envelope = Dhis2Fixture("data_value_set_warning.json");
  nlohmann::json conflict = Dhis2Fixture("import_conflict.json");
  ASSERT_TRUE(envelope.is_object());
  ASSERT_TRUE(conflict.is_object());
  envelope["response"]["conflicts"] = nlohmann::json::array({conflict});
  core::Result<ImportSummary> s = ParseImportSummary(envelope.dump(), "test");
  ASSERT_TRUE(s.ok()) << s.error().ToString();
  EXPECT_EQ(s->status, ImportStatus::kWarning);
  EXPECT_EQ(s->count.ignored, 1);
  ASSERT_EQ(s->conflicts.size(), 1u);
  const ImportConflict& c = s->conflicts[0];
  EXPECT_EQ(c.object, "UOlfIjgN8X6");
  EXPECT_EQ(c.error_code, "E7619");
  EXPECT_EQ(c.property, "value");
  EXPECT_EQ(c.indexes, (std::vector<size_t>{2, 7}));
  ASSERT_EQ(c.objects.size(), 2u);
  EXPECT_EQ(c.objects[0], (std::pair<std::string, std::string>{"dataElement", "UOlfIjgN8X6"}));

  // The same summary, bare (before 2.38).
  core::Result<ImportSummary> bare = ParseImportSummary(envelope["response"].dump(), "test");
  ASSERT_TRUE(bare.ok()) << bare.error().ToString();
  EXPECT_EQ(bare->conflicts.size(), 1u);
  EXPECT_FALSE(ParseImportSummary("<html>login</html>", "test").ok());
  EXPECT_FALSE(ParseImportSummary(R"({"httpStatus":"Conflict","message":"x"})", "test").ok());
}

TEST(Dhis2ClientTest, ClassifiesConflictsByErrorCodeOnly) {
  EXPECT_EQ(ClassifyConflict("E7619"), ConflictCategory::kInvalidValue);
  EXPECT_EQ(ClassifyConflict("E7610"), ConflictCategory::kUnknownObject);
  EXPECT_EQ(ClassifyConflict("E7617"), ConflictCategory::kNoAccess);
  EXPECT_EQ(ClassifyConflict("E7633"), ConflictCategory::kNotAssigned);
  EXPECT_EQ(ClassifyConflict("E7640"), ConflictCategory::kPeriodClosed);
  EXPECT_EQ(ClassifyConflict("E9999"), ConflictCategory::kOtherCode);
  EXPECT_EQ(ClassifyConflict(""), ConflictCategory::kUnclassified);
  EXPECT_EQ(ConflictCategoryName(ConflictCategory::kUnclassified), "unclassified");
}

TEST(Dhis2ClientTest, RejectedBatchFailsAloneAndIsSentAgainOnResume) {
  TempDir dir;
  FakeDhis2 dhis2;
  dhis2.RejectPost(2);
  ASSERT_TRUE(dhis2.Start().ok());
  auto client = Connect(dhis2, /*parallelism=*/1);
  ASSERT_NE(client, nullptr);
  const std::vector<Dhis2DataValue> values = MakeValues(2500);
  PushOptions options;
  options.journal = dir / "push.journal";
  core::Result<PushResult> r = client->PushDataValues(values, options, nullptr);
  ASSERT_TRUE(r.ok()) << r.error().ToString();
  EXPECT_EQ(r->status, ImportStatus::kError);
  EXPECT_FALSE(r->complete());
  EXPECT_EQ(r->batches[0].state, PushBatchState::kAcknowledged);
  EXPECT_EQ(r->batches[1].state, PushBatchState::kRejected);
  EXPECT_EQ(r->batches[2].state, PushBatchState::kAcknowledged);  // the push went on
  ASSERT_TRUE(r->error.has_value());
  EXPECT_EQ(r->error->code, ErrorCode::kInvalidArgument);
  EXPECT_NE(r->error->message.find("DHIS2 rejected batch 1 (values 1000-1999) (HTTP 409)"),
            std::string::npos)
      << r->error->message;
  EXPECT_NE(r->error->message.find("E7603"), std::string::npos);
  EXPECT_EQ(r->count.imported, 1500);
  EXPECT_EQ(r->count.ignored, 1000);

  dhis2.ClearRequests();
  core::Result<PushResult> again = client->PushDataValues(values, options, nullptr);
  ASSERT_TRUE(again.ok()) << again.error().ToString();
  EXPECT_TRUE(again->complete());
  EXPECT_EQ(PostedBatches(dhis2, values, 1000), std::multiset<size_t>{1});
  EXPECT_EQ(again->count.imported, 2500);
  ExpectServerHolds(dhis2, values);
}

// A connection dropped during the push of 10 batches; then the same push again with the same
// journal. Returns the batches acknowledged by the first run.
void DropThenResume(int parallelism) {
  SCOPED_TRACE("parallelism " + std::to_string(parallelism));
  TempDir dir;
  FakeDhis2 dhis2;
  dhis2.DropPost(3, /*store_first=*/true);  // DHIS2 imports the batch; the answer is lost
  ASSERT_TRUE(dhis2.Start().ok());
  auto client = Connect(dhis2, parallelism);
  ASSERT_NE(client, nullptr);
  const std::vector<Dhis2DataValue> values = MakeValues(2500);
  PushOptions options;
  options.batch_size = 250;
  options.journal = dir / "push.journal";

  core::Result<PushResult> first = client->PushDataValues(values, options, nullptr);
  ASSERT_TRUE(first.ok()) << first.error().ToString();
  EXPECT_FALSE(first->complete());
  EXPECT_EQ(first->status, ImportStatus::kError);
  ASSERT_TRUE(first->error.has_value());
  EXPECT_EQ(first->error->code, ErrorCode::kUnavailable);
  EXPECT_NE(first->error->message.find(dhis2.url() + "/api/dataValueSets"), std::string::npos)
      << first->error->message;
  EXPECT_NE(first->error->message.find("while pushing batch"), std::string::npos);
  std::set<size_t> acknowledged, failed;
  for (const PushBatch& b : first->batches) {
    if (b.state == PushBatchState::kAcknowledged) acknowledged.insert(b.number);
    if (b.state == PushBatchState::kFailed) failed.insert(b.number);
  }
  EXPECT_EQ(failed.size(), 1u);
  EXPECT_GE(acknowledged.size(), 2u);  // the two POSTs before the dropped one
  EXPECT_LT(acknowledged.size(), 10u);
  if (parallelism == 1) {
    // The failure stops the push: what comes after is not sent.
    EXPECT_EQ(acknowledged, (std::set<size_t>{0, 1}));
    EXPECT_EQ(failed, std::set<size_t>{2});
    for (size_t b = 3; b < 10; ++b) EXPECT_EQ(first->batches[b].state, PushBatchState::kNotSent);
    const std::string text = PushResultText(*first, core::Language::kEnglish);
    EXPECT_NE(text.find("Push incomplete: 2 of 10 batches acknowledged by DHIS2; 500 imported"),
              std::string::npos)
        << text;
    EXPECT_NE(text.find("Run the same push again with the same journal"), std::string::npos);
  }
  const std::multiset<size_t> sent_first = PostedBatches(dhis2, values, 250);
  EXPECT_TRUE(std::filesystem::exists(options.journal));

  dhis2.ClearRequests();
  core::Result<PushResult> second = client->PushDataValues(values, options, nullptr);
  ASSERT_TRUE(second.ok()) << second.error().ToString();
  EXPECT_TRUE(second->complete());
  EXPECT_FALSE(second->error.has_value());
  const std::multiset<size_t> resent = PostedBatches(dhis2, values, 250);
  size_t sent_again = 0;
  for (size_t b : resent) {
    EXPECT_EQ(acknowledged.count(b), 0u) << "acknowledged batch " << b << " sent again";
    EXPECT_EQ(resent.count(b), 1u);
    if (sent_first.contains(b)) ++sent_again;
  }
  // Only what was in flight when the connection dropped goes twice.
  EXPECT_GE(sent_again, 1u);
  EXPECT_LE(sent_again, static_cast<size_t>(parallelism));
  EXPECT_EQ(resent.size() + acknowledged.size(), 10u);
  for (const PushBatch& b : second->batches) {
    EXPECT_EQ(b.state, acknowledged.contains(b.number) ? PushBatchState::kAcknowledgedEarlier
                                                       : PushBatchState::kAcknowledged);
  }
  // The dropped batch was imported before its answer was lost: sent again, it is ignored.
  EXPECT_EQ(second->count.imported + second->count.ignored, 2500);
  EXPECT_EQ(second->count.ignored, 250);
  ExpectServerHolds(dhis2, values);
}

TEST(Dhis2ClientTest, ResumesAfterADroppedConnectionOneAtATime) { DropThenResume(1); }

TEST(Dhis2ClientTest, ResumesAfterADroppedConnectionInParallel) { DropThenResume(4); }

TEST(Dhis2ClientTest, JournalOfAnotherPushIsRefused) {
  TempDir dir;
  FakeDhis2 dhis2;
  ASSERT_TRUE(dhis2.Start().ok());
  auto client = Connect(dhis2);
  ASSERT_NE(client, nullptr);
  PushOptions options;
  options.journal = dir / "push.journal";
  std::vector<Dhis2DataValue> values = MakeValues(30);
  ASSERT_TRUE(client->PushDataValues(values, options, nullptr).ok());
  values[7].value = "99";
  dhis2.ClearRequests();
  core::Result<PushResult> other = client->PushDataValues(values, options, nullptr);
  ASSERT_FALSE(other.ok());
  EXPECT_EQ(other.error().code, ErrorCode::kFailedPrecondition);
  EXPECT_NE(other.error().message.find("another push"), std::string::npos);
  EXPECT_EQ(Posts(dhis2).size(), 0u);

  // The same push again: everything was acknowledged, nothing is sent.
  values[7].value = "7";
  core::Result<PushResult> same = client->PushDataValues(values, options, nullptr);
  ASSERT_TRUE(same.ok()) << same.error().ToString();
  EXPECT_TRUE(same->complete());
  EXPECT_EQ(same->count.imported, 30);
  EXPECT_EQ(Posts(dhis2).size(), 0u);
}

TEST(Dhis2ClientTest, UnwritableJournalStopsThePushBeforeItStarts) {
  TempDir dir;
  FakeDhis2 dhis2;
  ASSERT_TRUE(dhis2.Start().ok());
  auto client = Connect(dhis2);
  ASSERT_NE(client, nullptr);
  PushOptions options;
  options.journal = dir / "no-such-folder" / "push.journal";
  core::Result<PushResult> r = client->PushDataValues(MakeValues(30), options, nullptr);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::kFailedPrecondition);
  EXPECT_NE(r.error().message.find("cannot write the push journal"), std::string::npos);
  EXPECT_EQ(Posts(dhis2).size(), 0u);
}

TEST(Dhis2ClientTest, RefusedCredentialsStopThePush) {
  FakeDhis2 dhis2;
  ASSERT_TRUE(dhis2.Start().ok());
  auto client = Connect(dhis2.url(), Dhis2Credentials::Basic("admin", "Secr3t-Wrong"), 1);
  ASSERT_NE(client, nullptr);
  core::Result<PushResult> r = client->PushDataValues(MakeValues(2500), PushOptions{}, nullptr);
  ASSERT_TRUE(r.ok()) << r.error().ToString();
  ASSERT_TRUE(r->error.has_value());
  EXPECT_EQ(r->error->code, ErrorCode::kPermissionDenied);
  EXPECT_EQ(r->error->ToString().find("Secr3t-Wrong"), std::string::npos);
  EXPECT_NE(r->error->message.find("while pushing batch 0 (values 0-999)"), std::string::npos)
      << r->error->message;
  EXPECT_EQ(r->batches[0].state, PushBatchState::kFailed);
  EXPECT_EQ(r->batches[1].state, PushBatchState::kNotSent);
  EXPECT_EQ(Posts(dhis2).size(), 1u);
}

// The same push against two identical servers, one request at a time and four at a time.
TEST(Dhis2ClientTest, ResultDoesNotDependOnParallelism) {
  std::vector<Dhis2DataValue> values = MakeValues(2500);
  for (size_t i : {1u, 299u, 300u, 301u, 1500u, 1507u, 2222u}) values[i].value = "bad";
  std::vector<PushResult> results;
  for (int parallelism : {1, 4}) {
    FakeDhis2 dhis2;
    dhis2.SetRejectedValue("bad");
    ASSERT_TRUE(dhis2.Start().ok());
    auto client = Connect(dhis2, parallelism);
    ASSERT_NE(client, nullptr);
    PushOptions options;
    options.batch_size = 300;
    core::Result<PushResult> r = client->PushDataValues(values, options, nullptr);
    ASSERT_TRUE(r.ok()) << r.error().ToString();
    EXPECT_EQ(Posts(dhis2).size(), 9u);
    results.push_back(std::move(r).value());
  }
  const PushResult& a = results[0];
  const PushResult& b = results[1];
  EXPECT_EQ(a.status, ImportStatus::kWarning);
  EXPECT_EQ(a.status, b.status);
  EXPECT_EQ(a.count.imported, 2493);
  EXPECT_EQ(a.count.imported, b.count.imported);
  EXPECT_EQ(a.count.ignored, b.count.ignored);
  EXPECT_EQ(a.rejected_indexes, (std::vector<size_t>{1, 299, 300, 301, 1500, 1507, 2222}));
  EXPECT_EQ(a.rejected_indexes, b.rejected_indexes);
  ASSERT_EQ(a.conflicts.size(), b.conflicts.size());
  for (size_t i = 0; i < a.conflicts.size(); ++i) {
    EXPECT_EQ(a.conflicts[i].conflict.indexes, b.conflicts[i].conflict.indexes);
    EXPECT_EQ(a.conflicts[i].conflict.object, b.conflicts[i].conflict.object);
    EXPECT_EQ(a.conflicts[i].batch, b.conflicts[i].batch);
    EXPECT_EQ(a.conflicts[i].category, b.conflicts[i].category);
  }
  ASSERT_EQ(a.batches.size(), b.batches.size());
  for (size_t i = 0; i < a.batches.size(); ++i) {
    EXPECT_EQ(a.batches[i].state, b.batches[i].state);
    EXPECT_EQ(a.batches[i].http_status, b.batches[i].http_status);
    EXPECT_EQ(a.batches[i].count.imported, b.batches[i].count.imported);
    EXPECT_EQ(a.batches[i].conflicts, b.batches[i].conflicts);
  }
  EXPECT_EQ(a.conflicts_by_category, b.conflicts_by_category);
}

}  // namespace
}  // namespace keneya::io
