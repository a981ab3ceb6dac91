#!/bin/sh
# Runs once, when the PostgreSQL volume is initialised: one role and one database for the application,
# one for Keycloak. Passwords come from the container's environment (deploy/.env), passed to psql as
# variables so that no quoting in a password can change the SQL.
set -eu
: "${APP_DB_PASSWORD:?APP_DB_PASSWORD manquant}"
: "${KEYCLOAK_DB_PASSWORD:?KEYCLOAK_DB_PASSWORD manquant}"
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname postgres \
    -v app_pw="$APP_DB_PASSWORD" -v kc_pw="$KEYCLOAK_DB_PASSWORD" <<'SQL'
CREATE ROLE coordination LOGIN PASSWORD :'app_pw';
CREATE DATABASE coordination OWNER coordination ENCODING 'UTF8' TEMPLATE template0;
REVOKE ALL ON DATABASE coordination FROM PUBLIC;
CREATE ROLE keycloak LOGIN PASSWORD :'kc_pw';
CREATE DATABASE keycloak OWNER keycloak ENCODING 'UTF8' TEMPLATE template0;
REVOKE ALL ON DATABASE keycloak FROM PUBLIC;
SQL
