#!/usr/bin/env node
import { runNodeJs } from "@bufbuild/protoplugin";
import { oncePerBufRun } from "./once-per-run.js";
import { createProtocGenGrpckit, printWarning } from "./plugin.js";

// buf starts one process per directory: the auth warning is printed by the first of them only.
runNodeJs(createProtocGenGrpckit(oncePerBufRun(printWarning)));
