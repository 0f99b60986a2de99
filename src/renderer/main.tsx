import { createRoot } from 'react-dom/client';
import { App } from './app';
import './styles.css';

const root = document.getElementById('root');
if (!root) throw new Error('index.html has no #root element');
// No StrictMode: its double mount would attach, detach and re-attach every terminal.
createRoot(root).render(<App />);
