// The metadata as the service reads it: the bundle with its lookups (by uid or code, by store
// id, an org unit's children and ancestors), built once for a metadata revision and shared by
// every request; and a user's Sight of the pyramid.
//
//   auto directory = std::make_shared<const Directory>(std::move(bundle));
//   const Sight sight(*directory, user);
//   if (sight.Sees(*unit)) ...
#ifndef KENEYA_FBR_DIRECTORY_H_
#define KENEYA_FBR_DIRECTORY_H_

#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "auth/roles.h"
#include "core/metadata.h"
#include "core/period.h"
#include "core/result.h"

namespace keneya::fbr {

class Resolver;

class Directory {
 public:
  explicit Directory(core::MetadataBundle bundle);
  ~Directory();
  Directory(const Directory&) = delete;
  Directory& operator=(const Directory&) = delete;

  const core::MetadataBundle& bundle() const { return bundle_; }
  const Resolver& resolver() const { return *resolver_; }

  // Objects by uid or code; nullptr when unknown.
  const core::OrgUnit* OrgUnit(std::string_view uid_or_code) const;
  const core::OrgUnit* OrgUnitById(int32_t id) const;
  const core::DataElement* DataElement(std::string_view uid_or_code) const;
  const core::DataElement* DataElementById(int32_t id) const;
  const core::DataSet* DataSet(std::string_view uid_or_code) const;
  const core::CategoryOptionCombo* CategoryOptionCombo(std::string_view uid_or_code) const;
  const core::CategoryOptionCombo* CategoryOptionComboById(int32_t id) const;
  const core::CategoryCombo* CategoryCombo(std::string_view uid) const;
  const core::OrgUnitGroup* OrgUnitGroup(std::string_view uid_or_code) const;

  // The first org unit of level 1 (the country); nullptr for an empty pyramid.
  const core::OrgUnit* Root() const { return root_; }
  // An org unit's children, by name.
  const std::vector<const core::OrgUnit*>& Children(const core::OrgUnit& unit) const;
  // Its ancestors, the root first, itself excluded.
  std::vector<const core::OrgUnit*> Ancestors(const core::OrgUnit& unit) const;
  // Its ancestor at `level` (itself at its own level); nullptr above the root.
  const core::OrgUnit* Ancestor(const core::OrgUnit& unit, int level) const;
  // The option combos of a category combo (the default combo when `combo_uid` is empty), in the
  // bundle's order.
  std::vector<const core::CategoryOptionCombo*> OptionCombos(std::string_view combo_uid) const;

 private:
  core::MetadataBundle bundle_;
  std::unique_ptr<Resolver> resolver_;
  const core::OrgUnit* root_ = nullptr;
  std::unordered_map<std::string_view, std::vector<const core::OrgUnit*>> children_;
  std::unordered_map<std::string_view, const core::DataSet*> data_sets_;
  std::unordered_map<int32_t, const core::DataElement*> data_elements_by_id_;
  std::unordered_map<int32_t, const core::CategoryOptionCombo*> combos_by_id_;
};

// Whether `unit` is `root` or below it (by path). A null root holds everything.
bool IsWithin(const core::OrgUnit& unit, const core::OrgUnit* root);

// Whether `set` collects at `unit`: assigned to it, or assigned to nobody (everyone's).
bool IsAssigned(const core::DataSet& set, const core::OrgUnit& unit);
// The data sets that collect `element` for periods of `type` at `unit`.
std::vector<const core::DataSet*> DataSetsCollecting(const Directory& directory,
                                                     const core::DataElement& element,
                                                     core::PeriodType type,
                                                     const core::OrgUnit& unit);
// OK when `set` collects `period` at `unit`; InvalidArgument (where: period) for a period of
// another type than the set's, naming `period_text`; FailedPrecondition (where: orgUnit) for a
// unit it is not assigned to.
core::Status CheckCollects(const core::DataSet& set, const core::OrgUnit& unit,
                           const core::Period& period, std::string_view period_text);

// The answer for a record that does not exist and for one outside the user's sight: the same,
// "not found: KEY", so that the existence of what a user may not see does not leak.
core::Error UnknownOrUnseen(std::string_view key, std::string_view where);

// What a user sees of the pyramid, and where each of their roles holds.
//
// An org unit is seen when it is in the scope of one of the user's roles, or is an ancestor of
// such a place (its name and level only: the path from the country to one's own place). Every
// other org unit is, to this user, one that does not exist.
class Sight {
 public:
  Sight(const Directory& directory, const auth::Principal& user);

  const auth::Principal& user() const { return user_; }
  const Directory& directory() const { return directory_; }
  // In scope, or an ancestor of a place in scope.
  bool Sees(const core::OrgUnit& unit) const;
  // In the scope of a role that allows `action` on `resource` (auth::Allows).
  bool Allows(const core::OrgUnit& unit, auth::Resource resource,
              auth::Action action = auth::Action::kRead) const;
  // Whether the user may read every place's records of `resource` (a role over the country).
  bool Everywhere(auth::Resource resource, auth::Action action = auth::Action::kRead) const;

 private:
  const Directory& directory_;
  const auth::Principal& user_;
  std::unordered_set<int32_t> ancestors_;  // ancestors of places in scope, not in scope
};

}  // namespace keneya::fbr

#endif  // KENEYA_FBR_DIRECTORY_H_
