# 04-post-csv.sh: send a data value set as CSV
# Source: dhis2/dhis2-docs, branch 2.40 (tip 90ef7c129daaf88cf7e8218c897b2359076bfcac), src/developer/web-api/data.md (blob a094d4ee56be2515d0579a7766413dbb53ff3cfa, last changed by d842044bdba3908225faf707116407b49505b001), lines 264-265, section "Sending bulks of data values"; published as https://docs.dhis2.org/en/develop/using-the-api/dhis-core-version-240/data.html
# Licence: GNU FDL 1.3 (see LICENSE-dhis2-docs.txt).
# The lines between the markers are byte-identical to the manual's code block. The manual breaks the
# command over lines WITHOUT a trailing backslash: join the lines with one space to get the command.
# (Not runnable as a shell script as is.)
# Payload: @datavalueset.csv = 04-post-csv.datavalueset.csv (manual lines 247-250)
# Note: the manual's URL has an extra path segment ('/demo/24/api/...', a leftover of the old play.dhis2.org/demo/24
# layout). On a 2.40 server deployed at context path /demo, '/demo/24/api/dataValueSets' is not an API path (not verified:
# expected 404). The answer file assumes the request reaches /api/dataValueSets, like 02/03.
# --- verbatim begin ---
curl --data-binary @datavalueset.csv "https://play.dhis2.org/demo/24/api/dataValueSets"
  -H "Content-Type:application/csv" -u admin:district
# --- verbatim end ---
