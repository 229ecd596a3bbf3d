#include "tests/demo/demo_subset.h"

#include "demo/demo_program.h"

namespace keneya::demo::testing {

DemoDataset DemoSubset(const DemoDataset& demo,
                       const std::function<bool(const core::OrgUnit&)>& keep) {
  DemoDataset small = SubsetDemo(demo, keep);
  const core::MetadataBundle results = DemoResultElements();
  small.metadata.data_elements.insert(small.metadata.data_elements.end(),
                                      results.data_elements.begin(), results.data_elements.end());
  return small;
}

}  // namespace keneya::demo::testing
