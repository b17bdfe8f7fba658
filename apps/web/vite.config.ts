import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const root = fileURLToPath(new URL('.', import.meta.url));
const api = process.env.PERKS_API_URL ?? 'http://localhost:3000';
// Every API path prefix; the dev server forwards them so the console talks to one origin, as in production.
const apiPaths = ['/auth', '/brands', '/me', '/campaigns', '/claims', '/admin', '/scores', '/payments', '/docs', '/health'];

export default defineConfig({
  root,
  base: '/',
  // Vite 8 compiles TSX with oxc; no React plugin needed for a production build.
  oxc: { jsx: { runtime: 'automatic' } },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    sourcemap: true,
    rolldownOptions: {
      // react-router marks its modules "use client" for server-component bundlers; meaningless in an SPA.
      onwarn(warning, warn) {
        if (warning.code !== 'MODULE_LEVEL_DIRECTIVE') warn(warning);
      },
    },
  },
  server: { proxy: Object.fromEntries(apiPaths.map((path) => [path, { target: api, changeOrigin: true }])) },
});
