-- Harmonization runs in the Ed-Fi ODS database, beside the edfi and lmsx schemas. Stop with a clear message when
-- the ODS tables it reads and writes are missing, rather than with the first view that cannot be created.
DECLARE @Missing NVARCHAR(2000);

SELECT @Missing = COALESCE(@Missing + N', ', N'') + required.Name
FROM (VALUES
    (N'edfi.Descriptor'), (N'edfi.Student'), (N'edfi.Section'), (N'edfi.StudentSectionAssociation'),
    (N'edfi.StudentEducationOrganizationAssociationElectronicMail'),
    (N'lmsx.Assignment'), (N'lmsx.AssignmentSubmission'), (N'lmsx.AssignmentCategoryDescriptor'),
    (N'lmsx.LMSSourceSystemDescriptor'), (N'lmsx.SubmissionStatusDescriptor')
) AS required (Name)
WHERE OBJECT_ID(required.Name, N'U') IS NULL;

IF (@Missing IS NOT NULL)
    RAISERROR (N'harmonization needs an Ed-Fi ODS with the LMSX extension in this database; missing: %s', 16, 1,
               @Missing);
