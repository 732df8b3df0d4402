-- LMS submissions, deleted or not, whose SubmissionStatus has no usable descriptor in
-- uri://ed-fi.org/edfilms/SubmissionStatusDescriptor/<SourceSystem> (the reference's view and columns; a NULL
-- status is listed too). Usable means registered in lmsx.SubmissionStatusDescriptor as well, as matching requires.
CREATE OR ALTER VIEW lmsx.missing_assignment_submission_status_descriptors AS
SELECT sub.AssignmentSubmissionIdentifier, sub.SourceSystemIdentifier, sub.SourceSystem, sub.AssignmentIdentifier,
       sub.LMSUserIdentifier, sub.SubmissionStatus, sub.SubmissionDateTime, sub.EarnedPoints, sub.Grade,
       sub.SourceCreateDate, sub.SourceLastModifiedDate, sub.CreateDate, sub.LastModifiedDate, sub.DeletedAt
FROM lms.AssignmentSubmission sub
WHERE NOT EXISTS (
    SELECT 1 FROM lms.lmsx_descriptor d
    WHERE d.Kind = N'SubmissionStatus'
      AND d.Namespace = lms.lmsx_descriptor_namespace(N'SubmissionStatus', sub.SourceSystem)
      AND d.CodeValue = sub.SubmissionStatus
);
