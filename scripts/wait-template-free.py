"""Wait (up to 30 s) until no session is connected to the database named by DATABASE_URL, so that
it can serve as the template of the test databases (CREATE DATABASE … TEMPLATE refuses otherwise)."""

import os
import sys
import time

import dj_database_url
import psycopg2

config = dj_database_url.parse(os.environ["DATABASE_URL"])
connection = psycopg2.connect(
    dbname="postgres",
    user=config["USER"],
    password=config["PASSWORD"],
    host=config["HOST"],
    port=config["PORT"],
)
connection.autocommit = True
deadline = time.monotonic() + 30
with connection.cursor() as cursor:
    while True:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()",
            [config["NAME"]],
        )
        if cursor.fetchone()[0] == 0:
            break
        if time.monotonic() > deadline:
            sys.exit(f"{config['NAME']} still has sessions after 30 s; it cannot be the tests' template")
        time.sleep(0.1)
connection.close()
