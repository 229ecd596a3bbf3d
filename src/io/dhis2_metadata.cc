#include "io/dhis2_metadata.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <functional>
#include <limits>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <unordered_map>
#include <unordered_set>
#include <utility>

#include "core/category.h"
#include "core/date.h"
#include "core/period.h"
#include "core/text.h"
#include "io/reader_internal.h"

namespace keneya::io {
namespace {

// ordered_json keeps the keys in file order, so that a geometry kept as text reads as the file
// wrote it, and the writer's output has DHIS2's usual key order (id, code, name first).
using Json = nlohmann::ordered_json;
using core::Error;
using core::InvalidArgument;
using core::Message;
using core::OkStatus;
using core::Result;
using core::Status;

// ---------------------------------------------------------------------------------------------
// Reading: one object's fields.

// Keys DHIS2 adds to objects for its own bookkeeping, access control or display. Nothing in
// them belongs in Keneya's bundle, so they are dropped without a line in `ignored`.
const std::set<std::string, std::less<>> kBookkeepingKeys = {
    "access",
    "created",
    "createdBy",
    "dimensionItem",
    "dimensionItemType",
    "displayDescription",
    "displayFormName",
    "displayName",
    "displayShortName",
    "externalAccess",
    "favorite",
    "favorites",
    "href",
    "lastUpdated",
    "lastUpdatedBy",
    "publicAccess",
    "sharing",
    "translations",
    "user",
    "userAccesses",
    "userGroupAccesses",
};

// A value as an error message shows it: "a string (\"3\")", "an array".
Message DescribeValue(const Json& value) {
  auto excerpt = [&] {
    std::string text = value.dump(-1, ' ', false, Json::error_handler_t::replace);
    if (text.size() > 40) text = text.substr(0, 37) + "...";
    return text;
  };
  switch (value.type()) {
    case Json::value_t::null:
      return Message("io.metadata.value.null");
    case Json::value_t::boolean:
      return Message("io.metadata.value.boolean", {{"excerpt", excerpt()}});
    case Json::value_t::string:
      return Message("io.metadata.value.string", {{"excerpt", excerpt()}});
    case Json::value_t::number_integer:
    case Json::value_t::number_unsigned:
    case Json::value_t::number_float:
      return Message("io.metadata.value.number", {{"excerpt", excerpt()}});
    case Json::value_t::array:
      return Message("io.metadata.value.array");
    case Json::value_t::object:
      return Message("io.metadata.value.object");
    default:
      return Message("io.metadata.value.other", {{"type", value.type_name()}});
  }
}

// True when a value carries nothing (null, "", [], {}): such a field loses nothing when dropped.
bool IsEmptyValue(const Json& value) {
  return value.is_null() || (value.is_string() && value.get_ref<const std::string&>().empty()) ||
         (value.is_array() && value.empty()) || (value.is_object() && value.empty());
}

// Reads the fields of one object of a collection, remembering which keys it used so that the
// others can be reported as not kept. Errors name the object and the field:
// message "organisationUnit DiszpKrYNg8: level should be an integer, not a string (\"3\")",
// where "organisationUnits[3].level".
class ObjectReader {
 public:
  ObjectReader(const Json& object, std::string at, std::string_view singular,
               std::set<std::string>* not_kept)
      : object_(object), at_(std::move(at)), singular_(singular), not_kept_(not_kept) {}

  const std::string& at() const { return at_; }
  const std::string& uid() const { return uid_; }
  // "organisationUnit DiszpKrYNg8", or the position while the id is not known.
  std::string what() const { return uid_.empty() ? at_ : std::string(singular_) + " " + uid_; }

  Error Fail(std::string_view field, Message problem) const {
    return InvalidArgument(
        Message("io.metadata.field_problem",
                {{"object", what()}, {"field", field}, {"problem", std::move(problem)}}),
        at_ + "." + std::string(field));
  }
  // `expected`: one of the io.metadata.expected.* messages ("a string").
  Error Wrong(std::string_view field, std::string_view expected, const Json& value) const {
    return Fail(field, Message("io.metadata.should_be",
                               {{"expected", Message(expected)}, {"value", DescribeValue(value)}}));
  }

  // The value of `key`, marked as used; nullptr when absent or null.
  const Json* Take(std::string_view key) {
    used_.insert(std::string(key));
    auto it = object_.find(std::string(key));
    if (it == object_.end() || it->is_null()) return nullptr;
    return &*it;
  }
  // Marks keys as used without reading them (derived data Keneya rebuilds from the other side).
  void Skip(std::initializer_list<std::string_view> keys) {
    for (std::string_view key : keys) used_.insert(std::string(key));
  }
  // The object is not kept at all: none of its fields is reported.
  void Discard() { discarded_ = true; }

  // The object's uid, which every object must have.
  Status Id() {
    const Json* id = Take("id");
    if (id == nullptr) {
      return InvalidArgument(Message("io.metadata.no_id", {{"at", at_}}), at_ + ".id");
    }
    if (!id->is_string()) return Wrong("id", "io.metadata.expected.string", *id);
    uid_ = id->get<std::string>();
    if (uid_.empty()) return Fail("id", Message("io.metadata.empty_id"));
    return OkStatus();
  }

  // A string field; "" when absent or null.
  Result<std::string> String(std::string_view key) {
    KENEYA_ASSIGN_OR_RETURN(std::optional<std::string> value, OptionalString(key));
    return value.value_or("");
  }
  Result<std::optional<std::string>> OptionalString(std::string_view key) {
    const Json* value = Take(key);
    if (value == nullptr) return std::optional<std::string>();
    if (!value->is_string()) return Wrong(key, "io.metadata.expected.string", *value);
    return std::optional<std::string>(value->get<std::string>());
  }
  Result<std::optional<int>> Int(std::string_view key) {
    const Json* value = Take(key);
    if (value == nullptr) return std::optional<int>();
    if (!value->is_number_integer()) return Wrong(key, "io.metadata.expected.integer", *value);
    if (value->is_number_unsigned()) {
      const auto n = value->get<uint64_t>();
      if (n > static_cast<uint64_t>(std::numeric_limits<int>::max())) {
        return Fail(key, Message("io.metadata.out_of_range", {{"value", value->dump()}}));
      }
      return std::optional<int>(static_cast<int>(n));
    }
    const auto n = value->get<int64_t>();
    if (n < std::numeric_limits<int>::min() || n > std::numeric_limits<int>::max()) {
      return Fail(key, Message("io.metadata.out_of_range", {{"value", value->dump()}}));
    }
    return std::optional<int>(static_cast<int>(n));
  }
  Result<std::optional<bool>> Bool(std::string_view key) {
    const Json* value = Take(key);
    if (value == nullptr) return std::optional<bool>();
    if (!value->is_boolean()) return Wrong(key, "io.metadata.expected.boolean", *value);
    return std::optional<bool>(value->get<bool>());
  }
  // A date, from "yyyy-MM-dd" or DHIS2's "yyyy-MM-ddTHH:mm:ss.SSS" (the time is dropped).
  Result<std::optional<core::Date>> DateField(std::string_view key) {
    KENEYA_ASSIGN_OR_RETURN(std::optional<std::string> text, OptionalString(key));
    if (!text || text->empty()) return std::optional<core::Date>();
    Result<core::Date> date = core::Date::Parse(*text);
    if (!date.ok()) {
      return Fail(
          key, Message("io.metadata.not_a_date", {{"text", *text}, {"reason", date.error().text}}));
    }
    return std::optional<core::Date>(*date);
  }

