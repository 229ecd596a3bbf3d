#include "io/mapped_file.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <utility>

namespace keneya::io {

core::Result<MappedFile> MappedFile::Open(const std::string& path, Map map) {
  const int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return core::NotFound(core::Message("io.file.cannot_open"), path);
  struct stat info {};
  if (fstat(fd, &info) != 0 || !S_ISREG(info.st_mode)) {
    close(fd);
    return core::FailedPrecondition(core::Message("io.file.cannot_read"), path);
  }
  MappedFile file;
  file.size_ = static_cast<size_t>(info.st_size);
  const size_t page = static_cast<size_t>(sysconf(_SC_PAGESIZE));
  // Zeroed pages reserved first, the file mapped over their start: the file's last page is
  // zero after its end, and the reserved pages after it give the rest of the padding.
  file.mapped_size_ = (file.size_ + kMappedPadding + page - 1) / page * page;
  file.mapped_ = mmap(nullptr, file.mapped_size_, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (file.mapped_ == MAP_FAILED) {
    file.mapped_ = nullptr;
    close(fd);
    return core::Unavailable(core::Message("io.file.cannot_read"), path);
  }
  const int populate = map == Map::kAll ? MAP_POPULATE : 0;
  if (file.size_ > 0 && mmap(file.mapped_, file.size_, PROT_READ,
                             MAP_PRIVATE | MAP_FIXED | populate, fd, 0) == MAP_FAILED) {
    close(fd);
    return core::Unavailable(core::Message("io.file.cannot_read"), path);
  }
  close(fd);
  return file;
}

MappedFile::MappedFile(MappedFile&& other) noexcept
    : mapped_(std::exchange(other.mapped_, nullptr)),
      mapped_size_(std::exchange(other.mapped_size_, 0)),
      size_(std::exchange(other.size_, 0)) {}

MappedFile& MappedFile::operator=(MappedFile&& other) noexcept {
  if (this != &other) {
    Release();
    mapped_ = std::exchange(other.mapped_, nullptr);
    mapped_size_ = std::exchange(other.mapped_size_, 0);
    size_ = std::exchange(other.size_, 0);
  }
  return *this;
}

MappedFile::~MappedFile() { Release(); }

void MappedFile::Drop(size_t offset) {
  const size_t page = static_cast<size_t>(sysconf(_SC_PAGESIZE));
  const size_t bytes = std::min(offset, size_) / page * page;
  if (mapped_ != nullptr && bytes > 0) madvise(mapped_, bytes, MADV_DONTNEED);
}

bool MappedFile::Set(size_t offset, char c) {
  if (mapped_ == nullptr || offset >= size_) return false;
  const size_t page = static_cast<size_t>(sysconf(_SC_PAGESIZE));
  char* const start = static_cast<char*>(mapped_) + offset / page * page;
  if (mprotect(start, page, PROT_READ | PROT_WRITE) != 0) return false;
  static_cast<char*>(mapped_)[offset] = c;
  mprotect(start, page, PROT_READ);
  return true;
}

void MappedFile::Release() {
  if (mapped_ != nullptr) munmap(mapped_, mapped_size_);
  mapped_ = nullptr;
  mapped_size_ = 0;
  size_ = 0;
}

}  // namespace keneya::io
