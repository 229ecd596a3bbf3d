// The account commands: keneya user add, list, disable, enable, password, role, token.
#ifndef KENEYA_CLI_USER_COMMANDS_H_
#define KENEYA_CLI_USER_COMMANDS_H_

#include <CLI/CLI.hpp>
#include <functional>
#include <optional>

#include "cli/commands.h"

namespace keneya::cli {

// Adds the commands to `app`. The function returned, called after parsing, runs the command
// that was given and returns its exit code, or nullopt when it was none of these.
std::function<std::optional<int>()> AddUserCommands(CLI::App& app, Context& context);

}  // namespace keneya::cli

#endif  // KENEYA_CLI_USER_COMMANDS_H_
