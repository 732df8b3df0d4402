-- LMS assignments, deleted or not, whose AssignmentCategory has no usable descriptor in
-- uri://ed-fi.org/edfilms/AssignmentCategoryDescriptor/<SourceSystem> (the reference's view and columns).
-- Usable means registered in lmsx.AssignmentCategoryDescriptor as well, as matching requires; the reference
-- checked edfi.Descriptor alone, so an unregistered descriptor blocked matching without being reported.
CREATE OR ALTER VIEW lmsx.missing_assignment_category_descriptors AS
SELECT a.AssignmentIdentifier, a.SourceSystemIdentifier, a.SourceSystem, a.LMSSectionIdentifier, a.Title,
       a.AssignmentCategory, a.AssignmentDescription, a.StartDateTime, a.EndDateTime, a.DueDateTime, a.MaxPoints,
       a.SourceCreateDate, a.SourceLastModifiedDate, a.CreateDate, a.LastModifiedDate, a.DeletedAt
FROM lms.Assignment a
WHERE NOT EXISTS (
    SELECT 1 FROM lms.lmsx_descriptor d
    WHERE d.Kind = N'AssignmentCategory'
      AND d.Namespace = lms.lmsx_descriptor_namespace(N'AssignmentCategory', a.SourceSystem)
      AND d.CodeValue = a.AssignmentCategory
);
