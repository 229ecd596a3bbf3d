// The audit trail on one page (the national unit's /journal): every change to data values,
// facility-periods' workflow, runs, payments, recovery decisions, payment accounts, contracts and
// user accounts, newest first, filtered by kind, by who, by place and by dates. For the users who
// read runs everywhere (docs/ACCESS.md: the national unit, payment officers, administrators,
// partners), each kind shown when they may read its records everywhere; a district's changes are
// on its own pages (a value's history, a period's events).
//
//   AuditFilter filter;
//   filter.kinds = {"payment", "run"};
//   filter.from = "2025-02-01";
//   KENEYA_ASSIGN_OR_RETURN(AuditPage page, FindAudit(store, sight, filter));
#ifndef KENEYA_FBR_AUDIT_H_
#define KENEYA_FBR_AUDIT_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "fbr/directory.h"
#include "store/store.h"

namespace keneya::fbr {

// The kinds by code: "value", "period", "run", "payment", "recovery", "account", "contract",
// "user".
std::string_view AuditKindCode(store::AuditKind kind);
std::vector<store::AuditKind> AllAuditKinds();

struct AuditFilter {
  std::vector<std::string> kinds;  // codes; none: every kind the user may read
  std::string user;                // who made the change
  std::string place;               // an org unit's uid or code: the changes under it
  std::string from, to;            // dates (2025-02-01), both included; empty: open
  int64_t page = 1;
  int64_t page_size = 50;
};

struct AuditRow {
  store::AuditEvent event;
  const core::OrgUnit* place = nullptr;             // the facility concerned, when it is known
  const core::DataElement* data_element = nullptr;  // a value's
  std::string state;                                // a value's state, by code ("verified")
  const core::DataSet* data_set = nullptr;          // a period's
};

struct AuditPage {
  std::vector<store::AuditKind> kinds;  // the kinds shown (those asked that the user may read)
  std::vector<AuditRow> rows;           // newest first
  int64_t page = 1;
  int64_t page_size = 50;
  bool more = false;  // a next page has rows
};
inline constexpr int64_t kMaxAuditDepth = 5000;  // page x page size

// A page of the trail. Errors: a user who does not read runs everywhere, or asks a kind they may
// not read everywhere (PermissionDenied; without kinds asked, the kinds they may read), an
// unknown kind, a malformed date (InvalidArgument, where: the field), an unknown or unseen place
// (NotFound), a page beyond kMaxAuditDepth changes.
core::Result<AuditPage> FindAudit(store::Store& store, const Sight& sight,
                                  const AuditFilter& filter);

}  // namespace keneya::fbr

#endif  // KENEYA_FBR_AUDIT_H_
