"""Acts as a podcast app against a feed: feedparser reads it as most apps do, then gPodder's
command-line client subscribes, updates and downloads every episode. Any failure exits 1.

Run by scripts/podcast-client in the venv scripts/podcast/setup makes.
"""

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import feedparser


def fail(message):
    print(f"podcast-client: {message}", file=sys.stderr)
    sys.exit(1)


def check_feed(url):
    """The feed's episodes as (guid, title) after checking what apps depend on."""
    feed = feedparser.parse(url)
    if feed.get("status") not in (None, 200):
        fail(f"{url} answered HTTP {feed.status}")
    if feed.bozo:
        fail(f"{url} is not a well-formed feed: {feed.bozo_exception}")
    if not feed.version.startswith("rss"):
        fail(f"{url} is {feed.version or 'not a feed'}, not RSS (podcast apps want RSS 2.0)")
    if not feed.entries:
        fail(f"{url} has no episodes")
    print(f"feed: {feed.feed.get('title', '(no title)')} ({feed.version}), {len(feed.entries)} episodes")
    episodes = []
    for entry in feed.entries:
        title = entry.get("title", "(no title)")
        # Apps tell episodes apart by guid: without one, a changed title is a new episode.
        guid = entry.get("id")
        if not guid:
            fail(f"episode {title!r} has no guid")
        if guid in (g for g, _ in episodes):
            fail(f"episode {title!r} repeats the guid {guid!r}")
        enclosures = entry.get("enclosures", [])
        if len(enclosures) != 1:
            fail(f"episode {title!r} has {len(enclosures)} enclosures; an episode has one")
        print(f"  {title}  guid={guid}  published={entry.get('published', '(no date)')}")
        for enclosure in enclosures:
            href, length, kind = (enclosure.get(k) for k in ("href", "length", "type"))
            if not href or not kind or not str(length).isdigit() or int(length) <= 0:
                fail(f"episode {title!r}: enclosure needs url, length and type: {dict(enclosure)}")
            print(f"    enclosure {href}  {length} bytes  {kind}")
        episodes.append((guid, title))
    return episodes


def download_all(url, episodes, downloads):
    """Every episode through gpo, into `downloads`; the files' paths."""
    if shutil.which("gpo") is None:
        fail("gpo (Debian package gpodder) is not installed: run scripts/setup")
    downloads.mkdir(parents=True, exist_ok=True)
    if any(downloads.iterdir()):
        fail(f"{downloads} is not empty: give a new folder, so that every file in it is a download")
    with tempfile.TemporaryDirectory(prefix="gpodder-home.") as home:
        env = dict(os.environ, GPODDER_HOME=home, GPODDER_DOWNLOAD_DIR=str(downloads))

        def gpo(*args):
            done = subprocess.run(["gpo", *args], env=env, capture_output=True, text=True)
            if done.returncode != 0:
                fail(f"gpo {' '.join(args)} failed:\n{done.stdout}{done.stderr}")
            return done.stdout + done.stderr

        # gpo exits 0 whatever happened: what it did is checked, not its status.
        said = gpo("subscribe", url)
        if url not in gpo("list"):
            fail(f"gpo could not subscribe to {url}:\n{said}")
        gpo("update", url)
        # `gpo download` alone fetches only the episodes gPodder counts as new; asking for
        # each guid fetches them all.
        for guid, title in episodes:
            said = gpo("download", url, guid)
            if "1 episodes downloaded" not in said:
                fail(f"gpo did not download {title!r} ({guid}):\n{said}")
    # A failed download still says [DONE]; it leaves a .partial file and no episode.
    partial = sorted(downloads.rglob("*.partial"))
    if partial:
        fail("downloads left unfinished: " + ", ".join(map(str, partial)))
    files = sorted(p for p in downloads.rglob("*") if p.is_file())
    if len(files) != len(episodes):
        fail(f"{len(episodes)} episodes but {len(files)} files: {', '.join(map(str, files))}")
    return files


def main():
    if len(sys.argv) != 3 or sys.argv[1] in ("-h", "--help"):
        print("usage: scripts/podcast-client FEED_URL DOWNLOAD_DIR", file=sys.stderr)
        sys.exit(2)
    url, downloads = sys.argv[1], Path(sys.argv[2]).resolve()
    episodes = check_feed(url)
    for path in download_all(url, episodes, downloads):
        print(f"downloaded: {path} ({path.stat().st_size} bytes)")


if __name__ == "__main__":
    main()
