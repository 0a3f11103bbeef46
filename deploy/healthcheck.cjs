// The image's HEALTHCHECK: GET /health on this container, with node's own fetch (slim images have no curl).
// HEALTHCHECK_PORT names the port when it is not PORT's (the worker receiver listens on WORKERS_PORT).
'use strict';

const port = process.env.HEALTHCHECK_PORT || process.env.PORT || '8080';

fetch(`http://127.0.0.1:${port}/health`, { signal: AbortSignal.timeout(4000) })
  .then((response) => process.exit(response.ok ? 0 : 1))
  .catch(() => process.exit(1));
