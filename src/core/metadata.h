// A bundle of metadata: the pyramid, the category model, data elements and data sets, as one
// unit that is validated and saved together (like a DHIS2 metadata import).
//
//   MetadataBundle bundle = ...;
//   Status s = bundle.Validate();   // every problem found, listed in s.error().message
#ifndef KENEYA_CORE_METADATA_H_
#define KENEYA_CORE_METADATA_H_

#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/attribute.h"
#include "core/category.h"
#include "core/data_element.h"
#include "core/option_set.h"
#include "core/org_unit.h"
#include "core/result.h"

namespace keneya::core {

struct MetadataBundle {
  std::vector<Attribute> attributes;
  std::vector<OptionSet> option_sets;
  std::vector<OrgUnit> org_units;  // parents before children
  std::vector<OrgUnitGroup> org_unit_groups;
  std::vector<OrgUnitGroupSet> org_unit_group_sets;
  CategoryModel categories;
  std::vector<DataElement> data_elements;
  std::vector<DataSet> data_sets;

  // Checks the bundle as a whole and reports every problem at once (one per line in the
  // message, each naming the object by uid and the field): malformed or duplicate uids and
  // codes, references to objects that are not in the bundle, an org unit whose level or path
  // does not follow from its parent, a cycle in the hierarchy, coordinates out of range, a
  // closing date before the opening date, an attribute value or option set that does not exist,
  // an option code given twice in a set, a category option combo that is not one cell of its
  // combo, a combo without its option combos, an org unit in two groups of an exclusive group
  // set. Objects with empty uids are reported, not assigned.
  Status Validate() const;

  // Adds or replaces, by uid, the objects of `other` (the result of saving `other` on top of
  // this bundle). Org units keep parents-before-children order.
  void Merge(const MetadataBundle& other);
};

// Lookup of objects by uid in a bundle, for code that resolves references.
class MetadataIndex {
 public:
  explicit MetadataIndex(const MetadataBundle& bundle);

  const Attribute* attribute(std::string_view uid) const;
  const OptionSet* option_set(std::string_view uid) const;
  const OrgUnit* org_unit(std::string_view uid) const;
  const OrgUnitGroup* org_unit_group(std::string_view uid) const;
  const CategoryOption* category_option(std::string_view uid) const;
  const Category* category(std::string_view uid) const;
  const CategoryCombo* category_combo(std::string_view uid) const;
  const CategoryOptionCombo* category_option_combo(std::string_view uid) const;
  const DataElement* data_element(std::string_view uid) const;
  const DataSet* data_set(std::string_view uid) const;

 private:
  template <typename T>
  using Map = std::unordered_map<std::string_view, const T*>;
  Map<Attribute> attributes_;
  Map<OptionSet> option_sets_;
  Map<OrgUnit> org_units_;
  Map<OrgUnitGroup> org_unit_groups_;
  Map<CategoryOption> category_options_;
  Map<Category> categories_;
  Map<CategoryCombo> category_combos_;
  Map<CategoryOptionCombo> category_option_combos_;
  Map<DataElement> data_elements_;
  Map<DataSet> data_sets_;
};

}  // namespace keneya::core

#endif  // KENEYA_CORE_METADATA_H_
