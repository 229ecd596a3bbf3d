// Runs the `keneya` program (KENEYA_BINARY) as a user would, for the command line's tests.
#ifndef KENEYA_TESTS_CLI_RUN_KENEYA_H_
#define KENEYA_TESTS_CLI_RUN_KENEYA_H_

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <cstdlib>
#include <string>

#ifndef KENEYA_BINARY
#error "KENEYA_BINARY must name the keneya executable"
#endif

namespace keneya::cli::testing {

struct Outcome {
  int status = -1;     // the exit status; -1 when the program did not exit normally
  std::string output;  // standard output and standard error together
};

// Runs `keneya <arguments>` through the shell.
inline Outcome Keneya(const std::string& arguments) {
  Outcome run;
  const std::string command = std::string(KENEYA_BINARY) + " " + arguments + " 2>&1";
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) return run;
  std::array<char, 4096> buffer;
  size_t n;
  while ((n = fread(buffer.data(), 1, buffer.size(), pipe)) > 0)
    run.output.append(buffer.data(), n);
  const int status = pclose(pipe);
  run.status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return run;
}

// `keneya --db DB serve --port 0` running in the background: the first line it printed (which
// names its address) and what stops it. The request log (standard error) is dropped.
struct Served {
  pid_t pid = -1;
  FILE* out = nullptr;     // its standard output
  std::string first_line;  // "Keneya écoute sur http://127.0.0.1:PORT ..."; empty if it failed
  // Stops it with SIGTERM; its exit status (-1 when it did not exit normally).
  int Stop() {
    if (pid <= 0) return -1;
    kill(pid, SIGTERM);
    int status = 0;
    waitpid(pid, &status, 0);
    if (out != nullptr) fclose(out);
    pid = -1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  }
};

inline Served Serve(const std::string& db) {
  Served served;
  int pipe_fds[2];
  if (pipe(pipe_fds) != 0) return served;
  served.pid = fork();
  if (served.pid == 0) {
    dup2(pipe_fds[1], STDOUT_FILENO);
    close(pipe_fds[0]);
    close(pipe_fds[1]);
    if (std::freopen("/dev/null", "w", stderr) == nullptr) _exit(126);
    execl(KENEYA_BINARY, KENEYA_BINARY, "--db", db.c_str(), "serve", "--port", "0",
          static_cast<char*>(nullptr));
    _exit(127);
  }
  close(pipe_fds[1]);
  served.out = fdopen(pipe_fds[0], "r");
  char* line = nullptr;
  size_t capacity = 0;
  if (getline(&line, &capacity, served.out) > 0) served.first_line = line;
  free(line);
  return served;
}

}  // namespace keneya::cli::testing

#endif  // KENEYA_TESTS_CLI_RUN_KENEYA_H_
