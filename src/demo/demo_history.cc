#include "demo/demo_history.h"

#include <algorithm>
#include <deque>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "auth/accounts.h"
#include "core/random.h"
#include "core/timestamp.h"
#include "demo/demo_internal.h"
#include "fbr/directory.h"
#include "fbr/payments.h"
#include "fbr/run_approval.h"

namespace keneya::demo {
namespace {

using core::Date;
using core::Message;
using core::Period;
using core::PeriodType;
using core::Random;
using core::Result;
using core::TimestampMs;
using json = nlohmann::json;

// programs/fbr-mali/programme.toml, [workflow].
constexpr int kDeclarationDay = 5;
constexpr int kContestDays = 10;
constexpr char kProgram[] = "FBR_MALI";
constexpr char kSource[] = "demo";
constexpr char kTakenOver[] = "reprise.openrbf";

uint64_t Hash(std::string_view text) { return internal::Fnv1a(text); }

TimestampMs At(Date day, int hour, int minute = 0) {
  return static_cast<TimestampMs>(day.days_since_epoch()) * 86'400'000 +
         (hour * 60 + minute) * 60'000LL;
}

// The clock set for the history, given back however WriteDemoHistory ends.
struct HistoryClock {
  HistoryClock() = default;
  HistoryClock(const HistoryClock&) = delete;
  HistoryClock& operator=(const HistoryClock&) = delete;
  ~HistoryClock() { core::SetHistoryClock(std::nullopt); }
  void Set(TimestampMs at) { core::SetHistoryClock(at); }
};

// "DS_KALABAN_CORO" -> "kalaban-coro".
std::string Slug(std::string_view code, std::string_view prefix) {
  if (code.starts_with(prefix)) code.remove_prefix(prefix.size());
  std::string out;
  for (char c : code) {
    out += c == '_' ? '-' : static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  return out;
}

// A demo account acting through the fbr service, with what it sees. Held in a deque: the sight
// refers to the principal.
struct Person {
  std::string name;
  auth::Principal principal;
  std::unique_ptr<fbr::Sight> sight;
  store::Actor actor;
};

// How a facility's December of the last year stands at the demo's date.
enum class December { kValidated, kOpen, kDeclared, kReportOpen, kContested };

// One facility under contract.
struct Place {
  const core::OrgUnit* unit = nullptr;
  const core::OrgUnit* district = nullptr;
  const core::OrgUnit* region = nullptr;
  int32_t demo_index = -1;  // in the demo's metadata
  December december = December::kValidated;
  bool in_kati_zone = false;
};

class History {
 public:
  History(store::Store& store, const DemoDataset& demo, const DemoHistoryOptions& options,
          const store::ProgressFn& progress)
      : store_(store),
        demo_(demo),
        options_(options),
        progress_(progress),
        root_(options.seed ^ Hash("history")),
        as_of_(DemoDate(options.last_year)) {}

  Result<DemoHistorySummary> Run();

 private:
  void Report(const char* phase, int64_t done, int64_t total) {
    if (progress_) progress_({phase, done, total});
  }
  Random StreamOf(const Place& place, std::string_view what) const {
    return root_.Fork(Hash(place.unit->code) ^ Hash(what));
  }
  core::Status Setup();
  Result<Person*> Acting(const std::string& name);
  void PlanDecember();

  // Users named in the histories: the demo's accounts where they work, otherwise a name made
  // from the place (histories name people who have no account in the demo).
  std::string DistrictUser(const Place& place) const;
  std::string VerifierUser(const Place& place) const;
  std::string HeadUser(const Place& place) const;
  std::string QualityUser(const Place& place) const;

  core::Status WritePeriods();
  core::Status WriteMonth(const Period& month);
  core::Status WriteQuarterQuality(const Period& quarter);
  core::Status WriteJanuary();
  // The report's lines of a facility-period from the demo's values.
  json LinesOf(const Period& period, int32_t demo_index) const;
  store::PeriodEvent Event(const store::PeriodKey& key, TimestampMs at, std::string user,
                           std::string action, std::string from, std::string to) const;
  // A period before the last year: taken over from the previous system, validated; one event
  // says so.
  store::PeriodEvent TakenOver(const store::PeriodKey& key, TimestampMs at) const;

  core::Status SetUpAccounts();
  core::Status ReplayRuns();
  Result<int64_t> ComputeAndApprove(const Period& quarter, Person& starter, Person& approver,
                                    Date day);
  core::Status PayOrder(int64_t run_id, Person& payer, Date day, bool last_quarter,
                        std::vector<std::pair<std::string, int64_t>>* later);
  core::Status Counterverify(const Period& quarter, Date day);

  store::Store& store_;
  const DemoDataset& demo_;
  const DemoHistoryOptions& options_;
  const store::ProgressFn& progress_;
  Random root_;
  Date as_of_;
  HistoryClock clock_;

  std::unique_ptr<fbr::Directory> directory_;
  std::deque<Person> people_;
  const core::DataSet* monthly_ = nullptr;
  const core::DataSet* quality_ = nullptr;
  std::vector<Place> places_;
  std::map<int32_t, size_t> place_of_demo_;  // demo index -> places_
  std::map<std::pair<int32_t, int32_t>, std::pair<size_t, size_t>> value_ranges_;
  DemoHistorySummary summary_;
};

Result<Person*> History::Acting(const std::string& name) {
  for (Person& p : people_) {
    if (p.name == name) return &p;
  }
  KENEYA_ASSIGN_OR_RETURN(std::optional<store::UserRecord> user, store_.FindUser(name));
  if (!user)
    return core::FailedPrecondition(Message("demo.history_needs_account", {{"user", name}}));
  KENEYA_ASSIGN_OR_RETURN(auth::Principal principal, auth::LoadPrincipal(store_, *user));
  Person& p = people_.emplace_back();
  p.name = name;
  p.principal = std::move(principal);
  p.sight = std::make_unique<fbr::Sight>(*directory_, p.principal);
  p.actor = {name, kSource, "", ""};
  return &p;
}

core::Status History::Setup() {
  KENEYA_ASSIGN_OR_RETURN(core::MetadataBundle metadata, store_.LoadMetadata());
  directory_ = std::make_unique<fbr::Directory>(std::move(metadata));
  monthly_ = directory_->DataSet(kMonthlyDataSetCode);
  quality_ = directory_->DataSet(kQualityDataSetCode);
  if (monthly_ == nullptr || quality_ == nullptr) {
    return core::FailedPrecondition(Message("demo.accounts_need_demo"), kMonthlyDataSetCode);
  }
  std::map<std::string_view, int32_t> demo_index;
  for (size_t i = 0; i < demo_.metadata.org_units.size(); ++i) {
    demo_index.emplace(demo_.metadata.org_units[i].uid, static_cast<int32_t>(i));
  }
  const core::OrgUnitGroup* zone = directory_->OrgUnitGroup("ZONE_VERIFICATION_CERCLE_KATI");
  for (const std::string& uid : monthly_->org_unit_uids) {
    const core::OrgUnit* unit = directory_->OrgUnit(uid);
    auto index = demo_index.find(uid);
    if (unit == nullptr || index == demo_index.end()) continue;
    Place place;
    place.unit = unit;
    place.district = directory_->Ancestor(*unit, 3);
    place.region = directory_->Ancestor(*unit, 2);
    place.demo_index = index->second;
    place.in_kati_zone = zone != nullptr && std::binary_search(unit->group_uids.begin(),
                                                               unit->group_uids.end(), zone->uid);
    places_.push_back(place);
  }
  std::sort(places_.begin(), places_.end(),
            [](const Place& a, const Place& b) { return a.unit->code < b.unit->code; });
  for (size_t i = 0; i < places_.size(); ++i) place_of_demo_[places_[i].demo_index] = i;

  // Where each facility-period's values are in the demo (sorted by period, then org unit).
  const std::vector<DemoValue>& values = demo_.values;
  for (size_t begin = 0; begin < values.size();) {
    size_t end = begin;
    while (end < values.size() && values[end].period == values[begin].period &&
           values[end].org_unit == values[begin].org_unit) {
      ++end;
    }
    value_ranges_[{values[begin].period, values[begin].org_unit}] = {begin, end};
    begin = end;
  }
  for (const char* name :
       {"cellule.diarra", "cellule.kone", "paiement.sangare", "paiement.diallo"}) {
    KENEYA_RETURN_IF_ERROR(Acting(name));
  }
  return core::OkStatus();
}

void History::PlanDecember() {
  // The one contested report: a CSCOM of Kati's verification zone other than Koko II, so that the
  // demo's verifier has it to answer.
  const Place* contested = nullptr;
  for (const Place& place : places_) {
    if (place.in_kati_zone && place.unit->code.starts_with("CSCOM_KATI_") &&
        place.unit->code != kKokoIICode) {
      contested = &place;
      break;
    }
  }
  for (Place& place : places_) {
    if (&place == contested) {
      place.december = December::kContested;
      continue;
    }
    if (place.unit->code == kKokoIICode) continue;  // validated: the walk-through starts at January
    const double draw = StreamOf(place, "december").Uniform();
    if (draw < 0.015) {
      place.december = December::kOpen;
    } else if (draw < 0.035) {
      place.december = December::kDeclared;
    } else if (draw < 0.06) {
      place.december = December::kReportOpen;
    }
  }
}

std::string History::DistrictUser(const Place& place) const {
  const std::string code = place.district != nullptr ? place.district->code : "";
  if (code == "DS_KATI") return "district.kati";
  if (code == "DS_SEGOU") return "district.segou";
  if (place.region != nullptr && place.region->code == "REGION_MOPTI") return "drs.mopti";
  return "ds." + Slug(code, "DS_");
}

std::string History::VerifierUser(const Place& place) const {
  if (place.in_kati_zone) return "verif.kati";
  return "acv." + Slug(place.region != nullptr ? place.region->code : "", "REGION_");
}

std::string History::HeadUser(const Place& place) const {
  if (place.unit->code == kKokoIICode) return "chef.kokoii";
  return "dtc." + Slug(place.unit->code, "");
}

std::string History::QualityUser(const Place& place) const {
  if (place.unit->code.starts_with("CSREF_")) return "qualite.csref";
  return DistrictUser(place);
}

json History::LinesOf(const Period& period, int32_t demo_index) const {
  json lines = json::array();
  auto range = value_ranges_.find({period.Code(), demo_index});
  if (range == value_ranges_.end()) return lines;
  const auto& elements = demo_.metadata.data_elements;
  const auto& combos = demo_.metadata.categories.option_combos;
  json* line = nullptr;
  std::pair<int16_t, int8_t> cell{-1, -1};
  for (size_t i = range->second.first; i < range->second.second; ++i) {
    const DemoValue& v = demo_.values[i];
    if (std::pair<int16_t, int8_t>{v.data_element, v.category_option_combo} != cell) {
      cell = {v.data_element, v.category_option_combo};
      lines.push_back(
          {{"dataElement", elements[static_cast<size_t>(v.data_element)].uid},
           {"categoryOptionCombo", combos[static_cast<size_t>(v.category_option_combo)].uid},
           {"declared", nullptr},
           {"verified", nullptr}});
      line = &lines.back();
    }
    (*line)[v.state == core::kStateDeclared ? "declared" : "verified"] = std::to_string(v.value);
  }
  return lines;
}

store::PeriodEvent History::Event(const store::PeriodKey& key, TimestampMs at, std::string user,
                                  std::string action, std::string from, std::string to) const {
  store::PeriodEvent e;
  e.key = key;
  e.at = at;
  e.user = std::move(user);
  e.source = kSource;
  e.action = std::move(action);
  e.from = std::move(from);
  e.to = std::move(to);
  return e;
}

store::PeriodEvent History::TakenOver(const store::PeriodKey& key, TimestampMs at) const {
  store::PeriodEvent e = Event(key, at, kTakenOver, "validate", "open", "validated");
  e.reason = "Validé dans OpenRBF avant la mise en service de Keneya (janvier " +
             std::to_string(options_.last_year) + ")";
  return e;
}

core::Status History::WriteMonth(const Period& month) {
  std::vector<store::PeriodStatusRecord> statuses;
  std::vector<store::PeriodEvent> events;
  const bool last_year = month.year() == options_.last_year;
  const bool december = last_year && month.index() == 12;
  const Date next = month.end().AddDays(1);  // the 1st of the next month
  const Date due = Date::FromYmd(next.year(), next.month(), kDeclarationDay);
  for (const Place& place : places_) {
    const store::PeriodKey key{monthly_->id, place.unit->id, month.Code()};
    auto status = [&](const store::PeriodEvent& last) {
      statuses.push_back({key, last.to, last.at, last.user});
    };
    if (!last_year) {
      store::PeriodEvent e = TakenOver(key, At(month.end().AddMonths(1), 18));
      status(e);
      events.push_back(std::move(e));
      continue;
    }
    const December fate = december ? place.december : December::kValidated;
    if (fate == December::kOpen) continue;
    Random rng = StreamOf(place, month.ToString());
    // Declared: mostly by the 5th, some late; a paper report typed by the district now and then.
    int declared_day = static_cast<int>(rng.UniformInt(1, kDeclarationDay));
    if (rng.Bernoulli(0.12)) declared_day = static_cast<int>(rng.UniformInt(6, 12));
    if (fate == December::kDeclared) declared_day = static_cast<int>(rng.UniformInt(20, 31));
    const Date declared_on = next.AddDays(declared_day - 1);
    const bool on_behalf = !place.unit->code.starts_with("CSREF_") && rng.Bernoulli(0.08);
    store::PeriodEvent declare =
        Event(key, At(declared_on, static_cast<int>(rng.UniformInt(8, 16)), 10), "", "declare",
              "open", "declared");
    declare.user = on_behalf ? DistrictUser(place) : HeadUser(place);
    declare.on_behalf = on_behalf;
    declare.detail =
        json{{"due", due.ToString()}, {"daysLate", std::max(0, declared_on.DaysSince(due))}}.dump();
    events.push_back(declare);
    if (fate == December::kDeclared) {
      status(declare);
      continue;
    }
    // Verified in the registers, the report issued the same day.
    int verify_day = static_cast<int>(rng.UniformInt(std::max(14, declared_day + 2), 20));
    if (fate == December::kReportOpen) verify_day = static_cast<int>(rng.UniformInt(28, 34));
    const Date verified_on = next.AddDays(verify_day - 1);
    const int hour = static_cast<int>(rng.UniformInt(9, 15));
    events.push_back(
        Event(key, At(verified_on, hour), VerifierUser(place), "verify", "declared", "verified"));
    const Date until = verified_on.AddDays(kContestDays);
    store::PeriodEvent report = Event(key, At(verified_on, hour + 1, 30), VerifierUser(place),
                                      "issue_report", "verified", "reported");
    report.detail =
        json{{"contestUntil", until.ToString()}, {"lines", LinesOf(month, place.demo_index)}}
            .dump();
    events.push_back(report);
    if (fate == December::kReportOpen) {
      status(report);
      continue;
    }
    const bool contested = fate == December::kContested || rng.Bernoulli(0.004);
    std::string from = "reported";
    if (contested) {
      store::PeriodEvent contest = Event(key, At(verified_on.AddDays(4), 11), HeadUser(place),
                                         "contest", "reported", "contested");
      contest.reason =
          "Les accouchements du registre de la maternité n'ont pas tous été comptés : nous "
          "demandons un nouveau comptage.";
      events.push_back(contest);
      if (fate == December::kContested) {
        status(contest);
        continue;
      }
      store::PeriodEvent answer = Event(key, At(verified_on.AddDays(7), 10), VerifierUser(place),
                                        "answer", "contested", "answered");
      answer.reason =
          "Registre recompté avec la sage-femme : les chiffres vérifiés sont maintenus.";
      answer.detail = json{{"corrected", false}}.dump();
      events.push_back(answer);
      from = "answered";
    }
    const Date validated_on = until.AddDays(static_cast<int>(rng.UniformInt(1, 4)));
    store::PeriodEvent validate =
        Event(key, At(validated_on, static_cast<int>(rng.UniformInt(9, 16))), DistrictUser(place),
              "validate", from, "validated");
    status(validate);
    events.push_back(std::move(validate));
  }
  return store_.WritePeriodHistory(statuses, events);
}

core::Status History::WriteQuarterQuality(const Period& quarter) {
  std::vector<store::PeriodStatusRecord> statuses;
  std::vector<store::PeriodEvent> events;
  const Date next = quarter.end().AddDays(1);
  for (const Place& place : places_) {
    const store::PeriodKey key{quality_->id, place.unit->id, quarter.Code()};
    if (quarter.year() != options_.last_year) {
      store::PeriodEvent e = TakenOver(key, At(next.AddMonths(1).AddDays(-1), 18));
      statuses.push_back({key, e.to, e.at, e.user});
      events.push_back(std::move(e));
      continue;
    }
    // The evaluator's scores (verified only: nothing is declared), the report, the validation.
    Random rng = StreamOf(place, quarter.ToString());
    const Date assessed = next.AddDays(static_cast<int>(rng.UniformInt(9, 14)));
    const std::string evaluator = QualityUser(place);
    events.push_back(Event(key, At(assessed, 15), evaluator, "verify", "open", "verified"));
    const Date until = assessed.AddDays(kContestDays);
    store::PeriodEvent report =
        Event(key, At(assessed, 16), evaluator, "issue_report", "verified", "reported");
    report.detail =
        json{{"contestUntil", until.ToString()}, {"lines", LinesOf(quarter, place.demo_index)}}
            .dump();
    events.push_back(std::move(report));
    store::PeriodEvent validate =
        Event(key, At(until.AddDays(static_cast<int>(rng.UniformInt(1, 3))), 10),
              DistrictUser(place), "validate", "reported", "validated");
    statuses.push_back({key, validate.to, validate.at, validate.user});
    events.push_back(std::move(validate));
  }
  return store_.WritePeriodHistory(statuses, events);
}

core::Status History::WriteJanuary() {
  KENEYA_ASSIGN_OR_RETURN(const Period january,
                          Period::Make(PeriodType::kMonthly, options_.last_year + 1, 1));
  const Date due = Date::FromYmd(options_.last_year + 1, 2, kDeclarationDay);
  std::vector<store::PeriodStatusRecord> statuses;
  std::vector<store::PeriodEvent> events;
  for (const OpenMonthDeclaration& d : demo_.january) {
    auto at = place_of_demo_.find(d.org_unit);
    if (at == place_of_demo_.end()) continue;
    const Place& place = places_[at->second];
    const Date day = Date::FromYmd(options_.last_year + 1, 2, d.day);
    const store::PeriodKey key{monthly_->id, place.unit->id, january.Code()};
    store::PeriodEvent e =
        Event(key, At(day, 8 + d.day, 20), HeadUser(place), "declare", "open", "declared");
    const int late = std::max(0, day.DaysSince(due));
    e.detail = json{{"due", due.ToString()}, {"daysLate", late}}.dump();
    (late > 0 ? summary_.january_late : summary_.january_on_time) += 1;
    statuses.push_back({key, e.to, e.at, e.user});
    events.push_back(std::move(e));
  }
  summary_.january_open =
      static_cast<int>(places_.size()) - summary_.january_late - summary_.january_on_time;
  return store_.WritePeriodHistory(statuses, events);
}

core::Status History::WritePeriods() {
  const int years = options_.last_year - options_.first_year + 1;
  const int64_t total = 16LL * years + 1;
  int64_t done = 0;
  Report("history", 0, total);
  for (int year = options_.first_year; year <= options_.last_year; ++year) {
    for (int m = 1; m <= 12; ++m) {
      KENEYA_ASSIGN_OR_RETURN(const Period month, Period::Make(PeriodType::kMonthly, year, m));
      KENEYA_RETURN_IF_ERROR(WriteMonth(month));
      Report("history", ++done, total);
    }
    for (int q = 1; q <= 4; ++q) {
      KENEYA_ASSIGN_OR_RETURN(const Period quarter, Period::Make(PeriodType::kQuarterly, year, q));
      KENEYA_RETURN_IF_ERROR(WriteQuarterQuality(quarter));
      Report("history", ++done, total);
    }
  }
  KENEYA_RETURN_IF_ERROR(WriteJanuary());
  Report("history", total, total);
  return core::OkStatus();
}

// ---- Accounts and runs, through the service ----

// A plausible account: a bank's RIB for most, a mobile-money wallet for some rural CSCOMs.
fbr::AccountProposal AccountFor(const Place& place, Random& rng) {
  struct Bank {
    const char* name;
    const char* code;
  };
  static constexpr Bank kBanks[] = {
      {"Banque de Développement du Mali (BDM-SA)", "ML016"},
      {"Banque Nationale de Développement Agricole (BNDA)", "ML040"},
      {"Banque Malienne de Solidarité (BMS-SA)", "ML102"},
      {"Ecobank Mali", "ML090"},
      {"Banque Internationale pour le Mali (BIM-SA)", "ML043"},
  };
  fbr::AccountProposal p;
  p.facility = place.unit->code;
  p.holder =
      place.unit->code.starts_with("CSCOM_") ? "ASACO du " + place.unit->name : place.unit->name;
  p.reason = "Compte déclaré à la signature du contrat FBR";
  auto digits = [&](int n) {
    std::string s;
    for (int i = 0; i < n; ++i) s += static_cast<char>('0' + rng.UniformInt(0, 9));
    return s;
  };
  const bool rural = place.unit->code.starts_with("CSCOM_") || place.unit->code.starts_with("MAT_");
  if (rural && rng.Bernoulli(0.12)) {
    const bool orange = rng.Bernoulli(0.7);
    p.kind = "mobile";
    p.institution = orange ? "Orange Money" : "Moov Money";
    p.number = std::string(orange ? "+2237" : "+2236") + digits(7);
    return p;
  }
  const Bank& bank = kBanks[rng.UniformInt(0, std::size(kBanks) - 1)];
  p.kind = "bank";
  p.institution = bank.name;
  p.number = std::string(bank.code) + digits(19);
  return p;
}

core::Status History::SetUpAccounts() {
  KENEYA_ASSIGN_OR_RETURN(Person * proposer, Acting("paiement.sangare"));
  KENEYA_ASSIGN_OR_RETURN(Person * confirmer, Acting("paiement.diallo"));
  const int64_t total = static_cast<int64_t>(places_.size());
  Report("accounts", 0, total);
  int64_t done = 0;
  for (const Place& place : places_) {
    Random rng = StreamOf(place, "account");
    const Date day =
        Date::FromYmd(options_.first_year - 1, 12, static_cast<int>(rng.UniformInt(1, 18)));
    clock_.Set(At(day, 10, static_cast<int>(rng.UniformInt(0, 59))));
    KENEYA_ASSIGN_OR_RETURN(
        store::PaymentAccountRecord proposed,
        fbr::ProposeAccount(store_, *proposer->sight, AccountFor(place, rng), proposer->actor));
    clock_.Set(At(day.AddDays(2), 15, static_cast<int>(rng.UniformInt(0, 59))));
    KENEYA_RETURN_IF_ERROR(
        fbr::DecideAccount(store_, *confirmer->sight, proposed.id, true, "", confirmer->actor));
    if (++done % 100 == 0) Report("accounts", done, total);
  }
  Report("accounts", total, total);
  return core::OkStatus();
}

Result<int64_t> History::ComputeAndApprove(const Period& quarter, Person& starter, Person& approver,
                                           Date day) {
  clock_.Set(At(day, 9, 15));
  fbr::RunRequest request;
  request.program = kProgram;
  request.period = quarter.ToString();
  KENEYA_ASSIGN_OR_RETURN(fbr::StartedRun started,
                          fbr::StartRun(store_, *starter.sight, request, starter.actor));
  clock_.Set(At(day.AddDays(2), 10, 40));
  KENEYA_ASSIGN_OR_RETURN(fbr::RunState approved,
                          fbr::ApproveRun(store_, *approver.sight, started.run.id,
                                          started.state.version, approver.actor));
  clock_.Set(At(day.AddDays(3), 11, 5));
  KENEYA_RETURN_IF_ERROR(fbr::PublishRun(store_, *approver.sight, started.run.id,
                                         approved.state.version, approver.actor));
  return started.run.id;
}

// Pays a run's payment order on `day`: most lines in full; a few in two transfers, the second a
// month later (`later` keeps them; for the last approved quarter, not paid by the demo's date).
core::Status History::PayOrder(int64_t run_id, Person& payer, Date day, bool last_quarter,
                               std::vector<std::pair<std::string, int64_t>>* later) {
  clock_.Set(At(day, 9));
  KENEYA_ASSIGN_OR_RETURN(fbr::PaymentOrder order,
                          fbr::GetPaymentOrder(store_, *payer.sight, run_id));
  int64_t line_number = 0;
  for (const fbr::PaymentOrderLine& line : order.lines) {
    ++line_number;
    if (!line.account || (line.amount == 0 && line.deduction == 0)) continue;
    Random rng = root_.Fork(Hash(line.invoice));
    int64_t amount = line.amount;
    if (later != nullptr && amount > 100'000 && rng.Bernoulli(0.02)) {
      const int64_t first = amount * 6 / 10 / 1000 * 1000;
      later->emplace_back(line.invoice, amount - first);
      amount = first;
      if (last_quarter) ++summary_.partly_paid;
    }
    char reference[64];
    std::snprintf(reference, sizeof reference, "VIR-%04d%02d-%05lld", day.year(), day.month(),
                  static_cast<long long>(line_number));
    clock_.Set(At(day, 9) + line_number * 1000);
    KENEYA_RETURN_IF_ERROR(fbr::RecordPayment(
        store_, *payer.sight, {line.invoice, amount, day.ToString(), reference}, payer.actor));
    if (amount > 0) {
      ++summary_.payments;
      summary_.paid += amount;
    }
  }
  return core::OkStatus();
}

// A counter-verification found registers that did not hold what was verified at three facilities
// of the quarter's first month: the verified numbers are corrected (two down, one up).
core::Status History::Counterverify(const Period& quarter, Date day) {
  KENEYA_ASSIGN_OR_RETURN(const Period month, Period::Make(PeriodType::kMonthly, quarter.year(),
                                                           (quarter.index() - 1) * 3 + 1));
  std::vector<const Place*> chosen;
  for (const Place& place : places_) {
    if (place.unit->code.starts_with("CSCOM_") && place.unit->code != kKokoIICode &&
        StreamOf(place, "counter-verification").Uniform() < 0.01) {
      chosen.push_back(&place);
    }
    if (chosen.size() == 3) break;
  }
  int n = 0;
  for (const Place* place : chosen) {
    // The last one: a register page the verifier missed (the declared number was right); the
    // others: acts verified that the registers do not hold (30 % fewer).
    const bool up = n++ == 2;
    store::ValueQuery query;
    query.periods = {month.Code()};
    query.org_units = {place->unit->id};
    std::map<std::pair<int32_t, int32_t>, std::pair<int64_t, int64_t>> cells;  // declared, verified
    std::map<std::pair<int32_t, int32_t>, core::DataValueKey> keys;
    KENEYA_RETURN_IF_ERROR(
        store_.ScanValues(query, [&](const core::DataValueKey& key, std::string_view value) {
          const int64_t number = std::atoll(std::string(value).c_str());
          const std::pair<int32_t, int32_t> cell{key.data_element, key.category_option_combo};
          if (key.state == core::kStateDeclared) {
            cells[cell].first = number;
          } else if (key.state == core::kStateVerified) {
            cells[cell].second = number;
            keys[cell] = key;
          }
        }));
    std::optional<core::DataValue> corrected;
    int64_t best = 0;
    for (const auto& [cell, numbers] : cells) {
      const auto [declared, verified] = numbers;
      if (keys.count(cell) == 0) continue;
      const int64_t weight = up ? declared - verified : verified;
      if (weight <= best || (!up && verified < 10)) continue;
      best = weight;
      corrected = core::DataValue{};
      corrected->key = keys[cell];
      corrected->value = std::to_string(up ? declared : verified * 7 / 10);
    }
    if (!corrected) continue;
    clock_.Set(At(day, 14, 10 * n));
    store::Actor actor{VerifierUser(*place), kSource,
                       up ? "Contre-vérification : une page du registre n'avait pas été comptée"
                          : "Contre-vérification : actes non retrouvés dans les registres",
                       ""};
    KENEYA_RETURN_IF_ERROR(store_.PutValue(*corrected, actor));
  }
  return core::OkStatus();
}

core::Status History::ReplayRuns() {
  KENEYA_ASSIGN_OR_RETURN(Person * diarra, Acting("cellule.diarra"));
  KENEYA_ASSIGN_OR_RETURN(Person * kone, Acting("cellule.kone"));
  KENEYA_ASSIGN_OR_RETURN(Person * sangare, Acting("paiement.sangare"));
  KENEYA_ASSIGN_OR_RETURN(Person * diallo, Acting("paiement.diallo"));
  std::vector<Period> quarters;
  for (int year = options_.first_year; year <= options_.last_year; ++year) {
    for (int q = 1; q <= 4; ++q) {
      KENEYA_ASSIGN_OR_RETURN(const Period quarter, Period::Make(PeriodType::kQuarterly, year, q));
      quarters.push_back(quarter);
    }
  }
  const int64_t total = static_cast<int64_t>(quarters.size());
  Report("runs", 0, total);
  // Second transfers of the quarter before, sent with this quarter's payments.
  std::vector<std::pair<std::string, int64_t>> pending;
  for (size_t i = 0; i + 1 < quarters.size(); ++i) {
    const Period& quarter = quarters[i];
    const bool odd = i % 2 == 1;
    Person& starter = odd ? *kone : *diarra;
    Person& approver = odd ? *diarra : *kone;
    Person& payer = quarter.year() % 2 == 0 ? *sangare : *diallo;
    // Computed on the 12th of the second month after the quarter.
    const Date start = quarter.end().AddDays(1).AddMonths(1).AddDays(11);
    KENEYA_ASSIGN_OR_RETURN(const int64_t run,
                            ComputeAndApprove(quarter, starter, approver, start));
    const Date pay_day = start.AddDays(20);
    // The earlier quarter's second transfers go with these.
    for (const auto& [number, amount] : pending) {
      clock_.Set(At(pay_day, 8, 30));
      KENEYA_RETURN_IF_ERROR(fbr::RecordPayment(
          store_, *payer.sight,
          {number, amount, pay_day.ToString(), "VIR-" + pay_day.ToString() + "-SOLDE"},
          payer.actor));
      ++summary_.payments;
      summary_.paid += amount;
    }
    pending.clear();
    const bool last = i + 2 == quarters.size();
    // No second transfers in the quarter reopened below: its invoices are replaced.
    const bool reopened_quarter = quarter.year() == options_.last_year - 1 && quarter.index() == 3;
    KENEYA_RETURN_IF_ERROR(
        PayOrder(run, payer, pay_day, last, reopened_quarter ? nullptr : &pending));
    if (last) pending.clear();  // still owed at the demo's date

    // The year before last's third quarter, reopened after a counter-verification, computed
    // again, approved and its complements paid, before the next quarter's run.
    if (reopened_quarter) {
      const Date reopened = quarter.end().AddDays(1).AddMonths(3).AddDays(19);
      clock_.Set(At(reopened, 10));
      KENEYA_ASSIGN_OR_RETURN(fbr::RunState state, fbr::GetRunState(store_, *kone->sight, run));
      KENEYA_RETURN_IF_ERROR(
          fbr::ReopenRun(store_, *kone->sight, run, state.state.version,
                         "Contre-vérification de l'ACV : des actes vérifiés ne figurent pas dans "
                         "les registres de trois CSCOM ; le trimestre est recalculé.",
                         kone->actor));
      KENEYA_RETURN_IF_ERROR(Counterverify(quarter, reopened));
      KENEYA_ASSIGN_OR_RETURN(const int64_t again,
                              ComputeAndApprove(quarter, *diarra, *kone, reopened.AddDays(3)));
      KENEYA_RETURN_IF_ERROR(PayOrder(again, *sangare, reopened.AddDays(10), false, nullptr));
      ++summary_.reopened_runs;
    }
    ++summary_.approved_runs;
    Report("runs", static_cast<int64_t>(i + 1), total);
  }
  // The last quarter: computed by one member of the national unit, waiting for the other.
  const Period& last = quarters.back();
  clock_.Set(At(as_of_.AddDays(-3), 9, 30));
  fbr::RunRequest request;
  request.program = kProgram;
  request.period = last.ToString();
  KENEYA_ASSIGN_OR_RETURN(fbr::StartedRun waiting,
                          fbr::StartRun(store_, *diarra->sight, request, diarra->actor));
  summary_.waiting_run = waiting.run.id;
  summary_.waiting_total = waiting.run.total;
  summary_.left_out = static_cast<int>(waiting.left_out.size());
  Report("runs", total, total);

  // Two facilities changed banks: their new accounts wait for the second person.
  int changes = 0;
  for (const Place& place : places_) {
    if (changes == 2) break;
    if (!place.unit->code.starts_with("CSCOM_") || place.unit->code == kKokoIICode) continue;
    Random rng = StreamOf(place, "new account");
    if (!rng.Bernoulli(0.02)) continue;
    fbr::AccountProposal proposal = AccountFor(place, rng);
    proposal.reason = "Changement de banque de l'ASACO (courrier du président)";
    clock_.Set(At(as_of_.AddDays(-2), 11, 20 + changes));
    KENEYA_RETURN_IF_ERROR(fbr::ProposeAccount(store_, *sangare->sight, proposal, sangare->actor));
    ++changes;
  }
  return core::OkStatus();
}

Result<DemoHistorySummary> History::Run() {
  summary_.as_of = as_of_;
  KENEYA_RETURN_IF_ERROR(Setup());
  PlanDecember();
  KENEYA_RETURN_IF_ERROR(WritePeriods());
  KENEYA_RETURN_IF_ERROR(SetUpAccounts());
  KENEYA_RETURN_IF_ERROR(ReplayRuns());
  return summary_;
}

}  // namespace

Date DemoDate(int last_year) { return Date::FromYmd(last_year + 1, 2, 7); }

Result<DemoHistorySummary> WriteDemoHistory(store::Store& store, const DemoDataset& demo,
                                            const DemoHistoryOptions& options,
                                            const store::ProgressFn& progress) {
  History history(store, demo, options, progress);
  return history.Run();
}

}  // namespace keneya::demo
