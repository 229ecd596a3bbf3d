#include "demo/demo_accounts.h"

#include <algorithm>

#include "auth/accounts.h"
#include "demo/demo.h"

namespace keneya::demo {

using core::Message;

namespace {

constexpr char kVerificationZoneUid[] = "ZvCercKati1";

struct Planned {
  const char* name;
  const char* full_name;
  auth::Role role;
  const char* scope;  // auth::ParseScope's text
};

// Where each one works. Codes are the demo's (docs/DEMO.md).
constexpr Planned kPlanned[] = {
    {"admin", "Administrateur Keneya", auth::Role::kAdministrator, "ML"},
    {"cellule.diarra", "Mariam Diarra", auth::Role::kNationalUnit, "ML"},
    {"cellule.kone", "Seydou Koné", auth::Role::kNationalUnit, "ML"},
    {"paiement.sangare", "Awa Sangaré", auth::Role::kPaymentOfficer, "ML"},
    {"paiement.diallo", "Kadiatou Diallo", auth::Role::kPaymentOfficer, "ML"},
    {"drs.mopti", "Hamadoun Cissé", auth::Role::kDistrictTeam, "REGION_MOPTI"},
    {"district.segou", "Fatoumata Coulibaly", auth::Role::kDistrictTeam, "DS_SEGOU"},
    {"district.kati", "Modibo Sidibé", auth::Role::kDistrictTeam, "DS_KATI"},
    {"verif.kati", "Ibrahim Traoré", auth::Role::kVerifier, "group:ZONE_VERIFICATION_CERCLE_KATI"},
    {"qualite.csref", "Aïssata Maïga", auth::Role::kQualityEvaluator, "group:TYPE_CSREF"},
    {"chef.kokoii", "Dr Oumar Keïta", auth::Role::kFacilityHead, kKokoIICode},
    {"tresorier.kokoii", "Bakary Doumbia", auth::Role::kAsacoTreasurer, kKokoIICode},
    {"partenaire", "Partenaire technique et financier", auth::Role::kViewer, "ML"},
};

}  // namespace

core::Result<std::vector<DemoAccount>> SetUpDemoAccounts(store::Store& store,
                                                         std::string_view password,
                                                         const store::Actor& actor) {
  KENEYA_ASSIGN_OR_RETURN(core::MetadataBundle metadata, store.LoadMetadata());
  // The verification zone: every org unit under the three districts of the Kati cercle.
  const std::vector<std::string> districts = {"DS_KATI", "DS_KALABAN_CORO", "DS_OUELESSEBOUGOU"};
  std::vector<std::string> district_uids;
  for (const core::OrgUnit& ou : metadata.org_units) {
    if (std::find(districts.begin(), districts.end(), ou.code) != districts.end()) {
      district_uids.push_back(ou.uid);
    }
  }
  // A demo cut down to a few regions may hold none of them: the zone is then empty.
  if (!std::any_of(metadata.org_units.begin(), metadata.org_units.end(),
                   [](const core::OrgUnit& ou) { return ou.code == "ML"; })) {
    return core::FailedPrecondition(Message("demo.accounts_need_demo"), "ML");
  }
  core::MetadataBundle zone;
  zone.org_unit_groups.push_back(
      {0, kVerificationZoneUid, kVerificationZoneCode, "Zone de vérification du cercle de Kati"});
  for (const core::OrgUnit& ou : metadata.org_units) {
    if (ou.level < 4) continue;
    const bool inside = std::any_of(
        district_uids.begin(), district_uids.end(),
        [&](const std::string& uid) { return ou.path.find("/" + uid + "/") != std::string::npos; });
    if (!inside) continue;
    core::OrgUnit member = ou;
    member.group_uids.push_back(kVerificationZoneUid);
    std::sort(member.group_uids.begin(), member.group_uids.end());
    zone.org_units.push_back(std::move(member));
  }
  KENEYA_RETURN_IF_ERROR(store.SaveMetadata(zone, actor));
  KENEYA_ASSIGN_OR_RETURN(metadata, store.LoadMetadata());

  auth::Principal operator_of_database;
  operator_of_database.name = actor.user;
  operator_of_database.operator_of_database = true;
  std::vector<DemoAccount> made;
  for (const Planned& planned : kPlanned) {
    auto parsed = auth::ParseScope(planned.scope, metadata);
    // A place a small demo left out: no account there.
    if (!parsed.ok() && parsed.error().code == core::ErrorCode::kNotFound) continue;
    KENEYA_ASSIGN_OR_RETURN(auth::Scope scope, std::move(parsed));
    auth::NewUser user{planned.name, planned.full_name,     "",
                       "fr",         std::string(password), {{planned.role, scope}}};
    KENEYA_RETURN_IF_ERROR(auth::AddUser(store, metadata, operator_of_database, user, actor));
    made.push_back(
        {planned.name, planned.full_name, planned.role, auth::ScopeName(scope, metadata)});
  }
  return made;
}

}  // namespace keneya::demo
