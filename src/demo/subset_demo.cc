#include <algorithm>
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

core::Result<DemoDataset> RegionsOfDemo(const DemoDataset& demo,
                                        const std::vector<std::string>& region_codes) {
  std::vector<std::string> uids;
  for (const std::string& code : region_codes) {
    const auto region =
        std::find_if(demo.metadata.org_units.begin(), demo.metadata.org_units.end(),
                     [&](const core::OrgUnit& ou) { return ou.level == 2 && ou.code == code; });
    if (region == demo.metadata.org_units.end()) {
      std::string known;
      for (const core::OrgUnit& ou : demo.metadata.org_units) {
        if (ou.level == 2) known += (known.empty() ? "" : ", ") + ou.code;
      }
      return core::InvalidArgument(
          core::Message("demo.unknown_region", {{"region", code}, {"known", known}}), "--regions");
    }
    uids.push_back(region->uid);
  }
  return SubsetDemo(demo, [&](const core::OrgUnit& ou) {
    if (ou.level == 1) return true;
    return std::any_of(uids.begin(), uids.end(), [&](const std::string& uid) {
      return ou.path.find("/" + uid) != std::string::npos;
    });
  });
}

}  // namespace keneya::demo
