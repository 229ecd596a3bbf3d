#include "cli/progress.h"

namespace keneya::cli {

using core::Language;

namespace {

// The phases that long work reports (store, demo, io, fbr), by their names in the code.
struct Phase {
  std::string_view name, id;
};
constexpr Phase kPhases[] = {
    {"metadata", "cli.progress.metadata"},
    {"pyramid", "cli.progress.pyramid"},
    {"asc sites", "cli.progress.asc_sites"},
    {"values", "cli.progress.values"},
    {"quality", "cli.progress.quality"},
    {"validate", "cli.progress.validate"},
    {"sort", "cli.progress.sort"},
    {"write", "cli.progress.write"},
    {"commit", "cli.progress.commit"},
    {"read", "cli.progress.read"},
    {"export", "cli.progress.export"},
    {"org units", "cli.progress.org_units"},
    {"pull", "cli.progress.pull"},
    {"push", "cli.progress.push"},
    {"read values", "cli.progress.read_values"},
    {"compute", "cli.progress.compute"},
    {"prepare invoices", "cli.progress.prepare_invoices"},
    {"read invoices", "cli.progress.read_invoices"},
    {"export invoices", "cli.progress.export_invoices"},
    {"contracts", "cli.progress.contracts"},
    {"invoices", "cli.progress.invoices"},
    {"history", "cli.progress.history"},
    {"accounts", "cli.progress.accounts"},
    {"runs", "cli.progress.runs"},
};

}  // namespace

core::Message PhaseMessage(std::string_view phase) {
  for (const Phase& known : kPhases) {
    if (phase == known.name) return core::Message(known.id);
  }
  if (phase.starts_with("values ")) {  // "values 2021": the values of one year
    return core::Message("cli.progress.values_of_year", {{"year", phase.substr(7)}});
  }
  return core::Message("cli.progress.other_phase", {{"phase", phase}});
}

std::string PhaseLabel(std::string_view phase, Language language) {
  return core::Render(PhaseMessage(phase), language);
}

ProgressPrinter::ProgressPrinter(std::ostream& out, Language language, bool interactive)
    : out_(out), language_(language), interactive_(interactive) {}

ProgressPrinter::~ProgressPrinter() { Finish(); }

void ProgressPrinter::Report(const store::Progress& progress) {
  const auto now = std::chrono::steady_clock::now();
  const bool new_phase = progress.phase != phase_;
  const int percent =
      progress.total > 0 ? static_cast<int>(100 * progress.done / progress.total) : 0;
  const bool done = progress.done >= progress.total;
  if (!new_phase && !done) {
    if (interactive_ && now - last_print_ < std::chrono::milliseconds(100)) return;
    if (!interactive_ && percent < last_percent_ + 5 &&
        now - last_print_ < std::chrono::seconds(2)) {
      return;
    }
  }
  if (!new_phase && done && percent == last_percent_) return;
  if (new_phase && interactive_ && line_open_) out_ << '\n';
  phase_ = std::string(progress.phase);
  last_percent_ = percent;
  last_print_ = now;
  if (interactive_) out_ << "\r\033[K";
  const core::Message phase = PhaseMessage(progress.phase);
  if (progress.total > 0) {
    out_ << core::Text(language_, "cli.progress.done_of_total",
                       {{"phase", phase},
                        core::Grouped("done", progress.done),
                        core::Grouped("total", progress.total),
                        {"percent", percent}});
  } else {  // a total not known yet
    out_ << core::Text(language_, "cli.progress.done",
                       {{"phase", phase}, core::Grouped("done", progress.done)});
  }
  if (interactive_) {
    line_open_ = true;
  } else {
    out_ << '\n';
  }
  out_.flush();
}

void ProgressPrinter::Finish() {
  if (interactive_ && line_open_) {
    out_ << '\n';
    out_.flush();
  }
  line_open_ = false;
  phase_.clear();
  last_percent_ = -1;
}

}  // namespace keneya::cli
