# 12-get-adx-manual.sh: read ADX data (manual's example, which has a typo in the URL)
# Source: dhis2/dhis2-docs, branch 2.40 (tip 90ef7c129daaf88cf7e8218c897b2359076bfcac), src/developer/web-api/data.md (blob a094d4ee56be2515d0579a7766413dbb53ff3cfa, last changed by d842044bdba3908225faf707116407b49505b001), lines 1011-1012, section "Exporting ADX data"; published as https://docs.dhis2.org/en/develop/using-the-api/dhis-core-version-240/data.html
# Licence: GNU FDL 1.3 (see LICENSE-dhis2-docs.txt).
# The lines between the markers are byte-identical to the manual's code block. The manual breaks the
# command over lines WITHOUT a trailing backslash: join the lines with one space to get the command.
# (Not runnable as a shell script as is.)
# TYPO in the manual: '/api/dataValueSets?dataValueSets?orgUnit=M_CLINIC&...' makes the first query
# parameter's name 'dataValueSets?orgUnit', so orgUnit is missing. The answer file is what 2.40 does with it.
# --- verbatim begin ---
curl -u admin:district -H "Accept: application/adx+xml"
 "https://play.dhis2.org/demo/api/dataValueSets?dataValueSets?orgUnit=M_CLINIC&dataSet=MALARIA&period=201501"
# --- verbatim end ---
