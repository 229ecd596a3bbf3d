#include "core/org_unit.h"

#include <array>
#include <cctype>

namespace keneya::core {
namespace {

struct TypeInfo {
  OrgUnitType type;
  std::string_view code;
  const char* label;  // the message id of its label
};

constexpr std::array<TypeInfo, 11> kTypes = {{
    {OrgUnitType::kCountry, "PAYS", "core.org_unit_type.country"},
    {OrgUnitType::kRegion, "REGION", "core.org_unit_type.region"},
    {OrgUnitType::kDistrict, "DISTRICT", "core.org_unit_type.district"},
    {OrgUnitType::kCscom, "CSCOM", "core.org_unit_type.cscom"},
    {OrgUnitType::kCsref, "CSREF", "core.org_unit_type.csref"},
    {OrgUnitType::kRegionalHospital, "EPH", "core.org_unit_type.regional_hospital"},
    {OrgUnitType::kMaternity, "MATERNITE", "core.org_unit_type.maternity"},
    {OrgUnitType::kPrivateClinic, "CLINIQUE_PRIVEE", "core.org_unit_type.private_clinic"},
    {OrgUnitType::kCooperativeClinic, "CCS", "core.org_unit_type.cooperative_clinic"},
    {OrgUnitType::kAscSite, "SITE_ASC", "core.org_unit_type.asc_site"},
    {OrgUnitType::kOther, "AUTRE", "core.org_unit_type.other"},
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
  return InvalidArgument(Message("core.org_unit.unknown_type", {{"code", code}, {"known", known}}),
                         "type");
}

Message OrgUnitTypeText(OrgUnitType type) { return Message(Info(type).label); }

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
