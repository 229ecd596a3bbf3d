#include "cli/cli_util.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>

namespace keneya::cli {

using core::Language;

bool IsPostgres(const std::string& location) {
  return location.starts_with("postgres") || location.find("dbname=") != std::string::npos ||
         location.find("host=") != std::string::npos;
}

// The location as shown to people: a PostgreSQL URL without its password.
std::string Shown(const std::string& location) {
  if (!IsPostgres(location)) return location;
  const size_t scheme = location.find("://");
  const size_t at = location.find('@');
  if (scheme == std::string::npos || at == std::string::npos) return location;
  const size_t colon = location.find(':', scheme + 3);
  if (colon == std::string::npos || colon > at) return location;
  return location.substr(0, colon) + ":***" + location.substr(at);
}

int Fail(const Context& c, const core::Error& error) {
  *c.err << core::Text(c.language, "cli.error", {{"message", core::Describe(error, c.language)}})
         << "\n";
  return 1;
}

double SecondsSince(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

std::string Seconds(double s, Language language) {
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, s < 0.1 ? "%.3f" : "%.1f", s);  // 0,013 s; 2,4 s
  std::string digits = buffer;
  if (language == Language::kFrench) {
    for (char& ch : digits) {
      if (ch == '.') ch = ',';
    }
  }
  return core::Text(language, "cli.util.seconds", {{"seconds", digits}});
}

core::Status WritePrivateFile(const std::string& path, const std::string& text) {
  std::error_code ignored;
  const std::filesystem::path folder = std::filesystem::path(path).parent_path();
  if (!folder.empty()) std::filesystem::create_directories(folder, ignored);
  // Created 0600 from the start, and made so if it existed: never readable by others, even
  // briefly.
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0 || ::fchmod(fd, 0600) != 0) {
    if (fd >= 0) ::close(fd);
    return core::Unavailable(core::Message("cli.util.cannot_write_file"), path);
  }
  size_t done = 0;
  while (done < text.size()) {
    const ssize_t n = ::write(fd, text.data() + done, text.size() - done);
    if (n <= 0) {
      ::close(fd);
      return core::Unavailable(core::Message("cli.util.cannot_write_file"), path);
    }
    done += static_cast<size_t>(n);
  }
  if (::close(fd) != 0) return core::Unavailable(core::Message("cli.util.cannot_write_file"), path);
  return core::OkStatus();
}

store::Actor CliActor(const Context& c, std::string reason) {
  return store::Actor{c.user, "cli", std::move(reason)};
}

core::Result<std::unique_ptr<store::Store>> Open(const Context& c, bool migrate, bool create) {
  // A mistyped --db would otherwise be a new, empty database that answers "nothing here".
  if (!create && !IsPostgres(c.db) && c.db != ":memory:" && !std::filesystem::exists(c.db)) {
    return core::NotFound(core::Message("cli.util.no_database_here"), c.db);
  }
  auto store = store::OpenStore(c.db, store::OpenOptions{.migrate = migrate});
  if (!store.ok()) return store.error().In(Shown(c.db));
  return store;
}

}  // namespace keneya::cli
