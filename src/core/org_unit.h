// The health pyramid: org units (organisation units, as DHIS2 calls them), their groups and
// group sets.
//
// Mali's pyramid is country (level 1) -> health region (2) -> health district (3) -> facility (4)
// -> community health worker (ASC) site (5). Every org unit has a DHIS2-style uid, an optional
// code, a name, its level and its path of uids from the root ("/root/region/district/self"), a
// type (CSCOM, CSRéf...), optional coordinates, the groups it belongs to, and opening/closing
// dates. Ids (`id`) are handles the store assigns; objects refer to each other by uid.
#ifndef KENEYA_CORE_ORG_UNIT_H_
#define KENEYA_CORE_ORG_UNIT_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/attribute.h"
#include "core/date.h"
#include "core/result.h"

namespace keneya::core {

// What an org unit is. Values are stable (the store writes their codes).
enum class OrgUnitType {
  kCountry,
  kRegion,            // health region (DRS)
  kDistrict,          // health district (cercle), run from its CSRéf
  kCscom,             // community health centre, run by an ASACO
  kCsref,             // district reference health centre
  kRegionalHospital,  // EPH
  kMaternity,         // village maternity
  kPrivateClinic,
  kCooperativeClinic,  // CCS
  kAscSite,            // community health worker site (SEC)
  kOther,
};

// Stable code used in files and the database: "CSCOM", "CSREF", "EPH", "MATERNITE",
// "CLINIQUE_PRIVEE", "CCS", "SITE_ASC", "PAYS", "REGION", "DISTRICT", "AUTRE".
std::string_view OrgUnitTypeCode(OrgUnitType type);
// Parses a code as above, in any letter case.
Result<OrgUnitType> ParseOrgUnitType(std::string_view code);
// The type in words, by id: "Centre de santé communautaire (CSCOM)" in French.
Message OrgUnitTypeText(OrgUnitType type);
// True for the types that deliver care and can hold an FBR contract.
bool IsFacility(OrgUnitType type);

struct Coordinates {
  double latitude = 0;   // -90..90
  double longitude = 0;  // -180..180
  friend bool operator==(const Coordinates&, const Coordinates&) = default;
};

struct OrgUnit {
  int32_t id = 0;  // store handle, 0 until stored
  std::string uid;
  std::string code;  // optional, unique when present
  std::string name;
  std::string short_name;
  int level = 0;           // root = 1; equals the number of uids in path
  std::string parent_uid;  // empty for the root
  std::string path;        // "/<root uid>/.../<own uid>"
  OrgUnitType type = OrgUnitType::kOther;
  std::optional<Coordinates> coordinates;  // a point
  std::string geometry;  // any other GeoJSON geometry (Polygon, MultiPolygon), as text; or empty
  std::optional<Date> opening_date;
  std::optional<Date> closing_date;
  std::vector<std::string> group_uids;  // groups this org unit belongs to, sorted
  std::vector<AttributeValue> attribute_values;

  friend bool operator==(const OrgUnit&, const OrgUnit&) = default;
};

// A named set of org units ("Catégorie d'équité 20 %", "Sous contrat FBR").
struct OrgUnitGroup {
  int32_t id = 0;
  std::string uid;
  std::string code;
  std::string name;
  friend bool operator==(const OrgUnitGroup&, const OrgUnitGroup&) = default;
};

// A dimension made of groups; when `exclusive`, an org unit belongs to at most one of them
// (the remoteness group set: each facility has exactly one equity category).
struct OrgUnitGroupSet {
  int32_t id = 0;
  std::string uid;
  std::string code;
  std::string name;
  bool exclusive = true;
  std::vector<std::string> group_uids;
  friend bool operator==(const OrgUnitGroupSet&, const OrgUnitGroupSet&) = default;
};

// The uids of `path` ("/a/b/c" -> {"a", "b", "c"}).
std::vector<std::string_view> SplitPath(std::string_view path);

}  // namespace keneya::core

#endif  // KENEYA_CORE_ORG_UNIT_H_
