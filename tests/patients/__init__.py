#: The patient page's queries, whatever the number of rows: session, user, permissions (2), patient with
#: clinic and intake, nine prefetches, recorded screenings, navigation clinics, session save.
PATIENT_PAGE_QUERIES = 19
