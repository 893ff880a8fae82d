// Model text, reward names, run ids and metric names are data, never markup: hostile strings are shown literally,
// run nothing, inject no element and make no request.
/* eslint-disable @typescript-eslint/no-explicit-any */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startHarness, openPanel, unexpectedRequests, type Harness, type OpenedPage } from './helpers/webviewPage';
import type { Sample } from '../../schemas/generated/trainerEvent';

let h: Harness;
before(async () => { h = await startHarness(); });
after(async () => { await h?.close(); });

function payloads(origin: string): string[] {
  return [
    `<script>window.__pwned = 'script'</script>`,
    `<img src="${origin}/pwned-img" onerror="window.__pwned='img'">`,
    `</pre></td></tr></table></div><div id="injected">escaped</div>`,
    `<a id="jslink" href="javascript:window.__pwned='js-url'">click me</a> javascript:window.__pwned='bare'`,
    `<iframe src="${origin}/pwned-frame"></iframe><style>body{display:none}</style>`,
    `<svg onload="window.__pwned='svg'"><use href="${origin}/pwned-svg#x"/></svg>`,
  ];
}

async function assertInert(p: OpenedPage, panel: string, texts: string[]): Promise<void> {
  const body = (await p.page.textContent('body'))!;
  for (const t of texts) assert.ok(body.includes(t), `shown literally: ${t}`);
  const found = await p.page.evaluate(() => {
    const d = (globalThis as any).document;
    return {
      pwned: (globalThis as any).__pwned ?? null,
      injected: d.querySelectorAll('#injected, #jslink, iframe, img, svg, style, a, object, embed').length,
      scripts: d.querySelectorAll('script').length,
      bodyVisible: (globalThis as any).getComputedStyle(d.body).display !== 'none',
    };
  });
  assert.deepEqual(found, { pwned: null, injected: 0, scripts: 1, bodyVisible: true });
  assert.deepEqual(unexpectedRequests(h.origin, panel, p.requests), []);
  assert.ok(!h.served.some((s) => s.startsWith('/pwned')), `requests: ${h.served}`);
  assert.deepEqual(await p.cspViolations(), []);
}

test('samples viewer shows hostile completions, prompts, tokens and reward names as text', async () => {
  const p = await openPanel(h, 'samples');
  const evil = payloads(h.origin);
  const samples: Sample[] = evil.map((text, i) => ({
    group: i % 2, index: Math.floor(i / 2), prompt: `prompt ${i % 2} ${evil[(i + 1) % evil.length]}`, completion: text,
    rewards: { [`<b onmouseover="window.__pwned='col'">fn</b>`]: i, ok: null }, reward: i, advantage: i - 2.5,
    length: 3, truncated: i % 2 === 0, tokens: [text.slice(0, 20), text.slice(20, 40), text.slice(40)], loss_mask: [0, 1, 1],
  }));
  await p.send({ type: 'init', runId: `<img src=x onerror="window.__pwned='runid'">`, steps: [7], evalSteps: [], running: false,
    logCompletions: true, completionsSteps: 1 });
  await p.waitForPosted('requestSamples');
  await p.send({ type: 'samples', runId: 'x', step: 7, source: 'train', samples });
  await p.page.waitForSelector('.sample-row');
  for (const row of await p.page.locator('.sample-row').all()) await row.click();
  assert.equal(await p.page.locator('.token-row').count(), evil.length);
  await p.page.locator('.sample-row').first().hover();
  await assertInert(p, 'samples', [...evil, `<b onmouseover="window.__pwned='col'">fn</b>`]);
  await p.screenshot('samples-hostile');
  await p.page.context().close();
});

test('dashboard shows hostile run ids, metric names, config values and alert text as text', async () => {
  const p = await openPanel(h, 'dashboard');
  const evil = payloads(h.origin);
  const series = { reward: { steps: [1, 2, 3], values: [0.1, 0.2, 0.3] }, [evil[1]]: { steps: [1, 2], values: [1, 2] } };
  await p.send({
    type: 'init', runs: [{
      header: { id: evil[0], status: 'running', step: 3, maxSteps: 10, algorithm: evil[2], model: evil[3], device: evil[4], startedAt: 1, finishedAt: null,
        lastEventAt: 2, configSummary: [[evil[5], evil[1]]], hasConfig: true, error: evil[2], warmStart: null, rlStepSeconds: null,
        reward: 0.5, bestEval: { metric: evil[3], value: 0.7, step: 2 } },
      series,
      alerts: [{ code: 'x', level: 'warning', message: evil[1], hint: evil[0], step: 2, source: 'trainer' }],
    }],
  });
  await p.page.waitForSelector('.card[data-drawn]');
  await p.page.locator('.card canvas').first().hover();
  await assertInert(p, 'dashboard', evil);
  assert.match((await p.page.textContent('.field-best'))!, /0.7 @ step 2/);
  await p.page.context().close();
});
