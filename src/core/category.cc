#include "core/category.h"

#include <algorithm>

#include "core/uid.h"

namespace keneya::core {
namespace {

template <typename T>
const T* FindByUid(const std::vector<T>& items, std::string_view uid) {
  auto it = std::find_if(items.begin(), items.end(), [&](const T& x) { return x.uid == uid; });
  return it == items.end() ? nullptr : &*it;
}

// "category CatAge00001": where a problem of a category is.
Message PlaceOf(std::string_view category_uid) {
  return Message("core.category.place", {{"uid", category_uid}});
}

}  // namespace

std::string_view DataDimensionTypeName(DataDimensionType type) {
  return type == DataDimensionType::kAttribute ? "ATTRIBUTE" : "DISAGGREGATION";
}

Result<DataDimensionType> ParseDataDimensionType(std::string_view name) {
  if (name == "DISAGGREGATION") return DataDimensionType::kDisaggregation;
  if (name == "ATTRIBUTE") return DataDimensionType::kAttribute;
  return InvalidArgument(Message("core.category.unknown_dimension_type", {{"name", name}}),
                         "dataDimensionType");
}

CategoryModel DefaultCategoryModel() {
  CategoryModel model;
  model.options.push_back(
      {0, std::string(kDefaultCategoryOptionUid), "default", "default", {}, {}});
  model.categories.push_back({0,
                              std::string(kDefaultCategoryUid),
                              "default",
                              "default",
                              DataDimensionType::kDisaggregation,
                              {std::string(kDefaultCategoryOptionUid)}});
  model.combos.push_back({0,
                          std::string(kDefaultCategoryComboUid),
                          "default",
                          "default",
                          DataDimensionType::kDisaggregation,
                          {std::string(kDefaultCategoryUid)}});
  model.option_combos.push_back({0,
                                 std::string(kDefaultCategoryOptionComboUid),
                                 "default",
                                 "default",
                                 std::string(kDefaultCategoryComboUid),
                                 {std::string(kDefaultCategoryOptionUid)}});
  return model;
}

Result<std::vector<CategoryOptionCombo>> ExpandCombo(const CategoryModel& model,
                                                     std::string_view combo_uid, Random& rng) {
  const CategoryCombo* combo = FindByUid(model.combos, combo_uid);
  if (combo == nullptr) {
    return NotFound(Message("core.category.no_combo", {{"uid", combo_uid}}), "categoryCombo");
  }
  std::vector<const Category*> categories;
  for (const std::string& uid : combo->category_uids) {
    const Category* category = FindByUid(model.categories, uid);
    if (category == nullptr) {
      return NotFound(
          Message("core.category.no_category_of_combo", {{"uid", uid}, {"combo", combo->uid}}),
          "categoryCombo " + combo->uid);
    }
    if (category->option_uids.empty()) {
      return InvalidArgument(Message("core.category.no_options", {{"uid", uid}}), PlaceOf(uid));
    }
    for (const std::string& option_uid : category->option_uids) {
      if (FindByUid(model.options, option_uid) == nullptr) {
        return NotFound(Message("core.category.no_option", {{"uid", option_uid}}), PlaceOf(uid));
      }
    }
    categories.push_back(category);
  }
  // Odometer over the categories' options, the last category turning fastest.
  std::vector<size_t> position(categories.size(), 0);
  std::vector<CategoryOptionCombo> out;
  while (true) {
    CategoryOptionCombo coc;
    coc.uid = GenerateUid(rng);
    coc.category_combo_uid = combo->uid;
    for (size_t i = 0; i < categories.size(); ++i) {
      const std::string& option_uid = categories[i]->option_uids[position[i]];
      coc.option_uids.push_back(option_uid);
      if (!coc.name.empty()) coc.name += ", ";
      coc.name += FindByUid(model.options, option_uid)->name;
    }
    out.push_back(std::move(coc));
    size_t i = categories.size();
    while (i > 0) {
      --i;
      if (++position[i] < categories[i]->option_uids.size()) break;
      position[i] = 0;
      if (i == 0) return out;
    }
    if (categories.empty()) return out;
  }
}

}  // namespace keneya::core
