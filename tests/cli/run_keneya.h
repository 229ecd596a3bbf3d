// Runs the `keneya` program (KENEYA_BINARY) as a user would, for the command line's tests.
#ifndef KENEYA_TESTS_CLI_RUN_KENEYA_H_
#define KENEYA_TESTS_CLI_RUN_KENEYA_H_

#include <sys/wait.h>

#include <array>
#include <cstdio>
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

}  // namespace keneya::cli::testing

#endif  // KENEYA_TESTS_CLI_RUN_KENEYA_H_
