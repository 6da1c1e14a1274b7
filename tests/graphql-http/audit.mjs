// The graphql-http project's server audits against a running server:
//   node audit.mjs <url of /graphql> <bearer token>
// Prints each audit that did not pass, then one JSON line with the counts; exits 0 either way
// (the caller judges the counts).
import { serverAudits } from 'graphql-http';

const [url, token] = process.argv.slice(2);
if (!url || !token) {
  console.error('usage: node audit.mjs <url> <token>');
  process.exit(2);
}

// Every audit request signs in, as any client of the server must.
const fetchFn = (input, init = {}) => {
  const headers = new Headers(init.headers);
  headers.set('authorization', `Bearer ${token}`);
  return fetch(input, { ...init, headers });
};

const counts = { ok: 0, error: 0, warn: 0, notice: 0 };
for (const audit of serverAudits({ url, fetchFn })) {
  const result = await audit.fn();
  counts[result.status] += 1;
  if (result.status !== 'ok') {
    let body = '';
    try {
      body = result.response ? await result.response.text() : '';
    } catch {
      body = '';
    }
    console.log(
      `${result.status.toUpperCase()} ${result.id} ${result.name}: ${result.reason}` +
        (result.response ? ` (status ${result.response.status}) ${body.slice(0, 300)}` : ''),
    );
  }
}
console.log(JSON.stringify(counts));
