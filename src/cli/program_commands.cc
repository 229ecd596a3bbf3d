// keneya check, keneya program load and list: a program's files checked, stored as a version,
// and the versions listed with the days each one takes.
#include <algorithm>
#include <memory>
#include <optional>
#include <vector>

#include "cli/cli_util.h"
#include "cli/fbr_commands_internal.h"
#include "core/format.h"
#include "core/message.h"
#include "fbr/invoice_run.h"
#include "fbr/programs.h"
#include "rules/program_file.h"
#include "store/fbr_records.h"

namespace keneya::cli {

using core::Grouped;
using core::Language;
using core::Message;
using core::Text;

namespace {

void PrintProblems(const Context& c, const std::vector<rules::ProgramProblem>& problems) {
  *c.err << Text(c.language, problems.size() == 1 ? "cli.check.problems_one" : "cli.check.problems",
                 {{"count", problems.size()}})
         << "\n";
  for (const rules::ProgramProblem& p : problems) {
    *c.err << "  " << p.Describe(c.language) << "\n";
  }
}

// "à partir du 2024-04-01", "du 2022-01-01 au 2022-12-31".
Message Days(const core::Date& from, const std::optional<core::Date>& to) {
  if (!to) return Message("cli.program.days_from", {{"from", from.ToString()}});
  return Message("cli.program.days_between", {{"from", from.ToString()}, {"to", to->ToString()}});
}

}  // namespace

int RunCheck(const Context& c, const CheckOptions& o) {
  const Language l = c.language;
  auto source = rules::ReadProgramSource(o.program);
  if (!source.ok()) return Fail(c, source.error());
  std::optional<core::MetadataBundle> metadata;
  std::optional<std::vector<core::State>> states;
  std::unique_ptr<store::Store> store;
  if (o.with_db || !o.period.empty()) {
    auto opened = Open(c);
    if (!opened.ok()) return Fail(c, opened.error());
    store = std::move(opened).value();
    auto loaded = store->LoadMetadata();
    if (!loaded.ok()) return Fail(c, loaded.error());
    metadata = std::move(loaded).value();
    auto s = store->States();
    if (!s.ok()) return Fail(c, s.error());
    states = std::move(s).value();
  }
  fbr::CheckedProgram checked =
      fbr::CheckProgram(*source, metadata ? &*metadata : nullptr, states ? &*states : nullptr);
  if (!checked.ok()) {
    *c.err << Text(l, "cli.check.refused", {{"file", source->toml_name}}) << "\n";
    PrintProblems(c, checked.problems);
    return 1;
  }
  const size_t packages = checked.program.packages.size();
  const size_t payments = checked.program.payments.size();
  const Message contents(
      metadata ? "cli.check.contents_names_checked" : "cli.check.contents",
      {{"packages", Message(packages == 1 ? "cli.check.packages_one" : "cli.check.packages",
                            {{"count", packages}})},
       {"payments",
        Message(payments == 1 ? "cli.check.payment_rules_one" : "cli.check.payment_rules",
                {{"count", payments}})}});
  *c.out << Text(l, o.period.empty() ? "cli.check.no_problem" : "cli.check.no_problem_in_files",
                 {{"code", checked.program.code},
                  {"version", checked.program.version},
                  {"contents", contents}})
         << "\n";
  if (!o.period.empty()) {
    auto period = ParsePeriod(o.period);
    if (!period.ok()) return Fail(c, period.error());
    auto run =
        fbr::Compute(*store, *metadata, fbr::ToRecord(*source, checked.program), *period, {});
    if (!run.ok()) {
      *c.err << Text(l, "cli.check.compute_failed", {{"period", o.period}}) << "\n";
      return Fail(c, run.error());
    }
    *c.out << Text(l, "cli.check.computed",
                   {{"period", o.period},
                    Grouped("invoices", static_cast<int64_t>(run->invoices.invoices.size())),
                    Grouped("total", run->invoices.total)})
           << "\n";
  }
  return 0;
}

int RunProgramLoad(const Context& c, const ProgramOptions& o) {
  auto source = rules::ReadProgramSource(o.path);
  if (!source.ok()) return Fail(c, source.error());
  auto opened = Open(c);
  if (!opened.ok()) return Fail(c, opened.error());
  auto record = fbr::LoadProgram(**opened, *source, CliActor(c, "keneya program load"));
  if (!record.ok()) return Fail(c, record.error());
  *c.out << Text(c.language, "cli.program.stored",
                 {{"code", record->code},
                  {"version", record->version},
                  {"days", Days(record->valid_from, record->valid_to)}})
         << "\n";
  // Say which earlier versions it replaces, and from when: runs already stored keep theirs.
  auto programs = (*opened)->Programs();
  if (!programs.ok()) return Fail(c, programs.error());
  for (const store::ProgramRecord& p : *programs) {
    if (p.code != record->code || p.version >= record->version) continue;
    const auto newer = fbr::Replacement(*programs, p);
    if (!newer || newer->version != record->version) continue;
    *c.out << Text(c.language, "cli.program.replaces",
                   {{"version", p.version}, {"days", Days(newer->from, newer->to)}})
           << "\n";
  }
  return 0;
}

int RunProgramList(const Context& c) {
  auto opened = Open(c);
  if (!opened.ok()) return Fail(c, opened.error());
  auto programs = (*opened)->Programs();
  if (!programs.ok()) return Fail(c, programs.error());
  if (programs->empty()) *c.out << Text(c.language, "cli.program.none") << "\n";
  for (const store::ProgramRecord& p : *programs) {
    *c.out << Text(c.language, "cli.program.list_row",
                   {{"code", p.code},
                    {"version", p.version},
                    {"name", p.name},
                    {"from", p.valid_from.ToString()},
                    {"to", p.valid_to ? p.valid_to->ToString() : ""},
                    {"user", p.loaded_by}});
    if (auto newer = fbr::Replacement(*programs, p)) {
      *c.out << "  "
             << Text(c.language, "cli.program.replaced_by",
                     {{"version", newer->version}, {"days", Days(newer->from, newer->to)}});
    }
    *c.out << "\n";
  }
  return 0;
}

}  // namespace keneya::cli
