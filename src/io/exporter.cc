#include "io/exporter.h"

#include <unordered_map>

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
  core::MetadataBundle metadata;
  store::ValueQuery query;
  std::unordered_map<std::string, const core::DataSet*> set_of_element;
};

Result<Selection> Select(store::Store& store, const ExportOptions& options) {
  Selection selection;
  KENEYA_ASSIGN_OR_RETURN(selection.metadata, store.LoadMetadata());
  const core::MetadataBundle& metadata = selection.metadata;
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
  query.include_deleted = options.include_deleted;
  return selection;
}

}  // namespace

Result<std::vector<Dhis2DataValue>> ValuesForPush(store::Store& store,
                                                  const ExportOptions& options) {
  KENEYA_ASSIGN_OR_RETURN(Selection selection, Select(store, options));
  KENEYA_ASSIGN_OR_RETURN(std::vector<core::DataValue> values, store.Query(selection.query));
  const auto org_units = ById(selection.metadata.org_units);
  const auto elements = ById(selection.metadata.data_elements);
  const auto combos = ById(selection.metadata.categories.option_combos);
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
  const core::MetadataBundle& metadata = selection.metadata;
  const auto& set_of_element = selection.set_of_element;
  KENEYA_ASSIGN_OR_RETURN(std::vector<core::DataValue> values, store.Query(selection.query));

  const auto org_units = ById(metadata.org_units);
  const auto elements = ById(metadata.data_elements);
  const auto combos = ById(metadata.categories.option_combos);
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
    writer->Write(o);
    if (++written % 50'000 == 0 && progress) progress(store::Progress{"export", written, total});
  }
  writer->End();
  if (progress) progress(store::Progress{"export", written, total});
  if (!out) return core::Unavailable(core::Message("io.export.cannot_write"), "output");
  return written;
}

}  // namespace keneya::io
