#include "bench/import_bench.h"

#include <sys/utsname.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <iomanip>

#include "bench/bench_data.h"
#include "bench/ceiling.h"
#include "bench/store_bench.h"
#include "core/period.h"
#include "io/data_value_set_writer.h"
#include "io/importer.h"
#include "io/mapped_file.h"
#include "store/store.h"

namespace keneya::bench {
namespace {

namespace fs = std::filesystem;
using core::Status;

// Writes a DHIS2 JSON data value set of `count` values over the bench pyramid, in the order a
// DHIS2 export gives them (org unit, then period, then element), values shifted by `version`.
Status WriteFile(const core::MetadataBundle& metadata, int64_t count, int version,
                 core::Random& rng, const std::string& path) {
  std::ofstream out(path, std::ios::binary);
  if (!out) return core::Unavailable(core::Message("bench.cannot_write_file"), path);
  auto writer = io::DataValueSetWriter::Create(io::DataFormat::kJson, out);
  writer->Begin(io::DataValueSetHeader{});
  std::vector<const core::OrgUnit*> facilities;
  for (const core::OrgUnit& ou : metadata.org_units) {
    if (ou.type == core::OrgUnitType::kCscom) facilities.push_back(&ou);
  }
  const core::Period first = *core::Period::Parse("202301");
  std::vector<std::string> periods;
  for (int p = 0; p < kPeriods; ++p) periods.push_back(first.Plus(p).ToString());
  std::string value;
  for (int64_t i = 0; i < count; ++i) {
    const int64_t facility = i / (kDataElements * kPeriods);
    const int64_t rest = i % (kDataElements * kPeriods);
    value = std::to_string(rng.UniformInt(0, 2000) + version);
    io::OutputDataValue v;
    v.data_element = metadata.data_elements[static_cast<size_t>(rest % kDataElements)].uid;
    v.period = periods[static_cast<size_t>(rest / kDataElements)];
    v.org_unit = facilities[static_cast<size_t>(facility)]->uid;
    v.value = value;
    writer->Write(v);
  }
  writer->End();
  if (!out) return core::Unavailable(core::Message("bench.cannot_write_file_full"), path);
  return core::OkStatus();
}

// Counts values: reading and parsing the file, with nothing done to them.
class Counter final : public io::DataValueSetHandler {
 public:
  Status OnGroup(const io::DataValueSetHeader&) override { return core::OkStatus(); }
  Status OnValue(const io::RawDataValue& value) override {
    ++values;
    bytes += value.value.size();
    return core::OkStatus();
  }
  int64_t values = 0;
  size_t bytes = 0;
};

struct Phase {
  std::vector<double> rates, ceilings, ratios, parse_shares;
  int64_t peak = 0;
  int64_t file_bytes = 0;
};

Status RunEngine(const std::string& name,
                 const std::function<core::Result<std::string>(int, bool raw)>& fresh,
                 const ImportBenchOptions& options, const fs::path& dir, std::ostream& out) {
  const bool sqlite = name == "SQLite";
  Phase phases[2];
  for (int run = 0; run < options.repetitions; ++run) {
    KENEYA_ASSIGN_OR_RETURN(std::string location, fresh(run, false));
    KENEYA_ASSIGN_OR_RETURN(std::string raw_location, fresh(run, true));
    KENEYA_ASSIGN_OR_RETURN(std::unique_ptr<store::Store> store, store::OpenStore(location));
    core::Random rng(options.seed + static_cast<uint64_t>(run));
    const store::Actor actor{"bench", "bench", ""};
    const core::MetadataBundle bundle = BenchMetadata(options.values, rng);
    KENEYA_RETURN_IF_ERROR(store->SaveMetadata(bundle, actor));
    KENEYA_ASSIGN_OR_RETURN(core::MetadataBundle metadata, store->LoadMetadata());
    {
      KENEYA_ASSIGN_OR_RETURN(std::unique_ptr<store::Store> raw, store::OpenStore(raw_location));
      KENEYA_RETURN_IF_ERROR(raw->SaveMetadata(bundle, actor));
    }
    for (int version = 0; version < 2; ++version) {
      Phase& phase = phases[version];
      const std::string file = (dir / ("values" + std::to_string(version) + ".json")).string();
      KENEYA_RETURN_IF_ERROR(WriteFile(metadata, options.values, version, rng, file));
      phase.file_bytes = static_cast<int64_t>(fs::file_size(file));
      // The file merely read and parsed (mapped, as the importer reads it), its values counted.
      Counter counter;
      KENEYA_ASSIGN_OR_RETURN(
          Cost parse, Measure([&]() -> Status {
            KENEYA_ASSIGN_OR_RETURN(io::MappedFile mapped,
                                    io::MappedFile::Open(file, io::MappedFile::Map::kAsRead));
            io::ReadOptions read;
            read.capacity = mapped.capacity();
            read.done_before = [&](size_t offset) { mapped.Drop(offset); };
            return io::ReadDataValueSet(io::DataFormat::kJson, mapped.text(), file, counter, read);
          }));
      io::ImportOptions import;
      import.actor = actor;
      io::Importer importer(*store, import);
      io::ImportSummary summary;
      KENEYA_ASSIGN_OR_RETURN(Cost cost, Measure([&]() -> Status {
                                KENEYA_ASSIGN_OR_RETURN(
                                    summary,
                                    importer.ImportFile(file, io::DataFormat::kJson, nullptr));
                                return core::OkStatus();
                              }));
      const int64_t done =
          version == 0 ? summary.count.imported : summary.count.updated + summary.count.ignored;
      if (summary.status != io::ImportStatus::kSuccess || done != options.values ||
          counter.values != options.values) {
        return core::Internal(core::Message("bench.import_incomplete",
                                            {{"summary", io::ImportSummaryJson(summary)}}));
      }
      fs::remove(file);
      // The ceiling: as many rows, in key order, written by plain SQL.
      core::Random raw_rng(options.seed + 1000 + static_cast<uint64_t>(run));
      const std::vector<core::DataValue> rows =
          ValuesInKeyOrder(metadata, options.values, version, raw_rng);
      KENEYA_ASSIGN_OR_RETURN(
          Cost raw, sqlite ? (version == 0 ? RawSqliteInserts(raw_location, rows)
                                           : RawSqliteAuditedUpdates(raw_location, rows))
                           : (version == 0 ? RawPostgresCopy(raw_location, rows)
                                           : RawPostgresAuditedUpdates(raw_location, rows)));
      phase.rates.push_back(Rate(options.values, cost));
      phase.ceilings.push_back(Rate(options.values, raw));
      phase.ratios.push_back(raw.seconds / cost.seconds);
      phase.parse_shares.push_back(parse.seconds / cost.seconds);
      phase.peak = std::max(phase.peak, cost.peak_bytes);
      out << "  " << name << " run " << run + 1 << ": " << (version == 0 ? "new     " : "updates ")
          << Describe(cost) << " (" << summary.count.imported << " imported, "
          << summary.count.updated << " updated, " << summary.count.ignored
          << " unchanged); file read and parsed " << Describe(parse) << "; raw " << Describe(raw)
          << "; ratio " << std::fixed << std::setprecision(2) << raw.seconds / cost.seconds << "\n";
    }
  }
  const char* what[2] = {"new values", "audited updates"};
  const char* ceiling[2] = {sqlite ? "raw SQLite inserts (ceiling)" : "raw COPY (ceiling)",
                            sqlite ? "raw SQLite read, update and audit row (baseline)"
                                   : "raw COPY, INSERT of the audit rows, UPDATE (baseline)"};
  for (int version = 0; version < 2; ++version) {
    const Phase& phase = phases[version];
    out << std::fixed << std::setprecision(0) << name << " import, " << what[version] << ": "
        << Median(phase.rates) << " values/s (median of " << options.repetitions << "), peak "
        << phase.peak / (1024 * 1024) << " MB for a " << phase.file_bytes / (1024 * 1024)
        << " MB file (" << std::setprecision(2)
        << static_cast<double>(phase.peak) / static_cast<double>(phase.file_bytes) << "x); "
        << ceiling[version] << ": " << std::setprecision(0) << Median(phase.ceilings)
        << " rows/s; ratio " << std::setprecision(2) << Median(phase.ratios)
        << "; reading and parsing the file alone: " << Median(phase.parse_shares)
        << " of the import's time\n";
  }
  return core::OkStatus();
}

}  // namespace

Status RunImportBench(const ImportBenchOptions& options, std::ostream& out) {
  if (options.values < 1000)
    return core::InvalidArgument(core::Message("bench.at_least_values", {{"count", 1000}}),
                                 "--values");
  utsname machine{};
  uname(&machine);
  out << "keneya bench import: " << options.values << " values from a DHIS2 JSON file, "
      << options.repetitions << " runs per engine, on " << machine.nodename << " ("
      << machine.machine << ", " << sysconf(_SC_NPROCESSORS_ONLN) << " cores)\n";
  const fs::path dir =
      options.directory.empty()
          ? fs::temp_directory_path() / ("keneya_import_bench_" + std::to_string(getpid()))
          : fs::path(options.directory);
  fs::create_directories(dir);
  Status status = core::OkStatus();
  if (options.sqlite) {
    status = RunEngine(
        "SQLite",
        [&](int run, bool raw) -> core::Result<std::string> {
          const std::string file =
              (dir / ((raw ? "raw" : "bench") + std::to_string(run) + ".db")).string();
          for (const char* suffix : {"", "-wal", "-shm"}) fs::remove(file + suffix);
          return file;
        },
        options, dir, out);
  }
  if (status.ok() && !options.postgres.empty()) {
    status = RunEngine(
        "PostgreSQL",
        [&](int, bool raw) {
          return FreshPostgresSchema(options.postgres,
                                     raw ? "keneya_import_bench_raw" : "keneya_import_bench");
        },
        options, dir, out);
  } else if (status.ok()) {
    out << "PostgreSQL: not measured (give --postgres URL)\n";
  }
  if (options.directory.empty()) {
    std::error_code ignored;
    fs::remove_all(dir, ignored);
  }
  return status;
}

}  // namespace keneya::bench
