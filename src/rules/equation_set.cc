#include "rules/equation_set.h"

#include <algorithm>
#include <array>
#include <atomic>
#include <bit>
#include <cctype>
#include <charconv>
#include <cmath>
#include <cstring>
#include <functional>
#include <optional>
#include <string_view>
#include <thread>
#include <unordered_map>

#include "rules/dependency_order.h"
#include "rules/kernel.h"

namespace keneya::rules {

using core::Result;

namespace {

// Equation names to indices: open addressing over a flat array, one probe sequence of hashes
// before any string comparison (hundreds of thousands of names, millions of lookups).
class NameIndex {
 public:
  // Slots for 1.5 times the names (a third of them empty): the memory a process touches first
  // is costly, and a probe rarely goes past its first slot's line.
  explicit NameIndex(std::span<const EquationView> equations)
      : equations_(equations), slots_(equations.size() + equations.size() / 2 + 16) {}

  static uint64_t Hash(std::string_view s) { return std::hash<std::string_view>{}(s); }
  // Asks for the slot of `hash` ahead of its lookup: a million slots are visited at random.
  void Prefetch(uint64_t hash) const { __builtin_prefetch(&slots_[Home(hash)]); }
  // Asks for the name held in the slot of `hash` (asked for before): the comparison's other half.
  // The slots on its way were asked for before: only the name is waited for.
  void PrefetchName(uint64_t hash) const {
    for (size_t s = Home(hash);; s = Next(s)) {
      const Slot& slot = slots_[s];
      if (slot.index == 0) return;
      if (slot.hash == hash) {
        __builtin_prefetch(slot.name);
        __builtin_prefetch(slot.name + slot.size);
        return;
      }
    }
  }

  // Adds equation i, its name's hash given; false when its name is already there.
  bool Add(uint32_t i, uint64_t hash) {
    const std::string_view name = equations_[i].name();
    for (size_t s = Home(hash);; s = Next(s)) {
      Slot& slot = slots_[s];
      if (slot.index == 0) {
        slot = {hash, name.data(), static_cast<uint32_t>(name.size()), i + 1};
        return true;
      }
      if (slot.hash == hash && slot.Name() == name) return false;
    }
  }

  // Gives its slots back (to be used again by the arrays allocated next: core::LargeVector).
  void Release() { core::LargeVector<Slot>().swap(slots_); }

  // The equation named `name` (whose hash is `hash`), or -1.
  int64_t Find(std::string_view name, uint64_t hash) const {
    for (size_t s = Home(hash);; s = Next(s)) {
      const Slot& slot = slots_[s];
      if (slot.index == 0) return -1;
      if (slot.hash == hash && slot.Name() == name) return slot.index - 1;
    }
  }

 private:
  // The name's bytes are kept in the slot's reach: one memory access less per lookup.
  struct Slot {
    uint64_t hash = 0;
    const char* name = nullptr;
    uint32_t size = 0;
    uint32_t index = 0;  // equation + 1; 0: empty
    std::string_view Name() const { return {name, size}; }
  };
  // The hash scaled to the slots (its high bits: no division).
  size_t Home(uint64_t hash) const {
    return static_cast<size_t>((static_cast<unsigned __int128>(hash) * slots_.size()) >> 64);
  }
  size_t Next(size_t s) const { return s + 1 == slots_.size() ? 0 : s + 1; }

