import { StateAggregator, type Org, type SfError } from '@salesforce/core';
import { SfCommand } from '@salesforce/sf-plugins-core';
import type { Interfaces } from '@oclif/core';
import type { OrgClient } from '../service/org-client.js';
import type { OrgContext } from '../service/connect.js';
import { exitCodeOf, type Advice, type ExitCode, type Fix, type Outcome } from '../service/plan.js';
import { shellQuote } from '../service/shell.js';
import { renderAdvice, renderError, renderFix, type RenderContext } from './fixes.js';

/** oclif's FlagOutput and ArgOutput (not exported by @oclif/core/interfaces): values by name. */
type Output = Record<string, unknown>;

/**
 * What every integration-user command shares: the org client for --target-org at the requested API version;
 * the fixes services name, rendered with the binary the user runs and the org as they name it (in results, and
 * in every error's actions: catch); and its exit code, kept on the command itself (several commands run in one
 * process, as the tests run them, each read their own), set from the run's outcomes by exitCodeOf.
 */
export abstract class IntegrationUserCommand<T> extends SfCommand<T> {
  /** This run's exit code: 0 done, 68 partly done, 1 failed, 2 the org differs from a spec (an error thrown sets its own). */
  public exitCode: ExitCode = 0;
  /** How fixes name the binary and the org; the org is known once the flags are read (parse) or once connected. */
  protected renderContext: RenderContext = { bin: this.config.bin, targetOrg: '<target-org>' };
  /** --target-org (or -o) exactly as the user typed it, an alias or a username; none when sf's default org is used. */
  private typedTargetOrg?: string;

  /**
   * oclif's parse, noting --target-org as typed (its raw token): fixes name the org the way the user named it,
   * even in the errors of input refused before the org is asked.
   */
  protected async parse<F extends Output, B extends Output, A extends Output>(
    options?: Interfaces.Input<F, B, A>,
    argv?: string[]
  ): Promise<Interfaces.ParserOutput<F, B, A>> {
    const parsed = await super.parse(options, argv);
    const typed = parsed.raw.find((token) => token.type === 'flag' && token.flag === 'target-org');
    if (typed) {
      this.typedTargetOrg = typed.input;
      this.renderContext = { bin: this.config.bin, targetOrg: shellQuote(typed.input) };
    }
    return parsed;
  }

  /**
   * The org client for the resolved --target-org, at the API version asked for (--api-version) or the org's.
   * Fixes name the org as the user typed it (an alias or a username); with sf's default org, by its alias when
   * it has one, else its username; quoted as one shell word.
   */
  protected async connect(
    org: Org,
    apiVersion: string | undefined
  ): Promise<{ client: OrgClient; context: OrgContext }> {
    const { connect } = await import('../service/connect.js');
    const connected = connect(org, apiVersion);
    const { adminUsername } = connected.context;
    const aliases = (await StateAggregator.getInstance()).aliases;
    this.renderContext = {
      bin: this.config.bin,
      targetOrg: shellQuote(this.typedTargetOrg ?? aliases.resolveAlias(adminUsername) ?? adminUsername),
    };
    return connected;
  }

  /** A fix as the user runs it (`<bin> <command> --flag value --target-org <org>`). */
  protected fix(fix: Fix): string {
    return renderFix(fix, this.renderContext);
  }

  /** An error's actions as this run prints them (its fixes rendered), for a warning that carries them. */
  protected actionsOf(error: Error | SfError): string[] {
    return (renderError(error, this.renderContext) as SfError).actions ?? [];
  }

  /** Words that name fixes, rendered. */
  protected advice(words: Advice): string {
    return renderAdvice(words, this.renderContext);
  }

  /**
   * Where long work is, as the spinner's status, in a terminal only. sf's spinner (sf-plugins-core ux/spinner.js)
   * is silent with --json only: its status setter isn't even guarded by that, and when stderr is no TTY oclif's
   * ux.action is the "simple" one (@oclif/core ux/index.js), which writes every status as a line of its own.
   */
  protected showProgress(status: string): void {
    if (process.stderr.isTTY && !this.jsonEnabled()) this.spinner.status = status;
  }

  /** Ends the run with the exit code of its outcomes (0, 68 or 1), or the one given (2: setup --check found drift), for sf and for this instance. */
  protected exitWith(outcomes: readonly Outcome[] | ExitCode): ExitCode {
    this.exitCode = typeof outcomes === 'number' ? outcomes : exitCodeOf(outcomes);
    if (this.exitCode) process.exitCode = this.exitCode;
    return this.exitCode;
  }

  /** The --json envelope's status is this run's exit code, not whatever another run in the process set. */
  protected toSuccessJson(result: T): SfCommand.Json<T> {
    return { ...super.toSuccessJson(result), status: this.exitCode };
  }

  /** A service's error names its fixes structured: they are rendered into its actions here, then sf prints it. */
  protected async catch(error: Error | SfError): Promise<never> {
    return super.catch(this.renderErrorData(renderError(error, this.renderContext)));
  }

  /** An error's data as --json shows it, for commands whose errors carry a result with fixes in it. */
  protected renderErrorData<E>(error: E): E {
    return error;
  }
}
