#include "io/importer.h"

#include <algorithm>
#include <fstream>
#include <numeric>
#include <set>
#include <sstream>
#include <unordered_map>
#include <utility>

#include "core/large_array.h"
#include "core/period.h"
#include "core/timestamp.h"
#include "io/mapped_file.h"
#include "store/key_order.h"

namespace keneya::io {

core::Result<store::LoadStrategy> ParseImportStrategy(std::string_view name) {
  static constexpr std::pair<std::string_view, store::LoadStrategy> kStrategies[] = {
      {"CREATE_AND_UPDATE", store::LoadStrategy::kCreateAndUpdate},
      {"CREATE", store::LoadStrategy::kCreate},
      {"UPDATE", store::LoadStrategy::kUpdate},
      {"UPDATES", store::LoadStrategy::kUpdate},
      {"DELETE", store::LoadStrategy::kDelete},
      {"DELETES", store::LoadStrategy::kDelete}};
  for (const auto& [known, strategy] : kStrategies) {
    if (name == known) return strategy;
  }
  return core::InvalidArgument(core::Message("io.import.unknown_strategy", {{"name", name}}),
                               "--strategy");
}

using core::DataValue;
using core::Period;
using core::Result;
using core::Status;

namespace {

constexpr size_t kMaxCommentLength = 50'000;
constexpr size_t kMaxStoredByLength = 255;

// DHIS2's key for a value that does not fit its type (ValidationUtils.dataValueIsValid).
std::string_view ValueTypeErrorKey(core::ValueType type) {
  using core::ValueType;
  switch (type) {
    case ValueType::kNumber:
      return "value_not_numeric";
    case ValueType::kUnitInterval:
      return "value_not_unit_interval";
    case ValueType::kPercentage:
      return "value_not_percentage";
    case ValueType::kInteger:
      return "value_not_integer";
    case ValueType::kIntegerPositive:
      return "value_not_positive_integer";
    case ValueType::kIntegerNegative:
      return "value_not_negative_integer";
    case ValueType::kIntegerZeroOrPositive:
      return "value_not_zero_or_positive_integer";
    case ValueType::kBoolean:
      return "value_not_bool";
    case ValueType::kTrueOnly:
      return "value_not_true_only";
    case ValueType::kDate:
      return "value_not_valid_date";
    case ValueType::kDateTime:
      return "value_not_valid_datetime";
    default:
      return "value_not_valid";
  }
}

// The values read, staged compactly: each a key, its position in the file and where its texts lie
// in one buffer (48 bytes and its texts, where a core::DataValue takes 150), read by the store's
// load as store::LoadValues. A million values take 60 MB, not 160.
class StagedValues final : public store::LoadValues {
 public:
  struct Entry {
    core::DataValueKey key;
    uint32_t index = 0;  // the value's position in the file
    uint32_t value_size = 0;
    uint64_t text = 0;  // where its value, comment and storedBy lie, one after the other
    uint32_t comment_size = 0;
    uint16_t stored_by_size = 0;  // E7637 keeps it under 256
    bool followup = false;
    bool deleted = false;
  };

  void Reserve(size_t values, size_t text_bytes) {
    entries_.reserve(values);
    texts_.reserve(text_bytes);
  }
  void Add(const core::DataValueKey& key, size_t index, std::string_view value,
           std::string_view comment, std::string_view stored_by, bool followup, bool deleted) {
    Entry entry;
    entry.key = key;
    entry.index = static_cast<uint32_t>(index);
    entry.value_size = static_cast<uint32_t>(value.size());
    entry.text = texts_.size();
    entry.comment_size = static_cast<uint32_t>(comment.size());
    entry.stored_by_size = static_cast<uint16_t>(std::min<size_t>(stored_by.size(), 0xffff));
    entry.followup = followup;
    entry.deleted = deleted;
    for (std::string_view text : {value, comment, stored_by.substr(0, entry.stored_by_size)}) {
      texts_.insert(texts_.end(), text.begin(), text.end());
    }
    entries_.push_back(entry);
  }

  size_t size() const override { return entries_.size(); }
  const core::DataValueKey& key(size_t i) const override { return entries_[i].key; }
  const DataValue& Get(size_t i, DataValue& scratch) const override {
    const Entry& e = entries_[i];
    const char* text = texts_.data() + e.text;
    scratch.key = e.key;
    scratch.value.assign(text, e.value_size);
    scratch.comment.assign(text + e.value_size, e.comment_size);
    scratch.stored_by.assign(text + e.value_size + e.comment_size, e.stored_by_size);
    scratch.followup = e.followup;
    scratch.deleted = e.deleted;
    return scratch;
  }
  void Prefetch(size_t i) const override { __builtin_prefetch(&entries_[i]); }

  core::LargeVector<Entry>& entries() { return entries_; }

 private:
  core::LargeVector<Entry> entries_;
  core::LargeVector<char> texts_;
};

// A stop of the reader that is not an error of the reader: the import aborted at a header.
constexpr std::string_view kAborted = "io.import.aborted";

class ImportRun final : public DataValueSetHandler {
 public:
  struct Group {
    DataValueSetHeader header;
    int number = 0;
    IdScheme data_set_scheme, data_element_scheme, org_unit_scheme, coc_scheme, category_scheme;
    const core::DataSet* data_set = nullptr;
    const core::CategoryOptionCombo* aoc = nullptr;
  };

