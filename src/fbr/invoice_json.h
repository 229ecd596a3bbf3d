// The stored form of an invoice: its lines, and the snapshot of what it was computed from (the
// facility's facts, its inputs, the values of its zone), as JSON. Labels are not stored: they
// come from the program version the run names.
#ifndef KENEYA_FBR_INVOICE_JSON_H_
#define KENEYA_FBR_INVOICE_JSON_H_

#include <map>
#include <string>
#include <vector>

#include "core/result.h"
#include "rules/engine.h"
#include "rules/invoice.h"

namespace keneya::fbr {

std::string LinesToJson(const std::vector<rules::InvoiceLine>& lines);
// Reads lines back; labels and displays from `program`.
core::Result<std::vector<rules::InvoiceLine>> LinesFromJson(std::string_view json,
                                                            const rules::Program& program);

// A facility's inputs for a run: its facts, each present value, its zone's values.
struct Snapshot {
  rules::FacilityFacts facility;
  struct Item {
    std::string package, period, input, activity;
    double value = 0;
  };
  std::vector<Item> values;
  std::map<std::string, double> zones;  // "package.formula@period" -> value
};

Snapshot TakeSnapshot(const rules::CompiledProgram& program, int payment,
                      const rules::RunResult& result, const rules::RunInputs& inputs, int facility);
std::string SnapshotToJson(const Snapshot& snapshot);
core::Result<Snapshot> SnapshotFromJson(std::string_view json);

// The run's inputs for the snapshot's facility alone (its zone's values go in
// options.zone_values).
core::Result<rules::RunInputs> InputsFromSnapshot(const rules::CompiledProgram& program,
                                                  int payment, const core::Period& period,
                                                  const Snapshot& snapshot);

}  // namespace keneya::fbr

#endif  // KENEYA_FBR_INVOICE_JSON_H_
