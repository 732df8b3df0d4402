-- LMSX descriptors of which several match the same LMS value, e.g. LMSSourceSystem 'Canvas' in two namespaces.
-- Harmonization uses the lowest DescriptorId (ChosenDescriptorId); the reference failed with a key violation.
CREATE OR ALTER VIEW lmsx.duplicate_descriptors AS
SELECT Kind, CodeValue, Namespace, DescriptorId, ChosenDescriptorId
FROM lms.lmsx_descriptor
WHERE Candidates > 1;
