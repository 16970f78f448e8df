// docs/model.md is the reviewable view of the model's kernel facts: it must be what
// `npm run model-doc` writes from server/src/model/fsdax-model.json today.
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { eraRange, MODEL_DOC, MODEL_JSON, renderModelDoc } from '../../scripts/gen-model-doc';

const repo = path.join(__dirname, '..', '..', '..');
const model = () => JSON.parse(fs.readFileSync(path.join(repo, MODEL_JSON), 'utf8')) as Record<string, unknown>;

describe('docs/model.md', () => {
  it('is current: regenerating it from the model gives identical bytes (else run npm run model-doc)', () => {
    const committed = fs.readFileSync(path.join(repo, MODEL_DOC), 'utf8');
    assert.ok(committed === renderModelDoc(model()), `${MODEL_DOC} is stale: run npm run model-doc and commit it`);
  });

  it('renders the same bytes whatever the order of the model\'s lists', () => {
    const m = model();
    const reversed = Object.fromEntries(Object.entries(m).map(([k, v]) => [k, Array.isArray(v) ? [...v].reverse() : v]));
    assert.strictEqual(renderModelDoc(reversed), renderModelDoc(m));
  });

  it('shows a kind it does not know yet, and every cited fact with its citation', () => {
    const m = { ...model(), futureFacts: [{ call: 'new_fact', eras: ['6.15+'], cite: ['mm/x.c:1 (6.15)'] }] };
    const doc = renderModelDoc(m);
    assert.match(doc, /## Other: `futureFacts`[\s\S]*\| `new_fact` \|[^\n]*\| 6\.15\+ \| all \|[^\n]*mm\/x\.c:1 \(6\.15\) \|/);
    const cites = JSON.stringify(model()).match(/"cite":\[[^\]]*\]/g) ?? [];
    for (const c of cites) for (const one of JSON.parse(`{${c}}`).cite as string[]) assert.ok(doc.includes(one), `citation missing: ${one}`);
  });

  it('writes era ranges compactly', () => {
    assert.strictEqual(eraRange(undefined), 'all');
    assert.strictEqual(eraRange(['<=5.18', '5.19-6.1', '6.2-6.14']), '<=6.14');
    assert.strictEqual(eraRange(['5.19-6.1', '6.2-6.14']), '5.19-6.14');
    assert.strictEqual(eraRange(['<=5.18', '6.15+']), '<=5.18, 6.15+');
    assert.strictEqual(eraRange(['6.2-6.14', '6.15+']), '6.2+');
  });
});
