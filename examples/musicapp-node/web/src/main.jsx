import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import App from './App.jsx';
import './app.css';

const REGRESS = import.meta.env.ECHOTUNE_REGRESS;

if (REGRESS) document.body.classList.add('regress');
createRoot(document.getElementById('root')).render(<StrictMode><App regress={REGRESS} /></StrictMode>);

// Only in a regress build (a constant at build time: dead code otherwise).
if (REGRESS) import('./regress.js');
