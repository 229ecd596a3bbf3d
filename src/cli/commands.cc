#include "cli/commands.h"

#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <set>
#include <sstream>
#include <thread>

#include "auth/authenticator.h"
#include "auth/roles.h"
#include "auth/secrets.h"
#include "bench/http_bench.h"
#include "bench/import_bench.h"
#include "bench/rules_bench.h"
#include "bench/store_bench.h"
#include "cli/cli_util.h"
#include "cli/progress.h"
#include "core/large_array.h"
#include "core/period.h"
#include "core/timestamp.h"
#include "demo/demo.h"
#include "demo/demo_accounts.h"
#include "demo/demo_history.h"
#include "demo/demo_program.h"
#include "fbr/browse.h"
#include "fbr/stored_invoices.h"
#include "http/api.h"
#include "http/metrics.h"
#include "http/request_log.h"
#include "http/serve_config.h"
#include "http/server.h"
#include "io/dhis2_client.h"
#include "io/dhis2_metadata.h"
#include "io/equations_json.h"
#include "io/exporter.h"
#include "io/importer.h"
#include "store/store.h"
#include "store/store_pool.h"

namespace keneya::cli {

using core::Language;
using core::Text;

const char* Version() { return "0.1.0"; }

int RunDemo(const Context& c, const DemoOptions& options) {
  const auto start = std::chrono::steady_clock::now();
  const Language l = c.language;
  if (options.replace && IsPostgres(c.db)) {
    return Fail(c,
                core::InvalidArgument(core::Message("cli.demo.replace_needs_sqlite"), "--replace"));
  }
  // The accounts' password is checked before anything is built.
  std::string password;
  const char* given = std::getenv("KENEYA_DEMO_PASSWORD");
  const bool password_given = given != nullptr && *given != '\0';
  if (password_given) {
    password = given;
    core::Status strong = auth::CheckPasswordStrength(password, "");
    if (!strong.ok()) {
      return Fail(c, core::InvalidArgument(strong.error().text, "KENEYA_DEMO_PASSWORD"));
    }
  } else {
    password = auth::RandomToken(12);
  }
  if (options.replace) {
    std::error_code ignored;
    for (const char* suffix : {"", "-wal", "-shm"}) {
      std::filesystem::remove(c.db + suffix, ignored);
    }
  }
  auto opened = Open(c, /*migrate=*/true, /*create=*/true);
  if (!opened.ok()) return Fail(c, opened.error());
  store::Store& store = **opened;
  auto existing = store.LoadMetadata();
  if (!existing.ok()) return Fail(c, existing.error());
  if (!existing->org_units.empty()) {
    return Fail(
        c, core::FailedPrecondition(core::Message("cli.demo.database_not_empty"), Shown(c.db)));
  }

  ProgressPrinter progress(*c.err, l, c.interactive);
  *c.err << Text(l, "cli.demo.generating",
                 {{"seed", std::to_string(options.seed)},
                  {"first_year", options.first_year},
                  {"last_year", options.last_year}})
         << "\n";
  demo::DemoOptions demo_options;
  demo_options.seed = options.seed;
  demo_options.first_year = options.first_year;
  demo_options.last_year = options.last_year;
  demo_options.open_january = options.history;
  auto generated = demo::GenerateDemo(demo_options, progress.AsFunction());
  progress.Finish();
  if (!generated.ok()) return Fail(c, generated.error());
  if (!options.regions.empty()) {
    std::vector<std::string> regions;
    for (std::string_view rest = options.regions; !rest.empty();) {
      const size_t comma = rest.find(',');
      std::string code(rest.substr(0, comma));
      std::erase(code, ' ');
      if (!code.empty()) regions.push_back(std::move(code));
      rest = comma == std::string_view::npos ? std::string_view() : rest.substr(comma + 1);
    }
    auto small = demo::RegionsOfDemo(*generated, regions);
    if (!small.ok()) return Fail(c, small.error());
    *generated = std::move(*small);
  }
  const double generation = SecondsSince(start);

  *c.err << Text(l, "cli.demo.loading", {{"database", Shown(c.db)}}) << "\n";
  const auto load_start = std::chrono::steady_clock::now();
  const store::Actor actor = CliActor(c, "keneya demo");
  core::Status loaded = demo::LoadDemo(store, *generated, actor, progress.AsFunction());
  progress.Finish();
  if (!loaded.ok()) return Fail(c, loaded.error());
  const double load = SecondsSince(load_start);

  // The demo FBR program, its contracts and the demo's accounts, one a role, all with
  // KENEYA_DEMO_PASSWORD or a generated password written to a file only its owner can read.
  const auto history_start = std::chrono::steady_clock::now();
  *c.err << Text(l, "cli.demo.setting_up_fbr") << "\n";
  // Without the history, the last year's quarters are computed as drafts (keneya compute --draft).
  std::vector<core::Period> drafts;
  for (int q = 1; q <= 4 && !options.history; ++q) {
    drafts.push_back(
        core::Period::Make(core::PeriodType::kQuarterly, options.last_year, q).value());
  }
  auto fbr = demo::SetUpDemoFbr(store, drafts, actor, progress.AsFunction());
  progress.Finish();
  if (!fbr.ok()) return Fail(c, fbr.error());
  std::string password_file;
  if (!password_given) {
    const std::filesystem::path db_dir = IsPostgres(c.db)
                                             ? std::filesystem::path("var")
                                             : std::filesystem::absolute(c.db).parent_path();
    password_file = (db_dir / "demo-password").string();
    core::Status written = WritePrivateFile(password_file, password + "\n");
    if (!written.ok()) return Fail(c, written.error());
  }
  auto accounts = demo::SetUpDemoAccounts(store, password, actor);
  if (!accounts.ok()) return Fail(c, accounts.error());

  // What the workflow recorded up to the demo's date.
  const core::Date as_of = demo::DemoDate(options.last_year);
  core::Result<demo::DemoHistorySummary> history = demo::DemoHistorySummary{};
  if (options.history) {
    *c.err << Text(l, "cli.demo.writing_history", {{"date", as_of.ToString()}}) << "\n";
    history = demo::WriteDemoHistory(store, *generated,
                                     {options.seed, options.first_year, options.last_year},
                                     progress.AsFunction());
    progress.Finish();
    if (!history.ok()) return Fail(c, history.error());
  }
  const double history_time = SecondsSince(history_start);

  std::map<core::OrgUnitType, int64_t> per_type;
  for (const core::OrgUnit& ou : generated->metadata.org_units) ++per_type[ou.type];
  int64_t facilities = 0;
  for (const auto& [type, count] : per_type) facilities += core::IsFacility(type) ? count : 0;
  using core::OrgUnitType;
  std::ostream& out = *c.out;
  const std::string last_quarter = std::to_string(options.last_year) + "Q4";
  const std::string january = std::to_string(options.last_year + 1) + "01";
  out << Text(l, "cli.demo.ready", {{"database", Shown(c.db)}}) << "\n"
      << "  " << Text(l, "cli.demo.regions", {{"count", per_type[OrgUnitType::kRegion]}}) << "\n"
      << "  " << Text(l, "cli.demo.districts", {{"count", per_type[OrgUnitType::kDistrict]}})
      << "\n"
      << "  "
      << Text(l, "cli.demo.facilities",
              {core::Grouped("facilities", facilities),
               core::Grouped("cscom", per_type[OrgUnitType::kCscom]),
               {"csref", per_type[OrgUnitType::kCsref]},
               {"eph", per_type[OrgUnitType::kRegionalHospital]},
               {"maternities", per_type[OrgUnitType::kMaternity]},
               {"private_clinics", per_type[OrgUnitType::kPrivateClinic]},
               {"ccs", per_type[OrgUnitType::kCooperativeClinic]}})
      << "\n"
      << "  "
      << Text(l, "cli.demo.asc_sites", {core::Grouped("count", per_type[OrgUnitType::kAscSite])})
      << "\n"
      << "  "
      << Text(l, "cli.demo.values",
              {core::Grouped("count", static_cast<int64_t>(generated->values.size())),
               {"first_year", options.first_year},
               {"last_year", options.last_year}})
      << "\n"
      << "  " << Text(l, "cli.demo.program", {core::Grouped("contracts", fbr->contracts)}) << "\n";
  if (options.history) {
    out << "  "
        << Text(l, "cli.demo.history",
                {{"date", history->as_of.ToString()},
                 {"approved", history->approved_runs},
                 core::Grouped("paid", history->paid),
                 core::Grouped("payments", history->payments),
                 {"partly", history->partly_paid},
                 {"reopened", history->reopened_runs}})
        << "\n"
        << "  "
        << Text(l, "cli.demo.waiting_run",
                {{"period", last_quarter},
                 {"run", history->waiting_run},
                 core::Grouped("total", history->waiting_total),
                 {"left_out", history->left_out}})
        << "\n"
        << "  "
        << Text(l, "cli.demo.january",
                {{"month", january},
                 core::Grouped("on_time", history->january_on_time),
                 core::Grouped("late", history->january_late),
                 core::Grouped("open", history->january_open)})
        << "\n";
  } else {
    out << "  "
        << Text(l, "cli.demo.drafts",
                {core::Grouped("invoices", fbr->invoices),
                 {"year", options.last_year},
                 core::Grouped("missing", fbr->missing),
                 core::Grouped("total", fbr->total)})
        << "\n";
  }
  out << Text(l, "cli.demo.accounts",
              {{"count", static_cast<int64_t>(accounts->size())},
               {"password",
                password_file.empty()
                    ? core::Message("cli.demo.password_from_environment")
                    : core::Message("cli.demo.password_in_file", {{"file", password_file}})}})
      << "\n";
  for (const demo::DemoAccount& account : *accounts) {
    out << "    "
        << Text(l, "cli.demo.account",
                {{"name", account.name},
                 {"role", auth::RoleText(account.role)},
                 {"place", account.place},
                 {"full_name", account.full_name}})
        << "\n";
  }
  if (options.history) {
    out << Text(l, "cli.demo.serve_on_date", {{"date", history->as_of.ToString()}}) << "\n";
  }
  out << Text(l, "cli.demo.time",
              {{"total", Seconds(SecondsSince(start), l)},
               {"generation", Seconds(generation, l)},
               {"load", Seconds(load, l)},
               {"history", Seconds(history_time, l)}})
      << "\n";
  return 0;
}

namespace {

// Stops the server on SIGINT or SIGTERM: the signals are blocked in every thread and one thread
// waits for them (no work in a signal handler).
class StopOnSignal {
 public:
  explicit StopOnSignal(http::Server& server) {
    sigemptyset(&signals_);
    sigaddset(&signals_, SIGINT);
    sigaddset(&signals_, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &signals_, nullptr);
    waiter_ = std::thread([this, &server] {
      int signal = 0;
      sigwait(&signals_, &signal);
      if (signal != 0 && !stopping_) server.Stop();
    });
  }
  ~StopOnSignal() {
    stopping_ = true;
    // Wake the waiting thread if no signal came.
    pthread_kill(waiter_.native_handle(), SIGTERM);
    waiter_.join();
    pthread_sigmask(SIG_UNBLOCK, &signals_, nullptr);
  }

