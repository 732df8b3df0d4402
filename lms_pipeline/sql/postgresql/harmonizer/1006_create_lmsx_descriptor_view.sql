-- The LMSX descriptors harmonization can use: in edfi.descriptor and registered in the lmsx table of their kind.
-- When several would match the same LMS value, the lowest DescriptorId is used (chosendescriptorid), so a
-- duplicate never fans a row out into a key violation; lmsx.duplicate_descriptors reports them.
-- AssignmentCategory and SubmissionStatus match by namespace and code value, which the Descriptor alternate key
-- keeps unique. LMSSourceSystem matches by code value alone, as in the reference (whose own tests register it
-- under another namespace), so 'Canvas' in two namespaces is a duplicate.
-- Replaced in place rather than dropped, because other views are built on it.
CREATE OR REPLACE VIEW lms.lmsx_descriptor AS
SELECT kind, descriptorid, namespace, codevalue,
       min(descriptorid) OVER same_value AS chosendescriptorid,
       count(*) OVER same_value AS candidates
FROM (
    SELECT 'LMSSourceSystem' AS kind, d.descriptorid, d.namespace, d.codevalue
    FROM edfi.descriptor d
    JOIN lmsx.lmssourcesystemdescriptor x ON x.lmssourcesystemdescriptorid = d.descriptorid
    UNION ALL
    SELECT 'AssignmentCategory', d.descriptorid, d.namespace, d.codevalue
    FROM edfi.descriptor d
    JOIN lmsx.assignmentcategorydescriptor x ON x.assignmentcategorydescriptorid = d.descriptorid
    UNION ALL
    SELECT 'SubmissionStatus', d.descriptorid, d.namespace, d.codevalue
    FROM edfi.descriptor d
    JOIN lmsx.submissionstatusdescriptor x ON x.submissionstatusdescriptorid = d.descriptorid
) registered
WINDOW same_value AS (
    PARTITION BY kind, codevalue, CASE WHEN kind = 'LMSSourceSystem' THEN NULL ELSE namespace END
);
