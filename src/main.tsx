import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './ui/App';
import { Controller } from './ui/controller';
import { exposeState } from './ui/store';
import './ui/app.css';

// One engine worker for the page, created outside React (StrictMode runs effects twice in development).
const ctl = new Controller();
exposeState();
// Test hooks (specs/app.md): read-only state on window.__ptychopinn; a lost-device simulation for the browser tests.
Object.defineProperty(window, '__ptychopinnDebug', {
  value: Object.freeze({
    loseDevice: () => ctl.loseDevice(),
    failStorage: (name: string | null) => ctl.failStorage(name),
  }),
});
createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <App ctl={ctl} />
  </StrictMode>,
);
ctl.start();
