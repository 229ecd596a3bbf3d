// The `keneya` command as a user runs it: a real process, its output and exit status.
#include <gtest/gtest.h>
#include <httplib.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <regex>
#include <sstream>
#include <string>

#include "tests/cli/run_keneya.h"

namespace keneya::cli {
namespace {

namespace fs = std::filesystem;

using testing::Keneya;
using testing::Outcome;

class CliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("keneya_cli_test_" + std::to_string(getpid()));
    fs::create_directories(dir_);
    db_ = (dir_ / "test.db").string();
  }
  void TearDown() override { fs::remove_all(dir_); }
  fs::path dir_;
  std::string db_;
};

TEST_F(CliTest, EverySubcommandHasHelp) {
  const char* subcommands[] = {"demo",     "serve",  "migrate", "info",
                               "check-db", "period", "bench",   "bench store"};
  for (const char* sub : subcommands) {
    Outcome run = Keneya(std::string(sub) + " --help");
    EXPECT_EQ(run.status, 0) << sub << "\n" << run.output;
    EXPECT_NE(run.output.find("Utilisation:"), std::string::npos) << sub;
    EXPECT_NE(run.output.find("--help"), std::string::npos) << sub;
  }
  Outcome top = Keneya("--help");
  EXPECT_EQ(top.status, 0);
  for (const char* sub : subcommands)
    EXPECT_NE(top.output.find(std::string(sub).substr(0, 5)), std::string::npos);
}

TEST_F(CliTest, SpeaksFrenchFirstAndEnglishOnRequest) {
  EXPECT_NE(Keneya("--help").output.find("base de données"), std::string::npos);
  EXPECT_NE(Keneya("--lang en --help").output.find("database: an SQLite file"), std::string::npos);
  EXPECT_NE(Keneya("period 2023Q1").output.find("précédente 2022Q4"), std::string::npos);
  EXPECT_NE(Keneya("--lang en period 2023Q1").output.find("previous 2022Q4"), std::string::npos);
}

TEST_F(CliTest, PrintsPeriodsAndRejectsBadOnesWithTheirPlace) {
  Outcome ok = Keneya("period 2020W53 2023april");
  EXPECT_EQ(ok.status, 0);
  EXPECT_NE(ok.output.find("2020W53  Weekly  2020-12-28 .. 2021-01-03"), std::string::npos)
      << ok.output;
  EXPECT_NE(ok.output.find("2023April  FinancialApril  2023-04-01 .. 2024-03-31"),
            std::string::npos)
      << ok.output;
  Outcome bad = Keneya("period 202313");
  EXPECT_EQ(bad.status, 1);
  EXPECT_NE(bad.output.find("erreur"), std::string::npos);
  EXPECT_NE(bad.output.find("202313"), std::string::npos);
}

TEST_F(CliTest, RejectsUnknownOptionsAndMissingSubcommands) {
  EXPECT_NE(Keneya("").status, 0);
  EXPECT_NE(Keneya("demo --no-such-option").status, 0);
  EXPECT_NE(Keneya("serve --port 70000").status, 0);
}

TEST_F(CliTest, MigratesInfoAndChecksAnEmptyDatabase) {
  Outcome migrate = Keneya("--db " + db_ + " migrate");
  EXPECT_EQ(migrate.status, 0) << migrate.output;
  EXPECT_TRUE(std::regex_search(migrate.output, std::regex("version 0 -> [1-9]")))
      << migrate.output;
  EXPECT_NE(Keneya("--db " + db_ + " migrate").output.find("déjà à jour"), std::string::npos);
  Outcome info = Keneya("--db " + db_ + " info");
  EXPECT_EQ(info.status, 0) << info.output;
  EXPECT_NE(info.output.find("Déclaré : 0"), std::string::npos) << info.output;
  Outcome check = Keneya("--db " + db_ + " check-db");
  EXPECT_EQ(check.status, 0) << check.output;
  EXPECT_NE(check.output.find("ok  sqlite integrity_check"), std::string::npos) << check.output;
}

TEST_F(CliTest, ReportsADatabaseItCannotOpen) {
  Outcome run = Keneya("--db /nonexistent/dir/x.db info");
  EXPECT_EQ(run.status, 1);
  EXPECT_NE(run.output.find("/nonexistent/dir/x.db"), std::string::npos) << run.output;
}

