-- Live LMS users, of every source system, not linked to an existing Ed-Fi student (the reference's view and
-- columns). Deviation from the reference: only users with a student role (lms.harmonizer_student_role) are
-- listed, because staff are never matched to students and would otherwise inflate the count. A link to a
-- student that no longer exists counts as none. Ambiguous users are listed here too;
-- lmsx.ambiguous_lmsuser_matches gives their candidates.
DROP VIEW IF EXISTS lmsx.exceptions_lmsuser;
CREATE VIEW lmsx.exceptions_lmsuser AS
SELECT u.lmsuseridentifier, u.sourcesystemidentifier, u.sourcesystem, u.sisuseridentifier, u.localuseridentifier,
       u.userrole
FROM lms.lmsuser u
JOIN lms.harmonizer_student_role r ON r.userrole = u.userrole
WHERE u.deletedat IS NULL
  AND NOT EXISTS (SELECT 1 FROM edfi.student s WHERE s.id = u.edfistudentid);
