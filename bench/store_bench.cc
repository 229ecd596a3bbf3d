#include "bench/store_bench.h"

#include <libpq-fe.h>
#include <malloc.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iomanip>
#include <sstream>

#include "bench/bench_data.h"
#include "bench/ceiling.h"
#include "core/random.h"
#include "core/uid.h"
#include "store/store.h"

namespace keneya::bench {
namespace {

using core::DataValue;
using core::Status;

// The bench's values as a file gives them: generated over the stored pyramid, then shuffled
// (a file's order is not the store's key order; Fisher-Yates, seeded).
std::vector<DataValue> BenchValues(const core::MetadataBundle& stored, int64_t count, int version,
                                   core::Random& rng) {
  std::vector<DataValue> values = ValuesInKeyOrder(stored, count, version, rng);
  for (size_t i = values.size(); i > 1; --i) {
    std::swap(values[i - 1], values[static_cast<size_t>(rng.UniformInt(0, i - 1))]);
  }
  return values;
}

std::string Mb(int64_t bytes) {
  std::ostringstream s;
  s << std::fixed << std::setprecision(0) << static_cast<double>(bytes) / (1024.0 * 1024.0)
    << " MB";
  return s.str();
}

// One phase's figures over the runs: the store's and its ceiling's, run by run.
struct Phase {
  std::vector<double> rates, ceilings, ratios;
  int64_t peak = 0;
};

void Summarise(std::ostream& out, const std::string& name, const std::string& what,
               const std::string& ceiling, const Phase& phase, int runs) {
  out << std::fixed << std::setprecision(0) << name << " " << what << ": " << Median(phase.rates)
      << " values/s (median of " << runs << "), peak memory " << Mb(phase.peak) << "; " << ceiling
      << ": " << Median(phase.ceilings) << " rows/s; ratio " << std::setprecision(2)
      << Median(phase.ratios) << " (median of the runs' ratios)\n";
}

Status RunEngine(const std::string& name,
                 const std::function<core::Result<std::string>(int, bool raw)>& fresh,
                 const StoreBenchOptions& options, std::ostream& out) {
  const bool sqlite = name == "SQLite";
  Phase created, updated;
  for (int run = 0; run < options.repetitions; ++run) {
    KENEYA_ASSIGN_OR_RETURN(std::string location, fresh(run, false));
    KENEYA_ASSIGN_OR_RETURN(std::string raw_location, fresh(run, true));
    KENEYA_ASSIGN_OR_RETURN(std::unique_ptr<store::Store> store, store::OpenStore(location));
    core::Random rng(options.seed + static_cast<uint64_t>(run));
    const store::Actor actor{"bench", "bench", ""};
    const core::MetadataBundle metadata = BenchMetadata(options.values, rng);
    KENEYA_RETURN_IF_ERROR(store->SaveMetadata(metadata, actor));
    KENEYA_ASSIGN_OR_RETURN(core::MetadataBundle stored, store->LoadMetadata());
    // The ceiling's database: the store's schema and metadata, written by plain SQL.
    {
      KENEYA_ASSIGN_OR_RETURN(std::unique_ptr<store::Store> raw, store::OpenStore(raw_location));
      KENEYA_RETURN_IF_ERROR(raw->SaveMetadata(metadata, actor));
    }

    for (int version = 0; version < 2; ++version) {
      std::vector<DataValue> values = BenchValues(stored, options.values, version, rng);
      store::BulkLoadSummary summary;
      KENEYA_ASSIGN_OR_RETURN(
          Cost cost, Measure([&]() -> Status {
            KENEYA_ASSIGN_OR_RETURN(
                summary,
                store->BulkLoad(values, store::ImportInfo{"bench", "bench", "bench", ""}, nullptr));
            return core::OkStatus();
          }));
      const int64_t expected = version == 0 ? summary.created : summary.updated + summary.unchanged;
      if (expected != options.values) {
        return core::Internal(core::Message("bench.bulk_load_incomplete",
                                            {{"written", expected}, {"total", options.values}}));
      }
      // The same rows in key order, as plain SQL writes them fastest.
      std::vector<DataValue> sorted = std::move(values);
      std::sort(sorted.begin(), sorted.end(),
                [](const DataValue& a, const DataValue& b) { return a.key < b.key; });
      KENEYA_ASSIGN_OR_RETURN(
          Cost raw, sqlite ? (version == 0 ? RawSqliteInserts(raw_location, sorted)
                                           : RawSqliteAuditedUpdates(raw_location, sorted))
                           : (version == 0 ? RawPostgresCopy(raw_location, sorted)
                                           : RawPostgresAuditedUpdates(raw_location, sorted)));
      Phase& phase = version == 0 ? created : updated;
      phase.rates.push_back(Rate(options.values, cost));
      phase.ceilings.push_back(Rate(options.values, raw));
      phase.ratios.push_back(raw.seconds / cost.seconds);
      phase.peak = std::max(phase.peak, cost.peak_bytes);
      out << "  " << name << " run " << run + 1 << ": "
          << (version == 0 ? "new values " : "updates    ") << Describe(cost) << " ("
          << summary.created << " created, " << summary.updated << " updated and audited, "
          << summary.unchanged << " unchanged); raw " << Describe(raw) << "; ratio " << std::fixed
          << std::setprecision(2) << raw.seconds / cost.seconds << "\n";
    }
  }
  const std::string inserts = sqlite ? "raw SQLite inserts (ceiling)" : "raw COPY (ceiling)";
  const std::string updates = sqlite ? "raw SQLite read, update and audit row (baseline)"
                                     : "raw COPY, INSERT of the audit rows, UPDATE (baseline)";
  Summarise(out, name, "new values", inserts, created, options.repetitions);
  Summarise(out, name, "audited updates", updates, updated, options.repetitions);
  return core::OkStatus();
}

}  // namespace

int64_t PeakRssBytes() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("VmHWM:", 0) == 0) return std::stoll(line.substr(6)) * 1024;
  }
  return 0;
}

