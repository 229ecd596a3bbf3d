#include "fbr/directory.h"

#include <algorithm>

#include "core/data_element.h"
#include "fbr/resolver.h"

namespace keneya::fbr {

Directory::Directory(core::MetadataBundle bundle)
    : bundle_(std::move(bundle)), resolver_(std::make_unique<Resolver>(bundle_)) {
  for (const core::OrgUnit& unit : bundle_.org_units) {
    if (root_ == nullptr && unit.level == 1) root_ = &unit;
    if (!unit.parent_uid.empty()) children_[unit.parent_uid].push_back(&unit);
  }
  for (auto& [parent, children] : children_) {
    std::sort(children.begin(), children.end(), [](const core::OrgUnit* a, const core::OrgUnit* b) {
      return a->name != b->name ? a->name < b->name : a->uid < b->uid;
    });
  }
  for (const core::DataSet& set : bundle_.data_sets) {
    data_sets_.emplace(set.uid, &set);
    if (!set.code.empty()) data_sets_.emplace(set.code, &set);
  }
  for (const core::DataElement& element : bundle_.data_elements) {
    data_elements_by_id_.emplace(element.id, &element);
  }
  for (const core::CategoryOptionCombo& combo : bundle_.categories.option_combos) {
    combos_by_id_.emplace(combo.id, &combo);
  }
}

Directory::~Directory() = default;

const core::OrgUnit* Directory::OrgUnit(std::string_view key) const {
  return resolver_->OrgUnit(key);
}
const core::OrgUnit* Directory::OrgUnitById(int32_t id) const { return resolver_->OrgUnitById(id); }
const core::DataElement* Directory::DataElement(std::string_view key) const {
  return resolver_->DataElement(key);
}
const core::DataElement* Directory::DataElementById(int32_t id) const {
  auto it = data_elements_by_id_.find(id);
  return it == data_elements_by_id_.end() ? nullptr : it->second;
}
const core::DataSet* Directory::DataSet(std::string_view key) const {
  auto it = data_sets_.find(key);
  return it == data_sets_.end() ? nullptr : it->second;
}
const core::CategoryOptionCombo* Directory::CategoryOptionCombo(std::string_view key) const {
  return resolver_->CategoryOptionCombo(key);
}
const core::CategoryOptionCombo* Directory::CategoryOptionComboById(int32_t id) const {
  auto it = combos_by_id_.find(id);
  return it == combos_by_id_.end() ? nullptr : it->second;
}
const core::CategoryCombo* Directory::CategoryCombo(std::string_view uid) const {
  for (const core::CategoryCombo& combo : bundle_.categories.combos) {
    if (combo.uid == uid) return &combo;
  }
  return nullptr;
}
const core::OrgUnitGroup* Directory::OrgUnitGroup(std::string_view key) const {
  return resolver_->OrgUnitGroup(key);
}

const std::vector<const core::OrgUnit*>& Directory::Children(const core::OrgUnit& unit) const {
  static const std::vector<const core::OrgUnit*> kNone;
  auto it = children_.find(unit.uid);
  return it == children_.end() ? kNone : it->second;
}

std::vector<const core::OrgUnit*> Directory::Ancestors(const core::OrgUnit& unit) const {
  std::vector<const core::OrgUnit*> out;
  for (std::string_view uid : core::SplitPath(unit.path)) {
    if (uid == unit.uid) break;
    if (const core::OrgUnit* ancestor = OrgUnit(uid)) out.push_back(ancestor);
  }
  return out;
}

const core::OrgUnit* Directory::Ancestor(const core::OrgUnit& unit, int level) const {
  return resolver_->Ancestor(unit, level);
}

std::vector<const core::CategoryOptionCombo*> Directory::OptionCombos(
    std::string_view combo_uid) const {
  const std::string_view combo = combo_uid.empty() ? core::kDefaultCategoryComboUid : combo_uid;
  std::vector<const core::CategoryOptionCombo*> out;
  for (const core::CategoryOptionCombo& c : bundle_.categories.option_combos) {
    if (c.category_combo_uid == combo) out.push_back(&c);
  }
  return out;
}

bool IsWithin(const core::OrgUnit& unit, const core::OrgUnit* root) {
  if (root == nullptr) return true;
  const std::string& path = root->path;
  return unit.path.compare(0, path.size(), path) == 0 &&
         (unit.path.size() == path.size() || unit.path[path.size()] == '/');
}

bool IsAssigned(const core::DataSet& set, const core::OrgUnit& unit) {
  const auto& assigned = set.org_unit_uids;
  return assigned.empty() ||
         std::find(assigned.begin(), assigned.end(), unit.uid) != assigned.end();
}

std::vector<const core::DataSet*> DataSetsCollecting(const Directory& directory,
                                                     const core::DataElement& element,
                                                     core::PeriodType type,
                                                     const core::OrgUnit& unit) {
  std::vector<const core::DataSet*> out;
  for (const core::DataSet& set : directory.bundle().data_sets) {
    const auto& elements = set.data_element_uids;
    if (set.period_type != type || !IsAssigned(set, unit)) continue;
    if (std::find(elements.begin(), elements.end(), element.uid) == elements.end()) continue;
    out.push_back(&set);
  }
  return out;
}

core::Status CheckCollects(const core::DataSet& set, const core::OrgUnit& unit,
                           const core::Period& period, std::string_view period_text) {
  if (period.type() != set.period_type) {
    return core::InvalidArgument(
        core::Message("fbr.entry.period_type", {{"period", period_text},
                                                {"data_set", set.name},
                                                {"type", core::PeriodTypeName(set.period_type)}}),
        "period");
  }
  if (!IsAssigned(set, unit)) {
    return core::FailedPrecondition(
        core::Message("fbr.entry.not_assigned", {{"org_unit", unit.name}, {"data_set", set.name}}),
        "orgUnit");
  }
  return core::OkStatus();
}

core::Error UnknownOrUnseen(std::string_view key, std::string_view where) {
  return core::NotFound(core::Message("auth.not_found", {{"what", key}}), std::string(where));
}

Sight::Sight(const Directory& directory, const auth::Principal& user)
    : directory_(directory), user_(user) {
  if (user.operator_of_database) return;
  // The ancestors of every place a role holds: the root of a subtree scope, each member of a
  // group scope.
  auto add_ancestors = [&](const core::OrgUnit& place) {
    for (const core::OrgUnit* ancestor : directory.Ancestors(place))
      ancestors_.insert(ancestor->id);
  };
  for (const auth::Grant& grant : user.grants) {
    if (grant.scope.kind == auth::ScopeKind::kSubtree) {
      if (const core::OrgUnit* place = directory.OrgUnit(grant.scope.uid)) add_ancestors(*place);
    } else {
      for (const core::OrgUnit& unit : directory.bundle().org_units) {
        if (grant.scope.Contains(unit)) add_ancestors(unit);
      }
    }
  }
}

bool Sight::Sees(const core::OrgUnit& unit) const {
  return Allows(unit, auth::Resource::kMetadata) || ancestors_.count(unit.id) > 0;
}

bool Sight::Allows(const core::OrgUnit& unit, auth::Resource resource, auth::Action action) const {
  return auth::Allows(user_, resource, action, unit);
}

bool Sight::Everywhere(auth::Resource resource, auth::Action action) const {
  const core::OrgUnit* root = directory_.Root();
  return auth::AllowsEverywhere(user_, resource, action, root == nullptr ? "" : root->uid);
}

}  // namespace keneya::fbr
