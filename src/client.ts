#!/usr/bin/env node
// pipectl: the commands are in src/cli/commands.ts.
import { runCli } from './cli/commands.js';

runCli(process.argv).then((code) => process.exit(code));
