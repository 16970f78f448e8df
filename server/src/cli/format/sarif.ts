// cli front-end: SARIF 2.1.0 for code-scanning services. The one place where a
// Finding becomes a SARIF result (style guide: core types are not protocol types).
// Deterministic: no timestamps, no machine paths except the root in originalUriBaseIds.
import { createHash } from 'crypto';
import { pathToFileURL } from 'url';
import type * as Sarif from 'sarif';
import type { Finding, FindingStep, Range } from '../../analysis/audit-types';
import { pathSteps } from '../../analysis/finding-text';
import type { Severity } from '../../analysis/rule-api';
import { explanationUrl, PROJECT_URL, TOOL_NAME, toolVersion } from '../project';
import type { Report } from '../report';
import { ruleCatalogue, RuleInfo, ruleName } from './rules';
import type { SnippetSource } from './snippets';

const SRCROOT = 'SRCROOT';
const LEVEL: Record<Severity, Sarif.ReportingConfiguration.level> = { error: 'error', warning: 'warning', info: 'note' };

export function formatSarif(report: Report): string {
  const rules = ruleCatalogue();
  const ruleIndex = new Map(rules.map((r, i) => [r.id, i] as const));
  const occurrences = new Map<string, number>();
  const location = (file: string, range: Range): Sarif.PhysicalLocation => physicalLocation(file, range, report.snippets);
  const results = report.findings.map((f) => toResult(f, ruleIndex.get(f.ruleId), occurrences, location));
  // --diff: what the change adds is `new`, a finding whose path it changed `updated` (removed ones are not uploaded as results).
  if (report.diff) {
    const changed = new Set(report.diff.changed);
    results.forEach((r, i) => { r.baselineState = changed.has(report.findings[i]) ? 'updated' : 'new'; });
  }
  const log: Sarif.Log = {
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
    runs: [{
      tool: {
        driver: {
          name: TOOL_NAME,
          semanticVersion: toolVersion(),
          version: toolVersion(),
          informationUri: PROJECT_URL,
          rules: rules.map(toDescriptor),
        },
      },
      invocations: [{
        executionSuccessful: true,
        toolExecutionNotifications: report.problems.map((p) => ({
          level: p.kind === 'internal' ? 'error' : 'warning',
          message: { text: sentence(`${p.message} [${p.kind}]`) },
          locations: p.file ? [{ physicalLocation: { artifactLocation: artifact(p.file), region: { startLine: p.line + 1 } } }] : undefined,
        })),
      }],
      originalUriBaseIds: { [SRCROOT]: { uri: rootUri(report.root), description: { text: 'The root of the audited kernel tree.' } } },
      columnKind: 'utf16CodeUnits',
      results,
      properties: {
        era: report.era.era, eraKnown: report.era.known, eraEvidence: report.era.evidence, scope: report.scope.mode,
        ...(report.diff ? { diffBase: report.diff.base, diffCommit: report.diff.commit, diffRemoved: report.diff.removed.length } : {}),
      },
    }],
  };
  return `${JSON.stringify(log, null, 2)}\n`;
}

