// The demo's dataset cut down for tests that need realistic data quickly: the org units a test
// keeps, their values (renumbered to follow them), data sets assigned only to what remains, and
// the demo program's result elements, ready for demo::LoadDemo.
#ifndef KENEYA_TESTS_DEMO_DEMO_SUBSET_H_
#define KENEYA_TESTS_DEMO_DEMO_SUBSET_H_

#include <functional>

#include "core/org_unit.h"
#include "demo/demo.h"

namespace keneya::demo::testing {

DemoDataset DemoSubset(const DemoDataset& demo,
                       const std::function<bool(const core::OrgUnit&)>& keep);

}  // namespace keneya::demo::testing

#endif  // KENEYA_TESTS_DEMO_DEMO_SUBSET_H_