TEST_F(CliTest, DemoShowsProgressAndRefusesToOverwriteData) {
  Outcome demo = Keneya("--db " + db_ + " demo --from 2024 --to 2024 --without-history");
  ASSERT_EQ(demo.status, 0) << demo.output;
  EXPECT_NE(demo.output.find("Valeurs 2024 : "), std::string::npos) << demo.output;
  EXPECT_NE(demo.output.find("(100 %)"), std::string::npos);
  EXPECT_NE(demo.output.find("régions sanitaires  11"), std::string::npos) << demo.output;
  EXPECT_NE(demo.output.find("factures brouillons de 2024 : 8 000"), std::string::npos)
      << demo.output;
  Outcome again = Keneya("--db " + db_ + " demo --from 2024 --to 2024");
  EXPECT_EQ(again.status, 1);
  EXPECT_NE(again.output.find("--replace"), std::string::npos) << again.output;
  Outcome info = Keneya("--db " + db_ + " info");
  EXPECT_NE(info.output.find("Imports : 1"), std::string::npos) << info.output;

  // A small demo, with its history as of 7 February 2025.
  Outcome replaced =
      Keneya("--db " + db_ + " demo --from 2024 --to 2024 --regions REGION_KOULIKORO --replace");
  ASSERT_EQ(replaced.status, 0) << replaced.output;
  EXPECT_NE(replaced.output.find("régions sanitaires  1"), std::string::npos) << replaced.output;
  EXPECT_NE(replaced.output.find("historique au 2025-02-07 : 3 trimestres approuvés, publiés et "
                                 "payés"),
            std::string::npos)
      << replaced.output;
  EXPECT_NE(replaced.output.find("2024Q4 : calcul 4 fait par cellule.diarra"), std::string::npos)
      << replaced.output;
  EXPECT_NE(replaced.output.find("KENEYA_TODAY=2025-02-07"), std::string::npos) << replaced.output;
  info = Keneya("--db " + db_ + " info");
  EXPECT_NE(info.output.find("Imports : 2"), std::string::npos) << info.output;  // and January's
  Outcome runs = Keneya("--db " + db_ + " invoices list");
  EXPECT_NE(runs.output.find("2024Q4  en attente d'approbation"), std::string::npos) << runs.output;
  EXPECT_NE(runs.output.find("2024Q3  approuvé"), std::string::npos) << runs.output;
  Outcome unknown = Keneya("--db " + db_ + " demo --regions REGION_ATLANTIS --replace");
  EXPECT_EQ(unknown.status, 1);
  EXPECT_NE(unknown.output.find("pas de région sanitaire REGION_ATLANTIS"), std::string::npos)
      << unknown.output;
  EXPECT_NE(unknown.output.find("REGION_KAYES"), std::string::npos) << unknown.output;
}

