# 24-get-dataSets.sh: list data sets, default paging and fields
# CONSTRUCTED: this curl call is NOT in the manual. It is built in the manual's style (host, user, flags)
# from: metadata.md 'Data sets' (/api/33/dataSets)
# Manual: dhis2/dhis2-docs, branch 2.40 (tip 90ef7c129daaf88cf7e8218c897b2359076bfcac), src/developer/web-api/data.md (blob a094d4ee56be2515d0579a7766413dbb53ff3cfa, last changed by d842044bdba3908225faf707116407b49505b001); https://docs.dhis2.org/en/develop/using-the-api/dhis-core-version-240/data.html
# --- constructed begin ---
curl "https://play.dhis2.org/demo/api/dataSets" -u admin:district
# --- constructed end ---
