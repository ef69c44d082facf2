import type { Messages } from '@salesforce/core';

/**
 * A count with its noun in the count's English plural form ("1 record", "2 records"): the message `<key>.one` or
 * `<key>.other` of the bundle, the count its token (Intl.PluralRules names the form).
 */
export const plural = (messages: Messages<string>, key: string, count: number): string =>
  messages.getMessage(`${key}.${new Intl.PluralRules('en').select(count)}`, [count]);