 private:
  sigset_t signals_;
  std::atomic<bool> stopping_{false};
  std::thread waiter_;
};

}  // namespace

int RunServe(const Context& c, const ServeOptions& options) {
  // Settings: the config file, then the environment, then the command line.
  http::ServeConfig config;
  config.database = c.db;
  if (!options.config.empty()) {
    std::ifstream in(options.config, std::ios::binary);
    if (!in) {
      return Fail(c, core::NotFound(core::Message("cli.serve.cannot_read_config"), options.config));
    }
    std::stringstream text;
    text << in.rdbuf();
    core::Status read = http::ReadServeConfig(text.str(), options.config, config);
    if (!read.ok()) return Fail(c, read.error());
  }
  core::Status env = http::ApplyServeEnvironment(
      [](const char* name) -> const char* { return std::getenv(name); }, config);
  if (!env.ok()) return Fail(c, env.error());
  if (options.db_given) config.database = c.db;
  // The command line beats the environment and the file only for what it gives.
  if (options.host_given) config.server.host = options.host;
  if (options.port_given) config.server.port = options.port;
  if (!options.static_dir.empty()) config.api.static_dir = options.static_dir;
  if (!options.tls_cert.empty()) config.server.tls_cert = options.tls_cert;
  if (!options.tls_key.empty()) config.server.tls_key = options.tls_key;
  config.api.secure_cookies = !config.server.tls_cert.empty();
  config.api.info = http::ServerInfo{Version(), Shown(config.database)};
  if (config.api.jobs.owner.empty() && config.server.port != 0) {
    // A name that a restarted server keeps, so that it resumes the jobs it was running.
    char host[256] = {};
    if (gethostname(host, sizeof host - 1) != 0) host[0] = '\0';
    config.api.jobs.owner = std::string(host) + ":" + std::to_string(config.server.port);
  }

  // Many connections: a small page cache each (the file is in the system's cache anyway).
  auto pool = store::StorePool::Open(config.database, config.pool,
                                     store::OpenOptions{.migrate = true, .sqlite_cache_kib = 8192});
  if (!pool.ok()) return Fail(c, pool.error().In(Shown(config.database)));
  auth::Authenticator authenticator(auth::AuthOptions{});
  http::Metrics metrics;
  store::StorePool* pool_ptr = pool->get();
  metrics.SetGauge("keneya_db_pool_size", "Database connections in the pool.",
                   [pool_ptr] { return static_cast<double>(pool_ptr->size()); });
  metrics.SetGauge("keneya_db_pool_in_use", "Database connections in use.",
                   [pool_ptr] { return static_cast<double>(pool_ptr->in_use()); });
  std::unique_ptr<http::RequestLog> request_log;
  if (config.request_log == "-") {
    request_log = std::make_unique<http::RequestLog>();
  } else {
    auto opened = http::RequestLog::Open(config.request_log);
    if (!opened.ok()) return Fail(c, opened.error());
    request_log = std::move(opened).value();
  }
  http::Observers observers({&metrics, request_log.get()});
  http::Api api(**pool, authenticator, config.api, &metrics);
  http::Server server(api, config.server, &observers);
  core::Status bound = server.Bind();
  if (!bound.ok()) return Fail(c, bound.error());
  StopOnSignal stop(server);
  api.StartJobs();
  *c.out << Text(c.language, "cli.serve.listening",
                 {{"host", config.server.host},
                  {"port", server.port()},
                  {"database", Shown(config.database)}})
         << "\n";
  c.out->flush();
  core::Status served = server.Serve();
  if (!served.ok()) return Fail(c, served.error());
  *c.out << Text(c.language, "cli.serve.stopped") << "\n";
  return 0;
}

int RunMigrate(const Context& c) {
  auto opened = Open(c, /*migrate=*/false, /*create=*/true);
  if (!opened.ok()) return Fail(c, opened.error());
  auto before = (*opened)->SchemaVersion();
  if (!before.ok()) return Fail(c, before.error());
  auto after = (*opened)->Migrate();
  if (!after.ok()) return Fail(c, after.error());
  *c.out << Text(c.language, *before == *after ? "cli.migrate.up_to_date" : "cli.migrate.migrated",
                 {{"database", Shown(c.db)}, {"before", *before}, {"after", *after}})
         << "\n";
  return 0;
}

int RunInfo(const Context& c) {
  auto opened = Open(c);
  if (!opened.ok()) return Fail(c, opened.error());
  store::Store& store = **opened;
  auto metadata = store.LoadMetadata();
  if (!metadata.ok()) return Fail(c, metadata.error());
  auto states = store.States();
  if (!states.ok()) return Fail(c, states.error());
  auto imports = store.Imports();
  if (!imports.ok()) return Fail(c, imports.error());
  const Language l = c.language;
  std::ostream& out = *c.out;
  out << Text(l, "cli.info.database",
              {{"database", Shown(c.db)},
               {"engine", store.engine()},
               {"schema", *store.SchemaVersion()}})
      << "\n";
  std::map<core::OrgUnitType, int64_t> per_type;
  for (const core::OrgUnit& ou : metadata->org_units) ++per_type[ou.type];
  out << Text(l, "cli.info.org_units",
              {core::Grouped("count", static_cast<int64_t>(metadata->org_units.size()))})
      << "\n";
  for (const auto& [type, count] : per_type) {
    out << "  "
        << Text(l, "cli.info.count_of",
                {{"what", core::OrgUnitTypeText(type)}, core::Grouped("count", count)})
        << "\n";
  }
  out << Text(l, "cli.info.data_elements",
              {{"data_elements", metadata->data_elements.size()},
               {"data_sets", metadata->data_sets.size()}})
      << "\n";
  out << Text(l, "cli.info.values") << "\n";
  for (const core::State& state : *states) {
    store::ValueQuery query;
    query.states = {state.id};
    auto count = store.Count(query);
    if (!count.ok()) return Fail(c, count.error());
    out << "  "
        << Text(l, "cli.info.count_of",
                {{"what", l == Language::kEnglish ? state.name_en : state.name_fr},
                 core::Grouped("count", *count)})
        << "\n";
  }
  out << Text(l, "cli.info.imports", {{"count", imports->size()}}) << "\n";
  // FBR: programs (newest version of each), contracts in force today, invoice runs.
  auto programs = store.Programs();
  if (!programs.ok()) return Fail(c, programs.error());
  std::map<std::string, int> versions;
  for (const store::ProgramRecord& p : *programs)
    versions[p.code] = std::max(versions[p.code], p.version);
  out << Text(l, "cli.info.programs", {{"count", versions.size()}});
  for (const auto& [code, version] : versions) {
    out << "  " << Text(l, "cli.info.program_version", {{"code", code}, {"version", version}});
  }
  out << "\n";
  auto contracts = store.Contracts("");
  if (!contracts.ok()) return Fail(c, contracts.error());
  const core::Date today =
      core::Date::FromDays(static_cast<int32_t>(core::NowMs() / (24LL * 3600 * 1000)));
  int64_t in_force = 0, suspended = 0;
  for (const store::Contract& k : *contracts) {
    if (k.start > today || (k.end && *k.end < today)) continue;
    if (k.status == store::ContractStatus::kActive) ++in_force;
    if (k.status == store::ContractStatus::kSuspended) ++suspended;
  }
  std::set<std::pair<int32_t, std::string>> facilities;  // (org unit, program) under contract
  for (const store::Contract& k : *contracts) facilities.insert({k.org_unit, k.program_code});
  out << Text(l, "cli.info.contracts",
              {core::Grouped("facilities", static_cast<int64_t>(facilities.size())),
               core::Grouped("periods", static_cast<int64_t>(contracts->size())),
               core::Grouped("active", in_force), core::Grouped("suspended", suspended)})
      << "\n";
  auto runs = fbr::AllRuns(store);
  if (!runs.ok()) return Fail(c, runs.error());
  int64_t current = 0, invoices = 0;
  for (const store::InvoiceRunRecord& r : *runs) {
    if (r.status == "superseded" || r.status == "reopened") continue;
    ++current;
    invoices += r.invoice_count;
  }
  out << Text(l, "cli.info.invoice_runs",
              {core::Grouped("runs", static_cast<int64_t>(runs->size())),
               core::Grouped("current", current), core::Grouped("invoices", invoices)})
      << "\n";
  return 0;
}

int RunCheckDb(const Context& c) {
  auto opened = Open(c, /*migrate=*/false);
  if (!opened.ok()) return Fail(c, opened.error());
  auto checks = fbr::RunDatabaseChecks(**opened);
  if (!checks.ok()) return Fail(c, checks.error());
  for (const core::Message& check : *checks) {
    *c.out << Text(c.language, "cli.check_db.ok", {{"check", check}}) << "\n";
  }
  return 0;
}

int RunPeriod(const Context& c, const std::vector<std::string>& periods) {
  int status = 0;
  for (const std::string& text : periods) {
    auto period = core::Period::Parse(text);
    if (!period.ok()) {
      status = Fail(c, period.error());
      continue;
    }
    const core::Period& p = *period;
    // The type is DHIS2's name of it ("FinancialApril"), in every language.
    *c.out << Text(c.language, "cli.period.period",
                   {{"period", p.ToString()},
                    {"type", core::PeriodTypeName(p.type())},
                    {"start", p.start().ToString()},
                    {"end", p.end().ToString()},
                    {"days", p.Days()},
                    {"previous", p.Previous().ToString()},
                    {"next", p.Next().ToString()}});
    if (auto quarter = p.Quarter(); quarter.ok() && quarter->type() != p.type()) {
      *c.out << "  " << Text(c.language, "cli.period.quarter", {{"quarter", quarter->ToString()}});
    }
    if (auto year = p.Year(); year.ok() && year->type() != p.type()) {
      *c.out << "  " << Text(c.language, "cli.period.year", {{"year", year->ToString()}});
    }
    *c.out << "\n";
  }
  return status;
}

namespace {

core::Result<std::string> ReadWholeFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary | std::ios::ate);
  if (!in) return core::NotFound(core::Message("cli.import.cannot_open_file"), path);
  const std::streamoff size = in.tellg();
  std::string bytes;
  if (size > 0) {
    // One read of the known size (a regular file); otherwise, whatever comes.
    bytes.resize(static_cast<size_t>(size));
    in.seekg(0);
    in.read(bytes.data(), size);
    bytes.resize(static_cast<size_t>(in.gcount()));
    if (in.gcount() == size && in.peek() == std::char_traits<char>::eof()) return bytes;
  }
  in.clear();
  in.seekg(static_cast<std::streamoff>(bytes.size()));
  std::ostringstream rest;
  rest << in.rdbuf();
  return bytes + rest.str();
}

