// The `keneya` subcommands, as functions from options to an exit code (0: success), writing to
// the given streams. main.cc parses the command line and calls them; tests call them directly.
// This is the only place that wires concrete implementations together (DESIGN.md).
#ifndef KENEYA_CLI_COMMANDS_H_
#define KENEYA_CLI_COMMANDS_H_

#include <cstdint>
#include <ostream>
#include <string>
#include <vector>

#include "core/format.h"

namespace keneya::cli {

// Options every command shares.
struct Context {
  std::string db = "keneya.db";  // --db or KENEYA_DB
  std::string user;              // --user, or the operating system user
  core::Language language = core::Language::kFrench;
  std::ostream* out = nullptr;  // results
  std::ostream* err = nullptr;  // progress and errors
  bool interactive = false;     // err is a terminal
};

struct DemoOptions {
  uint64_t seed = 20240101;
  int first_year = 2021;
  int last_year = 2024;
  bool replace = false;  // delete an existing SQLite file first
  std::string regions;   // "REGION_KOULIKORO,REGION_SEGOU": only these (a small demo); empty: all
  bool history = true;   // the workflow's history (demo::WriteDemoHistory); otherwise drafts
};
int RunDemo(const Context& context, const DemoOptions& options);

// keneya serve: settings come from the --config file, then the environment (KENEYA_DB,
// KENEYA_HOST...), then the options given here (http/serve_config.h, docs/SERVER.md).
struct ServeOptions {
  std::string config;  // a TOML file
  std::string host = "127.0.0.1";
  int port = 8080;
  std::string tls_cert;
  std::string tls_key;
  std::string static_dir;   // the web app's built files
  bool host_given = false;  // --host, --port, --db given on the command line
  bool port_given = false;
  bool db_given = false;
};
int RunServe(const Context& context, const ServeOptions& options);

int RunMigrate(const Context& context);
int RunInfo(const Context& context);
int RunCheckDb(const Context& context);
int RunPeriod(const Context& context, const std::vector<std::string>& periods);

struct ImportCommandOptions {
  std::string file;
  std::string format;     // json, xml, csv, adx; empty: from the file
  bool metadata = false;  // the file is DHIS2 metadata JSON, not data values
  std::string state = "declared";
  std::string strategy = "CREATE_AND_UPDATE";
  bool dry_run = false;
  bool atomic = false;
  std::string id_scheme, data_set_id_scheme, data_element_id_scheme, org_unit_id_scheme,
      category_option_combo_id_scheme, category_id_scheme;
  bool strict_periods = false, strict_data_elements = false, strict_category_option_combos = false,
       strict_attribute_option_combos = false, strict_org_units = false,
       require_category_option_combo = false, require_attribute_option_combo = false;
  std::string json;  // where to write DHIS2's JSON summary ("-": standard output)
  std::string reason;
};
// Exit status: 0 imported, 3 imported with conflicts (WARNING), 1 refused (ERROR) or failed,
// 4 (kExitSummaryNotWritten) when the --json summary could not be written: the message then says
// what the import wrote, which stays written.
inline constexpr int kExitSummaryNotWritten = 4;
int RunImport(const Context& context, const ImportCommandOptions& options);

struct ExportCommandOptions {
  std::string file = "-";  // "-": standard output
  std::string format;      // empty: from the file name, or JSON on standard output
  bool metadata = false;
  std::string state = "verified";
  std::vector<std::string> data_sets;
  std::vector<std::string> periods;
  std::string org_unit;
  std::string id_scheme = "UID";
  bool include_deleted = false;
};
int RunExport(const Context& context, const ExportCommandOptions& options);

// `keneya dhis2 ...`: the DHIS2 server and how to sign in. Secrets never come from the command
// line (other users could read it): the password from KENEYA_DHIS2_PASSWORD, a personal access
// token from KENEYA_DHIS2_TOKEN.
struct Dhis2CommandOptions {
  std::string url;   // --url or KENEYA_DHIS2_URL
  std::string user;  // --dhis2-user or KENEYA_DHIS2_USER (basic auth)
  std::string ca_cert;
  // pull-values and push
  std::vector<std::string> data_sets;
  std::vector<std::string> periods;
  std::string org_unit;  // subtree root uid
  std::string state;     // default: declared for pulls, verified for pushes
  bool dry_run = false;
  // push
  std::string journal;
  size_t batch_size = 1000;
  int parallel = 4;
  std::string strategy;  // DHIS2's importStrategy, passed through
  std::string json;
};
int RunDhis2Check(const Context& context, const Dhis2CommandOptions& options);
int RunDhis2PullMetadata(const Context& context, const Dhis2CommandOptions& options);
int RunDhis2PullValues(const Context& context, const Dhis2CommandOptions& options);
// Exit status: 0 pushed, 3 pushed with conflicts, 1 incomplete (resume with the same journal).
int RunDhis2Push(const Context& context, const Dhis2CommandOptions& options);

// `keneya solve FILE|-`: hesabucli's job (docs/RULES.md). Exit status 0 solved, 1 errors.
int RunSolve(const Context& context, const std::string& file);

struct BenchStoreOptions {
  int64_t values = 1'000'000;
  int runs = 3;
  std::string postgres;  // URL; empty: SQLite only
  bool sqlite = true;
  std::string directory;
};
int RunBenchStore(const Context& context, const BenchStoreOptions& options);
// Same options: values, runs, postgres, sqlite, directory.
int RunBenchImport(const Context& context, const BenchStoreOptions& options);

struct BenchRulesOptions {
  int facilities = 0;  // 0: the standard set
  std::string period;  // "month" or "quarter"
  int runs = 5;
  int threads = 0;
  uint64_t seed = 20240101;
  std::string inputs;
  std::string write_equations;
  std::string write_values;
  bool solve = false;     // time `keneya solve` on the equations written
  std::string reference;  // the reference solver, timed beside it
  bool shuffle = false;
};
int RunBenchRules(const Context& context, const BenchRulesOptions& options);
struct BenchInvoicesOptions {
  std::string database;
  std::string period = "2024Q1";
  int runs = 5;
};
int RunBenchInvoices(const Context& context, const BenchInvoicesOptions& options);

struct BenchSimulateOptions {
  std::string database;
  std::string period = "2024Q4";
  int runs = 5;
  int changes = 20;
};
int RunBenchSimulate(const Context& context, const BenchSimulateOptions& options);

struct BenchHttpOptions {
  std::string database;
  std::string period = "2024Q1";
  int connections = 100;
  int seconds = 30;
  std::string wrk = "wrk";
};
int RunBenchHttp(const Context& context, const BenchHttpOptions& options);

// The version of this program.
const char* Version();

}  // namespace keneya::cli

#endif  // KENEYA_CLI_COMMANDS_H_
