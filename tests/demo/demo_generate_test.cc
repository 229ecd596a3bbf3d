// Tests of the demo dataset generator (src/demo/generate_demo.cc) and of the districts file it
// reads. The dataset is generated once for the suite; each test measures one property from the
// metadata and values, as a user of the dataset would see them.
#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <map>
#include <set>
#include <string>
#include <tuple>
#include <unordered_map>
#include <vector>

#include "core/data_value.h"
#include "core/period.h"
#include "core/uid.h"
#include "demo/demo.h"
#include "demo/demo_internal.h"
#include "demo/districts.h"

namespace keneya::demo {
namespace {

using core::OrgUnit;
using core::OrgUnitType;

constexpr int kFirstYear = 2021;
constexpr int kLastYear = 2024;
constexpr int kYears = kLastYear - kFirstYear + 1;

// Characters, not bytes, of a UTF-8 string.
size_t Utf8Length(const std::string& s) {
  return static_cast<size_t>(std::count_if(
      s.begin(), s.end(), [](char c) { return (static_cast<unsigned char>(c) & 0xC0) != 0x80; }));
}

class DemoGenerateTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    auto record = [](const store::Progress& p) {
      phases_.emplace_back(std::string(p.phase), p.done, p.total);
    };
    core::Result<DemoDataset> result = GenerateDemo(DemoOptions{}, record);
    if (!result.ok()) {
      error_ = result.error().ToString();
      return;
    }
    dataset_ = new DemoDataset(std::move(result).value());
    const auto& meta = dataset_->metadata;
    for (size_t i = 0; i < meta.org_units.size(); ++i) {
      if (meta.org_units[i].level == 4) facilities_.push_back(static_cast<int32_t>(i));
    }
  }
  static void TearDownTestSuite() {
    delete dataset_;
    dataset_ = nullptr;
  }
  void SetUp() override { ASSERT_NE(dataset_, nullptr) << "GenerateDemo failed: " << error_; }

  static const DemoDataset& demo() { return *dataset_; }
  static const core::MetadataBundle& meta() { return dataset_->metadata; }

  static int DataElement(const std::string& code) {
    const auto& des = meta().data_elements;
    for (size_t i = 0; i < des.size(); ++i) {
      if (des[i].code == code) return static_cast<int>(i);
    }
    ADD_FAILURE() << "no data element " << code;
    return -1;
  }
  static int OrgUnitIndex(const std::string& code) {
    const auto& ous = meta().org_units;
    for (size_t i = 0; i < ous.size(); ++i) {
      if (ous[i].code == code) return static_cast<int>(i);
    }
    ADD_FAILURE() << "no org unit " << code;
    return -1;
  }
  static const OrgUnit* ByUid(const std::string& uid) {
    for (const OrgUnit& ou : meta().org_units) {
      if (ou.uid == uid) return &ou;
    }
    return nullptr;
  }
  static core::Period PeriodOf(int32_t code) {
    static std::unordered_map<int32_t, core::Period> cache;
    auto it = cache.find(code);
    if (it == cache.end()) it = cache.emplace(code, *core::Period::FromCode(code)).first;
    return it->second;
  }
  // National monthly totals of one data element and state: [year - kFirstYear][month - 1].
  static std::vector<std::vector<double>> MonthlyTotals(int de, int state) {
    std::vector<std::vector<double>> totals(kYears, std::vector<double>(12, 0.0));
    for (const DemoValue& v : demo().values) {
      if (v.data_element != de || v.state != state) continue;
      const core::Period p = PeriodOf(v.period);
      totals[p.year() - kFirstYear][p.index() - 1] += v.value;
    }
    return totals;
  }
  // Mean yearly verified volume per facility of `type` for data element `de` in `year`.
  static double MeanVolume(OrgUnitType type, int de, int year) {
    std::set<int32_t> reporting;
    double total = 0;
    for (const DemoValue& v : demo().values) {
      if (v.data_element != de || v.state != core::kStateVerified) continue;
      if (meta().org_units[v.org_unit].type != type) continue;
      if (PeriodOf(v.period).year() != year) continue;
      total += v.value;
      reporting.insert(v.org_unit);
    }
    return reporting.empty() ? 0 : total / reporting.size();
  }

  static DemoDataset* dataset_;
  static std::string error_;
  static std::vector<int32_t> facilities_;  // org unit indices of level 4
  static std::vector<std::tuple<std::string, int64_t, int64_t>> phases_;
};

DemoDataset* DemoGenerateTest::dataset_ = nullptr;
std::string DemoGenerateTest::error_;
std::vector<int32_t> DemoGenerateTest::facilities_;
std::vector<std::tuple<std::string, int64_t, int64_t>> DemoGenerateTest::phases_;

TEST_F(DemoGenerateTest, PyramidHasElevenRegionsAndSeventyFiveDistricts) {
  std::map<int, int> by_level;
  std::set<std::string> regions;
  for (const OrgUnit& ou : meta().org_units) {
    ++by_level[ou.level];
    if (ou.level == 2) regions.insert(ou.name);
  }
  EXPECT_EQ(by_level[1], 1);
  EXPECT_EQ(by_level[2], 11);
  EXPECT_EQ(by_level[3], 75);
  EXPECT_EQ(regions, std::set<std::string>(HealthRegions().begin(), HealthRegions().end()));
  EXPECT_EQ(meta().org_units[0].name, "Mali");
  EXPECT_EQ(meta().org_units[OrgUnitIndex("DS_KATI")].name, "District sanitaire de Kati");
  EXPECT_EQ(meta().org_units[OrgUnitIndex("DS_ANSONGO")].name, "District sanitaire d'Ansongo");
  EXPECT_EQ(meta().org_units[OrgUnitIndex("DS_COMMUNE_I")].name,
            "District sanitaire de la Commune I");
}

