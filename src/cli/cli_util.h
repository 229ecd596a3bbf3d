// Helpers shared by the command implementations. Internal to src/cli.
#ifndef KENEYA_CLI_CLI_UTIL_H_
#define KENEYA_CLI_CLI_UTIL_H_

#include <chrono>
#include <memory>
#include <string>

#include "cli/commands.h"
#include "core/result.h"
#include "store/store.h"

namespace keneya::cli {

bool IsPostgres(const std::string& location);
// The location as shown to people: a PostgreSQL URL without its password.
std::string Shown(const std::string& location);
// Prints "erreur : message (where)" and returns 1.
int Fail(const Context& c, const core::Error& error);
double SecondsSince(std::chrono::steady_clock::time_point start);
// "1,5 s" / "1.5 s".
std::string Seconds(double s, core::Language language);
// Writes `text` to `path` (its folder made if needed) readable and writable by its owner only
// (mode 0600), for secrets.
core::Status WritePrivateFile(const std::string& path, const std::string& text);
store::Actor CliActor(const Context& c, std::string reason = {});
// Opens --db. Only commands that may make a new database (demo, migrate, import, serve, pulls
// from DHIS2) pass create: for the others, a SQLite file that does not exist is an error.
core::Result<std::unique_ptr<store::Store>> Open(const Context& c, bool migrate = true,
                                                 bool create = false);

}  // namespace keneya::cli

#endif  // KENEYA_CLI_CLI_UTIL_H_
