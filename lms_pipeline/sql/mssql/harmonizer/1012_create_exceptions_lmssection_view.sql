-- Live LMS sections, of every source system, not linked to an existing Ed-Fi section (the reference's view and
-- columns). A link to a section that no longer exists counts as none. Ambiguous sections are listed here too;
-- lmsx.ambiguous_lmssection_matches gives their candidates.
CREATE OR ALTER VIEW lmsx.exceptions_LMSSection AS
SELECT ls.LMSSectionIdentifier, ls.SourceSystemIdentifier, ls.SourceSystem, ls.SISSectionIdentifier
FROM lms.LMSSection ls
WHERE ls.DeletedAt IS NULL
  AND NOT EXISTS (SELECT 1 FROM edfi.Section es WHERE es.Id = ls.EdFiSectionId);
