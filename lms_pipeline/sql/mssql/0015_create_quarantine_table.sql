-- Rows that failed validation or could not be linked to their parent, with where they came from and why.
CREATE TABLE lms.Quarantine (
    QuarantineIdentifier BIGINT IDENTITY NOT NULL,
    LoadRunId INT NULL,
    ResourceName NVARCHAR(128) NOT NULL,
    FilePath NVARCHAR(1024) NOT NULL,
    LineNumber INT NULL,
    ColumnName NVARCHAR(255) NULL,
    CheckName NVARCHAR(128) NOT NULL,
    Value NVARCHAR(1024) NULL,
    Reason NVARCHAR(2048) NOT NULL,
    CreatedAt DATETIME2(7) NOT NULL CONSTRAINT Quarantine_DF_CreatedAt DEFAULT (getdate()),
    CONSTRAINT Quarantine_PK PRIMARY KEY CLUSTERED (QuarantineIdentifier)
);

CREATE INDEX IX_Quarantine_LoadRunId ON lms.Quarantine (LoadRunId);