TEST_F(DemoGenerateTest, ContractsAbout2000FacilitiesInRealisticProportions) {
  std::map<OrgUnitType, int> by_type;
  for (int32_t i : facilities_) ++by_type[meta().org_units[i].type];
  const int total = static_cast<int>(facilities_.size());
  EXPECT_GE(total, 1900);
  EXPECT_LE(total, 2100);
  EXPECT_EQ(by_type[OrgUnitType::kCsref], 75);
  EXPECT_EQ(by_type[OrgUnitType::kRegionalHospital], 8);
  EXPECT_GE(by_type[OrgUnitType::kCscom], 1450);
  EXPECT_LE(by_type[OrgUnitType::kCscom], 1550);
  EXPECT_GE(by_type[OrgUnitType::kMaternity], 230);
  EXPECT_LE(by_type[OrgUnitType::kMaternity], 270);
  EXPECT_GE(by_type[OrgUnitType::kPrivateClinic], 100);
  EXPECT_LE(by_type[OrgUnitType::kPrivateClinic], 130);
  EXPECT_GE(by_type[OrgUnitType::kCooperativeClinic], 10);
  EXPECT_LE(by_type[OrgUnitType::kCooperativeClinic], 20);
  for (int32_t i : facilities_) {
    EXPECT_TRUE(core::IsFacility(meta().org_units[i].type)) << meta().org_units[i].name;
  }
}

TEST_F(DemoGenerateTest, PrivateClinicsAreMostlyInBamakoAndRegionalCapitals) {
  const std::set<std::string> capitals = {
      "DS_KAYES",       "DS_KOULIKORO",  "DS_SIKASSO",   "DS_SEGOU",
      "DS_MOPTI",       "DS_TOMBOUCTOU", "DS_GAO",       "DS_KIDAL",
      "DS_TAOUDENIT",   "DS_MENAKA",     "DS_COMMUNE_I", "DS_COMMUNE_II",
      "DS_COMMUNE_III", "DS_COMMUNE_IV", "DS_COMMUNE_V", "DS_COMMUNE_VI"};
  int in_towns = 0, total = 0;
  for (int32_t i : facilities_) {
    const OrgUnit& ou = meta().org_units[i];
    if (ou.type != OrgUnitType::kPrivateClinic) continue;
    ++total;
    in_towns += capitals.contains(ByUid(ou.parent_uid)->code) ? 1 : 0;
  }
  ASSERT_GT(total, 0);
  EXPECT_GE(static_cast<double>(in_towns) / total, 0.8);
}

TEST_F(DemoGenerateTest, AscSitesHangUnderCscoms) {
  int sites = 0;
  std::set<std::string> parents;
  for (const OrgUnit& ou : meta().org_units) {
    if (ou.level != 5) continue;
    ++sites;
    EXPECT_EQ(ou.type, OrgUnitType::kAscSite);
    EXPECT_TRUE(ou.name.starts_with("Site ASC d")) << ou.name;
    const OrgUnit* parent = ByUid(ou.parent_uid);
    ASSERT_NE(parent, nullptr);
    EXPECT_EQ(parent->type, OrgUnitType::kCscom);
    parents.insert(parent->uid);
  }
  EXPECT_GE(sites, 2700);
  EXPECT_LE(sites, 3300);
  EXPECT_GT(parents.size(), 1000u);  // spread over many CSCOMs, not piled on a few
}

TEST_F(DemoGenerateTest, KokoIIIsACscomOfKatiInKoulikoro) {
  const int koko = OrgUnitIndex(kKokoIICode);
  ASSERT_GE(koko, 0);
  const OrgUnit& ou = meta().org_units[koko];
  EXPECT_EQ(ou.name, "CSCOM Koko II");
  EXPECT_EQ(ou.type, OrgUnitType::kCscom);
  const OrgUnit* district = ByUid(ou.parent_uid);
  ASSERT_NE(district, nullptr);
  EXPECT_EQ(district->name, "District sanitaire de Kati");
  const OrgUnit* region = ByUid(district->parent_uid);
  ASSERT_NE(region, nullptr);
  EXPECT_EQ(region->name, "Koulikoro");
}

TEST_F(DemoGenerateTest, MetadataValidates) {
  const core::Status status = meta().Validate();
  EXPECT_TRUE(status.ok()) << (status.ok() ? "" : status.error().message);
}

