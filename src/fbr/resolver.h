// Finds metadata objects by code or uid, as program files name them. Internal to src/fbr.
#ifndef KENEYA_FBR_RESOLVER_H_
#define KENEYA_FBR_RESOLVER_H_

#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/metadata.h"

namespace keneya::fbr {

class Resolver {
 public:
  explicit Resolver(const core::MetadataBundle& bundle);

  const core::DataElement* DataElement(std::string_view code_or_uid) const;
  const core::CategoryOptionCombo* CategoryOptionCombo(std::string_view code_or_uid) const;
  const core::OrgUnitGroup* OrgUnitGroup(std::string_view code_or_uid) const;
  const core::OrgUnitGroupSet* OrgUnitGroupSet(std::string_view code_or_uid) const;
  const core::OrgUnit* OrgUnit(std::string_view code_or_uid) const;
  const core::OrgUnit* OrgUnitById(int32_t id) const;
  // The org unit's name as people read it; the code or uid as given when the database has no
  // such org unit (a zone as a program or a run names it).
  std::string OrgUnitName(std::string_view code_or_uid) const;
  // The default category option combo of a data element's disaggregation.
  const core::CategoryOptionCombo* DefaultCombo(const core::DataElement& element) const;
  // The org unit's ancestor at `level` (itself at its own level); null above the root.
  const core::OrgUnit* Ancestor(const core::OrgUnit& unit, int level) const;
  // The codes (or uids, when without code) of the groups the org unit belongs to, and uids.
  std::vector<std::string> GroupNames(const core::OrgUnit& unit) const;
  // The org unit's group in a group set; null when it is in none.
  const core::OrgUnitGroup* GroupIn(const core::OrgUnit& unit,
                                    const core::OrgUnitGroupSet& set) const;

  const core::MetadataBundle& bundle() const { return bundle_; }

 private:
  template <typename T>
  // Uids first: a code that is also another object's uid never hides that object.
  static void Index(const std::vector<T>& items, std::unordered_map<std::string, const T*>& map) {
    for (const T& item : items) map.emplace(item.uid, &item);
    for (const T& item : items) {
      if (!item.code.empty()) map.emplace(item.code, &item);
    }
  }
  template <typename T>
  static const T* Find(const std::unordered_map<std::string, const T*>& map, std::string_view key) {
    auto it = map.find(std::string(key));
    return it == map.end() ? nullptr : it->second;
  }

  const core::MetadataBundle& bundle_;
  std::unordered_map<std::string, const core::DataElement*> data_elements_;
  std::unordered_map<std::string, const core::CategoryOptionCombo*> combos_;
  std::unordered_map<std::string, const core::OrgUnitGroup*> groups_;
  std::unordered_map<std::string, const core::OrgUnitGroupSet*> group_sets_;
  std::unordered_map<std::string, const core::OrgUnit*> org_units_;
  std::unordered_map<int32_t, const core::OrgUnit*> org_units_by_id_;
};

}  // namespace keneya::fbr

#endif  // KENEYA_FBR_RESOLVER_H_
