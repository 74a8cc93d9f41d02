// The page: search as you submit, recommendations on demand, "now playing" pushed
// by the server. Markup and ids mirror the Flask example's page (examples/musicapp).
import { useCallback, useEffect, useRef, useState } from 'react';
import { nowPlaying, recommendations, searchTracks } from './api.js';

function TrackList({ id, tracks, onSimilar }) {
  return (
    <ol id={id} className="track-list">
      {tracks.map((t) => (
        <li key={t.id}>
          {`${t.title} by ${t.artist} `}
          <span className="meta">{`${t.genre}, ${t.year}, ${t.tempo} bpm`}</span>
          {onSimilar && (
            <button type="button" className="recommend" aria-label={`Tracks similar to ${t.title}`}
              onClick={() => onSimilar(t.id)}>Similar</button>
          )}
        </li>
      ))}
    </ol>
  );
}

function Header({ regress }) {
  // regress: the logo loses its alt text and the title its contrast.
  return (
    <header className="site-header">
      {regress
        ? <img src="/logo.svg" width="40" height="40" />
        : <img src="/logo.svg" width="40" height="40" alt="EchoTune logo" />}
      <h1 className={regress ? 'faint' : undefined}>EchoTune Music</h1>
    </header>
  );
}

function SearchForm({ regress, onSearch }) {
  const input = useRef(null);
  const submit = (event) => {
    event.preventDefault();
    onSearch(input.current.value);
  };
  // regress: the search box loses its label and the button its text.
  return (
    <form id="search-form" role="search" onSubmit={submit}>
      {!regress && <label htmlFor="q">Title, artist or genre</label>}
      <input id="q" name="q" type="search" autoComplete="off" ref={input}
        placeholder={regress ? undefined : 'e.g. jazz'} />
      {regress
        ? <button id="search-button" type="submit" className="icon-button"><span className="icon" /></button>
        : <button id="search-button" type="submit">Search</button>}
    </form>
  );
}

export default function App({ regress = false }) {
  const [status, setStatus] = useState('');
  const [results, setResults] = useState([]);
  const [similar, setSimilar] = useState([]);
  const [playing, setPlaying] = useState(null);
  const latest = useRef(0);

  const runSearch = useCallback(async (query) => {
    const ticket = ++latest.current;
    setStatus('Searching...');
    try {
      const tracks = await searchTracks(query);
      if (ticket !== latest.current) return;
      setResults(tracks);
      setStatus(`${tracks.length} tracks`);
    } catch (err) {
      if (ticket === latest.current) setStatus(`Search failed: ${err.message}`);
    }
  }, []);

  const showSimilar = useCallback(async (trackId) => {
    try {
      setSimilar(await recommendations(trackId));
    } catch (err) {
      setStatus(`Recommendations failed: ${err.message}`);
    }
  }, []);

  useEffect(() => {
    runSearch('');
  }, [runSearch]);

  useEffect(() => nowPlaying(setPlaying), []);

  return (
    <>
      <Header regress={regress} />
      <main id="main">
        <section aria-labelledby="search-heading">
          <h2 id="search-heading">Find a track</h2>
          <SearchForm regress={regress} onSearch={runSearch} />
          <p id="status" role="status" aria-live="polite">{status}</p>
          <TrackList id="results" tracks={results} onSimilar={showSimilar} />
        </section>
        <section aria-labelledby="recs-heading">
          <h2 id="recs-heading">Recommended for you</h2>
          <TrackList id="recommendations" tracks={similar} />
        </section>
      </main>
      <footer>
        <p id="now-playing">
          {playing ? `Now playing: ${playing.title} by ${playing.artist}` : 'Now playing: tuning in...'}
        </p>
        <p>Catalogue of 2,000 tracks. Demo app for EchoTune CI.</p>
      </footer>
    </>
  );
}
