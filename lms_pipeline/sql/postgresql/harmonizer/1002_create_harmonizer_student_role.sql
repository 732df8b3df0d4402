-- The LMS user roles that count as students. Only live users with one of these roles are matched to Ed-Fi
-- students and reported as unmatched: the reference matched every role, so teachers could be linked to students
-- and unmatched staff were counted as unmatched students.
-- A table rather than a procedure parameter because the exception views must apply the same list, the reference's
-- call syntax stays as it is, and a district adds its LMS's role names with a plain INSERT (or a site script).
-- Role names are compared exactly: the extractors write 'student' (Canvas) and 'Student' (Google, Schoology).
CREATE TABLE IF NOT EXISTS lms.harmonizer_student_role (
    userrole VARCHAR(60) NOT NULL,
    CONSTRAINT harmonizer_student_role_pk PRIMARY KEY (userrole)
);

INSERT INTO lms.harmonizer_student_role (userrole) VALUES ('student'), ('Student') ON CONFLICT DO NOTHING;
