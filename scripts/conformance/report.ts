// The run's report: one line per step as it happens (or one JSON document at the end), what the
// run left in the org, and the verdict.

export type StepStatus = 'pass' | 'fail' | 'skip';

export type StepRecord = {
  phase: string;
  step: string;
  status: StepStatus;
  /** What happened, or for a failure, what was expected and what came instead. */
  outcome: string;
  /** The command, as a person would type it to see for themselves. */
  command?: string;
  ms?: number;
};

const MARK: Record<StepStatus, string> = { pass: '✓', fail: '✗', skip: '-' };

export class Report {
  public readonly steps: StepRecord[] = [];
  public readonly left: string[] = [];
  private phaseTitle = '';

  public constructor(
    private readonly json: boolean,
    private readonly about: Record<string, unknown>
  ) {}

  public get failed(): boolean {
    return this.steps.some((s) => s.status !== 'pass');
  }

  public start(lines: string[]): void {
    if (!this.json) console.log(lines.join('\n'));
  }

  public phase(title: string): void {
    this.phaseTitle = title;
    if (!this.json) console.log(`\n${title}`);
  }

  public add(step: Omit<StepRecord, 'phase'>): StepRecord {
    const record = { phase: this.phaseTitle, ...step };
    this.steps.push(record);
    if (!this.json) {
      const time = step.ms === undefined ? '' : ` (${(step.ms / 1000).toFixed(1)} s)`;
      console.log(`  ${MARK[step.status]} ${step.step.padEnd(24)}  ${step.outcome}${time}`);
      if (step.command && step.status !== 'skip') console.log(`      $ ${step.command}`);
    }
    return record;
  }

  /** Prints what is left and the verdict; true when every step passed. */
  public finish(): boolean {
    const passed = this.steps.filter((s) => s.status === 'pass').length;
    const ok = !this.failed && passed > 0;
    if (this.json) {
      console.log(
        JSON.stringify({ status: ok ? 'pass' : 'fail', ...this.about, steps: this.steps, left: this.left }, null, 2)
      );
      return ok;
    }
    if (this.left.length) {
      console.log('\nLeft in the org');
      for (const item of this.left) console.log(`  • ${item}`);
    }
    const failed = this.steps.filter((s) => s.status === 'fail').map((s) => s.step);
    const skipped = this.steps.filter((s) => s.status === 'skip').length;
    console.log(
      ok
        ? `\nPASS: all ${passed} steps behaved as expected.`
        : `\nFAIL: ${failed.length} of ${this.steps.length} steps didn't behave as expected (${failed.join(', ')})${skipped ? `; ${skipped} not run` : ''}.`
    );
    return ok;
  }
}
