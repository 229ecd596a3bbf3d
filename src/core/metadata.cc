#include "core/metadata.h"

#include <algorithm>
#include <map>
#include <set>
#include <unordered_set>

#include "core/uid.h"

namespace keneya::core {
namespace {

constexpr size_t kMaxProblemsListed = 100;

// Every problem of a bundle, each naming its object; the message lists the first hundred.
class Problems {
 public:
  void Add(Message what, Message problem) {
    ++count_;
    if (lines_.size() < kMaxProblemsListed) {
      lines_.push_back(Message("core.metadata.problem",
                               {{"what", std::move(what)}, {"problem", std::move(problem)}}));
    }
  }
  Status ToStatus() const {
    if (count_ == 0) return OkStatus();
    Message list("core.metadata.problems", {{"count", count_}});
    for (const Message& line : lines_) {
      list = Message("core.list_item", {{"list", list}, {"item", line}});
    }
    if (count_ > lines_.size()) {
      list = Message("core.list_more", {{"list", list}, {"count", count_ - lines_.size()}});
    }
    return InvalidArgument(std::move(list), Message("core.metadata.place"));
  }

 private:
  size_t count_ = 0;
  std::vector<Message> lines_;
};

// The kinds of objects, as problems name them ("org unit"): the id of the message.
using Kind = const char*;
constexpr Kind kAttribute = "core.metadata.kind.attribute";
constexpr Kind kOptionSet = "core.metadata.kind.option_set";
constexpr Kind kOrgUnit = "core.metadata.kind.org_unit";
constexpr Kind kOrgUnitGroup = "core.metadata.kind.org_unit_group";
constexpr Kind kOrgUnitGroupSet = "core.metadata.kind.org_unit_group_set";
constexpr Kind kCategoryOption = "core.metadata.kind.category_option";
constexpr Kind kCategory = "core.metadata.kind.category";
constexpr Kind kCategoryCombo = "core.metadata.kind.category_combo";
constexpr Kind kCategoryOptionCombo = "core.metadata.kind.category_option_combo";
constexpr Kind kDataElement = "core.metadata.kind.data_element";
constexpr Kind kDataSet = "core.metadata.kind.data_set";

// "org unit CscKokoII01 \"CSCOM de Koko II\"".
template <typename T>
Message Describe(Kind kind, const T& object) {
  const MessageArg uid = object.uid.empty() ? MessageArg("uid", Message("core.metadata.no_uid"))
                                            : MessageArg("uid", object.uid);
  if (object.name.empty()) return Message("core.metadata.object", {{"kind", Message(kind)}, uid});
  return Message("core.metadata.named_object",
                 {{"kind", Message(kind)}, uid, {"name", object.name}});
}

// Checks uid format, uid and code uniqueness and names for one kind of object; returns the set of
// valid uids.
template <typename T>
std::unordered_set<std::string_view> CheckIdentities(Kind kind, const std::vector<T>& objects,
                                                     Problems& problems) {
  std::unordered_set<std::string_view> uids;
  std::unordered_set<std::string_view> codes;
  for (const T& object : objects) {
    const Message what = Describe(kind, object);
    if (!IsValidUid(object.uid)) {
      problems.Add(what, Message("core.metadata.bad_uid", {{"uid", object.uid}}));
    } else if (!uids.insert(object.uid).second) {
      problems.Add(what, Message("core.metadata.uid_twice"));
    }
    if (!object.code.empty() && !codes.insert(object.code).second) {
      problems.Add(what, Message("core.metadata.code_taken",
                                 {{"code", object.code}, {"kind", Message(kind)}}));
    }
    if (object.name.empty()) problems.Add(what, Message("core.metadata.no_name"));
  }
  return uids;
}

template <typename T>
void MergeByUid(std::vector<T>& into, const std::vector<T>& from) {
  std::unordered_map<std::string, size_t> position;
  for (size_t i = 0; i < into.size(); ++i) position[into[i].uid] = i;
  for (const T& object : from) {
    auto it = position.find(object.uid);
    if (it == position.end()) {
      position[object.uid] = into.size();
      into.push_back(object);
    } else {
      const int32_t id = into[it->second].id;
      into[it->second] = object;
      if (into[it->second].id == 0) into[it->second].id = id;
    }
  }
}

template <typename T>
void IndexByUid(const std::vector<T>& objects,
                std::unordered_map<std::string_view, const T*>& map) {
  map.reserve(objects.size());
  for (const T& object : objects) map.emplace(object.uid, &object);
}

template <typename T>
const T* Lookup(const std::unordered_map<std::string_view, const T*>& map, std::string_view uid) {
  auto it = map.find(uid);
  return it == map.end() ? nullptr : it->second;
}

}  // namespace

Status MetadataBundle::Validate() const {
  Problems problems;
  const auto attribute_uids = CheckIdentities(kAttribute, attributes, problems);
  const auto option_set_uids = CheckIdentities(kOptionSet, option_sets, problems);
  const auto ou_uids = CheckIdentities(kOrgUnit, org_units, problems);
  const auto group_uids = CheckIdentities(kOrgUnitGroup, org_unit_groups, problems);
  CheckIdentities(kOrgUnitGroupSet, org_unit_group_sets, problems);
  const auto option_uids = CheckIdentities(kCategoryOption, categories.options, problems);
  const auto category_uids = CheckIdentities(kCategory, categories.categories, problems);
  const auto combo_uids = CheckIdentities(kCategoryCombo, categories.combos, problems);
  CheckIdentities(kCategoryOptionCombo, categories.option_combos, problems);
  const auto de_uids = CheckIdentities(kDataElement, data_elements, problems);
  CheckIdentities(kDataSet, data_sets, problems);

  MetadataIndex index(*this);

  // Attribute values name existing attributes, at most once per object.
  auto check_attribute_values = [&](const Message& what,
                                    const std::vector<AttributeValue>& values) {
    std::set<std::string_view> seen;
    for (const AttributeValue& v : values) {
      if (!attribute_uids.contains(v.attribute_uid)) {
        problems.Add(what, Message("core.metadata.no_attribute", {{"uid", v.attribute_uid}}));
      } else if (!seen.insert(v.attribute_uid).second) {
        problems.Add(what, Message("core.metadata.attribute_twice", {{"uid", v.attribute_uid}}));
      }
    }
  };
  for (const OrgUnit& o : org_units) {
    check_attribute_values(Describe(kOrgUnit, o), o.attribute_values);
  }
  for (const DataElement& o : data_elements) {
    check_attribute_values(Describe(kDataElement, o), o.attribute_values);
  }
  for (const DataSet& o : data_sets) {
    check_attribute_values(Describe(kDataSet, o), o.attribute_values);
  }
  for (const CategoryOption& o : categories.options) {
    check_attribute_values(Describe(kCategoryOption, o), o.attribute_values);
  }
  for (const CategoryOptionCombo& o : categories.option_combos) {
    check_attribute_values(Describe(kCategoryOptionCombo, o), o.attribute_values);
  }
  for (const OptionSet& set : option_sets) {
    std::set<std::string_view> codes;
    for (const Option& option : set.options) {
      if (option.code.empty()) {
        problems.Add(Describe(kOptionSet, set),
                     Message("core.metadata.option_without_code", {{"uid", option.uid}}));
      } else if (!codes.insert(option.code).second) {
        problems.Add(Describe(kOptionSet, set),
                     Message("core.metadata.option_code_twice", {{"code", option.code}}));
      }
    }
  }

  // The hierarchy: each org unit's path and level follow from its parent's.
  for (const OrgUnit& ou : org_units) {
    const Message what = Describe(kOrgUnit, ou);
    if (ou.parent_uid.empty()) {
      if (ou.level != 1)
        problems.Add(what, Message("core.metadata.root_level", {{"level", ou.level}}));
      if (ou.path != "/" + ou.uid)
        problems.Add(what, Message("core.metadata.root_path", {{"uid", ou.uid}}));
    } else if (const OrgUnit* parent = index.org_unit(ou.parent_uid); parent == nullptr) {
      problems.Add(what, Message("core.metadata.no_parent", {{"uid", ou.parent_uid}}));
    } else {
      const std::string path = parent->path + "/" + ou.uid;
      if (ou.path != path) {
        problems.Add(what,
                     Message("core.metadata.wrong_path", {{"path", ou.path}, {"expected", path}}));
      }
      if (ou.level != parent->level + 1) {
        problems.Add(what, Message("core.metadata.wrong_level",
                                   {{"level", ou.level}, {"expected", parent->level + 1}}));
      }
    }
    // Walking up from a node in a cycle never reaches a root.
    const OrgUnit* walker = &ou;
    for (size_t steps = 0; walker != nullptr && !walker->parent_uid.empty(); ++steps) {
      if (steps > org_units.size()) {
        problems.Add(what, Message("core.metadata.cycle"));
        break;
      }
      walker = index.org_unit(walker->parent_uid);
    }
    if (ou.coordinates) {
      const Coordinates& c = *ou.coordinates;
      if (!(c.latitude >= -90 && c.latitude <= 90) ||
          !(c.longitude >= -180 && c.longitude <= 180)) {
        problems.Add(what, Message("core.metadata.coordinates_out_of_range"));
      }
    }
    if (ou.opening_date && ou.closing_date && *ou.closing_date < *ou.opening_date) {
      problems.Add(what, Message("core.metadata.closed_before_opening",
                                 {{"closing", ou.closing_date->ToString()},
                                  {"opening", ou.opening_date->ToString()}}));
    }
    for (const std::string& group : ou.group_uids) {
      if (!group_uids.contains(group)) {
        problems.Add(what, Message("core.metadata.no_group", {{"uid", group}}));
      }
    }
  }

  // Exclusive group sets: at most one of their groups per org unit.
  for (const OrgUnitGroupSet& set : org_unit_group_sets) {
    const Message what = Describe(kOrgUnitGroupSet, set);
    for (const std::string& group : set.group_uids) {
      if (!group_uids.contains(group)) {
        problems.Add(what, Message("core.metadata.no_group", {{"uid", group}}));
      }
    }
    if (!set.exclusive) continue;
    const std::set<std::string_view> members(set.group_uids.begin(), set.group_uids.end());
    for (const OrgUnit& ou : org_units) {
      int count = 0;
      for (const std::string& group : ou.group_uids) count += members.contains(group) ? 1 : 0;
      if (count > 1) {
        problems.Add(Describe(kOrgUnit, ou),
                     Message("core.metadata.two_exclusive_groups",
                             {{"count", count}, {"uid", set.uid}, {"name", set.name}}));
      }
    }
  }

  // The category model.
  for (const Category& category : categories.categories) {
    const Message what = Describe(kCategory, category);
    if (category.option_uids.empty()) problems.Add(what, Message("core.metadata.no_options"));
    for (const std::string& option : category.option_uids) {
      if (!option_uids.contains(option)) {
        problems.Add(what, Message("core.metadata.no_option", {{"uid", option}}));
      }
    }
  }
  std::map<std::string_view, std::set<std::vector<std::string>>> cells_by_combo;
  for (const CategoryOptionCombo& coc : categories.option_combos) {
    const Message what = Describe(kCategoryOptionCombo, coc);
    const CategoryCombo* combo = index.category_combo(coc.category_combo_uid);
    if (combo == nullptr) {
      problems.Add(what, Message("core.category.no_combo", {{"uid", coc.category_combo_uid}}));
      continue;
    }
    if (coc.option_uids.size() != combo->category_uids.size()) {
      problems.Add(what, Message("core.metadata.option_count",
                                 {{"options", coc.option_uids.size()},
                                  {"categories", combo->category_uids.size()}}));
      continue;
    }
    for (size_t i = 0; i < coc.option_uids.size(); ++i) {
      const Category* category = index.category(combo->category_uids[i]);
      if (category == nullptr) continue;  // reported with the combo
      const auto& allowed = category->option_uids;
      if (std::find(allowed.begin(), allowed.end(), coc.option_uids[i]) == allowed.end()) {
        problems.Add(what,
                     Message("core.metadata.not_an_option_of", {{"option", coc.option_uids[i]},
                                                                {"uid", category->uid},
                                                                {"name", category->name}}));
      }
    }
    if (!cells_by_combo[combo->uid].insert(coc.option_uids).second) {
      problems.Add(what, Message("core.metadata.repeated_options"));
    }
  }
  for (const CategoryCombo& combo : categories.combos) {
    const Message what = Describe(kCategoryCombo, combo);
    size_t cells = 1;
    bool complete = true;
    for (const std::string& category_uid : combo.category_uids) {
      const Category* category = index.category(category_uid);
      if (category == nullptr) {
        problems.Add(what, Message("core.metadata.no_category", {{"uid", category_uid}}));
        complete = false;
      } else {
        cells *= category->option_uids.size();
      }
    }
    const size_t found = cells_by_combo[combo.uid].size();
    if (complete && found != cells) {
      problems.Add(
          what, Message("core.metadata.option_combo_count", {{"found", found}, {"cells", cells}}));
    }
  }

  for (const DataElement& de : data_elements) {
    const Message what = Describe(kDataElement, de);
    if (!de.category_combo_uid.empty() && !combo_uids.contains(de.category_combo_uid)) {
      problems.Add(what, Message("core.category.no_combo", {{"uid", de.category_combo_uid}}));
    }
    if (!de.option_set_uid.empty() && !option_set_uids.contains(de.option_set_uid)) {
      problems.Add(what, Message("core.metadata.no_option_set", {{"uid", de.option_set_uid}}));
    }
  }
  for (const DataSet& ds : data_sets) {
    const Message what = Describe(kDataSet, ds);
    if (ds.expiry_days < 0 || ds.open_future_periods < 0) {
      problems.Add(what, Message("core.metadata.negative_days"));
    }
    if (!ds.category_combo_uid.empty() && !combo_uids.contains(ds.category_combo_uid)) {
      problems.Add(what, Message("core.category.no_combo", {{"uid", ds.category_combo_uid}}));
    }
    for (const std::string& uid : ds.data_element_uids) {
      if (!de_uids.contains(uid)) {
        problems.Add(what, Message("core.metadata.no_data_element", {{"uid", uid}}));
      }
    }
    for (const std::string& uid : ds.org_unit_uids) {
      if (!ou_uids.contains(uid)) {
        problems.Add(what, Message("core.metadata.no_org_unit", {{"uid", uid}}));
      }
    }
  }
  (void)category_uids;
  return problems.ToStatus();
}

void MetadataBundle::Merge(const MetadataBundle& other) {
  MergeByUid(attributes, other.attributes);
  MergeByUid(option_sets, other.option_sets);
  MergeByUid(org_units, other.org_units);
  MergeByUid(org_unit_groups, other.org_unit_groups);
  MergeByUid(org_unit_group_sets, other.org_unit_group_sets);
  MergeByUid(categories.options, other.categories.options);
  MergeByUid(categories.categories, other.categories.categories);
  MergeByUid(categories.combos, other.categories.combos);
  MergeByUid(categories.option_combos, other.categories.option_combos);
  MergeByUid(data_elements, other.data_elements);
  MergeByUid(data_sets, other.data_sets);
  // A replaced org unit may now sit under a parent that comes later: order by level, which
  // puts parents first whenever the hierarchy is valid.
  std::stable_sort(org_units.begin(), org_units.end(),
                   [](const OrgUnit& a, const OrgUnit& b) { return a.level < b.level; });
}

MetadataIndex::MetadataIndex(const MetadataBundle& bundle) {
  IndexByUid(bundle.attributes, attributes_);
  IndexByUid(bundle.option_sets, option_sets_);
  IndexByUid(bundle.org_units, org_units_);
  IndexByUid(bundle.org_unit_groups, org_unit_groups_);
  IndexByUid(bundle.categories.options, category_options_);
  IndexByUid(bundle.categories.categories, categories_);
  IndexByUid(bundle.categories.combos, category_combos_);
  IndexByUid(bundle.categories.option_combos, category_option_combos_);
  IndexByUid(bundle.data_elements, data_elements_);
  IndexByUid(bundle.data_sets, data_sets_);
}

const Attribute* MetadataIndex::attribute(std::string_view uid) const {
  return Lookup(attributes_, uid);
}
const OptionSet* MetadataIndex::option_set(std::string_view uid) const {
  return Lookup(option_sets_, uid);
}
const OrgUnit* MetadataIndex::org_unit(std::string_view uid) const {
  return Lookup(org_units_, uid);
}
const OrgUnitGroup* MetadataIndex::org_unit_group(std::string_view uid) const {
  return Lookup(org_unit_groups_, uid);
}
const CategoryOption* MetadataIndex::category_option(std::string_view uid) const {
  return Lookup(category_options_, uid);
}
const Category* MetadataIndex::category(std::string_view uid) const {
  return Lookup(categories_, uid);
}
const CategoryCombo* MetadataIndex::category_combo(std::string_view uid) const {
  return Lookup(category_combos_, uid);
}
const CategoryOptionCombo* MetadataIndex::category_option_combo(std::string_view uid) const {
  return Lookup(category_option_combos_, uid);
}
const DataElement* MetadataIndex::data_element(std::string_view uid) const {
  return Lookup(data_elements_, uid);
}
const DataSet* MetadataIndex::data_set(std::string_view uid) const {
  return Lookup(data_sets_, uid);
}

}  // namespace keneya::core
