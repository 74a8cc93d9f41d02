'use strict';
// Preloaded (NODE_OPTIONS=--require) into the Node processes of a build that `echotune-ci run --base-ref`
// serves beside another on the port both always listen on: a server's listen on port FROM listens on TO
// instead (ECHOTUNE_PORT_MAP="FROM:TO"). http, https and Express servers are net servers, and a cluster
// worker's listen runs in the worker, which inherits NODE_OPTIONS. Every other listen is left as it is.
const mapping = /^(\d{1,5}):(\d{1,5})$/.exec(process.env.ECHOTUNE_PORT_MAP || '');
if (mapping) {
  const from = Number(mapping[1]);
  const to = Number(mapping[2]);
  const net = require('net');
  const listen = net.Server.prototype.listen;
  // listen(4000), listen('4000'): not a pipe's path, a handle, or a boolean
  const moved = (port) =>
    (typeof port === 'number' || (typeof port === 'string' && /^\s*\d+\s*$/.test(port))) && Number(port) === from
      ? to : port;
  net.Server.prototype.listen = function listenMoved(...args) {
    const first = args[0];
    if (first !== null && typeof first === 'object' && !Array.isArray(first)) {
      // listen({port, host}); an options object with a handle or fd names no port of its own
      if (!('fd' in first) && !('handle' in first) && !('_handle' in first) && moved(first.port) !== first.port) {
        args[0] = Object.assign({}, first, { port: to });
      }
    } else {
      args[0] = moved(first);
    }
    return listen.apply(this, args);
  };
}
