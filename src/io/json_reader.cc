// DHIS2 JSON data value sets, read with simdjson's on-demand API: the values are parsed as they
// are visited, so a million values need no tree in memory; a large file is parsed a window of
// values at a time, so that simdjson's index of it does not grow with the file.
#include <simdjson.h>

#include <algorithm>
#include <cstring>
#include <optional>
#include <string>
#include <vector>

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

bool IsJsonSpace(char c) { return c == ' ' || c == '\n' || c == '\r' || c == '\t'; }

// The set's fields before dataValues are looked for within the file's first bytes, and where the
// list that closes the set opens within its last bytes.
constexpr size_t kHeadBytes = size_t{1} << 20;
// How many ends of a window are tried before the rest of the file is read at once.
constexpr int kEndsTried = 8;

class JsonReader {
 public:
  JsonReader(std::string_view text, const ReadOptions& options, std::string_view file_name,
             DataValueSetHandler& handler)
      : text_(text),
        options_(options),
        file_name_(file_name),
        locator_(text, file_name),
        handler_(handler) {}

  Status Read() {
    const size_t window = std::max<size_t>(options_.window_bytes, 64);
    if (text_.size() > 4 * window) {
      DataValueSetHeader header;
      if (std::optional<Region> values = FindValues(header)) {
        return ReadWindows(header, *values, window);
      }
    }
    return ReadWhole();
  }

 private:
  // The elements of a dataValues list that ends the file lie in [first, end).
  struct Region {
    size_t first = 0;
    size_t end = 0;
  };
  enum class WindowEnd { kRead, kCutInString, kFailed };

  // ---- The file whole: one index of all of it ----

  Status ReadWhole() {
    // simdjson's check first (vectorised); ours only to say where a flaw is.
    if (!simdjson::validate_utf8(text_.data(), text_.size())) {
      KENEYA_RETURN_IF_ERROR(core::CheckUtf8(text_, file_name_));
    }
    // simdjson reads a few bytes past the end of the text: a buffer whose capacity leaves
    // SIMDJSON_PADDING bytes after it is read in place, any other is copied first.
    if (!text_.empty() && options_.capacity >= text_.size() + simdjson::SIMDJSON_PADDING) {
      base_ = text_.data();
      length_ = text_.size();
      capacity_ = options_.capacity;
      origin_ = 0;
    } else {
      Load("", 0, text_.size(), "");
    }
    simdjson::ondemand::document doc;
    if (auto error = Iterate(doc); error) return Malformed(error, 0);
    // Pass 1: the header fields, wherever they stand relative to dataValues.
    DataValueSetHeader header;
    bool has_values = false;
    KENEYA_RETURN_IF_ERROR(ReadHeader(doc, header, has_values, nullptr));
    KENEYA_RETURN_IF_ERROR(handler_.OnGroup(header));
    // A set without values is valid (DHIS2 accepts it, e.g. a completion only).
    if (!has_values) return core::OkStatus();

    // Pass 2: the values.
    doc.rewind();
    simdjson::ondemand::object root;
    if (auto error = doc.get_object().get(root); error) return Malformed(error, 0);
    simdjson::ondemand::array values;
    if (auto error = root.find_field_unordered("dataValues").get_array().get(values); error) {
      return core::InvalidArgument(core::Message("io.json.values_not_array"), locator_.Where(0));
    }
    return ReadElements(values, 0);
  }

  // The root object's fields but dataValues; `values_at`, when given, is set to where the
  // dataValues field's value starts.
  Status ReadHeader(simdjson::ondemand::document& doc, DataValueSetHeader& header, bool& has_values,
                    const char** values_at) {
    header.line = 1;
    simdjson::ondemand::object root;
    json_type root_type;
    if (auto error = doc.type().get(root_type); error) return Malformed(error, Offset(doc));
    if (root_type != json_type::object) {
      return core::InvalidArgument(core::Message("io.json.root_not_object"), locator_.Where(0));
    }
    if (auto error = doc.get_object().get(root); error) return Malformed(error, 0);
    for (auto field : root) {
      std::string_view key;
      if (auto error = field.unescaped_key().get(key); error) return Malformed(error, Offset(doc));
      if (key == "dataValues") {
        has_values = true;
        simdjson::ondemand::value list;
        const char* at = nullptr;
        if (values_at != nullptr && field.value().get(list) == simdjson::SUCCESS &&
            list.current_location().get(at) == simdjson::SUCCESS) {
          *values_at = at;
        }
        continue;  // visited in pass 2
      }
      std::string* target = HeaderField(header, key);
      if (target == nullptr) continue;  // unknown keys are ignored, as DHIS2 does
      std::string_view text;
      bool present = false;
      KENEYA_RETURN_IF_ERROR(Scalar(field.value(), key, text, present));
      *target = std::string(text);
    }
    return core::OkStatus();
  }

