// Explanation links: every scenario and era round-trips through explanationUrl and
// parseExplanationUrl (the VS Code client turns the server's https links back into
// the webview's scenario and era with it); other URLs are not ours.
import * as assert from 'assert';
import { ERAS } from '../../server/src/model/types';
import { scenarioIds } from '../../server/src/explain/index';
import { PROJECT_URL, explanationUrl, parseExplanationUrl } from '../../server/src/explain/links';

describe('explain: links', () => {
  it('round-trips every scenario in every era, and without an era', () => {
    for (const scenario of scenarioIds()) {
      for (const era of ERAS) assert.deepStrictEqual(parseExplanationUrl(explanationUrl(scenario, era)), { scenario, era });
      assert.deepStrictEqual(parseExplanationUrl(explanationUrl(scenario)), { scenario });
    }
  });

  it('ignores URLs outside the explanation pages', () => {
    for (const url of ['https://example.org/explanations/shared-index.html', `${PROJECT_URL}/explanations/index`, `${PROJECT_URL}/other/shared-index.html`,
      `${PROJECT_URL}/explanations/../x.html`]) assert.strictEqual(parseExplanationUrl(url), undefined, url);
  });
});
