-- Links the live, student-role users of one LMS to Ed-Fi students (rules: lms.lmsuser_student_candidate).
-- A link to a student that no longer exists is cleared first, so that the user is matched again. Any other link
-- is kept, as in the reference: setting EdFiStudentId by hand is how a district overrides a match. A user with
-- several candidates stays unlinked and is listed in lmsx.ambiguous_lmsuser_matches.
CREATE OR ALTER PROCEDURE lms.harmonize_lmsusers
    @SourceSystem NVARCHAR(255)
AS
BEGIN
    SET NOCOUNT ON;
    SET XACT_ABORT ON;

    UPDATE u
    SET EdFiStudentId = NULL
    FROM lms.LMSUser u
    WHERE u.SourceSystem = @SourceSystem
      AND u.EdFiStudentId IS NOT NULL
      AND NOT EXISTS (SELECT 1 FROM edfi.Student s WHERE s.Id = u.EdFiStudentId);

    -- Counted over a window rather than grouped, so the one candidate's id needs no aggregate.
    UPDATE u
    SET EdFiStudentId = candidate.EdFiStudentId
    FROM lms.LMSUser u
    JOIN (
        SELECT LMSUserIdentifier, EdFiStudentId, COUNT(*) OVER (PARTITION BY LMSUserIdentifier) AS Candidates
        FROM lms.lmsuser_student_candidate
        WHERE SourceSystem = @SourceSystem
    ) candidate ON candidate.LMSUserIdentifier = u.LMSUserIdentifier
    WHERE candidate.Candidates = 1;
END
GO

-- The reference's entry points, one per LMS.
CREATE OR ALTER PROCEDURE lms.harmonize_lmsuser_canvas
AS
BEGIN
    SET NOCOUNT ON;
    EXEC lms.harmonize_lmsusers @SourceSystem = N'Canvas';
END
GO

CREATE OR ALTER PROCEDURE lms.harmonize_lmsuser_google_classroom
AS
BEGIN
    SET NOCOUNT ON;
    EXEC lms.harmonize_lmsusers @SourceSystem = N'Google';
END
GO

CREATE OR ALTER PROCEDURE lms.harmonize_lmsuser_schoology
AS
BEGIN
    SET NOCOUNT ON;
    EXEC lms.harmonize_lmsusers @SourceSystem = N'Schoology';
END
