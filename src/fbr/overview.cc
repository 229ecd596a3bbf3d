#include "fbr/overview.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <mutex>
#include <span>
#include <tuple>
#include <unordered_map>
#include <utility>

#include "auth/roles.h"
#include "fbr/browse.h"
#include "fbr/invoice_json.h"
#include "fbr/stored_invoices.h"

namespace keneya::fbr {

using core::Result;

namespace {

// What an invoice shows as a percentage: its score (NaN when none) and the score's label.
struct Shown {
  double score = std::numeric_limits<double>::quiet_NaN();
  std::string label, label_en;
};

// Stored invoices never change: what they show is read once per process (keyed by the store
// object, so that two databases never share an entry), within a bound.
struct ShownCache {
  std::mutex mutex;
  std::map<std::pair<uint64_t, int64_t>, Shown> entries;
  static constexpr size_t kLimit = 250000;
};
ShownCache& Cache() {
  static ShownCache cache;
  return cache;
}

// A label without its unit: "Score qualité (%)" -> "Score qualité".
std::string WithoutUnit(std::string label) {
  for (std::string_view unit : {" (%)", "(%)", " %"}) {
    if (label.ends_with(unit)) return label.substr(0, label.size() - unit.size());
  }
  return label;
}

Shown ShownIn(const std::vector<rules::InvoiceLine>& lines) {
  for (const rules::InvoiceLine& line : lines) {
    if (line.kind != rules::InvoiceLine::Kind::kInfo) continue;
    if (line.display == rules::Display::kPercent) {
      return {line.value, WithoutUnit(line.label), WithoutUnit(line.label_en)};
    }
    if (line.label.find('%') != std::string::npos) {  // percentage points: "Score qualité (%)"
      return {line.value / 100, WithoutUnit(line.label), WithoutUnit(line.label_en)};
    }
  }
  return {};
}

// What each invoice (listed without lines) shows, in the same order.
Result<std::vector<Shown>> ShownOf(store::Store& store, const StoredRun& run,
                                   std::span<const store::InvoiceRecord> invoices) {
  std::vector<Shown> out(invoices.size());
  std::vector<int64_t> missing;
  std::unordered_map<int64_t, size_t> index;
  ShownCache& cache = Cache();
  {
    std::lock_guard<std::mutex> lock(cache.mutex);
    for (size_t i = 0; i < invoices.size(); ++i) {
      auto it = cache.entries.find({store.instance(), invoices[i].id});
      if (it != cache.entries.end()) {
        out[i] = it->second;
      } else {
        index.emplace(invoices[i].id, i);
        missing.push_back(invoices[i].id);
      }
    }
  }
  if (missing.empty()) return out;
  KENEYA_ASSIGN_OR_RETURN(std::vector<store::InvoiceRecord> read, store.InvoiceLines(missing));
  std::vector<std::pair<int64_t, Shown>> found;
  found.reserve(read.size());
  for (const store::InvoiceRecord& invoice : read) {
    KENEYA_ASSIGN_OR_RETURN(std::vector<rules::InvoiceLine> lines,
                            LinesOf(invoice, run.compiled().program()));
    Shown shown = ShownIn(lines);
    out[index.at(invoice.id)] = shown;
    found.emplace_back(invoice.id, std::move(shown));
  }
  std::lock_guard<std::mutex> lock(cache.mutex);
  if (cache.entries.size() + found.size() > ShownCache::kLimit) cache.entries.clear();
  for (auto& [id, shown] : found)
    cache.entries.emplace(std::make_pair(store.instance(), id), shown);
  return out;
}

// One facility's invoice in a quarter.
struct Invoiced {
  const core::OrgUnit* facility = nullptr;
  core::Period quarter = core::Period::ForDate(core::PeriodType::kQuarterly, core::Date());
  std::string number;
  int64_t total = 0;
  Shown shown;
};

// The invoices of approved runs for the facilities given (every facility when `everywhere`) and
// the quarters given (every quarter when empty): for each program, payment, period and facility,
// the newest approved run's invoice.
Result<std::vector<Invoiced>> ApprovedInvoices(store::Store& store, const Directory& directory,
                                               std::span<const int32_t> facilities, bool everywhere,
                                               const std::vector<core::Period>& quarters) {
  std::vector<Invoiced> out;
  if (facilities.empty() && !everywhere) return out;
  KENEYA_ASSIGN_OR_RETURN(std::vector<store::InvoiceRunRecord> runs, AllRuns(store));
  std::map<std::tuple<std::string, std::string, int32_t, int32_t>, bool> seen;
  for (const store::InvoiceRunRecord& run : runs) {  // newest first
    if (run.status != "approved") continue;
    auto period = core::Period::FromCode(run.period);
    if (!period.ok()) continue;
    auto quarter = period->Quarter();
    if (!quarter.ok()) continue;
    if (!quarters.empty() &&
        std::find(quarters.begin(), quarters.end(), *quarter) == quarters.end())
      continue;
    KENEYA_ASSIGN_OR_RETURN(
        std::vector<store::InvoiceRecord> listed,
        store.InvoiceList(run.id, everywhere ? std::span<const int32_t>() : facilities));
    std::erase_if(listed, [&](const store::InvoiceRecord& invoice) {
      return !seen.emplace(std::make_tuple(run.program_code, run.payment_code, run.period,
                                           invoice.org_unit),
                           true)
                  .second;
    });
    if (listed.empty()) continue;
    KENEYA_ASSIGN_OR_RETURN(StoredRun stored, LoadRun(store, run.id));
    KENEYA_ASSIGN_OR_RETURN(std::vector<Shown> shown, ShownOf(store, stored, listed));
    for (size_t i = 0; i < listed.size(); ++i) {
      const core::OrgUnit* facility = directory.OrgUnitById(listed[i].org_unit);
      if (facility == nullptr) continue;
      out.push_back({facility, *quarter, listed[i].number, listed[i].total, std::move(shown[i])});
    }
  }
  return out;
}

// Sums and averages.
struct Tally {
  int64_t total = 0;
  int64_t scored = 0;
  double score_sum = 0;
  void Add(int64_t amount, double score) {
    total += amount;
    if (!std::isnan(score)) {
      ++scored;
      score_sum += score;
    }
  }
  std::optional<double> Score() const {
    if (scored == 0) return std::nullopt;
    return score_sum / static_cast<double>(scored);
  }
};

std::string LabelOf(const Shown& shown, core::Language language) {
  return language == core::Language::kEnglish && !shown.label_en.empty() ? shown.label_en
                                                                         : shown.label;
}

}  // namespace

CoordinatesPrecision PrecisionOf(const Directory& directory, const core::OrgUnit& unit) {
  if (!unit.coordinates) return CoordinatesPrecision::kNone;
  const auto& attributes = directory.bundle().attributes;
  for (const core::AttributeValue& value : unit.attribute_values) {
    const auto attribute =
        std::find_if(attributes.begin(), attributes.end(),
                     [&](const core::Attribute& a) { return a.uid == value.attribute_uid; });
    if (attribute == attributes.end() || attribute->code != kCoordinatesPrecision) continue;
    if (value.value == "UNCERTAIN") return CoordinatesPrecision::kUncertain;
    if (value.value == "PLACEHOLDER") return CoordinatesPrecision::kPlaceholder;
  }
  return CoordinatesPrecision::kExact;
}

std::string_view PrecisionCode(CoordinatesPrecision precision) {
  switch (precision) {
    case CoordinatesPrecision::kExact:
      return "exact";
    case CoordinatesPrecision::kUncertain:
      return "uncertain";
    case CoordinatesPrecision::kPlaceholder:
      return "placeholder";
    case CoordinatesPrecision::kNone:
      break;
  }
  return "none";
}

Result<Overview> OverviewOf(store::Store& store, const Sight& sight, const OverviewOptions& options,
                            core::Language language) {
  const Directory& directory = sight.directory();
  Overview out;
  core::Period quarter =
      core::Period::ForDate(core::PeriodType::kQuarterly, core::Today()).Previous();
  for (int i = 0; i < std::max(options.quarters, 1); ++i, quarter = quarter.Previous()) {
    out.quarters.insert(out.quarters.begin(), QuarterResults{quarter});
  }
  std::vector<core::Period> quarters;
  for (const QuarterResults& q : out.quarters) quarters.push_back(q.period);

  std::vector<int32_t> facilities;
  for (const core::OrgUnit& unit : directory.bundle().org_units) {
    if (core::IsFacility(unit.type) && sight.Allows(unit, auth::Resource::kInvoice)) {
      facilities.push_back(unit.id);
    }
  }
  KENEYA_ASSIGN_OR_RETURN(std::vector<Invoiced> invoices,
                          ApprovedInvoices(store, directory, facilities,
                                           sight.Everywhere(auth::Resource::kInvoice), quarters));

  // By quarter, then each facility's quarter (its programs' invoices together).
  std::map<core::Period, Tally> by_quarter;
  std::map<core::Period, std::map<const core::OrgUnit*, std::pair<Tally, std::string>>> by_facility;
  for (const Invoiced& invoice : invoices) {
    if (!sight.Allows(*invoice.facility, auth::Resource::kInvoice)) continue;
    auto& [tally, number] = by_facility[invoice.quarter][invoice.facility];
    tally.Add(invoice.total, invoice.shown.score);
    if (number.empty()) number = invoice.number;
    if (out.score_label.empty() && !std::isnan(invoice.shown.score)) {
      out.score_label = LabelOf(invoice.shown, language);
    }
  }
  for (QuarterResults& q : out.quarters) {
    auto found = by_facility.find(q.period);
    if (found == by_facility.end()) continue;
    Tally tally;
    for (const auto& [facility, entry] : found->second) {
      ++q.facilities;
      tally.total += entry.first.total;
      if (auto score = entry.first.Score()) tally.Add(0, *score);
    }
    q.total = tally.total;
    q.score = tally.Score();
    out.latest = q.period;
  }
  if (!out.latest) return out;

  // The latest quarter by district and facility.
  std::map<const core::OrgUnit*, std::pair<int64_t, Tally>> districts;
  std::vector<RankedFacility> ranked;
  for (const auto& [facility, entry] : by_facility[*out.latest]) {
    const core::OrgUnit* district = directory.Ancestor(*facility, 3);
    const std::optional<double> score = entry.first.Score();
    ranked.push_back({facility, district, entry.second, entry.first.total, score, 0});
    if (district == nullptr) continue;
    auto& [count, tally] = districts[district];
    ++count;
    tally.total += entry.first.total;
    if (score) tally.Add(0, *score);
  }
  for (const auto& [district, entry] : districts) {
    out.districts.push_back({district, directory.Ancestor(*district, 2),
                             PrecisionOf(directory, *district), entry.first, entry.second.total,
                             entry.second.Score()});
  }
  auto name = [](const core::OrgUnit* unit) { return unit != nullptr ? unit->name : ""; };
  std::sort(out.districts.begin(), out.districts.end(),
            [&](const DistrictResults& a, const DistrictResults& b) {
              return std::make_pair(name(a.region), name(a.district)) <
                     std::make_pair(name(b.region), name(b.district));
            });
  std::sort(ranked.begin(), ranked.end(), [&](const RankedFacility& a, const RankedFacility& b) {
    return std::make_tuple(!a.score.has_value(), -a.score.value_or(0), -a.total, name(a.facility)) <
           std::make_tuple(!b.score.has_value(), -b.score.value_or(0), -b.total, name(b.facility));
  });
  for (size_t i = 0; i < ranked.size(); ++i) ranked[i].rank = static_cast<int64_t>(i) + 1;
  out.ranked = static_cast<int64_t>(ranked.size());
  const size_t limit = static_cast<size_t>(std::max(options.limit, 1));
  const size_t best = std::min(limit, ranked.size());
  out.best.assign(ranked.begin(), ranked.begin() + static_cast<std::ptrdiff_t>(best));
  const size_t last = std::min(limit, ranked.size() - best);
  out.last.assign(ranked.end() - static_cast<std::ptrdiff_t>(last), ranked.end());
  return out;
}

Result<FacilityHistory> FacilityHistoryOf(store::Store& store, const Sight& sight,
                                          const core::OrgUnit& facility, core::Language language) {
  if (!sight.Allows(facility, auth::Resource::kInvoice)) {
    return UnknownOrUnseen(facility.uid, "facility");
  }
  const int32_t id = facility.id;
  KENEYA_ASSIGN_OR_RETURN(std::vector<Invoiced> invoices,
                          ApprovedInvoices(store, sight.directory(), std::span(&id, 1), false, {}));
  FacilityHistory out;
  std::map<core::Period, std::pair<Tally, std::string>> by_quarter;
  for (const Invoiced& invoice : invoices) {
    auto& [tally, number] = by_quarter[invoice.quarter];
    tally.Add(invoice.total, invoice.shown.score);
    if (number.empty()) number = invoice.number;
    if (out.score_label.empty() && !std::isnan(invoice.shown.score)) {
      out.score_label = LabelOf(invoice.shown, language);
    }
  }
  for (const auto& [period, entry] : by_quarter) {
    out.quarters.push_back({period, entry.second, entry.first.total, entry.first.Score()});
  }
  return out;
}

}  // namespace keneya::fbr
