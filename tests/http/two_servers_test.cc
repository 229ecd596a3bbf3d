// Two `keneya serve` processes on one PostgreSQL (docs/WORKFLOW.md, "Jobs"; docs/SERVER.md):
// concurrent saves of one cell at both are each applied or refused, none lost; concurrent run
// requests at both make exactly one run; a server killed (SIGKILL) in the middle of saves loses
// nothing it acknowledged and leaves a database that passes its integrity check; a server
// killed in the middle of a run has its job taken over by the other server once the lease runs
// out, or resumed by itself when it restarts under the same name.
//
// The kills are placed, not timed: the test holds a table lock with its own connection, so that
// the server's writes wait inside their transaction, sees the job (or the saves) waiting there,
// and only then kills the server.
#include <gtest/gtest.h>
#include <httplib.h>
#include <libpq-fe.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <latch>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "auth/secrets.h"
#include "fbr/directory.h"
#include "fbr/run_approval.h"
#include "fbr/workflow.h"
#include "tests/http/kati_dataset.h"
#include "tests/store/test_database.h"

#ifndef KENEYA_BINARY
#error "KENEYA_BINARY must name the keneya executable"
#endif

namespace keneya::http {
namespace {

using nlohmann::json;
using std::chrono::milliseconds;
using store::testing::Engine;

constexpr char kLeaseMs[] = "1500";
constexpr char kServersToday[] = "2025-02-03";
constexpr char kRunPeriod[] = "2024Q2";

// Waits until `done` holds, looking every 20 ms; false after `limit`.
bool WaitFor(const std::function<bool()>& done, milliseconds limit = milliseconds(30'000)) {
  const auto until = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < until) {
    if (done()) return true;
    std::this_thread::sleep_for(milliseconds(20));
  }
  return done();
}

// `keneya --db DB serve --port 0` under a job runner's name, its request log in a file.
class Server {
 public:
  Server(const std::string& db, const std::string& name, const char* lease_ms = kLeaseMs)
      : name_(name) {
    int pipe_fds[2];
    if (pipe(pipe_fds) != 0) return;
    const std::string log = ::testing::TempDir() + "keneya-two-servers-" + name + ".log";
    pid_ = fork();
    if (pid_ == 0) {
      dup2(pipe_fds[1], STDOUT_FILENO);
      close(pipe_fds[0]);
      close(pipe_fds[1]);
      if (std::freopen(log.c_str(), "a", stderr) == nullptr) _exit(126);
      setenv("KENEYA_JOBS_NAME", name.c_str(), 1);
      setenv("KENEYA_JOBS_LEASE_MS", lease_ms, 1);
      setenv("KENEYA_JOBS_POLL_MS", "100", 1);
      setenv("KENEYA_TODAY", kServersToday, 1);
      execl(KENEYA_BINARY, KENEYA_BINARY, "--db", db.c_str(), "serve", "--host", "127.0.0.1",
            "--port", "0", static_cast<char*>(nullptr));
      _exit(127);
    }
    close(pipe_fds[1]);
    out_ = fdopen(pipe_fds[0], "r");
    char* line = nullptr;
    size_t capacity = 0;
    if (getline(&line, &capacity, out_) > 0) {
      const std::string first = line;
      const size_t at = first.find("127.0.0.1:");
      if (at != std::string::npos) port_ = std::atoi(first.c_str() + at + 10);
    }
    free(line);
  }
  ~Server() { Kill(SIGKILL); }
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  int port() const { return port_; }
  const std::string& name() const { return name_; }
  // Sends `signal` and, unless it only stops the process, reaps it.
  void Kill(int signal) {
    if (pid_ <= 0) return;
    kill(pid_, signal);
    if (signal == SIGSTOP) return;
    if (signal != SIGKILL) kill(pid_, SIGCONT);
    int status = 0;
    waitpid(pid_, &status, 0);
    pid_ = -1;
    if (out_ != nullptr) fclose(out_);
    out_ = nullptr;
  }

  // A client signed in as `user` by Basic authentication.
  std::unique_ptr<httplib::Client> Client(const std::string& user) const {
    auto client = std::make_unique<httplib::Client>("127.0.0.1", port_);
    client->set_basic_auth(user, testing::kPassword);
    client->set_read_timeout(60, 0);
    client->set_connection_timeout(5, 0);
    return client;
  }

