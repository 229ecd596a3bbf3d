// A bulk load is all or nothing, even when its process is killed (SIGKILL) in the middle.
//
// The test starts bulk_load_child, which loads 1,000,000 values and prints its progress; it kills
// the child once the progress says that many values have been written (never on a timer), then
// checks that the database holds none or all of the load and that the engine's own consistency
// checks pass.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <string>

#include "store/store.h"
#include "tests/store/test_database.h"

#ifndef KENEYA_BULK_LOAD_CHILD
#error "KENEYA_BULK_LOAD_CHILD must name the bulk_load_child executable"
#endif

namespace keneya::store::testing {
namespace {

constexpr int64_t kValues = 1'000'000;

struct KillPoint {
  std::string phase;  // progress phase to watch: "write" or "commit"
  int64_t done;       // kill at the first report of `phase` with at least this many done
};

struct ChildOutcome {
  bool killed = false;    // we sent SIGKILL
  bool finished = false;  // it printed "done" before we could kill it
  std::string last_line;
  int64_t written_at_kill = 0;
};

// Runs the child and kills it at `point`.
ChildOutcome RunAndKill(const std::string& location, const KillPoint& point) {
  ChildOutcome outcome;
  int pipe_fds[2];
  if (pipe(pipe_fds) != 0) {
    ADD_FAILURE() << "pipe failed";
    return outcome;
  }
  const pid_t pid = fork();
  if (pid == 0) {
    dup2(pipe_fds[1], STDOUT_FILENO);
    close(pipe_fds[0]);
    close(pipe_fds[1]);
    const std::string count = std::to_string(kValues);
    execl(KENEYA_BULK_LOAD_CHILD, KENEYA_BULK_LOAD_CHILD, location.c_str(), count.c_str(),
          static_cast<char*>(nullptr));
    _exit(127);
  }
  close(pipe_fds[1]);
  FILE* child_out = fdopen(pipe_fds[0], "r");
  char* line = nullptr;
  size_t capacity = 0;
  bool started_writing = false;
  while (getline(&line, &capacity, child_out) > 0) {
    outcome.last_line = line;
    char phase[32] = {0};
    long long done = 0;
    if (std::sscanf(line, "progress %31s %lld", phase, &done) == 2) {
      if (std::string(phase) == "write" && done > 0) started_writing = true;
      if (started_writing && phase == point.phase && done >= point.done) {
        kill(pid, SIGKILL);
        outcome.killed = true;
        outcome.written_at_kill = done;
        break;
      }
    } else if (outcome.last_line.rfind("done", 0) == 0) {
      outcome.finished = true;
    }
  }
  free(line);
  fclose(child_out);
  int status = 0;
  waitpid(pid, &status, 0);
  if (outcome.killed) {
    EXPECT_TRUE(WIFSIGNALED(status) || (WIFEXITED(status) && WEXITSTATUS(status) == 0))
        << "the child died another way";
  } else {
    EXPECT_TRUE(WIFEXITED(status)) << "child status " << status;
  }
  return outcome;
}

class KillTest : public ::testing::TestWithParam<Engine> {
 protected:
  void SetUp() override {
    if (std::string why = Unavailable(GetParam()); !why.empty()) {
      if (std::getenv("KENEYA_REQUIRE_POSTGRES") != nullptr) FAIL() << why;
      GTEST_SKIP() << why;
    }
  }

  // Kills a load at `point` in a fresh database and checks what is left.
  void KillAndCheck(const KillPoint& point) {
    TestDatabase db(GetParam());
    const ChildOutcome outcome = RunAndKill(db.location(), point);
    ASSERT_TRUE(outcome.killed || outcome.finished)
        << "the child never reached " << point.phase << " " << point.done
        << "; last line: " << outcome.last_line;
    std::unique_ptr<Store> store = db.Open();
    ASSERT_NE(store, nullptr);
    auto count = store->Count(ValueQuery{.include_deleted = true});
    ASSERT_TRUE(count.ok()) << count.error().ToString();
    auto imports = store->Imports();
    ASSERT_TRUE(imports.ok());
    if (*count == 0) {
      EXPECT_TRUE(imports->empty()) << "an import was recorded without its values";
    } else {
      EXPECT_EQ(*count, kValues) << "a part of the load survived the kill";
      ASSERT_EQ(imports->size(), 1u);
      EXPECT_EQ((*imports)[0].created, kValues);
      auto values = store->Query(ValueQuery{});
      ASSERT_TRUE(values.ok());
      for (const auto& v : *values) {
        ASSERT_EQ(v.import_id, (*imports)[0].id);
      }
    }
    // Killed while writing: the transaction cannot have committed.
    if (outcome.killed && point.phase == "write") {
      EXPECT_EQ(*count, 0) << "killed after " << outcome.written_at_kill << " written";
    }
    auto checks = store->RunIntegrityChecks();
    EXPECT_TRUE(checks.ok()) << checks.error().ToString();
  }
};

TEST_P(KillTest, KilledEarlyInTheLoadLeavesNothing) { KillAndCheck({"write", 100'000}); }

TEST_P(KillTest, KilledHalfWayLeavesNothing) { KillAndCheck({"write", 500'000}); }

TEST_P(KillTest, KilledNearTheEndLeavesNothing) { KillAndCheck({"write", 900'000}); }

TEST_P(KillTest, KilledWhileCommittingLeavesNoneOrAll) { KillAndCheck({"commit", 0}); }

INSTANTIATE_TEST_SUITE_P(Engines, KillTest, ::testing::Values(Engine::kSqlite, Engine::kPostgres),
                         [](const auto& param_info) { return EngineName(param_info.param); });

}  // namespace
}  // namespace keneya::store::testing
