-- Links the live sections of one LMS to Ed-Fi sections (rules: lms.lmssection_section_candidate).
-- A link to a section that no longer exists is cleared first, so that the section is matched again. Any other
-- link is kept, as in the reference: setting EdFiSectionId by hand is how a district overrides a match. A
-- section with several candidates stays unlinked and is listed in lmsx.ambiguous_lmssection_matches.
CREATE OR ALTER PROCEDURE lms.harmonize_lmssections
    @SourceSystem NVARCHAR(255)
AS
BEGIN
    SET NOCOUNT ON;
    SET XACT_ABORT ON;

    UPDATE ls
    SET EdFiSectionId = NULL
    FROM lms.LMSSection ls
    WHERE ls.SourceSystem = @SourceSystem
      AND ls.EdFiSectionId IS NOT NULL
      AND NOT EXISTS (SELECT 1 FROM edfi.Section es WHERE es.Id = ls.EdFiSectionId);

    -- Counted over a window rather than grouped, so the one candidate's id needs no aggregate.
    UPDATE ls
    SET EdFiSectionId = candidate.EdFiSectionId
    FROM lms.LMSSection ls
    JOIN (
        SELECT LMSSectionIdentifier, EdFiSectionId, COUNT(*) OVER (PARTITION BY LMSSectionIdentifier) AS Candidates
        FROM lms.lmssection_section_candidate
        WHERE SourceSystem = @SourceSystem
    ) candidate ON candidate.LMSSectionIdentifier = ls.LMSSectionIdentifier
    WHERE candidate.Candidates = 1;
END
GO

-- The reference's entry points, one per LMS.
CREATE OR ALTER PROCEDURE lms.harmonize_lmssection_canvas
AS
BEGIN
    SET NOCOUNT ON;
    EXEC lms.harmonize_lmssections @SourceSystem = N'Canvas';
END
GO

CREATE OR ALTER PROCEDURE lms.harmonize_lmssection_google_classroom
AS
BEGIN
    SET NOCOUNT ON;
    EXEC lms.harmonize_lmssections @SourceSystem = N'Google';
END
GO

CREATE OR ALTER PROCEDURE lms.harmonize_lmssection_schoology
AS
BEGIN
    SET NOCOUNT ON;
    EXEC lms.harmonize_lmssections @SourceSystem = N'Schoology';
END
