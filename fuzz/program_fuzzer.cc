// libFuzzer target for FBR program files: one input holds programme.toml and the CSV tables it
// names, each table after a line "@@ <name>" (fuzz/seeds/program/ are the real programs so
// joined). Parsed (TOML syntax, keys, CSV headers and cells) then compiled (formulas). Beyond "no
// crash": every problem has a place and reads as valid UTF-8 in English and French; a program
// without problems has text fields that are valid UTF-8; the same files give the same problems
// twice.
#include <cstddef>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "fuzz/fuzz_support.h"
#include "rules/engine.h"
#include "rules/program_file.h"

namespace keneya::fuzz {
namespace {

// "programme.toml" first, then each "\n@@ name\n" chunk as a file of that name.
std::vector<std::pair<std::string_view, std::string_view>> Files(std::string_view bytes) {
  std::vector<std::pair<std::string_view, std::string_view>> files;
  constexpr std::string_view kMark = "\n@@ ";
  size_t end = bytes.find(kMark);
  files.emplace_back("programme.toml", bytes.substr(0, end));
  while (end != std::string_view::npos) {
    const size_t name_start = end + kMark.size();
    const size_t name_end = bytes.find('\n', name_start);
    if (name_end == std::string_view::npos) break;
    end = bytes.find(kMark, name_end);
    const std::string_view name = bytes.substr(name_start, name_end - name_start);
    if (name.empty() || name.ends_with(".toml")) continue;  // one TOML file only
    files.emplace_back(
        name, bytes.substr(name_end + 1, end == std::string_view::npos ? std::string_view::npos
                                                                       : end - name_end - 1));
  }
  return files;
}

std::string Said(const std::vector<rules::ProgramProblem>& problems) {
  std::string all;
  for (const rules::ProgramProblem& p : problems) {
    Require(!p.place.empty() && !p.where.empty(), "a problem without a place", p.ToString());
    Require(core::IsValidUtf8(p.ToString()), "a problem's English is not UTF-8", p.ToString());
    std::string french = core::Render(p.text, core::Language::kFrench);
    for (const core::Message& place : p.place)
      french += core::Render(place, core::Language::kFrench);
    Require(core::IsValidUtf8(french), "a problem's French is not UTF-8", p.ToString());
    all += p.ToString() + "\n";
  }
  return all;
}

std::string Check(const rules::ProgramSource& source) {
  rules::ParsedProgram parsed = rules::ParseProgram(source);
  std::string said = Said(parsed.problems);
  if (!parsed.ok()) return said;
  std::vector<rules::ProgramProblem> problems;
  rules::CompiledProgram compiled = rules::CompiledProgram::Compile(parsed.program, problems);
  said += Said(problems);
  if (!problems.empty()) return said;
  const rules::Program& p = parsed.program;
  std::string text = p.code + p.name + p.name_en + p.description;
  for (const rules::Package& package : p.packages) {
    text += package.code + package.name + package.name_en;
    for (const rules::Activity& a : package.activities) text += a.code + a.name + a.data_element;
  }
  Require(core::IsValidUtf8(text), "an accepted program holds text that is not UTF-8", text);
  return said;
}

}  // namespace
}  // namespace keneya::fuzz

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace keneya;
  using namespace keneya::fuzz;
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  auto source = rules::ProgramSourceFromFiles(Files(bytes));
  if (!source.ok()) {
    RequireReadable(source.error());
    return 0;
  }
  const std::string first = Check(*source);
  Require(Check(*source) == first, "the same files gave other problems");
  return 0;
}
