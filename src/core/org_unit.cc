#include "core/org_unit.h"

#include <array>
#include <cctype>

namespace keneya::core {
namespace {

struct TypeInfo {
  OrgUnitType type;
  std::string_view code;
  std::string_view label_fr;
  std::string_view label_en;
};

constexpr std::array<TypeInfo, 11> kTypes = {{
    {OrgUnitType::kCountry, "PAYS", "Pays", "Country"},
    {OrgUnitType::kRegion, "REGION", "Région sanitaire", "Health region"},
    {OrgUnitType::kDistrict, "DISTRICT", "District sanitaire", "Health district"},
    {OrgUnitType::kCscom, "CSCOM", "Centre de santé communautaire (CSCOM)",
     "Community health centre (CSCOM)"},
    {OrgUnitType::kCsref, "CSREF", "Centre de santé de référence (CSRéf)",
     "District reference health centre (CSRéf)"},
    {OrgUnitType::kRegionalHospital, "EPH", "Hôpital régional (EPH)", "Regional hospital (EPH)"},
    {OrgUnitType::kMaternity, "MATERNITE", "Maternité rurale", "Village maternity"},
    {OrgUnitType::kPrivateClinic, "CLINIQUE_PRIVEE", "Clinique privée", "Private clinic"},
    {OrgUnitType::kCooperativeClinic, "CCS", "Clinique coopérative de santé (CCS)",
     "Cooperative health clinic (CCS)"},
    {OrgUnitType::kAscSite, "SITE_ASC", "Site ASC (soins essentiels dans la communauté)",
     "Community health worker site (ASC)"},
    {OrgUnitType::kOther, "AUTRE", "Autre", "Other"},
}};

const TypeInfo& Info(OrgUnitType type) {
  for (const TypeInfo& info : kTypes) {
    if (info.type == type) return info;
  }
  return kTypes.back();
}

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (std::toupper(static_cast<unsigned char>(a[i])) !=
        std::toupper(static_cast<unsigned char>(b[i]))) {
      return false;
    }
  }
  return true;
}

}  // namespace

std::string_view OrgUnitTypeCode(OrgUnitType type) { return Info(type).code; }

Result<OrgUnitType> ParseOrgUnitType(std::string_view code) {
  for (const TypeInfo& info : kTypes) {
    if (EqualsIgnoreCase(info.code, code)) return info.type;
  }
  std::string known;
  for (const TypeInfo& info : kTypes) {
    known += known.empty() ? "" : ", ";
    known += info.code;
  }
  return InvalidArgument(
      "unknown org unit type \"" + std::string(code) + "\"; expected one of " + known, "type");
}

std::string_view OrgUnitTypeLabel(OrgUnitType type, std::string_view language) {
  return language == "en" ? Info(type).label_en : Info(type).label_fr;
}

bool IsFacility(OrgUnitType type) {
  switch (type) {
    case OrgUnitType::kCscom:
    case OrgUnitType::kCsref:
    case OrgUnitType::kRegionalHospital:
    case OrgUnitType::kMaternity:
    case OrgUnitType::kPrivateClinic:
    case OrgUnitType::kCooperativeClinic:
      return true;
    default:
      return false;
  }
}

std::vector<std::string_view> SplitPath(std::string_view path) {
  std::vector<std::string_view> parts;
  size_t start = 0;
  while (start < path.size()) {
    if (path[start] == '/') {
      ++start;
      continue;
    }
    size_t end = path.find('/', start);
    if (end == std::string_view::npos) end = path.size();
    parts.push_back(path.substr(start, end - start));
    start = end;
  }
  return parts;
}

}  // namespace keneya::core
