-- Every Ed-Fi section a live LMS section not linked to an existing section could be, for the three LMSs:
-- SISSectionIdentifier = SectionIdentifier, ignoring surrounding whitespace, compared by code point as on
-- PostgreSQL. Only the identifier is compared (as in the reference), so an identifier repeated across schools,
-- years or sessions gives several candidates, and such a section is linked to none.
CREATE OR ALTER VIEW lms.lmssection_section_candidate AS
SELECT ls.LMSSectionIdentifier, ls.SourceSystem, es.Id AS EdFiSectionId,
       es.LocalCourseCode, es.SchoolId, es.SchoolYear, es.SectionIdentifier, es.SessionName
FROM lms.LMSSection ls
JOIN edfi.Section es
    ON lms.match_key(es.SectionIdentifier) COLLATE Latin1_General_100_BIN2 = lms.match_key(ls.SISSectionIdentifier)
WHERE ls.DeletedAt IS NULL
  AND ls.SourceSystem IN (N'Canvas', N'Google', N'Schoology')
  AND NOT EXISTS (SELECT 1 FROM edfi.Section linked WHERE linked.Id = ls.EdFiSectionId);
