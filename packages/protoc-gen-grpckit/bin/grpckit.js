#!/usr/bin/env node
// `grpckit scaffold ...`: runs the bundled, compiled command (`npm run build` stages it in this package's dist/).
import "../dist/grpckit.js";
