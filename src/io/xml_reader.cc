// DHIS2 XML (DXF2) and ADX data value sets, read with expat as a stream of elements.
#include <expat.h>

#include <cstring>
#include <memory>
#include <string>

#include "io/adx_period.h"
#include "io/data_value_set.h"
#include "io/reader_internal.h"

namespace keneya::io {
namespace {

using core::Status;

constexpr std::string_view kDxf2Namespace = "http://dhis2.org/schema/dxf/2.0";
constexpr std::string_view kAdxNamespace = "urn:ihe:qrph:adx:2015";
constexpr char kNamespaceSeparator = '|';

// The local part of an expat name "namespace|local" (or the name without a namespace).
std::string_view LocalName(const char* name) {
  std::string_view n(name);
  const size_t bar = n.rfind(kNamespaceSeparator);
  return bar == std::string_view::npos ? n : n.substr(bar + 1);
}

struct ExpatDeleter {
  void operator()(XML_Parser parser) const { XML_ParserFree(parser); }
};

class XmlReader {
 public:
  XmlReader(std::string_view file_name, bool adx, DataValueSetHandler& handler)
      : file_name_(file_name), adx_(adx), handler_(handler) {}

  Status Read(std::string_view bytes) {
    parser_.reset(XML_ParserCreateNS("UTF-8", kNamespaceSeparator));
    if (!parser_) return core::Internal(core::Message("io.xml.no_parser"));
    XML_SetUserData(parser_.get(), this);
    XML_SetElementHandler(parser_.get(), &XmlReader::Start, &XmlReader::End);
    XML_SetCharacterDataHandler(parser_.get(), &XmlReader::Text);
    // Refuse entity expansion tricks: a data file has no business declaring entities.
    XML_SetEntityDeclHandler(parser_.get(), &XmlReader::EntityDeclaration);
    // Feed in slices so that a failure stops the parse early.
    constexpr size_t kSlice = 1 << 20;
    size_t offset = 0;
    do {
      const size_t n = std::min(kSlice, bytes.size() - offset);
      const bool last = offset + n == bytes.size();
      if (XML_Parse(parser_.get(), bytes.data() + offset, static_cast<int>(n), last) ==
          XML_STATUS_ERROR) {
        if (!status_.ok()) return status_;
        return core::InvalidArgument(
            core::Message("io.xml.malformed",
                          {{"detail", XML_ErrorString(XML_GetErrorCode(parser_.get()))}}),
            Where());
      }
      offset += n;
    } while (offset < bytes.size());
    if (!status_.ok()) return status_;
    if (!saw_root_) {
      return core::InvalidArgument(core::Message("io.xml.no_element"), std::string(file_name_));
    }
    return core::OkStatus();
  }

 private:
  core::Message Where() const {
    return FileLineColumn(file_name_, XML_GetCurrentLineNumber(parser_.get()),
                          XML_GetCurrentColumnNumber(parser_.get()) + 1);
  }
  int Line() const { return static_cast<int>(XML_GetCurrentLineNumber(parser_.get())); }

  // Stops the parse with `status`.
  void Fail(Status status) {
    if (status_.ok()) status_ = std::move(status);
    XML_StopParser(parser_.get(), XML_FALSE);
  }

  static void EntityDeclaration(void* self, const XML_Char*, int, const XML_Char*, int,
                                const XML_Char*, const XML_Char*, const XML_Char*,
                                const XML_Char*) {
    auto* reader = static_cast<XmlReader*>(self);
    reader->Fail(
        core::InvalidArgument(core::Message("io.xml.entity_declaration"), reader->Where()));
  }

  static void Start(void* self, const XML_Char* name, const XML_Char** attributes) {
    auto* reader = static_cast<XmlReader*>(self);
    if (!reader->status_.ok()) return;
    Status s =
        reader->adx_ ? reader->StartAdx(name, attributes) : reader->StartDxf2(name, attributes);
    if (!s.ok()) reader->Fail(std::move(s));
  }

  static void End(void* self, const XML_Char* name) {
    auto* reader = static_cast<XmlReader*>(self);
    if (!reader->status_.ok()) return;
    --reader->depth_;
    if (!reader->adx_) return;
    Status s = reader->EndAdx(name);
    if (!s.ok()) reader->Fail(std::move(s));
  }

  static void Text(void* self, const XML_Char* text, int length) {
    auto* reader = static_cast<XmlReader*>(self);
    if (reader->in_annotation_) reader->annotation_.append(text, static_cast<size_t>(length));
  }

  // ---- DXF2: <dataValueSet ...><dataValue .../>...</dataValueSet> ----
  Status StartDxf2(const char* name, const char** attributes) {
    ++depth_;
    const std::string_view local = LocalName(name);
    if (!saw_root_) {
      saw_root_ = true;
      if (local != "dataValueSet") {
        return core::InvalidArgument(
            core::Message("io.xml.root_not_data_value_set",
                          {{"element", local}, {"namespace", kDxf2Namespace}}),
            Where());
      }
      DataValueSetHeader header;
      header.line = Line();
      for (const char** a = attributes; *a != nullptr; a += 2) {
        const std::string_view key = LocalName(a[0]);
        std::string* target = HeaderField(header, key);
        if (target != nullptr) *target = a[1];
      }
      return handler_.OnGroup(header);
    }
    if (depth_ != 2) return core::OkStatus();           // nested content of a value: ignored
    if (local != "dataValue") return core::OkStatus();  // e.g. completeDataSetRegistrations
    RawDataValue value;
    value.index = index_++;
    value.line = Line();
    for (const char** a = attributes; *a != nullptr; a += 2) {
      KENEYA_RETURN_IF_ERROR(SetValueField(value, LocalName(a[0]), a[1]));
    }
    return handler_.OnValue(value);
  }

