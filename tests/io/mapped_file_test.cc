// io::MappedFile: a file's text in place, zeros after it for the readers' padding.
#include "io/mapped_file.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>

namespace keneya::io {
namespace {

namespace fs = std::filesystem;

class MappedFileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("keneya_mapped_" + std::to_string(getpid()));
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  std::string Write(const std::string& name, const std::string& text) {
    const std::string path = (dir_ / name).string();
    std::ofstream(path, std::ios::binary) << text;
    return path;
  }
  fs::path dir_;
};

TEST_F(MappedFileTest, TheTextIsFollowedByZerosEvenWhenItFillsItsLastPage) {
  const size_t page = static_cast<size_t>(sysconf(_SC_PAGESIZE));
  for (size_t size : {size_t{1}, page - 1, page, 3 * page}) {
    const std::string text(size, 'x');
    auto file = MappedFile::Open(Write("f" + std::to_string(size), text));
    ASSERT_TRUE(file.ok()) << file.error().ToString();
    EXPECT_EQ(file->text(), text);
    ASSERT_GE(file->capacity(), size + kMappedPadding);
    for (size_t i = size; i < size + kMappedPadding; ++i) {
      ASSERT_EQ(file->text().data()[i], '\0') << "byte " << i << " of a " << size << "-byte file";
    }
  }
}

TEST_F(MappedFileTest, AnEmptyFileIsAnEmptyTextWithItsPadding) {
  auto file = MappedFile::Open(Write("empty", ""));
  ASSERT_TRUE(file.ok());
  EXPECT_TRUE(file->text().empty());
  EXPECT_GE(file->capacity(), kMappedPadding);
}

TEST_F(MappedFileTest, AMissingFileIsNotFoundAndADirectoryIsNotAFile) {
  auto missing = MappedFile::Open((dir_ / "missing.json").string());
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().code, core::ErrorCode::kNotFound);
  auto directory = MappedFile::Open(dir_.string());
  ASSERT_FALSE(directory.ok());
  // Not a regular file: the readers read such a source as a stream instead.
  EXPECT_EQ(directory.error().code, core::ErrorCode::kFailedPrecondition);
}

TEST_F(MappedFileTest, ABytesSetInTheTextIsThisProcesssOnly) {
  const std::string path = Write("set.json", "{\"a\": 1,\n\"b\": 2}");
  auto file = MappedFile::Open(path);
  ASSERT_TRUE(file.ok()) << file.error().ToString();
  ASSERT_TRUE(file->Set(7, '}'));
  EXPECT_EQ(file->text(), "{\"a\": 1}\n\"b\": 2}");
  EXPECT_FALSE(file->Set(file->text().size(), 'x'));  // past the text
  std::ifstream in(path, std::ios::binary);
  const std::string on_disk((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_EQ(on_disk, "{\"a\": 1,\n\"b\": 2}");
  ASSERT_TRUE(file->Set(7, ','));
  EXPECT_EQ(file->text(), on_disk);
}

TEST_F(MappedFileTest, MovedAndReleased) {
  auto file = MappedFile::Open(Write("moved", "{\"a\": 1}"));
  ASSERT_TRUE(file.ok());
  MappedFile moved = std::move(file).value();
  EXPECT_EQ(moved.text(), "{\"a\": 1}");
  moved.Release();
  EXPECT_TRUE(moved.text().empty());
  EXPECT_EQ(moved.capacity(), 0u);
}

}  // namespace
}  // namespace keneya::io
