"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.DependencyUnreachableError = void 0;
exports.ensureDatabase = ensureDatabase;
exports.quoteIdent = quoteIdent;
exports.dataSourceOptions = dataSourceOptions;
exports.openDataSource = openDataSource;
const pg_1 = require("pg");
const typeorm_1 = require("typeorm");
const platform_runtime_1 = require("@immune/platform-runtime");
/** Creates the database of `databaseUrl` when it is missing (CONTRACT: "the database is created if missing"). */
async function ensureDatabase(databaseUrl) {
    const url = new URL(databaseUrl);
    const dbName = decodeURIComponent(url.pathname.replace(/^\//, '')) || 'postgres';
    const adminUrl = new URL(databaseUrl);
    adminUrl.pathname = '/postgres';
    const client = new pg_1.Client({ connectionString: adminUrl.toString() });
    try {
        await client.connect();
    }
    catch (e) {
        throw new DependencyUnreachableError((0, platform_runtime_1.unreachableMessage)('PostgreSQL', databaseUrl, e));
    }
    try {
        const found = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [dbName]);
        if (found.rowCount === 0) {
            await client.query(`CREATE DATABASE ${quoteIdent(dbName)}`).catch((e) => {
                if (e.code !== '42P04')
                    throw e; // created concurrently by another service
            });
        }
    }
    finally {
        await client.end();
    }
}
class DependencyUnreachableError extends Error {
    name = 'DependencyUnreachableError';
}
exports.DependencyUnreachableError = DependencyUnreachableError;
function quoteIdent(id) {
    return `"${id.replace(/"/g, '""')}"`;
}
function dataSourceOptions(p) {
    return {
        type: 'postgres',
        url: p.databaseUrl,
        schema: p.schema,
        entities: p.entities ?? [],
        migrations: p.migrations ?? [],
        migrationsTableName: 'migrations',
        synchronize: false,
        logging: false,
        extra: { max: p.poolSize ?? 10, application_name: p.applicationName ?? 'immune' },
    };
}
/** Creates the database if needed and opens a TypeORM DataSource bound to the namespace's schema. */
async function openDataSource(p) {
    await ensureDatabase(p.databaseUrl);
    const ds = new typeorm_1.DataSource(dataSourceOptions(p));
    try {
        await ds.initialize();
    }
    catch (e) {
        throw new DependencyUnreachableError((0, platform_runtime_1.unreachableMessage)('PostgreSQL', p.databaseUrl, e));
    }
    await ds.query(`CREATE SCHEMA IF NOT EXISTS ${quoteIdent(p.schema)}`);
    return ds;
}
//# sourceMappingURL=database.js.map