-- TEST AND DEMO FIXTURE. NEVER APPLY TO A REAL ED-FI ODS (a real one gets these from the LMSX descriptor XML
-- through the API bulk loader).
-- The LMSX descriptors as the extension ships them, each registered in its lmsx sub-table: a descriptor is
-- usable by harmonization only when it is both in edfi.descriptor and in the sub-table of its kind.
INSERT INTO edfi.descriptor (namespace, codevalue, shortdescription)
SELECT d.namespace, d.codevalue, d.codevalue
FROM (
    SELECT 'uri://ed-fi.org/edfilms/LMSSourceSystem' AS namespace,
        unnest(ARRAY['Canvas', 'Google', 'Schoology']) AS codevalue
    UNION ALL
    SELECT 'uri://ed-fi.org/edfilms/AssignmentCategoryDescriptor/Canvas', 'Assignment'
    UNION ALL
    SELECT 'uri://ed-fi.org/edfilms/AssignmentCategoryDescriptor/Google',
        unnest(ARRAY['Assignment', 'COURSE_WORK_TYPE_UNSPECIFIED', 'MULTIPLE_CHOICE_QUESTION', 'SHORT_ANSWER_QUESTION'])
    UNION ALL
    SELECT 'uri://ed-fi.org/edfilms/AssignmentCategoryDescriptor/Schoology',
        unnest(ARRAY['Assignment', 'Assessment', 'Discussion'])
    UNION ALL
    SELECT 'uri://ed-fi.org/edfilms/SubmissionStatusDescriptor/Canvas',
        unnest(ARRAY['graded', 'late', 'missing', 'on-time', 'Upcoming'])
    UNION ALL
    SELECT 'uri://ed-fi.org/edfilms/SubmissionStatusDescriptor/Schoology',
        unnest(ARRAY['draft', 'late', 'missing', 'on-time', 'Upcoming'])
    UNION ALL
    SELECT 'uri://ed-fi.org/edfilms/SubmissionStatusDescriptor/Google',
        unnest(ARRAY['CREATED', 'LATE', 'MISSING', 'NEW', 'RECLAIMED_BY_STUDENT', 'RETURNED',
                     'SUBMISSION_STATE_UNSPECIFIED', 'TURNED_IN'])
    UNION ALL
    SELECT 'uri://ed-fi.org/edfilms/SubmissionTypeDescriptor/Canvas',
        unnest(ARRAY['basic_lti_launch', 'discussion_topic', 'media_recording', 'online_quiz', 'online_text_entry',
                     'online_upload', 'online_url'])
) d
ON CONFLICT (codevalue, namespace) DO NOTHING;

INSERT INTO lmsx.lmssourcesystemdescriptor (lmssourcesystemdescriptorid)
SELECT descriptorid FROM edfi.descriptor WHERE namespace = 'uri://ed-fi.org/edfilms/LMSSourceSystem'
ON CONFLICT DO NOTHING;

INSERT INTO lmsx.assignmentcategorydescriptor (assignmentcategorydescriptorid)
SELECT descriptorid FROM edfi.descriptor WHERE namespace LIKE 'uri://ed-fi.org/edfilms/AssignmentCategoryDescriptor/%'
ON CONFLICT DO NOTHING;

INSERT INTO lmsx.submissionstatusdescriptor (submissionstatusdescriptorid)
SELECT descriptorid FROM edfi.descriptor WHERE namespace LIKE 'uri://ed-fi.org/edfilms/SubmissionStatusDescriptor/%'
ON CONFLICT DO NOTHING;

INSERT INTO lmsx.submissiontypedescriptor (submissiontypedescriptorid)
SELECT descriptorid FROM edfi.descriptor WHERE namespace LIKE 'uri://ed-fi.org/edfilms/SubmissionTypeDescriptor/%'
ON CONFLICT DO NOTHING;
