// hesabucli's JSON shapes for `keneya solve`: a flat object of named equations in; the solution
// (name -> number or boolean) or {"errors": [{source, expression, message}]} out.
#ifndef KENEYA_IO_EQUATIONS_JSON_H_
#define KENEYA_IO_EQUATIONS_JSON_H_

#include <iosfwd>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/large_array.h"
#include "core/result.h"
#include "rules/equation_set.h"

namespace keneya::io {

// Reads {"name": "formula" | number, ...}. Unlike hesabucli, numbers are accepted as well as
// strings. Errors: kInvalidArgument "Invalid JSON" with the line and column, or naming the
// equation whose value is neither text nor a number.
core::Result<std::vector<rules::Equation>> ReadEquations(std::string_view json,
                                                         std::string_view file_name);

// The same, read in place: the equations' names and formulas are views into the file object,
// which holds the text (hundreds of thousands of equations, no copy of each).
class EquationFile {
 public:
  ~EquationFile();
  std::span<const rules::EquationView> equations() const { return equations_; }

  struct Impl;

 private:
  friend core::Result<std::unique_ptr<EquationFile>> ReadEquationFile(std::string_view,
                                                                      std::string_view);
  friend core::Result<std::unique_ptr<EquationFile>> LoadEquationFile(const std::string&);
  static core::Result<std::unique_ptr<EquationFile>> Parse(std::unique_ptr<EquationFile> file,
                                                           std::string_view file_name);
  EquationFile();
  std::unique_ptr<Impl> impl_;
  core::LargeVector<rules::EquationView> equations_;
};
core::Result<std::unique_ptr<EquationFile>> ReadEquationFile(std::string_view json,
                                                             std::string_view file_name);
// The same from a file, read straight into the parser's buffer.
core::Result<std::unique_ptr<EquationFile>> LoadEquationFile(const std::string& path);

// The solution or the errors, keys sorted, numbers as Go prints them (hesabucli is written in
// Go): 100, 91.66666666666666, 1e-07.
// Written as it is formatted, block by block, to `out`.
void WriteSolution(const rules::SolveResult& result, std::ostream& out);
std::string WriteSolution(const rules::SolveResult& result);

// Writes equations as hesabucli reads them: {"name": "formula", ...}, constants as texts
// ("12.5"), in the order given, one a line.
std::string WriteEquations(const std::vector<rules::Equation>& equations);

// A number as Go's encoding/json writes it.
std::string GoNumber(double value);
void AppendGoNumber(std::string& out, double value);

}  // namespace keneya::io

#endif  // KENEYA_IO_EQUATIONS_JSON_H_
