#include "fbr/places.h"

#include <algorithm>
#include <map>

#include "core/date.h"
#include "core/timestamp.h"
#include "fbr/browse.h"

namespace keneya::fbr {

using core::Message;
using core::Result;

namespace {

int64_t SeenChildren(const Sight& sight, const core::OrgUnit& unit) {
  const auto& children = sight.directory().Children(unit);
  return std::count_if(children.begin(), children.end(),
                       [&](const core::OrgUnit* child) { return sight.Sees(*child); });
}

PlaceRow RowOf(const Sight& sight, const core::OrgUnit& unit) {
  return {&unit, sight.Allows(unit, auth::Resource::kMetadata), SeenChildren(sight, unit)};
}

// One Latin-1 letter's base letter for searches (U+00C0..U+00FF), 0 when it has none.
char BaseLetter(uint32_t code) {
  static constexpr std::string_view kBase =
      "aaaaaaaceeeeiiiidnooooo ouuuuyts"   // U+00C0..U+00DF
      "aaaaaaaceeeeiiiidnooooo ouuuuyty";  // U+00E0..U+00FF
  if (code < 0xC0 || code > 0xFF) return 0;
  const char c = kBase[code - 0xC0];
  return c == ' ' ? 0 : c;
}

const core::OrgUnit* Resolve(const Sight& sight, std::string_view key) {
  const core::OrgUnit* unit = sight.directory().OrgUnit(key);
  return unit != nullptr && sight.Sees(*unit) ? unit : nullptr;
}

}  // namespace

std::string FoldForSearch(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    const auto byte = static_cast<unsigned char>(text[i]);
    if (byte < 0x80) {
      out.push_back(static_cast<char>(byte >= 'A' && byte <= 'Z' ? byte + 32 : byte));
    } else if ((byte & 0xE0) == 0xC0 && i + 1 < text.size()) {
      const uint32_t code =
          ((byte & 0x1Fu) << 6) | (static_cast<unsigned char>(text[i + 1]) & 0x3Fu);
      if (const char base = BaseLetter(code)) {
        out.push_back(base);
      } else {
        out.append(text.substr(i, 2));
      }
      ++i;
    } else {
      out.push_back(static_cast<char>(byte));
    }
  }
  return out;
}

std::vector<const core::OrgUnitGroup*> OrgUnitGroups(const Sight& sight) {
  std::vector<const core::OrgUnitGroup*> out;
  for (const core::OrgUnitGroup& group : sight.directory().bundle().org_unit_groups) {
    out.push_back(&group);
  }
  std::sort(out.begin(), out.end(), [](const auto* a, const auto* b) {
    return a->name != b->name ? a->name < b->name : a->uid < b->uid;
  });
  return out;
}

Result<Page<PlaceRow>> FindOrgUnits(const Sight& sight, const OrgUnitQuery& query) {
  const Directory& directory = sight.directory();
  const core::OrgUnit* parent = nullptr;
  if (!query.parent.empty()) {
    parent = Resolve(sight, query.parent);
    if (parent == nullptr) return UnknownOrUnseen(query.parent, query.parent);
  }
  const core::OrgUnit* within = nullptr;
  if (!query.within.empty()) {
    within = Resolve(sight, query.within);
    if (within == nullptr) return UnknownOrUnseen(query.within, query.within);
  }
  std::optional<core::OrgUnitType> type;
  if (!query.type.empty()) {
    auto parsed = core::ParseOrgUnitType(query.type);
    if (!parsed.ok()) return core::InvalidArgument(parsed.error().text, "type");
    type = *parsed;
  }
  const std::string text = FoldForSearch(query.text);
  auto matches = [&](const core::OrgUnit& unit) {
    if (!sight.Sees(unit)) return false;
    if (query.level && unit.level != *query.level) return false;
    if (type && unit.type != *type) return false;
    if (!IsWithin(unit, within)) return false;
    if (!text.empty() && FoldForSearch(unit.name).find(text) == std::string::npos &&
        FoldForSearch(unit.short_name).find(text) == std::string::npos &&
        FoldForSearch(unit.code).find(text) == std::string::npos) {
      return false;
    }
    return true;
  };
  std::vector<const core::OrgUnit*> found;
  if (parent != nullptr) {
    for (const core::OrgUnit* child : directory.Children(*parent)) {
      if (matches(*child)) found.push_back(child);
    }
  } else {
    for (const core::OrgUnit& unit : directory.bundle().org_units) {
      if (matches(unit)) found.push_back(&unit);
    }
    std::stable_sort(found.begin(), found.end(),
                     [](const core::OrgUnit* a, const core::OrgUnit* b) {
                       if (a->level != b->level) return a->level < b->level;
                       return a->name != b->name ? a->name < b->name : a->uid < b->uid;
                     });
  }
  Page<PlaceRow> page;
  page.total = static_cast<int64_t>(found.size());
  page.page = query.page;
  page.page_size = query.page_size;
  const int64_t first = (query.page - 1) * query.page_size;
  for (int64_t i = first; i < page.total && i < first + query.page_size; ++i) {
    page.items.push_back(RowOf(sight, *found[static_cast<size_t>(i)]));
  }
  return page;
}

