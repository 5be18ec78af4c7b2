import { defineConfig } from 'vitest/config';
import react from '@vitejs/plugin-react';

// The studio is served by the Go binary at /designer/ from the committed dist/, so the build
// must be a pure function of the sources: no timestamps, stable chunk names (content hashes).
export default defineConfig({
  base: '/designer/',
  plugins: [react()],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    sourcemap: false,
    chunkSizeWarningLimit: 1500,
  },
  test: {
    environment: 'node',
    include: ['src/**/*.test.ts'],
  },
});
