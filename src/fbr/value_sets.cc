#include "fbr/value_sets.h"

#include <algorithm>
#include <memory>

#include "fbr/workflow.h"

namespace keneya::fbr {

core::Result<io::ImportSummary> ImportValueSet(store::Store& store, const Sight& sight,
                                               io::DataFormat format, std::string_view bytes,
                                               io::ImportOptions options,
                                               std::string_view file_name) {
  const auth::Action write = auth::WriteValue(options.state);
  // A user who may write this state nowhere is refused before the body is read.
  const bool anywhere =
      sight.user().operator_of_database ||
      std::any_of(sight.user().grants.begin(), sight.user().grants.end(),
                  [&](const auth::Grant& grant) {
                    return auth::RoleAllows(grant.role, auth::Resource::kDataValue, write);
                  });
  if (!anywhere) {
    return auth::Authorize(auth::Principal{}, auth::Resource::kDataValue, write, nullptr).error();
  }
  options.may_see = [&sight](const core::OrgUnit& unit) {
    return sight.Allows(unit, auth::Resource::kDataValue);
  };
  options.may_write = [&sight, write](const core::OrgUnit& unit) {
    return sight.Allows(unit, auth::Resource::kDataValue, write);
  };
  // The workflow's locks: a value of a declared, validated or approved period is a conflict.
  auto guard = std::make_shared<WriteGuard>(store, sight.directory());
  options.locked =
      [guard](
          const core::DataValueKey& key) -> core::Result<std::optional<io::ImportOptions::Lock>> {
    core::Status status = guard->Check(key);
    if (status.ok()) return std::optional<io::ImportOptions::Lock>();
    if (status.error().code != core::ErrorCode::kConflict) return status.error();
    const bool approved = status.error().text.id() == "fbr.run.value_locked";
    return std::optional<io::ImportOptions::Lock>(
        io::ImportOptions::Lock{approved ? "E7642" : "E7643", status.error().text});
  };
  io::Importer importer(store, std::move(options));
  return importer.Import(format, bytes, file_name, nullptr);
}

core::Result<int64_t> ExportValueSet(store::Store& store, const Sight& sight,
                                     io::ExportOptions options, std::ostream& out) {
  options.may_see = [&sight](const core::OrgUnit& unit) {
    return sight.Allows(unit, auth::Resource::kDataValue);
  };
  return io::ExportDataValues(store, options, out, nullptr);
}

}  // namespace keneya::fbr
