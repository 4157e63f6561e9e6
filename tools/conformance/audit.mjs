// GraphQL-over-HTTP conformance: graphql-http's server audits against a live /graphql.
// Every audit must be `ok`; an error (MUST), a warning (SHOULD) or a notice (MAY) fails.
//
// Usage: node audit.mjs http://127.0.0.1:8000/graphql
import { auditServer } from 'graphql-http';

const url = process.argv[2];
if (!url) {
  console.error('usage: node audit.mjs <graphql url>');
  process.exit(2);
}

const results = await auditServer({ url });
const counts = { ok: 0, notice: 0, warn: 0, error: 0 };

for (const result of results) {
  counts[result.status] = (counts[result.status] ?? 0) + 1;
  const line = `${result.status.toUpperCase().padEnd(6)} ${result.id} ${result.name}`;
  if (result.status === 'ok') {
    console.log(line);
    continue;
  }
  let body = '';
  try {
    body = await result.response.text();
  } catch {
    body = '(body already read)';
  }
  console.log(`${line}\n       reason: ${result.reason}`);
  console.log(`       response: ${result.response.status} ${result.response.headers.get('content-type')} ${body.slice(0, 300)}`);
}

const failed = results.length - counts.ok;
console.log(
  `\ngraphql-http audits: ${results.length} total, ${counts.ok} ok, ${counts.warn} warn, ` +
    `${counts.error} error, ${counts.notice} notice`,
);
if (failed > 0) {
  console.error(`${failed} audit(s) not ok`);
  process.exit(1);
}