// The summary of an import, "[dry run: nothing written] " before it when nothing was written.
core::Message DryRunIf(bool dry_run, core::Message summary) {
  if (!dry_run) return summary;
  return core::Message("cli.import.dry_run", {{"summary", std::move(summary)}});
}

// What a DHIS2 metadata file or answer holds that Keneya does not keep, one line each.
void PrintNotKept(const Context& c, const std::vector<core::Message>& ignored) {
  for (const core::Message& line : ignored) {
    *c.out << "  " << Text(c.language, "cli.import.not_kept", {{"what", line}}) << "\n";
  }
}

int ImportMetadata(const Context& c, store::Store& store, const ImportCommandOptions& options) {
  auto bytes = ReadWholeFile(options.file);
  if (!bytes.ok()) return Fail(c, bytes.error());
  auto read = io::ReadDhis2Metadata(*bytes, options.file);
  if (!read.ok()) return Fail(c, read.error());
  const core::MetadataBundle& b = read->bundle;
  if (!options.dry_run) {
    core::Status saved =
        store.SaveMetadata(b, store::Actor{c.user, "file:" + options.file, options.reason});
    if (!saved.ok()) return Fail(c, saved.error());
  }
  const core::Message imported(
      "cli.import.metadata_imported",
      {core::Grouped("org_units", static_cast<int64_t>(b.org_units.size())),
       {"groups", b.org_unit_groups.size()},
       {"data_elements", b.data_elements.size()},
       {"data_sets", b.data_sets.size()},
       {"option_combos", b.categories.option_combos.size()}});
  *c.out << core::Render(DryRunIf(options.dry_run, imported), c.language) << "\n";
  PrintNotKept(c, read->ignored_text);
  return 0;
}

}  // namespace

