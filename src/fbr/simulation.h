// Simulations (`keneya simulate`, the program page): a program's payment computed for a period on
// the current data as it is (the baseline) and with other tariffs, rates or envelopes (the
// simulation), compared zone by zone, facility by facility and with the reference run (the
// period's approved run). When the period has a reference run, both are computed for the
// facilities it invoiced (those it left out stay out); else for every facility under contract.
// Nothing is stored.
//
// What a simulation reads is read once (PrepareSimulation) and kept; each change is then
// computed on it (SimulateOn) without reading the store again, so that totals follow as one
// types. The server keeps the prepared bases in a SimulationCache, fresh while the data does not
// change (Store::DataRevision).
//
//   Overrides overrides;
//   KENEYA_RETURN_IF_ERROR(ParseSetting("tariff[accouchement]=6000", overrides));
//   KENEYA_ASSIGN_OR_RETURN(Simulation s, Simulate(store, metadata, q1, {"FBR_MALI", {}, "",
//                                                                       overrides}));
//   for (const SimulatedZone& region : s.regions) ... region.simulation - region.baseline ...
#ifndef KENEYA_FBR_SIMULATION_H_
#define KENEYA_FBR_SIMULATION_H_

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <tuple>
#include <vector>

#include "core/metadata.h"
#include "core/period.h"
#include "core/result.h"
#include "fbr/invoice_run.h"
#include "rules/invoice.h"
#include "store/store.h"

namespace keneya::fbr {

struct SimulationRequest {
  std::string program;         // a stored program's code, or its files (ProgramToUse)
  std::optional<int> version;  // the program's version; none: the one valid for the period
  std::string payment;         // the payment rule; empty: the program's first
  Overrides overrides;         // what the simulation changes (ParseSetting, ParseEnvelope)
  // A stored program only, never files (the server: a code must not reach the disk).
  bool stored_only = false;
};

// A zone's invoiced totals in the baseline, in the simulation and in the reference run.
struct SimulatedZone {
  std::string code;  // a region or district code, as the facilities' facts give it
  std::string name;  // its name (the code when the database has no such org unit)
  int64_t baseline = 0;
  int64_t simulation = 0;
  // Each package's amount (Simulation::packages' order), before bonuses and envelopes: what a
  // tariff changes directly.
  std::vector<int64_t> baseline_packages, simulation_packages;
  std::optional<int64_t> reference;      // the reference run's total, when there is one
  std::optional<int64_t> envelope;       // the simulation's envelope for the zone, if any
  std::vector<SimulatedZone> districts;  // a region's districts, in code order
};

// A zone whose invoices ask more than its envelope in the simulation: paid pro rata.
struct OverEnvelope {
  std::string code;
  std::string name;
  int64_t requested = 0;
  int64_t envelope = 0;
};

// A facility whose total the simulation changes.
struct SimulatedFacility {
  int32_t org_unit = 0;
  std::string uid, code, name, district, region;  // district and region: codes
  std::string district_name;
  int64_t baseline = 0;
  int64_t simulation = 0;
};

// The run a simulation is compared with: the period's newest approved (or published) run of the
// program and payment, else its newest run not superseded.
struct ReferenceRun {
  int64_t id = 0;
  int program_version = 0;
  std::string status;
  int64_t total = 0;
};

struct SimulatedPackage {
  std::string code, name, name_en;
};

struct Simulation {
  store::ProgramRecord program;            // the version computed
  std::vector<SimulatedPackage> packages;  // the payment rule's packages
  std::vector<SimulatedZone> regions;      // the baseline's regions in code order, with districts
  int64_t baseline_total = 0;
  int64_t simulation_total = 0;
  std::vector<int64_t> baseline_packages, simulation_packages;  // national, by package
  int64_t facilities = 0;  // the facilities computed: the reference run's, else under contract
  std::optional<ReferenceRun> reference;
  // The facilities the change moves most (largest difference first, then by name), at most
  // `kMostAffected`; facilities it does not move are left out.
  std::vector<SimulatedFacility> most_affected;
  std::vector<OverEnvelope> over_envelope;  // in the order of the run's budgets
  double read_seconds = 0;                  // the data, read once (when the base was prepared)
  double simulation_seconds = 0;            // the simulation computed on it
};
inline constexpr size_t kMostAffected = 10;

// What simulations of one program version, payment rule and period read: the program's rules,
// the baseline computed on the stored data (inputs and totals), the reference run's totals and
// the zones' names. Immutable once prepared: simulations share it across threads.
struct SimulationBase {
  store::ProgramRecord program;
  rules::Program rules;  // the version's rules as parsed, before any change
  ComputedRun baseline;
  rules::InvoiceTotals baseline_totals;
  std::optional<ReferenceRun> reference;
  std::map<int32_t, int64_t> reference_totals;    // the reference run's invoices, by org unit
  std::map<std::string, std::string> zone_names;  // region and district codes -> names
  std::vector<int64_t> revision;                  // Store::DataRevision when it was read
  double read_seconds = 0;
};

// Reads what simulations need. Errors: ProgramToUse's (files are not stored; a stored program
// only with `stored_only`), Compute's.
core::Result<std::shared_ptr<const SimulationBase>> PrepareSimulation(
    store::Store& store, const core::MetadataBundle& metadata, const core::Period& period,
    const SimulationRequest& request);

// The simulation of `overrides` on a prepared base (nothing read). Errors: the overrides' (an
// unknown constant, output or activity; an envelope for a zone without a facility under
// contract), the changed program's problems and the engine's.
core::Result<Simulation> SimulateOn(const SimulationBase& base, const Overrides& overrides);

// PrepareSimulation then SimulateOn: `keneya simulate`.
core::Result<Simulation> Simulate(store::Store& store, const core::MetadataBundle& metadata,
                                  const core::Period& period, const SimulationRequest& request);

// Prepared bases kept in memory, a few at a time (the most recently used), by database, program,
// version, payment rule and period; one is read again when the store's DataRevision has moved.
class SimulationCache {
 public:
  explicit SimulationCache(size_t capacity = 4) : capacity_(capacity) {}
  // PrepareSimulation's base, from memory when it is fresh.
  core::Result<std::shared_ptr<const SimulationBase>> Get(store::Store& store,
                                                          const core::MetadataBundle& metadata,
                                                          const core::Period& period,
                                                          const SimulationRequest& request);
  // Bases prepared (not found fresh in memory) since the cache was made.
  int64_t prepared() const;

 private:
  using Key = std::tuple<uint64_t, std::string, std::optional<int>, std::string, int32_t>;
  struct Entry {
    std::shared_ptr<const SimulationBase> base;
    uint64_t used = 0;
  };
  size_t capacity_;
  mutable std::mutex mutex_;
  std::map<Key, Entry> entries_;
  uint64_t clock_ = 0;
  int64_t prepared_ = 0;
};

// The process's cache, shared by the server's requests.
SimulationCache& ProcessSimulationCache();

}  // namespace keneya::fbr

#endif  // KENEYA_FBR_SIMULATION_H_
