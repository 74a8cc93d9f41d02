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
