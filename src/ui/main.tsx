/**
 * Entry point: mounts the explorer. The engine runs in a worker (engine.ts).
 */
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import App from './App.tsx';
import { loadTheme } from './store/persist.ts';
import { useStore } from './store/store.ts';
import './styles.css';

useStore.getState().setTheme(loadTheme());
document.documentElement.dataset.theme = useStore.getState().theme;

const root = document.getElementById('root');
if (root) {
  createRoot(root).render(
    <StrictMode>
      <App />
    </StrictMode>,
  );
}
