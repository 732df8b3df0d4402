-- Live LMS users, of every source system, not linked to an existing Ed-Fi student (the reference's view and
-- columns). Deviation from the reference: only users with a student role (lms.harmonizer_student_role) are
-- listed, because staff are never matched to students and would otherwise inflate the count. A link to a
-- student that no longer exists counts as none. Ambiguous users are listed here too;
-- lmsx.ambiguous_lmsuser_matches gives their candidates.
CREATE OR ALTER VIEW lmsx.exceptions_LMSUser AS
SELECT u.LMSUserIdentifier, u.SourceSystemIdentifier, u.SourceSystem, u.SISUserIdentifier, u.LocalUserIdentifier,
       u.UserRole
FROM lms.LMSUser u
JOIN lms.harmonizer_student_role r ON r.UserRole = u.UserRole
WHERE u.DeletedAt IS NULL
  AND NOT EXISTS (SELECT 1 FROM edfi.Student s WHERE s.Id = u.EdFiStudentId);
