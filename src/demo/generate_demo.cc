// The demo dataset generator. docs/DEMO.md explains what it makes and why; this file keeps the
// numbers (populations, volumes, seasons) in tables near the top so that they can be read and
// changed in one place.
//
// Determinism: every number comes from core::Random seeded with options.seed. Each facility draws
// from its own stream, Fork(hash of its code), so its values do not depend on the order in which
// facilities are processed or on how many other facilities there are; each district draws its
// names from Fork(hash of "names/" + district code). Uids come from one stream in creation order.
#include <algorithm>
#include <array>
#include <cmath>
#include <map>
#include <numbers>
#include <numeric>
#include <set>
#include <span>
#include <unordered_set>

#include "core/data_value.h"
#include "core/period.h"
#include "core/random.h"
#include "core/uid.h"
#include "demo/demo.h"
#include "demo/demo_internal.h"
#include "demo/districts.h"
#include "fbr/overview.h"

namespace keneya::demo {

// ---------------------------------------------------------------------------------------------
// Name helpers (demo_internal.h)

namespace internal {
namespace {

// Decodes one UTF-8 character at text[i], advancing i; malformed bytes decode as themselves.
char32_t DecodeUtf8(std::string_view text, size_t& i) {
  const auto byte = [&](size_t k) { return static_cast<unsigned char>(text[k]); };
  const unsigned char b0 = byte(i);
  int extra = 0;
  char32_t cp = b0;
  if (b0 >= 0xF0 && b0 < 0xF8) {
    extra = 3;
    cp = b0 & 0x07;
  } else if (b0 >= 0xE0) {
    extra = 2;
    cp = b0 & 0x0F;
  } else if (b0 >= 0xC0) {
    extra = 1;
    cp = b0 & 0x1F;
  }
  if (i + extra >= text.size()) {  // truncated sequence
    ++i;
    return b0;
  }
  for (int k = 1; k <= extra; ++k) {
    if ((byte(i + k) & 0xC0) != 0x80) {
      ++i;
      return b0;
    }
    cp = (cp << 6) | (byte(i + k) & 0x3F);
  }
  i += 1 + extra;
  return cp;
}

// The unaccented upper-case ASCII letter of a Latin-1 letter, or 0.
char BaseLetter(char32_t cp) {
  if (cp < 0x80) {
    const char c = static_cast<char>(cp);
    if (c >= 'a' && c <= 'z') return static_cast<char>(c - 'a' + 'A');
    if ((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) return c;
    return 0;
  }
  // U+00C0..U+00FF, upper then lower case share the same letters 32 code points apart.
  static constexpr char kLatin1[] = "AAAAAAACEEEEIIIIDNOOOOO_OUUUUYTS";
  if (cp >= 0xC0 && cp <= 0xFF) {
    const char c = kLatin1[(cp - 0xC0) % 32];
    if (cp == 0xD7 || cp == 0xF7) return 0;  // multiplication and division signs
    if (cp == 0xDF) return 'S';              // sharp s
    if (cp == 0xFF) return 'Y';
    return c == '_' ? 0 : c;
  }
  if (cp == 0x152 || cp == 0x153) return 'O';  // oe ligature: the O is enough for a code
  return 0;
}

}  // namespace

std::string CodeFromName(std::string_view name) {
  std::string code;
  bool pending_separator = false;
  for (size_t i = 0; i < name.size();) {
    const char letter = BaseLetter(DecodeUtf8(name, i));
    if (letter == 0) {
      pending_separator = !code.empty();
      continue;
    }
    if (pending_separator) code += '_';
    pending_separator = false;
    code += letter;
  }
  return code;
}

std::string Of(std::string_view place) {
  if (place.starts_with("Commune ")) return "de la " + std::string(place);
  size_t i = 0;
  const char32_t first = place.empty() ? U'\0' : DecodeUtf8(place, i);
  const char base = BaseLetter(first);
  // "Y" is a consonant in Yélimané or Yorosso; "H" is aspirated in Malian place names.
  const bool vowel = base == 'A' || base == 'E' || base == 'I' || base == 'O' || base == 'U';
  return (vowel ? "d'" : "de ") + std::string(place);
}

std::vector<int> Apportion(const std::vector<double>& weights, int total, int minimum) {
  const int n = static_cast<int>(weights.size());
  std::vector<int> parts(n, 0);
  if (n == 0 || total <= 0) return parts;
  const int floor_each = std::min(minimum, total / n);
  for (int& p : parts) p = floor_each;
  const int rest = total - floor_each * n;
  const double sum = std::accumulate(weights.begin(), weights.end(), 0.0);
  std::vector<double> remainder(n, 0.0);
  int given = 0;
  for (int i = 0; i < n; ++i) {
    const double quota = sum > 0 ? rest * weights[i] / sum : static_cast<double>(rest) / n;
    const int whole = static_cast<int>(std::floor(quota));
    parts[i] += whole;
    given += whole;
    remainder[i] = quota - whole;
  }
  std::vector<int> order(n);
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(),
                   [&](int a, int b) { return remainder[a] > remainder[b]; });
  for (int k = 0; given < rest; ++k, ++given) ++parts[order[k % n]];
  return parts;
}

uint64_t Fnv1a(std::string_view text) {
  uint64_t hash = 0xcbf29ce484222325ULL;
  for (unsigned char c : text) {
    hash ^= c;
    hash *= 0x100000001b3ULL;
  }
  return hash;
}

void RescaleToTotal(std::vector<int64_t>& values, int64_t target) {
  const size_t n = values.size();
  if (n == 0) return;
  const int64_t sum = std::accumulate(values.begin(), values.end(), int64_t{0});
  std::vector<double> fraction(n, 0.0);
  int64_t given = 0;
  for (size_t i = 0; i < n; ++i) {
    const double exact =
        sum > 0 ? static_cast<double>(values[i]) * target / sum : static_cast<double>(target) / n;
    const int64_t whole = static_cast<int64_t>(std::floor(exact));
    values[i] = whole;
    given += whole;
    fraction[i] = exact - whole;
  }
  std::vector<size_t> order(n);
  std::iota(order.begin(), order.end(), size_t{0});
  std::stable_sort(order.begin(), order.end(),
                   [&](size_t a, size_t b) { return fraction[a] > fraction[b]; });
  for (size_t k = 0; given < target; ++k, ++given) ++values[order[k % n]];
  // Floating-point rounding can overshoot by a unit; take it back from the smallest fractions.
  for (size_t k = 0; given > target; ++k) {
    const size_t i = order[n - 1 - (k % n)];
    if (values[i] > 0) {
      --values[i];
      --given;
    }
  }
}

}  // namespace internal

namespace {

using core::OrgUnitType;
using core::Random;
using internal::CodeFromName;
using internal::Fnv1a;
using internal::Of;

// ---------------------------------------------------------------------------------------------
// Tables

// The kinds of contracted facility, in the order facilities are listed within a district.
enum Kind { kCsref, kEph, kCscom, kMaternity, kCooperative, kPrivate, kKindCount };

constexpr OrgUnitType kKindType[kKindCount] = {
    OrgUnitType::kCsref,     OrgUnitType::kRegionalHospital,  OrgUnitType::kCscom,
    OrgUnitType::kMaternity, OrgUnitType::kCooperativeClinic, OrgUnitType::kPrivateClinic};

// How many of each kind the demo contracts nationally (docs/DEMO.md): one CSRéf per district and
// eight EPH come from the pyramid; the others are shared among districts by weight.
constexpr int kCscomCount = 1535;
constexpr int kMaternityCount = 250;
constexpr int kPrivateCount = 117;
constexpr int kCooperativeCount = 15;
constexpr double kAscSitesTarget = 3000;  // expected total; the draw lands within a few %

// Which family of place names a region's villages get.
enum class NameZone { kMande, kCentre, kNorth, kBamako };

struct RegionProfile {
  std::string_view name;      // as in HealthRegions()
  std::string_view code_key;  // "KAYES" -> REGION_KAYES
  std::string_view capital;   // the district that holds the regional capital
  NameZone zone;
  // Added to the remoteness score of the region's facilities (equity category): the north,
  // thinly populated and insecure, weighs most.
  double remoteness;
  // Typical distance (km) of the farthest facilities from the district town.
  double spread_km;
  bool has_eph;           // one of the eight regional hospitals
  double facility_size;   // volume multiplier of the region's first-level facilities
  double quality_offset;  // added to the facilities' quality scores
};

constexpr RegionProfile kRegions[] = {
    {"Kayes", "KAYES", "Kayes", NameZone::kMande, 0.45, 65, true, 0.95, 0.0},
    {"Koulikoro", "KOULIKORO", "Koulikoro", NameZone::kMande, 0.20, 55, true, 1.05, 0.02},
    {"Sikasso", "SIKASSO", "Sikasso", NameZone::kMande, 0.25, 55, true, 1.1, 0.02},
    {"Ségou", "SEGOU", "Ségou", NameZone::kMande, 0.30, 60, true, 1.0, 0.01},
    {"Mopti", "MOPTI", "Mopti", NameZone::kCentre, 0.60, 65, true, 0.9, -0.02},
    {"Tombouctou", "TOMBOUCTOU", "Tombouctou", NameZone::kNorth, 1.20, 120, true, 0.75, -0.04},
    {"Gao", "GAO", "Gao", NameZone::kNorth, 1.20, 110, true, 0.8, -0.03},
    {"Kidal", "KIDAL", "Kidal", NameZone::kNorth, 1.80, 180, true, 0.6, -0.06},
    {"Taoudénit", "TAOUDENIT", "Taoudénit", NameZone::kNorth, 2.00, 200, false, 0.5, -0.06},
    {"Ménaka", "MENAKA", "Ménaka", NameZone::kNorth, 1.60, 150, false, 0.6, -0.05},
    {"District de Bamako", "BAMAKO", "Commune III", NameZone::kBamako, 0.0, 5, false, 1.4, 0.03},
};

// Rough population of each district in thousands, used only as weights to spread facilities
// and volumes. Illustrative orders of magnitude, not census figures.
struct DistrictProfile {
  std::string_view name;
  int population_k;
  // Pull on private clinics: 3 for Bamako's communes, 1 for a regional capital, 0.3 for a large
  // secondary town, 0 for a rural district.
  double town_weight;
};

constexpr DistrictProfile kDistrictProfiles[] = {
    {"Kayes", 560, 1},
    {"Bafoulabé", 170, 0},
    {"Diéma", 230, 0},
    {"Kéniéba", 240, 0},
    {"Kita", 300, 0.3},
    {"Nioro du Sahel", 270, 0},
    {"Oussoubidiagna", 110, 0},
    {"Sagabari", 90, 0},
    {"Séféto", 110, 0},
    {"Yélimané", 220, 0},
    {"Koulikoro", 260, 1},
    {"Banamba", 270, 0},
    {"Dioïla", 330, 0},
    {"Fana", 260, 0},
    {"Kalaban Coro", 450, 0.3},
    {"Kangaba", 150, 0},
    {"Kati", 560, 0.3},
    {"Kolokani", 300, 0},
    {"Nara", 290, 0},
    {"Ouéléssébougou", 260, 0},
    {"Sikasso", 520, 1},
    {"Bougouni", 560, 0.3},
    {"Kadiolo", 270, 0},
    {"Kignan", 220, 0},
    {"Kolondiéba", 260, 0},
    {"Koutiala", 700, 0.3},
    {"Niéna", 260, 0},
    {"Sélingué", 110, 0},
    {"Yanfolila", 240, 0},
    {"Yorosso", 260, 0},
    {"Ségou", 560, 1},
    {"Barouéli", 270, 0},
    {"Bla", 380, 0},
    {"Macina", 270, 0},
    {"Markala", 280, 0},
    {"Niono", 450, 0.3},
    {"San", 470, 0.3},
    {"Tominian", 310, 0},
    {"Mopti", 450, 1},
    {"Bandiagara", 420, 0},
    {"Bankass", 340, 0},
    {"Djenné", 280, 0},
    {"Douentza", 310, 0},
    {"Koro", 480, 0},
    {"Ténenkou", 230, 0},
    {"Youwarou", 150, 0},
    {"Tombouctou", 100, 1},
    {"Diré", 140, 0},
    {"Goundam", 190, 0},
    {"Gourma-Rharous", 140, 0},
    {"Niafunké", 230, 0},
    {"Taoudénit", 12, 0},
    {"Achouratt", 8, 0},
    {"Al-Ourche", 6, 0},
    {"Araouane", 10, 0},
    {"Boujbeha", 8, 0},
    {"Foum-Elba", 6, 0},
    {"Gao", 280, 1},
    {"Ansongo", 170, 0},
    {"Bourem", 140, 0},
    {"Almoustarat", 40, 0},
    {"Kidal", 45, 1},
    {"Abeïbara", 12, 0},
    {"Tessalit", 18, 0},
    {"Tin-Essako", 12, 0},
    {"Ménaka", 55, 1},
    {"Andéramboukane", 25, 0},
    {"Inékar", 18, 0},
    {"Tidermène", 12, 0},
    {"Commune I", 480, 3},
    {"Commune II", 210, 3},
    {"Commune III", 160, 3},
    {"Commune IV", 420, 3},
    {"Commune V", 600, 3},
    {"Commune VI", 800, 3},
};

// Village and quartier names. Real place names of each region are drawn first, then names made
// from syllables of the region's languages (see MakeSyllableName).
constexpr std::string_view kKayesVillages[] = {
    "Diboli",       "Sadiola",  "Diamou",     "Ségala",   "Lontou",   "Samé",     "Kamankolé",
    "Aourou",       "Sandaré",  "Sirimoulou", "Dioboula", "Guémou",   "Kassama",  "Tambacara",
    "Diakon",       "Kontéla",  "Toukoto",    "Mahina",   "Gouméra",  "Sébékoro", "Bendougouba",
    "Kourounikoto", "Diallan",  "Séro",       "Fégui",    "Gavinané", "Boron",    "Faléa",
    "Dialafara",    "Sitakili", "Djidian",    "Kassaro",  "Tambaga",  "Kolomina"};
constexpr std::string_view kKoulikoroVillages[] = {
    "Siby",         "Dio",          "Kambila",    "Tienfala",     "Moribabougou", "Safo",
    "Néguéla",      "Kassela",      "Dogodouman", "Faraba",       "Bancoumana",   "Narena",
    "Samaya",       "Mountougoula", "Baguinéda",  "Sanankoroba",  "Dialakoroba",  "Niamana",
    "Doumba",       "Massantola",   "Didiéni",    "Toukoroba",    "Sirakorola",   "Kalifabougou",
    "Nossombougou", "Ballé",        "Dilly",      "Goumbou",      "Mourdiah",     "Koula",
    "Méguétan",     "Tougouni",     "Bénkadi",    "Madina Sacko", "Duguwolowula", "Sagabala"};
constexpr std::string_view kSikassoVillages[] = {
    "Kléla",   "Lobougoula", "Danderesso", "Finkolo",     "Kaboïla",   "Loulouni", "Zégoua",
    "Misséni", "Diou",       "Garalo",     "Ouroumpana",  "Koumantou", "Kebila",   "Kologo",
    "Sanzana", "Molobala",   "M'Pessoba",  "Konséguéla",  "Fakola",    "Kadiana",  "Koury",
    "Mahou",   "Boura",      "Tiogola",    "Ménamba",     "Farakala",  "Kouoro",   "Zanférébougou",
    "Dogoni",  "Natien",     "Blendio",    "Faragouaran", "Sido",      "Kignélé"};
constexpr std::string_view kSegouVillages[] = {
    "Dioro",  "Sansanding",  "Cinzana",  "Katiéna", "Konodimini", "Pelengana", "Sama",
    "Farako", "Boidié",      "Tamani",   "Somo",    "Kimparana",  "Fangasso",  "Mandiakuy",
    "Touba",  "Diabaly",     "Siribala", "Sokolo",  "Kolongo",    "Saro",      "Monimpébougou",
    "Souba",  "Dougabougou", "Ténéni",   "Kalaké",  "Diédougou",  "Yangasso",  "Falo",
    "Sarro",  "Kokry",       "Nampala",  "Pogo"};
constexpr std::string_view kMoptiVillages[] = {
    "Sangha",     "Dourou",    "Kani-Kombolé", "Sévaré",     "Soufouroulaye", "Fatoma",
    "Konna",      "Dialloubé", "Ningari",      "Ogossagou",  "Dinangourou",   "Mondoro",
    "Boni",       "Hombori",   "Sofara",       "Kouakourou", "Dioura",        "Madiama",
    "Diafarabé",  "Socoura",   "Borondougou",  "Ségué",      "Diallassagou",  "Kendé",
    "Dimbal",     "Ouenkoro",  "Sobangouma",   "Tonga",      "Mopti-Gangal",  "Toguéré",
    "Bandiougou", "Pél",       "Dioungani",    "Kassa"};
constexpr std::string_view kNorthVillages[] = {
    "Ber",       "Bintagoungou", "Tonka",     "Léré",         "Soumpi",       "Haïbongo",
    "Tindirma",  "Hamzakoma",    "Koura",     "Fittouga",     "Raz-El-Ma",    "Gargando",
    "Dangha",    "Banikane",     "Sareyamou", "Gossi",        "Inadiatafane", "Gabero",
    "Djebock",   "Tacharane",    "Bara",      "Bamba",        "Temera",       "Ouatagouna",
    "Tessit",    "Talataye",     "Tarkint",   "Sony",         "Forgho",       "Kadji",
    "Taboye",    "Aguelhok",     "Anéfis",    "Tinzaouatène", "Boghassa",     "Essouk",
    "Intadéni",  "Takalot",      "Tinabaw",   "Alata",        "Fanfi",        "Izingaz",
    "Tabankort", "Bir Ounane",   "Intahaka",  "Anchawadj"};
// Quartiers of the district towns where the demo puts its urban facilities.
constexpr std::string_view kKatiQuartiers[] = {"Farada",    "Malibougou",   "Sananfara",
                                               "Noumorila", "Samakébougou", "Kati Coura"};
constexpr std::string_view kCommune1[] = {"Korofina Nord",
                                          "Korofina Sud",
                                          "Banconi",
                                          "Boulkassoumbougou",
                                          "Djélibougou",
                                          "Doumanzana",
                                          "Fadjiguila",
                                          "Sikoroni",
                                          "Sotuba",
                                          "Banconi Flabougou",
                                          "Banconi Salembougou",
                                          "Dianguinébougou"};
constexpr std::string_view kCommune2[] = {
    "Missira",       "Niarela",      "Bagadadji", "Médina Coura",      "Bozola",   "Hippodrome",
    "Quinzambougou", "Bakaribougou", "TSF",       "Zone industrielle", "Bougouba", "N'Gomi"};
constexpr std::string_view kCommune3[] = {
    "Bamako Coura",     "Dravéla",  "Badialan",   "Ouolofobougou",  "Point G",    "Koulouba",
    "N'Tomikorobougou", "Darsalam", "Kodabougou", "Niomirambougou", "Sogonafing", "Samé"};
constexpr std::string_view kCommune4[] = {"Lafiabougou",    "Hamdallaye",      "Djicoroni Para",
                                          "Sébénikoro",     "Taliko",          "Lassa",
                                          "Sibiribougou",   "Kalabambougou",   "Djicoroni Droit",
                                          "Hamdallaye ACI", "Lafiabougou Koda"};
constexpr std::string_view kCommune5[] = {"Quartier Mali",  "Badalabougou",     "Torokorobougou",
                                          "Daoudabougou",   "Sabalibougou",     "Kalaban Coura",
                                          "Baco Djicoroni", "Garantibougou",    "Bacodjicoroni ACI",
                                          "Sema",           "Kalaban Coura ACI"};
constexpr std::string_view kCommune6[] = {
    "Sogoniko",      "Niamakoro",          "Faladié",
    "Banankabougou", "Magnambougou",       "Missabougou",
    "Sokorodji",     "Yirimadio",          "Sénou",
    "Dianéguéla",    "Sirakoro Méguétana", "Niamakoro Cité UNICEF",
    "Faladié Sokoro"};

// Names for private clinics (the facility name is a prefix plus one of these).
constexpr std::string_view kClinicPrefixes[] = {"Clinique", "Clinique médicale", "Polyclinique",
                                                "Cabinet médical", "Centre médical"};
constexpr std::string_view kClinicNames[] = {
    "Pasteur",       "Avicenne",        "Le Bon Samaritain",
    "La Providence", "Espoir",          "Sainte-Anne",
    "Al Farouk",     "Djoliba",         "Kénédougou",
    "Niéta",         "Kènèya",          "Bien-Être",
    "Yérédon",       "Santé Plus",      "Lumière",
    "Fraternité",    "Les Flamboyants", "Baraka",
    "Horizon",       "Solidarité",      "Méridien",
    "Les Cocotiers", "La Colombe",      "Le Fleuve",
    "Étoile",        "Sahel",           "Jigiya",
    "Hakili",        "Benkadi",         "Sinikan",
    "Le Relais",     "Oasis",           "Nafa",
    "Diamant",       "La Source",       "Les Palmiers",
    "Kabako",        "Bamba",           "Tabital",
    "Wassa"};

std::span<const std::string_view> RegionVillages(std::string_view region) {
  if (region == "Kayes") return kKayesVillages;
  if (region == "Koulikoro") return kKoulikoroVillages;
  if (region == "Sikasso") return kSikassoVillages;
  if (region == "Ségou") return kSegouVillages;
  if (region == "Mopti") return kMoptiVillages;
  if (region == "District de Bamako") return {};
  return kNorthVillages;
}

std::span<const std::string_view> DistrictQuartiers(std::string_view district) {
  if (district == "Kati") return kKatiQuartiers;
  if (district == "Commune I") return kCommune1;
  if (district == "Commune II") return kCommune2;
  if (district == "Commune III") return kCommune3;
  if (district == "Commune IV") return kCommune4;
  if (district == "Commune V") return kCommune5;
  if (district == "Commune VI") return kCommune6;
  return {};
}

// Syllables of plausible village names: a first part and an ending, per language family.
constexpr std::string_view kMandeFirst[] = {
    "Sira", "Dia",   "Kala", "Fala", "Nia",  "Sana", "Kéné", "Sama", "Dou",   "Mana",
    "Tien", "Sou",   "Bana", "Kolo", "Sibi", "Bala", "Dié",  "Fara", "Massa", "Kani",
    "Soro", "Koni",  "Bou",  "Dan",  "Finé", "Kour", "Zan",  "Ména", "Tou",   "Sogo",
    "Dio",  "Kamba", "Nian", "Ton",  "Djo",  "Ko",   "Wolo", "Mori", "Bena",  "Tiè"};
constexpr std::string_view kMandeEnd[] = {"koro", "kouna", "bougou", "dougou", "koroba", "na",
                                          "la",   "ni",    "so",     "ba",     "fara",   "diala",
                                          "ma",   "gué",   "bé",     "dji",    "sso",    "mana",
                                          "kan",  "lé",    "dala",   "kourou", "bala"};
constexpr std::string_view kCentreFirst[] = {
    "Ogo",   "Dou",   "San",  "Kani",  "Tiré", "Dian",  "Endé", "Bori", "Ningo",  "Sega",
    "Dinan", "Tégué", "Yoro", "Mondo", "Gan",  "Kona",  "Sofa", "Ouro", "Hombo",  "Boni",
    "Toupé", "Dogo",  "Séno", "Kor",   "Bam",  "Diafa", "Soma", "Kéra", "Koumbo", "Dinia"};
constexpr std::string_view kCentreEnd[] = {"ssagou", "gourou", "ré",     "gué", "mbo", "ndé",
                                           "kamba",  "bé",     "dourou", "ni",  "sso", "tara",
                                           "lé",     "gari",   "ka",     "na",  "ri",  "bara"};
constexpr std::string_view kNorthFirst[] = {
    "Tin", "In",   "Ta",    "Agu",  "Ber",  "Bam", "Ha",   "Ti",   "Ara",  "Inta", "Tar", "Tess",
    "Ach", "Akal", "Ebang", "Tako", "Gour", "Kab", "Bour", "Tonk", "Rhar", "Dao",  "Hom", "Egu"};
constexpr std::string_view kNorthEnd[] = {
    "zaouatène", "tahaka", "kint", "belbel", "chaouane", "fis",  "guelhok", "bou", "adjar", "ahara",
    "bongo",     "ka",     "gou",  "mbo",    "tane",     "déni", "dinane",  "bé",  "ilal",  "bara"};

bool EndsWithVowel(std::string_view s) {
  return s.ends_with("a") || s.ends_with("e") || s.ends_with("i") || s.ends_with("o") ||
         s.ends_with("u") || s.ends_with("é") || s.ends_with("è");
}
bool StartsWithVowel(std::string_view s) {
  return s.starts_with("a") || s.starts_with("e") || s.starts_with("i") || s.starts_with("o") ||
         s.starts_with("u") || s.starts_with("é");
}

template <typename T>
const T& Pick(std::span<const T> items, Random& rng) {
  return items[static_cast<size_t>(rng.UniformInt(0, static_cast<int64_t>(items.size()) - 1))];
}

std::string MakeSyllableName(NameZone zone, Random& rng) {
  std::span<const std::string_view> first = kMandeFirst;
  std::span<const std::string_view> end = kMandeEnd;
  if (zone == NameZone::kCentre) {
    first = kCentreFirst;
    end = kCentreEnd;
  } else if (zone == NameZone::kNorth) {
    first = kNorthFirst;
    end = kNorthEnd;
  }
  while (true) {
    const std::string_view a = Pick(first, rng);
    const std::string_view b = Pick(end, rng);
    // Two vowels across the join read badly ("Sanaa"); draw again.
    if (EndsWithVowel(a) && StartsWithVowel(b)) continue;
    return std::string(a) + std::string(b);
  }
}

constexpr std::string_view kRoman[] = {"II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X"};

// The place names of one district, each used once: CSCOM, maternity, CCS and ASC site villages.
class NameBook {
 public:
  NameBook(NameZone zone, std::span<const std::string_view> quartiers,
           std::span<const std::string_view> villages, Random rng)
      : zone_(zone), quartiers_(quartiers), villages_(villages), rng_(rng) {}

