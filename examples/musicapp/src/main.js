// Page behaviour: search as you submit, recommendations on demand.
function renderTracks(list, tracks, withButtons) {
  list.replaceChildren(...tracks.map((t) => {
    const li = document.createElement('li');
    li.textContent = `${t.title} by ${t.artist} `;
    const meta = document.createElement('span');
    meta.className = 'meta';
    meta.textContent = `${t.genre}, ${t.year}, ${t.tempo} bpm`;
    li.append(meta);
    if (withButtons) {
      const b = document.createElement('button');
      b.type = 'button';
      b.className = 'recommend';
      b.textContent = 'Similar';
      b.setAttribute('aria-label', `Tracks similar to ${t.title}`);
      b.addEventListener('click', () => showRecommendations(t.id));
      li.append(b);
    }
    return li;
  }));
}

async function showRecommendations(trackId) {
  const list = document.getElementById('recommendations');
  renderTracks(list, await recommendations(trackId), false);
}

async function runSearch(query) {
  const status = document.getElementById('status');
  status.textContent = 'Searching...';
  const tracks = await searchTracks(query);
  status.textContent = `${tracks.length} tracks`;
  renderTracks(document.getElementById('results'), tracks, true);
}

document.getElementById('search-form').addEventListener('submit', (e) => {
  e.preventDefault();
  runSearch(document.getElementById('q').value);
});
runSearch('');
