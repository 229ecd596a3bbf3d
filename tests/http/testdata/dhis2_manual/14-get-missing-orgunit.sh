# 14-get-missing-orgunit.sh: GET without orgUnit: the 409 error WebMessage
# CONSTRUCTED: this curl call is NOT in the manual. It is built in the manual's style (host, user, flags)
# from: manual section 'Reading data values', list of constraints (lines 653-665): 'At least one organisation unit must be specified.'
# Manual: dhis2/dhis2-docs, branch 2.40 (tip 90ef7c129daaf88cf7e8218c897b2359076bfcac), src/developer/web-api/data.md (blob a094d4ee56be2515d0579a7766413dbb53ff3cfa, last changed by d842044bdba3908225faf707116407b49505b001); https://docs.dhis2.org/en/develop/using-the-api/dhis-core-version-240/data.html
# --- constructed begin ---
curl "https://play.dhis2.org/demo/api/dataValueSets.json?dataSet=pBOMPrpg1QX&period=201401" -u admin:district
# --- constructed end ---
