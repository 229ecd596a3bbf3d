// The DHIS2 fixtures of the io tests (tests/io/testdata/dhis2), read whole.
#ifndef KENEYA_TESTS_IO_FIXTURE_H_
#define KENEYA_TESTS_IO_FIXTURE_H_

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <string>

namespace keneya::io {

// The bytes of tests/io/testdata/dhis2/<name>; a file that cannot be read fails the test.
inline std::string Fixture(const std::string& name) {
  std::ifstream in(std::string(KENEYA_IO_TESTDATA) + "/dhis2/" + name, std::ios::binary);
  EXPECT_TRUE(in) << name;
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

}  // namespace keneya::io

#endif  // KENEYA_TESTS_IO_FIXTURE_H_
