// Messages by id: what a person reads, in French or in English, from one catalogue.
//
// Every text Keneya shows a person (an error, a line of a summary, a column title of an invoice)
// is a Message: a stable id and named arguments. The catalogue (src/core/messages/*.inc, one file
// per module, one table) gives each id its English and French text, with {name} where an
// argument goes:
//
//   core::Message m("store.no_org_unit", {{"code", "DS_KATYY"}});
//   core::Render(m, Language::kFrench)   == "aucune unité d'organisation 'DS_KATYY'"
//   core::Render(m, Language::kEnglish)  == "no org unit 'DS_KATYY'"
//
// An argument is a name or a value shown as it is (a code, a file name, a number), or a message
// itself, rendered in the same language ("cannot be read: {reason}"). The command line, the API
// and the exports render the same messages; the API also returns the id and the arguments, so
// that a client may render them itself.
//
// The pseudo-language (Language::kPseudo, `--lang qps`) wraps every catalogue text in ⟦ ⟧:
// a test runs the command line in it and finds any text that does not come from the catalogue.
#ifndef KENEYA_CORE_MESSAGE_H_
#define KENEYA_CORE_MESSAGE_H_

#include <concepts>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/format.h"

namespace keneya::core {

class Message;

// A named argument of a message.
struct MessageArg {
  enum class Kind { kText, kInteger, kGrouped, kDecimal, kMessage };

  MessageArg(std::string_view arg_name, std::string_view value);
  MessageArg(std::string_view arg_name, const std::string& value);
  MessageArg(std::string_view arg_name, const char* value);
  template <std::integral I>
  MessageArg(std::string_view arg_name, I value)
      : name(arg_name), kind(Kind::kInteger), integer(static_cast<int64_t>(value)) {}
  MessageArg(std::string_view arg_name, double value);
  MessageArg(std::string_view arg_name, Message value);

  std::string name;
  Kind kind = Kind::kText;
  std::string text;                        // kText
  int64_t integer = 0;                     // kInteger (as digits), kGrouped (1 140 657 000)
  double decimal = 0;                      // kDecimal (12,5 in French)
  std::shared_ptr<const Message> message;  // kMessage
};

// A whole number shown in groups of three digits, by language: an amount, a count of values.
MessageArg Grouped(std::string_view name, int64_t value);

class Message {
 public:
  Message() = default;
  // `id` must be in the catalogue (a test checks every id the sources use).
  explicit Message(std::string_view id, std::vector<MessageArg> args = {});

  // A text that no catalogue knows, shown as it is in every language: a name (a file, a
  // formula, a code), DHIS2's own conflict texts. Never a sentence of Keneya's own.
  static Message Verbatim(std::string text);

  const std::string& id() const { return id_; }
  const std::vector<MessageArg>& args() const { return args_; }
  bool empty() const { return id_.empty() && args_.empty(); }
  bool verbatim() const { return id_.empty() && !args_.empty(); }

 private:
  std::string id_;
  std::vector<MessageArg> args_;
};

// The message in `language`: its catalogue text with every {name} replaced by its argument.
// An id the catalogue lacks renders as the id and its arguments, never as nothing.
std::string Render(const Message& message, Language language);

// One argument as the message shows it: a name or value as it is, a number by kind, a nested
// message rendered in `language`.
std::string RenderArg(const MessageArg& arg, Language language);

// Shorthand for rendering at once: Text(l, "cli.values_written", {Grouped("count", n)}).
std::string Text(Language language, std::string_view id, std::vector<MessageArg> args = {});

// One entry of the catalogue.
struct CatalogueEntry {
  std::string_view id, en, fr;
};
std::span<const CatalogueEntry> Catalogue();

// The {name}s of a catalogue text, in order ("{a} and {b}" -> a, b).
std::vector<std::string_view> Placeholders(std::string_view text);

}  // namespace keneya::core

#endif  // KENEYA_CORE_MESSAGE_H_
