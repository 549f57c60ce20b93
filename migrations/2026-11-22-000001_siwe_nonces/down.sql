DROP TABLE IF EXISTS siwe_nonces;
