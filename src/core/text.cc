#include "core/text.h"

#include <cstdint>
#include <cstring>

namespace keneya::core {
namespace {

bool IsContinuation(unsigned char c) { return (c & 0xC0) == 0x80; }

// "ED A0 80"
std::string Hex(std::string_view bytes) {
  static constexpr char kDigits[] = "0123456789ABCDEF";
  std::string out;
  for (const char c : bytes) {
    const auto b = static_cast<unsigned char>(c);
    if (!out.empty()) out += ' ';
    out += kDigits[b >> 4];
    out += kDigits[b & 0xF];
  }
  return out;
}

// The flaw of the sequence starting at bytes[i] (a byte >= 0x80), or kNone with its length.
Utf8Flaw SequenceAt(std::string_view bytes, size_t i) {
  const auto at = [&](size_t k) { return static_cast<unsigned char>(bytes[i + k]); };
  const unsigned char c = at(0);
  const size_t left = bytes.size() - i;
  auto flaw = [&](size_t length, Utf8Problem problem) { return Utf8Flaw{i, length, problem}; };
  // The continuation bytes actually there after the lead byte, up to `wanted`.
  auto continuations = [&](size_t wanted) {
    size_t k = 1;
    while (k <= wanted && k < left && IsContinuation(at(k))) ++k;
    return k - 1;
  };
  if (c < 0xC0) return flaw(1, Utf8Problem::kStrayContinuation);
  if (c < 0xC2) return flaw(1 + continuations(1), Utf8Problem::kOverlong);
  if (c >= 0xF8) return flaw(1, Utf8Problem::kInvalidByte);
  if (c >= 0xF5) return flaw(1 + continuations(3), Utf8Problem::kBeyondUnicode);
  const size_t needed = c < 0xE0 ? 1 : c < 0xF0 ? 2 : 3;
  const size_t present = continuations(needed);
  if (present >= 1) {
    // The second byte's range tells the forms that are continuation bytes yet not UTF-8.
    const unsigned char second = at(1);
    if ((c == 0xE0 && second < 0xA0) || (c == 0xF0 && second < 0x90)) {
      return flaw(1 + present, Utf8Problem::kOverlong);
    }
    if (c == 0xED && second >= 0xA0) return flaw(1 + present, Utf8Problem::kSurrogate);
    if (c == 0xF4 && second >= 0x90) return flaw(1 + present, Utf8Problem::kBeyondUnicode);
  }
  if (present < needed) return flaw(1 + present, Utf8Problem::kTruncated);
  return Utf8Flaw{std::string_view::npos, 1 + needed, Utf8Problem::kNone};
}

Message ReasonOf(const Utf8Flaw& flaw, std::string_view bytes) {
  const std::string hex = Hex(bytes.substr(flaw.offset, flaw.length));
  switch (flaw.problem) {
    case Utf8Problem::kInvalidByte:
      return Message("core.utf8.invalid_byte", {{"bytes", hex}});
    case Utf8Problem::kStrayContinuation:
      return Message("core.utf8.stray_continuation", {{"bytes", hex}});
    case Utf8Problem::kTruncated:
      return Message("core.utf8.truncated", {{"bytes", hex}});
    case Utf8Problem::kOverlong:
      return Message("core.utf8.overlong", {{"bytes", hex}});
    case Utf8Problem::kSurrogate:
      return Message("core.utf8.surrogate", {{"bytes", hex}});
    case Utf8Problem::kBeyondUnicode:
      return Message("core.utf8.beyond_unicode", {{"bytes", hex}});
    case Utf8Problem::kNone:
      break;
  }
  return Message("core.utf8.invalid_byte", {{"bytes", hex}});
}

}  // namespace

Message FileLine(std::string_view file_name, size_t line) {
  return Message("core.place.file_line", {{"file", file_name}, {"line", line}});
}

Message FileLineColumn(std::string_view file_name, size_t line, size_t column) {
  return Message("core.place.file_line_column",
                 {{"file", file_name}, {"line", line}, {"column", column}});
}

TextPosition PositionAt(std::string_view text, size_t offset) {
  TextPosition position;
  const size_t end = offset < text.size() ? offset : text.size();
  for (size_t i = 0; i < end; ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c == '\n') {
      ++position.line;
      position.column = 1;
    } else if (!IsContinuation(c)) {
      ++position.column;
    }
  }
  return position;
}

Utf8Flaw FindInvalidUtf8(std::string_view bytes) {
  const size_t n = bytes.size();
  size_t i = 0;
  while (i < n) {
    // ASCII, the bulk of every file, eight bytes at a time.
    while (i + 8 <= n) {
      uint64_t word;
      std::memcpy(&word, bytes.data() + i, 8);
      if ((word & 0x8080808080808080ULL) != 0) break;
      i += 8;
    }
    if (i >= n) break;
    if (static_cast<unsigned char>(bytes[i]) < 0x80) {
      ++i;
      continue;
    }
    const Utf8Flaw sequence = SequenceAt(bytes, i);
    if (sequence.problem != Utf8Problem::kNone) return sequence;
    i += sequence.length;
  }
  return Utf8Flaw{};
}

Status CheckUtf8(std::string_view text, std::string_view file_name) {
  const Utf8Flaw flaw = FindInvalidUtf8(text);
  if (flaw.problem == Utf8Problem::kNone) return OkStatus();
  const TextPosition at = PositionAt(text, flaw.offset);
  return InvalidArgument(Message("core.utf8.invalid", {{"reason", ReasonOf(flaw, text)}}),
                         FileLineColumn(file_name, at.line, at.column));
}

std::string ToValidUtf8(std::string_view bytes) {
  std::string out;
  while (true) {
    const Utf8Flaw flaw = FindInvalidUtf8(bytes);
    if (flaw.problem == Utf8Problem::kNone) break;
    out.append(bytes.substr(0, flaw.offset));
    out += "\xEF\xBF\xBD";  // U+FFFD REPLACEMENT CHARACTER
    bytes.remove_prefix(flaw.offset + flaw.length);
  }
  out.append(bytes);
  return out;
}

}  // namespace keneya::core
