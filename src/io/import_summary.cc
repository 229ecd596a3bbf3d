#include "io/import_summary.h"

#include <map>
#include <nlohmann/json.hpp>

namespace keneya::io {

using core::Language;
using core::Tr;

std::string_view ImportStatusName(ImportStatus status) {
  switch (status) {
    case ImportStatus::kSuccess:
      return "SUCCESS";
    case ImportStatus::kWarning:
      return "WARNING";
    case ImportStatus::kError:
      return "ERROR";
  }
  return "ERROR";
}

std::string ImportSummaryJson(const ImportSummary& s) {
  using nlohmann::ordered_json;
  ordered_json conflicts = ordered_json::array();
  for (const ImportConflict& c : s.conflicts) {
    ordered_json objects = ordered_json::object();
    for (const auto& [key, value] : c.objects) objects[key] = value;
    ordered_json conflict;
    if (!c.object.empty()) conflict["object"] = c.object;
    conflict["objects"] = objects;
    conflict["value"] = c.value;
    if (!c.error_code.empty()) conflict["errorCode"] = c.error_code;
    if (!c.property.empty()) conflict["property"] = c.property;
    conflict["indexes"] = c.indexes;
    conflicts.push_back(conflict);
  }
  ordered_json response;
  response["responseType"] = "ImportSummary";
  response["status"] = ImportStatusName(s.status);
  response["description"] = s.description;
  response["importCount"] = {{"imported", s.count.imported},
                             {"updated", s.count.updated},
                             {"ignored", s.count.ignored},
                             {"deleted", s.count.deleted}};
  response["conflicts"] = conflicts;
  response["rejectedIndexes"] = s.rejected_indexes;
  response["dataSetComplete"] = s.data_set_complete;
  response["keneya"] = {
      {"importId", s.import_id}, {"dryRun", s.dry_run}, {"valuesRead", s.values_read}};

  ordered_json envelope;
  const bool ok = s.status == ImportStatus::kSuccess;
  envelope["httpStatus"] = ok ? "OK" : "Conflict";
  envelope["httpStatusCode"] = ok ? 200 : 409;
  envelope["status"] = ok ? "OK" : (s.status == ImportStatus::kWarning ? "WARNING" : "ERROR");
  envelope["message"] = ok ? "Import was successful."
                           : (s.status == ImportStatus::kWarning
                                  ? "One more conflicts encountered, please check import summary."
                                  : "An error occurred, please check import summary.");
  envelope["response"] = response;
  return envelope.dump(2);
}

namespace {

// French descriptions of DHIS2's conflict codes (the English ones are DHIS2's own messages).
std::string_view FrenchConflict(std::string_view code) {
  static const std::map<std::string_view, std::string_view> kFrench = {
      {"E7600", "ensemble de données introuvable"},
      {"E7603", "unité d'organisation de l'en-tête introuvable"},
      {"E7604", "combinaison d'attributs de l'en-tête introuvable"},
      {"E7610", "élément de données introuvable"},
      {"E7611", "période invalide"},
      {"E7612", "unité d'organisation introuvable"},
      {"E7613", "combinaison d'options de catégorie introuvable"},
      {"E7615", "combinaison d'options d'attribut introuvable"},
      {"E7618", "ni valeur ni commentaire"},
      {"E7619", "valeur non conforme au type de l'élément de données"},
      {"E7620", "commentaire invalide"},
      {"E7621", "valeur hors de l'ensemble d'options"},
      {"E7630", "combinaison d'options de catégorie exigée"},
      {"E7631", "combinaison d'options d'attribut exigée"},
      {"E7632", "type de période non valable pour l'élément de données"},
      {"E7633", "élément de données hors de l'ensemble de données"},
      {"E7634", "combinaison d'options hors de la combinaison de catégories de l'élément"},
      {"E7635", "combinaison d'attributs hors de celle des ensembles de données de l'élément"},
      {"E7636", "élément de données non attribué à cette unité d'organisation"},
      {"E7637", "storedBy invalide"},
      {"E7638", "période hors des dates de la combinaison d'attributs"},
      {"E7640", "période close (délai de saisie dépassé)"},
      {"E7641", "période future non ouverte"},
      {"E8128", "valeur répétée dans le fichier (seule la première est appliquée)"},
  };
  auto it = kFrench.find(code);
  return it == kFrench.end() ? std::string_view() : it->second;
}

std::string Positions(const std::vector<size_t>& indexes, Language l) {
  std::string out;
  constexpr size_t kShown = 10;
  for (size_t i = 0; i < indexes.size() && i < kShown; ++i) {
    out += i == 0 ? "" : ", ";
    out += std::to_string(indexes[i]);
  }
  if (indexes.size() > kShown) {
    out += std::string(Tr(l, " et ", " and ")) + std::to_string(indexes.size() - kShown) +
           std::string(Tr(l, " autres", " more"));
  }
  return out;
}

}  // namespace

std::string ImportSummaryText(const ImportSummary& s, Language l) {
  std::string out;
  if (s.dry_run)
    out += Tr(l, "[essai à blanc : rien n'a été écrit] ", "[dry run: nothing written] ");
  switch (s.status) {
    case ImportStatus::kSuccess:
      out += Tr(l, "Import réussi", "Import succeeded");
      break;
    case ImportStatus::kWarning:
      out += Tr(l, "Import terminé avec des conflits", "Import finished with conflicts");
      break;
    case ImportStatus::kError:
      out += Tr(l, "Import refusé, rien n'a été écrit", "Import refused, nothing was written");
      break;
  }
  out += Tr(l, " : ", ": ");
  out += core::FormatInteger(s.count.imported, l) + Tr(l, " importées, ", " imported, ").data() +
         core::FormatInteger(s.count.updated, l) + Tr(l, " mises à jour, ", " updated, ").data() +
         core::FormatInteger(s.count.ignored, l) + Tr(l, " ignorées, ", " ignored, ").data() +
         core::FormatInteger(s.count.deleted, l) + Tr(l, " supprimées", " deleted").data();
  out += " (" + core::FormatInteger(s.values_read, l) +
         std::string(Tr(l, " valeurs lues)", " values read)")) + ".\n";
  if (s.status == ImportStatus::kError && !s.description.empty()) {
    out += "  " + s.description + "\n";
  }
  if (s.data_set_complete != "false") {
    out += std::string(Tr(l, "  Ensemble de données déclaré complet le ",
                          "  Data set registered complete on ")) +
           s.data_set_complete + "\n";
  }
  for (const ImportConflict& c : s.conflicts) {
    out += "  - ";
    if (!c.error_code.empty()) out += c.error_code + " ";
    const std::string_view french = FrenchConflict(c.error_code);
    out += l == Language::kFrench && !french.empty() ? std::string(french) : c.value;
    if (!c.objects.empty()) {
      out += " (";
      for (size_t i = 0; i < c.objects.size(); ++i) {
        out += (i == 0 ? "" : ", ") + c.objects[i].first + " " + c.objects[i].second;
      }
      out += ")";
    }
    if (!c.indexes.empty()) {
      out += std::string(c.indexes.size() == 1 ? Tr(l, " ; valeur ", "; value ")
                                               : Tr(l, " ; valeurs ", "; values ")) +
             Positions(c.indexes, l);
    }
    out += "\n";
  }
  return out;
}

}  // namespace keneya::io
