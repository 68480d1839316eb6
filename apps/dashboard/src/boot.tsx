import './styles/mantine.css';
import { StrictMode, startTransition } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './App';

// The first render is a transition: React renders it in slices, so the page stays responsive
// (a phone's main thread is not blocked for the whole first render).
startTransition(() => {
  createRoot(document.getElementById('root')!).render(
    <StrictMode>
      <App />
    </StrictMode>,
  );
});
