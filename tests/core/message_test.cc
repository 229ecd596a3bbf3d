// The catalogue of messages: every id in both languages with the same arguments, and how a
// message, its arguments and an error's place are rendered.
#include "core/message.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <regex>
#include <set>
#include <string>

#include "core/date.h"
#include "core/period.h"
#include "core/result.h"

namespace keneya::core {
namespace {

std::set<std::string_view> Names(std::string_view text) {
  const std::vector<std::string_view> names = Placeholders(text);
  return {names.begin(), names.end()};
}

TEST(MessageTest, EveryIdIsWellFormedUniqueAndInBothLanguagesWithTheSameArguments) {
  const std::regex id_form("[a-z][a-z0-9_]*(\\.[a-z0-9_]+)+");
  std::set<std::string_view> seen;
  for (const CatalogueEntry& e : Catalogue()) {
    EXPECT_TRUE(std::regex_match(std::string(e.id), id_form)) << e.id;
    EXPECT_TRUE(seen.insert(e.id).second) << "twice: " << e.id;
    EXPECT_FALSE(e.en.empty()) << e.id;
    EXPECT_FALSE(e.fr.empty()) << e.id;
    EXPECT_EQ(Names(e.en), Names(e.fr)) << e.id << "\n  en: " << e.en << "\n  fr: " << e.fr;
    // An argument given twice in one language is a slip more often than a choice.
    EXPECT_EQ(Placeholders(e.en).size(), Names(e.en).size()) << e.id;
  }
  EXPECT_GT(seen.size(), 300u);
}

TEST(MessageTest, FrenchTypographyBeforeColons) {
  // "mot: suite" in French is "mot : suite": a colon after a letter, with no space before it,
  // is almost always an English habit carried over.
  const std::regex english_colon("[A-Za-zÀ-ÿ]: ");
  for (const CatalogueEntry& e : Catalogue()) {
    if (e.fr == e.en) continue;  // a text the same in both languages: a place, a unit
    EXPECT_FALSE(std::regex_search(std::string(e.fr), english_colon)) << e.id << ": " << e.fr;
  }
}

TEST(MessageTest, RendersArgumentsByNameInEachLanguage) {
  const Message m("core.stored_row", {{"column", "type"}, {"table", "org_unit"}, {"row", 12}});
  EXPECT_EQ(Render(m, Language::kEnglish), "table org_unit, row 12, column type");
  EXPECT_EQ(Render(m, Language::kFrench), "table org_unit, ligne 12, colonne type");
  EXPECT_EQ(Render(m, Language::kPseudo), "⟦table org_unit, row 12, column type⟧");
}

TEST(MessageTest, NestedMessagesRenderInTheSameLanguage) {
  const Message inner("core.stored_row", {{"table", "t"}, {"row", "r"}, {"column", "c"}});
  const Message outer("core.place_in", {{"outer", "base.db"}, {"inner", inner}});
  EXPECT_EQ(Render(outer, Language::kFrench), "base.db : table t, ligne r, colonne c");
  EXPECT_EQ(Render(outer, Language::kPseudo), "⟦base.db: ⟦table t, row r, column c⟧⟧");
}

TEST(MessageTest, NumbersByKindAndLanguage) {
  EXPECT_EQ(Render(Message("core.place_in", {Grouped("outer", 1140657000), {"inner", 2024}}),
                   Language::kFrench),
            "1 140 657 000 : 2024");
  EXPECT_EQ(Render(Message("core.place_in", {Grouped("outer", 1140657000), {"inner", 12.5}}),
                   Language::kEnglish),
            "1,140,657,000: 12.5");
  EXPECT_EQ(Render(Message("core.place_in", {{"outer", -3}, {"inner", 12.5}}), Language::kFrench),
            "-3 : 12,5");
}

TEST(MessageTest, AnUnknownIdOrAMissingArgumentStillShowsSomething) {
  EXPECT_EQ(Render(Message("nowhere.at_all", {{"code", "X"}}), Language::kFrench),
            "nowhere.at_all code=X");
  EXPECT_EQ(Render(Message("core.place_in", {{"outer", "a"}}), Language::kEnglish), "a: {inner}");
}

TEST(MessageTest, AnErrorKeepsItsEnglishAndRendersWithItsPlaceByLanguage) {
  const Error e =
      NotFound(Message("core.place_in", {{"outer", "x"}, {"inner", "y"}}),
               Message("core.stored_row", {{"table", "period"}, {"row", "7"}, {"column", "type"}}))
          .In("base.db");
  EXPECT_EQ(e.message, "x: y");
  EXPECT_EQ(e.where, "base.db: table period, row 7, column type");
  EXPECT_EQ(e.ToString(), "not found: x: y (base.db: table period, row 7, column type)");
  EXPECT_EQ(Describe(e, Language::kFrench),
            "x : y (base.db : table period, ligne 7, colonne type)");
  EXPECT_EQ(Describe(e, Language::kPseudo),
            "⟦⟦x: y⟧ (⟦base.db: ⟦table period, row 7, column type⟧⟧)⟧");
}

TEST(MessageTest, CoreErrorsReadInFrenchWithTheirValues) {
  const Result<Date> day = Date::Parse("2026-02-30");
  ASSERT_FALSE(day.ok());
  EXPECT_NE(
      Describe(day.error(), Language::kFrench).find("le jour 30 n'existe pas en février 2026"),
      std::string::npos)
      << Describe(day.error(), Language::kFrench);
  const Result<Period> quarter = Period::Parse("2023Q5");
  ASSERT_FALSE(quarter.ok());
  EXPECT_EQ(Describe(quarter.error(), Language::kFrench),
            "le trimestre 5 n'existe pas (Q1 à Q4) (période « 2023Q5 »)");
  EXPECT_EQ(Describe(quarter.error(), Language::kEnglish),
            "quarter 5 does not exist (Q1 to Q4) (period \"2023Q5\")");
}

}  // namespace
}  // namespace keneya::core
