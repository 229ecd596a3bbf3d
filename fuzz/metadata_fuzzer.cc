// libFuzzer target for DHIS2 metadata files (io::ReadDhis2Metadata). Beyond "no crash":
// - a refused file's error reads as valid UTF-8 in English and French;
// - an accepted file writes back (WriteDhis2Metadata) as valid UTF-8 JSON that reads again, and
//   writing that gives the same text (the writer and the reader agree);
// - saved into a store holding DHIS2's test metadata, a bundle the store refuses leaves the
//   store as it was (no commit: SQLite's data_version, seen from a second connection, has not
//   moved), and one it takes reads back and writes as valid UTF-8.
#include <cstddef>
#include <cstdint>
#include <string>

#include "fuzz/fuzz_support.h"

namespace keneya::fuzz {
namespace {

// The store's metadata, written as DHIS2 JSON.
std::string StoredMetadata(store::Store& store) {
  auto loaded = store.LoadMetadata();
  if (!loaded.ok()) Broken("the store's metadata does not load", loaded.error().ToString());
  auto written = io::WriteDhis2Metadata(*loaded);
  if (!written.ok()) Broken("the store's metadata does not write", written.error().ToString());
  Require(core::IsValidUtf8(*written), "the store's metadata is not UTF-8", *written);
  return *written;
}

}  // namespace
}  // namespace keneya::fuzz

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace keneya;
  using namespace keneya::fuzz;
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  auto read = io::ReadDhis2Metadata(bytes, "fuzz.json");
  if (!read.ok()) {
    RequireReadable(read.error());
    return 0;
  }
  auto written = io::WriteDhis2Metadata(read->bundle);
  if (!written.ok()) {
    // The writer refuses what DHIS2 could not take (an option without a uid...), in words.
    RequireReadable(written.error());
    return 0;
  }
  Require(core::IsValidUtf8(*written), "the written metadata is not UTF-8", *written);
  auto again = io::ReadDhis2Metadata(*written, "written.json");
  if (!again.ok()) Broken("the written metadata does not read again", again.error().ToString());
  auto rewritten = io::WriteDhis2Metadata(again->bundle);
  if (!rewritten.ok())
    Broken("the metadata read again does not write", rewritten.error().ToString());
  Require(*rewritten == *written, "writing, reading and writing again changed the metadata",
          *written + "\n---\n" + *rewritten);

  static FuzzStore stores(/*reset_every=*/50);
  store::Store& store = stores.Next();
  const int64_t before = stores.Revision();
  core::Status saved = store.SaveMetadata(read->bundle, {"fuzz", "fuzz", ""});
  if (!saved.ok()) {
    RequireReadable(saved.error());
    Require(stores.Revision() == before, "metadata the store refused was committed",
            saved.error().ToString());
    return 0;
  }
  (void)StoredMetadata(store);  // what the store took reads back and writes as UTF-8
  return 0;
}
