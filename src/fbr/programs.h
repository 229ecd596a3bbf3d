// keneya::fbr - FBR programs, contracts and invoice runs over the store: what `keneya check`,
// `compute`, `explain`, `simulate` and the invoice exports do. It wires the rules engine
// (src/rules) to the store (src/store).
//
// Programs: a program's files are checked (parsed, compiled, and compared with the database's
// metadata), then stored as an immutable version; a run uses the version valid for its period.
#ifndef KENEYA_FBR_PROGRAMS_H_
#define KENEYA_FBR_PROGRAMS_H_

#include <optional>
#include <string>
#include <vector>

#include "core/metadata.h"
#include "core/period.h"
#include "core/result.h"
#include "rules/engine.h"
#include "rules/program_file.h"
#include "store/store.h"

namespace keneya::fbr {

// A program read and checked: every problem found, all at once.
struct CheckedProgram {
  rules::ProgramSource source;
  rules::Program program;
  rules::CompiledProgram compiled;
  std::vector<rules::ProgramProblem> problems;
  bool ok() const { return problems.empty(); }
};

// Parses and compiles. With `metadata` (and the store's states), also checks that the data
// elements, category option combos, states and org unit groups the program names exist.
CheckedProgram CheckProgram(const rules::ProgramSource& source,
                            const core::MetadataBundle* metadata = nullptr,
                            const std::vector<core::State>* states = nullptr);

// The stored form of a program's files, and back.
store::ProgramRecord ToRecord(const rules::ProgramSource& source, const rules::Program& program);
core::Result<rules::ProgramSource> FromRecord(const store::ProgramRecord& record);

// The program version to compute `period` with: `version` when given; otherwise the newest
// version of `code` valid on the period's first day.
core::Result<store::ProgramRecord> ProgramFor(store::Store& store, std::string_view code,
                                              const core::Period& period,
                                              std::optional<int> version = std::nullopt);

// Checks a program's files and stores them as a version. Refused, with every problem, when the
// program has any; nothing is stored then.
// A program's files checked against the database's metadata and states: the record to store,
// or one error listing every problem ("3 problems in the program, nothing stored: ...").
core::Result<store::ProgramRecord> CheckedRecord(store::Store& store,
                                                 const core::MetadataBundle& metadata,
                                                 const rules::ProgramSource& source);

core::Result<store::ProgramRecord> LoadProgram(store::Store& store,
                                               const rules::ProgramSource& source,
                                               const store::Actor& actor);

// Whether a command's or request's "program" names files (a directory or a .toml file) rather
// than a stored program's code.
bool IsProgramPath(std::string_view text);

// Refuses `record` when its code and version are stored with other files (their checksum
// differs): the store would refuse to save it, so say so before computing anything.
core::Status RefuseChangedVersion(store::Store& store, const store::ProgramRecord& record);

// The program version to compute `period` with, from what a user named: files (read, checked
// against the database; with `to_store`, refused when their version is stored with other
// content, since they are stored with the run they produce) or a stored program's code (the
// version given, else the one valid for the period: ProgramFor).
core::Result<store::ProgramRecord> ProgramToUse(store::Store& store,
                                                const core::MetadataBundle& metadata,
                                                std::string_view program,
                                                const core::Period& period,
                                                std::optional<int> version, bool to_store);

// The problems one a line, each after its place ("tarifs.csv:3: ..."), in the reader's
// language.
core::Message ProblemsMessage(const std::vector<rules::ProgramProblem>& problems);
// A place given outermost first ("programme.toml:42", "quantite.montant, column 7") as one
// message; an empty message for no place.
core::Message PlaceMessage(const std::vector<core::Message>& place);

// The newest version of a program takes a date (ProgramFor): what replaces version `p` is the
// first newer version of the same program valid on one of its days, from the day it takes over
// until it or `p` ends (open when both are open). Nothing when no newer version overlaps it.
struct Replaced {
  int version = 0;
  core::Date from;
  std::optional<core::Date> to;
};
std::optional<Replaced> Replacement(const std::vector<store::ProgramRecord>& all,
                                    const store::ProgramRecord& p);

}  // namespace keneya::fbr

#endif  // KENEYA_FBR_PROGRAMS_H_
