-- Copies one LMS's assignments into lmsx.Assignment; called once per LMS with its SourceSystem and namespace.
--
-- An assignment is wanted when it and its section are live, the section is linked to an existing Ed-Fi section,
-- and its LMSSourceSystem and AssignmentCategory descriptors exist. lmsx rows are keyed by (identifier,
-- namespace), so an equal identifier in two LMSs never collides. A row is rewritten only when a copied value
-- differs: the LMS LastModifiedDate (the extract's clock) is never compared with the database clock.
--
-- This LMS's lmsx rows (its namespace: lms.check_lmsx_namespace) are removed, with their submissions first,
-- when their LMS assignment or its section is soft-deleted or gone. A live assignment that merely stops
-- qualifying (its section unlinked, a descriptor removed) keeps its row, as in the reference.
CREATE OR ALTER PROCEDURE lms.harmonize_assignment
    @SourceSystem NVARCHAR(255),
    @Namespace NVARCHAR(255)
AS
BEGIN
    SET NOCOUNT ON;
    SET XACT_ABORT ON;
    DECLARE @SourceSystemDescriptorId INT;
    DECLARE @CategoryNamespace NVARCHAR(255) = lms.lmsx_descriptor_namespace(N'AssignmentCategory', @SourceSystem);
    DECLARE @Rows BIGINT;

    EXEC lms.check_lmsx_namespace @SourceSystem = @SourceSystem, @Namespace = @Namespace;

    SELECT TOP (1) @SourceSystemDescriptorId = ChosenDescriptorId
    FROM lms.lmsx_descriptor
    WHERE Kind = N'LMSSourceSystem' AND CodeValue = @SourceSystem;

    -- Text columns of temporary tables take the database's collation, not tempdb's, to compare with the tables'.
    -- The key: unique, as the LMS's identifiers are.
    CREATE TABLE #wanted_assignment (
        AssignmentIdentifier NVARCHAR(255) COLLATE DATABASE_DEFAULT NOT NULL PRIMARY KEY,
        LMSSourceSystemDescriptorId INT NOT NULL,
        Title NVARCHAR(255) COLLATE DATABASE_DEFAULT NOT NULL,
        AssignmentCategoryDescriptorId INT NOT NULL,
        AssignmentDescription NVARCHAR(1024) COLLATE DATABASE_DEFAULT NULL,
        StartDateTime DATETIME2(7) NULL,
        EndDateTime DATETIME2(7) NULL,
        DueDateTime DATETIME2(7) NULL,
        MaxPoints INT NULL,
        SectionIdentifier NVARCHAR(255) COLLATE DATABASE_DEFAULT NOT NULL,
        LocalCourseCode NVARCHAR(60) COLLATE DATABASE_DEFAULT NULL,
        SessionName NVARCHAR(60) COLLATE DATABASE_DEFAULT NULL,
        SchoolYear SMALLINT NULL,
        SchoolId INT NULL
    );
    INSERT INTO #wanted_assignment (
        AssignmentIdentifier, LMSSourceSystemDescriptorId, Title, AssignmentCategoryDescriptorId,
        AssignmentDescription, StartDateTime, EndDateTime, DueDateTime, MaxPoints,
        SectionIdentifier, LocalCourseCode, SessionName, SchoolYear, SchoolId
    )
    SELECT a.SourceSystemIdentifier, @SourceSystemDescriptorId, a.Title, category.DescriptorId,
           a.AssignmentDescription, a.StartDateTime, a.EndDateTime, a.DueDateTime, a.MaxPoints,
           es.SectionIdentifier, es.LocalCourseCode, es.SessionName, es.SchoolYear, es.SchoolId
    FROM lms.Assignment a
    JOIN lms.LMSSection ls ON ls.LMSSectionIdentifier = a.LMSSectionIdentifier AND ls.DeletedAt IS NULL
    JOIN edfi.Section es ON es.Id = ls.EdFiSectionId
    JOIN lms.lmsx_descriptor category
        ON category.Kind = N'AssignmentCategory'
       AND category.Namespace = @CategoryNamespace
       AND category.CodeValue = a.AssignmentCategory
       AND category.DescriptorId = category.ChosenDescriptorId
    WHERE a.SourceSystem = @SourceSystem
      AND a.DeletedAt IS NULL
      AND @SourceSystemDescriptorId IS NOT NULL;

    CREATE TABLE #removed_assignment (
        AssignmentIdentifier NVARCHAR(255) COLLATE DATABASE_DEFAULT NOT NULL PRIMARY KEY
    );
    INSERT INTO #removed_assignment (AssignmentIdentifier)
    SELECT x.AssignmentIdentifier
    FROM lmsx.Assignment x
    WHERE x.Namespace = @Namespace
      AND NOT EXISTS (
          SELECT 1
          FROM lms.Assignment a
          JOIN lms.LMSSection ls ON ls.LMSSectionIdentifier = a.LMSSectionIdentifier
          WHERE a.SourceSystem = @SourceSystem
            AND a.SourceSystemIdentifier = x.AssignmentIdentifier
            AND a.DeletedAt IS NULL
            AND ls.DeletedAt IS NULL
      );

    -- Submissions first: their foreign key to the assignment does not cascade.
    DELETE s
    FROM lmsx.AssignmentSubmission s
    JOIN #removed_assignment r ON r.AssignmentIdentifier = s.AssignmentIdentifier
    WHERE s.Namespace = @Namespace;
    SET @Rows = ROWCOUNT_BIG();
    EXEC lms.harmonizer_tally @Counter = N'submissions_deleted', @Rows = @Rows;

    DELETE x
    FROM lmsx.Assignment x
    JOIN #removed_assignment r ON r.AssignmentIdentifier = x.AssignmentIdentifier
    WHERE x.Namespace = @Namespace;
    SET @Rows = ROWCOUNT_BIG();
    EXEC lms.harmonizer_tally @Counter = N'assignments_deleted', @Rows = @Rows;

    -- EXCEPT compares NULLs as equal (SQL Server 2016 has no IS DISTINCT FROM), and text by code point, so that a
    -- change of case alone is copied as on PostgreSQL.
    UPDATE x
    SET LMSSourceSystemDescriptorId = w.LMSSourceSystemDescriptorId,
        Title = w.Title,
        AssignmentCategoryDescriptorId = w.AssignmentCategoryDescriptorId,
        AssignmentDescription = w.AssignmentDescription,
        StartDateTime = w.StartDateTime,
        EndDateTime = w.EndDateTime,
        DueDateTime = w.DueDateTime,
        MaxPoints = w.MaxPoints,
        SectionIdentifier = w.SectionIdentifier,
        LocalCourseCode = w.LocalCourseCode,
        SessionName = w.SessionName,
        SchoolYear = w.SchoolYear,
        SchoolId = w.SchoolId,
        LastModifiedDate = GETDATE()
    FROM lmsx.Assignment x
    JOIN #wanted_assignment w ON w.AssignmentIdentifier = x.AssignmentIdentifier
    WHERE x.Namespace = @Namespace
      AND EXISTS (
          SELECT x.LMSSourceSystemDescriptorId, x.Title COLLATE Latin1_General_100_BIN2,
                 x.AssignmentCategoryDescriptorId, x.AssignmentDescription COLLATE Latin1_General_100_BIN2,
                 x.StartDateTime, x.EndDateTime, x.DueDateTime, x.MaxPoints,
                 x.SectionIdentifier COLLATE Latin1_General_100_BIN2, x.LocalCourseCode COLLATE Latin1_General_100_BIN2,
                 x.SessionName COLLATE Latin1_General_100_BIN2, x.SchoolYear, x.SchoolId
          EXCEPT
          SELECT w.LMSSourceSystemDescriptorId, w.Title COLLATE Latin1_General_100_BIN2,
                 w.AssignmentCategoryDescriptorId, w.AssignmentDescription COLLATE Latin1_General_100_BIN2,
                 w.StartDateTime, w.EndDateTime, w.DueDateTime, w.MaxPoints,
                 w.SectionIdentifier COLLATE Latin1_General_100_BIN2, w.LocalCourseCode COLLATE Latin1_General_100_BIN2,
                 w.SessionName COLLATE Latin1_General_100_BIN2, w.SchoolYear, w.SchoolId
      );
    SET @Rows = ROWCOUNT_BIG();
    EXEC lms.harmonizer_tally @Counter = N'assignments_updated', @Rows = @Rows;

    -- Rows already there were updated above. Id, CreateDate and LastModifiedDate take the ODS's defaults.
    INSERT INTO lmsx.Assignment (
        AssignmentIdentifier, Namespace, LMSSourceSystemDescriptorId, Title, AssignmentCategoryDescriptorId,
        AssignmentDescription, StartDateTime, EndDateTime, DueDateTime, MaxPoints,
        SectionIdentifier, LocalCourseCode, SessionName, SchoolYear, SchoolId
    )
    SELECT w.AssignmentIdentifier, @Namespace, w.LMSSourceSystemDescriptorId, w.Title, w.AssignmentCategoryDescriptorId,
           w.AssignmentDescription, w.StartDateTime, w.EndDateTime, w.DueDateTime, w.MaxPoints,
           w.SectionIdentifier, w.LocalCourseCode, w.SessionName, w.SchoolYear, w.SchoolId
    FROM #wanted_assignment w
    WHERE NOT EXISTS (
        SELECT 1 FROM lmsx.Assignment x
        WHERE x.AssignmentIdentifier = w.AssignmentIdentifier AND x.Namespace = @Namespace
    );
    SET @Rows = ROWCOUNT_BIG();
    EXEC lms.harmonizer_tally @Counter = N'assignments_inserted', @Rows = @Rows;
END
