import { execFileSync } from 'node:child_process';
import { expect } from 'chai';
import { shellQuote } from '../../src/service/shell.js';

/** What sh makes of the word: printed back as its one argument. */
const throughSh = (word: string): string[] =>
  execFileSync('sh', ['-c', `printf '%s\\n' ${word}`], { encoding: 'utf8' })
    .split('\n')
    .slice(0, -1);

describe('shellQuote: a value as one POSIX shell word, for printed fixes', () => {
  it('leaves plain usernames, aliases and Ids bare; double-quotes an apostrophe', () => {
    expect(shellQuote('acme-sync@acme.example')).to.equal('acme-sync@acme.example');
    expect(shellQuote('prod')).to.equal('prod');
    expect(shellQuote('005000000000001AAA')).to.equal('005000000000001AAA');
    expect(shellQuote("o'brien.sync@acme.example")).to.equal('"o\'brien.sync@acme.example"');
  });

  it('gives sh back exactly the value, whatever it holds', () => {
    const values = [
      "o'brien.sync@acme.example",
      'say "hi"@acme.example',
      '$HOME@acme.example',
      '`id`@acme.example',
      'back\\slash@acme.example',
      'bang!@acme.example',
      'it\'s "$HOME" `x` \\ !',
      "'",
      "'\\''",
      'with space',
      '~user',
      '#hash',
      'glob*?[a]',
      'semi;colon&amp|pipe',
      '',
      'ünïcode@ácme.example',
    ];
    for (const value of values) expect(throughSh(shellQuote(value)), value).to.deep.equal([value]);
  });
});
