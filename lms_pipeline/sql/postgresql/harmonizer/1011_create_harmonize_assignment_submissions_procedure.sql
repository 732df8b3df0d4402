-- Copies one LMS's submissions into lmsx.AssignmentSubmission; called once per LMS with its SourceSystem and
-- namespace, after harmonize_assignment.
--
-- A submission is wanted when it is live, its assignment is in lmsx (in this namespace), its user is linked to an
-- existing student, and its SubmissionStatus descriptor exists. For Schoology the placeholders of
-- lms.schoology_placeholder_submission are wanted too. A row is rewritten only when a copied value differs, so
-- a placeholder changes only when its status does.
--
-- This LMS's rows (its namespace: lms.check_lmsx_namespace) that are not wanted are removed: submissions
-- soft-deleted or gone from the LMS, submissions now linked to another student (the student is part of the key),
-- and placeholders whose student no longer qualifies. A live LMS submission that merely cannot be harmonized
-- right now (no status descriptor, user unlinked) keeps its row, as in the reference.
CREATE OR REPLACE PROCEDURE lms.harmonize_assignment_submissions(_sourcesystem VARCHAR(255), _namespace VARCHAR(255))
LANGUAGE plpgsql
-- Set-based work over tables whose statistics are stale mid-run (this transaction has just written them): a
-- nested loop chosen on such an estimate can rescan a large table once per row, so only hash and merge joins.
-- No JIT either: the estimates pass its thresholds, and compiling then takes longer than the work.
SET enable_nestloop = off
SET jit = off
AS $$
DECLARE
    _rows BIGINT;
BEGIN
    PERFORM lms.check_lmsx_namespace(_sourcesystem, _namespace);

    DROP TABLE IF EXISTS pg_temp.wanted_submission;
    CREATE TEMP TABLE wanted_submission ON COMMIT DROP AS
    SELECT sub.sourcesystemidentifier AS assignmentsubmissionidentifier,
           st.studentusi,
           x.assignmentidentifier,
           status.descriptorid AS submissionstatusdescriptorid,
           sub.submissiondatetime, sub.earnedpoints, sub.grade
    FROM lms.assignmentsubmission sub
    JOIN lms.assignment a ON a.assignmentidentifier = sub.assignmentidentifier
    JOIN lmsx.assignment x ON x.assignmentidentifier = a.sourcesystemidentifier AND x.namespace = _namespace
    JOIN lms.lmsuser u ON u.lmsuseridentifier = sub.lmsuseridentifier
    JOIN edfi.student st ON st.id = u.edfistudentid
    JOIN lms.lmsx_descriptor status
        ON status.kind = 'SubmissionStatus'
       AND status.namespace = lms.lmsx_descriptor_namespace('SubmissionStatus', _sourcesystem)
       AND status.codevalue = sub.submissionstatus
       AND status.descriptorid = status.chosendescriptorid
    WHERE sub.sourcesystem = _sourcesystem
      AND sub.deletedat IS NULL
    UNION ALL
    SELECT p.assignmentsubmissionidentifier, p.studentusi, p.assignmentidentifier, p.submissionstatusdescriptorid,
           NULL, NULL, NULL
    FROM lms.schoology_placeholder_submission p
    WHERE _sourcesystem = 'Schoology'
      AND p.namespace = _namespace;
    -- Identifiers are unique (an LMS's own are, and placeholders never take one of theirs), which the removal below
    -- relies on; the statistics size the joins below.
    ALTER TABLE wanted_submission ADD PRIMARY KEY (assignmentsubmissionidentifier);
    ANALYZE wanted_submission;

    -- Remove this LMS's rows that are wanted for another student (the student is part of the key), and those not
    -- wanted that have no live LMS submission behind them.
    DELETE FROM lmsx.assignmentsubmission s
    USING (
        SELECT s.assignmentsubmissionidentifier, s.studentusi
        FROM lmsx.assignmentsubmission s
        LEFT JOIN wanted_submission w ON w.assignmentsubmissionidentifier = s.assignmentsubmissionidentifier
        LEFT JOIN lms.assignmentsubmission live
            ON live.sourcesystem = _sourcesystem
           AND live.sourcesystemidentifier = s.assignmentsubmissionidentifier
           AND live.deletedat IS NULL
        WHERE s.namespace = _namespace
          AND CASE WHEN w.assignmentsubmissionidentifier IS NOT NULL THEN w.studentusi <> s.studentusi
                   ELSE live.assignmentsubmissionidentifier IS NULL
              END
    ) unwanted
    WHERE s.assignmentsubmissionidentifier = unwanted.assignmentsubmissionidentifier
      AND s.namespace = _namespace
      AND s.studentusi = unwanted.studentusi;
    GET DIAGNOSTICS _rows = ROW_COUNT;
    PERFORM lms.harmonizer_tally('submissions_deleted', _rows);

    UPDATE lmsx.assignmentsubmission s
    SET assignmentidentifier = w.assignmentidentifier,
        submissionstatusdescriptorid = w.submissionstatusdescriptorid,
        submissiondatetime = w.submissiondatetime,
        earnedpoints = w.earnedpoints,
        grade = w.grade,
        lastmodifieddate = now()
    FROM wanted_submission w
    WHERE s.assignmentsubmissionidentifier = w.assignmentsubmissionidentifier
      AND s.namespace = _namespace
      AND s.studentusi = w.studentusi
      AND (s.assignmentidentifier, s.submissionstatusdescriptorid, s.submissiondatetime, s.earnedpoints, s.grade)
          IS DISTINCT FROM
          (w.assignmentidentifier, w.submissionstatusdescriptorid, w.submissiondatetime, w.earnedpoints, w.grade);
    GET DIAGNOSTICS _rows = ROW_COUNT;
    PERFORM lms.harmonizer_tally('submissions_updated', _rows);

    -- Rows already there were updated above.
    INSERT INTO lmsx.assignmentsubmission (
        assignmentsubmissionidentifier, namespace, studentusi, assignmentidentifier, submissionstatusdescriptorid,
        submissiondatetime, earnedpoints, grade, id
    )
    SELECT w.assignmentsubmissionidentifier, _namespace, w.studentusi, w.assignmentidentifier,
           w.submissionstatusdescriptorid, w.submissiondatetime, w.earnedpoints, w.grade, gen_random_uuid()
    FROM wanted_submission w
    ON CONFLICT (assignmentsubmissionidentifier, namespace, studentusi) DO NOTHING;
    GET DIAGNOSTICS _rows = ROW_COUNT;
    PERFORM lms.harmonizer_tally('submissions_inserted', _rows);

    -- Fresh statistics for what reads the table next in this run (the next procedure, the exception views). A
    -- database user that does not own the table gets a warning instead.
    ANALYZE lmsx.assignmentsubmission;
END
$$;
