// The workflow of a facility-period over the API (docs/WORKFLOW.md): its file, and its steps.
#include <chrono>
#include <optional>
#include <utility>

#include "core/category.h"
#include "core/data_element.h"
#include "core/timestamp.h"
#include "fbr/jobs.h"
#include "fbr/overview.h"
#include "fbr/report_pdf.h"
#include "fbr/run_approval.h"
#include "fbr/stored_invoices.h"
#include "fbr/tasks.h"
#include "fbr/workflow.h"
#include "http/api_internal.h"
#include "io/readable.h"

namespace keneya::http {
namespace {

using core::Message;
using core::Result;

Json EventJson(const store::PeriodEvent& event) {
  Json json = {{"action", event.action},
               {"from", event.from},
               {"to", event.to},
               {"at", core::FormatTimestamp(event.at)},
               {"user", event.user},
               {"source", event.source},
               {"onBehalf", event.on_behalf},
               {"reason", event.reason}};
  return json;
}

Json ReportJson(const fbr::VerificationReport& report) {
  Json lines = Json::array();
  int gaps = 0;
  for (const fbr::ReportLine& line : report.lines) {
    gaps += line.gap() ? 1 : 0;
    lines.push_back({{"dataElement", line.element->uid},
                     {"name", line.element->name},
                     {"categoryOptionCombo", line.combo->uid},
                     {"declared", line.declared ? Json(*line.declared) : Json(nullptr)},
                     {"verified", line.verified ? Json(*line.verified) : Json(nullptr)},
                     {"gap", line.gap()}});
  }
  Json json = {{"verifier", report.verifier},
               {"verifierName", report.verifier_name},
               {"issued", core::FormatTimestamp(report.issued)},
               {"contestUntil", report.contest_until.ToString()},
               {"gaps", gaps},
               {"lines", lines},
               {"contest", nullptr},
               {"answer", nullptr}};
  if (!report.contested_by.empty()) {
    json["contest"] = {{"by", report.contested_by}, {"reason", report.contest_reason}};
  }
  if (!report.answered_by.empty()) {
    json["answer"] = {{"by", report.answered_by},
                      {"reason", report.answer_reason},
                      {"corrected", report.corrected}};
  }
  return json;
}

Json FileJson(const fbr::PeriodFile& file, core::Language language) {
  Json allowed = Json::array();
  for (fbr::PeriodAction action : file.allowed) {
    allowed.push_back(std::string(fbr::PeriodActionCode(action)));
  }
  Json history = Json::array();
  for (const store::PeriodEvent& event : file.history) history.push_back(EventJson(event));
  return {{"dataSet", {{"id", file.data_set->uid}, {"name", file.data_set->name}}},
          {"orgUnit", {{"id", file.org_unit->uid}, {"name", file.org_unit->name}}},
          {"period", file.period.ToString()},
          {"periodLabel", io::PeriodLabel(file.period.ToString(), language)},
          {"status", std::string(fbr::PeriodStatusCode(file.status))},
          {"statusLabel", core::Render(fbr::PeriodStatusText(file.status), language)},
          {"version", file.version},
          {"due", file.due.ToString()},
          {"daysLate", file.days_late},
          {"declaredOnBehalf", file.declared_on_behalf},
          {"contestDays", file.rules.contest_days},
          {"report", file.report ? ReportJson(*file.report) : Json(nullptr)},
          {"invoice", file.invoice.empty() ? Json(nullptr) : Json(file.invoice)},
          {"history", history},
          {"allowed", allowed}};
}

// GET /api/tasks: what waits for the signed-in user (fbr::TasksOf).
Result<Response> Tasks(Api::Call& call) {
  KENEYA_ASSIGN_OR_RETURN(const fbr::Sight* sight, call.Sight());
  KENEYA_ASSIGN_OR_RETURN(fbr::Tasks tasks, fbr::TasksOf(call.db(), *sight, {}));
  Json groups = Json::array();
  for (const fbr::TaskGroup& group : tasks.groups) {
    Json items = Json::array();
    for (const fbr::PeriodTask& task : group.items) {
      items.push_back(
          {{"dataSet",
            {{"id", task.data_set->uid},
             {"code", task.data_set->code},
             {"name", task.data_set->name}}},
           {"facility", BriefUnit(task.facility)},
           {"period", task.period.ToString()},
           {"periodLabel", io::PeriodLabel(task.period.ToString(), call.language)},
           {"status", std::string(fbr::PeriodStatusCode(task.status))},
           {"statusLabel", core::Render(fbr::PeriodStatusText(task.status), call.language)},
           {"due", task.due.ToString()},
           {"daysLate", task.days_late},
           {"contestUntil", task.status == fbr::PeriodStatus::kReported
                                ? Json(task.contest_until.ToString())
                                : Json(nullptr)}});
    }
    groups.push_back({{"action", std::string(fbr::PeriodActionCode(group.action))},
                      {"count", group.count},
                      {"items", items}});
  }
  Json runs = Json::array();
  for (const store::InvoiceRunRecord& run : tasks.runs_to_approve) {
    runs.push_back(RunJson(run, call.language));
  }
  Json accounts = Json::array();
  for (const store::PaymentAccountRecord& account : tasks.accounts_to_confirm) {
    const core::OrgUnit* unit = sight->directory().OrgUnitById(account.org_unit);
    accounts.push_back({{"id", account.id},
                        {"facility", BriefUnit(unit)},
                        {"kind", account.kind},
                        {"institution", account.institution},
                        {"proposedBy", account.proposed_by},
                        {"proposedAt", core::FormatTimestamp(account.proposed_at)}});
  }
  return JsonResponse(200, {{"today", tasks.today.ToString()},
                            {"groups", groups},
                            {"runsToApprove", runs},
                            {"accountsToConfirm", accounts}});
}

// GET /api/gaps: the largest declared/verified gaps in the user's scope (fbr::LargestGapsOf).
Result<Response> Gaps(Api::Call& call) {
  KENEYA_ASSIGN_OR_RETURN(const fbr::Sight* sight, call.Sight());
  KENEYA_ASSIGN_OR_RETURN(fbr::LargestGaps gaps, fbr::LargestGapsOf(call.db(), *sight, {}));
  Json items = Json::array();
  for (const fbr::DeclaredGap& gap : gaps.gaps) {
    items.push_back(
        {{"dataSet",
          {{"id", gap.data_set->uid}, {"code", gap.data_set->code}, {"name", gap.data_set->name}}},
         {"facility", BriefUnit(gap.facility)},
         {"dataElement",
          {{"id", gap.element->uid}, {"code", gap.element->code}, {"name", gap.element->name}}},
         {"period", gap.period.ToString()},
         {"periodLabel", io::PeriodLabel(gap.period.ToString(), call.language)},
         {"declared", gap.declared},
         {"verified", gap.verified},
         {"relative", gap.relative}});
  }
  return JsonResponse(200, {{"cells", gaps.cells}, {"gaps", items}});
}

// GET /api/overview: the home page's figures in the user's scope (fbr::OverviewOf): by quarter,
// by district for the map, facilities ranked.
Result<Response> Overview(Api::Call& call) {
  KENEYA_ASSIGN_OR_RETURN(const fbr::Sight* sight, call.Sight());
  fbr::OverviewOptions options;
  KENEYA_ASSIGN_OR_RETURN(int64_t quarters, QueryInteger(call.request, "quarters", 8, 20));
  KENEYA_ASSIGN_OR_RETURN(int64_t limit, QueryInteger(call.request, "limit", 10, 100));
  options.quarters = static_cast<int>(quarters);
  options.limit = static_cast<int>(limit);
  KENEYA_ASSIGN_OR_RETURN(fbr::Overview overview,
                          fbr::OverviewOf(call.db(), *sight, options, call.language));
  auto score = [](const std::optional<double>& value) {
    return value ? Json(*value) : Json(nullptr);
  };
  auto period = [&](const core::Period& p) {
    return Json{{"period", p.ToString()},
                {"periodLabel", io::PeriodLabel(p.ToString(), call.language)}};
  };
  Json quarters_json = Json::array();
  for (const fbr::QuarterResults& q : overview.quarters) {
    Json item = period(q.period);
    item["facilities"] = q.facilities;
    item["total"] = q.total;
    item["score"] = score(q.score);
    quarters_json.push_back(std::move(item));
  }
  Json districts = Json::array();
  for (const fbr::DistrictResults& d : overview.districts) {
    Json place = BriefUnit(d.district);
    place["region"] = BriefUnit(d.region);
    place["coordinates"] =
        d.district->coordinates
            ? Json::array({d.district->coordinates->latitude, d.district->coordinates->longitude})
            : Json(nullptr);
    place["precision"] = fbr::PrecisionCode(d.precision);
    place["facilities"] = d.facilities;
    place["total"] = d.total;
    place["score"] = score(d.score);
    districts.push_back(std::move(place));
  }
  auto ranked = [&](const std::vector<fbr::RankedFacility>& list) {
    Json out = Json::array();
    for (const fbr::RankedFacility& f : list) {
      out.push_back({{"rank", f.rank},
                     {"facility", BriefUnit(f.facility)},
                     {"district", f.district ? BriefUnit(f.district) : Json(nullptr)},
                     {"invoice", f.invoice},
                     {"total", f.total},
                     {"score", score(f.score)}});
    }
    return out;
  };
  Json answer = {{"scoreLabel", overview.score_label},
                 {"quarters", quarters_json},
                 {"latest", overview.latest ? period(*overview.latest) : Json(nullptr)},
                 {"districts", districts},
                 {"ranked", overview.ranked},
                 {"best", ranked(overview.best)},
                 {"last", ranked(overview.last)}};
  return JsonResponse(200, answer);
}

fbr::PeriodRef RefOf(const Api::Call& call) {
  return {call.Path("dataSet"), call.Path("orgUnit"), call.Path("period")};
}

Result<Response> GetPeriod(Api::Call& call) {
  KENEYA_ASSIGN_OR_RETURN(const fbr::Sight* sight, call.Sight());
  KENEYA_ASSIGN_OR_RETURN(fbr::PeriodFile file, fbr::GetPeriodFile(call.db(), *sight, RefOf(call)));
  return JsonResponse(200, FileJson(file, call.language));
}

Result<Response> ChangePeriod(Api::Call& call) {
  KENEYA_ASSIGN_OR_RETURN(const fbr::Sight* sight, call.Sight());
  const std::optional<fbr::PeriodAction> action = fbr::ParsePeriodAction(call.Path("action"));
  if (!action) {
    return core::NotFound(Message("http.unknown_period_action", {{"action", call.Path("action")}}),
                          "action");
  }
  KENEYA_ASSIGN_OR_RETURN(Json body, JsonBody(call));
  fbr::PeriodChange change;
  change.period = RefOf(call);
  change.action = *action;
  KENEYA_ASSIGN_OR_RETURN(auto version, OptionalInteger(body, "version"));
  if (!version) {
    return core::InvalidArgument(Message("http.field_missing", {{"field", "version"}}),
                                 "body.version");
  }
  change.version = *version;
  KENEYA_ASSIGN_OR_RETURN(auto reason, OptionalString(body, "reason"));
  change.reason = reason.value_or("");
  KENEYA_ASSIGN_OR_RETURN(fbr::PeriodFile file,
                          fbr::ChangePeriod(call.db(), *sight, change, call.Actor(change.reason)));
  return JsonResponse(200, FileJson(file, call.language));
}

Result<Response> ReportPdf(Api::Call& call) {
  KENEYA_ASSIGN_OR_RETURN(const fbr::Sight* sight, call.Sight());
  KENEYA_ASSIGN_OR_RETURN(std::string path, TemporaryFile(".pdf"));
  const RemoveOnExit remove(path);
  KENEYA_RETURN_IF_ERROR(fbr::ExportReportPdf(call.db(), *sight, RefOf(call), call.language, path));
  std::string name = "pv-" + call.Path("orgUnit") + "-" + call.Path("period");
  return FileResponse(path, "application/pdf", name + ".pdf");
}

// ---- Runs in the workflow ----

Json RunStateJson(const fbr::RunState& state, const std::string& started_by,
                  const std::string& user, core::Language language) {
  Json events = Json::array();
  for (const store::RunEvent& event : state.events) {
    events.push_back({{"action", event.action},
                      {"from", event.from},
                      {"to", event.to},
                      {"at", core::FormatTimestamp(event.at)},
                      {"user", event.user},
                      {"source", event.source},
                      {"reason", event.reason}});
  }
  Json left_out = Json::array();
  for (const fbr::LeftOutFacility& left : state.left_out) {
    Json reason_label = left.reason;
    if (std::optional<fbr::LeftOutReason> reason = fbr::ParseLeftOutReason(left.reason)) {
      reason_label = core::Render(fbr::LeftOutReasonText(*reason), language);
    }
    left_out.push_back({{"facility", BriefUnit(left.facility)},
                        {"reason", left.reason},
                        {"reasonLabel", reason_label},
                        {"dataSet", left.data_set},
                        {"period", left.period}});
  }
  const store::RunWorkflowRecord& s = state.state;
  auto at = [](core::TimestampMs ms) {
    return ms == 0 ? Json(nullptr) : Json(core::FormatTimestamp(ms));
  };
  Json catch_ups = Json::array();
  for (const store::InvoiceRunRecord& run : state.catch_ups) {
    auto period = core::Period::FromCode(run.period);
    catch_ups.push_back({{"run", run.id},
                         {"period", period.ok() ? period->ToString() : ""},
                         {"programVersion", run.program_version},
                         {"invoices", run.invoice_count},
                         {"total", run.total}});
  }
  return {{"run", s.run_id},
          {"status", s.status},
          {"version", s.version},
          {"catchUpFor", s.catch_up_for == 0 ? Json(nullptr) : Json(s.catch_up_for)},
          {"startedBy", started_by},
          {"approvedBy", s.approved_by.empty() ? Json(nullptr) : Json(s.approved_by)},
          {"approvedAt", at(s.approved_at)},
          {"published", s.published_at != 0},
          {"publishedAt", at(s.published_at)},
          // Separation of duties, shown: the one who started the run may not approve it.
          {"mayApprove", s.status == "computed" && user != started_by && s.catch_up_for == 0},
          {"events", events},
          {"leftOut", left_out},
          {"catchUps", catch_ups}};
}

Result<std::string> StarterOf(Api::Call& call, int64_t run_id) {
  KENEYA_ASSIGN_OR_RETURN(store::InvoiceRunRecord run, fbr::FindRun(call.db(), run_id));
  return run.created_by;
}

Json JobJson(const store::JobRecord& job, core::Language language) {
  auto at = [](core::TimestampMs ms) {
    return ms == 0 ? Json(nullptr) : Json(core::FormatTimestamp(ms));
  };
  Json params = Json::parse(job.params, nullptr, /*allow_exceptions=*/false);
  Json error = nullptr;
  if (std::optional<fbr::JobError> e = fbr::ReadJobError(job)) {
    const bool french = language == core::Language::kFrench;
    error = {{"code", e->code},
             {"message_id", e->message_id},
             {"message", french ? e->text_fr : e->text_en},
             {"where", french ? e->where_fr : e->where_en}};
  }
  Json result = nullptr;
  if (job.result_id != 0 && job.kind == fbr::kInvoiceRunJob) result = {{"run", job.result_id}};
  return {{"id", job.id},
          {"kind", job.kind},
          {"params", params.is_discarded() ? Json(nullptr) : params},
          {"state", job.state},
          {"phase", job.phase},
          {"done", job.done},
          {"total", job.total},
          {"createdBy", job.created_by},
          {"createdAt", at(job.created_at)},
          {"startedAt", at(job.started_at)},
          {"finishedAt", at(job.finished_at)},
          {"attempts", job.attempts},
          {"result", result},
          {"error", error}};
}

bool Finished(const store::JobRecord& job) {
  return job.state == "succeeded" || job.state == "failed";
}

// Queues the run; its job answers (202), or the job of the same program and period that is
// already queued or running (409).
Result<Response> StartRun(Api::Call& call) {
  KENEYA_ASSIGN_OR_RETURN(const fbr::Sight* sight, call.Sight());
  KENEYA_ASSIGN_OR_RETURN(Json body, JsonBody(call));
  fbr::RunRequest request;
  KENEYA_ASSIGN_OR_RETURN(request.program, RequiredString(body, "program"));
  KENEYA_ASSIGN_OR_RETURN(request.period, RequiredString(body, "period"));
  KENEYA_ASSIGN_OR_RETURN(auto payment, OptionalString(body, "payment"));
  request.payment = payment.value_or("");
  KENEYA_ASSIGN_OR_RETURN(auto replaces, OptionalInteger(body, "replaces"));
  request.replaces = replaces.value_or(0);
  KENEYA_ASSIGN_OR_RETURN(fbr::QueuedRun queued,
                          fbr::QueueRun(call.db(), *sight, request, call.Actor()));
  if (!queued.created) {
    Response r = ErrorResponse(
        core::Conflict(
            Message("http.run_job_active", {{"job", queued.job.id}, {"period", request.period}}),
            Message("store.job_place", {{"job", queued.job.id}})),
        call.language);
    Json error = Json::parse(r.body);
    error["job"] = JobJson(queued.job, call.language);
    return JsonResponse(409, error);
  }
  if (call.jobs() != nullptr) call.jobs()->Wake();
  Response r = JsonResponse(202, JobJson(queued.job, call.language));
  r.headers.emplace_back("Location", "/api/jobs/" + std::to_string(queued.job.id));
  return r;
}

Result<Response> GetJob(Api::Call& call) {
  KENEYA_ASSIGN_OR_RETURN(const fbr::Sight* sight, call.Sight());
  KENEYA_ASSIGN_OR_RETURN(int64_t id, PathId(call, "id"));
  KENEYA_ASSIGN_OR_RETURN(store::JobRecord job, fbr::GetJob(call.db(), *sight, id));
  Response r = JsonResponse(200, JobJson(job, call.language));
  r.headers.emplace_back("Cache-Control", "no-store");
  return r;
}

// The job's progress as server-sent events: "progress" each time it moves, "end" once finished
// (then the stream closes); a comment every 15 s keeps proxies from closing a quiet stream.
Result<Response> JobEvents(Api::Call& call) {
  KENEYA_ASSIGN_OR_RETURN(const fbr::Sight* sight, call.Sight());
  KENEYA_ASSIGN_OR_RETURN(int64_t id, PathId(call, "id"));
  KENEYA_ASSIGN_OR_RETURN(store::JobRecord first, fbr::GetJob(call.db(), *sight, id));
  struct Stream {
    store::StorePool* pool;
    int64_t id;
    core::Language language;
    std::optional<store::JobRecord> last;
    std::chrono::steady_clock::time_point read_at{}, sent_at{};
    bool ended = false;
  };
  auto stream = std::make_shared<Stream>(Stream{&call.pool(), id, call.language, std::nullopt});
  auto event = [stream](const store::JobRecord& job) {
    const bool end = Finished(job);
    stream->ended = end;
    stream->sent_at = std::chrono::steady_clock::now();
    return std::string(end ? "event: end\n" : "event: progress\n") +
           "id: " + std::to_string(job.done) + "\ndata: " + JobJson(job, stream->language).dump() +
           "\n\n";
  };
  std::string opening = event(first);
  stream->last = std::move(first);
  Response r;
  r.content_type = "text/event-stream; charset=utf-8";
  r.headers.emplace_back("Cache-Control", "no-store");
  r.headers.emplace_back("X-Accel-Buffering", "no");
  r.pull = [stream, event, opening = std::move(opening)]() mutable -> std::optional<std::string> {
    if (!opening.empty()) return std::exchange(opening, std::string());
    if (stream->ended) return std::nullopt;
    const auto now = std::chrono::steady_clock::now();
    if (now - stream->read_at < std::chrono::milliseconds(400)) return std::string();
    stream->read_at = now;
    auto store = stream->pool->Acquire(std::chrono::milliseconds(0));
    if (store.ok()) {
      auto job = (*store)->GetJob(stream->id);
      if (job.ok() && job->has_value()) {
        const store::JobRecord& j = **job;
        const store::JobRecord& l = *stream->last;
        if (j.state != l.state || j.phase != l.phase || j.done != l.done || j.total != l.total ||
            j.attempts != l.attempts) {
          stream->last = j;
          return event(j);
        }
      }
    }
    if (now - stream->sent_at > std::chrono::seconds(15)) {
      stream->sent_at = now;
      return std::string(": waiting\n\n");
    }
    return std::string();
  };
  return r;
}

Result<Response> RunWorkflow(Api::Call& call) {
  KENEYA_ASSIGN_OR_RETURN(const fbr::Sight* sight, call.Sight());
  KENEYA_ASSIGN_OR_RETURN(int64_t id, PathId(call, "id"));
  KENEYA_ASSIGN_OR_RETURN(fbr::RunState state, fbr::GetRunState(call.db(), *sight, id));
  KENEYA_ASSIGN_OR_RETURN(std::string starter, StarterOf(call, id));
  return JsonResponse(200, RunStateJson(state, starter, call.user->name, call.language));
}

Result<Response> ChangeRun(Api::Call& call) {
  KENEYA_ASSIGN_OR_RETURN(const fbr::Sight* sight, call.Sight());
  KENEYA_ASSIGN_OR_RETURN(int64_t id, PathId(call, "id"));
  const std::string& action = call.Path("action");
  if (action != "approve" && action != "reopen" && action != "publish" && action != "push") {
    return core::NotFound(Message("http.unknown_run_action", {{"action", action}}), "action");
  }
  KENEYA_ASSIGN_OR_RETURN(Json body, JsonBody(call));
  // The results sent to the national DHIS2, as a job of its own (again, after a failure).
  auto queue_push = [&]() -> Result<store::JobRecord> {
    KENEYA_ASSIGN_OR_RETURN(store::JobRecord job,
                            fbr::QueueDhis2Push(call.db(), *sight, id, call.Actor()));
    if (call.jobs() != nullptr) call.jobs()->Wake();
    return job;
  };
  if (action == "push") {
    KENEYA_ASSIGN_OR_RETURN(store::JobRecord job, queue_push());
    Response r = JsonResponse(202, JobJson(job, call.language));
    r.headers.emplace_back("Location", "/api/jobs/" + std::to_string(job.id));
    return r;
  }
  KENEYA_ASSIGN_OR_RETURN(auto version, OptionalInteger(body, "version"));
  if (!version) {
    return core::InvalidArgument(Message("http.field_missing", {{"field", "version"}}),
                                 "body.version");
  }
  KENEYA_ASSIGN_OR_RETURN(auto reason, OptionalString(body, "reason"));
  const store::Actor actor = call.Actor(reason.value_or(""));
  fbr::RunState state;
  if (action == "approve") {
    KENEYA_ASSIGN_OR_RETURN(state, fbr::ApproveRun(call.db(), *sight, id, *version, actor));
  } else if (action == "reopen") {
    KENEYA_ASSIGN_OR_RETURN(
        state, fbr::ReopenRun(call.db(), *sight, id, *version, reason.value_or(""), actor));
  } else {
    KENEYA_ASSIGN_OR_RETURN(state, fbr::PublishRun(call.db(), *sight, id, *version, actor));
  }
  KENEYA_ASSIGN_OR_RETURN(std::string starter, StarterOf(call, id));
  Json answer = RunStateJson(state, starter, call.user->name, call.language);
  if (action == "approve" && body.value("pushToDhis2", false)) {
    KENEYA_ASSIGN_OR_RETURN(store::JobRecord job, queue_push());
    answer["pushJob"] = JobJson(job, call.language);
  }
  return JsonResponse(200, answer);
}

}  // namespace

void AddWorkflowRoutes(std::vector<Api::Route>& routes) {
  using Who = Api::Route::Who;
  using Body = Api::Route::Body;
  routes.insert(routes.end(),
                {
                    {"GET", "/api/tasks", Who::kSignedIn, Body::kSmall, Tasks},
                    {"GET", "/api/gaps", Who::kSignedIn, Body::kSmall, Gaps},
                    {"GET", "/api/overview", Who::kSignedIn, Body::kSmall, Overview},
                    {"GET", "/api/periods/{dataSet}/{orgUnit}/{period}", Who::kSignedIn,
                     Body::kSmall, GetPeriod},
                    {"GET", "/api/periods/{dataSet}/{orgUnit}/{period}/report.pdf", Who::kSignedIn,
                     Body::kSmall, ReportPdf},
                    {"POST", "/api/periods/{dataSet}/{orgUnit}/{period}/{action}", Who::kSignedIn,
                     Body::kSmall, ChangePeriod},
                    {"POST", "/api/runs", Who::kSignedIn, Body::kSmall, StartRun},
                    {"GET", "/api/runs/{id}/workflow", Who::kSignedIn, Body::kSmall, RunWorkflow},
                    {"POST", "/api/runs/{id}/{action}", Who::kSignedIn, Body::kSmall, ChangeRun},
                    {"GET", "/api/jobs/{id}", Who::kSignedIn, Body::kSmall, GetJob},
                    {"GET", "/api/jobs/{id}/events", Who::kSignedIn, Body::kSmall, JobEvents},
                });
}

}  // namespace keneya::http
