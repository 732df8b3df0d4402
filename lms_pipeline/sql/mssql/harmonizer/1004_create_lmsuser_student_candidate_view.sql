-- Every Ed-Fi student a live, student-role LMS user not linked to an existing student could be: the one place
-- where the user matching rules live.
--   Canvas and Schoology: SISUserIdentifier = StudentUniqueId.
--   Google Classroom: EmailAddress = any of the student's e-mail addresses, ignoring case; Google users only.
-- Both sides ignore surrounding whitespace. A user with several candidates is ambiguous and is linked to none.
-- Identifiers and addresses are compared by code point (a binary collation), so matching gives what it gives on
-- PostgreSQL whatever the database's collation: case counts in a SIS identifier.
CREATE OR ALTER VIEW lms.lmsuser_student_candidate AS
SELECT u.LMSUserIdentifier, u.SourceSystem, N'SISUserIdentifier' AS MatchedOn,
       s.StudentUSI, s.StudentUniqueId, s.Id AS EdFiStudentId
FROM lms.LMSUser u
JOIN lms.harmonizer_student_role r ON r.UserRole = u.UserRole
JOIN edfi.Student s
    ON lms.match_key(s.StudentUniqueId) COLLATE Latin1_General_100_BIN2 = lms.match_key(u.SISUserIdentifier)
WHERE u.DeletedAt IS NULL
  AND u.SourceSystem IN (N'Canvas', N'Schoology')
  AND NOT EXISTS (SELECT 1 FROM edfi.Student linked WHERE linked.Id = u.EdFiStudentId)
UNION ALL
SELECT DISTINCT u.LMSUserIdentifier, u.SourceSystem, N'EmailAddress',
       s.StudentUSI, s.StudentUniqueId, s.Id
FROM lms.LMSUser u
JOIN lms.harmonizer_student_role r ON r.UserRole = u.UserRole
JOIN edfi.StudentEducationOrganizationAssociationElectronicMail e
    ON LOWER(lms.match_key(e.ElectronicMailAddress)) COLLATE Latin1_General_100_BIN2
       = LOWER(lms.match_key(u.EmailAddress))
JOIN edfi.Student s ON s.StudentUSI = e.StudentUSI
WHERE u.DeletedAt IS NULL
  AND u.SourceSystem = N'Google'
  AND NOT EXISTS (SELECT 1 FROM edfi.Student linked WHERE linked.Id = u.EdFiStudentId);
