// `keneya dhis2 ...` against the fake DHIS2 server (tests/io/fake_dhis2.h), as a user runs it.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>

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

}  // namespace
}  // namespace keneya::cli
