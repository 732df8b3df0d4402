-- The placeholder submissions Schoology needs: its API reports nothing for a student who has not handed in work.
-- One per live Schoology user linked to a student who is enrolled in the assignment's Ed-Fi section (with no
-- EndDate on or before the due date) and has no LMS submission for that assignment, not even a deleted one.
-- Status 'missing' once the due date has passed, else 'Upcoming' (also when there is no due date). The
-- identifier section#assignment#user is the one the Schoology extractor gives a real submission, so a later
-- real submission updates the placeholder in place; an identifier that an LMS submission already has is never
-- used for a placeholder, so identifiers stay unique.
-- Only Schoology users, sections and assignments take part: the reference also joined other LMSs' users and
-- sections of the same student and section, which duplicated placeholders.
-- Replaced in place rather than dropped, because the submission procedure reads it.
CREATE OR REPLACE VIEW lms.schoology_placeholder_submission AS
SELECT DISTINCT p.assignmentsubmissionidentifier, p.namespace, p.studentusi, p.assignmentidentifier,
       p.submissionstatusdescriptorid
FROM (
    SELECT format('%s#%s#%s', ls.sourcesystemidentifier, x.assignmentidentifier, u.sourcesystemidentifier)
               AS assignmentsubmissionidentifier,
           x.namespace,
           ssa.studentusi,
           x.assignmentidentifier,
           status.descriptorid AS submissionstatusdescriptorid,
           a.assignmentidentifier AS lmsassignmentidentifier,
           u.lmsuseridentifier
    FROM lmsx.assignment x
    JOIN edfi.descriptor sourcesystem
        ON sourcesystem.descriptorid = x.lmssourcesystemdescriptorid AND sourcesystem.codevalue = 'Schoology'
    JOIN lms.assignment a
        ON a.sourcesystem = 'Schoology' AND a.sourcesystemidentifier = x.assignmentidentifier AND a.deletedat IS NULL
    JOIN lms.lmssection ls ON ls.lmssectionidentifier = a.lmssectionidentifier AND ls.sourcesystem = 'Schoology'
    JOIN edfi.studentsectionassociation ssa
        ON ssa.localcoursecode = x.localcoursecode
       AND ssa.schoolid = x.schoolid
       AND ssa.schoolyear = x.schoolyear
       AND ssa.sectionidentifier = x.sectionidentifier
       AND ssa.sessionname = x.sessionname
    JOIN edfi.student st ON st.studentusi = ssa.studentusi
    JOIN lms.lmsuser u ON u.edfistudentid = st.id AND u.sourcesystem = 'Schoology' AND u.deletedat IS NULL
    JOIN lms.lmsx_descriptor status
        ON status.kind = 'SubmissionStatus'
       AND status.namespace = lms.lmsx_descriptor_namespace('SubmissionStatus', 'Schoology')
       AND status.codevalue = CASE WHEN x.duedatetime < now() THEN 'missing' ELSE 'Upcoming' END
       AND status.descriptorid = status.chosendescriptorid
    WHERE ssa.enddate IS NULL OR ssa.enddate > x.duedatetime
) p
WHERE NOT EXISTS (
          SELECT 1 FROM lms.assignmentsubmission sub
          WHERE sub.assignmentidentifier = p.lmsassignmentidentifier AND sub.lmsuseridentifier = p.lmsuseridentifier
      )
  AND NOT EXISTS (
          SELECT 1 FROM lms.assignmentsubmission sub
          WHERE sub.sourcesystem = 'Schoology' AND sub.sourcesystemidentifier = p.assignmentsubmissionidentifier
      );
