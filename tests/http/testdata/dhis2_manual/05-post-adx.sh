# 05-post-adx.sh: send ADX data
# Source: dhis2/dhis2-docs, branch 2.40 (tip 90ef7c129daaf88cf7e8218c897b2359076bfcac), src/developer/web-api/data.md (blob a094d4ee56be2515d0579a7766413dbb53ff3cfa, last changed by d842044bdba3908225faf707116407b49505b001), lines 995-996, section "Importing ADX data"; published as https://docs.dhis2.org/en/develop/using-the-api/dhis-core-version-240/data.html
# Licence: GNU FDL 1.3 (see LICENSE-dhis2-docs.txt).
# The lines between the markers are byte-identical to the manual's code block. The manual breaks the
# command over lines WITHOUT a trailing backslash: join the lines with one space to get the command.
# (Not runnable as a shell script as is.)
# Payload: @data.xml = 05-post-adx.data.xml (manual lines 841-870: the ADX example, identifiers are codes)
# --- verbatim begin ---
curl -u admin:district -X POST -H "Content-Type: application/adx+xml"
  -d @data.xml "https://play.dhis2.org/demo/api/dataValueSets?dataElementIdScheme=code&orgUnitIdScheme=code"
# --- verbatim end ---
