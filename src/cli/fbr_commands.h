// The FBR commands: keneya check, program, contract, compute, explain, simulate, invoices.
#ifndef KENEYA_CLI_FBR_COMMANDS_H_
#define KENEYA_CLI_FBR_COMMANDS_H_

#include <CLI/CLI.hpp>
#include <functional>
#include <optional>

#include "cli/commands.h"

namespace keneya::cli {

// Adds the commands to `app`. The function returned, called after parsing, runs the command
// that was given and returns its exit code, or nullopt when it was none of these.
std::function<std::optional<int>()> AddFbrCommands(CLI::App& app, Context& context);

}  // namespace keneya::cli

#endif  // KENEYA_CLI_FBR_COMMANDS_H_
