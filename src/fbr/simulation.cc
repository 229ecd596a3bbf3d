#include "fbr/simulation.h"

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <utility>

#include "fbr/browse.h"
#include "fbr/programs.h"
#include "fbr/resolver.h"

namespace keneya::fbr {

namespace {

double SecondsSince(std::chrono::steady_clock::time_point started) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
}

// The period's newest approved run of the program and payment rule, else its newest run that
// is neither superseded nor reopened.
core::Result<std::optional<ReferenceRun>> FindReference(store::Store& store,
                                                        const std::string& program,
                                                        const std::string& payment,
                                                        int32_t period) {
  KENEYA_ASSIGN_OR_RETURN(std::vector<store::InvoiceRunRecord> runs, AllRuns(store));
  const store::InvoiceRunRecord* approved = nullptr;
  const store::InvoiceRunRecord* standing = nullptr;
  for (const store::InvoiceRunRecord& run : runs) {
    if (run.program_code != program || run.payment_code != payment || run.period != period) {
      continue;
    }
    if (run.status == "approved" && (approved == nullptr || run.id > approved->id)) approved = &run;
    if (run.status != "superseded" && run.status != "reopened" &&
        (standing == nullptr || run.id > standing->id)) {
      standing = &run;
    }
  }
  const store::InvoiceRunRecord* chosen = approved != nullptr ? approved : standing;
  if (chosen == nullptr) return std::optional<ReferenceRun>();
  return std::optional<ReferenceRun>(
      ReferenceRun{chosen->id, chosen->program_version, chosen->status, chosen->total});
}

}  // namespace

core::Result<std::shared_ptr<const SimulationBase>> PrepareSimulation(
    store::Store& store, const core::MetadataBundle& metadata, const core::Period& period,
    const SimulationRequest& request) {
  const auto started = std::chrono::steady_clock::now();
  auto base = std::make_shared<SimulationBase>();
  // The revision first: a change made while reading makes the base older than it, never newer.
  KENEYA_ASSIGN_OR_RETURN(base->revision, store.DataRevision());
  if (request.stored_only) {
    KENEYA_ASSIGN_OR_RETURN(base->program,
                            ProgramFor(store, request.program, period, request.version));
  } else {
    KENEYA_ASSIGN_OR_RETURN(base->program, ProgramToUse(store, metadata, request.program, period,
                                                        request.version, /*to_store=*/false));
  }
  // The reference run first: the simulation computes the facilities it invoiced.
  KENEYA_ASSIGN_OR_RETURN(rules::ProgramSource source, FromRecord(base->program));
  const rules::ParsedProgram parsed = rules::ParseProgram(source);
  std::string payment = request.payment;
  if (payment.empty() && !parsed.program.payments.empty()) {
    payment = parsed.program.payments.front().code;
  }
  KENEYA_ASSIGN_OR_RETURN(base->reference,
                          FindReference(store, base->program.code, payment, period.Code()));
  if (base->reference) {
    KENEYA_ASSIGN_OR_RETURN(std::vector<store::InvoiceRecord> invoices,
                            store.InvoiceList(base->reference->id, 0));
    for (const store::InvoiceRecord& invoice : invoices) {
      base->reference_totals[invoice.org_unit] += invoice.total;
    }
  }
  ComputeOptions options;
  options.payment = request.payment;
  if (base->reference) {
    const std::map<int32_t, int64_t>& invoiced = base->reference_totals;
    options.include = [&invoiced](int32_t org_unit) { return invoiced.contains(org_unit); };
  }
  KENEYA_ASSIGN_OR_RETURN(base->baseline, Compute(store, metadata, base->program, period, options));
  base->rules = base->baseline.program();
  const ComputedRun& baseline = base->baseline;
  base->baseline_totals = rules::ComputeInvoiceTotals(baseline.compiled, baseline.payment,
                                                      baseline.result, *baseline.inputs);

  const Resolver resolver(metadata);
  for (const rules::FacilityFacts& facility : baseline.inputs->facilities) {
    for (const std::string* zone : {&facility.region, &facility.district}) {
      if (!base->zone_names.contains(*zone)) {
        base->zone_names.emplace(*zone, resolver.OrgUnitName(*zone));
      }
    }
  }
  base->read_seconds = SecondsSince(started);
  return std::shared_ptr<const SimulationBase>(std::move(base));
}

