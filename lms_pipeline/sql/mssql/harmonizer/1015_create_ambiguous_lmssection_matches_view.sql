-- Unlinked LMS sections that match several Ed-Fi sections (a SectionIdentifier repeated across schools, years or
-- sessions): one row per candidate. Harmonization links none of them.
CREATE OR ALTER VIEW lmsx.ambiguous_lmssection_matches AS
SELECT ls.LMSSectionIdentifier, ls.SourceSystemIdentifier, ls.SourceSystem, ls.SISSectionIdentifier,
       c.Candidates, c.LocalCourseCode, c.SchoolId, c.SchoolYear, c.SectionIdentifier, c.SessionName
FROM (
    SELECT candidate.LMSSectionIdentifier, candidate.LocalCourseCode, candidate.SchoolId, candidate.SchoolYear,
           candidate.SectionIdentifier, candidate.SessionName,
           COUNT(*) OVER (PARTITION BY candidate.LMSSectionIdentifier) AS Candidates
    FROM lms.lmssection_section_candidate candidate
) c
JOIN lms.LMSSection ls ON ls.LMSSectionIdentifier = c.LMSSectionIdentifier
WHERE c.Candidates > 1;
