-- TEST AND DEMO FIXTURE. NEVER APPLY TO A REAL ED-FI ODS.
-- The Ed-Fi LMSX extension tables that harmonization writes, with the keys and foreign keys of the extension's
-- own scripts, so that what the harmonizer writes here would also be accepted by a real ODS (submissions need
-- their assignment, a student and a registered status descriptor). Change tracking (ChangeVersion and the
-- tracked_deletes triggers) is left out. The keys of two NVARCHAR(255) columns are nonclustered: their 1,020 bytes
-- are over the 900 a clustered key may have, and SQL Server would refuse long values.
IF (SCHEMA_ID(N'lmsx') IS NULL)
    EXEC sys.sp_executesql N'CREATE SCHEMA lmsx';
IF (NOT EXISTS (
    SELECT 1 FROM sys.extended_properties
    WHERE class = 3 AND major_id = SCHEMA_ID(N'lmsx') AND name = N'MS_Description'
))
    EXEC sys.sp_addextendedproperty @name = N'MS_Description',
        @value = N'lms-pipeline ODS fixture: a minimal stand-in for demos and tests, not a real Ed-Fi ODS',
        @level0type = N'SCHEMA', @level0name = N'lmsx';
GO

IF (OBJECT_ID(N'lmsx.AssignmentCategoryDescriptor', N'U') IS NULL)
CREATE TABLE lmsx.AssignmentCategoryDescriptor (
    AssignmentCategoryDescriptorId INT NOT NULL,
    CONSTRAINT AssignmentCategoryDescriptor_PK PRIMARY KEY CLUSTERED (AssignmentCategoryDescriptorId),
    CONSTRAINT FK_AssignmentCategoryDescriptor_Descriptor FOREIGN KEY (AssignmentCategoryDescriptorId)
        REFERENCES edfi.Descriptor (DescriptorId) ON DELETE CASCADE
);

IF (OBJECT_ID(N'lmsx.LMSSourceSystemDescriptor', N'U') IS NULL)
CREATE TABLE lmsx.LMSSourceSystemDescriptor (
    LMSSourceSystemDescriptorId INT NOT NULL,
    CONSTRAINT LMSSourceSystemDescriptor_PK PRIMARY KEY CLUSTERED (LMSSourceSystemDescriptorId),
    CONSTRAINT FK_LMSSourceSystemDescriptor_Descriptor FOREIGN KEY (LMSSourceSystemDescriptorId)
        REFERENCES edfi.Descriptor (DescriptorId) ON DELETE CASCADE
);

IF (OBJECT_ID(N'lmsx.SubmissionStatusDescriptor', N'U') IS NULL)
CREATE TABLE lmsx.SubmissionStatusDescriptor (
    SubmissionStatusDescriptorId INT NOT NULL,
    CONSTRAINT SubmissionStatusDescriptor_PK PRIMARY KEY CLUSTERED (SubmissionStatusDescriptorId),
    CONSTRAINT FK_SubmissionStatusDescriptor_Descriptor FOREIGN KEY (SubmissionStatusDescriptorId)
        REFERENCES edfi.Descriptor (DescriptorId) ON DELETE CASCADE
);

IF (OBJECT_ID(N'lmsx.SubmissionTypeDescriptor', N'U') IS NULL)
CREATE TABLE lmsx.SubmissionTypeDescriptor (
    SubmissionTypeDescriptorId INT NOT NULL,
    CONSTRAINT SubmissionTypeDescriptor_PK PRIMARY KEY CLUSTERED (SubmissionTypeDescriptorId),
    CONSTRAINT FK_SubmissionTypeDescriptor_Descriptor FOREIGN KEY (SubmissionTypeDescriptorId)
        REFERENCES edfi.Descriptor (DescriptorId) ON DELETE CASCADE
);

