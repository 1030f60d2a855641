/**
 * Entry point: mounts the explorer, or the embedded player when the link
 * asks for it (`embed=1`). The engine runs in a worker (engine.ts).
 */
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import App from './App.tsx';
import EmbedApp from './embed/EmbedApp.tsx';
import { isEmbedHash } from './embed/embed-link.ts';
import { loadTheme } from './store/persist.ts';
import { useStore } from './store/store.ts';
import './styles.css';

useStore.getState().setTheme(loadTheme());
document.documentElement.dataset.theme = useStore.getState().theme;

const root = document.getElementById('root');
if (root) {
  createRoot(root).render(
    <StrictMode>
      {isEmbedHash(location.hash) ? <EmbedApp /> : <App />}
    </StrictMode>,
  );
}
