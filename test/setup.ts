/**
 * Loaded by mocha before any test file: the test process itself gets an isolated HOME and the
 * environment that keeps every sf library from reaching out (testing guide, section 3), so no
 * test can read or write the developer's own ~/.sf or ~/.sfdx.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

process.env.HOME = mkdtempSync(path.join(tmpdir(), 'piu-test-home-'));
process.env.USERPROFILE = process.env.HOME;
Object.assign(process.env, {
  SF_DISABLE_AUTOUPDATE: 'true',
  SF_DISABLE_TELEMETRY: 'true',
  SF_SKIP_NEW_VERSION_CHECK: 'true',
  SF_USE_GENERIC_UNIX_KEYCHAIN: 'true',
  OCLIF_DISABLE_LINKED_ESM_WARNING: 'true',
  SF_DISABLE_DNS_CHECK: 'true',
});

// Every in-process command run adds sf's signal handlers; a test file runs dozens of commands.
process.setMaxListeners(100);
