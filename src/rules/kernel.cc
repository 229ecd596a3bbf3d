#include "rules/kernel.h"

#include <cmath>
#include <cstdio>
#include <string_view>

#include "rules/formula_tree.h"
#include "rules/numeric.h"

namespace keneya::rules {

using core::Result;

enum class Kernel::Code : uint8_t {
  kNegate,
  kNot,
  kAdd,
  kSubtract,
  kMultiply,
  kDivide,
  kModulo,
  kPower,
  kEqual,
  kNotEqual,
  kLess,
  kLessEqual,
  kGreater,
  kGreaterEqual,
  kAnd,
  kOr,
  kSelect,  // a != 0 ? b : c
  kAbs,
  kSqrt,
  kRound,  // a, shift b
  kTrunc,
  kFloor,  // a, multiple b
  kCeiling,
  kSafeDiv,
  kSum,  // variadic over refs[first, first + count)
  kAvg,
  kMin,
  kMax,
  kStdevp,
  kScoreTable,
  kAccess,
};

// An operand while compiling and running: a register, a binding or an immediate number.
struct Kernel::Ref {
  enum class Kind : uint8_t { kRegister, kBinding, kImmediate };
  Kind kind = Kind::kImmediate;
  uint32_t index = 0;
  double immediate = 0;

  static Ref Register(int r) { return {Kind::kRegister, static_cast<uint32_t>(r), 0}; }
  static Ref Binding(size_t b) { return {Kind::kBinding, static_cast<uint32_t>(b), 0}; }
  static Ref Immediate(double x) { return {Kind::kImmediate, 0, x}; }
};

struct Kernel::Instruction {
  Code code = Code::kAdd;
  bool flags_failure = false;  // a failure marks the row (false inside ?:'s branches)
  int dst = 0;
  Ref a, b, c;
  uint32_t first = 0, count = 0;  // variadic operands in refs_
};

Kernel::Kernel() = default;
Kernel::~Kernel() = default;
Kernel::Kernel(Kernel&&) noexcept = default;
Kernel& Kernel::operator=(Kernel&&) noexcept = default;

// A value while compiling: its kind and where its items are.
struct CValue {
  Value::Kind kind = Value::Kind::kNumber;
  std::vector<Kernel::Ref> items;  // one for a number or boolean, n for a list
  std::string text;                // kString
  // For messages, as their {value}: "'verified'", "true", "the value at column 5".
  core::MessageArg description{"value", ""};
};

class KernelCompiler {
 public:
  KernelCompiler(Kernel& out, std::span<const VariableType> types) : out_(out), types_(types) {}

  Result<CValue> CompileRoot(const Formula& formula) {
    std::vector<CValue> variables;
    size_t offset = 0;
    out_.offsets_.clear();
    for (size_t i = 0; i < formula.variables().size(); ++i) {
      const VariableType& type = types_[i];
      CValue v;
      v.kind = type.kind;
      v.description = Quoted(formula.variables()[i]);
      out_.offsets_.push_back(offset);
      const int items = type.kind == Value::Kind::kArray ? type.length : 1;
      for (int j = 0; j < items; ++j) v.items.push_back(Kernel::Ref::Binding(offset + j));
      offset += static_cast<size_t>(items);
      variables.push_back(std::move(v));
    }
    out_.binding_count_ = offset;
    return Compile(formula.tree(), formula.tree().root, variables);
  }

 private:
  using Ref = Kernel::Ref;
  using Code = Kernel::Code;

  core::Error Problem(core::Message message, int column) {
    return FormulaError(std::move(message), column);
  }

  // A name or a text as messages show it: 'verified'.
  static core::MessageArg Quoted(const std::string& text) { return {"value", "'" + text + "'"}; }

  Ref Emit(Code code, Ref a, Ref b = {}, Ref c = {}) {
    Kernel::Instruction in;
    in.code = code;
    in.flags_failure = lazy_depth_ == 0;
    in.dst = out_.register_count_++;
    in.a = a;
    in.b = b;
    in.c = c;
    out_.code_.push_back(in);
    return Ref::Register(in.dst);
  }

  Ref EmitVariadic(Code code, const std::vector<Ref>& args) {
    Kernel::Instruction in;
    in.code = code;
    in.flags_failure = lazy_depth_ == 0;
    in.dst = out_.register_count_++;
    in.first = static_cast<uint32_t>(out_.refs_.size());
    in.count = static_cast<uint32_t>(args.size());
    out_.refs_.insert(out_.refs_.end(), args.begin(), args.end());
    out_.code_.push_back(in);
    return Ref::Register(in.dst);
  }

