import { render } from 'preact';
import { App } from './app.js';
import { startStore } from './live/store.js';
import './styles.css';

render(<App />, document.getElementById('app')!);
void startStore();
