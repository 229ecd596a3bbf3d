#include "fbr/jobs.h"

#include <nlohmann/json.hpp>

#include "auth/accounts.h"
#include "auth/roles.h"
#include "core/timestamp.h"
#include "fbr/exports.h"
#include "fbr/stored_invoices.h"

namespace keneya::fbr {

using core::Message;
using core::Result;
using Json = nlohmann::json;

namespace {

std::string RunKey(const RunRequest& request) {
  return std::string(kInvoiceRunJob) + " " + request.program + " " + request.period;
}

std::string ErrorJson(const core::Error& error) {
  return Json{{"code", core::ErrorCodeName(error.code)},
              {"message_id", error.text.id()},
              {"fr", core::Render(error.text, core::Language::kFrench)},
              {"en", core::Render(error.text, core::Language::kEnglish)},
              {"where_fr", core::DescribePlace(error, core::Language::kFrench)},
              {"where_en", core::DescribePlace(error, core::Language::kEnglish)}}
      .dump();
}

// The lease renewed on a connection of its own while the job works on another, with the
// progress the job last reported.
class Heartbeat {
 public:
  Heartbeat(store::StorePool& pool, const store::JobRecord& job, const JobOptions& options)
      : pool_(pool), job_(job), options_(options), thread_([this] { Beat(); }) {}
  ~Heartbeat() {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      stopping_ = true;
    }
    changed_.notify_all();
    thread_.join();
  }

  void Report(const store::Progress& progress) {
    std::lock_guard<std::mutex> lock(mutex_);
    // A new phase is shown at once; counts at the next beat.
    const bool new_phase = progress.phase != progress_.phase;
    progress_ = {std::string(progress.phase), progress.done, progress.total};
    if (new_phase) {
      due_ = true;
      changed_.notify_all();
    }
  }

 private:
  void Beat() {
    const auto interval = std::max(options_.lease / 3, std::chrono::milliseconds(50));
    const auto show_every = std::min(interval, std::chrono::milliseconds(500));
    auto last_renewal = std::chrono::steady_clock::now();
    std::unique_lock<std::mutex> lock(mutex_);
    while (!stopping_) {
      changed_.wait_for(lock, show_every, [this] { return stopping_ || due_; });
      if (stopping_) break;
      const auto now = std::chrono::steady_clock::now();
      if (!due_ && progress_.phase == shown_.phase && progress_.done == shown_.done &&
          now - last_renewal < interval) {
        continue;
      }
      due_ = false;
      store::JobProgress progress = progress_;
      lock.unlock();
      auto store = pool_.Acquire(options_.lease / 3);
      if (store.ok()) {
        const core::TimestampMs until = core::NowMs() + options_.lease.count();
        // False: another server holds the job now; what this one computes will not be written.
        (void)(*store)->RenewJob(job_.id, job_.owner, until, progress);
        last_renewal = now;
      }
      lock.lock();
      shown_ = progress;
    }
  }