  static CValue Scalar(Value::Kind kind, Ref ref, core::MessageArg description) {
    CValue v;
    v.kind = kind;
    v.items.push_back(ref);
    v.description = std::move(description);
    return v;
  }

  static core::MessageArg Describe(const Formula::Node& n) {
    return {"value", core::Message("rules.kernel.value_at_column", {{"column", n.column}})};
  }

  // `operation` (Operation()): what the value is read for.
  Result<CValue> Number(const Formula::Impl& f, int32_t node, std::span<const CValue> vars,
                        core::MessageArg operation) {
    KENEYA_ASSIGN_OR_RETURN(CValue v, Compile(f, node, vars));
    if (v.kind != Value::Kind::kNumber) {
      return Problem(
          core::Message("rules.formula.expected_number",
                        {std::move(operation), v.description, {"kind", KindName(v.kind)}}),
          f.nodes[static_cast<size_t>(node)].column);
    }
    return v;
  }

  Result<CValue> Boolean(const Formula::Impl& f, int32_t node, std::span<const CValue> vars,
                         core::MessageArg operation) {
    KENEYA_ASSIGN_OR_RETURN(CValue v, Compile(f, node, vars));
    if (v.kind != Value::Kind::kBoolean) {
      return Problem(
          core::Message("rules.formula.expected_boolean",
                        {std::move(operation), v.description, {"kind", KindName(v.kind)}}),
          f.nodes[static_cast<size_t>(node)].column);
    }
    return v;
  }

  int32_t Arg(const Formula::Impl& f, const Formula::Node& n, int i) const {
    return f.args[static_cast<size_t>(n.first_arg + i)];
  }

  // Arguments as numbers, lists spread out (as Formula::Evaluate's Flatten).
  Result<std::vector<Ref>> Flatten(const Formula::Impl& f, const Formula::Node& n,
                                   std::span<const CValue> vars,
                                   const core::MessageArg& operation) {
    std::vector<Ref> out;
    for (int i = 0; i < n.arg_count; ++i) {
      KENEYA_ASSIGN_OR_RETURN(CValue v, Compile(f, Arg(f, n, i), vars));
      if (v.kind == Value::Kind::kNumber || v.kind == Value::Kind::kArray) {
        out.insert(out.end(), v.items.begin(), v.items.end());
      } else {
        return Problem(
            core::Message(
                "rules.formula.expects_numbers",
                {operation, {"position", i + 1}, {"kind", KindName(v.kind)}, v.description}),
            f.nodes[static_cast<size_t>(Arg(f, n, i))].column);
      }
    }
    return out;
  }

