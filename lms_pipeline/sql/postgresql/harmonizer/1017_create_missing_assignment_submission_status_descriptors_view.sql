-- LMS submissions, deleted or not, whose SubmissionStatus has no usable descriptor in
-- uri://ed-fi.org/edfilms/SubmissionStatusDescriptor/<SourceSystem> (the reference's view and columns; a NULL
-- status is listed too). Usable means registered in lmsx.SubmissionStatusDescriptor as well, as matching requires.
DROP VIEW IF EXISTS lmsx.missing_assignment_submission_status_descriptors;
CREATE VIEW lmsx.missing_assignment_submission_status_descriptors AS
SELECT sub.assignmentsubmissionidentifier, sub.sourcesystemidentifier, sub.sourcesystem, sub.assignmentidentifier,
       sub.lmsuseridentifier, sub.submissionstatus, sub.submissiondatetime, sub.earnedpoints, sub.grade,
       sub.sourcecreatedate, sub.sourcelastmodifieddate, sub.createdate, sub.lastmodifieddate, sub.deletedat
FROM lms.assignmentsubmission sub
WHERE NOT EXISTS (
    SELECT 1 FROM lms.lmsx_descriptor d
    WHERE d.kind = 'SubmissionStatus'
      AND d.namespace = lms.lmsx_descriptor_namespace('SubmissionStatus', sub.sourcesystem)
      AND d.codevalue = sub.submissionstatus
);