TEST_F(DemoGenerateTest, OrgUnitsHaveCodesNamesCoordinatesAndOpeningDates) {
  std::set<std::string> facility_names_per_district;
  for (const OrgUnit& ou : meta().org_units) {
    EXPECT_TRUE(core::IsValidUid(ou.uid));
    EXPECT_FALSE(ou.code.empty()) << ou.name;
    EXPECT_LE(ou.code.size(), 50u) << ou.code;
    EXPECT_LE(Utf8Length(ou.short_name), 50u) << ou.short_name;
    EXPECT_TRUE(std::all_of(ou.code.begin(), ou.code.end(), [](char c) {
      return (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
    })) << ou.code;
    EXPECT_TRUE(ou.opening_date.has_value()) << ou.code;
    if (ou.level >= 4) {
      ASSERT_TRUE(ou.coordinates.has_value()) << ou.code;
      EXPECT_GE(ou.coordinates->latitude, 10.0);
      EXPECT_LE(ou.coordinates->latitude, 25.0);
      EXPECT_GE(ou.coordinates->longitude, -12.5);
      EXPECT_LE(ou.coordinates->longitude, 4.5);
      EXPECT_LT(*ou.opening_date, core::Date::FromYmd(kFirstYear, 1, 1)) << ou.code;
      // Names are unique within a district (sites are counted under their district).
      const std::string district = ou.level == 4 ? ou.parent_uid : ByUid(ou.parent_uid)->parent_uid;
      EXPECT_TRUE(facility_names_per_district.insert(district + "/" + ou.name).second)
          << "name used twice in a district: " << ou.name;
    }
  }
}

TEST_F(DemoGenerateTest, FacilitiesLieNearTheirDistrictTown) {
  // Mostly within ~60 km in the south; the northern districts spread farther.
  int near = 0;
  for (int32_t i : facilities_) {
    const OrgUnit& ou = meta().org_units[i];
    const OrgUnit* district = ByUid(ou.parent_uid);
    const double dlat = (ou.coordinates->latitude - district->coordinates->latitude) * 111.32;
    const double dlon = (ou.coordinates->longitude - district->coordinates->longitude) * 111.32 *
                        std::cos(district->coordinates->latitude * 3.14159265 / 180);
    const double km = std::sqrt(dlat * dlat + dlon * dlon);
    EXPECT_LT(km, 400) << ou.name;
    near += km <= 70 ? 1 : 0;
  }
  EXPECT_GT(static_cast<double>(near) / facilities_.size(), 0.85);
}

TEST_F(DemoGenerateTest, EveryContractedFacilityHasOneEquityCategory) {
  const core::OrgUnitGroupSet* set = nullptr;
  for (const auto& s : meta().org_unit_group_sets) {
    if (s.code == kRemotenessGroupSetCode) set = &s;
  }
  ASSERT_NE(set, nullptr);
  EXPECT_TRUE(set->exclusive);
  ASSERT_EQ(set->group_uids.size(), 4u);
  std::map<std::string, int> category_of_group;
  std::string contract_uid;
  for (const auto& g : meta().org_unit_groups) {
    for (int c = 0; c < 4; ++c) {
      if (g.code == "EQUITE_" + std::to_string(10 * c)) {
        category_of_group[g.uid] = c;
        EXPECT_EQ(g.name, "Catégorie d'équité " + std::to_string(10 * c) + " %");
        EXPECT_NE(std::find(set->group_uids.begin(), set->group_uids.end(), g.uid),
                  set->group_uids.end());
      }
    }
    if (g.code == kContractGroupCode) contract_uid = g.uid;
  }
  ASSERT_EQ(category_of_group.size(), 4u);
  ASSERT_FALSE(contract_uid.empty());

  std::array<int, 4> counts{};
  double north_sum = 0, bamako_sum = 0;
  int north_n = 0, bamako_n = 0;
  for (int32_t i : facilities_) {
    const OrgUnit& ou = meta().org_units[i];
    int found = 0, category = -1;
    for (const std::string& g : ou.group_uids) {
      if (auto it = category_of_group.find(g); it != category_of_group.end()) {
        ++found;
        category = it->second;
      }
    }
    ASSERT_EQ(found, 1) << ou.name;
    EXPECT_TRUE(std::binary_search(ou.group_uids.begin(), ou.group_uids.end(), contract_uid));
    EXPECT_TRUE(std::is_sorted(ou.group_uids.begin(), ou.group_uids.end()));
    ++counts[category];
    const std::string region = ByUid(ByUid(ou.parent_uid)->parent_uid)->name;
    if (region == "Kidal" || region == "Taoudénit" || region == "Ménaka" ||
        region == "Tombouctou" || region == "Gao") {
      north_sum += category;
      ++north_n;
    } else if (region == "District de Bamako") {
      bamako_sum += category;
      ++bamako_n;
    }
  }
  const double n = static_cast<double>(facilities_.size());
  EXPECT_NEAR(counts[0] / n, 0.40, 0.05);
  EXPECT_NEAR(counts[1] / n, 0.30, 0.05);
  EXPECT_NEAR(counts[2] / n, 0.20, 0.05);
  EXPECT_NEAR(counts[3] / n, 0.10, 0.05);
  ASSERT_GT(north_n, 0);
  ASSERT_GT(bamako_n, 0);
  EXPECT_GT(north_sum / north_n, 2.0);    // the north is mostly 20-30 %
  EXPECT_LT(bamako_sum / bamako_n, 0.5);  // Bamako is mostly 0 %
  // Contract group: every level-4 facility, nothing else.
  for (const OrgUnit& ou : meta().org_units) {
    const bool in_contract =
        std::find(ou.group_uids.begin(), ou.group_uids.end(), contract_uid) != ou.group_uids.end();
    EXPECT_EQ(in_contract, ou.level == 4) << ou.name;
  }
}

TEST_F(DemoGenerateTest, HasOneGroupPerFacilityType) {
  std::set<std::string> codes;
  for (const auto& g : meta().org_unit_groups) codes.insert(g.code);
  for (std::string code : {"TYPE_CSCOM", "TYPE_CSREF", "TYPE_EPH", "TYPE_MATERNITE",
                           "TYPE_CLINIQUE_PRIVEE", "TYPE_CCS"}) {
    EXPECT_TRUE(codes.contains(code)) << code;
  }
}

TEST_F(DemoGenerateTest, DataElementsAndDataSetsFollowTheFbrModel) {
  const auto& model = meta().categories;
  std::string points_combo;
  for (const auto& combo : model.combos) {
    if (combo.name == "Points") points_combo = combo.uid;
  }
  ASSERT_FALSE(points_combo.empty());
  std::set<std::string> coc_names;
  for (const auto& coc : model.option_combos) {
    if (coc.category_combo_uid == points_combo) coc_names.insert(coc.name);
  }
  EXPECT_EQ(coc_names, (std::set<std::string>{"Points obtenus", "Points possibles"}));

  const core::DataSet* monthly = nullptr;
  const core::DataSet* quarterly = nullptr;
  for (const auto& ds : meta().data_sets) {
    if (ds.code == kMonthlyDataSetCode) monthly = &ds;
    if (ds.code == kQualityDataSetCode) quarterly = &ds;
  }
  ASSERT_NE(monthly, nullptr);
  ASSERT_NE(quarterly, nullptr);
  EXPECT_EQ(monthly->period_type, core::PeriodType::kMonthly);
  EXPECT_EQ(quarterly->period_type, core::PeriodType::kQuarterly);
  EXPECT_EQ(monthly->org_unit_uids.size(), facilities_.size());
  EXPECT_EQ(quarterly->org_unit_uids.size(), facilities_.size());
  EXPECT_GE(monthly->data_element_uids.size(), 25u);
  EXPECT_GE(quarterly->data_element_uids.size(), 12u);

  for (const std::string code :
       {"FBR_CONSULT_CUR_5PLUS", "FBR_CONSULT_CUR_MOINS5", "FBR_ACCOUCHEMENT",
        "FBR_ASC_PALU_TRAITE", "FBR_CESARIENNE", "FBR_JOURNEE_HOSPITALISATION"}) {
    const auto& de = meta().data_elements[DataElement(code)];
    EXPECT_EQ(de.value_type, core::ValueType::kIntegerZeroOrPositive);
    EXPECT_TRUE(de.zero_is_significant);
    EXPECT_EQ(de.category_combo_uid, core::kDefaultCategoryComboUid);
    EXPECT_NE(
        std::find(monthly->data_element_uids.begin(), monthly->data_element_uids.end(), de.uid),
        monthly->data_element_uids.end());
  }
  for (const std::string& uid : quarterly->data_element_uids) {
    const auto it = std::find_if(meta().data_elements.begin(), meta().data_elements.end(),
                                 [&](const core::DataElement& de) { return de.uid == uid; });
    ASSERT_NE(it, meta().data_elements.end());
    EXPECT_EQ(it->category_combo_uid, points_combo);
    EXPECT_EQ(it->value_type, core::ValueType::kIntegerZeroOrPositive);
  }
}

TEST_F(DemoGenerateTest, ValuesAreSortedByStoreKeyWithoutRepeats) {
  const auto key = [](const DemoValue& v) {
    return std::make_tuple(v.period, v.org_unit, v.data_element, v.category_option_combo, v.state);
  };
  const auto& values = demo().values;
  ASSERT_FALSE(values.empty());
  for (size_t i = 1; i < values.size(); ++i) {
    ASSERT_LT(key(values[i - 1]), key(values[i])) << "at value " << i;
  }
  EXPECT_GE(values.size(), 2'500'000u);
  EXPECT_LE(values.size(), 4'500'000u);
  for (const DemoValue& v : values) {
    ASSERT_GE(v.value, 0);
    ASSERT_TRUE(v.state == core::kStateDeclared || v.state == core::kStateVerified);
    ASSERT_EQ(meta().org_units[v.org_unit].level, 4);
  }
}

TEST_F(DemoGenerateTest, EveryFacilityReportsEveryMonth) {
  std::map<int32_t, std::set<int32_t>> periods_by_facility;
  for (const DemoValue& v : demo().values) {
    if (v.state == core::kStateDeclared &&
        PeriodOf(v.period).type() == core::PeriodType::kMonthly &&
        PeriodOf(v.period).year() <= kLastYear) {
      periods_by_facility[v.org_unit].insert(v.period);
    }
  }
  EXPECT_EQ(periods_by_facility.size(), facilities_.size());
  for (const auto& [ou, periods] : periods_by_facility) {
    EXPECT_EQ(periods.size(), static_cast<size_t>(12 * kYears)) << meta().org_units[ou].name;
  }
}

// The January after the last year, as it stands in early February: declared numbers only, from
// the facilities DemoDataset::january lists (about 55 % by the 5th, 12 % late), Koko II not yet.
TEST_F(DemoGenerateTest, TheOpenJanuaryIsDeclaredByPartOfTheFacilities) {
  const int32_t january = core::Period::Make(core::PeriodType::kMonthly, kLastYear + 1, 1)->Code();
  std::set<int32_t> declaring;
  for (const DemoValue& v : demo().values) {
    if (v.period != january) continue;
    EXPECT_EQ(v.state, core::kStateDeclared);
    declaring.insert(v.org_unit);
  }
  std::set<int32_t> listed;
  int on_time = 0, late = 0;
  for (const OpenMonthDeclaration& d : demo().january) {
    listed.insert(d.org_unit);
    ASSERT_GE(d.day, 1);
    ASSERT_LE(d.day, 7);
    (d.day <= 5 ? on_time : late) += 1;
    EXPECT_NE(meta().org_units[static_cast<size_t>(d.org_unit)].code, kKokoIICode);
  }
  EXPECT_EQ(declaring, listed);
  const double facilities = static_cast<double>(facilities_.size());
  EXPECT_GT(on_time / facilities, 0.40);
  EXPECT_LT(on_time / facilities, 0.60);
  EXPECT_GT(late / facilities, 0.08);
  EXPECT_LT(late / facilities, 0.16);
  std::printf("  January %d: %d declared on time, %d late, %d open\n", kLastYear + 1, on_time, late,
              static_cast<int>(facilities) - on_time - late);
}

TEST_F(DemoGenerateTest, MalariaPeaksFromJulyToOctoberEveryYear) {
  for (const std::string code : {"FBR_CONSULT_CUR_MOINS5", "FBR_ASC_PALU_TRAITE"}) {
    const auto totals = MonthlyTotals(DataElement(code), core::kStateVerified);
    for (int y = 0; y < kYears; ++y) {
      double peak = 0, rest = 0;
      for (int m = 0; m < 12; ++m) (m >= 6 && m <= 9 ? peak : rest) += totals[y][m];
      const double ratio = (peak / 4) / (rest / 8);
      EXPECT_GT(ratio, 1.3) << code << " " << kFirstYear + y;
      if (code == "FBR_CONSULT_CUR_MOINS5") {
        std::printf("  malaria peak %d: under-5 Jul-Oct / other months = %.2f\n", kFirstYear + y,
                    ratio);
      }
    }
  }
}

TEST_F(DemoGenerateTest, VolumesGrowTenToTwentyPercentAYear) {
  const auto totals = MonthlyTotals(DataElement("FBR_CONSULT_CUR_5PLUS"), core::kStateVerified);
  double previous = 0;
  for (int y = 0; y < kYears; ++y) {
    double year_total = 0;
    for (double m : totals[y]) year_total += m;
    if (y > 0) {
      const double growth = year_total / previous - 1;
      EXPECT_GT(growth, 0.08) << kFirstYear + y;
      EXPECT_LT(growth, 0.22) << kFirstYear + y;
      std::printf("  growth %d: %+.1f %%\n", kFirstYear + y, 100 * growth);
    }
    previous = year_total;
  }
}

TEST_F(DemoGenerateTest, CsrefVolumesAreWellAboveCscomVolumes) {
  for (const std::string code :
       {"FBR_ACCOUCHEMENT", "FBR_CONSULT_CUR_5PLUS", "FBR_CONSULT_CUR_MOINS5"}) {
    const int de = DataElement(code);
    const double csref = MeanVolume(OrgUnitType::kCsref, de, 2023);
    const double cscom = MeanVolume(OrgUnitType::kCscom, de, 2023);
    EXPECT_GT(csref, 2 * cscom) << code;
    std::printf("  2023 mean %s: CSRéf %.0f, CSCOM %.0f\n", code.c_str(), csref, cscom);
  }
}

TEST_F(DemoGenerateTest, AboutOneFacilityInFiveOverDeclares) {
  // Yearly sums per (facility, data element, year), from the values alone.
  const size_t des = meta().data_elements.size();
  const size_t ous = meta().org_units.size();
  std::vector<int64_t> declared(ous * des * kYears, 0), verified(ous * des * kYears, 0);
  int64_t pairs = 0, verified_above = 0;
  const auto& values = demo().values;
  for (size_t i = 0; i + 1 < values.size(); ++i) {
    const DemoValue& d = values[i];
    const DemoValue& v = values[i + 1];
    if (d.state != core::kStateDeclared || v.state != core::kStateVerified) continue;
    if (PeriodOf(d.period).year() > kLastYear) continue;  // the open January: declared only
    ASSERT_EQ(d.period, v.period);
    ASSERT_EQ(d.org_unit, v.org_unit);
    ASSERT_EQ(d.data_element, v.data_element);
    const size_t at =
        (d.org_unit * des + d.data_element) * kYears + (PeriodOf(d.period).year() - kFirstYear);
    declared[at] += d.value;
    verified[at] += v.value;
    ++pairs;
    verified_above += v.value > d.value ? 1 : 0;
  }
  int over = 0;
  double worst_honest = 0;
  for (int32_t f : facilities_) {
    bool flagged = false;
    double worst = 0;
    for (size_t de = 0; de < des; ++de) {
      for (int y = 0; y < kYears; ++y) {
        const size_t at = (f * des + de) * kYears + y;
        if (verified[at] < 30) continue;  // too few cases to judge a ratio
        const double ratio = static_cast<double>(declared[at]) / verified[at];
        worst = std::max(worst, ratio);
        flagged |= ratio > 1.10;
      }
    }
    over += flagged ? 1 : 0;
    if (!flagged) worst_honest = std::max(worst_honest, worst);
  }
  const double share = static_cast<double>(over) / facilities_.size();
  std::printf("  over-declaring facilities: %d of %zu (%.1f %%); honest worst ratio %.3f\n", over,
              facilities_.size(), 100 * share, worst_honest);
  EXPECT_GE(share, 0.15);
  EXPECT_LE(share, 0.25);
  // Honest facilities stay within a few percent.
  EXPECT_LE(worst_honest, 1.05);
  // Verified exceeds declared almost never.
  ASSERT_GT(pairs, 0);
  EXPECT_LT(static_cast<double>(verified_above) / pairs, 0.005);
}

TEST_F(DemoGenerateTest, QualityScoresRiseFromAbout40To80Percent) {
  std::map<int32_t, std::pair<double, double>> by_quarter;  // period -> obtained, possible
  const auto& model = meta().categories;
  int obtained_coc = -1, possible_coc = -1;
  for (size_t i = 0; i < model.option_combos.size(); ++i) {
    if (model.option_combos[i].name == "Points obtenus") obtained_coc = static_cast<int>(i);
    if (model.option_combos[i].name == "Points possibles") possible_coc = static_cast<int>(i);
  }
  ASSERT_GE(obtained_coc, 0);
  ASSERT_GE(possible_coc, 0);
  const auto& values = demo().values;
  std::map<int32_t, int> values_per_facility;
  for (size_t i = 0; i < values.size(); ++i) {
    const DemoValue& v = values[i];
    if (PeriodOf(v.period).type() != core::PeriodType::kQuarterly) continue;
    EXPECT_EQ(v.state, core::kStateVerified);
    ++values_per_facility[v.org_unit];
    if (v.category_option_combo == obtained_coc) {
      ASSERT_LT(i + 1, values.size());
      const DemoValue& p = values[i + 1];
      ASSERT_EQ(p.category_option_combo, possible_coc);
      ASSERT_EQ(p.data_element, v.data_element);
      EXPECT_LE(v.value, p.value);
      EXPECT_GE(p.value, 10);
      EXPECT_LE(p.value, 40);
      by_quarter[v.period].first += v.value;
      by_quarter[v.period].second += p.value;
    }
  }
  EXPECT_EQ(values_per_facility.size(), facilities_.size());
  for (const auto& [ou, count] : values_per_facility) EXPECT_EQ(count, 4 * kYears * 12 * 2);

  ASSERT_EQ(by_quarter.size(), static_cast<size_t>(4 * kYears));
  const auto score = [&](int year, int quarter) {
    const auto& [obtained, possible] =
        by_quarter.at(core::Period::Make(core::PeriodType::kQuarterly, year, quarter)->Code());
    return obtained / possible;
  };
  std::printf("  quality: 2021Q1 %.1f %%, 2024Q4 %.1f %%\n", 100 * score(2021, 1),
              100 * score(2024, 4));
  EXPECT_GE(score(2021, 1), 0.35);
  EXPECT_LE(score(2021, 1), 0.45);
  EXPECT_GE(score(2024, 4), 0.75);
  EXPECT_LE(score(2024, 4), 0.85);
  double previous = 0;
  for (int y = kFirstYear; y <= kLastYear; ++y) {
    double mean = 0;
    for (int q = 1; q <= 4; ++q) mean += score(y, q) / 4;
    EXPECT_GT(mean, previous) << y;
    previous = mean;
  }
}

TEST_F(DemoGenerateTest, KokoIIHitsTheReportedConsultationTotals) {
  const int koko = OrgUnitIndex(kKokoIICode);
  const int adults = DataElement("FBR_CONSULT_CUR_5PLUS");
  const int children = DataElement("FBR_CONSULT_CUR_MOINS5");
  std::map<int, int64_t> verified_by_year;
  for (size_t i = 0; i < demo().values.size(); ++i) {
    const DemoValue& v = demo().values[i];
    if (v.org_unit != koko) continue;
    if (v.state == core::kStateVerified &&
        PeriodOf(v.period).type() == core::PeriodType::kMonthly) {
      const DemoValue& d = demo().values[i - 1];
      ASSERT_EQ(d.state, core::kStateDeclared);
      ASSERT_EQ(d.data_element, v.data_element);
      EXPECT_GE(d.value, v.value) << "declared below verified at Koko II";
      if (v.data_element == adults || v.data_element == children) {
        verified_by_year[PeriodOf(v.period).year()] += v.value;
      }
    }
  }
  EXPECT_EQ(verified_by_year[2021], 2261);
  EXPECT_EQ(verified_by_year[2022], 3505);
  EXPECT_GT(verified_by_year[2023], verified_by_year[2022]);
  EXPECT_GT(verified_by_year[2024], verified_by_year[2023]);
}

TEST_F(DemoGenerateTest, SameSeedGivesTheSameDatasetAndAnotherSeedDoesNot) {
  core::Result<DemoDataset> again = GenerateDemo(DemoOptions{}, nullptr);
  ASSERT_TRUE(again.ok());
  const auto& a = meta();
  const auto& b = again->metadata;
  EXPECT_EQ(a.org_units, b.org_units);
  EXPECT_EQ(a.org_unit_groups, b.org_unit_groups);
  EXPECT_EQ(a.org_unit_group_sets, b.org_unit_group_sets);
  EXPECT_EQ(a.categories.option_combos, b.categories.option_combos);
  EXPECT_EQ(a.data_elements, b.data_elements);
  EXPECT_EQ(a.data_sets, b.data_sets);
  ASSERT_EQ(demo().values.size(), again->values.size());
  EXPECT_EQ(std::memcmp(demo().values.data(), again->values.data(),
                        demo().values.size() * sizeof(DemoValue)),
            0);

  DemoOptions other;
  other.seed = DemoOptions{}.seed + 1;
  core::Result<DemoDataset> different = GenerateDemo(other, nullptr);
  ASSERT_TRUE(different.ok());
  EXPECT_NE(a.org_units[0].uid, different->metadata.org_units[0].uid);
  const size_t n = std::min(demo().values.size(), different->values.size());
  EXPECT_TRUE(demo().values.size() != different->values.size() ||
              std::memcmp(demo().values.data(), different->values.data(), n * sizeof(DemoValue)) !=
                  0);
  // Koko II's reported totals hold for every seed.
  int64_t koko_2021 = 0;
  const auto& dm = different->metadata;
  int koko = -1, adults = -1, children = -1;
  for (size_t i = 0; i < dm.org_units.size(); ++i) {
    if (dm.org_units[i].code == kKokoIICode) koko = static_cast<int>(i);
  }
  for (size_t i = 0; i < dm.data_elements.size(); ++i) {
    if (dm.data_elements[i].code == "FBR_CONSULT_CUR_5PLUS") adults = static_cast<int>(i);
    if (dm.data_elements[i].code == "FBR_CONSULT_CUR_MOINS5") children = static_cast<int>(i);
  }
  for (const DemoValue& v : different->values) {
    if (v.org_unit == koko && v.state == core::kStateVerified &&
        (v.data_element == adults || v.data_element == children) &&
        PeriodOf(v.period).year() == 2021) {
      koko_2021 += v.value;
    }
  }
  EXPECT_EQ(koko_2021, 2261);
}

TEST_F(DemoGenerateTest, ReportsItsPhases) {
  std::set<std::string> seen;
  for (const auto& [phase, done, total] : phases_) {
    seen.insert(phase);
    EXPECT_LE(done, total) << phase;
  }
  EXPECT_TRUE(seen.contains("pyramid"));
  EXPECT_TRUE(seen.contains("values"));
  EXPECT_TRUE(seen.contains("quality"));
  const auto& [last_phase, last_done, last_total] = phases_.back();
  EXPECT_EQ(last_done, last_total) << last_phase;
}

TEST(DemoOptionsTest, RejectsAFirstYearAfterTheLastYear) {
  DemoOptions options;
  options.first_year = 2024;
  options.last_year = 2023;
  core::Result<DemoDataset> result = GenerateDemo(options, nullptr);
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().code, core::ErrorCode::kInvalidArgument);
}