  ImportRun(const core::MetadataBundle& metadata, const ImportOptions& options, DataFormat format,
            int32_t state)
      : metadata_(metadata),
        options_(options),
        format_(format),
        state_(state),
        today_(options.today ? *options.today : core::Today()),
        data_sets_(metadata.data_sets),
        data_elements_(metadata.data_elements),
        org_units_(metadata.org_units),
        option_combos_(metadata.categories.option_combos),
        categories_(metadata.categories.categories),
        index_(metadata) {
    // Per data set, answered without a string hashed per value: which org units report it (by
    // id), its attribute combo, the last period open for entry.
    set_units_.resize(metadata.data_sets.size());
    for (size_t i = 0; i < metadata.data_sets.size(); ++i) {
      const core::DataSet& ds = metadata.data_sets[i];
      for (const std::string& uid : ds.data_element_uids) {
        const core::DataElement* de = index_.data_element(uid);
        if (de != nullptr) sets_of_element_[de].push_back(i);
      }
      std::vector<bool>& units = set_units_[i];
      for (const std::string& uid : ds.org_unit_uids) {
        const core::OrgUnit* ou = index_.org_unit(uid);
        if (ou == nullptr || ou->id < 0) continue;
        if (static_cast<size_t>(ou->id) >= units.size()) units.resize(ou->id + 1, false);
        units[static_cast<size_t>(ou->id)] = true;
      }
      set_combo_.push_back(ComboOf(ds));
      set_latest_.push_back(Period::ForDate(ds.period_type, today_).Plus(ds.open_future_periods));
    }
    default_coc_ = index_.category_option_combo(core::kDefaultCategoryOptionComboUid);
  }

  // ---- Reading ----

  Status OnGroup(const DataValueSetHeader& header) override {
    group_ = Group{};
    group_.header = header;
    group_.number = header.group;
    // The file's schemes beat the options'; a specific scheme beats the general one.
    auto scheme = [&](const std::string& payload_specific,
                      const std::optional<IdScheme>& option_specific) -> Result<IdScheme> {
      for (const std::string* text : {&payload_specific, &header.id_scheme}) {
        if (!text->empty()) {
          auto parsed = ParseIdScheme(*text);
          if (!parsed.ok()) return parsed.error().In(file_);
          return parsed;
        }
      }
      if (option_specific) return *option_specific;
      if (options_.schemes.id_scheme) return *options_.schemes.id_scheme;
      return format_ == DataFormat::kAdx ? IdScheme{IdScheme::Kind::kCode, ""} : IdScheme{};
    };
    KENEYA_ASSIGN_OR_RETURN(group_.data_set_scheme,
                            scheme(header.data_set_id_scheme, options_.schemes.data_set));
    KENEYA_ASSIGN_OR_RETURN(group_.data_element_scheme,
                            scheme(header.data_element_id_scheme, options_.schemes.data_element));
    KENEYA_ASSIGN_OR_RETURN(group_.org_unit_scheme,
                            scheme(header.org_unit_id_scheme, options_.schemes.org_unit));
    KENEYA_ASSIGN_OR_RETURN(group_.coc_scheme, scheme(header.category_option_combo_id_scheme,
                                                      options_.schemes.category_option_combo));
    group_.category_scheme = options_.schemes.category ? *options_.schemes.category
                                                       : IdScheme{IdScheme::Kind::kCode, ""};

    if (!header.data_set.empty()) {
      group_.data_set = data_sets_.Find(group_.data_set_scheme, header.data_set);
      if (group_.data_set == nullptr) {
        return Abort("E7600", "dataSet", {{"dataSet", header.data_set}},
                     core::Message("io.conflict.e7600", {{"data_set", header.data_set}}));
      }
    }
    const core::OrgUnit* header_org_unit =
        header.org_unit.empty() ? nullptr
                                : org_units_.Find(group_.org_unit_scheme, header.org_unit);
    if (header_org_unit != nullptr && options_.may_see && !options_.may_see(*header_org_unit)) {
      header_org_unit = nullptr;
    }
    if (!header.org_unit.empty() && header_org_unit == nullptr) {
      return Abort("E7603", "orgUnit", {{"organisationUnit", header.org_unit}},
                   core::Message("io.conflict.e7603", {{"org_unit", header.org_unit}}));
    }
    if (!header.attribute_option_combo.empty()) {
      group_.aoc = option_combos_.Find(group_.coc_scheme, header.attribute_option_combo);
      if (group_.aoc == nullptr) {
        return Abort(
            "E7604", "attributeOptionCombo",
            {{"categoryOptionCombo", header.attribute_option_combo}},
            core::Message("io.conflict.e7604", {{"combo", header.attribute_option_combo}}));
      }
    } else if (!header.attribute_categories.empty()) {
      // ADX: the group's attribute categories, through its data set's attribute combo.
      const core::CategoryOptionCombo* aoc = nullptr;
      if (group_.data_set != nullptr) {
        aoc = ComboCell(group_.data_set->category_combo_uid, header.attribute_categories);
      }
      if (aoc == nullptr) {
        return Abort("E7604", "attributeOptionCombo", {},
                     core::Message("io.conflict.e7604_adx_group", {{"group", header.group}}));
      }
      group_.aoc = aoc;
    }
    return core::OkStatus();
  }

