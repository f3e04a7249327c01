/**
 * Logical dumps of database containers, taken inside the container just before its volume is
 * archived: a consistent copy whatever the files look like mid-write, and one that loads into a
 * newer major version. docker-volume-backup runs the command through an exec label.
 */
import { invalid } from "./errors";
import { repositoryOf } from "./images";

/** Where a dump lands: beside the data, so the volume archive carries it. */
export const DUMP_FILE_NAME = "dockhost-dump.sql";

/** How to dump (and load back) one database service. */
export interface DatabaseDump {
  readonly engine: "PostgreSQL" | "MariaDB" | "MySQL";
  /** OS user inside the container that runs the command (the dump then belongs to the database's user). */
  readonly user: string;
  /** Absolute path of the dump inside the container. */
  readonly file: string;
  /** `/bin/sh -c` script that writes the dump, atomically: a failed dump never replaces a good one. */
  readonly command: string;
  /** `/bin/sh -c` script, run in the container, that loads a dump read from stdin into its server. */
  readonly load: string;
}

/** What the dump needs to know about the service. */
export interface DumpSubject {
  readonly image: string;
  /** Names of the container's environment variables (plain and secret). */
  readonly variables: readonly string[];
}

const POSTGRES = ["postgres", "postgis/postgis", "timescale/timescaledb"];
const MYSQL_FAMILY: Readonly<Record<string, { engine: "MariaDB" | "MySQL"; dump: string; client: string }>> = {
  mariadb: { engine: "MariaDB", dump: "mariadb-dump", client: "mariadb" },
  mysql: { engine: "MySQL", dump: "mysqldump", client: "mysql" },
};
/** Root password variables of the mariadb and mysql images, files first. */
const ROOT_PASSWORD_FILES = ["MARIADB_ROOT_PASSWORD_FILE", "MYSQL_ROOT_PASSWORD_FILE"];
const ROOT_PASSWORDS = ["MARIADB_ROOT_PASSWORD", "MYSQL_ROOT_PASSWORD"];

/**
 * The dump of a PostgreSQL, MariaDB or MySQL service whose data directory is `dataDir`, or
 * undefined for any other image. Throws (naming `path`, `key` and the variable names) for a
 * MariaDB or MySQL service without a root password variable, which the dump needs to log in.
 */
export function databaseDump(path: string, key: string, subject: DumpSubject, dataDir: string): DatabaseDump | undefined {
  const repository = repositoryOf(subject.image);
  const file = `${dataDir.replace(/\/+$/, "")}/${DUMP_FILE_NAME}`;
  const writeAtomically = (dump: string) => `${dump} > ${file}.partial && mv ${file}.partial ${file}`;
  if (POSTGRES.includes(repository)) {
    // Local socket connections are trusted in the official image; an empty -U means the OS user.
    return {
      engine: "PostgreSQL",
      user: "postgres",
      file,
      command: writeAtomically('pg_dumpall --clean --if-exists -U "$POSTGRES_USER"'),
      load: 'psql -U "$POSTGRES_USER" -d postgres',
    };
  }
  const family = MYSQL_FAMILY[repository];
  if (family === undefined) return undefined;
  const passwordFile = ROOT_PASSWORD_FILES.find((name) => subject.variables.includes(name));
  const password = ROOT_PASSWORDS.find((name) => subject.variables.includes(name));
  if (passwordFile === undefined && password === undefined) {
    invalid({ path, key, value: subject.variables, allowed: `a ${family.engine} service with ${ROOT_PASSWORD_FILES[0]} (a Secret) or ${ROOT_PASSWORDS[0]}, so that the pre-backup dump can log in; or opt its volume out of backups` });
  }
  const login = passwordFile ? `MYSQL_PWD="$(cat "$${passwordFile}")"` : `MYSQL_PWD="$${password}"`;
  return {
    engine: family.engine,
    user: "mysql",
    file,
    command: writeAtomically(`${login} ${family.dump} -uroot --all-databases --single-transaction --routines --events`),
    load: `${login} ${family.client} -uroot`,
  };
}
