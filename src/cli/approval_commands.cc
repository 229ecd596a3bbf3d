// The workflow's money steps on the command line, acting as the existing user named by --user
// (docs/WORKFLOW.md, docs/PAYMENTS.md): `keneya compute` without --draft starts a run for
// approval, `keneya run approve|reopen|publish RUN` takes a run's step, `keneya pay INVOICE`
// records a payment. The service checks who may do what, separation of duties included, exactly
// as for the API.
#include <memory>
#include <string>

#include "auth/accounts.h"
#include "cli/cli_util.h"
#include "cli/fbr_commands_internal.h"
#include "cli/progress.h"
#include "core/message.h"
#include "fbr/directory.h"
#include "fbr/payments.h"
#include "fbr/run_approval.h"
#include "fbr/workflow.h"
#include "io/readable.h"

namespace keneya::cli {

using core::Grouped;
using core::Language;
using core::Message;
using core::Text;

namespace {

// The user named by --user, with what they see: an existing, enabled account. Held by pointers:
// the sight refers to the directory and the principal, which must not move.
struct ActingUser {
  std::unique_ptr<store::Store> store;
  std::shared_ptr<const fbr::Directory> directory;
  std::unique_ptr<auth::Principal> principal;
  std::unique_ptr<fbr::Sight> sight;
};

core::Result<ActingUser> Acting(const Context& c) {
  ActingUser out;
  KENEYA_ASSIGN_OR_RETURN(out.store, Open(c));
  KENEYA_ASSIGN_OR_RETURN(std::optional<store::UserRecord> user, out.store->FindUser(c.user));
  if (!user || user->disabled) {
    return core::PermissionDenied(Message("cli.acting.no_user", {{"user", c.user}}), "--user");
  }
  KENEYA_ASSIGN_OR_RETURN(auth::Principal principal, auth::LoadPrincipal(*out.store, *user));
  out.principal = std::make_unique<auth::Principal>(std::move(principal));
  KENEYA_ASSIGN_OR_RETURN(core::MetadataBundle bundle, out.store->LoadMetadata());
  out.directory = std::make_shared<const fbr::Directory>(std::move(bundle));
  out.sight = std::make_unique<fbr::Sight>(*out.directory, *out.principal);
  return out;
}

void PrintRunState(const Context& c, const fbr::RunState& state) {
  const Language l = c.language;
  *c.out << Text(l, "cli.run.state",
                 {{"run", state.state.run_id},
                  {"status", state.state.status},
                  {"approved_by", state.state.approved_by.empty() ? "-" : state.state.approved_by},
                  {"published", state.state.published_at != 0 ? Text(l, "cli.run.published")
                                                              : Text(l, "cli.run.unpublished")}})
         << "\n";
  for (const fbr::LeftOutFacility& left : state.left_out) {
    const std::optional<fbr::LeftOutReason> reason = fbr::ParseLeftOutReason(left.reason);
    *c.out << "  "
           << Text(l, "cli.run.left_out",
                   {{"facility",
                     left.facility->code.empty() ? left.facility->uid : left.facility->code},
                    {"name", left.facility->name},
                    {"reason",
                     reason ? core::Render(fbr::LeftOutReasonText(*reason), l) : left.reason},
                    {"data_set", left.data_set},
                    {"period", left.period}})
           << "\n";
  }
  for (const store::InvoiceRunRecord& run : state.catch_ups) {
    auto period = core::Period::FromCode(run.period);
    *c.out << "  "
           << Text(l, "cli.run.catch_up",
                   {{"run", run.id},
                    {"period", period.ok() ? period->ToString() : ""},
                    Grouped("count", run.invoice_count),
                    Grouped("total", run.total)})
           << "\n";
  }
}

}  // namespace

int RunComputeForApproval(const Context& c, const ComputeOptions& o) {
  if (o.version != 0) {
    return Fail(c, core::InvalidArgument(Message("cli.compute.version_needs_draft"), "--version"));
  }
  auto acting = Acting(c);
  if (!acting.ok()) return Fail(c, acting.error());
  ProgressPrinter progress(*c.err, c.language, c.interactive);
  fbr::RunJob job{0, "", progress.AsFunction()};
  auto started =
      fbr::StartRun(*acting->store, *acting->sight, {o.program, o.period, o.payment, o.replaces},
                    CliActor(c, "keneya compute"), &job);
  progress.Finish();
  if (!started.ok()) {
    *c.err << Text(c.language, "cli.compute.nothing_stored") << "\n";
    return Fail(c, started.error());
  }
  *c.out << Text(c.language, "cli.compute.for_approval",
                 {{"run", started->run.id},
                  Grouped("count", started->run.invoice_count),
                  Grouped("total", started->run.total),
                  {"period", o.period}})
         << "\n";
  auto state = fbr::GetRunState(*acting->store, *acting->sight, started->run.id);
  if (!state.ok()) return Fail(c, state.error());
  PrintRunState(c, *state);
  return 0;
}

int RunRunStep(const Context& c, const RunStepOptions& o) {
  auto acting = Acting(c);
  if (!acting.ok()) return Fail(c, acting.error());
  store::Store& store = *acting->store;
  const fbr::Sight& sight = *acting->sight;
  auto current = fbr::GetRunState(store, sight, o.run);
  if (!current.ok()) return Fail(c, current.error());
  const core::TimestampMs version = current->state.version;
  const store::Actor actor = CliActor(c, o.reason);
  core::Result<fbr::RunState> after = current;
  if (o.action == "approve") {
    after = fbr::ApproveRun(store, sight, o.run, version, actor);
  } else if (o.action == "reopen") {
    after = fbr::ReopenRun(store, sight, o.run, version, o.reason, actor);
  } else if (o.action == "publish") {
    after = fbr::PublishRun(store, sight, o.run, version, actor);
  }
  if (!after.ok()) return Fail(c, after.error());
  PrintRunState(c, *after);
  return 0;
}

int RunStep(const Context& c, const StepOptions& o) {
  const std::optional<fbr::PeriodAction> action = fbr::ParsePeriodAction(o.action);
  if (!action) {
    return Fail(c, core::InvalidArgument(
                       Message("http.unknown_period_action", {{"action", o.action}}), "action"));
  }
  auto acting = Acting(c);
  if (!acting.ok()) return Fail(c, acting.error());
  const fbr::PeriodRef ref{o.data_set, o.facility, o.period};
  // The step is taken on the file as it is now: the command line reads and acts at once.
  auto file = fbr::GetPeriodFile(*acting->store, *acting->sight, ref);
  if (!file.ok()) return Fail(c, file.error());
  auto after = fbr::ChangePeriod(*acting->store, *acting->sight,
                                 {ref, *action, o.reason, file->version}, CliActor(c, o.reason));
  if (!after.ok()) return Fail(c, after.error());
  *c.out << Text(c.language, "cli.step.done",
                 {{"facility", after->org_unit->name},
                  {"period", io::PeriodLabel(after->period.ToString(), c.language)},
                  {"status", core::Render(fbr::PeriodStatusText(after->status), c.language)},
                  {"days_late", after->days_late}})
         << "\n";
  return 0;
}

int RunAccount(const Context& c, const AccountOptions& o) {
  auto acting = Acting(c);
  if (!acting.ok()) return Fail(c, acting.error());
  auto account =
      o.action == "propose"
          ? fbr::ProposeAccount(*acting->store, *acting->sight,
                                {o.facility, o.kind, o.institution, o.number, o.holder, o.reason},
                                CliActor(c, o.reason))
          : fbr::DecideAccount(*acting->store, *acting->sight, o.id, o.action == "confirm",
                               o.reason, CliActor(c, o.reason));
  if (!account.ok()) return Fail(c, account.error());
  *c.out << Text(c.language, "cli.account.done",
                 {{"id", account->id},
                  {"number", account->number},
                  {"holder", account->holder},
                  {"state", account->state}})
         << "\n";
  return 0;
}

int RunPay(const Context& c, const PayOptions& o) {
  auto acting = Acting(c);
  if (!acting.ok()) return Fail(c, acting.error());
  auto paid = fbr::RecordPayment(*acting->store, *acting->sight,
                                 {o.number, o.amount, o.on, o.reference}, CliActor(c));
  if (!paid.ok()) return Fail(c, paid.error());
  const fbr::InvoiceStanding& s = paid->standing;
  *c.out << Text(c.language, "cli.pay.recorded",
                 {{"number", s.invoice.number},
                  Grouped("total", s.invoice.total),
                  Grouped("paid", s.paid_before + s.paid - s.recovered),
                  Grouped("balance", s.balance),
                  {"state", core::Render(fbr::PaymentStateText(s.state), c.language)}})
         << "\n";
  return 0;
}

}  // namespace keneya::cli
