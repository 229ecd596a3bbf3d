#include "rules/formula.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <limits>
#include <optional>

#include "rules/formula_tree.h"
#include "rules/numeric.h"

namespace keneya::rules {

using core::Result;

namespace {

// ---- Lexer ----

enum class Token : uint8_t {
  kEnd,
  kNumber,
  kIdentifier,
  kString,
  kLeftParen,
  kRightParen,
  kComma,
  kPlus,
  kMinus,
  kStar,
  kSlash,
  kPercent,
  kPower,
  kEqual,
  kNotEqual,
  kLess,
  kLessEqual,
  kGreater,
  kGreaterEqual,
  kAnd,
  kOr,
  kNot,
  kQuestion,
  kColon,
  kTrue,
  kFalse,
  kInvalid,
};

struct Lexeme {
  Token token = Token::kEnd;
  std::string_view text;
  int column = 0;  // 1-based
  double number = 0;
};

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(a[i])) !=
        std::tolower(static_cast<unsigned char>(b[i]))) {
      return false;
    }
  }
  return true;
}

bool IsIdentifierStart(char c) { return std::isalpha(static_cast<unsigned char>(c)) || c == '_'; }
bool IsIdentifierChar(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; }

class Lexer {
 public:
  explicit Lexer(std::string_view text) : text_(text) {}

  Lexeme Next() {
    while (pos_ < text_.size() && std::isspace(static_cast<unsigned char>(text_[pos_]))) ++pos_;
    Lexeme l;
    l.column = static_cast<int>(pos_) + 1;
    if (pos_ >= text_.size()) return l;
    const size_t start = pos_;
    const char c = text_[pos_];
    auto two = [&](char second) { return pos_ + 1 < text_.size() && text_[pos_ + 1] == second; };
    auto make = [&](Token t, size_t length) {
      pos_ += length;
      l.token = t;
      l.text = text_.substr(start, length);
      return l;
    };
    if (std::isdigit(static_cast<unsigned char>(c)) ||
        (c == '.' && pos_ + 1 < text_.size() &&
         std::isdigit(static_cast<unsigned char>(text_[pos_ + 1])))) {
      size_t end = pos_;
      while (end < text_.size() && std::isdigit(static_cast<unsigned char>(text_[end]))) ++end;
      if (end < text_.size() && text_[end] == '.') {
        ++end;
        while (end < text_.size() && std::isdigit(static_cast<unsigned char>(text_[end]))) ++end;
      }
      if (end < text_.size() && (text_[end] == 'e' || text_[end] == 'E')) {
        size_t exponent = end + 1;
        if (exponent < text_.size() && (text_[exponent] == '+' || text_[exponent] == '-')) {
          ++exponent;
        }
        if (exponent < text_.size() && std::isdigit(static_cast<unsigned char>(text_[exponent]))) {
          end = exponent;
          while (end < text_.size() && std::isdigit(static_cast<unsigned char>(text_[end]))) ++end;
        }
      }
      std::string number(text_.substr(start, end - start));
      if (number.front() == '.') number.insert(number.begin(), '0');
      if (number.back() == '.') number.push_back('0');
      l.number = std::strtod(number.c_str(), nullptr);
      return make(Token::kNumber, end - start);
    }
    if (IsIdentifierStart(c)) {
      size_t end = pos_;
      while (end < text_.size() && IsIdentifierChar(text_[end])) ++end;
      const std::string_view word = text_.substr(start, end - start);
      Token t = Token::kIdentifier;
      if (EqualsIgnoreCase(word, "and")) t = Token::kAnd;
      if (EqualsIgnoreCase(word, "or")) t = Token::kOr;
      if (EqualsIgnoreCase(word, "not")) t = Token::kNot;
      if (EqualsIgnoreCase(word, "true")) t = Token::kTrue;
      if (EqualsIgnoreCase(word, "false")) t = Token::kFalse;
      return make(t, end - start);
    }
    if (c == '\'' || c == '"') {
      const size_t close = text_.find(c, pos_ + 1);
      if (close == std::string_view::npos) return make(Token::kInvalid, text_.size() - pos_);
      l.token = Token::kString;
      l.text = text_.substr(start + 1, close - start - 1);
      pos_ = close + 1;
      return l;
    }
    switch (c) {
      case '(':
        return make(Token::kLeftParen, 1);
      case ')':
        return make(Token::kRightParen, 1);
      case ',':
        return make(Token::kComma, 1);
      case '+':
        return make(Token::kPlus, 1);
      case '-':
        return make(Token::kMinus, 1);
      case '*':
        return two('*') ? make(Token::kPower, 2) : make(Token::kStar, 1);
      case '^':
        return make(Token::kPower, 1);
      case '/':
        return make(Token::kSlash, 1);
      case '%':
        return make(Token::kPercent, 1);
      case '=':
        return two('=') ? make(Token::kEqual, 2) : make(Token::kEqual, 1);
      case '!':
        return two('=') ? make(Token::kNotEqual, 2) : make(Token::kNot, 1);
      case '<':
        if (two('=')) return make(Token::kLessEqual, 2);
        if (two('>')) return make(Token::kNotEqual, 2);
        return make(Token::kLess, 1);
      case '>':
        return two('=') ? make(Token::kGreaterEqual, 2) : make(Token::kGreater, 1);
      case '&':
        return two('&') ? make(Token::kAnd, 2) : make(Token::kInvalid, 1);
      case '|':
        return two('|') ? make(Token::kOr, 2) : make(Token::kInvalid, 1);
      case '?':
        return make(Token::kQuestion, 1);
      case ':':
        return make(Token::kColon, 1);
      default: {
        // A whole character, not its first byte: "unexpected character 'é'" must stay UTF-8.
        size_t length = 1;
        while ((static_cast<unsigned char>(c) & 0xC0) == 0xC0 && length < 4 &&
               pos_ + length < text_.size() &&
               (static_cast<unsigned char>(text_[pos_ + length]) & 0xC0) == 0x80) {
          ++length;
        }
        return make(Token::kInvalid, length);
      }
    }
  }