core::Result<Simulation> SimulateOn(const SimulationBase& base, const Overrides& overrides) {
  const auto started = std::chrono::steady_clock::now();
  const ComputedRun& baseline = base.baseline;
  const rules::RunInputs& inputs = *baseline.inputs;
  Simulation out;
  out.program = base.program;
  out.reference = base.reference;
  out.read_seconds = base.read_seconds;
  out.facilities = static_cast<int64_t>(inputs.facilities.size());

  // The changed program, compiled and run on the inputs in memory; its totals without invoices.
  rules::Program changed = base.rules;
  KENEYA_RETURN_IF_ERROR(CheckEnvelopeZones(overrides, changed, inputs));
  KENEYA_RETURN_IF_ERROR(ApplyOverrides(overrides, inputs.period, changed));
  std::vector<rules::ProgramProblem> problems;
  const rules::CompiledProgram compiled = rules::CompiledProgram::Compile(changed, problems);
  if (!problems.empty()) return core::InvalidArgument(ProblemsMessage(problems));
  KENEYA_ASSIGN_OR_RETURN(rules::RunResult result, compiled.Run(baseline.payment, inputs, {}));
  const rules::InvoiceTotals after =
      rules::ComputeInvoiceTotals(compiled, baseline.payment, result, inputs);
  const rules::InvoiceTotals& before = base.baseline_totals;

  const rules::PaymentRule& rule = baseline.payment_rule();
  for (const std::string& code : rule.packages) {
    const int k = baseline.compiled.PackageIndex(code);
    const rules::Package& package = baseline.program().packages[static_cast<size_t>(k)];
    out.packages.push_back(
        {package.code, package.name, package.name_en.empty() ? package.name : package.name_en});
  }
  const size_t P = out.packages.size();
  out.baseline_packages.assign(P, 0);
  out.simulation_packages.assign(P, 0);
  out.baseline_total = before.total;
  out.simulation_total = after.total;

  // Zones: the baseline's regions and districts, with what each side adds up to there.
  std::map<std::string, SimulatedZone> regions, districts;
  std::map<std::string, std::string> region_of;
  auto zone = [&](std::map<std::string, SimulatedZone>& zones, const std::string& code) {
    auto [it, fresh] = zones.try_emplace(code);
    if (fresh) {
      it->second.code = code;
      const auto name = base.zone_names.find(code);
      it->second.name = name == base.zone_names.end() ? code : name->second;
      it->second.baseline_packages.assign(P, 0);
      it->second.simulation_packages.assign(P, 0);
      if (base.reference) it->second.reference = 0;
    }
    return &it->second;
  };
  auto add = [&](const rules::InvoiceTotals::Facility& facility, bool simulated) {
    const rules::FacilityFacts& facts = inputs.facilities[static_cast<size_t>(facility.facility)];
    region_of[facts.district] = facts.region;
    for (SimulatedZone* z : {zone(regions, facts.region), zone(districts, facts.district)}) {
      (simulated ? z->simulation : z->baseline) += facility.total;
      auto& packages = simulated ? z->simulation_packages : z->baseline_packages;
      for (size_t p = 0; p < P; ++p) packages[p] += facility.packages[p];
    }
    auto& national = simulated ? out.simulation_packages : out.baseline_packages;
    for (size_t p = 0; p < P; ++p) national[p] += facility.packages[p];
  };
  for (const auto& facility : before.facilities) add(facility, false);
  // A zone only the simulation invoices (none today: the same inputs) is still shown.
  for (const auto& facility : after.facilities) add(facility, true);
  if (base.reference) {
    for (size_t f = 0; f < inputs.facilities.size(); ++f) {
      const auto total = base.reference_totals.find(baseline.org_units[f]);
      if (total == base.reference_totals.end()) continue;
      const rules::FacilityFacts& facts = inputs.facilities[f];
      region_of[facts.district] = facts.region;
      for (SimulatedZone* z : {zone(regions, facts.region), zone(districts, facts.district)}) {
        *z->reference += total->second;
      }
    }
  }
  std::map<std::string, int64_t> envelopes;
  for (const rules::ZoneBudget& b : after.budgets) {
    envelopes[b.zone] = b.envelope;
    if (b.requested > b.envelope) {
      const auto name = base.zone_names.find(b.zone);
      out.over_envelope.push_back(
          {b.zone, name == base.zone_names.end() ? b.zone : name->second, b.requested, b.envelope});
    }
  }
  for (auto* zones : {&regions, &districts}) {
    for (auto& [code, z] : *zones) {
      if (const auto e = envelopes.find(code); e != envelopes.end()) z.envelope = e->second;
    }
  }
  for (auto& [code, region] : regions) {
    for (auto& [district_code, district] : districts) {
      if (region_of[district_code] == code) region.districts.push_back(std::move(district));
    }
    out.regions.push_back(std::move(region));
  }

  // The facilities the change moves most.
  std::map<int, int64_t> before_by_facility;
  for (const auto& facility : before.facilities) {
    before_by_facility[facility.facility] = facility.total;
  }
  std::vector<SimulatedFacility> moved;
  for (const auto& facility : after.facilities) {
    const auto was = before_by_facility.find(facility.facility);
    const int64_t baseline_total = was == before_by_facility.end() ? 0 : was->second;
    if (facility.total == baseline_total) continue;
    const rules::FacilityFacts& facts = inputs.facilities[static_cast<size_t>(facility.facility)];
    const auto district = base.zone_names.find(facts.district);
    moved.push_back({baseline.org_units[static_cast<size_t>(facility.facility)], facts.uid,
                     facts.code, facts.name, facts.district, facts.region,
                     district == base.zone_names.end() ? facts.district : district->second,
                     baseline_total, facility.total});
  }
  auto size = [](const SimulatedFacility& f) { return std::llabs(f.simulation - f.baseline); };
  const size_t kept = std::min(kMostAffected, moved.size());
  std::partial_sort(moved.begin(), moved.begin() + static_cast<std::ptrdiff_t>(kept), moved.end(),
                    [&](const SimulatedFacility& a, const SimulatedFacility& b) {
                      return size(a) != size(b) ? size(a) > size(b) : a.name < b.name;
                    });
  moved.resize(kept);
  out.most_affected = std::move(moved);
  out.simulation_seconds = SecondsSince(started);
  return out;
}

