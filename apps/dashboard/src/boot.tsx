import './styles/mantine.css';
import { StrictMode, startTransition } from 'react';
import { createRoot } from 'react-dom/client';
import { App, createAppState } from './App';

const state = createAppState();

/**
 * The first render is a transition: React renders it in slices, so the page stays responsive
 * (a phone's main thread is not blocked for the whole first render). It waits for the page's
 * own chunk (router.load()): rendered before it, the layout would be rendered again, at once and
 * in one piece, when the page's chunk arrives. Meanwhile the shell shows the page's frame.
 */
function render() {
  startTransition(() => {
    createRoot(document.getElementById('root')!).render(
      <StrictMode>
        <App state={state} />
      </StrictMode>,
    );
  });
}

// A route that fails to load renders its error in the app: the render does not wait for it.
state.router.load().then(render, render);
