-- Live LMS sections, of every source system, not linked to an existing Ed-Fi section (the reference's view and
-- columns). A link to a section that no longer exists counts as none. Ambiguous sections are listed here too;
-- lmsx.ambiguous_lmssection_matches gives their candidates.
DROP VIEW IF EXISTS lmsx.exceptions_lmssection;
CREATE VIEW lmsx.exceptions_lmssection AS
SELECT ls.lmssectionidentifier, ls.sourcesystemidentifier, ls.sourcesystem, ls.sissectionidentifier
FROM lms.lmssection ls
WHERE ls.deletedat IS NULL
  AND NOT EXISTS (SELECT 1 FROM edfi.section es WHERE es.id = ls.edfisectionid);