core::Result<Simulation> Simulate(store::Store& store, const core::MetadataBundle& metadata,
                                  const core::Period& period, const SimulationRequest& request) {
  KENEYA_ASSIGN_OR_RETURN(std::shared_ptr<const SimulationBase> base,
                          PrepareSimulation(store, metadata, period, request));
  return SimulateOn(*base, request.overrides);
}

core::Result<std::shared_ptr<const SimulationBase>> SimulationCache::Get(
    store::Store& store, const core::MetadataBundle& metadata, const core::Period& period,
    const SimulationRequest& request) {
  KENEYA_ASSIGN_OR_RETURN(std::vector<int64_t> revision, store.DataRevision());
  const Key key{store.instance(), request.program, request.version, request.payment, period.Code()};
  {
    std::lock_guard lock(mutex_);
    auto it = entries_.find(key);
    if (it != entries_.end() && it->second.base->revision == revision) {
      it->second.used = ++clock_;
      return it->second.base;
    }
  }
  // Read outside the lock: other simulations go on meanwhile.
  KENEYA_ASSIGN_OR_RETURN(std::shared_ptr<const SimulationBase> base,
                          PrepareSimulation(store, metadata, period, request));
  std::lock_guard lock(mutex_);
  ++prepared_;
  entries_[key] = {base, ++clock_};
  while (entries_.size() > capacity_) {
    auto oldest = std::min_element(
        entries_.begin(), entries_.end(),
        [](const auto& a, const auto& b) { return a.second.used < b.second.used; });
    entries_.erase(oldest);
  }
  return base;
}

int64_t SimulationCache::prepared() const {
  std::lock_guard lock(mutex_);
  return prepared_;
}

SimulationCache& ProcessSimulationCache() {
  static SimulationCache cache;
  return cache;
}

}  // namespace keneya::fbr