TEST(DemoOptionsTest, OneYearWithoutTheReportedYearsStillGenerates) {
  DemoOptions options;
  options.first_year = 2025;
  options.last_year = 2025;
  core::Result<DemoDataset> result = GenerateDemo(options, nullptr);
  ASSERT_TRUE(result.ok()) << result.error().ToString();
  EXPECT_TRUE(result->metadata.Validate().ok());
  EXPECT_GT(result->values.size(), 500'000u);
}

// ---------------------------------------------------------------------------------------------

TEST(DemoNamesTest, CodeFromNameDropsAccentsAndJoinsWords) {
  EXPECT_EQ(internal::CodeFromName("Ouéléssébougou"), "OUELESSEBOUGOU");
  EXPECT_EQ(internal::CodeFromName("Nioro du Sahel"), "NIORO_DU_SAHEL");
  EXPECT_EQ(internal::CodeFromName("Koko II"), "KOKO_II");
  EXPECT_EQ(internal::CodeFromName("Foum el ’Alba"), "FOUM_EL_ALBA");
  EXPECT_EQ(internal::CodeFromName("  Tin-Essako "), "TIN_ESSAKO");
  EXPECT_EQ(internal::CodeFromName("Abeïbara"), "ABEIBARA");
  EXPECT_EQ(internal::CodeFromName("M'Pessoba"), "M_PESSOBA");
}

TEST(DemoNamesTest, OfElidesBeforeVowels) {
  EXPECT_EQ(internal::Of("Kati"), "de Kati");
  EXPECT_EQ(internal::Of("Ansongo"), "d'Ansongo");
  EXPECT_EQ(internal::Of("Ouéléssébougou"), "d'Ouéléssébougou");
  EXPECT_EQ(internal::Of("Yélimané"), "de Yélimané");
  EXPECT_EQ(internal::Of("Commune IV"), "de la Commune IV");
}

TEST(DemoNamesTest, ApportionIsExactAndProportional) {
  const std::vector<int> parts = internal::Apportion({1, 2, 3, 0.01}, 100, 1);
  EXPECT_EQ(parts, (std::vector<int>{17, 33, 49, 1}));
  EXPECT_EQ(internal::Apportion({0.4, 0.3, 0.2, 0.1}, 7, 0), (std::vector<int>{3, 2, 1, 1}));
}

TEST(DemoNamesTest, RescaleToTotalHitsTheTargetAndKeepsTheShape) {
  std::vector<int64_t> values = {100, 200, 300, 0, 7};
  internal::RescaleToTotal(values, 1000);
  int64_t sum = 0;
  for (int64_t v : values) sum += v;
  EXPECT_EQ(sum, 1000);
  EXPECT_EQ(values[3], 0);
  EXPECT_LT(values[0], values[1]);
  EXPECT_LT(values[1], values[2]);
  std::vector<int64_t> zeros = {0, 0, 0};
  internal::RescaleToTotal(zeros, 10);
  EXPECT_EQ(zeros, (std::vector<int64_t>{4, 3, 3}));
}

// ---------------------------------------------------------------------------------------------

TEST(DistrictsTest, EmbeddedFileHasSeventyFiveDistrictsInElevenRegions) {
  core::Result<std::vector<District>> districts = EmbeddedDistricts();
  ASSERT_TRUE(districts.ok()) << districts.error().ToString();
  ASSERT_EQ(districts->size(), 75u);
  std::map<std::string, int> per_region;
  int uncertain = 0;
  for (const District& d : *districts) {
    ++per_region[d.region];
    uncertain += d.uncertain ? 1 : 0;
  }
  const std::map<std::string, int> expected = {
      {"Kayes", 10}, {"Koulikoro", 10}, {"Sikasso", 10},          {"Ségou", 8},
      {"Mopti", 8},  {"Tombouctou", 5}, {"Taoudénit", 6},         {"Gao", 4},
      {"Kidal", 4},  {"Ménaka", 4},     {"District de Bamako", 6}};
  EXPECT_EQ(per_region, expected);
  EXPECT_EQ(uncertain, 13);
  const auto al_ourche = std::find_if(districts->begin(), districts->end(),
                                      [](const District& d) { return d.name == "Al-Ourche"; });
  ASSERT_NE(al_ourche, districts->end());
  EXPECT_TRUE(al_ourche->placeholder_coordinates);
  const auto kati = std::find_if(districts->begin(), districts->end(),
                                 [](const District& d) { return d.name == "Kati"; });
  ASSERT_NE(kati, districts->end());
  EXPECT_FALSE(kati->placeholder_coordinates);
  EXPECT_DOUBLE_EQ(kati->coordinates.latitude, 12.744);
  EXPECT_DOUBLE_EQ(kati->coordinates.longitude, -8.073);
  // A quoted source field with a comma and doubled quotes survives.
  const auto sefeto = std::find_if(districts->begin(), districts->end(),
                                   [](const District& d) { return d.name == "Séféto"; });
  ASSERT_NE(sefeto, districts->end());
  EXPECT_NE(sefeto->source.find("GeoNames record \"Séfé\" (alt. Séféto)"), std::string::npos);
}

TEST(DistrictsTest, CsvReadsQuotedFieldsAndLineBreaks) {
  const std::string text =
      "\xEF\xBB\xBF"
      "a,\"b, with comma\",\"say \"\"hi\"\"\"\r\n"
      "\r\n"
      "x,\"two\nlines\",\r\n"
      "last,row,here";
  core::Result<std::vector<CsvRecord>> records = ParseCsv(text, "t.csv");
  ASSERT_TRUE(records.ok()) << records.error().ToString();
  ASSERT_EQ(records->size(), 3u);
  const auto& r0 = (*records)[0].fields;
  ASSERT_EQ(r0.size(), 3u);
  EXPECT_EQ(r0[1].text, "b, with comma");
  EXPECT_EQ(r0[2].text, "say \"hi\"");
  EXPECT_EQ(r0[2].column, 19);
  const auto& r1 = (*records)[1];
  EXPECT_EQ(r1.line, 3);
  ASSERT_EQ(r1.fields.size(), 3u);
  EXPECT_EQ(r1.fields[1].text, "two\nlines");
  EXPECT_EQ(r1.fields[2].text, "");
  EXPECT_EQ((*records)[2].line, 5);
  EXPECT_EQ((*records)[2].fields[2].text, "here");
}

TEST(DistrictsTest, CsvErrorsGiveLineAndColumn) {
  auto error_where = [](const std::string& text) {
    core::Result<std::vector<CsvRecord>> r = ParseCsv(text, "t.csv");
    return r.ok() ? std::string("no error") : r.error().where;
  };
  EXPECT_EQ(error_where("a,b\nc,\"open field\n"), "t.csv:2:3");    // never closed
  EXPECT_EQ(error_where("a,b\nc,\"closed\"x,d\n"), "t.csv:2:11");  // text after the quote
  EXPECT_EQ(error_where("a,b\né,d\"e\n"), "t.csv:2:4");            // quote inside a field
}

TEST(DistrictsTest, DistrictErrorsNameTheFieldPosition) {
  const std::string header = "region,district,csref_town,lat,lon,source\n";
  auto error_of = [](const std::string& text) {
    core::Result<std::vector<District>> r = ParseDistricts(text, "d.csv");
    return r.ok() ? std::string("no error") : r.error().where + " " + r.error().message;
  };
  EXPECT_TRUE(error_of(header + "Kayes,Kayes,Kayes,14.4,-11.4,x\n").starts_with("no error"));
  EXPECT_TRUE(error_of(header + "Kayes,Kayes,Kayes,14,4,-11.4,x\n").starts_with("d.csv:2:"));
  EXPECT_TRUE(error_of(header + "Kayes,Kayes,Kayes,abc,-11.4,x\n").starts_with("d.csv:2:19 (lat)"));
  EXPECT_TRUE(error_of(header + "Kayes,Kayes,Kayes,14.4,40.1,x\n").starts_with("d.csv:2:24 (lon)"));
  EXPECT_TRUE(error_of(header + "Dakar,Kayes,Kayes,14.4,-11.4,x\n").starts_with("d.csv:2:1 "));
  EXPECT_TRUE(error_of(header + "Kayes,Kayes,Kayes,14.4,-11.4,x\nKayes,Kayes,K,14.4,-11.4,x\n")
                  .starts_with("d.csv:3:7 "));
  EXPECT_TRUE(error_of("region,district,town,lat,lon,source\n").starts_with("d.csv:1:17 "));
}

}  // namespace
}  // namespace keneya::demo
