-- Every Ed-Fi section a live LMS section not linked to an existing section could be, for the three LMSs:
-- SISSectionIdentifier = SectionIdentifier, ignoring surrounding whitespace. Only the identifier is compared (as in
-- the reference), so an identifier repeated across schools, years or sessions gives several candidates, and such a
-- section is linked to none.
-- Replaced in place rather than dropped, because other views are built on it.
CREATE OR REPLACE VIEW lms.lmssection_section_candidate AS
SELECT ls.lmssectionidentifier, ls.sourcesystem, es.id AS edfisectionid,
       es.localcoursecode, es.schoolid, es.schoolyear, es.sectionidentifier, es.sessionname
FROM lms.lmssection ls
JOIN edfi.section es ON lms.match_key(es.sectionidentifier) = lms.match_key(ls.sissectionidentifier)
WHERE ls.deletedat IS NULL
  AND ls.sourcesystem IN ('Canvas', 'Google', 'Schoology')
  AND NOT EXISTS (SELECT 1 FROM edfi.section linked WHERE linked.id = ls.edfisectionid);
