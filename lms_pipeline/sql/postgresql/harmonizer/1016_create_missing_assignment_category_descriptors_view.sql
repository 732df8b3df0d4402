-- LMS assignments, deleted or not, whose AssignmentCategory has no usable descriptor in
-- uri://ed-fi.org/edfilms/AssignmentCategoryDescriptor/<SourceSystem> (the reference's view and columns).
-- Usable means registered in lmsx.AssignmentCategoryDescriptor as well, as matching requires; the reference
-- checked edfi.Descriptor alone, so an unregistered descriptor blocked matching without being reported.
DROP VIEW IF EXISTS lmsx.missing_assignment_category_descriptors;
CREATE VIEW lmsx.missing_assignment_category_descriptors AS
SELECT a.assignmentidentifier, a.sourcesystemidentifier, a.sourcesystem, a.lmssectionidentifier, a.title,
       a.assignmentcategory, a.assignmentdescription, a.startdatetime, a.enddatetime, a.duedatetime, a.maxpoints,
       a.sourcecreatedate, a.sourcelastmodifieddate, a.createdate, a.lastmodifieddate, a.deletedat
FROM lms.assignment a
WHERE NOT EXISTS (
    SELECT 1 FROM lms.lmsx_descriptor d
    WHERE d.kind = 'AssignmentCategory'
      AND d.namespace = lms.lmsx_descriptor_namespace('AssignmentCategory', a.sourcesystem)
      AND d.codevalue = a.assignmentcategory
);
