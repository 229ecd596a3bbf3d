#include "fbr/invoice_json.h"

#include <nlohmann/json.hpp>

namespace keneya::fbr {

using core::Result;
using nlohmann::json;

const char* InvoiceLineKindName(rules::InvoiceLine::Kind kind) {
  switch (kind) {
    case rules::InvoiceLine::Kind::kActivity:
      return "activity";
    case rules::InvoiceLine::Kind::kSubtotal:
      return "subtotal";
    case rules::InvoiceLine::Kind::kInfo:
      return "info";
    case rules::InvoiceLine::Kind::kPayment:
      return "payment";
    case rules::InvoiceLine::Kind::kEnvelope:
      return "envelope";
  }
  return "activity";
}

namespace {

std::optional<rules::InvoiceLine::Kind> KindOf(std::string_view name) {
  for (auto kind : {rules::InvoiceLine::Kind::kActivity, rules::InvoiceLine::Kind::kSubtotal,
                    rules::InvoiceLine::Kind::kInfo, rules::InvoiceLine::Kind::kPayment,
                    rules::InvoiceLine::Kind::kEnvelope}) {
    if (name == InvoiceLineKindName(kind)) return kind;
  }
  return std::nullopt;
}

}  // namespace

std::string LinesToJson(const std::vector<rules::InvoiceLine>& lines) {
  json out = json::array();
  for (const rules::InvoiceLine& line : lines) {
    json l = {
        {"kind", InvoiceLineKindName(line.kind)}, {"period", line.period}, {"code", line.code}};
    if (!line.package.empty()) l["package"] = line.package;
    if (!line.columns.empty()) l["columns"] = line.columns;
    if (line.missing) l["missing"] = true;
    if (line.has_amount) l["amount"] = line.amount;
    if (line.kind == rules::InvoiceLine::Kind::kInfo) l["value"] = line.value;
    if (line.kind == rules::InvoiceLine::Kind::kEnvelope) {
      l["label"] = line.label;
      l["label_en"] = line.label_en;
    }
    out.push_back(std::move(l));
  }
  return out.dump();
}

namespace {

// `what` is a message of fbr.invoice_json: what is wrong in the stored JSON.
core::Error BadLines(const store::InvoiceRecord& invoice, core::Message what) {
  return core::StoredDataError(core::Message("fbr.invoice.lines_unreadable", {{"reason", what}}),
                               "invoice", invoice.number, "lines");
}

core::Error BadSnapshot(const store::InvoiceRecord& invoice, core::Message what) {
  return core::StoredDataError(core::Message("fbr.invoice.snapshot_unreadable", {{"reason", what}}),
                               "invoice", invoice.number, "snapshot");
}

}  // namespace

Result<std::vector<rules::InvoiceLine>> LinesOf(const store::InvoiceRecord& invoice,
                                                const rules::Program& program) {
  json in = json::parse(invoice.lines_json, nullptr, false);
  if (in.is_discarded()) return BadLines(invoice, core::Message("fbr.invoice_json.not_json"));
  if (!in.is_array()) return BadLines(invoice, core::Message("fbr.invoice_json.not_an_array"));
  std::vector<rules::InvoiceLine> lines;
  size_t index = 0;
  for (const json& l : in) {
    ++index;
    rules::InvoiceLine line;
    // nlohmann's typed reads throw on a field of another type: a damaged row, told as such.
    try {
      if (!l.is_object()) {
        return BadLines(invoice,
                        core::Message("fbr.invoice_json.line_not_an_object", {{"line", index}}));
      }
      auto kind = KindOf(l.value("kind", ""));
      if (!kind) {
        return BadLines(invoice,
                        core::Message("fbr.invoice_json.line_of_unknown_kind", {{"line", index}}));
      }
      line.kind = *kind;
      line.package = l.value("package", "");
      line.period = l.value("period", "");
      line.code = l.value("code", "");
      if (l.contains("columns")) line.columns = l["columns"].get<std::vector<double>>();
      line.missing = l.value("missing", false);
      line.has_amount = l.contains("amount");
      line.amount = l.value("amount", int64_t{0});
      line.value = l.value("value", 0.0);
      if (line.kind == rules::InvoiceLine::Kind::kEnvelope) {
        line.label = l.value("label", "");
        line.label_en = l.value("label_en", "");
      }
    } catch (const json::exception&) {
      return BadLines(
          invoice, core::Message("fbr.invoice_json.line_field_of_wrong_type", {{"line", index}}));
    }
    // Labels from the program version.
    const rules::Package* package = nullptr;
    for (const rules::Package& p : program.packages) {
      if (p.code == line.package) package = &p;
    }
    switch (line.kind) {
      case rules::InvoiceLine::Kind::kActivity:
        line.display = line.has_amount ? rules::Display::kMoney : rules::Display::kNumber;
        if (package != nullptr) {
          for (const rules::Activity& a : package->activities) {
            if (a.code == line.code) line.label = line.label_en = a.name;
          }
        }
        break;
      case rules::InvoiceLine::Kind::kSubtotal:
        line.display = rules::Display::kMoney;
        if (package != nullptr) {
          line.label = package->name;
          line.label_en = package->name_en.empty() ? package->name : package->name_en;
        }
        break;
      case rules::InvoiceLine::Kind::kInfo:
        if (package != nullptr) {
          for (const rules::FormulaSpec& f : package->formulas) {
            if (f.code != line.code) continue;
            line.label = f.label.empty() ? f.code : f.label;
            line.label_en = f.label_en.empty() ? line.label : f.label_en;
            line.display = f.display;
          }
        }
        break;
      case rules::InvoiceLine::Kind::kPayment:
        line.display = rules::Display::kMoney;
        for (const rules::PaymentRule& r : program.payments) {
          for (const rules::PaymentLine& pl : r.lines) {
            if (pl.formula != line.code) continue;
            line.label = pl.label;
            line.label_en = pl.label_en.empty() ? pl.label : pl.label_en;
          }
        }
        break;
      case rules::InvoiceLine::Kind::kEnvelope:
        line.display = rules::Display::kMoney;
        break;
    }
    if (line.label.empty()) line.label = line.label_en = line.code;
    lines.push_back(std::move(line));
  }
  return lines;
}

Snapshot TakeSnapshot(const rules::CompiledProgram& program, int payment,
                      const rules::RunResult& result, const rules::RunInputs& inputs,
                      int facility) {
  Snapshot s;
  s.facility = inputs.facilities[static_cast<size_t>(facility)];
  const rules::Program& p = program.program();
  const size_t F = inputs.facilities.size();
  for (const auto& [key, block] : inputs.blocks) {
    const rules::Package& package = p.packages[static_cast<size_t>(key.first)];
    const std::string period = core::Period::FromCode(key.second)->ToString();
    const size_t A = package.activities.size();
    for (size_t i = 0; i < package.inputs.size(); ++i) {
      for (size_t a = 0; a < A; ++a) {
        const size_t index = (i * A + a) * F + static_cast<size_t>(facility);
        if (!block.present[index]) continue;
        s.values.push_back({package.code, period, package.inputs[i].name,
                            package.activities[a].code, block.values[index]});
      }
    }
  }
  const rules::PaymentRule& rule = p.payments[static_cast<size_t>(payment)];
  for (const std::string& code : rule.packages) {
    const int k_package = program.PackageIndex(code);
    const rules::Package& package = p.packages[static_cast<size_t>(k_package)];
    auto periods = program.InstancePeriods(payment, k_package, inputs.period);
    if (!periods.ok()) continue;
    for (int k = 0; k < static_cast<int>(periods->size()); ++k) {
      for (const rules::FormulaSpec& zone : package.zone_formulas) {
        const rules::SlotId slot = program.FindPackageValue(payment, k_package, k, zone.code);
        if (slot == rules::kNoSlot) continue;
        s.zones[package.code + "." + zone.code + "@" +
                (*periods)[static_cast<size_t>(k)].ToString()] =
            result.Value(slot, result.zone_of(facility));
      }
    }
  }
  return s;
}

std::string SnapshotToJson(const Snapshot& s) {
  const rules::FacilityFacts& f = s.facility;
  json facility = {{"code", f.code},     {"uid", f.uid},       {"name", f.name},
                   {"type", f.type},     {"region", f.region}, {"district", f.district},
                   {"groups", f.groups}, {"equity", f.equity}};
  json values = json::array();
  for (const Snapshot::Item& item : s.values) {
    values.push_back({item.package, item.period, item.input, item.activity, item.value});
  }
  return json{{"facility", facility}, {"values", values}, {"zones", s.zones}}.dump();
}

Result<Snapshot> SnapshotOf(const store::InvoiceRecord& invoice) {
  json in = json::parse(invoice.snapshot_json, nullptr, false);
  if (in.is_discarded()) return BadSnapshot(invoice, core::Message("fbr.invoice_json.not_json"));
  if (!in.is_object() || !in.contains("facility") || !in["facility"].is_object()) {
    return BadSnapshot(invoice, core::Message("fbr.invoice_json.no_facility"));
  }
  Snapshot s;
  try {
    const json& f = in["facility"];
    s.facility.code = f.value("code", "");
    s.facility.uid = f.value("uid", "");
    s.facility.name = f.value("name", "");
    s.facility.type = f.value("type", "");
    s.facility.region = f.value("region", "");
    s.facility.district = f.value("district", "");
    s.facility.equity = f.value("equity", "");
    if (f.contains("groups")) s.facility.groups = f["groups"].get<std::vector<std::string>>();
  } catch (const json::exception&) {
    return BadSnapshot(invoice, core::Message("fbr.invoice_json.facility_field_of_wrong_type"));
  }
  const json values = in.value("values", json::array());
  if (!values.is_array())
    return BadSnapshot(invoice, core::Message("fbr.invoice_json.values_not_an_array"));
  size_t index = 0;
  for (const json& item : values) {
    ++index;
    if (!item.is_array() || item.size() != 5 || !item[0].is_string() || !item[1].is_string() ||
        !item[2].is_string() || !item[3].is_string() || !item[4].is_number()) {
      return BadSnapshot(invoice,
                         core::Message("fbr.invoice_json.value_of_wrong_form", {{"value", index}}));
    }
    s.values.push_back({item[0].get<std::string>(), item[1].get<std::string>(),
                        item[2].get<std::string>(), item[3].get<std::string>(),
                        item[4].get<double>()});
  }
  const json zones = in.value("zones", json::object());
  if (!zones.is_object())
    return BadSnapshot(invoice, core::Message("fbr.invoice_json.zones_not_an_object"));
  for (const auto& [key, value] : zones.items()) {
    if (!value.is_number()) {
      return BadSnapshot(
          invoice, core::Message("fbr.invoice_json.zone_value_not_a_number", {{"zone", key}}));
    }
    s.zones[key] = value.get<double>();
  }
  return s;
}

Result<rules::RunInputs> InputsFromSnapshot(const rules::CompiledProgram& program, int payment,
                                            const core::Period& period, const Snapshot& snapshot) {
  rules::RunInputs inputs(period);
  inputs.facilities.push_back(snapshot.facility);
  KENEYA_ASSIGN_OR_RETURN(std::vector<rules::BlockRequest> requests,
                          program.BlocksNeeded(payment, period));
  const rules::Program& p = program.program();
  for (const rules::BlockRequest& b : requests) {
    const rules::Package& package = p.packages[static_cast<size_t>(b.package)];
    rules::InputBlock& block = inputs.blocks[{b.package, b.period.Code()}];
    block.values.assign(package.inputs.size() * package.activities.size(), 0.0);
    block.present.assign(block.values.size(), 0);
  }
  for (const Snapshot::Item& item : snapshot.values) {
    const int k_package = program.PackageIndex(item.package);
    if (k_package < 0) continue;
    const rules::Package& package = p.packages[static_cast<size_t>(k_package)];
    auto item_period = core::Period::Parse(item.period);
    if (!item_period.ok()) continue;
    auto it = inputs.blocks.find({k_package, item_period->Code()});
    if (it == inputs.blocks.end()) continue;
    size_t input = package.inputs.size(), activity = package.activities.size();
    for (size_t i = 0; i < package.inputs.size(); ++i) {
      if (package.inputs[i].name == item.input) input = i;
    }
    for (size_t a = 0; a < package.activities.size(); ++a) {
      if (package.activities[a].code == item.activity) activity = a;
    }
    if (input == package.inputs.size() || activity == package.activities.size()) continue;
    const size_t index = input * package.activities.size() + activity;
    it->second.values[index] = item.value;
    it->second.present[index] = 1;
  }
  return inputs;
}

}  // namespace keneya::fbr
