#include "bench/rules_bench.h"

#include <fcntl.h>
#include <malloc.h>
#include <sys/resource.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>

#include "bench/reference_scenario.h"
#include "bench/store_bench.h"
#include "demo/demo.h"
#include "demo/demo_program.h"
#include "fbr/invoice_run.h"
#include "fbr/programs.h"
#include "fbr/simulation.h"
#include "io/equations_json.h"
#include "store/store.h"

namespace keneya::bench {

using core::Status;

namespace {

double Median(std::vector<double> xs) {
  std::sort(xs.begin(), xs.end());
  const size_t n = xs.size();
  return n % 2 == 1 ? xs[n / 2] : (xs[n / 2 - 1] + xs[n / 2]) / 2;
}

// 1234567.8 -> "1,234,567.8"
std::string Grouped(double x, int decimals) {
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, "%.*f", decimals, x);
  std::string s(buffer);
  const size_t dot = s.find('.');
  std::string integer = s.substr(0, dot == std::string::npos ? s.size() : dot);
  const std::string rest = dot == std::string::npos ? "" : s.substr(dot);
  std::string out;
  const bool negative = !integer.empty() && integer[0] == '-';
  if (negative) integer.erase(0, 1);
  for (size_t i = 0; i < integer.size(); ++i) {
    if (i > 0 && (integer.size() - i) % 3 == 0) out += ',';
    out += integer[i];
  }
  return (negative ? "-" : "") + out + rest;
}

std::string Ms(double seconds) {
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, seconds < 0.1 ? "%.2f ms" : "%.0f ms", seconds * 1000);
  return buffer;
}

std::string Mb(int64_t bytes) { return std::to_string(bytes / (1024 * 1024)) + " MB"; }

struct Config {
  int facilities;
  bool quarter;
};

Status WriteFile(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary);
  out << text;
  if (!out.flush()) return core::Unavailable(core::Message("bench.cannot_write_file"), path);
  return core::OkStatus();
}

// A process run `runs` times (its output discarded): median wall and system times, largest peak
// memory.
struct ProcessTimes {
  double wall = 0, system = 0;
  int64_t peak = 0;
};
core::Result<ProcessTimes> TimeProcess(const std::vector<std::string>& argv, int runs) {
  std::vector<double> walls, systems;
  ProcessTimes out;
  for (int r = 0; r < runs; ++r) {
    const auto start = std::chrono::steady_clock::now();
    const pid_t pid = fork();
    if (pid < 0) return core::Internal(core::Message("bench.fork_failed"));
    if (pid == 0) {
      const int null = open("/dev/null", O_WRONLY);
      dup2(null, 1);
      std::vector<char*> args;
      for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
      args.push_back(nullptr);
      execv(args[0], args.data());
      _exit(127);
    }
    int status = 0;
    rusage usage{};
    wait4(pid, &status, 0, &usage);
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
      std::string command;
      for (const std::string& a : argv) command += (command.empty() ? "" : " ") + a;
      return core::Internal(
          core::Message("bench.reference_failed", {{"command", command}, {"status", status}}));
    }
    walls.push_back(seconds);
    systems.push_back(static_cast<double>(usage.ru_stime.tv_sec) +
                      static_cast<double>(usage.ru_stime.tv_usec) / 1e6);
    out.peak = std::max<int64_t>(out.peak, static_cast<int64_t>(usage.ru_maxrss) * 1024);
  }
  out.wall = Median(walls);
  out.system = Median(systems);
  return out;
}

