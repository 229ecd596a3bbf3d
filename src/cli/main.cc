// `keneya`: the command line. Parses options with CLI11 and calls the commands in commands.h.
#include <pwd.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cstdlib>
#include <iostream>

#include "cli/commands.h"
#include "cli/fbr_commands.h"
#include "core/i18n.h"

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
  app.set_version_flag("--version", std::string("keneya ") + keneya::cli::Version(),
                       T("affiche la version et quitte", "displays the version and exits"));
  app.set_help_flag("-h,--help", T("affiche cette aide et quitte", "prints this help and exits"));
  if (l == Language::kFrench) {
    // Subcommands take the formatter, the help flag and the group of their parent.
    auto formatter = app.get_formatter();
    formatter->label("Usage", "Utilisation");
    formatter->label("SUBCOMMAND", "SOUS-COMMANDE");
    formatter->label("SUBCOMMANDS", "SOUS-COMMANDES");
    formatter->label("REQUIRED", "OBLIGATOIRE");
    formatter->label("Positionals", "Arguments");
    formatter->label("Excludes", "Exclut");
    formatter->label("Needs", "Nécessite");
    formatter->label("TEXT", "TEXTE");
    formatter->label("INT", "ENTIER");
    formatter->label("UINT", "ENTIER");
    formatter->label("FLOAT", "NOMBRE");
    app.group("Sous-commandes");
  }
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

  keneya::cli::ImportCommandOptions import;
  CLI::App* import_command = app.add_subcommand(
      "import", T("importe un ensemble de valeurs DHIS2 (JSON, XML, CSV, ADX) ou des métadonnées "
                  "DHIS2 (--metadata)",
                  "imports a DHIS2 data value set (JSON, XML, CSV, ADX) or DHIS2 metadata "
                  "(--metadata)"));
  import_command->add_option("file", import.file, T("fichier à importer", "file to import"))
      ->required();
  import_command->add_option("--format", import.format,
                             T("json, xml, csv ou adx (défaut : d'après le fichier)",
                               "json, xml, csv or adx (default: from the file)"));
  import_command->add_flag("--metadata", import.metadata,
                           T("le fichier contient des métadonnées DHIS2 (JSON)",
                             "the file holds DHIS2 metadata (JSON)"));
  import_command
      ->add_option("--state", import.state,
                   T("étape FBR des valeurs (declared, verified, validated...)",
                     "FBR state of the values (declared, verified, validated...)"))
      ->capture_default_str();
  import_command
      ->add_option("--strategy", import.strategy,
                   T("CREATE_AND_UPDATE, CREATE, UPDATE ou DELETE",
                     "CREATE_AND_UPDATE, CREATE, UPDATE or DELETE"))
      ->capture_default_str();
  import_command->add_flag("--dry-run", import.dry_run,
                           T("essai à blanc : tout vérifier, ne rien écrire",
                             "dry run: check everything, write nothing"));
  import_command->add_flag("--atomic", import.atomic,
                           T("tout ou rien : le moindre conflit refuse le fichier entier",
                             "all or nothing: any conflict refuses the whole file"));
  for (auto [name, target] :
       {std::pair{"--id-scheme", &import.id_scheme},
        std::pair{"--data-set-id-scheme", &import.data_set_id_scheme},
        std::pair{"--data-element-id-scheme", &import.data_element_id_scheme},
        std::pair{"--org-unit-id-scheme", &import.org_unit_id_scheme},
        std::pair{"--category-option-combo-id-scheme", &import.category_option_combo_id_scheme},
        std::pair{"--category-id-scheme", &import.category_id_scheme}}) {
    import_command->add_option(
        name, *target,
        T("UID, CODE, NAME ou ATTRIBUTE:<uid>", "UID, CODE, NAME or ATTRIBUTE:<uid>"));
  }
  for (auto [name, target] :
       {std::pair{"--strict-periods", &import.strict_periods},
        std::pair{"--strict-data-elements", &import.strict_data_elements},
        std::pair{"--strict-category-option-combos", &import.strict_category_option_combos},
        std::pair{"--strict-attribute-option-combos", &import.strict_attribute_option_combos},
        std::pair{"--strict-org-units", &import.strict_org_units},
        std::pair{"--require-category-option-combo", &import.require_category_option_combo},
        std::pair{"--require-attribute-option-combo", &import.require_attribute_option_combo}}) {
    import_command->add_flag(
        name, *target,
        T("option stricte de DHIS2 du même nom", "DHIS2's strict option of the same name"));
  }
  import_command->add_option("--json", import.json,
                             T("écrit le résumé JSON de DHIS2 dans ce fichier (- : la sortie)",
                               "writes DHIS2's JSON summary to this file (-: standard output)"));
  import_command->add_option("--reason", import.reason,
                             T("motif inscrit au journal d'audit", "reason for the audit trail"));

  keneya::cli::ExportCommandOptions export_options;
  CLI::App* export_command = app.add_subcommand(
      "export", T("exporte les valeurs d'une étape (JSON, XML, CSV, ADX) ou les métadonnées",
                  "exports the values of one state (JSON, XML, CSV, ADX) or the metadata"));
  export_command
      ->add_option(
          "file", export_options.file,
          T("fichier à écrire (- : la sortie standard)", "file to write (-: standard output)"))
      ->capture_default_str();
  export_command->add_option("--format", export_options.format,
                             T("json, xml, csv ou adx (défaut : d'après le fichier)",
                               "json, xml, csv or adx (default: from the file)"));
  export_command->add_flag(
      "--metadata", export_options.metadata,
      T("exporte les métadonnées (JSON DHIS2)", "exports the metadata (DHIS2 JSON)"));
  export_command->add_option("--state", export_options.state, T("étape FBR", "FBR state"))
      ->capture_default_str();
  export_command->add_option("--data-set", export_options.data_sets,
                             T("uid d'ensemble de données", "data set uid"));
  export_command->add_option("--period", export_options.periods,
                             T("période DHIS2", "DHIS2 period"));
  export_command->add_option("--org-unit", export_options.org_unit,
                             T("uid de la racine du sous-arbre", "uid of the subtree root"));
  export_command
      ->add_option("--id-scheme", export_options.id_scheme,
                   T("UID, CODE, NAME ou ATTRIBUTE:<uid>", "UID, CODE, NAME or ATTRIBUTE:<uid>"))
      ->capture_default_str();
  export_command->add_flag("--include-deleted", export_options.include_deleted,
                           T("inclut les valeurs supprimées", "includes deleted values"));

  keneya::cli::Dhis2CommandOptions dhis2;
  CLI::App* dhis2_command = app.add_subcommand(
      "dhis2", T("échange avec un serveur DHIS2 (mot de passe : KENEYA_DHIS2_PASSWORD ; jeton : "
                 "KENEYA_DHIS2_TOKEN)",
                 "exchange with a DHIS2 server (password: KENEYA_DHIS2_PASSWORD; token: "
                 "KENEYA_DHIS2_TOKEN)"));
  dhis2_command->require_subcommand(1);
  auto dhis2_connection = [&](CLI::App* command) {
    command->add_option("--url", dhis2.url,
                        T("adresse du serveur DHIS2 (ou KENEYA_DHIS2_URL)",
                          "DHIS2 server address (or KENEYA_DHIS2_URL)"));
    command->add_option(
        "--dhis2-user", dhis2.user,
        T("utilisateur DHIS2 (ou KENEYA_DHIS2_USER)", "DHIS2 user (or KENEYA_DHIS2_USER)"));
    command->add_option(
        "--ca-cert", dhis2.ca_cert,
        T("certificats d'autorité (PEM) du serveur", "server CA certificates (PEM)"));
  };
  auto dhis2_selection = [&](CLI::App* command) {
    command->add_option("--data-set", dhis2.data_sets,
                        T("uid d'ensemble de données", "data set uid"));
    command->add_option("--period", dhis2.periods, T("période DHIS2", "DHIS2 period"));
    command->add_option("--org-unit", dhis2.org_unit,
                        T("uid de la racine du sous-arbre", "uid of the subtree root"));
    command->add_option("--state", dhis2.state, T("étape FBR", "FBR state"));
    command->add_flag("--dry-run", dhis2.dry_run,
                      T("essai à blanc : rien n'est écrit", "dry run: nothing is written"));
  };
  CLI::App* dhis2_check = dhis2_command->add_subcommand(
      "check", T("vérifie l'adresse et les identifiants", "checks the address and credentials"));
  dhis2_connection(dhis2_check);
  CLI::App* dhis2_pull_metadata = dhis2_command->add_subcommand(
      "pull-metadata", T("reçoit la pyramide et les métadonnées de DHIS2",
                         "receives the pyramid and the metadata from DHIS2"));
  dhis2_connection(dhis2_pull_metadata);
  dhis2_pull_metadata->add_flag(
      "--dry-run", dhis2.dry_run,
      T("essai à blanc : rien n'est écrit", "dry run: nothing is written"));
  CLI::App* dhis2_pull_values = dhis2_command->add_subcommand(
      "pull-values", T("reçoit des valeurs de DHIS2 (par lots d'unités et de périodes)",
                       "receives values from DHIS2 (in batches of org units and periods)"));
  dhis2_connection(dhis2_pull_values);
  dhis2_selection(dhis2_pull_values);
  CLI::App* dhis2_push = dhis2_command->add_subcommand(
      "push", T("envoie des valeurs à DHIS2 par lots parallèles, reprise possible (--journal)",
                "sends values to DHIS2 in parallel batches, resumable (--journal)"));
  dhis2_connection(dhis2_push);
  dhis2_selection(dhis2_push);
  dhis2_push->add_option("--journal", dhis2.journal,
                         T("journal de l'envoi : relancer avec le même reprend où il s'est arrêté",
                           "journal of the push: running again with it resumes where it stopped"));
  dhis2_push
      ->add_option("--batch-size", dhis2.batch_size, T("valeurs par requête", "values per request"))
      ->capture_default_str()
      ->check(CLI::Range(size_t{1}, size_t{100'000}));
  dhis2_push
      ->add_option("--parallel", dhis2.parallel, T("requêtes simultanées", "requests at once"))
      ->capture_default_str()
      ->check(CLI::Range(1, 32));
  dhis2_push->add_option("--strategy", dhis2.strategy,
                         T("importStrategy de DHIS2", "DHIS2's importStrategy"));
  dhis2_push->add_option(
      "--json", dhis2.json,
      T("écrit le résumé JSON dans ce fichier", "writes the JSON summary to this file"));

  std::string solve_file;
  CLI::App* solve_command = app.add_subcommand(
      "solve", T("résout un ensemble d'équations nommées (JSON de hesabucli) : la solution ou les "
                 "erreurs",
                 "solves a set of named equations (hesabucli's JSON): the solution or the errors"));
  solve_command
      ->add_option(
          "file", solve_file,
          T("fichier JSON, ou - pour l'entrée standard", "JSON file, or - for standard input"))
      ->required();

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
  keneya::cli::BenchStoreOptions bench_import;
  CLI::App* bench_import_command = bench_command->add_subcommand(
      "import", T("import de bout en bout d'un fichier JSON DHIS2 de 1 000 000 de valeurs, "
                  "neuves puis modifiées, SQLite et PostgreSQL",
                  "end-to-end import of a 1,000,000-value DHIS2 JSON file, new then changed "
                  "values, SQLite and PostgreSQL"));
  bench_import_command
      ->add_option("--values", bench_import.values, T("nombre de valeurs", "number of values"))
      ->capture_default_str()
      ->check(CLI::Range(int64_t{1000}, int64_t{100'000'000}));
  bench_import_command
      ->add_option("--runs", bench_import.runs,
                   T("répétitions par moteur (médiane)", "runs per engine (median)"))
      ->capture_default_str()
      ->check(CLI::Range(1, 50));
  bench_import_command->add_option(
      "--postgres", bench_import.postgres,
      T("URL PostgreSQL (le schéma keneya_import_bench y est recréé)",
        "PostgreSQL URL (its keneya_import_bench schema is recreated)"));
  bench_import_command->add_option("--dir", bench_import.directory,
                                   T("répertoire des fichiers", "directory for the files"));
  bool import_no_sqlite = false;
  bench_import_command->add_flag("--no-sqlite", import_no_sqlite,
                                 T("ne mesure que PostgreSQL", "measures PostgreSQL only"));

  auto run_fbr_command = keneya::cli::AddFbrCommands(app, context);

  keneya::cli::BenchRulesOptions bench_rules;
  CLI::App* bench_rules_command = bench_command->add_subcommand(
      "rules", T("moteur de règles sur le scénario de référence : 2 000 formations (mois et "
                 "trimestre), 20 000 et 100 000",
                 "rules engine on the reference scenario: 2,000 facilities (month and quarter), "
                 "20,000 and 100,000"));
  bench_rules_command
      ->add_option("--facilities", bench_rules.facilities,
                   T("un seul nombre de formations", "a single number of facilities"))
      ->check(CLI::Range(1, 10'000'000));
  bench_rules_command
      ->add_option("--period", bench_rules.period,
                   T("month (défaut) ou quarter, avec --facilities",
                     "month (default) or quarter, with --facilities"))
      ->check(CLI::IsMember({"month", "quarter"}));
  bench_rules_command
      ->add_option("--runs", bench_rules.runs, T("répétitions (médiane)", "runs (median)"))
      ->capture_default_str()
      ->check(CLI::Range(1, 100));
  bench_rules_command
      ->add_option("--threads", bench_rules.threads,
                   T("fils d'exécution (0 : tous les cœurs)", "threads (0: every core)"))
      ->check(CLI::Range(0, 256));
  bench_rules_command->add_option("--seed", bench_rules.seed, T("graine", "seed"));
  bench_rules_command
      ->add_option("--inputs", bench_rules.inputs,
                   T("jeu d'équations Hesabu dont prendre les entrées (batch_month_100.json)",
                     "Hesabu equation set to take the inputs from (batch_month_100.json)"))
      ->check(CLI::ExistingFile);
  bench_rules_command->add_option(
      "--write-equations", bench_rules.write_equations,
      T("écrit les équations du calcul (JSON de hesabucli) pour keneya solve",
        "writes the run's equations (hesabucli's JSON) for keneya solve"));
  bench_rules_command->add_option("--write-values", bench_rules.write_values,
                                  T("écrit les valeurs du moteur, par nom d'équation",
                                    "writes the engine's values by equation name"));
  bench_rules_command->add_flag(
      "--solve", bench_rules.solve,
      T("chronomètre keneya solve (un processus) sur les équations écrites",
        "times keneya solve (a process) on the equations written"));

  keneya::cli::BenchInvoicesOptions bench_invoices;
  CLI::App* bench_invoices_command = bench_command->add_subcommand(
      "invoices", T("un trimestre du programme de démonstration de bout en bout (lecture, calcul, "
                    "enregistrement des factures)",
                    "one quarter of the demo program end to end (read, compute, store invoices)"));
  bench_invoices_command->add_option(
      "--demo-db", bench_invoices.database,
      T("base de démonstration existante, à laquelle les lots mesurés s'ajoutent (défaut : "
        "construite pour la mesure)",
        "an existing demo database, to which the runs measured are added (default: built for "
        "the bench)"));
  bench_invoices_command->add_option("--period", bench_invoices.period, T("trimestre", "quarter"))
      ->capture_default_str();
  bench_invoices_command
      ->add_option("--runs", bench_invoices.runs, T("répétitions (médiane)", "runs (median)"))
      ->capture_default_str()
      ->check(CLI::Range(1, 50));

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    if (e.get_exit_code() == 0) return app.exit(e);  // --help, --version
    std::cerr << T("erreur : ", "error: ") << keneya::core::Localize(e.what(), l) << "\n"
              << T("(keneya COMMANDE --help donne les options)\n",
                   "(keneya COMMAND --help lists the options)\n");
    return e.get_exit_code();
  }

  if (auto code = run_fbr_command()) return *code;
  if (demo_command->parsed()) return keneya::cli::RunDemo(context, demo);
  if (serve_command->parsed()) return keneya::cli::RunServe(context, serve);
  if (import_command->parsed()) return keneya::cli::RunImport(context, import);
  if (export_command->parsed()) return keneya::cli::RunExport(context, export_options);
  if (dhis2_check->parsed()) return keneya::cli::RunDhis2Check(context, dhis2);
  if (dhis2_pull_metadata->parsed()) return keneya::cli::RunDhis2PullMetadata(context, dhis2);
  if (dhis2_pull_values->parsed()) return keneya::cli::RunDhis2PullValues(context, dhis2);
  if (dhis2_push->parsed()) return keneya::cli::RunDhis2Push(context, dhis2);
  if (solve_command->parsed()) return keneya::cli::RunSolve(context, solve_file);
  if (migrate_command->parsed()) return keneya::cli::RunMigrate(context);
  if (info_command->parsed()) return keneya::cli::RunInfo(context);
  if (check_command->parsed()) return keneya::cli::RunCheckDb(context);
  if (period_command->parsed()) return keneya::cli::RunPeriod(context, periods);
  if (bench_invoices_command->parsed())
    return keneya::cli::RunBenchInvoices(context, bench_invoices);
  if (bench_rules_command->parsed()) {
    if (bench_rules.solve && bench_rules.write_equations.empty()) {
      std::cerr << T("--solve demande --write-equations", "--solve needs --write-equations")
                << "\n";
      return 2;
    }
    return keneya::cli::RunBenchRules(context, bench_rules);
  }
  if (bench_import_command->parsed()) {
    bench_import.sqlite = !import_no_sqlite;
    return keneya::cli::RunBenchImport(context, bench_import);
  }
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
