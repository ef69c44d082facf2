#!/usr/bin/env node
// Runs the built plugin from lib/ as its own CLI (as `sf` would with the plugin installed).
import { execute } from '@oclif/core';

await execute({ dir: import.meta.url });
