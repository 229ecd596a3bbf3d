#include "io/id_scheme.h"

#include <cctype>

#include "core/uid.h"

namespace keneya::io {

core::Result<IdScheme> ParseIdScheme(std::string_view text) {
  std::string upper(text);
  for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  if (upper == "UID" || upper == "ID") return IdScheme{IdScheme::Kind::kUid, ""};
  if (upper == "CODE") return IdScheme{IdScheme::Kind::kCode, ""};
  if (upper == "NAME") return IdScheme{IdScheme::Kind::kName, ""};
  if (upper.rfind("ATTRIBUTE:", 0) == 0) {
    const std::string uid(text.substr(10));
    if (!core::IsValidUid(uid)) {
      return core::InvalidArgument(core::Message("io.id_scheme.bad_attribute", {{"uid", uid}}),
                                   "idScheme");
    }
    return IdScheme{IdScheme::Kind::kAttribute, uid};
  }
  return core::InvalidArgument(core::Message("io.id_scheme.unknown", {{"text", text}}), "idScheme");
}

std::string IdSchemeName(const IdScheme& scheme) {
  switch (scheme.kind) {
    case IdScheme::Kind::kUid:
      return "UID";
    case IdScheme::Kind::kCode:
      return "CODE";
    case IdScheme::Kind::kName:
      return "NAME";
    case IdScheme::Kind::kAttribute:
      return "ATTRIBUTE:" + scheme.attribute_uid;
  }
  return "UID";
}

}  // namespace keneya::io
