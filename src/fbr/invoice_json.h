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
#include "store/fbr_records.h"

namespace keneya::fbr {

// A line's kind as stored and as the API writes it: "activity", "subtotal", "info", "payment",
// "envelope".
const char* InvoiceLineKindName(rules::InvoiceLine::Kind kind);

std::string LinesToJson(const std::vector<rules::InvoiceLine>& lines);
// Reads a stored invoice's lines back; labels and displays from `program`. Anything that is not
// what LinesToJson writes (not JSON, a line of unknown kind, a field of the wrong type) is a data
// error naming the invoice's row and column ("table invoice, row FBR-2024Q1-0001, column lines"):
// nothing is skipped or guessed.
core::Result<std::vector<rules::InvoiceLine>> LinesOf(const store::InvoiceRecord& invoice,
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
// Reads a stored invoice's snapshot back; a data error as for LinesOf (column snapshot).
core::Result<Snapshot> SnapshotOf(const store::InvoiceRecord& invoice);

// The run's inputs for the snapshot's facility alone (its zone's values go in
// options.zone_values).
core::Result<rules::RunInputs> InputsFromSnapshot(const rules::CompiledProgram& program,
                                                  int payment, const core::Period& period,
                                                  const Snapshot& snapshot);

}  // namespace keneya::fbr

#endif  // KENEYA_FBR_INVOICE_JSON_H_