  // A reference {"id": "<uid>"} (other keys in it are ignored); "" when absent or null.
  Result<std::string> Ref(std::string_view key) {
    const Json* value = Take(key);
    if (value == nullptr) return std::string();
    return RefValue(*value, std::string(key));
  }
  // An array of references, in file order.
  Result<std::vector<std::string>> RefList(std::string_view key) {
    std::vector<std::string> uids;
    const Json* value = Take(key);
    if (value == nullptr) return uids;
    if (!value->is_array()) return Wrong(key, "io.metadata.expected.references", *value);
    uids.reserve(value->size());
    for (size_t i = 0; i < value->size(); ++i) {
      KENEYA_ASSIGN_OR_RETURN(
          std::string uid, RefValue((*value)[i], std::string(key) + "[" + std::to_string(i) + "]"));
      uids.push_back(std::move(uid));
    }
    return uids;
  }
  Result<std::string> RefValue(const Json& value, const std::string& field) const {
    if (!value.is_object()) return Wrong(field, "io.metadata.expected.reference", value);
    auto id = value.find("id");
    if (id == value.end() || id->is_null()) {
      return Fail(field, Message("io.metadata.reference_without_id"));
    }
    if (!id->is_string() || id->get_ref<const std::string&>().empty()) {
      return Wrong(field + ".id", "io.metadata.expected.uid", *id);
    }
    return id->get<std::string>();
  }

  // "attributeValues": [{"attribute": {"id": ...}, "value": "..."}].
  Result<std::vector<core::AttributeValue>> AttributeValues() {
    std::vector<core::AttributeValue> values;
    const Json* list = Take("attributeValues");
    if (list == nullptr) return values;
    if (!list->is_array()) {
      return Wrong("attributeValues", "io.metadata.expected.attribute_values", *list);
    }
    for (size_t i = 0; i < list->size(); ++i) {
      const std::string field = "attributeValues[" + std::to_string(i) + "]";
      const Json& item = (*list)[i];
      if (!item.is_object()) {
        return Wrong(field, "io.metadata.expected.attribute_value", item);
      }
      core::AttributeValue value;
      auto attribute = item.find("attribute");
      if (attribute == item.end() || attribute->is_null()) {
        return Fail(field + ".attribute", Message("io.metadata.attribute_missing"));
      }
      KENEYA_ASSIGN_OR_RETURN(value.attribute_uid, RefValue(*attribute, field + ".attribute"));
      auto text = item.find("value");
      if (text == item.end() || !text->is_string()) {
        static const Json kAbsent;
        return Wrong(field + ".value", "io.metadata.expected.string",
                     text == item.end() ? kAbsent : *text);
      }
      value.value = text->get<std::string>();
      values.push_back(std::move(value));
    }
    return values;
  }

  // Records the keys with content that nothing used.
  void Finish() {
    if (discarded_) return;
    for (const auto& [key, value] : object_.items()) {
      if (used_.contains(key) || kBookkeepingKeys.contains(key) || IsEmptyValue(value)) continue;
      not_kept_->insert(key);
    }
  }

 private:
  const Json& object_;
  std::string at_;
  std::string_view singular_;
  std::set<std::string>* not_kept_;
  std::set<std::string> used_;
  std::string uid_;
  bool discarded_ = false;
};

// ---------------------------------------------------------------------------------------------
// Reading: the whole file.

// A JSON syntax error's location, from nlohmann's byte index of the last character it read
// (1-based; size + 1 at the end of the input). Columns count characters, not UTF-8 bytes.
Message SyntaxErrorLocation(std::string_view text, size_t byte, std::string_view file_name) {
  const size_t offending = std::min(byte == 0 ? 0 : byte - 1, text.size());
  size_t line = 1;
  size_t column = 1;
  for (size_t i = 0; i < offending; ++i) {
    if (text[i] == '\n') {
      ++line;
      column = 1;
    } else if ((static_cast<unsigned char>(text[i]) & 0xC0) != 0x80) {
      ++column;
    }
  }
  return FileLineColumn(file_name, line, column);
}

// nlohmann's message without its "[json.exception.parse_error.101] parse error at line 3,
// column 5: " prefix (the location is given separately).
// nlohmann quotes the last bytes it read, which may cut a character in two: the message is made
// valid UTF-8 again.
std::string SyntaxErrorMessage(const std::string& what) {
  const size_t start = what.find("parse error");
  const size_t colon = what.find(": ", start == std::string::npos ? 0 : start);
  return core::ToValidUtf8(colon == std::string::npos ? what : what.substr(colon + 2));
}

// Collections that are not part of Keneya's metadata, with why.
Message WhyNotKept(std::string_view collection) {
  static const std::map<std::string_view, std::string_view> kReasons = {
      {"users", "io.metadata.why.own_users"},
      {"userRoles", "io.metadata.why.own_users_and_roles"},
      {"userGroups", "io.metadata.why.own_users"},
      {"organisationUnitLevels", "io.metadata.why.fixed_levels"},
      {"categoryOptionGroups", "io.metadata.why.no_option_groups"},
      {"categoryOptionGroupSets", "io.metadata.why.no_option_groups"},
      {"dataElementGroups", "io.metadata.why.no_element_groups"},
      {"dataElementGroupSets", "io.metadata.why.no_element_groups"},
      {"indicators", "io.metadata.why.own_rules"},
      {"indicatorTypes", "io.metadata.why.own_rules"},
      {"validationRules", "io.metadata.why.own_checks"},
      {"predictors", "io.metadata.why.own_rules"},
      {"programs", "io.metadata.why.aggregate_only"},
      {"programStages", "io.metadata.why.aggregate_only"},
      {"trackedEntityTypes", "io.metadata.why.aggregate_only"},
      {"trackedEntityAttributes", "io.metadata.why.aggregate_only"},
      {"dataApprovalLevels", "io.metadata.why.own_workflow"},
      {"dataApprovalWorkflows", "io.metadata.why.own_workflow"},
      {"legendSets", "io.metadata.why.display"},
      {"dashboards", "io.metadata.why.display"},
      {"visualizations", "io.metadata.why.display"},
      {"maps", "io.metadata.why.display"},
      {"system", "io.metadata.why.export_header"},
      {"date", "io.metadata.why.export_header"},
  };
  auto it = kReasons.find(collection);
  return Message(it == kReasons.end() ? "io.metadata.why.other" : it->second);
}

// The collections Keneya keeps, in the order they are read.
constexpr std::string_view kKeptCollections[] = {
    "attributes",
    "options",
    "optionSets",
    "organisationUnits",
    "organisationUnitGroups",
    "organisationUnitGroupSets",
    "categoryOptions",
    "categories",
    "categoryCombos",
    "categoryOptionCombos",
    "dataElements",
    "dataSets",
};

struct OptionRead {
  core::Option option;
  std::string set_uid;
  int sort_order = std::numeric_limits<int>::max();
  bool used = false;
};

struct OrgUnitRead {
  core::OrgUnit ou;
  bool has_level = false;
  bool has_path = false;
};

struct DataSetElementRead {
  std::string data_element_uid;
  std::string category_combo_uid;  // a per-data-set override, or empty
  std::string at;
};

class MetadataReader {
 public:
  explicit MetadataReader(MetadataReadResult& out) : out_(out), bundle_(out.bundle) {}