TEST_F(CliTest, TheDemoMakesAnAccountForEachRoleAndUserCommandsManageThem) {
  // Without KENEYA_DEMO_PASSWORD, a generated password goes to a file only its owner reads.
  Outcome demo = Keneya("--db " + db_ + " demo --from 2024 --to 2024 --without-history </dev/null");
  ASSERT_EQ(demo.status, 0) << demo.output;
  const fs::path password_file = dir_ / "demo-password";
  ASSERT_TRUE(fs::exists(password_file)) << demo.output;
  EXPECT_EQ(fs::status(password_file).permissions() & fs::perms::all,
            fs::perms::owner_read | fs::perms::owner_write);
  EXPECT_NE(demo.output.find(password_file.string()), std::string::npos) << demo.output;
  for (const char* name :
       {"admin", "cellule.diarra", "cellule.kone", "paiement.sangare", "paiement.diallo",
        "drs.mopti", "district.segou", "district.kati", "verif.kati", "qualite.csref",
        "chef.kokoii", "tresorier.kokoii", "partenaire"}) {
    EXPECT_NE(demo.output.find(std::string(name) + " : "), std::string::npos) << name;
  }
  EXPECT_NE(demo.output.find("District sanitaire de Ségou"), std::string::npos) << demo.output;

  Outcome list = Keneya("--db " + db_ + " user list");
  ASSERT_EQ(list.status, 0) << list.output;
  EXPECT_NE(list.output.find("verif.kati"), std::string::npos);
  EXPECT_NE(list.output.find("Zone de vérification du cercle de Kati"), std::string::npos)
      << list.output;

  // A new account, its password from standard input (never on the command line).
  std::ofstream(dir_ / "password.txt") << "Kati-2024-juin\n";
  Outcome added = Keneya("--db " + db_ + " --user ops user add moussa --full-name 'Moussa Diallo'" +
                         " --role district_team --scope DS_KATI --password-stdin < " +
                         (dir_ / "password.txt").string());
  ASSERT_EQ(added.status, 0) << added.output;
  EXPECT_EQ(added.output.find("Kati-2024-juin"), std::string::npos) << "never echoed";
  Outcome bad_role = Keneya("--db " + db_ + " user add awa --role chef --scope DS_KATI");
  EXPECT_EQ(bad_role.status, 1);
  EXPECT_NE(bad_role.output.find("rôle inconnu « chef »"), std::string::npos) << bad_role.output;
  Outcome no_scope = Keneya("--db " + db_ + " user add awa --role viewer --scope NULLE_PART");
  EXPECT_EQ(no_scope.status, 1);
  Outcome granted = Keneya("--db " + db_ +
                           " user role moussa grant verifier group:ZONE_VERIFICATION_CERCLE_KATI");
  ASSERT_EQ(granted.status, 0) << granted.output;
  Outcome token = Keneya("--db " + db_ + " user token create moussa --name dhis2 --days 30");
  ASSERT_EQ(token.status, 0) << token.output;
  std::smatch match;
  ASSERT_TRUE(std::regex_search(token.output, match, std::regex(R"(kny_[A-Za-z0-9_-]{43})")))
      << token.output;
  Outcome tokens = Keneya("--db " + db_ + " user token list moussa");
  EXPECT_NE(tokens.output.find("[valide]"), std::string::npos) << tokens.output;
  EXPECT_EQ(tokens.output.find(match[0].str()), std::string::npos) << "a token is shown once";
  ASSERT_EQ(Keneya("--db " + db_ + " user token revoke --id 1").status, 0);
  EXPECT_NE(Keneya("--db " + db_ + " user token list moussa").output.find("[révoqué]"),
            std::string::npos);
  ASSERT_EQ(Keneya("--db " + db_ + " user disable moussa").status, 0);
  EXPECT_NE(Keneya("--db " + db_ + " user list").output.find("[désactivé]"), std::string::npos);
  Outcome reset = Keneya("--db " + db_ + " user password moussa");
  ASSERT_EQ(reset.status, 0) << reset.output;
  EXPECT_NE(reset.output.find("affiché une seule fois"), std::string::npos) << reset.output;
}

TEST_F(CliTest, ServeAnswersTheHealthCheckAndStopsOnSigterm) {
  testing::Served server = testing::Serve(db_);
  const std::string first = server.first_line;
  std::smatch match;
  ASSERT_TRUE(std::regex_search(first, match, std::regex(R"(http://127\.0\.0\.1:(\d+))"))) << first;
  httplib::Client client("127.0.0.1", std::stoi(match[1]));
  auto health = client.Get("/api/health");
  ASSERT_TRUE(health);
  EXPECT_EQ(health->status, 200);
  EXPECT_NE(health->body.find("\"status\":\"ok\""), std::string::npos) << health->body;
  EXPECT_EQ(server.Stop(), 0);
}

