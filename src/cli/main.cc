// `keneya`: the command line. Parses options with CLI11 and calls the commands in commands.h.
#include <pwd.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cstdlib>
#include <iostream>

#include "cli/commands.h"

namespace {

using keneya::core::Language;
using keneya::core::Tr;

std::string OperatingSystemUser() {
  if (const passwd* entry = getpwuid(geteuid()); entry != nullptr && entry->pw_name != nullptr) {
    return entry->pw_name;
  }
  if (const char* user = std::getenv("USER")) return user;
  return "unknown";
}

// The language is needed before parsing (help texts are in it): --lang on the command line,
// then KENEYA_LANG, then French.
Language DetectLanguage(int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--lang" && i + 1 < argc) return keneya::core::ParseLanguage(argv[i + 1]);
    if (arg.rfind("--lang=", 0) == 0) return keneya::core::ParseLanguage(arg.substr(7));
  }
  if (const char* lang = std::getenv("KENEYA_LANG")) return keneya::core::ParseLanguage(lang);
  return Language::kFrench;
}

int Main(int argc, char** argv) {
  const Language l = DetectLanguage(argc, argv);
  auto T = [l](const char* fr, const char* en) { return std::string(Tr(l, fr, en)); };

  keneya::cli::Context context;
  context.out = &std::cout;
  context.err = &std::cerr;
  context.language = l;
  context.interactive = isatty(STDERR_FILENO) != 0;
  context.user = OperatingSystemUser();
  if (const char* db = std::getenv("KENEYA_DB")) context.db = db;

  CLI::App app{
      T("Keneya : financement basé sur les résultats (FBR) et finances de la santé "
        "communautaire au Mali.",
        "Keneya: results-based financing (PBF) and community health finance in Mali.")};
  app.set_version_flag("--version", std::string("keneya ") + keneya::cli::Version());
  app.require_subcommand(1);
  app.fallthrough();
  std::string lang_option;
  app.add_option("--db", context.db,
                 T("base de données : fichier SQLite ou URL postgresql:// (défaut keneya.db, ou "
                   "KENEYA_DB)",
                   "database: an SQLite file or a postgresql:// URL (default keneya.db, or "
                   "KENEYA_DB)"));
  app.add_option("--user", context.user,
                 T("nom de l'opérateur inscrit au journal d'audit (défaut : l'utilisateur du "
                   "système)",
                   "operator name written to the audit trail (default: the system user)"));
  app.add_option("--lang", lang_option, T("langue : fr ou en", "language: fr or en"))
      ->check(CLI::IsMember({"fr", "en"}));

  keneya::cli::DemoOptions demo;
  CLI::App* demo_command = app.add_subcommand(
      "demo", T("construit la base de démonstration nationale (pyramide, indicateurs FBR, "
                "2021-2024)",
                "builds the national demo database (pyramid, FBR indicators, 2021-2024)"));
  demo_command->add_option("--seed", demo.seed, T("graine du générateur", "generator seed"))
      ->capture_default_str();
  demo_command->add_option("--from", demo.first_year, T("première année", "first year"))
      ->capture_default_str()
      ->check(CLI::Range(2000, 2100));
  demo_command->add_option("--to", demo.last_year, T("dernière année", "last year"))
      ->capture_default_str()
      ->check(CLI::Range(2000, 2100));
  demo_command->add_flag(
      "--replace", demo.replace,
      T("supprime d'abord le fichier SQLite existant", "deletes the existing SQLite file first"));

  keneya::cli::ServeOptions serve;
  CLI::App* serve_command =
      app.add_subcommand("serve", T("sert l'API HTTP (état de santé sur /api/health)",
                                    "serves the HTTP API (health check on /api/health)"));
  serve_command->add_option("--host", serve.host, T("adresse d'écoute", "address to listen on"))
      ->capture_default_str();
  serve_command->add_option("--port", serve.port, T("port d'écoute", "port to listen on"))
      ->capture_default_str()
      ->check(CLI::Range(0, 65535));

  CLI::App* migrate_command = app.add_subcommand(
      "migrate", T("met le schéma de la base à jour", "brings the database schema up to date"));
  CLI::App* info_command = app.add_subcommand(
      "info", T("résume le contenu de la base", "summarises what the database holds"));
  CLI::App* check_command = app.add_subcommand(
      "check-db", T("vérifie la cohérence de la base (intégrité, références, imports)",
                    "checks the database's consistency (integrity, references, imports)"));

  std::vector<std::string> periods;
  CLI::App* period_command = app.add_subcommand(
      "period", T("analyse des identifiants de période DHIS2 (202301, 2023Q1, 2023W5, ...)",
                  "parses DHIS2 period identifiers (202301, 2023Q1, 2023W5, ...)"));
  period_command->add_option("periods", periods, T("identifiants", "identifiers"))->required();

  CLI::App* bench_command =
      app.add_subcommand("bench", T("mesures de performance", "performance benchmarks"));
  bench_command->require_subcommand(1);
  keneya::cli::BenchStoreOptions bench_store;
  CLI::App* bench_store_command = bench_command->add_subcommand(
      "store", T("chargement en masse de 1 000 000 de valeurs neuves puis modifiées, SQLite et "
                 "PostgreSQL",
                 "bulk load of 1,000,000 new then changed values, SQLite and PostgreSQL"));
  bench_store_command
      ->add_option("--values", bench_store.values, T("nombre de valeurs", "number of values"))
      ->capture_default_str()
      ->check(CLI::Range(int64_t{1000}, int64_t{100'000'000}));
  bench_store_command
      ->add_option("--runs", bench_store.runs,
                   T("répétitions par moteur (médiane)", "runs per engine (median)"))
      ->capture_default_str()
      ->check(CLI::Range(1, 50));
  bench_store_command->add_option("--postgres", bench_store.postgres,
                                  T("URL PostgreSQL (le schéma keneya_bench y est recréé)",
                                    "PostgreSQL URL (its keneya_bench schema is recreated)"));
  bench_store_command->add_option(
      "--dir", bench_store.directory,
      T("répertoire du fichier SQLite", "directory of the SQLite file"));
  bool no_sqlite = false;
  bench_store_command->add_flag("--no-sqlite", no_sqlite,
                                T("ne mesure que PostgreSQL", "measures PostgreSQL only"));

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }

  if (demo_command->parsed()) return keneya::cli::RunDemo(context, demo);
  if (serve_command->parsed()) return keneya::cli::RunServe(context, serve);
  if (migrate_command->parsed()) return keneya::cli::RunMigrate(context);
  if (info_command->parsed()) return keneya::cli::RunInfo(context);
  if (check_command->parsed()) return keneya::cli::RunCheckDb(context);
  if (period_command->parsed()) return keneya::cli::RunPeriod(context, periods);
  if (bench_store_command->parsed()) {
    bench_store.sqlite = !no_sqlite;
    return keneya::cli::RunBenchStore(context, bench_store);
  }
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  // The one last-resort catch of the program: a bug, reported, not a crash dump.
  try {
    return Main(argc, argv);
  } catch (const std::exception& e) {
    std::cerr << "keneya: unexpected failure: " << e.what() << "\n";
    return 70;
  }
}
