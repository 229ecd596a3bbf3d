// DHIS2 metadata JSON <-> core::MetadataBundle.
//
// Reads what DHIS2 writes for GET /api/metadata (an object of collections: "organisationUnits",
// "categoryCombos", "dataElements"...) and for GET /api/organisationUnits (the same object, paged
// or not), and writes a bundle back in that shape for POST /api/metadata. docs/DHIS2_METADATA.md
// gives the mapping field by field and says what is not kept and why.
//
//   Result<MetadataReadResult> read = ReadDhis2Metadata(text, "metadata.json");
//   if (!read.ok()) return read.error();        // where: "metadata.json:12:7" or
//                                               // "metadata.json: organisationUnits[3].parent"
//   for (const core::Message& line : read->ignored_text)
//     std::cout << core::Render(line, language) << "\n";
//   Status s = read->bundle.Validate();         // what the file leaves unresolved
//
//   Result<std::string> json = WriteDhis2Metadata(bundle);   // Read(*json) gives back bundle
#ifndef KENEYA_IO_DHIS2_METADATA_H_
#define KENEYA_IO_DHIS2_METADATA_H_

#include <string>
#include <string_view>
#include <vector>

#include "core/message.h"
#include "core/metadata.h"
#include "core/result.h"

namespace keneya::io {

struct MetadataReadResult {
  // The objects of the file, with store ids 0. References are kept as the file gives them, even
  // when they point outside the file: bundle.Validate() reports them.
  core::MetadataBundle bundle;
  // What the file holds that the bundle does not, one line each, with why:
  //   "users (3): Keneya manages its own users"                     (a whole collection)
  //   "dataElement vbZ5LGNfGyy \"TA Yes No\": domainType TRACKER..." (one object)
  //   "dataElements: fields not kept: aggregationType, formName"    (fields, per collection)
  // Bookkeeping fields (created, lastUpdated, sharing, translations, display names...) are
  // dropped without a line. Empty for a file Keneya wrote from a valid bundle, apart from the
  // "fields not kept" lines for the DHIS2-only fields the writer adds.
  std::vector<std::string> ignored;
  // The same lines for people, by id: ignored_text[i] is ignored[i] in any language.
  std::vector<core::Message> ignored_text;
};

// Parses DHIS2 metadata JSON. `file_name` is only used in error locations.
//
// The bundle follows DHIS2's data as Keneya models it: org units come parents first, with the
// level and path DHIS2 omitted derived from the parent chain within the file (a parent outside
// the file leaves them as far as they can be computed); group membership is the union of both
// directions and sorted; a category option combo's options follow its combo's categories; DHIS2's
// "default" category objects are added when the file refers to them without defining them.
//
// Errors (code kInvalidArgument; nothing is returned but the error): malformed JSON (where =
// "<file_name>:<line>:<column>", columns in characters), a root that is not an object, a
// collection that is not an array, an object without an id, a field of the wrong JSON type, an
// unknown valueType, periodType, dataDimensionType or keneyaType, a missing valueType (data
// elements) or periodType (data sets), which DHIS2 requires, a date that is not
// yyyy-MM-dd[THH:mm...], a Point that is not [longitude, latitude], a reference that is not
// {"id": "<uid>"} (where = "<file_name>: <collection>[<index>].<field>", e.g.
// "metadata.json: organisationUnits[3].parent"; the message names the object by uid).
core::Result<MetadataReadResult> ReadDhis2Metadata(std::string_view json,
                                                   std::string_view file_name);

// Writes `bundle` as pretty-printed DHIS2 metadata JSON (2-space indent, a final newline) that
// POST /api/metadata accepts, plus the Keneya-only keys "keneyaType" (org units),
// "keneyaExclusive" (group sets) and "keneyaCoordinates" (the point of an org unit that also has
// an area), which DHIS2 ignores. ReadDhis2Metadata of the result gives back `bundle` (store ids
// aside) when the bundle passes Validate(), its org units and data elements have short names and
// its options names (DHIS2 requires them; the writer fills them from the name or code).
//
// Errors (kInvalidArgument, naming the object): an object or option without a uid (DHIS2 needs
// one; Validate() reports the objects' but not the options'), a geometry that is not a JSON
// object, coordinates that are not finite numbers, text that is not valid UTF-8.
core::Result<std::string> WriteDhis2Metadata(const core::MetadataBundle& bundle);

}  // namespace keneya::io

#endif  // KENEYA_IO_DHIS2_METADATA_H_
