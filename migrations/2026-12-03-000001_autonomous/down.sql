DROP TABLE IF EXISTS autonomous_audit;
DROP TABLE IF EXISTS autonomous_grants;
