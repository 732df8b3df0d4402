-- Unlinked LMS sections that match several Ed-Fi sections (a SectionIdentifier repeated across schools, years or
-- sessions): one row per candidate. Harmonization links none of them.
DROP VIEW IF EXISTS lmsx.ambiguous_lmssection_matches;
CREATE VIEW lmsx.ambiguous_lmssection_matches AS
SELECT ls.lmssectionidentifier, ls.sourcesystemidentifier, ls.sourcesystem, ls.sissectionidentifier,
       c.candidates, c.localcoursecode, c.schoolid, c.schoolyear, c.sectionidentifier, c.sessionname
FROM (
    SELECT candidate.*, count(*) OVER (PARTITION BY candidate.lmssectionidentifier) AS candidates
    FROM lms.lmssection_section_candidate candidate
) c
JOIN lms.lmssection ls ON ls.lmssectionidentifier = c.lmssectionidentifier
WHERE c.candidates > 1;
