#!/usr/bin/env node
// The installed `headliner` command: runs the compiled CLI (npm run build produces dist/).
import '../dist/main.js'
