-- How an identifier or e-mail address is compared when matching: surrounding whitespace is ignored, and an empty
-- value is absent, so it never matches. Case still counts here; e-mail matching lower-cases on top of it.
CREATE OR REPLACE FUNCTION lms.match_key(_value TEXT) RETURNS TEXT
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$ SELECT nullif(btrim(_value, E' \t\r\n'), '') $$;

-- The namespace an LMSX descriptor of one LMS must have to match, e.g. ('AssignmentCategory', 'Canvas') gives
-- uri://ed-fi.org/edfilms/AssignmentCategoryDescriptor/Canvas.
CREATE OR REPLACE FUNCTION lms.lmsx_descriptor_namespace(_kind TEXT, _sourcesystem TEXT) RETURNS TEXT
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$ SELECT 'uri://ed-fi.org/edfilms/' || _kind || 'Descriptor/' || _sourcesystem $$;

-- The procedures keep the reference's signatures, so that a district's replacement still fits the calls. They
-- report the rows they change by adding to transaction-local settings (lms_harmonizer.<counter>), which the caller
-- reads in the same transaction.
CREATE OR REPLACE FUNCTION lms.harmonizer_tally(_counter TEXT, _rows BIGINT) RETURNS VOID
LANGUAGE sql
AS $$
    SELECT set_config(
        'lms_harmonizer.' || _counter,
        (coalesce(nullif(current_setting('lms_harmonizer.' || _counter, true), ''), '0')::BIGINT + _rows)::TEXT,
        true
    )
$$;

-- The lmsx rows of a namespace belong to one LMS, the one whose LMSSourceSystem descriptor they carry. The
-- assignment and submission procedures check it first, so that a mismatched (SourceSystem, namespace) pair
-- stops with an error instead of updating or deleting another LMS's rows.
CREATE OR REPLACE FUNCTION lms.check_lmsx_namespace(_sourcesystem TEXT, _namespace TEXT) RETURNS VOID
LANGUAGE plpgsql STABLE
AS $$
DECLARE
    _other TEXT;
BEGIN
    SELECT sourcesystem.codevalue INTO _other
    FROM lmsx.assignment x
    JOIN edfi.descriptor sourcesystem ON sourcesystem.descriptorid = x.lmssourcesystemdescriptorid
    WHERE x.namespace = _namespace AND sourcesystem.codevalue <> _sourcesystem
    LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'lmsx namespace % holds % assignments, so it cannot be harmonized as %',
            _namespace, _other, _sourcesystem;
    END IF;
END
$$;