 private:
  std::string_view text_;
  size_t pos_ = 0;
};

struct FunctionInfo {
  std::string_view name;
  Function function;
  int min_args;
  int max_args;  // -1: any
};

constexpr FunctionInfo kFunctions[] = {
    {"SUM", Function::kSum, 0, -1},
    {"AVG", Function::kAvg, 1, -1},
    {"MIN", Function::kMin, 1, -1},
    {"MAX", Function::kMax, 1, -1},
    {"ABS", Function::kAbs, 1, 1},
    {"ROUND", Function::kRound, 1, 2},
    {"TRUNC", Function::kTrunc, 1, 2},
    {"FLOOR", Function::kFloor, 1, 2},
    {"CEILING", Function::kCeiling, 1, 2},
    {"SAFE_DIV", Function::kSafeDiv, 2, 2},
    {"SCORE_TABLE", Function::kScoreTable, 1, -1},
    {"ACCESS", Function::kAccess, 2, -1},
    {"ARRAY", Function::kArray, 0, -1},
    {"EVAL_ARRAY", Function::kEvalArray, 5, 5},
    {"STDEVP", Function::kStdevp, 1, -1},
    {"IF", Function::kIf, 3, 3},
    {"SQRT", Function::kSqrt, 1, 1},
};

const FunctionInfo* FindFunction(std::string_view name) {
  for (const FunctionInfo& f : kFunctions) {
    if (EqualsIgnoreCase(f.name, name)) return &f;
  }
  return nullptr;
}

// "1 argument", "2 arguments".
core::Message Arguments(int count) {
  if (count == 1) return core::Message("rules.formula.one_argument", {{"count", count}});
  return core::Message("rules.formula.arguments", {{"count", count}});
}

// What a function takes: "2 arguments", "at least 1 argument", "1 or 2 arguments".
core::Message ExpectedArguments(const FunctionInfo& f) {
  if (f.min_args == f.max_args) return Arguments(f.min_args);
  if (f.max_args < 0) {
    return core::Message("rules.formula.at_least", {{"arguments", Arguments(f.min_args)}});
  }
  return core::Message("rules.formula.either",
                       {{"min", f.min_args}, {"arguments", Arguments(f.max_args)}});
}

core::Message Unexpected(std::string_view token) {
  return core::Message("rules.formula.unexpected", {{"token", token}});
}

core::Message UnexpectedCharacter(std::string_view character) {
  return core::Message("rules.formula.unexpected_character", {{"character", character}});
}

// ---- Parser (precedence climbing) ----

class Parser {
 public:
  Parser(std::string_view text, Formula::Impl& out) : lexer_(text), out_(out) { Advance(); }

  Result<int32_t> ParseAll() {
    KENEYA_ASSIGN_OR_RETURN(int32_t root, ParseTernary());
    if (current_.token == Token::kRightParen) {
      return Problem(core::Message("rules.formula.unbalanced_parenthesis"), current_.column);
    }
    if (current_.token == Token::kInvalid) {
      return Problem(UnexpectedCharacter(current_.text), current_.column);
    }
    if (current_.token != Token::kEnd) return Problem(Unexpected(current_.text), current_.column);
    return root;
  }

 private:
  void Advance() { current_ = lexer_.Next(); }

  core::Error Problem(core::Message message, int column) {
    return FormulaError(std::move(message), column);
  }

