// A small, valid metadata bundle for the store tests: Mali -> Koulikoro -> Kati -> two CSCOMs
// and an ASC site, an equity group set, a 2x2 disaggregation, three data elements, a data set.
#ifndef KENEYA_TESTS_STORE_TEST_METADATA_H_
#define KENEYA_TESTS_STORE_TEST_METADATA_H_

#include "core/metadata.h"

namespace keneya::store::testing {

// Uids used by the tests.
inline constexpr char kMali[] = "MaliRoot001";
inline constexpr char kKoulikoro[] = "RegKoulik01";
inline constexpr char kKati[] = "DisKati0001";
inline constexpr char kKoko[] = "CscKokoII01";
inline constexpr char kSanoubougou[] = "CscSanoub01";
inline constexpr char kAscSite[] = "AscKoko0001";
inline constexpr char kDeliveries[] = "DeAccouch01";     // default combo
inline constexpr char kConsultations[] = "DeConsult01";  // sex x age combo
inline constexpr char kQualityText[] = "DeQualTxt01";    // a text element
inline constexpr char kDataSet[] = "DsFbrMens01";
inline constexpr char kEquity0[] = "GrpEquite00";
inline constexpr char kEquity20[] = "GrpEquite20";

core::MetadataBundle TestMetadata();

}  // namespace keneya::store::testing

#endif  // KENEYA_TESTS_STORE_TEST_METADATA_H_
