// Numbers and periods as people read them (io/readable.h): the words on an invoice's total,
// periods in words, decimals by language.
#include "io/readable.h"

#include <gtest/gtest.h>

namespace keneya::io {
namespace {

using core::Language;

TEST(ReadableTest, AmountsInFrenchWordsFollowTheRules) {
  const Language fr = Language::kFrench;
  EXPECT_EQ(AmountInWords(0, fr), "zéro franc CFA");
  EXPECT_EQ(AmountInWords(1, fr), "un franc CFA");
  EXPECT_EQ(AmountInWords(21, fr), "vingt et un francs CFA");
  EXPECT_EQ(AmountInWords(71, fr), "soixante et onze francs CFA");
  EXPECT_EQ(AmountInWords(80, fr), "quatre-vingts francs CFA");
  EXPECT_EQ(AmountInWords(81, fr), "quatre-vingt-un francs CFA");
  EXPECT_EQ(AmountInWords(91, fr), "quatre-vingt-onze francs CFA");
  EXPECT_EQ(AmountInWords(200, fr), "deux cents francs CFA");
  EXPECT_EQ(AmountInWords(201, fr), "deux cent un francs CFA");
  // mille is invariable and never "un mille"; before it, vingt and cent lose their s.
  EXPECT_EQ(AmountInWords(1000, fr), "mille francs CFA");
  EXPECT_EQ(AmountInWords(80000, fr), "quatre-vingt mille francs CFA");
  EXPECT_EQ(AmountInWords(200000, fr), "deux cent mille francs CFA");
  EXPECT_EQ(AmountInWords(2799815, fr),
            "deux millions sept cent quatre-vingt-dix-neuf mille huit cent quinze francs CFA");
  EXPECT_EQ(AmountInWords(1140657000, fr),
            "un milliard cent quarante millions six cent cinquante-sept mille francs CFA");
  EXPECT_EQ(AmountInWords(-300, fr), "moins trois cents francs CFA");
}

TEST(ReadableTest, AmountsInEnglishWords) {
  const Language en = Language::kEnglish;
  EXPECT_EQ(AmountInWords(0, en), "zero CFA francs");
  EXPECT_EQ(AmountInWords(1, en), "one CFA franc");
  EXPECT_EQ(AmountInWords(2799815, en),
            "two million seven hundred ninety-nine thousand eight hundred fifteen CFA francs");
  EXPECT_EQ(AmountInWords(-21, en), "minus twenty-one CFA francs");
}

TEST(ReadableTest, PeriodsInWords) {
  EXPECT_EQ(PeriodLabel("202401", Language::kFrench), "janvier 2024");
  EXPECT_EQ(PeriodLabel("202408", Language::kFrench), "août 2024");
  EXPECT_EQ(PeriodLabel("202401", Language::kEnglish), "January 2024");
  EXPECT_EQ(PeriodLabel("2024Q1", Language::kFrench), "1er trimestre 2024");
  EXPECT_EQ(PeriodLabel("2024Q3", Language::kFrench), "3e trimestre 2024");
  EXPECT_EQ(PeriodLabel("2024Q3", Language::kEnglish), "Q3 2024");
  // Other periods, and text that is no period, as they are.
  EXPECT_EQ(PeriodLabel("2024W3", Language::kFrench), "2024W3");
  EXPECT_EQ(PeriodLabel("not a period", Language::kFrench), "not a period");
}

TEST(ReadableTest, DecimalsByLanguage) {
  EXPECT_EQ(FormatDecimal(12.5, 4, Language::kFrench), "12,5");
  EXPECT_EQ(FormatDecimal(12.5, 4, Language::kEnglish), "12.5");
  EXPECT_EQ(FormatDecimal(1234567.126, 2, Language::kFrench), "1 234 567,13");
  EXPECT_EQ(FormatDecimal(1234567.126, 2, Language::kEnglish), "1,234,567.13");
  EXPECT_EQ(FormatDecimal(3.0, 4, Language::kFrench), "3");
  EXPECT_EQ(FormatDecimal(-0.75, 1, Language::kFrench), "-0,8");
}

}  // namespace
}  // namespace keneya::io
