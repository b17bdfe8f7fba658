import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { INestApplication } from '@nestjs/common';
import { NestExpressApplication } from '@nestjs/platform-express';
import type { NextFunction, Request, Response } from 'express';

/** Where `npx vite build --config apps/web/vite.config.ts` writes the console (services start from the repo root). */
const WEB_CONSOLE_DIR = resolve(process.cwd(), 'apps/web/dist');

/**
 * The console keeps its tokens in localStorage: its page may run only its own files (no inline or
 * injected script, no plugins), talk only to this origin and never be framed.
 */
export const CONSOLE_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "img-src 'self' data:",
  "object-src 'none'",
  "base-uri 'self'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

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
    if (req.method !== 'GET' && req.method !== 'HEAD') return next();
    if (req.path === '/') {
      res.setHeader('Cache-Control', 'no-cache');
      res.setHeader('Content-Security-Policy', CONSOLE_CSP);
      return res.sendFile(index);
    }
    const back = checkoutReturn(req);
    if (back) return res.redirect(303, back);
    next();
  });
  return true;
}

const CHECKOUT_RETURN = /^\/campaigns\/([0-9a-f-]{36})$/i;

/**
 * Stripe Checkout sends the brand's browser back to `/campaigns/:id?funding=success|cancelled`
 * (the API path of the campaign). A browser page load there (HTML wanted, no bearer token) is
 * sent on to the console's page for that campaign; API calls to the same path are untouched.
 */
function checkoutReturn(req: Request): string | null {
  const match = CHECKOUT_RETURN.exec(req.path);
  const funding = req.query.funding;
  if (!match || (funding !== 'success' && funding !== 'cancelled')) return null;
  if (req.headers.authorization || req.accepts(['json', 'html']) !== 'html') return null;
  return `/#/campaigns/${match[1].toLowerCase()}?funding=${funding}`;
}
