import { createRoot } from 'react-dom/client';
// Shared styles first, so each feature's own stylesheet (imported by its components) wins ties.
import './styles/tokens.css';
import './styles/base.css';
import './styles/controls.css';
import './styles/app.css';
import './styles/status.css';
import { App } from './app';

const root = document.getElementById('root');
if (!root) throw new Error('index.html has no #root element');
// No StrictMode: its double mount would attach, detach and re-attach every terminal.
createRoot(root).render(<App />);
