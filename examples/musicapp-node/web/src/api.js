// Thin client for the JSON API.
export async function searchTracks(query) {
  const res = await fetch(`/api/tracks?q=${encodeURIComponent(query)}&limit=20`);
  if (!res.ok) throw new Error(`search failed: ${res.status}`);
  return (await res.json()).results;
}

export async function recommendations(trackId) {
  const res = await fetch(`/api/recommendations?track_id=${trackId}`);
  if (!res.ok) throw new Error(`recommendations failed: ${res.status}`);
  return (await res.json()).results;
}

// "Now playing" pushed by the server over a WebSocket; reconnects with a back-off.
// Returns a function that closes the channel.
export function nowPlaying(onTrack) {
  let socket = null;
  let closed = false;
  let delay = 1000;
  const open = () => {
    const scheme = window.location.protocol === 'https:' ? 'wss' : 'ws';
    socket = new WebSocket(`${scheme}://${window.location.host}/ws/now-playing`);
    socket.addEventListener('open', () => { delay = 1000; });
    socket.addEventListener('message', (event) => {
      try {
        const message = JSON.parse(event.data);
        if (message.type === 'now-playing') onTrack(message.track);
      } catch {
        // not a message of ours
      }
    });
    socket.addEventListener('close', () => {
      if (closed) return;
      setTimeout(open, delay);
      delay = Math.min(delay * 2, 30000);
    });
  };
  open();
  return () => {
    closed = true;
    socket?.close();
  };
}
