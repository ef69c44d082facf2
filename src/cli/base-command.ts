import type { Org } from '@salesforce/core';
import { SfCommand } from '@salesforce/sf-plugins-core';
import type { OrgClient } from '../service/org-client.js';
import type { OrgContext } from '../service/connect.js';
import { exitCodeOf, type ExitCode, type Outcome } from '../service/plan.js';

/**
 * What every integration-user command shares: the org client for --target-org at the requested API version,
 * and its exit code kept on the command itself (several commands run in one process, as the tests run them,
 * each read their own), set from the run's outcomes by exitCodeOf.
 */
export abstract class IntegrationUserCommand<T> extends SfCommand<T> {
  /** This run's exit code: 0 done, 68 partly done, 1 failed (an error thrown sets its own). */
  public exitCode: ExitCode = 0;

  /** The org client for the resolved --target-org, at the API version asked for (--api-version) or the org's. */
  protected async connect(
    org: Org,
    apiVersion: string | undefined
  ): Promise<{ client: OrgClient; context: OrgContext }> {
    const { connect } = await import('../service/connect.js');
    return connect(org, apiVersion);
  }

  /** Ends the run with the exit code of its outcomes (0, 68 or 1), for sf and for this instance. */
  protected exitWith(outcomes: readonly Outcome[]): ExitCode {
    this.exitCode = exitCodeOf(outcomes);
    if (this.exitCode) process.exitCode = this.exitCode;
    return this.exitCode;
  }

  /** The --json envelope's status is this run's exit code, not whatever another run in the process set. */
  protected toSuccessJson(result: T): SfCommand.Json<T> {
    return { ...super.toSuccessJson(result), status: this.exitCode };
  }
}
