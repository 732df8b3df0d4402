-- TEST AND DEMO FIXTURE. NEVER APPLY TO A REAL ED-FI ODS (a real one gets these from the LMSX descriptor XML
-- through the API bulk loader).
-- The LMSX descriptors as the extension ships them, each registered in its lmsx sub-table: a descriptor is
-- usable by harmonization only when it is both in edfi.Descriptor and in the sub-table of its kind.
INSERT INTO edfi.Descriptor (Namespace, CodeValue, ShortDescription)
SELECT shipped.Namespace, shipped.CodeValue, shipped.CodeValue
FROM (VALUES
    (N'uri://ed-fi.org/edfilms/LMSSourceSystem', N'Canvas'),
    (N'uri://ed-fi.org/edfilms/LMSSourceSystem', N'Google'),
    (N'uri://ed-fi.org/edfilms/LMSSourceSystem', N'Schoology'),
    (N'uri://ed-fi.org/edfilms/AssignmentCategoryDescriptor/Canvas', N'Assignment'),
    (N'uri://ed-fi.org/edfilms/AssignmentCategoryDescriptor/Google', N'Assignment'),
    (N'uri://ed-fi.org/edfilms/AssignmentCategoryDescriptor/Google', N'COURSE_WORK_TYPE_UNSPECIFIED'),
    (N'uri://ed-fi.org/edfilms/AssignmentCategoryDescriptor/Google', N'MULTIPLE_CHOICE_QUESTION'),
    (N'uri://ed-fi.org/edfilms/AssignmentCategoryDescriptor/Google', N'SHORT_ANSWER_QUESTION'),
    (N'uri://ed-fi.org/edfilms/AssignmentCategoryDescriptor/Schoology', N'Assignment'),
    (N'uri://ed-fi.org/edfilms/AssignmentCategoryDescriptor/Schoology', N'Assessment'),
    (N'uri://ed-fi.org/edfilms/AssignmentCategoryDescriptor/Schoology', N'Discussion'),
    (N'uri://ed-fi.org/edfilms/SubmissionStatusDescriptor/Canvas', N'graded'),
    (N'uri://ed-fi.org/edfilms/SubmissionStatusDescriptor/Canvas', N'late'),
    (N'uri://ed-fi.org/edfilms/SubmissionStatusDescriptor/Canvas', N'missing'),
    (N'uri://ed-fi.org/edfilms/SubmissionStatusDescriptor/Canvas', N'on-time'),
    (N'uri://ed-fi.org/edfilms/SubmissionStatusDescriptor/Canvas', N'Upcoming'),
    (N'uri://ed-fi.org/edfilms/SubmissionStatusDescriptor/Schoology', N'draft'),
    (N'uri://ed-fi.org/edfilms/SubmissionStatusDescriptor/Schoology', N'late'),
    (N'uri://ed-fi.org/edfilms/SubmissionStatusDescriptor/Schoology', N'missing'),
    (N'uri://ed-fi.org/edfilms/SubmissionStatusDescriptor/Schoology', N'on-time'),
    (N'uri://ed-fi.org/edfilms/SubmissionStatusDescriptor/Schoology', N'Upcoming'),
    (N'uri://ed-fi.org/edfilms/SubmissionStatusDescriptor/Google', N'CREATED'),
    (N'uri://ed-fi.org/edfilms/SubmissionStatusDescriptor/Google', N'LATE'),
    (N'uri://ed-fi.org/edfilms/SubmissionStatusDescriptor/Google', N'MISSING'),
    (N'uri://ed-fi.org/edfilms/SubmissionStatusDescriptor/Google', N'NEW'),
    (N'uri://ed-fi.org/edfilms/SubmissionStatusDescriptor/Google', N'RECLAIMED_BY_STUDENT'),
    (N'uri://ed-fi.org/edfilms/SubmissionStatusDescriptor/Google', N'RETURNED'),
    (N'uri://ed-fi.org/edfilms/SubmissionStatusDescriptor/Google', N'SUBMISSION_STATE_UNSPECIFIED'),
    (N'uri://ed-fi.org/edfilms/SubmissionStatusDescriptor/Google', N'TURNED_IN'),
    (N'uri://ed-fi.org/edfilms/SubmissionTypeDescriptor/Canvas', N'basic_lti_launch'),
    (N'uri://ed-fi.org/edfilms/SubmissionTypeDescriptor/Canvas', N'discussion_topic'),
    (N'uri://ed-fi.org/edfilms/SubmissionTypeDescriptor/Canvas', N'media_recording'),
    (N'uri://ed-fi.org/edfilms/SubmissionTypeDescriptor/Canvas', N'online_quiz'),
    (N'uri://ed-fi.org/edfilms/SubmissionTypeDescriptor/Canvas', N'online_text_entry'),
    (N'uri://ed-fi.org/edfilms/SubmissionTypeDescriptor/Canvas', N'online_upload'),
    (N'uri://ed-fi.org/edfilms/SubmissionTypeDescriptor/Canvas', N'online_url')
) AS shipped (Namespace, CodeValue)
WHERE NOT EXISTS (
    SELECT 1 FROM edfi.Descriptor d WHERE d.CodeValue = shipped.CodeValue AND d.Namespace = shipped.Namespace
);

INSERT INTO lmsx.LMSSourceSystemDescriptor (LMSSourceSystemDescriptorId)
SELECT d.DescriptorId FROM edfi.Descriptor d
WHERE d.Namespace = N'uri://ed-fi.org/edfilms/LMSSourceSystem'
  AND NOT EXISTS (
      SELECT 1 FROM lmsx.LMSSourceSystemDescriptor x WHERE x.LMSSourceSystemDescriptorId = d.DescriptorId
  );

INSERT INTO lmsx.AssignmentCategoryDescriptor (AssignmentCategoryDescriptorId)
SELECT d.DescriptorId FROM edfi.Descriptor d
WHERE d.Namespace LIKE N'uri://ed-fi.org/edfilms/AssignmentCategoryDescriptor/%'
  AND NOT EXISTS (
      SELECT 1 FROM lmsx.AssignmentCategoryDescriptor x WHERE x.AssignmentCategoryDescriptorId = d.DescriptorId
  );

INSERT INTO lmsx.SubmissionStatusDescriptor (SubmissionStatusDescriptorId)
SELECT d.DescriptorId FROM edfi.Descriptor d
WHERE d.Namespace LIKE N'uri://ed-fi.org/edfilms/SubmissionStatusDescriptor/%'
  AND NOT EXISTS (
      SELECT 1 FROM lmsx.SubmissionStatusDescriptor x WHERE x.SubmissionStatusDescriptorId = d.DescriptorId
  );

INSERT INTO lmsx.SubmissionTypeDescriptor (SubmissionTypeDescriptorId)
SELECT d.DescriptorId FROM edfi.Descriptor d
WHERE d.Namespace LIKE N'uri://ed-fi.org/edfilms/SubmissionTypeDescriptor/%'
  AND NOT EXISTS (
      SELECT 1 FROM lmsx.SubmissionTypeDescriptor x WHERE x.SubmissionTypeDescriptorId = d.DescriptorId
  );
