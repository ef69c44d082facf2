import { advice, type Advice } from './plan.js';

/**
 * The verify bundle's name and its "run this" advice, apart from verify.ts so that verify-login.ts can use them
 * without importing verify.ts back (a cycle in which the bundle's name is read before it is set).
 */
export const VERIFY = 'integration-user.verify';

/** A fix that is one command, as words of the verify bundle. */
export const just = (fix: Parameters<typeof advice>[2]): Advice => advice(VERIFY, 'fix.command', fix);