// `keneya solve` on the equations file, and the reference solver beside it when given.
// `engine_seconds`: the engine's median on the same problem, held against the reference too.
Status TimeSolvers(const RulesBenchOptions& options, const std::string& file, double engine_seconds,
                   std::ostream& out) {
  KENEYA_ASSIGN_OR_RETURN(ProcessTimes keneya,
                          TimeProcess({options.solve_with, "solve", file}, options.repetitions));
  out << "  keneya solve on it (a process, " << options.repetitions << " runs): median "
      << Ms(keneya.wall) << " wall time (system " << Ms(keneya.system) << "), peak memory "
      << Mb(keneya.peak) << "\n";
  if (options.reference.empty()) return core::OkStatus();
  KENEYA_ASSIGN_OR_RETURN(ProcessTimes reference,
                          TimeProcess({options.reference, file}, options.repetitions));
  out << "  the reference solver (" << options.reference << ") on the same file: median "
      << Ms(reference.wall) << " wall time (system " << Ms(reference.system) << "), peak memory "
      << Mb(reference.peak) << "\n"
      << "  ratio: keneya solve takes " << Grouped(keneya.wall / reference.wall, 4)
      << " of the reference's wall time (" << Grouped(reference.wall / keneya.wall, 1)
      << "x faster)\n"
      << "  the engine on the same problem (compile + evaluate, in process, no file): "
      << Grouped(engine_seconds / reference.wall, 5) << " of the reference's wall time ("
      << Grouped(reference.wall / engine_seconds, 0) << "x faster)\n";
  return core::OkStatus();
}

Status RunOne(const Config& config, const RulesBenchOptions& options, std::ostream& out) {
  const core::Period period = core::Period::Parse(config.quarter ? "2024Q1" : "202401").value();
  KENEYA_ASSIGN_OR_RETURN(rules::Program program, ReferenceProgram(config.quarter));
  std::vector<rules::ProgramProblem> problems;
  const rules::CompiledProgram compiled = rules::CompiledProgram::Compile(program, problems);
  if (!problems.empty())
    return core::Internal(
        core::Message("bench.reference_invalid",
                      {{"problem", problems.front().Describe(core::Language::kEnglish)}}));
  const int payment = compiled.PaymentIndex("pbf_payment");

  rules::RunInputs inputs(period);
  if (!options.inputs.empty()) {
    std::ifstream in(options.inputs, std::ios::binary);
    if (!in) return core::NotFound(core::Message("bench.cannot_read_file"), options.inputs);
    std::ostringstream text;
    text << in.rdbuf();
    KENEYA_ASSIGN_OR_RETURN(std::vector<rules::Equation> equations,
                            io::ReadEquations(text.str(), options.inputs));
    KENEYA_ASSIGN_OR_RETURN(inputs, ReferenceInputsFromEquations(compiled, equations, period));
  } else {
    inputs = GenerateReferenceInputs(compiled, payment, config.facilities, period, options.seed);
  }
  const size_t facilities = inputs.facilities.size();

  rules::RunOptions run_options;
  run_options.threads = options.threads;
  ResetPeakRss();
  std::vector<double> times;
  double checksum = 0;
  size_t values = 0;
  for (int r = 0; r < options.repetitions; ++r) {
    const auto start = std::chrono::steady_clock::now();
    std::vector<rules::ProgramProblem> again;
    const rules::CompiledProgram engine = rules::CompiledProgram::Compile(program, again);
    auto run = engine.Run(payment, inputs, run_options);
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    if (!run.ok()) return run.error();
    times.push_back(seconds);
    const rules::SlotId total = engine.FindPaymentFormula(payment, "total_payment");
    checksum = 0;
    for (size_t f = 0; f < facilities; ++f) {
      if (!run->missing(static_cast<int>(f))) checksum += run->Value(total, static_cast<int>(f));
    }
    values = run->value_count();
  }
  const int64_t peak = PeakRssBytes();
  out << Grouped(static_cast<double>(facilities), 0) << " facilities, "
      << (config.quarter ? "quarter " : "month ") << period.ToString() << ": "
      << Grouped(static_cast<double>(values), 0) << " values; engine time (compile + evaluate) "
      << "median " << Ms(Median(times)) << " of " << options.repetitions << " runs; peak memory "
      << Mb(peak) << "; total payments " << Grouped(checksum, 1) << " FCFA\n";

  if (!options.write_equations.empty()) {
    KENEYA_ASSIGN_OR_RETURN(std::vector<rules::Equation> equations,
                            compiled.Equations(payment, inputs));
    if (options.shuffle) {
      std::mt19937_64 order(options.seed);
      std::shuffle(equations.begin(), equations.end(), order);
    }
    KENEYA_RETURN_IF_ERROR(WriteFile(options.write_equations, io::WriteEquations(equations)));
    out << "  " << Grouped(static_cast<double>(equations.size()), 0) << " equations written to "
        << options.write_equations << (options.shuffle ? ", in a random order" : "") << "\n";
    if (!options.write_values.empty()) {
      auto run = compiled.Run(payment, inputs, run_options);
      if (!run.ok()) return run.error();
      auto named = compiled.NamedValues(payment, *run);
      // By name, as keneya solve writes its solution.
      std::sort(named.begin(), named.end(),
                [](const auto& a, const auto& b) { return a.first < b.first; });
      rules::SolveResult values_by_name;
      for (const auto& [name, value] : named) values_by_name.Add(name, value);
      KENEYA_RETURN_IF_ERROR(WriteFile(options.write_values, io::WriteSolution(values_by_name)));
      out << "  the engine's " << Grouped(static_cast<double>(values_by_name.size()), 0)
          << " values written to " << options.write_values << "\n";
    }
    if (!options.solve_with.empty()) {
      // A child's peak memory (ru_maxrss) counts what it held before its exec: a copy of this
      // process. The equations (half a million texts, and the heap kept after them) are given
      // back first, so that the peak printed is the solver's own.
      std::vector<rules::Equation>().swap(equations);
      malloc_trim(0);
      KENEYA_RETURN_IF_ERROR(TimeSolvers(options, options.write_equations, Median(times), out));
    }
  }
  return core::OkStatus();
}

}  // namespace