  void Reserve(std::string_view name) { used_.insert(std::string(name)); }

  // An urban name (a quartier of the district town) when the district has a list, else a
  // village name.
  std::string DrawQuartier() {
    for (int attempt = 0; attempt < 8 && !quartiers_.empty(); ++attempt) {
      std::string name(Pick(quartiers_, rng_));
      if (used_.insert(name).second) return name;
    }
    return DrawVillage();
  }

  std::string DrawVillage() {
    for (int attempt = 0; attempt < 40; ++attempt) {
      std::string name;
      const double u = rng_.Uniform();
      if (!quartiers_.empty() && u < 0.5) {
        name = Pick(quartiers_, rng_);
      } else if (!villages_.empty() && u < 0.8) {
        name = Pick(villages_, rng_);
      } else {
        name = MakeSyllableName(zone_ == NameZone::kBamako ? NameZone::kMande : zone_, rng_);
      }
      if (used_.insert(name).second) return name;
    }
    // Crowded district: a second centre in the same place ("Niamakoro II").
    const std::string base =
        MakeSyllableName(zone_ == NameZone::kBamako ? NameZone::kMande : zone_, rng_);
    if (used_.insert(base).second) return base;
    for (std::string_view numeral : kRoman) {
      std::string name = base + " " + std::string(numeral);
      if (used_.insert(name).second) return name;
    }
    return DrawVillage();
  }

