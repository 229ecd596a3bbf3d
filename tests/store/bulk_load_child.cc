// A process that bulk-loads N values and says how far it got, for kill_test.cc.
//
//   bulk_load_child LOCATION N
//
// Saves a pyramid large enough for N values (its own transaction), then loads N new values in
// one bulk load, printing "progress <phase> <done>" lines on stdout as the store reports them and
// "done <import id>" at the end. The parent kills it at chosen points.
#include <cstdio>
#include <cstdlib>
#include <string>

#include "core/period.h"
#include "core/random.h"
#include "core/uid.h"
#include "store/store.h"

using namespace keneya;

int main(int argc, char** argv) {
  if (argc != 3) {
    std::fprintf(stderr, "usage: bulk_load_child LOCATION N\n");
    return 2;
  }
  const std::string location = argv[1];
  const int64_t count = std::atoll(argv[2]);
  auto opened = store::OpenStore(location);
  if (!opened.ok()) {
    std::fprintf(stderr, "%s\n", opened.error().ToString().c_str());
    return 1;
  }
  store::Store& store = **opened;
  constexpr int kElements = 20;
  constexpr int kMonths = 50;
  core::Random rng(3);
  core::MetadataBundle bundle;
  bundle.categories = core::DefaultCategoryModel();
  core::OrgUnit root;
  root.uid = core::GenerateUid(rng);
  root.name = "Mali";
  root.level = 1;
  root.path = "/" + root.uid;
  root.type = core::OrgUnitType::kCountry;
  bundle.org_units.push_back(root);
  const int64_t facilities = (count + kElements * kMonths - 1) / (kElements * kMonths);
  for (int64_t i = 0; i < facilities; ++i) {
    core::OrgUnit ou;
    ou.uid = core::GenerateUid(rng);
    ou.name = "CSCOM " + std::to_string(i);
    ou.parent_uid = root.uid;
    ou.level = 2;
    ou.path = root.path + "/" + ou.uid;
    ou.type = core::OrgUnitType::kCscom;
    bundle.org_units.push_back(ou);
  }
  for (int i = 0; i < kElements; ++i) {
    core::DataElement de;
    de.uid = core::GenerateUid(rng);
    de.name = "Indicateur " + std::to_string(i);
    bundle.data_elements.push_back(de);
  }
  if (auto saved = store.SaveMetadata(bundle, {"child", "test", ""}); !saved.ok()) {
    std::fprintf(stderr, "%s\n", saved.error().ToString().c_str());
    return 1;
  }
  auto stored = store.LoadMetadata();
  if (!stored.ok()) return 1;
  const int32_t coc = stored->categories.option_combos.at(0).id;
  std::vector<core::DataValue> values;
  values.reserve(static_cast<size_t>(count));
  const core::Period first = *core::Period::Parse("202001");
  for (int64_t i = 0; i < count; ++i) {
    core::DataValue v;
    v.key.org_unit = stored->org_units[static_cast<size_t>(1 + i / (kElements * kMonths))].id;
    v.key.period = first.Plus(static_cast<int>(i / kElements % kMonths)).Code();
    v.key.data_element = stored->data_elements[static_cast<size_t>(i % kElements)].id;
    v.key.category_option_combo = coc;
    v.key.attribute_option_combo = coc;
    v.key.state = core::kStateDeclared;
    v.value = std::to_string(i % 997);
    values.push_back(std::move(v));
  }
  std::printf("ready\n");
  std::fflush(stdout);
  auto summary =
      store.BulkLoad(values, {"child", "kill test", "test", ""}, [](const store::Progress& p) {
        std::printf("progress %.*s %lld\n", static_cast<int>(p.phase.size()), p.phase.data(),
                    static_cast<long long>(p.done));
        std::fflush(stdout);
      });
  if (!summary.ok()) {
    std::fprintf(stderr, "%s\n", summary.error().ToString().c_str());
    return 1;
  }
  std::printf("done %lld\n", static_cast<long long>(summary->import_id));
  return 0;
}