Status RunRulesBench(const RulesBenchOptions& options, std::ostream& out) {
  if (options.repetitions < 1)
    return core::InvalidArgument(core::Message("bench.at_least_runs"), "--runs");
  if (!options.period.empty() && options.period != "month" && options.period != "quarter") {
    return core::InvalidArgument(core::Message("bench.month_or_quarter"), "--period");
  }
  utsname machine{};
  uname(&machine);
  out << "keneya bench rules: the reference scenario (programs/reference), on " << machine.nodename
      << " (" << machine.machine << ", " << sysconf(_SC_NPROCESSORS_ONLN) << " cores), "
      << (options.threads > 0 ? std::to_string(options.threads) : std::string("all"))
      << " threads\n";
  std::vector<Config> configs;
  if (!options.inputs.empty()) {
    configs.push_back({0, false});
  } else if (options.facilities > 0) {
    configs.push_back({options.facilities, options.period == "quarter"});
  } else {
    if (!options.write_equations.empty()) {
      return core::InvalidArgument(core::Message("bench.equations_need_facilities"),
                                   "--write-equations");
    }
    configs = {{2000, false}, {2000, true}, {20000, false}, {20000, true}, {100000, true}};
  }
  for (const Config& config : configs) KENEYA_RETURN_IF_ERROR(RunOne(config, options, out));
  return core::OkStatus();
}