  Status OnValue(const RawDataValue& raw) override {
    ++values_read_;
    const size_t index = raw.index;
    const DataValueSetHeader& h = group_.header;
    const std::string_view de_text = raw.data_element;
    const std::string_view period_text = raw.period.empty() ? h.period : raw.period;
    const std::string_view ou_text = raw.org_unit.empty() ? h.org_unit : raw.org_unit;

    // E7610: data element.
    const core::DataElement* de =
        CachedFind(data_elements_, group_.data_element_scheme, de_text, last_de_text_, last_de_);
    if (de == nullptr) {
      return Reject(index, "E7610", "dataElement", {{"dataElement", std::string(de_text)}},
                    core::Message("io.conflict.e7610", {{"data_element", de_text}}));
    }
    // E7611: period.
    const int32_t period_code = PeriodCode(period_text);
    if (period_code == 0) {
      return Reject(index, "E7611", "period", {{"period", std::string(period_text)}},
                    core::Message("io.conflict.e7611", {{"period", period_text}}));
    }
    // E7612: org unit.
    const core::OrgUnit* ou =
        CachedFind(org_units_, group_.org_unit_scheme, ou_text, last_ou_text_, last_ou_);
    if (ou == nullptr || (options_.may_see && !options_.may_see(*ou))) {
      return Reject(index, "E7612", "orgUnit", {{"organisationUnit", std::string(ou_text)}},
                    core::Message("io.conflict.e7612", {{"org_unit", ou_text}}));
    }
    if (options_.may_write && !options_.may_write(*ou)) {
      return Reject(
          index, "E7617", "orgUnit", {{"organisationUnit", ou->uid}},
          core::Message("io.conflict.e7617", {{"org_unit", ou->uid}, {"state", options_.state}}));
    }
    // E7613: category option combo, given, or from ADX categories, or the default.
    const bool coc_given = !raw.category_option_combo.empty() || !raw.categories.empty();
    const core::CategoryOptionCombo* coc = default_coc_;
    if (!raw.category_option_combo.empty()) {
      coc = option_combos_.Find(group_.coc_scheme, raw.category_option_combo);
      if (coc == nullptr) {
        return Reject(index, "E7613", "categoryOptionCombo",
                      {{"categoryOptionCombo", std::string(raw.category_option_combo)}},
                      core::Message("io.conflict.e7613", {{"combo", raw.category_option_combo}}));
      }
    } else if (!raw.categories.empty()) {
      coc = ComboCell(de->category_combo_uid, raw.categories);
      if (coc == nullptr) {
        std::string described;
        for (const auto& [category, option] : raw.categories) {
          described +=
              (described.empty() ? "" : ", ") + std::string(category) + "=" + std::string(option);
        }
        return Reject(index, "E7613", "categoryOptionCombo", {{"categoryOptionCombo", described}},
                      core::Message("io.conflict.e7613", {{"combo", described}}));
      }
    }
    // E7615: attribute option combo.
    const bool aoc_given = !raw.attribute_option_combo.empty() || group_.aoc != nullptr;
    const core::CategoryOptionCombo* aoc = group_.aoc != nullptr ? group_.aoc : default_coc_;
    if (!raw.attribute_option_combo.empty()) {
      aoc = option_combos_.Find(group_.coc_scheme, raw.attribute_option_combo);
      if (aoc == nullptr) {
        return Reject(index, "E7615", "attributeOptionCombo",
                      {{"categoryOptionCombo", std::string(raw.attribute_option_combo)}},
                      core::Message("io.conflict.e7615", {{"combo", raw.attribute_option_combo}}));
      }
    }
    if (coc == nullptr || aoc == nullptr) {
      return Reject(index, "E7613", "categoryOptionCombo", {},
                    core::Message("io.conflict.e7613_no_default"));
    }

    // The value: ADX carries the text of non-numeric elements in <annotation>.
    std::string_view value_text = raw.value;
    bool has_value = raw.has_value && !raw.value.empty();
    if (format_ == DataFormat::kAdx && !core::IsNumeric(de->value_type) &&
        !raw.annotation.empty()) {
      value_text = raw.annotation;
      has_value = true;
    }
    const bool deleted = raw.deleted.value_or(false);
    const bool has_comment = raw.has_comment && !raw.comment.empty();
    bool delete_if_stored = false;
    if (!has_value && !deleted && options_.strategy != store::LoadStrategy::kDelete) {
      if (has_comment) {
        // A comment without a value is kept (DHIS2 allows it).
      } else {
        // Neither value nor comment: deletes a stored value (as DHIS2 does), else E7618.
        delete_if_stored = true;
      }
    }
    // E7619 / E7621: the value fits the element's type and option set.
    if (has_value && !deleted) {
      if (!core::ValidateValue(de->value_type, value_text).ok()) {
        return Reject(
            index, "E7619", "value", {{"dataElement", de->uid}},
            core::Message("io.conflict.e7619",
                          {{"data_element", de->uid}, {"key", ValueTypeErrorKey(de->value_type)}}));
      }
      if (!de->option_set_uid.empty()) {
        const core::OptionSet* set = index_.option_set(de->option_set_uid);
        const bool valid = set != nullptr &&
                           std::any_of(set->options.begin(), set->options.end(),
                                       [&](const core::Option& o) { return o.code == value_text; });
        if (!valid) {
          return Reject(index, "E7621", "value", {{"dataElement", de->uid}},
                        core::Message("io.conflict.e7621", {{"data_element", de->uid}}));
        }
      }
    }
    // E7620: comment.
    if (raw.comment.size() > kMaxCommentLength) {
      return Reject(
          index, "E7620", "comment", {},
          core::Message("io.conflict.e7620", {{"key", "comment_length_greater_than_max_length"}}));
    }
    // E7630 / E7631: required combos.
    if (options_.require_category_option_combo && !coc_given) {
      return Reject(index, "E7630", "categoryOptionCombo", {}, core::Message("io.conflict.e7630"));
    }
    if (options_.require_attribute_option_combo && !aoc_given) {
      return Reject(index, "E7631", "attributeOptionCombo", {}, core::Message("io.conflict.e7631"));
    }
    const Period period = *Period::FromCode(period_code);
    const std::vector<size_t>* de_sets = SetsOf(de);
    // E7632: the period type of the element's data sets.
    if (options_.strict_periods && de_sets != nullptr) {
      const bool fits = std::any_of(de_sets->begin(), de_sets->end(), [&](size_t i) {
        return metadata_.data_sets[i].period_type == period.type();
      });
      if (!fits) {
        const std::string pe = period.ToString();
        return Reject(
            index, "E7632", "", {{"period", pe}, {"dataElement", de->uid}},
            core::Message("io.conflict.e7632", {{"period", pe}, {"data_element", de->uid}}));
      }
    }
    // E7633: the element belongs to the header's data set.
    if (options_.strict_data_elements && group_.data_set != nullptr) {
      const auto& des = group_.data_set->data_element_uids;
      if (std::find(des.begin(), des.end(), de->uid) == des.end()) {
        return Reject(index, "E7633", "dataElement",
                      {{"dataElement", de->uid}, {"dataSet", group_.data_set->uid}},
                      core::Message("io.conflict.e7633", {{"data_element", de->uid},
                                                          {"data_set", group_.data_set->uid}}));
      }
    }
    // E7634: the option combo belongs to the element's combo.
    if (options_.strict_category_option_combos && coc->category_combo_uid != ComboOf(*de)) {
      return Reject(
          index, "E7634", "categoryOptionCombo",
          {{"categoryOptionCombo", coc->uid}, {"dataElement", de->uid}},
          core::Message("io.conflict.e7634", {{"combo", coc->uid}, {"data_element", de->uid}}));
    }
    // E7635: the attribute combo is the combo of one of the element's data sets.
    if (options_.strict_attribute_option_combos) {
      const bool fits =
          de_sets != nullptr && std::any_of(de_sets->begin(), de_sets->end(), [&](size_t i) {
            return ComboOf(metadata_.data_sets[i]) == aoc->category_combo_uid;
          });
      if (!fits) {
        return Reject(
            index, "E7635", "attributeOptionCombo",
            {{"categoryOptionCombo", aoc->uid}, {"dataElement", de->uid}},
            core::Message("io.conflict.e7635", {{"combo", aoc->uid}, {"data_element", de->uid}}));
      }
    }
    // E7636: the org unit reports a data set holding the element.
    if (options_.strict_org_units) {
      const bool assigned =
          de_sets != nullptr &&
          std::any_of(de_sets->begin(), de_sets->end(), [&](size_t i) { return Reports(i, *ou); });
      if (!assigned) {
        return Reject(
            index, "E7636", "orgUnit", {{"organisationUnit", ou->uid}, {"dataElement", de->uid}},
            core::Message("io.conflict.e7636", {{"org_unit", ou->uid}, {"data_element", de->uid}}));
      }
    }
    // E7637: storedBy.
    if (raw.stored_by.size() > kMaxStoredByLength) {
      return Reject(index, "E7637", "storedBy", {},
                    core::Message("io.conflict.e7637",
                                  {{"key", "stored_by_length_greater_than_max_length"}}));
    }
    // E7638: the period lies within the attribute options' dates (those options with dates
    // found once per attribute combo).
    if (aoc != dated_options_of_) {
      dated_options_of_ = aoc;
      dated_options_.clear();
      for (const std::string& option_uid : aoc->option_uids) {
        const core::CategoryOption* option = index_.category_option(option_uid);
        if (option != nullptr && (option->start_date || option->end_date)) {
          dated_options_.push_back(option);
        }
      }
    }
    for (const core::CategoryOption* option : dated_options_) {
      if ((option->start_date && period.start() < *option->start_date) ||
          (option->end_date && period.end() > *option->end_date)) {
        const std::string pe = period.ToString();
        return Reject(index, "E7638", "period", {{"period", pe}, {"categoryOptionCombo", aoc->uid}},
                      core::Message("io.conflict.e7638", {{"period", pe}, {"combo", aoc->uid}}));
      }
    }
    // E7640 / E7641: the entry windows of the data sets the value belongs to: the header's, or
    // those holding the element, reported by the org unit, with the attribute's combo.
    if (Status s = CheckEntryWindows(index, *de, de_sets, *ou, *aoc, period); !s.ok()) {
      return s.error().text.id() == kRejected ? core::OkStatus() : s;
    }

    const core::DataValueKey key{period_code, ou->id, de->id, coc->id, aoc->id, state_};
    if (options_.locked) {
      KENEYA_ASSIGN_OR_RETURN(std::optional<ImportOptions::Lock> lock, options_.locked(key));
      if (lock) {
        return Reject(index, lock->code.c_str(), "period",
                      {{"period", period.ToString()},
                       {"organisationUnit", ou->uid},
                       {"dataElement", de->uid}},
                      lock->text);
      }
    }
    staged_.Add(key, index, has_value ? value_text : std::string_view(), raw.comment,
                raw.stored_by.empty() ? std::string_view(options_.actor.user) : raw.stored_by,
                raw.followup.value_or(false), deleted);
    if (delete_if_stored) delete_if_stored_.push_back(staged_.size() - 1);
    return core::OkStatus();
  }

