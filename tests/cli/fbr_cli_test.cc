// The FBR commands as a user runs them, on a demo database of 2024 without its history (the last
// year's quarters computed as drafts, nothing in the workflow yet): check, program, contract,
// compute, explain, simulate, invoices. Bad programs are refused with every problem listed and
// nothing stored.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cctype>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "tests/cli/run_keneya.h"

namespace keneya::cli {
namespace {

namespace fs = std::filesystem;
using testing::Keneya;
using testing::Outcome;

std::string ReadText(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

void WriteText(const fs::path& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary);
  out << text;
}

// Replaces `from` (which must be there) by `to` in a file.
void Edit(const fs::path& path, const std::string& from, const std::string& to) {
  std::string text = ReadText(path);
  const size_t at = text.find(from);
  ASSERT_NE(at, std::string::npos) << from;
  text.replace(at, from.size(), to);
  WriteText(path, text);
}

size_t Count(const std::string& text, const std::string& what) {
  size_t n = 0;
  for (size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

class FbrCliTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = fs::temp_directory_path() / ("keneya_fbr_cli_" + std::to_string(getpid()));
    fs::create_directories(dir_);
    db_ = (dir_ / "demo.db").string();
    // Without the workflow's history: these commands are tried on drafts.
    const Outcome demo = Keneya("--db " + db_ + " demo --from 2024 --to 2024 --without-history");
    ASSERT_EQ(demo.status, 0) << demo.output;
  }
  static void TearDownTestSuite() { fs::remove_all(dir_); }

  // A copy of the demo program, to break.
  static fs::path CopyOfDemoProgram(const std::string& name) {
    const fs::path copy = dir_ / name;
    fs::remove_all(copy);
    fs::copy(fs::path(KENEYA_PROGRAMS) / "fbr-mali", copy);
    return copy;
  }

  static Outcome Run(const std::string& arguments) {
    return Keneya("--db " + db_ + " " + arguments);
  }

  static inline fs::path dir_;
  static inline std::string db_;
};

TEST_F(FbrCliTest, TheDemoHasItsProgramContractsAndInvoices) {
  Outcome programs = Run("program list");
  EXPECT_EQ(programs.status, 0);
  EXPECT_NE(programs.output.find("FBR_MALI v1"), std::string::npos) << programs.output;
  Outcome runs = Run("invoices list");
  EXPECT_EQ(Count(runs.output, "FBR_MALI v1  paiement"), 4u) << runs.output;
  EXPECT_NE(runs.output.find("2024Q3  brouillon  2 000 factures"), std::string::npos)
      << runs.output;
  Outcome info = Run("info");
  EXPECT_NE(info.output.find("Programmes FBR : 1  FBR_MALI v1"), std::string::npos) << info.output;
  EXPECT_NE(info.output.find("Contrats : 2 000"), std::string::npos) << info.output;
  EXPECT_NE(info.output.find("Lots de facturation : 4 (en vigueur : 4, 8 000 factures)"),
            std::string::npos)
      << info.output;
  Outcome check = Keneya("check " + std::string(KENEYA_PROGRAMS) + "/fbr-mali");
  EXPECT_EQ(check.status, 0) << check.output;
  EXPECT_NE(check.output.find("aucun problème"), std::string::npos) << check.output;
}

// A run's invoices, found without knowing their numbers: by district and facility type.
TEST_F(FbrCliTest, ListsARunsInvoicesByDistrictAndType) {
  const std::string runs = Run("invoices list").output;
  const size_t q3 = runs.find("2024Q3  brouillon");
  ASSERT_NE(q3, std::string::npos) << runs;
  const size_t line = runs.rfind('\n', q3) + 1;
  const std::string id = runs.substr(line, runs.find(' ', line) - line);
  Outcome kati = Run("invoices list --run " + id + " --zone DS_KATI --type CSCOM");
  ASSERT_EQ(kati.status, 0) << kati.output;
  EXPECT_NE(kati.output.find("Koko II"), std::string::npos) << kati.output;
  size_t rows = 0;
  std::istringstream lines(kati.output);
  for (std::string row; std::getline(lines, row);) {
    if (row.find(" FCFA") == std::string::npos || row.find("factures, total") != std::string::npos)
      continue;
    ++rows;
    EXPECT_NE(row.find("District sanitaire de Kati"), std::string::npos) << row;
    EXPECT_NE(row.find("CSCOM"), std::string::npos) << row;
  }
  EXPECT_GT(rows, 10u);
  EXPECT_NE(kati.output.find(std::to_string(rows) + " factures, total "), std::string::npos)
      << kati.output;
  Outcome facility_zone = Run("invoices list --run " + id + " --zone CSCOM_KATI_KOKO_II");
  EXPECT_EQ(facility_zone.status, 1);
  EXPECT_NE(facility_zone.output.find("n'est ni une région ni un district"), std::string::npos)
      << facility_zone.output;
  Outcome without_run = Run("invoices list --zone DS_KATI");
  EXPECT_NE(without_run.status, 0);
}

TEST_F(FbrCliTest, ABadProgramIsRefusedWithEveryProblemAndNothingStored) {
  const fs::path bad = CopyOfDemoProgram("bad_formulas");
  const fs::path toml = bad / "programme.toml";
  // A syntax error, an unknown name, a cycle (told on both its formulas), a wrong argument
  // count, a missing tariff row: six problems.
  Edit(toml, "expression = \"safe_div(abs(declared - verified), declared)\"",
       "expression = \"safe_div(abs(declared - verified), declared\"");
  Edit(toml, "expression = \"paye * tariff\"", "expression = \"paye * tarif\"");
  Edit(toml, "expression = \"sum(%{rejet_values})\"",
       "expression = \"sum(%{rejet_values}) + 0 * part_du_district\"");
  Edit(toml, "expression = \"safe_div(total_quantite, total_district)\"",
       "expression = \"safe_div(total_quantite, total_district) + 0 * activites_rejetees\"");
  Edit(toml, "sum(%{retenus_values}), sum(%{possibles_values}))", "sum(%{retenus_values}))");
  Edit(bad / "tarifs.csv", "cesarienne,25000\n", "");

  Outcome check = Keneya("check " + bad.string());
  EXPECT_EQ(check.status, 1) << check.output;
  EXPECT_NE(check.output.find("Programme refusé"), std::string::npos) << check.output;
  EXPECT_NE(check.output.find("quantite.ecart, colonne 9 : Parenthèses déséquilibrées"),
            std::string::npos)
      << check.output;
  EXPECT_NE(check.output.find("quantite.montant : Aucun paramètre 'tarif' trouvé."),
            std::string::npos);
  EXPECT_NE(check.output.find("cycle entre les formules : quantite.activites_rejetees -> "
                              "quantite.part_du_district -> quantite.activites_rejetees"),
            std::string::npos);
  EXPECT_NE(check.output.find("qualite.score_qualite, colonne 7 : SAFE_DIV prend 2 arguments, "
                              "pas 1"),
            std::string::npos);
  EXPECT_NE(check.output.find("tarifs.csv : aucune ligne ne donne 'tariff' pour l'activité "
                              "'cesarienne'"),
            std::string::npos);
  EXPECT_NE(check.output.find("6 problèmes"), std::string::npos) << check.output;
  // The same in English.
  Outcome english = Keneya("--lang en check " + bad.string());
  EXPECT_NE(english.output.find("quantite.ecart, column 9: Unbalanced parenthesis"),
            std::string::npos)
      << english.output;
  EXPECT_NE(english.output.find("tarifs.csv: no row gives 'tariff' for activity 'cesarienne'"),
            std::string::npos);

  // Computing with it stores nothing: no program version, no invoice run.
  const std::string programs_before = Run("program list").output;
  const std::string runs_before = Run("invoices list").output;
  Outcome compute = Run("compute --draft --program " + bad.string() + " --period 2024Q1");
  EXPECT_EQ(compute.status, 1) << compute.output;
  EXPECT_NE(compute.output.find("6 problèmes dans le programme, rien n'est enregistré"),
            std::string::npos)
      << compute.output;
  EXPECT_NE(compute.output.find("Aucun paramètre 'tarif' trouvé."), std::string::npos);
  Outcome english_compute =
      Run("--lang en compute --draft --program " + bad.string() + " --period 2024Q1");
  EXPECT_NE(english_compute.output.find("6 problems in the program, nothing stored"),
            std::string::npos)
      << english_compute.output;
  EXPECT_EQ(Run("program list").output, programs_before);
  EXPECT_EQ(Run("invoices list").output, runs_before);
}

TEST_F(FbrCliTest, ATomlSyntaxErrorIsRefusedWithItsLine) {
  const fs::path bad = CopyOfDemoProgram("bad_toml");
  Edit(bad / "programme.toml", "[program]\n", "[program\n");
  Outcome check = Keneya("check " + bad.string());
  EXPECT_EQ(check.status, 1);
  EXPECT_NE(check.output.find("programme.toml:12 : syntaxe TOML :"), std::string::npos)
      << check.output;
  Outcome compute = Run("--lang en compute --draft --program " + bad.string() + " --period 2024Q1");
  EXPECT_EQ(compute.status, 1);
  EXPECT_NE(compute.output.find("programme.toml:12: TOML syntax:"), std::string::npos)
      << compute.output;
}

TEST_F(FbrCliTest, ATariffRowMissingForSomeFacilitiesIsFoundOnTheDataAndNothingStored) {
  const fs::path bad = CopyOfDemoProgram("bad_rows");
  std::string tariffs = "in:activity,in:facility_type,out:tariff\n";
  std::istringstream rows(ReadText(bad / "tarifs.csv"));
  std::string row;
  std::getline(rows, row);  // header
  while (std::getline(rows, row)) {
    const std::string activity = row.substr(0, row.find(','));
    // Césariennes priced for regional hospitals only: the CSRéf have no row.
    tariffs += activity + (activity == "cesarienne" ? ",EPH," : ",*,") +
               row.substr(row.find(',') + 1) + "\n";
  }
  WriteText(bad / "tarifs.csv", tariffs);
  Outcome check = Keneya("check " + bad.string());
  EXPECT_EQ(check.status, 0) << check.output;  // nothing wrong in the files alone
  const std::string runs_before = Run("invoices list").output;
  Outcome with_data = Run("check " + bad.string() + " --period 2024Q1");
  EXPECT_EQ(with_data.status, 1) << with_data.output;
  EXPECT_NE(with_data.output.find(
                "activity=cesarienne, facility_type=CSREF (75 formations, la première : CSREF_"),
            std::string::npos)
      << with_data.output;
  Outcome compute = Run("compute --draft --program " + bad.string() + " --period 2024Q1");
  EXPECT_EQ(compute.status, 1);
  EXPECT_NE(compute.output.find("Rien n'a été enregistré"), std::string::npos) << compute.output;
  EXPECT_EQ(Run("invoices list").output, runs_before);
  EXPECT_EQ(Count(Run("program list").output, "FBR_MALI v"), 1u);
}

TEST_F(FbrCliTest, OverlappingContractsAreRefused) {
  Outcome signed_again =
      Run("contract sign --program FBR_MALI --facility CSCOM_KATI_KOKO_II --start 2024-06-01");
  EXPECT_EQ(signed_again.status, 1) << signed_again.output;
  EXPECT_NE(signed_again.output.find("chevauche le contrat"), std::string::npos)
      << signed_again.output;
  Outcome list = Run("contract list --program FBR_MALI --facility CSCOM_KATI_KOKO_II");
  EXPECT_EQ(Count(list.output, "CSCOM_KATI_KOKO_II"), 1u) << list.output;
}

TEST_F(FbrCliTest, SuspendsComputesExplainsSimulatesAndExports) {
  // Suspend a facility from April: its 2024Q2 invoice disappears from a new run.
  Outcome list = Run("contract list --program FBR_MALI --facility CSCOM_KATI_KOKO_II");
  const std::string id = list.output.substr(0, list.output.find(' '));
  Outcome suspend = Run("contract suspend " + id + " --date 2024-04-01 --reason 'audit en cours'");
  ASSERT_EQ(suspend.status, 0) << suspend.output;
  EXPECT_NE(suspend.output.find("Attention : les lots déjà calculés de 2024Q2, 2024Q3, 2024Q4 "
                                "gardent les anciennes conditions"),
            std::string::npos)
      << suspend.output;
  Outcome compute = Run("compute --draft --program FBR_MALI --period 2024Q2");
  ASSERT_EQ(compute.status, 0) << compute.output;
  EXPECT_NE(compute.output.find("factures : 1 999"), std::string::npos) << compute.output;
  EXPECT_NE(compute.output.find("contrats suspendus : 1"), std::string::npos);
  EXPECT_NE(Run("invoices list").output.find("1 999 factures  0 sans déclaration  1 suspendu "),
            std::string::npos);
  EXPECT_NE(compute.output.find("Lot de facturation 5 enregistré"), std::string::npos);
  Outcome history = Run("contract history " + id);
  EXPECT_NE(
      history.output.find("2021-01-01.. EQUITE_0 actif -> 2021-01-01..2024-03-31 EQUITE_0 actif"),
      std::string::npos)
      << history.output;
  EXPECT_NE(history.output.find("(audit en cours)"), std::string::npos);

  // The stored Q1 invoice of Koko II is still there, explained in French and English.
  Outcome show = Run("invoices show FBR_MALI-2024Q3-00001");
  EXPECT_EQ(show.status, 0) << show.output;
  EXPECT_NE(show.output.find("TOTAL À PAYER (FCFA)"), std::string::npos);
  EXPECT_NE(show.output.find("Arrêtée à la somme de"), std::string::npos);
  Outcome explain = Run("explain FBR_MALI-2024Q3-00001 --depth 1");
  EXPECT_EQ(explain.status, 0) << explain.output;
  EXPECT_NE(explain.output.find(
                "paiement.total [2024Q3] = total_quantite * (1 + equity_bonus) + bonus_qualite"),
            std::string::npos)
      << explain.output;
  Outcome english =
      Run("--lang en explain FBR_MALI-2024Q3-00001 --formula quantite.montant --activity "
          "accouchement --of-period 202408");
  EXPECT_EQ(english.status, 0) << english.output;
  EXPECT_NE(english.output.find("« Amount »"), std::string::npos) << english.output;
  EXPECT_NE(english.output.find("(tarifs.csv:7)"), std::string::npos);
  Outcome unknown = Run("explain FBR_MALI-2024Q3-00001 --formula nothing");
  EXPECT_EQ(unknown.status, 1);
  EXPECT_NE(unknown.output.find("n'a pas de formule 'nothing' (bonus_equite, bonus_qualite, total"),
            std::string::npos)
      << unknown.output;

  // The district's total comes from the invoice's snapshot; the total reaches what is paid.
  Outcome district =
      Run("explain FBR_MALI-2024Q3-00001 --formula quantite.total_district --of-period 202407");
  EXPECT_EQ(district.status, 0) << district.output;
  EXPECT_NE(district.output.find("valeur de la zone au calcul de la facture"), std::string::npos)
      << district.output;
  EXPECT_EQ(district.output.find("└─"), std::string::npos) << district.output;
  EXPECT_NE(explain.output.find("chaque ligne est arrondie au franc"), std::string::npos)
      << explain.output;
  Outcome in_package = Run("--lang en explain FBR_MALI-2024Q3-00001 --formula montant");
  EXPECT_NE(in_package.output.find("did you mean quantite.montant?"), std::string::npos)
      << in_package.output;
  Outcome no_activity =
      Run("explain FBR_MALI-2024Q3-00001 --formula quantite.montant --activity foo");
  EXPECT_NE(no_activity.output.find("le paquet quantite n'a pas d'activité 'foo' (consult_5plus, "),
            std::string::npos)
      << no_activity.output;
  Outcome no_month =
      Run("explain FBR_MALI-2024Q3-00001 --formula quantite.montant --activity cpn1 --of-period "
          "202401");
  EXPECT_NE(no_month.output.find("(202407, 202408, 202409) (--of-period)"), std::string::npos)
      << no_month.output;
  Outcome not_paid =
      Run("explain --program FBR_MALI --period 2024Q3 --facility CCS_COMMUNE_II_BOUGOUBA --formula "
          "quantite.montant --activity cesarienne");
  EXPECT_EQ(not_paid.status, 1);
  EXPECT_NE(not_paid.output.find("l'activité cesarienne n'est pas payée aux formations CCS "
                                 "(seulement CSREF, EPH)"),
            std::string::npos)
      << not_paid.output;

  // What if deliveries were paid 6 000?
  Outcome simulate =
      Run("simulate --program FBR_MALI --period 2024Q1 --set tariff[accouchement]=6000");
  EXPECT_EQ(simulate.status, 0) << simulate.output;
  EXPECT_NE(simulate.output.find("Simulation (rien n'est enregistré)"), std::string::npos);
  EXPECT_NE(simulate.output.find("TOTAL"), std::string::npos);
  EXPECT_NE(simulate.output.find("+"), std::string::npos);
  Outcome bad_set = Run("simulate --program FBR_MALI --period 2024Q1 --set nothing=1");
  EXPECT_EQ(bad_set.status, 1);
  EXPECT_NE(bad_set.output.find("le programme n'a pas de constante 'nothing'"), std::string::npos)
      << bad_set.output;

  for (const char* format : {"csv", "xlsx", "pdf", "dhis2"}) {
    const std::string out = (dir_ / (std::string("q3.") + format)).string();
    Outcome exported =
        Run(std::string("invoices export --period 2024Q3 --format ") + format + " --out " + out);
    EXPECT_EQ(exported.status, 0) << format << exported.output;
    EXPECT_NE(exported.output.find("2 000 factures exportées"), std::string::npos)
        << exported.output;
    EXPECT_GT(fs::file_size(out), 10000u) << format;
  }
  EXPECT_EQ(ReadText(dir_ / "q3.pdf").substr(0, 5), "%PDF-");
  EXPECT_EQ(ReadText(dir_ / "q3.xlsx").substr(0, 2), "PK");
  const std::string dhis2 = ReadText(dir_ / "q3.dhis2");
  EXPECT_NE(dhis2.find("\"dataElement\":\"FbrResTot01\",\"period\":\"2024Q3\""), std::string::npos);
  EXPECT_EQ(Count(dhis2, "FbrResTot01"), 2000u);
  EXPECT_EQ(Count(dhis2, "FbrResQty01"), 6000u);
}

// What a user may get wrong is refused, says where, and stores nothing.
TEST_F(FbrCliTest, RefusesWhatWouldSilentlyPayWrong) {
  // An envelope for a misspelt district, one for a region, a tariff row for an unknown type
  // and one for an unknown activity: check with the database finds all four.
  const fs::path bad = CopyOfDemoProgram("bad_names");
  Edit(bad / "enveloppes.csv", "DS_KATI,2024Q3", "DS_KATYY,2024Q3");
  Edit(bad / "enveloppes.csv", "DS_MOPTI,2024Q4", "REGION_KAYES,2024Q4");
  Edit(bad / "enveloppes.csv", "DS_MOPTI,2024Q3", "DS_MOPTI,202407");
  std::string tariffs = "in:activity,in:facility_type,out:tariff\n";
  std::istringstream rows(ReadText(bad / "tarifs.csv"));
  std::string row;
  std::getline(rows, row);  // header
  while (std::getline(rows, row))
    tariffs += row.substr(0, row.find(',')) + ",*" + row.substr(row.find(',')) + "\n";
  tariffs += "accouchement,CSCOMM,7000\naccouchemnt,*,7000\n";
  WriteText(bad / "tarifs.csv", tariffs);
  Outcome check = Run("check " + bad.string() + " --period 2024Q3");
  EXPECT_EQ(check.status, 1) << check.output;
  EXPECT_NE(
      check.output.find("enveloppes.csv:2 : envelope : aucune unité d'organisation 'DS_KATYY'"),
      std::string::npos)
      << check.output;
  EXPECT_NE(check.output.find("enveloppe : 202407 n'est pas un trimestre, et le paiement "
                              "paiement est trimestriel"),
            std::string::npos)
      << check.output;
  EXPECT_NE(check.output.find("envelope : 'REGION_KAYES' n'est pas un district (niveau 2)"),
            std::string::npos)
      << check.output;
  EXPECT_NE(check.output.find("in:facility_type : type de formation inconnu 'CSCOMM'"),
            std::string::npos)
      << check.output;
  EXPECT_NE(check.output.find("in:activity : aucune activité 'accouchemnt' dans le programme"),
            std::string::npos)
      << check.output;
  const std::string runs_before = Run("invoices list").output;
  Outcome compute = Run("compute --draft --program " + bad.string() + " --period 2024Q3");
  EXPECT_EQ(compute.status, 1) << compute.output;
  EXPECT_EQ(Run("invoices list").output, runs_before);

  // Simulations: an envelope nobody is under, a value set twice; an equity rate can be changed.
  Outcome nowhere = Run("simulate --program FBR_MALI --period 2024Q3 --envelope DS_NOPE=1");
  EXPECT_EQ(nowhere.status, 1) << nowhere.output;
  EXPECT_NE(nowhere.output.find("aucune formation sous contrat dans le district 'DS_NOPE'"),
            std::string::npos)
      << nowhere.output;
  Outcome twice =
      Run("simulate --program FBR_MALI --period 2024Q3 --set quality_share=0.3 --set "
          "quality_share=0.4");
  EXPECT_EQ(twice.status, 1) << twice.output;
  EXPECT_NE(twice.output.find("quality_share est donné deux fois"), std::string::npos)
      << twice.output;
  Outcome equity =
      Run("simulate --program FBR_MALI --period 2024Q3 --set equity_bonus[EQUITE_30]=0.4");
  EXPECT_EQ(equity.status, 0) << equity.output;
  EXPECT_NE(equity.output.find("+"), std::string::npos) << equity.output;
  Outcome no_row =
      Run("--lang en simulate --program FBR_MALI --period 2024Q3 --set tariff[EQUITE_30]=1");
  EXPECT_EQ(no_row.status, 1) << no_row.output;
  EXPECT_NE(no_row.output.find("no row of the tables giving 'tariff' is for 'EQUITE_30'"),
            std::string::npos)
      << no_row.output;

  // Contracts: an unknown program, a region, an unknown equity category.
  const std::string contracts_before = Run("contract list --program FBR_MALI").output;
  Outcome no_program =
      Run("contract sign --program NOPE --facility CSCOM_KATI_KOKO_II --start 2030-01-01");
  EXPECT_EQ(no_program.status, 1);
  EXPECT_NE(no_program.output.find("aucun programme 'NOPE' enregistré"), std::string::npos)
      << no_program.output;
  Outcome region =
      Run("contract sign --program FBR_MALI --facility REGION_KAYES --start 2030-01-01");
  EXPECT_EQ(region.status, 1);
  EXPECT_NE(
      region.output.find("REGION_KAYES : ce n'est pas une formation sanitaire (REGION, niveau 2)"),
      std::string::npos)
      << region.output;
  Outcome equity_99 =
      Run("--lang en contract sign --program FBR_MALI --facility CSCOM_KATI_KOKO_II --start "
          "2030-01-01 --equity EQUITE_99");
  EXPECT_EQ(equity_99.status, 1);
  EXPECT_NE(equity_99.output.find("no equity category 'EQUITE_99' in EQUITE (EQUITE_0, "),
            std::string::npos)
      << equity_99.output;
  EXPECT_EQ(Run("contract list --program FBR_MALI").output, contracts_before);

  // Ending a contract: --date is its last day; a contract that is not suspended cannot resume.
  Outcome list = Run("contract list --program FBR_MALI --facility CSCOM_KATI_BANABA");
  const std::string id = list.output.substr(0, list.output.find(' '));
  Outcome resume = Run("contract resume " + id + " --date 2024-11-01");
  EXPECT_EQ(resume.status, 1);
  EXPECT_NE(resume.output.find("seul un contrat suspendu peut reprendre"), std::string::npos)
      << resume.output;
  Outcome ended = Run("contract end " + id + " --date 2024-12-31");
  EXPECT_EQ(ended.status, 0) << ended.output;
  EXPECT_NE(ended.output.find("terminé le 2024-12-31"), std::string::npos) << ended.output;
  EXPECT_NE(Run("contract list --program FBR_MALI --facility CSCOM_KATI_BANABA")
                .output.find("2021-01-01..2024-12-31  EQUITE_"),
            std::string::npos);

  // A period without a single report is not stored; exports say which run they take.
  Outcome empty = Run("compute --draft --program FBR_MALI --period 2025Q1");
  EXPECT_EQ(empty.status, 1) << empty.output;
  EXPECT_NE(empty.output.find("rien n'a été enregistré"), std::string::npos) << empty.output;
  EXPECT_EQ(Run("invoices list").output, runs_before);
  Outcome both = Run("invoices export --run 3 --period 2024Q1 --format csv --out x.csv");
  EXPECT_NE(both.status, 0);
  EXPECT_NE(both.output.find("--run exclut --period"), std::string::npos) << both.output;

  // A suspended contract that ends stays unpaid until its end.
  Outcome kayes = Run("contract list --program FBR_MALI --facility CSCOM_KATI_BANCOUMANA");
  const std::string kayes_id = kayes.output.substr(0, kayes.output.find(' '));
  ASSERT_EQ(Run("contract suspend " + kayes_id + " --date 2024-03-01").status, 0);
  const std::string suspended_list =
      Run("contract list --program FBR_MALI --facility CSCOM_KATI_BANCOUMANA").output;
  const size_t suspended_at = suspended_list.find("2024-03-01..  EQUITE_10  suspendu");
  ASSERT_NE(suspended_at, std::string::npos) << suspended_list;
  const size_t line_start = suspended_list.rfind('\n', suspended_at) + 1;
  const std::string suspended_id =
      suspended_list.substr(line_start, suspended_list.find(' ', line_start) - line_start);
  Outcome end_suspended = Run("contract end " + suspended_id + " --date 2024-12-31");
  EXPECT_EQ(end_suspended.status, 0) << end_suspended.output;
  EXPECT_NE(Run("contract list --program FBR_MALI --facility CSCOM_KATI_BANCOUMANA")
                .output.find("2024-03-01..2024-12-31  EQUITE_10  suspendu"),
            std::string::npos);
  Outcome q2 = Run("compute --draft --program FBR_MALI --period 2024Q2 --dry-run");
  EXPECT_NE(q2.output.find("contrats suspendus : 1"), std::string::npos) << q2.output;
  // A version named for a period it is not valid for.
  Outcome bad_version = Run("compute --draft --program FBR_MALI --period 2019Q1 --version 1");
  EXPECT_EQ(bad_version.status, 1);
  EXPECT_NE(bad_version.output.find("la version 1 du programme FBR_MALI n'est pas valable le "
                                    "2019-01-01 (valable à partir du 2021-01-01)"),
            std::string::npos)
      << bad_version.output;

  // explain: --activity needs --formula.
  Outcome activity_alone = Run("explain FBR_MALI-2024Q1-00001 --activity cpn1");
  EXPECT_EQ(activity_alone.status, 1);
  EXPECT_NE(activity_alone.output.find("--activity va avec --formula"), std::string::npos);

  // A new version valid over the old one's dates says what it replaces; simulate and explain
  // can still use the old one.
  const fs::path v2 = CopyOfDemoProgram("v2");
  Edit(v2 / "programme.toml", "version = 1", "version = 2");
  Outcome loaded = Run("program load " + v2.string());
  EXPECT_EQ(loaded.status, 0) << loaded.output;
  EXPECT_NE(loaded.output.find("Cette version remplace la version 1 à partir du 2021-01-01"),
            std::string::npos)
      << loaded.output;
  EXPECT_NE(Run("program list").output.find("(remplacé par v2 à partir du 2021-01-01)"),
            std::string::npos);
  EXPECT_EQ(
      Run("simulate --program FBR_MALI --version 1 --period 2024Q1 --set quality_share=0.3").status,
      0);

  // A mistyped database is not created empty.
  Outcome missing = Keneya("--db " + (dir_ / "nothing.db").string() + " invoices list");
  EXPECT_EQ(missing.status, 1);
  EXPECT_NE(missing.output.find("pas de base de données ici"), std::string::npos) << missing.output;
  EXPECT_FALSE(fs::exists(dir_ / "nothing.db"));
}

// A recomputed period: the old invoice says it is replaced; the CSV export has a column per
// invoice column and its totals add up.
TEST_F(FbrCliTest, SupersededInvoicesSaySoAndTheCsvAddsUp) {
  Outcome compute = Run("compute --draft --program FBR_MALI --period 2024Q1");
  ASSERT_EQ(compute.status, 0) << compute.output;
  Outcome old_invoice = Run("invoices show FBR_MALI-2024Q1-00001");
  EXPECT_EQ(old_invoice.status, 0);
  EXPECT_NE(old_invoice.output.find("ATTENTION : facture remplacée, à ne pas payer. Elle est "
                                    "remplacée par FBR_MALI-2024Q1-00001-R2 (lot 5)."),
            std::string::npos)
      << old_invoice.output.substr(0, 400);
  EXPECT_NE(old_invoice.output.find("Points obtenus"), std::string::npos);
  Outcome new_invoice = Run("invoices show FBR_MALI-2024Q1-00001-R2");
  EXPECT_EQ(new_invoice.output.find("ATTENTION"), std::string::npos);
  // Sections by their package's name; every amount ends in the same column.
  EXPECT_NE(new_invoice.output.find("\nQuantité — janvier 2024\n"), std::string::npos)
      << new_invoice.output;
  EXPECT_NE(new_invoice.output.find("Points obtenus Points possibles\n"), std::string::npos);
  std::istringstream shown(new_invoice.output);
  std::string shown_line;
  while (std::getline(shown, shown_line)) {
    if (!shown_line.starts_with("Sous-total") && !shown_line.starts_with("Bonus")) continue;
    size_t characters = 0;
    for (unsigned char ch : shown_line) characters += (ch & 0xC0) != 0x80;
    EXPECT_EQ(characters, 119u) << shown_line;
  }
  EXPECT_NE(Run("invoices list").output.find("2024Q1  remplacé"), std::string::npos);

  // The first facility's contract suspended, the quarter computed again: the others keep
  // their numbers.
  const std::string first_facility = "CCS_COMMUNE_III_NIOMIRAMBOUGOU";
  ASSERT_NE(old_invoice.output.find(first_facility), std::string::npos);
  Outcome contracts = Run("contract list --program FBR_MALI --facility " + first_facility);
  const std::string id = contracts.output.substr(0, contracts.output.find(' '));
  ASSERT_EQ(Run("contract suspend " + id + " --date 2024-01-01").status, 0);
  ASSERT_EQ(Run("compute --draft --program FBR_MALI --period 2024Q1").status, 0);
  const std::string second = Run("invoices show FBR_MALI-2024Q1-00002").output;
  const std::string second_r3 = Run("invoices show FBR_MALI-2024Q1-00002-R3").output;
  const std::string facility_line = second.substr(second.find("Formation sanitaire"), 80);
  EXPECT_NE(second_r3.find(facility_line), std::string::npos) << second_r3.substr(0, 400);
  EXPECT_EQ(Run("invoices show FBR_MALI-2024Q1-00001-R3").status, 1);
  EXPECT_NE(Run("invoices show FBR_MALI-2024Q1-00001-R2")
                .output.find("Le lot 6 ne facture plus cette formation."),
            std::string::npos);

  // A superseded run is not exported as if it could be paid.
  const std::string old_pdf = (dir_ / "old.pdf").string();
  Outcome refused = Run("invoices export --run 1 --format pdf --out " + old_pdf);
  EXPECT_EQ(refused.status, 1);
  EXPECT_NE(refused.output.find("le lot 1 est remplacé"), std::string::npos) << refused.output;
  EXPECT_FALSE(fs::exists(old_pdf));
  EXPECT_EQ(Run("invoices export --run 1 --format pdf --superseded --out " + old_pdf).status, 0);
  EXPECT_TRUE(fs::exists(old_pdf));
  Outcome to_dhis2 = Run("invoices export --run 1 --format dhis2 --superseded --out x.json");
  EXPECT_EQ(to_dhis2.status, 1);
  EXPECT_NE(to_dhis2.output.find("ne sont pas envoyés à DHIS2"), std::string::npos);

  const std::string csv = (dir_ / "q1.csv").string();
  ASSERT_EQ(Run("invoices export --period 2024Q1 --format csv --out " + csv).status, 0);
  std::istringstream rows(ReadText(csv));
  std::string header, row;
  std::getline(rows, header);
  EXPECT_NE(header.find(",libelle,Déclaré,Vérifié,"), std::string::npos) << header;
  EXPECT_NE(header.find(",Points obtenus,Points possibles,non_declare,montant,valeur"),
            std::string::npos)
      << header;
  // Commas outside quotes.
  auto fields = [](const std::string& line) {
    size_t n = 1;
    bool quoted = false;
    for (char ch : line) {
      if (ch == '"') quoted = !quoted;
      if (ch == ',' && !quoted) ++n;
    }
    return n;
  };
  int64_t totals = 0, lines = 0;
  while (std::getline(rows, row)) {
    ASSERT_EQ(fields(row), fields(header)) << row;
    if (row.find(",total,") == std::string::npos) continue;
    // invoice,...,kind=total,,,,label,<columns>,0,amount,
    const size_t end = row.rfind(',');
    const size_t start = row.rfind(',', end - 1);
    totals += std::stoll(row.substr(start + 1, end - start - 1));
    ++lines;
  }
  EXPECT_EQ(lines, 1999);
  const std::string list = Run("invoices list").output;
  const size_t at = list.find("2024Q1  brouillon");
  ASSERT_NE(at, std::string::npos) << list;
  const size_t francs = list.find(" FCFA", at);
  const size_t from = list.rfind("  ", francs) + 2;
  std::string total = list.substr(from, francs - from);
  std::erase(total, ' ');
  EXPECT_EQ(totals, std::stoll(total));
}

// The text outside the pseudo-language's markers ⟦ ⟧, spaces aside: text that does not come
// from the catalogue of messages.
std::string OutsideMarkers(const std::string& text) {
  static const std::string open = "⟦", close = "⟧";
  std::string outside;
  int depth = 0;
  for (size_t i = 0; i < text.size();) {
    if (text.compare(i, open.size(), open) == 0) {
      ++depth;
      i += open.size();
    } else if (text.compare(i, close.size(), close) == 0) {
      --depth;
      i += close.size();
    } else {
      if (depth == 0 && !std::isspace(static_cast<unsigned char>(text[i]))) outside += text[i];
      ++i;
    }
  }
  return outside;
}

// In the pseudo-language every catalogue text is wrapped in ⟦ ⟧: an error path that prints
// anything outside them prints a text the catalogue lacks, which French readers would see in
// English (or not at all).
TEST_F(FbrCliTest, ErrorPathsSpeakOnlyFromTheCatalogue) {
  const fs::path formulas = CopyOfDemoProgram("pseudo_formulas");
  Edit(formulas / "programme.toml", "expression = \"paye * tariff\"",
       "expression = \"paye * tarif\"");
  Edit(formulas / "programme.toml", "sum(%{retenus_values}), sum(%{possibles_values}))",
       "sum(%{retenus_values}))");
  Edit(formulas / "tarifs.csv", "cesarienne,25000\n", "");
  const fs::path toml = CopyOfDemoProgram("pseudo_toml");
  Edit(toml / "programme.toml", "[program]\n", "[program\n");
  const fs::path names = CopyOfDemoProgram("pseudo_names");
  Edit(names / "enveloppes.csv", "DS_KATI,2024Q3", "DS_KATYY,2024Q3");
  Edit(names / "enveloppes.csv", "DS_MOPTI,2024Q3", "DS_MOPTI,202407");
  const fs::path truncated = dir_ / "pseudo_truncated.json";
  WriteText(truncated, "{\"dataValues\": [{\"dataElement\": \"x\",");
  const fs::path csv = dir_ / "pseudo_values.csv";
  WriteText(csv, "dataelement,period,orgunit\nDE_NOPE,2024Q9,OU_NOPE\n");

  const std::string db = "--db " + db_ + " ";
  const std::string paths[] = {
      "period 2023Q5",
      "period 2023-13",
      "--db " + (dir_ / "nowhere" / "x.db").string() + " info",
      db + "import " + (dir_ / "no_such_file.json").string(),
      db + "import " + truncated.string(),
      db + "import " + csv.string(),
      db + "export --period 2024Q9",
      "check " + formulas.string(),
      "check " + toml.string(),
      db + "check " + names.string() + " --period 2024Q3",
      db + "compute --draft --program " + formulas.string() + " --period 2024Q1",
      db + "compute --draft --program FBR_MALI --period 2023Q5",
      db + "simulate --program FBR_MALI --period 2024Q3 --envelope DS_NOPE=1",
      db + "simulate --program FBR_MALI --period 2024Q3 --set quality_share=0.3 --set "
           "quality_share=0.4",
      db + "simulate --program FBR_MALI --period 2024Q3 --set nonsense",
      db + "contract sign --program NOPE --facility CSCOM_KATI_KOKO_II --start 2030-01-01",
      db + "contract sign --program FBR_MALI --facility REGION_KAYES --start 2030-01-01",
      db + "contract suspend 999999 --date 2030-01-01",
      db + "explain --program FBR_MALI --period 2024Q1 --facility NOPE",
      db + "invoices show NOPE",
      db + "invoices list --run 999999",
      db + "dhis2 check --url http://127.0.0.1:9 --dhis2-user u",
      "--no-such-option info",
      "contract sign --facility CSCOM_KATI_KOKO_II",
      "bench store --values many",
      "period",
  };
  for (const std::string& path : paths) {
    const Outcome run = Keneya("--lang qps " + path);
    EXPECT_NE(run.status, 0) << path << "\n" << run.output;
    EXPECT_NE(run.output.find("⟦"), std::string::npos) << path << "\n" << run.output;
    EXPECT_EQ(OutsideMarkers(run.output), "") << path << "\n" << run.output;
  }
}

TEST_F(FbrCliTest, ComputingForApprovalActsAsAnExistingAccountAndFollowsTheWorkflow) {
  // A run for approval is computed as a named account of the national unit, never anonymously.
  Outcome nobody = Run("--user nobody compute --program FBR_MALI --period 2024Q3");
  EXPECT_EQ(nobody.status, 1);
  EXPECT_NE(nobody.output.find("aucun compte actif nobody"), std::string::npos) << nobody.output;
  Outcome district = Run("--user district.segou compute --program FBR_MALI --period 2024Q3");
  EXPECT_EQ(district.status, 1) << district.output;
  EXPECT_NE(district.output.find("Rien n'a été enregistré"), std::string::npos) << district.output;
  // Nothing of the demo's 2024 went through the workflow here: nobody is validated yet.
  Outcome early = Run("--user cellule.diarra compute --program FBR_MALI --period 2024Q3");
  EXPECT_EQ(early.status, 1) << early.output;
  EXPECT_NE(early.output.find("périodes de 2024Q3 validées"), std::string::npos) << early.output;
  Outcome version =
      Run("--user cellule.diarra compute --program FBR_MALI --period 2024Q3 --version 1");
  EXPECT_EQ(version.status, 1);
  EXPECT_NE(version.output.find("--version est pour un lot de contrôle"), std::string::npos)
      << version.output;
  // A draft run is never approved; the national unit pays nothing.
  Outcome approve = Run("--user cellule.kone run approve 1");
  EXPECT_EQ(approve.status, 1) << approve.output;
  EXPECT_NE(approve.output.find("brouillon"), std::string::npos) << approve.output;
  Outcome pay =
      Run("--user cellule.diarra pay FBR_MALI-2024Q1-00001 --amount 1000 --on 2024-05-02 "
          "--reference VIR-1");
  EXPECT_EQ(pay.status, 1) << pay.output;
  Outcome payer =
      Run("--user paiement.sangare pay FBR_MALI-2024Q1-00001 --amount 1000 --on 2024-05-02 "
          "--reference VIR-1");
  EXPECT_EQ(payer.status, 1) << payer.output;  // a draft run's invoice
  EXPECT_NE(payer.output.find("n'est pas approuvé"), std::string::npos) << payer.output;
}

TEST_F(FbrCliTest, FacilityPeriodStepsAndAccountsActAsTheNamedAccount) {
  const std::string september =
      " --data-set FBR_QUANTITE --facility CSCOM_KATI_KOKO_II --period 202409";
  Outcome verifier = Run("--user verif.kati step declare" + september);
  EXPECT_EQ(verifier.status, 1) << verifier.output;
  Outcome declared = Run("--user chef.kokoii step declare" + september);
  ASSERT_EQ(declared.status, 0) << declared.output;
  EXPECT_NE(declared.output.find("CSCOM Koko II, septembre 2024 : déclarée"), std::string::npos)
      << declared.output;
  Outcome verified = Run("--user verif.kati step verify" + september);
  ASSERT_EQ(verified.status, 0) << verified.output;
  EXPECT_NE(verified.output.find("vérifiée"), std::string::npos) << verified.output;
  Outcome contest = Run("--user chef.kokoii step contest" + september);  // no report yet
  EXPECT_EQ(contest.status, 1) << contest.output;

  Outcome bad =
      Run("--user paiement.sangare account propose --facility CSCOM_KATI_KOKO_II --kind bank "
          "--institution BDM-SA --number 123 --holder ASACO --reason ouverture");
  EXPECT_EQ(bad.status, 1);
  EXPECT_NE(bad.output.find("n'est pas un RIB"), std::string::npos) << bad.output;
  Outcome proposed = Run(
      "--user paiement.sangare account propose --facility CSCOM_KATI_KOKO_II --kind mobile "
      "--institution 'Orange Money' --number '76 12 34 56' --holder 'ASACO de Koko II' --reason "
      "'Portefeuille de l ASACO'");
  ASSERT_EQ(proposed.status, 0) << proposed.output;
  EXPECT_NE(proposed.output.find("+22376123456 (ASACO de Koko II), proposed"), std::string::npos)
      << proposed.output;
  const std::string id =
      proposed.output.substr(proposed.output.find("compte ") + 7,
                             proposed.output.find(" :") - (proposed.output.find("compte ") + 7));
  Outcome own = Run("--user paiement.sangare account confirm --id " + id);
  EXPECT_EQ(own.status, 1) << own.output;
  EXPECT_NE(own.output.find("une autre personne doit le confirmer"), std::string::npos)
      << own.output;
}

TEST_F(FbrCliTest, EveryFbrCommandHasHelp) {
  for (const char* sub :
       {"check", "program load", "contract sign", "contract suspend", "compute", "explain",
        "simulate", "invoices export", "run", "pay", "step", "account"}) {
    Outcome run = Keneya(std::string(sub) + " --help");
    EXPECT_EQ(run.status, 0) << sub;
    EXPECT_NE(run.output.find("Utilisation:"), std::string::npos) << sub;
  }
}

}  // namespace
}  // namespace keneya::cli
