-- LMSX descriptors of which several match the same LMS value, e.g. LMSSourceSystem 'Canvas' in two namespaces.
-- Harmonization uses the lowest DescriptorId (chosendescriptorid); the reference failed with a key violation.
DROP VIEW IF EXISTS lmsx.duplicate_descriptors;
CREATE VIEW lmsx.duplicate_descriptors AS
SELECT kind, codevalue, namespace, descriptorid, chosendescriptorid
FROM lms.lmsx_descriptor
WHERE candidates > 1;
