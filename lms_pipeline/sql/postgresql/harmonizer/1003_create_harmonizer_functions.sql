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
