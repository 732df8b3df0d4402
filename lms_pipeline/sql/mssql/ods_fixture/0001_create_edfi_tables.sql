-- TEST AND DEMO FIXTURE. NEVER APPLY TO A REAL ED-FI ODS.
-- The few Ed-Fi ODS core tables (Data Standard 3.3, ODS/API 5.2) that harmonization reads, with their keys,
-- unique indexes and defaults, and only the columns it uses or that are NOT NULL. A real ODS has hundreds of
-- tables and foreign keys between them; this one exists so that the demo and the tests have an ODS.
-- Every statement is idempotent: applying the fixture twice changes nothing. CREATE SCHEMA must be alone in its
-- batch, hence dynamic SQL; the mark that tells the fixture's schema from a real ODS's is its MS_Description.
IF (SCHEMA_ID(N'edfi') IS NULL)
    EXEC sys.sp_executesql N'CREATE SCHEMA edfi';
IF (NOT EXISTS (
    SELECT 1 FROM sys.extended_properties
    WHERE class = 3 AND major_id = SCHEMA_ID(N'edfi') AND name = N'MS_Description'
))
    EXEC sys.sp_addextendedproperty @name = N'MS_Description',
        @value = N'lms-pipeline ODS fixture: a minimal stand-in for demos and tests, not a real Ed-Fi ODS',
        @level0type = N'SCHEMA', @level0name = N'edfi';
GO

IF (OBJECT_ID(N'edfi.Descriptor', N'U') IS NULL)
CREATE TABLE edfi.Descriptor (
    DescriptorId INT IDENTITY(1, 1) NOT NULL,
    Namespace NVARCHAR(255) NOT NULL,
    CodeValue NVARCHAR(50) NOT NULL,
    ShortDescription NVARCHAR(75) NOT NULL,
    Description NVARCHAR(1024) NULL,
    PriorDescriptorId INT NULL,
    EffectiveBeginDate DATE NULL,
    EffectiveEndDate DATE NULL,
    Discriminator NVARCHAR(128) NULL,
    CreateDate DATETIME2(7) NOT NULL CONSTRAINT Descriptor_DF_CreateDate DEFAULT (getdate()),
    LastModifiedDate DATETIME2(7) NOT NULL CONSTRAINT Descriptor_DF_LastModifiedDate DEFAULT (getdate()),
    Id UNIQUEIDENTIFIER NOT NULL CONSTRAINT Descriptor_DF_Id DEFAULT (newid()),
    CONSTRAINT Descriptor_PK PRIMARY KEY CLUSTERED (DescriptorId),
    CONSTRAINT Descriptor_AK UNIQUE NONCLUSTERED (CodeValue, Namespace)
);
IF (INDEXPROPERTY(OBJECT_ID(N'edfi.Descriptor'), N'UX_Descriptor_Id', N'IndexId') IS NULL)
    CREATE UNIQUE NONCLUSTERED INDEX UX_Descriptor_Id ON edfi.Descriptor (Id);

IF (OBJECT_ID(N'edfi.Student', N'U') IS NULL)
CREATE TABLE edfi.Student (
    StudentUSI INT IDENTITY(1, 1) NOT NULL,
    StudentUniqueId NVARCHAR(32) NOT NULL,
    FirstName NVARCHAR(75) NOT NULL,
    MiddleName NVARCHAR(75) NULL,
    LastSurname NVARCHAR(75) NOT NULL,
    BirthDate DATE NOT NULL,
    Discriminator NVARCHAR(128) NULL,
    CreateDate DATETIME2(7) NOT NULL CONSTRAINT Student_DF_CreateDate DEFAULT (getdate()),
    LastModifiedDate DATETIME2(7) NOT NULL CONSTRAINT Student_DF_LastModifiedDate DEFAULT (getdate()),
    Id UNIQUEIDENTIFIER NOT NULL CONSTRAINT Student_DF_Id DEFAULT (newid()),
    CONSTRAINT Student_PK PRIMARY KEY CLUSTERED (StudentUSI)
);
IF (INDEXPROPERTY(OBJECT_ID(N'edfi.Student'), N'Student_UI_StudentUniqueId', N'IndexId') IS NULL)
    CREATE UNIQUE NONCLUSTERED INDEX Student_UI_StudentUniqueId ON edfi.Student (StudentUniqueId);
