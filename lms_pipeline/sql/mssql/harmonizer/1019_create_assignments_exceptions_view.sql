-- Live LMS assignments in live sections that have no lmsx.Assignment of their own LMS (the reference's view and
-- columns): the identifier and the source-system descriptor's code value must both match, so an equal identifier
-- in another LMS does not hide one. Assignments of a soft-deleted section are not exceptions: they are deleted.
CREATE OR ALTER VIEW lmsx.assignments_exceptions AS
SELECT a.AssignmentIdentifier, a.SourceSystemIdentifier, a.SourceSystem, a.LMSSectionIdentifier, a.Title,
       a.AssignmentCategory, a.AssignmentDescription, a.StartDateTime, a.EndDateTime, a.DueDateTime, a.MaxPoints,
       a.SourceCreateDate, a.SourceLastModifiedDate, a.CreateDate, a.LastModifiedDate, a.DeletedAt
FROM lms.Assignment a
JOIN lms.LMSSection ls ON ls.LMSSectionIdentifier = a.LMSSectionIdentifier
WHERE a.DeletedAt IS NULL
  AND ls.DeletedAt IS NULL
  AND NOT EXISTS (
      SELECT 1
      FROM lmsx.Assignment x
      JOIN edfi.Descriptor sourcesystem ON sourcesystem.DescriptorId = x.LMSSourceSystemDescriptorId
      WHERE x.AssignmentIdentifier = a.SourceSystemIdentifier
        AND sourcesystem.CodeValue = a.SourceSystem
  );
