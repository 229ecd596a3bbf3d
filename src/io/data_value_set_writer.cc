#include "io/data_value_set_writer.h"

#include <cstdint>
#include <cstdio>
#include <cstring>
#include <string>

#include "core/period.h"
#include "io/adx_period.h"

namespace keneya::io {

namespace {

// Whether one of the eight bytes of `word` needs an escape: '"', '\\' or a control character.
// Eight at a time (bit tricks on a word): a national solution writes half a million names.
bool AnyToEscape(uint64_t word) {
  constexpr uint64_t kOnes = 0x0101010101010101ull, kHighs = 0x8080808080808080ull;
  auto zero_byte = [](uint64_t v) { return (v - kOnes) & ~v & kHighs; };
  const uint64_t below_space = (word - kOnes * 0x20) & ~word & kHighs;
  return (below_space | zero_byte(word ^ (kOnes * '"')) | zero_byte(word ^ (kOnes * '\\'))) != 0;
}

}  // namespace

void AppendJsonEscaped(std::string& out, std::string_view text) {
  // Most texts need no escape: checked eight bytes at a time, appended at once.
  size_t clean = 0;
  for (; clean + 8 <= text.size(); clean += 8) {
    uint64_t word;
    std::memcpy(&word, text.data() + clean, 8);
    if (AnyToEscape(word)) break;
  }
  // Runs of characters that need no escape are appended at once.
  size_t start = 0;
  for (size_t i = clean; i < text.size(); ++i) {
    const char c = text[i];
    if (c != '"' && c != '\\' && static_cast<unsigned char>(c) >= 0x20) continue;
    out.append(text.data() + start, i - start);
    start = i + 1;
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default: {  // another control character
        char buffer[8];
        std::snprintf(buffer, sizeof buffer, "\\u%04x", c);
        out += buffer;
      }
    }
  }
  out.append(text.data() + start, text.size() - start);
}

void AppendXmlEscaped(std::string& out, std::string_view text) {
  for (char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\n':
        out += "&#10;";
        break;
      case '\r':
        out += "&#13;";
        break;
      case '\t':
        out += "&#9;";
        break;
      default:
        out += c;
    }
  }
}

namespace {

// Buffers output and flushes it in large writes.
class Buffered {
 public:
  explicit Buffered(std::ostream& out) : out_(out) { buffer_.reserve(kFlushAt + 4096); }
  std::string& buffer() { return buffer_; }
  void MaybeFlush() {
    if (buffer_.size() >= kFlushAt) Flush();
  }
  void Flush() {
    out_.write(buffer_.data(), static_cast<std::streamsize>(buffer_.size()));
    buffer_.clear();
  }

 private:
  static constexpr size_t kFlushAt = 1 << 20;
  std::ostream& out_;
  std::string buffer_;
};

class JsonWriter final : public DataValueSetWriter {
 public:
  explicit JsonWriter(std::ostream& out) : out_(out) {}
  void Begin(const DataValueSetHeader& header) override {
    std::string& b = out_.buffer();
    b += "{";
    auto field = [&](const char* key, const std::string& value) {
      if (value.empty()) return;
      b += "\"";
      b += key;
      b += "\":\"";
      AppendJsonEscaped(b, value);
      b += "\",";
    };
    field("dataSet", header.data_set);
    field("completeDate", header.complete_date);
    field("period", header.period);
    field("orgUnit", header.org_unit);
    field("attributeOptionCombo", header.attribute_option_combo);
    b += "\"dataValues\":[";
  }
  void Write(const OutputDataValue& v) override {
    std::string& b = out_.buffer();
    b += first_ ? "\n{" : ",\n{";
    first_ = false;
    bool comma = false;
    auto field = [&](const char* key, std::string_view value, bool always) {
      if (value.empty() && !always) return;
      if (comma) b += ',';
      comma = true;
      b += '"';
      b += key;
      b += "\":\"";
      AppendJsonEscaped(b, value);
      b += '"';
    };
    field("dataElement", v.data_element, true);
    field("period", v.period, true);
    field("orgUnit", v.org_unit, true);
    field("categoryOptionCombo", v.category_option_combo, false);
    field("attributeOptionCombo", v.attribute_option_combo, false);
    field("value", v.value, true);
    field("storedBy", v.stored_by, false);
    field("created", v.created, false);
    field("lastUpdated", v.last_updated, false);
    field("comment", v.comment, false);
    b += v.followup ? ",\"followup\":true" : ",\"followup\":false";
    if (v.deleted) b += ",\"deleted\":true";
    b += '}';
    out_.MaybeFlush();
  }
  void End() override {
    out_.buffer() += "\n]}\n";
    out_.Flush();
  }

 private:
  Buffered out_;
  bool first_ = true;
};

class XmlWriter final : public DataValueSetWriter {
 public:
  explicit XmlWriter(std::ostream& out) : out_(out) {}
  void Begin(const DataValueSetHeader& header) override {
    std::string& b = out_.buffer();
    b += "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
    b += "<dataValueSet xmlns=\"http://dhis2.org/schema/dxf/2.0\"";
    Attribute("dataSet", header.data_set);
    Attribute("completeDate", header.complete_date);
    Attribute("period", header.period);
    Attribute("orgUnit", header.org_unit);
    Attribute("attributeOptionCombo", header.attribute_option_combo);
    b += ">\n";
  }
  void Write(const OutputDataValue& v) override {
    std::string& b = out_.buffer();
    b += "  <dataValue";
    Attribute("dataElement", v.data_element);
    Attribute("period", v.period);
    Attribute("orgUnit", v.org_unit);
    Attribute("categoryOptionCombo", v.category_option_combo);
    Attribute("attributeOptionCombo", v.attribute_option_combo);
    Attribute("value", v.value, /*always=*/true);
    Attribute("storedBy", v.stored_by);
    Attribute("created", v.created);
    Attribute("lastUpdated", v.last_updated);
    Attribute("comment", v.comment);
    // DHIS2's XML reader reads followUp with a capital U.
    b += v.followup ? " followUp=\"true\"" : " followUp=\"false\"";
    if (v.deleted) b += " deleted=\"true\"";
    b += "/>\n";
    out_.MaybeFlush();
  }
  void End() override {
    out_.buffer() += "</dataValueSet>\n";
    out_.Flush();
  }

