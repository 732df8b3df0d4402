-- The placeholder submissions Schoology needs: its API reports nothing for a student who has not handed in work.
-- One per live Schoology user linked to a student who is enrolled in the assignment's Ed-Fi section (with no
-- EndDate on or before the due date) and has no LMS submission for that assignment, not even a deleted one.
-- Status 'missing' once the due date has passed, else 'Upcoming' (also when there is no due date). The
-- identifier section#assignment#user is the one the Schoology extractor gives a real submission, so a later
-- real submission updates the placeholder in place; an identifier that an LMS submission already has is never
-- used for a placeholder, so identifiers stay unique.
-- Only Schoology users, sections and assignments take part: the reference also joined other LMSs' users and
-- sections of the same student and section, which duplicated placeholders.
CREATE OR ALTER VIEW lms.schoology_placeholder_submission AS
SELECT DISTINCT p.AssignmentSubmissionIdentifier, p.Namespace, p.StudentUSI, p.AssignmentIdentifier,
       p.SubmissionStatusDescriptorId
FROM (
    SELECT CONCAT(ls.SourceSystemIdentifier, N'#', x.AssignmentIdentifier, N'#', u.SourceSystemIdentifier)
               AS AssignmentSubmissionIdentifier,
           x.Namespace,
           ssa.StudentUSI,
           x.AssignmentIdentifier,
           status.DescriptorId AS SubmissionStatusDescriptorId,
           a.AssignmentIdentifier AS LMSAssignmentIdentifier,
           u.LMSUserIdentifier
    FROM lmsx.Assignment x
    JOIN edfi.Descriptor sourcesystem
        ON sourcesystem.DescriptorId = x.LMSSourceSystemDescriptorId AND sourcesystem.CodeValue = N'Schoology'
    JOIN lms.Assignment a
        ON a.SourceSystem = N'Schoology' AND a.SourceSystemIdentifier = x.AssignmentIdentifier AND a.DeletedAt IS NULL
    JOIN lms.LMSSection ls ON ls.LMSSectionIdentifier = a.LMSSectionIdentifier AND ls.SourceSystem = N'Schoology'
    JOIN edfi.StudentSectionAssociation ssa
        ON ssa.LocalCourseCode = x.LocalCourseCode
       AND ssa.SchoolId = x.SchoolId
       AND ssa.SchoolYear = x.SchoolYear
       AND ssa.SectionIdentifier = x.SectionIdentifier
       AND ssa.SessionName = x.SessionName
    JOIN edfi.Student st ON st.StudentUSI = ssa.StudentUSI
    JOIN lms.LMSUser u ON u.EdFiStudentId = st.Id AND u.SourceSystem = N'Schoology' AND u.DeletedAt IS NULL
    JOIN lms.lmsx_descriptor status
        ON status.Kind = N'SubmissionStatus'
       AND status.Namespace = lms.lmsx_descriptor_namespace(N'SubmissionStatus', N'Schoology')
       AND status.CodeValue = CASE WHEN x.DueDateTime < GETDATE() THEN N'missing' ELSE N'Upcoming' END
       AND status.DescriptorId = status.ChosenDescriptorId
    WHERE ssa.EndDate IS NULL OR ssa.EndDate > x.DueDateTime
) p
WHERE NOT EXISTS (
          SELECT 1 FROM lms.AssignmentSubmission sub
          WHERE sub.AssignmentIdentifier = p.LMSAssignmentIdentifier AND sub.LMSUserIdentifier = p.LMSUserIdentifier
      )
  AND NOT EXISTS (
          SELECT 1 FROM lms.AssignmentSubmission sub
          WHERE sub.SourceSystem = N'Schoology' AND sub.SourceSystemIdentifier = p.AssignmentSubmissionIdentifier
      );
