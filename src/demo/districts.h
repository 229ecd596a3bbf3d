// Mali's 75 health districts, as the demo pyramid uses them, and the CSV reader they come through.
//
// data/mali/districts.csv (sources and caveats in data/mali/SOURCES.txt) is embedded in the binary
// at build time (cmake/embed_file.cmake), so the demo needs no data file at run time.
//
//   Result<std::vector<District>> districts = EmbeddedDistricts();
//   for (const District& d : *districts) ...   // "Kayes", "Kayes", 14.447, -11.444 ...
//
// The CSV reader follows RFC 4180: fields separated by commas, records by CRLF or LF; a field in
// double quotes may hold commas, line breaks and doubled quotes (""). Every error says where it
// is, as "districts.csv:12:5" (line and column, both from 1; columns count characters, not bytes).
#ifndef KENEYA_DEMO_DISTRICTS_H_
#define KENEYA_DEMO_DISTRICTS_H_

#include <string>
#include <string_view>
#include <vector>

#include "core/org_unit.h"
#include "core/result.h"

namespace keneya::demo {

// One field of a CSV record, with where it starts in the file.
struct CsvField {
  std::string text;  // unquoted: surrounding quotes removed, "" turned into "
  int line = 0;      // 1-based line of the field's first character
  int column = 0;    // 1-based column (in characters) of the field's first character
};

// One record (line) of a CSV file.
struct CsvRecord {
  std::vector<CsvField> fields;
  int line = 0;  // 1-based line where the record starts
};

// Splits CSV text into records. A UTF-8 byte order mark at the start is skipped; empty lines are
// skipped; a final line break is optional. Errors (kInvalidArgument, where "<file_name>:line:col"):
// an unterminated quoted field (pointing at its opening quote), a character other than a comma or
// a line break after a closing quote, a quote inside an unquoted field.
core::Result<std::vector<CsvRecord>> ParseCsv(std::string_view text, std::string_view file_name);

// The 11 health regions, in DOMAIN.md's order: "Kayes", "Koulikoro", "Sikasso", "Ségou", "Mopti",
// "Tombouctou", "Gao", "Kidal", "Taoudénit", "Ménaka", "District de Bamako".
const std::vector<std::string_view>& HealthRegions();

// One row of districts.csv.
struct District {
  std::string region;             // one of HealthRegions()
  std::string name;               // "Kati", "Nioro du Sahel", "Commune I"
  std::string csref_town;         // where the district's CSRéf is: "Kati", "Bamako (Missira)"
  core::Coordinates coordinates;  // of the CSRéf town (GeoNames, CC BY 4.0)
  std::string source;             // the "source" column: where each fact comes from, and caveats
  bool uncertain = false;         // the source column says UNCERTAIN (see SOURCES.txt)
  // Al-Ourche: no location was found; the coordinate is a placeholder (the Taoudénit region
  // point). Use it to draw the demo, never as a real position.
  bool placeholder_coordinates = false;
  int line = 0;  // line of the row in the file, for messages
};

// Reads districts from CSV text with the header "region,district,csref_town,lat,lon,source".
// Errors (kInvalidArgument, where "<file_name>:line:col") for: a wrong header, a row without
// exactly six fields, an empty region, district or town, a region not in HealthRegions(), a
// latitude or longitude that is not a number or lies outside Mali (lat 10..25.5, lon -12.5..4.5),
// a district name given twice.
core::Result<std::vector<District>> ParseDistricts(std::string_view csv,
                                                   std::string_view file_name);

// The bytes of data/mali/districts.csv as they were at build time (generated source).
std::string_view EmbeddedDistrictsCsv();

// ParseDistricts(EmbeddedDistrictsCsv(), "districts.csv").
core::Result<std::vector<District>> EmbeddedDistricts();

}  // namespace keneya::demo

#endif  // KENEYA_DEMO_DISTRICTS_H_
