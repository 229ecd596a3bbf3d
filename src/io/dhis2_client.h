// A client of DHIS2's web API: checks credentials, pulls the pyramid, metadata and data values,
// and pushes data values in parallel batches that a journal lets resume after a crash.
//
//   Dhis2ClientOptions options;
//   options.base_url = "https://dhis2.sante.gov.ml/dhis";
//   options.credentials = Dhis2Credentials::Token("d2pat_...");
//   Result<std::unique_ptr<Dhis2Client>> client = Dhis2Client::Create(options);
//   Result<Dhis2User> me = (*client)->CheckCredentials();
//   Result<MetadataReadResult> pyramid = (*client)->PullOrgUnits(progress);
//
//   DataValuePull pull{.data_sets = {"ds"}, .periods = {"2024Q1"},
//                      .org_units = OrgUnitSubtree(pyramid->bundle, "root")};
//   Status s = (*client)->PullDataValues(pull, handler, progress);   // handler: data_value_set.h
//
//   PushOptions push{.journal = "/var/lib/keneya/push-2024Q1.journal"};
//   Result<PushResult> r = (*client)->PushDataValues(values, push, progress);
//   if (r.ok() && !r->complete()) ...   // r->error says which batch failed and why
//
// docs/DHIS2_CLIENT.md says how batches, parallelism, resume and conflict categories work, and
// what differs between DHIS2 versions.
//
// Every error names the URL it concerns (never with credentials), the batch when there is one,
// the HTTP status and DHIS2's own message. Passwords and tokens appear in no message.
//
// Thread safety: a Dhis2Client may be used from one thread at a time; PushDataValues runs its
// own worker threads.
#ifndef KENEYA_IO_DHIS2_CLIENT_H_
#define KENEYA_IO_DHIS2_CLIENT_H_

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/format.h"
#include "core/metadata.h"
#include "core/result.h"
#include "io/data_value_set.h"
#include "io/dhis2_metadata.h"
#include "io/import_summary.h"
#include "store/store.h"

namespace keneya::io {

// Basic auth (user and password) or a DHIS2 personal access token, sent as
// "Authorization: ApiToken d2pat_...". Messages name the user, never the secret.
struct Dhis2Credentials {
  std::string user;      // basic auth; empty with a token
  std::string password;  // basic auth
  std::string token;     // personal access token; when set, user and password are not used

