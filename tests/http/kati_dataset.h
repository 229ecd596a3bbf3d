// A small realistic database for the API's tests: the demo's pyramid down to districts, the
// facilities of the district of Kati and one CSCOM of the district of Kalaban Coro, their 2024
// values, the demo program, contracts for every facility of the contract group, and a run of
// 2024Q1; one user per role over a realistic place. Built once per engine and shared by the
// tests of a binary (tests that write use cells no other test reads).
#ifndef KENEYA_TESTS_HTTP_KATI_DATASET_H_
#define KENEYA_TESTS_HTTP_KATI_DATASET_H_

#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "auth/roles.h"
#include "core/metadata.h"
#include "http/exchange.h"
#include "tests/store/test_database.h"

namespace keneya::http::testing {

inline constexpr char kPassword[] = "mot-de-passe-2024";
inline constexpr char kKokoCode[] = "CSCOM_KATI_KOKO_II";

// A facility and what the dataset holds for it.
struct Facility {
  std::string uid;
  std::string code;
  std::string invoice;  // its invoice in the run
  int64_t contract = 0;
};

// A user of the dataset: one per role, with the facilities inside and outside their scope.
struct User {
  std::string name;
  auth::Role role;
  auth::Scope scope;
  bool national = false;  // the scope is the whole country
  std::string inside;     // a facility code in the scope
  std::string outside;    // a facility code outside it; "" for national scopes
};

struct Dataset {
  std::unique_ptr<store::testing::TestDatabase> db;
  core::MetadataBundle metadata;
  std::string mali, kati, kalaban;             // uids
  std::map<std::string, Facility> facilities;  // by code: Koko II, another CSCOM of Kati, the
                                               // CSRéf of Kati, a CSCOM of Kalaban Coro
  std::string other_kati, csref_kati, kalaban_cscom;  // codes
  std::string data_set;                               // a monthly data set every facility reports
  std::string element;  // a number element of it with the default combo
  int64_t run = 0;
  std::vector<User> users;
  const Facility& facility(const std::string& code) const { return facilities.at(code); }
  const core::OrgUnit* OrgUnit(const std::string& uid_or_code) const;
};

// The dataset of `engine`, built on first use; fails the calling test when it cannot be built.
Dataset& SharedDataset(store::testing::Engine engine);
// A dataset of the test's own, in a new database; null (the test failed) when it cannot be built.
std::unique_ptr<Dataset> NewDataset(store::testing::Engine engine);

// A user who is not in the database, for calls to the library: `role` over `scope_uid`'s subtree.
auth::Principal InMemory(const char* name, auth::Role role, const std::string& scope_uid);

// A facility's three months and quality quarter of `quarter` ("2024Q3"; those in `skip` left
// alone) declared, verified,
// reported, and validated by the district once the contest windows ran out (KENEYA_TODAY moved
// to the month after the quarter, then put back): a run of the quarter invoices the facility.
// Fails the calling test when a step fails.
void ValidateQuarter(const Dataset& data, store::Store& store, const std::string& facility_code,
                     const std::string& quarter, const std::set<std::string>& skip = {});

// "Basic base64(name:password)".
std::string BasicAuthorization(const std::string& name, const std::string& password = kPassword);

// A request as a script sends it: `user` (none when empty) by Basic authentication with the
// dataset's password, a JSON body when there is one, from `address`.
Request ScriptRequest(const std::string& user, std::string method, std::string path,
                      std::vector<std::pair<std::string, std::string>> query = {},
                      std::string body = {}, std::string address = "10.0.0.2");

// A response's whole body, pulled when it comes in pieces.
std::string WholeBody(const Response& response);

}  // namespace keneya::http::testing

#endif  // KENEYA_TESTS_HTTP_KATI_DATASET_H_
