-- Live LMS submissions of live assignments in live sections that have no lmsx.AssignmentSubmission of their own
-- LMS (the reference's view and columns). Submissions of a deleted assignment or section are not exceptions, as
-- they were in the reference: they are deleted with it.
CREATE OR ALTER VIEW lmsx.assignment_submissions_exceptions AS
SELECT sub.AssignmentSubmissionIdentifier, sub.SourceSystemIdentifier, sub.SourceSystem, sub.AssignmentIdentifier,
       sub.LMSUserIdentifier, sub.SubmissionStatus, sub.SubmissionDateTime, sub.EarnedPoints, sub.Grade,
       sub.SourceCreateDate, sub.SourceLastModifiedDate, sub.CreateDate, sub.LastModifiedDate, sub.DeletedAt
FROM lms.AssignmentSubmission sub
JOIN lms.Assignment a ON a.AssignmentIdentifier = sub.AssignmentIdentifier
JOIN lms.LMSSection ls ON ls.LMSSectionIdentifier = a.LMSSectionIdentifier
WHERE sub.DeletedAt IS NULL
  AND a.DeletedAt IS NULL
  AND ls.DeletedAt IS NULL
  AND NOT EXISTS (
      SELECT 1
      FROM lmsx.AssignmentSubmission s
      JOIN lmsx.Assignment x ON x.AssignmentIdentifier = s.AssignmentIdentifier AND x.Namespace = s.Namespace
      JOIN edfi.Descriptor sourcesystem ON sourcesystem.DescriptorId = x.LMSSourceSystemDescriptorId
      WHERE s.AssignmentSubmissionIdentifier = sub.SourceSystemIdentifier
        AND sourcesystem.CodeValue = sub.SourceSystem
  );