Result<PlaceDetail> GetOrgUnit(const Sight& sight, std::string_view key) {
  const core::OrgUnit* unit = Resolve(sight, key);
  if (unit == nullptr) return UnknownOrUnseen(key, key);
  const Directory& directory = sight.directory();
  PlaceDetail detail;
  detail.place = RowOf(sight, *unit);
  detail.ancestors = directory.Ancestors(*unit);
  for (const core::OrgUnit* child : directory.Children(*unit)) {
    if (sight.Sees(*child)) detail.children.push_back(RowOf(sight, *child));
  }
  if (detail.place.in_scope) {
    for (const std::string& uid : unit->group_uids) {
      if (const core::OrgUnitGroup* group = directory.OrgUnitGroup(uid)) {
        detail.groups.push_back(group);
      }
    }
  }
  return detail;
}

namespace {

// Each month's workflow status for the monthly data sets collecting at `unit`.
core::Status AddSteps(store::Store& store, const Directory& directory, const core::OrgUnit& unit,
                      std::vector<MonthOfData>& months) {
  std::vector<const core::DataSet*> sets;
  store::PeriodStatusQuery query;
  query.org_units = {unit.id};
  for (const core::DataSet& set : directory.bundle().data_sets) {
    if (set.period_type != core::PeriodType::kMonthly || !IsAssigned(set, unit)) continue;
    sets.push_back(&set);
    query.data_sets.push_back(set.id);
  }
  if (sets.empty()) return core::OkStatus();
  for (const MonthOfData& month : months) query.periods.push_back(month.period.Code());
  KENEYA_ASSIGN_OR_RETURN(std::vector<store::PeriodStatusRecord> statuses,
                          store.PeriodStatuses(query));
  std::map<std::pair<int32_t, int32_t>, std::string> status_of;
  for (store::PeriodStatusRecord& s : statuses) {
    status_of[{s.key.data_set, s.key.period}] = std::move(s.status);
  }
  for (MonthOfData& month : months) {
    for (const core::DataSet* set : sets) {
      auto found = status_of.find({set->id, month.period.Code()});
      month.steps.push_back({set, found != status_of.end() ? found->second : "open"});
    }
  }
  return core::OkStatus();
}

}  // namespace

