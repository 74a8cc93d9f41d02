'use strict';
// Preloaded (NODE_OPTIONS=--require) into the Node processes of a build that `echotune-ci run --base-ref`
// serves beside another on the port both always listen on: a server's listen on port FROM listens on TO
// instead (ECHOTUNE_PORT_MAP="FROM:TO"). http, https and Express servers are net servers, and a cluster
// worker's listen runs in the worker, which inherits NODE_OPTIONS. Every other listen is left as it is.
// A connection to port FROM of this machine goes to TO as well: a page that fetched its own API on
// localhost:FROM (http.request, fetch: both connect through net) got the other build's answers.
const mapping = /^(\d{1,5}):(\d{1,5})$/.exec(process.env.ECHOTUNE_PORT_MAP || '');
if (mapping) {
  const from = Number(mapping[1]);
  const to = Number(mapping[2]);
  const net = require('net');
  const listen = net.Server.prototype.listen;
  const connect = net.Socket.prototype.connect;
  // listen(4000), listen('4000'): not a pipe's path, a handle, or a boolean
  const moved = (port) =>
    (typeof port === 'number' || (typeof port === 'string' && /^\s*\d+\s*$/.test(port))) && Number(port) === from
      ? to : port;
  // A connect without a host goes to localhost; any other host is another service that may use FROM
  const here = (host) =>
    host === undefined || host === null || /^(|localhost|0\.0\.0\.0|::1?|(::ffff:)?127(\.\d+){3})$/i.test(host);
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
  net.Socket.prototype.connect = function connectMoved(...args) {
    // net.connect() hands its arguments over normalized: an array (marked by a symbol, which
    // Object.assign copies) whose first item is the options
    const normalized = Array.isArray(args[0]);
    const first = normalized ? args[0][0] : args[0];
    if (first !== null && typeof first === 'object') {
      if (!first.path && here(first.host) && moved(first.port) !== first.port) {
        const options = Object.assign({}, first, { port: to });
        args[0] = normalized ? Object.assign([], args[0], { 0: options }) : options;
      }
    } else if (typeof args[1] !== 'string' || here(args[1])) {
      args[0] = moved(first);  // connect(port[, host][, cb]); a path is no port
    }
    return connect.apply(this, args);
  };
}
