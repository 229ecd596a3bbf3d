// Data entry: a facility's form for a data set, a period and a state (the declared numbers, the
// verified ones...), read and saved one cell at a time against the version the writer saw; and
// the audit trail of one value. Every function takes the acting user (docs/ACCESS.md: reading
// needs data_value R at the facility, writing the state's action: D declared, V verified, X
// any other).
//
//   KENEYA_ASSIGN_OR_RETURN(Form form, ReadForm(store, sight, {"FBR_QUANTITE", "ab12...",
//                                                               "202401", "declared"}));
//   KENEYA_ASSIGN_OR_RETURN(CellSaved saved, SaveCell(store, sight, write, actor));
//   if (saved.conflict) ... show saved.cell, the value someone else saved first ...
#ifndef KENEYA_FBR_DATA_ENTRY_H_
#define KENEYA_FBR_DATA_ENTRY_H_

#include <optional>
#include <string>
#include <vector>

#include "core/data_value.h"
#include "core/period.h"
#include "core/result.h"
#include "fbr/directory.h"
#include "fbr/workflow.h"
#include "store/store.h"

namespace keneya::fbr {

// A form: which data set, where, when, in which state. Keys are uids or codes.
struct FormRequest {
  std::string data_set;
  std::string org_unit;
  std::string period;  // a DHIS2 period of the data set's type ("202401")
  std::string state = "declared";
  std::string attribute_option_combo;  // empty: the default
};

struct FormCell {
  const core::DataElement* element = nullptr;
  const core::CategoryOptionCombo* combo = nullptr;
  // The stored row, live or deleted; none when the cell was never written.
  std::optional<core::DataValue> value;
  // The compared state's number (the declared one beside the verified), when there is one.
  std::optional<std::string> compared;
  // The version a write must name: the row's last_updated, 0 for a cell never written.
  core::TimestampMs version() const { return value ? value->last_updated : 0; }
};

struct Form {
  const core::DataSet* data_set = nullptr;
  const core::OrgUnit* org_unit = nullptr;
  core::Period period = core::Period::ForDate(core::PeriodType::kMonthly, core::Date());
  core::State state;
  std::optional<core::State> compared_state;  // verified: declared; validated: verified
  const core::CategoryOptionCombo* attribute_option_combo = nullptr;
  // Whether the user may write this state here, and the workflow lets it change (CheckWritable).
  bool editable = false;
  PeriodStatus status = PeriodStatus::kOpen;  // the facility-period's workflow status
  std::vector<FormCell> cells;  // the data set's elements in order, each with its combos
};

// Errors: NotFound for an unknown data set (where: dataSet) and for an org unit unknown or
// outside the user's scope (where: orgUnit); InvalidArgument for a malformed period, one of
// another type than the data set's (where: period), an unknown state (where: state) or combo;
// FailedPrecondition for an org unit the data set is not assigned to.
core::Result<Form> ReadForm(store::Store& store, const Sight& sight, const FormRequest& request);

// One value's key, by uids or codes.
struct CellRef {
  std::string data_element;
  std::string category_option_combo;   // empty: the element's default
  std::string attribute_option_combo;  // empty: the default
  std::string org_unit;
  std::string period;
  std::string state = "declared";
};

struct CellWrite {
  CellRef cell;
  // The new number or text; none or empty with an empty comment: the value is deleted.
  std::optional<std::string> value;
  std::string comment;
  bool followup = false;
  core::TimestampMs version = 0;  // the version the writer saw (FormCell::version())
};

struct CellSaved {
  // Someone else saved first: nothing was written, `cell` is what is stored now.
  bool conflict = false;
  store::WriteOutcome outcome = store::WriteOutcome::kUnchanged;
  FormCell cell;  // the cell as stored after the write (or as found, on a conflict)
};

// Saves one cell, audited under `actor`. Errors: those of ReadForm for the key; PermissionDenied
// where the user reads but may not write this state; InvalidArgument for a value that does not
// fit the element's type or option set (where: value), a comment over 50,000 bytes (where:
// comment), a period no data set of the element collects (where: period).
core::Result<CellSaved> SaveCell(store::Store& store, const Sight& sight, const CellWrite& write,
                                 const store::Actor& actor);

// A form saved at once: each cell saved on its own against the version its writer saw; a cell
// someone else changed is reported with what is stored now, a cell refused with why, and the
// others are saved all the same (never lost because of one).
struct FormWrite {
  std::string org_unit;
  std::string period;
  std::string state = "declared";
  std::string attribute_option_combo;  // empty: the default
  // Each cell's element, combo, value, comment, follow-up and version (the key fields above
  // fill the cell's org unit, period, state and attribute combo).
  std::vector<CellWrite> cells;
};

struct CellResult {
  CellRef cell;
  std::optional<CellSaved> saved;    // saved, unchanged, or a conflict (saved->conflict)
  std::optional<core::Error> error;  // refused: a value that does not fit, a held number...
};

// The user must be able to write the state at the org unit (checked once, before any cell:
// NotFound outside the scope, PermissionDenied inside it without the action); then every cell
// is saved or reported, in order.
core::Result<std::vector<CellResult>> SaveForm(store::Store& store, const Sight& sight,
                                               const FormWrite& form, const store::Actor& actor);

struct ValueHistory {
  FormCell cell;  // the value as stored now
  core::DataValueKey key;
  std::vector<store::AuditEntry> changes;       // oldest first
  std::optional<store::ImportRecord> imported;  // the bulk load that created the value
};

// A value's audit trail (who, when, from what, old and new). Errors: those of SaveCell's key.
core::Result<ValueHistory> GetValueHistory(store::Store& store, const Sight& sight,
                                           const CellRef& cell);

}  // namespace keneya::fbr

#endif  // KENEYA_FBR_DATA_ENTRY_H_
