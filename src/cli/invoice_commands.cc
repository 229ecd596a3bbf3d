// keneya invoices list, show and export: the stored runs, a run's invoices, one invoice as text,
// a run as CSV, workbook, PDF or DHIS2 values.
#include <algorithm>
#include <string>

#include "cli/cli_util.h"
#include "cli/fbr_commands_internal.h"
#include "cli/progress.h"
#include "core/format.h"
#include "core/message.h"
#include "fbr/browse.h"
#include "fbr/exports.h"
#include "fbr/run_approval.h"
#include "fbr/stored_invoices.h"
#include "fbr/text.h"

namespace keneya::cli {

using core::FormatInteger;
using core::Grouped;
using core::Language;
using core::Message;
using core::Result;
using core::Text;

namespace {

Message RunStatusName(const std::string& status) { return fbr::RunStatusText(status); }

// A run's invoices, one a line: number, facility, district, type, total.
int RunInvoicesOfRun(const Context& c, const InvoicesOptions& o) {
  const Language l = c.language;
  auto opened = Open(c);
  if (!opened.ok()) return Fail(c, opened.error());
  store::Store& store = **opened;
  auto metadata = store.LoadMetadata();
  if (!metadata.ok()) return Fail(c, metadata.error());
  auto rows = fbr::RunInvoices(store, *metadata, o.run, {o.zone, o.facility_type});
  if (!rows.ok()) return Fail(c, rows.error());
  size_t number_width = 8, name_width = 10, district_width = 10;
  for (const fbr::InvoiceRow& r : *rows) {
    number_width = std::max(number_width, core::TextWidth(r.number));
    name_width = std::max(name_width, core::TextWidth(r.facility_name));
    district_width = std::max(district_width, core::TextWidth(r.district_name));
  }
  int64_t total = 0;
  for (const fbr::InvoiceRow& r : *rows) {
    *c.out << Pad(r.number, number_width + 2) << Pad(r.facility_name, name_width + 2)
           << Pad(r.district_name, district_width + 2)
           << Pad(std::string(core::OrgUnitTypeCode(r.facility_type)), 17)
           << Pad(FormatInteger(r.total, l), 14, true) << " FCFA\n";
    total += r.total;
  }
  *c.out << Text(l, rows->size() == 1 ? "cli.invoices.run_total_one" : "cli.invoices.run_total",
                 {Grouped("count", static_cast<int64_t>(rows->size())), Grouped("total", total)})
         << "\n";
  return 0;
}

}  // namespace

int RunInvoicesList(const Context& c, const InvoicesOptions& o) {
  if (o.run > 0) return RunInvoicesOfRun(c, o);
  auto opened = Open(c);
  if (!opened.ok()) return Fail(c, opened.error());
  auto runs = fbr::AllRuns(**opened);
  if (!runs.ok()) return Fail(c, runs.error());
  const Language l = c.language;
  if (runs->empty()) *c.out << Text(l, "cli.invoices.no_run") << "\n";
  for (const store::InvoiceRunRecord& r : *runs) {
    const Message suspended(
        r.suspended_count > 1 ? "cli.invoices.suspended" : "cli.invoices.suspended_one",
        {Grouped("count", r.suspended_count)});
    *c.out << Text(l, "cli.invoices.run_row",
                   {{"run", r.id},
                    {"program", r.program_code},
                    {"version", r.program_version},
                    {"payment", r.payment_code},
                    {"period", core::Period::FromCode(r.period)->ToString()},
                    {"status", RunStatusName(r.status)},
                    Grouped("invoices", r.invoice_count),
                    Grouped("missing", r.missing_count),
                    {"suspended", suspended},
                    Grouped("total", r.total),
                    {"created", core::FormatTimestamp(r.created)},
                    {"user", r.created_by}})
           << "\n";
  }
  return 0;
}

int RunInvoicesShow(const Context& c, const InvoicesOptions& o) {
  auto opened = Open(c);
  if (!opened.ok()) return Fail(c, opened.error());
  store::Store& store = **opened;
  auto invoice = store.GetInvoice(o.number);
  if (!invoice.ok()) return Fail(c, invoice.error());
  if (!*invoice) {
    return Fail(c, core::NotFound(Message("cli.invoices.no_invoice", {{"number", o.number}}),
                                  Message("cli.invoices.place_number")));
  }
  auto run = fbr::LoadRun(store, (*invoice)->run_id);
  if (!run.ok()) return Fail(c, run.error());
  auto view = fbr::ViewOf(*run, **invoice, c.language);
  if (!view.ok()) return Fail(c, view.error());
  // Said first and plainly: a superseded invoice must not be paid.
  auto successor = fbr::SuccessorOf(store, **invoice);
  if (!successor.ok()) return Fail(c, successor.error());
  const std::string warning = SupersededWarning(*successor, c.language);
  if (!warning.empty()) *c.out << warning << "\n";
  *c.out << fbr::InvoiceText(*view, c.language);
  return 0;
}

int RunInvoicesExport(const Context& c, const InvoicesOptions& o) {
  const Language l = c.language;
  auto opened = Open(c);
  if (!opened.ok()) return Fail(c, opened.error());
  store::Store& store = **opened;
  // The run given, or the newest of the period.
  Result<fbr::StoredRun> run = [&]() -> Result<fbr::StoredRun> {
    if (o.run > 0) return fbr::LoadRun(store, o.run);
    auto period = ParsePeriod(o.period);
    if (!period.ok()) return period.error();
    return fbr::LatestRun(store, o.program, *period);
  }();
  if (!run.ok()) return Fail(c, run.error());
  auto metadata = store.LoadMetadata();
  if (!metadata.ok()) return Fail(c, metadata.error());
  ProgressPrinter progress(*c.err, l, c.interactive);
  fbr::ExportOptions options;
  options.format = o.format;
  options.path = o.out;
  options.language = l;
  options.progress = progress.AsFunction();
  options.allow_superseded = o.superseded;
  auto written = fbr::ExportRun(store, *metadata, *run, options);
  progress.Finish();
  if (!written.ok()) return Fail(c, written.error());
  *c.out << Text(l, "cli.invoices.exported",
                 {Grouped("count", written->invoices), {"path", written->path}})
         << "\n";
  return 0;
}

}  // namespace keneya::cli
