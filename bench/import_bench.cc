#include "bench/import_bench.h"

#include <sys/utsname.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <iomanip>

#include "bench/bench_data.h"
#include "bench/store_bench.h"
#include "core/period.h"
#include "io/data_value_set_writer.h"
#include "io/importer.h"
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

double Median(std::vector<double> xs) {
  std::sort(xs.begin(), xs.end());
  return xs[xs.size() / 2];
}

Status RunEngine(const std::string& name,
                 const std::function<core::Result<std::string>(int)>& fresh,
                 const ImportBenchOptions& options, const fs::path& dir, std::ostream& out) {
  std::vector<double> created_rates, updated_rates;
  int64_t created_peak = 0, updated_peak = 0;
  for (int run = 0; run < options.repetitions; ++run) {
    KENEYA_ASSIGN_OR_RETURN(std::string location, fresh(run));
    KENEYA_ASSIGN_OR_RETURN(std::unique_ptr<store::Store> store, store::OpenStore(location));
    core::Random rng(options.seed + static_cast<uint64_t>(run));
    const store::Actor actor{"bench", "bench", ""};
    KENEYA_RETURN_IF_ERROR(store->SaveMetadata(BenchMetadata(options.values, rng), actor));
    KENEYA_ASSIGN_OR_RETURN(core::MetadataBundle metadata, store->LoadMetadata());
    for (int version = 0; version < 2; ++version) {
      const std::string file = (dir / ("values" + std::to_string(version) + ".json")).string();
      KENEYA_RETURN_IF_ERROR(WriteFile(metadata, options.values, version, rng, file));
      io::ImportOptions import;
      import.actor = actor;
      io::Importer importer(*store, import);
      ResetPeakRss();
      const auto start = std::chrono::steady_clock::now();
      KENEYA_ASSIGN_OR_RETURN(io::ImportSummary summary,
                              importer.ImportFile(file, io::DataFormat::kJson, nullptr));
      const double seconds =
          std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
      const int64_t peak = PeakRssBytes();
      const int64_t done =
          version == 0 ? summary.count.imported : summary.count.updated + summary.count.ignored;
      if (summary.status != io::ImportStatus::kSuccess || done != options.values) {
        return core::Internal(core::Message("bench.import_incomplete",
                                            {{"summary", io::ImportSummaryJson(summary)}}));
      }
      (version == 0 ? created_rates : updated_rates)
          .push_back(static_cast<double>(options.values) / seconds);
      int64_t& peak_of_phase = version == 0 ? created_peak : updated_peak;
      peak_of_phase = std::max(peak_of_phase, peak);
      out << "  " << name << " run " << run + 1 << ": " << (version == 0 ? "new     " : "updates ")
          << std::fixed << std::setprecision(2) << seconds << " s (" << summary.count.imported
          << " imported, " << summary.count.updated << " updated, " << summary.count.ignored
          << " unchanged), peak " << peak / (1024 * 1024) << " MB\n";
      fs::remove(file);
    }
  }
  out << std::fixed << std::setprecision(0);
  out << name << " import, new values:       " << Median(created_rates) << " values/s (median of "
      << options.repetitions << "), peak memory " << created_peak / (1024 * 1024) << " MB\n";
  out << name << " import, audited updates:  " << Median(updated_rates) << " values/s (median of "
      << options.repetitions << "), peak memory " << updated_peak / (1024 * 1024) << " MB\n";
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
        [&](int run) -> core::Result<std::string> {
          const std::string file = (dir / ("bench" + std::to_string(run) + ".db")).string();
          for (const char* suffix : {"", "-wal", "-shm"}) fs::remove(file + suffix);
          return file;
        },
        options, dir, out);
  }
  if (status.ok() && !options.postgres.empty()) {
    status = RunEngine(
        "PostgreSQL",
        [&](int) { return FreshPostgresSchema(options.postgres, "keneya_import_bench"); }, options,
        dir, out);
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
