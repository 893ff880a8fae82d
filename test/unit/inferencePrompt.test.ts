// The inference panel's prompt box: typed chat turns become serve's messages, a picked dataset record goes as it is
// while the box still shows it, and anything else is the typed text.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { generationInput, parseChat, promptText, type PickedPrompt } from '../../webview/inference/protocol';

test('chat turns: one per role line, continuation lines kept, CRLF and trailing blank lines tolerated', () => {
  assert.deepEqual(parseChat('system: be brief\r\nuser: what is 2+3?\nshow the steps\n\nassistant: 5\nuser: and 2*3?\n\n'), [
    { role: 'system', content: 'be brief' },
    { role: 'user', content: 'what is 2+3?\nshow the steps' },
    { role: 'assistant', content: '5' },
    { role: 'user', content: 'and 2*3?' },
  ]);
  assert.equal(parseChat('what is 2+3?'), null, 'no role line first');
  assert.equal(parseChat('system: be brief'), null, 'no user turn');
  assert.equal(parseChat('User: hi'), null, 'roles are lower case, as the chat template expects');
  assert.deepEqual(parseChat('user:hi'), [{ role: 'user', content: 'hi' }]);
});

test('a picked chat record round-trips through the box as the same turns', () => {
  const messages = [{ role: 'system', content: 'sys' }, { role: 'user', content: 'line 1\nline 2' }];
  assert.deepEqual(parseChat(promptText(messages)), messages);
});

test('generation input: the picked record while unchanged, typed chat turns in chat mode, text otherwise', () => {
  const picked: PickedPrompt = { prompt: [{ role: 'user', content: 'q' }], reference: '4', columns: { a: 1 }, source: 'd.jsonl:1' };
  assert.deepEqual(generationInput('user: q', true, picked), { messages: [{ role: 'user', content: 'q' }], reference: '4', columns: { a: 1 } });
  assert.deepEqual(generationInput('user: q!', true, picked), { messages: [{ role: 'user', content: 'q!' }] });
  assert.deepEqual(generationInput('user: q!', false, picked), { prompt: 'user: q!' });
  assert.deepEqual(generationInput('hello', false, null), { prompt: 'hello' });
  assert.match(String(generationInput('hello', true, null)), /Chat mode: write each turn/);
});
