import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

// The app is fully client-side: no server code, data never leave the machine.
export default defineConfig({
  plugins: [react()],
  worker: { format: 'es' },
  // selftest.html: a GPU kernel self-test page (diagnostics; the browser kernel test).
  build: {
    target: 'es2022',
    sourcemap: true,
    rollupOptions: { input: { main: 'index.html', selftest: 'selftest.html' } },
  },
  server: { port: 5173 },
  preview: { port: 4173 },
});
