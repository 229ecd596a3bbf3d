// Text from outside Keneya: the one UTF-8 rule every reader applies, and places in a file.
//
// Every reader of outside text (data value sets in JSON, XML, CSV and ADX, DHIS2 metadata,
// program files and their CSV tables, hesabucli equation files) checks its whole input with
// CheckUtf8() before reading anything: invalid UTF-8 is a file error with its line and column,
// the same in every format, and nothing is read, so nothing is written.
//
//   KENEYA_RETURN_IF_ERROR(core::CheckUtf8(bytes, "declarations.csv"));
//   // error: "the text is not valid UTF-8: bytes ED A0 80 encode a surrogate (U+D800)",
//   //        where "declarations.csv:12:31"
//
// The rule is RFC 3629's: no overlong forms (C0 AF, E0 80 AF), no surrogates (ED A0 80), nothing
// above U+10FFFF (F4 90 80 80), no stray continuation byte, no sequence cut short. A byte order
// mark is valid UTF-8 (each reader decides whether to skip it).
#ifndef KENEYA_CORE_TEXT_H_
#define KENEYA_CORE_TEXT_H_

#include <cstddef>
#include <string>
#include <string_view>

#include "core/message.h"
#include "core/result.h"

namespace keneya::core {

// A place in a file, as readers name it: "declarations.csv:12" and "declarations.json:3:14"
// (line, then column, both 1-based).
Message FileLine(std::string_view file_name, size_t line);
Message FileLineColumn(std::string_view file_name, size_t line, size_t column);

// The line and column (1-based) of a byte offset in a text; the column counts characters as an
// editor shows them (UTF-8 continuation bytes do not count), not bytes.
struct TextPosition {
  size_t line = 1;
  size_t column = 1;
};
TextPosition PositionAt(std::string_view text, size_t offset);

enum class Utf8Problem {
  kNone,
  kInvalidByte,        // C0, C1, F5..FF: never in UTF-8
  kStrayContinuation,  // 80..BF where a character should start
  kTruncated,          // a lead byte without all its continuation bytes
  kOverlong,           // a character written with more bytes than it needs
  kSurrogate,          // U+D800..U+DFFF, reserved for UTF-16
  kBeyondUnicode,      // above U+10FFFF
};

// The first invalid sequence of `bytes`: its offset (npos when the text is valid), its length
// (the bytes that make the sequence invalid, at least 1) and why.
struct Utf8Flaw {
  size_t offset = std::string_view::npos;
  size_t length = 0;
  Utf8Problem problem = Utf8Problem::kNone;
};
Utf8Flaw FindInvalidUtf8(std::string_view bytes);
inline bool IsValidUtf8(std::string_view bytes) {
  return FindInvalidUtf8(bytes).problem == Utf8Problem::kNone;
}

// The rule: OK for valid UTF-8; otherwise InvalidArgument "core.utf8.invalid" naming the bytes
// in hexadecimal and why they are not UTF-8, at "file:line:column".
Status CheckUtf8(std::string_view text, std::string_view file_name);

// `bytes` as valid UTF-8, each invalid sequence replaced by U+FFFD: for what must be written
// whatever the data holds (an import summary, a log line), never for what is stored.
std::string ToValidUtf8(std::string_view bytes);

}  // namespace keneya::core

#endif  // KENEYA_CORE_TEXT_H_