 private:
  std::string name_;
  pid_t pid_ = -1;
  FILE* out_ = nullptr;
  int port_ = 0;
};

// A table locked by a connection of the test's own, until Release().
class TableLock {
 public:
  TableLock(const std::string& conninfo, const std::string& table)
      : conninfo_(conninfo), conn_(PQconnectdb(conninfo.c_str())) {
    EXPECT_EQ(PQstatus(conn_), CONNECTION_OK) << PQerrorMessage(conn_);
    Exec("BEGIN");
    // Conflicts with every insert, update and delete of the table, not with its readers.
    Exec("LOCK TABLE " + table + " IN SHARE ROW EXCLUSIVE MODE");
  }
  ~TableLock() {
    Release();
    PQfinish(conn_);
  }
  void Release() {
    if (!released_) Exec("COMMIT");
    released_ = true;
  }
  // How many connections wait for this lock (a server's writes in the middle of a transaction).
  int Waiters() const {
    PGconn* conn = PQconnectdb(conninfo_.c_str());
    const std::string sql = "SELECT count(*) FROM pg_stat_activity WHERE " +
                            std::to_string(PQbackendPID(conn_)) + " = ANY(pg_blocking_pids(pid))";
    PGresult* result = PQexec(conn, sql.c_str());
    const int waiting = PQresultStatus(result) == PGRES_TUPLES_OK && PQntuples(result) == 1
                            ? std::atoi(PQgetvalue(result, 0, 0))
                            : -1;
    PQclear(result);
    PQfinish(conn);
    return waiting;
  }

 private:
  void Exec(const std::string& sql) {
    PGresult* result = PQexec(conn_, sql.c_str());
    EXPECT_EQ(PQresultStatus(result), PGRES_COMMAND_OK) << sql << ": " << PQerrorMessage(conn_);
    PQclear(result);
  }
  std::string conninfo_;
  PGconn* conn_;
  bool released_ = false;
};

class TwoServersTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const std::string why = store::testing::Unavailable(Engine::kPostgres);
    if (!why.empty()) GTEST_SKIP() << why;
    auth::DefaultPasswordCost() = auth::PasswordCost{1, 8u << 10};
    dataset_ = testing::NewDataset(Engine::kPostgres);
    ASSERT_NE(dataset_, nullptr);
    data_ = dataset_.get();
    store_ = data_->db->Open();
    ASSERT_NE(store_, nullptr);
    directory_ = std::make_unique<fbr::Directory>(data_->metadata);
  }
  void TearDown() override { unsetenv("KENEYA_TODAY"); }

  const std::string& location() const { return data_->db->location(); }

  void ValidateKokoQuarter() {
    testing::ValidateQuarter(*data_, *store_, testing::kKokoCode, kRunPeriod);
  }

  // A computed run of kRunPeriod, started at the library by one of the national unit.
  int64_t StartRunHere() {
    const auth::Principal national =
        testing::InMemory("cellule.a", auth::Role::kNationalUnit, data_->mali);
    const fbr::Sight sight(*directory_, national);
    auto started =
        fbr::StartRun(*store_, sight, {"FBR_MALI", kRunPeriod, "", 0}, {national.name, "test"});
    EXPECT_TRUE(started.ok()) << started.error().ToString();
    return started.ok() ? started->run.id : 0;
  }

  // The runs waiting for approval ("computed").
  std::vector<int64_t> ComputedRuns() {
    auto all = store_->RunWorkflows();
    EXPECT_TRUE(all.ok()) << all.error().ToString();
    std::vector<int64_t> out;
    if (!all.ok()) return out;
    for (const store::RunWorkflowRecord& run : *all) {
      if (run.status == "computed") out.push_back(run.run_id);
    }
    return out;
  }

  store::JobRecord Job(int64_t id) {
    auto job = store_->GetJob(id);
    EXPECT_TRUE(job.ok() && job->has_value());
    return job.ok() && job->has_value() ? **job : store::JobRecord{};
  }

  // `keneya check-db` on the database: its exit status and what it printed.
  std::pair<int, std::string> CheckDb() {
    const std::string command =
        std::string(KENEYA_BINARY) + " --db '" + location() + "' check-db 2>&1";
    FILE* pipe = popen(command.c_str(), "r");
    std::string output;
    char buffer[4096];
    size_t n;
    while (pipe != nullptr && (n = fread(buffer, 1, sizeof buffer, pipe)) > 0) {
      output.append(buffer, n);
    }
    const int status = pipe != nullptr ? pclose(pipe) : -1;
    return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, output};
  }

  // A run's job queued at `server` that replaces the waiting run `replaces`.
  int64_t QueueReplacement(const Server& server, int64_t replaces) {
    const json request = {{"program", "FBR_MALI"}, {"period", kRunPeriod}, {"replaces", replaces}};
    auto posted = server.Client("cellule")->Post("/api/runs", request.dump(), "application/json");
    EXPECT_TRUE(posted);
    if (!posted) return 0;
    EXPECT_EQ(posted->status, 202) << posted->body;
    return posted->status == 202 ? json::parse(posted->body)["id"].get<int64_t>() : 0;
  }

  std::unique_ptr<testing::Dataset> dataset_;  // each test's own
  testing::Dataset* data_ = nullptr;
  std::unique_ptr<store::Store> store_;
  std::unique_ptr<fbr::Directory> directory_;
};

