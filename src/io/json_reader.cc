// DHIS2 JSON data value sets, read with simdjson's on-demand API: the values are parsed as they
// are visited, so a million values need no tree in memory.
#include <simdjson.h>

#include <algorithm>
#include <cstring>
#include <optional>
#include <string>

#include "io/data_value_set.h"
#include "io/reader_internal.h"

namespace keneya::io {
namespace {

using core::Status;
using simdjson::ondemand::json_type;

// Where a byte offset lies, as "file:line:column".
class Locator {
 public:
  Locator(std::string_view bytes, std::string_view file_name)
      : bytes_(bytes), file_name_(file_name) {}

  // 1-based line of `offset`; offsets must not decrease between calls (cheap scanning).
  int LineOf(size_t offset) {
    offset = std::min(offset, bytes_.size());
    if (offset < scanned_) {
      scanned_ = 0;
      line_ = 1;
    }
    line_ += static_cast<int>(std::count(bytes_.begin() + static_cast<long>(scanned_),
                                         bytes_.begin() + static_cast<long>(offset), '\n'));
    scanned_ = offset;
    return line_;
  }
  core::Message Where(size_t offset) {
    const int line = LineOf(offset);
    const size_t line_start = bytes_.rfind('\n', offset == 0 ? 0 : offset - 1);
    const size_t column = line_start == std::string_view::npos ? offset + 1 : offset - line_start;
    return FileLineColumn(file_name_, static_cast<size_t>(line), column);
  }

 private:
  std::string_view bytes_;
  std::string_view file_name_;
  size_t scanned_ = 0;
  int line_ = 1;
};

class JsonReader {
 public:
  // simdjson reads a few bytes past the end of the text: a buffer whose capacity leaves
  // SIMDJSON_PADDING bytes after it is read in place, any other is copied first.
  JsonReader(std::string_view bytes, size_t capacity, std::string_view file_name,
             DataValueSetHandler& handler)
      : bytes_(bytes),
        copy_(capacity >= bytes.size() + simdjson::SIMDJSON_PADDING
                  ? simdjson::padded_string()
                  : simdjson::padded_string(bytes.data(), bytes.size())),
        text_(copy_.size() > 0 || bytes.empty() ? std::string_view(copy_) : bytes),
        capacity_(copy_.size() > 0 || bytes.empty() ? copy_.size() + simdjson::SIMDJSON_PADDING
                                                    : capacity),
        file_name_(file_name),
        locator_(text_, file_name),
        handler_(handler) {}

  Status Read() {
    simdjson::ondemand::document doc;
    if (auto error = parser_.iterate(text_.data(), text_.size(), capacity_).get(doc); error) {
      return Malformed(error, 0);
    }
    // Pass 1: the header fields, wherever they stand relative to dataValues.
    DataValueSetHeader header;
    header.line = 1;
    simdjson::ondemand::object root;
    json_type root_type;
    if (auto error = doc.type().get(root_type); error) return Malformed(error, Offset(doc));
    if (root_type != json_type::object) {
      return core::InvalidArgument(core::Message("io.json.root_not_object"), locator_.Where(0));
    }
    if (auto error = doc.get_object().get(root); error) return Malformed(error, 0);
    bool has_values = false;
    for (auto field : root) {
      std::string_view key;
      if (auto error = field.unescaped_key().get(key); error) return Malformed(error, Offset(doc));
      if (key == "dataValues") {
        has_values = true;
        continue;  // visited in pass 2
      }
      std::string* target = HeaderField(header, key);
      if (target == nullptr) continue;  // unknown keys are ignored, as DHIS2 does
      std::string_view text;
      bool present = false;
      KENEYA_RETURN_IF_ERROR(Scalar(field.value(), key, text, present));
      *target = std::string(text);
    }
    if (!has_values) {
      // A set without values is valid (DHIS2 accepts it, e.g. a completion only).
      return handler_.OnGroup(header);
    }
    KENEYA_RETURN_IF_ERROR(handler_.OnGroup(header));

    // Pass 2: the values.
    doc.rewind();
    if (auto error = doc.get_object().get(root); error) return Malformed(error, 0);
    simdjson::ondemand::array values;
    if (auto error = root.find_field_unordered("dataValues").get_array().get(values); error) {
      return core::InvalidArgument(core::Message("io.json.values_not_array"), locator_.Where(0));
    }
    size_t index = 0;
    for (auto element : values) {
      simdjson::ondemand::object object;
      const size_t offset = Offset(element);
      if (auto error = element.get_object().get(object); error) {
        if (error == simdjson::INCORRECT_TYPE) {
          return core::InvalidArgument(
              core::Message("io.json.value_not_object", {{"index", index}}),
              locator_.Where(offset));
        }
        return Malformed(error, offset);
      }
      RawDataValue value;
      value.index = index;
      value.line = locator_.LineOf(offset);
      for (auto field : object) {
        std::string_view key;
        const char* raw_key = nullptr;
        if (field.key().raw().get(raw_key) == simdjson::SUCCESS) {
          if (auto text = InPlace(raw_key)) key = *text;
        }
        if (key.data() == nullptr) {
          if (auto error = field.unescaped_key().get(key); error) return Malformed(error, offset);
        }
        KENEYA_RETURN_IF_ERROR(ValueField(value, key, field.value(), offset));
      }
      KENEYA_RETURN_IF_ERROR(handler_.OnValue(value));
      ++index;
    }
    return core::OkStatus();
  }

