#include "core/metadata.h"

#include <gtest/gtest.h>

#include "core/uid.h"

namespace keneya::core {
namespace {

// Mali -> Koulikoro -> Kati -> Koko II, with a 2x2 combo.
MetadataBundle SmallBundle() {
  MetadataBundle b;
  auto add = [&](const char* uid, const char* name, const char* parent, int level,
                 const std::string& path, OrgUnitType type) {
    OrgUnit ou;
    ou.uid = uid;
    ou.name = name;
    ou.parent_uid = parent;
    ou.level = level;
    ou.path = path;
    ou.type = type;
    b.org_units.push_back(ou);
  };
  add("MaliRoot001", "Mali", "", 1, "/MaliRoot001", OrgUnitType::kCountry);
  add("RegKoulik01", "Koulikoro", "MaliRoot001", 2, "/MaliRoot001/RegKoulik01",
      OrgUnitType::kRegion);
  add("DisKati0001", "Kati", "RegKoulik01", 3, "/MaliRoot001/RegKoulik01/DisKati0001",
      OrgUnitType::kDistrict);
  add("CscKokoII01", "CSCOM Koko II", "DisKati0001", 4,
      "/MaliRoot001/RegKoulik01/DisKati0001/CscKokoII01", OrgUnitType::kCscom);
  b.categories = DefaultCategoryModel();
  b.categories.options.push_back({0, "OptFemme001", "F", "Femme", {}, {}});
  b.categories.options.push_back({0, "OptHomme001", "M", "Homme", {}, {}});
  b.categories.options.push_back({0, "OptMoins5a1", "", "Moins de 5 ans", {}, {}});
  b.categories.options.push_back({0, "Opt5ansPlus", "", "5 ans et plus", {}, {}});
  b.categories.categories.push_back({0,
                                     "CatSexe0001",
                                     "",
                                     "Sexe",
                                     DataDimensionType::kDisaggregation,
                                     {"OptFemme001", "OptHomme001"}});
  b.categories.categories.push_back({0,
                                     "CatAge00001",
                                     "",
                                     "Âge",
                                     DataDimensionType::kDisaggregation,
                                     {"OptMoins5a1", "Opt5ansPlus"}});
  b.categories.combos.push_back({0,
                                 "CcSexeAge01",
                                 "",
                                 "Sexe et âge",
                                 DataDimensionType::kDisaggregation,
                                 {"CatSexe0001", "CatAge00001"}});
  Random rng(1);
  auto cocs = ExpandCombo(b.categories, "CcSexeAge01", rng);
  EXPECT_TRUE(cocs.ok());
  for (auto& coc : *cocs) b.categories.option_combos.push_back(coc);
  DataElement de;
  de.uid = "DeConsult01";
  de.name = "Consultations";
  de.category_combo_uid = "CcSexeAge01";
  b.data_elements.push_back(de);
  DataSet ds;
  ds.uid = "DsFbrMens01";
  ds.name = "FBR";
  ds.data_element_uids = {"DeConsult01"};
  ds.org_unit_uids = {"CscKokoII01"};
  b.data_sets.push_back(ds);
  return b;
}

TEST(CategoryTest, ExpandsACombosCartesianProductLastCategoryFastest) {
  MetadataBundle b = SmallBundle();
  ASSERT_EQ(b.categories.option_combos.size(), 5u);  // default + 4
  const auto& cells = b.categories.option_combos;
  EXPECT_EQ(cells[1].name, "Femme, Moins de 5 ans");
  EXPECT_EQ(cells[2].name, "Femme, 5 ans et plus");
  EXPECT_EQ(cells[3].name, "Homme, Moins de 5 ans");
  EXPECT_EQ(cells[4].option_uids, (std::vector<std::string>{"OptHomme001", "Opt5ansPlus"}));
  for (const auto& coc : cells) EXPECT_TRUE(IsValidUid(coc.uid));
  Random rng(1);
  EXPECT_FALSE(ExpandCombo(b.categories, "NoSuchCombo", rng).ok());
}

TEST(CategoryTest, DefaultModelHasDhis2sWellKnownUids) {
  CategoryModel model = DefaultCategoryModel();
  EXPECT_EQ(model.option_combos.at(0).uid, "HllvX50cXC0");
  EXPECT_EQ(model.combos.at(0).uid, "bjDvmb4bfuf");
  EXPECT_EQ(model.option_combos.at(0).name, "default");
}

TEST(MetadataTest, AcceptsAConsistentBundle) {
  Status s = SmallBundle().Validate();
  EXPECT_TRUE(s.ok()) << s.error().ToString();
}

TEST(MetadataTest, ReportsEveryProblemAtOnce) {
  MetadataBundle b = SmallBundle();
  b.org_units[2].level = 4;                          // wrong level
  b.org_units[3].path = "/MaliRoot001/CscKokoII01";  // wrong path
  b.org_units[3].coordinates = Coordinates{95.0, 0.0};
  b.org_units[3].opening_date = Date::FromYmd(2020, 1, 1);
  b.org_units[3].closing_date = Date::FromYmd(2019, 1, 1);
  b.org_units[3].group_uids = {"NoSuchGroup"};
  b.data_elements[0].uid = "1bad";
  b.data_sets[0].org_unit_uids.push_back("NoSuchUnit1");
  b.categories.option_combos.pop_back();  // combo incomplete
  Status s = b.Validate();
  ASSERT_FALSE(s.ok());
  const std::string& m = s.error().message;
  for (const char* expected :
       {"level 4 should be 3", "path \"/MaliRoot001/CscKokoII01\" should be",
        "coordinates out of range", "closing date 2019-01-01 is before opening date",
        "group NoSuchGroup does not exist", "uid \"1bad\" is not", "org unit NoSuchUnit1",
        "has 3 option combos; its categories make 4", "data element DeConsult01 does not exist"}) {
    EXPECT_NE(m.find(expected), std::string::npos) << "missing \"" << expected << "\" in\n" << m;
  }
}

TEST(MetadataTest, DetectsACycleInTheHierarchy) {
  MetadataBundle b = SmallBundle();
  b.org_units[1].parent_uid = "CscKokoII01";  // Koulikoro under Koko II, which is under it
  Status s = b.Validate();
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.error().message.find("cycle"), std::string::npos) << s.error().message;
}

TEST(MetadataTest, RejectsTwoGroupsOfAnExclusiveSet) {
  MetadataBundle b = SmallBundle();
  b.org_unit_groups = {{0, "GrpEquite00", "", "Équité 0 %"}, {0, "GrpEquite10", "", "Équité 10 %"}};
  b.org_unit_group_sets = {{0, "GsEquite001", "", "Équité", true, {"GrpEquite00", "GrpEquite10"}}};
  b.org_units[3].group_uids = {"GrpEquite00", "GrpEquite10"};
  Status s = b.Validate();
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.error().message.find("exclusive group set"), std::string::npos);
  b.org_unit_group_sets[0].exclusive = false;
  EXPECT_TRUE(b.Validate().ok());
}