  // ---- After reading ----

  bool aborted() const { return aborted_; }
  const core::Message& abort_description() const { return abort_description_; }
  int64_t values_read() const { return values_read_; }
  StagedValues& staged() { return staged_; }
  std::vector<size_t>& delete_if_stored() { return delete_if_stored_; }
  std::vector<ImportConflict>& conflicts() { return conflicts_; }
  std::vector<size_t>& rejected() { return rejected_; }
  const Group& last_group() const { return group_; }
  void set_file(std::string_view file) { file_ = std::string(file); }

  // Records a conflict for the value at file position `index` (grouped by code and objects).
  // `text`: DHIS2's message by id (io.conflict.*), whose English is DHIS2's own text.
  void AddConflict(size_t index, std::string code, std::string property,
                   std::vector<std::pair<std::string, std::string>> objects, core::Message text) {
    std::string key = code;
    for (const auto& [k, v] : objects) key += "|" + k + "=" + v;
    auto [it, inserted] = conflict_of_key_.emplace(key, conflicts_.size());
    if (inserted) {
      ImportConflict c;
      c.object = objects.empty() ? "" : objects.front().second;
      c.objects = std::move(objects);
      c.value = core::Render(text, core::Language::kEnglish);
      c.text = std::move(text);
      c.error_code = std::move(code);
      c.property = std::move(property);
      conflicts_.push_back(std::move(c));
    }
    conflicts_[it->second].indexes.push_back(index);
    rejected_.push_back(index);
  }