Result<FacilityCard> GetFacilityCard(store::Store& store, const Sight& sight, std::string_view key,
                                     std::optional<core::Period> last, int months,
                                     core::Language language) {
  const core::OrgUnit* unit = Resolve(sight, key);
  if (unit == nullptr || !core::IsFacility(unit->type)) return UnknownOrUnseen(key, key);
  KENEYA_RETURN_IF_ERROR(
      auth::Authorize(sight.user(), auth::Resource::kFacility, auth::Action::kRead, unit, key));
  FacilityCard card;
  KENEYA_ASSIGN_OR_RETURN(card.place, GetOrgUnit(sight, key));

  card.contracts_shown = sight.Allows(*unit, auth::Resource::kContract);
  if (card.contracts_shown) {
    KENEYA_ASSIGN_OR_RETURN(std::vector<store::Contract> contracts, store.ContractsOf(unit->id));
    KENEYA_ASSIGN_OR_RETURN(std::vector<store::ProgramRecord> programs, store.Programs());
    for (store::Contract& contract : contracts) {
      std::string name = contract.program_code;
      for (const store::ProgramRecord& program : programs) {
        if (program.code == contract.program_code) name = program.name;  // the newest wins
      }
      KENEYA_ASSIGN_OR_RETURN(std::vector<store::ContractChange> history,
                              store.ContractHistory(contract.id));
      card.contracts.push_back({std::move(contract), std::move(name), std::move(history)});
    }
  }

  card.data_shown = sight.Allows(*unit, auth::Resource::kDataValue);
  if (card.data_shown && months > 0) {
    // Values are keyed by period first: the facility's values are read month by month, never
    // over every period.
    store::ValueQuery query;
    query.org_units = {unit->id};
    auto window = [](const core::Period& end, int count) {
      std::vector<int32_t> codes;
      for (int i = count - 1; i >= 0; --i) codes.push_back(end.Plus(-i).Code());
      return codes;
    };
    if (!last) {
      // The latest month with data in the last five years, else the current month.
      const core::Period now = core::Period::ForDate(core::PeriodType::kMonthly, core::Today());
      query.periods = window(now, 60);
      KENEYA_ASSIGN_OR_RETURN(std::optional<int32_t> latest, store.LatestPeriod(query));
      last = now;
      if (latest) {
        KENEYA_ASSIGN_OR_RETURN(last, core::Period::FromCode(*latest));
      }
    }
    query.periods = window(*last, months);
    std::map<int32_t, size_t> month_of;
    for (int i = months - 1; i >= 0; --i) {
      const core::Period period = last->Plus(-i);
      month_of.emplace(period.Code(), card.months.size());
      card.months.push_back({period});
    }
    // Counted and compared by the store: a year of a facility's values is never read.
    KENEYA_ASSIGN_OR_RETURN(std::vector<store::ValueCount> counts,
                            store.CountByPeriodAndState(query));
    for (const store::ValueCount& count : counts) {
      MonthOfData& month = card.months[month_of.at(count.period)];
      switch (count.state) {
        case core::kStateDeclared:
          month.declared += count.count;
          break;
        case core::kStateVerified:
          month.verified += count.count;
          break;
        case core::kStateValidated:
          month.validated += count.count;
          break;
        default:
          month.other += count.count;
      }
    }
    // Declared and verified numbers side by side, by element and combo.
    KENEYA_ASSIGN_OR_RETURN(std::vector<store::ValueGap> gaps,
                            store.Gaps(query, core::kStateDeclared, core::kStateVerified));
    for (store::ValueGap& gap : gaps) {
      MonthOfData& month = card.months[month_of.at(gap.key.period)];
      month.gaps.push_back(
          {sight.directory().DataElementById(gap.key.data_element),
           sight.directory().CategoryOptionComboById(gap.key.category_option_combo),
           std::move(gap.first), std::move(gap.second)});
    }
    if (sight.Allows(*unit, auth::Resource::kPeriod)) {
      KENEYA_RETURN_IF_ERROR(AddSteps(store, sight.directory(), *unit, card.months));
    }
  }

  card.invoices_shown = sight.Allows(*unit, auth::Resource::kInvoice);
  if (card.invoices_shown) {
    KENEYA_ASSIGN_OR_RETURN(std::vector<store::InvoiceRecord> invoices,
                            store.InvoiceList(0, unit->id));
    KENEYA_ASSIGN_OR_RETURN(std::vector<store::InvoiceRunRecord> runs, AllRuns(store));
    for (const store::InvoiceRunRecord& run : runs) {  // newest first
      for (const store::InvoiceRecord& invoice : invoices) {
        if (invoice.run_id == run.id) card.invoices.push_back({invoice, run});
      }
    }
    KENEYA_ASSIGN_OR_RETURN(card.quality, FacilityHistoryOf(store, sight, *unit, language));
  }
  if (sight.Allows(*unit, auth::Resource::kPayment)) {
    KENEYA_ASSIGN_OR_RETURN(card.ledger, GetFacilityLedger(store, sight, *unit));
  }
  return card;
}

}  // namespace keneya::fbr