int RunImport(const Context& c, const ImportCommandOptions& options) {
  auto opened = Open(c, /*migrate=*/true, /*create=*/true);
  if (!opened.ok()) return Fail(c, opened.error());
  store::Store& store = **opened;
  if (options.metadata) return ImportMetadata(c, store, options);

  io::ImportOptions import;
  import.actor = store::Actor{c.user, "file:" + options.file, options.reason};
  import.state = options.state;
  import.dry_run = options.dry_run;
  import.atomic = options.atomic;
  import.strict_periods = options.strict_periods;
  import.strict_data_elements = options.strict_data_elements;
  import.strict_category_option_combos = options.strict_category_option_combos;
  import.strict_attribute_option_combos = options.strict_attribute_option_combos;
  import.strict_org_units = options.strict_org_units;
  import.require_category_option_combo = options.require_category_option_combo;
  import.require_attribute_option_combo = options.require_attribute_option_combo;
  const std::pair<const std::string*, std::optional<io::IdScheme>*> schemes[] = {
      {&options.id_scheme, &import.schemes.id_scheme},
      {&options.data_set_id_scheme, &import.schemes.data_set},
      {&options.data_element_id_scheme, &import.schemes.data_element},
      {&options.org_unit_id_scheme, &import.schemes.org_unit},
      {&options.category_option_combo_id_scheme, &import.schemes.category_option_combo},
      {&options.category_id_scheme, &import.schemes.category}};
  for (const auto& [text, target] : schemes) {
    if (text->empty()) continue;
    auto scheme = io::ParseIdScheme(*text);
    if (!scheme.ok()) return Fail(c, scheme.error());
    *target = *scheme;
  }
  auto strategy = io::ParseImportStrategy(options.strategy);
  if (!strategy.ok()) return Fail(c, strategy.error());
  import.strategy = *strategy;
  std::optional<io::DataFormat> format;
  if (!options.format.empty()) {
    auto parsed = io::ParseDataFormat(options.format);
    if (!parsed.ok()) return Fail(c, parsed.error());
    format = *parsed;
  }
  ProgressPrinter progress(*c.err, c.language, c.interactive);
  io::Importer importer(store, import);
  auto summary = importer.ImportFile(options.file, format, progress.AsFunction());
  progress.Finish();
  if (!summary.ok()) return Fail(c, summary.error());
  *c.out << io::ImportSummaryText(*summary, c.language);
  if (!options.json.empty()) {
    const std::string json = io::ImportSummaryJson(*summary);
    if (options.json == "-") {
      *c.out << json << "\n";
    } else {
      std::ofstream file(options.json, std::ios::binary);
      file << json << "\n";
      file.close();  // a full disk shows on the last write
      if (!file) {
        // The import has happened (or was refused) whatever becomes of its summary: say which,
        // with a status of its own (docs/DHIS2_IMPORT.md).
        const bool written = !summary->dry_run && summary->status != io::ImportStatus::kError;
        const core::Message what =
            written ? core::Message("cli.import.summary_lost_values_written",
                                    {core::Grouped("imported", summary->count.imported),
                                     core::Grouped("updated", summary->count.updated),
                                     core::Grouped("deleted", summary->count.deleted)})
                    : core::Message("cli.import.summary_lost_nothing_written");
        Fail(c, core::Unavailable(
                    core::Message("cli.import.cannot_write_json_summary", {{"outcome", what}}),
                    options.json));
        return kExitSummaryNotWritten;
      }
    }
  }
  switch (summary->status) {
    case io::ImportStatus::kSuccess:
      return 0;
    case io::ImportStatus::kWarning:
      return 3;
    case io::ImportStatus::kError:
      return 1;
  }
  return 1;
}