  Status Read(const Json& root) {
    if (!root.is_object()) {
      return InvalidArgument(
          Message("io.metadata.root_not_object", {{"value", DescribeValue(root)}}), "root");
    }
    KENEYA_RETURN_IF_ERROR(ForEachObject(root, "attributes", "attribute",
                                         [&](ObjectReader& r) { return ReadAttribute(r); }));
    KENEYA_RETURN_IF_ERROR(
        ForEachObject(root, "options", "option", [&](ObjectReader& r) { return ReadOption(r); }));
    KENEYA_RETURN_IF_ERROR(ForEachObject(root, "optionSets", "optionSet",
                                         [&](ObjectReader& r) { return ReadOptionSet(r); }));
    KENEYA_RETURN_IF_ERROR(ForEachObject(root, "organisationUnits", "organisationUnit",
                                         [&](ObjectReader& r) { return ReadOrgUnit(r); }));
    KENEYA_RETURN_IF_ERROR(ForEachObject(root, "organisationUnitGroups", "organisationUnitGroup",
                                         [&](ObjectReader& r) { return ReadGroup(r); }));
    KENEYA_RETURN_IF_ERROR(ForEachObject(root, "organisationUnitGroupSets",
                                         "organisationUnitGroupSet",
                                         [&](ObjectReader& r) { return ReadGroupSet(r); }));
    KENEYA_RETURN_IF_ERROR(ForEachObject(root, "categoryOptions", "categoryOption",
                                         [&](ObjectReader& r) { return ReadCategoryOption(r); }));
    KENEYA_RETURN_IF_ERROR(ForEachObject(root, "categories", "category",
                                         [&](ObjectReader& r) { return ReadCategory(r); }));
    KENEYA_RETURN_IF_ERROR(ForEachObject(root, "categoryCombos", "categoryCombo",
                                         [&](ObjectReader& r) { return ReadCombo(r); }));
    KENEYA_RETURN_IF_ERROR(ForEachObject(root, "categoryOptionCombos", "categoryOptionCombo",
                                         [&](ObjectReader& r) { return ReadOptionCombo(r); }));
    KENEYA_RETURN_IF_ERROR(ForEachObject(root, "dataElements", "dataElement",
                                         [&](ObjectReader& r) { return ReadDataElement(r); }));
    KENEYA_RETURN_IF_ERROR(ForEachObject(root, "dataSets", "dataSet",
                                         [&](ObjectReader& r) { return ReadDataSet(r); }));
    NoteOtherKeys(root);

    AssembleOptionSets();
    AssembleOrgUnits();
    AssembleGroupSets();
    OrderOptionCombos();
    AssembleDataSets();
    AddDefaultCategoryObjects();
    NoteFieldsNotKept();
    return OkStatus();
  }

 private:
  template <typename Fn>
  Status ForEachObject(const Json& root, std::string_view key, std::string_view singular,
                       Fn&& read) {
    auto it = root.find(std::string(key));
    if (it == root.end() || it->is_null()) return OkStatus();
    if (!it->is_array()) {
      return InvalidArgument(Message("io.metadata.collection_not_array",
                                     {{"key", key}, {"value", DescribeValue(*it)}}),
                             std::string(key));
    }
    std::set<std::string>& not_kept = not_kept_[std::string(key)];
    for (size_t i = 0; i < it->size(); ++i) {
      const Json& item = (*it)[i];
      std::string at = std::string(key) + "[" + std::to_string(i) + "]";
      if (!item.is_object()) {
        return InvalidArgument(
            Message("io.metadata.element_not_object", {{"at", at}, {"value", DescribeValue(item)}}),
            at);
      }
      ObjectReader reader(item, std::move(at), singular, &not_kept);
      KENEYA_RETURN_IF_ERROR(reader.Id());
      KENEYA_RETURN_IF_ERROR(read(reader));
      reader.Finish();
    }
    return OkStatus();
  }

  // Reads id (done by ForEachObject), code and name into any object that has them.
  template <typename T>
  Status ReadIdentity(ObjectReader& r, T& object) {
    object.uid = r.uid();
    KENEYA_ASSIGN_OR_RETURN(object.code, r.String("code"));
    KENEYA_ASSIGN_OR_RETURN(object.name, r.String("name"));
    return OkStatus();
  }

  Status ReadAttribute(ObjectReader& r) {
    core::Attribute attribute;
    KENEYA_RETURN_IF_ERROR(ReadIdentity(r, attribute));
    bundle_.attributes.push_back(std::move(attribute));
    return OkStatus();
  }

  Status ReadOption(ObjectReader& r) {
    OptionRead read;
    read.option.uid = r.uid();
    KENEYA_ASSIGN_OR_RETURN(read.option.code, r.String("code"));
    KENEYA_ASSIGN_OR_RETURN(read.option.name, r.String("name"));
    KENEYA_ASSIGN_OR_RETURN(read.set_uid, r.Ref("optionSet"));
    KENEYA_ASSIGN_OR_RETURN(std::optional<int> sort_order, r.Int("sortOrder"));
    if (sort_order) read.sort_order = *sort_order;
    option_index_.emplace(read.option.uid, options_.size());
    options_.push_back(std::move(read));
    return OkStatus();
  }

  Status ReadOptionSet(ObjectReader& r) {
    core::OptionSet set;
    KENEYA_RETURN_IF_ERROR(ReadIdentity(r, set));
    KENEYA_ASSIGN_OR_RETURN(std::optional<std::string> value_type, r.OptionalString("valueType"));
    if (value_type)
      KENEYA_RETURN_IF_ERROR(ParseValueTypeAt(r, "valueType", *value_type, set.value_type));
    // Options inline: references to the top-level "options", or whole options.
    if (const Json* list = r.Take("options"); list != nullptr) {
      if (!list->is_array()) return r.Wrong("options", "io.metadata.expected.options", *list);
      for (size_t i = 0; i < list->size(); ++i) {
        const std::string field = "options[" + std::to_string(i) + "]";
        const Json& item = (*list)[i];
        if (!item.is_object()) return r.Wrong(field, "io.metadata.expected.option", item);
        core::Option option;
        KENEYA_ASSIGN_OR_RETURN(option.uid, r.RefValue(item, field));
        const std::pair<const char*, std::string*> fields[] = {{"code", &option.code},
                                                               {"name", &option.name}};
        for (const auto& [key, target] : fields) {
          auto it = item.find(key);
          if (it == item.end() || it->is_null()) continue;
          if (!it->is_string()) {
            return r.Wrong(field + "." + key, "io.metadata.expected.string", *it);
          }
          *target = it->get<std::string>();
        }
        set.options.push_back(std::move(option));
      }
    }
    bundle_.option_sets.push_back(std::move(set));
    return OkStatus();
  }

  Status ReadOrgUnit(ObjectReader& r) {
    OrgUnitRead read;
    core::OrgUnit& ou = read.ou;
    KENEYA_RETURN_IF_ERROR(ReadIdentity(r, ou));
    KENEYA_ASSIGN_OR_RETURN(std::optional<std::string> short_name, r.OptionalString("shortName"));
    ou.short_name = short_name.value_or(ou.name);
    KENEYA_ASSIGN_OR_RETURN(std::optional<int> level, r.Int("level"));
    if (level && *level < 1) {
      // DHIS2's levels start at 1 (the country); a level 0 would be written back as "no level".
      return r.Fail("level", Message("io.metadata.level_below_one", {{"level", *level}}));
    }
    read.has_level = level.has_value();
    ou.level = level.value_or(0);
    KENEYA_ASSIGN_OR_RETURN(std::optional<std::string> path, r.OptionalString("path"));
    read.has_path = path.has_value() && !path->empty();
    ou.path = path.value_or("");
    KENEYA_ASSIGN_OR_RETURN(ou.parent_uid, r.Ref("parent"));
    KENEYA_ASSIGN_OR_RETURN(ou.opening_date, r.DateField("openingDate"));
    KENEYA_ASSIGN_OR_RETURN(ou.closing_date, r.DateField("closedDate"));
    if (const Json* geometry = r.Take("geometry"); geometry != nullptr) {
      KENEYA_RETURN_IF_ERROR(ReadGeometry(r, *geometry, ou));
    }
    if (const Json* point = r.Take("keneyaCoordinates"); point != nullptr) {
      KENEYA_ASSIGN_OR_RETURN(ou.coordinates, ReadPoint(r, "keneyaCoordinates", *point));
    }
    KENEYA_ASSIGN_OR_RETURN(std::optional<std::string> type, r.OptionalString("keneyaType"));
    if (type) {
      Result<core::OrgUnitType> parsed = core::ParseOrgUnitType(*type);
      if (!parsed.ok()) {
        return r.Fail("keneyaType", Message("io.metadata.unknown_keneya_type", {{"type", *type}}));
      }
      ou.type = *parsed;
    }
    KENEYA_ASSIGN_OR_RETURN(ou.attribute_values, r.AttributeValues());
    KENEYA_ASSIGN_OR_RETURN(std::vector<std::string> groups, r.RefList("organisationUnitGroups"));
    ou.group_uids = std::move(groups);
    // Derived from the parents, which Keneya keeps.
    r.Skip({"ancestors", "children"});
    org_units_.push_back(std::move(read));
    return OkStatus();
  }