  store::StorePool& pool_;
  const store::JobRecord& job_;
  const JobOptions& options_;
  std::mutex mutex_;
  std::condition_variable changed_;
  store::JobProgress progress_, shown_;
  bool due_ = false;
  bool stopping_ = false;
  std::thread thread_;  // last: starts once the rest is ready
};

// Runs an invoice run's job as the user who asked for it, with that user's rights as they are
// now (a user disabled since cannot have the run made).
core::Status ExecuteRun(store::Store& store, const DirectoryOf& directory_of,
                        const store::JobRecord& job, const store::ProgressFn& progress) {
  Json params = Json::parse(job.params, nullptr, /*allow_exceptions=*/false);
  if (!params.is_object()) {
    return core::StoredDataError(Message("fbr.job.bad_params", {{"job", job.id}}), "job",
                                 std::to_string(job.id), "params");
  }
  RunRequest request;
  request.program = params.value("program", "");
  request.period = params.value("period", "");
  request.payment = params.value("payment", "");
  request.replaces = params.value("replaces", int64_t{0});
  KENEYA_ASSIGN_OR_RETURN(std::optional<store::UserRecord> user, store.FindUser(job.created_by));
  if (!user || user->disabled) {
    return core::PermissionDenied(Message("fbr.job.user_gone", {{"user", job.created_by}}));
  }
  KENEYA_ASSIGN_OR_RETURN(auth::Principal principal, auth::LoadPrincipal(store, *user));
  KENEYA_ASSIGN_OR_RETURN(std::shared_ptr<const Directory> directory, directory_of(store));
  const Sight sight(*directory, principal);
  const store::Actor actor{job.created_by, job.source, "", job.address};
  RunJob context{job.id, job.owner, progress};
  KENEYA_RETURN_IF_ERROR(StartRun(store, sight, request, actor, &context));
  return core::OkStatus();
}

// Pushes an approved run's results to the configured DHIS2: its progress is the values sent;
// a conflict DHIS2 reports fails the job, with how many values it ignored.
core::Status ExecutePush(store::Store& store, const DirectoryOf& directory_of,
                         const JobOptions& options, const store::JobRecord& job,
                         const store::ProgressFn& progress) {
  Json params = Json::parse(job.params, nullptr, /*allow_exceptions=*/false);
  if (!params.is_object() || !params.contains("run")) {
    return core::StoredDataError(Message("fbr.job.bad_params", {{"job", job.id}}), "job",
                                 std::to_string(job.id), "params");
  }
  if (!options.dhis2) return core::FailedPrecondition(Message("fbr.job.no_dhis2"));
  const int64_t run_id = params.value("run", int64_t{0});
  KENEYA_ASSIGN_OR_RETURN(std::shared_ptr<const Directory> directory, directory_of(store));
  KENEYA_ASSIGN_OR_RETURN(StoredRun run, LoadRun(store, run_id));
  std::vector<io::Dhis2DataValue> values;
  KENEYA_RETURN_IF_ERROR(
      RunResultValues(store, directory->resolver(), run, progress,
                      [&values](const io::Dhis2DataValue& v) { values.push_back(v); }));
  KENEYA_ASSIGN_OR_RETURN(std::unique_ptr<io::Dhis2Client> client,
                          io::Dhis2Client::Create(*options.dhis2));
  io::PushOptions push;
  if (client->IsKeneya()) push.state = "validated";
  KENEYA_ASSIGN_OR_RETURN(io::PushResult result, client->PushDataValues(values, push, progress));
  if (!result.complete()) {
    return core::Unavailable(Message("fbr.job.push_incomplete", {{"run", run_id}}),
                             client->base_url());
  }
  if (result.status != io::ImportStatus::kSuccess) {
    return core::FailedPrecondition(
        Message("fbr.job.push_conflicts",
                {{"run", run_id}, {"conflicts", static_cast<int64_t>(result.conflicts.size())}}),
        client->base_url());
  }
  KENEYA_ASSIGN_OR_RETURN(bool finished,
                          store.FinishJob(job.id, job.owner, "succeeded", run_id, ""));
  if (!finished) {
    return core::Conflict(Message("store.job_lost", {{"job", job.id}}),
                          Message("store.job_place", {{"job", job.id}}));
  }
  return core::OkStatus();
}

}  // namespace

Result<store::JobRecord> QueueDhis2Push(store::Store& store, const Sight& sight, int64_t run_id,
                                        const store::Actor& actor) {
  if (!sight.Everywhere(auth::Resource::kInvoiceRun, auth::Action::kWrite)) {
    KENEYA_RETURN_IF_ERROR(auth::Authorize(auth::Principal{}, auth::Resource::kInvoiceRun,
                                           auth::Action::kWrite, nullptr));
  }
  KENEYA_ASSIGN_OR_RETURN(RunState state, GetRunState(store, sight, run_id));
  if (state.state.status != "approved") {
    return core::FailedPrecondition(
        Message("fbr.job.push_not_approved", {{"run", run_id}, {"status", state.state.status}}),
        Message("fbr.place.run"));
  }
  store::JobRecord job;
  job.kind = std::string(kDhis2PushJob);
  job.key = std::string(kDhis2PushJob) + " " + std::to_string(run_id);
  job.params = Json{{"run", run_id}}.dump();
  KENEYA_ASSIGN_OR_RETURN(store::Store::CreatedJob created, store.CreateJob(job, actor));
  return std::move(created.job);
}

Result<QueuedRun> QueueRun(store::Store& store, const Sight& sight, const RunRequest& request,
                           const store::Actor& actor) {
  KENEYA_RETURN_IF_ERROR(CheckRunRequest(store, sight, request));
  store::JobRecord job;
  job.kind = std::string(kInvoiceRunJob);
  job.key = RunKey(request);
  job.params = Json{{"program", request.program},
                    {"period", request.period},
                    {"payment", request.payment},
                    {"replaces", request.replaces}}
                   .dump();
  KENEYA_ASSIGN_OR_RETURN(store::Store::CreatedJob created, store.CreateJob(job, actor));
  if (created.created) {
    // A job of the key that ended between the check above and the creation wrote its run in
    // the transaction that ended it: checked again now, that run is seen, and the new job ends
    // at once with the same refusal (or, taken by a server meanwhile, fails as it starts).
    core::Status again = CheckRunRequest(store, sight, request);
    if (!again.ok()) {
      KENEYA_RETURN_IF_ERROR(store.CancelJob(created.job.id, ErrorJson(again.error())));
      return again.error();
    }
  }
  return QueuedRun{std::move(created.job), created.created};
}