  // A value identity for messages: the key in uids.
  std::vector<std::pair<std::string, std::string>> KeyObjects(const core::DataValueKey& key) {
    if (uid_of_id_.empty()) {
      // Ids are unique within a kind only; kinds are kept apart by the table they index.
      for (const auto& ou : metadata_.org_units) uid_of_id_[Tag('o', ou.id)] = ou.uid;
      for (const auto& de : metadata_.data_elements) uid_of_id_[Tag('d', de.id)] = de.uid;
      for (const auto& c : metadata_.categories.option_combos) uid_of_id_[Tag('c', c.id)] = c.uid;
    }
    auto uid = [&](char kind, int32_t id) -> std::string {
      auto it = uid_of_id_.find(Tag(kind, id));
      return it == uid_of_id_.end() ? std::to_string(id) : it->second;
    };
    return {{"dataElement", uid('d', key.data_element)},
            {"period", Period::FromCode(key.period)->ToString()},
            {"organisationUnit", uid('o', key.org_unit)},
            {"categoryOptionCombo", uid('c', key.category_option_combo)},
            {"attributeOptionCombo", uid('c', key.attribute_option_combo)}};
  }

 private:
  // A value rejected by a check that records its own conflict (CheckEntryWindows).
  static constexpr std::string_view kRejected = "io.import.value_rejected";

  static int64_t Tag(char kind, int32_t id) {
    return (static_cast<int64_t>(kind) << 32) | static_cast<uint32_t>(id);
  }

  Status Abort(const char* code, const char* property,
               std::vector<std::pair<std::string, std::string>> objects, core::Message text) {
    ImportConflict c;
    c.object = objects.empty() ? "" : objects.front().second;
    c.objects = std::move(objects);
    c.value = core::Render(text, core::Language::kEnglish);
    c.text = text;
    c.error_code = code;
    c.property = property;
    conflicts_.push_back(std::move(c));
    aborted_ = true;
    abort_description_ = std::move(text);
    return core::FailedPrecondition(core::Message(kAborted));
  }

  Status Reject(size_t index, const char* code, const char* property,
                std::vector<std::pair<std::string, std::string>> objects, core::Message text) {
    AddConflict(index, code, property, std::move(objects), std::move(text));
    return core::OkStatus();
  }

  template <typename T>
  static const T* CachedFind(ObjectLookup<T>& lookup, const IdScheme& scheme, std::string_view text,
                             std::string& last_text, const T*& last) {
    if (last != nullptr && text == last_text) return last;
    const T* found = lookup.Find(scheme, text);
    last_text.assign(text);
    last = found;
    return found;
  }

  int32_t PeriodCode(std::string_view text) {
    if (text == last_period_text_ && last_period_code_ != 0) return last_period_code_;
    auto it = period_codes_.find(std::string(text));
    int32_t code = 0;
    if (it != period_codes_.end()) {
      code = it->second;
    } else {
      auto period = Period::Parse(text);
      code = period.ok() ? period->Code() : 0;
      period_codes_.emplace(std::string(text), code);
    }
    last_period_text_.assign(text);
    last_period_code_ = code;
    return code;
  }

  const std::vector<size_t>* SetsOf(const core::DataElement* de) const {
    auto it = sets_of_element_.find(de);
    return it == sets_of_element_.end() ? nullptr : &it->second;
  }

  static std::string ComboOf(const core::DataElement& de) {
    return de.category_combo_uid.empty() ? std::string(core::kDefaultCategoryComboUid)
                                         : de.category_combo_uid;
  }
  static std::string ComboOf(const core::DataSet& ds) {
    return ds.category_combo_uid.empty() ? std::string(core::kDefaultCategoryComboUid)
                                         : ds.category_combo_uid;
  }

