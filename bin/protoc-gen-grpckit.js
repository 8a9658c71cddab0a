#!/usr/bin/env node
// The published entry point: runs the compiled plugin (npm run build writes dist/).
import "../dist/plugin/bin.js";
