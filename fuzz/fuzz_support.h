// What every libFuzzer target of fuzz/ shares: invariants that stop the campaign with their
// reason, a throwaway SQLite store holding the DHIS2 test metadata, the fixtures' place.
#ifndef KENEYA_FUZZ_FUZZ_SUPPORT_H_
#define KENEYA_FUZZ_FUZZ_SUPPORT_H_

#include <sqlite3.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <string_view>

#include "core/result.h"
#include "core/text.h"
#include "io/dhis2_metadata.h"
#include "store/store.h"

namespace keneya::fuzz {

// A broken invariant: says which and aborts, so that libFuzzer keeps the input as a crash.
[[noreturn]] inline void Broken(std::string_view what, std::string_view detail = {}) {
  std::fprintf(stderr, "fuzz: invariant broken: %.*s\n%.*s\n", static_cast<int>(what.size()),
               what.data(), static_cast<int>(detail.size()), detail.data());
  std::abort();
}
inline void Require(bool holds, std::string_view what, std::string_view detail = {}) {
  if (!holds) Broken(what, detail);
}

inline std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) Broken("cannot read a fixture", path);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

// Every rendering of an error, in English and French, is valid UTF-8 whatever the input held.
inline void RequireReadable(const core::Error& error) {
  Require(core::IsValidUtf8(error.ToString()), "an error's English is not UTF-8", error.ToString());
  Require(core::IsValidUtf8(core::Describe(error, core::Language::kFrench)),
          "an error's French is not UTF-8", error.ToString());
}

// A SQLite store with the DHIS2 2.40 test metadata (tests/io/testdata), made once as a template
// and copied afresh every `reset_every` inputs, so that values do not pile up and each stretch of
// the campaign starts from the same state.
class FuzzStore {
 public:
  explicit FuzzStore(int reset_every) : reset_every_(reset_every) {
    // tmpfs when there is one: a commit need not wait for a disk.
    char pattern[] = "/dev/shm/keneya-fuzz-XXXXXX";
    if (!std::filesystem::is_directory("/dev/shm")) std::strcpy(pattern, "/tmp/keneya-fuzz-XXXXXX");
    if (mkdtemp(pattern) == nullptr) Broken("cannot make a temporary directory");
    directory_ = pattern;
    template_ = directory_ + "/template.db";
    auto store = store::OpenStore(template_);
    if (!store.ok()) Broken("cannot create the template store", store.error().ToString());
    auto read = io::ReadDhis2Metadata(ReadFile(KENEYA_FUZZ_METADATA), "metadata-for-tests.json");
    if (!read.ok()) Broken("cannot read the test metadata", read.error().ToString());
    auto saved = (*store)->SaveMetadata(read->bundle, {"fuzz", "fuzz", ""});
    if (!saved.ok()) Broken("cannot save the test metadata", saved.error().ToString());
  }
  ~FuzzStore() {
    store_.reset();
    sqlite3_close(watcher_);
    std::error_code ignored;
    std::filesystem::remove_all(directory_, ignored);
  }

  // The store for the next input.
  store::Store& Next() {
    fresh_ = false;
    if (store_ == nullptr || ++uses_ >= reset_every_) {
      fresh_ = true;
      store_.reset();
      sqlite3_close(watcher_);
      watcher_ = nullptr;
      uses_ = 0;
      const std::string work = directory_ + "/work.db";
      for (const char* suffix : {"", "-wal", "-shm"}) {
        std::error_code ignored;
        std::filesystem::remove(work + suffix, ignored);
      }
      std::filesystem::copy_file(template_, work);
      auto opened = store::OpenStore(work);
      if (!opened.ok()) Broken("cannot open the work store", opened.error().ToString());
      store_ = std::move(opened).value();
      if (sqlite3_open_v2(work.c_str(), &watcher_, SQLITE_OPEN_READONLY, nullptr) != SQLITE_OK) {
        Broken("cannot watch the work store");
      }
    }
    return *store_;
  }

  // SQLite's data_version, seen from a connection of our own: it changes when, and only when,
  // another connection (the store's) commits a write. Equal before and after an import: the
  // import wrote nothing.
  int64_t Revision() {
    sqlite3_stmt* statement = nullptr;
    if (sqlite3_prepare_v2(watcher_, "PRAGMA data_version", -1, &statement, nullptr) != SQLITE_OK ||
        sqlite3_step(statement) != SQLITE_ROW) {
      Broken("cannot read the store's data_version", sqlite3_errmsg(watcher_));
    }
    const int64_t version = sqlite3_column_int64(statement, 0);
    sqlite3_finalize(statement);
    return version;
  }
  // Whether Next() gave a store copied afresh from the template.
  bool fresh() const { return fresh_; }

 private:
  int reset_every_;
  int uses_ = 0;
  bool fresh_ = false;
  std::string directory_;
  std::string template_;
  std::unique_ptr<store::Store> store_;
  sqlite3* watcher_ = nullptr;
};

}  // namespace keneya::fuzz

#endif  // KENEYA_FUZZ_FUZZ_SUPPORT_H_
