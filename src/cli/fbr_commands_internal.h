// The FBR commands, one file per noun: program_commands.cc (check, program load and list),
// contract_commands.cc, run_commands.cc (compute, explain, simulate) and invoice_commands.cc.
// Each command parses its options, calls fbr and renders what it returns; fbr_commands.cc
// registers them with CLI11 (AddFbrCommands) and holds the helpers they share. Internal to
// src/cli.
#ifndef KENEYA_CLI_FBR_COMMANDS_INTERNAL_H_
#define KENEYA_CLI_FBR_COMMANDS_INTERNAL_H_

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "cli/commands.h"
#include "core/message.h"
#include "core/period.h"
#include "core/result.h"
#include "fbr/contracts.h"
#include "fbr/stored_invoices.h"

namespace keneya::cli {

// ---- Options, as CLI11 fills them ----

struct CheckOptions {
  std::string program;  // a directory or .toml file
  bool with_db = false;
  std::string period;  // with the database: also compute this period (nothing stored)
};

struct ProgramOptions {
  std::string path;
  std::string code;
};

struct ContractOptions {
  std::string program;
  std::vector<std::string> facilities;
  std::string group;
  std::string start, end, equity, date, reason;
  int64_t id = 0;
};

struct ComputeOptions {
  std::string program;  // a code, or a directory / .toml file (stored first)
  std::string period;
  std::string payment;
  int version = 0;
  bool dry_run = false;
  bool draft = false;    // a run for checking, never approved; otherwise one for approval
  int64_t replaces = 0;  // for approval: the computed run it replaces
  int threads = 0;
};

struct RunStepOptions {
  std::string action;  // approve, reopen, publish
  int64_t run = 0;
  std::string reason;
};

struct StepOptions {
  std::string action;  // declare, verify, issue_report, contest, answer, validate
  std::string data_set, facility, period;
  std::string reason;
};

struct AccountOptions {
  std::string action;  // propose, confirm, reject
  std::string facility, kind, institution, number, holder, reason;
  int64_t id = 0;
};

struct PayOptions {
  std::string number;
  int64_t amount = 0;
  std::string on;
  std::string reference;
};

struct ExplainOptions {
  std::string number;
  std::string program, period, facility;  // a fresh computation instead of a stored invoice
  std::string formula, activity, of_period;
  int depth = 12;
  int version = 0;  // a fresh computation: the program's version (0: the one in force)
};

struct SimulateOptions {
  std::string program, period, payment;
  int version = 0;
  std::vector<std::string> sets;
  std::vector<std::string> envelopes;
  bool districts = false;
};

struct InvoicesOptions {
  std::string period, program, number, format, out;
  std::string zone, facility_type;  // invoices list --run: which invoices
  int64_t run = 0;
  bool superseded = false;
};

// ---- The commands: each returns its exit code ----

// program_commands.cc
int RunCheck(const Context& c, const CheckOptions& o);
int RunProgramLoad(const Context& c, const ProgramOptions& o);
int RunProgramList(const Context& c);

// contract_commands.cc
int RunContractSign(const Context& c, const ContractOptions& o);
int RunContractList(const Context& c, const ContractOptions& o);
int RunContractChange(const Context& c, const ContractOptions& o, fbr::ContractAction action);
int RunContractHistory(const Context& c, const ContractOptions& o);

// run_commands.cc
int RunCompute(const Context& c, const ComputeOptions& o);  // a draft run (or nothing stored)
// approval_commands.cc: acting as the user named by --user.
int RunComputeForApproval(const Context& c, const ComputeOptions& o);
int RunRunStep(const Context& c, const RunStepOptions& o);
int RunPay(const Context& c, const PayOptions& o);
int RunStep(const Context& c, const StepOptions& o);
int RunAccount(const Context& c, const AccountOptions& o);
int RunExplain(const Context& c, const ExplainOptions& o);
int RunSimulate(const Context& c, const SimulateOptions& o);

// invoice_commands.cc
int RunInvoicesList(const Context& c, const InvoicesOptions& o);
int RunInvoicesShow(const Context& c, const InvoicesOptions& o);
int RunInvoicesExport(const Context& c, const InvoicesOptions& o);

// ---- Helpers the commands share (fbr_commands.cc) ----

// A period given with --period; errors say so.
core::Result<core::Period> ParsePeriod(const std::string& text);
// --version as fbr takes it: 0 (not given) is none.
std::optional<int> Version(int version);
// The text padded with spaces to `width` columns, on the right (or on the left: right-aligned).
std::string Pad(const std::string& text, size_t width, bool right = false);
// A code stored in the database that has no name in the catalogue: shown as it is.
core::Message AsStored(std::string_view code);
// "ATTENTION : facture remplacée..." and a new line for a superseded invoice; nothing otherwise.
std::string SupersededWarning(const std::optional<fbr::Successor>& successor, core::Language l);

}  // namespace keneya::cli

#endif  // KENEYA_CLI_FBR_COMMANDS_INTERNAL_H_