IF (INDEXPROPERTY(OBJECT_ID(N'edfi.Student'), N'UX_Student_Id', N'IndexId') IS NULL)
    CREATE UNIQUE NONCLUSTERED INDEX UX_Student_Id ON edfi.Student (Id);

IF (OBJECT_ID(N'edfi.Section', N'U') IS NULL)
CREATE TABLE edfi.Section (
    LocalCourseCode NVARCHAR(60) NOT NULL,
    SchoolId INT NOT NULL,
    SchoolYear SMALLINT NOT NULL,
    SectionIdentifier NVARCHAR(255) NOT NULL,
    SessionName NVARCHAR(60) NOT NULL,
    SequenceOfCourse INT NULL,
    AvailableCredits DECIMAL(9, 3) NULL,
    Discriminator NVARCHAR(128) NULL,
    CreateDate DATETIME2(7) NOT NULL CONSTRAINT Section_DF_CreateDate DEFAULT (getdate()),
    LastModifiedDate DATETIME2(7) NOT NULL CONSTRAINT Section_DF_LastModifiedDate DEFAULT (getdate()),
    Id UNIQUEIDENTIFIER NOT NULL CONSTRAINT Section_DF_Id DEFAULT (newid()),
    CONSTRAINT Section_PK PRIMARY KEY CLUSTERED (LocalCourseCode, SchoolId, SchoolYear, SectionIdentifier, SessionName)
);
IF (INDEXPROPERTY(OBJECT_ID(N'edfi.Section'), N'UX_Section_Id', N'IndexId') IS NULL)
    CREATE UNIQUE NONCLUSTERED INDEX UX_Section_Id ON edfi.Section (Id);

IF (OBJECT_ID(N'edfi.StudentSectionAssociation', N'U') IS NULL)
CREATE TABLE edfi.StudentSectionAssociation (
    BeginDate DATE NOT NULL,
    LocalCourseCode NVARCHAR(60) NOT NULL,
    SchoolId INT NOT NULL,
    SchoolYear SMALLINT NOT NULL,
    SectionIdentifier NVARCHAR(255) NOT NULL,
    SessionName NVARCHAR(60) NOT NULL,
    StudentUSI INT NOT NULL,
    EndDate DATE NULL,
    HomeroomIndicator BIT NULL,
    Discriminator NVARCHAR(128) NULL,
    CreateDate DATETIME2(7) NOT NULL CONSTRAINT StudentSectionAssociation_DF_CreateDate DEFAULT (getdate()),
    LastModifiedDate DATETIME2(7) NOT NULL CONSTRAINT StudentSectionAssociation_DF_LastModifiedDate DEFAULT (getdate()),
    Id UNIQUEIDENTIFIER NOT NULL CONSTRAINT StudentSectionAssociation_DF_Id DEFAULT (newid()),
    CONSTRAINT StudentSectionAssociation_PK PRIMARY KEY CLUSTERED (
        BeginDate, LocalCourseCode, SchoolId, SchoolYear, SectionIdentifier, SessionName, StudentUSI
    )
);
IF (INDEXPROPERTY(OBJECT_ID(N'edfi.StudentSectionAssociation'), N'UX_StudentSectionAssociation_Id', N'IndexId')
    IS NULL)
    CREATE UNIQUE NONCLUSTERED INDEX UX_StudentSectionAssociation_Id ON edfi.StudentSectionAssociation (Id);

-- In a real ODS this row hangs off StudentEducationOrganizationAssociation; harmonization reads it by StudentUSI
-- alone, so the parent table is left out (and with it the foreign key).
IF (OBJECT_ID(N'edfi.StudentEducationOrganizationAssociationElectronicMail', N'U') IS NULL)
CREATE TABLE edfi.StudentEducationOrganizationAssociationElectronicMail (
    EducationOrganizationId INT NOT NULL,
    ElectronicMailAddress NVARCHAR(128) NOT NULL,
    ElectronicMailTypeDescriptorId INT NOT NULL,
    StudentUSI INT NOT NULL,
    PrimaryEmailAddressIndicator BIT NULL,
    DoNotPublishIndicator BIT NULL,
    CreateDate DATETIME2(7) NOT NULL
        CONSTRAINT StudentEducationOrganizationAssociationElectronicMail_DF_CreateDate DEFAULT (getdate()),
    CONSTRAINT StudentEducationOrganizationAssociationElectronicMail_PK PRIMARY KEY CLUSTERED (
        EducationOrganizationId, ElectronicMailAddress, ElectronicMailTypeDescriptorId, StudentUSI
    )
);
