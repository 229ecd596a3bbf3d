// `keneya dhis2 ...` against the fake DHIS2 server (tests/io/fake_dhis2.h) and against another
// Keneya's `serve`, as a user runs it.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include "tests/cli/run_keneya.h"
#include "tests/io/fake_dhis2.h"

namespace keneya::cli {
namespace {

namespace fs = std::filesystem;

using testing::Keneya;
using testing::Outcome;

class Dhis2CliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("keneya_dhis2_cli_" + std::to_string(getpid()));
    fs::create_directories(dir_);
    db_ = (dir_ / "test.db").string();
    ASSERT_TRUE(dhis2_.Start().ok());
    setenv("KENEYA_DHIS2_URL", dhis2_.url().c_str(), 1);
    setenv("KENEYA_DHIS2_USER", "admin", 1);
    setenv("KENEYA_DHIS2_PASSWORD", "district", 1);
    unsetenv("KENEYA_DHIS2_TOKEN");
    const std::string data = std::string(KENEYA_IO_TESTDATA) + "/dhis2/";
    ASSERT_EQ(
        Keneya("--db " + db_ + " import --metadata " + data + "expected/metadata-for-tests.json")
            .status,
        0);
  }
  void TearDown() override {
    dhis2_.Stop();
    fs::remove_all(dir_);
  }

  fs::path dir_;
  std::string db_;
  io::testing::FakeDhis2 dhis2_;
};

TEST_F(Dhis2CliTest, ChecksCredentialsWithoutShowingThePassword) {
  Outcome ok = Keneya("dhis2 check");
  EXPECT_EQ(ok.status, 0) << ok.output;
  EXPECT_NE(ok.output.find("admin"), std::string::npos) << ok.output;
  setenv("KENEYA_DHIS2_PASSWORD", "wrong-secret", 1);
  Outcome refused = Keneya("dhis2 check");
  EXPECT_EQ(refused.status, 1) << refused.output;
  EXPECT_NE(refused.output.find("401"), std::string::npos) << refused.output;
  EXPECT_EQ(refused.output.find("wrong-secret"), std::string::npos) << refused.output;
  unsetenv("KENEYA_DHIS2_PASSWORD");
  unsetenv("KENEYA_DHIS2_USER");
  Outcome none = Keneya("dhis2 check");
  EXPECT_EQ(none.status, 1);
  EXPECT_NE(none.output.find("KENEYA_DHIS2_TOKEN"), std::string::npos) << none.output;
}

TEST_F(Dhis2CliTest, PushesInBatchesAndAJournalKeepsARerunFromSendingAgain) {
  const std::string data = std::string(KENEYA_IO_TESTDATA) + "/dhis2/";
  ASSERT_EQ(Keneya("--db " + db_ + " import " + data + "dataValueSetB.csv").status, 0);
  const std::string journal = (dir_ / "push.journal").string();
  Outcome push =
      Keneya("--db " + db_ + " dhis2 push --state declared --batch-size 5 --journal " + journal);
  EXPECT_EQ(push.status, 0) << push.output;
  EXPECT_EQ(dhis2_.values().size(), 12u);
  EXPECT_EQ(dhis2_.CountRequests("POST", "/api/dataValueSets"), 3);
  Outcome again =
      Keneya("--db " + db_ + " dhis2 push --state declared --batch-size 5 --journal " + journal);
  EXPECT_EQ(again.status, 0) << again.output;
  EXPECT_EQ(dhis2_.CountRequests("POST", "/api/dataValueSets"), 3);  // nothing sent again
}

TEST_F(Dhis2CliTest, PullsValuesIntoAState) {
  dhis2_.SetDataSet("pBOMPrpg1QX", {"f7n9E0hX8qk", "Ix2HsbDMLea", "eY5ehpbEsB7"});
  dhis2_.AddValues({{"f7n9E0hX8qk", "201201", "DiszpKrYNg8", "", "", "31", "", "john"},
                    {"Ix2HsbDMLea", "201201", "DiszpKrYNg8", "", "", "32", "", "john"}});
  Outcome pull = Keneya("--db " + db_ +
                        " dhis2 pull-values --data-set pBOMPrpg1QX --period 201201 "
                        "--org-unit DiszpKrYNg8 --state verified");
  EXPECT_EQ(pull.status, 0) << pull.output;
  EXPECT_NE(pull.output.find("2 importées"), std::string::npos) << pull.output;
  Outcome info = Keneya("--db " + db_ + " info");
  EXPECT_NE(info.output.find("Vérifié : 2"), std::string::npos) << info.output;
}