  int32_t Add(Formula::Node node) {
    // The tree's depth below each node: evaluation recurses that deep.
    int below = 0;
    for (int32_t child : {node.a, node.b, node.c}) {
      if (child >= 0) below = std::max(below, tree_depth_[static_cast<size_t>(child)]);
    }
    for (int32_t i = 0; i < node.arg_count; ++i) {
      const int32_t arg = out_.args[static_cast<size_t>(node.first_arg + i)];
      below = std::max(below, tree_depth_[static_cast<size_t>(arg)]);
    }
    tree_depth_.push_back(below + 1);
    out_.nodes.push_back(node);
    return static_cast<int32_t>(out_.nodes.size() - 1);
  }

  // Nesting deeper than this is refused rather than risking the stack (no real formula comes
  // near it).
  static constexpr int kMaxDepth = 256;
  struct DepthGuard {
    int& depth;
    explicit DepthGuard(int& d) : depth(d) { ++depth; }
    ~DepthGuard() { --depth; }
  };

  core::Error TooDeep() {
    return Problem(core::Message("rules.formula.nested_too_deeply"), current_.column);
  }

  Result<int32_t> ParseTernary() {
    DepthGuard guard(depth_);
    if (depth_ > kMaxDepth) return TooDeep();
    KENEYA_ASSIGN_OR_RETURN(int32_t condition, ParseBinary(0));
    if (current_.token != Token::kQuestion) return condition;
    const int column = current_.column;
    Advance();
    KENEYA_ASSIGN_OR_RETURN(int32_t yes, ParseTernary());
    if (current_.token != Token::kColon) {
      return Problem(core::Message("rules.formula.expected_colon", {{"column", column}}),
                     current_.column);
    }
    Advance();
    KENEYA_ASSIGN_OR_RETURN(int32_t no, ParseTernary());
    Formula::Node n;
    n.op = Op::kTernary;
    n.column = column;
    n.a = condition;
    n.b = yes;
    n.c = no;
    return Add(n);
  }

  // Binary operators by precedence level (higher binds tighter).
  static int Precedence(Token t) {
    switch (t) {
      case Token::kOr:
        return 1;
      case Token::kAnd:
        return 2;
      case Token::kEqual:
      case Token::kNotEqual:
        return 3;
      case Token::kLess:
      case Token::kLessEqual:
      case Token::kGreater:
      case Token::kGreaterEqual:
        return 4;
      case Token::kPlus:
      case Token::kMinus:
        return 5;
      case Token::kStar:
      case Token::kSlash:
      case Token::kPercent:
        return 6;
      default:
        return 0;
    }
  }

  static Op OpOf(Token t) {
    switch (t) {
      case Token::kOr:
        return Op::kOr;
      case Token::kAnd:
        return Op::kAnd;
      case Token::kEqual:
        return Op::kEqual;
      case Token::kNotEqual:
        return Op::kNotEqual;
      case Token::kLess:
        return Op::kLess;
      case Token::kLessEqual:
        return Op::kLessEqual;
      case Token::kGreater:
        return Op::kGreater;
      case Token::kGreaterEqual:
        return Op::kGreaterEqual;
      case Token::kPlus:
        return Op::kAdd;
      case Token::kMinus:
        return Op::kSubtract;
      case Token::kStar:
        return Op::kMultiply;
      case Token::kSlash:
        return Op::kDivide;
      default:
        return Op::kModulo;
    }
  }

  Result<int32_t> ParseBinary(int min_precedence) {
    KENEYA_ASSIGN_OR_RETURN(int32_t left, ParseUnary());
    while (true) {
      const int precedence = Precedence(current_.token);
      if (precedence == 0 || precedence <= min_precedence) return left;
      Formula::Node n;
      n.op = OpOf(current_.token);
      n.column = current_.column;
      Advance();
      KENEYA_ASSIGN_OR_RETURN(int32_t right, ParseBinary(precedence));
      n.a = left;
      n.b = right;
      left = Add(n);
      // A chain "a + b + c + ..." grows the tree one level a term without nesting the parser:
      // its depth is bounded here, as nesting is by DepthGuard (found by the formula fuzzer).
      if (tree_depth_.back() > kMaxDepth) {
        return Problem(core::Message("rules.formula.nested_too_deeply"), n.column);
      }
    }
  }

  Result<int32_t> ParseUnary() {
    DepthGuard guard(depth_);
    if (depth_ > kMaxDepth) return TooDeep();
    if (current_.token == Token::kMinus || current_.token == Token::kNot ||
        current_.token == Token::kPlus) {
      const Token t = current_.token;
      const int column = current_.column;
      Advance();
      KENEYA_ASSIGN_OR_RETURN(int32_t operand, ParseUnary());
      if (t == Token::kPlus) return operand;
      Formula::Node n;
      n.op = t == Token::kMinus ? Op::kNegate : Op::kNot;
      n.column = column;
      n.a = operand;
      return Add(n);
    }
    return ParsePower();
  }