Status RunInvoicesBench(const InvoicesBenchOptions& options, std::ostream& out) {
  KENEYA_ASSIGN_OR_RETURN(core::Period period, core::Period::Parse(options.period));
  std::string database = options.database;
  std::filesystem::path temporary;
  const store::Actor actor{"bench", "bench", ""};
  if (database.empty()) {
    temporary = std::filesystem::temp_directory_path() /
                ("keneya-invoices-bench-" + std::to_string(getpid()));
    std::filesystem::create_directories(temporary);
    database = (temporary / "demo.db").string();
    out << "building the demo database in " << database << " (2021-2024, no invoices)\n";
    KENEYA_ASSIGN_OR_RETURN(std::unique_ptr<store::Store> store, store::OpenStore(database));
    KENEYA_ASSIGN_OR_RETURN(demo::DemoDataset demo, demo::GenerateDemo({}, nullptr));
    KENEYA_RETURN_IF_ERROR(demo::LoadDemo(*store, demo, actor, nullptr));
    KENEYA_RETURN_IF_ERROR(demo::SetUpDemoFbr(*store, {}, actor, nullptr));
  }
  KENEYA_ASSIGN_OR_RETURN(std::unique_ptr<store::Store> store, store::OpenStore(database));
  KENEYA_ASSIGN_OR_RETURN(core::MetadataBundle metadata, store->LoadMetadata());
  KENEYA_ASSIGN_OR_RETURN(store::ProgramRecord program,
                          fbr::ProgramFor(*store, "FBR_MALI", period));
  utsname machine{};
  uname(&machine);
  out << "keneya bench invoices: program " << program.code << " version " << program.version << ", "
      << period.ToString() << ", " << store->engine() << " database " << database << ", on "
      << machine.nodename << " (" << sysconf(_SC_NPROCESSORS_ONLN) << " cores)\n";
  std::vector<double> total, read, compute, save;
  int64_t invoices = 0, values = 0;
  ResetPeakRss();
  for (int r = 0; r < options.repetitions; ++r) {
    const auto start = std::chrono::steady_clock::now();
    KENEYA_ASSIGN_OR_RETURN(fbr::ComputedRun run,
                            fbr::Compute(*store, metadata, program, period, {}));
    const auto saving = std::chrono::steady_clock::now();
    KENEYA_ASSIGN_OR_RETURN(store::InvoiceRunRecord saved, fbr::SaveRun(*store, run, actor));
    const auto end = std::chrono::steady_clock::now();
    total.push_back(std::chrono::duration<double>(end - start).count());
    save.push_back(std::chrono::duration<double>(end - saving).count());
    read.push_back(run.read_seconds);
    compute.push_back(run.compute_seconds);
    invoices = saved.invoice_count;
    values = run.values_read;
  }
  out << Grouped(static_cast<double>(invoices), 0) << " invoices from "
      << Grouped(static_cast<double>(values), 0) << " values: end to end median "
      << Ms(Median(total)) << " (read " << Ms(Median(read)) << ", compute " << Ms(Median(compute))
      << ", store " << Ms(Median(save)) << ") of " << options.repetitions << " runs; peak memory "
      << Mb(PeakRssBytes()) << "\n";
  if (!temporary.empty()) std::filesystem::remove_all(temporary);
  return core::OkStatus();
}

