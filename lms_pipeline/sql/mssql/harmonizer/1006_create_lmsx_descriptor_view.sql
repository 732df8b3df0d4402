-- The LMSX descriptors harmonization can use: in edfi.Descriptor and registered in the lmsx table of their kind.
-- When several would match the same LMS value, the lowest DescriptorId is used (ChosenDescriptorId), so a
-- duplicate never fans a row out into a key violation; lmsx.duplicate_descriptors reports them.
-- AssignmentCategory and SubmissionStatus match by namespace and code value, which the Descriptor alternate key
-- keeps unique. LMSSourceSystem matches by code value alone, as in the reference (whose own tests register it
-- under another namespace), so 'Canvas' in two namespaces is a duplicate. Both compare by the database's
-- collation, as the alternate key does.
CREATE OR ALTER VIEW lms.lmsx_descriptor AS
SELECT Kind, DescriptorId, Namespace, CodeValue,
       MIN(DescriptorId) OVER (PARTITION BY Kind, CodeValue, MatchedNamespace) AS ChosenDescriptorId,
       COUNT(*) OVER (PARTITION BY Kind, CodeValue, MatchedNamespace) AS Candidates
FROM (
    SELECT N'LMSSourceSystem' AS Kind, d.DescriptorId, d.Namespace, d.CodeValue,
           CAST(NULL AS NVARCHAR(255)) AS MatchedNamespace
    FROM edfi.Descriptor d
    JOIN lmsx.LMSSourceSystemDescriptor x ON x.LMSSourceSystemDescriptorId = d.DescriptorId
    UNION ALL
    SELECT N'AssignmentCategory', d.DescriptorId, d.Namespace, d.CodeValue, d.Namespace
    FROM edfi.Descriptor d
    JOIN lmsx.AssignmentCategoryDescriptor x ON x.AssignmentCategoryDescriptorId = d.DescriptorId
    UNION ALL
    SELECT N'SubmissionStatus', d.DescriptorId, d.Namespace, d.CodeValue, d.Namespace
    FROM edfi.Descriptor d
    JOIN lmsx.SubmissionStatusDescriptor x ON x.SubmissionStatusDescriptorId = d.DescriptorId
) registered;