  // a ** b, right-associative, binds tighter than unary minus: -2 ** 2 = -4.
  Result<int32_t> ParsePower() {
    KENEYA_ASSIGN_OR_RETURN(int32_t base, ParsePrimary());
    if (current_.token != Token::kPower) return base;
    Formula::Node n;
    n.op = Op::kPower;
    n.column = current_.column;
    Advance();
    KENEYA_ASSIGN_OR_RETURN(int32_t exponent, ParseUnary());
    n.a = base;
    n.b = exponent;
    return Add(n);
  }

  // Arguments up to the closing parenthesis; `open_column` for the unbalanced message.
  Result<std::vector<int32_t>> ParseList(int open_column) {
    std::vector<int32_t> items;
    if (current_.token == Token::kRightParen) {
      Advance();
      return items;
    }
    while (true) {
      KENEYA_ASSIGN_OR_RETURN(int32_t item, ParseTernary());
      items.push_back(item);
      if (current_.token == Token::kComma) {
        Advance();
        continue;
      }
      if (current_.token == Token::kRightParen) {
        Advance();
        return items;
      }
      if (current_.token == Token::kEnd) {
        return Problem(core::Message("rules.formula.unbalanced_parenthesis"), open_column);
      }
      return Problem(
          core::Message("rules.formula.expected_comma_or_parenthesis", {{"token", current_.text}}),
          current_.column);
    }
  }

  Result<int32_t> ParsePrimary() {
    const Lexeme l = current_;
    switch (l.token) {
      case Token::kNumber: {
        if (!std::isfinite(l.number)) {
          return Problem(core::Message("rules.formula.number_too_large", {{"number", l.text}}),
                         l.column);
        }
        Advance();
        Formula::Node n;
        n.op = Op::kNumber;
        n.number = l.number;
        n.column = l.column;
        return Add(n);
      }
      case Token::kTrue:
      case Token::kFalse: {
        Advance();
        Formula::Node n;
        n.op = Op::kBoolean;
        n.number = l.token == Token::kTrue ? 1 : 0;
        n.column = l.column;
        return Add(n);
      }
      case Token::kString: {
        Advance();
        Formula::Node n;
        n.op = Op::kString;
        n.index = static_cast<int32_t>(out_.strings.size());
        out_.strings.emplace_back(l.text);
        n.column = l.column;
        return Add(n);
      }
      case Token::kLeftParen: {
        Advance();
        KENEYA_ASSIGN_OR_RETURN(std::vector<int32_t> items, ParseList(l.column));
        if (items.empty()) {
          return Problem(core::Message("rules.formula.empty_parentheses"), l.column);
        }
        if (items.size() == 1) return items[0];
        // (a, b, c): a list, as Hesabu writes arrays.
        Formula::Node n;
        n.op = Op::kList;
        n.column = l.column;
        n.first_arg = static_cast<int32_t>(out_.args.size());
        n.arg_count = static_cast<int32_t>(items.size());
        out_.args.insert(out_.args.end(), items.begin(), items.end());
        return Add(n);
      }
      case Token::kIdentifier: {
        Advance();
        if (current_.token == Token::kLeftParen) return ParseCall(l);
        Formula::Node n;
        n.op = Op::kVariable;
        n.column = l.column;
        const std::string name(l.text);
        auto it = std::find(out_.variables.begin(), out_.variables.end(), name);
        n.index = static_cast<int32_t>(it - out_.variables.begin());
        if (it == out_.variables.end()) out_.variables.push_back(name);
        return Add(n);
      }
      case Token::kEnd:
        return Problem(
            core::Message(l.column == 1 ? "rules.formula.empty" : "rules.formula.ends_too_early"),
            l.column);
      case Token::kRightParen:
        return Problem(core::Message("rules.formula.value_missing"), l.column);
      case Token::kInvalid:
        if (!l.text.empty() && (l.text[0] == '\'' || l.text[0] == '"')) {
          return Problem(core::Message("rules.formula.text_not_closed"), l.column);
        }
        return Problem(UnexpectedCharacter(l.text), l.column);
      default:
        return Problem(Unexpected(l.text), l.column);
    }
  }

