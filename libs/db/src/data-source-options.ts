import { Logger } from '@nestjs/common';
import type { ClientBase } from 'pg';
import { DataSourceOptions } from 'typeorm';
import { ENTITIES } from './entities';
import { MIGRATIONS } from './migrations';
import { SnakeNamingStrategy } from './snake-naming.strategy';

const logger = new Logger('PostgreSQL');

/**
 * Gives a pooled connection an error listener for its whole life. pg emits a connection's errors
 * (PostgreSQL ending it: 57P01 on a restart) as an 'error' event, which kills the process when
 * nobody listens, and a connection handed from one user to the next has a moment with no
 * listener: the pool drops its own as it hands the client out, TypeORM adds one a promise tick
 * later, and the packet that ends the previous user's query can carry the server's goodbye too.
 * The pool discards the broken connection when it comes back.
 */
function listenForLife(client: ClientBase): void {
  client.on('error', (error) => {
    if (client.listenerCount('error') === 1) logger.warn(`a pooled connection failed between two uses: ${error.message}`);
  });
}

/** The one definition of how the platform talks to PostgreSQL (apps, CLI and tests). */
export function dataSourceOptions(url: string, poolSize = 20): DataSourceOptions {
  return {
    type: 'postgres',
    url,
    entities: ENTITIES,
    migrations: MIGRATIONS,
    migrationsTableName: 'migrations',
    migrationsTransactionMode: 'each',
    synchronize: false,
    // The schema is the migrations' (ids default to gen_random_uuid() or uuid_v7() there): without
    // this TypeORM would create uuid-ossp at every boot for its 'uuid' primary columns, unused.
    installExtensions: false,
    namingStrategy: new SnakeNamingStrategy(),
    extra: { max: poolSize, connectionTimeoutMillis: 5000, onConnect: listenForLife },
  };
}
