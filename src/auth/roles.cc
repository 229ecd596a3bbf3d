#include "auth/roles.h"

#include <algorithm>
#include <array>

namespace keneya::auth {

using core::Message;

namespace {

constexpr std::array kRoles = {
    Role::kAdministrator, Role::kNationalUnit,   Role::kPaymentOfficer,
    Role::kDistrictTeam,  Role::kVerifier,       Role::kQualityEvaluator,
    Role::kFacilityHead,  Role::kAsacoTreasurer, Role::kViewer,
};

constexpr std::array kResources = {
    Resource::kMetadata, Resource::kFacility,   Resource::kDataValue,  Resource::kPeriod,
    Resource::kProgram,  Resource::kContract,   Resource::kInvoiceRun, Resource::kInvoice,
    Resource::kPayment,  Resource::kSimulation, Resource::kUser,       Resource::kAccountAudit,
    Resource::kSystem,
};

constexpr std::array kActions = {Action::kRead, Action::kWrite, Action::kDeclare, Action::kVerify,
                                 Action::kValidate};

// Actions as bits, for the table below.
constexpr unsigned R = 1u << static_cast<int>(Action::kRead);
constexpr unsigned W = 1u << static_cast<int>(Action::kWrite);
constexpr unsigned D = 1u << static_cast<int>(Action::kDeclare);
constexpr unsigned V = 1u << static_cast<int>(Action::kVerify);
constexpr unsigned X = 1u << static_cast<int>(Action::kValidate);

// What each role may do on each resource, within its scope. Columns in kResources' order:
// metadata, facility, data_value, period, program, contract, invoice_run, invoice, payment,
// simulation, user, account_audit, system. docs/ACCESS.md says the same in words (a test compares
// the server's answers with it).
constexpr unsigned kTable[kRoles.size()][kResources.size()] = {
    // administrator: accounts and the system; reads everything to help, enters nothing.
    {R | W, R, R, R, R, R, R, R, R, 0, R | W, R, R},
    // national FBR unit: programs, contracts, runs (approval, and what to do with an amount to
    // recover), simulation; imports validated numbers. Pays nothing: payments are another's.
    {R | W, R, R | X, R, R | W, R | W, R | W, R, R, R, 0, 0, 0},
    // payment officer: facilities' accounts (a second officer confirms each change), payments,
    // payment orders.
    {R, R, 0, R, R, R, R, R, R | W, 0, 0, 0, 0},
    // district team: its facilities' numbers and declarations (paper reports typed on their
    // behalf), validating their periods, invoices and their payments.
    {R, R, R | D, R | D | X, R, R, 0, R, R, 0, 0, 0, 0},
    // verifier: the verified numbers of its zone, their reports and answers to contests.
    {R, R, R | V, R | V, R, 0, 0, 0, 0, 0, 0, 0, 0},
    // quality evaluator: quality scores (verified numbers of quality data sets).
    {R, R, R | V, R | V, R, 0, 0, 0, 0, 0, 0, 0, 0},
    // facility head: declarations (and contests of reports), the contract, invoices, payments.
    {R, R, R | D, R | D, R, R, 0, R, R, 0, 0, 0, 0},
    // ASACO treasurer: the facility's numbers, contract, invoices and payments, read only.
    {R, R, R, R, R, R, 0, R, R, 0, 0, 0, 0},
    // viewer (partners): read only, runs and payments included.
    {R, R, R, R, R, R, R, R, R, 0, 0, 0, 0},
};

Message ActionText(Action action) {
  switch (action) {
    case Action::kRead:
      return Message("auth.action.read");
    case Action::kWrite:
      return Message("auth.action.write");
    case Action::kDeclare:
      return Message("auth.action.declare");
    case Action::kVerify:
      return Message("auth.action.verify");
    case Action::kValidate:
      return Message("auth.action.validate");
  }
  return Message("auth.action.read");
}

Message ResourceText(Resource resource) {
  switch (resource) {
    case Resource::kMetadata:
      return Message("auth.resource.metadata");
    case Resource::kFacility:
      return Message("auth.resource.facility");
    case Resource::kDataValue:
      return Message("auth.resource.data_value");
    case Resource::kPeriod:
      return Message("auth.resource.period");
    case Resource::kProgram:
      return Message("auth.resource.program");
    case Resource::kContract:
      return Message("auth.resource.contract");
    case Resource::kInvoiceRun:
      return Message("auth.resource.invoice_run");
    case Resource::kInvoice:
      return Message("auth.resource.invoice");
    case Resource::kSimulation:
      return Message("auth.resource.simulation");
    case Resource::kUser:
      return Message("auth.resource.user");
    case Resource::kAccountAudit:
      return Message("auth.resource.account_audit");
    case Resource::kPayment:
      return Message("auth.resource.payment");
    case Resource::kSystem:
      return Message("auth.resource.system");
  }
  return Message("auth.resource.system");
}

size_t IndexOf(Role role) { return static_cast<size_t>(role); }
size_t IndexOf(Resource resource) { return static_cast<size_t>(resource); }

}  // namespace

std::span<const Role> AllRoles() { return kRoles; }
std::span<const Resource> AllResources() { return kResources; }
std::span<const Action> AllActions() { return kActions; }

std::string_view RoleCode(Role role) {
  switch (role) {
    case Role::kAdministrator:
      return "administrator";
    case Role::kNationalUnit:
      return "national_unit";
    case Role::kPaymentOfficer:
      return "payment_officer";
    case Role::kDistrictTeam:
      return "district_team";
    case Role::kVerifier:
      return "verifier";
    case Role::kQualityEvaluator:
      return "quality_evaluator";
    case Role::kFacilityHead:
      return "facility_head";
    case Role::kAsacoTreasurer:
      return "asaco_treasurer";
    case Role::kViewer:
      return "viewer";
  }
  return "viewer";
}

std::optional<Role> ParseRole(std::string_view code) {
  for (Role role : kRoles) {
    if (RoleCode(role) == code) return role;
  }
  return std::nullopt;
}

Message RoleText(Role role) {
  switch (role) {
    case Role::kAdministrator:
      return Message("auth.role.administrator");
    case Role::kNationalUnit:
      return Message("auth.role.national_unit");
    case Role::kPaymentOfficer:
      return Message("auth.role.payment_officer");
    case Role::kDistrictTeam:
      return Message("auth.role.district_team");
    case Role::kVerifier:
      return Message("auth.role.verifier");
    case Role::kQualityEvaluator:
      return Message("auth.role.quality_evaluator");
    case Role::kFacilityHead:
      return Message("auth.role.facility_head");
    case Role::kAsacoTreasurer:
      return Message("auth.role.asaco_treasurer");
    case Role::kViewer:
      return Message("auth.role.viewer");
  }
  return Message("auth.role.viewer");
}

std::string_view ScopeKindCode(ScopeKind kind) {
  return kind == ScopeKind::kSubtree ? "subtree" : "group";
}

std::optional<ScopeKind> ParseScopeKind(std::string_view code) {
  if (code == "subtree") return ScopeKind::kSubtree;
  if (code == "group") return ScopeKind::kGroup;
  return std::nullopt;
}

bool Scope::Contains(const core::OrgUnit& place) const {
  if (uid.empty()) return false;
  if (kind == ScopeKind::kGroup) {
    return std::binary_search(place.group_uids.begin(), place.group_uids.end(), uid) ||
           std::find(place.group_uids.begin(), place.group_uids.end(), uid) !=
               place.group_uids.end();
  }
  // The path is "/<root>/.../<own uid>": the scope holds the place when its uid is a segment.
  const std::string segment = "/" + uid;
  size_t at = place.path.find(segment);
  while (at != std::string::npos) {
    const size_t end = at + segment.size();
    if (end == place.path.size() || place.path[end] == '/') return true;
    at = place.path.find(segment, at + 1);
  }
  return false;
}

bool Principal::Has(Role role) const {
  return std::any_of(grants.begin(), grants.end(),
                     [role](const Grant& grant) { return grant.role == role; });
}

std::string_view ResourceCode(Resource resource) {
  switch (resource) {
    case Resource::kMetadata:
      return "metadata";
    case Resource::kFacility:
      return "facility";
    case Resource::kDataValue:
      return "data_value";
    case Resource::kPeriod:
      return "period";
    case Resource::kProgram:
      return "program";
    case Resource::kContract:
      return "contract";
    case Resource::kInvoiceRun:
      return "invoice_run";
    case Resource::kInvoice:
      return "invoice";
    case Resource::kSimulation:
      return "simulation";
    case Resource::kUser:
      return "user";
    case Resource::kAccountAudit:
      return "account_audit";
    case Resource::kPayment:
      return "payment";
    case Resource::kSystem:
      return "system";
  }
  return "system";
}

std::string_view ActionCode(Action action) {
  switch (action) {
    case Action::kRead:
      return "read";
    case Action::kWrite:
      return "write";
    case Action::kDeclare:
      return "declare";
    case Action::kVerify:
      return "verify";
    case Action::kValidate:
      return "validate";
  }
  return "read";
}

Action WriteValue(std::string_view state_code) {
  if (state_code == "declared") return Action::kDeclare;
  if (state_code == "verified") return Action::kVerify;
  return Action::kValidate;
}

bool RoleAllows(Role role, Resource resource, Action action) {
  return (kTable[IndexOf(role)][IndexOf(resource)] & (1u << static_cast<int>(action))) != 0;
}

bool Allows(const Principal& user, Resource resource, Action action, const core::OrgUnit& place) {
  if (user.operator_of_database) return true;
  return std::any_of(user.grants.begin(), user.grants.end(), [&](const Grant& grant) {
    return RoleAllows(grant.role, resource, action) && grant.scope.Contains(place);
  });
}

bool AllowsEverywhere(const Principal& user, Resource resource, Action action,
                      std::string_view root_uid) {
  if (user.operator_of_database) return true;
  return std::any_of(user.grants.begin(), user.grants.end(), [&](const Grant& grant) {
    return RoleAllows(grant.role, resource, action) && grant.scope.kind == ScopeKind::kSubtree &&
           grant.scope.uid == root_uid;
  });
}

core::Status Authorize(const Principal& user, Resource resource, Action action,
                       const core::OrgUnit* place, std::string_view what) {
  if (user.operator_of_database) return core::OkStatus();
  if (place == nullptr) {
    const bool allowed = std::any_of(user.grants.begin(), user.grants.end(), [&](const Grant& g) {
      return RoleAllows(g.role, resource, action);
    });
    if (allowed) return core::OkStatus();
    return core::PermissionDenied(
        Message("auth.not_allowed",
                {{"action", ActionText(action)}, {"resource", ResourceText(resource)}}));
  }
  if (Allows(user, resource, action, *place)) return core::OkStatus();
  // Inside a scope where the user may at least read this kind of record: refused. Elsewhere:
  // not found, as if it did not exist.
  if (action != Action::kRead && Allows(user, resource, Action::kRead, *place)) {
    return core::PermissionDenied(
        Message("auth.not_allowed_here", {{"action", ActionText(action)},
                                          {"resource", ResourceText(resource)},
                                          {"place", place->name}}));
  }
  return core::NotFound(Message("auth.not_found", {{"what", what.empty() ? place->uid : what}}),
                        std::string(what.empty() ? place->uid : what));
}

}  // namespace keneya::auth
