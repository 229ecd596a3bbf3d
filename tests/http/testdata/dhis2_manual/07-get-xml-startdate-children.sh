# 07-get-xml-startdate-children.sh: read several data sets/org units over a date span, with children
# Source: dhis2/dhis2-docs, branch 2.40 (tip 90ef7c129daaf88cf7e8218c897b2359076bfcac), src/developer/web-api/data.md (blob a094d4ee56be2515d0579a7766413dbb53ff3cfa, last changed by d842044bdba3908225faf707116407b49505b001), lines 560-562, section "Reading data values"; published as https://docs.dhis2.org/en/develop/using-the-api/dhis-core-version-240/data.html
# Licence: GNU FDL 1.3 (see LICENSE-dhis2-docs.txt).
# The lines between the markers are byte-identical to the manual's code block. The manual breaks the
# command over lines WITHOUT a trailing backslash: join the lines with one space to get the command.
# (Not runnable as a shell script as is.)
# The manual's URL itself contains a line break (inside the quotes) before '&startDate': join the lines
# with nothing between them inside the URL (i.e. the query is ...dataSet=BfMAe6Itzgt&startDate=2013-01-01...).
# --- verbatim begin ---
curl "https://play.dhis2.org/demo/api/dataValueSets?dataSet=pBOMPrpg1QX&dataSet=BfMAe6Itzgt
  &startDate=2013-01-01&endDate=2013-01-31&orgUnit=YuQRtpLP10I&orgUnit=vWbkYPRmKyS&children=true"
  -H "Accept:application/xml" -u admin:district
# --- verbatim end ---