int RunExport(const Context& c, const ExportCommandOptions& options) {
  auto opened = Open(c);
  if (!opened.ok()) return Fail(c, opened.error());
  store::Store& store = **opened;
  std::ofstream file;
  std::ostream* out = c.out;
  if (options.file != "-") {
    file.open(options.file, std::ios::binary);
    if (!file) {
      return Fail(c,
                  core::Unavailable(core::Message("cli.export.cannot_create_file"), options.file));
    }
    out = &file;
  }
  if (options.metadata) {
    auto metadata = store.LoadMetadata();
    if (!metadata.ok()) return Fail(c, metadata.error());
    auto json = io::WriteDhis2Metadata(*metadata);
    if (!json.ok()) return Fail(c, json.error());
    *out << *json << "\n";
    if (!*out) {
      return Fail(c, core::Unavailable(core::Message("cli.export.cannot_write"), options.file));
    }
    if (options.file != "-") {
      *c.err << Text(c.language, "cli.export.metadata_exported", {{"file", options.file}}) << "\n";
    }
    return 0;
  }
  io::ExportOptions exporting;
  exporting.state = options.state;
  exporting.data_sets = options.data_sets;
  exporting.periods = options.periods;
  exporting.org_unit = options.org_unit;
  exporting.include_deleted = options.include_deleted;
  auto scheme = io::ParseIdScheme(options.id_scheme);
  if (!scheme.ok()) return Fail(c, scheme.error());
  exporting.scheme = *scheme;
  if (!options.format.empty()) {
    auto parsed = io::ParseDataFormat(options.format);
    if (!parsed.ok()) return Fail(c, parsed.error());
    exporting.format = *parsed;
  } else if (options.file != "-") {
    auto guessed = io::DataFormatOfFile(options.file);
    if (!guessed.ok()) return Fail(c, guessed.error());
    exporting.format = *guessed;
  }
  ProgressPrinter progress(*c.err, c.language, c.interactive);
  auto written = io::ExportDataValues(store, exporting, *out, progress.AsFunction());
  progress.Finish();
  if (!written.ok()) return Fail(c, written.error());
  if (options.file != "-") {
    *c.err << Text(c.language, "cli.export.values_exported",
                   {core::Grouped("count", *written), {"file", options.file}})
           << "\n";
  }
  return 0;
}

