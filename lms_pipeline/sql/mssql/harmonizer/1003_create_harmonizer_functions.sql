-- How an identifier or e-mail address is compared when matching: surrounding whitespace (space, tab, CR, LF) is
-- ignored, and an empty value is absent, so it never matches. SQL Server 2016 has no TRIM(characters FROM ...),
-- so the value is cut from its first to its last character outside that set, found from the start and from the
-- end. LEN counts as SUBSTRING does, and the appended character keeps it from dropping trailing spaces.
CREATE OR ALTER FUNCTION lms.match_key(@Value NVARCHAR(255)) RETURNS NVARCHAR(255)
WITH SCHEMABINDING
AS
BEGIN
    RETURN (
        SELECT CASE WHEN edge.FromStart > 0
                   THEN SUBSTRING(@Value, edge.FromStart, LEN(@Value + N'.') - edge.FromStart - edge.FromEnd + 1)
               END
        FROM (SELECT N'%[^ ' + NCHAR(9) + NCHAR(10) + NCHAR(13) + N']%' AS Visible) pattern
        CROSS APPLY (
            SELECT PATINDEX(pattern.Visible, @Value) AS FromStart,
                   PATINDEX(pattern.Visible, REVERSE(@Value)) AS FromEnd
        ) edge
    );
END
GO

-- The namespace an LMSX descriptor of one LMS must have to match, e.g. (AssignmentCategory, Canvas) gives
-- uri://ed-fi.org/edfilms/AssignmentCategoryDescriptor/Canvas.
CREATE OR ALTER FUNCTION lms.lmsx_descriptor_namespace(@Kind NVARCHAR(50), @SourceSystem NVARCHAR(255))
RETURNS NVARCHAR(255)
WITH SCHEMABINDING
AS
BEGIN
    RETURN N'uri://ed-fi.org/edfilms/' + @Kind + N'Descriptor/' + @SourceSystem;
END
GO

-- The procedures keep the reference's signatures, so that a district's replacement still fits the calls. They
-- report the rows they change by adding to session context values (lms_harmonizer.<counter>). A session value
-- outlives the transaction, so the caller clears the counters before the calls and reads them after.
CREATE OR ALTER PROCEDURE lms.harmonizer_tally
    @Counter NVARCHAR(100),
    @Rows BIGINT
AS
BEGIN
    SET NOCOUNT ON;
    DECLARE @Key SYSNAME = N'lms_harmonizer.' + @Counter;
    DECLARE @Total BIGINT = COALESCE(CAST(SESSION_CONTEXT(@Key) AS BIGINT), 0) + @Rows;
    EXEC sys.sp_set_session_context @key = @Key, @value = @Total;
END
GO

-- The lmsx rows of a namespace belong to one LMS, the one whose LMSSourceSystem descriptor they carry. The
-- assignment and submission procedures check it first, so that a mismatched (SourceSystem, namespace) pair
-- stops with an error instead of updating or deleting another LMS's rows. THROW ends the calling procedure too.
CREATE OR ALTER PROCEDURE lms.check_lmsx_namespace
    @SourceSystem NVARCHAR(255),
    @Namespace NVARCHAR(255)
AS
BEGIN
    SET NOCOUNT ON;
    DECLARE @Other NVARCHAR(50);
    DECLARE @Message NVARCHAR(2048);

    SELECT TOP (1) @Other = sourcesystem.CodeValue
    FROM lmsx.Assignment x
    JOIN edfi.Descriptor sourcesystem ON sourcesystem.DescriptorId = x.LMSSourceSystemDescriptorId
    WHERE x.Namespace = @Namespace AND sourcesystem.CodeValue <> @SourceSystem;

    SET @Message = CONCAT(N'lmsx namespace ', @Namespace, N' holds ', @Other,
                          N' assignments, so it cannot be harmonized as ', @SourceSystem);
    IF (@Other IS NOT NULL)
        THROW 50000, @Message, 1;
END
