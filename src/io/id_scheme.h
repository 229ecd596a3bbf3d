// How a file names metadata objects: by uid, code, name or the value of an attribute (DHIS2's id
// schemes), and lookups of objects by any of them.
#ifndef KENEYA_IO_ID_SCHEME_H_
#define KENEYA_IO_ID_SCHEME_H_

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/attribute.h"
#include "core/result.h"

namespace keneya::io {

struct IdScheme {
  enum class Kind { kUid, kCode, kName, kAttribute };
  Kind kind = Kind::kUid;
  std::string attribute_uid;  // for kAttribute
  friend bool operator==(const IdScheme&, const IdScheme&) = default;
};

// "UID", "uid", "CODE", "NAME", "ATTRIBUTE:<uid>" (DHIS2 also writes "ID" for UID).
core::Result<IdScheme> ParseIdScheme(std::string_view text);
std::string IdSchemeName(const IdScheme& scheme);

// The schemes for each kind of object; unset ones fall back to `id_scheme`.
struct IdSchemes {
  std::optional<IdScheme> id_scheme;
  std::optional<IdScheme> data_set;
  std::optional<IdScheme> data_element;
  std::optional<IdScheme> org_unit;
  std::optional<IdScheme> category_option_combo;
  std::optional<IdScheme> category;  // ADX categories and their options (DHIS2's default: CODE)
};

// Finds objects of one kind by the text a scheme gives them. Maps are built on first use of a
// scheme. A name or attribute value shared by two objects finds neither (it is ambiguous).
template <typename T>
class ObjectLookup {
 public:
  explicit ObjectLookup(const std::vector<T>& objects) : objects_(objects) {}

  const T* Find(const IdScheme& scheme, std::string_view text) {
    auto& map = MapFor(scheme);
    auto it = map.find(text);
    return it == map.end() ? nullptr : it->second;
  }

 private:
  std::unordered_map<std::string_view, const T*>& MapFor(const IdScheme& scheme) {
    // The same scheme as the last call (nearly always): its map without naming the scheme.
    if (last_map_ != nullptr && scheme.kind == last_kind_ &&
        scheme.attribute_uid == last_attribute_) {
      return *last_map_;
    }
    auto& map = MapOfScheme(scheme);
    last_map_ = &map;
    last_kind_ = scheme.kind;
    last_attribute_ = scheme.attribute_uid;
    return map;
  }

  std::unordered_map<std::string_view, const T*>& MapOfScheme(const IdScheme& scheme) {
    const std::string key = IdSchemeName(scheme);
    auto found = maps_.find(key);
    if (found != maps_.end()) return found->second;
    auto& map = maps_[key];
    map.reserve(objects_.size());
    std::vector<std::string_view> ambiguous;
    for (const T& object : objects_) {
      std::string_view text;
      switch (scheme.kind) {
        case IdScheme::Kind::kUid:
          text = object.uid;
          break;
        case IdScheme::Kind::kCode:
          text = object.code;
          break;
        case IdScheme::Kind::kName:
          text = object.name;
          break;
        case IdScheme::Kind::kAttribute:
          if constexpr (requires { object.attribute_values; }) {
            for (const core::AttributeValue& v : object.attribute_values) {
              if (v.attribute_uid == scheme.attribute_uid) text = v.value;
            }
          }
          break;
      }
      if (text.empty()) continue;
      if (!map.emplace(text, &object).second) ambiguous.push_back(text);
    }
    for (std::string_view text : ambiguous) map.erase(text);
    return map;
  }

  const std::vector<T>& objects_;
  std::map<std::string, std::unordered_map<std::string_view, const T*>> maps_;
  std::unordered_map<std::string_view, const T*>* last_map_ = nullptr;
  IdScheme::Kind last_kind_ = IdScheme::Kind::kUid;
  std::string last_attribute_;
};

}  // namespace keneya::io

#endif  // KENEYA_IO_ID_SCHEME_H_
