// libFuzzer target for hesabucli equation files (io::ReadEquations), the input of `keneya
// solve`. Beyond "no crash": a refused file's error reads as valid UTF-8 in English and French;
// an accepted file writes back (WriteEquations) as valid UTF-8 that reads again to the same
// equations (numbers given as numbers come back as strings, as hesabucli wants them); up to 200
// equations are also solved, and the solution writes as valid UTF-8.
#include <cstddef>
#include <cstdint>
#include <string>

#include "fuzz/fuzz_support.h"
#include "io/equations_json.h"
#include "rules/equation_set.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace keneya;
  using namespace keneya::fuzz;
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  auto equations = io::ReadEquations(bytes, "fuzz.json");
  if (!equations.ok()) {
    RequireReadable(equations.error());
    return 0;
  }
  const std::string written = io::WriteEquations(*equations);
  Require(core::IsValidUtf8(written), "the written equations are not UTF-8", written);
  auto again = io::ReadEquations(written, "written.json");
  if (!again.ok()) Broken("the written equations do not read again", again.error().ToString());
  Require(again->size() == equations->size(), "reading the written equations lost some", written);
  for (size_t i = 0; i < again->size(); ++i) {
    const rules::Equation& a = (*equations)[i];
    const rules::Equation& b = (*again)[i];
    // A number given as a number is written as a string, as hesabucli wants (GoNumber).
    const std::string expected = a.constant ? io::GoNumber(*a.constant) : a.expression;
    Require(a.name == b.name && b.expression == expected && !b.constant,
            "an equation read again differs", a.name + " = " + a.expression);
  }
  if (equations->size() <= 200) {
    const rules::SolveResult result = rules::SolveEquations(*equations);
    Require(core::IsValidUtf8(io::WriteSolution(result)), "the solution is not UTF-8");
  }
  return 0;
}