  // Sets the field `key` of `value`; unknown keys are ignored (DHIS2 ignores them too).
  Status SetValueField(RawDataValue& value, std::string_view key, std::string_view text) {
    if (key == "dataElement") {
      value.data_element = text;
    } else if (key == "period") {
      value.period = text;
    } else if (key == "orgUnit") {
      value.org_unit = text;
    } else if (key == "categoryOptionCombo") {
      value.category_option_combo = text;
    } else if (key == "attributeOptionCombo") {
      value.attribute_option_combo = text;
    } else if (key == "value") {
      value.value = text;
      value.has_value = true;
    } else if (key == "storedBy") {
      value.stored_by = text;
    } else if (key == "created") {
      value.created = text;
    } else if (key == "lastUpdated" || key == "timestamp") {
      value.last_updated = text;
    } else if (key == "comment") {
      value.comment = text;
      value.has_comment = true;
    } else if (key == "followup" || key == "followUp" || key == "deleted") {
      std::optional<bool> flag = ParseBoolean(text);
      if (!flag) {
        return core::InvalidArgument(
            core::Message("io.xml.not_a_boolean", {{"attribute", key}, {"text", text}}), Where());
      }
      (key == "deleted" ? value.deleted : value.followup) = flag;
    }
    return core::OkStatus();
  }

  // ---- ADX: <adx><group ...><dataValue ...><annotation/></dataValue></group></adx> ----
  Status StartAdx(const char* name, const char** attributes) {
    ++depth_;
    const std::string_view local = LocalName(name);
    if (!saw_root_) {
      saw_root_ = true;
      if (local != "adx") {
        return core::InvalidArgument(
            core::Message("io.xml.root_not_adx",
                          {{"element", local}, {"namespace", kAdxNamespace}}),
            Where());
      }
      return core::OkStatus();
    }
    if (local == "group" && depth_ == 2) {
      DataValueSetHeader header;
      header.group = group_++;
      header.line = Line();
      for (const char** a = attributes; *a != nullptr; a += 2) {
        const std::string_view key = LocalName(a[0]);
        if (key == "period") {
          // ADX periods are start/duration; DHIS2 identifiers are accepted as they are.
          auto period = ParseAdxPeriod(a[1]);
          header.period = period.ok() ? period->ToString() : std::string(a[1]);
        } else if (std::string* target = HeaderField(header, key); target != nullptr) {
          *target = a[1];
        } else {
          header.attribute_categories.emplace_back(std::string(key), a[1]);
        }
      }
      return handler_.OnGroup(header);
    }
    if (local == "dataValue" && depth_ == 3) {
      // Kept until </dataValue>: an <annotation> may follow.
      pending_ = std::make_unique<PendingValue>();
      pending_->line = Line();
      for (const char** a = attributes; *a != nullptr; a += 2) {
        pending_->attributes.emplace_back(std::string(LocalName(a[0])), a[1]);
      }
      return core::OkStatus();
    }
    if (local == "annotation" && depth_ == 4 && pending_) {
      in_annotation_ = true;
      annotation_.clear();
    }
    return core::OkStatus();
  }

  Status EndAdx(const char* name) {
    const std::string_view local = LocalName(name);
    if (local == "annotation") {
      in_annotation_ = false;
      return core::OkStatus();
    }
    if (local != "dataValue" || !pending_) return core::OkStatus();
    RawDataValue value;
    value.index = index_++;
    value.line = pending_->line;
    for (const auto& [key, text] : pending_->attributes) {
      if (key == "dataElement" || key == "value" || key == "categoryOptionCombo" ||
          key == "attributeOptionCombo" || key == "comment" || key == "storedBy" ||
          key == "followup" || key == "followUp" || key == "deleted" || key == "period" ||
          key == "orgUnit") {
        KENEYA_RETURN_IF_ERROR(SetValueField(value, key, text));
      } else {
        value.categories.emplace_back(key, text);
      }
    }
    value.annotation = annotation_;
    Status s = handler_.OnValue(value);
    pending_.reset();
    annotation_.clear();
    return s;
  }

  struct PendingValue {
    std::vector<std::pair<std::string, std::string>> attributes;
    int line = 0;
  };

  std::string_view file_name_;
  bool adx_;
  DataValueSetHandler& handler_;
  std::unique_ptr<XML_ParserStruct, ExpatDeleter> parser_;
  Status status_;
  bool saw_root_ = false;
  int depth_ = 0;
  size_t index_ = 0;
  int group_ = 0;
  std::unique_ptr<PendingValue> pending_;
  bool in_annotation_ = false;
  std::string annotation_;
};

}  // namespace

Status ReadXmlDataValueSet(std::string_view bytes, std::string_view file_name, bool adx,
                           DataValueSetHandler& handler) {
  XmlReader reader(file_name, adx, handler);
  return reader.Read(bytes);
}

}  // namespace keneya::io
