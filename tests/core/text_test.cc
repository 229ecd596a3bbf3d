// The one UTF-8 rule for outside text (core/text.h), held against an oracle written from RFC
// 3629's definition over every sequence of up to three bytes and every lead of four.
#include "core/text.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <string>

namespace keneya::core {
namespace {

// The oracle: decodes one character by the definition (lead byte, continuation bytes, value),
// then refuses what RFC 3629 excludes. True when `bytes` is exactly valid UTF-8 characters.
bool ValidByDefinition(const std::string& bytes) {
  size_t i = 0;
  while (i < bytes.size()) {
    const auto c = static_cast<unsigned char>(bytes[i]);
    size_t length;
    uint32_t value;
    if (c < 0x80) {
      ++i;
      continue;
    } else if ((c >> 5) == 0x6) {
      length = 2;
      value = c & 0x1F;
    } else if ((c >> 4) == 0xE) {
      length = 3;
      value = c & 0x0F;
    } else if ((c >> 3) == 0x1E) {
      length = 4;
      value = c & 0x07;
    } else {
      return false;
    }
    if (i + length > bytes.size()) return false;
    for (size_t k = 1; k < length; ++k) {
      const auto b = static_cast<unsigned char>(bytes[i + k]);
      if ((b >> 6) != 0x2) return false;
      value = (value << 6) | (b & 0x3F);
    }
    const uint32_t smallest = length == 2 ? 0x80 : length == 3 ? 0x800 : 0x10000;
    if (value < smallest) return false;                    // overlong
    if (value >= 0xD800 && value <= 0xDFFF) return false;  // surrogate
    if (value > 0x10FFFF) return false;                    // beyond Unicode
    i += length;
  }
  return true;
}

std::string Bytes(std::initializer_list<int> values) {
  std::string out;
  for (int v : values) out += static_cast<char>(v);
  return out;
}

TEST(Utf8Test, AgreesWithTheDefinitionOnEverySequenceOfUpToThreeBytes) {
  std::string s(3, '\0');
  for (int a = 0; a < 256; ++a) {
    EXPECT_EQ(IsValidUtf8(Bytes({a})), ValidByDefinition(Bytes({a}))) << a;
    for (int b = 0; b < 256; ++b) {
      const std::string two = Bytes({a, b});
      ASSERT_EQ(IsValidUtf8(two), ValidByDefinition(two)) << a << " " << b;
      if (a < 0xC0) continue;  // three bytes after an ASCII or continuation byte: the above again
      for (int c = 0; c < 256; ++c) {
        s[0] = static_cast<char>(a);
        s[1] = static_cast<char>(b);
        s[2] = static_cast<char>(c);
        ASSERT_EQ(IsValidUtf8(s), ValidByDefinition(s)) << a << " " << b << " " << c;
      }
    }
  }
}

TEST(Utf8Test, AgreesWithTheDefinitionOnFourByteSequences) {
  for (int a = 0xF0; a < 0x100; ++a) {
    for (int b = 0; b < 256; ++b) {
      for (int c : {0x00, 0x7F, 0x80, 0xBF, 0xC0}) {
        for (int d : {0x41, 0x80, 0x9F, 0xBF, 0xF0}) {
          const std::string four = Bytes({a, b, c, d});
          ASSERT_EQ(IsValidUtf8(four), ValidByDefinition(four)) << a << " " << b;
        }
      }
    }
  }
  // Every code point, encoded, is valid; within longer ASCII runs too (the 8-byte fast path).
  for (uint32_t cp = 0; cp <= 0x10FFFF; cp += (cp < 0x20000 ? 1 : 61)) {
    if (cp >= 0xD800 && cp <= 0xDFFF) continue;
    std::string e;
    if (cp < 0x80) {
      e = Bytes({static_cast<int>(cp)});
    } else if (cp < 0x800) {
      e = Bytes({0xC0 | static_cast<int>(cp >> 6), 0x80 | static_cast<int>(cp & 0x3F)});
    } else if (cp < 0x10000) {
      e = Bytes({0xE0 | static_cast<int>(cp >> 12), 0x80 | static_cast<int>((cp >> 6) & 0x3F),
                 0x80 | static_cast<int>(cp & 0x3F)});
    } else {
      e = Bytes({0xF0 | static_cast<int>(cp >> 18), 0x80 | static_cast<int>((cp >> 12) & 0x3F),
                 0x80 | static_cast<int>((cp >> 6) & 0x3F), 0x80 | static_cast<int>(cp & 0x3F)});
    }
    ASSERT_TRUE(IsValidUtf8("abcdefghij" + e + "klmnopqrstu")) << cp;
  }
}

TEST(Utf8Test, SaysWhyAndWhere) {
  struct Case {
    std::string text;
    size_t offset;
    size_t length;
    Utf8Problem problem;
  };
  const Case cases[] = {
      {"ab\xED\xA0\x80", 2, 3, Utf8Problem::kSurrogate},
      {"\xED\xBF\xBF", 0, 3, Utf8Problem::kSurrogate},
      {"x\xE0\x80\xAF", 1, 3, Utf8Problem::kOverlong},
      {"\xC0\xAF", 0, 2, Utf8Problem::kOverlong},
      {"\xF0\x8F\xBF\xBF", 0, 4, Utf8Problem::kOverlong},
      {"\xF4\x90\x80\x80", 0, 4, Utf8Problem::kBeyondUnicode},
      {"\xF7\xBF\xBF\xBF", 0, 4, Utf8Problem::kBeyondUnicode},
      {"abcdefghijk\x80", 11, 1, Utf8Problem::kStrayContinuation},
      {"caf\xE9 au lait", 3, 1, Utf8Problem::kTruncated},
      {"\xE2\x82", 0, 2, Utf8Problem::kTruncated},
      {"\xFF", 0, 1, Utf8Problem::kInvalidByte},
  };
  for (const Case& c : cases) {
    const Utf8Flaw flaw = FindInvalidUtf8(c.text);
    EXPECT_EQ(flaw.offset, c.offset) << c.text;
    EXPECT_EQ(flaw.length, c.length) << c.text;
    EXPECT_EQ(flaw.problem, c.problem) << c.text;
  }
  EXPECT_EQ(FindInvalidUtf8("S\xC3\xA9gou \xF0\x9F\x98\x80").problem, Utf8Problem::kNone);
  EXPECT_EQ(FindInvalidUtf8("").problem, Utf8Problem::kNone);

  // Columns count characters: "Ségou" is five.
  const Status status = CheckUtf8("a,b\nS\xC3\xA9gou,\xED\xA0\x80\n", "f.csv");
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(status.error().where, "f.csv:2:7");
  EXPECT_EQ(status.error().message,
            "the text is not valid UTF-8: the sequence ED A0 80 encodes a surrogate (U+D800 to "
            "U+DFFF), reserved for UTF-16 (save the file as UTF-8)");
  EXPECT_EQ(Describe(status.error(), Language::kFrench),
            "le texte n'est pas en UTF-8 valide : la séquence ED A0 80 code un "
            "demi-code de substitution (U+D800 à U+DFFF), réservé à l'UTF-16 (enregistrez le "
            "fichier en UTF-8) (f.csv:2:7)");
  EXPECT_TRUE(CheckUtf8("S\xC3\xA9gou", "f.csv").ok());
}

TEST(Utf8Test, PositionsCountLinesAndCharacters) {
  const std::string text = "ab\nS\xC3\xA9gou\n\nz";
  EXPECT_EQ(PositionAt(text, 0).line, 1u);
  EXPECT_EQ(PositionAt(text, 2).column, 3u);
  EXPECT_EQ(PositionAt(text, 3).line, 2u);
  EXPECT_EQ(PositionAt(text, 3).column, 1u);
  EXPECT_EQ(PositionAt(text, 7).column, 4u);  // after "Sé" and "g"
  EXPECT_EQ(PositionAt(text, 11).line, 4u);
  EXPECT_EQ(PositionAt(text, 100).line, 4u);  // past the end: the end
}

TEST(Utf8Test, ToValidUtf8ReplacesEachFlawAndKeepsTheRest) {
  EXPECT_EQ(ToValidUtf8("S\xC3\xA9gou"), "S\xC3\xA9gou");
  EXPECT_EQ(ToValidUtf8("a\xED\xA0\x80z"), "a\xEF\xBF\xBDz");
  EXPECT_EQ(ToValidUtf8("caf\xE9"), "caf\xEF\xBF\xBD");
  EXPECT_EQ(ToValidUtf8("\x80\x80"), "\xEF\xBF\xBD\xEF\xBF\xBD");
  std::string every_byte;
  for (int b = 0; b < 256; ++b) every_byte += static_cast<char>(b);
  EXPECT_TRUE(IsValidUtf8(ToValidUtf8(every_byte)));
  EXPECT_EQ(ToValidUtf8(every_byte).substr(0, 128), every_byte.substr(0, 128));
}

}  // namespace
}  // namespace keneya::core
