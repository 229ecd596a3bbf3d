// The result of a data value import, in DHIS2's ImportSummary shape (2.38+), so that a client of
// DHIS2 reads Keneya's answer as it reads DHIS2's.
//
//   ImportSummary s = ...;
//   std::string json = ImportSummaryJson(s);          //
//   {"httpStatus":"Conflict",...,"response":{...}} std::string text = ImportSummaryText(s,
//   kFrench); // "Import terminé avec avertissements : ..."
#ifndef KENEYA_IO_IMPORT_SUMMARY_H_
#define KENEYA_IO_IMPORT_SUMMARY_H_

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "core/format.h"

namespace keneya::io {

enum class ImportStatus { kSuccess, kWarning, kError };
std::string_view ImportStatusName(ImportStatus status);  // "SUCCESS", "WARNING", "ERROR"

// One problem, grouped as DHIS2 groups them: by error code and objects, with the 0-based
// positions in the file of every value it rejected (none for a problem with the whole file).
struct ImportConflict {
  std::string object;  // the first of objects' values; empty when there is none
  std::vector<std::pair<std::string, std::string>> objects;  // {"dataElement": "uid"}, in order
  std::string value;       // DHIS2's message text (English, as DHIS2 writes it)
  std::string error_code;  // "E7610"...
  std::string property;    // "dataElement", "orgUnit"... or empty
  std::vector<size_t> indexes;
};

struct ImportCount {
  int64_t imported = 0;
  int64_t updated = 0;
  int64_t ignored = 0;
  int64_t deleted = 0;
};

struct ImportSummary {
  ImportStatus status = ImportStatus::kSuccess;
  std::string description;  // "Import process completed successfully", or why it was aborted
  ImportCount count;
  std::vector<ImportConflict> conflicts;
  std::vector<size_t> rejected_indexes;     // every rejected value's position, ascending
  std::string data_set_complete = "false";  // the completion date, when the import completed
  // Keneya's own: the import record (0 for a dry run or an import that wrote nothing), whether it
  // was a dry run, how many values the file held.
  int64_t import_id = 0;
  bool dry_run = false;
  int64_t values_read = 0;
};

// The 2.38+ WebMessage envelope with the summary as its response (status OK/WARNING/ERROR,
// httpStatusCode 200 or 409, as DHIS2 2.38-2.42 answer).
std::string ImportSummaryJson(const ImportSummary& summary);
// A short text for people, in French or English: status, counts, then each conflict with its
// code, what it concerns and the values it rejected.
std::string ImportSummaryText(const ImportSummary& summary, core::Language language);

}  // namespace keneya::io

#endif  // KENEYA_IO_IMPORT_SUMMARY_H_
