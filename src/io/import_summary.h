// The result of a data value import, in DHIS2's ImportSummary shape (2.38+), so that a client of
// DHIS2 reads Keneya's answer as it reads DHIS2's.
//
//   ImportSummary s = ...;
//   std::string json = ImportSummaryJson(s);   // {"httpStatus":"Conflict",...,"response":{...}}
//   std::string text = ImportSummaryText(s, core::Language::kFrench);
//                                              // "Import terminé avec des conflits : ..."
#ifndef KENEYA_IO_IMPORT_SUMMARY_H_
#define KENEYA_IO_IMPORT_SUMMARY_H_

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "core/format.h"
#include "core/message.h"
#include "core/result.h"

namespace keneya::io {

enum class ImportStatus { kSuccess, kWarning, kError };
std::string_view ImportStatusName(ImportStatus status);  // "SUCCESS", "WARNING", "ERROR"

// One problem, grouped as DHIS2 groups them: by error code and objects, with the 0-based
// positions in the file of every value it rejected (none for a problem with the whole file).
struct ImportConflict {
  std::string object;  // the first of objects' values; empty when there is none
  std::vector<std::pair<std::string, std::string>> objects;  // {"dataElement": "uid"}, in order
  std::string value;  // DHIS2's message text (English, as DHIS2 writes it)
  // The same text for people, by id: a conflict Keneya finds has its catalogue message, whose
  // English is `value`; one DHIS2 answered has `value` verbatim. May be empty (a conflict built
  // elsewhere): ConflictText() then gives `value` verbatim.
  core::Message text;
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
  // The description for people, by id (`description` is its English, DHIS2's field). Empty when
  // DHIS2 wrote the summary: ImportSummaryText then shows `description` as it is.
  core::Message description_text;
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

// The text of a conflict for people: `text`, or else `value` as DHIS2 wrote it.
core::Message ConflictText(const ImportConflict& conflict);

// An error as one message: its text, then its place in parentheses, as core::Describe renders
// it ("malformed JSON: ... (declarations.json:1:43)").
core::Message ErrorText(const core::Error& error);

// The 2.38+ WebMessage envelope with the summary as its response (status OK/WARNING/ERROR,
// httpStatusCode 200 or 409, as DHIS2 2.38-2.42 answer).
std::string ImportSummaryJson(const ImportSummary& summary);
// A short text for people, in French or English: status, counts, then each conflict with its
// code, what it concerns and the values it rejected.
std::string ImportSummaryText(const ImportSummary& summary, core::Language language);

// Pieces of the texts for people, shared with PushResultText (dhis2_client.h).
// "[dry run: nothing written] <summary>" when `dry_run`, else `summary`.
core::Message DryRunIf(bool dry_run, core::Message summary);
// "E7610 <text> (dataElement f7n9E0hX8qk, period 201201)": the conflict's code and objects
// around `text`.
core::Message ConflictLine(const ImportConflict& conflict, core::Message text);
// "<line>; value 3", "<line>; values 3, 8, 12" (the first ten, then how many more); "values"
// even for one when `always_plural`.
core::Message ConflictPositions(core::Message line, const std::vector<size_t>& indexes,
                                bool always_plural);

}  // namespace keneya::io

#endif  // KENEYA_IO_IMPORT_SUMMARY_H_