  // The option combo of `combo_uid` whose options are the ones `choices` name (category and
  // option by the category id scheme); nullptr when there is none.
  template <typename Choices>
  const core::CategoryOptionCombo* ComboCell(const std::string& combo_uid, const Choices& choices) {
    const std::string combo =
        combo_uid.empty() ? std::string(core::kDefaultCategoryComboUid) : combo_uid;
    std::set<std::string> wanted;
    for (const auto& [category_text, option_text] : choices) {
      const core::Category* category = categories_.Find(group_.category_scheme, category_text);
      if (category == nullptr) return nullptr;
      const core::CategoryOption* option = nullptr;
      for (const std::string& uid : category->option_uids) {
        const core::CategoryOption* candidate = index_.category_option(uid);
        if (candidate == nullptr) continue;
        const std::string_view text = group_.category_scheme.kind == IdScheme::Kind::kUid
                                          ? std::string_view(candidate->uid)
                                      : group_.category_scheme.kind == IdScheme::Kind::kName
                                          ? std::string_view(candidate->name)
                                          : std::string_view(candidate->code);
        if (text == option_text) option = candidate;
      }
      if (option == nullptr) return nullptr;
      wanted.insert(option->uid);
    }
    for (const core::CategoryOptionCombo& coc : metadata_.categories.option_combos) {
      if (coc.category_combo_uid != combo) continue;
      if (std::set<std::string>(coc.option_uids.begin(), coc.option_uids.end()) == wanted) {
        return &coc;
      }
    }
    return nullptr;
  }

  // Whether org unit `ou` reports data set `set` (its index in the metadata).
  bool Reports(size_t set, const core::OrgUnit& ou) const {
    const std::vector<bool>& units = set_units_[set];
    return ou.id >= 0 && static_cast<size_t>(ou.id) < units.size() &&
           units[static_cast<size_t>(ou.id)];
  }

  // `de_sets`: the sets holding the element (SetsOf), or nullptr.
  Status CheckEntryWindows(size_t index, const core::DataElement& de,
                           const std::vector<size_t>* de_sets, const core::OrgUnit& ou,
                           const core::CategoryOptionCombo& aoc, const Period& period) {
    auto check = [&](const core::DataSet& ds, const Period& latest) -> Status {
      if (ds.expiry_days > 0 &&
          today_ > period.end().AddDays(static_cast<int32_t>(ds.expiry_days))) {
        const std::string pe = period.ToString();
        AddConflict(index, "E7640", "period", {{"period", pe}, {"dataSet", ds.uid}},
                    core::Message("io.conflict.e7640", {{"period", pe}, {"data_set", ds.uid}}));
        return core::FailedPrecondition(core::Message(kRejected));
      }
      if (period.start() > latest.end()) {
        const std::string pe = period.ToString();
        const std::string latest_text = latest.ToString();
        AddConflict(
            index, "E7641", "period", {{"period", pe}, {"dataElement", de.uid}},
            core::Message("io.conflict.e7641",
                          {{"period", pe}, {"data_element", de.uid}, {"latest", latest_text}}));
        return core::FailedPrecondition(core::Message(kRejected));
      }
      return core::OkStatus();
    };
    if (group_.data_set != nullptr) {
      const core::DataSet& ds = *group_.data_set;
      return check(ds, Period::ForDate(ds.period_type, today_).Plus(ds.open_future_periods));
    }
    if (de_sets == nullptr) return core::OkStatus();
    for (size_t i : *de_sets) {
      if (!Reports(i, ou) || set_combo_[i] != aoc.category_combo_uid) continue;
      KENEYA_RETURN_IF_ERROR(check(metadata_.data_sets[i], set_latest_[i]));
    }
    return core::OkStatus();
  }

  const core::MetadataBundle& metadata_;
  const ImportOptions& options_;
  DataFormat format_;
  int32_t state_;
  core::Date today_;
  std::string file_;
  ObjectLookup<core::DataSet> data_sets_;
  ObjectLookup<core::DataElement> data_elements_;
  ObjectLookup<core::OrgUnit> org_units_;
  ObjectLookup<core::CategoryOptionCombo> option_combos_;
  ObjectLookup<core::Category> categories_;
  core::MetadataIndex index_;
  // By element (pointers into the metadata, as the lookups give them).
  std::unordered_map<const core::DataElement*, std::vector<size_t>> sets_of_element_;
  const core::CategoryOptionCombo* dated_options_of_ = nullptr;
  std::vector<const core::CategoryOption*> dated_options_;  // of dated_options_of_
  std::vector<std::vector<bool>> set_units_;                // by data set, by org unit id
  std::vector<std::string> set_combo_;                      // by data set
  std::vector<Period> set_latest_;                          // by data set
  const core::CategoryOptionCombo* default_coc_ = nullptr;
  std::unordered_map<int64_t, std::string> uid_of_id_;  // for messages; built on first use

  Group group_;
  std::string last_de_text_, last_ou_text_, last_period_text_;
  const core::DataElement* last_de_ = nullptr;
  const core::OrgUnit* last_ou_ = nullptr;
  int32_t last_period_code_ = 0;
  std::unordered_map<std::string, int32_t> period_codes_;

