# 03b-post-json-bulk.sh: send the bulk example as JSON (manual's JSON curl line + manual's bulk JSON payload)
# Source: dhis2/dhis2-docs, branch 2.40 (tip 90ef7c129daaf88cf7e8218c897b2359076bfcac), src/developer/web-api/data.md (blob a094d4ee56be2515d0579a7766413dbb53ff3cfa, last changed by d842044bdba3908225faf707116407b49505b001), lines 166-167, section "Sending data values"; published as https://docs.dhis2.org/en/develop/using-the-api/dhis-core-version-240/data.html
# Licence: GNU FDL 1.3 (see LICENSE-dhis2-docs.txt).
# The lines between the markers are byte-identical to the manual's code block. The manual breaks the
# command over lines WITHOUT a trailing backslash: join the lines with one space to get the command.
# (Not runnable as a shell script as is.)
# Payload: @datavalueset.json = 03b-post-json-bulk.datavalueset.json (manual lines 214-241, section "Sending bulks of data values")
# The manual gives this JSON payload but no curl line for it; the curl line is the manual's JSON one (lines 166-167).
# --- verbatim begin ---
curl -d @datavalueset.json "https://play.dhis2.org/demo/api/dataValueSets"
  -H "Content-Type:application/json" -u admin:district
# --- verbatim end ---
