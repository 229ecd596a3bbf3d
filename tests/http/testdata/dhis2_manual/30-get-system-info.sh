# 30-get-system-info.sh: system information
# CONSTRUCTED: this curl call is NOT in the manual. It is built in the manual's style (host, user, flags)
# from: dhis2-docs 2.40 src/developer/web-api/maintenance.md 'View system information' (/api/33/system/info)
# Manual: dhis2/dhis2-docs, branch 2.40 (tip 90ef7c129daaf88cf7e8218c897b2359076bfcac), src/developer/web-api/data.md (blob a094d4ee56be2515d0579a7766413dbb53ff3cfa, last changed by d842044bdba3908225faf707116407b49505b001); https://docs.dhis2.org/en/develop/using-the-api/dhis-core-version-240/data.html
# --- constructed begin ---
curl "https://play.dhis2.org/demo/api/system/info" -u admin:district
# --- constructed end ---
