#include "core/metadata.h"

#include <algorithm>
#include <map>
#include <set>
#include <unordered_set>

#include "core/uid.h"

namespace keneya::core {
namespace {

constexpr size_t kMaxProblemsListed = 100;

class Problems {
 public:
  void Add(std::string what, std::string problem) {
    ++count_;
    if (lines_.size() < kMaxProblemsListed) lines_.push_back(what + ": " + problem);
  }
  Status ToStatus() const {
    if (count_ == 0) return OkStatus();
    std::string message = std::to_string(count_) + " problem(s) in the metadata:";
    for (const std::string& line : lines_) message += "\n  - " + line;
    if (count_ > lines_.size()) {
      message += "\n  ... and " + std::to_string(count_ - lines_.size()) + " more";
    }
    return InvalidArgument(message, "metadata");
  }

 private:
  size_t count_ = 0;
  std::vector<std::string> lines_;
};

template <typename T>
std::string Describe(std::string_view kind, const T& object) {
  std::string out(kind);
  out += " ";
  out += object.uid.empty() ? "(no uid)" : object.uid;
  if (!object.name.empty()) out += " \"" + object.name + "\"";
  return out;
}

// Checks uid format, uid and code uniqueness and names for one kind of object; returns the set of
// valid uids.
template <typename T>
std::unordered_set<std::string_view> CheckIdentities(std::string_view kind,
                                                     const std::vector<T>& objects,
                                                     Problems& problems) {
  std::unordered_set<std::string_view> uids;
  std::unordered_set<std::string_view> codes;
  for (const T& object : objects) {
    const std::string what = Describe(kind, object);
    if (!IsValidUid(object.uid)) {
      problems.Add(
          what, "uid \"" + object.uid + "\" is not 11 letters and digits starting with a letter");
    } else if (!uids.insert(object.uid).second) {
      problems.Add(what, "uid is given twice");
    }
    if (!object.code.empty() && !codes.insert(object.code).second) {
      problems.Add(what, "code \"" + object.code + "\" is used by another " + std::string(kind));
    }
    if (object.name.empty()) problems.Add(what, "name is empty");
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
  const auto attribute_uids = CheckIdentities("attribute", attributes, problems);
  const auto option_set_uids = CheckIdentities("option set", option_sets, problems);
  const auto ou_uids = CheckIdentities("org unit", org_units, problems);
  const auto group_uids = CheckIdentities("org unit group", org_unit_groups, problems);
  CheckIdentities("org unit group set", org_unit_group_sets, problems);
  const auto option_uids = CheckIdentities("category option", categories.options, problems);
  const auto category_uids = CheckIdentities("category", categories.categories, problems);
  const auto combo_uids = CheckIdentities("category combo", categories.combos, problems);
  CheckIdentities("category option combo", categories.option_combos, problems);
  const auto de_uids = CheckIdentities("data element", data_elements, problems);
  CheckIdentities("data set", data_sets, problems);

  MetadataIndex index(*this);

  // Attribute values name existing attributes, at most once per object.
  auto check_attribute_values = [&](const std::string& what,
                                    const std::vector<AttributeValue>& values) {
    std::set<std::string_view> seen;
    for (const AttributeValue& v : values) {
      if (!attribute_uids.contains(v.attribute_uid)) {
        problems.Add(what, "attribute " + v.attribute_uid + " does not exist");
      } else if (!seen.insert(v.attribute_uid).second) {
        problems.Add(what, "has two values for attribute " + v.attribute_uid);
      }
    }
  };
  for (const OrgUnit& o : org_units)
    check_attribute_values(Describe("org unit", o), o.attribute_values);
  for (const DataElement& o : data_elements) {
    check_attribute_values(Describe("data element", o), o.attribute_values);
  }
  for (const DataSet& o : data_sets)
    check_attribute_values(Describe("data set", o), o.attribute_values);
  for (const CategoryOption& o : categories.options) {
    check_attribute_values(Describe("category option", o), o.attribute_values);
  }
  for (const CategoryOptionCombo& o : categories.option_combos) {
    check_attribute_values(Describe("category option combo", o), o.attribute_values);
  }
  for (const OptionSet& set : option_sets) {
    std::set<std::string_view> codes;
    for (const Option& option : set.options) {
      if (option.code.empty()) {
        problems.Add(Describe("option set", set), "option " + option.uid + " has no code");
      } else if (!codes.insert(option.code).second) {
        problems.Add(Describe("option set", set),
                     "option code \"" + option.code + "\" is given twice");
      }
    }
  }

  // The hierarchy: each org unit's path and level follow from its parent's.
  for (const OrgUnit& ou : org_units) {
    const std::string what = Describe("org unit", ou);
    if (ou.parent_uid.empty()) {
      if (ou.level != 1) problems.Add(what, "has no parent but level " + std::to_string(ou.level));
      if (ou.path != "/" + ou.uid) problems.Add(what, "path should be \"/" + ou.uid + "\"");
    } else if (const OrgUnit* parent = index.org_unit(ou.parent_uid); parent == nullptr) {
      problems.Add(what, "parent " + ou.parent_uid + " does not exist");
    } else {
      if (ou.path != parent->path + "/" + ou.uid) {
        problems.Add(what, "path \"" + ou.path + "\" should be \"" + parent->path + "/" + ou.uid +
                               "\" (its parent's path and its own uid)");
      }
      if (ou.level != parent->level + 1) {
        problems.Add(what, "level " + std::to_string(ou.level) + " should be " +
                               std::to_string(parent->level + 1) + " (its parent's plus one)");
      }
    }
    // Walking up from a node in a cycle never reaches a root.
    const OrgUnit* walker = &ou;
    for (size_t steps = 0; walker != nullptr && !walker->parent_uid.empty(); ++steps) {
      if (steps > org_units.size()) {
        problems.Add(what, "is its own ancestor (a cycle in the hierarchy)");
        break;
      }
      walker = index.org_unit(walker->parent_uid);
    }
    if (ou.coordinates) {
      const Coordinates& c = *ou.coordinates;
      if (!(c.latitude >= -90 && c.latitude <= 90) ||
          !(c.longitude >= -180 && c.longitude <= 180)) {
        problems.Add(what, "coordinates out of range (latitude -90..90, longitude -180..180)");
      }
    }
    if (ou.opening_date && ou.closing_date && *ou.closing_date < *ou.opening_date) {
      problems.Add(what, "closing date " + ou.closing_date->ToString() +
                             " is before opening date " + ou.opening_date->ToString());
    }
    for (const std::string& group : ou.group_uids) {
      if (!group_uids.contains(group)) problems.Add(what, "group " + group + " does not exist");
    }
  }

  // Exclusive group sets: at most one of their groups per org unit.
  for (const OrgUnitGroupSet& set : org_unit_group_sets) {
    const std::string what = Describe("org unit group set", set);
    for (const std::string& group : set.group_uids) {
      if (!group_uids.contains(group)) problems.Add(what, "group " + group + " does not exist");
    }
    if (!set.exclusive) continue;
    const std::set<std::string_view> members(set.group_uids.begin(), set.group_uids.end());
    for (const OrgUnit& ou : org_units) {
      int count = 0;
      for (const std::string& group : ou.group_uids) count += members.contains(group) ? 1 : 0;
      if (count > 1) {
        problems.Add(Describe("org unit", ou), "is in " + std::to_string(count) +
                                                   " groups of exclusive group set " + set.uid +
                                                   " \"" + set.name + "\"");
      }
    }
  }

  // The category model.
  for (const Category& category : categories.categories) {
    const std::string what = Describe("category", category);
    if (category.option_uids.empty()) problems.Add(what, "has no options");
    for (const std::string& option : category.option_uids) {
      if (!option_uids.contains(option)) problems.Add(what, "option " + option + " does not exist");
    }
  }
  std::map<std::string_view, std::set<std::vector<std::string>>> cells_by_combo;
  for (const CategoryOptionCombo& coc : categories.option_combos) {
    const std::string what = Describe("category option combo", coc);
    const CategoryCombo* combo = index.category_combo(coc.category_combo_uid);
    if (combo == nullptr) {
      problems.Add(what, "category combo " + coc.category_combo_uid + " does not exist");
      continue;
    }
    if (coc.option_uids.size() != combo->category_uids.size()) {
      problems.Add(what, "has " + std::to_string(coc.option_uids.size()) +
                             " options but its combo has " +
                             std::to_string(combo->category_uids.size()) + " categories");
      continue;
    }
    for (size_t i = 0; i < coc.option_uids.size(); ++i) {
      const Category* category = index.category(combo->category_uids[i]);
      if (category == nullptr) continue;  // reported with the combo
      const auto& allowed = category->option_uids;
      if (std::find(allowed.begin(), allowed.end(), coc.option_uids[i]) == allowed.end()) {
        problems.Add(what, "option " + coc.option_uids[i] + " is not an option of category " +
                               category->uid + " \"" + category->name + "\"");
      }
    }
    if (!cells_by_combo[combo->uid].insert(coc.option_uids).second) {
      problems.Add(what, "repeats the options of another option combo of the same combo");
    }
  }
  for (const CategoryCombo& combo : categories.combos) {
    const std::string what = Describe("category combo", combo);
    size_t cells = 1;
    bool complete = true;
    for (const std::string& category_uid : combo.category_uids) {
      const Category* category = index.category(category_uid);
      if (category == nullptr) {
        problems.Add(what, "category " + category_uid + " does not exist");
        complete = false;
      } else {
        cells *= category->option_uids.size();
      }
    }
    const size_t found = cells_by_combo[combo.uid].size();
    if (complete && found != cells) {
      problems.Add(what, "has " + std::to_string(found) + " option combos; its categories make " +
                             std::to_string(cells));
    }
  }

  for (const DataElement& de : data_elements) {
    const std::string what = Describe("data element", de);
    if (!de.category_combo_uid.empty() && !combo_uids.contains(de.category_combo_uid)) {
      problems.Add(what, "category combo " + de.category_combo_uid + " does not exist");
    }
    if (!de.option_set_uid.empty() && !option_set_uids.contains(de.option_set_uid)) {
      problems.Add(what, "option set " + de.option_set_uid + " does not exist");
    }
  }
  for (const DataSet& ds : data_sets) {
    const std::string what = Describe("data set", ds);
    if (ds.expiry_days < 0 || ds.open_future_periods < 0) {
      problems.Add(what, "expiry days and open future periods cannot be negative");
    }
    if (!ds.category_combo_uid.empty() && !combo_uids.contains(ds.category_combo_uid)) {
      problems.Add(what, "category combo " + ds.category_combo_uid + " does not exist");
    }
    for (const std::string& uid : ds.data_element_uids) {
      if (!de_uids.contains(uid)) problems.Add(what, "data element " + uid + " does not exist");
    }
    for (const std::string& uid : ds.org_unit_uids) {
      if (!ou_uids.contains(uid)) problems.Add(what, "org unit " + uid + " does not exist");
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
