// Reading an FBR program from its files: one TOML file (programme.toml) and the CSV decision
// tables and budget envelopes it names, beside it. docs/RULES.md describes the format.
//
//   Result<ProgramSource> source = ReadProgramSource("programs/fbr-mali");
//   ParsedProgram parsed = ParseProgram(*source);
//   for (const ProgramProblem& p : parsed.problems) std::cerr << p.ToString() << "\n";
//
// Parsing checks the structure: TOML syntax, known keys and their types, required fields, codes
// given twice, dates, CSV headers and cells. Formulas are checked by the compiler
// (compiled_program.h). Every problem is reported, not only the first.
#ifndef KENEYA_RULES_PROGRAM_FILE_H_
#define KENEYA_RULES_PROGRAM_FILE_H_

#include <filesystem>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/result.h"
#include "rules/program.h"

namespace keneya::rules {

// A problem in a program, said where: "programme.toml:42", "tarifs.csv:7", or for a formula
// "programme.toml:42: quantite.montant, column 7".
struct ProgramProblem {
  std::string where;    // in English, for logs and tests
  std::string message;  // in English
  // The message and its place by id, for the reader's language; the place outermost first
  // ("programme.toml:42", then "quantite.montant, column 7"). `where` and `message` are their
  // English: a problem is made by Make, never from English text alone.
  core::Message text;
  std::vector<core::Message> place;

  // A problem from its message and place by id, with `where` and `message` in English.
  static ProgramProblem Make(core::Message text, std::vector<core::Message> place = {});
  // "where: message", in English.
  std::string ToString() const { return where.empty() ? message : where + ": " + message; }
  // "programme.toml:42 : ..." in `language`.
  std::string Describe(core::Language language) const;
};

// The text of a program's files. It is what the database stores for a program version.
struct ProgramSource {
  std::string toml_name;                     // "programme.toml"
  std::string toml;                          // its text
  std::map<std::string, std::string> files;  // the CSV files beside it: name -> text
};

// Reads a program: `path` is its TOML file, or a directory holding exactly one .toml file.
// The CSV files of the same directory come along. Errors: missing files, several .toml files.
core::Result<ProgramSource> ReadProgramSource(const std::filesystem::path& path);

// A program from files in memory (name, content): one .toml and its .csv files. Errors: no
// .toml file, or several.
core::Result<ProgramSource> ProgramSourceFromFiles(
    const std::vector<std::pair<std::string_view, std::string_view>>& files);

struct ParsedProgram {
  Program program;
  std::vector<ProgramProblem> problems;
  bool ok() const { return problems.empty(); }
};

ParsedProgram ParseProgram(const ProgramSource& source);

}  // namespace keneya::rules

#endif  // KENEYA_RULES_PROGRAM_FILE_H_
