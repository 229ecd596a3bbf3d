// A file's text mapped in place, for readers that read it once: the system's cached pages are
// the text (no copy into the process, no page of its own faulted in for it), followed by at
// least kMappedPadding zero bytes (simdjson reads a little past the end of its text). A reader
// that goes through a large file front to back gives back what it has read (Drop): the process
// then holds a window of the file, not the whole of it.
//
//   KENEYA_ASSIGN_OR_RETURN(io::MappedFile file, io::MappedFile::Open("values.json"));
//   Parse(file.text(), file.capacity());
#ifndef KENEYA_IO_MAPPED_FILE_H_
#define KENEYA_IO_MAPPED_FILE_H_

#include <cstddef>
#include <string>
#include <string_view>

#include "core/result.h"

namespace keneya::io {

inline constexpr size_t kMappedPadding = 64;

class MappedFile {
 public:
  // kNotFound when the file cannot be opened; kFailedPrecondition when it is not a regular file
  // (a pipe, a device: read those as a stream).
  // kAll maps every page at once (one system call rather than a fault per few pages, for a text
  // read whole); kAsRead maps them as they are read (for a text read front to back and dropped).
  enum class Map { kAll, kAsRead };
  static core::Result<MappedFile> Open(const std::string& path, Map map = Map::kAll);

  MappedFile() = default;
  MappedFile(MappedFile&& other) noexcept;
  MappedFile& operator=(MappedFile&& other) noexcept;
  MappedFile(const MappedFile&) = delete;
  MappedFile& operator=(const MappedFile&) = delete;
  ~MappedFile();

  std::string_view text() const { return {static_cast<const char*>(mapped_), size_}; }
  // Readable bytes from text().data(): the text and the zeros after it.
  size_t capacity() const { return mapped_size_; }
  // Gives back the pages that hold only text before `offset`: they leave the process's memory
  // and come back from the file if read again (views stay valid).
  void Drop(size_t offset);
  // Sets the text's byte at `offset` in this process's copy of its page (the file is left as it
  // is). False when the page cannot be written.
  bool Set(size_t offset, char c);
  // Unmaps the text now (views into it become invalid).
  void Release();

 private:
  void* mapped_ = nullptr;
  size_t mapped_size_ = 0;
  size_t size_ = 0;
};

}  // namespace keneya::io

#endif  // KENEYA_IO_MAPPED_FILE_H_