 private:
  NameZone zone_;
  std::span<const std::string_view> quartiers_;
  std::span<const std::string_view> villages_;
  Random rng_;
  std::set<std::string> used_;
};

// ---------------------------------------------------------------------------------------------
// Indicators

enum Indicator {
  kConsult5Plus,
  kConsultUnder5,
  kConsultIndigent,
  kCpn1,
  kCpn4,
  kDelivery,
  kPostnatal,
  kFpShort,
  kFpLong,
  kFullyVaccinated,
  kIpt3,
  kHivTest,
  kSamOutpatient,
  kReferral,
  kTuberculosis,
  kMinorSurgery,
  kAscMalaria,
  kAscDiarrhoea,
  kAscPneumonia,
  kAscSamReferred,
  kCaesarean,
  kObstetricComplication,
  kHospitalDay,
  kMajorSurgery,
  kSamComplicated,
  kIndicatorCount
};

// Monthly shapes, January to December, scaled so that each averages 1 over the year.
enum Season { kFlat, kMalaria, kMalariaMild, kLean, kRainy, kColdDry, kSeasonCount };
constexpr double kSeasonShape[kSeasonCount][12] = {
    {1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1},
    // Malaria transmission follows the rains: July to October.
    {0.75, 0.7, 0.7, 0.7, 0.75, 0.9, 1.3, 1.6, 1.75, 1.6, 1.1, 0.85},
    {0.9, 0.85, 0.85, 0.85, 0.9, 0.95, 1.1, 1.25, 1.3, 1.2, 1.0, 0.9},
    // The lean season (soudure), June to September, brings acute malnutrition.
    {0.8, 0.75, 0.75, 0.8, 0.9, 1.15, 1.35, 1.4, 1.3, 1.0, 0.9, 0.85},
    {0.85, 0.8, 0.85, 0.9, 1.0, 1.15, 1.25, 1.25, 1.1, 1.0, 0.9, 0.9},
    // Cold dry season (harmattan), December to February: respiratory infections.
    {1.3, 1.25, 1.05, 0.9, 0.85, 0.85, 0.9, 0.9, 0.9, 0.95, 1.05, 1.25},
};

struct IndicatorSpec {
  std::string_view code;
  std::string_view name;
  std::string_view short_name;
  std::string_view tariff;  // illustrative tariff in FCFA (DOMAIN.md), for the description
  Season season;
  bool asc;  // reported by CSCOMs for their community health worker sites
};

constexpr IndicatorSpec kIndicators[kIndicatorCount] = {
    {"FBR_CONSULT_CUR_5PLUS", "Consultations curatives des 5 ans et plus",
     "Consultations curatives 5 ans et +", "250", kMalariaMild, false},
    {"FBR_CONSULT_CUR_MOINS5", "Consultations curatives des moins de 5 ans",
     "Consultations curatives moins de 5 ans", "400", kMalaria, false},
    {"FBR_CONSULT_INDIGENT", "Consultations curatives des indigents", "Consultations des indigents",
     "1 000", kFlat, false},
    {"FBR_CPN1_T1", "Première consultation prénatale (CPN1) au premier trimestre",
     "CPN1 au 1er trimestre", "1 000", kFlat, false},
    {"FBR_CPN4", "Quatrième consultation prénatale (CPN4)", "CPN4", "1 500", kFlat, false},
    {"FBR_ACCOUCHEMENT", "Accouchements assistés", "Accouchements assistés", "5 000", kFlat, false},
    {"FBR_CONSULT_POSTNATALE", "Consultations postnatales", "Consultations postnatales", "2 500",
     kFlat, false},
    {"FBR_PF_COURTE_DUREE", "Planification familiale : méthodes de courte durée", "PF courte durée",
     "800", kFlat, false},
    {"FBR_PF_IMPLANT_DIU", "Planification familiale : implant ou DIU", "PF implant ou DIU", "4 000",
     kFlat, false},
    {"FBR_ENFANT_VACCINE", "Enfants complètement vaccinés", "Enfants complètement vaccinés",
     "1 750", kFlat, false},
    {"FBR_TPI3", "Femmes enceintes ayant reçu le TPI3", "TPI3", "600", kFlat, false},
    {"FBR_DEPISTAGE_VIH_FE", "Femmes enceintes dépistées pour le VIH",
     "Dépistage VIH femmes enceintes", "800", kFlat, false},
    {"FBR_MAS_AMBULATOIRE_GUERI", "Malnutrition aiguë sévère en ambulatoire : enfants guéris",
     "MAS ambulatoire guéris", "5 000", kLean, false},
    {"FBR_REFERENCE", "Références arrivées et contre-références", "Références et contre-références",
     "2 000", kFlat, false},
    {"FBR_TB_DEPISTE", "Tuberculose à frottis positif dépistée", "TB frottis+ dépistée", "5 000",
     kFlat, false},
    {"FBR_PETITE_CHIRURGIE", "Actes de petite chirurgie", "Petite chirurgie", "1 000", kFlat,
     false},
    {"FBR_ASC_PALU_TRAITE", "ASC : cas de paludisme (TDR positif) traités",
     "ASC paludisme TDR+ traité", "300", kMalaria, true},
    {"FBR_ASC_DIARRHEE", "ASC : diarrhées traitées par SRO et zinc", "ASC diarrhée SRO/zinc", "250",
     kRainy, true},
    {"FBR_ASC_PNEUMONIE", "ASC : pneumonies traitées", "ASC pneumonie", "300", kColdDry, true},
    {"FBR_ASC_MAS_REFERE", "ASC : cas de malnutrition aiguë sévère référés", "ASC MAS référée",
     "500", kLean, true},
    {"FBR_CESARIENNE", "Césariennes", "Césariennes", "25 000", kFlat, false},
    {"FBR_COMPLICATION_OBST", "Complications obstétricales prises en charge",
     "Complications obstétricales", "10 000", kFlat, false},
    {"FBR_JOURNEE_HOSPITALISATION", "Journées d'hospitalisation", "Journées d'hospitalisation",
     "600", kMalariaMild, false},
    {"FBR_CHIRURGIE_MAJEURE", "Interventions de chirurgie majeure", "Chirurgie majeure", "15 000",
     kFlat, false},
    {"FBR_MAS_COMPLIQUEE_GUERI", "Malnutrition aiguë sévère avec complications : enfants guéris",
     "MAS avec complications guéris", "15 000", kLean, false},
};

// Mean monthly count in 2021 for a facility of median size, by kind (0: the kind does not offer
// it). ASC indicators are per ASC site and only CSCOMs report them.
constexpr double kMonthlyMean[kKindCount][kIndicatorCount] = {
    // CSRéf: the district town's first level plus the district's referral care.
    {380, 220, 12, 30, 22, 75, 40, 45, 15, 35,  20, 35, 6,
     25,  4,   25, 0,  0,  0,  0,  14, 22, 380, 16, 6},
    // EPH: hospital care mostly.
    {650, 0, 0, 0, 0, 110, 0, 0, 0, 0, 0, 0, 0, 45, 6, 0, 0, 0, 0, 0, 40, 55, 1400, 55, 14},
    // CSCOM.
    {110, 75, 3, 12, 8, 15, 11, 20, 4, 16, 9, 12, 3, 3, 0.4, 6, 0, 0, 0, 0, 0, 0, 0, 0, 0},
    // Village maternity: mothers and newborns.
    {0, 0, 0, 6, 4, 7, 5, 7, 1.2, 6, 4.5, 5, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0},
    // Cooperative clinic (CCS).
    {190, 75, 0, 9, 6, 11, 7, 11, 2.5, 9, 0, 0, 0, 0, 0, 15, 0, 0, 0, 0, 0, 0, 0, 0, 0},
    // Private clinic.
    {160, 55, 0, 7, 5, 9, 5, 9, 2.5, 0, 0, 0, 0, 0, 0, 14, 0, 0, 0, 0, 0, 0, 0, 0, 0},
};
constexpr double kAscMonthlyMeanPerSite[kIndicatorCount] = {
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 12, 5, 4, 0.8, 0, 0, 0, 0, 0};

// Quality checklist domains. Points possible per kind (CSRéf, EPH, CSCOM, maternity, CCS,
// private): fixed, 10 to 40, as the national checklist weighs them (illustrative).
struct QualityDomain {
  std::string_view code;
  std::string_view name;
  std::string_view short_name;
  int points[kKindCount];
};

constexpr QualityDomain kQualityDomains[] = {
    {"FBR_QUALITE_HYGIENE",
     "Qualité : hygiène et gestion des déchets",
     "Qualité hygiène",
     {30, 30, 30, 25, 30, 30}},
    {"FBR_QUALITE_MATERNITE",
     "Qualité : maternité et soins obstétricaux",
     "Qualité maternité",
     {40, 40, 35, 40, 30, 30}},
    {"FBR_QUALITE_MEDICAMENTS",
     "Qualité : gestion des médicaments essentiels",
     "Qualité médicaments",
     {25, 25, 25, 15, 25, 25}},
    {"FBR_QUALITE_FINANCES",
     "Qualité : gestion financière",
     "Qualité finances",
     {20, 20, 20, 10, 25, 25}},
    {"FBR_QUALITE_GESTION",
     "Qualité : gestion générale et ressources humaines",
     "Qualité gestion",
     {20, 20, 20, 10, 20, 20}},
    {"FBR_QUALITE_PEV", "Qualité : vaccination (PEV)", "Qualité PEV", {20, 10, 20, 20, 10, 10}},
    {"FBR_QUALITE_PF", "Qualité : planification familiale", "Qualité PF", {15, 10, 15, 20, 15, 15}},
    {"FBR_QUALITE_LABORATOIRE",
     "Qualité : laboratoire",
     "Qualité laboratoire",
     {30, 35, 15, 10, 20, 20}},
    {"FBR_QUALITE_HOSPITALISATION",
     "Qualité : hospitalisation et mise en observation",
     "Qualité hospitalisation",
     {35, 40, 15, 10, 15, 15}},
    {"FBR_QUALITE_SIS",
     "Qualité : système d'information sanitaire et données",
     "Qualité SIS et données",
     {15, 15, 15, 10, 15, 15}},
    {"FBR_QUALITE_EQUIPEMENTS",
     "Qualité : équipements et infrastructures",
     "Qualité équipements",
     {30, 35, 25, 15, 25, 25}},
    {"FBR_QUALITE_ACCUEIL",
     "Qualité : accueil et satisfaction des usagers",
     "Qualité accueil",
     {15, 15, 15, 15, 15, 15}},
};
constexpr int kQualityDomainCount = static_cast<int>(std::size(kQualityDomains));

// National quality score: 40 % in 2021Q1 rising evenly to 80 % in 2024Q4 (DOMAIN.md reports 37 %
// to 81 % for the programme).
double QualityTarget(int quarters_since_2021q1) {
  return std::clamp(0.40 + 0.40 * quarters_since_2021q1 / 15.0, 0.15, 0.92);
}

// CSCOM Koko II's verified curative consultations (both age groups) per year, from the
// programme's report (DOMAIN.md).
constexpr std::pair<int, int64_t> kKokoIIAnchors[] = {{2021, 2261}, {2022, 3505}};

// Over-declaration: the share of facilities that inflate some indicators, and by how much.
constexpr double kOverDeclarerShare = 0.20;
constexpr double kOverDeclaredMonthShare = 0.85;

// ---------------------------------------------------------------------------------------------
// Generation state

Random StreamFor(const Random& root, std::string_view key) { return root.Fork(Fnv1a(key)); }

double Round5(double x) { return std::round(x * 1e5) / 1e5; }

// The point `km` kilometres from `from` in direction `bearing` (radians from north), kept
// inside Mali's bounding box.
core::Coordinates Offset(core::Coordinates from, double km, double bearing) {
  constexpr double kKmPerDegree = 111.32;
  const double lat = from.latitude + km * std::cos(bearing) / kKmPerDegree;
  const double lon =
      from.longitude +
      km * std::sin(bearing) / (kKmPerDegree * std::cos(from.latitude * std::numbers::pi / 180));
  return {Round5(std::clamp(lat, 10.2, 24.9)), Round5(std::clamp(lon, -12.2, 4.2))};
}

core::Date DrawDate(Random& rng, int first_year, int last_year) {
  const int year = static_cast<int>(rng.UniformInt(first_year, last_year));
  const int month = static_cast<int>(rng.UniformInt(1, 12));
  const int day = static_cast<int>(rng.UniformInt(1, 28));
  return core::Date::FromYmd(year, month, day);
}

struct Facility {
  int32_t org_unit = 0;  // index in metadata.org_units
  Kind kind = kCscom;
  int district = 0;        // index in the districts vector
  int region = 0;          // index in kRegions
  double distance_km = 0;  // from the district town
  double size = 1;         // volume multiplier
  int asc_sites = 0;
  int equity = 0;  // 0..3: 0, 10, 20, 30 %
};

class Generator {
 public:
  Generator(const DemoOptions& options, const store::ProgressFn& progress)
      : options_(options),
        progress_(progress),
        root_(options.seed),
        uid_rng_(StreamFor(root_, "uids")) {}

