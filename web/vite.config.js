import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

// Built into dist/, which corroborate serve serves at /. `npm run dev` proxies the API to a local
// `corroborate serve` (CORROBORATE_URL, default http://127.0.0.1:8080).
const target = process.env.CORROBORATE_URL || 'http://127.0.0.1:8080';
export default defineConfig({
  plugins: [react()],
  base: '/',
  build: { outDir: 'dist', emptyOutDir: true, sourcemap: false },
  server: {
    proxy: Object.fromEntries(['/findings', '/dashboard', '/healthz'].map((p) => [p, target])),
  },
  test: { environment: 'node', include: ['test/**/*.test.js'] },
});
