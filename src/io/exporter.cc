#include "io/exporter.h"

#include <algorithm>
#include <memory>
#include <unordered_map>

#include "core/category.h"
#include "core/period.h"
#include "core/timestamp.h"
#include "io/data_value_set_writer.h"

namespace keneya::io {

using core::Result;

namespace {

template <typename T>
std::string_view NameOf(const T& object, const IdScheme& scheme) {
  switch (scheme.kind) {
    case IdScheme::Kind::kUid:
      return object.uid;
    case IdScheme::Kind::kCode:
      return object.code.empty() ? std::string_view(object.uid) : std::string_view(object.code);
    case IdScheme::Kind::kName:
      return object.name;
    case IdScheme::Kind::kAttribute:
      if constexpr (requires { object.attribute_values; }) {
        for (const core::AttributeValue& v : object.attribute_values) {
          if (v.attribute_uid == scheme.attribute_uid) return v.value;
        }
      }
      return object.uid;
  }
  return object.uid;
}

template <typename T>
std::unordered_map<int32_t, const T*> ById(const std::vector<T>& objects) {
  std::unordered_map<int32_t, const T*> out;
  for (const T& o : objects) out.emplace(o.id, &o);
  return out;
}

// What the options select: the query, and the data set each element is exported under (ADX
// groups values by data set).
struct Selection {
  std::shared_ptr<const core::MetadataBundle> metadata;
  store::ValueQuery query;
  std::unordered_map<std::string, const core::DataSet*> set_of_element;
  // Whether a value the query read is exported (dates, the reader's sight).
  std::function<bool(const core::DataValue&)> keep;
};

Result<Selection> Select(store::Store& store, const ExportOptions& options) {
  Selection selection;
  if (options.metadata != nullptr) {
    selection.metadata = options.metadata;
  } else {
    KENEYA_ASSIGN_OR_RETURN(core::MetadataBundle loaded, store.LoadMetadata());
    selection.metadata = std::make_shared<const core::MetadataBundle>(std::move(loaded));
  }
  const core::MetadataBundle& metadata = *selection.metadata;
  store::ValueQuery& query = selection.query;
  auto& set_of_element = selection.set_of_element;
  KENEYA_ASSIGN_OR_RETURN(std::vector<core::State> states, store.States());
  for (const core::State& s : states) {
    if (s.code == options.state) query.states = {s.id};
  }
  if (query.states.empty()) {
    return core::InvalidArgument(
        core::Message("io.export.unknown_state", {{"state", options.state}}), "--state");
  }
  const core::MetadataIndex index(metadata);
  for (const std::string& uid : options.data_sets) {
    const core::DataSet* ds = index.data_set(uid);
    if (ds == nullptr) {
      return core::NotFound(core::Message("io.export.no_data_set", {{"uid", uid}}), "--data-set");
    }
    for (const std::string& de : ds->data_element_uids) {
      set_of_element.emplace(de, ds);
      query.data_elements.push_back(index.data_element(de)->id);
    }
  }
  if (options.data_sets.empty()) {
    for (const core::DataSet& ds : metadata.data_sets) {
      for (const std::string& de : ds.data_element_uids) set_of_element.emplace(de, &ds);
    }
  }
  for (const std::string& text : options.periods) {
    KENEYA_ASSIGN_OR_RETURN(core::Period period, core::Period::Parse(text));
    query.periods.push_back(period.Code());
  }
  if (!options.org_unit.empty()) {
    const core::OrgUnit* root = index.org_unit(options.org_unit);
    if (root == nullptr) {
      return core::NotFound(core::Message("io.export.no_org_unit", {{"uid", options.org_unit}}),
                            "--org-unit");
    }
    query.org_unit_subtree = root->id;
  }
  if (!options.org_units.empty()) {
    std::vector<int32_t> ids;
    for (const std::string& key : options.org_units) {
      const core::OrgUnit* unit = index.org_unit(key);
      if (unit == nullptr) {
        for (const core::OrgUnit& u : metadata.org_units) {
          if (!u.code.empty() && u.code == key) unit = &u;
        }
      }
      if (unit == nullptr || (options.may_see && !options.may_see(*unit))) {
        return core::NotFound(core::Message("io.export.no_org_unit", {{"uid", key}}), "orgUnit");
      }
      if (!options.children) {
        ids.push_back(unit->id);
        continue;
      }
      for (const core::OrgUnit& u : metadata.org_units) {
        if (u.path.compare(0, unit->path.size(), unit->path) == 0 &&
            (u.path.size() == unit->path.size() || u.path[unit->path.size()] == '/')) {
          ids.push_back(u.id);
        }
      }
    }
    std::sort(ids.begin(), ids.end());
    ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
    query.org_units = std::move(ids);
  }
  query.include_deleted = options.include_deleted;
  if (options.start_date || options.end_date || options.may_see || options.updated_since) {
    auto org_units = std::make_shared<std::unordered_map<int32_t, const core::OrgUnit*>>();
    for (const core::OrgUnit& u : metadata.org_units) org_units->emplace(u.id, &u);
    auto seen = std::make_shared<std::unordered_map<int32_t, bool>>();
    selection.keep = [options, org_units, seen](const core::DataValue& v) {
      if (options.updated_since && v.last_updated < *options.updated_since) return false;
      if (options.start_date || options.end_date) {
        auto period = core::Period::FromCode(v.key.period);
        if (!period.ok()) return false;
        if (options.start_date && period->start() < *options.start_date) return false;
        if (options.end_date && period->end() > *options.end_date) return false;
      }
      if (options.may_see) {
        auto it = seen->find(v.key.org_unit);
        if (it == seen->end()) {
          auto unit = org_units->find(v.key.org_unit);
          const bool visible = unit != org_units->end() && options.may_see(*unit->second);
          it = seen->emplace(v.key.org_unit, visible).first;
        }
        if (!it->second) return false;
      }
      return true;
    };
  }
  return selection;
}

}  // namespace

Result<std::vector<Dhis2DataValue>> ValuesForPush(store::Store& store,
                                                  const ExportOptions& options) {
  KENEYA_ASSIGN_OR_RETURN(Selection selection, Select(store, options));
  KENEYA_ASSIGN_OR_RETURN(std::vector<core::DataValue> values, store.Query(selection.query));
  if (selection.keep)
    std::erase_if(values, [&](const core::DataValue& v) { return !selection.keep(v); });
  const auto org_units = ById(selection.metadata->org_units);
  const auto elements = ById(selection.metadata->data_elements);
  const auto combos = ById(selection.metadata->categories.option_combos);
  std::vector<Dhis2DataValue> out;
  out.reserve(values.size());
  for (core::DataValue& v : values) {
    Dhis2DataValue d;
    d.data_element = elements.at(v.key.data_element)->uid;
    d.period = core::Period::FromCode(v.key.period)->ToString();
    d.org_unit = org_units.at(v.key.org_unit)->uid;
    d.category_option_combo = combos.at(v.key.category_option_combo)->uid;
    d.attribute_option_combo = combos.at(v.key.attribute_option_combo)->uid;
    d.value = std::move(v.value);
    d.comment = std::move(v.comment);
    d.stored_by = std::move(v.stored_by);
    d.followup = v.followup;
    d.deleted = v.deleted;
    out.push_back(std::move(d));
  }
  return out;
}

Result<int64_t> ExportDataValues(store::Store& store, const ExportOptions& options,
                                 std::ostream& out, const store::ProgressFn& progress) {
  KENEYA_ASSIGN_OR_RETURN(Selection selection, Select(store, options));
  const core::MetadataBundle& metadata = *selection.metadata;
  const auto& set_of_element = selection.set_of_element;
  KENEYA_ASSIGN_OR_RETURN(std::vector<core::DataValue> values, store.Query(selection.query));
  if (selection.keep)
    std::erase_if(values, [&](const core::DataValue& v) { return !selection.keep(v); });

  const auto org_units = ById(metadata.org_units);
  const auto elements = ById(metadata.data_elements);
  const auto combos = ById(metadata.categories.option_combos);
  // ADX names the disaggregation and the attribute by their categories, as DHIS2 writes it.
  std::unordered_map<int32_t, std::vector<std::pair<std::string, std::string>>> categories_of;
  if (options.format == DataFormat::kAdx) {
    const core::CategoryModel& model = metadata.categories;
    // A category's code names an XML attribute: used when it is a plain XML name that is not one
    // of ADX's own attributes, else the uid.
    auto attribute_name = [](const core::Category& category) {
      const std::string& code = category.code;
      bool plain =
          !code.empty() && !(code[0] >= '0' && code[0] <= '9') && code[0] != '-' && code[0] != '.';
      for (char c : code) {
        plain = plain && ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
                          (c >= '0' && c <= '9') || c == '_' || c == '-' || c == '.');
      }
      for (const char* reserved : {"value", "dataElement", "dataSet", "orgUnit", "period",
                                   "categoryOptionCombo", "attributeOptionCombo", "xmlns"}) {
        plain = plain && code != reserved;
      }
      return plain ? code : category.uid;
    };
    auto name_of = [](const core::CategoryOption& option) {
      return option.code.empty() ? option.uid : option.code;
    };
    for (const core::CategoryOptionCombo& coc : model.option_combos) {
      std::vector<std::pair<std::string, std::string>> pairs;
      const core::CategoryCombo* combo = nullptr;
      for (const core::CategoryCombo& c : model.combos) {
        if (c.uid == coc.category_combo_uid) combo = &c;
      }
      if (combo != nullptr && combo->uid != core::kDefaultCategoryComboUid) {
        for (size_t i = 0; i < combo->category_uids.size() && i < coc.option_uids.size(); ++i) {
          const core::Category* category = nullptr;
          for (const core::Category& c : model.categories) {
            if (c.uid == combo->category_uids[i]) category = &c;
          }
          const core::CategoryOption* option = nullptr;
          for (const core::CategoryOption& o : model.options) {
            if (o.uid == coc.option_uids[i]) option = &o;
          }
          if (category != nullptr && option != nullptr) {
            pairs.emplace_back(attribute_name(*category), name_of(*option));
          }
        }
      }
      categories_of.emplace(coc.id, std::move(pairs));
    }
  }
  auto writer = DataValueSetWriter::Create(options.format, out);
  writer->Begin(DataValueSetHeader{});
  const int64_t total = static_cast<int64_t>(values.size());
  int64_t written = 0;
  int32_t last_period = 0;
  std::string period_text;
  for (const core::DataValue& v : values) {
    const core::DataElement* de = elements.at(v.key.data_element);
    if (v.key.period != last_period) {
      last_period = v.key.period;
      period_text = core::Period::FromCode(v.key.period)->ToString();
    }
    const auto set = set_of_element.find(de->uid);
    const std::string last_updated = core::FormatTimestamp(v.last_updated);
    const std::string created = core::FormatTimestamp(v.created);
    OutputDataValue o;
    o.data_set =
        set == set_of_element.end() ? std::string_view() : NameOf(*set->second, options.scheme);
    o.data_element = NameOf(*de, options.scheme);
    o.period = period_text;
    o.org_unit = NameOf(*org_units.at(v.key.org_unit), options.scheme);
    o.category_option_combo = NameOf(*combos.at(v.key.category_option_combo), options.scheme);
    o.attribute_option_combo = NameOf(*combos.at(v.key.attribute_option_combo), options.scheme);
    o.value = v.value;
    o.stored_by = v.stored_by;
    o.created = created;
    o.last_updated = last_updated;
    o.comment = v.comment;
    o.followup = v.followup;
    o.deleted = v.deleted;
    o.numeric = core::IsNumeric(de->value_type);
    if (options.format == DataFormat::kAdx) {
      o.categories = &categories_of[v.key.category_option_combo];
      o.attribute_categories = &categories_of[v.key.attribute_option_combo];
    }
    writer->Write(o);
    if (++written % 50'000 == 0 && progress) progress(store::Progress{"export", written, total});
  }
  writer->End();
  if (progress) progress(store::Progress{"export", written, total});
  if (!out) return core::Unavailable(core::Message("io.export.cannot_write"), "output");
  return written;
}

}  // namespace keneya::io