  core::Result<DemoDataset> Run();

 private:
  void Report(std::string_view phase, int64_t done, int64_t total) const {
    if (progress_) progress_(store::Progress{phase, done, total});
  }
  std::string NewUid();
  core::OrgUnit& AddOrgUnit(const core::OrgUnit* parent, std::string code, std::string name,
                            std::string short_name, OrgUnitType type);
  core::Status BuildPyramid(const std::vector<District>& districts);
  void MarkCoordinates(const std::vector<District>& districts);
  void AddFacilities(const District& district, int district_index, int region_index,
                     const std::array<int, kKindCount>& counts, NameBook& names);
  void AssignEquity();
  void AddAscSites(const std::vector<District>& districts, std::vector<NameBook>& books);
  void BuildGroups();
  core::Status BuildCategoriesAndDataElements();
  core::Status GenerateValues();
  void GenerateFacilityMonths(const Facility& facility, const std::vector<int>& indicators,
                              std::vector<int32_t>& declared, std::vector<int32_t>& verified);
  std::optional<int> JanuaryDeclarationDay(size_t f) const;
  void ApplyKokoIITotals(const std::vector<int>& indicators, std::vector<int32_t>& declared,
                         std::vector<int32_t>& verified) const;

  const DemoOptions& options_;
  const store::ProgressFn& progress_;
  Random root_;
  Random uid_rng_;
  std::unordered_set<std::string> uids_;
  DemoDataset dataset_;
  std::vector<Facility> facilities_;
  std::vector<int32_t> district_org_units_;  // index in org_units, per district
  int32_t koko_ii_ = -1;                     // index in facilities_
  std::string contract_group_uid_;
  std::array<std::string, 4> equity_group_uids_;
  std::array<std::string, kKindCount> kind_group_uids_;
  std::string asc_group_uid_;
  // Data element index of each indicator and quality domain; option combo indices.
  std::array<int16_t, kIndicatorCount> indicator_de_{};
  std::array<int16_t, kQualityDomainCount> domain_de_{};
  int8_t default_coc_ = 0;
  int8_t obtained_coc_ = 0;
  int8_t possible_coc_ = 0;
};

std::string Generator::NewUid() {
  while (true) {
    std::string uid = core::GenerateUid(uid_rng_);
    if (uids_.insert(uid).second) return uid;
  }
}

core::OrgUnit& Generator::AddOrgUnit(const core::OrgUnit* parent, std::string code,
                                     std::string name, std::string short_name, OrgUnitType type) {
  core::OrgUnit ou;
  ou.uid = NewUid();
  ou.code = std::move(code);
  ou.name = std::move(name);
  ou.short_name = std::move(short_name);
  ou.type = type;
  if (parent == nullptr) {
    ou.level = 1;
    ou.path = "/" + ou.uid;
  } else {
    ou.level = parent->level + 1;
    ou.parent_uid = parent->uid;
    ou.path = parent->path + "/" + ou.uid;
  }
  dataset_.metadata.org_units.push_back(std::move(ou));
  return dataset_.metadata.org_units.back();
}

core::Result<DemoDataset> Generator::Run() {
  if (options_.first_year > options_.last_year) {
    return core::InvalidArgument(
        core::Message("demo.years_reversed",
                      {{"first", options_.first_year}, {"last", options_.last_year}}),
        core::Message("demo.options_place"));
  }
  if (options_.first_year < 2000 || options_.last_year > 2100 ||
      options_.last_year - options_.first_year >= 20) {
    return core::InvalidArgument(
        core::Message("demo.years_out_of_range",
                      {{"first", options_.first_year}, {"last", options_.last_year}}),
        core::Message("demo.options_place"));
  }
  KENEYA_ASSIGN_OR_RETURN(std::vector<District> districts, EmbeddedDistricts());
  KENEYA_RETURN_IF_ERROR(BuildPyramid(districts));
  BuildGroups();
  KENEYA_RETURN_IF_ERROR(BuildCategoriesAndDataElements());
  KENEYA_RETURN_IF_ERROR(GenerateValues());
  MarkCoordinates(districts);

  Report("validate", 0, 1);
  const core::Status valid = dataset_.metadata.Validate();
  if (!valid.ok()) {
    return core::Internal(core::Message("demo.metadata_invalid", {{"reason", valid.error().text}}),
                          core::Message("demo.place"));
  }
  Report("validate", 1, 1);
  return std::move(dataset_);
}

// ---------------------------------------------------------------------------------------------
// The pyramid

// The districts whose position districts.csv does not vouch for: a map lists them beside itself
// rather than drawing them (fbr::PrecisionOf). Last, so that no other uid moves.
void Generator::MarkCoordinates(const std::vector<District>& districts) {
  core::Attribute precision{0, NewUid(), std::string(fbr::kCoordinatesPrecision),
                            "Précision des coordonnées"};
  for (size_t i = 0; i < districts.size(); ++i) {
    if (district_org_units_[i] < 0) continue;
    const char* value = districts[i].placeholder_coordinates ? "PLACEHOLDER"
                        : districts[i].uncertain             ? "UNCERTAIN"
                                                             : nullptr;
    if (value == nullptr) continue;
    dataset_.metadata.org_units[district_org_units_[i]].attribute_values.push_back(
        {precision.uid, value});
  }
  dataset_.metadata.attributes.push_back(std::move(precision));
}

core::Status Generator::BuildPyramid(const std::vector<District>& districts) {
  const int district_count = static_cast<int>(districts.size());
  Report("pyramid", 0, district_count);

  // Profiles for every district and region of the file.
  std::vector<const DistrictProfile*> profiles;
  std::vector<int> region_of;
  for (const District& d : districts) {
    const auto* profile = std::find_if(std::begin(kDistrictProfiles), std::end(kDistrictProfiles),
                                       [&](const DistrictProfile& p) { return p.name == d.name; });
    if (profile == std::end(kDistrictProfiles)) {
      return core::Internal(core::Message("demo.district_without_profile", {{"name", d.name}}),
                            "districts.csv:" + std::to_string(d.line));
    }
    const auto* region = std::find_if(std::begin(kRegions), std::end(kRegions),
                                      [&](const RegionProfile& r) { return r.name == d.region; });
    if (region == std::end(kRegions)) {
      return core::Internal(core::Message("demo.region_without_profile", {{"name", d.region}}),
                            "districts.csv:" + std::to_string(d.line));
    }
    profiles.push_back(profile);
    region_of.push_back(static_cast<int>(region - std::begin(kRegions)));
  }
  const auto kati = std::find_if(districts.begin(), districts.end(),
                                 [](const District& d) { return d.name == "Kati"; });
  if (kati == districts.end()) {
    return core::Internal(core::Message("demo.no_kati"), "districts.csv");
  }

  Random pyramid_rng = StreamFor(root_, "pyramid");

  // How many facilities of each kind each district gets.
  std::vector<double> cscom_w(district_count), maternity_w(district_count),
      private_w(district_count), ccs_w(district_count);
  for (int i = 0; i < district_count; ++i) {
    const RegionProfile& region = kRegions[region_of[i]];
    const double pop = profiles[i]->population_k;
    const bool bamako = region.zone == NameZone::kBamako;
    const bool north = region.zone == NameZone::kNorth;
    const double jitter = std::exp(pyramid_rng.Normal(0, 0.12));
    // Towns need fewer CSCOMs per inhabitant than the scattered countryside.
    cscom_w[i] = std::pow(pop, 0.85) * (bamako ? 0.5 : 1.0) * jitter;
    maternity_w[i] = bamako || pop < 30 ? 0.0 : pop * (north ? 0.4 : 1.0);
    private_w[i] = pop * profiles[i]->town_weight;
    // Cooperative clinics: Bamako first, then the southern regional capitals and the towns
    // around Bamako.
    const bool capital = districts[i].name == region.capital;
    const bool near_bamako = districts[i].name == "Kati" || districts[i].name == "Kalaban Coro";
    if (bamako) {
      ccs_w[i] = pop * 2;
    } else if (capital && !north) {
      ccs_w[i] = pop;
    } else if (near_bamako) {
      ccs_w[i] = pop * 0.5;
    } else {
      ccs_w[i] = 0;
    }
  }
  const std::vector<int> cscoms = internal::Apportion(cscom_w, kCscomCount, 1);
  const std::vector<int> maternities = internal::Apportion(maternity_w, kMaternityCount, 0);
  const std::vector<int> privates = internal::Apportion(private_w, kPrivateCount, 0);
  const std::vector<int> ccs = internal::Apportion(ccs_w, kCooperativeCount, 0);

  // Country and regions.
  core::OrgUnit& country = AddOrgUnit(nullptr, "ML", "Mali", "Mali", OrgUnitType::kCountry);
  country.opening_date = core::Date::FromYmd(1960, 9, 22);
  std::vector<int32_t> region_org_unit(std::size(kRegions), -1);
  for (std::string_view region_name : HealthRegions()) {
    const auto* region =
        std::find_if(std::begin(kRegions), std::end(kRegions),
                     [&](const RegionProfile& r) { return r.name == region_name; });
    const int r = static_cast<int>(region - std::begin(kRegions));
    if (std::find(region_of.begin(), region_of.end(), r) == region_of.end()) continue;
    const auto capital = std::find_if(districts.begin(), districts.end(),
                                      [&](const District& d) { return d.name == region->capital; });
    region_org_unit[r] = static_cast<int32_t>(dataset_.metadata.org_units.size());
    core::OrgUnit& ou =
        AddOrgUnit(&dataset_.metadata.org_units[0], "REGION_" + std::string(region->code_key),
                   std::string(region->name), std::string(region->name), OrgUnitType::kRegion);
    // Taoudénit and Ménaka became regions in 2016; the others date from 1977.
    ou.opening_date = region->has_eph || region->zone == NameZone::kBamako
                          ? core::Date::FromYmd(1977, 6, 1)
                          : core::Date::FromYmd(2016, 1, 19);
    if (capital != districts.end()) ou.coordinates = capital->coordinates;
  }

  // Districts, in region order (parents before children), keeping the file's order within one.
  std::vector<int> order(district_count);
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(),
                   [&](int a, int b) { return region_of[a] < region_of[b]; });
  district_org_units_.assign(district_count, -1);
  for (int i : order) {
    const District& d = districts[i];
    const RegionProfile& region = kRegions[region_of[i]];
    district_org_units_[i] = static_cast<int32_t>(dataset_.metadata.org_units.size());
    core::OrgUnit& ou = AddOrgUnit(&dataset_.metadata.org_units[region_org_unit[region_of[i]]],
                                   "DS_" + CodeFromName(d.name), "District sanitaire " + Of(d.name),
                                   "DS " + d.name, OrgUnitType::kDistrict);
    ou.coordinates = d.coordinates;
    // The districts created after 2016 in the north (UNCERTAIN in districts.csv).
    ou.opening_date = d.uncertain && region.zone == NameZone::kNorth
                          ? core::Date::FromYmd(2017, 1, 1)
                          : core::Date::FromYmd(1990, 1, 1);
  }