TEST_F(TwoServersTest, ConcurrentSavesOfOneCellAtBothAreEachAppliedOrRefusedNoneLost) {
  Server a(location(), "srv-a");
  Server b(location(), "srv-b");
  ASSERT_NE(a.port(), 0);
  ASSERT_NE(b.port(), 0);
  // Eight writers, four at each server, each saving six values of its own into one cell that
  // nobody wrote before (every writer starts from version 0: only one creates it).
  constexpr int kWriters = 8, kSaves = 6;
  const json key = {{"dataElement", data_->element},
                    {"orgUnit", testing::kKokoCode},
                    {"period", "202501"},
                    {"state", "declared"}};
  std::latch start(kWriters);
  std::atomic<int> conflicts{0}, others{0};
  std::vector<std::vector<std::string>> acknowledged(kWriters);
  std::vector<std::thread> writers;
  for (int w = 0; w < kWriters; ++w) {
    writers.emplace_back([&, w] {
      auto client = (w % 2 == 0 ? a : b).Client("chef");
      int64_t version = 0;
      start.arrive_and_wait();
      for (int saved = 0, tries = 0; saved < kSaves && tries < 200; ++tries) {
        json body = key;
        body["value"] = std::to_string(1000 + w * 100 + saved);
        body["version"] = version;
        auto put = client->Put("/api/values", body.dump(), "application/json");
        if (!put) {
          ++others;
          return;
        }
        const json answer = json::parse(put->body, nullptr, false);
        if (put->status == 200) {
          acknowledged[w].push_back(body["value"]);
          version = answer["cell"]["version"];
          ++saved;
        } else if (put->status == 409 && answer.contains("cell")) {
          ++conflicts;  // someone saved first: read what is stored, save again over it
          version = answer["cell"]["version"];
        } else {
          ADD_FAILURE() << put->status << " " << put->body;
          ++others;
          return;
        }
      }
    });
  }
  for (std::thread& t : writers) t.join();
  EXPECT_EQ(others, 0);
  EXPECT_GT(conflicts, 0) << "the writers never met";
  std::set<std::string> saved;
  for (int w = 0; w < kWriters; ++w) {
    EXPECT_EQ(acknowledged[w].size(), static_cast<size_t>(kSaves)) << "writer " << w;
    saved.insert(acknowledged[w].begin(), acknowledged[w].end());
  }

  // The audit trail holds every acknowledged save once, each over the one before: none lost.
  httplib::Params query = {{"dataElement", data_->element},
                           {"orgUnit", testing::kKokoCode},
                           {"period", "202501"},
                           {"state", "declared"}};
  auto history = a.Client("chef")->Get("/api/values/history", query, httplib::Headers{});
  ASSERT_TRUE(history);
  ASSERT_EQ(history->status, 200) << history->body;
  const json trail = json::parse(history->body);
  const json& changes = trail["changes"];
  ASSERT_EQ(changes.size(), static_cast<size_t>(kWriters * kSaves)) << history->body;
  std::set<std::string> audited;
  json previous = nullptr;
  for (const json& change : changes) {
    audited.insert(change["newValue"].get<std::string>());
    EXPECT_EQ(change["oldValue"], previous) << change.dump();
    previous = change["newValue"];
  }
  EXPECT_EQ(changes.front()["action"], "create");
  EXPECT_EQ(audited, saved);
  EXPECT_EQ(trail["cell"]["value"], previous);
}

