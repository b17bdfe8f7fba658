import 'reflect-metadata';
import { DataSource } from 'typeorm';
import { loadConfig } from '@app/config';
import { dataSourceOptions } from './data-source-options';

/** The DataSource the TypeORM CLI and `npm run migrate` use. */
export default new DataSource(dataSourceOptions(loadConfig().databaseUrl, 2));