int RunBenchStore(const Context& c, const BenchStoreOptions& options) {
  bench::StoreBenchOptions bench_options;
  bench_options.values = options.values;
  bench_options.repetitions = options.runs;
  bench_options.postgres = options.postgres;
  bench_options.sqlite = options.sqlite;
  bench_options.sqlite_directory = options.directory;
  core::Status status = bench::RunStoreBench(bench_options, *c.out);
  if (!status.ok()) return Fail(c, status.error());
  return 0;
}

int RunBenchImport(const Context& c, const BenchStoreOptions& options) {
  bench::ImportBenchOptions bench_options;
  bench_options.values = options.values;
  bench_options.repetitions = options.runs;
  bench_options.postgres = options.postgres;
  bench_options.sqlite = options.sqlite;
  bench_options.directory = options.directory;
  core::Status status = bench::RunImportBench(bench_options, *c.out);
  if (!status.ok()) return Fail(c, status.error());
  return 0;
}

int RunBenchRules(const Context& c, const BenchRulesOptions& options) {
  bench::RulesBenchOptions bench_options;
  bench_options.facilities = options.facilities;
  bench_options.period = options.period;
  bench_options.repetitions = options.runs;
  bench_options.threads = options.threads;
  bench_options.seed = options.seed;
  bench_options.inputs = options.inputs;
  bench_options.write_equations = options.write_equations;
  bench_options.write_values = options.write_values;
  if (options.solve) bench_options.solve_with = "/proc/self/exe";
  bench_options.reference = options.reference;
  bench_options.shuffle = options.shuffle;
  core::Status status = bench::RunRulesBench(bench_options, *c.out);
  if (!status.ok()) return Fail(c, status.error());
  return 0;
}

