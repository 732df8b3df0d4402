-- The LMS user roles that count as students. Only live users with one of these roles are matched to Ed-Fi
-- students and reported as unmatched: the reference matched every role, so teachers could be linked to students
-- and unmatched staff were counted as unmatched students.
-- A table rather than a procedure parameter because the exception views must apply the same list, the reference's
-- call syntax stays as it is, and a district adds its LMS's role names with a plain INSERT (or a site script).
-- Role names compare as the database's collation compares them: the extractors write 'student' (Canvas) and
-- 'Student' (Google, Schoology), which a case-insensitive collation takes for one name.
IF (OBJECT_ID(N'lms.harmonizer_student_role', N'U') IS NULL)
CREATE TABLE lms.harmonizer_student_role (
    UserRole NVARCHAR(60) NOT NULL,
    CONSTRAINT harmonizer_student_role_PK PRIMARY KEY CLUSTERED (UserRole)
);
GO

-- DISTINCT under the same collation as the key: a case-insensitive database gets one of the two spellings.
INSERT INTO lms.harmonizer_student_role (UserRole)
SELECT DISTINCT wanted.UserRole
FROM (VALUES (N'student'), (N'Student')) AS wanted (UserRole)
WHERE NOT EXISTS (SELECT 1 FROM lms.harmonizer_student_role r WHERE r.UserRole = wanted.UserRole);
