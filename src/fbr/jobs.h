// Long work as background jobs stored in the database (docs/WORKFLOW.md, "Jobs"): a request
// queues a job and answers at once with it; a JobRunner in each `keneya serve` claims queued
// jobs, runs them one at a time, and reports their progress, which the API serves to poll or as
// server-sent events.
//
// One job at a time per key (an invoice run's program and period), even across servers on one
// PostgreSQL: the database refuses a second active job of the key. A running job holds a lease
// that a heartbeat renews; when the lease runs out (its server died or hangs), another server
// takes the job over and runs it again. What a job writes is written in one transaction that
// also ends the job, and only while its server still holds it: a job is never done twice. A
// server restarted under the same name resumes the jobs it was running; a job interrupted
// `max_attempts` times is marked failed.
//
//   JobRunner runner(pool, directory_of, {.owner = "srv-a:8080"});
//   runner.Start();
//   KENEYA_ASSIGN_OR_RETURN(QueuedRun queued, QueueRun(store, sight, request, actor));
//   runner.Wake();
#ifndef KENEYA_FBR_JOBS_H_
#define KENEYA_FBR_JOBS_H_

#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "core/result.h"
#include "fbr/directory.h"
#include "fbr/run_approval.h"
#include "io/dhis2_client.h"
#include "store/store.h"
#include "store/store_pool.h"

namespace keneya::fbr {

inline constexpr std::string_view kInvoiceRunJob = "invoice_run";
inline constexpr std::string_view kDhis2PushJob = "dhis2_push";

struct QueuedRun {
  store::JobRecord job;
  bool created = false;  // false: a job of the same program and period was already active
};

// Queues an invoice run (StartRun in a job) after the checks that need no computing
// (CheckRunRequest). When a run of the program and period is already queued or running, that
// job comes back with `created` false.
core::Result<QueuedRun> QueueRun(store::Store& store, const Sight& sight, const RunRequest& request,
                                 const store::Actor& actor);

// Queues the push of an approved run's results (exports.h, RunResultValues) to the national
// DHIS2 the servers are configured with (JobOptions::dhis2): invoice_run W everywhere, an
// approved run (FailedPrecondition otherwise). One push at a time per run.
core::Result<store::JobRecord> QueueDhis2Push(store::Store& store, const Sight& sight,
                                              int64_t run_id, const store::Actor& actor);

// A job, for the national unit (invoice_run R everywhere): PermissionDenied for others,
// NotFound for an unknown id.
core::Result<store::JobRecord> GetJob(store::Store& store, const Sight& sight, int64_t id);

// A failed job's error, as the job stored it: its code key ("conflict"...), message id, and text
// and place in each language.
struct JobError {
  std::string code;
  std::string message_id;
  std::string text_fr, text_en, where_fr, where_en;
};
std::optional<JobError> ReadJobError(const store::JobRecord& job);

struct JobOptions {
  std::string owner;  // this server's name, stable across restarts ("host:port")
  std::chrono::milliseconds lease{30'000};
  std::chrono::milliseconds poll{2'000};  // how often an idle runner looks for work
  int max_attempts = 3;
  // The national DHIS2 that runs' results are pushed to (none: a push job fails, saying so).
  std::optional<io::Dhis2ClientOptions> dhis2;
};

using DirectoryOf =
    std::function<core::Result<std::shared_ptr<const Directory>>(store::Store& store)>;

class JobRunner {
 public:
  // `pool` and `directory_of` must outlive the runner; `pool` lends the runner a connection for
  // the job and one for its heartbeat.
  JobRunner(store::StorePool& pool, DirectoryOf directory_of, JobOptions options);
  ~JobRunner();  // Stop()
  JobRunner(const JobRunner&) = delete;
  JobRunner& operator=(const JobRunner&) = delete;

  // Claims and runs jobs on a thread of its own until Stop().
  void Start();
  // Lets the job in hand finish, then stops.
  void Stop();
  // Looks for work now rather than at the next poll (a job was just queued).
  void Wake();
  // Claims one job and runs it to its end; false when none was waiting. The thread's step, and
  // the tests'.
  core::Result<bool> RunOne();

  const JobOptions& options() const { return options_; }

 private:
  void Loop();
  // Runs a claimed job; its outcome is in the job's row.
  void Execute(store::Store& store, const store::JobRecord& job);

  store::StorePool& pool_;
  DirectoryOf directory_of_;
  JobOptions options_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool woken_ = false;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace keneya::fbr

#endif  // KENEYA_FBR_JOBS_H_
