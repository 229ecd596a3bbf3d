#include "fbr/audit.h"

#include <algorithm>
#include <utility>

#include "auth/roles.h"
#include "core/timestamp.h"

namespace keneya::fbr {

using core::Message;
using core::Result;
using store::AuditKind;

namespace {

// Who may read a kind's records: its resource, read everywhere.
auth::Resource ResourceOf(AuditKind kind) {
  switch (kind) {
    case AuditKind::kValue:
      return auth::Resource::kDataValue;
    case AuditKind::kPeriod:
      return auth::Resource::kPeriod;
    case AuditKind::kRun:
      return auth::Resource::kInvoiceRun;
    case AuditKind::kPayment:
    case AuditKind::kRecovery:
    case AuditKind::kAccount:
      return auth::Resource::kPayment;
    case AuditKind::kContract:
      return auth::Resource::kContract;
    case AuditKind::kUser:
      return auth::Resource::kAccountAudit;
  }
  return auth::Resource::kSystem;
}

Result<core::TimestampMs> DayStart(const std::string& date, std::string_view field) {
  auto day = core::Date::Parse(date);
  if (!day.ok()) return core::InvalidArgument(day.error().text, std::string(field));
  return core::ParseTimestamp(day->ToString());
}

}  // namespace

std::string_view AuditKindCode(AuditKind kind) {
  switch (kind) {
    case AuditKind::kValue:
      return "value";
    case AuditKind::kPeriod:
      return "period";
    case AuditKind::kRun:
      return "run";
    case AuditKind::kPayment:
      return "payment";
    case AuditKind::kRecovery:
      return "recovery";
    case AuditKind::kAccount:
      return "account";
    case AuditKind::kContract:
      return "contract";
    case AuditKind::kUser:
      return "user";
  }
  return "";
}

std::vector<AuditKind> AllAuditKinds() {
  return {AuditKind::kValue,    AuditKind::kPeriod,  AuditKind::kRun,      AuditKind::kPayment,
          AuditKind::kRecovery, AuditKind::kAccount, AuditKind::kContract, AuditKind::kUser};
}

Result<AuditPage> FindAudit(store::Store& store, const Sight& sight, const AuditFilter& filter) {
  AuditPage out;
  out.page = filter.page;
  out.page_size = filter.page_size;
  if (filter.page < 1 || filter.page_size < 1 || filter.page * filter.page_size > kMaxAuditDepth) {
    return core::InvalidArgument(Message("fbr.audit.too_deep", {{"max", kMaxAuditDepth}}), "page");
  }
  // The national trail: for those who read runs everywhere.
  if (!sight.Everywhere(auth::Resource::kInvoiceRun)) {
    return auth::Authorize(auth::Principal{}, auth::Resource::kInvoiceRun, auth::Action::kRead,
                           nullptr)
        .error();
  }
  // The kinds: those asked, each readable everywhere; none asked: those the user may read.
  for (const std::string& code : filter.kinds) {
    const auto all = AllAuditKinds();
    const auto kind =
        std::find_if(all.begin(), all.end(), [&](AuditKind k) { return AuditKindCode(k) == code; });
    if (kind == all.end()) {
      return core::InvalidArgument(Message("fbr.audit.unknown_kind", {{"kind", code}}), "kind");
    }
    if (!sight.Everywhere(ResourceOf(*kind))) {
      return auth::Authorize(auth::Principal{}, ResourceOf(*kind), auth::Action::kRead, nullptr)
          .error();
    }
    out.kinds.push_back(*kind);
  }
  if (filter.kinds.empty()) {
    for (AuditKind kind : AllAuditKinds()) {
      if (sight.Everywhere(ResourceOf(kind))) out.kinds.push_back(kind);
    }
  }
  store::AuditQuery query;
  query.kinds = out.kinds;
  query.user = filter.user;
  if (!filter.from.empty()) {
    KENEYA_ASSIGN_OR_RETURN(query.from, DayStart(filter.from, "from"));
  }
  if (!filter.to.empty()) {
    KENEYA_ASSIGN_OR_RETURN(query.to, DayStart(filter.to, "to"));
    query.to += 24LL * 3600 * 1000;  // the day included
  }
  if (!filter.place.empty()) {
    const core::OrgUnit* place = sight.directory().OrgUnit(filter.place);
    if (place == nullptr || !sight.Sees(*place)) return UnknownOrUnseen(filter.place, "place");
    query.path = place->path;
  }
  query.limit = filter.page * filter.page_size + 1;
  KENEYA_ASSIGN_OR_RETURN(std::vector<store::AuditEvent> events, store.AuditEvents(query));
  // A value's state by its code: the three of the workflow, and those programs added.
  KENEYA_ASSIGN_OR_RETURN(std::vector<core::State> states, store.States());
  std::stable_sort(events.begin(), events.end(), [](const auto& a, const auto& b) {
    if (a.at != b.at) return a.at > b.at;
    if (a.kind != b.kind) return a.kind < b.kind;
    return a.id > b.id;
  });
  const size_t first = static_cast<size_t>((filter.page - 1) * filter.page_size);
  const size_t last = std::min(events.size(), static_cast<size_t>(filter.page * filter.page_size));
  out.more = events.size() > last;
  for (size_t i = first; i < last; ++i) {
    AuditRow row;
    row.place =
        events[i].org_unit != 0 ? sight.directory().OrgUnitById(events[i].org_unit) : nullptr;
    if (events[i].data_element != 0) {
      row.data_element = sight.directory().DataElementById(events[i].data_element);
      const auto state = std::find_if(states.begin(), states.end(), [&](const core::State& s) {
        return s.id == events[i].state;
      });
      row.state = state != states.end() ? state->code : std::to_string(events[i].state);
    }
    for (const core::DataSet& set : sight.directory().bundle().data_sets) {
      if (events[i].data_set != 0 && set.id == events[i].data_set) row.data_set = &set;
    }
    row.event = std::move(events[i]);
    out.rows.push_back(std::move(row));
  }
  return out;
}

}  // namespace keneya::fbr
