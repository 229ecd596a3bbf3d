// The FBR commands registered with CLI11, and the helpers they share. The commands themselves
// are in program_commands.cc, contract_commands.cc, run_commands.cc and invoice_commands.cc.
#include "cli/fbr_commands.h"

#include <memory>

#include "cli/fbr_commands_internal.h"
#include "core/format.h"
#include "core/message.h"

namespace keneya::cli {

using core::Language;
using core::Message;
using core::Text;

// ---- Helpers the commands share ----

core::Result<core::Period> ParsePeriod(const std::string& text) {
  auto period = core::Period::Parse(text);
  if (!period.ok()) return period.error().In("--period");
  return period;
}

std::optional<int> Version(int version) {
  return version > 0 ? std::optional<int>(version) : std::nullopt;
}

std::string Pad(const std::string& text, size_t width, bool right) {
  return core::PadText(text, width, right);
}

Message AsStored(std::string_view code) { return Message("cli.fbr.as_stored", {{"text", code}}); }

std::string SupersededWarning(const std::optional<fbr::Successor>& successor, Language l) {
  if (!successor) return "";
  if (successor->run == 0) return Text(l, "cli.invoices.superseded", {{"successor", ""}}) + "\n";
  const Message next = successor->number.empty()
                           ? Message("cli.invoices.no_longer_invoiced", {{"run", successor->run}})
                           : Message("cli.invoices.superseded_by",
                                     {{"number", successor->number}, {"run", successor->run}});
  return Text(l, "cli.invoices.superseded", {{"successor", next}}) + "\n";
}

// ---- Registration ----

std::function<std::optional<int>()> AddFbrCommands(CLI::App& app, Context& context) {
  const Language l = context.language;
  auto t = [l](std::string_view id) { return Text(l, id); };
  auto check = std::make_shared<CheckOptions>();
  auto program = std::make_shared<ProgramOptions>();
  auto contract = std::make_shared<ContractOptions>();
  auto compute = std::make_shared<ComputeOptions>();
  auto explain = std::make_shared<ExplainOptions>();
  auto simulate = std::make_shared<SimulateOptions>();
  auto invoices = std::make_shared<InvoicesOptions>();
  auto run_step = std::make_shared<RunStepOptions>();
  auto pay = std::make_shared<PayOptions>();
  auto step = std::make_shared<StepOptions>();
  auto account = std::make_shared<AccountOptions>();

  CLI::App* check_command = app.add_subcommand("check", t("cli.check.help"));
  check_command->add_option("program", check->program, t("cli.fbr.help_program_files"))->required();
  check_command->add_flag("--with-db", check->with_db, t("cli.check.help_with_db"));
  check_command->add_option("--period", check->period, t("cli.check.help_period"));

  CLI::App* program_command = app.add_subcommand("program", t("cli.program.help"));
  program_command->require_subcommand(1);
  CLI::App* program_load = program_command->add_subcommand("load", t("cli.program.help_load"));
  program_load->add_option("path", program->path, t("cli.fbr.help_program_files"))->required();
  CLI::App* program_list = program_command->add_subcommand("list", t("cli.program.help_list"));

  CLI::App* contract_command = app.add_subcommand("contract", t("cli.contract.help"));
  contract_command->require_subcommand(1);
  CLI::App* contract_sign = contract_command->add_subcommand("sign", t("cli.contract.help_sign"));
  contract_sign->add_option("--program", contract->program, t("cli.contract.help_program"))
      ->required();
  contract_sign->add_option("--facility", contract->facilities, t("cli.contract.help_facility"));
  contract_sign->add_option("--group", contract->group, t("cli.contract.help_group"));
  contract_sign->add_option("--start", contract->start, t("cli.contract.help_start"))->required();
  contract_sign->add_option("--end", contract->end, t("cli.contract.help_end"));
  contract_sign->add_option("--equity", contract->equity, t("cli.contract.help_equity"));
  contract_sign->add_option("--reason", contract->reason, t("cli.contract.help_reason"));
  CLI::App* contract_list = contract_command->add_subcommand("list", t("cli.contract.help_list"));
  contract_list->add_option("--program", contract->program, t("cli.contract.help_program"));
  contract_list->add_option("--facility", contract->facilities,
                            t("cli.contract.help_list_facility"));
  CLI::App* contract_end =
      contract_command->add_subcommand("end", t("cli.contract.help_end_command"));
  CLI::App* contract_suspend =
      contract_command->add_subcommand("suspend", t("cli.contract.help_suspend"));
  CLI::App* contract_resume =
      contract_command->add_subcommand("resume", t("cli.contract.help_resume"));
  for (CLI::App* sub : {contract_end, contract_suspend, contract_resume}) {
    sub->add_option("id", contract->id, t("cli.contract.help_id"))->required();
    sub->add_option("--date", contract->date,
                    sub == contract_end ? t("cli.contract.help_end_date")
                                        : t("cli.contract.help_change_date"))
        ->required();
    sub->add_option("--reason", contract->reason, t("cli.contract.help_reason"));
  }
  CLI::App* contract_history =
      contract_command->add_subcommand("history", t("cli.contract.help_history"));
  contract_history->add_option("id", contract->id, t("cli.contract.help_id"))->required();

  CLI::App* compute_command = app.add_subcommand("compute", t("cli.compute.help"));
  compute_command->add_option("--program", compute->program, t("cli.compute.help_program"))
      ->required();
  compute_command->add_option("--period", compute->period, t("cli.compute.help_period"))
      ->required();
  compute_command->add_option("--payment", compute->payment, t("cli.compute.help_payment"));
  compute_command->add_option("--version", compute->version, t("cli.fbr.help_version"))
      ->check(CLI::Range(1, 1'000'000));
  compute_command->add_option("--threads", compute->threads, t("cli.compute.help_threads"));
  compute_command->add_flag("--dry-run", compute->dry_run, t("cli.compute.help_dry_run"));
  compute_command->add_flag("--draft", compute->draft, t("cli.compute.help_draft"));
  compute_command->add_option("--replaces", compute->replaces, t("cli.compute.help_replaces"));

  CLI::App* run_command = app.add_subcommand("run", t("cli.run.help"));
  run_command->add_option("action", run_step->action, t("cli.run.help_action"))
      ->required()
      ->check(CLI::IsMember({"approve", "reopen", "publish"}));
  run_command->add_option("run", run_step->run, t("cli.run.help_run"))->required();
  run_command->add_option("--reason", run_step->reason, t("cli.run.help_reason"));

  CLI::App* step_command = app.add_subcommand("step", t("cli.step.help"));
  step_command->add_option("action", step->action, t("cli.step.help_action"))
      ->required()
      ->check(
          CLI::IsMember({"declare", "verify", "issue_report", "contest", "answer", "validate"}));
  step_command->add_option("--data-set", step->data_set, t("cli.step.help_data_set"))->required();
  step_command->add_option("--facility", step->facility, t("cli.step.help_facility"))->required();
  step_command->add_option("--period", step->period, t("cli.step.help_period"))->required();
  step_command->add_option("--reason", step->reason, t("cli.step.help_reason"));

  CLI::App* account_command = app.add_subcommand("account", t("cli.account.help"));
  account_command->add_option("action", account->action, t("cli.account.help_action"))
      ->required()
      ->check(CLI::IsMember({"propose", "confirm", "reject"}));
  account_command->add_option("--facility", account->facility, t("cli.account.help_facility"));
  account_command->add_option("--kind", account->kind, t("cli.account.help_kind"))
      ->check(CLI::IsMember({"bank", "mobile"}));
  account_command->add_option("--institution", account->institution,
                              t("cli.account.help_institution"));
  account_command->add_option("--number", account->number, t("cli.account.help_number"));
  account_command->add_option("--holder", account->holder, t("cli.account.help_holder"));
  account_command->add_option("--reason", account->reason, t("cli.account.help_reason"));
  account_command->add_option("--id", account->id, t("cli.account.help_id"));

  CLI::App* pay_command = app.add_subcommand("pay", t("cli.pay.help"));
  pay_command->add_option("number", pay->number, t("cli.fbr.help_invoice_number"))->required();
  pay_command->add_option("--amount", pay->amount, t("cli.pay.help_amount"))->required();
  pay_command->add_option("--on", pay->on, t("cli.pay.help_on"))->required();
  pay_command->add_option("--reference", pay->reference, t("cli.pay.help_reference"))->required();

  CLI::App* explain_command = app.add_subcommand("explain", t("cli.explain.help"));
  explain_command->add_option("number", explain->number, t("cli.fbr.help_invoice_number"));
  explain_command->add_option("--formula", explain->formula, t("cli.explain.help_formula"));
  explain_command->add_option("--activity", explain->activity, t("cli.explain.help_activity"));
  explain_command->add_option("--of-period", explain->of_period, t("cli.explain.help_of_period"));
  explain_command->add_option("--depth", explain->depth, t("cli.explain.help_depth"))
      ->capture_default_str()
      ->check(CLI::Range(0, 100));
  explain_command->add_option("--version", explain->version, t("cli.explain.help_version"))
      ->check(CLI::Range(1, 1'000'000));
  explain_command->add_option("--program", explain->program, t("cli.explain.help_program"));
  explain_command->add_option("--period", explain->period, t("cli.explain.help_period"));
  explain_command->add_option("--facility", explain->facility, t("cli.explain.help_facility"));

  CLI::App* simulate_command = app.add_subcommand("simulate", t("cli.simulate.help"));
  simulate_command->add_option("--program", simulate->program, t("cli.simulate.help_program"))
      ->required();
  simulate_command->add_option("--period", simulate->period, t("cli.simulate.help_period"))
      ->required();
  simulate_command->add_option("--payment", simulate->payment, t("cli.simulate.help_payment"));
  simulate_command->add_option("--version", simulate->version, t("cli.fbr.help_version"))
      ->check(CLI::Range(1, 1'000'000));
  simulate_command->add_option("--set", simulate->sets, t("cli.simulate.help_set"));
  simulate_command->add_option("--envelope", simulate->envelopes, t("cli.simulate.help_envelope"));
  simulate_command->add_flag("--districts", simulate->districts, t("cli.simulate.help_districts"));

  CLI::App* invoices_command = app.add_subcommand("invoices", t("cli.invoices.help"));
  invoices_command->require_subcommand(1);
  CLI::App* invoices_list = invoices_command->add_subcommand("list", t("cli.invoices.help_list"));
  invoices_list->add_option("--run", invoices->run, t("cli.invoices.help_list_run"));
  invoices_list->add_option("--zone", invoices->zone, t("cli.invoices.help_zone"))
      ->needs(invoices_list->get_option("--run"));
  invoices_list->add_option("--type", invoices->facility_type, t("cli.invoices.help_type"))
      ->needs(invoices_list->get_option("--run"));
  CLI::App* invoices_show = invoices_command->add_subcommand("show", t("cli.invoices.help_show"));
  invoices_show->add_option("number", invoices->number, t("cli.fbr.help_invoice_number"))
      ->required();
  CLI::App* invoices_export =
      invoices_command->add_subcommand("export", t("cli.invoices.help_export"));
  CLI::Option* export_run =
      invoices_export->add_option("--run", invoices->run, t("cli.invoices.help_export_run"));
  CLI::Option* export_period = invoices_export->add_option("--period", invoices->period,
                                                           t("cli.invoices.help_export_period"));
  invoices_export->add_option("--program", invoices->program, t("cli.invoices.help_export_program"))
      ->excludes(export_run);
  export_period->excludes(export_run);
  invoices_export->add_option("--format", invoices->format, t("cli.invoices.help_format"))
      ->required()
      ->check(CLI::IsMember({"csv", "xlsx", "pdf", "dhis2"}));
  invoices_export->add_option("--out", invoices->out, t("cli.invoices.help_out"))->required();
  invoices_export->add_flag("--superseded", invoices->superseded,
                            t("cli.invoices.help_superseded"));

  Context* c = &context;
  return [=]() -> std::optional<int> {
    if (check_command->parsed()) return RunCheck(*c, *check);
    if (program_load->parsed()) return RunProgramLoad(*c, *program);
    if (program_list->parsed()) return RunProgramList(*c);
    if (contract_sign->parsed()) return RunContractSign(*c, *contract);
    if (contract_list->parsed()) return RunContractList(*c, *contract);
    if (contract_end->parsed()) return RunContractChange(*c, *contract, fbr::ContractAction::kEnd);
    if (contract_suspend->parsed())
      return RunContractChange(*c, *contract, fbr::ContractAction::kSuspend);
    if (contract_resume->parsed())
      return RunContractChange(*c, *contract, fbr::ContractAction::kResume);
    if (contract_history->parsed()) return RunContractHistory(*c, *contract);
    if (compute_command->parsed()) {
      return compute->draft || compute->dry_run ? RunCompute(*c, *compute)
                                                : RunComputeForApproval(*c, *compute);
    }
    if (run_command->parsed()) return RunRunStep(*c, *run_step);
    if (pay_command->parsed()) return RunPay(*c, *pay);
    if (step_command->parsed()) return RunStep(*c, *step);
    if (account_command->parsed()) return RunAccount(*c, *account);
    if (explain_command->parsed()) return RunExplain(*c, *explain);
    if (simulate_command->parsed()) return RunSimulate(*c, *simulate);
    if (invoices_list->parsed()) return RunInvoicesList(*c, *invoices);
    if (invoices_show->parsed()) return RunInvoicesShow(*c, *invoices);
    if (invoices_export->parsed()) {
      if (invoices->run == 0 && invoices->period.empty()) {
        *c->err << Text(c->language, "cli.error",
                        {{"message", Message("cli.invoices.give_run_or_period")}})
                << "\n";
        return 2;
      }
      return RunInvoicesExport(*c, *invoices);
    }
    return std::nullopt;
  };
}

}  // namespace keneya::cli
