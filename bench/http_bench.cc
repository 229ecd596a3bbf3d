#include "bench/http_bench.h"

#include <sys/utsname.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iomanip>
#include <map>
#include <memory>
#include <sstream>
#include <thread>
#include <vector>

#include "auth/accounts.h"
#include "auth/authenticator.h"
#include "auth/secrets.h"
#include "bench/store_bench.h"
#include "demo/demo.h"
#include "demo/demo_program.h"
#include "fbr/invoice_run.h"
#include "fbr/programs.h"
#include "fbr/stored_invoices.h"
#include "http/api.h"
#include "http/metrics.h"
#include "http/server.h"
#include "store/store.h"
#include "store/store_pool.h"

namespace keneya::bench {

using core::Message;
using core::Result;
using core::Status;

namespace {

// What wrk said of one scenario.
struct WrkResult {
  double requests_per_second = 0;
  double p50_ms = 0;
  double p99_ms = 0;
  int64_t requests = 0;
  int64_t errors = 0;  // non-2xx answers and socket errors
};

// "9.81ms", "512.00us", "1.02s" in milliseconds.
double Milliseconds(const std::string& text) {
  const double number = std::atof(text.c_str());
  if (text.find("us") != std::string::npos) return number / 1000;
  if (text.find("ms") != std::string::npos) return number;
  if (text.find('m') != std::string::npos) return number * 60'000;  // "1.2m"
  if (text.find('s') != std::string::npos) return number * 1000;
  return number;
}

Result<WrkResult> RunWrk(const HttpBenchOptions& options, const std::string& url,
                         const std::string& token, int seconds) {
  const std::string command = options.wrk + " -t" + std::to_string(options.wrk_threads) + " -c" +
                              std::to_string(options.connections) + " -d" +
                              std::to_string(seconds) + "s --latency -H 'Authorization: ApiToken " +
                              token + "' '" + url + "' 2>&1";
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) {
    return core::Unavailable(Message("bench.http.no_wrk", {{"wrk", options.wrk}}));
  }
  std::string output;
  std::array<char, 4096> buffer;
  size_t n;
  while ((n = fread(buffer.data(), 1, buffer.size(), pipe)) > 0) output.append(buffer.data(), n);
  const int status = pclose(pipe);
  if (status != 0 || output.find("Requests/sec") == std::string::npos) {
    return core::Unavailable(Message("bench.http.wrk_failed",
                                     {{"wrk", options.wrk}, {"output", output.substr(0, 400)}}));
  }
  WrkResult result;
  std::istringstream lines(output);
  std::string line;
  while (std::getline(lines, line)) {
    std::istringstream words(line);
    std::string first, second;
    words >> first >> second;
    if (first == "50%") result.p50_ms = Milliseconds(second);
    if (first == "99%") result.p99_ms = Milliseconds(second);
    if (first == "Requests/sec:") result.requests_per_second = std::atof(second.c_str());
    if (line.find("requests in") != std::string::npos) result.requests = std::atoll(first.c_str());
    if (line.find("Non-2xx or 3xx responses:") != std::string::npos) {
      result.errors += std::atoll(line.substr(line.find(':') + 1).c_str());
    }
    if (line.find("Socket errors:") != std::string::npos) {
      for (const char* kind : {"connect ", "read ", "write ", "timeout "}) {
        const size_t at = line.find(kind);
        if (at != std::string::npos)
          result.errors += std::atoll(line.c_str() + at + std::strlen(kind));
      }
    }
  }
  return result;
}

// This process's resident memory now (VmRSS) and at its peak (VmHWM), in bytes.
std::pair<int64_t, int64_t> ResidentMemory() {
  std::ifstream in("/proc/self/status");
  std::string line;
  int64_t rss = 0, peak = 0;
  while (std::getline(in, line)) {
    if (line.rfind("VmRSS:", 0) == 0) rss = std::atoll(line.c_str() + 6) * 1024;
    if (line.rfind("VmHWM:", 0) == 0) peak = std::atoll(line.c_str() + 6) * 1024;
  }
  return {rss, peak};
}

std::string Fixed(double value, int decimals) {
  std::ostringstream out;
  out << std::fixed << std::setprecision(decimals) << value;
  return out.str();
}

}  // namespace

