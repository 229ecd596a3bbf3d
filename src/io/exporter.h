// Exports the store's data values as a DHIS2 data value set (JSON, XML, CSV or ADX), one FBR state
// per export, the objects named by the id scheme chosen (uid by default).
//
//   ExportOptions options;
//   options.format = DataFormat::kCsv;
//   options.state = "verified";
//   Result<int64_t> written = ExportDataValues(store, options, out, progress);
#ifndef KENEYA_IO_EXPORTER_H_
#define KENEYA_IO_EXPORTER_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "core/result.h"
#include "core/timestamp.h"
#include "io/data_value_set.h"
#include "io/dhis2_client.h"
#include "io/id_scheme.h"
#include "store/store.h"

namespace keneya::io {

struct ExportOptions {
  DataFormat format = DataFormat::kJson;
  std::string state = "verified";
  std::vector<std::string> data_sets;  // uids; empty: every data element
  std::vector<std::string> periods;    // DHIS2 identifiers; empty: every period
  std::string org_unit;                // uid of a subtree root; empty: everywhere
  IdScheme scheme;                     // how objects are named in the file
  bool include_deleted = false;        // write deleted values too, with deleted=true
  // DHIS2's orgUnit and children parameters: values of these org units (uids or codes), and of
  // everything below them when `children`. With `org_unit` too, both must hold.
  std::vector<std::string> org_units;
  bool children = false;
  // DHIS2's startDate and endDate: values of periods that lie within these days, both included.
  std::optional<core::Date> start_date, end_date;
  // DHIS2's lastUpdated and lastUpdatedDuration: values changed at or after this time.
  std::optional<core::TimestampMs> updated_since;
  // Where the reader may read (the server's DHIS2 endpoint); unset: everywhere. Values elsewhere
  // are left out, and an org unit named above that it refuses is one that does not exist.
  std::function<bool(const core::OrgUnit&)> may_see;
  // The store's metadata when the caller holds it (the server); null: loaded from the store.
  std::shared_ptr<const core::MetadataBundle> metadata;
};

// The values the options select, with uids, for a push to DHIS2 (Dhis2Client::PushDataValues).
core::Result<std::vector<Dhis2DataValue>> ValuesForPush(store::Store& store,
                                                        const ExportOptions& options);

// Writes the values and returns how many were written. Errors name the option at fault (an
// unknown state, data set, period or org unit).
core::Result<int64_t> ExportDataValues(store::Store& store, const ExportOptions& options,
                                       std::ostream& out, const store::ProgressFn& progress);

}  // namespace keneya::io

#endif  // KENEYA_IO_EXPORTER_H_
