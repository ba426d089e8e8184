#!/bin/sh
# Creates or upgrades Temporal's two databases (temporal, temporal_visibility)
# on the stack's Postgres. Run by the one-shot compose service temporal-schema
# (image temporalio/admin-tools) before the Temporal server starts. Every step
# is idempotent, as in Temporal's own auto-setup: create and setup-schema leave
# an existing database alone and update-schema applies only what is missing,
# so a restart of the stack or a newer admin-tools image just migrates.
set -eu

: "${POSTGRES_SEEDS:?}" "${POSTGRES_USER:?}" "${DB_PORT:=5432}"
: "${DBNAME:=temporal}" "${VISIBILITY_DBNAME:=temporal_visibility}"
# The password comes from the compose secret, never from the environment of
# the compose file.
SQL_PASSWORD="$(cat /run/secrets/postgres_password)"
export SQL_PASSWORD

until nc -z "$POSTGRES_SEEDS" "$DB_PORT"; do
	echo "waiting for postgres at $POSTGRES_SEEDS:$DB_PORT"
	sleep 1
done

schema=/etc/temporal/schema/postgresql/v12
tool() { temporal-sql-tool --plugin postgres12 --ep "$POSTGRES_SEEDS" -p "$DB_PORT" -u "$POSTGRES_USER" "$@"; }

tool --db "$DBNAME" create
tool --db "$DBNAME" setup-schema -v 0.0
tool --db "$DBNAME" update-schema -d "$schema/temporal/versioned"

tool --db "$VISIBILITY_DBNAME" create
tool --db "$VISIBILITY_DBNAME" setup-schema -v 0.0
tool --db "$VISIBILITY_DBNAME" update-schema -d "$schema/visibility/versioned"

echo "temporal schema ready"