// The engine's values and `keneya solve` on the run's own equations agree on every value.
TEST_F(CliTest, TheRulesBenchEquationsSolveToTheEnginesValues) {
  const std::string equations = (dir_ / "equations.json").string();
  const std::string values = (dir_ / "values.json").string();
  for (const char* period : {"month", "quarter"}) {
    SCOPED_TRACE(period);
    Outcome bench =
        Keneya(std::string("bench rules --facilities 40 --period ") + period +
               " --runs 1 --write-equations " + equations + " --write-values " + values);
    ASSERT_EQ(bench.status, 0) << bench.output;
    EXPECT_NE(bench.output.find("equations written"), std::string::npos) << bench.output;
    Outcome solved = Keneya("solve " + equations);
    ASSERT_EQ(solved.status, 0) << solved.output.substr(0, 2000);
    std::ifstream in(values);
    std::ostringstream engine;
    engine << in.rdbuf();
    // Both are hesabucli's output (numbers as Go writes them, so equal doubles are equal
    // texts). The equations have a few more names: a quarter's sums of monthly values.
    const auto solution = nlohmann::json::parse(solved.output);
    const auto values_json = nlohmann::json::parse(engine.str());
    ASSERT_GT(values_json.size(), 9000u);
    for (const auto& [name, value] : values_json.items()) {
      ASSERT_TRUE(solution.contains(name)) << name;
      ASSERT_EQ(solution[name].dump(), value.dump()) << name;
    }
    // The same equations in a random order solve to the same values.
    const std::string shuffled = (dir_ / "shuffled.json").string();
    Outcome again = Keneya(std::string("bench rules --facilities 40 --period ") + period +
                           " --runs 1 --shuffle --write-equations " + shuffled);
    ASSERT_EQ(again.status, 0) << again.output;
    EXPECT_NE(again.output.find("in a random order"), std::string::npos) << again.output;
    Outcome resolved = Keneya("solve " + shuffled);
    ASSERT_EQ(resolved.status, 0) << resolved.output.substr(0, 2000);
    EXPECT_EQ(nlohmann::json::parse(resolved.output), solution);
  }
  // A reference solver is timed beside `keneya solve` (here one that does nothing), with the
  // ratio; never without --solve.
  Outcome timed = Keneya("bench rules --facilities 40 --period month --runs 1 --write-equations " +
                         equations + " --solve --reference /bin/true");
  ASSERT_EQ(timed.status, 0) << timed.output;
  EXPECT_NE(timed.output.find("the reference solver (/bin/true) on the same file"),
            std::string::npos)
      << timed.output;
  EXPECT_NE(timed.output.find("ratio: keneya solve takes"), std::string::npos) << timed.output;
  EXPECT_NE(Keneya("bench rules --facilities 40 --write-equations " + equations +
                   " --reference /bin/true")
                .status,
            0);
}

}  // namespace
}  // namespace keneya::cli