int RunBenchInvoices(const Context& c, const BenchInvoicesOptions& options) {
  bench::InvoicesBenchOptions bench_options;
  bench_options.database = options.database;
  bench_options.period = options.period;
  bench_options.repetitions = options.runs;
  core::Status status = bench::RunInvoicesBench(bench_options, *c.out);
  if (!status.ok()) return Fail(c, status.error());
  return 0;
}

int RunBenchSimulate(const Context& c, const BenchSimulateOptions& options) {
  bench::SimulationBenchOptions bench_options;
  bench_options.database = options.database;
  bench_options.period = options.period;
  bench_options.repetitions = options.runs;
  bench_options.changes = options.changes;
  core::Status status = bench::RunSimulationBench(bench_options, *c.out);
  if (!status.ok()) return Fail(c, status.error());
  return 0;
}

int RunBenchHttp(const Context& c, const BenchHttpOptions& options) {
  bench::HttpBenchOptions bench_options;
  bench_options.database = options.database;
  bench_options.period = options.period;
  bench_options.connections = options.connections;
  bench_options.seconds = options.seconds;
  bench_options.wrk = options.wrk;
  core::Status status = bench::RunHttpBench(bench_options, *c.out);
  if (!status.ok()) return Fail(c, status.error());
  return 0;
}

// ---- DHIS2 ----

namespace {

core::Result<std::unique_ptr<io::Dhis2Client>> ConnectDhis2(const Dhis2CommandOptions& options) {
  io::Dhis2ClientOptions client;
  client.base_url = options.url;
  if (client.base_url.empty()) {
    if (const char* url = std::getenv("KENEYA_DHIS2_URL")) client.base_url = url;
  }
  if (client.base_url.empty()) {
    return core::InvalidArgument(core::Message("cli.dhis2.no_server"), "--url");
  }
  const char* token = std::getenv("KENEYA_DHIS2_TOKEN");
  const char* password = std::getenv("KENEYA_DHIS2_PASSWORD");
  std::string user = options.user;
  if (user.empty()) {
    if (const char* u = std::getenv("KENEYA_DHIS2_USER")) user = u;
  }
  if (token != nullptr && *token != '\0') {
    client.credentials = io::Dhis2Credentials::Token(token);
  } else if (!user.empty() && password != nullptr) {
    client.credentials = io::Dhis2Credentials::Basic(user, password);
  } else {
    return core::InvalidArgument(core::Message("cli.dhis2.no_credentials"),
                                 core::Message("cli.dhis2.place_credentials"));
  }
  client.parallelism = options.parallel;
  client.ca_cert_file = options.ca_cert;
  return io::Dhis2Client::Create(client);
}

}  // namespace

int RunDhis2Check(const Context& c, const Dhis2CommandOptions& options) {
  auto client = ConnectDhis2(options);
  if (!client.ok()) return Fail(c, client.error());
  auto me = (*client)->CheckCredentials();
  if (!me.ok()) return Fail(c, me.error());
  *c.out << Text(c.language, "cli.dhis2.signed_in",
                 {{"url", (*client)->base_url()},
                  {"user", me->username},
                  {"name", me->name},
                  {"org_units", me->org_unit_uids.size()}})
         << "\n";
  return 0;
}

int RunDhis2PullMetadata(const Context& c, const Dhis2CommandOptions& options) {
  auto opened = Open(c, /*migrate=*/true, /*create=*/true);
  if (!opened.ok()) return Fail(c, opened.error());
  auto client = ConnectDhis2(options);
  if (!client.ok()) return Fail(c, client.error());
  ProgressPrinter progress(*c.err, c.language, c.interactive);
  auto pyramid = (*client)->PullOrgUnits(progress.AsFunction());
  progress.Finish();
  if (!pyramid.ok()) return Fail(c, pyramid.error());
  auto metadata = (*client)->PullMetadata();
  if (!metadata.ok()) return Fail(c, metadata.error());
  core::MetadataBundle bundle = metadata->bundle;
  bundle.Merge(pyramid->bundle);
  const store::Actor actor{c.user, "dhis2:" + (*client)->base_url(), "keneya dhis2 pull-metadata"};
  if (!options.dry_run) {
    core::Status saved = (*opened)->SaveMetadata(bundle, actor);
    if (!saved.ok()) return Fail(c, saved.error());
  }
  const core::Message received(
      "cli.dhis2.metadata_received",
      {core::Grouped("org_units", static_cast<int64_t>(bundle.org_units.size())),
       {"data_elements", bundle.data_elements.size()},
       {"data_sets", bundle.data_sets.size()}});
  *c.out << core::Render(DryRunIf(options.dry_run, received), c.language) << "\n";
  PrintNotKept(c, pyramid->ignored_text);
  PrintNotKept(c, metadata->ignored_text);
  return 0;
}

