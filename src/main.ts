#!/usr/bin/env node
// Node's compile cache, before anything else is loaded: the TypeScript of every module is
// stripped and compiled once, then read back at later starts (a Slack-only process is ready in
// about 0.25 s instead of 0.4). The cache is in NODE_COMPILE_CACHE (default: node-compile-cache in
// the temporary directory; the Docker image fills its own when it is built); with that variable
// set, this file too comes from the cache and Node's TypeScript stripper is never loaded (15 MB).
// NODE_DISABLE_COMPILE_CACHE=1 turns it off.
import { enableCompileCache } from 'node:module';

enableCompileCache();

const { runCli } = await import('./cli/index.ts');

process.exitCode = await runCli(process.argv.slice(2), {
  stdout: (text) => process.stdout.write(`${text}\n`),
  stderr: (text) => process.stderr.write(`${text}\n`),
  env: process.env,
  // `audit --follow` writes here, waiting for a slow reader; a reader that goes away (EPIPE) ends it.
  out: process.stdout,
});
