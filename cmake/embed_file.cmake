# Turns a data file into a C++ source that returns its bytes, so the program needs no data file at
# run time. Run as a script:
#
#   cmake -DINPUT=data/mali/districts.csv -DOUTPUT=districts_data.cc \
#         -DHEADER=demo/districts.h -DNAMESPACE=keneya::demo -DFUNCTION=EmbeddedDistrictsCsv \
#         -P cmake/embed_file.cmake
#
# The source defines `std::string_view NAMESPACE::FUNCTION()`, declared in HEADER. The bytes are
# written as hexadecimal numbers, so any content (quotes, UTF-8, backslashes) survives unchanged.
# OUTPUT is rewritten only when its content changes, so an unchanged input rebuilds nothing.
cmake_policy(VERSION 3.25)

foreach(var INPUT OUTPUT HEADER NAMESPACE FUNCTION)
  if(NOT DEFINED ${var} OR "${${var}}" STREQUAL "")
    message(FATAL_ERROR "embed_file.cmake: -D${var}=... is required")
  endif()
endforeach()
if(NOT EXISTS "${INPUT}")
  message(FATAL_ERROR "embed_file.cmake: input file ${INPUT} does not exist")
endif()

file(READ "${INPUT}" hex HEX)
string(LENGTH "${hex}" hex_length)
math(EXPR byte_count "${hex_length} / 2")
string(REGEX REPLACE "([0-9a-f][0-9a-f])" "0x\\1," bytes "${hex}")
# Sixteen bytes per line keeps the generated file readable (CMake regexes have no {16}).
string(REPEAT "0x[0-9a-f][0-9a-f]," 16 sixteen_bytes)
string(REGEX REPLACE "(${sixteen_bytes})" "\\1\n    " bytes "${bytes}")
get_filename_component(input_name "${INPUT}" NAME)

file(CONFIGURE OUTPUT "${OUTPUT}" @ONLY CONTENT
"// Generated from ${input_name} by cmake/embed_file.cmake. Do not edit.
#include \"@HEADER@\"

namespace @NAMESPACE@ {
namespace {

// @byte_count@ bytes, then a terminating zero that is not part of the content.
constexpr unsigned char kBytes[] = {
    @bytes@0x00};

}  // namespace

std::string_view @FUNCTION@() {
  return std::string_view(reinterpret_cast<const char*>(kBytes), @byte_count@);
}

}  // namespace @NAMESPACE@
")
