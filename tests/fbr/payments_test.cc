// Account numbers as Keneya stores them: a RIB of the UEMOA, an IBAN whose check digits hold,
// a Malian mobile-money number; anything else is refused, naming the field.
#include "fbr/payments.h"

#include <gtest/gtest.h>

namespace keneya::fbr {
namespace {

TEST(AccountNumberTest, ARibIsWrittenWithoutSpacesInCapitals) {
  auto rib = NormaliseAccountNumber("bank", "ml016 01201 020100000234 37");
  ASSERT_TRUE(rib.ok()) << rib.error().ToString();
  EXPECT_EQ(*rib, "ML0160120102010000023437");
  EXPECT_EQ(*NormaliseAccountNumber("bank", "D0089-01700-010015000004-47"),
            "D00890170001001500000447");
}

TEST(AccountNumberTest, AnIbanMustCheck) {
  auto iban = NormaliseAccountNumber("bank", "ML60 D008 9017 0001 0015 0000 0447");
  ASSERT_TRUE(iban.ok()) << iban.error().ToString();
  EXPECT_EQ(*iban, "ML60D00890170001001500000447");
  // One digit mistyped: the check digits no longer hold.
  auto mistyped = NormaliseAccountNumber("bank", "ML60 D008 9017 0001 0015 0000 0448");
  ASSERT_FALSE(mistyped.ok());
  EXPECT_EQ(mistyped.error().text.id(), "fbr.payment.bad_iban");
  EXPECT_EQ(mistyped.error().where, "number");
}

TEST(AccountNumberTest, BadNumbersAndKindsAreRefused) {
  for (const char* bad : {"", "ML016", "ML0160120102010000023437X", "ML016012010201000002343A"}) {
    auto refused = NormaliseAccountNumber("bank", bad);
    ASSERT_FALSE(refused.ok()) << bad;
    EXPECT_EQ(refused.error().code, core::ErrorCode::kInvalidArgument);
    EXPECT_EQ(refused.error().text.id(), "fbr.payment.bad_rib") << bad;
  }
  EXPECT_EQ(NormaliseAccountNumber("cash", "1").error().text.id(), "fbr.payment.bad_kind");
}

TEST(AccountNumberTest, AWalletIsAMalianNumberWithItsCountryCode) {
  EXPECT_EQ(*NormaliseAccountNumber("mobile", "76 12 34 56"), "+22376123456");
  EXPECT_EQ(*NormaliseAccountNumber("mobile", "+223 76.12.34.56"), "+22376123456");
  EXPECT_EQ(*NormaliseAccountNumber("mobile", "0022376123456"), "+22376123456");
  for (const char* bad : {"7612345", "+22176123456", "76 12 34 5a"}) {
    auto refused = NormaliseAccountNumber("mobile", bad);
    ASSERT_FALSE(refused.ok()) << bad;
    EXPECT_EQ(refused.error().text.id(), "fbr.payment.bad_phone") << bad;
  }
}

}  // namespace
}  // namespace keneya::fbr
