// A JSON-lines worker written in node, for testing the worker client against a real process: each method exercises
// one way a worker behaves (slow, stuck, dying, noisy).
export const FAKE_WORKER = `
const rl = require('readline').createInterface({ input: process.stdin });
const reply = (m, result) => console.log(JSON.stringify({ id: m.id, result }));
rl.on('line', (line) => {
  const m = JSON.parse(line);
  if (m.method === 'echo') reply(m, m.params);
  else if (m.method === 'slow') setTimeout(() => reply(m, 'slow'), m.params.ms);
  else if (m.method === 'pid') reply(m, process.pid);
  else if (m.method === 'hang') { for (;;) {} }
  else if (m.method === 'die') { console.error('dying now'); process.exit(3); }
  else if (m.method === 'noise') { console.log('not json'); console.log(JSON.stringify({ id: 9999 })); reply(m, 'after noise'); }
});
rl.on('close', () => process.exit(0));
`;
