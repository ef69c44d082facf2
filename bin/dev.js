#!/usr/bin/env -S node --loader ts-node/esm --no-warnings=ExperimentalWarning
// Runs the plugin from src/ through ts-node, for development without a build.
import { execute } from '@oclif/core';

await execute({ development: true, dir: import.meta.url });
