// hesabucli's JSON shapes for `keneya solve`: a flat object of named equations in; the solution
// (name -> number or boolean) or {"errors": [{source, expression, message}]} out.
#ifndef KENEYA_IO_EQUATIONS_JSON_H_
#define KENEYA_IO_EQUATIONS_JSON_H_

#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "rules/equation_set.h"

namespace keneya::io {

// Reads {"name": "formula" | number, ...}. Unlike hesabucli, numbers are accepted as well as
// strings. Errors: kInvalidArgument "Invalid JSON" with the line and column, or naming the
// equation whose value is neither text nor a number.
core::Result<std::vector<rules::Equation>> ReadEquations(std::string_view json,
                                                         std::string_view file_name);

// The solution or the errors, keys sorted, numbers as Go prints them (hesabucli is written in
// Go): 100, 91.66666666666666, 1e-07.
std::string WriteSolution(const rules::SolveResult& result);

// A number as Go's encoding/json writes it.
std::string GoNumber(double value);

}  // namespace keneya::io

#endif  // KENEYA_IO_EQUATIONS_JSON_H_