  Result<int32_t> ParseCall(const Lexeme& name) {
    const int open_column = current_.column;
    Advance();  // '('
    // The arguments first: an unclosed parenthesis is reported before an unknown name.
    KENEYA_ASSIGN_OR_RETURN(std::vector<int32_t> items, ParseList(open_column));
    const FunctionInfo* info = FindFunction(name.text);
    if (info == nullptr) {
      return Problem(core::Message("rules.formula.undefined_function", {{"name", name.text}}),
                     name.column);
    }
    const int count = static_cast<int>(items.size());
    if (count < info->min_args || (info->max_args >= 0 && count > info->max_args)) {
      return Problem(core::Message("rules.formula.takes", {{"function", info->name},
                                                           {"expected", ExpectedArguments(*info)},
                                                           {"count", count}}),
                     name.column);
    }
    Formula::Node n;
    n.op = Op::kCall;
    n.function = info->function;
    n.column = name.column;
    if (info->function == Function::kEvalArray) {
      // EVAL_ARRAY('a', values, 'b', values, 'meta formula'): names and formula are literals.
      for (int i : {0, 2, 4}) {
        if (out_.nodes[static_cast<size_t>(items[static_cast<size_t>(i)])].op != Op::kString) {
          return Problem(
              core::Message("rules.formula.eval_array_needs_text", {{"position", i + 1}}),
              out_.nodes[static_cast<size_t>(items[static_cast<size_t>(i)])].column);
        }
      }
      const std::string& meta =
          out_.strings[static_cast<size_t>(out_.nodes[static_cast<size_t>(items[4])].index)];
      auto sub = Formula::Parse(meta);
      if (!sub.ok()) {
        return Problem(core::Message("rules.formula.eval_array_unreadable",
                                     {{"formula", meta},
                                      {"reason", sub.error().text},
                                      {"where", ColumnPlace(ErrorColumn(sub.error()))}}),
                       out_.nodes[static_cast<size_t>(items[4])].column);
      }
      n.index = static_cast<int32_t>(out_.sub_formulas.size());
      out_.sub_formulas.push_back(std::move(sub).value());
    }
    n.first_arg = static_cast<int32_t>(out_.args.size());
    n.arg_count = count;
    out_.args.insert(out_.args.end(), items.begin(), items.end());
    if (std::find(out_.functions.begin(), out_.functions.end(), info->function) ==
        out_.functions.end()) {
      out_.functions.push_back(info->function);
    }
    return Add(n);
  }

  Lexer lexer_;
  Lexeme current_;
  Formula::Impl& out_;
  int depth_ = 0;
  std::vector<int> tree_depth_;  // for each node of out_.nodes
};

// ---- Evaluation ----

class Evaluator {
 public:
  Evaluator(const Formula::Impl& f, std::span<const Value> inputs) : f_(f), inputs_(inputs) {}

  Result<Value> Eval(int32_t index) {
    const Formula::Node& n = f_.nodes[static_cast<size_t>(index)];
    switch (n.op) {
      case Op::kNumber:
        return Value::Number(n.number);
      case Op::kBoolean:
        return Value::Boolean(n.number != 0);
      case Op::kString:
        return Value::String(f_.strings[static_cast<size_t>(n.index)]);
      case Op::kVariable:
        if (static_cast<size_t>(n.index) >= inputs_.size()) {
          return Problem(core::Message("rules.formula.no_parameter",
                                       {{"name", f_.variables[static_cast<size_t>(n.index)]}}),
                         n.column);
        }
        return inputs_[static_cast<size_t>(n.index)];
      case Op::kNegate: {
        KENEYA_ASSIGN_OR_RETURN(double x, Number(n.a, Operation("-")));
        return Value::Number(-x);
      }
      case Op::kNot: {
        KENEYA_ASSIGN_OR_RETURN(bool x, Boolean(n.a, Operation("NOT")));
        return Value::Boolean(!x);
      }
      case Op::kAnd:
      case Op::kOr: {
        // Both sides are evaluated and must be booleans, as in Hesabu.
        const std::string_view name = n.op == Op::kAnd ? "AND" : "OR";
        KENEYA_ASSIGN_OR_RETURN(bool x, Boolean(n.a, Operation(name)));
        KENEYA_ASSIGN_OR_RETURN(bool y, Boolean(n.b, Operation(name)));
        return Value::Boolean(n.op == Op::kAnd ? (x && y) : (x || y));
      }
      case Op::kEqual:
      case Op::kNotEqual: {
        KENEYA_ASSIGN_OR_RETURN(Value x, Eval(n.a));
        KENEYA_ASSIGN_OR_RETURN(Value y, Eval(n.b));
        if (x.kind != y.kind) {
          return Problem(core::Message("rules.formula.cannot_compare",
                                       {{"left", KindName(x.kind)}, {"right", KindName(y.kind)}}),
                         n.column);
        }
        bool equal = false;
        switch (x.kind) {
          case Value::Kind::kNumber:
            equal = x.number == y.number;
            break;
          case Value::Kind::kBoolean:
            equal = x.boolean == y.boolean;
            break;
          case Value::Kind::kString:
            equal = x.text == y.text;
            break;
          case Value::Kind::kArray:
            equal = x.array == y.array;
            break;
        }
        return Value::Boolean(n.op == Op::kEqual ? equal : !equal);
      }
      case Op::kLess:
      case Op::kLessEqual:
      case Op::kGreater:
      case Op::kGreaterEqual: {
        KENEYA_ASSIGN_OR_RETURN(double x, Number(n.a, InComparison()));
        KENEYA_ASSIGN_OR_RETURN(double y, Number(n.b, InComparison()));
        switch (n.op) {
          case Op::kLess:
            return Value::Boolean(x < y);
          case Op::kLessEqual:
            return Value::Boolean(x <= y);
          case Op::kGreater:
            return Value::Boolean(x > y);
          default:
            return Value::Boolean(x >= y);
        }
      }
      case Op::kAdd:
      case Op::kSubtract:
      case Op::kMultiply:
      case Op::kDivide:
      case Op::kModulo:
      case Op::kPower: {
        KENEYA_ASSIGN_OR_RETURN(double x, Number(n.a, InArithmetic()));
        KENEYA_ASSIGN_OR_RETURN(double y, Number(n.b, InArithmetic()));
        switch (n.op) {
          case Op::kAdd:
            return Value::Number(x + y);
          case Op::kSubtract:
            return Value::Number(x - y);
          case Op::kMultiply:
            return Value::Number(x * y);
          case Op::kDivide:
            return Value::Number(x / y);  // infinity or NaN on zero, as in Hesabu
          case Op::kModulo:
            return Value::Number(std::fmod(x, y));
          default:
            return Value::Number(std::pow(x, y));
        }
      }
      case Op::kTernary: {
        KENEYA_ASSIGN_OR_RETURN(bool condition, Boolean(n.a, Operation("?:")));
        return Eval(condition ? n.b : n.c);
      }
      case Op::kList: {
        std::vector<double> items;
        KENEYA_RETURN_IF_ERROR(Flatten(n, items, InList()));
        return Value::Array(std::move(items));
      }
      default:  // Op::kCall
        return Call(n);
    }
  }

