#include "fbr/resolver.h"

#include <algorithm>

namespace keneya::fbr {

Resolver::Resolver(const core::MetadataBundle& bundle) : bundle_(bundle) {
  Index(bundle.data_elements, data_elements_);
  Index(bundle.categories.option_combos, combos_);
  Index(bundle.org_unit_groups, groups_);
  Index(bundle.org_unit_group_sets, group_sets_);
  Index(bundle.org_units, org_units_);
  for (const core::OrgUnit& unit : bundle.org_units) org_units_by_id_.emplace(unit.id, &unit);
}

const core::DataElement* Resolver::DataElement(std::string_view key) const {
  return Find(data_elements_, key);
}
const core::CategoryOptionCombo* Resolver::CategoryOptionCombo(std::string_view key) const {
  return Find(combos_, key);
}
const core::OrgUnitGroup* Resolver::OrgUnitGroup(std::string_view key) const {
  return Find(groups_, key);
}
const core::OrgUnitGroupSet* Resolver::OrgUnitGroupSet(std::string_view key) const {
  return Find(group_sets_, key);
}
const core::OrgUnit* Resolver::OrgUnit(std::string_view key) const { return Find(org_units_, key); }
const core::OrgUnit* Resolver::OrgUnitById(int32_t id) const {
  auto it = org_units_by_id_.find(id);
  return it == org_units_by_id_.end() ? nullptr : it->second;
}
std::string Resolver::OrgUnitName(std::string_view code_or_uid) const {
  const core::OrgUnit* unit = OrgUnit(code_or_uid);
  return unit == nullptr ? std::string(code_or_uid) : unit->name;
}

const core::CategoryOptionCombo* Resolver::DefaultCombo(const core::DataElement& element) const {
  const std::string combo = element.category_combo_uid.empty()
                                ? std::string(core::kDefaultCategoryComboUid)
                                : element.category_combo_uid;
  if (combo == core::kDefaultCategoryComboUid) {
    return CategoryOptionCombo(core::kDefaultCategoryOptionComboUid);
  }
  // A disaggregated element has no default: its first combo stands for it.
  for (const core::CategoryOptionCombo& c : bundle_.categories.option_combos) {
    if (c.category_combo_uid == combo) return &c;
  }
  return nullptr;
}

const core::OrgUnit* Resolver::Ancestor(const core::OrgUnit& unit, int level) const {
  if (level < 1 || level > unit.level) return nullptr;
  const std::vector<std::string_view> path = core::SplitPath(unit.path);
  if (static_cast<size_t>(level) > path.size()) return nullptr;
  return OrgUnit(path[static_cast<size_t>(level) - 1]);
}

std::vector<std::string> Resolver::GroupNames(const core::OrgUnit& unit) const {
  std::vector<std::string> names;
  for (const std::string& uid : unit.group_uids) {
    names.push_back(uid);
    const core::OrgUnitGroup* group = OrgUnitGroup(uid);
    if (group != nullptr && !group->code.empty()) names.push_back(group->code);
  }
  return names;
}

const core::OrgUnitGroup* Resolver::GroupIn(const core::OrgUnit& unit,
                                            const core::OrgUnitGroupSet& set) const {
  for (const std::string& uid : set.group_uids) {
    if (std::binary_search(unit.group_uids.begin(), unit.group_uids.end(), uid)) {
      return OrgUnitGroup(uid);
    }
  }
  return nullptr;
}

}  // namespace keneya::fbr