  Result<CValue> Compile(const Formula::Impl& f, int32_t index, std::span<const CValue> vars) {
    const Formula::Node& n = f.nodes[static_cast<size_t>(index)];
    switch (n.op) {
      case Op::kNumber:
        return Scalar(Value::Kind::kNumber, Ref::Immediate(n.number),
                      {"value", FormatNumber(n.number)});
      case Op::kBoolean:
        return Scalar(Value::Kind::kBoolean, Ref::Immediate(n.number),
                      {"value", n.number != 0 ? "true" : "false"});
      case Op::kString: {
        CValue v;
        v.kind = Value::Kind::kString;
        v.text = f.strings[static_cast<size_t>(n.index)];
        v.description = Quoted(v.text);
        return v;
      }
      case Op::kVariable:
        return vars[static_cast<size_t>(n.index)];
      case Op::kNegate: {
        KENEYA_ASSIGN_OR_RETURN(CValue x, Number(f, n.a, vars, Operation("-")));
        return Scalar(Value::Kind::kNumber, Emit(Code::kNegate, x.items[0]), Describe(n));
      }
      case Op::kNot: {
        KENEYA_ASSIGN_OR_RETURN(CValue x, Boolean(f, n.a, vars, Operation("NOT")));
        return Scalar(Value::Kind::kBoolean, Emit(Code::kNot, x.items[0]), Describe(n));
      }
      case Op::kAnd:
      case Op::kOr: {
        const std::string_view name = n.op == Op::kAnd ? "AND" : "OR";
        KENEYA_ASSIGN_OR_RETURN(CValue x, Boolean(f, n.a, vars, Operation(name)));
        KENEYA_ASSIGN_OR_RETURN(CValue y, Boolean(f, n.b, vars, Operation(name)));
        return Scalar(Value::Kind::kBoolean,
                      Emit(n.op == Op::kAnd ? Code::kAnd : Code::kOr, x.items[0], y.items[0]),
                      Describe(n));
      }
      case Op::kEqual:
      case Op::kNotEqual:
        return CompileEquality(f, n, vars);
      case Op::kLess:
      case Op::kLessEqual:
      case Op::kGreater:
      case Op::kGreaterEqual: {
        KENEYA_ASSIGN_OR_RETURN(CValue x, Number(f, n.a, vars, InComparison()));
        KENEYA_ASSIGN_OR_RETURN(CValue y, Number(f, n.b, vars, InComparison()));
        const Code code = n.op == Op::kLess        ? Code::kLess
                          : n.op == Op::kLessEqual ? Code::kLessEqual
                          : n.op == Op::kGreater   ? Code::kGreater
                                                   : Code::kGreaterEqual;
        return Scalar(Value::Kind::kBoolean, Emit(code, x.items[0], y.items[0]), Describe(n));
      }
      case Op::kAdd:
      case Op::kSubtract:
      case Op::kMultiply:
      case Op::kDivide:
      case Op::kModulo:
      case Op::kPower: {
        KENEYA_ASSIGN_OR_RETURN(CValue x, Number(f, n.a, vars, InArithmetic()));
        KENEYA_ASSIGN_OR_RETURN(CValue y, Number(f, n.b, vars, InArithmetic()));
        const Code code = n.op == Op::kAdd        ? Code::kAdd
                          : n.op == Op::kSubtract ? Code::kSubtract
                          : n.op == Op::kMultiply ? Code::kMultiply
                          : n.op == Op::kDivide   ? Code::kDivide
                          : n.op == Op::kModulo   ? Code::kModulo
                                                  : Code::kPower;
        return Scalar(Value::Kind::kNumber, Emit(code, x.items[0], y.items[0]), Describe(n));
      }
      case Op::kTernary: {
        // Lazy in Formula::Evaluate: a failure in the branch not taken does not count.
        KENEYA_ASSIGN_OR_RETURN(CValue condition, Boolean(f, n.a, vars, Operation("?:")));
        ++lazy_depth_;
        auto yes = Compile(f, n.b, vars);
        auto no = yes.ok() ? Compile(f, n.c, vars) : Result<CValue>(yes.error());
        --lazy_depth_;
        if (!yes.ok()) return yes.error();
        if (!no.ok()) return no.error();
        return Select(condition.items[0], *yes, *no, n, Operation("?:"));
      }
      case Op::kList: {
        KENEYA_ASSIGN_OR_RETURN(std::vector<Ref> items, Flatten(f, n, vars, InList()));
        CValue v;
        v.kind = Value::Kind::kArray;
        v.items = std::move(items);
        v.description = Describe(n);
        return v;
      }
      default:  // Op::kCall
        return CompileCall(f, n, vars);
    }
  }

  // The two results of a choice must be of one kind, so that a column has one kind.
  Result<CValue> Select(Ref condition, const CValue& yes, const CValue& no, const Formula::Node& n,
                        const core::MessageArg& operation) {
    if (yes.kind != no.kind || yes.items.size() != no.items.size() ||
        yes.kind == Value::Kind::kString) {
      if (yes.kind == Value::Kind::kString && no.kind == Value::Kind::kString) {
        return Problem(core::Message("rules.kernel.results_are_texts", {operation}), n.column);
      }
      return Problem(
          core::Message("rules.kernel.results_differ",
                        {operation, {"first", KindName(yes.kind)}, {"second", KindName(no.kind)}}),
          n.column);
    }
    CValue v;
    v.kind = yes.kind;
    v.description = Describe(n);
    for (size_t i = 0; i < yes.items.size(); ++i) {
      v.items.push_back(Emit(Code::kSelect, condition, yes.items[i], no.items[i]));
    }
    return v;
  }

