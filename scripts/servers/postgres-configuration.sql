-- The table and trigger behind the postgres-kafka profile's configuration store
-- (components/postgres-kafka/configstore.yaml, configuration.postgresql). startPostgres()
-- (scripts/servers/backends.ts) runs this on every local server it starts; run it once on your own
-- database (PostgreSQL 14 or later; it is idempotent):
--   psql "host=... user=... dbname=..." -v ON_ERROR_STOP=1 -f scripts/servers/postgres-configuration.sql
-- Change a key with SQL; the trigger NOTIFYs daprd, which posts the change to the app:
--   INSERT INTO configuration (key, value, version) VALUES ('express-shipping', 'on', '1')
--     ON CONFLICT (key) DO UPDATE SET value = excluded.value, version = excluded.version;

-- Dapr reads `SELECT *` and scans the columns by position: key, value, version, metadata, in this
-- order and no others. One row per key (Dapr would take the highest numeric version of several).
-- Metadata values must be strings: daprd asserts each one is.
CREATE TABLE IF NOT EXISTS configuration (
  key varchar PRIMARY KEY,
  value varchar NOT NULL,
  version varchar NOT NULL DEFAULT '',
  metadata json NOT NULL DEFAULT '{}'
);

-- The component LISTENs on the channel its `notifyChannel` names and expects the row under "data".
-- A deleted key is sent with an empty value and version, as configuration.redis sends one.
CREATE OR REPLACE FUNCTION configuration_notify() RETURNS trigger AS $$
BEGIN
  PERFORM pg_notify('configuration_changed', json_build_object(
    'table', TG_TABLE_NAME,
    'action', TG_OP,
    'data', CASE WHEN TG_OP = 'DELETE'
      THEN json_build_object('key', OLD.key, 'value', '', 'version', '', 'metadata', '{}'::json)
      ELSE row_to_json(NEW)
    END
  )::text);
  RETURN NULL;
END;
$$ LANGUAGE plpgsql;

CREATE OR REPLACE TRIGGER configuration_changed
  AFTER INSERT OR UPDATE OR DELETE ON configuration
  FOR EACH ROW EXECUTE FUNCTION configuration_notify();
