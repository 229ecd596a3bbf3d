// keneya user add, list, disable, enable, password, role and token: accounts from the command
// line, where the first administrator is made. The command line acts as the database's operator
// (whoever holds the database holds everything); each change is audited under --user.
//
// Passwords never travel on the command line (other users see it in `ps`): --password-stdin
// reads one line from standard input; without it a strong password is generated and printed.
#include "cli/user_commands.h"

#include <iostream>
#include <memory>

#include "auth/accounts.h"
#include "auth/roles.h"
#include "auth/secrets.h"
#include "cli/cli_util.h"
#include "core/format.h"
#include "core/message.h"

namespace keneya::cli {

using core::Language;
using core::Message;
using core::Text;

namespace {

struct UserOptions {
  std::string name;
  std::string full_name;
  std::string email;
  std::string language = "fr";
  std::vector<std::string> roles;
  std::vector<std::string> scopes;
  bool password_stdin = false;
  std::string action;  // role: grant, revoke; token: create, list, revoke
  std::string role;
  std::string scope;
  std::string token_name;
  int days = 90;
  int64_t token_id = 0;
};

auth::Principal Operator(const Context& c) {
  auth::Principal p;
  p.name = c.user;
  p.operator_of_database = true;
  return p;
}

// The password for a command: one line of standard input, or a generated one (printed).
core::Result<std::string> PasswordFor(const Context& c, const UserOptions& o, bool* generated) {
  *generated = false;
  if (o.password_stdin) {
    std::string line;
    std::getline(std::cin, line);
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty()) {
      return core::InvalidArgument(Message("cli.user.no_password_on_stdin"), "--password-stdin");
    }
    return line;
  }
  (void)c;
  *generated = true;
  return auth::RandomToken(12);  // 16 characters of base64: 96 bits
}

core::Result<std::vector<auth::Grant>> Grants(const std::vector<std::string>& roles,
                                              const std::vector<std::string>& scopes,
                                              const core::MetadataBundle& metadata) {
  if (roles.size() != scopes.size()) {
    return core::InvalidArgument(Message("cli.user.role_needs_scope"), "--scope");
  }
  std::vector<auth::Grant> grants;
  for (size_t i = 0; i < roles.size(); ++i) {
    std::optional<auth::Role> role = auth::ParseRole(roles[i]);
    if (!role) {
      return core::InvalidArgument(Message("cli.user.unknown_role", {{"role", roles[i]}}),
                                   "--role");
    }
    KENEYA_ASSIGN_OR_RETURN(auth::Scope scope, auth::ParseScope(scopes[i], metadata));
    grants.push_back({*role, scope});
  }
  return grants;
}

std::string GrantsText(const std::vector<store::RoleGrantRecord>& grants,
                       const core::MetadataBundle& metadata, Language l) {
  std::string out;
  for (const store::RoleGrantRecord& grant : grants) {
    if (!out.empty()) out += ", ";
    std::optional<auth::Role> role = auth::ParseRole(grant.role);
    std::optional<auth::ScopeKind> kind = auth::ParseScopeKind(grant.scope_kind);
    const std::string place =
        kind ? auth::ScopeName({*kind, grant.scope_uid}, metadata) : grant.scope_uid;
    out += Text(
        l, "cli.user.grant",
        {{"role", role ? auth::RoleText(*role) : Message::Verbatim(grant.role)}, {"place", place}});
  }
  return out;
}

int RunUserAdd(const Context& c, const UserOptions& o) {
  auto opened = Open(c);
  if (!opened.ok()) return Fail(c, opened.error());
  store::Store& store = **opened;
  auto metadata = store.LoadMetadata();
  if (!metadata.ok()) return Fail(c, metadata.error());
  auto grants = Grants(o.roles, o.scopes, *metadata);
  if (!grants.ok()) return Fail(c, grants.error());
  bool generated = false;
  auto password = PasswordFor(c, o, &generated);
  if (!password.ok()) return Fail(c, password.error());
  auth::NewUser user{o.name, o.full_name, o.email, o.language, *password, *grants};
  auto made = auth::AddUser(store, *metadata, Operator(c), user, CliActor(c));
  if (!made.ok()) return Fail(c, made.error());
  *c.out << Text(c.language, "cli.user.added", {{"name", made->user.name}}) << "\n";
  if (generated) {
    *c.out << Text(c.language, "cli.user.generated_password", {{"password", *password}}) << "\n";
  }
  return 0;
}

int RunUserList(const Context& c) {
  auto opened = Open(c);
  if (!opened.ok()) return Fail(c, opened.error());
  store::Store& store = **opened;
  auto metadata = store.LoadMetadata();
  if (!metadata.ok()) return Fail(c, metadata.error());
  auto users = auth::ListUsers(store, Operator(c));
  if (!users.ok()) return Fail(c, users.error());
  const Language l = c.language;
  for (const auth::UserAccount& account : *users) {
    Message state = account.user.disabled   ? Message("cli.user.state_disabled")
                    : !account.has_password ? Message("cli.user.state_no_password")
                                            : Message("cli.user.state_active");
    *c.out << Text(l, "cli.user.line",
                   {{"name", account.user.name},
                    {"full_name", account.user.full_name},
                    {"state", state},
                    {"grants", GrantsText(account.grants, *metadata, l)}})
           << "\n";
  }
  if (users->empty()) *c.out << Text(l, "cli.user.none") << "\n";
  return 0;
}

int RunUserDisable(const Context& c, const UserOptions& o, bool disabled) {
  auto opened = Open(c);
  if (!opened.ok()) return Fail(c, opened.error());
  core::Status done = auth::SetDisabled(**opened, Operator(c), o.name, disabled, CliActor(c));
  if (!done.ok()) return Fail(c, done.error());
  *c.out << Text(c.language, disabled ? "cli.user.disabled" : "cli.user.enabled",
                 {{"name", o.name}})
         << "\n";
  return 0;
}

int RunUserPassword(const Context& c, const UserOptions& o) {
  auto opened = Open(c);
  if (!opened.ok()) return Fail(c, opened.error());
  bool generated = false;
  auto password = PasswordFor(c, o, &generated);
  if (!password.ok()) return Fail(c, password.error());
  core::Status done =
      auth::SetPassword(**opened, Operator(c), o.name, *password, std::nullopt, CliActor(c));
  if (!done.ok()) return Fail(c, done.error());
  *c.out << Text(c.language, "cli.user.password_set", {{"name", o.name}}) << "\n";
  if (generated) {
    *c.out << Text(c.language, "cli.user.generated_password", {{"password", *password}}) << "\n";
  }
  return 0;
}

int RunUserRole(const Context& c, const UserOptions& o) {
  auto opened = Open(c);
  if (!opened.ok()) return Fail(c, opened.error());
  store::Store& store = **opened;
  auto metadata = store.LoadMetadata();
  if (!metadata.ok()) return Fail(c, metadata.error());
  auto grants = Grants({o.role}, {o.scope}, *metadata);
  if (!grants.ok()) return Fail(c, grants.error());
  const auth::Grant& grant = grants->front();
  if (o.action == "grant") {
    auto done = auth::GrantRole(store, *metadata, Operator(c), o.name, grant, CliActor(c));
    if (!done.ok()) return Fail(c, done.error());
  } else {
    core::Status done = auth::RevokeRole(store, Operator(c), o.name, grant, CliActor(c));
    if (!done.ok()) return Fail(c, done.error());
  }
  *c.out << Text(c.language,
                 o.action == "grant" ? "cli.user.role_granted" : "cli.user.role_revoked",
                 {{"name", o.name},
                  {"role", auth::RoleText(grant.role)},
                  {"place", auth::ScopeName(grant.scope, *metadata)}})
         << "\n";
  return 0;
}

int RunUserToken(const Context& c, const UserOptions& o) {
  auto opened = Open(c);
  if (!opened.ok()) return Fail(c, opened.error());
  store::Store& store = **opened;
  const Language l = c.language;
  if (o.action == "create") {
    auto made = auth::CreateToken(store, Operator(c), o.name, o.token_name, o.days, CliActor(c));
    if (!made.ok()) return Fail(c, made.error());
    *c.out << Text(l, "cli.user.token_created",
                   {{"name", o.name},
                    {"id", made->record.id},
                    {"expires", core::FormatTimestamp(made->record.expires)}})
           << "\n"
           << made->token << "\n";
    return 0;
  }
  if (o.action == "revoke") {
    core::Status done = auth::RevokeToken(store, Operator(c), o.token_id, CliActor(c));
    if (!done.ok()) return Fail(c, done.error());
    *c.out << Text(l, "cli.user.token_revoked", {{"id", o.token_id}}) << "\n";
    return 0;
  }
  auto tokens = auth::ListTokens(store, Operator(c), o.name);
  if (!tokens.ok()) return Fail(c, tokens.error());
  for (const store::ApiTokenRecord& token : *tokens) {
    Message state = token.revoked                    ? Message("cli.user.token_state_revoked")
                    : token.expires <= core::NowMs() ? Message("cli.user.token_state_expired")
                                                     : Message("cli.user.token_state_valid");
    *c.out << Text(l, "cli.user.token_line",
                   {{"id", token.id},
                    {"name", token.name},
                    {"prefix", token.prefix},
                    {"expires", core::FormatTimestamp(token.expires)},
                    {"last_used",
                     token.last_used ? core::FormatTimestamp(*token.last_used) : std::string("-")},
                    {"state", state}})
           << "\n";
  }
  if (tokens->empty()) *c.out << Text(l, "cli.user.no_tokens", {{"name", o.name}}) << "\n";
  return 0;
}

}  // namespace

