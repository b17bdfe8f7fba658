import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { INestApplication } from '@nestjs/common';
import { NestExpressApplication } from '@nestjs/platform-express';
import type { NextFunction, Request, Response } from 'express';

/** Where `npx vite build --config apps/web/vite.config.ts` writes the console (services start from the repo root). */
export const WEB_CONSOLE_DIR = resolve(process.cwd(), 'apps/web/dist');

/**
 * Serves the built web console: its index.html at `/` and its hashed files under `/assets/`.
 * The console routes with the URL hash (`/#/campaigns/…`), so no other path is taken from the
 * API: /campaigns, /me, /docs stay the API's, and unknown paths keep their JSON 404.
 * Does nothing when the console has not been built.
 */
export function serveWebConsole(app: INestApplication, dir = WEB_CONSOLE_DIR): boolean {
  const index = join(dir, 'index.html');
  if (!existsSync(index)) return false;
  const express = app as NestExpressApplication;
  // File names carry a content hash, so they never change; a missing one falls through to the JSON 404.
  express.useStaticAssets(join(dir, 'assets'), { prefix: '/assets/', immutable: true, maxAge: '365d', index: false, fallthrough: true });
  express.use((req: Request, res: Response, next: NextFunction) => {
    if ((req.method !== 'GET' && req.method !== 'HEAD') || req.path !== '/') return next();
    res.setHeader('Cache-Control', 'no-cache');
    res.sendFile(index);
  });
  return true;
}
