import httpx


def test_musicapp_serves_api_and_page(musicapp):
    r = httpx.get(musicapp.base_url + "/api/tracks?q=jazz&limit=3")
    assert r.status_code == 200
    assert len(r.json()["results"]) == 3
    page = httpx.get(musicapp.base_url + "/")
    assert 'lang="en"' in page.text
    js = httpx.get(musicapp.base_url + "/static/dist/app.js")
    assert js.status_code == 200 and "searchTracks" in js.text
