// Messages in the reader's language.
//
// Keneya's modules write their error messages in English, with the names and values that make
// them precise ("no org unit 'DS_KATYY' in the database (code or uid)"). What reaches a person
// (the CLI, the web app) passes through Localize, which finds the message's template in a
// catalogue and returns it in French, with the same names and values:
//
//   Localize("no org unit 'DS_KATYY' in the database (code or uid)", Language::kFrench)
//     == "aucune unité d'organisation 'DS_KATYY' dans la base (code ou uid)"
//
// A template is the English text with {} where a message has a name or a value. Several lines
// are localized one by one; a value that is itself a message of the catalogue is localized too.
// A message the catalogue does not know is returned as it is, so a missing translation shows
// English, never nothing. Machine-read outputs (keneya solve's errors, in hesabucli's words)
// do not pass through it.
#ifndef KENEYA_CORE_I18N_H_
#define KENEYA_CORE_I18N_H_

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/format.h"

namespace keneya::core {

std::string Localize(std::string_view message, Language language);

// The French catalogue: (English template, French), for tests.
std::vector<std::pair<std::string_view, std::string_view>> FrenchCatalogue();

}  // namespace keneya::core

#endif  // KENEYA_CORE_I18N_H_
