// Messages in French: the catalogue's templates, and messages as the modules write them.
#include "core/i18n.h"

#include <gtest/gtest.h>

#include <set>
#include <string>

namespace keneya::core {
namespace {

size_t Holes(std::string_view text) {
  size_t n = 0;
  for (size_t at = text.find("{}"); at != std::string_view::npos; at = text.find("{}", at + 2)) ++n;
  return n;
}

TEST(I18nTest, EveryTemplateHasAsManyValuesInFrenchAndIsThereOnce) {
  std::set<std::string_view> seen;
  for (const auto& [en, fr] : FrenchCatalogue()) {
    EXPECT_EQ(Holes(en), Holes(fr)) << en;
    EXPECT_TRUE(seen.insert(en).second) << "twice: " << en;
    EXPECT_EQ(en.find("{}{}"), std::string_view::npos) << "two values side by side: " << en;
  }
  EXPECT_GT(seen.size(), 150u);
}

TEST(I18nTest, TranslatesMessagesWithTheirNamesAndValues) {
  const Language fr = Language::kFrench;
  EXPECT_EQ(Localize("no org unit group 'EQUITE_99'", fr),
            "aucun groupe d'unités d'organisation 'EQUITE_99'");
  // A value that is itself a message is translated too.
  EXPECT_EQ(Localize("enveloppes.csv:2: envelope: no org unit 'DS_KATYY' in the database (code or "
                     "uid)",
                     fr),
            "enveloppes.csv:2 : envelope : aucune unité d'organisation 'DS_KATYY' dans la base "
            "(code ou uid)");
  EXPECT_EQ(Localize("quantite.ecart, column 9: Unbalanced parenthesis", fr),
            "quantite.ecart, colonne 9 : Parenthèses déséquilibrées");
  EXPECT_EQ(Localize("qualite.score_qualite, column 7: SAFE_DIV takes 2 arguments, not 1", fr),
            "qualite.score_qualite, colonne 7 : SAFE_DIV prend 2 arguments, pas 1");
  EXPECT_EQ(Localize("a, column 1: ACCESS takes at least 2 arguments, not 1", fr),
            "a, colonne 1 : ACCESS prend au moins 2 arguments, pas 1");
  EXPECT_EQ(
      Localize("the two results of IF must be of the same kind, not a number and a boolean", fr),
      "les deux résultats de IF doivent être de même sorte, pas un nombre et un booléen");
  // Several lines, each on its own; the most specific template wins.
  EXPECT_EQ(Localize("2 problems in the program, nothing stored:\nquantite.montant: No parameter "
                     "'tarif' found.\ntarifs.csv: no row gives 'tariff' for activity "
                     "'cesarienne' of package quantite",
                     fr),
            "2 problèmes dans le programme, rien n'est enregistré :\nquantite.montant : Aucun "
            "paramètre 'tarif' trouvé.\ntarifs.csv : aucune ligne ne donne 'tariff' pour "
            "l'activité 'cesarienne' du paquet quantite");
}

TEST(I18nTest, LeavesUnknownMessagesAndEnglishAlone) {
  EXPECT_EQ(Localize("something nobody translated", Language::kFrench),
            "something nobody translated");
  EXPECT_EQ(Localize("no org unit group 'X'", Language::kEnglish), "no org unit group 'X'");
  EXPECT_EQ(Localize("", Language::kFrench), "");
  // A value may be empty (an empty cell).
  EXPECT_EQ(Localize("no org unit group ''", Language::kFrench),
            "aucun groupe d'unités d'organisation ''");
}

TEST(I18nTest, NamesUsersChoseAreNeverTranslated) {
  const Language fr = Language::kFrench;
  // An invoice number, a constant, a facility that happen to be English words.
  EXPECT_EQ(Localize("no invoice invoice", fr), "aucune facture invoice");
  EXPECT_EQ(Localize("the program has no constant 'contract' (a, b)", fr),
            "le programme n'a pas de constante 'contract' (a, b)");
  EXPECT_EQ(Localize("invoice: no such org unit", fr),
            "invoice : unité d'organisation introuvable");
  // Keneya's own words inside its messages are.
  EXPECT_EQ(Localize("day 30 does not exist in February 2026", fr),
            "le jour 30 n'existe pas en février 2026");
  EXPECT_EQ(
      Localize("expected a number in arithmetic, but the value at column 14 is a boolean", fr),
      "un nombre est attendu dans un calcul, mais la valeur de la colonne 14 est un booléen");
  // A place alone is translated.
  EXPECT_EQ(Localize("invoice", fr), "facture");
}

}  // namespace
}  // namespace keneya::core
