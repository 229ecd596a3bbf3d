// Numbers and periods as people read them, in French or English, for every document (invoices,
// payment orders, reports) and the command line: decimals with a comma in French ("12,5"),
// amounts in words ("deux millions trois cent mille francs CFA"), periods in words ("janvier
// 2024", "1er trimestre 2024"). Whole numbers in groups are core::FormatInteger.
#ifndef KENEYA_IO_READABLE_H_
#define KENEYA_IO_READABLE_H_

#include <cstdint>
#include <string>

#include "core/format.h"

namespace keneya::io {

// `x` with at most `decimals` decimals, trailing zeros off, the whole part grouped: "1 234,5" /
// "1,234.5".
std::string FormatDecimal(double x, int decimals, core::Language language);

// The amount in words, French ("deux millions trois cent mille francs CFA") or English ("two
// million three hundred thousand CFA francs"). Negative amounts start with "moins" / "minus".
std::string AmountInWords(int64_t amount, core::Language language);

// A period as people say it: "2024Q1" -> "1er trimestre 2024" / "Q1 2024", "202401" ->
// "janvier 2024" / "January 2024"; other periods as they are.
std::string PeriodLabel(const std::string& period, core::Language language);

}  // namespace keneya::io

#endif  // KENEYA_IO_READABLE_H_