  std::span<const EquationView> equations_;
  core::LargeVector<Slot> slots_;
};

// ASCII classes, as the formula lexer's (the C locale's) but without a call per character.
constexpr bool IsDigit(char c) { return c >= '0' && c <= '9'; }
constexpr bool IsLetter(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool IsIdentifierStart(char c) { return IsLetter(c) || c == '_'; }
// Letters, digits and '_': a table, read once per character of every name of every formula.
constexpr std::array<bool, 256> kIdentifierChars = [] {
  std::array<bool, 256> table{};
  for (int c = 0; c < 256; ++c) {
    const char ch = static_cast<char>(c);
    table[c] = IsLetter(ch) || IsDigit(ch) || ch == '_';
  }
  return table;
}();
bool IsIdentifierChar(char c) { return kIdentifierChars[static_cast<unsigned char>(c)]; }
bool IsSpace(char c) { return c == ' ' || (c >= '\t' && c <= '\r'); }

bool IsKeyword(std::string_view word) {
  if (word.size() < 2 || word.size() > 5) return false;
  char lower[5];
  for (size_t i = 0; i < word.size(); ++i) {
    lower[i] = static_cast<char>(std::tolower(static_cast<unsigned char>(word[i])));
  }
  const std::string_view w(lower, word.size());
  return w == "and" || w == "or" || w == "not" || w == "true" || w == "false";
}

// A formula's shape: its text with the names it reads replaced by _0, _1... in order of first
// appearance, and those names. Equations of one shape (thousands of `if(_0 > 0.1, 0, _1)`)
// share one parsed formula. Scans as the formula lexer does: numbers (with their exponent),
// texts in quotes, keywords and function names (a name before '(') are kept.
void Shape(std::string_view text, std::string& key, std::vector<std::string_view>& names) {
  key.clear();
  names.clear();
  size_t i = 0;
  const size_t n = text.size();
  while (i < n) {
    const char c = text[i];
    if (IsDigit(c) || (c == '.' && i + 1 < n && IsDigit(text[i + 1]))) {
      size_t end = i;
      while (end < n && IsDigit(text[end])) ++end;
      if (end < n && text[end] == '.') {
        ++end;
        while (end < n && IsDigit(text[end])) ++end;
      }
      if (end < n && (text[end] == 'e' || text[end] == 'E')) {
        size_t exponent = end + 1;
        if (exponent < n && (text[exponent] == '+' || text[exponent] == '-')) ++exponent;
        if (exponent < n && IsDigit(text[exponent])) {
          end = exponent;
          while (end < n && IsDigit(text[end])) ++end;
        }
      }
      key.append(text.substr(i, end - i));
      i = end;
      continue;
    }
    if (IsIdentifierStart(c)) {
      size_t end = i;
      while (end < n && IsIdentifierChar(text[end])) ++end;
      const std::string_view word = text.substr(i, end - i);
      size_t next = end;
      while (next < n && IsSpace(text[next])) ++next;
      if (IsKeyword(word) || (next < n && text[next] == '(')) {
        key.append(word);
      } else {
        size_t k = 0;
        while (k < names.size() && names[k] != word) ++k;
        if (k == names.size()) names.push_back(word);
        key += '_';
        char digits[12];
        auto [end_digits, ec] = std::to_chars(digits, digits + sizeof digits, k);
        (void)ec;
        key.append(digits, end_digits);
      }
      i = end;
      continue;
    }
    if (c == '\'' || c == '"') {
      const size_t close = text.find(c, i + 1);
      const size_t end = close == std::string_view::npos ? n : close + 1;
      key.append(text.substr(i, end - i));
      i = end;
      continue;
    }
    key += c;
    ++i;
  }
}

// A formula that is only a number ("12", "-3.5", "1e-7"), as the language would read it.
std::optional<double> PlainNumber(std::string_view text) {
  while (!text.empty() && IsSpace(text.front())) text.remove_prefix(1);
  while (!text.empty() && IsSpace(text.back())) text.remove_suffix(1);
  if (text.empty()) return std::nullopt;
  const size_t digits = text[0] == '-' ? 1 : 0;
  if (digits >= text.size() || !IsDigit(text[digits])) return std::nullopt;
  double value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
}

// The equations' order by name, whatever their order in the file. Names are compared sixteen
// bytes at a time held beside each index (a "digit"): a sort on those integers, then each group
// whose digits tie gets its next sixteen bytes and is sorted again. Each name is read once per
// digit, mostly in file order, instead of at every comparison (a shuffled national month's
// names, compared through their pointers, missed the cache at nearly every one).
class NameSorter {
 public:
  explicit NameSorter(std::span<const EquationView> equations) : equations_(equations) {}

  // Places the names by their first sixteen bytes: each group of names that begin alike is then
  // a task of its own (SortNext), for whichever thread is free. Once, before any SortNext.
  void Group() {
    const size_t n = equations_.size();
    items_.resize(n);
    if (!GroupByFirstDigit()) {
      whole_ = true;  // too many ways to begin: one task sorts them all
      tasks_.emplace_back(0, static_cast<uint32_t>(n));
    }
    grouped_.store(true, std::memory_order_release);
  }
  // Whether Group() is done (as seen from another thread).
  bool grouped() const { return grouped_.load(std::memory_order_acquire); }

  // Sorts a group no thread has taken yet; false when none is left. Any number of threads.
  bool SortNext() {
    if (stopped_.load(std::memory_order_relaxed)) return false;
    const size_t task = next_.fetch_add(1, std::memory_order_relaxed);
    if (task >= tasks_.size()) return false;
    const auto [first, last] = tasks_[task];
    if (whole_) {
      for (uint32_t i = first; i < last; ++i) items_[i] = Digit(i, 0);
      SortRange(first, last, 0);
    } else {
      Resolve(first, last, 16);
    }
    return true;
  }

  // Leaves the groups not taken yet unsorted: the order is not needed.
  void Stop() { stopped_.store(true, std::memory_order_relaxed); }

  // The equations in the names' order, once every group is sorted.
  core::LargeVector<uint32_t> Order() const {
    core::LargeVector<uint32_t> order(items_.size());
    for (size_t i = 0; i < items_.size(); ++i) order[i] = items_[i].index;
    return order;
  }

 private:
  struct Item {
    uint64_t high = 0, low = 0;  // bytes depth..depth+16 of the name, big-endian, zero after it
    const char* name = nullptr;
    uint32_t size = 0;
    uint32_t index = 0;
  };

  static uint64_t BigEndian(std::string_view name, size_t at) {
    uint64_t word = 0;
    if (at + 8 <= name.size()) {
      std::memcpy(&word, name.data() + at, 8);
    } else if (at < name.size()) {
      std::memcpy(&word, name.data() + at, name.size() - at);  // zero after the name
    }
    if constexpr (std::endian::native == std::endian::little) word = __builtin_bswap64(word);
    return word;
  }
  Item Digit(uint32_t index, size_t depth) const {
    const std::string_view name = equations_[index].name();
    return {BigEndian(name, depth), BigEndian(name, depth + 8), name.data(),
            static_cast<uint32_t>(name.size()), index};
  }
  // Places the items by their first sixteen bytes without comparing them: the distinct first
  // digits (few: a national month's names begin in a few hundred ways) counted in a small
  // table and sorted, then each item written in its digit's place, in file order, and each
  // group sorted on from its seventeenth byte. Names are read twice, in file order. False, with
  // nothing placed, when there are more than kMaxGroups distinct first digits.
  bool GroupByFirstDigit() {
    constexpr size_t kMaxGroups = 4096;
    constexpr size_t kSlots = 2 * kMaxGroups;  // a power of two
    struct Group {
      uint64_t high = 0, low = 0;
      uint32_t next = 0;  // the count, then where its next item goes
      bool used = false;
    };
    std::vector<Group> table(kSlots);
    auto slot_of = [&table](uint64_t high, uint64_t low) -> Group& {
      uint64_t h = (high * 0x9E3779B97F4A7C15ull) ^ (low * 0xC2B2AE3D27D4EB4Full);
      for (size_t s = (h >> 40) & (kSlots - 1);; s = (s + 1) & (kSlots - 1)) {
        Group& g = table[s];
        if (!g.used || (g.high == high && g.low == low)) return g;
      }
    };
    const size_t n = equations_.size();
    size_t groups = 0;
    for (uint32_t i = 0; i < n; ++i) {
      const std::string_view name = equations_[i].name();
      const uint64_t high = BigEndian(name, 0), low = BigEndian(name, 8);
      Group& g = slot_of(high, low);
      if (!g.used) {
        if (++groups > kMaxGroups) return false;
        g = {high, low, 0, true};
      }
      ++g.next;
    }
    std::vector<Group*> sorted;
    sorted.reserve(groups);
    for (Group& g : table) {
      if (g.used) sorted.push_back(&g);
    }
    std::sort(sorted.begin(), sorted.end(), [](const Group* a, const Group* b) {
      return a->high != b->high ? a->high < b->high : a->low < b->low;
    });
    std::vector<std::pair<uint32_t, uint32_t>> ranges;  // each group's items, in order
    ranges.reserve(groups);
    uint32_t at = 0;
    for (Group* g : sorted) {
      ranges.emplace_back(at, at + g->next);
      std::swap(at, g->next);
      at = ranges.back().second;
    }
    for (uint32_t i = 0; i < n; ++i) {
      const std::string_view name = equations_[i].name();
      Item item{BigEndian(name, 0), BigEndian(name, 8), name.data(),
                static_cast<uint32_t>(name.size()), i};
      items_[slot_of(item.high, item.low).next++] = item;
    }
    for (const auto& [first, last] : ranges) {
      if (last - first > 1) tasks_.emplace_back(first, last);
    }
    return true;
  }

  static void NextDigit(Item& item, size_t depth) {
    const std::string_view name(item.name, item.size);
    item.high = BigEndian(name, depth);
    item.low = BigEndian(name, depth + 8);
  }
  static bool Less(const Item& a, const Item& b) {
    return a.high != b.high ? a.high < b.high : a.low < b.low;
  }
  static bool Tie(const Item& a, const Item& b) { return a.high == b.high && a.low == b.low; }

  void SortRange(size_t begin, size_t end, size_t depth) {
    std::sort(items_.begin() + static_cast<long>(begin), items_.begin() + static_cast<long>(end),
              Less);
    for (size_t first = begin; first < end;) {
      size_t last = first + 1;
      while (last < end && Tie(items_[first], items_[last])) ++last;
      if (last - first > 1) Resolve(first, last, depth + 16);
      first = last;
    }
  }

  // Items first..last agree on every byte before `depth`.
  void Resolve(size_t first, size_t last, size_t depth) {
    bool longer = false;
    for (size_t i = first; i < last; ++i) longer = longer || items_[i].size > depth;
    if (!longer) {
      // The same text, or texts that differ only by trailing zero bytes: the shorter first,
      // then the file's order.
      std::sort(items_.begin() + static_cast<long>(first), items_.begin() + static_cast<long>(last),
                [](const Item& a, const Item& b) {
                  return a.size != b.size ? a.size < b.size : a.index < b.index;
                });
      return;
    }
    for (size_t i = first; i < last; ++i) {
      if (i + 16 < last) __builtin_prefetch(items_[i + 16].name + depth);
      NextDigit(items_[i], depth);
    }
    SortRange(first, last, depth);
  }

  std::span<const EquationView> equations_;
  core::LargeVector<Item> items_;
  std::vector<std::pair<uint32_t, uint32_t>> tasks_;  // items first..last to sort
  bool whole_ = false;
  std::atomic<bool> grouped_{false}, stopped_{false};
  std::atomic<size_t> next_{0};  // the next task to take
};

// The shapes compiled as kernels (kernel.h) for the kinds of their inputs: which are booleans,
// the others numbers. Compiled once per shape and kinds; a shape whose kernel does not compile
// (a type error, which the formula then reports) is remembered as such.
class ShapeKernels {
 public:
  explicit ShapeKernels(const std::vector<Formula>& shapes)
      : shapes_(shapes), last_(shapes.size(), kNone) {}

  // The kernel of shape `shape` whose inputs `booleans` (a bit per input) are booleans, or null.
  const Kernel* For(uint32_t shape, uint64_t booleans, uint32_t count) {
    // Equations of one shape nearly always have inputs of the same kinds: the last one asked.
    uint32_t at = last_[shape];
    if (at == kNone || compiled_[at].booleans != booleans) {
      const auto [it, added] = index_.try_emplace({shape, booleans}, 0);
      if (added) {
        it->second = static_cast<uint32_t>(compiled_.size());
        std::vector<VariableType> types(count);
        for (uint32_t k = 0; k < count; ++k) {
          if ((booleans >> k) & 1) types[k].kind = Value::Kind::kBoolean;
        }
        auto kernel = Kernel::Compile(shapes_[shape], types);
        compiled_.push_back(
            {booleans, kernel.ok(), kernel.ok() ? std::move(kernel).value() : Kernel()});
      }
      at = it->second;
      last_[shape] = at;
    }
    return compiled_[at].ok ? &compiled_[at].kernel : nullptr;
  }

 private:
  static constexpr uint32_t kNone = UINT32_MAX;
  struct Compiled {
    uint64_t booleans;
    bool ok;
    Kernel kernel;
  };
  struct KeyHash {
    size_t operator()(const std::pair<uint32_t, uint64_t>& k) const {
      return std::hash<uint64_t>{}(k.second * 0x9E3779B97F4A7C15ull ^ k.first);
    }
  };
  const std::vector<Formula>& shapes_;
  std::vector<uint32_t> last_;  // per shape, its last kernel in compiled_
  std::vector<Compiled> compiled_;
  std::unordered_map<std::pair<uint32_t, uint64_t>, uint32_t, KeyHash> index_;
};

}  // namespace

Value SolveResult::value(size_t i) const {
  const uint32_t e = order_[i];
  switch (kinds_[e]) {
    case Value::Kind::kNumber:
      return Value::Number(numbers_[e]);
    case Value::Kind::kBoolean:
      return Value::Boolean(numbers_[e] != 0);
    default:
      return others_.at(e);
  }
}

void SolveResult::Add(std::string_view name, Value value) {
  const auto e = static_cast<uint32_t>(owned_.size());
  owned_.push_back(EquationView(name, {}));
  equations_ = owned_;
  order_.push_back(e);
  kinds_.push_back(value.kind);
  numbers_.push_back(value.kind == Value::Kind::kBoolean ? (value.boolean ? 1.0 : 0.0)
                                                         : value.number);
  if (value.kind == Value::Kind::kString || value.kind == Value::Kind::kArray) {
    others_.emplace(e, std::move(value));
  }
}

SolveResult SolveEquations(std::vector<Equation> equations) {
  core::LargeVector<EquationView> views;
  views.reserve(equations.size());
  for (const Equation& e : equations) views.emplace_back(e.name, e.expression, e.constant);
  SolveResult result = SolveEquations(std::span<const EquationView>(views));
  // Moved, the equations and the views keep their place: the result's names still point at them.
  result.held_ = std::move(equations);
  result.owned_ = std::move(views);
  return result;
}

SolveResult SolveEquations(std::span<const EquationView> equations) {
  SolveResult result;
  const size_t n = equations.size();
  std::vector<bool> failed(n, false);
  auto fail = [&](size_t i, core::Message message, int column) {
    failed[i] = true;
    EquationError& e = result.errors.emplace_back();
    e.source = std::string(equations[i].name());
    e.expression = equations[i].constant() ? Value::Number(*equations[i].constant()).ToString()
                                           : std::string(equations[i].expression());
    e.message = core::Render(message, core::Language::kEnglish);
    e.column = column;
    e.text = std::move(message);
  };

  // Two threads: this one, and a worker that groups the names for the output's order (by name,
  // as hesabucli writes them) while this one builds the name index, sorts groups while this one
  // has nothing to share, takes its part in resolving the formulas, then sorts the groups left,
  // with this one once it has evaluated (nothing else needs the order).
  NameSorter sorter(equations);
  NameIndex index(equations);

  // Parse by shape, and resolve each formula's names to equations: blocks of the set taken in
  // turn by two threads, each with its own shapes and problems, joined in block order after.
  constexpr uint32_t kConstant = UINT32_MAX;
  core::LargeVector<uint32_t> shape_of(n, kConstant);
  core::LargeVector<double> constants(n, 0);
  struct Problem {
    uint32_t equation;
    core::Message message;
    int column;
  };
  struct Part {
    std::unordered_map<std::string, uint32_t> shape_index;
    std::vector<Formula> shapes;  // an empty formula: the shape did not parse
    std::vector<bool> shape_ok;
    std::vector<Problem> problems;
  };
  // One block's names read, as a small graph of its own.
  struct Block {
    int part = 0;
    DependencyGraph graph;
  };
  constexpr size_t kBlock = 8192;
  std::vector<Block> blocks((n + kBlock - 1) / kBlock);
  // A formula's shape and names, read ahead of its turn.
  struct Ahead {
    bool formula = false;
    std::string key;
    std::vector<std::string_view> names;
    std::vector<uint64_t> hashes;
  };
  auto resolve = [&](size_t begin, size_t end, Part& part, DependencyGraph& graph) {
    graph.offsets.reserve(end - begin + 1);
    graph.targets.reserve((end - begin) * 2);
    std::vector<std::string_view> missing;
    // A shuffled file's names lie anywhere in the index and the text: each equation's names are
    // hashed and their slots asked for kAhead equations before its turn, the names those slots
    // hold kAhead / 2 before, so that many lookups wait on memory at once instead of in turn.
    constexpr size_t kAhead = 16;
    Ahead ahead[kAhead];
    auto prepare = [&](size_t i) {
      Ahead& a = ahead[i % kAhead];
      const EquationView& e = equations[i];
      a.formula = false;
      a.hashes.clear();
      if (const std::optional<double> constant = e.constant(); constant || failed[i]) {
        if (constant) constants[i] = *constant;
        return;
      }
      if (auto number = PlainNumber(e.expression())) {
        constants[i] = *number;
        return;
      }
      a.formula = true;
      Shape(e.expression(), a.key, a.names);
      a.hashes.resize(a.names.size());
      for (size_t k = 0; k < a.names.size(); ++k) {
        a.hashes[k] = NameIndex::Hash(a.names[k]);
        index.Prefetch(a.hashes[k]);
      }
    };
    for (size_t i = begin; i < std::min(end, begin + kAhead); ++i) prepare(i);
    for (size_t i = begin; i < end; ++i) {
      if (i + kAhead / 2 < end) {
        for (uint64_t hash : ahead[(i + kAhead / 2) % kAhead].hashes) index.PrefetchName(hash);
      }
      Ahead& a = ahead[i % kAhead];
      if (!a.formula) {
        graph.EndNode();
        if (i + kAhead < end) prepare(i + kAhead);
        continue;
      }
      auto [it, added] =
          part.shape_index.try_emplace(a.key, static_cast<uint32_t>(part.shapes.size()));
      if (added) {
        auto parsed = Formula::Parse(a.key);
        const bool ok = parsed.ok() && parsed->variables().size() == a.names.size();
        part.shapes.push_back(ok ? std::move(parsed).value() : Formula());
        part.shape_ok.push_back(ok);
      }
      if (!part.shape_ok[it->second]) {
        // Parsed again as written, for the message and its column.
        auto parsed = Formula::Parse(equations[i].expression());
        part.problems.push_back(
            parsed.ok() ? Problem{static_cast<uint32_t>(i),
                                  core::Message("rules.equations.formula_unreadable"), 0}
                        : Problem{static_cast<uint32_t>(i), parsed.error().text,
                                  ErrorColumn(parsed.error())});
        graph.EndNode();
        if (i + kAhead < end) prepare(i + kAhead);
        continue;
      }
      shape_of[i] = it->second;
      missing.clear();
      for (size_t k = 0; k < a.names.size(); ++k) {
        const int64_t found = index.Find(a.names[k], a.hashes[k]);
        if (found < 0) {
          missing.push_back(a.names[k]);
        } else {
          graph.Add(static_cast<uint32_t>(found));
        }
      }
      graph.EndNode();
      if (missing.size() == 1) {
        part.problems.push_back(
            {static_cast<uint32_t>(i),
             core::Message("rules.formula.no_parameter", {{"name", missing[0]}}), 0});
      } else if (!missing.empty()) {
        // The names as written, in quotes: 'a', 'b'.
        std::string list;
        for (std::string_view m : missing) {
          list += (list.empty() ? "'" : ", '") + std::string(m) + "'";
        }
        part.problems.push_back({static_cast<uint32_t>(i),
                                 core::Message("rules.formula.no_parameters", {{"names", list}}),
                                 0});
      }
      // Its place in the ring is free once its names are found.
      if (i + kAhead < end) prepare(i + kAhead);
    }
  };
  Part parts[2];
  std::atomic<size_t> next_block{0}, finished_blocks{0};
  auto work = [&](int p) {
    for (size_t b = next_block++; b < blocks.size(); b = next_block++) {
      blocks[b].part = p;
      resolve(b * kBlock, std::min(n, (b + 1) * kBlock), parts[p], blocks[b].graph);
      if (finished_blocks.fetch_add(1, std::memory_order_acq_rel) + 1 == blocks.size()) {
        finished_blocks.notify_all();
      }
    }
  };
  // The worker's turn to resolve: 0 before the index is built, 1 once it is, 2 if this thread
  // left before (the worker then only stops).
  std::atomic<int> stage{0};
  std::thread worker([&] {
    sorter.Group();
    while (stage.load(std::memory_order_acquire) == 0 && sorter.SortNext()) {
    }
    stage.wait(0, std::memory_order_acquire);
    if (stage.load(std::memory_order_acquire) == 2) return;
    work(1);
    while (sorter.SortNext()) {
    }
  });
  struct Joiner {
    std::thread& thread;
    std::atomic<int>& stage;
    NameSorter& sorter;
    ~Joiner() {
      if (!thread.joinable()) return;
      int expected = 0;
      if (stage.compare_exchange_strong(expected, 2)) stage.notify_all();
      sorter.Stop();
      thread.join();
    }
  } joiner{worker, stage, sorter};

  {
    // Each name hashed and its slot asked for a few names ahead of its insertion.
    constexpr size_t kAhead = 8;
    uint64_t hashes[kAhead];
    for (size_t i = 0; i < n + kAhead; ++i) {
      if (i >= kAhead) {
        const size_t j = i - kAhead;  // its hash is in the place i's goes
        if (!index.Add(static_cast<uint32_t>(j), hashes[j % kAhead])) {
          fail(j, core::Message("rules.equations.name_given_twice"), 0);
        }
      }
      if (i < n) {
        hashes[i % kAhead] = NameIndex::Hash(equations[i].name());
        index.Prefetch(hashes[i % kAhead]);
      }
    }
  }

  stage.store(1, std::memory_order_release);
  stage.notify_all();
  work(0);
  for (size_t f = finished_blocks.load(std::memory_order_acquire); f != blocks.size();
       f = finished_blocks.load(std::memory_order_acquire)) {
    finished_blocks.wait(f);
  }
  // Every name is found: the order's and the values' arrays take the index's memory.
  index.Release();
  // Join: the second part's shapes come after the first's; blocks in order.
  std::vector<Formula> shapes = std::move(parts[0].shapes);
  const uint32_t shift = static_cast<uint32_t>(shapes.size());
  for (Formula& f : parts[1].shapes) shapes.push_back(std::move(f));
  DependencyGraph graph;
  graph.offsets.reserve(n + 1);
  graph.targets.reserve(n * 2);
  for (size_t b = 0; b < blocks.size(); ++b) {
    const Block& block = blocks[b];
    if (block.part == 1) {
      for (size_t i = b * kBlock; i < std::min(n, (b + 1) * kBlock); ++i) {
        if (shape_of[i] != kConstant) shape_of[i] += shift;
      }
    }
    const uint32_t base = static_cast<uint32_t>(graph.targets.size());
    graph.targets.insert(graph.targets.end(), block.graph.targets.begin(),
                         block.graph.targets.end());
    for (size_t k = 1; k < block.graph.offsets.size(); ++k) {
      graph.offsets.push_back(base + block.graph.offsets[k]);
    }
  }
  for (Part& part : parts) {
    for (Problem& p : part.problems) fail(p.equation, std::move(p.message), p.column);
  }

  // Order by dependencies; report each cycle on each of its equations.
  core::LargeVector<uint32_t> order;
  if (!OrderInWaves(graph, order)) {
    order = OrderByDependencies(graph, [&](std::span<const uint32_t> cycle) {
      std::string path;
      for (uint32_t i : cycle) path += std::string(equations[i].name()) + " -> ";
      path += equations[cycle.front()].name();
      for (uint32_t i : cycle) {
        if (!failed[i]) fail(i, core::Message("rules.equations.cycle", {{"path", path}}), 0);
      }
    });
  }

  // Evaluate in order; an equation whose input failed is skipped. Numbers and booleans are kept
  // in place, texts and lists (rare) aside.
  core::LargeVector<double> numbers(n, 0.0);
  core::LargeVector<Value::Kind> kinds(n, Value::Kind::kNumber);
  std::unordered_map<uint32_t, Value> others;
  auto value_of = [&](uint32_t i) -> Value {
    switch (kinds[i]) {
      case Value::Kind::kNumber:
        return Value::Number(numbers[i]);
      case Value::Kind::kBoolean:
        return Value::Boolean(numbers[i] != 0);
      default:
        return others.at(i);
    }
  };
  std::vector<bool> blocked(n, false);
  std::vector<Value> arguments;
  std::vector<Operand> operands;
  Kernel::Scratch scratch;
  ShapeKernels kernels(shapes);
  // Equations come in dependency order, at random in memory when the file's order is not the
  // dependencies': what each reads is asked for ahead of its turn, in three steps (its place in
  // the graph, then its inputs' indices, then their values).
  const size_t count_ordered = order.size();
  for (size_t step = 0; step < count_ordered; ++step) {
    if (step + 24 < count_ordered) __builtin_prefetch(&graph.offsets[order[step + 24]]);
    if (step + 16 < count_ordered) {
      const uint32_t ahead = order[step + 16];
      __builtin_prefetch(&graph.targets[graph.offsets[ahead]]);
      __builtin_prefetch(&shape_of[ahead]);
      __builtin_prefetch(&numbers[ahead]);
    }
    if (step + 8 < count_ordered) {
      const uint32_t ahead = order[step + 8];
      for (uint32_t e = graph.offsets[ahead]; e < graph.offsets[ahead + 1]; ++e) {
        __builtin_prefetch(&numbers[graph.targets[e]]);
      }
    }
    const uint32_t i = order[step];
    if (failed[i]) {
      blocked[i] = true;
      continue;
    }
    if (shape_of[i] == kConstant) {
      numbers[i] = constants[i];
      continue;
    }
    const uint32_t count = graph.offsets[i + 1] - graph.offsets[i];
    // Numbers and booleans go to the shape's kernel, unless an input is blocked.
    uint64_t booleans = 0;
    bool plain = count <= 64;
    bool skip = false;
    if (operands.size() < count) operands.resize(count);
    for (uint32_t k = 0; k < count; ++k) {
      const uint32_t dep = graph.targets[graph.offsets[i] + k];
      skip = skip || blocked[dep];
      const Value::Kind kind = kinds[dep];
      if (kind == Value::Kind::kBoolean) {
        booleans |= uint64_t{1} << (k & 63);
      } else if (kind != Value::Kind::kNumber) {
        plain = false;
      }
      operands[k] = Operand{nullptr, numbers[dep]};
    }
    if (skip) {
      blocked[i] = true;
      continue;
    }
    if (plain) {
      if (const Kernel* kernel = kernels.For(shape_of[i], booleans, count)) {
        double out = 0;
        uint8_t row_failed = 0;
        kernel->Run(std::span<const Operand>(operands.data(), count), 0, 1, &out, &row_failed,
                    scratch);
        if (row_failed == 0 && std::isfinite(out)) {
          numbers[i] = out;
          kinds[i] = kernel->result_kind();
          continue;
        }
      }
    }
    // Anything else, and a row the kernel could not compute, as the formula says (with the
    // exact message when it fails).
    if (arguments.size() < count) arguments.resize(count);
    for (uint32_t k = 0; k < count; ++k) {
      arguments[k] = value_of(graph.targets[graph.offsets[i] + k]);
    }
    const std::span<const Value> args(arguments.data(), count);
    auto value = shapes[shape_of[i]].Evaluate(args);
    if (!value.ok()) {
      // Evaluated again as written, for the column in the message.
      auto own = Formula::Parse(equations[i].expression());
      auto again = own.ok() ? own->Evaluate(args) : Result<Value>(value.error());
      const core::Error& error = again.ok() ? value.error() : again.error();
      fail(i, error.text, ErrorColumn(error));
      blocked[i] = true;
      continue;
    }
    if (value->kind == Value::Kind::kNumber && !std::isfinite(value->number)) {
      fail(i, NonFiniteText(value->number), 0);
      blocked[i] = true;
      continue;
    }
    kinds[i] = value->kind;
    if (value->kind == Value::Kind::kNumber) {
      numbers[i] = value->number;
    } else if (value->kind == Value::Kind::kBoolean) {
      numbers[i] = value->boolean ? 1.0 : 0.0;
    } else {
      others.emplace(i, std::move(value).value());
    }
  }

  if (!result.errors.empty()) {
    std::sort(result.errors.begin(), result.errors.end(),
              [](const EquationError& a, const EquationError& b) { return a.source < b.source; });
    return result;
  }
  // By name, as hesabucli writes them: the groups left sorted by both threads.
  if (sorter.grouped()) {
    while (sorter.SortNext()) {
    }
  }
  worker.join();
  result.equations_ = equations;
  result.order_ = sorter.Order();
  result.numbers_ = std::move(numbers);
  result.kinds_ = std::move(kinds);
  result.others_ = std::move(others);
  return result;
}

}  // namespace keneya::rules
