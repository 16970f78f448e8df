// analysis layer: what a rule is and what it sees. A rule gets a RuleContext
// (resolved sites and the era) and reports by message id; the runner turns
// reports into Findings (ranges, severities, messages, scenario links).
import type { Era } from '../model/types';
import type { RawSiteKind, UseKind } from './sites';
import type { ResolvedSite } from './exposure';

export type Severity = 'error' | 'warning' | 'info';

/** 'high': the path alone makes the hazard; 'race': it also needs a concurrent event (truncate, another file's reflink fault). */
export type Confidence = 'high' | 'race';

export interface RuleMeta {
  /** fsdax/<name>; the file name in server/rules/ is <name>.ts. */
  id: string;
  severity: Severity;
  description: string;
  /** Simulator scenario id that explains the hazard (docs href and SARIF helpUri derive from it). */
  explanation: string;
  /**
   * What to do instead, in markdown (backticks for code): the hover's "Instead:"
   * and SARIF's help text. Lives with the rule so every front-end says the same.
   */
  advice: string;
  /**
   * Message templates, the long form (a finding's `detail`: the hover's details, SARIF help, JSON):
   * {{expr}}, {{era}}, {{function}}, {{source}}, {{eraMeaning}} and the report's data are filled by the runner.
   */
  messages: Record<string, string>;
  /**
   * Per message id, the headline a compiler would print: what is read, why it is wrong here, the
   * era, in at most ~100 characters once filled (the runner shortens code in it and appends the
   * confidence tags `[race]`, `[debug-only]`, `[benign: <use>]`). A message id without one prints
   * its long template as the headline. Placeholders as in `messages`, plus {{ruleOut}}.
   */
  headlines?: Record<string, string>;
  /**
   * Per message id, the `fix:` line: what to do instead, specific to the use where it can be
   * (`advice` when absent). {{ruleOut}} is how code fed from the finding's source keeps FS-DAX
   * pages out (model `ruleOut`: "rule out DAX mappings first (`vma_is_dax()`)").
   */
  fixes?: Record<string, string>;
}

export interface ReportOptions {
  /** Overrides meta.severity for this report (e.g. an index fed to vma_address is an error). */
  severity?: Severity;
  data?: Record<string, string>;
  /** What the read is used for, when the rule knows better than the recorded uses (a lock that dereferences: `deref`). */
  use?: UseKind;
  /** The hazard reported needs a concurrent event (a truncate-race message). */
  needsRace?: boolean;
  /** The confidence whatever the path's sharing needs (a hazard that does not depend on sharing: `high`). */
  confidence?: Confidence;
  /** A scenario that shows this hazard better than the rule's own (meta.explanation). */
  explanation?: string;
}

export interface RuleContext {
  readonly era: Era;
  /** Eras with shared FS-DAX pages (5.19 on). */
  readonly hasSharedPages: boolean;
  /** Eras whose shared marker is the 0x1 sentinel (5.19-6.14). */
  readonly hasSentinel: boolean;
  sites(...kinds: RawSiteKind[]): readonly ResolvedSite[];
  report(site: ResolvedSite, messageId: string, options?: ReportOptions): void;
}

export interface Rule {
  meta: RuleMeta;
  check(ctx: RuleContext): void;
}

export function defineRule(rule: Rule): Rule {
  return rule;
}

export const SUPPRESSION_RULE_ID = 'fsdax/suppression';

/** The findings of analysis/suppressions.ts as a rule, for the catalogue (SARIF rules, hover advice); not a Rule module, it has no sites. */
export const SUPPRESSION_RULE_META: RuleMeta = {
  id: SUPPRESSION_RULE_ID,
  severity: 'warning',
  description: 'fsdax-audit suppression comment without a reason, or one that silences nothing',
  explanation: 'suppressions',
  advice: 'Write why the read is safe after `--`, or remove the comment if nothing on this line or the next is reported.',
  messages: {
    noReason: 'suppression of {{rules}} has no reason; write "-- <why this is safe>"',
    unused: 'suppression of {{rules}} matches no finding on this line or the next; remove it',
  },
  headlines: {
    noReason: 'suppression of {{rules}} has no reason',
    unused: 'suppression of {{rules}} matches no finding on this line or the next',
  },
  fixes: {
    noReason: 'write why the read is safe after `--`: `/* fsdax-audit: ignore {{rules}} -- <why> */`',
    unused: 'remove the comment',
  },
};
