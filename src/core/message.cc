#include "core/message.h"

#include <cmath>
#include <cstdio>
#include <string>
#include <unordered_map>

namespace keneya::core {
namespace {

// One table, one file per module. Ids are "<module>.<what>"; texts use {name} for arguments.
constexpr CatalogueEntry kCatalogue[] = {
#include "core/messages/auth.inc"
#include "core/messages/bench.inc"
#include "core/messages/cli.inc"
#include "core/messages/cli_commands.inc"
#include "core/messages/cli_fbr.inc"
#include "core/messages/cli_user.inc"
#include "core/messages/core.inc"
#include "core/messages/demo.inc"
#include "core/messages/fbr.inc"
#include "core/messages/http.inc"
#include "core/messages/http_api.inc"
#include "core/messages/io.inc"
#include "core/messages/rules.inc"
#include "core/messages/rules_program.inc"
#include "core/messages/store.inc"
};

const CatalogueEntry* Find(std::string_view id) {
  static const std::unordered_map<std::string_view, const CatalogueEntry*> index = [] {
    std::unordered_map<std::string_view, const CatalogueEntry*> out;
    for (const CatalogueEntry& e : kCatalogue) out.emplace(e.id, &e);
    return out;
  }();
  const auto it = index.find(id);
  return it == index.end() ? nullptr : it->second;
}

bool IsNameChar(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_'; }

// The length of the {name} at text[at], or 0 if text[at] does not open one.
size_t PlaceholderAt(std::string_view text, size_t at) {
  if (text[at] != '{') return 0;
  size_t end = at + 1;
  while (end < text.size() && IsNameChar(text[end])) ++end;
  if (end == at + 1 || end >= text.size() || text[end] != '}') return 0;
  return end + 1 - at;
}

std::string DecimalText(double x, Language language) {
  if (!std::isfinite(x)) return std::isnan(x) ? "NaN" : (x > 0 ? "∞" : "-∞");
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, "%.15g", x);
  std::string out = buffer;
  if (language != Language::kEnglish) {
    for (char& c : out) {
      if (c == '.') c = ',';
    }
  }
  return out;
}

}  // namespace

std::string RenderArg(const MessageArg& arg, Language language) {
  switch (arg.kind) {
    case MessageArg::Kind::kText:
      return arg.text;
    case MessageArg::Kind::kInteger:
      return std::to_string(arg.integer);
    case MessageArg::Kind::kGrouped:
      return FormatInteger(arg.integer, language);
    case MessageArg::Kind::kDecimal:
      return DecimalText(arg.decimal, language);
    case MessageArg::Kind::kMessage:
      return arg.message ? Render(*arg.message, language) : std::string();
  }
  return {};
}

MessageArg::MessageArg(std::string_view arg_name, std::string_view value)
    : name(arg_name), text(value) {}
MessageArg::MessageArg(std::string_view arg_name, const std::string& value)
    : name(arg_name), text(value) {}
MessageArg::MessageArg(std::string_view arg_name, const char* value)
    : name(arg_name), text(value) {}
MessageArg::MessageArg(std::string_view arg_name, double value)
    : name(arg_name), kind(Kind::kDecimal), decimal(value) {}
MessageArg::MessageArg(std::string_view arg_name, Message value)
    : name(arg_name),
      kind(Kind::kMessage),
      message(std::make_shared<const Message>(std::move(value))) {}

MessageArg Grouped(std::string_view name, int64_t value) {
  MessageArg arg(name, value);
  arg.kind = MessageArg::Kind::kGrouped;
  return arg;
}

Message::Message(std::string_view id, std::vector<MessageArg> args)
    : id_(id), args_(std::move(args)) {}

Message Message::Verbatim(std::string text) {
  Message m;
  m.args_.emplace_back("text", std::move(text));
  return m;
}

std::string Render(const Message& message, Language language) {
  if (message.empty()) return {};
  if (message.verbatim()) return message.args().front().text;
  const CatalogueEntry* entry = Find(message.id());
  if (entry == nullptr) {
    std::string out = message.id();
    for (const MessageArg& arg : message.args())
      out += " " + arg.name + "=" + RenderArg(arg, language);
    return out;
  }
  const std::string_view text = language == Language::kFrench ? entry->fr : entry->en;
  std::string out;
  if (language == Language::kPseudo) out += "⟦";
  for (size_t i = 0; i < text.size();) {
    const size_t length = PlaceholderAt(text, i);
    if (length == 0) {
      out += text[i++];
      continue;
    }
    const std::string_view name = text.substr(i + 1, length - 2);
    bool found = false;
    for (const MessageArg& arg : message.args()) {
      if (arg.name == name) {
        out += RenderArg(arg, language);
        found = true;
        break;
      }
    }
    if (!found) out += text.substr(i, length);
    i += length;
  }
  if (language == Language::kPseudo) out += "⟧";
  return out;
}

std::string Text(Language language, std::string_view id, std::vector<MessageArg> args) {
  return Render(Message(id, std::move(args)), language);
}

std::span<const CatalogueEntry> Catalogue() { return kCatalogue; }

std::vector<std::string_view> Placeholders(std::string_view text) {
  std::vector<std::string_view> out;
  for (size_t i = 0; i < text.size(); ++i) {
    const size_t length = PlaceholderAt(text, i);
    if (length == 0) continue;
    out.push_back(text.substr(i + 1, length - 2));
    i += length - 1;
  }
  return out;
}

}  // namespace keneya::core
