/**
 * Loaded by mocha before any test file: the test process itself gets an isolated HOME and the
 * environment that keeps every sf library from reaching out (no auto-update, telemetry or version check), so no
 * test can read or write the developer's own ~/.sf or ~/.sfdx.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { QUIET_SF } from './helpers/sf.js';

process.env.HOME = mkdtempSync(path.join(tmpdir(), 'piu-test-home-'));
process.env.USERPROFILE = process.env.HOME;
Object.assign(process.env, QUIET_SF);

// Every in-process command run adds sf's signal handlers; a test file runs dozens of commands.
process.setMaxListeners(100);
