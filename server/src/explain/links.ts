// explain layer: where a finding's explanation lives. One place for every
// front-end: SARIF helpUri, JSON helpUri, LSP codeDescription.href and hover links.

import type { Era } from '../model/types';
import { explanationHref } from './pages';

/** Home of the project; the static explanation pages (npm run explanations) are published under it. */
export const PROJECT_URL = 'https://fsdax-audit.github.io/fsdax-audit';

/** The page of a scenario, at the section of an era when one is given. */
export function explanationUrl(scenario: string, era?: Era): string {
  const page = era ? explanationHref(scenario, era) : `${encodeURIComponent(scenario)}.html`;
  return `${PROJECT_URL}/explanations/${page}`;
}
