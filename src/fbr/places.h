// The pyramid as a user may see it: org units found by name, code, parent, level or type; one
// org unit with its ancestors and children; a facility's card (identity, contracts, its last
// months of data by state, its invoices). Every function takes the acting user and answers
// NotFound for what is outside their sight (docs/ACCESS.md).
#ifndef KENEYA_FBR_PLACES_H_
#define KENEYA_FBR_PLACES_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "auth/roles.h"
#include "core/period.h"
#include "core/result.h"
#include "fbr/directory.h"
#include "fbr/overview.h"
#include "fbr/payments.h"
#include "store/store.h"

namespace keneya::fbr {

// A page of a list: `items` of the `total` that match, from 1-based `page` of `page_size`.
template <typename T>
struct Page {
  std::vector<T> items;
  int64_t total = 0;
  int64_t page = 1;
  int64_t page_size = 50;
};

// Which org units to list. Every filter is optional; an empty query lists every org unit seen.
struct OrgUnitQuery {
  std::string parent;  // the children of this org unit (uid or code)
  std::string within;  // this org unit and everything below it (uid or code)
  std::optional<int> level;
  std::string type;  // an org unit type code ("CSCOM")
  std::string text;  // in the name, short name or code; letter case and accents ignored
  int64_t page = 1;
  int64_t page_size = 50;
};

struct PlaceRow {
  const core::OrgUnit* unit = nullptr;
  bool in_scope = false;  // false: an ancestor of the user's places, seen by name only
  int64_t children = 0;   // children the user sees
};

// The org unit groups, by name: what a role's scope may be besides a subtree ("group:<uid>").
// Groups are metadata (metadata R: every role); their members are not listed here.
std::vector<const core::OrgUnitGroup*> OrgUnitGroups(const Sight& sight);

// Org units the user sees, by level then name. Errors: an unknown or unseen parent or `within`
// (NotFound, where: "parent", "within"), an unknown type (InvalidArgument, where: "type").
core::Result<Page<PlaceRow>> FindOrgUnits(const Sight& sight, const OrgUnitQuery& query);

struct PlaceDetail {
  PlaceRow place;
  std::vector<const core::OrgUnit*> ancestors;  // the root first
  std::vector<PlaceRow> children;               // those the user sees
  std::vector<const core::OrgUnitGroup*> groups;
};

// One org unit (uid or code). NotFound when unknown or unseen.
core::Result<PlaceDetail> GetOrgUnit(const Sight& sight, std::string_view key);

// A facility's month: how many values each state holds, and where declared and verified
// numbers part.
struct MonthOfData {
  core::Period period;
  int64_t declared = 0;
  int64_t verified = 0;
  int64_t validated = 0;
  int64_t other = 0;  // values of other states
  struct Gap {
    const core::DataElement* element = nullptr;
    const core::CategoryOptionCombo* combo = nullptr;
    std::string declared, verified;
  };
  std::vector<Gap> gaps;  // declared and verified both present and different, by element
  // Where each monthly data set collecting at the facility stands in the workflow (for those who
  // may read periods here): its verification and report are on the period's page.
  struct Step {
    const core::DataSet* data_set = nullptr;
    std::string status;  // fbr's status code; "open" when it never moved
  };
  std::vector<Step> steps;
};

struct ContractLine {
  store::Contract contract;
  std::string program_name;                    // the program's newest version's name
  std::vector<store::ContractChange> history;  // oldest first
};

struct FacilityInvoice {
  store::InvoiceRecord invoice;  // without lines and snapshot
  store::InvoiceRunRecord run;
};

struct FacilityCard {
  PlaceDetail place;
  bool contracts_shown = false;  // the user may read contracts here
  std::vector<ContractLine> contracts;
  bool data_shown = false;                // the user may read data values here
  std::vector<MonthOfData> months;        // the last months, oldest first
  bool invoices_shown = false;            // the user may read invoices here
  std::vector<FacilityInvoice> invoices;  // newest run first
  FacilityHistory quality;                // with the invoices: approved quarters, oldest first
  // For those who may read payments here: each invoice's standing and the payments received.
  std::optional<FacilityLedger> ledger;
};

// A facility's card, with the `months` months that end with `last` (none: the latest month the
// facility has values for, else the current month). NotFound when unknown or unseen; a place
// the user sees only as an ancestor, or that is not a facility, is refused as facility cards
// are (NotFound: its card is not the user's to read).
core::Result<FacilityCard> GetFacilityCard(store::Store& store, const Sight& sight,
                                           std::string_view key, std::optional<core::Period> last,
                                           int months = 12,
                                           core::Language language = core::Language::kFrench);

// Letter case and accents removed, for searches: "Ségou" -> "segou".
std::string FoldForSearch(std::string_view text);

}  // namespace keneya::fbr

#endif  // KENEYA_FBR_PLACES_H_
