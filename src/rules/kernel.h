// A formula compiled for columns: the engine evaluates it over many rows (facilities, or an
// activity of every facility) at once, chunk by chunk, instead of once per row. Internal to
// src/rules; compiled_program.cc builds and runs kernels.
//
// Types are checked when compiling, since a variable's kind (number, boolean, list of n) is the
// same on every row: a formula that Formula::Evaluate would refuse on every row (a number where
// IF wants a boolean, a text in arithmetic) is refused here with the same message, before
// anything is evaluated. Failures that depend on the row (an ACCESS index out of range, the
// square root of a negative number) mark the row; so do results that are not finite. The
// engine then asks Formula::Evaluate for the row's exact message.
//
// Kernels compute with the same doubles, in the same order, as Formula::Evaluate (numeric.h),
// so that a program and its flat equations (`keneya solve`) agree to the bit.
#ifndef KENEYA_RULES_KERNEL_H_
#define KENEYA_RULES_KERNEL_H_

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "core/result.h"
#include "rules/formula.h"

namespace keneya::rules {

// The kind of a variable, known before evaluation.
struct VariableType {
  Value::Kind kind = Value::Kind::kNumber;  // kNumber, kBoolean or kArray (of numbers)
  int length = 1;                           // items, for kArray
};

// Where a kernel reads an item of a variable on each row: a column (one double a row, a
// boolean as 0 or 1) or one value for every row.
struct Operand {
  const double* column = nullptr;  // row r's value is column[r]; null: `scalar`
  double scalar = 0;
};

class Kernel {
 public:
  // Compiles `formula` for variables of `types` (types[i] for formula.variables()[i]).
  // Errors: kInvalidArgument with the message Formula::Evaluate would give, where "column N".
  static core::Result<Kernel> Compile(const Formula& formula, std::span<const VariableType> types);

  // The kind of the result: kNumber or kBoolean (a list is refused when compiling).
  Value::Kind result_kind() const { return result_kind_; }
  // Operands the kernel reads: bindings[offset(i) + j] is item j of variable i.
  size_t binding_count() const { return binding_count_; }
  size_t binding_offset(size_t variable) const { return offsets_[variable]; }

  // Scratch space for one thread.
  struct Scratch {
    std::vector<double> registers;
    std::vector<double> gather;  // the arguments of a variadic function on one row
  };

  // Evaluates rows [begin, end) (end - begin <= kChunk) into out[begin..end), and sets
  // failed[r] = 1 for a row where a function failed (failed[r] is left alone otherwise).
  void Run(std::span<const Operand> bindings, size_t begin, size_t end, double* out,
           uint8_t* failed, Scratch& scratch) const;

  static constexpr size_t kChunk = 1024;

  // Internal representation (kernel.cc).
  enum class Code : uint8_t;
  struct Instruction;
  struct Ref;

  Kernel();
  ~Kernel();
  Kernel(Kernel&&) noexcept;
  Kernel& operator=(Kernel&&) noexcept;

 private:
  friend class KernelCompiler;
  std::vector<Instruction> code_;
  std::vector<Ref> refs_;  // operands of variadic instructions
  std::vector<size_t> offsets_;
  size_t binding_count_ = 0;
  int register_count_ = 0;
  Value::Kind result_kind_ = Value::Kind::kNumber;
  int result_register_ = 0;
};

}  // namespace keneya::rules

#endif  // KENEYA_RULES_KERNEL_H_