  StagedValues staged_;
  std::vector<size_t> delete_if_stored_;
  std::vector<ImportConflict> conflicts_;
  std::unordered_map<std::string, size_t> conflict_of_key_;
  std::vector<size_t> rejected_;
  bool aborted_ = false;
  core::Message abort_description_;  // the conflict that aborted the import
  int64_t values_read_ = 0;
};

}  // namespace

Importer::Importer(store::Store& store, ImportOptions options)
    : store_(store), options_(std::move(options)) {}

Result<ImportSummary> Importer::ImportFile(const std::string& path,
                                           std::optional<DataFormat> format,
                                           const store::ProgressFn& progress) {
  // The file mapped in place (read once, no copy; its pages mapped as they are read and given
  // back behind the reader); a pipe or a device read as a stream.
  core::Result<MappedFile> mapped = MappedFile::Open(path, MappedFile::Map::kAsRead);
  std::string read;
  std::string_view bytes;
  size_t capacity = 0;
  if (mapped.ok()) {
    bytes = mapped->text();
    capacity = mapped->capacity();
  } else if (mapped.error().code == core::ErrorCode::kFailedPrecondition) {
    KENEYA_ASSIGN_OR_RETURN(read, ReadFileForDataValueSet(path));
    bytes = read;
    capacity = read.capacity();
  } else {
    return mapped.error();
  }
  if (!format) {
    KENEYA_ASSIGN_OR_RETURN(DataFormat detected, DetectDataFormat(path, bytes));
    format = detected;
  }
  return Run(*format, bytes, capacity, path, progress, [&](size_t offset) {
    if (offset < bytes.size()) {
      if (mapped.ok()) mapped->Drop(offset);
      return;
    }
    // The file's text is not needed any more: freed before the values are written.
    if (mapped.ok()) mapped->Release();
    read.clear();
    read.shrink_to_fit();
  });
}

Result<ImportSummary> Importer::Import(DataFormat format, std::string_view bytes,
                                       std::string_view file_name,
                                       const store::ProgressFn& progress) {
  return Run(format, bytes, 0, file_name, progress, nullptr);
}

Result<ImportSummary> Importer::Run(DataFormat format, std::string_view bytes, size_t capacity,
                                    std::string_view file_name, const store::ProgressFn& progress,
                                    const std::function<void(size_t offset)>& release) {
  auto report = [&](int64_t done) {
    if (progress) progress(store::Progress{"read", done, static_cast<int64_t>(bytes.size())});
  };
  // Room for the values at once, from the smallest a value takes in each format, so that the
  // staged values are not copied as they grow (reserved, not touched: a million values take
  // about 60 MB).
  const size_t min_bytes_per_value = format == DataFormat::kCsv ? 40 : 80;
  const size_t expected = bytes.size() / min_bytes_per_value + 16;
  return Process(
      format,
      [&](DataValueSetHandler& handler) {
        report(0);
        ReadOptions read_options;
        read_options.capacity = capacity;
        read_options.done_before = [&](size_t offset) {
          report(static_cast<int64_t>(offset));
          if (release) release(offset);
        };
        Status read = ReadDataValueSet(format, bytes, file_name, handler, read_options);
        report(static_cast<int64_t>(bytes.size()));
        if (release) release(bytes.size());
        return read;
      },
      expected, file_name, progress);
}

Result<ImportSummary> Importer::ImportFrom(
    const std::function<core::Status(DataValueSetHandler&)>& read, std::string_view source,
    const store::ProgressFn& progress) {
  return Process(DataFormat::kJson, read, 0, source, progress);
}

Result<ImportSummary> Importer::Process(
    DataFormat format, const std::function<core::Status(DataValueSetHandler&)>& reader,
    size_t expected_values, std::string_view file_name, const store::ProgressFn& progress) {
  ImportSummary summary;
  summary.dry_run = options_.dry_run;

  KENEYA_ASSIGN_OR_RETURN(std::vector<core::State> states, store_.States());
  int32_t state = 0;
  for (const core::State& s : states) {
    if (s.code == options_.state) state = s.id;
  }
  if (state == 0) {
    std::string known;
    for (const core::State& s : states) known += (known.empty() ? "" : ", ") + s.code;
    return core::InvalidArgument(
        core::Message("io.import.unknown_state", {{"state", options_.state}, {"known", known}}),
        "--state");
  }
  std::shared_ptr<const core::MetadataBundle> held = options_.metadata;
  if (held == nullptr) {
    KENEYA_ASSIGN_OR_RETURN(core::MetadataBundle loaded, store_.LoadMetadata());
    held = std::make_shared<const core::MetadataBundle>(std::move(loaded));
  }
  const core::MetadataBundle& metadata = *held;

  ImportRun run(metadata, options_, format, state);
  run.set_file(file_name);
  run.staged().Reserve(expected_values, expected_values * 16);
  Status read = reader(run);
  summary.values_read = run.values_read();
  auto fail = [&](core::Message description) {
    summary.status = ImportStatus::kError;
    summary.description = core::Render(description, core::Language::kEnglish);
    summary.description_text = std::move(description);
    summary.count = ImportCount{};
    summary.rejected_indexes.clear();
    return summary;
  };
  if (!read.ok()) {
    if (run.aborted()) {
      summary.conflicts = run.conflicts();
      return fail(
          core::Message("io.import.aborted_because", {{"reason", run.abort_description()}}));
    }
    // "<code>: <message> (<place>)", as Error::ToString writes it.
    const core::Error& error = read.error();
    return fail(core::Message("io.import.file_error", {{"code", core::ErrorCodeText(error.code)},
                                                       {"error", ErrorText(error)}}));
  }

  StagedValues& staged = run.staged();
  core::LargeVector<StagedValues::Entry>& entries = staged.entries();

  // A key given twice: the first is applied, each repeat is a conflict (keys sorted as the store
  // sorts them); the values are then put in key order, in place, so that the store writes them
  // in order without sorting them again.
  {
    const size_t n = entries.size();
    core::LargeVector<store::KeyAt> items = store::SortKeys(staged);
    std::vector<bool> drop(n, false);
    size_t first = 0;
    for (size_t i = 1; i < n; ++i) {
      if (items[i].key != items[first].key) {
        first = i;
        continue;
      }
      const StagedValues::Entry& repeat = entries[items[i].position];
      run.AddConflict(
          repeat.index, "E8128", "", run.KeyObjects(repeat.key),
          core::Message("io.conflict.e8128", {{"index", repeat.index},
                                              {"first", entries[items[first].position].index}}));
      drop[items[i].position] = true;
    }
    // Values with neither value nor comment delete a stored value, or are E7618 conflicts.
    for (size_t i : run.delete_if_stored()) {
      if (drop[i]) continue;
      KENEYA_ASSIGN_OR_RETURN(std::optional<DataValue> stored, store_.GetValue(entries[i].key));
      if (stored && !stored->deleted) {
        entries[i].deleted = true;
      } else {
        auto objects = run.KeyObjects(entries[i].key);
        run.AddConflict(
            entries[i].index, "E7618", "value", {objects.front()},
            core::Message("io.conflict.e7618", {{"data_element", objects.front().second}}));
        drop[i] = true;
      }
    }
    // target[k]: the position of the value that goes k-th (key order, dropped values left out);
    // then each cycle of that permutation is followed once, moving values in place (no second
    // list of them all at the import's peak).
    core::LargeVector<uint32_t> target;
    target.reserve(n);
    for (const store::KeyAt& item : items) {
      if (!drop[item.position]) target.push_back(item.position);
    }
    items = {};
    const size_t kept = target.size();
    // Dropped values sit among the kept ones: compact first (file order), renumbering targets.
    core::LargeVector<uint32_t> renumbered(n);
    size_t next = 0;
    for (size_t i = 0; i < n; ++i) {
      if (drop[i]) continue;
      renumbered[i] = static_cast<uint32_t>(next);
      if (next != i) entries[next] = entries[i];
      ++next;
    }
    entries.resize(kept);
    for (uint32_t& t : target) t = renumbered[t];
    renumbered = {};
    std::vector<bool> placed(kept, false);
    for (size_t start = 0; start < kept; ++start) {
      if (placed[start] || target[start] == start) continue;
      const StagedValues::Entry moving = entries[start];
      size_t at = start;
      while (target[at] != start) {
        entries[at] = entries[target[at]];
        placed[at] = true;
        at = target[at];
      }
      entries[at] = moving;
      placed[at] = true;
    }
  }

  summary.conflicts = std::move(run.conflicts());
  std::vector<size_t> rejected = std::move(run.rejected());
  const bool has_conflicts = !summary.conflicts.empty();
  if (options_.atomic && has_conflicts) {
    std::sort(rejected.begin(), rejected.end());
    ImportSummary refused = fail(core::Message("io.import.atomic_refused"));
    refused.count.ignored = run.values_read();
    refused.rejected_indexes = rejected;
    return refused;
  }

  store::BulkLoadSummary written;
  if (staged.size() > 0) {
    const store::ImportInfo info{options_.actor.user, std::string(file_name),
                                 "dhis2-" + std::string(DataFormatName(format)),
                                 options_.actor.reason};
    auto loaded = store_.BulkLoad(staged, info, progress,
                                  store::BulkLoadOptions{options_.strategy, options_.dry_run});
    if (!loaded.ok()) {
      // References were all resolved from the database's own metadata: a failure here is the
      // store's (unreachable, full disk), not the file's.
      return loaded.error().In(std::string(file_name));
    }
    written = std::move(loaded).value();
  }
  for (size_t position : written.skipped) rejected.push_back(entries[position].index);
  std::sort(rejected.begin(), rejected.end());
  rejected.erase(std::unique(rejected.begin(), rejected.end()), rejected.end());

  summary.import_id = written.import_id;
  summary.count.imported = written.created;
  summary.count.updated = written.updated;
  summary.count.deleted = written.deleted;
  summary.count.ignored = written.unchanged + static_cast<int64_t>(written.skipped.size()) +
                          static_cast<int64_t>(rejected.size() - written.skipped.size());
  summary.rejected_indexes = std::move(rejected);
  summary.status = has_conflicts ? ImportStatus::kWarning : ImportStatus::kSuccess;
  summary.description_text = core::Message("io.import.completed");
  summary.description = core::Render(summary.description_text, core::Language::kEnglish);

  // Completion: a DXF2 header with a data set and a complete date registers the set complete
  // for its period and org unit (DHIS2 registers it for the default attribute combo).
  const auto& group = run.last_group();
  const DataValueSetHeader& h = group.header;
  if (format != DataFormat::kAdx && group.data_set != nullptr && !h.complete_date.empty() &&
      !h.period.empty() && !h.org_unit.empty()) {
    auto date = core::Date::Parse(h.complete_date);
    auto period = Period::Parse(h.period);
    const core::MetadataIndex index(metadata);
    ObjectLookup<core::OrgUnit> units(metadata.org_units);
    const core::OrgUnit* ou = units.Find(group.org_unit_scheme, h.org_unit);
    const core::CategoryOptionCombo* default_coc =
        index.category_option_combo(core::kDefaultCategoryOptionComboUid);
    if (date.ok() && period.ok() && ou != nullptr && default_coc != nullptr) {
      const core::Date today = options_.today ? *options_.today : core::Today();
      const core::Date completed = std::min(*date, today);
      if (!options_.dry_run) {
        KENEYA_RETURN_IF_ERROR(store_.PutCompletion(
            store::Completion{{group.data_set->id, period->Code(), ou->id, default_coc->id},
                              true,
                              completed.ToString(),
                              options_.actor.user},
            options_.actor));
      }
      summary.data_set_complete = completed.ToString();
    }
  }
  return summary;
}

}  // namespace keneya::io