  Result<CValue> CompileEquality(const Formula::Impl& f, const Formula::Node& n,
                                 std::span<const CValue> vars) {
    KENEYA_ASSIGN_OR_RETURN(CValue x, Compile(f, n.a, vars));
    KENEYA_ASSIGN_OR_RETURN(CValue y, Compile(f, n.b, vars));
    if (x.kind != y.kind) {
      return Problem(core::Message("rules.formula.cannot_compare",
                                   {{"left", KindName(x.kind)}, {"right", KindName(y.kind)}}),
                     n.column);
    }
    const bool equal_op = n.op == Op::kEqual;
    if (x.kind == Value::Kind::kString) {
      const bool equal = x.text == y.text;
      return Scalar(Value::Kind::kBoolean, Ref::Immediate(equal == equal_op ? 1 : 0), Describe(n));
    }
    if (x.items.size() != y.items.size()) {  // lists of different lengths
      return Scalar(Value::Kind::kBoolean, Ref::Immediate(equal_op ? 0 : 1), Describe(n));
    }
    // Item by item; a list is equal when all its items are.
    Ref all = Ref::Immediate(1);
    for (size_t i = 0; i < x.items.size(); ++i) {
      Ref same = Emit(Code::kEqual, x.items[i], y.items[i]);
      all = i == 0 ? same : Emit(Code::kAnd, all, same);
    }
    if (!equal_op) all = Emit(Code::kNot, all);
    return Scalar(Value::Kind::kBoolean, all, Describe(n));
  }

  Result<CValue> CompileCall(const Formula::Impl& f, const Formula::Node& n,
                             std::span<const CValue> vars) {
    switch (n.function) {
      case Function::kIf: {
        KENEYA_ASSIGN_OR_RETURN(CValue condition, Compile(f, Arg(f, n, 0), vars));
        if (condition.kind != Value::Kind::kBoolean) {
          return Problem(core::Message("rules.kernel.if_not_boolean", {condition.description}),
                         f.nodes[static_cast<size_t>(Arg(f, n, 0))].column);
        }
        KENEYA_ASSIGN_OR_RETURN(CValue yes, Compile(f, Arg(f, n, 1), vars));
        KENEYA_ASSIGN_OR_RETURN(CValue no, Compile(f, Arg(f, n, 2), vars));
        return Select(condition.items[0], yes, no, n, Operation("IF"));
      }
      case Function::kArray: {
        KENEYA_ASSIGN_OR_RETURN(std::vector<Ref> items, Flatten(f, n, vars, Operation("ARRAY")));
        CValue v;
        v.kind = Value::Kind::kArray;
        v.items = std::move(items);
        v.description = Describe(n);
        return v;
      }
      case Function::kEvalArray:
        return CompileEvalArray(f, n, vars);
      default:
        break;
    }
    const std::string_view name = FunctionName(n.function);
    KENEYA_ASSIGN_OR_RETURN(std::vector<Ref> a, Flatten(f, n, vars, Operation(name)));
    auto need = [&](size_t count) -> core::Status {
      if (a.size() < count) return Problem(NeedsAtLeast(name, count, a.size()), n.column);
      return core::OkStatus();
    };
    auto number = [&](Ref r) { return Scalar(Value::Kind::kNumber, r, Describe(n)); };
    // ROUND's and TRUNC's digits, FLOOR's and CEILING's multiple: only when exactly two values.
    switch (n.function) {
      case Function::kSum:
        return number(EmitVariadic(Code::kSum, a));
      case Function::kAvg:
        return number(EmitVariadic(Code::kAvg, a));
      case Function::kMin:
        KENEYA_RETURN_IF_ERROR(need(1));
        return number(EmitVariadic(Code::kMin, a));
      case Function::kMax:
        KENEYA_RETURN_IF_ERROR(need(1));
        return number(EmitVariadic(Code::kMax, a));
      case Function::kAbs:
        KENEYA_RETURN_IF_ERROR(need(1));
        return number(Emit(Code::kAbs, a[0]));
      case Function::kSqrt:
        KENEYA_RETURN_IF_ERROR(need(1));
        return number(Emit(Code::kSqrt, a[0]));
      case Function::kRound:
        KENEYA_RETURN_IF_ERROR(need(1));
        return number(Emit(Code::kRound, a[0], a.size() == 2 ? a[1] : Ref::Immediate(0)));
      case Function::kTrunc:
        KENEYA_RETURN_IF_ERROR(need(1));
        return number(Emit(Code::kTrunc, a[0], a.size() == 2 ? a[1] : Ref::Immediate(0)));
      case Function::kFloor:
        KENEYA_RETURN_IF_ERROR(need(1));
        return number(Emit(Code::kFloor, a[0], a.size() == 2 ? a[1] : Ref::Immediate(1)));
      case Function::kCeiling:
        KENEYA_RETURN_IF_ERROR(need(1));
        return number(Emit(Code::kCeiling, a[0], a.size() == 2 ? a[1] : Ref::Immediate(1)));
      case Function::kSafeDiv:
        KENEYA_RETURN_IF_ERROR(need(2));
        return number(Emit(Code::kSafeDiv, a[0], a[1]));
      case Function::kScoreTable:
        KENEYA_RETURN_IF_ERROR(need(1));
        return number(EmitVariadic(Code::kScoreTable, a));
      case Function::kAccess:
        KENEYA_RETURN_IF_ERROR(need(2));
        return number(EmitVariadic(Code::kAccess, a));
      default:  // Function::kStdevp
        KENEYA_RETURN_IF_ERROR(need(1));
        return number(EmitVariadic(Code::kStdevp, a));
    }
  }

