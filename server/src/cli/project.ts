// cli front-end: the project's identity as reports show it (name, version,
// home page, explanation pages). One place, so SARIF helpUri, JSON and text agree.
// Explanation URLs are shared with the language server: server/src/explain/links.ts.
export { explanationUrl, PROJECT_URL } from '../explain/links';
export { TOOL_NAME, toolVersion } from '../host/tool-version';

