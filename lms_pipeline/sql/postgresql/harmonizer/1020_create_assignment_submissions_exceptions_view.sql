-- Live LMS submissions of live assignments in live sections that have no lmsx.AssignmentSubmission of their own
-- LMS (the reference's view and columns). Submissions of a deleted assignment or section are not exceptions, as
-- they were in the reference: they are deleted with it.
DROP VIEW IF EXISTS lmsx.assignment_submissions_exceptions;
CREATE VIEW lmsx.assignment_submissions_exceptions AS
SELECT sub.assignmentsubmissionidentifier, sub.sourcesystemidentifier, sub.sourcesystem, sub.assignmentidentifier,
       sub.lmsuseridentifier, sub.submissionstatus, sub.submissiondatetime, sub.earnedpoints, sub.grade,
       sub.sourcecreatedate, sub.sourcelastmodifieddate, sub.createdate, sub.lastmodifieddate, sub.deletedat
FROM lms.assignmentsubmission sub
JOIN lms.assignment a ON a.assignmentidentifier = sub.assignmentidentifier
JOIN lms.lmssection ls ON ls.lmssectionidentifier = a.lmssectionidentifier
WHERE sub.deletedat IS NULL
  AND a.deletedat IS NULL
  AND ls.deletedat IS NULL
  AND NOT EXISTS (
      SELECT 1
      FROM lmsx.assignmentsubmission s
      JOIN lmsx.assignment x ON x.assignmentidentifier = s.assignmentidentifier AND x.namespace = s.namespace
      JOIN edfi.descriptor sourcesystem ON sourcesystem.descriptorid = x.lmssourcesystemdescriptorid
      WHERE s.assignmentsubmissionidentifier = sub.sourcesystemidentifier
        AND sourcesystem.codevalue = sub.sourcesystem
  );
