// explain layer: where a finding's explanation lives. One place for every
// front-end: SARIF helpUri, JSON helpUri, LSP codeDescription.href and hover links.

import { ERAS, type Era } from '../model/types';
import { explanationHref } from './pages';
import { eraAnchor } from './render-html';

/** Home of the project; the static explanation pages (npm run explanations) are published under it. */
export const PROJECT_URL = 'https://fsdax-audit.github.io/fsdax-audit';

/** The page of a scenario, at the section of an era when one is given. */
export function explanationUrl(scenario: string, era?: Era): string {
  const page = era ? explanationHref(scenario, era) : `${encodeURIComponent(scenario)}.html`;
  return `${PROJECT_URL}/explanations/${page}`;
}

/** The scenario and era an explanationUrl() points at; undefined for any other URL. */
export function parseExplanationUrl(url: string): { scenario: string; era?: Era } | undefined {
  const prefix = `${PROJECT_URL}/explanations/`;
  if (!url.startsWith(prefix)) return undefined;
  const m = /^([\w-]+)\.html(?:#(.*))?$/.exec(url.slice(prefix.length));
  if (!m) return undefined;
  const era = ERAS.find((e) => eraAnchor(e) === m[2]);
  return era ? { scenario: m[1], era } : { scenario: m[1] };
}
