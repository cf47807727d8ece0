import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

// The app is fully client-side: no server code, data never leave the machine.
export default defineConfig({
  plugins: [react()],
  worker: { format: 'es' },
  build: { target: 'es2022', sourcemap: true },
  server: { port: 5173 },
  preview: { port: 4173 },
});
