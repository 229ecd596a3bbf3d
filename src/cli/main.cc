// `keneya`: the command line. Parses options with CLI11 and calls the commands in commands.h.
#include <malloc.h>
#include <pwd.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cstdlib>
#include <iostream>
#include <optional>
#include <string_view>
#include <vector>

#include "cli/cli_util.h"
#include "cli/commands.h"
#include "cli/fbr_commands.h"
#include "cli/user_commands.h"
#include "core/date.h"
#include "core/message.h"

namespace {

using keneya::core::Language;
using keneya::core::Message;
using keneya::core::MessageArg;
using keneya::core::Text;

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

// ---- CLI11's texts, by id ----
//
// CLI11 writes its errors, and the type names of its help, in English. The messages that say
// them in the catalogue (cli.parse.*, cli.help.*) have CLI11's English word for word: a text CLI11
// wrote is read back into its message by matching it against that English.

// The catalogue's English text of `id`.
std::string_view English(std::string_view id) {
  for (const keneya::core::CatalogueEntry& entry : keneya::core::Catalogue()) {
    if (entry.id == id) return entry.en;
  }
  return {};
}

// Reads `text` as the English of message `id` ("--program is required" as "{name} is required"):
// the message's arguments, as text, or nothing if the text has another form.
std::optional<std::vector<MessageArg>> ReadAs(std::string_view id, std::string_view text) {
  const std::string_view english = English(id);
  // The English cut at its {name}s: literal pieces, one more than the names.
  std::vector<std::string_view> names = keneya::core::Placeholders(english);
  std::vector<std::string_view> pieces;
  size_t start = 0;
  for (std::string_view name : names) {
    const size_t at = english.find("{" + std::string(name) + "}", start);
    pieces.push_back(english.substr(start, at - start));
    start = at + name.size() + 2;
  }
  pieces.push_back(english.substr(start));
  if (!text.starts_with(pieces.front())) return std::nullopt;
  if (names.empty()) {
    if (text.size() != english.size()) return std::nullopt;
    return std::vector<MessageArg>{};
  }
  std::vector<MessageArg> args;
  size_t at = pieces.front().size();
  for (size_t i = 1; i + 1 < pieces.size(); ++i) {
    // A value ends where the next piece is first found.
    const size_t found = text.find(pieces[i], at);
    if (found == std::string_view::npos) return std::nullopt;
    args.emplace_back(names[i - 1], text.substr(at, found - at));
    at = found + pieces[i].size();
  }
  const std::string_view last = pieces.back();
  if (text.size() < at + last.size() || !text.ends_with(last)) return std::nullopt;
  args.emplace_back(names.back(), text.substr(at, text.size() - last.size() - at));
  return args;
}

MessageArg Named(std::string_view name, MessageArg arg) {
  arg.name = name;
  return arg;
}

std::string Rendered(const MessageArg& arg, Language language) {
  return arg.message ? keneya::core::Render(*arg.message, language) : arg.text;
}

// A type name as CLI11 writes it in help and errors: a type, then what a validator asks of the
// value, each after a colon ("INT", "INT:INT in [0 - 65535]", "TEXT:{fr,en}", "TEXT:FILE"). A
// part CLI11 has no words for (a set of values) is shown as it is.
MessageArg TypeName(std::string_view name, std::string_view text) {
  struct Type {
    std::string_view type, id;
  };
  static constexpr Type kTypes[] = {{"TEXT", "cli.help.type.text"},
                                    {"INT", "cli.help.type.int"},
                                    {"UINT", "cli.help.type.uint"},
                                    {"FLOAT", "cli.help.type.float"},
                                    {"FILE", "cli.help.check.file"}};
  const auto part = [](std::string_view part_name, std::string_view part_text) -> MessageArg {
    for (const Type& type : kTypes) {
      if (part_text == type.type) return MessageArg(part_name, Message(type.id));
    }
    if (auto range = ReadAs("cli.help.check.range", part_text)) {  // "INT in [0 - 65535]"
      for (MessageArg& arg : *range) {
        if (arg.name == "type") {
          for (const Type& type : kTypes) {
            if (arg.text == type.type) arg = MessageArg("type", Message(type.id));
          }
        }
      }
      return MessageArg(part_name, Message("cli.help.check.range", std::move(*range)));
    }
    return MessageArg(part_name, part_text);
  };
  size_t colon = text.find(':');
  MessageArg out = part(name, text.substr(0, colon));
  while (colon != std::string_view::npos) {
    const size_t next = text.find(':', colon + 1);
    MessageArg check = part("check", text.substr(colon + 1, next - colon - 1));
    out = MessageArg(name, Message("cli.help.type_checked", {Named("type", out), check}));
    colon = next;
  }
  return out;
}

// The help's labels, option groups and type names in `language`, for every command. Call once
// every option is added: the formatter is shared by all commands, and the help flag of a
// subcommand is made before it takes the option group of its parent.
void LocalizeHelp(CLI::App& app, Language language) {
  struct Label {
    std::string_view label, id;
  };
  static constexpr Label kLabels[] = {
      {"Usage", "cli.help.label.usage"},           {"OPTIONS", "cli.help.label.options"},
      {"SUBCOMMAND", "cli.help.label.subcommand"}, {"SUBCOMMANDS", "cli.help.label.subcommands"},
      {"REQUIRED", "cli.help.label.required"},     {"Positionals", "cli.help.label.positionals"},
      {"Excludes", "cli.help.label.excludes"},     {"Needs", "cli.help.label.needs"}};
  const std::shared_ptr<CLI::FormatterBase> formatter = app.get_formatter();
  for (const Label& label : kLabels) {
    formatter->label(std::string(label.label), Text(language, label.id));
  }
  const std::string options = Text(language, "cli.help.group.options");
  std::vector<CLI::App*> commands{&app};
  while (!commands.empty()) {
    CLI::App* command = commands.back();
    commands.pop_back();
    for (CLI::Option* option : command->get_options()) {
      if (option->get_group() == "Options") option->group(options);  // CLI11's default group
      const std::string type = option->get_type_name();
      if (!type.empty()) formatter->label(type, Rendered(TypeName("type", type), language));
    }
    for (CLI::App* sub : command->get_subcommands([](CLI::App*) { return true; })) {
      commands.push_back(sub);
    }
  }
}

// --lang: fr or en. qps, the pseudo-language that marks catalogue texts (docs/MESSAGES.md), is
// accepted but neither offered nor named. CLI11 carries a refusal as text: the catalogue's
// English, which DescribeParseError reads back into its message.
CLI::Validator LanguageValidator() {
  static constexpr std::string_view kOffered = "{fr,en}";
  return CLI::Validator(
      [](std::string& value) {
        if (value == "fr" || value == "en" || value == "qps") return std::string();
        return keneya::core::Render(
            Message("cli.parse.not_one_of", {{"value", value}, {"values", kOffered}}),
            Language::kEnglish);
      },
      std::string(kOffered));
}

template <typename E>
bool Is(const CLI::ParseError& error) {
  return dynamic_cast<const E*>(&error) != nullptr;
}

// What CLI11 says of a command line it refuses, as a message.
Message DescribeParseError(const CLI::ParseError& error) {
  const std::string_view text = error.what();
  if (Is<CLI::ValidationError>(error)) {
    // "--port: Value 70000 not in range 0 to 65535": the option, then what its validator said.
    static constexpr std::string_view kRefusals[] = {
        "cli.parse.not_in_range", "cli.parse.not_converted", "cli.parse.not_one_of",
        "cli.parse.file_missing", "cli.parse.file_is_directory"};
    if (auto parts = ReadAs("cli.parse.invalid_value", text)) {
      const std::string option = (*parts)[0].text, reason = (*parts)[1].text;
      for (std::string_view id : kRefusals) {
        if (auto args = ReadAs(id, reason)) {
          return Message("cli.parse.invalid_value",
                         {{"option", option}, {"reason", Message(id, std::move(*args))}});
        }
      }
      return Message("cli.parse.invalid_value_detail", {{"option", option}, {"detail", reason}});
    }
  }
  // The forms of each error, most particular first.
  struct Form {
    bool (*is)(const CLI::ParseError&);
    std::string_view id;
  };
  static constexpr Form kForms[] = {
      {Is<CLI::RequiredError>, "cli.parse.subcommand_required"},
      {Is<CLI::RequiredError>, "cli.parse.required"},
      {Is<CLI::ExtrasError>, "cli.parse.argument_not_expected"},
      {Is<CLI::ExtrasError>, "cli.parse.arguments_not_expected"},
      {Is<CLI::ConversionError>, "cli.parse.could_not_convert"},
      {Is<CLI::ConversionError>, "cli.parse.not_allowed_value"},
      {Is<CLI::ConversionError>, "cli.parse.flag_too_many_values"},
      {Is<CLI::ConversionError>, "cli.parse.flag_not_true_false"},
      {Is<CLI::ArgumentMismatch>, "cli.parse.expected_exactly"},
      {Is<CLI::ArgumentMismatch>, "cli.parse.expected_at_least"},
      {Is<CLI::ArgumentMismatch>, "cli.parse.at_least"},
      {Is<CLI::ArgumentMismatch>, "cli.parse.at_most"},
      {Is<CLI::ArgumentMismatch>, "cli.parse.value_missing"},
      {Is<CLI::RequiresError>, "cli.parse.requires"},
      {Is<CLI::ExcludesError>, "cli.parse.excludes"},
  };
  for (const Form& form : kForms) {
    if (!form.is(error)) continue;
    if (auto args = ReadAs(form.id, text)) {
      for (MessageArg& arg : *args) {
        if (arg.name == "type") arg = TypeName("type", arg.text);  // "INT:INT in [0 - 65535]"
      }
      return Message(form.id, std::move(*args));
    }
  }
  return Message("cli.parse.other", {{"detail", text}});
}

int Main(int argc, char** argv) {
  const Language l = DetectLanguage(argc, argv);
  const auto text = [l](std::string_view id) { return Text(l, id); };

  keneya::cli::Context context;
  context.out = &std::cout;
  context.err = &std::cerr;
  context.language = l;
  context.interactive = isatty(STDERR_FILENO) != 0;
  context.user = OperatingSystemUser();
  if (const char* db = std::getenv("KENEYA_DB")) context.db = db;

  CLI::App app{text("cli.help.keneya")};
  app.set_version_flag("--version", std::string("keneya ") + keneya::cli::Version(),
                       text("cli.help.version"));
  app.set_help_flag("-h,--help", text("cli.help.help"));
  // Subcommands take the help flag and the group of their parent when they are added.
  app.group(text("cli.help.group.subcommands"));
  app.require_subcommand(1);
  app.fallthrough();
  std::string lang_option;
  app.add_option("--db", context.db, text("cli.help.db"));
  app.add_option("--user", context.user, text("cli.help.user"));
  app.add_option("--lang", lang_option, text("cli.help.lang"))->check(LanguageValidator());

  keneya::cli::DemoOptions demo;
  CLI::App* demo_command = app.add_subcommand("demo", text("cli.help.demo"));
  demo_command->add_option("--seed", demo.seed, text("cli.help.demo.seed"))->capture_default_str();
  demo_command->add_option("--from", demo.first_year, text("cli.help.demo.from"))
      ->capture_default_str()
      ->check(CLI::Range(2000, 2100));
  demo_command->add_option("--to", demo.last_year, text("cli.help.demo.to"))
      ->capture_default_str()
      ->check(CLI::Range(2000, 2100));
  demo_command->add_flag("--replace", demo.replace, text("cli.help.demo.replace"));
  demo_command->add_option("--regions", demo.regions, text("cli.help.demo.regions"));
  demo_command->add_flag("!--without-history", demo.history, text("cli.help.demo.without_history"));

  keneya::cli::ServeOptions serve;
  CLI::App* serve_command = app.add_subcommand("serve", text("cli.help.serve"));
  serve_command->add_option("--host", serve.host, text("cli.help.serve.host"))
      ->capture_default_str();
  serve_command->add_option("--port", serve.port, text("cli.help.serve.port"))
      ->capture_default_str()
      ->check(CLI::Range(0, 65535));
  serve_command->add_option("--config", serve.config, text("cli.help.serve.config"));
  serve_command->add_option("--tls-cert", serve.tls_cert, text("cli.help.serve.tls_cert"));
  serve_command->add_option("--tls-key", serve.tls_key, text("cli.help.serve.tls_key"));
  serve_command->add_option("--static", serve.static_dir, text("cli.help.serve.static"));

  keneya::cli::ImportCommandOptions import;
  CLI::App* import_command = app.add_subcommand("import", text("cli.help.import"));
  import_command->add_option("file", import.file, text("cli.help.import.file"))->required();
  import_command->add_option("--format", import.format, text("cli.help.common.format"));
  import_command->add_flag("--metadata", import.metadata, text("cli.help.import.metadata"));
  import_command->add_option("--state", import.state, text("cli.help.import.state"))
      ->capture_default_str();
  import_command->add_option("--strategy", import.strategy, text("cli.help.import.strategy"))
      ->capture_default_str();
  import_command->add_flag("--dry-run", import.dry_run, text("cli.help.import.dry_run"));
  import_command->add_flag("--atomic", import.atomic, text("cli.help.import.atomic"));
  for (auto [name, target] :
       {std::pair{"--id-scheme", &import.id_scheme},
        std::pair{"--data-set-id-scheme", &import.data_set_id_scheme},
        std::pair{"--data-element-id-scheme", &import.data_element_id_scheme},
        std::pair{"--org-unit-id-scheme", &import.org_unit_id_scheme},
        std::pair{"--category-option-combo-id-scheme", &import.category_option_combo_id_scheme},
        std::pair{"--category-id-scheme", &import.category_id_scheme}}) {
    import_command->add_option(name, *target, text("cli.help.common.id_scheme"));
  }
  for (auto [name, target] :
       {std::pair{"--strict-periods", &import.strict_periods},
        std::pair{"--strict-data-elements", &import.strict_data_elements},
        std::pair{"--strict-category-option-combos", &import.strict_category_option_combos},
        std::pair{"--strict-attribute-option-combos", &import.strict_attribute_option_combos},
        std::pair{"--strict-org-units", &import.strict_org_units},
        std::pair{"--require-category-option-combo", &import.require_category_option_combo},
        std::pair{"--require-attribute-option-combo", &import.require_attribute_option_combo}}) {
    import_command->add_flag(name, *target, text("cli.help.import.strict"));
  }
  import_command->add_option("--json", import.json, text("cli.help.import.json"));
  import_command->add_option("--reason", import.reason, text("cli.help.import.reason"));

  keneya::cli::ExportCommandOptions export_options;
  CLI::App* export_command = app.add_subcommand("export", text("cli.help.export"));
  export_command->add_option("file", export_options.file, text("cli.help.export.file"))
      ->capture_default_str();
  export_command->add_option("--format", export_options.format, text("cli.help.common.format"));
  export_command->add_flag("--metadata", export_options.metadata, text("cli.help.export.metadata"));
  export_command->add_option("--state", export_options.state, text("cli.help.common.state"))
      ->capture_default_str();
  export_command->add_option("--data-set", export_options.data_sets,
                             text("cli.help.common.data_set"));
  export_command->add_option("--period", export_options.periods, text("cli.help.common.period"));
  export_command->add_option("--org-unit", export_options.org_unit,
                             text("cli.help.common.org_unit"));
  export_command
      ->add_option("--id-scheme", export_options.id_scheme, text("cli.help.common.id_scheme"))
      ->capture_default_str();
  export_command->add_flag("--include-deleted", export_options.include_deleted,
                           text("cli.help.export.include_deleted"));

  keneya::cli::Dhis2CommandOptions dhis2;
  CLI::App* dhis2_command = app.add_subcommand("dhis2", text("cli.help.dhis2"));
  dhis2_command->require_subcommand(1);
  auto dhis2_connection = [&](CLI::App* command) {
    command->add_option("--url", dhis2.url, text("cli.help.dhis2.url"));
    command->add_option("--dhis2-user", dhis2.user, text("cli.help.dhis2.user"));
    command->add_option("--ca-cert", dhis2.ca_cert, text("cli.help.dhis2.ca_cert"));
  };
  auto dhis2_selection = [&](CLI::App* command) {
    command->add_option("--data-set", dhis2.data_sets, text("cli.help.common.data_set"));
    command->add_option("--period", dhis2.periods, text("cli.help.common.period"));
    command->add_option("--org-unit", dhis2.org_unit, text("cli.help.common.org_unit"));
    command->add_option("--state", dhis2.state, text("cli.help.common.state"));
    command->add_flag("--dry-run", dhis2.dry_run, text("cli.help.dhis2.dry_run"));
  };
  CLI::App* dhis2_check = dhis2_command->add_subcommand("check", text("cli.help.dhis2.check"));
  dhis2_connection(dhis2_check);
  CLI::App* dhis2_pull_metadata =
      dhis2_command->add_subcommand("pull-metadata", text("cli.help.dhis2.pull_metadata"));
  dhis2_connection(dhis2_pull_metadata);
  dhis2_pull_metadata->add_flag("--dry-run", dhis2.dry_run, text("cli.help.dhis2.dry_run"));
  CLI::App* dhis2_pull_values =
      dhis2_command->add_subcommand("pull-values", text("cli.help.dhis2.pull_values"));
  dhis2_connection(dhis2_pull_values);
  dhis2_selection(dhis2_pull_values);
  CLI::App* dhis2_push = dhis2_command->add_subcommand("push", text("cli.help.dhis2.push"));
  dhis2_connection(dhis2_push);
  dhis2_selection(dhis2_push);
  dhis2_push->add_option("--journal", dhis2.journal, text("cli.help.dhis2.journal"));
  dhis2_push->add_option("--batch-size", dhis2.batch_size, text("cli.help.dhis2.batch_size"))
      ->capture_default_str()
      ->check(CLI::Range(size_t{1}, size_t{100'000}));
  dhis2_push->add_option("--parallel", dhis2.parallel, text("cli.help.dhis2.parallel"))
      ->capture_default_str()
      ->check(CLI::Range(1, 32));
  dhis2_push->add_option("--strategy", dhis2.strategy, text("cli.help.dhis2.strategy"));
  dhis2_push->add_option("--json", dhis2.json, text("cli.help.dhis2.json"));

  std::string solve_file;
  CLI::App* solve_command = app.add_subcommand("solve", text("cli.help.solve"));
  solve_command->add_option("file", solve_file, text("cli.help.solve.file"))->required();

  CLI::App* migrate_command = app.add_subcommand("migrate", text("cli.help.migrate"));
  CLI::App* info_command = app.add_subcommand("info", text("cli.help.info"));
  CLI::App* check_command = app.add_subcommand("check-db", text("cli.help.check_db"));

  std::vector<std::string> periods;
  CLI::App* period_command = app.add_subcommand("period", text("cli.help.period"));
  period_command->add_option("periods", periods, text("cli.help.period.periods"))->required();

  CLI::App* bench_command = app.add_subcommand("bench", text("cli.help.bench"));
  bench_command->require_subcommand(1);
  keneya::cli::BenchStoreOptions bench_store;
  CLI::App* bench_store_command =
      bench_command->add_subcommand("store", text("cli.help.bench.store"));
  bench_store_command->add_option("--values", bench_store.values, text("cli.help.bench.values"))
      ->capture_default_str()
      ->check(CLI::Range(int64_t{1000}, int64_t{100'000'000}));
  bench_store_command
      ->add_option("--runs", bench_store.runs, text("cli.help.bench.runs_per_engine"))
      ->capture_default_str()
      ->check(CLI::Range(1, 50));
  bench_store_command->add_option("--postgres", bench_store.postgres,
                                  text("cli.help.bench.store.postgres"));
  bench_store_command->add_option("--dir", bench_store.directory, text("cli.help.bench.store.dir"));
  bool no_sqlite = false;
  bench_store_command->add_flag("--no-sqlite", no_sqlite, text("cli.help.bench.no_sqlite"));
  keneya::cli::BenchStoreOptions bench_import;
  CLI::App* bench_import_command =
      bench_command->add_subcommand("import", text("cli.help.bench.import"));
  bench_import_command->add_option("--values", bench_import.values, text("cli.help.bench.values"))
      ->capture_default_str()
      ->check(CLI::Range(int64_t{1000}, int64_t{100'000'000}));
  bench_import_command
      ->add_option("--runs", bench_import.runs, text("cli.help.bench.runs_per_engine"))
      ->capture_default_str()
      ->check(CLI::Range(1, 50));
  bench_import_command->add_option("--postgres", bench_import.postgres,
                                   text("cli.help.bench.import.postgres"));
  bench_import_command->add_option("--dir", bench_import.directory,
                                   text("cli.help.bench.import.dir"));
  bool import_no_sqlite = false;
  bench_import_command->add_flag("--no-sqlite", import_no_sqlite, text("cli.help.bench.no_sqlite"));

  auto run_fbr_command = keneya::cli::AddFbrCommands(app, context);
  auto run_user_command = keneya::cli::AddUserCommands(app, context);

  keneya::cli::BenchRulesOptions bench_rules;
  CLI::App* bench_rules_command =
      bench_command->add_subcommand("rules", text("cli.help.bench.rules"));
  bench_rules_command
      ->add_option("--facilities", bench_rules.facilities, text("cli.help.bench.rules.facilities"))
      ->check(CLI::Range(1, 10'000'000));
  bench_rules_command
      ->add_option("--period", bench_rules.period, text("cli.help.bench.rules.period"))
      ->check(CLI::IsMember({"month", "quarter"}));
  bench_rules_command->add_option("--runs", bench_rules.runs, text("cli.help.bench.runs"))
      ->capture_default_str()
      ->check(CLI::Range(1, 100));
  bench_rules_command
      ->add_option("--threads", bench_rules.threads, text("cli.help.bench.rules.threads"))
      ->check(CLI::Range(0, 256));
  bench_rules_command->add_option("--seed", bench_rules.seed, text("cli.help.bench.rules.seed"));
  bench_rules_command
      ->add_option("--inputs", bench_rules.inputs, text("cli.help.bench.rules.inputs"))
      ->check(CLI::ExistingFile);
  bench_rules_command->add_option("--write-equations", bench_rules.write_equations,
                                  text("cli.help.bench.rules.write_equations"));
  bench_rules_command->add_option("--write-values", bench_rules.write_values,
                                  text("cli.help.bench.rules.write_values"));
  bench_rules_command->add_flag("--solve", bench_rules.solve, text("cli.help.bench.rules.solve"));
  bench_rules_command
      ->add_option("--reference", bench_rules.reference, text("cli.help.bench.rules.reference"))
      ->check(CLI::ExistingFile)
      ->needs("--solve");
  bench_rules_command->add_flag("--shuffle", bench_rules.shuffle,
                                text("cli.help.bench.rules.shuffle"));

  keneya::cli::BenchInvoicesOptions bench_invoices;
  CLI::App* bench_invoices_command =
      bench_command->add_subcommand("invoices", text("cli.help.bench.invoices"));
  bench_invoices_command->add_option("--demo-db", bench_invoices.database,
                                     text("cli.help.bench.invoices.demo_db"));
  bench_invoices_command
      ->add_option("--period", bench_invoices.period, text("cli.help.bench.invoices.period"))
      ->capture_default_str();
  bench_invoices_command->add_option("--runs", bench_invoices.runs, text("cli.help.bench.runs"))
      ->capture_default_str()
      ->check(CLI::Range(1, 50));

  keneya::cli::BenchSimulateOptions bench_simulate;
  CLI::App* bench_simulate_command =
      bench_command->add_subcommand("simulate", text("cli.help.bench.simulate"));
  bench_simulate_command->add_option("--demo-db", bench_simulate.database,
                                     text("cli.help.bench.simulate.demo_db"));
  bench_simulate_command
      ->add_option("--period", bench_simulate.period, text("cli.help.bench.invoices.period"))
      ->capture_default_str();
  bench_simulate_command->add_option("--runs", bench_simulate.runs, text("cli.help.bench.runs"))
      ->capture_default_str()
      ->check(CLI::Range(1, 50));
  bench_simulate_command
      ->add_option("--changes", bench_simulate.changes, text("cli.help.bench.simulate.changes"))
      ->capture_default_str()
      ->check(CLI::Range(1, 1000));

  keneya::cli::BenchHttpOptions bench_http;
  CLI::App* bench_http_command = bench_command->add_subcommand("http", text("cli.help.bench.http"));
  bench_http_command->add_option("--demo-db", bench_http.database,
                                 text("cli.help.bench.http.demo_db"));
  bench_http_command->add_option("--period", bench_http.period, text("cli.help.bench.http.period"))
      ->capture_default_str();
  bench_http_command
      ->add_option("--connections", bench_http.connections, text("cli.help.bench.http.connections"))
      ->capture_default_str()
      ->check(CLI::Range(1, 10000));
  bench_http_command
      ->add_option("--seconds", bench_http.seconds, text("cli.help.bench.http.seconds"))
      ->capture_default_str()
      ->check(CLI::Range(1, 3600));
  bench_http_command->add_option("--wrk", bench_http.wrk, text("cli.help.bench.http.wrk"))
      ->capture_default_str();

  LocalizeHelp(app, l);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    if (e.get_exit_code() == 0) return app.exit(e);  // --help, --version
    std::cerr << Text(l, "cli.error", {{"message", DescribeParseError(e)}}) << "\n"
              << text("cli.main.see_help") << "\n";
    return e.get_exit_code();
  }
  // Deadlines and windows are reckoned from KENEYA_TODAY when it is set: a wrong one stops here.
  if (keneya::core::Status today = keneya::core::CheckTodaySetting(); !today.ok()) {
    return keneya::cli::Fail(context, today.error());
  }

  if (auto code = run_fbr_command()) return *code;
  if (auto code = run_user_command()) return *code;
  if (demo_command->parsed()) return keneya::cli::RunDemo(context, demo);
  if (serve_command->parsed()) {
    serve.host_given = serve_command->get_option("--host")->count() > 0;
    serve.port_given = serve_command->get_option("--port")->count() > 0;
    serve.db_given = app.get_option("--db")->count() > 0;
    return keneya::cli::RunServe(context, serve);
  }
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
  if (bench_simulate_command->parsed())
    return keneya::cli::RunBenchSimulate(context, bench_simulate);
  if (bench_http_command->parsed()) return keneya::cli::RunBenchHttp(context, bench_http);
  if (bench_rules_command->parsed()) {
    if (bench_rules.solve && bench_rules.write_equations.empty()) {
      std::cerr << text("cli.main.solve_needs_write_equations") << "\n";
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
  // The rules engine allocates its columns (hundreds of KB each) at every run and frees them
  // after: given back to the kernel at each free, they page-fault back at each run, which took
  // two thirds of a simulation's recomputation (docs/BENCHMARKS.md, `keneya bench simulate`).
  // Blocks under 32 MB come from the heap, and up to 64 MB of free heap is kept.
  mallopt(M_MMAP_THRESHOLD, 32 << 20);
  mallopt(M_TRIM_THRESHOLD, 64 << 20);
  // The one last-resort catch of the program: a bug, reported, not a crash dump.
  try {
    return Main(argc, argv);
  } catch (const std::exception& e) {
    std::cerr << Text(DetectLanguage(argc, argv), "cli.main.unexpected_failure",
                      {{"detail", e.what()}})
              << "\n";
    return 70;
  }
}