TEST(MetadataTest, RejectsDuplicateCodesAndCocsOutsideTheirCombo) {
  MetadataBundle b = SmallBundle();
  b.org_units[2].code = "X";
  b.org_units[3].code = "X";
  b.categories.option_combos[1].option_uids = {"OptFemme001", "OptFemme001"};
  Status s = b.Validate();
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.error().message.find("code \"X\" is used by another org unit"), std::string::npos);
  EXPECT_NE(s.error().message.find("is not an option of category CatAge00001"), std::string::npos)
      << s.error().message;
}

TEST(MetadataTest, MergeReplacesByUidAndKeepsIds) {
  MetadataBundle stored = SmallBundle();
  stored.org_units[3].id = 44;
  MetadataBundle incoming;
  OrgUnit renamed = stored.org_units[3];
  renamed.id = 0;
  renamed.name = "CSCOM de Koko II";
  incoming.org_units.push_back(renamed);
  stored.Merge(incoming);
  ASSERT_EQ(stored.org_units.size(), 4u);
  EXPECT_EQ(stored.org_units[3].name, "CSCOM de Koko II");
  EXPECT_EQ(stored.org_units[3].id, 44);
  MetadataIndex index(stored);
  EXPECT_EQ(index.org_unit("CscKokoII01")->name, "CSCOM de Koko II");
  EXPECT_EQ(index.org_unit("Nobody00000"), nullptr);
  EXPECT_EQ(index.category_combo("CcSexeAge01")->name, "Sexe et âge");
}

}  // namespace
}  // namespace keneya::core

namespace keneya::core {
namespace {

TEST(MetadataTest, ChecksAttributeValuesAndOptionSets) {
  MetadataBundle b = SmallBundle();
  b.attributes.push_back({0, "AttrSnis001", "CODE_SNIS", "Code SNIS"});
  b.option_sets.push_back({0,
                           "OsAppreci01",
                           "",
                           "Appréciation",
                           ValueType::kText,
                           {{"OptBon00001", "BON", "Bon"}, {"OptBon00002", "BON", "Bien"}}});
  b.org_units[3].attribute_values = {{"AttrSnis001", "A"}, {"AttrSnis001", "B"}};
  b.data_elements[0].attribute_values = {{"NoSuchAttr1", "x"}};
  b.data_elements[0].option_set_uid = "NoSuchOptSt";
  Status s = b.Validate();
  ASSERT_FALSE(s.ok());
  const std::string& m = s.error().message;
  for (const char* expected :
       {"has two values for attribute AttrSnis001", "attribute NoSuchAttr1 does not exist",
        "option set NoSuchOptSt does not exist", "option code \"BON\" is given twice"}) {
    EXPECT_NE(m.find(expected), std::string::npos) << "missing \"" << expected << "\" in\n" << m;
  }
  b.org_units[3].attribute_values.pop_back();
  b.data_elements[0].attribute_values = {{"AttrSnis001", "x"}};
  b.data_elements[0].option_set_uid = "OsAppreci01";
  b.option_sets[0].options[1].code = "BIEN";
  EXPECT_TRUE(b.Validate().ok());
}

}  // namespace
}  // namespace keneya::core
