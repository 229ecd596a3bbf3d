// The DHIS2 category model: how a number is broken down (disaggregation) or attributed.
//
// A category option is one value of a dimension ("Points obtenus"); a category is the dimension
// ("Type de points") with its ordered options; a category combo is an ordered list of categories;
// a category option combo (COC) is one cell of that combo's cartesian product ("Points obtenus"),
// and is what a data value is keyed by. Every DHIS2 system has the "default" objects (one option,
// one category, one combo, one COC), with the well-known uids below; a value that names no combo
// gets the default COC.
//
//   CategoryModel model = DefaultCategoryModel();
//   // add options, a category and a combo, then:
//   std::vector<CategoryOptionCombo> cocs = ExpandCombo(model, "comboUid", rng);
#ifndef KENEYA_CORE_CATEGORY_H_
#define KENEYA_CORE_CATEGORY_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/attribute.h"
#include "core/date.h"
#include "core/random.h"
#include "core/result.h"

namespace keneya::core {

// DHIS2's default uids, the same in every DHIS2 instance.
inline constexpr std::string_view kDefaultCategoryOptionUid = "xYerKDKCefk";
inline constexpr std::string_view kDefaultCategoryUid = "GLevLNI9wkl";
inline constexpr std::string_view kDefaultCategoryComboUid = "bjDvmb4bfuf";
inline constexpr std::string_view kDefaultCategoryOptionComboUid = "HllvX50cXC0";

// Whether a category (or combo) splits a value (disaggregation) or attributes it (attribute:
// the funder, the programme), as DHIS2's dataDimensionType.
enum class DataDimensionType { kDisaggregation, kAttribute };
std::string_view DataDimensionTypeName(DataDimensionType type);  // "DISAGGREGATION"/"ATTRIBUTE"
Result<DataDimensionType> ParseDataDimensionType(std::string_view name);

struct CategoryOption {
  int32_t id = 0;
  std::string uid;
  std::string code;
  std::string name;
  std::optional<Date> start_date;  // the option may be used from...
  std::optional<Date> end_date;    // ...until
  std::vector<AttributeValue> attribute_values;
  friend bool operator==(const CategoryOption&, const CategoryOption&) = default;
};

struct Category {
  int32_t id = 0;
  std::string uid;
  std::string code;
  std::string name;
  DataDimensionType dimension_type = DataDimensionType::kDisaggregation;
  std::vector<std::string> option_uids;  // ordered
  friend bool operator==(const Category&, const Category&) = default;
};

struct CategoryCombo {
  int32_t id = 0;
  std::string uid;
  std::string code;
  std::string name;
  DataDimensionType dimension_type = DataDimensionType::kDisaggregation;
  std::vector<std::string> category_uids;  // ordered
  friend bool operator==(const CategoryCombo&, const CategoryCombo&) = default;
};

struct CategoryOptionCombo {
  int32_t id = 0;
  std::string uid;
  std::string code;
  std::string name;  // DHIS2 style: option names joined by ", " in category order
  std::string category_combo_uid;
  std::vector<std::string> option_uids;  // one per category of the combo, in category order
  std::vector<AttributeValue> attribute_values;
  friend bool operator==(const CategoryOptionCombo&, const CategoryOptionCombo&) = default;
};

// The four collections of the category model.
struct CategoryModel {
  std::vector<CategoryOption> options;
  std::vector<Category> categories;
  std::vector<CategoryCombo> combos;
  std::vector<CategoryOptionCombo> option_combos;
};

// The default option, category, combo and COC, with DHIS2's uids and names ("default").
CategoryModel DefaultCategoryModel();

// The COCs of a combo: the cartesian product of its categories' options, the last category
// varying fastest, as DHIS2 generates them. New uids come from rng. Errors when the combo or one
// of its categories or options is not in `model`.
Result<std::vector<CategoryOptionCombo>> ExpandCombo(const CategoryModel& model,
                                                     std::string_view combo_uid, Random& rng);

}  // namespace keneya::core

#endif  // KENEYA_CORE_CATEGORY_H_
