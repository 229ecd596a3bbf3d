#include "fbr/simulation.h"

#include <chrono>
#include <map>

#include "fbr/programs.h"
#include "fbr/resolver.h"

namespace keneya::fbr {

core::Result<Simulation> Simulate(store::Store& store, const core::MetadataBundle& metadata,
                                  const core::Period& period, const SimulationRequest& request) {
  Simulation out;
  if (request.stored_only) {
    KENEYA_ASSIGN_OR_RETURN(out.program,
                            ProgramFor(store, request.program, period, request.version));
  } else {
    KENEYA_ASSIGN_OR_RETURN(out.program, ProgramToUse(store, metadata, request.program, period,
                                                      request.version, /*to_store=*/false));
  }
  ComputeOptions options;
  options.payment = request.payment;
  KENEYA_ASSIGN_OR_RETURN(ComputedRun base, Compute(store, metadata, out.program, period, options));
  const auto started = std::chrono::steady_clock::now();
  KENEYA_ASSIGN_OR_RETURN(ComputedRun scenario, Recompute(base, request.overrides));
  out.simulation_seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  out.read_seconds = base.read_seconds;
  out.baseline_total = base.invoices.total;
  out.simulation_total = scenario.invoices.total;

  const Resolver resolver(metadata);
  std::map<std::string, int64_t> envelopes;
  for (const rules::ZoneBudget& b : scenario.invoices.budgets) {
    envelopes[b.zone] = b.envelope;
    if (b.requested > b.envelope) {
      out.over_envelope.push_back({b.zone, resolver.OrgUnitName(b.zone), b.requested, b.envelope});
    }
  }
  const ZoneTotals before = TotalsByZone(base), after = TotalsByZone(scenario);
  auto zone = [&](const std::string& code, int64_t baseline,
                  const std::map<std::string, int64_t>& simulated) {
    SimulatedZone z;
    z.code = code;
    z.name = resolver.OrgUnitName(code);
    z.baseline = baseline;
    const auto simulation = simulated.find(code);
    if (simulation != simulated.end()) z.simulation = simulation->second;
    const auto envelope = envelopes.find(code);
    if (envelope != envelopes.end()) z.envelope = envelope->second;
    return z;
  };
  for (const auto& [region, total] : before.region) {
    SimulatedZone r = zone(region, total, after.region);
    for (const auto& [district, district_total] : before.district) {
      if (before.region_of_district.at(district) == region) {
        r.districts.push_back(zone(district, district_total, after.district));
      }
    }
    out.regions.push_back(std::move(r));
  }
  return out;
}

}  // namespace keneya::fbr
