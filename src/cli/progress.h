// Progress of long work on the terminal: one line rewritten in place on a terminal, a line every
// few percent otherwise (logs, pipes, the tests that watch a load).
#ifndef KENEYA_CLI_PROGRESS_H_
#define KENEYA_CLI_PROGRESS_H_

#include <chrono>
#include <ostream>
#include <string>

#include "core/format.h"
#include "core/message.h"
#include "store/store.h"

namespace keneya::cli {

// The label people see for a phase name ("values 2021" -> "Valeurs 2021"), by id; a phase it
// does not know is shown by its name ("Step <name>").
core::Message PhaseMessage(std::string_view phase);
// The same, rendered in `language`.
std::string PhaseLabel(std::string_view phase, core::Language language);

class ProgressPrinter {
 public:
  // interactive: rewrite one line with '\r' (a terminal); otherwise print whole lines.
  ProgressPrinter(std::ostream& out, core::Language language, bool interactive);
  ~ProgressPrinter();

  // Reports progress; usable as a store::ProgressFn through AsFunction().
  void Report(const store::Progress& progress);
  store::ProgressFn AsFunction() {
    return [this](const store::Progress& p) { Report(p); };
  }
  // Ends the current line.
  void Finish();

 private:
  std::ostream& out_;
  core::Language language_;
  bool interactive_;
  std::string phase_;
  int last_percent_ = -1;
  std::chrono::steady_clock::time_point last_print_{};
  bool line_open_ = false;
};

}  // namespace keneya::cli

#endif  // KENEYA_CLI_PROGRESS_H_