int RunDhis2PullValues(const Context& c, const Dhis2CommandOptions& options) {
  auto opened = Open(c, /*migrate=*/true, /*create=*/true);
  if (!opened.ok()) return Fail(c, opened.error());
  store::Store& store = **opened;
  auto client = ConnectDhis2(options);
  if (!client.ok()) return Fail(c, client.error());
  if (options.data_sets.empty() || options.periods.empty() || options.org_unit.empty()) {
    return Fail(c,
                core::InvalidArgument(core::Message("cli.dhis2.pull_values_needs"), "pull-values"));
  }
  auto metadata = store.LoadMetadata();
  if (!metadata.ok()) return Fail(c, metadata.error());
  io::DataValuePull pull;
  pull.data_sets = options.data_sets;
  pull.periods = options.periods;
  pull.org_units = io::OrgUnitSubtree(*metadata, options.org_unit);
  if (pull.org_units.empty()) {
    return Fail(c, core::NotFound(core::Message("cli.dhis2.org_unit_not_pulled",
                                                {{"org_unit", options.org_unit}}),
                                  "--org-unit"));
  }
  io::ImportOptions import;
  import.state = options.state.empty() ? "declared" : options.state;
  import.dry_run = options.dry_run;
  import.actor = store::Actor{c.user, "dhis2:" + (*client)->base_url(), ""};
  // A Keneya server gives the values of the same state.
  if ((*client)->IsKeneya()) pull.state = import.state;
  io::Importer importer(store, import);
  ProgressPrinter progress(*c.err, c.language, c.interactive);
  auto summary = importer.ImportFrom(
      [&](io::DataValueSetHandler& handler) {
        return (*client)->PullDataValues(pull, handler, progress.AsFunction());
      },
      "dhis2:" + (*client)->base_url(), progress.AsFunction());
  progress.Finish();
  if (!summary.ok()) return Fail(c, summary.error());
  *c.out << io::ImportSummaryText(*summary, c.language);
  return summary->status == io::ImportStatus::kSuccess   ? 0
         : summary->status == io::ImportStatus::kWarning ? 3
                                                         : 1;
}

int RunDhis2Push(const Context& c, const Dhis2CommandOptions& options) {
  auto opened = Open(c);
  if (!opened.ok()) return Fail(c, opened.error());
  auto client = ConnectDhis2(options);
  if (!client.ok()) return Fail(c, client.error());
  io::ExportOptions selection;
  selection.state = options.state.empty() ? "verified" : options.state;
  selection.data_sets = options.data_sets;
  selection.periods = options.periods;
  selection.org_unit = options.org_unit;
  auto values = io::ValuesForPush(**opened, selection);
  if (!values.ok()) return Fail(c, values.error());
  io::PushOptions push;
  push.batch_size = options.batch_size;
  push.import_strategy = options.strategy;
  push.dry_run = options.dry_run;
  push.journal = options.journal;
  // A Keneya server stores them in the same state (DHIS2 has none).
  if ((*client)->IsKeneya()) push.state = selection.state;
  ProgressPrinter progress(*c.err, c.language, c.interactive);
  auto result = (*client)->PushDataValues(*values, push, progress.AsFunction());
  progress.Finish();
  if (!result.ok()) return Fail(c, result.error());
  *c.out << io::PushResultText(*result, c.language);
  if (!options.json.empty()) {
    std::ofstream file(options.json);
    file << io::ImportSummaryJson(io::PushSummary(*result)) << "\n";
    if (!file) {
      return Fail(c, core::Unavailable(core::Message("cli.import.cannot_write_json_summary"),
                                       options.json));
    }
  }
  if (!result->complete()) return 1;
  return result->status == io::ImportStatus::kSuccess ? 0 : 3;
}

namespace {

// The equations of `file`, or of standard input for "-".
core::Result<std::unique_ptr<io::EquationFile>> ReadEquations(const std::string& file) {
  if (file != "-") return io::LoadEquationFile(file);
  std::ostringstream in;
  in << std::cin.rdbuf();
  return io::ReadEquationFile(in.str(), "stdin");
}

}  // namespace

int RunSolve(const Context& c, const std::string& file) {
  // The file, its equations and the solution stay allocated when this returns: `keneya solve`
  // ends right after, and the system takes the memory back faster than a million frees would.
  // Its large arrays freed on the way (the second half's equations, the sort's items, the order's
  // arrays) are kept for the next ones: touched again, not for the first time.
  core::KeepFreedLargeArrays(size_t{128} << 20);
  core::Result<std::unique_ptr<io::EquationFile>> equations = ReadEquations(file);
  if (!equations.ok()) {
    if (equations.error().code == core::ErrorCode::kNotFound) return Fail(c, equations.error());
    // hesabucli's answer to a file it cannot read, with Keneya's place of the problem: JSON
    // that programs read, in hesabucli's English words.
    rules::SolveResult invalid;
    invalid.errors.push_back({"general", "general",
                              equations.error().message + " (" + equations.error().where + ")", 0});
    *c.out << io::WriteSolution(invalid);
    return 1;
  }
  io::EquationFile* kept = std::move(equations).value().release();
  auto* result = new rules::SolveResult(rules::SolveEquations(kept->equations()));
  io::WriteSolution(*result, *c.out);
  c.out->flush();
  return result->ok() ? 0 : 1;
}

}  // namespace keneya::cli