  // [longitude, latitude], GeoJSON's order.
  Result<core::Coordinates> ReadPoint(const ObjectReader& r, const std::string& field,
                                      const Json& value) {
    if (!value.is_array() || value.size() < 2 || !value[0].is_number() || !value[1].is_number()) {
      return r.Wrong(field, "io.metadata.expected.point", value);
    }
    return core::Coordinates{.latitude = value[1].get<double>(),
                             .longitude = value[0].get<double>()};
  }

  Status ReadGeometry(const ObjectReader& r, const Json& geometry, core::OrgUnit& ou) {
    if (!geometry.is_object()) {
      return r.Wrong("geometry", "io.metadata.expected.geometry", geometry);
    }
    auto type = geometry.find("type");
    if (type == geometry.end() || !type->is_string()) {
      static const Json kAbsent;
      return r.Wrong("geometry.type", "io.metadata.expected.geometry_type",
                     type == geometry.end() ? kAbsent : *type);
    }
    const std::string& name = type->get_ref<const std::string&>();
    static const Json kAbsent;
    auto coordinates = geometry.find("coordinates");
    const Json& points = coordinates == geometry.end() ? kAbsent : *coordinates;
    if (name == "Point") {
      KENEYA_ASSIGN_OR_RETURN(ou.coordinates, ReadPoint(r, "geometry.coordinates", points));
    } else if (name == "Polygon" || name == "MultiPolygon") {
      if (!points.is_array()) {
        return r.Wrong("geometry.coordinates", "io.metadata.expected.rings", points);
      }
      ou.geometry = geometry.dump();
    } else {
      NotKept(Message("io.metadata.not_kept_geometry", {{"uid", ou.uid}, {"type", name}}));
    }
    return OkStatus();
  }

  Status ReadGroup(ObjectReader& r) {
    core::OrgUnitGroup group;
    KENEYA_RETURN_IF_ERROR(ReadIdentity(r, group));
    KENEYA_ASSIGN_OR_RETURN(std::vector<std::string> members, r.RefList("organisationUnits"));
    for (std::string& member : members) group_members_.push_back({group.uid, std::move(member)});
    KENEYA_ASSIGN_OR_RETURN(std::vector<std::string> sets, r.RefList("groupSets"));
    for (std::string& set : sets) set_members_.push_back({std::move(set), group.uid});
    bundle_.org_unit_groups.push_back(std::move(group));
    return OkStatus();
  }

  Status ReadGroupSet(ObjectReader& r) {
    core::OrgUnitGroupSet set;
    KENEYA_RETURN_IF_ERROR(ReadIdentity(r, set));
    KENEYA_ASSIGN_OR_RETURN(set.group_uids, r.RefList("organisationUnitGroups"));
    KENEYA_ASSIGN_OR_RETURN(std::optional<bool> exclusive, r.Bool("keneyaExclusive"));
    set.exclusive = exclusive.value_or(true);
    bundle_.org_unit_group_sets.push_back(std::move(set));
    return OkStatus();
  }

  Status ReadCategoryOption(ObjectReader& r) {
    core::CategoryOption option;
    KENEYA_RETURN_IF_ERROR(ReadIdentity(r, option));
    KENEYA_ASSIGN_OR_RETURN(option.start_date, r.DateField("startDate"));
    KENEYA_ASSIGN_OR_RETURN(option.end_date, r.DateField("endDate"));
    KENEYA_ASSIGN_OR_RETURN(option.attribute_values, r.AttributeValues());
    // The inverse of categories' categoryOptions.
    r.Skip({"categories"});
    bundle_.categories.options.push_back(std::move(option));
    return OkStatus();
  }

  Status ReadDimensionType(ObjectReader& r, core::DataDimensionType& type) {
    KENEYA_ASSIGN_OR_RETURN(std::optional<std::string> name, r.OptionalString("dataDimensionType"));
    if (!name) return OkStatus();
    Result<core::DataDimensionType> parsed = core::ParseDataDimensionType(*name);
    if (!parsed.ok()) {
      return r.Fail("dataDimensionType",
                    Message("io.metadata.unknown_dimension_type", {{"name", *name}}));
    }
    type = *parsed;
    return OkStatus();
  }

  Status ReadCategory(ObjectReader& r) {
    core::Category category;
    KENEYA_RETURN_IF_ERROR(ReadIdentity(r, category));
    KENEYA_RETURN_IF_ERROR(ReadDimensionType(r, category.dimension_type));
    KENEYA_ASSIGN_OR_RETURN(category.option_uids, r.RefList("categoryOptions"));
    // "items" repeats the options for the analytics API; "categoryCombos" is the inverse of the
    // combos' categories.
    r.Skip({"items", "categoryCombos"});
    bundle_.categories.categories.push_back(std::move(category));
    return OkStatus();
  }

  Status ReadCombo(ObjectReader& r) {
    core::CategoryCombo combo;
    KENEYA_RETURN_IF_ERROR(ReadIdentity(r, combo));
    KENEYA_RETURN_IF_ERROR(ReadDimensionType(r, combo.dimension_type));
    KENEYA_ASSIGN_OR_RETURN(combo.category_uids, r.RefList("categories"));
    // The inverse of the option combos' categoryCombo, which they carry themselves.
    r.Skip({"categoryOptionCombos"});
    bundle_.categories.combos.push_back(std::move(combo));
    return OkStatus();
  }

  Status ReadOptionCombo(ObjectReader& r) {
    core::CategoryOptionCombo coc;
    KENEYA_RETURN_IF_ERROR(ReadIdentity(r, coc));
    KENEYA_ASSIGN_OR_RETURN(coc.category_combo_uid, r.Ref("categoryCombo"));
    KENEYA_ASSIGN_OR_RETURN(coc.option_uids, r.RefList("categoryOptions"));
    KENEYA_ASSIGN_OR_RETURN(coc.attribute_values, r.AttributeValues());
    bundle_.categories.option_combos.push_back(std::move(coc));
    return OkStatus();
  }

  Status ParseValueTypeAt(const ObjectReader& r, std::string_view field, const std::string& name,
                          core::ValueType& type) {
    Result<core::ValueType> parsed = core::ParseValueType(name);
    if (!parsed.ok()) {
      return r.Fail(field, Message("io.metadata.unknown_value_type", {{"name", name}}));
    }
    type = *parsed;
    return OkStatus();
  }

  Status ReadDataElement(ObjectReader& r) {
    core::DataElement de;
    KENEYA_RETURN_IF_ERROR(ReadIdentity(r, de));
    KENEYA_ASSIGN_OR_RETURN(std::string domain, r.String("domainType"));
    if (!domain.empty() && domain != "AGGREGATE") {
      NotKept(Message("io.metadata.not_kept_domain",
                      {{"uid", de.uid}, {"name", de.name}, {"domain", domain}}));
      not_aggregate_.insert(de.uid);
      r.Discard();
      return OkStatus();
    }
    KENEYA_ASSIGN_OR_RETURN(de.short_name, r.String("shortName"));
    KENEYA_ASSIGN_OR_RETURN(de.description, r.String("description"));
    KENEYA_ASSIGN_OR_RETURN(std::optional<std::string> value_type, r.OptionalString("valueType"));
    if (!value_type) {
      return r.Fail("valueType", Message("io.metadata.value_type_missing"));
    }
    KENEYA_RETURN_IF_ERROR(ParseValueTypeAt(r, "valueType", *value_type, de.value_type));
    KENEYA_ASSIGN_OR_RETURN(std::optional<bool> zero, r.Bool("zeroIsSignificant"));
    de.zero_is_significant = zero.value_or(false);  // DHIS2's default
    KENEYA_ASSIGN_OR_RETURN(de.category_combo_uid, r.Ref("categoryCombo"));
    KENEYA_ASSIGN_OR_RETURN(de.option_set_uid, r.Ref("optionSet"));
    KENEYA_ASSIGN_OR_RETURN(de.attribute_values, r.AttributeValues());
    // The inverse of the data sets' dataSetElements.
    r.Skip({"dataSetElements", "dataSets"});
    bundle_.data_elements.push_back(std::move(de));
    return OkStatus();
  }