Result<store::JobRecord> GetJob(store::Store& store, const Sight& sight, int64_t id) {
  // Jobs are national records, as runs are: the national unit reads them (403 to others).
  if (!sight.Everywhere(auth::Resource::kInvoiceRun, auth::Action::kRead)) {
    KENEYA_RETURN_IF_ERROR(auth::Authorize(auth::Principal{}, auth::Resource::kInvoiceRun,
                                           auth::Action::kRead, nullptr));
  }
  KENEYA_ASSIGN_OR_RETURN(std::optional<store::JobRecord> job, store.GetJob(id));
  if (!job) {
    return core::NotFound(Message("fbr.job.not_found", {{"job", id}}),
                          Message("store.job_place", {{"job", id}}));
  }
  return *job;
}

std::optional<JobError> ReadJobError(const store::JobRecord& job) {
  if (job.error.empty()) return std::nullopt;
  Json error = Json::parse(job.error, nullptr, /*allow_exceptions=*/false);
  if (!error.is_object()) return std::nullopt;
  JobError out;
  out.code = error.value("code", "");
  for (char& c : out.code) {
    if (c == ' ') c = '_';
  }
  out.message_id = error.value("message_id", "");
  out.text_fr = error.value("fr", "");
  out.text_en = error.value("en", "");
  out.where_fr = error.value("where_fr", "");
  out.where_en = error.value("where_en", "");
  return out;
}

JobRunner::JobRunner(store::StorePool& pool, DirectoryOf directory_of, JobOptions options)
    : pool_(pool), directory_of_(std::move(directory_of)), options_(std::move(options)) {}

JobRunner::~JobRunner() { Stop(); }

void JobRunner::Start() {
  std::lock_guard<std::mutex> lock(mutex_);
  if (thread_.joinable()) return;
  stopping_ = false;
  thread_ = std::thread([this] { Loop(); });
}

void JobRunner::Stop() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void JobRunner::Wake() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    woken_ = true;
  }
  wake_.notify_all();
}

void JobRunner::Loop() {
  while (true) {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      if (stopping_) return;
      woken_ = false;
    }
    Result<bool> ran = RunOne();
    if (ran.ok() && *ran) continue;  // perhaps more waiting
    std::unique_lock<std::mutex> lock(mutex_);
    wake_.wait_for(lock, options_.poll, [this] { return stopping_ || woken_; });
  }
}

Result<bool> JobRunner::RunOne() {
  KENEYA_ASSIGN_OR_RETURN(store::StorePool::Lease store, pool_.Acquire(options_.poll));
  const core::TimestampMs now = core::NowMs();
  KENEYA_ASSIGN_OR_RETURN(std::optional<store::JobRecord> job,
                          store->ClaimJob(options_.owner, now, now + options_.lease.count()));
  if (!job) return false;
  Execute(*store, *job);
  return true;
}

void JobRunner::Execute(store::Store& store, const store::JobRecord& job) {
  if (job.attempts > options_.max_attempts) {
    const core::Error interrupted = core::Unavailable(
        Message("fbr.job.interrupted", {{"job", job.id}, {"attempts", options_.max_attempts}}));
    (void)store.FinishJob(job.id, job.owner, "failed", 0, ErrorJson(interrupted));
    return;
  }
  core::Status done = core::OkStatus();
  {
    Heartbeat heartbeat(pool_, job, options_);
    const store::ProgressFn progress = [&heartbeat](const store::Progress& p) {
      heartbeat.Report(p);
    };
    if (job.kind == kInvoiceRunJob) {
      done = ExecuteRun(store, directory_of_, job, progress);
    } else if (job.kind == kDhis2PushJob) {
      done = ExecutePush(store, directory_of_, options_, job, progress);
    } else {
      done = core::StoredDataError(Message("fbr.job.unknown_kind", {{"kind", job.kind}}), "job",
                                   std::to_string(job.id), "kind");
    }
  }
  // A run ends its job in its own transaction; a job another server took over is left to it.
  if (done.ok() || done.error().text.id() == "store.job_lost") return;
  (void)store.FinishJob(job.id, job.owner, "failed", 0, ErrorJson(done.error()));
}

}  // namespace keneya::fbr
