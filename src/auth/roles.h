// Roles, scopes and the acting user (a Principal), and the rules of who may do what where.
//
// A user holds roles, each over a scope: a subtree of the pyramid (the district of Ségou and all
// its facilities) or an org unit group (a verification zone, the CSRéfs peer evaluators visit).
// Authorize() answers whether a principal may act on a resource at a place; docs/ACCESS.md is
// the same table in words, and a test checks the server's answers against it.
//
//   KENEYA_RETURN_IF_ERROR(auth::Authorize(user, Resource::kInvoice, Action::kRead, &facility));
//
// Outside every scope of the user, a record that is not public answers NotFound, exactly as a
// record that does not exist, so that its existence does not leak. Inside a scope, an action the
// user's roles do not allow answers PermissionDenied.
#ifndef KENEYA_AUTH_ROLES_H_
#define KENEYA_AUTH_ROLES_H_

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/message.h"
#include "core/org_unit.h"
#include "core/result.h"

namespace keneya::auth {

enum class Role {
  kAdministrator,     // accounts and the system; no data entry, no approval
  kNationalUnit,      // the national FBR unit: programs, tariffs, runs, approvals
  kPaymentOfficer,    // payment orders and payments
  kDistrictTeam,      // a region's or district's team: validation, paper reports, follow-up
  kVerifier,          // a verification agency: the verified numbers of its zone
  kQualityEvaluator,  // quality scores of the facilities evaluated
  kFacilityHead,      // the head of a facility: declarations, invoices, contests
  kAsacoTreasurer,    // the community association's treasurer: invoices and payments
  kViewer,            // partners: read only
};

// Every role, in the order above.
std::span<const Role> AllRoles();
std::string_view RoleCode(Role role);  // "administrator", "district_team"...
std::optional<Role> ParseRole(std::string_view code);
core::Message RoleText(Role role);  // "équipe de district"

enum class ScopeKind { kSubtree, kGroup };
std::string_view ScopeKindCode(ScopeKind kind);  // "subtree", "group"
std::optional<ScopeKind> ParseScopeKind(std::string_view code);

struct Scope {
  ScopeKind kind = ScopeKind::kSubtree;
  std::string uid;  // the org unit (subtree) or the group
  // Whether `place` is in this scope.
  bool Contains(const core::OrgUnit& place) const;
  friend bool operator==(const Scope&, const Scope&) = default;
};

struct Grant {
  Role role;
  Scope scope;
};

// Who acts: a signed-in user, an API token's owner, or the operator of the command line.
struct Principal {
  int64_t user_id = 0;
  std::string name;
  std::string full_name;
  std::string language = "fr";
  std::vector<Grant> grants;
  // The command line's operator, who holds the database itself: every act is allowed (and
  // audited under --user).
  bool operator_of_database = false;

  bool Has(Role role) const;
};

// What an act is about. docs/ACCESS.md describes each.
enum class Resource {
  kMetadata,      // the pyramid, data elements, data sets, programs' descriptions
  kFacility,      // a facility's card: contract, equity category, history
  kDataValue,     // data values, their comments and audit trail
  kPeriod,        // a facility-period's workflow: declaring, the verification report, validating
  kProgram,       // program versions (rules, tariffs)
  kContract,      // contracts
  kInvoiceRun,    // invoice runs as a whole (national totals)
  kInvoice,       // a facility's invoice, its explanation and exports
  kPayment,       // a facility's payment account, payments of its invoices, payment orders
  kSimulation,    // simulations of tariffs and envelopes
  kUser,          // accounts, roles, tokens
  kAccountAudit,  // the audit of account events
  kSystem,        // metrics and the system's own information
};
std::span<const Resource> AllResources();
std::string_view ResourceCode(Resource resource);  // "data_value"...

enum class Action {
  kRead,
  kWrite,     // create or change (for data values: see WriteValue below)
  kDeclare,   // data values in the declared state; a period: declaring it, contesting its report
  kVerify,    // data values in the verified state; a period: its verification and report
  kValidate,  // data values in any other state (imported validated numbers); a period: validating
};
std::span<const Action> AllActions();
std::string_view ActionCode(Action action);  // "read"...
// The action that writing a value in the state `state_code` is ("declared" -> kDeclare).
Action WriteValue(std::string_view state_code);

// Whether `role` may do `action` on `resource` at all (somewhere in its scope).
bool RoleAllows(Role role, Resource resource, Action action);

// May `user` do `action` on `resource` at `place` (nullptr: a resource without a place, such as
// the metadata or a national run)? NotFound when the place is outside all the user's scopes for
// the resource and the record is not public, PermissionDenied when a scope holds it but no role
// there allows the action. `what` names the record in the NotFound error ("org unit Ab3...").
core::Status Authorize(const Principal& user, Resource resource, Action action,
                       const core::OrgUnit* place, std::string_view what = "");

// Whether `place` is in the scope of a role of `user` that allows `action` on `resource`: the
// filter of lists and searches.
bool Allows(const Principal& user, Resource resource, Action action, const core::OrgUnit& place);

// Whether `user` may do `action` on `resource` anywhere (a national, place-less record: a run, a
// program), i.e. holds a role allowing it whose scope is the whole pyramid (the root `root_uid`).
bool AllowsEverywhere(const Principal& user, Resource resource, Action action,
                      std::string_view root_uid);

}  // namespace keneya::auth

#endif  // KENEYA_AUTH_ROLES_H_
