#include "tests/store/test_metadata.h"

namespace keneya::store::testing {

core::MetadataBundle TestMetadata() {
  using core::OrgUnit;
  using core::OrgUnitType;
  core::MetadataBundle b;
  auto unit = [&](const char* uid, const char* code, const char* name, const char* parent,
                  OrgUnitType type) {
    OrgUnit ou;
    ou.uid = uid;
    ou.code = code;
    ou.name = name;
    ou.short_name = name;
    ou.parent_uid = parent;
    ou.type = type;
    if (parent[0] == '\0') {
      ou.level = 1;
      ou.path = std::string("/") + uid;
    } else {
      for (const OrgUnit& p : b.org_units) {
        if (p.uid == parent) {
          ou.level = p.level + 1;
          ou.path = p.path + "/" + uid;
        }
      }
    }
    b.org_units.push_back(ou);
    return &b.org_units.back();
  };
  unit(kMali, "ML", "Mali", "", OrgUnitType::kCountry);
  unit(kKoulikoro, "ML_KOULIKORO", "Koulikoro", kMali, OrgUnitType::kRegion);
  OrgUnit* kati =
      unit(kKati, "ML_KATI", "District sanitaire de Kati", kKoulikoro, OrgUnitType::kDistrict);
  kati->geometry =
      R"({"type":"Polygon","coordinates":[[[-8.3,12.5],[-7.8,12.5],[-7.8,13.0],[-8.3,12.5]]]})";
  OrgUnit* koko = unit(kKoko, "CSCOM_KOKO_II", "CSCOM Koko II", kKati, OrgUnitType::kCscom);
  koko->coordinates = core::Coordinates{12.75, -8.06};
  koko->opening_date = core::Date::FromYmd(1998, 3, 1);
  koko->group_uids = {kEquity0};
  koko->attribute_values = {{"AttrSnis001", "ML-KATI-0042"}};
  OrgUnit* sanou =
      unit(kSanoubougou, "CSCOM_SANOU", "CSCOM Sanoubougou", kKati, OrgUnitType::kCscom);
  sanou->group_uids = {kEquity20};
  unit(kAscSite, "ASC_KOKO_1", "Site ASC de Koko Plateau", kKoko, OrgUnitType::kAscSite);

  b.org_unit_groups = {{0, kEquity0, "EQUITE_0", "Catégorie d'équité 0 %"},
                       {0, kEquity20, "EQUITE_20", "Catégorie d'équité 20 %"}};
  b.org_unit_group_sets = {
      {0, "GsEquite001", "EQUITE", "Catégorie d'équité", true, {kEquity0, kEquity20}}};

  b.attributes = {{0, "AttrSnis001", "CODE_SNIS", "Code SNIS"}};
  b.option_sets = {{0,
                    "OsAppreci01",
                    "APPRECIATION",
                    "Appréciation",
                    core::ValueType::kText,
                    {{"OptBon00001", "BON", "Bon"}, {"OptMauvais1", "MAUVAIS", "Mauvais"}}}};
  b.categories = core::DefaultCategoryModel();
  b.categories.options.push_back({0, "OptFemme001", "F", "Femme", {}, {}});
  b.categories.options.push_back({0, "OptHomme001", "M", "Homme", {}, {}});
  b.categories.options.push_back({0, "OptMoins5a1", "LT5", "Moins de 5 ans", {}, {}});
  b.categories.options.push_back({0, "Opt5ansPlus", "GE5", "5 ans et plus", {}, {}});
  b.categories.categories.push_back({0,
                                     "CatSexe0001",
                                     "SEXE",
                                     "Sexe",
                                     core::DataDimensionType::kDisaggregation,
                                     {"OptFemme001", "OptHomme001"}});
  b.categories.categories.push_back({0,
                                     "CatAge00001",
                                     "AGE",
                                     "Âge",
                                     core::DataDimensionType::kDisaggregation,
                                     {"OptMoins5a1", "Opt5ansPlus"}});
  b.categories.combos.push_back({0,
                                 "CcSexeAge01",
                                 "SEXE_AGE",
                                 "Sexe et âge",
                                 core::DataDimensionType::kDisaggregation,
                                 {"CatSexe0001", "CatAge00001"}});
  const char* cells[4][3] = {{"CocFLt5a001", "OptFemme001", "OptMoins5a1"},
                             {"CocFGe5a001", "OptFemme001", "Opt5ansPlus"},
                             {"CocMLt5a001", "OptHomme001", "OptMoins5a1"},
                             {"CocMGe5a001", "OptHomme001", "Opt5ansPlus"}};
  for (const auto& cell : cells) {
    b.categories.option_combos.push_back(
        {0, cell[0], "", std::string(cell[1]) + "/" + cell[2], "CcSexeAge01", {cell[1], cell[2]}});
  }

  core::DataElement deliveries;
  deliveries.uid = kDeliveries;
  deliveries.code = "FBR_ACCOUCHEMENT";
  deliveries.name = "Accouchements assistés";
  b.data_elements.push_back(deliveries);
  core::DataElement consultations;
  consultations.uid = kConsultations;
  consultations.code = "FBR_CONSULTATION";
  consultations.name = "Consultations curatives";
  consultations.category_combo_uid = "CcSexeAge01";
  b.data_elements.push_back(consultations);
  core::DataElement text;
  text.uid = kQualityText;
  text.code = "QUALITE_OBSERVATION";
  text.name = "Observation de l'évaluateur";
  text.value_type = core::ValueType::kText;
  text.option_set_uid = "OsAppreci01";
  text.attribute_values = {{"AttrSnis001", "QUAL-OBS"}};
  b.data_elements.push_back(text);

  core::DataSet set;
  set.uid = kDataSet;
  set.code = "FBR_MENSUEL";
  set.name = "FBR mensuel";
  set.period_type = core::PeriodType::kMonthly;
  set.data_element_uids = {kDeliveries, kConsultations, kQualityText};
  set.org_unit_uids = {kKoko, kSanoubougou};
  set.expiry_days = 15;
  set.open_future_periods = 1;
  b.data_sets.push_back(set);
  return b;
}

}  // namespace keneya::store::testing