// Another Keneya's `serve` as the DHIS2 server: its metadata and a period's values come over
// exactly, and values pushed in a state land in that state there.
TEST_F(Dhis2CliTest, RoundTripsMetadataAndValuesWithAnotherKeneya) {
  const std::string data = std::string(KENEYA_IO_TESTDATA) + "/dhis2/";
  const std::string server_db = (dir_ / "server.db").string();
  const std::string client_db = (dir_ / "client.db").string();
  ASSERT_EQ(Keneya("--db " + server_db + " import --metadata " + data +
                   "expected/metadata-for-tests.json")
                .status,
            0);
  ASSERT_EQ(
      Keneya("--db " + server_db + " import --state declared " + data + "dataValueSetB.csv").status,
      0);
  // The machine account of the exchange: declared and verified numbers over the three roots.
  const std::string password_file = (dir_ / "password").string();
  {
    std::ofstream out(password_file);
    out << "passerelle-2024-secret\n";
  }
  std::string roles;
  for (const char* root : {"DiszpKrYNg8", "BdfsJfj87js", "j7Hg26FpoIa"}) {
    roles +=
        std::string(" --role district_team --scope ") + root + " --role verifier --scope " + root;
  }
  Outcome user = Keneya("--db " + server_db + " user add passerelle" + roles +
                        " --password-stdin < " + password_file);
  ASSERT_EQ(user.status, 0) << user.output;

  testing::Served server = testing::Serve(server_db);
  const std::string first = server.first_line;
  std::smatch match;
  ASSERT_TRUE(std::regex_search(first, match, std::regex(R"(http://127\.0\.0\.1:\d+)"))) << first;
  const std::string url = match[0];
  setenv("KENEYA_DHIS2_URL", url.c_str(), 1);
  setenv("KENEYA_DHIS2_USER", "passerelle", 1);
  setenv("KENEYA_DHIS2_PASSWORD", "passerelle-2024-secret", 1);

  // The metadata, exactly.
  Outcome metadata = Keneya("--db " + client_db + " dhis2 pull-metadata");
  EXPECT_EQ(metadata.status, 0) << metadata.output;
  EXPECT_EQ(Keneya("--db " + client_db + " export --metadata").output,
            Keneya("--db " + server_db + " export --metadata").output);

  // A period's values, exactly (who stored them and when aside: they were stored again).
  for (const char* root : {"DiszpKrYNg8", "BdfsJfj87js"}) {
    Outcome pull = Keneya("--db " + client_db +
                          " dhis2 pull-values --data-set pBOMPrpg1QX --period 201201 "
                          "--period 201202 --org-unit " +
                          root);
    EXPECT_EQ(pull.status, 0) << pull.output;
  }
  // A store's values of a state, without who stored them and when, sorted.
  auto values = [&](const std::string& db, const std::string& state,
                    const std::string& periods = "--period 201201 --period 201202") {
    Outcome exported =
        Keneya("--db " + db + " export - --format csv --state " + state + " " + periods);
    std::vector<std::string> rows;
    std::istringstream lines(exported.output);
    std::string row;
    while (std::getline(lines, row)) {
      if (std::count(row.begin(), row.end(), ',') < 5) continue;  // the progress line
      // dataelement,period,orgunit,categoryoptioncombo,attributeoptioncombo,value
      size_t comma = 0;
      for (int i = 0; i < 6 && comma != std::string::npos; ++i) comma = row.find(',', comma + 1);
      rows.push_back(row.substr(0, comma));
    }
    std::sort(rows.begin(), rows.end());
    return rows;
  };
  const std::vector<std::string> declared = values(server_db, "declared");
  EXPECT_GT(declared.size(), 8u);
  EXPECT_EQ(values(client_db, "declared"), declared);

  // Pushed as verified numbers, they are verified numbers there.
  ASSERT_EQ(
      Keneya("--db " + client_db + " import --state verified " + data + "dataValueSetB.csv").status,
      0);
  Outcome push = Keneya("--db " + client_db + " dhis2 push --state verified --period 201201");
  EXPECT_EQ(push.status, 0) << push.output;
  const std::vector<std::string> verified = values(server_db, "verified");
  EXPECT_FALSE(verified.empty());
  EXPECT_EQ(verified, values(client_db, "verified", "--period 201201"));
  EXPECT_EQ(values(server_db, "verified", "--period 201202").size(), 1u);  // not sent: the heading
  EXPECT_EQ(values(server_db, "declared"), declared);  // the declared numbers are untouched

  server.Stop();
}

}  // namespace
}  // namespace keneya::cli
