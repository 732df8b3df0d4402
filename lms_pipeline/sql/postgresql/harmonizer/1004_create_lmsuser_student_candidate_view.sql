-- Every Ed-Fi student a live, student-role LMS user not linked to an existing student could be: the one place
-- where the user matching rules live.
--   Canvas and Schoology: SISUserIdentifier = StudentUniqueId.
--   Google Classroom: EmailAddress = any of the student's e-mail addresses, ignoring case; Google users only.
-- Both sides ignore surrounding whitespace. A user with several candidates is ambiguous and is linked to none.
-- Replaced in place rather than dropped, because other views are built on it.
CREATE OR REPLACE VIEW lms.lmsuser_student_candidate AS
SELECT u.lmsuseridentifier, u.sourcesystem, 'SISUserIdentifier' AS matchedon,
       s.studentusi, s.studentuniqueid, s.id AS edfistudentid
FROM lms.lmsuser u
JOIN lms.harmonizer_student_role r ON r.userrole = u.userrole
JOIN edfi.student s ON lms.match_key(s.studentuniqueid) = lms.match_key(u.sisuseridentifier)
WHERE u.deletedat IS NULL
  AND u.sourcesystem IN ('Canvas', 'Schoology')
  AND NOT EXISTS (SELECT 1 FROM edfi.student linked WHERE linked.id = u.edfistudentid)
UNION ALL
SELECT DISTINCT u.lmsuseridentifier, u.sourcesystem, 'EmailAddress',
       s.studentusi, s.studentuniqueid, s.id
FROM lms.lmsuser u
JOIN lms.harmonizer_student_role r ON r.userrole = u.userrole
JOIN edfi.studenteducationorganizationassociationelectronicmail e
    ON lower(lms.match_key(e.electronicmailaddress)) = lower(lms.match_key(u.emailaddress))
JOIN edfi.student s ON s.studentusi = e.studentusi
WHERE u.deletedat IS NULL
  AND u.sourcesystem = 'Google'
  AND NOT EXISTS (SELECT 1 FROM edfi.student linked WHERE linked.id = u.edfistudentid);
