#include "cli/commands.h"

#include <signal.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <set>
#include <sstream>
#include <thread>

#include "bench/import_bench.h"
#include "bench/rules_bench.h"
#include "bench/store_bench.h"
#include "cli/cli_util.h"
#include "cli/progress.h"
#include "core/period.h"
#include "core/timestamp.h"
#include "demo/demo.h"
#include "demo/demo_program.h"
#include "fbr/stored_invoices.h"
#include "http/api.h"
#include "http/server.h"
#include "io/dhis2_client.h"
#include "io/dhis2_metadata.h"
#include "io/equations_json.h"
#include "io/exporter.h"
#include "io/importer.h"
#include "store/store.h"

namespace keneya::cli {

using core::FormatInteger;
using core::Language;
using core::Tr;

const char* Version() { return "0.1.0"; }

int RunDemo(const Context& c, const DemoOptions& options) {
  const auto start = std::chrono::steady_clock::now();
  if (options.replace) {
    if (IsPostgres(c.db)) {
      return Fail(c, core::InvalidArgument(
                         std::string(Tr(c.language,
                                        "--replace ne s'applique qu'à un fichier SQLite ; "
                                        "donnez une base PostgreSQL vide",
                                        "--replace only applies to an SQLite file; give an "
                                        "empty PostgreSQL database")),
                         "--replace"));
    }
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
    return Fail(c, core::FailedPrecondition(
                       std::string(Tr(c.language,
                                      "la base contient déjà des données ; relancez avec "
                                      "--replace pour repartir d'une base neuve",
                                      "the database already holds data; run again with "
                                      "--replace to start from a new one")),
                       Shown(c.db)));
  }

  ProgressPrinter progress(*c.err, c.language, c.interactive);
  *c.err << Tr(c.language, "Génération du jeu de démonstration (graine ",
               "Generating the demo dataset (seed ")
         << options.seed << ", " << options.first_year << "-" << options.last_year << ")\n";
  demo::DemoOptions demo_options;
  demo_options.seed = options.seed;
  demo_options.first_year = options.first_year;
  demo_options.last_year = options.last_year;
  auto generated = demo::GenerateDemo(demo_options, progress.AsFunction());
  progress.Finish();
  if (!generated.ok()) return Fail(c, generated.error());
  const double generation = SecondsSince(start);

  *c.err << Tr(c.language, "Chargement dans ", "Loading into ") << Shown(c.db) << "\n";
  const auto load_start = std::chrono::steady_clock::now();
  core::Status loaded =
      demo::LoadDemo(store, *generated, CliActor(c, "keneya demo"), progress.AsFunction());
  progress.Finish();
  if (!loaded.ok()) return Fail(c, loaded.error());
  const double load = SecondsSince(load_start);

  // The demo FBR program, its contracts and the invoices of the last year's quarters.
  const auto fbr_start = std::chrono::steady_clock::now();
  std::vector<core::Period> quarters;
  for (int q = 1; q <= 4; ++q)
    quarters.push_back(
        core::Period::Make(core::PeriodType::kQuarterly, options.last_year, q).value());
  *c.err << Tr(c.language, "Programme FBR de démonstration, contrats et factures de ",
               "Demo FBR program, contracts and invoices of ")
         << options.last_year << "\n";
  auto fbr = demo::SetUpDemoFbr(store, quarters, CliActor(c, "keneya demo"), progress.AsFunction());
  progress.Finish();
  if (!fbr.ok()) return Fail(c, fbr.error());
  const double fbr_time = SecondsSince(fbr_start);

  std::map<core::OrgUnitType, int64_t> per_type;
  for (const core::OrgUnit& ou : generated->metadata.org_units) ++per_type[ou.type];
  int64_t facilities = 0;
  for (const auto& [type, count] : per_type) facilities += core::IsFacility(type) ? count : 0;
  std::ostream& out = *c.out;
  const Language l = c.language;
  out << Tr(l, "Base de démonstration prête : ", "Demo database ready: ") << Shown(c.db) << "\n"
      << "  " << Tr(l, "régions sanitaires  ", "health regions      ")
      << per_type[core::OrgUnitType::kRegion] << "\n"
      << "  " << Tr(l, "districts sanitaires", "health districts    ") << " "
      << per_type[core::OrgUnitType::kDistrict] << "\n"
      << "  " << Tr(l, "structures sous contrat FBR ", "facilities under FBR contract ")
      << FormatInteger(facilities, l) << " (CSCOM "
      << FormatInteger(per_type[core::OrgUnitType::kCscom], l) << ", CSRéf "
      << per_type[core::OrgUnitType::kCsref] << ", EPH "
      << per_type[core::OrgUnitType::kRegionalHospital] << ", "
      << Tr(l, "maternités ", "maternities ") << per_type[core::OrgUnitType::kMaternity] << ", "
      << Tr(l, "cliniques privées ", "private clinics ")
      << per_type[core::OrgUnitType::kPrivateClinic] << ", CCS "
      << per_type[core::OrgUnitType::kCooperativeClinic] << ")\n"
      << "  " << Tr(l, "sites ASC ", "ASC sites ")
      << FormatInteger(per_type[core::OrgUnitType::kAscSite], l) << "\n"
      << "  " << Tr(l, "valeurs ", "values ")
      << FormatInteger(static_cast<int64_t>(generated->values.size()), l)
      << Tr(l, " (déclarées et vérifiées, ", " (declared and verified, ") << options.first_year
      << "-" << options.last_year
      << Tr(l, ", scores de qualité trimestriels)\n", ", quarterly quality scores)\n") << "  "
      << Tr(l, "programme FBR_MALI : ", "program FBR_MALI: ") << FormatInteger(fbr->contracts, l)
      << Tr(l, " contrats, ", " contracts, ") << FormatInteger(fbr->invoices, l)
      << Tr(l, " factures de ", " invoices for ") << options.last_year
      << Tr(l, " (4 trimestres, ", " (4 quarters, ") << FormatInteger(fbr->missing, l)
      << Tr(l, " sans déclaration), total ", " without a report), total ")
      << FormatInteger(fbr->total, l) << " FCFA\n"
      << Tr(l, "durée ", "time ") << Seconds(SecondsSince(start), l) << " ("
      << Tr(l, "génération ", "generation ") << Seconds(generation, l) << ", "
      << Tr(l, "chargement ", "load ") << Seconds(load, l) << ", "
      << Tr(l, "factures ", "invoices ") << Seconds(fbr_time, l) << ")\n";
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
  auto opened = Open(c, /*migrate=*/true, /*create=*/true);
  if (!opened.ok()) return Fail(c, opened.error());
  http::Api api(std::move(opened).value(), http::ServerInfo{Version(), Shown(c.db)});
  http::Server server(api);
  core::Status bound = server.Bind(options.host, options.port);
  if (!bound.ok()) return Fail(c, bound.error());
  StopOnSignal stop(server);
  *c.out << Tr(c.language, "Keneya écoute sur http://", "Keneya listens on http://") << options.host
         << ":" << server.port()
         << Tr(c.language, " (état : /api/health ; base : ", " (health: /api/health; database: ")
         << Shown(c.db) << ")\n";
  c.out->flush();
  core::Status served = server.Serve();
  if (!served.ok()) return Fail(c, served.error());
  *c.out << Tr(c.language, "Keneya arrêté.\n", "Keneya stopped.\n");
  return 0;
}

int RunMigrate(const Context& c) {
  auto opened = Open(c, /*migrate=*/false, /*create=*/true);
  if (!opened.ok()) return Fail(c, opened.error());
  auto before = (*opened)->SchemaVersion();
  if (!before.ok()) return Fail(c, before.error());
  auto after = (*opened)->Migrate();
  if (!after.ok()) return Fail(c, after.error());
  *c.out << Tr(c.language, "Schéma de ", "Schema of ") << Shown(c.db) << " : version " << *before
         << " -> " << *after
         << (*before == *after ? Tr(c.language, " (déjà à jour)", " (already up to date)") : "")
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
  out << Tr(l, "Base ", "Database ") << Shown(c.db) << " (" << store.engine() << ", "
      << Tr(l, "schéma ", "schema ") << *store.SchemaVersion() << ")\n";
  std::map<core::OrgUnitType, int64_t> per_type;
  for (const core::OrgUnit& ou : metadata->org_units) ++per_type[ou.type];
  out << Tr(l, "Unités d'organisation : ", "Org units: ")
      << FormatInteger(static_cast<int64_t>(metadata->org_units.size()), l) << "\n";
  for (const auto& [type, count] : per_type) {
    out << "  " << core::OrgUnitTypeLabel(type, l == Language::kEnglish ? "en" : "fr") << " : "
        << FormatInteger(count, l) << "\n";
  }
  out << Tr(l, "Éléments de données : ", "Data elements: ") << metadata->data_elements.size()
      << ", " << Tr(l, "ensembles de données : ", "data sets: ") << metadata->data_sets.size()
      << "\n";
  out << Tr(l, "Valeurs :", "Values:") << "\n";
  for (const core::State& state : *states) {
    store::ValueQuery query;
    query.states = {state.id};
    auto count = store.Count(query);
    if (!count.ok()) return Fail(c, count.error());
    out << "  " << (l == Language::kEnglish ? state.name_en : state.name_fr) << " : "
        << FormatInteger(*count, l) << "\n";
  }
  out << Tr(l, "Imports : ", "Imports: ") << imports->size() << "\n";
  // FBR: programs (newest version of each), contracts in force today, invoice runs.
  auto programs = store.Programs();
  if (!programs.ok()) return Fail(c, programs.error());
  std::map<std::string, int> versions;
  for (const store::ProgramRecord& p : *programs)
    versions[p.code] = std::max(versions[p.code], p.version);
  out << Tr(l, "Programmes FBR : ", "FBR programs: ") << versions.size();
  for (const auto& [code, version] : versions) out << "  " << code << " v" << version;
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
  out << Tr(l, "Contrats : ", "Contracts: ")
      << FormatInteger(static_cast<int64_t>(facilities.size()), l)
      << Tr(l, " formations sous contrat (", " facilities under contract (")
      << FormatInteger(static_cast<int64_t>(contracts->size()), l)
      << Tr(l, " périodes de contrat ; aujourd'hui actifs : ", " contract periods; active today: ")
      << FormatInteger(in_force, l) << Tr(l, ", suspendus : ", ", suspended: ")
      << FormatInteger(suspended, l) << ")\n";
  auto runs = store.InvoiceRuns();
  if (!runs.ok()) return Fail(c, runs.error());
  int64_t current = 0, invoices = 0;
  for (const store::InvoiceRunRecord& r : *runs) {
    if (r.status == "superseded") continue;
    ++current;
    invoices += r.invoice_count;
  }
  out << Tr(l, "Lots de facturation : ", "Invoice runs: ")
      << FormatInteger(static_cast<int64_t>(runs->size()), l)
      << Tr(l, " (en vigueur : ", " (current: ") << FormatInteger(current, l) << ", "
      << FormatInteger(invoices, l) << Tr(l, " factures)", " invoices)") << "\n";
  return 0;
}

int RunCheckDb(const Context& c) {
  auto opened = Open(c, /*migrate=*/false);
  if (!opened.ok()) return Fail(c, opened.error());
  auto checks = fbr::CheckDatabase(**opened);
  if (!checks.ok()) return Fail(c, checks.error());
  for (const std::string& check : *checks) *c.out << "ok  " << check << "\n";
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
    *c.out << p.ToString() << "  " << core::PeriodTypeName(p.type()) << "  " << p.start().ToString()
           << " .. " << p.end().ToString() << "  (" << p.Days() << Tr(c.language, " jours", " days")
           << ")  " << Tr(c.language, "précédente ", "previous ") << p.Previous().ToString() << "  "
           << Tr(c.language, "suivante ", "next ") << p.Next().ToString();
    if (auto quarter = p.Quarter(); quarter.ok() && quarter->type() != p.type()) {
      *c.out << "  " << Tr(c.language, "trimestre ", "quarter ") << quarter->ToString();
    }
    if (auto year = p.Year(); year.ok() && year->type() != p.type()) {
      *c.out << "  " << Tr(c.language, "année ", "year ") << year->ToString();
    }
    *c.out << "\n";
  }
  return status;
}