  Status ReadDataSet(ObjectReader& r) {
    core::DataSet ds;
    KENEYA_RETURN_IF_ERROR(ReadIdentity(r, ds));
    KENEYA_ASSIGN_OR_RETURN(std::optional<std::string> period_type, r.OptionalString("periodType"));
    if (!period_type) {
      return r.Fail("periodType", Message("io.metadata.period_type_missing"));
    }
    Result<core::PeriodType> parsed = core::ParsePeriodType(*period_type);
    if (!parsed.ok()) {
      return r.Fail("periodType",
                    Message("io.metadata.bad_period_type",
                            {{"name", *period_type}, {"reason", parsed.error().text}}));
    }
    ds.period_type = *parsed;
    KENEYA_ASSIGN_OR_RETURN(ds.category_combo_uid, r.Ref("categoryCombo"));
    std::vector<DataSetElementRead> elements;
    if (const Json* list = r.Take("dataSetElements"); list != nullptr) {
      if (!list->is_array()) {
        return r.Wrong("dataSetElements", "io.metadata.expected.data_set_elements", *list);
      }
      for (size_t i = 0; i < list->size(); ++i) {
        const std::string field = "dataSetElements[" + std::to_string(i) + "]";
        const Json& item = (*list)[i];
        if (!item.is_object()) {
          return r.Wrong(field, "io.metadata.expected.data_set_element", item);
        }
        DataSetElementRead element;
        element.at = field;
        auto de = item.find("dataElement");
        if (de == item.end() || de->is_null()) {
          return r.Fail(field + ".dataElement", Message("io.metadata.data_element_missing"));
        }
        KENEYA_ASSIGN_OR_RETURN(element.data_element_uid, r.RefValue(*de, field + ".dataElement"));
        if (auto combo = item.find("categoryCombo"); combo != item.end() && !combo->is_null()) {
          KENEYA_ASSIGN_OR_RETURN(element.category_combo_uid,
                                  r.RefValue(*combo, field + ".categoryCombo"));
        }
        elements.push_back(std::move(element));
      }
    }
    KENEYA_ASSIGN_OR_RETURN(std::vector<std::string> plain, r.RefList("dataElements"));
    for (std::string& uid : plain) {
      elements.push_back({std::move(uid), "", "dataElements"});
    }
    KENEYA_ASSIGN_OR_RETURN(ds.org_unit_uids, r.RefList("organisationUnits"));
    KENEYA_ASSIGN_OR_RETURN(std::optional<int> expiry, r.Int("expiryDays"));
    ds.expiry_days = expiry.value_or(0);
    KENEYA_ASSIGN_OR_RETURN(std::optional<int> future, r.Int("openFuturePeriods"));
    ds.open_future_periods = future.value_or(0);
    KENEYA_ASSIGN_OR_RETURN(ds.attribute_values, r.AttributeValues());
    data_set_elements_.push_back(std::move(elements));
    bundle_.data_sets.push_back(std::move(ds));
    return OkStatus();
  }

  void NoteOtherKeys(const Json& root) {
    for (const auto& [key, value] : root.items()) {
      if (std::find(std::begin(kKeptCollections), std::end(kKeptCollections), key) !=
          std::end(kKeptCollections)) {
        continue;
      }
      if (key == "pager") {
        NotePager(value);
      } else if (value.is_array()) {
        if (!value.empty()) {
          NotKept(
              Message("io.metadata.not_kept_collection",
                      {{"collection", key}, {"count", value.size()}, {"reason", WhyNotKept(key)}}));
        }
      } else if (!IsEmptyValue(value)) {
        NotKept(Message("io.metadata.not_kept_key", {{"key", key}, {"reason", WhyNotKept(key)}}));
      }
    }
  }

  // A page of /api/organisationUnits: say when the file is not the whole answer.
  void NotePager(const Json& pager) {
    if (!pager.is_object()) return;
    auto page = pager.find("page");
    auto count = pager.find("pageCount");
    if (page == pager.end() || count == pager.end() || !page->is_number_integer() ||
        !count->is_number_integer() || count->get<int64_t>() <= 1) {
      return;
    }
    NotKept(
        Message("io.metadata.not_kept_pager", {{"page", page->dump()}, {"count", count->dump()}}));
  }

  void AssembleOptionSets() {
    for (core::OptionSet& set : bundle_.option_sets) {
      for (core::Option& option : set.options) {
        auto it = option_index_.find(option.uid);
        if (it == option_index_.end()) continue;
        OptionRead& full = options_[it->second];
        full.used = true;
        if (!full.option.code.empty()) option.code = full.option.code;
        if (!full.option.name.empty()) option.name = full.option.name;
      }
      // Options that name the set but that its list leaves out come after, by sortOrder.
      std::vector<const OptionRead*> extra;
      for (OptionRead& read : options_) {
        if (!read.used && read.set_uid == set.uid) {
          read.used = true;
          extra.push_back(&read);
        }
      }
      std::stable_sort(extra.begin(), extra.end(), [](const OptionRead* a, const OptionRead* b) {
        return a->sort_order < b->sort_order;
      });
      for (const OptionRead* read : extra) set.options.push_back(read->option);
    }
    for (const OptionRead& read : options_) {
      if (read.used) continue;
      if (read.set_uid.empty()) {
        NotKept(Message("io.metadata.not_kept_option_without_set",
                        {{"uid", read.option.uid}, {"name", read.option.name}}));
      } else {
        NotKept(
            Message("io.metadata.not_kept_option_set_missing",
                    {{"uid", read.option.uid}, {"name", read.option.name}, {"set", read.set_uid}}));
      }
    }
  }

  void AssembleOrgUnits() {
    std::unordered_map<std::string_view, size_t> index;
    for (size_t i = 0; i < org_units_.size(); ++i) index.emplace(org_units_[i].ou.uid, i);

    // Memberships listed by the groups join those listed by the org units.
    for (const auto& [group, member] : group_members_) {
      auto it = index.find(member);
      if (it == index.end()) {
        NotKept(Message("io.metadata.not_kept_member", {{"group", group}, {"member", member}}));
        continue;
      }
      org_units_[it->second].ou.group_uids.push_back(group);
    }
    for (OrgUnitRead& read : org_units_) {
      std::vector<std::string>& groups = read.ou.group_uids;
      std::sort(groups.begin(), groups.end());
      groups.erase(std::unique(groups.begin(), groups.end()), groups.end());
      // A path names the parent when the file leaves it out.
      if (read.ou.parent_uid.empty() && read.has_path) {
        std::vector<std::string_view> uids = core::SplitPath(read.ou.path);
        if (uids.size() >= 2 && uids.back() == read.ou.uid) {
          read.ou.parent_uid = std::string(uids[uids.size() - 2]);
        }
      }
    }

    // Level and path from the parent chain, parents first. `state`: 0 to do, 1 in progress, 2
    // done, 3 on or under a cycle of parents: left as given for Validate to report, whatever the
    // order the units come in (so that what is written reads back the same).
    std::vector<int> state(org_units_.size(), 0);
    std::function<bool(size_t)> derive = [&](size_t i) {
      if (state[i] == 1 || state[i] == 3) {
        state[i] = 3;
        return false;
      }
      if (state[i] == 2) return true;
      state[i] = 1;
      OrgUnitRead& read = org_units_[i];
      core::OrgUnit& ou = read.ou;
      if (ou.parent_uid.empty()) {
        if (!read.has_level) ou.level = 1;
        if (!read.has_path) ou.path = "/" + ou.uid;
      } else if (auto parent = index.find(ou.parent_uid); parent != index.end()) {
        if (!derive(parent->second)) {
          state[i] = 3;
          return false;
        }
        const core::OrgUnit& p = org_units_[parent->second].ou;
        if (!read.has_level && p.level > 0) ou.level = p.level + 1;
        if (!read.has_path && !p.path.empty()) ou.path = p.path + "/" + ou.uid;
      }
      if (!read.has_level && ou.level == 0 && !ou.path.empty()) {
        ou.level = static_cast<int>(core::SplitPath(ou.path).size());
      }
      state[i] = 2;
      return true;
    };
    for (size_t i = 0; i < org_units_.size(); ++i) derive(i);

    // Parents before children, otherwise in file order.
    std::vector<bool> placed(org_units_.size(), false);
    std::function<void(size_t, size_t)> place = [&](size_t i, size_t depth) {
      if (placed[i]) return;
      // A unit on or under a cycle has no "parents first": it keeps its place in the file, so
      // that what is written reads back in the same order.
      if (state[i] != 3 && depth <= org_units_.size()) {
        if (auto parent = index.find(org_units_[i].ou.parent_uid); parent != index.end()) {
          place(parent->second, depth + 1);
        }
      }
      if (placed[i]) return;  // reached again through a cycle
      placed[i] = true;
      bundle_.org_units.push_back(std::move(org_units_[i].ou));
    };
    for (size_t i = 0; i < org_units_.size(); ++i) place(i, 0);
  }