  Result<CValue> CompileEvalArray(const Formula::Impl& f, const Formula::Node& n,
                                  std::span<const CValue> vars) {
    const std::string& key1 =
        f.strings[static_cast<size_t>(f.nodes[static_cast<size_t>(Arg(f, n, 0))].index)];
    const std::string& key2 =
        f.strings[static_cast<size_t>(f.nodes[static_cast<size_t>(Arg(f, n, 2))].index)];
    auto values_of = [&](int i) -> Result<std::vector<Ref>> {
      KENEYA_ASSIGN_OR_RETURN(CValue v, Compile(f, Arg(f, n, i), vars));
      if (v.kind == Value::Kind::kNumber || v.kind == Value::Kind::kArray) return v.items;
      return Problem(core::Message("rules.formula.eval_array_expects_numbers",
                                   {{"name", i == 1 ? key1 : key2}, {"kind", KindName(v.kind)}}),
                     f.nodes[static_cast<size_t>(Arg(f, n, i))].column);
    };
    KENEYA_ASSIGN_OR_RETURN(std::vector<Ref> first, values_of(1));
    KENEYA_ASSIGN_OR_RETURN(std::vector<Ref> second, values_of(3));
    if (first.size() != second.size()) {
      return Problem(EvalArraySizes(key1, key2, first.size(), second.size()), n.column);
    }
    const Formula& meta = f.sub_formulas[static_cast<size_t>(n.index)];
    std::vector<int> source(meta.variables().size(), -1);
    for (size_t v = 0; v < meta.variables().size(); ++v) {
      if (meta.variables()[v] == key1) source[v] = 1;
      if (meta.variables()[v] == key2) source[v] = 2;
      if (source[v] < 0) {
        return Problem(EvalArrayUnknownName(meta.variables()[v], key1, key2), n.column);
      }
    }
    CValue result;
    result.kind = Value::Kind::kArray;
    result.description = Describe(n);
    std::vector<CValue> meta_vars(meta.variables().size());
    for (size_t i = 0; i < first.size(); ++i) {
      for (size_t v = 0; v < meta_vars.size(); ++v) {
        meta_vars[v] = Scalar(Value::Kind::kNumber, source[v] == 1 ? first[i] : second[i],
                              Quoted(meta.variables()[v]));
      }
      auto item = Compile(meta.tree(), meta.tree().root, meta_vars);
      if (!item.ok()) {
        return Problem(EvalArrayFailed(item.error()), n.column);
      }
      if (item->kind != Value::Kind::kNumber && item->kind != Value::Kind::kBoolean) {
        return Problem(core::Message("rules.formula.eval_array_not_numbers"), n.column);
      }
      result.items.push_back(item->items[0]);  // a boolean counts as 1 or 0
    }
    return result;
  }

