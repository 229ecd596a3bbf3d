// A small fake DHIS2 for tests: an HTTP server on 127.0.0.1 and a free port, in its own thread,
// that answers the calls the DHIS2 client makes, with behaviours a test can switch on.
//
//   FakeDhis2 dhis2;                                   // user admin / district, a token
//   dhis2.SetOrgUnits(SyntheticOrgUnits(120));
//   ASSERT_TRUE(dhis2.Start().ok());
//   ... Dhis2ClientOptions{.base_url = dhis2.url(), ...} ...
//   EXPECT_EQ(dhis2.CountRequests("GET", "/api/organisationUnits"), 3);
//
// What it serves (under the optional path prefix):
//   GET  /api/me                  the configured user
//   GET  /api/organisationUnits   the org units it holds, paged (paging, pageSize, page) with
//                                 DHIS2's pager {page, pageCount, total, pageSize, nextPage}
//   GET  /api/metadata            the JSON given to SetMetadata
//   GET  /api/dataValueSets       the values it holds, filtered by dataSet (its data elements),
//                                 period and orgUnit (with children=true, their descendants)
//   POST /api/dataValueSets       stores the values (not with dryRun=true) and answers an import
//                                 summary in the configured shape
// Every request needs the configured basic credentials or token, else 401.
//
// The answers to POST are built from DHIS2's own files in tests/io/testdata/dhis2/ (BSD-3, see
// SOURCES.txt there): data_value_set_warning.json (a 2.38+ WebMessage envelope, 409 WARNING)
// gives the envelope and the summary's shape, import_conflict.json (a 2.37+ conflict, E7619)
// gives the conflict for rejected values.
//
// Thread-safe: the setters and the request log may be used while the server runs.
#ifndef KENEYA_TESTS_IO_FAKE_DHIS2_H_
#define KENEYA_TESTS_IO_FAKE_DHIS2_H_

#include <cstddef>
#include <map>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "core/result.h"

namespace httplib {
class Server;
}

namespace keneya::io::testing {

// A data value as the fake stores it.
struct FakeValue {
  std::string data_element;
  std::string period;
  std::string org_unit;
  std::string category_option_combo;   // "" is stored as DHIS2's default "HllvX50cXC0"
  std::string attribute_option_combo;  // idem
  std::string value;
  std::string comment;
  std::string stored_by;
  bool followup = false;
  bool deleted = false;

  // "dataElement/period/orgUnit/coc/aoc": the value's identity.
  std::string Key() const;
  friend bool operator==(const FakeValue&, const FakeValue&) = default;
};

// How the fake answers POST /api/dataValueSets.
enum class FakeImportShape {
  kEnvelope,       // 2.38+: WebMessage envelope; 200 OK, 409 WARNING or 409 ERROR
  kBareWithCodes,  // 2.37: a bare ImportSummary, always 200; conflicts with errorCode, indexes
  kBareLegacy,     // 2.36 and before: a bare ImportSummary, 200; conflicts {object, value} only
};

// One request the fake received.
struct FakeRequest {
  std::string method;
  std::string path;  // without the prefix: "/api/dataValueSets"
  std::multimap<std::string, std::string> params;
  std::string authorization;            // the Authorization header as received
  int status = 0;                       // what the fake answered; 0 when it dropped the connection
  std::vector<std::string> value_keys;  // POST: the posted values' keys, in order
};

// n org units as DHIS2 writes them (id, code, name, shortName, level, path, parent), a tree in
// which org unit i > 0 has parent (i - 1) / 4: uids "OU000000000", "OU000000001", ...
nlohmann::json SyntheticOrgUnits(int count);
// The uid SyntheticOrgUnits gives org unit i.
std::string SyntheticOrgUnitUid(int i);
// tests/io/testdata/dhis2/<name>, parsed; a JSON null when it cannot be read.
nlohmann::json Dhis2Fixture(std::string_view name);

class FakeDhis2 {
 public:
  struct Options {
    std::string path_prefix;  // "" or e.g. "/dhis"
    std::string user = "admin";
    std::string password = "district";
    std::string name = "Aminata Traoré";
    std::string token = "d2pat_fakeTokenForKeneyaTests0000000000000";
    std::vector<std::string> user_org_units = {"OU000000000"};
  };

  FakeDhis2();
  explicit FakeDhis2(Options options);
  ~FakeDhis2();  // stops the server
  FakeDhis2(const FakeDhis2&) = delete;
  FakeDhis2& operator=(const FakeDhis2&) = delete;

  // Binds 127.0.0.1 on a free port and serves from a thread. Errors: kUnavailable when it
  // cannot listen, kInternal when DHIS2's fixture files cannot be read.
  core::Status Start();
  // Stops serving (connections are then refused); idempotent.
  void Stop();
  int port() const { return port_; }
  // "http://127.0.0.1:<port><prefix>".
  std::string url() const;

  // --- What it holds.
  void SetOrgUnits(nlohmann::json org_units);  // an array of DHIS2 org unit objects
  void SetMetadata(std::string json);
  void SetDataSet(const std::string& uid, std::vector<std::string> data_elements);
  void AddValues(const std::vector<FakeValue>& values);
  std::vector<FakeValue> values() const;  // sorted by key

  // --- How it behaves.
  void SetImportShape(FakeImportShape shape);
  // Posted values whose value is `text` are rejected, with import_conflict.json's conflict (one
  // per data element, with the positions in the request of its rejected values).
  void SetRejectedValue(std::string text);
  // POST number `number` (1-based, counted from this call) gets its connection closed instead of
  // an answer; with `store_first`, its values are stored before (DHIS2 imported them, the answer
  // was lost), else nothing is stored (the connection dropped on the way).
  void DropPost(int number, bool store_first);
  // POST number `number` (1-based, counted from this call) is answered ERROR: nothing stored,
  // every value ignored, one E7603-style conflict.
  void RejectPost(int number);
  // Every POST answered with this status and body, nothing stored; status 0 turns it off.
  void SetCannedPostAnswer(int status, std::string body);

  // --- What it received.
  std::vector<FakeRequest> requests() const;
  int CountRequests(std::string_view method, std::string_view path) const;
  void ClearRequests();

 private:
  struct State;
  void Route();
  Options options_;
  std::unique_ptr<httplib::Server> server_;
  std::thread thread_;
  int port_ = 0;
  std::unique_ptr<State> state_;  // guarded by state_->mutex
};

}  // namespace keneya::io::testing

#endif  // KENEYA_TESTS_IO_FAKE_DHIS2_H_