  void AssembleGroupSets() {
    for (const auto& member : set_members_) {
      const std::string& group = member.second;
      auto set =
          std::find_if(bundle_.org_unit_group_sets.begin(), bundle_.org_unit_group_sets.end(),
                       [&](const core::OrgUnitGroupSet& s) { return s.uid == member.first; });
      if (set == bundle_.org_unit_group_sets.end()) continue;  // the set is not in the file
      if (std::find(set->group_uids.begin(), set->group_uids.end(), group) ==
          set->group_uids.end()) {
        set->group_uids.push_back(group);
      }
    }
  }

  // DHIS2 lists a COC's options in no particular order; Keneya's follow the combo's categories.
  // When the combo, its categories or the options do not match up, the file's order stays and
  // Validate() says what is wrong.
  void OrderOptionCombos() {
    core::CategoryModel& model = bundle_.categories;
    std::unordered_map<std::string_view, const core::Category*> categories;
    for (const core::Category& c : model.categories) categories.emplace(c.uid, &c);
    std::unordered_map<std::string_view, const core::CategoryCombo*> combos;
    for (const core::CategoryCombo& c : model.combos) combos.emplace(c.uid, &c);
    for (core::CategoryOptionCombo& coc : model.option_combos) {
      auto combo = combos.find(coc.category_combo_uid);
      if (combo == combos.end()) continue;
      const std::vector<std::string>& category_uids = combo->second->category_uids;
      if (category_uids.size() != coc.option_uids.size()) continue;
      std::vector<std::string> ordered;
      std::vector<bool> taken(coc.option_uids.size(), false);
      for (const std::string& category_uid : category_uids) {
        auto category = categories.find(category_uid);
        if (category == categories.end()) break;
        const std::vector<std::string>& allowed = category->second->option_uids;
        for (size_t i = 0; i < coc.option_uids.size(); ++i) {
          if (!taken[i] &&
              std::find(allowed.begin(), allowed.end(), coc.option_uids[i]) != allowed.end()) {
            taken[i] = true;
            ordered.push_back(coc.option_uids[i]);
            break;
          }
        }
      }
      if (ordered.size() == coc.option_uids.size()) coc.option_uids = std::move(ordered);
    }
  }

  void AssembleDataSets() {
    std::unordered_map<std::string_view, const core::DataElement*> data_elements;
    for (const core::DataElement& de : bundle_.data_elements) data_elements.emplace(de.uid, &de);
    for (size_t i = 0; i < bundle_.data_sets.size(); ++i) {
      core::DataSet& ds = bundle_.data_sets[i];
      for (const DataSetElementRead& element : data_set_elements_[i]) {
        const std::string& de_uid = element.data_element_uid;
        if (not_aggregate_.contains(de_uid)) {
          NotKept(Message("io.metadata.not_kept_data_set_element",
                          {{"uid", ds.uid}, {"data_element", de_uid}}));
          continue;
        }
        if (std::find(ds.data_element_uids.begin(), ds.data_element_uids.end(), de_uid) !=
            ds.data_element_uids.end()) {
          continue;  // listed in both dataSetElements and dataElements
        }
        ds.data_element_uids.push_back(de_uid);
        auto de = data_elements.find(de_uid);
        if (element.category_combo_uid.empty() || de == data_elements.end()) continue;
        const std::string& own = de->second->category_combo_uid.empty()
                                     ? std::string(core::kDefaultCategoryComboUid)
                                     : de->second->category_combo_uid;
        if (element.category_combo_uid != own) {
          NotKept(
              Message("io.metadata.not_kept_data_set_combo", {{"uid", ds.uid},
                                                              {"at", element.at},
                                                              {"combo", element.category_combo_uid},
                                                              {"own", own}}));
        }
      }
    }
  }

  // DHIS2's default category objects exist in every instance, so files refer to them without
  // defining them. When the file touches any of them, the bundle gets all four (a combo needs
  // its category, option and option combo); the file's own definitions win.
  void AddDefaultCategoryObjects() {
    core::CategoryModel& model = bundle_.categories;
    const std::set<std::string_view> defaults = {
        core::kDefaultCategoryOptionUid, core::kDefaultCategoryUid, core::kDefaultCategoryComboUid,
        core::kDefaultCategoryOptionComboUid};
    bool touched = false;
    auto touch = [&](std::string_view uid) { touched = touched || defaults.contains(uid); };
    for (const auto& o : model.options) touch(o.uid);
    for (const auto& c : model.categories) {
      touch(c.uid);
      for (const auto& uid : c.option_uids) touch(uid);
    }
    for (const auto& c : model.combos) {
      touch(c.uid);
      for (const auto& uid : c.category_uids) touch(uid);
    }
    for (const auto& c : model.option_combos) {
      touch(c.uid);
      touch(c.category_combo_uid);
      for (const auto& uid : c.option_uids) touch(uid);
    }
    for (const auto& de : bundle_.data_elements) touch(de.category_combo_uid);
    for (const auto& ds : bundle_.data_sets) touch(ds.category_combo_uid);
    if (!touched) return;
    const core::CategoryModel def = core::DefaultCategoryModel();
    auto add = [](auto& into, const auto& object) {
      for (const auto& existing : into) {
        if (existing.uid == object.uid) return;
      }
      into.insert(into.begin(), object);  // DHIS2 lists the defaults first
    };
    add(model.options, def.options.front());
    add(model.categories, def.categories.front());
    add(model.combos, def.combos.front());
    add(model.option_combos, def.option_combos.front());
  }

  void NoteFieldsNotKept() {
    for (std::string_view collection : kKeptCollections) {
      auto it = not_kept_.find(std::string(collection));
      if (it == not_kept_.end() || it->second.empty()) continue;
      std::string fields;
      for (const std::string& field : it->second) fields += (fields.empty() ? "" : ", ") + field;
      NotKept(
          Message("io.metadata.not_kept_fields", {{"collection", collection}, {"fields", fields}}));
    }
  }

  // Adds a line to `ignored`, in English, and to `ignored_text`.
  void NotKept(Message line) {
    out_.ignored.push_back(core::Render(line, core::Language::kEnglish));
    out_.ignored_text.push_back(std::move(line));
  }

