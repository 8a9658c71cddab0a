#!/usr/bin/env node
// `grpckit scaffold ...`: runs the bundled, compiled command (npm run build writes dist/).
import "../dist/grpckit.js";
