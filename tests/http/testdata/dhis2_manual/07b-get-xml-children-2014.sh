# 07b-get-xml-children-2014.sh: 07 with the dates moved to the scenario's data (2014-01-01..2014-02-28)
# CONSTRUCTED: this curl call is NOT in the manual. It is built in the manual's style (host, user, flags)
# from: manual lines 560-562 (07) with startDate/endDate changed
# Manual: dhis2/dhis2-docs, branch 2.40 (tip 90ef7c129daaf88cf7e8218c897b2359076bfcac), src/developer/web-api/data.md (blob a094d4ee56be2515d0579a7766413dbb53ff3cfa, last changed by d842044bdba3908225faf707116407b49505b001); https://docs.dhis2.org/en/develop/using-the-api/dhis-core-version-240/data.html
# --- constructed begin ---
curl "https://play.dhis2.org/demo/api/dataValueSets?dataSet=pBOMPrpg1QX&dataSet=BfMAe6Itzgt&startDate=2014-01-01&endDate=2014-02-28&orgUnit=YuQRtpLP10I&orgUnit=vWbkYPRmKyS&children=true" -H "Accept:application/xml" -u admin:district
# --- constructed end ---
