-- As in the reference: the section is optional and has no foreign key, and neither foreign key cascades.
CREATE TABLE lms.LMSUserAttendanceEvent (
    LMSUserAttendanceEventIdentifier INT IDENTITY NOT NULL,
    SourceSystemIdentifier NVARCHAR(255) NOT NULL,
    SourceSystem NVARCHAR(255) NOT NULL,
    LMSUserIdentifier INT NOT NULL,
    LMSSectionIdentifier INT NULL,
    LMSUserLMSSectionAssociationIdentifier INT NULL,
    EventDate DATE NOT NULL,
    AttendanceStatus NVARCHAR(60) NOT NULL,
    SourceCreateDate DATETIME2(7) NULL,
    SourceLastModifiedDate DATETIME2(7) NULL,
    CreateDate DATETIME2(7) NOT NULL CONSTRAINT LMSUserAttendanceEvent_DF_CreateDate DEFAULT (getdate()),
    LastModifiedDate DATETIME2(7) NOT NULL CONSTRAINT LMSUserAttendanceEvent_DF_LastModifiedDate DEFAULT (getdate()),
    DeletedAt DATETIME2(7) NULL,
    CONSTRAINT LMSUserAttendanceEvent_PK PRIMARY KEY CLUSTERED (LMSUserAttendanceEventIdentifier),
    CONSTRAINT LMSUserAttendanceEvent_UK_SourceSystem UNIQUE (SourceSystemIdentifier, SourceSystem),
    CONSTRAINT FK_LMSUserAttendanceEvent_LMSUser FOREIGN KEY (LMSUserIdentifier)
        REFERENCES lms.LMSUser (LMSUserIdentifier),
    CONSTRAINT FK_LMSUserAttendanceEvent_LMSUserLMSSectionAssociation FOREIGN KEY (LMSUserLMSSectionAssociationIdentifier)
        REFERENCES lms.LMSUserLMSSectionAssociation (LMSUserLMSSectionAssociationIdentifier)
);

CREATE NONCLUSTERED INDEX FK_LMSUserAttendanceEvent_LMSUser ON lms.LMSUserAttendanceEvent (LMSUserIdentifier);
CREATE NONCLUSTERED INDEX FK_LMSUserAttendanceEvent_LMSUserLMSSectionAssociation
    ON lms.LMSUserAttendanceEvent (LMSSectionIdentifier, LMSUserIdentifier, LMSUserLMSSectionAssociationIdentifier);

CREATE TABLE lms.stg_LMSUserAttendanceEvent (
    StagingId INT IDENTITY NOT NULL,
    SourceSystemIdentifier NVARCHAR(255) NOT NULL,
    SourceSystem NVARCHAR(255) NOT NULL,
    LMSUserSourceSystemIdentifier NVARCHAR(255) NOT NULL,
    LMSSectionSourceSystemIdentifier NVARCHAR(255) NULL,
    EventDate DATE NOT NULL,
    AttendanceStatus NVARCHAR(60) NOT NULL,
    SourceCreateDate DATETIME2(7) NULL,
    SourceLastModifiedDate DATETIME2(7) NULL,
    CreateDate DATETIME2(7) NOT NULL,
    LastModifiedDate DATETIME2(7) NOT NULL,
    CONSTRAINT stg_LMSUserAttendanceEvent_PK PRIMARY KEY CLUSTERED (StagingId)
);

CREATE INDEX IX_stg_LMSUserAttendanceEvent_Natural_Key
    ON lms.stg_LMSUserAttendanceEvent (SourceSystemIdentifier, SourceSystem, LastModifiedDate);