 private:
  void Attribute(const char* name, std::string_view value, bool always = false) {
    if (value.empty() && !always) return;
    std::string& b = out_.buffer();
    b += ' ';
    b += name;
    b += "=\"";
    AppendXmlEscaped(b, value);
    b += '"';
  }
  Buffered out_;
};

class CsvWriter final : public DataValueSetWriter {
 public:
  explicit CsvWriter(std::ostream& out) : out_(out) {}
  void Begin(const DataValueSetHeader&) override {
    out_.buffer() +=
        "dataelement,period,orgunit,categoryoptioncombo,attributeoptioncombo,value,storedby,"
        "lastupdated,comment,followup,deleted\n";
  }
  void Write(const OutputDataValue& v) override {
    Field(v.data_element);
    Field(v.period);
    Field(v.org_unit);
    Field(v.category_option_combo);
    Field(v.attribute_option_combo);
    Field(v.value);
    Field(v.stored_by);
    Field(v.last_updated);
    Field(v.comment);
    Field(v.followup ? "true" : "false");
    Field(v.deleted ? "true" : "false", /*last=*/true);
    out_.MaybeFlush();
  }
  void End() override { out_.Flush(); }

 private:
  void Field(std::string_view text, bool last = false) {
    std::string& b = out_.buffer();
    if (text.find_first_of(",\"\r\n") != std::string_view::npos) {
      b += '"';
      for (char c : text) {
        if (c == '"') b += '"';
        b += c;
      }
      b += '"';
    } else {
      b += text;
    }
    b += last ? '\n' : ',';
  }
  Buffered out_;
};

class AdxWriter final : public DataValueSetWriter {
 public:
  explicit AdxWriter(std::ostream& out) : out_(out) {}
  void Begin(const DataValueSetHeader&) override {
    out_.buffer() +=
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<adx xmlns=\"urn:ihe:qrph:adx:2015\">\n";
  }
  void Write(const OutputDataValue& v) override {
    std::string& b = out_.buffer();
    const bool same_group = open_ && v.data_set == data_set_ && v.org_unit == org_unit_ &&
                            v.period == period_ &&
                            v.attribute_option_combo == attribute_option_combo_;
    if (!same_group) {
      if (open_) b += "  </group>\n";
      data_set_ = v.data_set;
      org_unit_ = v.org_unit;
      period_ = v.period;
      attribute_option_combo_ = v.attribute_option_combo;
      open_ = true;
      auto period = core::Period::Parse(v.period);
      b += "  <group";
      Attribute("dataSet", v.data_set);
      Attribute("orgUnit", v.org_unit);
      Attribute("period", period.ok() ? FormatAdxPeriod(*period) : std::string(v.period));
      if (v.attribute_categories != nullptr) {
        for (const auto& [category, option] : *v.attribute_categories) {
          Attribute(category.c_str(), option);
        }
      } else {
        Attribute("attributeOptionCombo", v.attribute_option_combo);
      }
      b += ">\n";
    }
    b += "    <dataValue";
    Attribute("dataElement", v.data_element);
    if (v.categories != nullptr) {
      for (const auto& [category, option] : *v.categories) Attribute(category.c_str(), option);
    } else {
      Attribute("categoryOptionCombo", v.category_option_combo);
    }
    if (v.numeric) {
      Attribute("value", v.value);
      b += "/>\n";
    } else {
      b += " value=\"0\"><annotation>";
      for (char c : v.value) {
        if (c == '&') {
          b += "&amp;";
        } else if (c == '<') {
          b += "&lt;";
        } else if (c == '>') {
          b += "&gt;";
        } else {
          b += c;
        }
      }
      b += "</annotation></dataValue>\n";
    }
    out_.MaybeFlush();
  }
  void End() override {
    if (open_) out_.buffer() += "  </group>\n";
    out_.buffer() += "</adx>\n";
    out_.Flush();
  }

 private:
  void Attribute(const char* name, std::string_view value) {
    if (value.empty()) return;
    std::string& b = out_.buffer();
    b += ' ';
    b += name;
    b += "=\"";
    AppendXmlEscaped(b, value);
    b += '"';
  }
  Buffered out_;
  bool open_ = false;
  std::string data_set_, org_unit_, period_, attribute_option_combo_;
};

}  // namespace

std::unique_ptr<DataValueSetWriter> DataValueSetWriter::Create(DataFormat format,
                                                               std::ostream& out) {
  switch (format) {
    case DataFormat::kJson:
      return std::make_unique<JsonWriter>(out);
    case DataFormat::kXml:
      return std::make_unique<XmlWriter>(out);
    case DataFormat::kCsv:
      return std::make_unique<CsvWriter>(out);
    case DataFormat::kAdx:
      return std::make_unique<AdxWriter>(out);
  }
  return nullptr;
}

}  // namespace keneya::io