 private:
  core::Error Problem(core::Message message, int column) {
    return FormulaError(std::move(message), column);
  }

  int32_t Arg(const Formula::Node& n, int i) const {
    return f_.args[static_cast<size_t>(n.first_arg + i)];
  }
  int Column(int32_t node) const { return f_.nodes[static_cast<size_t>(node)].column; }

  // `operation` (Operation()): what the value is read for.
  Result<double> Number(int32_t node, core::MessageArg operation) {
    KENEYA_ASSIGN_OR_RETURN(Value v, Eval(node));
    if (v.kind != Value::Kind::kNumber) {
      return Problem(core::Message("rules.formula.expected_number", {std::move(operation),
                                                                     {"value", v.ToString()},
                                                                     {"kind", KindName(v.kind)}}),
                     Column(node));
    }
    return v.number;
  }

  Result<bool> Boolean(int32_t node, core::MessageArg operation) {
    KENEYA_ASSIGN_OR_RETURN(Value v, Eval(node));
    if (v.kind != Value::Kind::kBoolean) {
      return Problem(core::Message("rules.formula.expected_boolean", {std::move(operation),
                                                                      {"value", v.ToString()},
                                                                      {"kind", KindName(v.kind)}}),
                     Column(node));
    }
    return v.boolean;
  }

  // The arguments of a call or list as numbers, arrays spread out (Hesabu passes SUM(ARRAY(1,2))
  // as SUM(1,2)).
  core::Status Flatten(const Formula::Node& n, std::vector<double>& out,
                       const core::MessageArg& operation) {
    for (int i = 0; i < n.arg_count; ++i) {
      KENEYA_ASSIGN_OR_RETURN(Value v, Eval(Arg(n, i)));
      if (v.kind == Value::Kind::kNumber) {
        out.push_back(v.number);
      } else if (v.kind == Value::Kind::kArray) {
        out.insert(out.end(), v.array.begin(), v.array.end());
      } else {
        return Problem(core::Message("rules.formula.expects_numbers", {operation,
                                                                       {"position", i + 1},
                                                                       {"kind", KindName(v.kind)},
                                                                       {"value", v.ToString()}}),
                       Column(Arg(n, i)));
      }
    }
    return core::OkStatus();
  }

  static double Shift(const std::vector<double>& args) {
    return args.size() == 2 ? numeric::DecimalShift(args[1]) : 1.0;
  }

