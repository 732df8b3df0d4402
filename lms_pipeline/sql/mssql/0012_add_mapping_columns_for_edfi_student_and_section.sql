-- The Ed-Fi mapping columns the harmonizer fills (PostgreSQL creates them in its 0002 and 0004), with the
-- reference's indexes. Their filter looks inverted (bug B11) and is kept; 0017 adds the ones matching can use.
IF (COL_LENGTH(N'lms.LMSSection', N'EdFiSectionId') IS NULL)
    ALTER TABLE lms.LMSSection ADD EdFiSectionId UNIQUEIDENTIFIER NULL;
IF (COL_LENGTH(N'lms.LMSUser', N'EdFiStudentId') IS NULL)
    ALTER TABLE lms.LMSUser ADD EdFiStudentId UNIQUEIDENTIFIER NULL;
GO

-- A batch of its own: the indexes name the columns just added.
IF (INDEXPROPERTY(OBJECT_ID(N'lms.LMSSection'), N'IX_LMSSection_EdfiSectionId', N'IndexId') IS NULL)
    CREATE NONCLUSTERED INDEX IX_LMSSection_EdfiSectionId ON lms.LMSSection (EdFiSectionId) WHERE DeletedAt IS NOT NULL;
IF (INDEXPROPERTY(OBJECT_ID(N'lms.LMSUser'), N'IX_LMSUser_EdfiStudentId', N'IndexId') IS NULL)
    CREATE NONCLUSTERED INDEX IX_LMSUser_EdfiStudentId ON lms.LMSUser (EdFiStudentId) WHERE DeletedAt IS NOT NULL;
