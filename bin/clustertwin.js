#!/usr/bin/env node
// The installed command: the compiled CLI (built by `npm install` through the prepare script).
import '../dist/src/cli/run.js';