  Result<Value> Call(const Formula::Node& n) {
    switch (n.function) {
      case Function::kIf: {
        // IF is a function in Hesabu: its three arguments are all evaluated, so that a problem
        // in the branch not taken is still a problem (the same formula fails whatever the
        // data). A division by zero there is only a value (infinity), not an error.
        KENEYA_ASSIGN_OR_RETURN(Value condition, Eval(Arg(n, 0)));
        if (condition.kind != Value::Kind::kBoolean) {
          // Hesabu's own message, which its users know.
          return Problem(
              core::Message("rules.formula.if_not_boolean", {{"value", condition.ToString()}}),
              Column(Arg(n, 0)));
        }
        KENEYA_ASSIGN_OR_RETURN(Value yes, Eval(Arg(n, 1)));
        KENEYA_ASSIGN_OR_RETURN(Value no, Eval(Arg(n, 2)));
        return condition.boolean ? std::move(yes) : std::move(no);
      }
      case Function::kArray: {
        std::vector<double> items;
        KENEYA_RETURN_IF_ERROR(Flatten(n, items, Operation("ARRAY")));
        return Value::Array(std::move(items));
      }
      case Function::kEvalArray:
        return EvalArray(n);
      default:
        break;
    }
    std::vector<double> a;
    KENEYA_RETURN_IF_ERROR(Flatten(n, a, Operation(FunctionName(n.function))));
    auto need = [&](size_t count) -> core::Status {
      if (a.size() < count) {
        return Problem(NeedsAtLeast(FunctionName(n.function), count, a.size()), n.column);
      }
      return core::OkStatus();
    };
    switch (n.function) {
      case Function::kSum:
        return Value::Number(numeric::Sum(a.data(), a.size()));
      case Function::kAvg:
        return Value::Number(numeric::Avg(a.data(), a.size()));  // NaN for no values
      case Function::kMin:
        KENEYA_RETURN_IF_ERROR(need(1));
        return Value::Number(numeric::Min(a.data(), a.size()));
      case Function::kMax:
        KENEYA_RETURN_IF_ERROR(need(1));
        return Value::Number(numeric::Max(a.data(), a.size()));
      case Function::kAbs:
        KENEYA_RETURN_IF_ERROR(need(1));
        return Value::Number(std::fabs(a[0]));
      case Function::kSqrt:
        KENEYA_RETURN_IF_ERROR(need(1));
        if (a[0] < 0) {
          return Problem(
              core::Message("rules.formula.sqrt_negative", {{"number", FormatNumber(a[0])}}),
              n.column);
        }
        return Value::Number(std::sqrt(a[0]));
      case Function::kRound:
        KENEYA_RETURN_IF_ERROR(need(1));
        return Value::Number(numeric::Round(a[0], Shift(a)));  // half away from zero
      case Function::kTrunc:
        KENEYA_RETURN_IF_ERROR(need(1));
        return Value::Number(numeric::Trunc(a[0], Shift(a)));
      case Function::kFloor:
        KENEYA_RETURN_IF_ERROR(need(1));
        return Value::Number(numeric::Floor(a[0], a.size() == 2 ? a[1] : 1.0));
      case Function::kCeiling:
        KENEYA_RETURN_IF_ERROR(need(1));
        return Value::Number(numeric::Ceiling(a[0], a.size() == 2 ? a[1] : 1.0));
      case Function::kSafeDiv:
        KENEYA_RETURN_IF_ERROR(need(2));
        return Value::Number(numeric::SafeDiv(a[0], a[1]));
      case Function::kScoreTable:
        KENEYA_RETURN_IF_ERROR(need(1));
        return Value::Number(numeric::ScoreTable(a.data(), a.size()));
      case Function::kAccess: {
        // ACCESS(values..., index): the 0-based index is the last value.
        KENEYA_RETURN_IF_ERROR(need(2));
        const double index = a.back();
        const size_t count = a.size() - 1;
        if (!numeric::AccessIndexValid(index, count)) {
          return Problem(core::Message("rules.formula.access_outside",
                                       {{"index", FormatNumber(index)}, {"last", count - 1}}),
                         n.column);
        }
        return Value::Number(a[static_cast<size_t>(index)]);
      }
      default:  // Function::kStdevp
        KENEYA_RETURN_IF_ERROR(need(1));
        return Value::Number(numeric::Stdevp(a.data(), a.size()));
    }
  }