  MetadataReadResult& out_;
  core::MetadataBundle& bundle_;
  std::map<std::string, std::set<std::string>> not_kept_;  // collection -> field names
  std::vector<OptionRead> options_;                        // the top-level "options"
  std::unordered_map<std::string, size_t> option_index_;
  std::vector<OrgUnitRead> org_units_;  // in file order, before derivation and ordering
  std::vector<std::pair<std::string, std::string>> group_members_;  // (group, org unit)
  std::vector<std::pair<std::string, std::string>> set_members_;    // (group set, group)
  std::vector<std::vector<DataSetElementRead>> data_set_elements_;  // per data set
  std::unordered_set<std::string> not_aggregate_;                   // data elements left out
};

// ---------------------------------------------------------------------------------------------
// Writing.

// DHIS2's short names hold at most 50 characters.
std::string ShortName(const std::string& short_name, const std::string& name) {
  const std::string& text = short_name.empty() ? name : short_name;
  size_t characters = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    if ((static_cast<unsigned char>(text[i]) & 0xC0) != 0x80 && ++characters > 50) {
      return text.substr(0, i);
    }
  }
  return text;
}

// DHIS2's own form for dates in metadata.
std::string DhisDate(core::Date date) { return date.ToString() + "T00:00:00.000"; }

Json Ref(const std::string& uid) { return Json{{"id", uid}}; }

Json RefList(const std::vector<std::string>& uids) {
  Json list = Json::array();
  for (const std::string& uid : uids) list.push_back(Ref(uid));
  return list;
}

Json Point(const core::Coordinates& c) { return Json::array({c.longitude, c.latitude}); }

class MetadataWriter {
 public:
  explicit MetadataWriter(const core::MetadataBundle& bundle) : b_(bundle) {}

  Result<Json> Write() {
    Json root = Json::object();
    KENEYA_RETURN_IF_ERROR(CheckUids());
    WriteAttributes(root);
    WriteOptions(root);
    WriteCategoryModel(root);
    KENEYA_RETURN_IF_ERROR(WriteOrgUnits(root));
    WriteGroups(root);
    WriteDataElements(root);
    WriteDataSets(root);
    return root;
  }

 private:
  // The reader needs an id on every object, DHIS2 too.
  Status CheckUids() const {
    Status status;
    // `kind`: what the objects are, "data set" (io.metadata.kind.*).
    auto check = [&](const Message& kind, const auto& objects) {
      for (size_t i = 0; i < objects.size() && status.ok(); ++i) {
        if (objects[i].uid.empty()) {
          status = InvalidArgument(
              Message("io.metadata.no_uid", {{"kind", kind}, {"name", objects[i].name}}),
              Message("io.metadata.place_object", {{"kind", kind}, {"index", i}}));
        }
      }
    };
    check(Message("io.metadata.kind.attribute"), b_.attributes);
    check(Message("io.metadata.kind.option_set"), b_.option_sets);
    for (const core::OptionSet& set : b_.option_sets) {
      check(Message("io.metadata.kind.option_of", {{"set", set.uid}}), set.options);
    }
    check(Message("io.metadata.kind.org_unit"), b_.org_units);
    check(Message("io.metadata.kind.org_unit_group"), b_.org_unit_groups);
    check(Message("io.metadata.kind.org_unit_group_set"), b_.org_unit_group_sets);
    check(Message("io.metadata.kind.category_option"), b_.categories.options);
    check(Message("io.metadata.kind.category"), b_.categories.categories);
    check(Message("io.metadata.kind.category_combo"), b_.categories.combos);
    check(Message("io.metadata.kind.category_option_combo"), b_.categories.option_combos);
    check(Message("io.metadata.kind.data_element"), b_.data_elements);
    check(Message("io.metadata.kind.data_set"), b_.data_sets);
    return status;
  }

  template <typename T>
  static Json Identity(const T& object) {
    Json json = Json::object();
    json["id"] = object.uid;
    if (!object.code.empty()) json["code"] = object.code;
    json["name"] = object.name;
    return json;
  }

  static void AttributeValues(Json& json, const std::vector<core::AttributeValue>& values) {
    if (values.empty()) return;
    Json list = Json::array();
    for (const core::AttributeValue& v : values) {
      list.push_back(Json{{"attribute", Ref(v.attribute_uid)}, {"value", v.value}});
    }
    json["attributeValues"] = std::move(list);
  }

  static void Put(Json& root, const char* collection, Json list) {
    if (!list.empty()) root[collection] = std::move(list);
  }

  // DHIS2 attributes say which kinds of object may carry them: set from the bundle's values.
  void WriteAttributes(Json& root) const {
    std::map<std::string, std::set<std::string>> used;  // attribute -> DHIS2 flags
    auto mark = [&](const char* flag, const std::vector<core::AttributeValue>& values) {
      for (const core::AttributeValue& v : values) used[v.attribute_uid].insert(flag);
    };
    for (const auto& o : b_.org_units) mark("organisationUnitAttribute", o.attribute_values);
    for (const auto& o : b_.data_elements) mark("dataElementAttribute", o.attribute_values);
    for (const auto& o : b_.data_sets) mark("dataSetAttribute", o.attribute_values);
    for (const auto& o : b_.categories.options) {
      mark("categoryOptionAttribute", o.attribute_values);
    }
    for (const auto& o : b_.categories.option_combos) {
      mark("categoryOptionComboAttribute", o.attribute_values);
    }
    Json list = Json::array();
    for (const core::Attribute& attribute : b_.attributes) {
      Json json = Identity(attribute);
      json["valueType"] = "TEXT";
      for (const std::string& flag : used[attribute.uid]) json[flag] = true;
      list.push_back(std::move(json));
    }
    Put(root, "attributes", std::move(list));
  }

  void WriteOptions(Json& root) const {
    Json options = Json::array();
    Json sets = Json::array();
    for (const core::OptionSet& set : b_.option_sets) {
      Json json = Identity(set);
      json["valueType"] = core::ValueTypeName(set.value_type);
      Json refs = Json::array();
      for (size_t i = 0; i < set.options.size(); ++i) {
        const core::Option& option = set.options[i];
        refs.push_back(Ref(option.uid));
        Json o = Json::object();
        o["id"] = option.uid;
        o["code"] = option.code;
        o["name"] = option.name.empty() ? option.code : option.name;  // DHIS2 requires a name
        o["sortOrder"] = i + 1;
        o["optionSet"] = Ref(set.uid);
        options.push_back(std::move(o));
      }
      json["options"] = std::move(refs);
      sets.push_back(std::move(json));
    }
    Put(root, "options", std::move(options));
    Put(root, "optionSets", std::move(sets));
  }

  void WriteCategoryModel(Json& root) const {
    const core::CategoryModel& model = b_.categories;
    Json options = Json::array();
    for (const core::CategoryOption& option : model.options) {
      Json json = Identity(option);
      json["shortName"] = ShortName("", option.name);
      if (option.start_date) json["startDate"] = DhisDate(*option.start_date);
      if (option.end_date) json["endDate"] = DhisDate(*option.end_date);
      AttributeValues(json, option.attribute_values);
      options.push_back(std::move(json));
    }
    Put(root, "categoryOptions", std::move(options));
    Json categories = Json::array();
    for (const core::Category& category : model.categories) {
      Json json = Identity(category);
      json["shortName"] = ShortName("", category.name);
      json["dataDimensionType"] = core::DataDimensionTypeName(category.dimension_type);
      json["categoryOptions"] = RefList(category.option_uids);
      categories.push_back(std::move(json));
    }
    Put(root, "categories", std::move(categories));
    Json combos = Json::array();
    for (const core::CategoryCombo& combo : model.combos) {
      Json json = Identity(combo);
      json["dataDimensionType"] = core::DataDimensionTypeName(combo.dimension_type);
      json["categories"] = RefList(combo.category_uids);
      combos.push_back(std::move(json));
    }
    Put(root, "categoryCombos", std::move(combos));
    Json cocs = Json::array();
    for (const core::CategoryOptionCombo& coc : model.option_combos) {
      Json json = Identity(coc);
      // A file may leave it out (the reader takes that, and Validate() says so): written back,
      // it stays out rather than becoming a reference to "" that no reader takes.
      if (!coc.category_combo_uid.empty()) json["categoryCombo"] = Ref(coc.category_combo_uid);
      json["categoryOptions"] = RefList(coc.option_uids);
      AttributeValues(json, coc.attribute_values);
      cocs.push_back(std::move(json));
    }
    Put(root, "categoryOptionCombos", std::move(cocs));
  }