bool ResetPeakRss() {
  // Give freed heap back to the system first, so that the new peak starts from what is in use.
  malloc_trim(0);
  std::ofstream clear("/proc/self/clear_refs");
  clear << "5";
  return static_cast<bool>(clear.flush());
}

Status RunStoreBench(const StoreBenchOptions& options, std::ostream& out) {
  if (options.values < 1000)
    return core::InvalidArgument(core::Message("bench.at_least_values", {{"count", 1000}}),
                                 "--values");
  utsname machine{};
  uname(&machine);
  out << "keneya bench store: " << options.values << " values, " << options.repetitions
      << " runs per engine, on " << machine.nodename << " (" << machine.machine << ", "
      << sysconf(_SC_NPROCESSORS_ONLN) << " cores)\n";
  if (options.sqlite) {
    const std::filesystem::path dir =
        options.sqlite_directory.empty()
            ? std::filesystem::temp_directory_path() / ("keneya_bench_" + std::to_string(getpid()))
            : std::filesystem::path(options.sqlite_directory);
    std::filesystem::create_directories(dir);
    Status s = RunEngine(
        "SQLite",
        [&](int run, bool raw) -> core::Result<std::string> {
          const std::string file =
              (dir / ((raw ? "raw" : "bench") + std::to_string(run) + ".db")).string();
          for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(file + suffix);
          return file;
        },
        options, out);
    std::error_code ignored;
    if (options.sqlite_directory.empty()) std::filesystem::remove_all(dir, ignored);
    KENEYA_RETURN_IF_ERROR(s);
  }
  if (!options.postgres.empty()) {
    KENEYA_RETURN_IF_ERROR(RunEngine(
        "PostgreSQL",
        [&](int, bool raw) {
          return FreshPostgresSchema(options.postgres, raw ? "keneya_bench_raw" : "keneya_bench");
        },
        options, out));
  } else {
    out << "PostgreSQL: not measured (give --postgres URL)\n";
  }
  return core::OkStatus();
}

}  // namespace keneya::bench
