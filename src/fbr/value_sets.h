// DHIS2 data value sets read and written by a user through the server's DHIS2-compatible
// endpoints: the io importer and exporter, bounded by what the user may see and write
// (docs/ACCESS.md). An org unit outside the user's sight is one that does not exist (E7612 in
// an import, "not found" in an export); one the user sees but may not write the state at is
// refused per value (E7617).
#ifndef KENEYA_FBR_VALUE_SETS_H_
#define KENEYA_FBR_VALUE_SETS_H_

#include <memory>
#include <ostream>
#include <string_view>

#include "core/result.h"
#include "fbr/directory.h"
#include "io/exporter.h"
#include "io/import_summary.h"
#include "io/importer.h"
#include "store/store.h"

namespace keneya::fbr {

// Imports `bytes` as io::Importer::Import does, as the user. `options.metadata` should be the
// directory's bundle (the caller's shared copy). An Error only when the store fails.
core::Result<io::ImportSummary> ImportValueSet(store::Store& store, const Sight& sight,
                                               io::DataFormat format, std::string_view bytes,
                                               io::ImportOptions options,
                                               std::string_view file_name);

// Writes the values the options select that the user may read (io::ExportDataValues).
core::Result<int64_t> ExportValueSet(store::Store& store, const Sight& sight,
                                     io::ExportOptions options, std::ostream& out);

}  // namespace keneya::fbr

#endif  // KENEYA_FBR_VALUE_SETS_H_
