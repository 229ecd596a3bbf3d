// Helpers of the demo generator that its tests check directly. Not part of the module's API.
#ifndef KENEYA_DEMO_DEMO_INTERNAL_H_
#define KENEYA_DEMO_DEMO_INTERNAL_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace keneya::demo::internal {

// A code made from a French name: upper-case ASCII letters and digits, accents removed, every
// other run of characters turned into one underscore, none at either end.
//   "Ouéléssébougou" -> "OUELESSEBOUGOU", "Nioro du Sahel" -> "NIORO_DU_SAHEL",
//   "Koko II" -> "KOKO_II", "Foum el ’Alba" -> "FOUM_EL_ALBA".
std::string CodeFromName(std::string_view name);

// The French "of" in front of a place name, with elision: "de Kati", "d'Ansongo",
// "d'Ouéléssébougou", "de Yélimané", "de la Commune I".
std::string Of(std::string_view place);

// Shares `total` among parts in proportion to `weights` (>= 0), each part getting at least
// `minimum` when total allows: the largest remainder method, ties going to the lower index, so
// the result is exact and deterministic. The parts add up to `total`.
std::vector<int> Apportion(const std::vector<double>& weights, int total, int minimum);

// Rescales `values` (>= 0) so that they add up to exactly `target`, keeping their shape: each
// is multiplied by target / sum and rounded down, and the units left over go, one each, to the
// values with the largest fractional parts (ties: the lower index). When all values are zero the
// target is spread evenly the same way.
void RescaleToTotal(std::vector<int64_t>& values, int64_t target);

// FNV-1a of a text: the key of a random stream (core::Random::Fork), the same everywhere.
uint64_t Fnv1a(std::string_view text);

}  // namespace keneya::demo::internal

#endif  // KENEYA_DEMO_DEMO_INTERNAL_H_
