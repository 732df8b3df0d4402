-- Live LMS assignments in live sections that have no lmsx.Assignment of their own LMS (the reference's view and
-- columns): the identifier and the source-system descriptor's code value must both match, so an equal identifier
-- in another LMS does not hide one. Assignments of a soft-deleted section are not exceptions: they are deleted.
DROP VIEW IF EXISTS lmsx.assignments_exceptions;
CREATE VIEW lmsx.assignments_exceptions AS
SELECT a.assignmentidentifier, a.sourcesystemidentifier, a.sourcesystem, a.lmssectionidentifier, a.title,
       a.assignmentcategory, a.assignmentdescription, a.startdatetime, a.enddatetime, a.duedatetime, a.maxpoints,
       a.sourcecreatedate, a.sourcelastmodifieddate, a.createdate, a.lastmodifieddate, a.deletedat
FROM lms.assignment a
JOIN lms.lmssection ls ON ls.lmssectionidentifier = a.lmssectionidentifier
WHERE a.deletedat IS NULL
  AND ls.deletedat IS NULL
  AND NOT EXISTS (
      SELECT 1
      FROM lmsx.assignment x
      JOIN edfi.descriptor sourcesystem ON sourcesystem.descriptorid = x.lmssourcesystemdescriptorid
      WHERE x.assignmentidentifier = a.sourcesystemidentifier
        AND sourcesystem.codevalue = a.sourcesystem
  );
