#include "cli/progress.h"

namespace keneya::cli {

using core::Language;

std::string PhaseLabel(std::string_view phase, Language language) {
  struct Label {
    std::string_view phase, fr, en;
  };
  static constexpr Label kLabels[] = {
      {"metadata", "Métadonnées", "Metadata"},
      {"pyramid", "Pyramide sanitaire", "Health pyramid"},
      {"asc sites", "Sites ASC", "ASC sites"},
      {"values", "Valeurs mensuelles", "Monthly values"},
      {"quality", "Scores de qualité", "Quality scores"},
      {"validate", "Vérification des métadonnées", "Metadata check"},
      {"sort", "Tri", "Sorting"},
      {"write", "Écriture", "Writing"},
      {"commit", "Validation de la transaction", "Commit"},
      {"read", "Lecture du fichier (octets)", "Reading the file (bytes)"},
      {"export", "Export des valeurs", "Exporting values"},
      {"org units", "Unités d'organisation reçues", "Org units received"},
      {"pull", "Requêtes de valeurs", "Value requests"},
      {"push", "Lots envoyés", "Batches sent"},
      {"read values", "Lecture des valeurs", "Reading values"},
      {"compute", "Calcul (formations)", "Computing (facilities)"},
      {"prepare invoices", "Préparation des factures", "Preparing invoices"},
      {"read invoices", "Lecture des factures", "Reading invoices"},
      {"export invoices", "Export des factures", "Exporting invoices"},
      {"contracts", "Contrats signés", "Contracts signed"},
      {"invoices", "Trimestres facturés", "Quarters invoiced"},
  };
  for (const Label& label : kLabels) {
    if (phase == label.phase) return std::string(core::Tr(language, label.fr, label.en));
  }
  if (phase.starts_with("values ")) {
    return std::string(core::Tr(language, "Valeurs ", "Values ")) + std::string(phase.substr(7));
  }
  return std::string(phase);
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
  out_ << PhaseLabel(progress.phase, language_) << core::Tr(language_, " : ", ": ")
       << core::FormatInteger(progress.done, language_);
  if (progress.total > 0) {  // 0: a total not known yet
    out_ << " / " << core::FormatInteger(progress.total, language_) << " (" << percent << " %)";
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