Status RunSimulationBench(const SimulationBenchOptions& options, std::ostream& out) {
  KENEYA_ASSIGN_OR_RETURN(core::Period period, core::Period::Parse(options.period));
  std::string database = options.database;
  std::filesystem::path temporary;
  const store::Actor actor{"bench", "bench", ""};
  if (database.empty()) {
    temporary = std::filesystem::temp_directory_path() /
                ("keneya-simulation-bench-" + std::to_string(getpid()));
    std::filesystem::create_directories(temporary);
    database = (temporary / "demo.db").string();
    const int year = period.year();
    out << "building the national demo database in " << database << " (" << year
        << ", the program, its contracts and the " << period.ToString() << " run)\n";
    KENEYA_ASSIGN_OR_RETURN(std::unique_ptr<store::Store> store, store::OpenStore(database));
    demo::DemoOptions demo_options;
    demo_options.first_year = demo_options.last_year = year;
    demo_options.open_january = false;
    KENEYA_ASSIGN_OR_RETURN(demo::DemoDataset demo, demo::GenerateDemo(demo_options, nullptr));
    KENEYA_RETURN_IF_ERROR(demo::LoadDemo(*store, demo, actor, nullptr));
    KENEYA_RETURN_IF_ERROR(demo::SetUpDemoFbr(*store, {}, actor, nullptr));
    KENEYA_ASSIGN_OR_RETURN(core::MetadataBundle metadata, store->LoadMetadata());
    KENEYA_ASSIGN_OR_RETURN(store::ProgramRecord program,
                            fbr::ProgramFor(*store, "FBR_MALI", period));
    KENEYA_ASSIGN_OR_RETURN(fbr::ComputedRun run,
                            fbr::Compute(*store, metadata, program, period, {}));
    KENEYA_ASSIGN_OR_RETURN(store::InvoiceRunRecord saved, fbr::SaveRun(*store, run, actor));
    (void)saved;
  }
  KENEYA_ASSIGN_OR_RETURN(std::unique_ptr<store::Store> store, store::OpenStore(database));
  KENEYA_ASSIGN_OR_RETURN(core::MetadataBundle metadata, store->LoadMetadata());
  utsname machine{};
  uname(&machine);
  fbr::SimulationRequest request;
  request.program = "FBR_MALI";
  request.stored_only = true;
  // The CPN1 tariff (1,000 francs), moved by 10 francs a change as a slider would.
  auto change = [](int k) {
    fbr::Overrides overrides;
    overrides.activity_outputs[{"tariff", "cpn1"}] = 1000 + 10 * (k + 1);
    return overrides;
  };

  // The simulation from the database, as `keneya simulate` computes it.
  ResetPeakRss();
  std::vector<double> full;
  int64_t facilities = 0, total = 0;
  for (int r = 0; r < options.repetitions; ++r) {
    request.overrides = change(r);
    const auto start = std::chrono::steady_clock::now();
    KENEYA_ASSIGN_OR_RETURN(fbr::Simulation s, fbr::Simulate(*store, metadata, period, request));
    full.push_back(std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
    total = s.simulation_total;
  }
  const int64_t full_peak = PeakRssBytes();

  // The server's way: the base prepared once, then each change on it.
  fbr::SimulationCache cache;
  request.overrides = {};
  KENEYA_ASSIGN_OR_RETURN(std::shared_ptr<const fbr::SimulationBase> first,
                          cache.Get(*store, metadata, period, request));
  facilities = static_cast<int64_t>(first->baseline.inputs->facilities.size());
  std::vector<double> changes;
  int64_t moved = 0;
  for (int k = 0; k < options.changes; ++k) {
    request.overrides = change(k);
    const auto start = std::chrono::steady_clock::now();
    KENEYA_ASSIGN_OR_RETURN(std::shared_ptr<const fbr::SimulationBase> base,
                            cache.Get(*store, metadata, period, request));
    KENEYA_ASSIGN_OR_RETURN(fbr::Simulation s, fbr::SimulateOn(*base, request.overrides));
    changes.push_back(
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
    moved = s.simulation_total - s.baseline_total;
  }
  if (cache.prepared() != 1) {
    return core::Internal(core::Message("bench.simulation_base_read_again",
                                        {{"count", std::to_string(cache.prepared())}}));
  }
  const double full_median = Median(full), change_median = Median(changes);
  const double change_max = *std::max_element(changes.begin(), changes.end());
  out << "keneya bench simulate: program FBR_MALI version " << first->program.version << ", "
      << period.ToString() << ", " << Grouped(static_cast<double>(facilities), 0) << " facilities, "
      << store->engine() << " database " << database << ", on " << machine.nodename << " ("
      << sysconf(_SC_NPROCESSORS_ONLN) << " cores)\n"
      << "  from the database (keneya simulate): median " << Ms(full_median) << " of "
      << options.repetitions << " (total " << Grouped(static_cast<double>(total), 0)
      << " francs), peak memory " << Mb(full_peak) << "\n"
      << "  a tariff change to its totals (the server, base in memory): median "
      << Ms(change_median) << ", slowest " << Ms(change_max) << " of " << options.changes
      << " (the last moved the total by " << Grouped(static_cast<double>(moved), 0)
      << " francs), peak memory " << Mb(PeakRssBytes()) << "\n"
      << "  ratio: a change takes " << Grouped(change_median / full_median, 3)
      << " of the recomputation from the database (" << Grouped(full_median / change_median, 1)
      << "x faster); goal under 100 ms: " << (change_max < 0.1 ? "met" : "NOT met") << "\n";
  if (!temporary.empty()) std::filesystem::remove_all(temporary);
  return core::OkStatus();
}

}  // namespace keneya::bench