  static Dhis2Credentials Basic(std::string user, std::string password);
  static Dhis2Credentials Token(std::string token);
};

struct Dhis2ClientOptions {
  // "http(s)://host[:port][/prefix]", e.g. "https://dhis2.sante.gov.ml/dhis". The API is at
  // <base_url>/api. No user info, query or fragment; a final '/' is dropped.
  std::string base_url;
  Dhis2Credentials credentials;
  std::chrono::milliseconds connect_timeout{15'000};
  // How long to wait for each read of an answer; DHIS2 can take minutes to import 1,000 values
  // on a loaded server.
  std::chrono::milliseconds read_timeout{300'000};
  std::chrono::milliseconds write_timeout{60'000};
  // At most this many push requests in flight (1 = one after the other).
  int parallelism = 4;
  // HTTPS: a PEM file of trusted certificates instead of the system's, for a server with its
  // own certificate authority. Empty = the system's.
  std::string ca_cert_file;
};

// Who the credentials belong to (GET /api/me).
struct Dhis2User {
  std::string username;
  std::string name;
  std::vector<std::string> org_unit_uids;  // the user's data capture org units
};

// What PullDataValues asks DHIS2 for. Each request names every data set, a batch of periods
// and a batch of org units, with children=false: `org_units` lists every org unit to read
// (OrgUnitSubtree gives a root and its descendants), so no value comes twice.
struct DataValuePull {
  std::vector<std::string> data_sets;
  std::vector<std::string> periods;    // DHIS2 period identifiers ("202401", "2024Q1")
  std::vector<std::string> org_units;  // uids
  int org_units_per_request = 50;
  int periods_per_request = 12;
  std::string id_scheme;  // "" (UID), "CODE", "NAME" or "ATTRIBUTE:<uid>": how DHIS2 names things
  // Keneya's own `state` parameter, sent when not empty: the FBR state to read from a server
  // that is a Keneya (DHIS2 has no states).
  std::string state;
};

// `root` and its descendants in `pyramid`, root first then in the bundle's order (parents before
// children); empty when root is not in the bundle. Descendants are found by path.
std::vector<std::string> OrgUnitSubtree(const core::MetadataBundle& pyramid, std::string_view root);

// One value to push; owns its text. Identifiers as the push's id scheme names them.
struct Dhis2DataValue {
  std::string data_element;
  std::string period;
  std::string org_unit;
  std::string category_option_combo;   // empty = DHIS2's default
  std::string attribute_option_combo;  // empty = DHIS2's default
  std::string value;
  std::string comment;
  std::string stored_by;
  bool followup = false;
  bool deleted = false;
};

struct PushOptions {
  size_t batch_size = 1000;  // values per POST
  // Passed through to DHIS2 when not empty: importStrategy (CREATE, UPDATE, CREATE_AND_UPDATE,
  // DELETE) and idScheme (UID, CODE, NAME, ATTRIBUTE:<uid>).
  std::string import_strategy;
  std::string id_scheme;
  bool dry_run = false;  // dryRun=true: DHIS2 checks and counts, writes nothing
  // Keneya's own `state` parameter, sent when not empty: the FBR state the values are written
  // in on a server that is a Keneya (declared when not given).
  std::string state;
  // When not empty: the journal of this push. Batches it records as acknowledged are not sent
  // again; each batch DHIS2 acknowledges is added to it. A journal of another push (other
  // values, batch size, server or query) is an error, never a starting point.
  std::filesystem::path journal;
};

// What kind of problem a conflict reports, decided from its errorCode alone (never from its
// message). The table is in docs/DHIS2_CLIENT.md.
enum class ConflictCategory {
  kUnknownObject,  // E7600, E7602-E7604, E7610-E7613, E7615: not found or not accessible
  kNoAccess,       // E7601, E7614, E7616, E7617: the user may not write there
  kInvalidValue,   // E7618-E7621, E7630, E7631, E7637, E7645: the value or comment itself
  kNotAssigned,    // E7632-E7636, E7639: metadata does not link the value's objects
  kPeriodClosed,   // E7638, E7640-E7644: the period is closed, approved or not open yet
  kOtherCode,      // an errorCode not in the table (kept in the conflict)
  kUnclassified,   // no errorCode: DHIS2 before 2.37 gives only a message
};
// "unknown_object", "no_access", "invalid_value", "not_assigned", "period_closed", "other_code",
// "unclassified".
std::string_view ConflictCategoryName(ConflictCategory category);
ConflictCategory ClassifyConflict(std::string_view error_code);

// A conflict of a push: DHIS2's conflict with its indexes mapped to positions in the whole push
// (0-based positions in the `values` given to PushDataValues).
struct PushConflict {
  ImportConflict conflict;
  ConflictCategory category = ConflictCategory::kUnclassified;
  size_t batch = 0;  // the batch whose answer holds it
};

enum class PushBatchState {
  kAcknowledged,         // DHIS2 answered SUCCESS or WARNING in this run
  kAcknowledgedEarlier,  // the journal says DHIS2 acknowledged it in an earlier run: not sent
  kRejected,             // DHIS2 answered ERROR: nothing of it was imported
  kFailed,               // no usable answer: connection, authentication, HTTP or parse error
  kNotSent,              // not sent, because an earlier failure stopped the push
};
std::string_view PushBatchStateName(PushBatchState state);

struct PushBatch {
  size_t number = 0;  // 0-based
  size_t first = 0;   // position in the push of its first value
  size_t size = 0;
  PushBatchState state = PushBatchState::kNotSent;
  int http_status = 0;  // 0 without an answer; from the journal for kAcknowledgedEarlier
  ImportStatus status = ImportStatus::kError;  // DHIS2's status, when it answered
  ImportCount count;
  size_t conflicts = 0;
  std::optional<core::Error> error;  // kRejected and kFailed: what happened, where
};

// The outcome of a push, summed over its batches (acknowledged earlier ones included, from the
// journal) in batch order, so that it does not depend on the number of threads.
struct PushResult {
  // ERROR when a batch is not acknowledged (rejected, failed or not sent); else WARNING when a
  // batch answered WARNING or holds conflicts; else SUCCESS.
  ImportStatus status = ImportStatus::kSuccess;
  ImportCount count;
  std::vector<PushConflict> conflicts;                        // batch order, then DHIS2's order
  std::vector<size_t> rejected_indexes;                       // push positions, ascending
  std::map<ConflictCategory, int64_t> conflicts_by_category;  // number of conflicts
  std::vector<PushBatch> batches;
  size_t values = 0;
  bool dry_run = false;
  // The first failure, by batch number (a rejected or failed batch); nullopt when none.
  std::optional<core::Error> error;

  // Every batch acknowledged, in this run or an earlier one.
  bool complete() const;
};

// The result as one ImportSummary (push positions as indexes), for ImportSummaryJson. Its status
// is the push's: ERROR for an incomplete push even when batches were imported, which
// ImportSummaryText would call "nothing was written"; PushResultText says it right.
ImportSummary PushSummary(const PushResult& result);

// A short text for people, in French or English: the outcome with the summed counts, how many
// batches DHIS2 acknowledged when the push is incomplete and what stopped it, the conflicts by
// category, then each conflict with its code, category, objects and push positions.
std::string PushResultText(const PushResult& result, core::Language language);

class Dhis2Client {
 public:
  // Checks the options (URL shape, parallelism >= 1, credentials present); connects nothing.
  // Errors: kInvalidArgument naming the option.
  static core::Result<std::unique_ptr<Dhis2Client>> Create(const Dhis2ClientOptions& options);
  ~Dhis2Client();
  Dhis2Client(const Dhis2Client&) = delete;
  Dhis2Client& operator=(const Dhis2Client&) = delete;

  // The base URL as given, without a final '/': "https://dhis2.sante.gov.ml/dhis".
  const std::string& base_url() const;

  // GET /api/me. Errors: kPermissionDenied when DHIS2 answers 401 or 403 ("DHIS2 refused the
  // credentials of user X (HTTP 401)"), kUnavailable when DHIS2 cannot be reached (naming the
  // URL), kFailedPrecondition for an answer that is not a DHIS2 user (the base URL points
  // elsewhere).
  core::Result<Dhis2User> CheckCredentials();
  // Whether the server is a Keneya (its /api/system/info says so): it then takes `state`.
  // False for DHIS2, and when the server does not say.
  bool IsKeneya();

  // Errors of the pulls: as CheckCredentials for refused credentials and a server out of
  // reach; kNotFound (HTTP 404: a wrong base URL), kUnavailable (5xx, 429), kInvalidArgument
  // (another 4xx, with DHIS2's message), and the readers' kInvalidArgument for an answer they
  // cannot read. docs/DHIS2_CLIENT.md has the table.
  //
  // Every org unit the user can see, GET /api/organisationUnits page after page (`page_size`
  // per page) until DHIS2's pager says the last one, each page read with ReadDhis2Metadata and
  // merged (parents before children). `ignored` holds each page's lines once, without the
  // pager's. Progress: phase "org units", done = org units read, total = DHIS2's total.
  core::Result<MetadataReadResult> PullOrgUnits(const store::ProgressFn& progress,
                                                int page_size = 500);

  // GET /api/metadata for org unit groups and group sets, the category model, data elements,
  // data sets, option sets and attributes (not org units: PullOrgUnits), with the fields
  // ReadDhis2Metadata reads.
  core::Result<MetadataReadResult> PullMetadata();

  // The values of `pull`, GET /api/dataValueSets in batches of org units x periods, each
  // answer read with ReadDataValueSet(kJson) into `handler`: OnGroup() once per answer, then
  // its values, with indexes that continue across answers (0, 1, ... over the whole pull).
  // Progress: phase "pull", done = requests answered, total = requests. Stops at the first
  // error (DHIS2's, the reader's or the handler's), which names the request.
  core::Status PullDataValues(const DataValuePull& pull, DataValueSetHandler& handler,
                              const store::ProgressFn& progress);

  // POST /api/dataValueSets, `options.batch_size` values per request (JSON written by
  // DataValueSetWriter), at most `parallelism` requests in flight. See PushResult for what
  // comes back and docs/DHIS2_CLIENT.md for resume. Progress (from the worker threads, never
  // two calls at once): phase "push", done = batches finished, total = batches.
  //
  // Errors (nothing sent): kInvalidArgument for a batch size of 0; kFailedPrecondition for a
  // journal that cannot be read, cannot be written or belongs to another push. Failures during
  // the push do not make an error: they are in the result (PushResult::error, the batches'
  // states), together with what was done. A journal that cannot be written any more stops the
  // push the same way.
  core::Result<PushResult> PushDataValues(std::span<const Dhis2DataValue> values,
                                          const PushOptions& options,
                                          const store::ProgressFn& progress);

 private:
  struct Impl;
  explicit Dhis2Client(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// Reads DHIS2's answer to POST /api/dataValueSets: the 2.38+ WebMessage envelope
// {httpStatus, status, message, response: {responseType: "ImportSummary", ...}} or the bare
// ImportSummary of earlier versions. Conflicts keep DHIS2's fields (a conflict without errorCode
// or indexes, as before 2.37, has them empty). `where` names the request in errors.
// Errors: kFailedPrecondition when the body is not JSON or not an import summary.
core::Result<ImportSummary> ParseImportSummary(std::string_view body, std::string_view where);

}  // namespace keneya::io

#endif  // KENEYA_IO_DHIS2_CLIENT_H_