namespace keneya::cli {
namespace {

TEST_F(CliTest, ImportsDhis2FilesAndExitsByTheirStatus) {
  const std::string data = std::string(KENEYA_IO_TESTDATA) + "/dhis2/";
  Outcome metadata =
      Keneya("--db " + db_ + " import --metadata " + data + "expected/metadata-for-tests.json");
  ASSERT_EQ(metadata.status, 0) << metadata.output;
  EXPECT_NE(metadata.output.find("Métadonnées importées"), std::string::npos);

  Outcome ok = Keneya("--db " + db_ + " import " + data + "dataValueSetB.csv");
  EXPECT_EQ(ok.status, 0) << ok.output;
  EXPECT_NE(ok.output.find("Import réussi : 12 importées"), std::string::npos) << ok.output;

  Outcome warning = Keneya("--db " + db_ + " import " + data + "dataValueSetG.xml --json -");
  EXPECT_EQ(warning.status, 3) << warning.output;
  EXPECT_NE(warning.output.find("E7610"), std::string::npos);
  EXPECT_NE(warning.output.find("\"httpStatusCode\": 409"), std::string::npos) << warning.output;

  const std::string broken = (dir_ / "broken.json").string();
  {
    std::ofstream out(broken);
    out << R"({"dataValues":[{"dataElement":"f7n9E0hX8qk",)";
  }
  Outcome error = Keneya("--db " + db_ + " import " + broken);
  EXPECT_EQ(error.status, 1) << error.output;
  EXPECT_NE(error.output.find("broken.json:1:"), std::string::npos) << error.output;

  Outcome exported = Keneya("--db " + db_ + " export --state declared --format csv -");
  EXPECT_EQ(exported.status, 0);
  EXPECT_NE(exported.output.find("dataelement,period,orgunit"), std::string::npos);
  EXPECT_NE(exported.output.find("10012"), std::string::npos);
}

// The answer to an import is never lost: conflicts carrying any text still give a valid JSON
// summary and the status of what was committed; a summary that cannot be written (a full disk)
// says so, says the values stay written, and has a status of its own.
TEST_F(CliTest, AnImportsAnswerIsNeverLost) {
  const std::string data = std::string(KENEYA_IO_TESTDATA) + "/dhis2/";
  ASSERT_EQ(
      Keneya("--db " + db_ + " import --metadata " + data + "expected/metadata-for-tests.json")
          .status,
      0);
  // Two values written; three rejected for identifiers holding NUL, control characters, quotes,
  // backslashes, a right-to-left mark and characters outside the BMP.
  const std::string file = (dir_ / "odd.csv").string();
  static constexpr char kOdd[] = "f7n9E0hX8qk,201201,\"nul\0\x01\x1F\"\"\\\",7\n";
  {
    std::ofstream out(file, std::ios::binary);
    out << "dataelement,period,orgunit,value\n"
        << "f7n9E0hX8qk,201201,DiszpKrYNg8,5\n"
        << "f7n9E0hX8qk,201202,DiszpKrYNg8,6\n"
        << std::string(kOdd, sizeof kOdd - 1)
        << "f7n9E0hX8qk,201201,\xE2\x80\x8F\xF0\x9F\x98\x80\xF4\x8F\xBF\xBF,8\n"
        << "Ix2HsbDMLea\xEF\xBF\xBF,201201,DiszpKrYNg8,9\n";
  }
  const std::string summary_file = (dir_ / "summary.json").string();
  Outcome warning = Keneya("--db " + db_ + " import " + file + " --json " + summary_file);
  EXPECT_EQ(warning.status, 3) << warning.output;
  std::ifstream in(summary_file, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  nlohmann::json summary;
  ASSERT_NO_THROW(summary = nlohmann::json::parse(text.str())) << text.str();
  EXPECT_EQ(summary["response"]["status"], "WARNING");
  EXPECT_EQ(summary["response"]["importCount"]["imported"], 2);
  EXPECT_EQ(summary["response"]["rejectedIndexes"], nlohmann::json::array({2, 3, 4}));
  EXPECT_NE(text.str().find("\\u0000"), std::string::npos) << text.str();

  // A full disk: the values are written all the same, and the message says so.
  const std::string more = (dir_ / "more.csv").string();
  {
    std::ofstream out(more, std::ios::binary);
    out << "dataelement,period,orgunit,value\nf7n9E0hX8qk,201203,DiszpKrYNg8,7\n";
  }
  Outcome full = Keneya("--db " + db_ + " --lang en import " + more + " --json /dev/full");
  EXPECT_EQ(full.status, 4) << full.output;
  EXPECT_NE(full.output.find("Import succeeded: 1 imported"), std::string::npos) << full.output;
  EXPECT_NE(full.output.find("cannot write the JSON summary; the import itself is done and stays "
                             "written (1 imported, 0 updated, 0 deleted"),
            std::string::npos)
      << full.output;
  Outcome exported = Keneya("--db " + db_ + " export --state declared --format csv -");
  EXPECT_NE(exported.output.find("201203"), std::string::npos) << exported.output;

  // A refused file: nothing written, and the message says that too.
  const std::string latin1 = (dir_ / "latin1.csv").string();
  {
    std::ofstream out(latin1, std::ios::binary);
    out << "dataelement,period,orgunit,value,storedby,lastupdated,comment\n"
        << "f7n9E0hX8qk,201204,DiszpKrYNg8,7,,,d\xE9j\xE0 vu\n";
  }
  Outcome refused = Keneya("--db " + db_ + " --lang en import " + latin1 + " --json /dev/full");
  EXPECT_EQ(refused.status, 4) << refused.output;
  EXPECT_NE(refused.output.find("the import wrote nothing"), std::string::npos) << refused.output;
  EXPECT_NE(refused.output.find("the sequence E9 starts a character that is not complete"),
            std::string::npos)
      << refused.output;
  EXPECT_NE(refused.output.find("latin1.csv:2:37"), std::string::npos) << refused.output;
}

}  // namespace
}  // namespace keneya::cli
