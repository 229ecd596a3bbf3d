#include "bench/bench_data.h"

#include <libpq-fe.h>

#include "core/uid.h"

namespace keneya::bench {

// A pyramid large enough for `values` values: one country, one region, one district and
// values / (kDataElements * kPeriods) facilities, kDataElements data elements.
core::MetadataBundle BenchMetadata(int64_t values, core::Random& rng) {
  core::MetadataBundle b;
  b.categories = core::DefaultCategoryModel();
  auto add_unit = [&](const std::string& name, const core::OrgUnit* parent,
                      core::OrgUnitType type) {
    core::OrgUnit ou;
    ou.uid = core::GenerateUid(rng);
    ou.name = name;
    ou.type = type;
    ou.parent_uid = parent ? parent->uid : "";
    ou.level = parent ? parent->level + 1 : 1;
    ou.path = (parent ? parent->path : "") + "/" + ou.uid;
    b.org_units.push_back(ou);
  };
  b.org_units.reserve(static_cast<size_t>(values / (kDataElements * kPeriods)) + 4);
  add_unit("Mali", nullptr, core::OrgUnitType::kCountry);
  add_unit("Région", &b.org_units[0], core::OrgUnitType::kRegion);
  add_unit("District", &b.org_units[1], core::OrgUnitType::kDistrict);
  const int64_t facilities = (values + kDataElements * kPeriods - 1) / (kDataElements * kPeriods);
  for (int64_t i = 0; i < facilities; ++i) {
    add_unit("CSCOM " + std::to_string(i + 1), &b.org_units[2], core::OrgUnitType::kCscom);
  }
  for (int i = 0; i < kDataElements; ++i) {
    core::DataElement de;
    de.uid = core::GenerateUid(rng);
    de.name = "Indicateur " + std::to_string(i + 1);
    b.data_elements.push_back(de);
  }
  return b;
}

core::Result<PGconn*> ConnectPostgres(const std::string& url) {
  PGconn* conn = PQconnectdb(url.c_str());
  if (PQstatus(conn) != CONNECTION_OK) {
    std::string message = PQerrorMessage(conn);
    PQfinish(conn);
    return core::Unavailable(core::Message("bench.cannot_connect", {{"detail", message}}), url);
  }
  PQsetNoticeProcessor(
      conn, [](void*, const char*) {}, nullptr);
  return conn;
}

core::Result<std::string> FreshPostgresSchema(const std::string& url, const std::string& schema) {
  KENEYA_ASSIGN_OR_RETURN(PGconn * conn, ConnectPostgres(url));
  PGresult* r = PQexec(
      conn, ("DROP SCHEMA IF EXISTS " + schema + " CASCADE; CREATE SCHEMA " + schema).c_str());
  const bool ok = PQresultStatus(r) == PGRES_COMMAND_OK;
  std::string message = PQerrorMessage(conn);
  PQclear(r);
  PQfinish(conn);
  if (!ok)
    return core::Unavailable(
        core::Message("bench.cannot_create_schema", {{"schema", schema}, {"detail", message}}),
        url);
  return url + (url.find('?') == std::string::npos ? "?" : "&") + "options=-csearch_path%3D" +
         schema;
}

}  // namespace keneya::bench
