#!/usr/bin/env node
import { runNodeJs } from "@bufbuild/protoplugin";
import { protocGenGrpckit } from "./plugin.js";

runNodeJs(protocGenGrpckit);
