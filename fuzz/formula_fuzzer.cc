// libFuzzer target for the formula parser and evaluator: any bytes must give a formula or an
// error, never a crash, a hang or undefined behaviour. Built and run by scripts/fuzz.
#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

#include "rules/formula.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  auto formula = keneya::rules::Formula::Parse(text);
  if (!formula.ok()) return 0;
  // Inputs of every kind, so that type errors are exercised too.
  std::vector<keneya::rules::Value> inputs;
  for (size_t i = 0; i < formula->variables().size(); ++i) {
    switch (i % 4) {
      case 0:
        inputs.push_back(keneya::rules::Value::Number(static_cast<double>(i) - 1.5));
        break;
      case 1:
        inputs.push_back(keneya::rules::Value::Boolean(i % 8 == 1));
        break;
      case 2:
        inputs.push_back(keneya::rules::Value::Number(0));
        break;
      default:
        inputs.push_back(keneya::rules::Value::Array({1, 2, 3}));
    }
  }
  (void)formula->Evaluate(inputs);
  return 0;
}