std::function<std::optional<int>()> AddUserCommands(CLI::App& app, Context& context) {
  const Language l = context.language;
  auto t = [l](std::string_view id) { return Text(l, id); };
  auto o = std::make_shared<UserOptions>();
  CLI::App* user = app.add_subcommand("user", t("cli.user.help"));
  user->require_subcommand(1);

  CLI::App* add = user->add_subcommand("add", t("cli.user.help_add"));
  add->add_option("name", o->name, t("cli.user.help_name"))->required();
  add->add_option("--full-name", o->full_name, t("cli.user.help_full_name"));
  add->add_option("--email", o->email, t("cli.user.help_email"));
  add->add_option("--language", o->language, t("cli.user.help_language"))
      ->check(CLI::IsMember({"fr", "en"}));
  add->add_option("--role", o->roles, t("cli.user.help_role"));
  add->add_option("--scope", o->scopes, t("cli.user.help_scope"));
  add->add_flag("--password-stdin", o->password_stdin, t("cli.user.help_password_stdin"));

  CLI::App* list = user->add_subcommand("list", t("cli.user.help_list"));
  CLI::App* disable = user->add_subcommand("disable", t("cli.user.help_disable"));
  disable->add_option("name", o->name, t("cli.user.help_name"))->required();
  CLI::App* enable = user->add_subcommand("enable", t("cli.user.help_enable"));
  enable->add_option("name", o->name, t("cli.user.help_name"))->required();

  CLI::App* password = user->add_subcommand("password", t("cli.user.help_password"));
  password->add_option("name", o->name, t("cli.user.help_name"))->required();
  password->add_flag("--password-stdin", o->password_stdin, t("cli.user.help_password_stdin"));

  CLI::App* role = user->add_subcommand("role", t("cli.user.help_role_command"));
  role->add_option("name", o->name, t("cli.user.help_name"))->required();
  role->add_option("action", o->action, t("cli.user.help_role_action"))
      ->required()
      ->check(CLI::IsMember({"grant", "revoke"}));
  role->add_option("role", o->role, t("cli.user.help_role"))->required();
  role->add_option("scope", o->scope, t("cli.user.help_scope"))->required();

  CLI::App* token = user->add_subcommand("token", t("cli.user.help_token"));
  token->add_option("action", o->action, t("cli.user.help_token_action"))
      ->required()
      ->check(CLI::IsMember({"create", "list", "revoke"}));
  token->add_option("name", o->name, t("cli.user.help_name"));
  token->add_option("--name", o->token_name, t("cli.user.help_token_name"));
  token->add_option("--days", o->days, t("cli.user.help_token_days"))->capture_default_str();
  token->add_option("--id", o->token_id, t("cli.user.help_token_id"));

  Context* c = &context;
  return [=]() -> std::optional<int> {
    if (add->parsed()) return RunUserAdd(*c, *o);
    if (list->parsed()) return RunUserList(*c);
    if (disable->parsed()) return RunUserDisable(*c, *o, true);
    if (enable->parsed()) return RunUserDisable(*c, *o, false);
    if (password->parsed()) return RunUserPassword(*c, *o);
    if (role->parsed()) return RunUserRole(*c, *o);
    if (token->parsed()) {
      if (o->action != "revoke" && o->name.empty()) {
        return Fail(*c, core::InvalidArgument(Message("cli.user.token_needs_user"), "name"));
      }
      if (o->action == "create" && o->token_name.empty()) {
        return Fail(*c, core::InvalidArgument(Message("cli.user.token_needs_name"), "--name"));
      }
      if (o->action == "revoke" && o->token_id <= 0) {
        return Fail(*c, core::InvalidArgument(Message("cli.user.token_needs_id"), "--id"));
      }
      return RunUserToken(*c, *o);
    }
    return std::nullopt;
  };
}

}  // namespace keneya::cli