IF (OBJECT_ID(N'lmsx.Assignment', N'U') IS NULL)
CREATE TABLE lmsx.Assignment (
    AssignmentIdentifier NVARCHAR(255) NOT NULL,
    Namespace NVARCHAR(255) NOT NULL,
    LMSSourceSystemDescriptorId INT NOT NULL,
    Title NVARCHAR(255) NOT NULL,
    AssignmentCategoryDescriptorId INT NOT NULL,
    AssignmentDescription NVARCHAR(1024) NULL,
    StartDateTime DATETIME2(7) NULL,
    EndDateTime DATETIME2(7) NULL,
    DueDateTime DATETIME2(7) NULL,
    MaxPoints INT NULL,
    SectionIdentifier NVARCHAR(255) NOT NULL,
    LocalCourseCode NVARCHAR(60) NULL,
    SessionName NVARCHAR(60) NULL,
    SchoolYear SMALLINT NULL,
    SchoolId INT NULL,
    Discriminator NVARCHAR(128) NULL,
    CreateDate DATETIME2(7) NOT NULL CONSTRAINT Assignment_DF_CreateDate DEFAULT (getdate()),
    LastModifiedDate DATETIME2(7) NOT NULL CONSTRAINT Assignment_DF_LastModifiedDate DEFAULT (getdate()),
    Id UNIQUEIDENTIFIER NOT NULL CONSTRAINT Assignment_DF_Id DEFAULT (newid()),
    CONSTRAINT Assignment_PK PRIMARY KEY NONCLUSTERED (AssignmentIdentifier, Namespace),
    CONSTRAINT FK_Assignment_AssignmentCategoryDescriptor FOREIGN KEY (AssignmentCategoryDescriptorId)
        REFERENCES lmsx.AssignmentCategoryDescriptor (AssignmentCategoryDescriptorId),
    CONSTRAINT FK_Assignment_LMSSourceSystemDescriptor FOREIGN KEY (LMSSourceSystemDescriptorId)
        REFERENCES lmsx.LMSSourceSystemDescriptor (LMSSourceSystemDescriptorId),
    CONSTRAINT FK_Assignment_Section FOREIGN KEY (LocalCourseCode, SchoolId, SchoolYear, SectionIdentifier, SessionName)
        REFERENCES edfi.Section (LocalCourseCode, SchoolId, SchoolYear, SectionIdentifier, SessionName)
        ON UPDATE CASCADE
);
IF (INDEXPROPERTY(OBJECT_ID(N'lmsx.Assignment'), N'UX_Assignment_Id', N'IndexId') IS NULL)
    CREATE UNIQUE NONCLUSTERED INDEX UX_Assignment_Id ON lmsx.Assignment (Id);

IF (OBJECT_ID(N'lmsx.AssignmentSubmissionType', N'U') IS NULL)
CREATE TABLE lmsx.AssignmentSubmissionType (
    AssignmentIdentifier NVARCHAR(255) NOT NULL,
    Namespace NVARCHAR(255) NOT NULL,
    SubmissionTypeDescriptorId INT NOT NULL,
    CreateDate DATETIME2(7) NOT NULL CONSTRAINT AssignmentSubmissionType_DF_CreateDate DEFAULT (getdate()),
    CONSTRAINT AssignmentSubmissionType_PK PRIMARY KEY NONCLUSTERED (
        AssignmentIdentifier, Namespace, SubmissionTypeDescriptorId
    ),
    CONSTRAINT FK_AssignmentSubmissionType_Assignment FOREIGN KEY (AssignmentIdentifier, Namespace)
        REFERENCES lmsx.Assignment (AssignmentIdentifier, Namespace) ON DELETE CASCADE,
    CONSTRAINT FK_AssignmentSubmissionType_SubmissionTypeDescriptor FOREIGN KEY (SubmissionTypeDescriptorId)
        REFERENCES lmsx.SubmissionTypeDescriptor (SubmissionTypeDescriptorId)
);

IF (OBJECT_ID(N'lmsx.AssignmentSubmission', N'U') IS NULL)
CREATE TABLE lmsx.AssignmentSubmission (
    AssignmentSubmissionIdentifier NVARCHAR(255) NOT NULL,
    Namespace NVARCHAR(255) NOT NULL,
    StudentUSI INT NOT NULL,
    AssignmentIdentifier NVARCHAR(255) NOT NULL,
    SubmissionStatusDescriptorId INT NOT NULL,
    SubmissionDateTime DATETIME2(7) NULL,
    EarnedPoints INT NULL,
    Grade NVARCHAR(20) NULL,
    Discriminator NVARCHAR(128) NULL,
    CreateDate DATETIME2(7) NOT NULL CONSTRAINT AssignmentSubmission_DF_CreateDate DEFAULT (getdate()),
    LastModifiedDate DATETIME2(7) NOT NULL CONSTRAINT AssignmentSubmission_DF_LastModifiedDate DEFAULT (getdate()),
    Id UNIQUEIDENTIFIER NOT NULL CONSTRAINT AssignmentSubmission_DF_Id DEFAULT (newid()),
    CONSTRAINT AssignmentSubmission_PK PRIMARY KEY NONCLUSTERED (
        AssignmentSubmissionIdentifier, Namespace, StudentUSI
    ),
    CONSTRAINT FK_AssignmentSubmission_Assignment FOREIGN KEY (AssignmentIdentifier, Namespace)
        REFERENCES lmsx.Assignment (AssignmentIdentifier, Namespace),
    CONSTRAINT FK_AssignmentSubmission_Student FOREIGN KEY (StudentUSI)
        REFERENCES edfi.Student (StudentUSI),
    CONSTRAINT FK_AssignmentSubmission_SubmissionStatusDescriptor FOREIGN KEY (SubmissionStatusDescriptorId)
        REFERENCES lmsx.SubmissionStatusDescriptor (SubmissionStatusDescriptorId)
);
IF (INDEXPROPERTY(OBJECT_ID(N'lmsx.AssignmentSubmission'), N'UX_AssignmentSubmission_Id', N'IndexId') IS NULL)
    CREATE UNIQUE NONCLUSTERED INDEX UX_AssignmentSubmission_Id ON lmsx.AssignmentSubmission (Id);