  // The values of one list (of the file, or of one window), `first_index` the index of its
  // first. A value whose index was delivered already (a window read again) is read, not
  // delivered.
  Status ReadElements(simdjson::ondemand::array& values, size_t first_index) {
    size_t index = first_index;
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
      resume_ = offset;
      resume_index_ = index;
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
      if (index >= next_index_) {
        Status delivered = handler_.OnValue(value);
        if (!delivered.ok()) {
          stopped_by_handler_ = true;
          return delivered;
        }
        next_index_ = index + 1;
      }
      ++index;
    }
    return core::OkStatus();
  }

  // ---- A large file, a window of values at a time ----

  // Where dataValues' elements lie when the file ends with that list and names it within its
  // first bytes, with the set's fields before it in `header`; nullopt for any other file (read
  // whole, which says what is wrong with it, if anything).
  std::optional<Region> FindValues(DataValueSetHeader& header) {
    // The set ends with a list: "]", "}", then nothing but spaces...
    size_t end = text_.size();
    while (end > 0 && IsJsonSpace(text_[end - 1])) --end;
    if (end == 0 || text_[end - 1] != '}') return std::nullopt;
    --end;
    while (end > 0 && IsJsonSpace(text_[end - 1])) --end;
    if (end == 0 || text_[end - 1] != ']') return std::nullopt;
    const size_t close = end - 1;
    // dataValues is named within the first bytes, as a list.
    static constexpr std::string_view kKey = "\"dataValues\"";
    const size_t head = std::min(text_.size(), kHeadBytes);
    const void* found = memmem(text_.data(), head, kKey.data(), kKey.size());
    if (found == nullptr) return std::nullopt;
    size_t at = static_cast<size_t>(static_cast<const char*>(found) - text_.data()) + kKey.size();
    while (at < close && IsJsonSpace(text_[at])) ++at;
    if (at >= close || text_[at] != ':') return std::nullopt;
    ++at;
    while (at < close && IsJsonSpace(text_[at])) ++at;
    if (at >= close || text_[at] != '[') return std::nullopt;
    const size_t open = at;
    // The list that ends the set is dataValues, or opens too far back to tell (then a ']' that
    // closes dataValues before is found as the windows are read, an error).
    const std::optional<size_t> last_list = ListOpening(close, kHeadBytes);
    if (last_list && *last_list != open) return std::nullopt;
    // The set's fields before it: the text up to the list, the list and the set closed there.
    Load("", 0, open + 1, "]}");
    simdjson::ondemand::document doc;
    if (Iterate(doc) != simdjson::SUCCESS) return std::nullopt;
    bool has_values = false;
    const char* values_at = nullptr;
    if (!ReadHeader(doc, header, has_values, &values_at).ok() || values_at != base_ + open) {
      return std::nullopt;
    }
    Region region{open + 1, close};
    while (region.first < close && IsJsonSpace(text_[region.first])) ++region.first;
    return region;
  }

  // Where the list that `close` (a ']') ends opens, when it is within `limit` bytes before it.
  std::optional<size_t> ListOpening(size_t close, size_t limit) const {
    int depth = 1;
    bool in_string = false;
    const size_t stop = close > limit ? close - limit : 0;
    for (size_t i = close; i > stop; --i) {
      const size_t at = i - 1;
      const char c = text_[at];
      if (in_string) {
        if (c != '"') continue;
        size_t slashes = 0;
        while (at > slashes && text_[at - 1 - slashes] == '\\') ++slashes;
        if (slashes % 2 == 0) in_string = false;  // the string's opening quote
      } else if (c == '"') {
        in_string = true;
      } else if (c == ']' || c == '}') {
        ++depth;
      } else if ((c == '[' || c == '{') && --depth == 0) {
        return at;
      }
    }
    return std::nullopt;
  }

  Status ReadWindows(const DataValueSetHeader& header, Region region, size_t window) {
    KENEYA_RETURN_IF_ERROR(handler_.OnGroup(header));
    size_t start = region.first;
    size_t start_index = 0;  // the index of the value at `start`
    while (start < region.end) {
      if (region.end - start <= window) {
        WindowEnd how;
        return ReadWindow(start, region.end, start_index, /*last=*/true, how);
      }
      // A window ends after a '}' that a ',' follows: the end of a value, unless that '}' is
      // in a string (simdjson then finds the window's last string unclosed: another end is
      // tried, backward from the window's size, then forward from it) or in a value within a
      // value (its parse fails there: the next window starts at that value; when a window
      // fails at its first value, the rest is read at once, as the whole file would be, to
      // say what is wrong). A few ends in strings at most: a string full of "}," (a hostile
      // file) would have the window parsed again for each; the rest is then read at once.
      size_t back = start + window;
      size_t forward = start + window;
      for (int tries = 0;; ++tries) {
        size_t next = 0;
        size_t cut = back > start ? EndBefore(start, back, region.end, next) : 0;
        const bool backward = cut > 0;
        if (!backward) {
          back = start;
          cut = EndAfter(forward, region.end, next);
        }
        WindowEnd how;
        if (cut == 0 || tries == kEndsTried) {
          return ReadWindow(start, region.end, start_index, /*last=*/true, how);
        }
        KENEYA_RETURN_IF_ERROR(ReadWindow(start, cut, start_index, /*last=*/false, how));
        if (how == WindowEnd::kFailed && resume_ == start) {
          return ReadWindow(start, region.end, start_index, /*last=*/true, how);
        }
        if (how != WindowEnd::kCutInString) {
          start = how == WindowEnd::kRead ? next : resume_;
          start_index = how == WindowEnd::kRead ? next_index_ : resume_index_;
          break;
        }
        // The end was in a string: the next one along.
        if (backward) {
          back = cut - 1;
        } else {
          forward = cut;
        }
      }
      if (options_.done_before) options_.done_before(start);
    }
    return core::OkStatus();
  }

  // The last '}' before `from` (after `start`) that a ',' and a value follow: where it ends,
  // with `next` where the next value starts; 0 when there is none.
  size_t EndBefore(size_t start, size_t from, size_t end, size_t& next) const {
    for (size_t i = from; i > start; --i) {
      if (text_[i - 1] != '}') continue;
      size_t j = i;
      while (j < end && IsJsonSpace(text_[j])) ++j;
      if (j >= end || text_[j] != ',') continue;
      ++j;
      while (j < end && IsJsonSpace(text_[j])) ++j;
      if (j >= end) continue;  // a comma before the list's end: the last window's to report
      next = j;
      return i;
    }
    return 0;
  }

  // The first '}' from `from` that a ',' and a value follow: as EndBefore.
  size_t EndAfter(size_t from, size_t end, size_t& next) const {
    for (size_t i = from; i < end; ++i) {
      if (text_[i] != '}') continue;
      const size_t found = EndBefore(i, i + 1, end, next);
      if (found > 0) return found;
    }
    return 0;
  }

  // The values in [start, end) read as a list of their own. The last window's errors are the
  // file's; another's may come from where it was cut (`how` says so, and nothing after
  // resume_ was delivered).
  Status ReadWindow(size_t start, size_t end, size_t first_index, bool last, WindowEnd& how) {
    Load("[", start, end, "]");
    resume_ = start;
    resume_index_ = first_index;
    simdjson::ondemand::document doc;
    const simdjson::error_code error = Iterate(doc);
    if (error == simdjson::UNCLOSED_STRING && !last) {
      how = WindowEnd::kCutInString;
      return core::OkStatus();
    }
    if (error == simdjson::UTF8_ERROR) KENEYA_RETURN_IF_ERROR(core::CheckUtf8(text_, file_name_));
    if (error) return Malformed(error, start);
    simdjson::ondemand::array values;
    if (auto e = doc.get_array().get(values); e) return Malformed(e, start);
    Status read = ReadElements(values, first_index);
    if (!read.ok()) {
      if (last || stopped_by_handler_) return read;
      how = WindowEnd::kFailed;
      return core::OkStatus();
    }
    // The window's list ends at its end, or a ']' in it closed dataValues before the set's end.
    const char* at = nullptr;
    if (doc.current_location().get(at) == simdjson::SUCCESS) {
      if (!last) {
        how = WindowEnd::kFailed;
        return core::OkStatus();
      }
      return core::InvalidArgument(core::Message("io.json.values_end_early"),
                                   locator_.Where(OffsetOf(at)));
    }
    how = WindowEnd::kRead;
    return core::OkStatus();
  }

  // ---- Parsing ----

  // Copies `before`, the text in [start, end) and `after` into the buffer, zeros after them.
  void Load(std::string_view before, size_t start, size_t end, std::string_view after) {
    length_ = before.size() + (end - start) + after.size();
    if (buffer_.size() < length_ + simdjson::SIMDJSON_PADDING) {
      buffer_.resize(length_ + simdjson::SIMDJSON_PADDING);
    }
    char* out = buffer_.data();
    std::memcpy(out, before.data(), before.size());
    if (end > start) std::memcpy(out + before.size(), text_.data() + start, end - start);
    std::memcpy(out + before.size() + (end - start), after.data(), after.size());
    std::memset(out + length_, 0, simdjson::SIMDJSON_PADDING);
    base_ = out;
    capacity_ = buffer_.size();
    origin_ = start - before.size();
  }

  simdjson::error_code Iterate(simdjson::ondemand::document& doc) {
    return parser_.iterate(base_, length_, capacity_).get(doc);
  }

  // The offset in the file of a place in the text parsed.
  size_t OffsetOf(const char* location) const {
    if (location == nullptr || location < base_ || location > base_ + length_) return text_.size();
    return std::min(origin_ + static_cast<size_t>(location - base_), text_.size());
  }
  template <typename T>
  size_t Offset(T& thing) {
    const char* location = nullptr;
    if (thing.current_location().get(location) != simdjson::SUCCESS) return text_.size();
    return OffsetOf(location);
  }

  std::optional<std::string_view> InPlace(const char* first) const {
    if (first < base_ || first >= base_ + length_) return std::nullopt;
    return JsonStringInPlace(first, base_ + length_);
  }

  Status Malformed(simdjson::error_code error, size_t offset) {
    // simdjson's own words, or ours around them.
    const std::string detail = simdjson::error_message(error);
    core::MessageArg reason("reason", detail);
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

  std::string_view text_;  // the file
  const ReadOptions& options_;
  std::string_view file_name_;
  Locator locator_;
  DataValueSetHandler& handler_;
  simdjson::ondemand::parser parser_;
  // What is parsed: the file in place, or a copy of a part of it in buffer_.
  std::vector<char> buffer_;
  const char* base_ = nullptr;
  size_t length_ = 0;
  size_t capacity_ = 0;
  size_t origin_ = 0;        // the file's offset of base_[0]
  size_t next_index_ = 0;    // the index of the next value to deliver
  size_t resume_ = 0;        // where the last value begun in a window starts in the file...
  size_t resume_index_ = 0;  // ...and its index
  bool stopped_by_handler_ = false;
};

}  // namespace

std::optional<std::string_view> JsonStringInPlace(const char* first, const char* end) {
  const void* quote = std::memchr(first, '"', static_cast<size_t>(end - first));
  if (quote == nullptr) return std::nullopt;
  const std::string_view text(first, static_cast<size_t>(static_cast<const char*>(quote) - first));
  if (text.find('\\') != std::string_view::npos) return std::nullopt;
  return text;
}

Status ReadJsonDataValueSet(std::string_view bytes, const ReadOptions& options,
                            std::string_view file_name, DataValueSetHandler& handler) {
  JsonReader reader(bytes, options, file_name, handler);
  return reader.Read();
}

}  // namespace keneya::io
