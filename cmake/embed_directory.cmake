# Turns the files of a directory (a program: programme.toml and its CSV files) into a C++ source
# that returns their names and bytes, so the program needs no data file at run time. Run as a
# script:
#
#   cmake -DINPUT_DIR=programs/reference -DOUTPUT=reference_program.cc \
#         -DHEADER=bench/reference_scenario.h -DNAMESPACE=keneya::bench \
#         -DFUNCTION=EmbeddedReferenceProgram -P cmake/embed_directory.cmake
#
# The source defines
#   std::vector<std::pair<std::string_view, std::string_view>> NAMESPACE::FUNCTION()
# (file name, content), declared in HEADER, files in name order. Bytes are written as
# hexadecimal numbers, so any content survives unchanged. OUTPUT is rewritten only when its
# content changes.
cmake_policy(VERSION 3.25)

foreach(var INPUT_DIR OUTPUT HEADER NAMESPACE FUNCTION)
  if(NOT DEFINED ${var} OR "${${var}}" STREQUAL "")
    message(FATAL_ERROR "embed_directory.cmake: -D${var}=... is required")
  endif()
endforeach()
if(NOT IS_DIRECTORY "${INPUT_DIR}")
  message(FATAL_ERROR "embed_directory.cmake: ${INPUT_DIR} is not a directory")
endif()

file(GLOB files RELATIVE "${INPUT_DIR}" "${INPUT_DIR}/*.toml" "${INPUT_DIR}/*.csv")
list(SORT files)
string(REPEAT "0x[0-9a-f][0-9a-f]," 16 sixteen_bytes)
set(arrays "")
set(entries "")
set(index 0)
foreach(name IN LISTS files)
  file(READ "${INPUT_DIR}/${name}" hex HEX)
  string(LENGTH "${hex}" hex_length)
  math(EXPR byte_count "${hex_length} / 2")
  string(REGEX REPLACE "([0-9a-f][0-9a-f])" "0x\\1," bytes "${hex}")
  string(REGEX REPLACE "(${sixteen_bytes})" "\\1\n    " bytes "${bytes}")
  string(APPEND arrays "// ${name}: ${byte_count} bytes, then a zero that is not part of it.\n")
  string(APPEND arrays "constexpr unsigned char kFile${index}[] = {\n    ${bytes}0x00};\n\n")
  string(APPEND entries "      {\"${name}\", std::string_view(reinterpret_cast<const char*>(kFile${index}), ${byte_count})},\n")
  math(EXPR index "${index} + 1")
endforeach()

file(CONFIGURE OUTPUT "${OUTPUT}" @ONLY CONTENT
"// Generated from the files of a directory by cmake/embed_directory.cmake. Do not edit.
#include \"@HEADER@\"

namespace @NAMESPACE@ {
namespace {

@arrays@}  // namespace

std::vector<std::pair<std::string_view, std::string_view>> @FUNCTION@() {
  return {
@entries@  };
}

}  // namespace @NAMESPACE@
")
