-- Harmonization runs in the Ed-Fi ODS database, beside the edfi and lmsx schemas. Stop with a clear message when
-- the ODS tables it reads and writes are missing, rather than with the first view that cannot be created.
DO $$
DECLARE
    _missing TEXT;
BEGIN
    SELECT string_agg(required, ', ') INTO _missing
    FROM unnest(ARRAY[
        'edfi.descriptor', 'edfi.student', 'edfi.section', 'edfi.studentsectionassociation',
        'edfi.studenteducationorganizationassociationelectronicmail',
        'lmsx.assignment', 'lmsx.assignmentsubmission', 'lmsx.assignmentcategorydescriptor',
        'lmsx.lmssourcesystemdescriptor', 'lmsx.submissionstatusdescriptor'
    ]) AS required
    WHERE to_regclass(required) IS NULL;
    IF _missing IS NOT NULL THEN
        RAISE EXCEPTION 'harmonization needs an Ed-Fi ODS with the LMSX extension in this database; missing: %',
            _missing;
    END IF;
END
$$;
