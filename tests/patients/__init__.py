#: The patient page's queries, whatever the number of rows: session, user, permissions (2), patient with
#: clinic and intake, nine prefetches, recorded screenings, navigation clinics, session save; and the audit
#: trail: the access entry written for this view and the recent views shown under "who viewed this record".
PATIENT_PAGE_QUERIES = 21
