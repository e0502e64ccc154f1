#!/bin/sh
# Run once by the postgis image when it makes the primary's cluster (/docker-entrypoint-initdb.d):
# the read replica (docker-compose.yml, service replica) may stream from any address of the network.
set -eu
echo "host replication $POSTGRES_USER all scram-sha-256" >> "$PGDATA/pg_hba.conf"