TEST_F(TwoServersTest, ConcurrentRunRequestsAtBothMakeExactlyOneRun) {
  ValidateKokoQuarter();
  ASSERT_FALSE(HasFatalFailure());
  ASSERT_TRUE(ComputedRuns().empty());
  Server a(location(), "srv-a");
  Server b(location(), "srv-b");
  ASSERT_NE(a.port(), 0);
  ASSERT_NE(b.port(), 0);
  constexpr int kRequests = 6;  // three at each server, at once
  std::latch start(kRequests);
  std::vector<int> statuses(kRequests);
  std::vector<json> answers(kRequests);
  std::vector<std::thread> requests;
  for (int r = 0; r < kRequests; ++r) {
    requests.emplace_back([&, r] {
      auto client = (r % 2 == 0 ? a : b).Client("cellule");
      const json request = {{"program", "FBR_MALI"}, {"period", kRunPeriod}};
      start.arrive_and_wait();
      auto posted = client->Post("/api/runs", request.dump(), "application/json");
      if (!posted) return;
      statuses[r] = posted->status;
      answers[r] = json::parse(posted->body, nullptr, false);
    });
  }
  for (std::thread& t : requests) t.join();
  int64_t job = 0;
  int accepted = 0;
  for (int r = 0; r < kRequests; ++r) {
    if (statuses[r] == 202) {
      ++accepted;
      job = answers[r]["id"];
    }
  }
  ASSERT_EQ(accepted, 1) << "every request: " << json(answers).dump();
  for (int r = 0; r < kRequests; ++r) {
    if (statuses[r] == 202) continue;
    EXPECT_EQ(statuses[r], 409) << answers[r].dump();
    // The job running, or, once it finished, the run it made waiting for approval.
    const std::string id = answers[r]["message_id"];
    EXPECT_TRUE(id == "http.run_job_active" || id == "fbr.run.waiting") << answers[r].dump();
    if (id == "http.run_job_active" && answers[r]["job"]["id"] != job) {
      // A job made in the moment the accepted one ended, by a request refused once it had
      // made it: that job ends at once as failed, with the same refusal, and makes no run.
      const int64_t other = answers[r]["job"]["id"];
      ASSERT_TRUE(WaitFor([&] { return Job(other).state == "failed"; })) << Job(other).state;
      EXPECT_EQ(Job(other).result_id, 0);
      EXPECT_NE(Job(other).error.find("fbr.run.waiting"), std::string::npos) << Job(other).error;
    }
  }
  ASSERT_TRUE(WaitFor([&] { return Job(job).state == "succeeded"; })) << Job(job).state;
  const store::JobRecord done = Job(job);
  EXPECT_EQ(done.attempts, 1);
  EXPECT_EQ(ComputedRuns(), std::vector<int64_t>{done.result_id});
  // Both servers answer the same job.
  for (const Server* server : {&a, &b}) {
    auto read = server->Client("cellule")->Get("/api/jobs/" + std::to_string(job));
    ASSERT_TRUE(read);
    EXPECT_EQ(json::parse(read->body)["result"]["run"], done.result_id) << read->body;
  }
}

TEST_F(TwoServersTest, AServerKilledDuringSavesLosesNothingItAcknowledged) {
  auto a = std::make_unique<Server>(location(), "srv-a");
  ASSERT_NE(a->port(), 0);
  // Four writers, each saving into a cell of its own (a month of 2025 each) until the server
  // dies; the test lets them save a while, then holds the values' table so that the next saves
  // wait inside their transactions, and kills the server there.
  constexpr int kWriters = 4;
  const std::vector<std::string> months = {"202502", "202503", "202504", "202505"};
  std::atomic<bool> dead{false};
  std::atomic<int> total{0};
  std::vector<std::vector<std::string>> acknowledged(kWriters);
  std::vector<std::string> in_flight(kWriters);
  std::vector<std::thread> writers;
  for (int w = 0; w < kWriters; ++w) {
    writers.emplace_back([&, w] {
      auto client = a->Client("chef");
      client->set_read_timeout(120, 0);
      int64_t version = 0;
      for (int i = 0; !dead; ++i) {
        const json body = {{"dataElement", data_->element},
                           {"orgUnit", testing::kKokoCode},
                           {"period", months[w]},
                           {"state", "declared"},
                           {"value", std::to_string(i + 1)},
                           {"version", version}};
        in_flight[w] = body["value"];
        auto put = client->Put("/api/values", body.dump(), "application/json");
        if (!put) return;  // the server died
        if (put->status != 200) {
          ADD_FAILURE() << put->status << " " << put->body;
          return;
        }
        acknowledged[w].push_back(body["value"]);
        version = json::parse(put->body)["cell"]["version"];
        ++total;
      }
    });
  }
  ASSERT_TRUE(WaitFor([&] { return total >= 40; }));
  {
    TableLock hold(location(), "data_value");
    EXPECT_TRUE(WaitFor([&] { return hold.Waiters() >= 1; })) << "no save waited on the lock";
    dead = true;
    a->Kill(SIGKILL);
    hold.Release();
  }
  for (std::thread& t : writers) t.join();

  auto [status, output] = CheckDb();
  EXPECT_EQ(status, 0) << output;

  // A new server serves every acknowledged save, in order; a save caught in the middle was
  // either written whole or not at all.
  Server again(location(), "srv-a");
  ASSERT_NE(again.port(), 0);
  auto client = again.Client("chef");
  for (int w = 0; w < kWriters; ++w) {
    ASSERT_FALSE(acknowledged[w].empty()) << "writer " << w;
    auto history = client->Get("/api/values/history",
                               httplib::Params{{"dataElement", data_->element},
                                               {"orgUnit", testing::kKokoCode},
                                               {"period", months[w]},
                                               {"state", "declared"}},
                               httplib::Headers{});
    ASSERT_TRUE(history);
    ASSERT_EQ(history->status, 200) << history->body;
    const json trail = json::parse(history->body);
    std::vector<std::string> values;
    for (const json& change : trail["changes"]) values.push_back(change["newValue"]);
    std::vector<std::string> expected = acknowledged[w];
    if (values.size() == expected.size() + 1) expected.push_back(in_flight[w]);
    EXPECT_EQ(values, expected) << "writer " << w;
    EXPECT_EQ(trail["cell"]["value"], values.back());
  }
}

