// Imports DHIS2 data value sets into the store, as DHIS2 imports them, and says what happened in
// DHIS2's ImportSummary shape.
//
//   ImportOptions options;
//   options.actor = {"aminata", "file:declarations.json", ""};
//   Importer importer(store, options);
//   Result<ImportSummary> summary = importer.ImportFile("declarations.json", std::nullopt,
//   progress);
//
// Semantics (docs/DHIS2_IMPORT.md has the details and every difference from DHIS2):
// - Identifiers are resolved with id schemes UID, CODE, NAME or ATTRIBUTE:<uid>; the file's own
//   schemes beat the options', a specific scheme (dataElementIdScheme...) beats idScheme. ADX
//   defaults to CODE.
// - Each value is checked in DHIS2 2.40's order; the first failing check rejects it with a
//   conflict (errorCode, objects, property, and its 0-based index in the file). Conflicts are
//   grouped by code and objects. Rejected values are counted as ignored and the others are
//   written (status WARNING). A problem with the whole file (malformed, unknown data set, org
//   unit or attribute option combo in the header) is status ERROR and writes nothing; so is any
//   conflict with `atomic`.
// - A key given twice in one file: the first is applied, each repeat is a conflict (E8128).
// - Values are stored in the FBR state the options name (declared unless told).
// - The whole write is one bulk load: all or nothing, one import record, changes audited.
#ifndef KENEYA_IO_IMPORTER_H_
#define KENEYA_IO_IMPORTER_H_

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "core/date.h"
#include "core/metadata.h"
#include "core/result.h"
#include "io/data_value_set.h"
#include "io/id_scheme.h"
#include "io/import_summary.h"
#include "store/store.h"

namespace keneya::io {

// DHIS2's importStrategy names: CREATE_AND_UPDATE (the default), CREATE, UPDATE, DELETE, and the
// older plurals UPDATES and DELETES that DHIS2 still takes. InvalidArgument naming the expected
// names otherwise (where: "--strategy").
core::Result<store::LoadStrategy> ParseImportStrategy(std::string_view name);

struct ImportOptions {
  IdSchemes schemes;  // as given on the command line or in the query
  store::LoadStrategy strategy = store::LoadStrategy::kCreateAndUpdate;
  bool dry_run = false;
  bool atomic = false;  // any conflict rejects the whole file
  // DHIS2's strict options.
  bool strict_periods = false;
  bool strict_data_elements = false;
  bool strict_category_option_combos = false;
  bool strict_attribute_option_combos = false;
  bool strict_org_units = false;
  bool require_category_option_combo = false;
  bool require_attribute_option_combo = false;
  std::string state = "declared";  // the FBR state the values are
  store::Actor actor;
  std::optional<core::Date> today;  // for entry windows; default: the system date (UTC)
  // The store's metadata when the caller already holds it (a server between imports, a fuzz
  // target): the import then skips loading it. The caller vouches that it is the store's
  // current metadata. Null: loaded from the store at each import.
  std::shared_ptr<const core::MetadataBundle> metadata;
  // Where the importing user may act (the server's DHIS2 endpoints); unset: everywhere. An org
  // unit the user may not see is one that does not exist (E7603 in the header, E7612 in a
  // value: its existence does not leak); one the user sees but may not write this state at is
  // refused with E7617 (not in the user's hierarchy for writing).
  std::function<bool(const core::OrgUnit&)> may_see;
  std::function<bool(const core::OrgUnit&)> may_write;
  // Whether a value may change now (the FBR workflow: a period declared or validated, or locked
  // by an approved run: fbr::WriteGuard); a lock is the value's conflict, with DHIS2's code
  // (E7642: already approved; E7643: the period is not open) and its reason. An error aborts the
  // import (a database failure). Unset: nothing is locked.
  struct Lock {
    std::string code;
    core::Message text;
  };
  std::function<core::Result<std::optional<Lock>>(const core::DataValueKey&)> locked;
};

class Importer {
 public:
  Importer(store::Store& store, ImportOptions options);

  // Imports `bytes` (a whole file). Problems with the file or its values are in the summary
  // (status ERROR, or conflicts); an Error is returned only when the store fails (database down).
  core::Result<ImportSummary> Import(DataFormat format, std::string_view bytes,
                                     std::string_view file_name, const store::ProgressFn& progress);
  // Imports values from any source that calls a DataValueSetHandler, e.g. a DHIS2 pull
  // (Dhis2Client::PullDataValues); `source` names it in the import record and messages.
  core::Result<ImportSummary> ImportFrom(
      const std::function<core::Status(DataValueSetHandler&)>& read, std::string_view source,
      const store::ProgressFn& progress);
  // Reads and imports a file; the format comes from `format` or from the file name.
  core::Result<ImportSummary> ImportFile(const std::string& path, std::optional<DataFormat> format,
                                         const store::ProgressFn& progress);

 private:
  // Import() with the capacity of the buffer behind `bytes` (see ReadDataValueSet) and, when the
  // buffer is ours, what gives back its text before an offset (all of it once read).
  core::Result<ImportSummary> Run(DataFormat format, std::string_view bytes, size_t capacity,
                                  std::string_view file_name, const store::ProgressFn& progress,
                                  const std::function<void(size_t offset)>& release);
  // The import itself: reads through `read` (calling the handler it is given), checks, writes.
  core::Result<ImportSummary> Process(DataFormat format,
                                      const std::function<core::Status(DataValueSetHandler&)>& read,
                                      size_t expected_values, std::string_view file_name,
                                      const store::ProgressFn& progress);

  store::Store& store_;
  ImportOptions options_;
};

}  // namespace keneya::io

#endif  // KENEYA_IO_IMPORTER_H_