Status RunHttpBench(const HttpBenchOptions& options, std::ostream& out) {
  KENEYA_ASSIGN_OR_RETURN(core::Period period, core::Period::Parse(options.period));
  std::string database = options.database;
  std::filesystem::path temporary;
  const store::Actor actor{"bench", "bench", "", ""};
  if (database.empty()) {
    temporary =
        std::filesystem::temp_directory_path() / ("keneya-http-bench-" + std::to_string(getpid()));
    std::filesystem::create_directories(temporary);
    database = (temporary / "demo.db").string();
    out << "building the demo database in " << database << " (2021-2024)\n" << std::flush;
    KENEYA_ASSIGN_OR_RETURN(std::unique_ptr<store::Store> store, store::OpenStore(database));
    KENEYA_ASSIGN_OR_RETURN(demo::DemoDataset demo, demo::GenerateDemo({}, nullptr));
    KENEYA_RETURN_IF_ERROR(demo::LoadDemo(*store, demo, actor, nullptr));
    KENEYA_RETURN_IF_ERROR(demo::SetUpDemoFbr(*store, {}, actor, nullptr));
  }
  std::string token, facility, district, invoice;
  int64_t run_id = 0;
  {
    KENEYA_ASSIGN_OR_RETURN(std::unique_ptr<store::Store> store, store::OpenStore(database));
    KENEYA_ASSIGN_OR_RETURN(core::MetadataBundle metadata, store->LoadMetadata());
    const core::OrgUnit* koko = nullptr;
    for (const core::OrgUnit& unit : metadata.org_units) {
      if (unit.code == demo::kKokoIICode) koko = &unit;
      if (unit.code == "DS_KATI") district = unit.uid;
    }
    if (koko == nullptr || district.empty() || metadata.org_units.empty()) {
      return core::FailedPrecondition(Message("bench.http.not_a_demo", {{"database", database}}));
    }
    facility = koko->uid;
    // The period's run, computed when the database has none.
    auto latest = fbr::LatestRun(*store, "FBR_MALI", period);
    if (latest.ok()) {
      run_id = latest->run.id;
    } else {
      out << "computing the " << period.ToString() << " run\n" << std::flush;
      KENEYA_ASSIGN_OR_RETURN(store::ProgramRecord program,
                              fbr::ProgramFor(*store, "FBR_MALI", period));
      KENEYA_ASSIGN_OR_RETURN(fbr::ComputedRun run,
                              fbr::Compute(*store, metadata, program, period, {}));
      KENEYA_ASSIGN_OR_RETURN(store::InvoiceRunRecord saved, fbr::SaveRun(*store, run, actor));
      run_id = saved.id;
    }
    KENEYA_ASSIGN_OR_RETURN(std::vector<store::InvoiceRecord> invoices,
                            store->InvoiceList(run_id, koko->id));
    if (invoices.empty()) {
      return core::FailedPrecondition(Message("bench.http.not_a_demo", {{"database", database}}));
    }
    invoice = invoices.front().number;
    // A national unit's account and its API token, as a script would hold.
    auth::Principal op;
    op.name = "bench";
    op.operator_of_database = true;
    const std::string name = "bench-http-" + std::to_string(getpid());
    auth::NewUser user{
        name,
        "Keneya bench",
        "",
        "fr",
        auth::RandomToken(),
        {{auth::Role::kNationalUnit, {auth::ScopeKind::kSubtree, metadata.org_units.front().uid}}}};
    KENEYA_ASSIGN_OR_RETURN(auth::UserAccount account,
                            auth::AddUser(*store, metadata, op, user, actor));
    (void)account;
    KENEYA_ASSIGN_OR_RETURN(auth::NewToken made,
                            auth::CreateToken(*store, op, name, "bench http", 1, actor));
    token = made.token;
  }

  // The server, in this process, as `keneya serve` runs it.
  KENEYA_ASSIGN_OR_RETURN(
      std::unique_ptr<store::StorePool> pool,
      store::StorePool::Open(database, 8,
                             store::OpenOptions{.migrate = true, .sqlite_cache_kib = 8192}));
  auth::Authenticator authenticator(auth::AuthOptions{});
  http::Metrics metrics;
  http::ApiOptions api_options;
  api_options.info = {"bench", database};
  http::Api api(*pool, authenticator, api_options, &metrics);
  http::ServerOptions server_options;
  server_options.port = 0;
  http::Server server(api, server_options, &metrics);
  KENEYA_RETURN_IF_ERROR(server.Bind());
  Status served = core::OkStatus();
  std::thread serving([&] { served = server.Serve(); });
  const std::string base = "http://127.0.0.1:" + std::to_string(server.port());

  utsname machine{};
  uname(&machine);
  out << "keneya bench http: " << options.connections << " keep-alive connections, "
      << options.seconds << " s a scenario, wrk " << options.wrk_threads << " threads, run "
      << run_id << " (" << period.ToString() << "), database " << database << ", on "
      << machine.nodename << " (" << sysconf(_SC_NPROCESSORS_ONLN) << " cores)\n";
  struct Scenario {
    std::string name, path;
  };
  const std::vector<Scenario> scenarios = {
      {"health (the floor)", "/api/health"},
      {"facility card, 12 months", "/api/facilities/" + facility},
      {"district invoice list",
       "/api/invoices?run=" + std::to_string(run_id) + "&within=" + district + "&pageSize=200"},
      {"one invoice", "/api/invoices/" + invoice},
      {"one invoice's explanation", "/api/invoices/" + invoice + "/explanation"},
  };
  std::vector<WrkResult> results;
  Status failed = core::OkStatus();
  for (const Scenario& scenario : scenarios) {
    // A short warm-up (caches, connections), then the measure.
    auto warm = RunWrk(options, base + scenario.path, token, 2);
    auto measured = warm.ok() ? RunWrk(options, base + scenario.path, token, options.seconds)
                              : Result<WrkResult>(warm.error());
    if (!measured.ok()) {
      failed = measured.error();
      break;
    }
    results.push_back(*measured);
  }
  const auto [rss, peak] = ResidentMemory();
  server.Stop();
  serving.join();
  if (!temporary.empty()) std::filesystem::remove_all(temporary);
  KENEYA_RETURN_IF_ERROR(failed);
  KENEYA_RETURN_IF_ERROR(served);

  out << std::left << std::setw(28) << "scenario" << std::right << std::setw(12) << "requests/s"
      << std::setw(10) << "p50 ms" << std::setw(10) << "p99 ms" << std::setw(9) << "errors"
      << std::setw(16) << "p99 / health\n";
  for (size_t i = 0; i < results.size(); ++i) {
    const WrkResult& r = results[i];
    const double floor = results.front().p99_ms;
    out << std::left << std::setw(28) << scenarios[i].name << std::right << std::setw(12)
        << Fixed(r.requests_per_second, 0) << std::setw(10) << Fixed(r.p50_ms, 2) << std::setw(10)
        << Fixed(r.p99_ms, 2) << std::setw(9) << r.errors << std::setw(15)
        << (i == 0 ? std::string("1") : Fixed(floor > 0 ? r.p99_ms / floor : 0, 1) + "x") << "\n";
  }
  out << "server resident memory after the bench: " << rss / (1024 * 1024) << " MB (peak "
      << peak / (1024 * 1024) << " MB)\n";
  return core::OkStatus();
}

}  // namespace keneya::bench