  Kernel& out_;
  std::span<const VariableType> types_;
  int lazy_depth_ = 0;
};

Result<Kernel> Kernel::Compile(const Formula& formula, std::span<const VariableType> types) {
  Kernel kernel;
  KernelCompiler compiler(kernel, types);
  KENEYA_ASSIGN_OR_RETURN(CValue result, compiler.CompileRoot(formula));
  if (result.kind == Value::Kind::kArray || result.kind == Value::Kind::kString) {
    return FormulaError(
        core::Message("rules.kernel.not_number_or_boolean", {{"kind", KindName(result.kind)}}), 1);
  }
  kernel.result_kind_ = result.kind;
  // The result in a register of its own, so that Run copies one place.
  const Ref r = result.items[0];
  if (r.kind == Ref::Kind::kRegister) {
    kernel.result_register_ = static_cast<int>(r.index);
  } else {
    // A constant or a variable as is: copy it with a select that always takes it.
    Instruction in;
    in.code = Code::kSelect;
    in.dst = kernel.register_count_++;
    in.a = Ref::Immediate(1);
    in.b = r;
    in.c = r;
    kernel.code_.push_back(in);
    kernel.result_register_ = in.dst;
  }
  return kernel;
}

namespace {

// An operand resolved for a chunk: a pointer and a stride (0 for one value for all rows).
struct Source {
  const double* p;
  size_t stride;
  double operator[](size_t i) const { return p[i * stride]; }
};

template <typename F>
void Unary(size_t n, Source a, double* d, F f) {
  if (a.stride == 1) {
    for (size_t i = 0; i < n; ++i) d[i] = f(a.p[i]);
  } else {
    const double x = f(a.p[0]);
    for (size_t i = 0; i < n; ++i) d[i] = x;
  }
}

template <typename F>
void Binary(size_t n, Source a, Source b, double* d, F f) {
  if (a.stride == 1 && b.stride == 1) {
    for (size_t i = 0; i < n; ++i) d[i] = f(a.p[i], b.p[i]);
  } else if (a.stride == 1) {
    const double y = b.p[0];
    for (size_t i = 0; i < n; ++i) d[i] = f(a.p[i], y);
  } else if (b.stride == 1) {
    const double x = a.p[0];
    for (size_t i = 0; i < n; ++i) d[i] = f(x, b.p[i]);
  } else {
    const double z = f(a.p[0], b.p[0]);
    for (size_t i = 0; i < n; ++i) d[i] = z;
  }
}

}  // namespace

void Kernel::Run(std::span<const Operand> bindings, size_t begin, size_t end, double* out,
                 uint8_t* failed, Scratch& scratch) const {
  const size_t n = end - begin;
  if (scratch.registers.size() < static_cast<size_t>(register_count_) * kChunk) {
    scratch.registers.resize(static_cast<size_t>(register_count_) * kChunk);
  }
  double* registers = scratch.registers.data();
  auto source = [&](const Ref& r) -> Source {
    switch (r.kind) {
      case Ref::Kind::kRegister:
        return {registers + r.index * kChunk, 1};
      case Ref::Kind::kBinding: {
        const Operand& o = bindings[r.index];
        if (o.column != nullptr) return {o.column + begin, 1};
        return {&o.scalar, 0};
      }
      default:
        return {&r.immediate, 0};
    }
  };
  auto flag = [&](const Instruction& in, size_t i) {
    if (in.flags_failure) failed[begin + i] = 1;
  };
  for (const Instruction& in : code_) {
    double* d = registers + static_cast<size_t>(in.dst) * kChunk;
    const Source a = in.count == 0 ? source(in.a) : Source{nullptr, 0};
    switch (in.code) {
      case Code::kNegate:
        Unary(n, a, d, [](double x) { return -x; });
        break;
      case Code::kNot:
        Unary(n, a, d, [](double x) { return x != 0 ? 0.0 : 1.0; });
        break;
      case Code::kAbs:
        Unary(n, a, d, [](double x) { return std::fabs(x); });
        break;
      case Code::kSqrt:
        for (size_t i = 0; i < n; ++i) {
          const double x = a[i];
          if (x < 0) {
            d[i] = std::nan("");
            flag(in, i);
          } else {
            d[i] = std::sqrt(x);
          }
        }
        break;
      case Code::kAdd:
        Binary(n, a, source(in.b), d, [](double x, double y) { return x + y; });
        break;
      case Code::kSubtract:
        Binary(n, a, source(in.b), d, [](double x, double y) { return x - y; });
        break;
      case Code::kMultiply:
        Binary(n, a, source(in.b), d, [](double x, double y) { return x * y; });
        break;
      case Code::kDivide:
        Binary(n, a, source(in.b), d, [](double x, double y) { return x / y; });
        break;
      case Code::kModulo:
        Binary(n, a, source(in.b), d, [](double x, double y) { return std::fmod(x, y); });
        break;
      case Code::kPower:
        Binary(n, a, source(in.b), d, [](double x, double y) { return std::pow(x, y); });
        break;
      case Code::kEqual:
        Binary(n, a, source(in.b), d, [](double x, double y) { return x == y ? 1.0 : 0.0; });
        break;
      case Code::kNotEqual:
        Binary(n, a, source(in.b), d, [](double x, double y) { return x != y ? 1.0 : 0.0; });
        break;
      case Code::kLess:
        Binary(n, a, source(in.b), d, [](double x, double y) { return x < y ? 1.0 : 0.0; });
        break;
      case Code::kLessEqual:
        Binary(n, a, source(in.b), d, [](double x, double y) { return x <= y ? 1.0 : 0.0; });
        break;
      case Code::kGreater:
        Binary(n, a, source(in.b), d, [](double x, double y) { return x > y ? 1.0 : 0.0; });
        break;
      case Code::kGreaterEqual:
        Binary(n, a, source(in.b), d, [](double x, double y) { return x >= y ? 1.0 : 0.0; });
        break;
      case Code::kAnd:
        Binary(n, a, source(in.b), d,
               [](double x, double y) { return x != 0 && y != 0 ? 1.0 : 0.0; });
        break;
      case Code::kOr:
        Binary(n, a, source(in.b), d,
               [](double x, double y) { return x != 0 || y != 0 ? 1.0 : 0.0; });
        break;
      case Code::kSafeDiv:
        Binary(n, a, source(in.b), d, [](double x, double y) { return numeric::SafeDiv(x, y); });
        break;
      case Code::kRound:
      case Code::kTrunc: {
        // b holds the digits, or the immediate 0 for none (a shift of 1 either way).
        const Source b = source(in.b);
        const bool round = in.code == Code::kRound;
        Binary(n, a, b, d, [round](double x, double digits) {
          const double shift = digits == 0 ? 1.0 : numeric::DecimalShift(digits);
          return round ? numeric::Round(x, shift) : numeric::Trunc(x, shift);
        });
        break;
      }
      case Code::kFloor:
        Binary(n, a, source(in.b), d, [](double x, double m) { return numeric::Floor(x, m); });
        break;
      case Code::kCeiling:
        Binary(n, a, source(in.b), d, [](double x, double m) { return numeric::Ceiling(x, m); });
        break;
      case Code::kSelect: {
        const Source b = source(in.b);
        const Source c = source(in.c);
        for (size_t i = 0; i < n; ++i) d[i] = a[i] != 0 ? b[i] : c[i];
        break;
      }
      default: {  // variadic
        const size_t count = in.count;
        if (scratch.gather.size() < count) scratch.gather.resize(count);
        double* g = scratch.gather.data();
        Source sources[8];
        std::vector<Source> many;
        Source* s = sources;
        if (count > 8) {
          many.resize(count);
          s = many.data();
        }
        for (size_t k = 0; k < count; ++k) s[k] = source(refs_[in.first + k]);
        if (in.code == Code::kSum) {
          // Summed in place, in order, as numeric::Sum does.
          for (size_t i = 0; i < n; ++i) d[i] = 0;
          for (size_t k = 0; k < count; ++k) {
            const Source x = s[k];
            if (x.stride == 1) {
              for (size_t i = 0; i < n; ++i) d[i] += x.p[i];
            } else {
              for (size_t i = 0; i < n; ++i) d[i] += x.p[0];
            }
          }
          break;
        }
        for (size_t i = 0; i < n; ++i) {
          for (size_t k = 0; k < count; ++k) g[k] = s[k][i];
          switch (in.code) {
            case Code::kAvg:
              d[i] = numeric::Avg(g, count);
              break;
            case Code::kMin:
              d[i] = numeric::Min(g, count);
              break;
            case Code::kMax:
              d[i] = numeric::Max(g, count);
              break;
            case Code::kStdevp:
              d[i] = numeric::Stdevp(g, count);
              break;
            case Code::kScoreTable:
              d[i] = numeric::ScoreTable(g, count);
              break;
            default: {  // kAccess: the index is the last value
              const double index = g[count - 1];
              if (numeric::AccessIndexValid(index, count - 1)) {
                d[i] = g[static_cast<size_t>(index)];
              } else {
                d[i] = std::nan("");
                flag(in, i);
              }
            }
          }
        }
      }
    }
  }
  const double* result = registers + static_cast<size_t>(result_register_) * kChunk;
  for (size_t i = 0; i < n; ++i) out[begin + i] = result[i];
}

}  // namespace keneya::rules