  // Each district's place names; district towns are never reused as village names.
  std::vector<NameBook> books;
  books.reserve(district_count);
  for (int i = 0; i < district_count; ++i) {
    books.emplace_back(kRegions[region_of[i]].zone, DistrictQuartiers(districts[i].name),
                       RegionVillages(districts[i].region),
                       StreamFor(root_, "names/" + CodeFromName(districts[i].name)));
    for (const District& other : districts) {
      books.back().Reserve(other.name);
      books.back().Reserve(other.csref_town);
    }
  }

  // Facilities, district by district (all level 4 before any ASC site, level 5).
  int done = 0;
  for (int i : order) {
    std::array<int, kKindCount> counts{};
    const RegionProfile& region = kRegions[region_of[i]];
    counts[kCsref] = 1;
    counts[kEph] = region.has_eph && districts[i].name == region.capital ? 1 : 0;
    counts[kCscom] = cscoms[i];
    counts[kMaternity] = maternities[i];
    counts[kCooperative] = ccs[i];
    counts[kPrivate] = privates[i];
    AddFacilities(districts[i], i, region_of[i], counts, books[i]);
    Report("pyramid", ++done, district_count);
  }
  AssignEquity();
  AddAscSites(districts, books);
  if (koko_ii_ < 0) {
    return core::Internal(core::Message("demo.no_koko_ii"), core::Message("demo.place"));
  }
  return core::OkStatus();
}

void Generator::AddFacilities(const District& district, int district_index, int region_index,
                              const std::array<int, kKindCount>& counts, NameBook& names) {
  const RegionProfile& region = kRegions[region_index];
  const DistrictProfile* profile =
      std::find_if(std::begin(kDistrictProfiles), std::end(kDistrictProfiles),
                   [&](const DistrictProfile& p) { return p.name == district.name; });
  const std::string key = CodeFromName(district.name);
  const core::OrgUnit district_ou =
      dataset_.metadata.org_units[district_org_units_[district_index]];
  const bool bamako = region.zone == NameZone::kBamako;
  const bool north = region.zone == NameZone::kNorth;
  std::set<std::string> clinic_names;
  Random district_rng = StreamFor(root_, "district/" + key);

  for (int kind_index = 0; kind_index < kKindCount; ++kind_index) {
    const Kind kind = static_cast<Kind>(kind_index);
    for (int n = 0; n < counts[kind]; ++n) {
      std::string code, name, short_name;
      bool koko = false;
      // About one CSCOM in seven (all of Bamako's) serves a quartier of the district town.
      const bool urban = kind == kCscom && (bamako || district_rng.Bernoulli(0.15));
      switch (kind) {
        case kCsref:
          code = "CSREF_" + key;
          name = "CSRéf " + Of(district.name);
          short_name = "CSRéf " + district.name;
          break;
        case kEph:
          code = "EPH_" + CodeFromName(region.name);
          name = "Hôpital régional " + Of(region.name);
          short_name = "EPH " + std::string(region.name);
          break;
        case kCscom: {
          std::string village;
          if (district.name == "Kati" && n == 0) {
            village = "Koko II";
            names.Reserve(village);
            koko = true;
          } else {
            village = urban ? names.DrawQuartier() : names.DrawVillage();
          }
          code = "CSCOM_" + key + "_" + CodeFromName(village);
          name = "CSCOM " + village;
          short_name = name;
          break;
        }
        case kMaternity: {
          const std::string village = names.DrawVillage();
          code = "MAT_" + key + "_" + CodeFromName(village);
          name = "Maternité rurale " + Of(village);
          short_name = "Maternité " + village;
          break;
        }
        case kCooperative: {
          const std::string quartier = names.DrawQuartier();
          code = "CCS_" + key + "_" + CodeFromName(quartier);
          name = "Clinique coopérative de santé " + Of(quartier);
          short_name = "CCS " + quartier;
          break;
        }
        case kPrivate: {
          std::string brand;
          for (int attempt = 0; attempt < 50; ++attempt) {
            brand = Pick(std::span<const std::string_view>(kClinicNames), district_rng);
            if (!clinic_names.contains(brand)) break;
          }
          // A crowded commune: a second clinic of the same name ("Espoir II").
          const std::string base = brand;
          for (size_t k = 0; clinic_names.contains(brand); ++k) {
            brand = base + " " + std::string(kRoman[k % std::size(kRoman)]) +
                    (k >= std::size(kRoman) ? std::to_string(k) : "");
          }
          clinic_names.insert(brand);
          const std::string_view prefix =
              Pick(std::span<const std::string_view>(kClinicPrefixes), district_rng);
          code = "CLIN_" + key + "_" + CodeFromName(brand);
          name = std::string(prefix) + " " + brand;
          short_name = name.size() <= 50 ? name : "Clinique " + brand;
          break;
        }
        case kKindCount:
          break;
      }

      Facility facility;
      facility.kind = kind;
      facility.district = district_index;
      facility.region = region_index;
      facility.org_unit = static_cast<int32_t>(dataset_.metadata.org_units.size());
      Random rng = StreamFor(root_, code).Fork(1);

      // Where: CSRéf in town; urban facilities within a few km; the rest spread over the
      // district, farther in the vast northern districts.
      const double spread = region.spread_km;
      double km = 0;
      switch (kind) {
        case kCsref:
          km = 0;
          break;
        case kEph:
          km = rng.Uniform(0.5, 3.0);
          break;
        case kCooperative:
        case kPrivate:
          km = rng.Uniform(0.3, bamako ? 4.0 : 3.5);
          break;
        case kCscom:
          if (koko) {
            km = rng.Uniform(1.0, 2.5);
          } else if (urban) {
            km = rng.Uniform(0.5, bamako ? 5.0 : 4.0);
          } else {
            km = 5 + (spread - 5) * std::sqrt(rng.Uniform());
          }
          break;
        case kMaternity:
        case kKindCount:
          km = 5 + (spread - 5) * std::sqrt(rng.Uniform());
          break;
      }
      if (north && kind == kCscom && km > 5) km *= rng.Uniform(0.8, 1.4);
      facility.distance_km = km;
      const core::Coordinates place =
          km == 0 ? district.coordinates
                  : Offset(district.coordinates, km, rng.Uniform(0, 2 * std::numbers::pi));

      // How big: district population, urban pull, the region's level of use.
      const double pop_factor = std::sqrt(profile->population_k / 250.0);
      switch (kind) {
        case kCsref:
          facility.size = std::clamp(pop_factor, 0.3, 1.8) * std::exp(rng.Normal(0, 0.2));
          break;
        case kEph:
          facility.size = std::exp(rng.Normal(0, 0.2));
          break;
        case kCscom:
          facility.size = region.facility_size * (km < 5 ? 1.2 : 1.0) *
                          std::exp(rng.Normal(0, 0.4)) / (north && km > 60 ? 1.3 : 1.0);
          break;
        default:
          facility.size = region.facility_size * std::exp(rng.Normal(0, 0.35));
          break;
      }

      // Opening dates: illustrative, all before the demo's first year.
      core::Date opening;
      const int last = std::min(options_.first_year - 1, 2019);
      switch (kind) {
        case kCsref:
          opening = district.uncertain && north ? core::Date::FromYmd(std::min(last, 2017), 1, 1)
                                                : DrawDate(rng, 1975, std::min(last, 2000));
          break;
        case kEph:
          opening = DrawDate(rng, 1960, std::min(last, 1990));
          break;
        case kCscom:
          opening = DrawDate(rng, koko ? 1995 : 1990, last);
          break;
        case kMaternity:
          opening = DrawDate(rng, 1985, last);
          break;
        case kCooperative:
          opening = DrawDate(rng, 2000, last);
          break;
        case kPrivate:
        case kKindCount:
          opening = DrawDate(rng, 1995, last);
          break;
      }

      core::OrgUnit& ou = AddOrgUnit(&district_ou, std::move(code), std::move(name),
                                     std::move(short_name), kKindType[kind]);
      ou.coordinates = place;
      ou.opening_date = opening;
      if (koko) koko_ii_ = static_cast<int32_t>(facilities_.size());
      facilities_.push_back(facility);
    }
  }
}

// Equity categories: a remoteness score (distance from the district town, the region's
// remoteness, a little noise for what distance does not say: roads, rivers, insecurity); the
// 40 % least remote facilities get 0 %, the next 30 % 10 %, then 20 % get 20 % and the most
// remote 10 % get 30 %.
void Generator::AssignEquity() {
  const size_t n = facilities_.size();
  std::vector<double> score(n);
  for (size_t i = 0; i < n; ++i) {
    const Facility& f = facilities_[i];
    Random rng = StreamFor(root_, dataset_.metadata.org_units[f.org_unit].code).Fork(2);
    score[i] =
        std::log1p(f.distance_km / 8.0) + kRegions[f.region].remoteness + rng.Normal(0, 0.35);
  }
  std::vector<size_t> order(n);
  std::iota(order.begin(), order.end(), size_t{0});
  std::stable_sort(order.begin(), order.end(),
                   [&](size_t a, size_t b) { return score[a] < score[b]; });
  const std::vector<int> sizes = internal::Apportion({0.4, 0.3, 0.2, 0.1}, static_cast<int>(n), 0);
  size_t k = 0;
  for (int category = 0; category < 4; ++category) {
    for (int j = 0; j < sizes[category]; ++j) facilities_[order[k++]].equity = category;
  }
}

void Generator::AddAscSites(const std::vector<District>& districts, std::vector<NameBook>& books) {
  // Expected sites per CSCOM grow with distance and remoteness (ASC serve villages more than
  // 5 km from a facility); none in Bamako. Scaled so that the country expects kAscSitesTarget.
  std::vector<double> lambda(facilities_.size(), 0.0);
  double sum = 0;
  for (size_t i = 0; i < facilities_.size(); ++i) {
    const Facility& f = facilities_[i];
    if (f.kind != kCscom || kRegions[f.region].zone == NameZone::kBamako) continue;
    lambda[i] = (0.3 + f.distance_km / 30.0) * (1 + kRegions[f.region].remoteness * 0.5);
    sum += lambda[i];
  }
  const int64_t total = static_cast<int64_t>(facilities_.size());
  for (size_t i = 0; i < facilities_.size(); ++i) {
    Facility& f = facilities_[i];
    if ((i + 1) % 200 == 0) Report("asc sites", static_cast<int64_t>(i + 1), total);
    if (lambda[i] == 0) continue;
    const core::OrgUnit parent = dataset_.metadata.org_units[f.org_unit];
    Random rng = StreamFor(root_, parent.code).Fork(3);
    f.asc_sites = static_cast<int>(rng.Poisson(lambda[i] * kAscSitesTarget / sum));
    const std::string key = CodeFromName(districts[f.district].name);
    const bool north = kRegions[f.region].zone == NameZone::kNorth;
    for (int s = 0; s < f.asc_sites; ++s) {
      const std::string village = books[f.district].DrawVillage();
      core::OrgUnit& ou =
          AddOrgUnit(&parent, "ASC_" + key + "_" + CodeFromName(village), "Site ASC " + Of(village),
                     "Site ASC " + village, OrgUnitType::kAscSite);
      ou.coordinates = Offset(*parent.coordinates, rng.Uniform(5, north ? 60 : 25),
                              rng.Uniform(0, 2 * std::numbers::pi));
      ou.opening_date = DrawDate(rng, 2010, std::min(options_.first_year - 1, 2019));
    }
  }
  Report("asc sites", total, total);
}

// ---------------------------------------------------------------------------------------------
// Groups, categories, data elements, data sets

void Generator::BuildGroups() {
  auto& meta = dataset_.metadata;
  auto add_group = [&](std::string code, std::string name) {
    meta.org_unit_groups.push_back({0, NewUid(), std::move(code), std::move(name)});
    return meta.org_unit_groups.back().uid;
  };
  static constexpr std::string_view kKindGroupNames[kKindCount] = {
      "CSRéf",
      "Hôpitaux régionaux (EPH)",
      "CSCOM",
      "Maternités rurales",
      "Cliniques coopératives de santé (CCS)",
      "Cliniques privées"};
  core::OrgUnitGroupSet types{0, NewUid(), "TYPE_STRUCTURE", "Type de structure", true, {}};
  for (int k = 0; k < kKindCount; ++k) {
    kind_group_uids_[k] = add_group("TYPE_" + std::string(core::OrgUnitTypeCode(kKindType[k])),
                                    std::string(kKindGroupNames[k]));
    types.group_uids.push_back(kind_group_uids_[k]);
  }
  asc_group_uid_ = add_group("TYPE_SITE_ASC", "Sites ASC");
  types.group_uids.push_back(asc_group_uid_);
  contract_group_uid_ = add_group(kContractGroupCode, "Sous contrat FBR");
  core::OrgUnitGroupSet equity{0,    NewUid(), kRemotenessGroupSetCode, "Catégorie d'équité",
                               true, {}};
  for (int c = 0; c < 4; ++c) {
    const std::string percent = std::to_string(10 * c);
    equity_group_uids_[c] = add_group("EQUITE_" + percent, "Catégorie d'équité " + percent + " %");
    equity.group_uids.push_back(equity_group_uids_[c]);
  }
  meta.org_unit_group_sets.push_back(std::move(types));
  meta.org_unit_group_sets.push_back(std::move(equity));

  for (const Facility& f : facilities_) {
    auto& groups = meta.org_units[f.org_unit].group_uids;
    groups = {kind_group_uids_[f.kind], contract_group_uid_, equity_group_uids_[f.equity]};
    std::sort(groups.begin(), groups.end());
  }
  for (core::OrgUnit& ou : meta.org_units) {
    if (ou.type == OrgUnitType::kAscSite) ou.group_uids = {asc_group_uid_};
  }
}

core::Status Generator::BuildCategoriesAndDataElements() {
  auto& meta = dataset_.metadata;
  meta.categories = core::DefaultCategoryModel();
  core::CategoryModel& model = meta.categories;
  const std::string obtained = NewUid();
  const std::string possible = NewUid();
  model.options.push_back({0, obtained, "POINTS_OBTENUS", "Points obtenus", {}, {}});
  model.options.push_back({0, possible, "POINTS_POSSIBLES", "Points possibles", {}, {}});
  const std::string category = NewUid();
  model.categories.push_back({0,
                              category,
                              "POINTS_QUALITE",
                              "Points de qualité",
                              core::DataDimensionType::kDisaggregation,
                              {obtained, possible}});
  const std::string combo = NewUid();
  model.combos.push_back(
      {0, combo, "POINTS", "Points", core::DataDimensionType::kDisaggregation, {category}});
  KENEYA_ASSIGN_OR_RETURN(std::vector<core::CategoryOptionCombo> cocs,
                          core::ExpandCombo(model, combo, uid_rng_));
  for (core::CategoryOptionCombo& coc : cocs) {
    if (!uids_.insert(coc.uid).second) {
      return core::Internal(core::Message("demo.option_combo_uid_twice"),
                            core::Message("demo.place"));
    }
    coc.code = coc.option_uids[0] == obtained ? "POINTS_OBTENUS" : "POINTS_POSSIBLES";
    model.option_combos.push_back(std::move(coc));
  }
  for (size_t i = 0; i < model.option_combos.size(); ++i) {
    const auto& coc = model.option_combos[i];
    if (coc.uid == core::kDefaultCategoryOptionComboUid) default_coc_ = static_cast<int8_t>(i);
    if (coc.code == "POINTS_OBTENUS") obtained_coc_ = static_cast<int8_t>(i);
    if (coc.code == "POINTS_POSSIBLES") possible_coc_ = static_cast<int8_t>(i);
  }

  core::DataSet monthly{0,
                        NewUid(),
                        kMonthlyDataSetCode,
                        "FBR - indicateurs quantitatifs (mensuel)",
                        core::PeriodType::kMonthly,
                        std::string(core::kDefaultCategoryComboUid),
                        {},
                        {}};
  core::DataSet quarterly{0,
                          NewUid(),
                          kQualityDataSetCode,
                          "FBR - qualité (trimestriel)",
                          core::PeriodType::kQuarterly,
                          std::string(core::kDefaultCategoryComboUid),
                          {},
                          {}};
  for (int i = 0; i < kIndicatorCount; ++i) {
    const IndicatorSpec& spec = kIndicators[i];
    core::DataElement de;
    de.uid = NewUid();
    de.code = spec.code;
    de.name = spec.name;
    de.short_name = spec.short_name;
    de.description = "Indicateur quantitatif FBR" +
                     std::string(spec.asc ? ", déclaré par le CSCOM pour ses sites ASC" : "") +
                     ". Tarif indicatif de démonstration : " + std::string(spec.tariff) +
                     " FCFA par cas vérifié.";
    de.value_type = core::ValueType::kIntegerZeroOrPositive;
    de.category_combo_uid = std::string(core::kDefaultCategoryComboUid);
    de.zero_is_significant = true;
    indicator_de_[i] = static_cast<int16_t>(meta.data_elements.size());
    monthly.data_element_uids.push_back(de.uid);
    meta.data_elements.push_back(std::move(de));
  }
  for (int d = 0; d < kQualityDomainCount; ++d) {
    const QualityDomain& domain = kQualityDomains[d];
    core::DataElement de;
    de.uid = NewUid();
    de.code = domain.code;
    de.name = domain.name;
    de.short_name = domain.short_name;
    de.description =
        "Domaine de la grille d'évaluation trimestrielle de la qualité : points obtenus et "
        "points possibles.";
    de.value_type = core::ValueType::kIntegerZeroOrPositive;
    de.category_combo_uid = combo;
    de.zero_is_significant = true;
    domain_de_[d] = static_cast<int16_t>(meta.data_elements.size());
    quarterly.data_element_uids.push_back(de.uid);
    meta.data_elements.push_back(std::move(de));
  }
  for (const Facility& f : facilities_) {
    monthly.org_unit_uids.push_back(meta.org_units[f.org_unit].uid);
    quarterly.org_unit_uids.push_back(meta.org_units[f.org_unit].uid);
  }
  meta.data_sets.push_back(std::move(monthly));
  meta.data_sets.push_back(std::move(quarterly));
  return core::OkStatus();
}

// ---------------------------------------------------------------------------------------------
// Values

// Fills declared/verified (month-major: [month * n + k] for indicator indicators[k]).
void Generator::GenerateFacilityMonths(const Facility& facility, const std::vector<int>& indicators,
                                       std::vector<int32_t>& declared,
                                       std::vector<int32_t>& verified) {
  const size_t n = indicators.size();
  const core::OrgUnit& ou = dataset_.metadata.org_units[facility.org_unit];
  Random rng = StreamFor(root_, ou.code).Fork(4);
  // The open January comes last, so that it draws after (and changes nothing of) the years.
  const int months =
      12 * (options_.last_year - options_.first_year + 1) + (options_.open_january ? 1 : 0);

  // The facility's own profile: service mix, growth, honesty.
  std::array<double, kIndicatorCount> mean{};
  for (size_t k = 0; k < n; ++k) {
    const int i = indicators[k];
    const double base = kIndicators[i].asc ? kAscMonthlyMeanPerSite[i] * facility.asc_sites
                                           : kMonthlyMean[facility.kind][i];
    mean[k] = base * facility.size * std::exp(rng.Normal(0, 0.2));
  }
  const double growth = std::clamp(rng.Normal(0.15, 0.04), 0.03, 0.30);
  // Koko II is the programme's showcase: it declares what it did (the draw is still made, so
  // that its stream stays aligned with the other facilities').
  const bool koko = koko_ii_ >= 0 && &facility == &facilities_[koko_ii_];
  const bool over_declarer = rng.Bernoulli(kOverDeclarerShare) && !koko;
  std::array<double, kIndicatorCount> inflation{};  // 0: declared honestly
  if (over_declarer) {
    std::vector<size_t> candidates;
    for (size_t k = 0; k < n; ++k) {
      if (mean[k] >= 3) candidates.push_back(k);
    }
    const int wanted = static_cast<int>(rng.UniformInt(1, 3));
    for (int c = 0; c < wanted && !candidates.empty(); ++c) {
      const size_t pick = static_cast<size_t>(rng.UniformInt(0, candidates.size() - 1));
      inflation[candidates[pick]] = rng.Uniform(0.15, 0.45);
      candidates.erase(candidates.begin() + pick);
    }
  }

  declared.assign(months * n, 0);
  verified.assign(months * n, 0);
  for (int m = 0; m < months; ++m) {
    const int year = options_.first_year + m / 12;
    const int month = m % 12;
    const double years_since_2021 = (year - 2021) + month / 12.0;
    // Common to the month: staff on leave, a stock-out, a good or bad month.
    const double month_factor =
        std::pow(1 + growth, years_since_2021) * std::exp(rng.Normal(0, 0.08));
    for (size_t k = 0; k < n; ++k) {
      const Season season = kIndicators[indicators[k]].season;
      const double lambda = mean[k] * kSeasonShape[season][month] * month_factor;
      const int64_t v = rng.Poisson(lambda);
      int64_t d = v;
      if (inflation[k] > 0 && rng.Bernoulli(kOverDeclaredMonthShare)) {
        if (v > 0) {
          d = v + std::max<int64_t>(1, std::llround(v * inflation[k] * rng.Uniform(0.8, 1.2)));
        }
      } else if (rng.Bernoulli(0.3)) {
        // Honest facilities make small errors in their registers' totals.
        d = v + static_cast<int64_t>(std::floor(v * rng.Uniform(0, 0.04)));
      } else if (rng.Bernoulli(0.003) && v > 0 && !koko) {
        // Rarely the verifier finds more in the registers than was declared.
        d = v - 1;
      }
      verified[m * n + k] = static_cast<int32_t>(v);
      declared[m * n + k] = static_cast<int32_t>(d);
    }
  }
}

// Whether a facility declared the open January by the demo's date, and on which day of
// February: about 55 % by the 5th, 12 % late; fewer in the north, where roads and networks are
// worse. Koko II has not declared yet (the tests and the browser walk-through declare it).
std::optional<int> Generator::JanuaryDeclarationDay(size_t f) const {
  const Facility& facility = facilities_[f];
  if (static_cast<int32_t>(f) == koko_ii_) return std::nullopt;
  Random rng = StreamFor(root_, dataset_.metadata.org_units[facility.org_unit].code).Fork(6);
  const bool north = kRegions[facility.region].remoteness >= 1.0;
  const double draw = rng.Uniform(0, 1);
  const double on_time = north ? 0.35 : 0.55;
  const double late = north ? 0.10 : 0.12;
  if (draw < on_time) return static_cast<int>(rng.UniformInt(1, 5));
  if (draw < on_time + late) return static_cast<int>(rng.UniformInt(6, 7));
  return std::nullopt;
}

// Rescales Koko II's verified curative consultations to the programme's reported yearly totals;
// other years keep their generated growth relative to the nearest reported year.
void Generator::ApplyKokoIITotals(const std::vector<int>& indicators,
                                  std::vector<int32_t>& declared,
                                  std::vector<int32_t>& verified) const {
  const size_t n = indicators.size();
  std::vector<size_t> columns;
  for (size_t k = 0; k < n; ++k) {
    if (indicators[k] == kConsult5Plus || indicators[k] == kConsultUnder5) columns.push_back(k);
  }
  auto natural_total = [&](int year) {
    int64_t total = 0;
    const int m0 = 12 * (year - options_.first_year);
    for (int m = m0; m < m0 + 12; ++m) {
      for (size_t k : columns) total += verified[m * n + k];
    }
    return total;
  };
  std::map<int, int64_t> natural;
  for (int y = options_.first_year; y <= options_.last_year; ++y) natural[y] = natural_total(y);
  std::map<int, int64_t> anchors;
  for (const auto& [year, total] : kKokoIIAnchors) {
    if (year >= options_.first_year && year <= options_.last_year) anchors[year] = total;
  }
  if (anchors.empty()) return;

  for (int y = options_.first_year; y <= options_.last_year; ++y) {
    int64_t target = 0;
    if (auto it = anchors.find(y); it != anchors.end()) {
      target = it->second;
    } else {
      // The latest reported year before y, else the earliest after it.
      auto anchor = anchors.upper_bound(y);
      if (anchor != anchors.begin()) --anchor;
      const double ratio = natural[anchor->first] > 0
                               ? static_cast<double>(natural[y]) / natural[anchor->first]
                               : 1.0;
      target = std::llround(anchor->second * ratio);
    }
    std::vector<int64_t> cells;
    std::vector<size_t> where;
    const int m0 = 12 * (y - options_.first_year);
    for (int m = m0; m < m0 + 12; ++m) {
      for (size_t k : columns) {
        cells.push_back(verified[m * n + k]);
        where.push_back(m * n + k);
      }
    }
    const double scale = natural[y] > 0 ? static_cast<double>(target) / natural[y] : 1.0;
    internal::RescaleToTotal(cells, target);
    for (size_t c = 0; c < cells.size(); ++c) {
      const size_t at = where[c];
      const int64_t excess = std::max<int32_t>(0, declared[at] - verified[at]);
      verified[at] = static_cast<int32_t>(cells[c]);
      declared[at] = static_cast<int32_t>(cells[c] + std::llround(excess * scale));
    }
  }
}

core::Status Generator::GenerateValues() {
  const int years = options_.last_year - options_.first_year + 1;
  const int months = 12 * years;
  const int quarters = 4 * years;
  const size_t facility_count = facilities_.size();

  std::vector<int32_t> month_codes(months), quarter_codes(quarters);
  for (int m = 0; m < months; ++m) {
    KENEYA_ASSIGN_OR_RETURN(
        const core::Period p,
        core::Period::Make(core::PeriodType::kMonthly, options_.first_year + m / 12, m % 12 + 1));
    month_codes[m] = p.Code();
  }
  for (int q = 0; q < quarters; ++q) {
    KENEYA_ASSIGN_OR_RETURN(
        const core::Period p,
        core::Period::Make(core::PeriodType::kQuarterly, options_.first_year + q / 4, q % 4 + 1));
    quarter_codes[q] = p.Code();
  }

  // Which indicators each facility reports (ascending, so values come out in key order), and
  // where its block starts within a month.
  std::vector<std::vector<int>> indicators(facility_count);
  std::vector<size_t> offset(facility_count);
  size_t per_month = 0;
  for (size_t f = 0; f < facility_count; ++f) {
    const Facility& facility = facilities_[f];
    for (int i = 0; i < kIndicatorCount; ++i) {
      const bool offered = kIndicators[i].asc ? facility.kind == kCscom && facility.asc_sites > 0
                                              : kMonthlyMean[facility.kind][i] > 0;
      if (offered) indicators[f].push_back(i);
    }
    offset[f] = per_month;
    per_month += 2 * indicators[f].size();
  }
  // Facilities are stored in org unit order, which the sort order needs.
  for (size_t f = 1; f < facility_count; ++f) {
    if (facilities_[f].org_unit <= facilities_[f - 1].org_unit) {
      return core::Internal(core::Message("demo.facilities_out_of_order"),
                            core::Message("demo.place"));
    }
  }
  const size_t per_quarter = facility_count * kQualityDomainCount * 2;
  const size_t monthly_total = per_month * months;
  std::vector<DemoValue>& values = dataset_.values;
  values.assign(monthly_total + per_quarter * quarters, DemoValue{});

  const int64_t total_work = static_cast<int64_t>(facility_count);
  Report("values", 0, total_work);
  std::vector<int32_t> declared, verified;
  std::vector<DemoValue> january;
  KENEYA_ASSIGN_OR_RETURN(
      const core::Period january_period,
      core::Period::Make(core::PeriodType::kMonthly, options_.last_year + 1, 1));
  const int32_t january_code = january_period.Code();
  for (size_t f = 0; f < facility_count; ++f) {
    const Facility& facility = facilities_[f];
    const std::vector<int>& inds = indicators[f];
    const size_t n = inds.size();
    GenerateFacilityMonths(facility, inds, declared, verified);
    if (static_cast<int32_t>(f) == koko_ii_) ApplyKokoIITotals(inds, declared, verified);
    for (int m = 0; m < months; ++m) {
      DemoValue* out = &values[m * per_month + offset[f]];
      for (size_t k = 0; k < n; ++k) {
        const int16_t de = indicator_de_[inds[k]];
        out[2 * k] = {month_codes[m],      facility.org_unit,
                      declared[m * n + k], de,
                      default_coc_,        static_cast<int8_t>(core::kStateDeclared)};
        out[2 * k + 1] = {month_codes[m],      facility.org_unit,
                          verified[m * n + k], de,
                          default_coc_,        static_cast<int8_t>(core::kStateVerified)};
      }
    }
    if (options_.open_january) {
      if (const std::optional<int> day = JanuaryDeclarationDay(f)) {
        dataset_.january.push_back({facility.org_unit, static_cast<int8_t>(*day)});
        for (size_t k = 0; k < n; ++k) {
          january.push_back({january_code, facility.org_unit, declared[months * n + k],
                             indicator_de_[inds[k]], default_coc_,
                             static_cast<int8_t>(core::kStateDeclared)});
        }
      }
    }
    if ((f + 1) % 100 == 0) Report("values", static_cast<int64_t>(f + 1), total_work);
  }
  Report("values", total_work, total_work);
  // January's declarations sort after December and before the quarters.
  values.insert(values.begin() + static_cast<std::ptrdiff_t>(monthly_total), january.begin(),
                january.end());

  // Quarterly quality scores, verified by the district team.
  Report("quality", 0, total_work);
  const size_t quality_start = monthly_total + january.size();
  const int first_quarter_index = 4 * (options_.first_year - 2021);
  for (size_t f = 0; f < facility_count; ++f) {
    const Facility& facility = facilities_[f];
    Random rng = StreamFor(root_, dataset_.metadata.org_units[facility.org_unit].code).Fork(5);
    const double level = rng.Normal(kRegions[facility.region].quality_offset, 0.10);
    std::array<double, kQualityDomainCount> domain_offset{};
    for (double& o : domain_offset) o = rng.Normal(0, 0.08);
    for (int q = 0; q < quarters; ++q) {
      const double quarter_score =
          QualityTarget(first_quarter_index + q) + level + rng.Normal(0, 0.05);
      DemoValue* out = &values[quality_start + q * per_quarter + f * kQualityDomainCount * 2];
      for (int d = 0; d < kQualityDomainCount; ++d) {
        const int possible = kQualityDomains[d].points[facility.kind];
        const double share =
            std::clamp(quarter_score + domain_offset[d] + rng.Normal(0, 0.06), 0.0, 1.0);
        const int obtained = static_cast<int>(std::lround(share * possible));
        out[2 * d] = {quarter_codes[q], facility.org_unit,
                      obtained,         domain_de_[d],
                      obtained_coc_,    static_cast<int8_t>(core::kStateVerified)};
        out[2 * d + 1] = {quarter_codes[q], facility.org_unit,
                          possible,         domain_de_[d],
                          possible_coc_,    static_cast<int8_t>(core::kStateVerified)};
      }
    }
    if ((f + 1) % 200 == 0) Report("quality", static_cast<int64_t>(f + 1), total_work);
  }
  Report("quality", total_work, total_work);
  return core::OkStatus();
}

}  // namespace

core::Result<DemoDataset> GenerateDemo(const DemoOptions& options,
                                       const store::ProgressFn& progress) {
  Generator generator(options, progress);
  return generator.Run();
}

}  // namespace keneya::demo
