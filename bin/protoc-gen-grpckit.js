#!/usr/bin/env node
// The published entry point: runs the bundled, compiled plugin (npm run build writes dist/).
import "../dist/protoc-gen-grpckit.js";