 private:
  template <typename T>
  size_t Offset(T& thing) {
    const char* location = nullptr;
    if (thing.current_location().get(location) != simdjson::SUCCESS || location == nullptr) {
      return text_.size();
    }
    return static_cast<size_t>(location - text_.data());
  }

  std::optional<std::string_view> InPlace(const char* first) const {
    if (first < text_.data() || first >= text_.data() + text_.size()) return std::nullopt;
    return JsonStringInPlace(first, text_.data() + text_.size());
  }

  Status Malformed(simdjson::error_code error, size_t offset) {
    // simdjson's own words, or ours around them.
    const std::string detail = simdjson::error_message(error);
    core::MessageArg reason("reason", detail);
    // simdjson's UTF8_ERROR cannot come: ReadDataValueSet checked the text (core::CheckUtf8).
    if (error == simdjson::TAPE_ERROR || error == simdjson::INCOMPLETE_ARRAY_OR_OBJECT) {
      reason = core::MessageArg("reason", core::Message("io.json.truncated", {{"detail", detail}}));
    }
    return core::InvalidArgument(core::Message("io.json.malformed", {std::move(reason)}),
                                 locator_.Where(offset));
  }

  // A string, number, boolean or null as text. Numbers keep their JSON spelling ("12", "3.50").
  Status Scalar(simdjson::simdjson_result<simdjson::ondemand::value> result, std::string_view key,
                std::string_view& text, bool& present) {
    simdjson::ondemand::value v;
    if (auto error = std::move(result).get(v); error) return Malformed(error, text_.size());
    json_type type;
    if (auto error = v.type().get(type); error) return Malformed(error, Offset(v));
    present = true;
    switch (type) {
      case json_type::string: {
        const std::string_view token = v.raw_json_token();
        if (!token.empty() && token[0] == '"') {
          if (auto in_place = InPlace(token.data() + 1)) {
            text = *in_place;
            return core::OkStatus();
          }
        }
        if (auto error = v.get_string().get(text); error) return Malformed(error, Offset(v));
        return core::OkStatus();
      }
      case json_type::number:
      case json_type::boolean: {
        text = v.raw_json_token();
        while (!text.empty() && (text.back() == ' ' || text.back() == '\n' || text.back() == '\r' ||
                                 text.back() == '\t')) {
          text.remove_suffix(1);
        }
        return core::OkStatus();
      }
      case json_type::null:
        text = {};
        present = false;
        return core::OkStatus();
      default:
        return core::InvalidArgument(
            core::Message(
                type == json_type::array ? "io.json.array_not_string" : "io.json.object_not_string",
                {{"key", key}}),
            locator_.Where(Offset(v)));
    }
  }

  Status ValueField(RawDataValue& value, std::string_view key,
                    simdjson::simdjson_result<simdjson::ondemand::value> field, size_t offset) {
    std::string_view* target = nullptr;
    bool* presence = nullptr;
    if (key == "dataElement") {
      target = &value.data_element;
    } else if (key == "period") {
      target = &value.period;
    } else if (key == "orgUnit") {
      target = &value.org_unit;
    } else if (key == "categoryOptionCombo") {
      target = &value.category_option_combo;
    } else if (key == "attributeOptionCombo") {
      target = &value.attribute_option_combo;
    } else if (key == "value") {
      target = &value.value;
      presence = &value.has_value;
    } else if (key == "storedBy") {
      target = &value.stored_by;
    } else if (key == "created") {
      target = &value.created;
    } else if (key == "lastUpdated") {
      target = &value.last_updated;
    } else if (key == "comment") {
      target = &value.comment;
      presence = &value.has_comment;
    } else if (key == "followup" || key == "followUp" || key == "deleted") {
      std::string_view text;
      bool present = false;
      KENEYA_RETURN_IF_ERROR(Scalar(std::move(field), key, text, present));
      if (!present) return core::OkStatus();
      std::optional<bool> flag = ParseBoolean(text);
      if (!flag) {
        return core::InvalidArgument(
            core::Message("io.json.not_a_boolean", {{"key", key}, {"text", text}}),
            core::Message("io.json.place_data_value",
                          {{"place", locator_.Where(offset)}, {"index", value.index}}));
      }
      (key == "deleted" ? value.deleted : value.followup) = flag;
      return core::OkStatus();
    } else {
      return core::OkStatus();  // unknown keys are ignored (real files carry some)
    }
    bool present = false;
    KENEYA_RETURN_IF_ERROR(Scalar(std::move(field), key, *target, present));
    if (presence != nullptr) *presence = present;
    return core::OkStatus();
  }

  std::string_view bytes_;
  simdjson::padded_string copy_;  // empty when the caller's buffer is read in place
  std::string_view text_;
  size_t capacity_;
  std::string_view file_name_;
  Locator locator_;
  DataValueSetHandler& handler_;
  simdjson::ondemand::parser parser_;
};

}  // namespace

std::optional<std::string_view> JsonStringInPlace(const char* first, const char* end) {
  const void* quote = std::memchr(first, '"', static_cast<size_t>(end - first));
  if (quote == nullptr) return std::nullopt;
  const std::string_view text(first, static_cast<size_t>(static_cast<const char*>(quote) - first));
  if (text.find('\\') != std::string_view::npos) return std::nullopt;
  return text;
}

Status ReadJsonDataValueSet(std::string_view bytes, size_t capacity, std::string_view file_name,
                            DataValueSetHandler& handler) {
  JsonReader reader(bytes, capacity, file_name, handler);
  return reader.Read();
}

}  // namespace keneya::io
