#include <set>
#include <string>
#include <vector>

#include "demo/demo.h"

namespace keneya::demo {

DemoDataset SubsetDemo(const DemoDataset& demo,
                       const std::function<bool(const core::OrgUnit&)>& keep) {
  DemoDataset small;
  small.metadata = demo.metadata;
  small.metadata.org_units.clear();
  std::vector<int32_t> new_index(demo.metadata.org_units.size(), -1);
  for (size_t i = 0; i < demo.metadata.org_units.size(); ++i) {
    const core::OrgUnit& unit = demo.metadata.org_units[i];
    if (!keep(unit)) continue;
    new_index[i] = static_cast<int32_t>(small.metadata.org_units.size());
    small.metadata.org_units.push_back(unit);
  }
  std::set<std::string> kept;
  for (const core::OrgUnit& unit : small.metadata.org_units) kept.insert(unit.uid);
  for (core::DataSet& set : small.metadata.data_sets) {
    std::erase_if(set.org_unit_uids, [&](const std::string& uid) { return !kept.count(uid); });
  }
  for (DemoValue v : demo.values) {
    if (new_index[static_cast<size_t>(v.org_unit)] < 0) continue;
    v.org_unit = new_index[static_cast<size_t>(v.org_unit)];
    small.values.push_back(v);
  }
  for (OpenMonthDeclaration d : demo.january) {
    if (new_index[static_cast<size_t>(d.org_unit)] < 0) continue;
    d.org_unit = new_index[static_cast<size_t>(d.org_unit)];
    small.january.push_back(d);
  }
  return small;
}

}  // namespace keneya::demo
