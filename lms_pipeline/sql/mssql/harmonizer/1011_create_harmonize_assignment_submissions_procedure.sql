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
CREATE OR ALTER PROCEDURE lms.harmonize_assignment_submissions
    @SourceSystem NVARCHAR(255),
    @Namespace NVARCHAR(255)
AS
BEGIN
    SET NOCOUNT ON;
    SET XACT_ABORT ON;
    DECLARE @StatusNamespace NVARCHAR(255) = lms.lmsx_descriptor_namespace(N'SubmissionStatus', @SourceSystem);
    DECLARE @Rows BIGINT;

    EXEC lms.check_lmsx_namespace @SourceSystem = @SourceSystem, @Namespace = @Namespace;

    -- Text columns of temporary tables take the database's collation, not tempdb's, to compare with the tables'.
    -- The key: identifiers are unique (an LMS's own are, and placeholders never take one of theirs), which the
    -- removal below relies on.
    CREATE TABLE #wanted_submission (
        AssignmentSubmissionIdentifier NVARCHAR(255) COLLATE DATABASE_DEFAULT NOT NULL PRIMARY KEY,
        StudentUSI INT NOT NULL,
        AssignmentIdentifier NVARCHAR(255) COLLATE DATABASE_DEFAULT NOT NULL,
        SubmissionStatusDescriptorId INT NOT NULL,
        SubmissionDateTime DATETIME2(7) NULL,
        EarnedPoints INT NULL,
        Grade NVARCHAR(20) COLLATE DATABASE_DEFAULT NULL
    );
    INSERT INTO #wanted_submission (
        AssignmentSubmissionIdentifier, StudentUSI, AssignmentIdentifier, SubmissionStatusDescriptorId,
        SubmissionDateTime, EarnedPoints, Grade
    )
    SELECT sub.SourceSystemIdentifier, st.StudentUSI, x.AssignmentIdentifier, status.DescriptorId,
           sub.SubmissionDateTime, sub.EarnedPoints, sub.Grade
    FROM lms.AssignmentSubmission sub
    JOIN lms.Assignment a ON a.AssignmentIdentifier = sub.AssignmentIdentifier
    JOIN lmsx.Assignment x ON x.AssignmentIdentifier = a.SourceSystemIdentifier AND x.Namespace = @Namespace
    JOIN lms.LMSUser u ON u.LMSUserIdentifier = sub.LMSUserIdentifier
    JOIN edfi.Student st ON st.Id = u.EdFiStudentId
    JOIN lms.lmsx_descriptor status
        ON status.Kind = N'SubmissionStatus'
       AND status.Namespace = @StatusNamespace
       AND status.CodeValue = sub.SubmissionStatus
       AND status.DescriptorId = status.ChosenDescriptorId
    WHERE sub.SourceSystem = @SourceSystem
      AND sub.DeletedAt IS NULL
    UNION ALL
    SELECT p.AssignmentSubmissionIdentifier, p.StudentUSI, p.AssignmentIdentifier, p.SubmissionStatusDescriptorId,
           NULL, NULL, NULL
    FROM lms.schoology_placeholder_submission p
    WHERE @SourceSystem = N'Schoology'
      AND p.Namespace = @Namespace;

    -- Remove this LMS's rows that are wanted for another student (the student is part of the key), and those not
    -- wanted that have no live LMS submission behind them.
    DELETE s
    FROM lmsx.AssignmentSubmission s
    LEFT JOIN #wanted_submission w ON w.AssignmentSubmissionIdentifier = s.AssignmentSubmissionIdentifier
    WHERE s.Namespace = @Namespace
      AND (
          w.StudentUSI <> s.StudentUSI
          OR (
              w.AssignmentSubmissionIdentifier IS NULL
              AND NOT EXISTS (
                  SELECT 1 FROM lms.AssignmentSubmission live
                  WHERE live.SourceSystem = @SourceSystem
                    AND live.SourceSystemIdentifier = s.AssignmentSubmissionIdentifier
                    AND live.DeletedAt IS NULL
              )
          )
      );
    SET @Rows = ROWCOUNT_BIG();
    EXEC lms.harmonizer_tally @Counter = N'submissions_deleted', @Rows = @Rows;

    -- EXCEPT compares NULLs as equal (SQL Server 2016 has no IS DISTINCT FROM), and text by code point, so that a
    -- change of case alone is copied as on PostgreSQL.
    UPDATE s
    SET AssignmentIdentifier = w.AssignmentIdentifier,
        SubmissionStatusDescriptorId = w.SubmissionStatusDescriptorId,
        SubmissionDateTime = w.SubmissionDateTime,
        EarnedPoints = w.EarnedPoints,
        Grade = w.Grade,
        LastModifiedDate = GETDATE()
    FROM lmsx.AssignmentSubmission s
    JOIN #wanted_submission w
        ON w.AssignmentSubmissionIdentifier = s.AssignmentSubmissionIdentifier AND w.StudentUSI = s.StudentUSI
    WHERE s.Namespace = @Namespace
      AND EXISTS (
          SELECT s.AssignmentIdentifier COLLATE Latin1_General_100_BIN2, s.SubmissionStatusDescriptorId,
                 s.SubmissionDateTime, s.EarnedPoints, s.Grade COLLATE Latin1_General_100_BIN2
          EXCEPT
          SELECT w.AssignmentIdentifier COLLATE Latin1_General_100_BIN2, w.SubmissionStatusDescriptorId,
                 w.SubmissionDateTime, w.EarnedPoints, w.Grade COLLATE Latin1_General_100_BIN2
      );
    SET @Rows = ROWCOUNT_BIG();
    EXEC lms.harmonizer_tally @Counter = N'submissions_updated', @Rows = @Rows;

    -- Rows already there were updated above. Id, CreateDate and LastModifiedDate take the ODS's defaults.
    INSERT INTO lmsx.AssignmentSubmission (
        AssignmentSubmissionIdentifier, Namespace, StudentUSI, AssignmentIdentifier, SubmissionStatusDescriptorId,
        SubmissionDateTime, EarnedPoints, Grade
    )
    SELECT w.AssignmentSubmissionIdentifier, @Namespace, w.StudentUSI, w.AssignmentIdentifier,
           w.SubmissionStatusDescriptorId, w.SubmissionDateTime, w.EarnedPoints, w.Grade
    FROM #wanted_submission w
    WHERE NOT EXISTS (
        SELECT 1 FROM lmsx.AssignmentSubmission s
        WHERE s.AssignmentSubmissionIdentifier = w.AssignmentSubmissionIdentifier
          AND s.Namespace = @Namespace
          AND s.StudentUSI = w.StudentUSI
    );
    SET @Rows = ROWCOUNT_BIG();
    EXEC lms.harmonizer_tally @Counter = N'submissions_inserted', @Rows = @Rows;
END
