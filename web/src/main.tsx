/** The page's entry: mounts the app. */
import { render } from 'preact';
import { App } from './app.js';
import { installHooks } from './page-hooks.js';
import './style.css';

installHooks();
render(<App />, document.getElementById('app') as HTMLElement);
