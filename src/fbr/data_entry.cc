#include "fbr/data_entry.h"

#include <algorithm>

#include "core/category.h"
#include "core/data_element.h"
#include "core/text.h"
#include "fbr/workflow.h"

namespace keneya::fbr {

using core::Message;
using core::Result;

namespace {

constexpr size_t kMaxCommentLength = 50'000;

Result<core::State> FindState(store::Store& store, std::string_view code) {
  KENEYA_ASSIGN_OR_RETURN(std::vector<core::State> states, store.States());
  for (const core::State& state : states) {
    if (state.code == code) return state;
  }
  return core::InvalidArgument(Message("fbr.entry.unknown_state", {{"state", code}}), "state");
}

Result<std::optional<core::State>> StateById(store::Store& store, int32_t id) {
  KENEYA_ASSIGN_OR_RETURN(std::vector<core::State> states, store.States());
  for (const core::State& state : states) {
    if (state.id == id) return std::optional<core::State>(state);
  }
  return std::optional<core::State>();
}

// The state whose numbers a form of `state` shows beside its own.
int32_t ComparedState(int32_t state) {
  if (state == core::kStateVerified) return core::kStateDeclared;
  if (state == core::kStateValidated) return core::kStateVerified;
  return 0;
}

// A place the user may read data values at; unknown and out of sight answer alike.
Result<const core::OrgUnit*> DataPlace(const Sight& sight, std::string_view key) {
  const core::OrgUnit* unit = sight.directory().OrgUnit(key);
  if (unit == nullptr) return UnknownOrUnseen(key, "orgUnit");
  core::Status allowed =
      auth::Authorize(sight.user(), auth::Resource::kDataValue, auth::Action::kRead, unit, key);
  if (!allowed.ok()) return UnknownOrUnseen(key, "orgUnit");
  return unit;
}

Result<core::Period> ParsePeriod(std::string_view text) {
  auto period = core::Period::Parse(text);
  if (!period.ok()) return core::InvalidArgument(period.error().text, "period");
  return *period;
}

Result<const core::CategoryOptionCombo*> AttributeCombo(const Directory& directory,
                                                        std::string_view key) {
  const core::CategoryOptionCombo* combo =
      directory.CategoryOptionCombo(key.empty() ? core::kDefaultCategoryOptionComboUid : key);
  if (combo == nullptr) {
    return core::InvalidArgument(Message("fbr.entry.unknown_combo", {{"combo", key}}),
                                 "attributeOptionCombo");
  }
  return combo;
}

// A resolved cell: its key and objects.
struct Cell {
  core::DataValueKey key;
  const core::DataElement* element = nullptr;
  const core::CategoryOptionCombo* combo = nullptr;
  const core::OrgUnit* org_unit = nullptr;
  core::State state;
};

Result<Cell> ResolveCell(store::Store& store, const Sight& sight, const CellRef& ref) {
  const Directory& directory = sight.directory();
  Cell cell;
  KENEYA_ASSIGN_OR_RETURN(cell.org_unit, DataPlace(sight, ref.org_unit));
  cell.element = directory.DataElement(ref.data_element);
  if (cell.element == nullptr) return UnknownOrUnseen(ref.data_element, "dataElement");
  const std::vector<const core::CategoryOptionCombo*> combos =
      directory.OptionCombos(cell.element->category_combo_uid);
  if (ref.category_option_combo.empty()) {
    if (combos.size() != 1) {
      return core::InvalidArgument(
          Message("fbr.entry.combo_needed", {{"data_element", cell.element->uid}}),
          "categoryOptionCombo");
    }
    cell.combo = combos.front();
  } else {
    cell.combo = directory.CategoryOptionCombo(ref.category_option_combo);
    if (cell.combo == nullptr ||
        std::find(combos.begin(), combos.end(), cell.combo) == combos.end()) {
      return core::InvalidArgument(
          Message("fbr.entry.combo_not_of_element",
                  {{"combo", ref.category_option_combo}, {"data_element", cell.element->uid}}),
          "categoryOptionCombo");
    }
  }
  KENEYA_ASSIGN_OR_RETURN(const core::CategoryOptionCombo* attribute,
                          AttributeCombo(directory, ref.attribute_option_combo));
  KENEYA_ASSIGN_OR_RETURN(core::Period period, ParsePeriod(ref.period));
  KENEYA_ASSIGN_OR_RETURN(cell.state, FindState(store, ref.state));
  cell.key = {period.Code(),  cell.org_unit->id, cell.element->id,
              cell.combo->id, attribute->id,     cell.state.id};
  return cell;
}

Result<FormCell> ReadCell(store::Store& store, const Directory& directory,
                          const core::DataValueKey& key) {
  FormCell cell;
  cell.element = directory.DataElementById(key.data_element);
  cell.combo = directory.CategoryOptionComboById(key.category_option_combo);
  KENEYA_ASSIGN_OR_RETURN(cell.value, store.GetValue(key));
  if (const int32_t compared = ComparedState(key.state); compared != 0) {
    core::DataValueKey other = key;
    other.state = compared;
    KENEYA_ASSIGN_OR_RETURN(std::optional<core::DataValue> value, store.GetValue(other));
    if (value && !value->deleted) cell.compared = value->value;
  }
  return cell;
}

}  // namespace

Result<Form> ReadForm(store::Store& store, const Sight& sight, const FormRequest& request) {
  const Directory& directory = sight.directory();
  Form form;
  form.data_set = directory.DataSet(request.data_set);
  if (form.data_set == nullptr) return UnknownOrUnseen(request.data_set, "dataSet");
  KENEYA_ASSIGN_OR_RETURN(form.org_unit, DataPlace(sight, request.org_unit));
  KENEYA_ASSIGN_OR_RETURN(form.period, ParsePeriod(request.period));
  KENEYA_RETURN_IF_ERROR(
      CheckCollects(*form.data_set, *form.org_unit, form.period, request.period));
  KENEYA_ASSIGN_OR_RETURN(form.state, FindState(store, request.state));
  if (const int32_t compared = ComparedState(form.state.id); compared != 0) {
    KENEYA_ASSIGN_OR_RETURN(form.compared_state, StateById(store, compared));
  }
  KENEYA_ASSIGN_OR_RETURN(form.attribute_option_combo,
                          AttributeCombo(directory, request.attribute_option_combo));
  form.editable =
      sight.Allows(*form.org_unit, auth::Resource::kDataValue, auth::WriteValue(form.state.code));
  KENEYA_ASSIGN_OR_RETURN(
      std::optional<store::PeriodStatusRecord> status,
      store.GetPeriodStatus({form.data_set->id, form.org_unit->id, form.period.Code()}));
  if (status) {
    form.status = ParsePeriodStatus(status->status).value_or(PeriodStatus::kOpen);
    if (!CheckWritable(form.status, form.state.id, *form.data_set).ok()) form.editable = false;
  }

  // Every value of the facility and period in one read, then laid out on the form.
  store::ValueQuery query;
  query.periods = {form.period.Code()};
  query.org_units = {form.org_unit->id};
  query.include_deleted = true;
  KENEYA_ASSIGN_OR_RETURN(std::vector<core::DataValue> values, store.Query(query));
  auto find = [&](const core::DataValueKey& key) -> const core::DataValue* {
    auto it = std::lower_bound(
        values.begin(), values.end(), key,
        [](const core::DataValue& v, const core::DataValueKey& k) { return v.key < k; });
    return it != values.end() && it->key == key ? &*it : nullptr;
  };
  for (const std::string& uid : form.data_set->data_element_uids) {
    const core::DataElement* element = directory.DataElement(uid);
    if (element == nullptr) continue;
    for (const core::CategoryOptionCombo* combo :
         directory.OptionCombos(element->category_combo_uid)) {
      FormCell cell;
      cell.element = element;
      cell.combo = combo;
      core::DataValueKey key{form.period.Code(),
                             form.org_unit->id,
                             element->id,
                             combo->id,
                             form.attribute_option_combo->id,
                             form.state.id};
      if (const core::DataValue* value = find(key)) cell.value = *value;
      if (form.compared_state) {
        key.state = form.compared_state->id;
        const core::DataValue* value = find(key);
        if (value != nullptr && !value->deleted) cell.compared = value->value;
      }
      form.cells.push_back(std::move(cell));
    }
  }
  return form;
}

Result<CellSaved> SaveCell(store::Store& store, const Sight& sight, const CellWrite& write,
                           const store::Actor& actor) {
  KENEYA_ASSIGN_OR_RETURN(Cell cell, ResolveCell(store, sight, write.cell));
  KENEYA_RETURN_IF_ERROR(auth::Authorize(sight.user(), auth::Resource::kDataValue,
                                         auth::WriteValue(cell.state.code), cell.org_unit,
                                         write.cell.org_unit));
  // A data set must collect the element there and then: it holds the element, has the period's
  // type, is assigned to the org unit (a set without assignments is everyone's), and its
  // attribute combo has the attribute option combo written.
  const auto period = *core::Period::FromCode(cell.key.period);
  bool collected = false;
  for (const core::DataSet* set :
       DataSetsCollecting(sight.directory(), *cell.element, period.type(), *cell.org_unit)) {
    for (const core::CategoryOptionCombo* aoc :
         sight.directory().OptionCombos(set->category_combo_uid)) {
      if (aoc->id == cell.key.attribute_option_combo) collected = true;
    }
  }
  if (!collected) {
    return core::FailedPrecondition(
        Message("fbr.entry.not_collected", {{"data_element", cell.element->name},
                                            {"org_unit", cell.org_unit->name},
                                            {"period", write.cell.period}}),
        "dataElement");
  }
  core::DataValue value;
  value.key = cell.key;
  value.comment = write.comment;
  value.followup = write.followup;
  value.stored_by = actor.user;
  const bool has_value = write.value && !write.value->empty();
  if (has_value) {
    KENEYA_RETURN_IF_ERROR(core::CheckUtf8(*write.value, "value"));
    if (core::Status valid = core::ValidateValue(cell.element->value_type, *write.value);
        !valid.ok()) {
      return core::InvalidArgument(valid.error().text, "value");
    }
    if (!cell.element->option_set_uid.empty()) {
      const core::OptionSet* set = nullptr;
      for (const core::OptionSet& s : sight.directory().bundle().option_sets) {
        if (s.uid == cell.element->option_set_uid) set = &s;
      }
      const bool valid = set != nullptr &&
                         std::any_of(set->options.begin(), set->options.end(),
                                     [&](const core::Option& o) { return o.code == *write.value; });
      if (!valid) {
        return core::InvalidArgument(Message("fbr.entry.not_an_option", {{"value", *write.value}}),
                                     "value");
      }
    }
    value.value = *write.value;
  } else if (write.comment.empty()) {
    value.deleted = true;
  }
  KENEYA_RETURN_IF_ERROR(core::CheckUtf8(write.comment, "comment"));
  if (write.comment.size() > kMaxCommentLength) {
    return core::InvalidArgument(
        Message("fbr.entry.comment_too_long", {{"max", static_cast<int64_t>(kMaxCommentLength)}}),
        "comment");
  }
  // The workflow: declared numbers change while the period is open, verified ones until the
  // report is issued (docs: CheckWritable).
  KENEYA_RETURN_IF_ERROR(CheckValueWritable(store, sight.directory(), cell.key));
  CellSaved saved;
  auto outcome = store.WriteValueIf(value, write.version, actor);
  if (!outcome.ok()) {
    if (outcome.error().code != core::ErrorCode::kConflict) return outcome.error();
    saved.conflict = true;
  } else {
    saved.outcome = *outcome;
  }
  KENEYA_ASSIGN_OR_RETURN(saved.cell, ReadCell(store, sight.directory(), cell.key));
  return saved;
}

Result<ValueHistory> GetValueHistory(store::Store& store, const Sight& sight, const CellRef& ref) {
  KENEYA_ASSIGN_OR_RETURN(Cell cell, ResolveCell(store, sight, ref));
  ValueHistory history;
  history.key = cell.key;
  KENEYA_ASSIGN_OR_RETURN(history.cell, ReadCell(store, sight.directory(), cell.key));
  KENEYA_ASSIGN_OR_RETURN(history.changes, store.AuditTrail(cell.key));
  if (history.cell.value && history.cell.value->import_id != 0) {
    KENEYA_ASSIGN_OR_RETURN(store::ImportRecord import,
                            store.GetImport(history.cell.value->import_id));
    history.imported = std::move(import);
  }
  return history;
}

Result<std::vector<CellResult>> SaveForm(store::Store& store, const Sight& sight,
                                         const FormWrite& form, const store::Actor& actor) {
  const core::OrgUnit* unit = sight.directory().OrgUnit(form.org_unit);
  if (unit == nullptr || !sight.Sees(*unit)) return UnknownOrUnseen(form.org_unit, "orgUnit");
  KENEYA_RETURN_IF_ERROR(auth::Authorize(sight.user(), auth::Resource::kDataValue,
                                         auth::WriteValue(form.state), unit, form.org_unit));
  std::vector<CellResult> out;
  out.reserve(form.cells.size());
  for (CellWrite write : form.cells) {
    write.cell.org_unit = form.org_unit;
    write.cell.period = form.period;
    write.cell.state = form.state;
    write.cell.attribute_option_combo = form.attribute_option_combo;
    CellResult result;
    result.cell = write.cell;
    Result<CellSaved> saved = SaveCell(store, sight, write, actor);
    if (saved.ok()) {
      result.saved = std::move(saved).value();
    } else {
      result.error = saved.error();
    }
    out.push_back(std::move(result));
  }
  return out;
}

}  // namespace keneya::fbr
