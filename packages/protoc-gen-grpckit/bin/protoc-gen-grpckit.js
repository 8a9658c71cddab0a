#!/usr/bin/env node
// The published entry point: runs the bundled, compiled plugin (`npm run build` stages it in this package's dist/).
import "../dist/protoc-gen-grpckit.js";
