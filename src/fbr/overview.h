// The home page's figures for a user's scope, from the invoices of approved runs (what the
// national unit decided to pay): the amount invoiced and the average score by quarter, the newest
// quarter's results district by district (the map) and its facilities ranked.
//
// The score is the first value an invoice shows (the program's info lines) that is a percentage:
// one displayed as such, or one in percentage points whose label says "%" (fbr-mali's "Score
// qualité (%)"); it is given as a fraction (0.725), its label without the unit. A facility's
// quarter is its invoice in the newest approved run of each program and payment for that period; a
// catch-up run adds the facilities it invoices.
//
//   KENEYA_ASSIGN_OR_RETURN(Overview overview, OverviewOf(store, sight, {}, language));
//   for (const QuarterResults& q : overview.quarters) ... q.total, q.score
#ifndef KENEYA_FBR_OVERVIEW_H_
#define KENEYA_FBR_OVERVIEW_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/message.h"
#include "core/period.h"
#include "core/result.h"
#include "fbr/directory.h"
#include "store/store.h"

namespace keneya::fbr {

// How far an org unit's coordinates may be drawn as a point. The attribute coded
// kCoordinatesPrecision says "UNCERTAIN" (the place is not confirmed) or "PLACEHOLDER" (a
// stand-in position); docs/DEMO.md lists the demo's.
inline constexpr std::string_view kCoordinatesPrecision = "COORDINATES_PRECISION";
enum class CoordinatesPrecision {
  kExact,
  kUncertain,
  kPlaceholder,
  kNone,  // no coordinates
};
CoordinatesPrecision PrecisionOf(const Directory& directory, const core::OrgUnit& unit);
std::string_view PrecisionCode(CoordinatesPrecision precision);  // "exact", "uncertain"...

struct QuarterResults {
  core::Period period = core::Period::ForDate(core::PeriodType::kQuarterly, core::Date());
  int64_t facilities = 0;       // invoiced
  int64_t total = 0;            // francs
  std::optional<double> score;  // the average over the invoices showing one (0..1)
};

struct DistrictResults {
  const core::OrgUnit* district = nullptr;
  const core::OrgUnit* region = nullptr;
  CoordinatesPrecision precision = CoordinatesPrecision::kNone;
  int64_t facilities = 0;
  int64_t total = 0;
  std::optional<double> score;
};

struct RankedFacility {
  const core::OrgUnit* facility = nullptr;
  const core::OrgUnit* district = nullptr;
  std::string invoice;  // its number
  int64_t total = 0;
  std::optional<double> score;
  int64_t rank = 0;  // 1 for the first
};

struct Overview {
  std::string score_label;  // in the reader's language ("Score qualité"); empty when none shows
  // The last OverviewOptions::quarters quarters ended, oldest first; one without an approved run
  // counts no facility.
  std::vector<QuarterResults> quarters;
  std::optional<core::Period> latest;  // the newest of them with results
  // The latest quarter, every district in scope that had an invoice, by region then name.
  std::vector<DistrictResults> districts;
  // The latest quarter's facilities, by score (none last), then amount, then name: the first
  // `limit` and, when there are more, the last `limit` (the lowest last).
  int64_t ranked = 0;
  std::vector<RankedFacility> best;
  std::vector<RankedFacility> last;
};

struct OverviewOptions {
  int quarters = 8;
  int limit = 10;
};

// The figures of the facilities whose invoices the user may read; nothing (no error) for a user
// who may read none. Errors: the store's, a stored invoice that does not read back.
core::Result<Overview> OverviewOf(store::Store& store, const Sight& sight,
                                  const OverviewOptions& options, core::Language language);

// One facility's score and amount quarter by quarter over the same approved runs, oldest first
// (its quality history); NotFound as for its card when outside the user's invoice scope.
struct FacilityQuarter {
  core::Period period = core::Period::ForDate(core::PeriodType::kQuarterly, core::Date());
  std::string invoice;
  int64_t total = 0;
  std::optional<double> score;
};
struct FacilityHistory {
  std::string score_label;
  std::vector<FacilityQuarter> quarters;  // those it was invoiced for
};
core::Result<FacilityHistory> FacilityHistoryOf(store::Store& store, const Sight& sight,
                                                const core::OrgUnit& facility,
                                                core::Language language);

}  // namespace keneya::fbr

#endif  // KENEYA_FBR_OVERVIEW_H_