namespace {

core::Result<std::string> ReadWholeFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary | std::ios::ate);
  if (!in) return core::NotFound("cannot open the file", path);
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

int ImportMetadata(const Context& c, store::Store& store, const ImportCommandOptions& options) {
  auto bytes = ReadWholeFile(options.file);
  if (!bytes.ok()) return Fail(c, bytes.error());
  auto read = io::ReadDhis2Metadata(*bytes, options.file);
  if (!read.ok()) return Fail(c, read.error());
  const core::MetadataBundle& b = read->bundle;
  const Language l = c.language;
  if (!options.dry_run) {
    core::Status saved =
        store.SaveMetadata(b, store::Actor{c.user, "file:" + options.file, options.reason});
    if (!saved.ok()) return Fail(c, saved.error());
  }
  *c.out << (options.dry_run
                 ? Tr(l, "[essai à blanc : rien n'a été écrit] ", "[dry run: nothing written] ")
                 : "")
         << Tr(l, "Métadonnées importées : ", "Metadata imported: ")
         << FormatInteger(static_cast<int64_t>(b.org_units.size()), l)
         << Tr(l, " unités d'organisation, ", " org units, ") << b.org_unit_groups.size()
         << Tr(l, " groupes, ", " groups, ") << b.data_elements.size()
         << Tr(l, " éléments de données, ", " data elements, ") << b.data_sets.size()
         << Tr(l, " ensembles de données, ", " data sets, ") << b.categories.option_combos.size()
         << Tr(l, " combinaisons d'options.\n", " option combos.\n");
  for (const std::string& line : read->ignored) {
    *c.out << Tr(l, "  non repris : ", "  not kept: ") << line << "\n";
  }
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
      std::ofstream file(options.json);
      file << json << "\n";
      if (!file) {
        return Fail(c, core::Unavailable("cannot write the JSON summary", options.json));
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
    if (!file) return Fail(c, core::Unavailable("cannot create the file", options.file));
    out = &file;
  }
  if (options.metadata) {
    auto metadata = store.LoadMetadata();
    if (!metadata.ok()) return Fail(c, metadata.error());
    auto json = io::WriteDhis2Metadata(*metadata);
    if (!json.ok()) return Fail(c, json.error());
    *out << *json << "\n";
    if (!*out) return Fail(c, core::Unavailable("cannot write the export", options.file));
    if (options.file != "-") {
      *c.err << Tr(c.language, "Métadonnées exportées dans ", "Metadata exported to ")
             << options.file << "\n";
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
    *c.err << FormatInteger(*written, c.language)
           << Tr(c.language, " valeurs exportées dans ", " values exported to ") << options.file
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

// ---- DHIS2 ----

namespace {

core::Result<std::unique_ptr<io::Dhis2Client>> ConnectDhis2(const Dhis2CommandOptions& options) {
  io::Dhis2ClientOptions client;
  client.base_url = options.url;
  if (client.base_url.empty()) {
    if (const char* url = std::getenv("KENEYA_DHIS2_URL")) client.base_url = url;
  }
  if (client.base_url.empty()) {
    return core::InvalidArgument("no DHIS2 server: give --url or KENEYA_DHIS2_URL", "--url");
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
    return core::InvalidArgument(
        "no DHIS2 credentials: set KENEYA_DHIS2_TOKEN (a personal access token), or "
        "--dhis2-user (or KENEYA_DHIS2_USER) with KENEYA_DHIS2_PASSWORD",
        "credentials");
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
  *c.out << Tr(c.language, "DHIS2 ", "DHIS2 ") << (*client)->base_url()
         << Tr(c.language, " : connecté en tant que ", ": signed in as ") << me->username << " ("
         << me->name << "), " << me->org_unit_uids.size()
         << Tr(c.language, " unité(s) d'organisation de saisie\n", " data capture org unit(s)\n");
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
  const Language l = c.language;
  *c.out << (options.dry_run
                 ? Tr(l, "[essai à blanc : rien n'a été écrit] ", "[dry run: nothing written] ")
                 : "")
         << Tr(l, "Métadonnées DHIS2 reçues : ", "DHIS2 metadata received: ")
         << FormatInteger(static_cast<int64_t>(bundle.org_units.size()), l)
         << Tr(l, " unités d'organisation, ", " org units, ") << bundle.data_elements.size()
         << Tr(l, " éléments de données, ", " data elements, ") << bundle.data_sets.size()
         << Tr(l, " ensembles de données.\n", " data sets.\n");
  for (const auto* ignored : {&pyramid->ignored, &metadata->ignored}) {
    for (const std::string& line : *ignored) {
      *c.out << Tr(l, "  non repris : ", "  not kept: ") << line << "\n";
    }
  }
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
                core::InvalidArgument("give --data-set, --period and --org-unit", "pull-values"));
  }
  auto metadata = store.LoadMetadata();
  if (!metadata.ok()) return Fail(c, metadata.error());
  io::DataValuePull pull;
  pull.data_sets = options.data_sets;
  pull.periods = options.periods;
  pull.org_units = io::OrgUnitSubtree(*metadata, options.org_unit);
  if (pull.org_units.empty()) {
    return Fail(c, core::NotFound("org unit " + options.org_unit +
                                      " is not in the database; run keneya dhis2 pull-metadata "
                                      "first",
                                  "--org-unit"));
  }
  io::ImportOptions import;
  import.state = options.state.empty() ? "declared" : options.state;
  import.dry_run = options.dry_run;
  import.actor = store::Actor{c.user, "dhis2:" + (*client)->base_url(), ""};
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
  ProgressPrinter progress(*c.err, c.language, c.interactive);
  auto result = (*client)->PushDataValues(*values, push, progress.AsFunction());
  progress.Finish();
  if (!result.ok()) return Fail(c, result.error());
  *c.out << io::PushResultText(*result, c.language);
  if (!options.json.empty()) {
    std::ofstream file(options.json);
    file << io::ImportSummaryJson(io::PushSummary(*result)) << "\n";
    if (!file) return Fail(c, core::Unavailable("cannot write the JSON summary", options.json));
  }
  if (!result->complete()) return 1;
  return result->status == io::ImportStatus::kSuccess ? 0 : 3;
}

int RunSolve(const Context& c, const std::string& file) {
  // The file, its equations and the solution stay allocated when this returns: `keneya solve`
  // ends right after, and the system takes the memory back faster than a million frees would.
  core::Result<std::unique_ptr<io::EquationFile>> equations = core::Internal("not read");
  if (file == "-") {
    std::ostringstream in;
    in << std::cin.rdbuf();
    equations = io::ReadEquationFile(in.str(), "stdin");
  } else {
    equations = io::LoadEquationFile(file);
  }
  if (!equations.ok()) {
    if (equations.error().code == core::ErrorCode::kNotFound) return Fail(c, equations.error());
    // hesabucli's answer to a file it cannot read, with Keneya's place of the problem.
    rules::SolveResult invalid;
    invalid.errors.push_back({"general", "general",
                              equations.error().message + " (" + equations.error().where + ")", 0});
    *c.out << io::WriteSolution(invalid);
    return 1;
  }
  io::EquationFile* kept = std::move(equations).value().release();
  auto* result = new rules::SolveResult(rules::SolveEquations(kept->equations()));
  *c.out << io::WriteSolution(*result);
  c.out->flush();
  return result->ok() ? 0 : 1;
}

}  // namespace keneya::cli