  Status WriteOrgUnits(Json& root) const {
    std::unordered_set<std::string_view> groups_written;
    for (const core::OrgUnitGroup& group : b_.org_unit_groups) groups_written.insert(group.uid);
    Json list = Json::array();
    for (const core::OrgUnit& ou : b_.org_units) {
      Json json = Identity(ou);
      json["shortName"] = ShortName(ou.short_name, ou.name);
      if (ou.level > 0) json["level"] = ou.level;
      if (!ou.path.empty()) json["path"] = ou.path;
      if (!ou.parent_uid.empty()) json["parent"] = Ref(ou.parent_uid);
      if (ou.opening_date) json["openingDate"] = DhisDate(*ou.opening_date);
      if (ou.closing_date) json["closedDate"] = DhisDate(*ou.closing_date);
      if (ou.coordinates &&
          (!std::isfinite(ou.coordinates->latitude) || !std::isfinite(ou.coordinates->longitude))) {
        return InvalidArgument(Message("io.metadata.coordinates_not_numbers", {{"uid", ou.uid}}),
                               Message("io.metadata.place_coordinates", {{"uid", ou.uid}}));
      }
      // DHIS2 has one geometry: the area when there is one, else the point. An org unit with
      // both keeps its point under a Keneya key.
      if (!ou.geometry.empty()) {
        Json geometry = Json::parse(ou.geometry, nullptr, false);
        if (geometry.is_discarded() || !geometry.is_object()) {
          return InvalidArgument(Message("io.metadata.geometry_not_geojson",
                                         {{"uid", ou.uid}, {"excerpt", ou.geometry.substr(0, 60)}}),
                                 Message("io.metadata.place_geometry", {{"uid", ou.uid}}));
        }
        json["geometry"] = std::move(geometry);
        if (ou.coordinates) json["keneyaCoordinates"] = Point(*ou.coordinates);
      } else if (ou.coordinates) {
        json["geometry"] = Json{{"type", "Point"}, {"coordinates", Point(*ou.coordinates)}};
      }
      AttributeValues(json, ou.attribute_values);
      // Membership is written on the group side (WriteGroups); groups that are not in the
      // bundle keep theirs here, as DHIS2's org unit export lists them, so none is lost.
      std::vector<std::string> other_groups;
      for (const std::string& group : ou.group_uids) {
        if (!groups_written.contains(group)) other_groups.push_back(group);
      }
      if (!other_groups.empty()) json["organisationUnitGroups"] = RefList(other_groups);
      json["keneyaType"] = core::OrgUnitTypeCode(ou.type);
      list.push_back(std::move(json));
    }
    Put(root, "organisationUnits", std::move(list));
    return OkStatus();
  }

  // Membership goes on the group side, as DHIS2 writes it.
  void WriteGroups(Json& root) const {
    std::map<std::string_view, std::vector<std::string>> members;
    for (const core::OrgUnit& ou : b_.org_units) {
      for (const std::string& group : ou.group_uids) members[group].push_back(ou.uid);
    }
    Json groups = Json::array();
    for (const core::OrgUnitGroup& group : b_.org_unit_groups) {
      Json json = Identity(group);
      json["shortName"] = ShortName("", group.name);
      json["organisationUnits"] = RefList(members[group.uid]);
      groups.push_back(std::move(json));
    }
    Put(root, "organisationUnitGroups", std::move(groups));
    Json sets = Json::array();
    for (const core::OrgUnitGroupSet& set : b_.org_unit_group_sets) {
      Json json = Identity(set);
      json["shortName"] = ShortName("", set.name);
      json["keneyaExclusive"] = set.exclusive;
      json["organisationUnitGroups"] = RefList(set.group_uids);
      sets.push_back(std::move(json));
    }
    Put(root, "organisationUnitGroupSets", std::move(sets));
  }

  void WriteDataElements(Json& root) const {
    Json list = Json::array();
    for (const core::DataElement& de : b_.data_elements) {
      Json json = Identity(de);
      json["shortName"] = ShortName(de.short_name, de.name);
      if (!de.description.empty()) json["description"] = de.description;
      json["domainType"] = "AGGREGATE";
      json["valueType"] = core::ValueTypeName(de.value_type);
      // DHIS2 requires an aggregation type; FBR indicators are counts and scores.
      json["aggregationType"] = core::IsNumeric(de.value_type) ? "SUM" : "NONE";
      json["zeroIsSignificant"] = de.zero_is_significant;
      if (!de.category_combo_uid.empty()) json["categoryCombo"] = Ref(de.category_combo_uid);
      if (!de.option_set_uid.empty()) json["optionSet"] = Ref(de.option_set_uid);
      AttributeValues(json, de.attribute_values);
      list.push_back(std::move(json));
    }
    Put(root, "dataElements", std::move(list));
  }

  void WriteDataSets(Json& root) const {
    Json list = Json::array();
    for (const core::DataSet& ds : b_.data_sets) {
      Json json = Identity(ds);
      json["shortName"] = ShortName("", ds.name);
      json["periodType"] = core::PeriodTypeName(ds.period_type);
      if (!ds.category_combo_uid.empty()) json["categoryCombo"] = Ref(ds.category_combo_uid);
      json["expiryDays"] = ds.expiry_days;
      json["openFuturePeriods"] = ds.open_future_periods;
      Json elements = Json::array();
      for (const std::string& uid : ds.data_element_uids) {
        elements.push_back(Json{{"dataSet", Ref(ds.uid)}, {"dataElement", Ref(uid)}});
      }
      json["dataSetElements"] = std::move(elements);
      json["organisationUnits"] = RefList(ds.org_unit_uids);
      AttributeValues(json, ds.attribute_values);
      list.push_back(std::move(json));
    }
    Put(root, "dataSets", std::move(list));
  }

  const core::MetadataBundle& b_;
};

}  // namespace

Result<MetadataReadResult> ReadDhis2Metadata(std::string_view json, std::string_view file_name) {
  const std::string file(file_name);
  KENEYA_RETURN_IF_ERROR(core::CheckUtf8(json, file_name));
  Json root;
  try {
    root = Json::parse(json.begin(), json.end());
  } catch (const Json::parse_error& e) {
    return InvalidArgument(Message("io.json.malformed", {{"reason", SyntaxErrorMessage(e.what())}}),
                           SyntaxErrorLocation(json, e.byte, file_name));
  } catch (const Json::exception& e) {
    return InvalidArgument(Message("io.metadata.cannot_read_json", {{"detail", e.what()}}), file);
  }
  MetadataReadResult out;
  try {
    MetadataReader reader(out);
    Status status = reader.Read(root);
    if (!status.ok()) return status.error().In(file);
  } catch (const Json::exception& e) {
    // Every access is checked first; reaching this is a bug in this adapter.
    return core::Internal(Message("io.metadata.json_library_error", {{"detail", e.what()}}), file);
  }
  return out;
}

Result<std::string> WriteDhis2Metadata(const core::MetadataBundle& bundle) {
  try {
    KENEYA_ASSIGN_OR_RETURN(Json root, MetadataWriter(bundle).Write());
    return root.dump(2) + "\n";
  } catch (const Json::type_error& e) {
    // dump() refuses text that is not UTF-8 (error 316).
    return InvalidArgument(Message("io.metadata.not_utf8", {{"detail", e.what()}}), "metadata");
  } catch (const Json::exception& e) {
    return core::Internal(Message("io.metadata.json_library_error", {{"detail", e.what()}}),
                          "metadata");
  }
}

}  // namespace keneya::io
