// Simulations (`keneya simulate`): a program's payment computed for a period on the current
// data as it is (the baseline) and with other tariffs, rates or envelopes (the simulation),
// compared zone by zone. Nothing is stored.
//
//   Overrides overrides;
//   KENEYA_RETURN_IF_ERROR(ParseSetting("tariff[accouchement]=6000", overrides));
//   KENEYA_ASSIGN_OR_RETURN(Simulation s, Simulate(store, metadata, q1, {"FBR_MALI", {}, "",
//                                                                       overrides}));
//   for (const SimulatedZone& region : s.regions) ... region.simulation - region.baseline ...
#ifndef KENEYA_FBR_SIMULATION_H_
#define KENEYA_FBR_SIMULATION_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/metadata.h"
#include "core/period.h"
#include "core/result.h"
#include "fbr/invoice_run.h"
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

// A zone's invoiced totals in the baseline and in the simulation.
struct SimulatedZone {
  std::string code;  // a region or district code, as the facilities' facts give it
  std::string name;  // its name (the code when the database has no such org unit)
  int64_t baseline = 0;
  int64_t simulation = 0;
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

struct Simulation {
  store::ProgramRecord program;        // the version computed
  std::vector<SimulatedZone> regions;  // the baseline's regions in code order, with districts
  int64_t baseline_total = 0;
  int64_t simulation_total = 0;
  std::vector<OverEnvelope> over_envelope;  // in the order of the run's budgets
  double read_seconds = 0;                  // the data, read once for both
  double simulation_seconds = 0;            // the simulation computed on it
};

// Computes the baseline (Compute) and the simulation on the same inputs (Recompute). Errors:
// ProgramToUse's (files are not stored), Compute's, and the overrides' (an unknown constant,
// output or activity; an envelope for a zone without a facility under contract).
core::Result<Simulation> Simulate(store::Store& store, const core::MetadataBundle& metadata,
                                  const core::Period& period, const SimulationRequest& request);

}  // namespace keneya::fbr

#endif  // KENEYA_FBR_SIMULATION_H_