function toDescriptor(rule: RuleInfo): Sarif.ReportingDescriptor {
  const help = explanationUrl(rule.explanation);
  const messages = Object.values(rule.messages).map((m) => `- ${m.replace(/\{\{(\w+)\}\}/g, '<$1>')}`);
  const fix = `Suppress a reviewed case with /* fsdax-audit: ignore ${rule.id} -- <why this is safe> */ on the line or the line above.`;
  return {
    id: rule.id,
    name: ruleName(rule.id),
    shortDescription: { text: sentence(rule.description) },
    fullDescription: { text: `${sentence(`${capitalise(rule.description)}; applies in the era the tree's headers give`)} Instead: ${sentence(rule.advice.replace(/`/g, ''))}` },
    help: {
      text: `${sentence(capitalise(rule.description))}\nInstead: ${rule.advice.replace(/`/g, '')}\nMessages:\n${messages.join('\n')}\nScenario: ${help}\n${fix}`,
      markdown: `${sentence(capitalise(rule.description))}\n\n**Instead:** ${rule.advice}\n\nMessages:\n\n${messages.join('\n')}\n\n[Scenario: ${rule.explanation}](${help})\n\n${fix}`,
    },
    helpUri: help,
    defaultConfiguration: { level: LEVEL[rule.severity] },
    properties: { tags: ['fsdax', 'correctness'], scenario: rule.explanation },
  };
}

type LocationOf = (file: string, range: Range) => Sarif.PhysicalLocation;

function toResult(f: Finding, ruleIndex: number | undefined, occurrences: Map<string, number>, location: LocationOf): Sarif.Result {
  // Two findings can share a fingerprint (the same expression twice in one
  // function); numbering them in output order keeps each partial fingerprint unique.
  const hash = createHash('sha256').update(f.fingerprint).digest('hex').slice(0, 32);
  const n = (occurrences.get(hash) ?? 0) + 1;
  occurrences.set(hash, n);
  const logical: Sarif.LogicalLocation[] | undefined = f.function
    ? [{ name: f.function, kind: 'function', fullyQualifiedName: `${f.file}:${f.function}` }]
    : undefined;
  const result: Sarif.Result = {
    ruleId: f.ruleId,
    ruleIndex,
    level: LEVEL[f.severity],
    // text: the headline (what the Problems list and the text report show); markdown adds the fix line.
    message: { text: sentence(f.message), ...(f.fix ? { markdown: `${sentence(f.message)}\n\n**Fix:** ${f.fix}` } : {}) },
    locations: [{ physicalLocation: location(f.file, f.range), logicalLocations: logical }],
    partialFingerprints: { 'fsdaxFingerprint/v1': `${hash}:${n}` },
  };
  // rank (0-100, SARIF 3.52.x): viewers sort by it; a hazard that needs no race ranks first.
  if (f.confidence) result.rank = f.debugOnly ? 10 : f.confidence === 'high' ? 90 : 50;
  if (f.use) result.properties = { use: f.use, confidence: f.confidence, ...(f.debugOnly ? { debugOnly: true } : {}), ...(f.race ? { race: f.race } : {}) };
  if (f.fix || f.detail) result.properties = { ...result.properties, ...(f.fix ? { fix: f.fix } : {}), ...(f.detail ? { detail: f.detail } : {}) };
  if (f.related?.length) {
    result.relatedLocations = f.related.map((s, i) => ({ id: i + 1, physicalLocation: location(s.file, s.range), message: { text: sentence(s.label) } }));
  }
  // One step per call level, then the site: the same steps the text report and the editor show.
  const steps = [...pathSteps(f), ...f.path.slice(-1)];
  if (steps.length > 1) {
    result.codeFlows = [{ threadFlows: [{ locations: steps.map((s, i, all) => toFlowLocation(s, i, all, location)) }] }];
  }
  return result;
}

function toFlowLocation(step: FindingStep, i: number, all: FindingStep[], location: LocationOf): Sarif.ThreadFlowLocation {
  return {
    location: {
      physicalLocation: location(step.file, step.range),
      logicalLocations: step.function ? [{ name: step.function, kind: 'function', fullyQualifiedName: `${step.file}:${step.function}` }] : undefined,
      message: { text: sentence(step.label) },
    },
    nestingLevel: 0,
    executionOrder: i + 1,
    importance: i === 0 || i === all.length - 1 ? 'essential' : 'important',
  };
}

function physicalLocation(file: string, range: Range, snippets: SnippetSource | undefined): Sarif.PhysicalLocation {
  const snippet = snippets?.(file, range);
  const loc: Sarif.PhysicalLocation = { artifactLocation: artifact(file), region: region(range) };
  if (!snippet) return loc;
  loc.region!.snippet = { text: snippet.text };
  loc.contextRegion = { startLine: snippet.context.startLine, endLine: snippet.context.endLine, snippet: { text: snippet.context.text } };
  return loc;
}

/** Paths under the root are relative to SRCROOT; others (outside the root) stay absolute file URIs. */
function artifact(file: string): Sarif.ArtifactLocation {
  if (file.startsWith('/')) return { uri: pathToFileURL(file).href };
  return { uri: file.split('/').map(encodeURIComponent).join('/'), uriBaseId: SRCROOT };
}

/** Core ranges are 0-based with an exclusive end; SARIF is 1-based and endColumn is one past the last character too. */
function region(r: Range): Sarif.Region {
  return { startLine: r.start.line + 1, startColumn: r.start.character + 1, endLine: r.end.line + 1, endColumn: r.end.character + 1 };
}

function rootUri(root: string): string {
  const href = pathToFileURL(root).href;
  return href.endsWith('/') ? href : `${href}/`;
}

/** SARIF messages are sentences (validator rule SARIF2001). */
function sentence(text: string): string {
  return /[.!?]$/.test(text) ? text : `${text}.`;
}

function capitalise(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