TEST_F(TwoServersTest, TheOtherServerTakesOverTheRunOfAKilledOneWhenItsLeaseRunsOut) {
  ValidateKokoQuarter();
  ASSERT_FALSE(HasFatalFailure());
  const int64_t first = StartRunHere();
  ASSERT_NE(first, 0);
  auto a = std::make_unique<Server>(location(), "srv-a");
  ASSERT_NE(a->port(), 0);
  int64_t job = 0;
  {
    // Server A takes the job and computes; its run waits to be written.
    TableLock hold(location(), "invoice_run");
    job = QueueReplacement(*a, first);
    ASSERT_NE(job, 0);
    ASSERT_TRUE(WaitFor([&] {
      const store::JobRecord j = Job(job);
      return j.state == "running" && j.owner == "srv-a" && hold.Waiters() >= 1;
    })) << Job(job).state;
    a->Kill(SIGKILL);
    hold.Release();
  }
  // B finds the job A held; it waits for the lease to run out, then runs it again.
  Server b(location(), "srv-b");
  ASSERT_NE(b.port(), 0);
  ASSERT_TRUE(WaitFor([&] { return Job(job).state == "succeeded"; })) << Job(job).state;
  const store::JobRecord done = Job(job);
  EXPECT_EQ(done.owner, "srv-b");
  EXPECT_EQ(done.attempts, 2);
  EXPECT_NE(done.result_id, first);
  EXPECT_EQ(ComputedRuns(), std::vector<int64_t>{done.result_id});
  auto replaced = store_->GetRunWorkflow(first);
  ASSERT_TRUE(replaced.ok() && replaced->has_value());
  EXPECT_EQ((*replaced)->status, "reopened");
  auto [status, output] = CheckDb();
  EXPECT_EQ(status, 0) << output;
}

TEST_F(TwoServersTest, AServerRestartedUnderItsNameResumesItsRun) {
  ValidateKokoQuarter();
  ASSERT_FALSE(HasFatalFailure());
  const int64_t first = StartRunHere();
  ASSERT_NE(first, 0);
  // A lease longer than the test waits: only the server's own restart can take the job back.
  auto a = std::make_unique<Server>(location(), "srv-a", "600000");
  ASSERT_NE(a->port(), 0);
  int64_t job = 0;
  {
    TableLock hold(location(), "invoice_run");
    job = QueueReplacement(*a, first);
    ASSERT_NE(job, 0);
    ASSERT_TRUE(WaitFor([&] { return Job(job).state == "running" && hold.Waiters() >= 1; }))
        << Job(job).state;
    a->Kill(SIGKILL);
    hold.Release();
  }
  // Restarted, long before its lease runs out: it takes back the job it was running.
  Server again(location(), "srv-a", "600000");
  ASSERT_NE(again.port(), 0);
  ASSERT_TRUE(WaitFor([&] { return Job(job).state == "succeeded"; })) << Job(job).state;
  const store::JobRecord done = Job(job);
  EXPECT_EQ(done.owner, "srv-a");
  EXPECT_EQ(done.attempts, 2);
  EXPECT_EQ(ComputedRuns(), std::vector<int64_t>{done.result_id});
}

}  // namespace
}  // namespace keneya::http
