// The national demo dataset: Mali's health pyramid under FBR, with four years of declared and
// verified indicator values and quarterly quality scores.
//
// Generation is a pure function of the options: the same seed gives the same org units, uids and
// values on every machine (core::Random draws every number). See docs/DEMO.md for what is
// generated and why it looks the way it does.
//
//   DemoOptions options;                       // seed 20240101, 2021-2024
//   Result<DemoDataset> demo = GenerateDemo(options, progress);
//   Status s = LoadDemo(store, *demo, actor, progress);
#ifndef KENEYA_DEMO_DEMO_H_
#define KENEYA_DEMO_DEMO_H_

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "core/metadata.h"
#include "core/result.h"
#include "store/store.h"

namespace keneya::demo {

struct DemoOptions {
  uint64_t seed = 20240101;
  int first_year = 2021;  // values from January of this year...
  int last_year = 2024;   // ...to December of this one
  // The January after last_year, as it stands in early February: declared by part of the
  // facilities (declared numbers only), the others still open.
  bool open_january = true;
};

// A facility that declared the open January, and on which day of February (after the demo
// program's `declaration_day`, the 5th: late).
struct OpenMonthDeclaration {
  int32_t org_unit = 0;  // index into metadata.org_units
  int8_t day = 0;        // 1..7
};

// One value of the demo, keyed by positions in the dataset's metadata (store ids do not exist
// before the metadata is saved). 16 bytes, so the four years fit in a few tens of megabytes.
struct DemoValue {
  int32_t period = 0;    // core::Period::Code()
  int32_t org_unit = 0;  // index into metadata.org_units
  int32_t value = 0;
  int16_t data_element = 0;          // index into metadata.data_elements
  int8_t category_option_combo = 0;  // index into metadata.categories.option_combos
  int8_t state = 0;                  // core::kStateDeclared or core::kStateVerified
};
static_assert(sizeof(DemoValue) == 16);

// Uids and codes the tests and docs refer to.
inline constexpr char kMonthlyDataSetCode[] = "FBR_QUANTITE";     // monthly quantity indicators
inline constexpr char kQualityDataSetCode[] = "FBR_QUALITE";      // quarterly quality scores
inline constexpr char kContractGroupCode[] = "FBR_SOUS_CONTRAT";  // facilities under FBR contract
inline constexpr char kRemotenessGroupSetCode[] = "EQUITE";       // equity categories 0/10/20/30 %
inline constexpr char kKokoIICode[] = "CSCOM_KATI_KOKO_II";       // CSCOM Koko II, district of Kati

struct DemoDataset {
  core::MetadataBundle metadata;
  // Sorted by (period, org unit index, data element index, option combo index, state): the
  // store's key order, so that a bulk load writes them sequentially.
  std::vector<DemoValue> values;
  // The open January's declarations (DemoOptions::open_january), by org unit index.
  std::vector<OpenMonthDeclaration> january;
};

// The dataset cut down to the org units `keep` says (a country's regions for a small demo):
// their values and declarations renumbered to follow them, data sets assigned only to what
// remains. `keep` must keep every ancestor of what it keeps.
DemoDataset SubsetDemo(const DemoDataset& demo,
                       const std::function<bool(const core::OrgUnit&)>& keep);

// The dataset cut down to the country and the health regions named by their codes
// ("REGION_KOULIKORO"), for a small demo. InvalidArgument (where: --regions) naming an unknown
// region and the ones there are.
core::Result<DemoDataset> RegionsOfDemo(const DemoDataset& demo,
                                        const std::vector<std::string>& region_codes);

// Builds the dataset; `progress` (may be empty) hears of each phase.
core::Result<DemoDataset> GenerateDemo(const DemoOptions& options,
                                       const store::ProgressFn& progress);

// Saves the metadata, then bulk-loads the values (one import, kind "demo"), reporting progress.
// The store should be empty; loading into a store that has the demo already updates nothing
// and reports the values unchanged.
core::Status LoadDemo(store::Store& store, const DemoDataset& demo, const store::Actor& actor,
                      const store::ProgressFn& progress);

}  // namespace keneya::demo

#endif  // KENEYA_DEMO_DEMO_H_
