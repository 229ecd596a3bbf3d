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
#include "core/period.h"
#include "core/random.h"
#include "core/uid.h"
#include "store/store.h"

namespace keneya::bench {
namespace {

using core::DataValue;
using core::Status;

struct Ids {
  std::vector<int32_t> facilities;
  std::vector<int32_t> data_elements;
  int32_t default_coc = 0;
};

std::vector<DataValue> BenchValues(const Ids& ids, int64_t count, int version, core::Random& rng) {
  std::vector<DataValue> values;
  values.reserve(static_cast<size_t>(count));
  const core::Period first = *core::Period::Parse("202301");
  for (int64_t i = 0; i < count; ++i) {
    DataValue v;
    const int64_t facility = i / (kDataElements * kPeriods);
    const int64_t rest = i % (kDataElements * kPeriods);
    v.key.org_unit = ids.facilities[static_cast<size_t>(facility)];
    v.key.period = first.Plus(static_cast<int>(rest / kDataElements)).Code();
    v.key.data_element = ids.data_elements[static_cast<size_t>(rest % kDataElements)];
    v.key.category_option_combo = ids.default_coc;
    v.key.attribute_option_combo = ids.default_coc;
    v.key.state = core::kStateDeclared;
    v.value = std::to_string(rng.UniformInt(0, 2000) + version);
    values.push_back(std::move(v));
  }
  // A file's order is not the store's key order: shuffle (Fisher-Yates, seeded).
  for (size_t i = values.size(); i > 1; --i) {
    std::swap(values[i - 1], values[static_cast<size_t>(rng.UniformInt(0, i - 1))]);
  }
  return values;
}

double Median(std::vector<double> xs) {
  std::sort(xs.begin(), xs.end());
  return xs[xs.size() / 2];
}

std::string Mb(int64_t bytes) {
  std::ostringstream s;
  s << std::fixed << std::setprecision(0) << static_cast<double>(bytes) / (1024.0 * 1024.0)
    << " MB";
  return s.str();
}

struct Phase {
  std::vector<double> rates;
  int64_t peak = 0;
};

Status RunEngine(const std::string& name,
                 const std::function<core::Result<std::string>(int)>& fresh,
                 const StoreBenchOptions& options, std::ostream& out) {
  Phase created, updated;
  for (int run = 0; run < options.repetitions; ++run) {
    KENEYA_ASSIGN_OR_RETURN(std::string location, fresh(run));
    KENEYA_ASSIGN_OR_RETURN(std::unique_ptr<store::Store> store, store::OpenStore(location));
    core::Random rng(options.seed + static_cast<uint64_t>(run));
    const store::Actor actor{"bench", "bench", ""};
    KENEYA_RETURN_IF_ERROR(store->SaveMetadata(BenchMetadata(options.values, rng), actor));
    KENEYA_ASSIGN_OR_RETURN(core::MetadataBundle stored, store->LoadMetadata());
    Ids ids;
    for (const core::OrgUnit& ou : stored.org_units) {
      if (ou.type == core::OrgUnitType::kCscom) ids.facilities.push_back(ou.id);
    }
    for (const core::DataElement& de : stored.data_elements) ids.data_elements.push_back(de.id);
    ids.default_coc = stored.categories.option_combos.at(0).id;

    for (int version = 0; version < 2; ++version) {
      std::vector<DataValue> values = BenchValues(ids, options.values, version, rng);
      ResetPeakRss();
      const auto start = std::chrono::steady_clock::now();
      KENEYA_ASSIGN_OR_RETURN(
          store::BulkLoadSummary summary,
          store->BulkLoad(values, store::ImportInfo{"bench", "bench", "bench", ""}, nullptr));
      const double seconds =
          std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
      Phase& phase = version == 0 ? created : updated;
      const int64_t expected = version == 0 ? summary.created : summary.updated + summary.unchanged;
      if (expected != options.values) {
        return core::Internal(core::Message("bench.bulk_load_incomplete",
                                            {{"written", expected}, {"total", options.values}}));
      }
      phase.rates.push_back(static_cast<double>(options.values) / seconds);
      phase.peak = std::max(phase.peak, PeakRssBytes());
      out << "  " << name << " run " << run + 1 << ": "
          << (version == 0 ? "new values " : "updates    ") << std::fixed << std::setprecision(2)
          << seconds << " s (" << summary.created << " created, " << summary.updated
          << " updated and audited, " << summary.unchanged << " unchanged)\n";
    }
  }
  out << std::fixed << std::setprecision(0);
  out << name << " new values:      " << Median(created.rates) << " values/s (median of "
      << options.repetitions << "), peak memory " << Mb(created.peak) << "\n";
  out << name << " audited updates: " << Median(updated.rates) << " values/s (median of "
      << options.repetitions << "), peak memory " << Mb(updated.peak) << "\n";
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
        [&](int run) -> core::Result<std::string> {
          const std::string file = (dir / ("bench" + std::to_string(run) + ".db")).string();
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
        "PostgreSQL", [&](int) { return FreshPostgresSchema(options.postgres, "keneya_bench"); },
        options, out));
  } else {
    out << "PostgreSQL: not measured (give --postgres URL)\n";
  }
  return core::OkStatus();
}

}  // namespace keneya::bench
