#include <map>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/period.h"
#include "demo/demo.h"

namespace keneya::demo {

using core::Status;

Status LoadDemo(store::Store& store, const DemoDataset& demo, const store::Actor& actor,
                const store::ProgressFn& progress) {
  auto report = [&](std::string_view phase, int64_t done, int64_t total) {
    if (progress) progress(store::Progress{phase, done, total});
  };
  report("metadata", 0, 1);
  KENEYA_RETURN_IF_ERROR(store.SaveMetadata(demo.metadata, actor));
  KENEYA_ASSIGN_OR_RETURN(core::MetadataBundle stored, store.LoadMetadata());
  report("metadata", 1, 1);

  // Positions in the demo's metadata -> store ids.
  const core::MetadataIndex index(stored);
  std::vector<int32_t> org_units, data_elements, option_combos;
  org_units.reserve(demo.metadata.org_units.size());
  for (const core::OrgUnit& ou : demo.metadata.org_units) {
    org_units.push_back(index.org_unit(ou.uid)->id);
  }
  for (const core::DataElement& de : demo.metadata.data_elements) {
    data_elements.push_back(index.data_element(de.uid)->id);
  }
  for (const core::CategoryOptionCombo& coc : demo.metadata.categories.option_combos) {
    option_combos.push_back(index.category_option_combo(coc.uid)->id);
  }
  const int32_t default_coc = index.category_option_combo(core::kDefaultCategoryOptionComboUid)->id;

  // One bulk load (one import) per year keeps memory near a million values at a time. The
  // values are sorted by period code, which groups by period type first (all months, then all
  // quarters), so they are bucketed by the year their period starts in.
  std::map<int, std::vector<size_t>> by_year;
  std::unordered_map<int32_t, int> year_of_period;
  for (size_t i = 0; i < demo.values.size(); ++i) {
    const int32_t code = demo.values[i].period;
    auto it = year_of_period.find(code);
    if (it == year_of_period.end()) {
      KENEYA_ASSIGN_OR_RETURN(core::Period period, core::Period::FromCode(code));
      it = year_of_period.emplace(code, period.start().year()).first;
    }
    by_year[it->second].push_back(i);
  }
  const int64_t total = static_cast<int64_t>(demo.values.size());
  int64_t written = 0;
  std::vector<core::DataValue> batch;
  for (const auto& [year, positions] : by_year) {
    batch.clear();
    batch.reserve(positions.size());
    for (size_t i : positions) {
      const DemoValue& v = demo.values[i];
      core::DataValue value;
      value.key = {v.period,
                   org_units[static_cast<size_t>(v.org_unit)],
                   data_elements[static_cast<size_t>(v.data_element)],
                   option_combos[static_cast<size_t>(v.category_option_combo)],
                   default_coc,
                   v.state};
      value.value = std::to_string(v.value);
      batch.push_back(std::move(value));
    }
    const std::string phase = "values " + std::to_string(year);
    const store::ImportInfo info{actor.user, "keneya demo", "demo",
                                 "demo dataset, year " + std::to_string(year)};
    KENEYA_RETURN_IF_ERROR(store.BulkLoad(batch, info, [&](const store::Progress& p) {
      if (p.phase == "write") report(phase, written + p.done, total);
    }));
    written += static_cast<int64_t>(batch.size());
    report(phase, written, total);
  }
  return core::OkStatus();
}

}  // namespace keneya::demo
