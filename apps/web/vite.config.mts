import tailwindcss from '@tailwindcss/vite';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const API = process.env.API_URL ?? 'http://127.0.0.1:8080';
// The API's paths (and those it will gain): proxied by `npm run dev:web`. A regex, so that /shared (a page of
// the app) is not taken for /share.
const API_PATHS =
  '^/(user|login|logout|verify-token|drive|files?|image-preview|profile-photo|trash|share|shared-with-me|search|changes|events|health|docs|storage|confirm-[a-z-]+)(/|\\?|$)';

export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  resolve: {
    alias: { '@app/sdk': fileURLToPath(new URL('../../libs/sdk/src/index.ts', import.meta.url)) },
  },
  plugins: [tailwindcss()],
  oxc: { jsx: { runtime: 'automatic' } },
  build: { outDir: 'dist', emptyOutDir: true, assetsInlineLimit: 0, sourcemap: false },
  server: {
    proxy: {
      [API_PATHS]: {
        target: API,
        // A navigation (Accept: text/html) to `/` is the app's, a fetch of `/` is the API's status.
        bypass: (request) => (request.headers.accept?.includes('text/html') ? request.url : undefined),
      },
    },
  },
});