  Result<Value> EvalArray(const Formula::Node& n) {
    const std::string& key1 =
        f_.strings[static_cast<size_t>(f_.nodes[static_cast<size_t>(Arg(n, 0))].index)];
    const std::string& key2 =
        f_.strings[static_cast<size_t>(f_.nodes[static_cast<size_t>(Arg(n, 2))].index)];
    auto values_of = [&](int i) -> Result<std::vector<double>> {
      KENEYA_ASSIGN_OR_RETURN(Value v, Eval(Arg(n, i)));
      if (v.kind == Value::Kind::kNumber) return std::vector<double>{v.number};
      if (v.kind == Value::Kind::kArray) return v.array;
      return Problem(core::Message("rules.formula.eval_array_expects_numbers",
                                   {{"name", i == 1 ? key1 : key2}, {"kind", KindName(v.kind)}}),
                     Column(Arg(n, i)));
    };
    KENEYA_ASSIGN_OR_RETURN(std::vector<double> first, values_of(1));
    KENEYA_ASSIGN_OR_RETURN(std::vector<double> second, values_of(3));
    if (first.size() != second.size()) {
      return Problem(EvalArraySizes(key1, key2, first.size(), second.size()), n.column);
    }
    const Formula& meta = f_.sub_formulas[static_cast<size_t>(n.index)];
    std::vector<Value> inputs(meta.variables().size());
    std::vector<int> source(meta.variables().size(), -1);
    for (size_t v = 0; v < meta.variables().size(); ++v) {
      if (meta.variables()[v] == key1) source[v] = 1;
      if (meta.variables()[v] == key2) source[v] = 2;
      if (source[v] < 0) {
        return Problem(EvalArrayUnknownName(meta.variables()[v], key1, key2), n.column);
      }
    }
    std::vector<double> results;
    results.reserve(first.size());
    for (size_t i = 0; i < first.size(); ++i) {
      for (size_t v = 0; v < inputs.size(); ++v) {
        inputs[v] = Value::Number(source[v] == 1 ? first[i] : second[i]);
      }
      auto r = meta.Evaluate(inputs);
      if (!r.ok()) {
        return Problem(EvalArrayFailed(r.error()), n.column);
      }
      if (r->kind == Value::Kind::kNumber) {
        results.push_back(r->number);
      } else if (r->kind == Value::Kind::kBoolean) {
        results.push_back(r->boolean ? 1 : 0);
      } else {
        return Problem(core::Message("rules.formula.eval_array_not_numbers"), n.column);
      }
    }
    return Value::Array(std::move(results));
  }

  const Formula::Impl& f_;
  std::span<const Value> inputs_;
};

}  // namespace

std::string Value::ToString() const {
  if (kind == Kind::kNumber) return FormatNumber(number);
  if (kind == Kind::kBoolean) return boolean ? "true" : "false";
  if (kind == Kind::kString) return "'" + text + "'";
  std::string out = "(";
  for (size_t i = 0; i < array.size(); ++i) out += (i ? ", " : "") + FormatNumber(array[i]);
  return out + ")";
}

// kFunctions lists the functions in the enum's order.
std::string_view FunctionName(Function f) { return kFunctions[static_cast<size_t>(f)].name; }

std::string_view NonFiniteMessage(double value) {
  return std::isnan(value) ? "NaN" : "Divide by zero";
}

core::Message NonFiniteText(double value) {
  return core::Message(std::isnan(value) ? "rules.formula.nan" : "rules.formula.divide_by_zero");
}

core::Message ColumnPlace(int column) {
  return core::Message("rules.place.column", {{"column", column}});
}

core::Message FormulaColumnPlace(std::string_view formula, int column) {
  return core::Message("rules.place.formula_column", {{"formula", formula}, {"column", column}});
}

int ErrorColumn(const core::Error& error) {
  for (const core::Message& part : error.place) {
    if (part.id() != "rules.place.column") continue;
    for (const core::MessageArg& arg : part.args()) {
      if (arg.name == "column") return static_cast<int>(arg.integer);
    }
  }
  return 0;
}

core::Message EvalArraySizes(std::string_view first, std::string_view second, size_t first_count,
                             size_t second_count) {
  return core::Message("rules.formula.eval_array_sizes", {{"first", first},
                                                          {"second", second},
                                                          {"first_count", first_count},
                                                          {"second_count", second_count}});
}

core::Message EvalArrayUnknownName(std::string_view name, std::string_view first,
                                   std::string_view second) {
  return core::Message("rules.formula.eval_array_unknown_name",
                       {{"name", name}, {"first", first}, {"second", second}});
}

core::Message EvalArrayFailed(const core::Error& error) {
  return core::Message("rules.formula.eval_array_failed", {{"reason", error.text}});
}

Formula::Formula() : impl_(std::make_unique<Impl>()) {}
Formula::~Formula() = default;
Formula::Formula(Formula&&) noexcept = default;
Formula& Formula::operator=(Formula&&) noexcept = default;
Formula::Formula(const Formula& other) : impl_(std::make_unique<Impl>(*other.impl_)) {}
Formula& Formula::operator=(const Formula& other) {
  if (this != &other) impl_ = std::make_unique<Impl>(*other.impl_);
  return *this;
}

Result<Formula> Formula::Parse(std::string_view text) {
  Formula f;
  f.impl_->text = std::string(text);
  Parser parser(f.impl_->text, *f.impl_);
  KENEYA_ASSIGN_OR_RETURN(f.impl_->root, parser.ParseAll());
  return f;
}

const std::string& Formula::text() const { return impl_->text; }
const std::vector<std::string>& Formula::variables() const { return impl_->variables; }
const std::vector<Function>& Formula::functions() const { return impl_->functions; }

Result<Value> Formula::Evaluate(std::span<const Value> inputs) const {
  Evaluator evaluator(*impl_, inputs);
  return evaluator.Eval(impl_->root);
}

}  // namespace keneya::rules
